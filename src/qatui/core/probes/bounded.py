"""Bounds on what a server sends: decompressed bodies and JSON nesting.

A checklist may point at any server, and a server may be hostile or broken. Two answers cost
qatui far more than their size on the wire:

* **A gzip bomb.** httpx decodes `Content-Encoding` one network chunk at a time, and one 64 KB
  chunk of gzipped zeros inflates to ~64 MB at once, before qatui's `BODY_CAP` sees a byte
  (168 MB per probe, 1.45 GB for 32 probes, in the adversarial test). `BoundedDecoder` inflates
  with zlib's `max_length`, so no step ever holds more than the cap: a bomb costs at most the
  body limit, like a plain body.
* **Deep JSON.** `json.loads` of `[[[[…]]]]` 100,000 levels deep raises `RecursionError` (an
  "internal error"), and a value that parses just under Python's limit breaks every recursive
  walk after it. `json_depth` measures the nesting with C-speed byte operations before parsing,
  and anything deeper than `MAX_JSON_DEPTH` is reported as such — a failed check, not a crash.
"""

from __future__ import annotations

import json
import re
import zlib
from array import array
from itertools import accumulate
from typing import Any

#: How deep JSON from a server may nest (the YAML loader stops at the same depth).
MAX_JSON_DEPTH = 64
#: The encodings qatui decodes itself; it asks servers for no other (`Accept-Encoding`).
ENCODINGS = ("gzip", "x-gzip", "deflate", "identity")
ACCEPT_ENCODING = "gzip, deflate"

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_SIGNS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class UnsupportedEncoding(ValueError):
    """The server used a `Content-Encoding` qatui did not ask for and does not decode."""


class _Stage:
    """One `Content-Encoding` layer, inflated at most `cap` bytes in all."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.encoding = encoding
        self.cap = cap
        self.produced = 0
        self.full = False
        self._raw_deflate = False
        self._started = False
        self._inflate: Any = self._new()

    def _new(self) -> Any:
        if self.encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(zlib.MAX_WBITS | 16)
        # `deflate` is zlib-wrapped by the RFC, but servers send raw deflate too (httpx and
        # browsers accept both)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        while data and not self.full:
            room = self.cap - self.produced
            if room <= 0:
                self.full = True
                break
            try:
                piece = self._inflate.decompress(data, room)
            except zlib.error:
                if self.encoding == "deflate" and not self._started and not self._raw_deflate:
                    self._raw_deflate = True
                    self._inflate = self._new()
                    continue
                raise
            self._started = True
            out += piece
            self.produced += len(piece)
            if self._inflate.unconsumed_tail:
                data = self._inflate.unconsumed_tail
                if self.produced >= self.cap:
                    self.full = True
            elif self._inflate.eof and self._inflate.unused_data:
                data = self._inflate.unused_data  # another gzip member follows
                self._inflate = self._new()
            else:
                data = b""
        return bytes(out)


class BoundedDecoder:
    """Undo a response's `Content-Encoding` (gzip, deflate, or a chain of them), producing at
    most `cap` bytes however small the input; `.full` tells when it stopped at the cap."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        names = [e.strip().lower() for e in content_encoding.split(",") if e.strip()]
        unknown = [e for e in names if e not in ENCODINGS]
        if unknown:
            raise UnsupportedEncoding(f"Content-Encoding {', '.join(unknown)} (qatui asks for {ACCEPT_ENCODING})")
        # the last encoding applied is the first to undo
        self._stages = [_Stage(e, cap) for e in reversed(names) if e != "identity"]

    @property
    def full(self) -> bool:
        return any(stage.full for stage in self._stages)

    def feed(self, data: bytes) -> bytes:
        for stage in self._stages:
            data = stage.feed(data)
        return data


def json_depth(text: str | bytes) -> int:
    """How deep arrays and objects nest in `text` (strings are skipped), in linear time with
    no recursion: brackets inside strings do not count."""
    raw = text.encode("utf-8", errors="replace") if isinstance(text, str) else text
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    if not brackets:
        return 0
    return max(accumulate(array("b", brackets.translate(_SIGNS))))


class TooDeep(ValueError):
    """JSON nested deeper than `MAX_JSON_DEPTH`."""


def loads(text: str) -> Any:
    """`json.loads` with the nesting bounded: deeper than `MAX_JSON_DEPTH` raises `TooDeep`
    (a ValueError, so callers that treat bad JSON as a failed check need no new branch)."""
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and json_depth(text) > MAX_JSON_DEPTH:
        raise TooDeep(f"JSON nested more than {MAX_JSON_DEPTH} levels deep (qatui reads at most {MAX_JSON_DEPTH})")
    return json.loads(text)
