"""Reading a file someone named: only regular files, and an honest word for anything else.

A checklist or a record comes from a path the tester (or a pull request) names. `open()` on a
named pipe (FIFO) without a writer waits for ever, so a FIFO named as a checklist hung every
command; a device such as /dev/zero is endless; a socket cannot be read at all. A symlink loop
or a folder qatui may not enter was reported as "no such file", which sends the tester looking
for a typo that is not there.

So every reader of a named file asks `refusal(path)` first (a `stat`, never an `open`), and
reads through `read_regular`, which opens with `O_NONBLOCK` (an open never waits) and checks
the opened file again with `fstat` (the path could have been swapped between the two). One
exception: a pipe the shell already opened for qatui (`/dev/stdin`, `<(…)`, which name
`/proc/self/fd/N`) is an anonymous pipe with a writer, the documented way to import from a
pipe; its bytes are read as they come, up to the caller's limit. A *named* FIFO is refused.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

#: A Markdown file's suffixes: a plain Markdown checklist, or a record qatui wrote.
MARKDOWN_SUFFIXES = (".md", ".markdown")


def is_markdown(path: str | Path) -> bool:
    """Named as Markdown (told by the name alone; nothing is read)."""
    return str(path).lower().endswith(MARKDOWN_SUFFIXES)


#: st_mode file type → how it is named in a message.
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotReadable(OSError):
    """A named file qatui will not read; `reason` says why in words ("is a socket, …")."""

    def __init__(self, path: str, reason: str, code: int = errno.EINVAL) -> None:
        super().__init__(code, reason, path)
        self.path = path
        self.reason = reason

    @property
    def missing(self) -> bool:
        """The file does not exist (a usage error for the commands, exit 2)."""
        return self.errno == errno.ENOENT


def _is_shell_pipe(path: str) -> bool:
    """An anonymous pipe the shell opened for us (`/dev/stdin`, `<(…)`), not a named FIFO."""
    try:
        if stat.S_ISFIFO(os.lstat(path).st_mode):
            return False  # the path itself is a FIFO in some folder: a named pipe
        return os.path.basename(os.path.realpath(path)).startswith("pipe:[")
    except OSError:
        return False


def _open(path: str) -> int:
    """Open for reading without ever waiting (a FIFO without a writer would block)."""
    return os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))


def _may_enter(folder: Path) -> bool:
    return os.access(folder, os.X_OK)


def _blocked_folder(path: str) -> str | None:
    """The first folder on the way to `path` that this user may not enter, if any."""
    current = Path(os.path.abspath(path)).parent
    chain = [*reversed(current.parents), current]
    for folder in chain:
        if not _may_enter(folder):
            return str(folder)
    return None


def describe_error(path: str, error: OSError) -> NotReadable:
    """`error` from stat/open of `path` as a `NotReadable` with a reason in words."""
    code = error.errno or errno.EIO
    if code == errno.ENOENT:
        parent = os.path.dirname(os.path.abspath(path))
        if os.path.islink(path):
            return NotReadable(path, f"is a symbolic link to {os.readlink(path)!r}, which does not exist", code)
        if not os.path.isdir(parent) and not os.path.lexists(parent):
            return NotReadable(path, "no such file (its folder does not exist either)", code)
        return NotReadable(path, "no such file", code)
    if code == errno.ELOOP:
        return NotReadable(path, "is a symbolic link loop (a link that leads back to itself); fix or remove the link", code)
    if code == errno.EACCES:
        folder = _blocked_folder(path)
        if folder is not None:
            return NotReadable(path, f"permission denied: the folder {folder} cannot be entered by this user", code)
        return NotReadable(path, "permission denied: cannot read the file", code)
    if code == errno.ENOTDIR:
        return NotReadable(path, "a part of the path is a file, not a folder", code)
    if code == errno.EISDIR:
        return NotReadable(path, "is a folder, not a file", code)
    if code == errno.ENAMETOOLONG:
        return NotReadable(path, "the path is too long", code)
    return NotReadable(path, f"cannot read the file: {error.strerror or error}", code)


def _kind(mode: int) -> str | None:
    """Why a file of this mode is refused, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    for test, name in _KINDS:
        if test(mode):
            return f"is {name}, not a regular file; qatui reads only regular files"
    return "is not a regular file; qatui reads only regular files"


def refusal(path: str | Path) -> NotReadable | None:
    """Why `path` cannot be read as a file (without opening it), or None when it can."""
    name = str(path)
    try:
        info = os.stat(name)
    except OSError as error:
        return describe_error(name, error)
    reason = _kind(info.st_mode)
    if reason is None or (stat.S_ISFIFO(info.st_mode) and _is_shell_pipe(name)):
        return None
    return NotReadable(name, reason)


def read_regular(path: str | Path, limit: int) -> bytes:
    """Up to `limit + 1` bytes of `path` (one more than the limit tells the caller it is too
    large); raises `NotReadable` for anything that is not a regular file or a shell's pipe."""
    name = str(path)
    refused = refusal(name)
    if refused is not None:
        raise refused
    try:
        fd = _open(name)
    except OSError as error:
        raise describe_error(name, error) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            if not (stat.S_ISFIFO(mode) and _is_shell_pipe(name)):
                raise NotReadable(name, _kind(mode) or "is not a regular file")
            os.set_blocking(fd, True)  # a shell's pipe: wait for its writer, as `cat` would
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except NotReadable:
        raise
    except OSError as error:
        raise describe_error(name, error) from None
    finally:
        os.close(fd)
