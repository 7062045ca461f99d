"""The engine's log stream of one container, read in bulk (multiplexed frames and HTTP chunking
cut in bulk, not one small read per frame).

It touches private parts of docker-py (`api._get/_url/_raise_for_status`) and urllib3
(`raw._fp.fp`, `chunk_left`); when those are not as expected it falls back to the SDK's
`read1` and says so in `LogStream.path`, which a canary test checks
(tests/unit/test_private_api_canaries.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any


class LogStream:
    """The engine's log stream of one container, read in bulk.

    The SDK's own stream reads each frame with two small reads (header, then payload), which
    in a flood costs more than everything else per line; this reads whatever has arrived
    (`read1`) and cuts the frames out of it. Uses the SDK's request helpers, so TLS, ssh and
    API version negotiation stay the SDK's business.
    """

    def __init__(self, client: Any, container_id: str, params: dict[str, Any]) -> None:
        api = client.api
        #: which reader `bulks` uses: "dechunked" (bulk reads of the socket) or "sdk" (the
        #: SDK's read1, when urllib3's internals are not as expected); a canary test checks it
        self.path = ""
        self._response = api._get(api._url("/containers/{0}/logs", container_id), params=params, stream=True)
        api._raise_for_status(self._response)

    def bulks(self, tty: bool) -> Iterator[list[bytes]]:
        """Per read, the payloads of the complete multiplexed frames in it (stdout and stderr
        alike), or for a TTY the raw data as one payload."""
        read = self._body_reader()
        buffer = b""
        while True:
            try:
                data = read()
            except Exception:  # the socket was closed under us, or the engine went away
                return
            if not data:
                return
            if tty:
                yield [data]
                continue
            buffer = buffer + data if buffer else data
            size = len(buffer)
            pos = 0
            frames = []
            while size - pos >= 8:
                end = pos + 8 + int.from_bytes(buffer[pos + 4:pos + 8], "big")
                if end > size:
                    break
                frames.append(buffer[pos + 8:end])
                pos = end
            buffer = buffer[pos:] if pos < size else b""
            if frames:
                yield frames

    def _body_reader(self) -> Callable[[], bytes]:
        """A function returning the next bytes of the body, b"" at its end.

        The engine sends one HTTP chunk per frame, and `http.client` hands out one chunk per
        `read1` through several Python layers: in a flood that is the reader's main cost, all
        of it holding the GIL. So when the body is chunked and nothing of it was read yet,
        this reads the socket's buffered file in large reads and removes the chunk framing
        in bulk; otherwise it falls back to the SDK's `read1`.
        """
        raw = self._response.raw
        inner = getattr(raw, "_fp", None)
        fp = getattr(inner, "fp", None)
        if (
            not getattr(inner, "chunked", False)
            or getattr(inner, "chunk_left", 0) is not None
            or not hasattr(fp, "read1")
            or getattr(raw, "_has_decoded_content", False)
        ):
            self.path = "sdk"
            return lambda: raw.read1(1 << 16)
        self.path = "dechunked"
        return Dechunker(fp).read

    def close(self) -> None:
        """Shut the socket down, which also wakes a reader blocked on it (from another thread)."""
        from docker.types.daemon import CancellableStream

        with contextlib.suppress(Exception):
            CancellableStream(iter(()), self._response).close()
        with contextlib.suppress(Exception):
            self._response.close()


class Dechunker:
    """HTTP/1.1 chunked transfer coding removed in bulk: `hex size CRLF data CRLF`, ending
    with a zero-size chunk (trailers, if any, are not read)."""

    def __init__(self, fp: Any) -> None:
        self._fp = fp
        self._buffer = b""
        self._left = 0  # payload bytes of the current chunk still to come
        self._skip = 0  # bytes of the CRLF after a payload still to drop
        self._done = False

    def read(self) -> bytes:
        while not self._done:
            data = self._fp.read1(1 << 20)
            if not data:
                self._done = True
                break
            buffer = self._buffer + data if self._buffer else data
            out: list[bytes] = []
            pos, size = 0, len(buffer)
            while pos < size:
                if self._skip:
                    step = min(self._skip, size - pos)
                    pos += step
                    self._skip -= step
                    continue
                if self._left:
                    step = min(self._left, size - pos)
                    out.append(buffer[pos:pos + step])
                    pos += step
                    self._left -= step
                    if not self._left:
                        self._skip = 2
                    continue
                eol = buffer.find(b"\r\n", pos)
                if eol < 0:
                    break
                length = int(buffer[pos:eol].split(b";", 1)[0], 16)
                pos = eol + 2
                if length == 0:
                    self._done = True
                    break
                self._left = length
            self._buffer = buffer[pos:] if pos < size and not self._done else b""
            if out:
                return b"".join(out)
        return b""


def close_quietly(stream: Any) -> None:
    with contextlib.suppress(Exception):
        stream.close()

