"""Escaping for the two kinds of text a record holds: hidden anchor data and visible Markdown.

The record carries every value twice: once in a hidden anchor (`<!-- qatui:KIND JSON -->`),
which is what qatui reads back, and once as Markdown a person reads on GitHub. The two need
different guarantees:

- Anchor data is JSON on one line. It must never contain `-->` (that would end the HTML
  comment early and show the rest as text), nor a raw line break of any kind. JSON already
  escapes `\\n`, `\\r` and control characters; we also write `<`, `>`, U+2028/U+2029 and lone
  surrogates as `\\uXXXX`, so `-->`, `--!>` and `<!--` cannot occur and the line survives any
  editor. Decoding is plain `json.loads`, so the data is exact.
- Visible text is for reading only, so escaping may be lossy where that keeps the structure
  safe: line breaks inside one-line fields become `↵`, `<` `>` `&` become entities, Markdown
  punctuation gets a backslash, and verbatim blocks get a fence longer than any backtick run
  inside them. Whatever a note contains, it cannot open a heading, a list, a table, an HTML
  block, a code fence, or fake an anchor line.
"""

from __future__ import annotations

import re
from datetime import datetime
from json import JSONEncoder

from qatui.core.text import inert, is_inert

# ---------------------------------------------------------------- anchor data (JSON)

# C1 controls, bidi controls and U+FFFE/U+FFFF too: the anchor data stays exact (JSON decodes
# them back) while the file holds no character a terminal or an XML parser would act on.
_JSON_SPECIAL = re.compile("[<>\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_ENCODER = JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _uescape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def anchor_safe(payload: str) -> str:
    """Make encoded JSON safe inside an HTML comment on one line (see the module docstring)."""
    if _JSON_SPECIAL.search(payload):
        return _JSON_SPECIAL.sub(_uescape, payload)
    return payload


def jdump(value: object) -> str:
    """Compact JSON of any plain value (not yet anchor-safe)."""
    return _ENCODER.encode(value)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# ---------------------------------------------------------------- visible Markdown

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Characters that mean something inline in CommonMark/GFM, plus surrogates that cannot be encoded.
_INLINE = re.compile(r"[\\`*_\[\]|~&<>#\r\n\ud800-\udfff]")
_INLINE_MAP = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": " ↵ ", "\n": " ↵ "}
# What turns a line into a block (list, heading, setext underline, ordered list) at its start.
_LINE_START = re.compile(r"^([-+=]|\d{1,9}(?=[.)]))")


def _inline_char(match: re.Match[str]) -> str:
    char = match.group()
    mapped = _INLINE_MAP.get(char)
    if mapped is not None:
        return mapped
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    return "\\" + char


def inline(text: str) -> str:
    """Text safe inside one Markdown line (a list item, a heading, a table cell).

    Line breaks become ` ↵ ` so a one-line field stays on one line; control characters are
    written visibly (`\\e`, see core/text.py), never raw.
    """
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    text = inert(text)
    if _INLINE.search(text):
        text = _INLINE.sub(_inline_char, text)
    return text


def _line_start(text: str) -> str:
    """Escape what would make `text` a block when it starts a line."""
    stripped = text.lstrip(" \t")
    lead = text[: len(text) - len(stripped)]
    if lead:
        lead = lead.replace("\t", "    ").replace(" ", "&nbsp;")  # keep indentation visible
    match = _LINE_START.match(stripped)
    if match:
        end = match.end()
        if match.group(1)[0].isdigit():
            stripped = stripped[:end] + "\\" + stripped[end:]
        else:
            stripped = "\\" + stripped
    return lead + stripped


def quote(text: str, indent: str) -> list[str]:
    """A multi-line note as a blockquote: each line escaped, line breaks kept as hard breaks."""
    lines = _LINE_BREAK.split(text)
    out: list[str] = []
    prefix = indent + "> "
    previous_blank = True
    for raw in lines:
        if not raw.strip():
            if not previous_blank:
                out.append(indent + ">")
            previous_blank = True
            continue
        escaped = _line_start(inline(raw))
        if not previous_blank:
            out[-1] += "\\"  # hard line break: keeps the tester's line as written
        out.append(prefix + escaped)
        previous_blank = False
    if out and out[-1] == indent + ">":
        out.pop()
    return out


_BACKTICKS = re.compile(r"`+")


def fence(text: str, indent: str, info: str = "text") -> list[str]:
    """Verbatim text in a backtick fence longer than any backtick run inside it."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    marker = "`" * max(3, longest + 1)
    out = [f"{indent}{marker}{info}"]
    body = _LINE_BREAK.split(text)
    for line in body:
        line = inert(line, one_line=True)  # control characters visibly, never raw
        # `<!--` is shown with an invisible break so no verbatim line can pass for an anchor.
        if "<!--" in line:
            line = line.replace("<!--", "<!\u200b--")
        if _has_surrogate(line):
            line = _SURROGATE.sub("\ufffd", line)
        out.append(indent + line if line else indent.rstrip())
    out.append(indent + marker)
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


#: The word after a verbatim block's language that tells qatui the block holds data (GitHub
#: shows only the first word of a fence's info string, as its language).
BLOCK_WORD = "qatui"
_ZWSP = "\u200b"


def block_safe(text: str) -> bool:
    """Whether `text` can be stored as a verbatim block, read back exactly (see `block`).

    It must not be empty, hold no control character but line feeds and tabs (the Recorder
    makes every text so), no zero-width space (`<!--` is shown with one) and no lone surrogate.
    Anything else stays in its anchor's JSON, shown in a plain fence as before."""
    return bool(text) and is_inert(text) and _ZWSP not in text and not _has_surrogate(text)


def block(text: str, indent: str, info: str = "text") -> list[str]:
    """`text` as a verbatim block qatui reads back: a fence with `info qatui` as its info
    string, every line indented by `indent`, `<!--` shown as `<!` ZWSP `--` (so no line can
    pass for an anchor), nothing else changed. Only for `block_safe` text."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    marker = "`" * max(3, longest + 1)
    if "<!--" in text:
        text = text.replace("<!--", "<!" + _ZWSP + "--")
    out = [f"{indent}{marker}{info} {BLOCK_WORD}"]
    out.extend(indent + line if line else "" for line in text.split("\n"))
    out.append(indent + marker)
    return out


def unblock(body: str, indent: int) -> str:
    """The text of a verbatim block's body (the lines between its fences) written by `block`
    at `indent` columns; a trailing `\\r` per line (a CRLF checkout) is dropped."""
    lines = body.split("\n")
    text = "\n".join(line[indent:].removesuffix("\r") for line in lines)
    return text.replace("<!" + _ZWSP + "--", "<!--") if _ZWSP in text else text


def code(text: str) -> str:
    """An inline code span for an identifier, whatever characters it holds."""
    text = inert(_LINE_BREAK.sub(" ↵ ", text))
    if _has_surrogate(text):
        text = _SURROGATE.sub("\ufffd", text)
    if not text.strip():
        return "`(blank)`" if text else "`(none)`"
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    marker = "`" * (longest + 1)
    if text[0] in "` " or text[-1] in "` ":
        text = f" {text} "
    return f"{marker}{text}{marker}"


def html_text(text: str) -> str:
    """Text inside raw HTML (a `<summary>`): entities only, one line."""
    text = inert(_LINE_BREAK.sub(" ↵ ", text))
    if _has_surrogate(text):
        text = _SURROGATE.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def when(value: datetime | None) -> str:
    """A date and time a person reads, always with its zone offset."""
    if value is None:
        return "—"
    shown = value.isoformat(sep=" ", timespec="seconds")
    return shown if value.tzinfo is not None else f"{shown} (no time zone)"


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "−∞"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"
