"""The Markdown block tree as the importer reads it: headings nested by level, task boxes,
the text of a block."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.tree import SyntaxTreeNode

from qatui.core.mdimport.titles import (
    clean_title,
)

TASK = re.compile(r"^\[([ xX])\](?:\s+|$)")


@dataclass
class HeadingNode:
    """A heading and the blocks written directly under it (before its first sub-heading)."""

    title: str
    level: int
    line: int
    blocks: list[SyntaxTreeNode] = field(default_factory=list)
    children: list[HeadingNode] = field(default_factory=list)


def inline_text(node: SyntaxTreeNode) -> str:
    for child in node.children:
        if child.type == "inline":
            return child.content
    return ""


def task_of(list_item: SyntaxTreeNode) -> tuple[bool, str] | None:
    """(checked, title) when a list item is a task box."""
    if not list_item.children or list_item.children[0].type != "paragraph":
        return None
    text = inline_text(list_item.children[0])
    match = TASK.match(text)
    if not match:
        return None
    return match.group(1) in "xX", " ".join(text[match.end() :].split())


def has_tasks(block: SyntaxTreeNode) -> bool:
    if block.type == "list_item" and task_of(block):
        return True
    if block.type in ("fence", "code_block", "html_block", "table"):
        return False
    return any(has_tasks(child) for child in block.children)


def is_task_list(block: SyntaxTreeNode) -> bool:
    return block.type in ("bullet_list", "ordered_list") and has_tasks(block)


def build_tree(root: SyntaxTreeNode) -> tuple[str | None, HeadingNode]:
    """The heading tree; returns (title from the first h1, the preamble node holding everything)."""
    title: str | None = None
    top = HeadingNode(title="", level=0, line=1)
    stack = [top]
    for block in root.children:
        if block.type == "heading":
            level = int(block.tag[1])
            text = " ".join(inline_text(block).split())
            line = (block.map[0] + 1) if block.map else 0
            if level == 1 and title is None:
                title = clean_title(text)
                continue
            while stack[-1].level >= level:
                stack.pop()
            node = HeadingNode(title=text, level=level, line=line)
            stack[-1].children.append(node)
            stack.append(node)
        else:
            stack[-1].blocks.append(block)
    return title, top


def in_blockquote(node: SyntaxTreeNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type == "blockquote":
            return True
        parent = parent.parent
    return False
