"""The checklist cache's entries on disk: where they live, how they are keyed (file bytes,
path, qatui's version, `code_hash`), signed with the per-user key and checked before any
unpickling, written atomically and pruned. Why each of these: `checklist_cache.py`'s docstring.
`ChecklistCache` there owns the process's state (writes kept back, prefetching children)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from qatui import __version__
from qatui.core.checklist import Checklist

if TYPE_CHECKING:
    from qatui.core.loader import Loaded

MAX_ENTRIES = 64
_MAX_BYTES = 16 * 1024 * 1024
#: An entry larger than this is no entry qatui wrote (a 5,000-item checklist's is under 1 MB).
_MAX_ENTRY_BYTES = 256 * 1024 * 1024


def cache_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".cache")
    return Path(base) / "qatui" / "checklists"


#: First bytes of an entry; then the MAC, then the pickle.
_MAGIC = b"qatui-cache-2\n"
_MAC_SIZE = 32
_KEY_SIZE = 32
#: The key as read or made in this process, per key file (tests use several homes).
_keys: dict[str, bytes] = {}


def key_path(env: Mapping[str, str]) -> Path:
    """Where the per-user key lives: the state folder, never the (shareable) cache folder."""
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".local" / "state")
    return Path(base) / "qatui" / "cache-key"


def _own_key(fd: int) -> bool:
    info = os.fstat(fd)
    return (stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077
            and info.st_size == _KEY_SIZE)


def _key(env: Mapping[str, str], *, create: bool) -> bytes | None:
    """This user's key, made (0600) when `create` and there is none; None when it cannot be
    trusted (another owner, readable by others, a symlink) or, without `create`, is missing."""
    where = key_path(env)
    known = _keys.get(str(where))
    if known is not None:
        return known
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(where, flags)
    except FileNotFoundError:
        if not create:
            return None
        where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = os.urandom(_KEY_SIZE)
        try:
            fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:  # another qatui made it a moment ago: use that one
            return _key(env, create=False)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        _keys[str(where)] = key
        return key
    try:
        if not _own_key(fd):
            return None
        key = os.read(fd, _KEY_SIZE + 1)
    finally:
        os.close(fd)
    if len(key) != _KEY_SIZE:
        return None
    _keys[str(where)] = key
    return key


def _mac(key: bytes, target: Path, payload: bytes) -> bytes:
    """Over the entry's name too: a valid entry moved under another checklist's name is a miss."""
    digest = hashlib.blake2b(key=key, digest_size=_MAC_SIZE, person=b"qatui-cache")
    digest.update(target.name.encode())
    digest.update(payload)
    return digest.digest()


def _signed(key: bytes, target: Path, payload: bytes) -> bytes:
    return _MAGIC + _mac(key, target, payload) + payload


def _verified(key: bytes, target: Path, data: bytes) -> bytes | None:
    """The pickle inside `data`, only if this user's key signed it for `target`."""
    if not data.startswith(_MAGIC):
        return None
    start = len(_MAGIC) + _MAC_SIZE
    mac, payload = data[len(_MAGIC):start], data[start:]
    return payload if hmac.compare_digest(mac, _mac(key, target, payload)) else None


_code_hash: bytes | None = None


def _core_sources(core: str) -> list[tuple[str, os.DirEntry[str]]]:
    """Every `.py` file under `core` (not `__pycache__`), by its path there, in a fixed order."""
    found: list[tuple[str, os.DirEntry[str]]] = []
    folders = [""]
    while folders:
        folder = folders.pop()
        with os.scandir(core + folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    folders.append(f"{folder}/{entry.name}")
            elif entry.name.endswith(".py"):
                found.append((f"{folder}/{entry.name}", entry))
    return found


def code_hash(env: Mapping[str, str]) -> bytes:
    """A digest of the source of `qatui.core` as it is on disk, computed once per process.

    The version alone does not change when a developer edits the loader, a probe kind's schema
    or a dataclass in an editable install, and an entry pickled by the old code would then be
    served to the new one. What builds the model is the loader, everything it imports and the
    probe kinds' modules it imports by name; all of it lives in `qatui/core/`
    (`tests/unit/test_import_cycles.py` checks that), so the whole folder is hashed rather than
    a list that must be kept in step. A file that cannot be read counts as its name only; the
    version still keys the entry.

    Reading and hashing the ~120 files took 1.3 ms of every start; listing their names, sizes
    and modification times takes 0.2 ms. So the digest of the contents is kept in the state
    folder (beside the key, not in the shareable cache folder) under a digest of that listing,
    and read back while the listing is the same: an entry still depends on what the files say
    (a `touch` or a checkout re-hashes them and finds the same digest), and an edit changes
    the listing (its size or its time), so the contents are hashed anew.
    """
    global _code_hash
    if _code_hash is None:
        core = os.path.dirname(os.path.abspath(__file__))
        sources = _core_sources(core)
        listing = hashlib.sha256()
        for name, entry in sources:
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                listing.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
        signature = listing.digest()
        memo = key_path(env).parent / "code-hash"
        with contextlib.suppress(OSError):
            known = memo.read_bytes()
            if len(known) == 64 and hmac.compare_digest(known[:32], signature):
                _code_hash = known[32:]
                return _code_hash
        digest = hashlib.sha256()
        for name, entry in sources:
            digest.update(f"{name}\0".encode())
            with contextlib.suppress(OSError), open(entry.path, "rb") as handle:
                digest.update(handle.read())
        _code_hash = digest.digest()
        with contextlib.suppress(OSError):
            from qatui.core.fsutil import write_atomic

            memo.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(memo, signature + _code_hash)
    return _code_hash


def entry_path(path: str, data: bytes, env: Mapping[str, str]) -> Path:
    digest = hashlib.sha256()
    parts = (b"qatui-checklist-cache-4", __version__.encode(), code_hash(env), os.path.abspath(path).encode(), data)
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return cache_dir(env) / f"{digest.hexdigest()[:40]}.pickle"


def enabled(env: Mapping[str, str]) -> bool:
    return not env.get("QATUI_NO_CACHE")


def read_checklist_bytes(path: str) -> bytes | None:
    """The file's bytes, or None for what only the loader's careful way should read."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
        return None  # devices, pipes and huge files
    with open(path, "rb") as handle:
        return handle.read(_MAX_BYTES + 1)


def lookup_disk(path: str, env: Mapping[str, str]) -> Checklist | None:
    """The entry for `path` as it is on disk now, if this user's qatui signed it."""
    try:
        key = _key(env, create=False)
        data = read_checklist_bytes(path)
        if data is None or key is None:
            return None
        target = entry_path(path, data, env)
        with open(target, "rb") as handle:
            signed = handle.read(_MAX_ENTRY_BYTES + 1)
        payload = _verified(key, target, signed)
        if payload is None:  # not written by this user's qatui: never unpickled
            return None
        return usable(payload, env)
    except Exception:  # missing, unreadable, cut short, from another Python: a miss, never an error
        return None


def usable(payload: bytes, env: Mapping[str, str]) -> Checklist | None:
    needs, checklist = pickle.loads(payload)
    if not isinstance(checklist, Checklist) or any(name not in env for name in needs):
        return None
    return checklist


def entry_payload(checklist: Checklist, needs: Iterable[str]) -> bytes:
    return pickle.dumps((sorted(needs), checklist), protocol=pickle.HIGHEST_PROTOCOL)


def store(path: str, loaded: Loaded, env: Mapping[str, str]) -> None:
    """Keep `loaded` for the next load of the same bytes; never raises."""
    if not enabled(env):
        return
    with contextlib.suppress(Exception):
        write_entry(entry_path(path, loaded.data, env), entry_payload(loaded.checklist, loaded.env_dependencies), env)


def write_entry(target: Path, payload: bytes, env: Mapping[str, str]) -> None:
    """Write a signed entry atomically (a reader sees the old file or the new one, never half)."""
    import tempfile  # not on the way of a cache hit

    key = _key(env, create=True)
    if key is None:
        return  # a key qatui cannot trust: no cache rather than an unsigned one
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_signed(key, target, payload))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _prune(target.parent)


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            old.unlink()
