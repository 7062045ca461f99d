"""Untrusted text made inert: control characters shown, never obeyed.

A checklist, a log line, a command's output, a server's answer or a note can hold terminal
control sequences: `ESC ] 0 ; … BEL` sets the window title, `ESC [ 2 J` clears the screen,
`ESC [ ? 1049 l` leaves the alternate screen, `\\r` returns to the start of the line so what
follows overwrites what came before (a trust review that says `$ echo harmless` over the real
command), and the bidi overrides U+202E … reorder what a reader sees. Such text reaches the
screen, every command's output, the record and JUnit, so it passes one function, `inert`,
which writes each of those characters as a visible escape:

    ESC → \\e    CR → \\r    BEL → \\a    other C0, DEL and C1 → \\xHH
    bidi controls → \\u202e    lone surrogates and U+FFFE/U+FFFF → \\udcff / \\ufffe

Tab and line feed stay (a multi-line excerpt keeps its lines) unless `one_line` asks for `\\n`
and `\\t` too. Everything `inert` returns is a valid XML 1.0 character and encodes as UTF-8, so
the record and JUnit hold only valid text. Backslashes are left alone: the escapes are for
reading, not for decoding back, and ordinary text (a Windows path) stays as it was.
"""

from __future__ import annotations

import re
from functools import cache


@cache
def _unsafe(one_line: bool) -> re.Pattern[str]:
    """Every character `inert` rewrites (with line feed and tab for `one_line`), compiled on
    first use: each of these classes takes ~0.3 ms to compile and most text never needs it
    (`str.isprintable` answers first, see `inert`)."""
    low = "\x00-\x1f" if one_line else "\x00-\x08\x0b-\x1f"
    return re.compile(f"[{low}\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


#: What a visible escape looks like (for styling them dim on the screen).
ESCAPE = re.compile(r"\\(?:e|r|a|n|t|x[0-9a-f]{2}|u[0-9a-f]{4})")

_NAMED = {"\x1b": "\\e", "\r": "\\r", "\x07": "\\a", "\n": "\\n", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, *, one_line: bool = False) -> str:
    """`text` with every control character written as a visible escape (see the module
    docstring); `one_line` escapes line feeds and tabs too."""
    # `isprintable` (C, one pass) is False for every character either pattern rewrites (they
    # are all Cc, Cf, Cs or Cn), so printable text, most of it, needs no regex
    if not text or text.isprintable():
        return text
    if not one_line and text.replace("\n", "").replace("\t", "").isprintable():
        return text  # lines and tabs, nothing else: a checklist's steps, an answer's body
    pattern = _unsafe(one_line)
    if not pattern.search(text):
        return text
    return pattern.sub(_visible, text)


def inert_all(texts: list[str], *, one_line: bool = False) -> list[str]:
    """`inert` of every text, with one search over all of them first: a batch of a flooding
    log source is almost always clean, and one regex over the joined batch costs a fraction
    of one call per line (`qatui logs --follow` spent most of its time there)."""
    joined = "".join(texts)
    if joined.isprintable():  # as in `inert`: a printable batch needs no regex at all
        return texts
    if not _unsafe(one_line).search(joined):
        return texts
    return [inert(text, one_line=one_line) for text in texts]


def is_inert(text: str) -> bool:
    """True when `text` holds nothing `inert` would rewrite (line feeds and tabs allowed)."""
    return text.isprintable() or not _unsafe(False).search(text)
