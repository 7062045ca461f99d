"""One attempt of a probe under its timeout, and the `ProbeResult` made from its outcome.

Split out of `engine.py`, which schedules probes (order, dependencies, `jobs`, retries); these
two steps are the same for every probe: the attempt is bounded by the probe's own timeout plus
a backstop (a kind that ignores its timeout cannot hang the run), and every text of the result
is masked and made inert before it leaves the engine.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from qatui.core.checklist import ProbeSpec
from qatui.core.probes.base import Outcome, ProbeContext, cap_detail, where
from qatui.core.secrets import MASK, Masker
from qatui.core.session import ProbeResult, ProbeStatus

#: Extra seconds past a probe's own timeout before the engine itself gives up on it.
BACKSTOP = 5.0


async def attempt(module: Any, spec: ProbeSpec, config: dict[str, Any], context: ProbeContext) -> Outcome:
    """Run the probe kind `module` once; a timeout past its limit is a TIMEOUT outcome."""
    limit = spec.timeout + BACKSTOP
    if spec.kind == "logs":
        limit += float(config.get("within", 0) or 0)
    elif spec.kind == "exec":  # stopping a timed-out exec through the engine takes its own time
        limit += getattr(module, "STOP_SECONDS", 0.0)
    try:
        async with asyncio.timeout(limit):
            outcome: Outcome = await module.run(spec, config, context)
            return outcome
    except TimeoutError:
        return Outcome(
            ProbeStatus.TIMEOUT,
            f"no result within {limit:g} s",
            f"the probe did not finish within its timeout ({spec.timeout:g} s) and qatui stopped it",
        )


def result_of(spec: ProbeSpec, outcome: Outcome, duration_ms: float | None, masker: Masker) -> ProbeResult:
    """The result as it leaves the engine: every text masked, then made inert."""
    from qatui.core.text import inert  # untrusted text (servers, output) shows, never acts

    def mask(text: str) -> str:
        return inert(masker.mask(text))

    captures = {
        name: MASK if name in outcome.secret_captures else mask(value)  # line breaks kept: a value
        for name, value in outcome.captures.items()
    }
    return ProbeResult(
        probe_id=spec.id,
        kind=spec.kind,
        status=outcome.status,
        summary=mask(outcome.summary),
        duration_ms=round(duration_ms, 1) if duration_ms is not None else None,
        explanation=mask(outcome.explanation),
        detail=inert(cap_detail(masker.mask(outcome.detail))),  # mask first: a cut never shows a secret's start
        captures=captures,
        at=datetime.now(UTC),
        where=where(spec),
    )
