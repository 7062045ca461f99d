"""A cache of loaded checklists, so that opening a big checklist again costs an unpickle.

Parsing and validating YAML with positions is the largest part of qatui's start-up (about a
quarter of a second for 5,000 items). A checklist is opened far more often than it is edited,
so the validated model is kept in `$XDG_CACHE_HOME/qatui/checklists/`, keyed by the file's
bytes, its path (positions name it), qatui's version and the code that builds the model (see
`code_hash`: in a development install an edited loader, kind schema or dataclass is never
served an entry made by the old code). Validation depends on the file alone,
except for variables that only the process environment provides: those names are stored with
the entry, and the entry is used only while each of them is still set.

The loader (`qatui.core.loader`) is pure and knows nothing of this module; `load_checklist`
here wraps it: look up, else load and store. The loader is imported only on a miss, so a cache
hit never pays for PyYAML and the validator.

Only checklists without problems are cached; any failure to read or write the cache is
ignored (the cache is a convenience, never a source of truth). `QATUI_NO_CACHE=1` turns it off.

The cache holds data, not code. An entry is a pickle (the fastest way back to the model: a
5,000-item checklist is unpickled in a few tens of milliseconds, where rebuilding it from JSON
would cost a good part of the parse it saves), and unpickling runs whatever the bytes say. A
cache folder can be shared or restored by CI from another job, so a planted file there must
never reach `pickle.loads`: every entry carries a keyed BLAKE2b MAC over its name and bytes,
made with a per-user key (32 random bytes in `$XDG_STATE_HOME/qatui/cache-key`, created 0600,
outside the cache folder), and an entry whose MAC does not match is a miss, never unpickled.
A key that is not this user's, is readable by others, or is a symlink is not used (no cache).
Checking the MAC of a 5,000-item entry costs about a millisecond
(`benchmarks/cache_lookup.py`).

Writing an entry (pickling a 5,000-item checklist) costs about as much as a tenth of a bare
Textual app's start-up, so the screen asks the loader to `defer` it and calls `flush` once its
first frame is on the terminal; whatever is still pending is written when the process exits.
The entries waiting to be written and the prefetching children are the state of one
`ChecklistCache` object (`shared()` is the process's own); the module functions use it.
The entry is keyed by the bytes that were validated, so writing it later stores the same thing.

`prefetch` goes further for a checklist that is not in the cache yet: where the platform can
fork and a core is free, `qatui CHECKLIST` starts a child process that loads the checklist
while the parent imports the screen's modules (each takes about as long as the other, so on two
cores the parse costs the parent little more than an unpickle). The child hands the pickled
entry to the parent through a pipe first and writes the cache file after that, so the parent's
`lookup` waits for the parse and not for the disk (for 5,000 items the file write, rename and
prune took ~40 ms more). The child reports nothing: a checklist with problems is neither sent
nor cached, so the parent loads it itself and reports every problem as always. The child is
reaped when the parent exits. Without `fork` or a free core, or with the cache off, nothing
changes. (Measured on a 2-core machine busy with other work, the child only took turns with the
parent and first paint came ~80 ms later than loading in the parent; hence `spare_core`.)
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import hmac
import os
import pickle
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

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


def code_hash() -> bytes:
    """A digest of the source of `qatui.core` as it is on disk, computed once per process.

    The version alone does not change when a developer edits the loader, a probe kind's schema
    or a dataclass in an editable install, and an entry pickled by the old code would then be
    served to the new one. What builds the model is the loader, everything it imports and the
    probe kinds' modules it imports by name; all of it lives in `qatui/core/`
    (`tests/unit/test_import_cycles.py` checks that), so the whole folder is hashed rather than
    a list that must be kept in step. Measured: 66 files, 740 KB, 0.9 ms (1.2 ms cold; mtimes and
    sizes instead took 0.2 ms, but then an entry depends on when a file was touched, not on what it
    says). A file that cannot be read counts as its name only; the version still keys the entry.
    """
    global _code_hash
    if _code_hash is None:
        digest = hashlib.sha256()
        core = os.path.dirname(os.path.abspath(__file__))
        for root, folders, files in os.walk(core):
            folders[:] = sorted(name for name in folders if name != "__pycache__")
            folder = root[len(core):]
            for name in sorted(files):
                if name.endswith(".py"):
                    digest.update(f"{folder}/{name}\0".encode())
                    with contextlib.suppress(OSError), open(os.path.join(root, name), "rb") as handle:
                        digest.update(handle.read())
        _code_hash = digest.digest()
    return _code_hash


def _entry(path: str, data: bytes, env: Mapping[str, str]) -> Path:
    digest = hashlib.sha256()
    parts = (b"qatui-checklist-cache-4", __version__.encode(), code_hash(), os.path.abspath(path).encode(), data)
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return cache_dir(env) / f"{digest.hexdigest()[:40]}.pickle"


def _enabled(env: Mapping[str, str]) -> bool:
    return not env.get("QATUI_NO_CACHE")


def _read(path: str) -> bytes | None:
    """The file's bytes, or None for what only the loader's careful way should read."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
        return None  # devices, pipes and huge files
    with open(path, "rb") as handle:
        return handle.read(_MAX_BYTES + 1)


def _lookup_disk(path: str, env: Mapping[str, str]) -> Checklist | None:
    """The entry for `path` as it is on disk now, if this user's qatui signed it."""
    try:
        key = _key(env, create=False)
        data = _read(path)
        if data is None or key is None:
            return None
        target = _entry(path, data, env)
        with open(target, "rb") as handle:
            signed = handle.read(_MAX_ENTRY_BYTES + 1)
        payload = _verified(key, target, signed)
        if payload is None:  # not written by this user's qatui: never unpickled
            return None
        return _usable(payload, env)
    except Exception:  # missing, unreadable, cut short, from another Python: a miss, never an error
        return None


def _usable(payload: bytes, env: Mapping[str, str]) -> Checklist | None:
    needs, checklist = pickle.loads(payload)
    if not isinstance(checklist, Checklist) or any(name not in env for name in needs):
        return None
    return checklist


def _payload(checklist: Checklist, needs: Iterable[str]) -> bytes:
    return pickle.dumps((sorted(needs), checklist), protocol=pickle.HIGHEST_PROTOCOL)


def store(path: str, loaded: Loaded, env: Mapping[str, str]) -> None:
    """Keep `loaded` for the next load of the same bytes; never raises."""
    if not _enabled(env):
        return
    with contextlib.suppress(Exception):
        _write(_entry(path, loaded.data, env), _payload(loaded.checklist, loaded.env_dependencies), env)


def _write(target: Path, payload: bytes, env: Mapping[str, str]) -> None:
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


#: How long `lookup` waits for a prefetching child before loading in this process instead.
PREFETCH_WAIT = 10.0


def spare_core() -> bool:
    """Whether a core is free for a child to work beside this process.

    On one core, or on a machine busy right now, the child would only take turns with the
    parent: loading in the parent is then as fast, without the fork. "Right now" is the
    number of runnable tasks Linux reports in /proc/loadavg (this process among them); the
    one-minute load average, where that file is missing, trails a busy minute that is over.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        cores = os.cpu_count() or 1
    if cores < 2:
        return False
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            running = int(handle.read().split()[3].split("/")[0])
        return running - 1 < cores  # some core is not taken by another task right now
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.getloadavg()[0] < cores - 0.5
    except OSError:
        return True


class _Pending:
    """An entry `defer` kept back: what to write, for which file, under which environment."""

    __slots__ = ("env", "loaded", "path")

    def __init__(self, path: str, loaded: Loaded, env: Mapping[str, str]) -> None:
        self.path, self.loaded, self.env = path, loaded, dict(env)


class ChecklistCache:
    """One process's cache state: entries waiting to be written, and prefetching children.

    The entries themselves live on disk and are keyed by what they were made from, so two
    objects see the same cache; what one object owns is what must be finished before the
    process leaves (pending writes, children to reap), which it does once, at exit, from the
    first moment it has something to finish. (Plain classes, not dataclasses: this module is
    on the start-up path, and the two `@dataclass` decorations cost ~0.7 ms of its import.)
    """

    def __init__(self) -> None:
        #: Entries `defer` kept back for `flush`.
        self.pending: list[_Pending] = []
        #: Absolute path → (the child loading it, a pipe that closes when the child ends).
        self.loading: dict[str, tuple[int, int]] = {}
        #: Children that were asked for their entry (or given up on): reaped at exit.
        self.asked: list[int] = []
        self._exit_hook = False

    # -- look up, else load and store --

    def load_checklist(self, path: str | Path, *, env: Mapping[str, str] | None = None,
                       defer: bool = False) -> Checklist:
        """The cached checklist for `path` if there is one, else the loader's (raising its
        `ChecklistError`), which is then kept for the next time; with `defer` it is written by
        `flush` (the screen calls it after its first frame) instead of before returning."""
        name = str(path)
        env = os.environ if env is None else env
        markdown = name.lower().endswith((".md", ".markdown"))
        if not markdown:
            cached = self.lookup(name, env)
            if cached is not None:
                return cached
        from qatui.core import loader  # only on a miss: a hit never imports PyYAML

        if markdown:
            return loader.load_checklist(name, env=env)
        loaded = loader.load_yaml(name, env=env)
        if defer:
            self.defer(name, loaded, env)
        else:
            store(name, loaded, env)
        return loaded.checklist

    def lookup(self, path: str, env: Mapping[str, str]) -> Checklist | None:
        """The cached checklist for `path` as it is on disk now (or as the prefetching child
        read it a moment ago, in this process's run), or None."""
        if not _enabled(env):
            return None
        payload = self._await_prefetch(path)  # our own child's bytes, through our own pipe
        if payload:
            try:
                return _usable(payload, env)
            except Exception:  # cut short: a miss, never an error
                return None
        return _lookup_disk(path, env)

    # -- writes kept back --

    def defer(self, path: str, loaded: Loaded, env: Mapping[str, str]) -> None:
        """Like `store`, but written by the next `flush` (at the latest when the process exits)."""
        if not _enabled(env):
            return
        self._finish_at_exit()
        self.pending.append(_Pending(path, loaded, env))

    def flush(self) -> None:
        """Write the entries `defer` kept back; never raises."""
        while self.pending:
            entry = self.pending.pop(0)
            store(entry.path, entry.loaded, entry.env)

    # -- prefetch --

    def prefetch(self, path: str, env: Mapping[str, str], *, parallel: bool | None = None) -> None:
        """Start loading the YAML checklist `path` in a child process, if it is not in the cache
        yet; the next `lookup` of `path` takes the child's result. Never raises, never prints.

        `parallel` says whether a core is free (default: `spare_core()`); without one nothing
        happens. Only a single-threaded process forks (a thread holding a lock at the fork would
        leave it held in the child forever), and a child slower than `PREFETCH_WAIT` is killed.
        """
        if not _enabled(env) or not hasattr(os, "fork") or not path.lower().endswith((".yaml", ".yml")):
            return
        import threading

        if threading.active_count() != 1 or not (spare_core() if parallel is None else parallel):
            return
        try:
            data = _read(path)
            if data is None or _entry(path, data, env).exists():
                return
            done, holder = os.pipe()
        except Exception:  # unreadable (the loader will say so): load in this process
            return
        try:
            pid = os.fork()
        except OSError:  # no process to spare: load in this process
            os.close(done)
            os.close(holder)
            return
        if pid == 0:  # the child: load, hand the entry over, store it, and leave without a word
            _prefetch_child(path, env, done, holder)
        os.close(holder)
        self._finish_at_exit()
        self.loading[os.path.abspath(path)] = (pid, done)

    def prefetching(self, path: str) -> bool:
        """Whether a child is loading `path` right now (so the caller may do other work first)."""
        return os.path.abspath(path) in self.loading

    def _await_prefetch(self, path: str) -> bytes | None:
        """The entry the child for `path` sends (b"" when it had none), or None without a child."""
        child = self.loading.pop(os.path.abspath(path), None)
        if child is None:
            return None
        import select
        import time

        pid, done = child
        self.asked.append(pid)
        chunks: list[bytes] = []
        deadline = time.monotonic() + PREFETCH_WAIT
        try:
            while True:
                ready, _, _ = select.select([done], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:  # too slow: load in this process instead
                    _kill(pid)
                    return b""
                chunk = os.read(done, 1 << 20)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        except OSError:
            return b""
        finally:
            with contextlib.suppress(OSError):
                os.close(done)

    # -- the way out --

    def _finish_at_exit(self) -> None:
        if not self._exit_hook:
            self._exit_hook = True
            atexit.register(self.close)

    def close(self) -> None:
        """Write what is pending, then reap the children; run at exit, and safe to run twice."""
        self.flush()
        self._reap()

    def _reap(self) -> None:
        """Stop a child nobody asked, and wait (two seconds at most) for the others' cache
        writes, so that no child outlives qatui and the next start finds the entry."""
        import select
        import time

        for pid, done in self.loading.values():
            with contextlib.suppress(OSError):
                os.close(done)  # a child still sending gets a broken pipe and leaves
            self.asked.append(pid)
        self.loading.clear()
        deadline = time.monotonic() + 2.0
        for pid in self.asked:
            try:
                ended = os.pidfd_open(pid)  # readable once the child has ended (Linux)
            except (AttributeError, OSError):
                ended = None
            if ended is not None:
                with contextlib.suppress(OSError):
                    if not select.select([ended], [], [], max(0.0, deadline - time.monotonic()))[0]:
                        _kill(pid)
                os.close(ended)
            else:
                _kill(pid)  # no way to wait with a limit here: the next start loads the file again
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.asked.clear()


def _prefetch_child(path: str, env: Mapping[str, str], done: int, holder: int) -> NoReturn:
    """The forked child's whole life: load, send the entry to the parent, write the cache file,
    leave. A broken checklist sends nothing: the parent loads it and reports the problems."""
    code = 1
    try:
        os.close(done)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        from qatui.core.loader import load_yaml

        loaded = load_yaml(path, env=env)
        payload = _payload(loaded.checklist, loaded.env_dependencies)
        with os.fdopen(holder, "wb") as pipe:
            pipe.write(payload)  # closed: the parent reads end-of-file and unpickles
        _write(_entry(path, loaded.data, env), payload, env)
        code = 0
    except BaseException:  # a broken checklist is the parent's to report
        pass
    finally:
        os._exit(code)  # closes `holder` if still open: the parent reads end-of-file


def _kill(pid: int) -> None:
    import signal

    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


_shared = ChecklistCache()


def shared() -> ChecklistCache:
    """This process's cache state (what `qatui CHECKLIST` prefetches, the screen then takes)."""
    return _shared


def load_checklist(path: str | Path, *, env: Mapping[str, str] | None = None,
                   defer: bool = False) -> Checklist:
    """`ChecklistCache.load_checklist` on the process's own cache state."""
    return _shared.load_checklist(path, env=env, defer=defer)


def lookup(path: str, env: Mapping[str, str]) -> Checklist | None:
    """`ChecklistCache.lookup` on the process's own cache state."""
    return _shared.lookup(path, env)


def flush() -> None:
    """`ChecklistCache.flush` on the process's own cache state."""
    _shared.flush()


def prefetch(path: str, env: Mapping[str, str], *, parallel: bool | None = None) -> None:
    """`ChecklistCache.prefetch` on the process's own cache state."""
    _shared.prefetch(path, env, parallel=parallel)


def prefetching(path: str) -> bool:
    """`ChecklistCache.prefetching` on the process's own cache state."""
    return _shared.prefetching(path)

def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            old.unlink()
