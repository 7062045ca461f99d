"""A cache of loaded checklists, so that opening a big checklist again costs an unpickle.

Parsing and validating YAML with positions is the largest part of qatui's start-up (about a
quarter of a second for 5,000 items). A checklist is opened far more often than it is edited,
so the validated model is kept in `$XDG_CACHE_HOME/qatui/checklists/`, keyed by the file's
bytes, its path (positions name it) and qatui's version. Validation depends on the file alone,
except for variables that only the process environment provides: those names are stored with
the entry, and the entry is used only while each of them is still set.

Only checklists without problems are cached; any failure to read or write the cache is
ignored (the cache is a convenience, never a source of truth). `QATUI_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from qatui import __version__
from qatui.core.checklist import Checklist

MAX_ENTRIES = 64
_MAX_BYTES = 16 * 1024 * 1024


def cache_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".cache")
    return Path(base) / "qatui" / "checklists"


def _entry(path: str, data: bytes, env: Mapping[str, str]) -> Path:
    digest = hashlib.sha256()
    for part in (b"qatui-checklist-cache-1", __version__.encode(), os.path.abspath(path).encode(), data):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return cache_dir(env) / f"{digest.hexdigest()[:40]}.pickle"


def _enabled(env: Mapping[str, str]) -> bool:
    return not env.get("QATUI_NO_CACHE")


def lookup(path: str, env: Mapping[str, str]) -> Checklist | None:
    """The cached checklist for `path` as it is on disk now, or None."""
    if not _enabled(env):
        return None
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
            return None  # devices, pipes and huge files go the loader's careful way
        with open(path, "rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
        with open(_entry(path, data, env), "rb") as handle:
            needs, checklist = pickle.load(handle)
    except Exception:  # missing, unreadable, from another Python: a miss, never an error
        return None
    if not isinstance(checklist, Checklist) or any(name not in env for name in needs):
        return None
    return checklist


def store(path: str, data: bytes, checklist: Checklist, needs: Iterable[str], env: Mapping[str, str]) -> None:
    """Keep `checklist` for the next load of the same bytes; never raises."""
    if not _enabled(env):
        return
    target = _entry(path, data, env)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps((sorted(needs), checklist), protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".pickle")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, target)
        _prune(target.parent)
    except Exception:
        with contextlib.suppress(Exception):
            os.unlink(tmp)  # type: ignore[possibly-undefined]


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            old.unlink()
