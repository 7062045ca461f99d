"""Which box a fence written at section level documents when its words name one (rule 4 of
"Which box a command goes to" in `qatui.core.markdown_import`'s docstring)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.tree import SyntaxTreeNode

from qatui.core.checklist import (
    Item,
    Section,
)


@dataclass
class Placement:
    """A fence written at section level, and the box it goes to unless a command names another."""

    fence: SyntaxTreeNode
    default: Item | None = None
    #: written before the heading's first box, after text only: it documents the whole heading
    introduces: bool = False
    #: right under a box (rule 2): that box, whatever the command's words say
    under_box: bool = False
    section: Section | None = None


_STOP_WORDS = {
    "the", "and", "for", "with", "are", "all", "not", "its", "this", "that", "from", "into", "when",
    "works", "work", "working", "correctly", "properly", "test", "tests", "testing", "verify",
    "ensure", "make", "sure", "run", "docker", "compose", "curl", "http", "https", "localhost",
    "yml", "yaml", "tail", "grep", "exec", "python", "manage", "application", "content", "type",
    "json", "your", "here", "dev", "prod", "file", "follow",
}


def title_words(text: str) -> set[str]:
    """Lower-case words of three letters or more, a plural `s` dropped, common words left out."""
    words = set()
    for word in re.findall(r"[a-z][a-z0-9]+", text.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if len(word) >= 3 and word not in _STOP_WORDS:
            words.add(word)
    return words


#: a command's own verbs say what it does, not which box it documents (`logs` in `docker
#: compose logs huey` names no "… in logs" box; its service `huey` may name one)
_COMMAND_VERBS = {"log", "logs", "exec", "ps", "up", "down", "restart", "get", "post", "put", "delete"}


def command_words(line: str) -> set[str]:
    return title_words(line) - _COMMAND_VERBS


def named_box(said: set[str], candidates: list[Item]) -> Item | None:
    """The one box whose title the words `said` (a command's comment and words) name, if any.

    Each word the command (its comment and its own words) shares with a box title counts
    1/n, n being how many of the heading's titles hold that word: a word only one box has
    names it; a word every box has names none. The best box must score at least 1 and beat
    every other box; otherwise nothing is named and the structural rule decides."""
    if not said or len(candidates) < 2:
        return None
    titles = [title_words(item.title) for item in candidates]
    frequency: dict[str, int] = {}
    for title in titles:
        for word in title:
            frequency[word] = frequency.get(word, 0) + 1
    scores = [sum(1 / frequency[w] for w in title & said) for title in titles]
    best = max(scores)
    if best < 1 or scores.count(best) > 1:
        return None
    return candidates[scores.index(best)]
