"""Titles in a Markdown checklist: slugs and unique ids, the priority a heading states, the
kind of a note (the rules: `qatui.core.markdown_import`'s docstring, "Headings")."""

from __future__ import annotations

import functools
import re
import unicodedata

from qatui.core.checklist import (
    PRIORITY_SYNONYMS,
    Priority,
)
from qatui.core.errors import QatuiError

DEFAULT_PRIORITY = Priority.IMPORTANT


_EMOJI_PRIORITY = {"🔴": Priority.CRITICAL, "🟡": Priority.IMPORTANT, "🟢": Priority.NICE}


_SLUG_MAX = 40


class MarkdownImportError(QatuiError):
    title = "Cannot import Markdown"


def slugify(text: str, limit: int = _SLUG_MAX) -> str:
    """`"1. WebSocket Connections (Channels 3.0 → 4.0)"` → `"websocket-connections-channels-3-0-4-0"`."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"^\s*\d+[.)]\s+", "", text)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1].rfind("-")
        slug = slug[: cut if cut > limit // 2 else limit].strip("-")
    return slug


def clean_title(text: str) -> str:
    """A heading without its leading emoji or symbols: `"⚙️ Configuration Notes"` → `"Configuration Notes"`."""
    text = " ".join(text.split())
    index = 0
    while index < len(text) and not (text[index].isalnum() or text[index] in "([`\"'*_"):
        index += 1
    return text[index:].strip() or text.strip()


@functools.cache
def _synonym_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (synonym, re.compile(rf"(?<![\w-]){re.escape(synonym)}(?![\w-])"))
        for synonym in sorted(PRIORITY_SYNONYMS, key=len, reverse=True)
    ]


@functools.lru_cache(maxsize=4096)
def priority_of(heading: str) -> Priority | None:
    """The priority a heading states, if any (see the module docstring for the rule).

    Cached: files repeat their headings, and 50,000 sections must import in seconds."""
    for emoji, priority in _EMOJI_PRIORITY.items():
        if emoji in heading:
            return priority
    words = clean_title(heading)
    lowered = words.lower()
    for synonym, pattern in _synonym_patterns():
        for match in pattern.finditer(lowered):
            written = words[match.start() : match.end()]
            if written.isupper() or match.start() == 0 or re.fullmatch(r"p[0-3]", synonym):
                return PRIORITY_SYNONYMS[synonym]
    return None


def note_kind(title: str) -> str:
    lowered = title.lower()
    if "rollback" in lowered or "roll back" in lowered:
        return "rollback"
    if "known issue" in lowered or "issues" in lowered or "watch for" in lowered:
        return "known-issues"
    if "monitor" in lowered:
        return "monitoring"
    if "config" in lowered or "setting" in lowered or "setup" in lowered:
        return "config"
    return "info"


class Ids:
    """Hands out ids unique across the whole checklist (sections, items and probes).

    Linear in the number of ids: each base remembers the next suffix to try, so 50,000 sections
    with one title cost one probe each instead of counting up from `-2` every time (which made
    such a file take minutes). A suffix already taken by a literal title (`a-2`) is skipped."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.next_suffix: dict[str, int] = {}

    def make(self, text: str, fallback: str) -> str:
        base = slugify(text) or fallback
        candidate = base
        if candidate in self.used:
            n = self.next_suffix.get(base, 2)
            candidate = f"{base}-{n}"
            while candidate in self.used:
                n += 1
                candidate = f"{base}-{n}"
            self.next_suffix[base] = n + 1
        self.used.add(candidate)
        return candidate
