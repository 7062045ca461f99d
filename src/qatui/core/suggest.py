"""The one "did you mean …?" of every message: checklist keys, environments, sources, commands."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice `word` was most likely meant to be, or None (also None for `word` itself).

    Case, `-` against `_` and spaces are forgiven first (`Expected` → `expected`,
    `if-fails` → `if_fails`), then the closest spelling at difflib's 0.6 ratio."""
    options = list(choices)
    lowered = {choice.lower().replace("-", "_"): choice for choice in options}
    normal = word.lower().replace("-", "_").replace(" ", "_")
    if normal in lowered:
        return lowered[normal] if lowered[normal] != word else None
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(normal, list(lowered), n=1, cutoff=0.6)
        close = [lowered[c] for c in close]
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` or an empty string (see `closest`)."""
    match = closest(word, choices)
    return f" (did you mean {match!r}?)" if match else ""
