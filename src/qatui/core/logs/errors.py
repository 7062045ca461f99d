"""Which log lines are errors, and which lines belong to them.

A tester skims for errors, so an error line must stand out together with its traceback: the
lines of a Python traceback after `Traceback (most recent call last):` up to the exception line,
and any indented lines right after an error line (Java stack frames, multi-line log records),
are marked as errors too. The state is kept between batches because a traceback may be split
across two reads.

Detection runs over a whole batch at once (one `search` per pattern over the joined batch, then
one per matching line), never one regex call per line: that keeps a flood of harmless lines
cheap. Before a pattern runs at all, the characters of the literal every match of it starts with
(`ERROR`, `HTTP/`, `[`: `required_literal`) are looked for one by one, rarest first: `c in text`
for one character is a `memchr`, ~40× faster than a substring or regex search, and a batch
without an `R` cannot hold `ERROR`. This is ripgrep's rare-byte prefilter, in Python's terms; it
took 80-byte log lines from 27 % to over 50 % of the pipe floor (`benchmarks/log_flood.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qatui.core.errors import QatuiError


class LogSourceError(QatuiError):
    """A log source is defined in a way that cannot work (a broken error pattern, …)."""

    title = "Log source problem"


#: The built-in error patterns (Python regexes); a log source's `errors:` replaces them. Each
#: starts with a literal so that `re` can skip through a batch with a fast substring search
#: (`ERROR\b(?<=\bERROR)` is `\bERROR\b` written that way; a leading `\b` is 30× slower).
DEFAULT_ERROR_PATTERNS: tuple[str, ...] = (
    r"ERROR\b(?<=\bERROR)",
    r"CRITICAL\b(?<=\bCRITICAL)",
    r"FATAL\b(?<=\bFATAL)",
    r"Traceback \(most recent call last\)",
    r"Exception\b",
    r"level=\"?(?i:error|err|fatal|critical|crit|panic)\b",
    # An access-log line (common/combined format, Gunicorn, nginx, uvicorn) answered with 5xx.
    r"HTTP/[0-9.]+\"? 5\d\d\b",
    # nginx's error log.
    r"\[(?:error|crit|alert|emerg)\]",
)

_TRACEBACK = re.compile(r"Traceback \(most recent call last\)")
#: The last line of a Python traceback: `ValueError: …`, `KeyboardInterrupt`, `a.b.Error`.
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?::|$)")
_CHAIN_LINES = ("During handling of the above exception", "The above exception was the direct cause")


#: Characters that end a literal prefix: regex syntax (an escaped one is a literal, see below).
_SPECIAL = frozenset("\\.^$*+?{}[]()|")
_QUANTIFIERS = frozenset("?*{")
#: Escapes that stand for a literal character; any other escape (`\b`, `\d`, `\w` …) ends the prefix.
_ESCAPED_LITERALS = frozenset(".^$*+?{}[]()|\\/-=:\"' #&~%@!,;<>")


def required_literal(pattern: str) -> str:
    """The literal text every match of `pattern` starts with ("" when there is none to rely on).

    Read from the pattern's text, conservatively: plain characters and escaped punctuation up
    to the first piece of syntax, dropping a character a `?`, `*` or `{` makes optional; a
    pattern with a top-level `|` (whose alternatives start differently) or with inline flags
    (`(?i)`, which would change what a literal matches) has none.
    """
    if _has_top_level_bar(pattern) or pattern.startswith("(?"):
        return ""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        width = 1
        if char == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1] not in _ESCAPED_LITERALS:
                break
            char, width = pattern[i + 1], 2
        elif char in _SPECIAL:
            break
        following = pattern[i + width : i + width + 1]
        if following and following in _QUANTIFIERS:
            break
        out.append(char)
        i += width
        if following == "+":
            break
    return "".join(out)


def _has_top_level_bar(pattern: str) -> bool:
    depth = 0
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]" or pattern[i + 1 : i + 3] == "^]":
                i += 2 if pattern[i + 1] == "]" else 3  # `[]…]`: the first `]` is a member
                continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth <= 0:
            return True
        i += 1
    return False


def _rarest_first(literal: str) -> tuple[str, ...]:
    """The literal's distinct characters, those log text holds least often first (punctuation
    and capitals before digits, lower case and spaces): the first one missing ends the look."""
    common = set("abcdefghijklmnopqrstuvwxyz0123456789 ")
    return tuple(sorted(dict.fromkeys(literal), key=lambda c: c in common))


def compile_patterns(patterns: Sequence[str] | None) -> list[re.Pattern[str]]:
    """Compile `patterns` (None: the defaults); a broken regex raises `LogSourceError`."""
    compiled = []
    for pattern in DEFAULT_ERROR_PATTERNS if patterns is None else patterns:
        try:
            compiled.append(re.compile(pattern, re.MULTILINE))
        except re.error as error:
            raise LogSourceError(f"error pattern {pattern!r} is not a valid regex: {error}") from None
    return compiled


class ErrorDetector:
    """Marks error lines and their continuation lines; one per stream (it keeps state)."""

    def __init__(self, patterns: Sequence[str] | None = None) -> None:
        self._patterns = compile_patterns(patterns)
        #: Per pattern, the characters a text must hold for it to match (rarest first).
        self._needs = [_rarest_first(required_literal(pattern.pattern)) for pattern in self._patterns]
        #: "" (no error open), "indent" (indented lines continue it), "traceback".
        self._open = ""

    def scan(self, texts: Sequence[str], joined: str | None = None) -> set[int]:
        """Indexes of the error lines in `texts`, the next lines of the same stream after the
        last call. `joined` is `"\\n".join(texts)` when the caller has it already."""
        errors: set[int] = set()
        if not texts:
            return errors
        if joined is None:
            joined = "\n".join(texts)
        hits: set[int] = set()
        for pattern, needs in zip(self._patterns, self._needs, strict=True):
            if needs and not all(char in joined for char in needs):
                continue  # a character of its literal is nowhere in the batch (see above)
            hits.update(_line_indexes(pattern, joined))
        count = len(texts)
        i = 0
        if self._open:
            i = self._continue(texts, 0, errors)
        for start in sorted(hits):
            if start < i:
                continue
            errors.add(start)
            self._open = "traceback" if _TRACEBACK.search(texts[start]) else "indent"
            i = self._continue(texts, start + 1, errors)
        if i < count and self._open:
            self._open = ""
        return errors

    def _continue(self, texts: Sequence[str], i: int, errors: set[int]) -> int:
        """Mark the lines from `i` that continue the open error; return the first one that doesn't."""
        count = len(texts)
        while i < count:
            text = texts[i]
            if text[:1] in (" ", "\t"):
                errors.add(i)
            elif self._open == "traceback":
                if not text.strip() or text.startswith(_CHAIN_LINES) or _TRACEBACK.search(text):
                    errors.add(i)
                elif _EXCEPTION_LINE.match(text):
                    errors.add(i)  # the exception itself ends the traceback
                    self._open = ""
                    return i + 1
                else:
                    self._open = ""
                    return i
            else:
                self._open = ""
                return i
            i += 1
        return i


def _line_indexes(regex: re.Pattern[str], joined: str) -> list[int]:
    """Indexes of the lines of `joined` that `regex` matches, one search per matching line."""
    found = []
    pos = 0
    line = 0
    line_pos = 0  # offset where `line` starts
    end = len(joined)
    while pos <= end:
        match = regex.search(joined, pos)
        if match is None:
            break
        start = match.start()
        line += joined.count("\n", line_pos, start)
        found.append(line)
        next_newline = joined.find("\n", start)
        if next_newline < 0:
            break
        pos = next_newline + 1
        line += 1
        line_pos = pos
    return found


def is_error_text(text: str, patterns: Sequence[str] | None = None) -> bool:
    """Whether one line on its own matches the error patterns (for filters and probes)."""
    return any(p.search(text) for p in compile_patterns(patterns))
