"""Standard output that fails (a full disk, a closed terminal) ends a command in words, not a crash.

`qatui report … > /dev/full` used to be an "internal error" with a crash log, and closing the
terminal after the screen wrote a crash log every time: the write of the last line met EIO.
Neither is a bug in qatui, and a crash log for them hides the real ones.

Telling "standard output failed" from "some other file failed with the same errno" cannot be
done after the fact (a failed flush drops its bytes, so a second flush succeeds and proves
nothing). So `guard_stdout` puts a thin wrapper in front of `sys.stdout` for the length of a
command: any `OSError` from writing or flushing it is raised again as `OutputLost`, which the
CLI turns into one sentence ("could not write output: no space left on device") and exit 1,
or nothing at all where the terminal itself is gone. A broken pipe (`| head`) stays a quiet
success, as before.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from typing import Any, TextIO


class OutputLost(OSError):
    """Writing standard output failed; `errno` and `strerror` are those of the failed write."""

    @property
    def reason(self) -> str:
        return (self.strerror or "write failed").lower()

    @property
    def terminal_gone(self) -> bool:
        """EIO or ENXIO: the terminal was closed (nobody is left to read a message)."""
        return self.errno in (errno.EIO, errno.ENXIO)


def _lost(error: OSError) -> OSError:
    if isinstance(error, BrokenPipeError | OutputLost):
        return error  # `| head`: the reader had enough; handled as before
    return OutputLost(error.errno or errno.EIO, error.strerror or str(error))


class _GuardedBuffer:
    """The binary side of a guarded stream (`write_utf8` writes bytes there)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def write(self, data: bytes) -> int:
        try:
            return int(self._raw.write(data))
        except OSError as error:
            raise _lost(error) from error

    def flush(self) -> None:
        try:
            self._raw.flush()
        except OSError as error:
            raise _lost(error) from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class GuardedOutput:
    """`sys.stdout` as it was, except that its write errors are `OutputLost`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    @property
    def wrapped(self) -> TextIO:
        return self._stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise _lost(error) from error

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise _lost(error) from error

    @property
    def buffer(self) -> Any:
        raw = getattr(self._stream, "buffer", None)
        return None if raw is None else _GuardedBuffer(raw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def guard_stdout() -> Any:
    """For the length of the block, `sys.stdout` raises `OutputLost` when it cannot write."""
    original = sys.stdout
    if original is None or isinstance(original, GuardedOutput):
        yield
        return
    sys.stdout = GuardedOutput(original)  # type: ignore[assignment]
    try:
        yield
    finally:
        if isinstance(sys.stdout, GuardedOutput):
            sys.stdout = original


def silence(stream: Any) -> None:
    """Point a broken standard stream at /dev/null, so that the interpreter's last flush at exit
    (its bytes are still pending) neither prints "Exception ignored" nor turns the exit code
    into 120."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)


def report_lost(error: OutputLost) -> None:
    """Say the output was lost, on stderr if that still works (a closed terminal takes both)."""
    silence(sys.__stdout__ if sys.stdout is None else sys.stdout)
    if error.terminal_gone:
        silence(sys.stderr)
        return
    try:
        print(f"qatui: could not write output: {error.reason}", file=sys.stderr)
        sys.stderr.flush()
    except OSError:
        silence(sys.stderr)
