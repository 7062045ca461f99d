"""The checklist filter: what a tester types after `/`.

Plain words must all appear in the item's id, title, location or tags (case-insensitive).
`status:failed` (or `s:f`), `priority:critical` (or `p:crit`, any priority synonym) and
`is:open` narrow by status and priority; several values of one kind are alternatives
(`status:failed status:blocked`). Kept free of Textual so it is trivially testable.
"""

from __future__ import annotations

from dataclasses import field

from qatui.core.checklist import PRIORITY_SYNONYMS, Item, Priority, Section
from qatui.core.datatypes import datatype
from qatui.core.session import Status


def _status_from(word: str) -> Status | None:
    word = word.lower()
    for status in Status:
        if status.value.startswith(word) and word:
            return status
    return None


def _priority_from(word: str) -> Priority | None:
    word = word.lower().replace("_", " ")
    if word in PRIORITY_SYNONYMS:
        return PRIORITY_SYNONYMS[word]
    for priority in Priority:
        if priority.value.startswith(word) and word:
            return priority
    return None


@datatype(frozen=True)
class ItemFilter:
    """What `/` narrows the checklist to: words, statuses and priorities, and the text typed."""

    words: tuple[str, ...] = ()
    statuses: frozenset[Status] = field(default_factory=frozenset)
    priorities: frozenset[Priority] = field(default_factory=frozenset)
    text: str = ""
    problems: tuple[str, ...] = ()  # `status:bogus`: said to the tester, not searched for

    @classmethod
    def parse(cls, text: str) -> ItemFilter:
        words: list[str] = []
        statuses: set[Status] = set()
        priorities: set[Priority] = set()
        problems: list[str] = []
        for token in text.split():
            key, sep, value = token.partition(":")
            key = key.lower()
            if sep and key in ("status", "s"):
                status = _status_from(value)
                if status is not None:
                    statuses.add(status)
                    continue
                if value:
                    known = ", ".join(s.value for s in Status)
                    problems.append(f"{token}: no such status (use {known}, or is:open)")
                    continue
            if sep and key in ("priority", "p", "prio"):
                priority = _priority_from(value)
                if priority is not None:
                    priorities.add(priority)
                    continue
                if value:
                    known = ", ".join(p.value for p in Priority)
                    problems.append(f"{token}: no such priority (use {known})")
                    continue
            if sep and key == "is" and value.lower() == "open":
                statuses.update(status for status in Status if status.is_open)
                continue
            words.append(token.lower())
        return cls(tuple(words), frozenset(statuses), frozenset(priorities), text.strip(), tuple(problems))

    @property
    def active(self) -> bool:
        return bool(self.words or self.statuses or self.priorities)

    @property
    def uses_status(self) -> bool:
        return bool(self.statuses)

    def matches(self, item: Item, section: Section, status: Status) -> bool:
        if self.priorities and section.priority not in self.priorities:
            return False
        if self.statuses and status not in self.statuses:
            return False
        if self.words:
            haystack = " ".join((item.id, item.title, item.location, " ".join(item.tags))).lower()
            return all(word in haystack for word in self.words)
        return True
