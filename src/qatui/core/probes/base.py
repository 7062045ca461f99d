"""What every probe kind shares: the context it runs in, the outcome it returns, bounded buffers.

Each kind (`http`, `websocket`, `command`, `exec`, `tcp`, `logs`) is a module with one
coroutine, `run(spec, config, ctx) -> Outcome`, where `config` is the probe's configuration with
every `${variable}` already expanded. Kinds never build `ProbeResult`s themselves: the engine
adds timing, retries, masking and the timestamp in one place, so no kind can forget to mask a
secret. Kinds raise nothing on purpose: a fault becomes an `Outcome` with a tester's explanation.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from qatui.core.checklist import Checklist, Environment, ProbeSpec
from qatui.core.probes.cookies import ItemJars
from qatui.core.secrets import Masker
from qatui.core.session import ProbeStatus

#: How much of a response body is read and checked; the rest is never read into memory.
BODY_CAP = 1024 * 1024
#: How much of a command's stdout / stderr is kept (half from the start, half from the end).
OUTPUT_CAP = 256 * 1024
#: How long a result's `detail` may be (characters).
DETAIL_CAP = 4000
#: How many characters of a body or output the detail shows.
EXCERPT = 1500


@dataclass
class Outcome:
    """What one attempt of a probe found, before the engine masks it and adds timing."""

    status: ProbeStatus
    summary: str
    explanation: str = ""
    detail: str = ""
    #: Raw captured values (the engine masks the secret ones before they leave).
    captures: dict[str, str] = field(default_factory=dict)
    #: Names of captures whose value must be masked (`secret: true`).
    secret_captures: set[str] = field(default_factory=set)
    #: The kind's own timing (e.g. until the response arrived); else the engine measures.
    duration_ms: float | None = None


@dataclass
class ProbeContext:
    """Everything a probe kind may use; one per runner, shared by every probe it runs."""

    checklist: Checklist
    environment: Environment | None
    lookup: Callable[[str], str | None]
    masker: Masker
    process_env: Mapping[str, str]
    session_started: datetime
    #: The runner's shared httpx.AsyncClient for a `verify` setting (True, False or a CA path).
    http_client: Callable[[bool | str], Any]
    #: A docker SDK client for a base URL (None: DOCKER_HOST / the local socket). Blocking.
    docker_client: Callable[[str | None], Any]
    #: Set when the run is cancelled; thread-side loops (logs, exec) watch it.
    stop: threading.Event = field(default_factory=threading.Event)
    #: item id → that item's cookie jar (`http.cookiejar.CookieJar`): an item's probes share
    #: cookies, items never do (see `cookies.py`).
    cookies_for: ItemJars = field(default_factory=ItemJars)
    #: (secure, host, port) → the proxy a WebSocket probe connects through (None: direct),
    #: looked up once per runner (`websocket.py`).
    ws_proxies: dict[tuple[bool, str, int], str | None] = field(default_factory=dict)

    # Cuts of text that may hold a secret: masked *before* the cut, so a secret cut in two never
    # shows its first characters. Kinds call these rather than the module functions below.
    def excerpt(self, text: str, limit: int = EXCERPT) -> str:
        return excerpt(self.masker.mask(text), limit)

    def cap_detail(self, text: str) -> str:
        return cap_detail(self.masker.mask(text))

    def last_lines(self, text: str, count: int = 5, limit: int = 600) -> str:
        return last_lines(self.masker.mask(text), count, limit)

    @cached_property
    def checklist_dir(self) -> Path:
        """The folder commands run in by default: resolved once per runner, not per probe."""
        return Path(self.checklist.path).resolve().parent if self.checklist.path else Path.cwd()


def where(spec: ProbeSpec, key: str = "") -> str:
    """`django-upgrade.yaml:88` for a key of the probe, or '' when the probe has no position."""
    position = spec.where(key)
    return position.short if position else ""


def fail_summary(spec: ProbeSpec, key: str, actual: str, expected: str) -> str:
    """`status 404, expected 200 — django-upgrade.yaml:88`."""
    place = where(spec, key)
    text = f"{actual}, expected {expected}"
    return f"{text} — {place}" if place else text


def with_where(spec: ProbeSpec, key: str, text: str) -> str:
    place = where(spec, key)
    return f"{text} — {place}" if place else text


class BoundedText:
    """Keeps the first and last `cap / 2` bytes of a stream and counts everything.

    Used for command and exec output: an endless `yes` never grows memory past the cap, and the
    end of the output (where errors usually are) is kept as well as the start.
    """

    def __init__(self, cap: int = OUTPUT_CAP) -> None:
        self.head_cap = cap // 2
        self.tail_cap = cap - self.head_cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.tail_cap:
                del self.tail[: len(self.tail) - self.tail_cap]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + min(len(self.tail), self.tail_cap)

    def text(self) -> str:
        tail = bytes(self.tail[-self.tail_cap :]) if self.tail else b""
        head = self.head.decode("utf-8", errors="replace")
        if not tail:
            return head
        tail_text = tail.decode("utf-8", errors="replace")
        if self.truncated:
            # the kept tail starts wherever the byte count fell: start it at its first whole line
            newline = tail_text.find("\n")
            if 0 <= newline < len(tail_text) - 1:
                tail_text = tail_text[newline + 1 :]
            # and the head ends at its last whole line
            end = head.rfind("\n")
            if end > 0:
                head = head[:end]
            dropped = self.total - len(head.encode("utf-8", errors="replace")) - len(tail_text.encode("utf-8", errors="replace"))
            return f"{head}\n… [{dropped} bytes not kept] …\n{tail_text}"
        return head + tail_text


#: Where a cut may fall inside a line: after a space or a punctuation mark that ends a token.
_BREAK = re.compile(r"[\s,;:/&?=)\]}>|]")


def cut_words(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with "…" where it was cut.

    A cut never falls inside a word ("ckages/django/…" read as a typo, or hid the word that
    mattered); a single token longer than half the limit (a base64 blob) is cut where it must
    be, and the "…" says so.
    """
    if len(text) <= limit:
        return text
    room = max(1, limit - 1)
    head = text[:room]
    if text[room].isspace() or _BREAK.match(text[room - 1]):
        return head.rstrip() + "…"
    ends = [m.end() for m in _BREAK.finditer(head)]
    if ends and ends[-1] >= room // 2:
        return head[: ends[-1]].rstrip() + "…"
    return head + "…"


def cut_words_left(text: str, limit: int) -> str:
    """The end of `text`, at most `limit` characters, starting at a word boundary ("…" first)."""
    if len(text) <= limit:
        return text
    room = max(1, limit - 1)
    start = len(text) - room
    if text[start - 1].isspace() or _BREAK.match(text[start - 1]):
        return "…" + text[start:].lstrip()
    match = _BREAK.search(text, start)
    if match and match.end() - start <= room // 2:
        return "…" + text[match.end() :].lstrip()
    return "…" + text[start:]


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of `text`, at most `limit` characters, with a note of how much was left out.

    The cut falls at the end of a line when one ends in the last quarter of the room, else at a
    word boundary (`cut_words`). Secrets must be masked before: a cut masked afterwards can leave
    a secret's first characters in clear.
    """
    if len(text) <= limit:
        return text
    newline = text.rfind("\n", 0, limit + 1)
    kept = text[:newline] if newline >= limit * 3 // 4 else cut_words(text, limit)
    left = len(text) - len(kept.removesuffix("…"))
    return f"{kept}\n… [{left} more characters]"


def last_lines(text: str, count: int = 5, limit: int = 600) -> str:
    """The last `count` non-blank lines, at most `limit` characters: whole lines are dropped from
    the start, and a last line longer than the limit is cut at a word boundary."""
    lines = [line for line in text.strip().splitlines() if line.strip()][-count:]
    while len(lines) > 1 and len("\n".join(lines)) > limit:
        lines.pop(0)
    return cut_words_left("\n".join(lines), limit)


def cap_detail(text: str) -> str:
    return excerpt(text, DETAIL_CAP)
