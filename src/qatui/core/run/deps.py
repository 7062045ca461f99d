"""Which probes a run needs: the ones asked for, and the earlier probes whose captures they use.

`qatui probe --only products-list` must also run `api-token`, or `${token}` is missing. On the
screen the same rule applies with one difference that matters: a capture already taken in this
session is reused, not taken again for every item that needs it (a token login repeated before
each of nine items is nine extra logins, and a capturing POST would be repeated the same way).
A capture is taken again only when it is missing: never taken, or dropped as stale because its
owner ran again and did not pass (`Scope.keep_captures`). A tester who re-runs the owner's item
asks for the owner's probes directly, so they run whatever is captured.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from qatui.core.checklist import Checklist, ProbeSpec
from qatui.core.variables import references


def referenced_names(spec: ProbeSpec) -> set[str]:
    """Variables a probe's configuration uses (those with a default included)."""
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            names.update(ref.name for ref in references(value))
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    walk({k: v for k, v in spec.config.items() if k != "capture"})
    return names


def producers(checklist: Checklist) -> dict[str, list[ProbeSpec]]:
    """capture name → the probes that capture it, in checklist order."""
    found: dict[str, list[ProbeSpec]] = {}
    for probe in checklist.probes():
        for name in probe.captures():
            found.setdefault(name, []).append(probe)
    return found


def plan_probes(
    checklist: Checklist, probes: Iterable[ProbeSpec], *, captured: Container[str] = ()
) -> list[ProbeSpec]:
    """`probes` plus the earlier probes whose captures they need and that are not in
    `captured` (the names this session already holds), in checklist order."""
    order = {id(p): i for i, p in enumerate(checklist.probes())}
    made = producers(checklist)
    wanted = {id(p): p for p in probes}
    queue = list(wanted.values())
    while queue:
        probe = queue.pop()
        for name in referenced_names(probe):
            if name in captured:
                continue
            earlier = [p for p in made.get(name, []) if order.get(id(p), -1) < order.get(id(probe), 0)]
            if earlier and id(earlier[-1]) not in wanted:
                wanted[id(earlier[-1])] = earlier[-1]
                queue.append(earlier[-1])
    return sorted(wanted.values(), key=lambda p: order.get(id(p), len(order)))


def with_dependencies(checklist: Checklist, probes: Iterable[ProbeSpec]) -> list[ProbeSpec]:
    """`plan_probes` with nothing captured yet (a fresh run: `qatui probe`)."""
    return plan_probes(checklist, probes)
