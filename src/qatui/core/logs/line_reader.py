"""Reading a pipe into lines without copying a megabyte three times a batch.

`LineSplitter` (`_text.py`) takes a chunk of bytes and keeps the partial last line for the next
chunk: every chunk is a fresh `bytes` from `os.read`, joined to the partial line (a copy), cut
before the partial line (another copy), then decoded. Each of those is a large allocation that
glibc serves with fresh pages, and the page faults cost more than the work: for 80-byte log lines,
`data[:last].decode()` took 107 ms a million lines where decoding the same bytes through a
`memoryview` took 58 ms.

`LineReader` reads with `os.readv` into one buffer it keeps, decodes the complete lines straight
from a `memoryview` of it, and moves the partial last line (a few bytes) to the front for the
next read. The only large allocation left per batch is the decoded text itself. What it gives is
exactly what `LineSplitter` gives for the same bytes (a test feeds both the same stream cut at
random places): lines cut at `max_line` bytes and said so, the rest of such a line skipped,
`\\r\\n` read as a line end.
"""

from __future__ import annotations

import os

from qatui.core.logs._text import MAX_LINE, TRUNCATED, _has_long_line, cap

#: The buffer: the pipe's size (`command_source` enlarges pipes to 1 MB), so one read takes all
#: a flooding command wrote since the last one.
DEFAULT_SIZE = 1 << 20


class LineReader:
    """Reads a file descriptor into a reused buffer and hands out its complete lines."""

    def __init__(self, max_line: int = MAX_LINE, size: int = DEFAULT_SIZE) -> None:
        self.max_line = max_line
        # Room for a whole kept line (at most `max_line` bytes) and a large read after it.
        self._buffer = bytearray(max(size, 4 * max_line))
        self._view = memoryview(self._buffer)
        self._filled = 0
        self._skipping = False  # inside the rest of an over-long line

    @property
    def pending(self) -> int:
        """Bytes read and not yet handed out as lines."""
        return self._filled

    @property
    def room(self) -> int:
        return len(self._buffer) - self._filled

    def read(self, fd: int) -> int:
        """One `os.readv` into the free part of the buffer: the bytes read, 0 at the end of the
        stream. Call `lines()` before the buffer is full (`room` > 0), as `lines()` leaves at
        most `max_line` bytes in it."""
        count = os.readv(fd, [self._view[self._filled :]])
        self._filled += count
        return count

    def feed(self, data: bytes) -> None:
        """Put bytes in the buffer as if read (tests, and callers that have bytes already)."""
        end = self._filled + len(data)
        if end > len(self._buffer):
            raise ValueError(f"{len(data)} bytes do not fit the {self.room} bytes of room left")
        self._view[self._filled : end] = data
        self._filled = end

    def lines(self) -> tuple[list[str], str | None]:
        """The complete lines read so far, and `"\\n".join(lines)` when it came for free."""
        buffer, end = self._buffer, self._filled
        start = 0
        if self._skipping:
            newline = buffer.find(b"\n", 0, end)
            if newline < 0:
                self._filled = 0
                return [], None
            start = newline + 1
            self._skipping = False
        last = buffer.rfind(b"\n", start, end)
        if last < 0:
            out: list[str] = []
            self._keep(start, end, out)
            return out, (out[0] if out else None)
        # A `\r\n` ending the last complete line: the `\n` is not in the slice, so drop its `\r`.
        stop = last - 1 if last > start and buffer[last - 1] == 13 else last
        text: str | None = str(self._view[start:stop], "utf-8", "replace")
        assert text is not None
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        if _has_long_line(buffer, last, self.max_line, start):
            lines = [cap(line, self.max_line) for line in lines]
            text = None
        count = len(lines)
        self._keep(last + 1, end, lines)
        if len(lines) != count:  # an over-long partial line was added: `text` no longer matches
            text = None
        return lines, text

    def flush(self) -> list[str]:
        """The partial last line, if any (at the end of the stream)."""
        filled, self._filled = self._filled, 0
        self._skipping = False
        return [str(self._view[:filled], "utf-8", "replace").rstrip("\r")] if filled else []

    def _keep(self, start: int, end: int, out: list[str]) -> None:
        """Keep `buffer[start:end]`, the partial last line, at the front; cut it if over-long."""
        size = end - start
        if size > self.max_line:
            out.append(str(self._view[start : start + self.max_line], "utf-8", "replace") + TRUNCATED)
            self._skipping = True
            self._filled = 0
            return
        if start:
            self._view[:size] = self._view[start:end]
        self._filled = size
