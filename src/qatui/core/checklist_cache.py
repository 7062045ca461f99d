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
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from qatui.core.cache_entries import (
    enabled,
    entry_path,
    entry_payload,
    lookup_disk,
    read_checklist_bytes,
    store,
    usable,
    write_entry,
)
from qatui.core.checklist import Checklist

if TYPE_CHECKING:
    from qatui.core.loader import Loaded

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
        if not enabled(env):
            return None
        payload = self._await_prefetch(path)  # our own child's bytes, through our own pipe
        if payload:
            try:
                return usable(payload, env)
            except Exception:  # cut short: a miss, never an error
                return None
        return lookup_disk(path, env)

    # -- writes kept back --

    def defer(self, path: str, loaded: Loaded, env: Mapping[str, str]) -> None:
        """Like `store`, but written by the next `flush` (at the latest when the process exits)."""
        if not enabled(env):
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
        if not enabled(env) or not hasattr(os, "fork") or not path.lower().endswith((".yaml", ".yml")):
            return
        import threading

        if threading.active_count() != 1 or not (spare_core() if parallel is None else parallel):
            return
        try:
            data = read_checklist_bytes(path)
            if data is None or entry_path(path, data, env).exists():
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
        payload = entry_payload(loaded.checklist, loaded.env_dependencies)
        with os.fdopen(holder, "wb") as pipe:
            pipe.write(payload)  # closed: the parent reads end-of-file and unpickles
        write_entry(entry_path(path, loaded.data, env), payload, env)
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
