"""`assign:` — who tests what: section or item id → tester name.

A tester who opens the checklist without `--only`, `--section` or `--tag` gets the items
assigned to them as their part (`core/run/part.py`). The ids are checked once every section
and item is read: a key that names neither is a problem at the key, with the nearest id.
"""

from __future__ import annotations

from qatui.core.checklist import Checklist
from qatui.core.load.reader import Reader
from qatui.core.suggest import did_you_mean
from qatui.core.yamlpos import YMap, YNode, YScalar, describe


class AssignReader(Reader):
    """Reads `assign:` and checks its ids against the sections and items."""

    def assign(self, node: YNode | None) -> dict[str, str]:
        self.assign_nodes: dict[str, YNode] = {}
        if node is None:
            return {}
        if not isinstance(node, YMap):
            self.add(node.pos, "'assign': expected a mapping of section or item ids to tester names "
                     f"(api: Ben), got {describe(node)}")
            return {}
        result: dict[str, str] = {}
        for key, (key_node, value) in node.entries.items():
            self.assign_nodes[key] = key_node
            name = self.string(value, f"assign: {key}")
            if not name.strip():
                if value is None or isinstance(value, YScalar):  # anything else was said by `string`
                    where = value.pos if value is not None and value.value is not None else key_node.pos
                    self.add(where, f"'assign: {key}': expected a tester's name (assign: {{{key}: Ben}})")
                continue
            result[key] = name.strip()
        return result

    def check_assign(self, checklist: Checklist) -> None:
        """Every key of `assign:` is a section id or an item id of this checklist."""
        sections = [section.id for section in checklist.sections]
        items = [item.id for item in checklist.items()]
        known = set(sections) | set(items)
        for key, node in getattr(self, "assign_nodes", {}).items():
            if key in known:
                continue
            hint = did_you_mean(key, sections + items)
            self.add(node.pos, f"'assign: {key}': no section or item has the id {key!r}{hint}; assign "
                     "takes section or item ids")
