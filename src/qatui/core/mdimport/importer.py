"""The walk over a Markdown checklist's heading tree: sections, items, notes, metrics, fences
placed on their boxes, environments from compose files. `qatui.core.markdown_import` is the door
(and documents the rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from qatui.core.checklist import (
    Checklist,
    Item,
    Metric,
    Note,
    Priority,
    Secret,
    Section,
)
from qatui.core.errors import ChecklistError, Position, Problem
from qatui.core.import_secrets import (
    FoundSecret,
    SecretBook,
    env_prefix,
    literals_in_shell,
)
from qatui.core.mdimport.deep_stack import MAX_NESTING
from qatui.core.mdimport.environments import add_compose_environments, environment_names
from qatui.core.mdimport.fences import (
    SHELL_LANGUAGES,
    ConvertedFence,
    command_line_of,
    convert_command,
    convert_fence,
)
from qatui.core.mdimport.placement import Placement, command_words, named_box, title_words
from qatui.core.mdimport.shell_lines import (
    shell_tokens,
    split_commands,
)
from qatui.core.mdimport.titles import (
    DEFAULT_PRIORITY,
    Ids,
    clean_title,
    note_kind,
    priority_of,
)
from qatui.core.mdimport.tree import (
    HeadingNode,
    build_tree,
    has_tasks,
    in_blockquote,
    inline_text,
    is_task_list,
    task_of,
)

_FIELD = re.compile(
    r"^[*_]*(location|expected|if fails|result)[*_]*\s*:\s*[*_]*\s*(.*)$", re.IGNORECASE | re.DOTALL
)


_LABEL_MAX = 80


@dataclass
class ImportReport:
    """What an import could not keep as written, for the summary `qatui import` prints."""

    #: literal credentials moved to `secrets:` (their environment variables must be set)
    secrets: list[FoundSecret] = field(default_factory=list)
    #: `file:line: …` for each command whose meaning could not be kept exactly
    remarks: list[str] = field(default_factory=list)
    #: task boxes in the Markdown and how many became items
    boxes: int = 0
    items: int = 0
    #: `file:line: why` for each task box that did not become an item
    dropped: list[str] = field(default_factory=list)


class Importer:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.ids = Ids()
        self.checklist = Checklist(path=path, title="")
        self.initial: dict[str, str] = {}
        self.compose_sets: list[tuple[list[str], str | None]] = []
        self.book = SecretBook()
        self.report = ImportReport()

    def pos(self, block: SyntaxTreeNode | None = None, line: int = 0) -> Position:
        if block is not None and block.map:
            line = block.map[0] + 1
        return Position(self.path, line, 1 if line else 0)

    def source(self, block: SyntaxTreeNode) -> str:
        if not block.map:
            return ""
        start, end = block.map
        return "\n".join(self.lines[start:end]).rstrip()

    def run(self, text: str) -> Checklist:
        parser = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable("table")
        root = SyntaxTreeNode(parser.parse(text))
        title, top = build_tree(root)
        self.checklist.title = title or clean_title(Path(self.path).stem.replace("-", " ").replace("_", " "))
        self.book.prefix = env_prefix(self.checklist.title)
        self._preamble(top)
        for child in top.children:
            self._node(child, None)
        add_compose_environments(self.checklist, self.compose_sets)
        if not self.checklist.items():
            raise ChecklistError(
                [Problem(Position(self.path), "no task boxes (`- [ ] …`) found; nothing to make items from")]
            )
        self.checklist.initial_status = self.initial
        for found in self.book.found:
            self.checklist.secrets[found.name] = Secret(name=found.name, env=found.env)
        self.report.secrets = list(self.book.found)
        # a checklist reads only the environment variables it declares: the shell variables of
        # its curl lines (`$TOKEN` → `${TOKEN}`) are declared, so the YAML says what it reads
        self.checklist.from_env = environment_names(self.checklist)
        self._count_boxes(root)
        return self.checklist

    def _count_boxes(self, root: SyntaxTreeNode) -> None:
        """Every task box of the tree against the items made: none may vanish unsaid."""
        made = {item.position.line for item in self.checklist.items() if item.position is not None}
        boxes = 0
        stack = [root]
        while stack:
            node = stack.pop()
            if node.type == "list_item" and task_of(node) is not None:
                boxes += 1
                line = node.map[0] + 1 if node.map else 0
                if line not in made:
                    where = "inside a quote or an HTML block" if in_blockquote(node) else "not under a list the importer reads"
                    self.report.dropped.append(f"{self.path}:{line}: task box not imported ({where})")
            stack.extend(reversed(node.children))
        self.report.boxes = boxes
        self.report.items = len(self.checklist.items())

    # --- the text before the first heading

    def _preamble(self, top: HeadingNode) -> None:
        description: list[str] = []
        blocks = top.blocks
        for index, block in enumerate(blocks):
            if is_task_list(block):
                continue
            if block.type == "paragraph":
                text = inline_text(block)
                following = blocks[index + 1] if index + 1 < len(blocks) else None
                if following is not None and is_task_list(following) and self._is_label(block):
                    continue
                meta = re.match(r"^(version|date)\s*:\s*(.+)$", text, re.IGNORECASE)
                if meta and not self.checklist.version:
                    self.checklist.version = meta.group(2).strip()
                    continue
                description.append(text)
            else:
                description.append(self.source(block))
        self.checklist.description = "\n\n".join(d for d in description if d.strip())
        if any(is_task_list(b) for b in blocks):
            self._sections_from(
                HeadingNode(title="Checklist", level=1, line=1, blocks=blocks), DEFAULT_PRIORITY, preamble=True
            )

    def _is_label(self, block: SyntaxTreeNode) -> bool:
        text = inline_text(block)
        return block.type == "paragraph" and "\n" not in text.strip() and 0 < len(text) <= _LABEL_MAX

    # --- headings

    def _node(self, node: HeadingNode, inherited: Priority | None) -> None:
        priority = priority_of(node.title) or inherited
        if any(has_tasks(block) for block in node.blocks):
            self._sections_from(node, priority or DEFAULT_PRIORITY)
        elif node.blocks:
            self._note_from(node)
        for child in node.children:
            self._node(child, priority)

    def _note_from(self, node: HeadingNode) -> None:
        parts: list[str] = []
        title = clean_title(node.title)
        for block in node.blocks:
            if block.type == "table" and self._metrics_from(block):
                continue
            if block.type == "fence" and block.info.strip().lower() in SHELL_LANGUAGES:
                parts.append(self._scrubbed(block, title))
            else:
                parts.append(self.source(block))
        text = "\n\n".join(p for p in parts if p.strip())
        if text.strip():
            self.checklist.notes.append(
                Note(title=title, text=text.strip("\n") + "\n", kind=note_kind(title),
                     position=Position(self.path, node.line, 1))
            )

    def _scrubbed(self, fence: SyntaxTreeNode, title: str) -> str:
        """A shell fence kept as a note's text, its literal credentials replaced by `$VARIABLE`
        (what the reader types when running it by hand): a note is in the YAML too."""
        text = self.source(fence)
        line = fence.map[0] + 1 if fence.map else 0
        commands, _ = split_commands(fence.content)
        for command in commands:
            tokens = shell_tokens(command.line)
            for value, hint in literals_in_shell(tokens or []):
                where = f"{self.path}:{line + 1 + command.offset}"
                variable = self.book.env_of(self.book.take(value, hint, where))
                text = text.replace(value, "$" + variable)
                self.report.remarks.append(
                    f'{where}: a password in the note "{title}" is written there as ${variable}')
        return text

    def _metrics_from(self, table: SyntaxTreeNode) -> bool:
        """A table with Before/After columns → metrics (its rows); False for any other table."""
        rows = [
            [" ".join(inline_text(cell).split()) for cell in row.children]
            for part in table.children
            for row in part.children
        ]
        if len(rows) < 2:
            return False
        header = [h.lower() for h in rows[0]]
        if not any(h.startswith("before") for h in header) or not any(h.startswith("after") for h in header):
            return False
        notes_col = next((i for i, h in enumerate(header) if h.startswith("note")), None)
        for row in rows[1:]:
            name = row[0] if row else ""
            if not name:
                continue
            lowered = name.lower()
            unit = "count" if ("count" in lowered or "number" in lowered) else "ms"
            notes = row[notes_col] if notes_col is not None and notes_col < len(row) else ""
            line = table.map[0] + 1 if table.map else 0
            self.checklist.metrics.append(
                Metric(id=self.ids.make(name, "metric"), name=name, unit=unit, notes=notes,
                       position=Position(self.path, line, 1))
            )
        return True

    # --- sections

    def _sections_from(self, node: HeadingNode, priority: Priority, *, preamble: bool = False) -> None:
        blocks = node.blocks
        labelled = [
            i for i, b in enumerate(blocks)
            if is_task_list(b) and i > 0 and self._is_label(blocks[i - 1])
        ]
        split = len(labelled) >= 2 or (preamble and len(labelled) == 1)
        base_title = clean_title(node.title)
        # Group blocks: each group becomes one section.
        groups: list[tuple[str, int, list[SyntaxTreeNode]]] = []
        current: list[SyntaxTreeNode] = []
        current_title, current_line = base_title, node.line
        for index, block in enumerate(blocks):
            if split and index + 1 in labelled:
                if any(has_tasks(b) for b in current) or (current and not preamble):
                    groups.append((current_title, current_line, current))
                # (the preamble's own paragraphs are the checklist's description already)
                label = " ".join(inline_text(block).split()).rstrip(":").strip()
                current = []
                current_title = label if preamble else f"{base_title}: {label}"
                current_line = block.map[0] + 1 if block.map else node.line
                continue
            current.append(block)
        groups.append((current_title, current_line, current))
        shared_fields = self._fields(blocks) if split else {}
        made: list[Section] = []
        carried: list[SyntaxTreeNode] = []
        placements: list[Placement] = []
        for title, line, group in groups:
            if not any(has_tasks(b) for b in group):
                if made and group:
                    # text after the last list of a split heading belongs to its last section
                    placements.extend(self._fill_section(made[-1], group, {}))
                else:
                    carried.extend(group)  # text before the first labelled list: the first section's
                continue
            group = carried + group
            carried = []
            title = title or f"Section at line {line}"  # `## ` with no words: still loadable
            section = Section(
                id=self.ids.make(title, "section"), title=title, priority=priority,
                position=Position(self.path, line, 1),
            )
            placements.extend(self._fill_section(section, group, shared_fields))
            self.checklist.sections.append(section)
            made.append(section)
        candidates = [item for section in made for item in section.items]
        for placement in placements:
            self._place_fence(placement, candidates)
        for section in made:
            for item in section.items:
                # the loader gives an item its section's log sources; so do we (own ones first)
                item.logs = item.logs + [n for n in section.logs if n not in item.logs]

    def _fields(self, blocks: list[SyntaxTreeNode]) -> dict[str, str]:
        found: dict[str, str] = {}
        for block in blocks:
            if block.type == "paragraph":
                match = _FIELD.match(inline_text(block))
                if match and match.group(1).lower() != "result":
                    found.setdefault(match.group(1).lower(), " ".join(match.group(2).split()))
        return found

    def _fill_section(
        self, section: Section, blocks: list[SyntaxTreeNode], shared: dict[str, str]
    ) -> list[Placement]:
        """Fill a section from its blocks; returns its section-level fences, placed by the caller
        once every section of the heading exists (a command may name a box of any of them)."""
        description = [section.description] if section.description else []
        fields = dict(shared)
        placements: list[Placement] = []
        waiting: list[Placement] = []  # fences before the next box
        after_list: list[Item] = []  # the list the blocks so far directly follow
        for block in blocks:
            if is_task_list(block):
                new_items = self._items_from(block, section)
                for placement in waiting:
                    placement.default = new_items[0] if new_items else None
                waiting = []
                after_list = new_items
                continue
            if block.type == "fence" and block.info.strip().lower() in SHELL_LANGUAGES:
                placement = Placement(block)
                if after_list:
                    placement.default = after_list[-1]  # written under the box above it
                    placement.under_box = True
                else:
                    placement.introduces = not section.items
                    waiting.append(placement)
                placements.append(placement)
                continue
            after_list = []
            if block.type == "paragraph":
                text = inline_text(block)
                match = _FIELD.match(text)
                if match and match.group(1).lower() != "result":
                    fields.setdefault(match.group(1).lower(), " ".join(match.group(2).split()))
                else:
                    description.append(text)
                continue
            if block.type == "table":
                if not self._metrics_from(block):
                    self.checklist.notes.append(
                        Note(title=f"{section.title}: table", text=self.source(block) + "\n",
                             position=self.pos(block))
                    )
            else:
                description.append(self.source(block))
        for placement in waiting:  # no box after it: the last box before it
            placement.default = section.items[-1] if section.items else None
            placement.introduces = False
        for placement in placements:
            placement.section = section
        section.description = "\n\n".join(d for d in description if d.strip())
        section.location = fields.get("location", section.location)
        section.expected = fields.get("expected", section.expected)
        section.if_fails = fields.get("if fails", section.if_fails)
        for item in section.items:
            # the loader fills an item's empty fields from its section; so do we
            item.location = item.location or section.location
            item.expected = item.expected or section.expected
            item.if_fails = item.if_fails or section.if_fails
        return placements

    def _items_from(self, task_list: SyntaxTreeNode, section: Section) -> list[Item]:
        made: list[Item] = []
        for list_item in task_list.children:
            task = task_of(list_item)
            if task is None:
                # a plain line among task boxes: a step of the box before it
                text = " ".join(inline_text(list_item.children[0]).split()) if list_item.children else ""
                if made and text:
                    made[-1].steps.append(text)
                for child in list_item.children[1:]:
                    if is_task_list(child):
                        made.extend(self._items_from(child, section))
                continue
            checked, title = task
            item = Item(
                id=self.ids.make(title, "item"), title=title or "(untitled)", section_id=section.id,
                position=self.pos(list_item),
            )
            section.items.append(item)
            made.append(item)
            if checked:
                self.initial[item.id] = "passed"
            notes: list[str] = []
            nested: list[Item] = []
            for child in list_item.children[1:]:
                if child.type in ("bullet_list", "ordered_list"):
                    for sub in child.children:
                        if task_of(sub):
                            continue
                        item.steps.extend(self._steps(sub))
                    if has_tasks(child):
                        nested.extend(self._items_from(child, section))
                elif child.type == "paragraph":
                    match = _FIELD.match(inline_text(child))
                    key = match.group(1).lower() if match else ""
                    value = " ".join(match.group(2).split()) if match else ""
                    if key == "location":
                        item.location = value
                    elif key == "expected":
                        item.expected = value
                    elif key == "if fails":
                        item.if_fails = value
                    else:
                        notes.append(inline_text(child))
                elif child.type == "fence" and child.info.strip().lower() in SHELL_LANGUAGES:
                    self._attach_fence(child, item)
                else:
                    notes.append(self.source(child))
            item.notes = "\n\n".join(n for n in notes if n.strip())
            made.extend(nested)
        return made

    def _steps(self, list_item: SyntaxTreeNode, depth: int = 0) -> list[str]:
        steps: list[str] = []
        for child in list_item.children:
            if child.type == "paragraph":
                steps.append("  " * depth + " ".join(inline_text(child).split()))
            elif child.type in ("bullet_list", "ordered_list"):
                for sub in child.children:
                    if not task_of(sub):
                        steps.extend(self._steps(sub, depth + 1))
        return steps

    def _place_fence(self, placement: Placement, candidates: list[Item]) -> None:
        """Each command of a section-level fence to the box it documents (the placement rule in
        the module docstring): the box its comment and words name, else the default."""
        default = placement.default or (candidates[-1] if candidates else None)
        if default is None:
            return
        fence = placement.fence
        line = fence.map[0] + 1 if fence.map else 0
        where = f"{self.path}:{line}"
        commands, loose = split_commands(fence.content)
        for command in commands:
            named = None if placement.under_box else named_box(
                title_words(command.comment) | command_words(command.line), candidates)
            item = named or default
            converted = ConvertedFence()
            convert_command(command, self.ids, item.id, converted, self.book, command_line_of(where, command))
            self._merge(converted, item, line)
            if placement.introduces and placement.section is not None:
                for source in converted.log_sources:
                    if source.name not in placement.section.logs:
                        placement.section.logs.append(source.name)
        if loose:
            self._merge(ConvertedFence(comments=loose), default, line)

    def _attach_fence(self, fence: SyntaxTreeNode, item: Item) -> None:
        line = fence.map[0] + 1 if fence.map else 0
        converted = convert_fence(fence.content, self.ids, item.id, self.book, f"{self.path}:{line}")
        self._merge(converted, item, line)

    def _merge(self, converted: ConvertedFence, item: Item, line: int) -> None:
        self.report.remarks.extend(converted.remarks)
        for probe in converted.probes:
            probe.position = Position(self.path, line, 1)
            item.probes.append(probe)
        for source in converted.log_sources:
            self.checklist.logs.setdefault(source.name, source)
            if source.name not in item.logs:
                item.logs.append(source.name)
        for compose_set in converted.compose_files:
            if all(compose_set[0] != files for files, _ in self.compose_sets):
                self.compose_sets.append(compose_set)
        if converted.comments:
            extra = "\n".join(converted.comments)
            item.notes = f"{item.notes}\n\n{extra}".strip() if item.notes else extra
