"""A safe YAML reader that remembers where every key and value is written.

Why not `yaml.safe_load`: it throws the positions away, so a validator could only say "unknown
key 'expectd'" without the line, and it expands aliases blindly, so a few hundred bytes of
"billion laughs" eat all memory. Here PyYAML's safe loader (libyaml's C parser when installed,
else the pure-Python one) only produces *events*, and `Composer` builds our own small tree of
`YScalar`, `YSeq` and `YMap`, each with a 1-based `Position`. It uses an explicit stack, so no
nesting can overflow Python's (or C's) stack, and it shares an aliased value instead of copying
it while counting what aliases stand for: more than `MAX_ALIASES` aliases, more than `MAX_NODES`
aliased values, or nesting deeper than `MAX_DEPTH` stops at once with one clear problem. Merge
keys (`<<: *defaults`) work within those limits. Tags are refused: a checklist is plain data.

Everything that can go wrong with the bytes (too large, binary, not UTF-8, a tab used as
indentation, a syntax error) becomes a `ChecklistError` with the position the parser (or the
decoder) gives. Duplicate mapping keys are not fatal: they are collected as problems naming
both places, and the first value is kept, so the validator can go on and report the rest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qatui.core.errors import ChecklistError, Position, Problem
from qatui.core.runtime import paused_gc
from qatui.core.yaml_composer import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_NODES,
    Composer,
    LimitReached,
)
from qatui.core.yamlnodes import YMap, YNode, YScalar, YSeq, describe, to_python

#: The event parser: libyaml's when installed, else PyYAML's (tests set it to compare both).
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "MAX_ALIASES", "MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "Document", "YMap", "YNode", "YScalar", "YSeq",
    "decode", "describe", "parse_bytes", "parse_file", "parse_text", "read_bytes", "to_python",
]

#: Files larger than this are refused before being read.
MAX_BYTES = 2 * 1024 * 1024


@dataclass
class Document:
    """A parsed file: its root (None when the file holds no document) and non-fatal problems."""

    path: str
    root: YNode | None
    problems: list[Problem] = field(default_factory=list)


def read_bytes(path: str | Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, refusing what is missing, not a regular file, unreadable or too large.

    Named pipes, devices and sockets are refused before anything is opened (`core.files`): a
    FIFO without a writer used to hang every command, /dev/zero never ended."""
    from qatui.core.files import NotReadable, read_regular

    name = str(path)
    where = Position(name)
    try:
        data = read_regular(name, max_bytes)
    except NotReadable as error:
        reason = "is a folder, not a checklist file" if error.reason.startswith("is a folder") else error.reason
        raise ChecklistError([Problem(where, reason)]) from None
    if len(data) > max_bytes:  # too large (its size on disk is the figure to show), or endless
        try:
            size = max(len(data), os.stat(name).st_size)
        except OSError:
            size = len(data)
        raise ChecklistError([Problem(where, _too_large(size, max_bytes))])
    return data


def _too_large(size: int, limit: int) -> str:
    return (
        f"file is too large ({size / 1024 / 1024:.1f} MB; a checklist may be at most "
        f"{limit / 1024 / 1024:.0f} MB)"
    )


def decode(data: bytes, path: str) -> str:
    """UTF-8 text (a BOM is dropped); binary data and other encodings are reported with a position."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ChecklistError(
            [Problem(Position(path, 1, 1), "the file is UTF-16 encoded; save it as UTF-8")]
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        raise ChecklistError(
            [Problem(Position(path, line, col), "this is binary data, not a text file (a NUL byte)")]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _line_col(data, error.start)
        byte = data[error.start]
        hint = ""
        try:
            data.decode("cp1252")
            hint = " (it looks like Latin-1/Windows-1252: save the file as UTF-8)"
        except UnicodeDecodeError:
            hint = " (save the file as UTF-8)"
        raise ChecklistError(
            [Problem(Position(path, line, col), f"not valid UTF-8: byte 0x{byte:02x}{hint}")]
        ) from None


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    # Columns count characters; the bytes before the bad one on its line are decoded leniently.
    col = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


def parse_file(path: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[Document, bytes]:
    """Read, decode and parse `path`; returns the document and the raw bytes (for hashing)."""
    data = read_bytes(path, max_bytes=max_bytes)
    return parse_bytes(data, str(path), max_bytes=max_bytes), data


def parse_bytes(data: bytes, path: str, *, max_bytes: int = MAX_BYTES) -> Document:
    if len(data) > max_bytes:
        raise ChecklistError([Problem(Position(path), _too_large(len(data), max_bytes))])
    return parse_text(decode(data, path), path)


def parse_text(text: str, path: str) -> Document:
    """Parse `text` into the positioned tree (libyaml's parser when available, else PyYAML's)."""
    loader: Any = None
    try:
        loader = _Loader(text)  # the pure-Python reader checks characters here already
        composer = Composer(path, text, loader)
        with paused_gc():
            root = composer.document()
    except yaml.MarkedYAMLError as error:
        raise ChecklistError([_syntax_problem(error, path, text)]) from None
    except yaml.YAMLError as error:  # reader errors (control characters) carry a position too
        raise ChecklistError([_reader_problem(error, path, text)]) from None
    except LimitReached as limit:
        raise ChecklistError([limit.problem]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return Document(path, root, composer.problems)


def _syntax_problem(error: yaml.MarkedYAMLError, path: str, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    problem = (error.problem or "invalid YAML").strip()
    context = (error.context or "").strip()
    message = f"YAML syntax error: {problem}"
    if context and error.context_mark is not None and mark is not None and error.context_mark.line != mark.line:
        message += f" ({context} at line {error.context_mark.line + 1})"
    elif context:
        message += f" ({context})"
    if "maximum nesting depth" in problem:
        # PyYAML >= 6.0.3 (libyaml 0.2.6's scanner) stops deep nesting itself, reading ahead of
        # the events we count: say it in qatui's words, whichever of the two stopped first.
        message = f"values are nested more than {MAX_DEPTH} levels deep"
    elif mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        message += "; tabs cannot be used for indentation in YAML, use spaces"
    elif "expected a single document" in context or "expected a single document" in problem:
        message = "YAML syntax error: more than one document ('---') in the file; a checklist is one document"
    elif "found character '\\t'" in problem:
        message += "; tabs cannot be used for indentation in YAML, use spaces"
    return Problem(Position(path, line, col), message)


def _reader_problem(error: yaml.YAMLError, path: str, text: str) -> Problem:
    position = getattr(error, "position", None)
    if isinstance(position, int) and 0 <= position <= len(text):
        line = text.count("\n", 0, position) + 1
        col = position - (text.rfind("\n", 0, position) + 1) + 1
        char = text[position] if position < len(text) else ""
        return Problem(
            Position(path, line, col),
            f"a control character ({ord(char):#x}) is not allowed in YAML" if char else str(error),
        )
    return Problem(Position(path), f"YAML error: {error}")


