"""The validator: one walk over the parsed tree that builds the model and collects problems.

Made of one mixin per part of the file (each a `Reader`); `checklist` reads the parts in file
order and runs the whole-file checks at the end.
"""

from __future__ import annotations

from qatui.core.checklist import Checklist
from qatui.core.errors import Position
from qatui.core.load.assign import AssignReader
from qatui.core.load.cross_checks import CrossChecks
from qatui.core.load.environments import EnvironmentReader
from qatui.core.load.items import ItemReader
from qatui.core.load.keys import FORMAT_VERSION, TOP_KEYS
from qatui.core.load.signoff import SignoffReader
from qatui.core.load.top_keys import TopKeyReader
from qatui.core.yamlpos import YMap, YNode, describe


class Validator(TopKeyReader, EnvironmentReader, ItemReader, SignoffReader, AssignReader, CrossChecks):
    """One walk over the tree: builds the model and collects problems."""

    def checklist(self, root: YNode | None) -> Checklist:
        result = Checklist(path=self.path, title="")
        if root is None:
            self.add(Position(self.path, 1, 1), "the file is empty: a checklist needs at least "
                     "'qatui: 1', 'title' and 'sections'")
            return result
        if not isinstance(root, YMap):
            self.add(root.pos, f"a checklist must be a mapping with keys such as 'qatui', 'title' and "
                     f"'sections', got {describe(root)}")
            return result
        top = self.mapping(root, "the checklist", TOP_KEYS)
        assert top is not None
        version_node = top.get("qatui")
        if version_node is None:
            self.add(top.pos, "missing required key 'qatui' (the format version: write 'qatui: 1' at the top)")
        else:
            version = self.integer(version_node, "qatui", FORMAT_VERSION)
            if version != FORMAT_VERSION:
                self.add(version_node.pos, f"unsupported format version {version}; this qatui reads 'qatui: {FORMAT_VERSION}'")
            result.format_version = FORMAT_VERSION
        result.title = self.req_string(top, "title", "the checklist")
        result.version = self.string(top.get("version"), "version")
        result.description = self.string(top.get("description"), "description")
        result.notes = self.notes(top.get("notes"))
        result.settings = self.settings(top.get("settings"))
        result.vars = self.string_map(top.get("vars"), "vars", templated=True, names=True)
        result.secrets = self.secrets(top.get("secrets"))
        result.from_env = self.from_env(top.get("from_env"))
        result.environments = self.environments(top.get("environments"))
        self.environment_keys = list(result.environments)
        result.logs = self.log_sources(top.get("logs"))
        sections = top.get("sections")
        if sections is None:
            self.add(top.pos, "missing required key 'sections' (the list of sections and their items)")
        else:
            result.sections = self.sections(sections)
        result.metrics = self.metrics(top.get("metrics"))
        result.signoff = self.signoff(top.get("signoff"))
        result.assign = self.assign(top.get("assign"))
        self.check_assign(result)
        self.check_log_refs(result)
        self.check_variables(result)
        return result
