"""Smart case: how what a tester types to filter log lines matches them.

A tester typing `error` wants `ERROR`, `Error` and `error` alike; one typing `ValueError` wants
exactly that, not `valueerror` in a URL. So a filter ignores case unless it holds a capital
letter, as ripgrep's `--smart-case` and less's `-i` do. Both faces use this one function: the
log pane's `/` filter (words, matched literally) and `qatui logs --grep` (a Python regex), so a
filter finds the same lines on the screen and in CI.

In a regex only *literal* capitals count: `\\S`, `\\W`, `\\D`, `\\B`, `\\A`, `\\Z` are classes and
anchors, not letters a tester meant to match, so `\\Serror` still ignores case (ripgrep does the
same). An inline flag the tester writes (`(?i)`, `(?-i:…)`) wins over the guess.
"""

from __future__ import annotations

import re

#: An escape (`\\S`, `\\x41`, `\\N{…}`): skipped when looking for capitals in a regex.
_ESCAPE = re.compile(r"\\(?:N\{[^}]*\}|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)


def is_case_sensitive(pattern: str, *, regex: bool = False) -> bool:
    """Whether `pattern` asks for its case: it holds an upper-case letter (in a regex, outside
    an escape)."""
    text = _ESCAPE.sub("", pattern) if regex else pattern
    return any(char.isupper() for char in text)


def compile_filter(pattern: str, *, regex: bool = False) -> re.Pattern[str]:
    """`pattern` (a regex, or with `regex=False` words matched literally) compiled with smart
    case. A broken regex raises `re.error`, for the caller to say so."""
    flags = 0 if is_case_sensitive(pattern, regex=regex) else re.IGNORECASE
    return re.compile(pattern if regex else re.escape(pattern), flags)
