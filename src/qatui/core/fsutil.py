"""Files and folders: one atomic write and one place that knows qatui's user folders.

Every file qatui writes whole (a record, the trust store, the checklist cache, the UI's config,
an imported checklist) goes through `write_atomic`: a temporary file in the same folder, fsynced,
renamed over the target (atomic on POSIX), then the folder fsynced so the rename itself is
durable. A failure removes the temporary file and leaves the old file as it was.

`user_dir` follows the XDG base-directory rules from an *injected* environment mapping, so tests
and `main(args, env)` callers can point qatui at a private HOME. (platformdirs, installed with
Textual, reads `os.environ` only, so it cannot take an injected environment.)
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

#: Suffix of the temporary files `write_atomic` makes (a crash can leave one behind).
TMP_SUFFIX = ".qatui-tmp"

Kind = Literal["config", "data", "state", "cache"]
_XDG: dict[str, tuple[str, tuple[str, ...]]] = {
    "config": ("XDG_CONFIG_HOME", (".config",)),
    "data": ("XDG_DATA_HOME", (".local", "share")),
    "state": ("XDG_STATE_HOME", (".local", "state")),
    "cache": ("XDG_CACHE_HOME", (".cache",)),
}


def user_dir(kind: Kind, env: Mapping[str, str] | None = None) -> Path:
    """qatui's own folder of `kind`: `$XDG_<KIND>_HOME/qatui`, else under `$HOME` (from `env`)."""
    env = os.environ if env is None else env
    variable, default = _XDG[kind]
    base = env.get(variable)
    if not base or not os.path.isabs(base):  # the spec: a relative value is to be ignored
        home = env.get("HOME") or os.path.expanduser("~")
        base = os.path.join(home, *default)
    return Path(base) / "qatui"


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data` atomically and durably (see the module docstring).

    `mode` sets the new file's permission bits (else 0666 less the umask)."""
    folder = path.parent
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            if mode is not None:
                os.fchmod(fd, stat.S_IMODE(mode))
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
