"""Sections, their items and the items' probes.

This is the hot loop of a big checklist (5,000 items): `items` binds its readers to locals.
A probe's common keys (`id`, `timeout`, `destructive`, `only_env`) are read here; its kind's
keys, `retry`/`until`, `expect` and `capture` by `ProbeChecker` with the kind's `SCHEMA`.
"""

from __future__ import annotations

from qatui.core.checklist import PRIORITY_SYNONYMS, Item, Priority, ProbeSpec, Section
from qatui.core.load.keys import ITEM_KEYS, MAX_RETRY_TOTAL, MAX_TIMEOUT, PROBE_COMMON, SECTION_KEYS
from qatui.core.load.positions import key_positions
from qatui.core.load.probe_checker import ProbeChecker
from qatui.core.load.reader import Reader
from qatui.core.probes import kinds
from qatui.core.probes.schema import DEFAULT_TIMEOUT
from qatui.core.suggest import did_you_mean
from qatui.core.yamlpos import YMap, YNode, YScalar, YSeq, describe


class ItemReader(Reader):
    """Reads `sections:` down to each probe."""

    def destructive(self, node: YNode | None) -> tuple[bool, bool]:
        """(destructive, always) from `destructive: true | false | always`."""
        if node is None:
            return False, False
        if isinstance(node, YScalar) and node.value == "always":
            return True, True
        if isinstance(node, YScalar) and isinstance(node.value, bool):
            return node.value, False
        self.add(node.pos, f"'destructive': expected true, false or always, got {describe(node)}")
        return False, False

    def sections(self, node: YNode) -> list[Section]:
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'sections': expected a list of sections, got {describe(node)}")
            return []
        if not node.items:
            self.add(node.pos, "'sections' is empty: a checklist needs at least one section")
        result = []
        for element in node.items:
            spec = self.mapping(element, "a section", SECTION_KEYS)
            if spec is None:
                continue
            section = Section(
                id=self.ident(spec, "a section", "section"),
                title=self.req_string(spec, "title", "a section"),
                priority=self.priority(spec),
                description=self.string(spec.get("description"), "description"),
                location=self.string(spec.get("location"), "location"),
                expected=self.string(spec.get("expected"), "expected"),
                if_fails=self.string(spec.get("if_fails"), "if_fails"),
                logs=self.log_list(spec.get("logs"), "logs"),
                position=spec.pos,
            )
            items = self.required(spec, "items", f"section {section.id or section.title!r}")
            if items is not None:
                section.items = self.items(items, section)
            result.append(section)
        return result

    def priority(self, spec: YMap) -> Priority:
        node = spec.get("priority")
        if node is None:
            self.add(spec.pos, "a section: missing required key 'priority' (critical, important or nice)")
            return Priority.NICE
        if isinstance(node, YScalar) and node.value is None:
            self.add(node.pos, "a section: 'priority' must not be empty (critical, important or nice)")
            return Priority.NICE
        word = self.string(node, "priority")
        if not word:
            return Priority.NICE
        normal = " ".join(word.strip().lower().replace("_", " ").split())
        for candidate in (normal, normal.replace(" ", "-")):
            if candidate in PRIORITY_SYNONYMS:
                return PRIORITY_SYNONYMS[candidate]
        self.add(node.pos, f"unknown priority {word!r}{did_you_mean(normal, PRIORITY_SYNONYMS)}; "
                 "use critical, important or nice")
        return Priority.NICE

    def items(self, node: YNode, section: Section) -> list[Item]:
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'items': expected a list of items, got {describe(node)}")
            return []
        result = []
        string, string_list = self.string, self.string_list
        for element in node.items:  # the loop of a big checklist: 5,000 times for 5,000 items
            spec = self.mapping(element, "an item", ITEM_KEYS)
            if spec is None:
                continue
            get = spec.get
            destructive, always = self.destructive(get("destructive"))
            item = Item(
                id=self.ident(spec, "an item", "item"),
                title=self.req_string(spec, "title", "an item"),
                section_id=section.id,
                steps=string_list(get("steps"), "steps"),
                location=string(get("location"), "location", default=section.location),
                expected=string(get("expected"), "expected", default=section.expected),
                if_fails=string(get("if_fails"), "if_fails", default=section.if_fails),
                notes=string(get("notes"), "notes"),
                tags=string_list(get("tags"), "tags"),
                destructive=destructive,
                destructive_always=always,
                position=spec.pos,
            )
            logs_node = get("logs")
            item.logs = self.log_list(logs_node, "logs") if logs_node is not None else list(section.logs)
            probes = get("probes")
            if probes is not None:
                item.probes = self.probes(probes, item)
            result.append(item)
        return result

    def probes(self, node: YNode | None, item: Item) -> list[ProbeSpec]:
        if node is None or (isinstance(node, YScalar) and node.value is None):
            return []
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'probes': expected a list of probes, got {describe(node)}")
            return []
        result = []
        for element in node.items:
            probe = self.probe(element, item)
            if probe is not None:
                result.append(probe)
        return result

    def probe(self, node: YNode, item: Item) -> ProbeSpec | None:
        if not isinstance(node, YMap):
            self.add(node.pos, f"a probe: expected a mapping (id, kind, …), got {describe(node)}")
            return None
        kind_node = node.get("kind")
        kind = self.string(kind_node, "kind") if kind_node is not None else ""
        if kind_node is None:
            self.add(node.pos, f"a probe: missing required key 'kind' (one of {', '.join(kinds.NAMES)})")
        elif kind not in kinds.KINDS:
            self.add(kind_node.pos, f"unknown probe kind {kind!r}{did_you_mean(kind, kinds.NAMES)}; "
                     f"use one of {', '.join(kinds.NAMES)}")
        schema = kinds.schema(kind) if kind in kinds.KINDS else None
        if schema is not None:
            self.mapping(node, f"this {kind} probe", PROBE_COMMON + schema.keys)
        probe_id = self.ident(node, "a probe", "probe")
        config = ProbeChecker(self, node, schema).run() if schema is not None else {}
        timeout = self.number(node.get("timeout"), "timeout", DEFAULT_TIMEOUT, positive=True, maximum=MAX_TIMEOUT)
        destructive, always = self.destructive(node.get("destructive"))
        retry = config.get("retry")
        if isinstance(retry, dict) and timeout is not None:
            total = retry["count"] * (timeout + retry["interval"])
            if total > MAX_RETRY_TOTAL:
                self.add(node.key_pos("retry"), f"'retry': {retry['count']} attempts × ({timeout:g} s timeout + "
                         f"{retry['interval']:g} s interval) = {total:g} s; a probe's retries may take at most "
                         f"{MAX_RETRY_TOTAL:g} s (use 'until: SECONDS' to poll for a while)")
        return ProbeSpec(
            id=probe_id,
            kind=kind,
            item_id=item.id,
            config=config,
            name=self.string(node.get("name"), "name"),
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
            destructive=destructive or item.destructive,
            destructive_always=always,
            only_env=self.only_env(node.get("only_env")),
            position=node.pos,
            positions=key_positions(node),
        )

    def only_env(self, node: YNode | None) -> tuple[str, ...]:
        """`only_env: [local, staging]`: the environments a probe belongs to (all when absent)."""
        keys = self.string_list(node, "only_env")
        if isinstance(node, YSeq):
            if not node.items:
                self.add(node.pos, "'only_env' is empty: list the environments the probe runs on, or leave it out")
            for element, key in zip(node.items, keys, strict=False):
                if key not in self.environment_keys:
                    known = ", ".join(self.environment_keys) or "none are defined"
                    self.add(element.pos, f"only_env: no environment {key!r}"
                             f"{did_you_mean(key, self.environment_keys) or f' (environments: {known})'}")
        return tuple(keys)
