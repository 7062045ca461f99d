"""The checklist cache: a second load of unchanged bytes is the same checklist, and nothing else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from qatui.core import cache_entries, checklist_cache, loader
from qatui.core.checklist_cache import load_checklist
from qatui.core.errors import ChecklistError

TEXT = """\
qatui: 1
title: Cache
from_env: [DB_HOST]
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: a
        title: A
        probes:
          - id: p
            kind: tcp
            host: ${DB_HOST}
            port: 5432
"""


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "qatui" / "checklists").glob("*.pickle"))


def test_second_load_comes_from_the_cache_and_is_equal(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "DB_HOST": "127.0.0.1"}
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    first = load_checklist(path, env=env)
    assert len(entries(tmp_path / "c")) == 1
    assert checklist_cache.lookup(str(path), env) == first
    assert load_checklist(path, env=env) == first


def test_a_changed_file_is_loaded_afresh(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "DB_HOST": "127.0.0.1"}
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    load_checklist(path, env=env)
    path.write_text(TEXT.replace("title: A", "title: A changed"))
    assert checklist_cache.lookup(str(path), env) is None
    assert load_checklist(path, env=env).item("a").title == "A changed"


def test_validation_does_not_depend_on_the_process_environment(tmp_path: Path) -> None:
    """Only declared inputs: a declared variable may be unset (said when a probe runs), an
    undeclared one is an error even when set, so a cached entry never depends on the shell."""
    cache = str(tmp_path / "c")
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    with_it = load_checklist(path, env={"XDG_CACHE_HOME": cache, "DB_HOST": "127.0.0.1"})
    assert load_checklist(path, env={"XDG_CACHE_HOME": cache}) == with_it
    path.write_text(TEXT.replace("from_env: [DB_HOST]\n", ""))
    with pytest.raises(ChecklistError, match="undefined variable"):
        load_checklist(path, env={"XDG_CACHE_HOME": cache, "DB_HOST": "127.0.0.1"})


def test_broken_files_are_never_cached_and_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    cache = tmp_path / "c"
    path = tmp_path / "c.yaml"
    path.write_text(TEXT.replace("priority: critical", "priority: urgentish"))
    with pytest.raises(ChecklistError):
        load_checklist(path, env={"XDG_CACHE_HOME": str(cache), "DB_HOST": "x"})
    assert entries(cache) == []
    path.write_text(TEXT)
    load_checklist(path, env={"XDG_CACHE_HOME": str(cache), "DB_HOST": "x", "QATUI_NO_CACHE": "1"})
    assert entries(cache) == []


def test_a_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "DB_HOST": "127.0.0.1"}
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    load_checklist(path, env=env)
    [entry] = entries(tmp_path / "c")
    entry.write_bytes(b"not a pickle")
    assert load_checklist(path, env=env).title == "Cache"


def test_a_deferred_entry_is_written_by_flush(tmp_path: Path) -> None:
    # The screen defers the (costly) pickling until its first frame is shown.
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "DB_HOST": "127.0.0.1"}
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    first = load_checklist(path, env=env, defer=True)
    assert entries(tmp_path / "c") == []
    checklist_cache.flush()
    assert len(entries(tmp_path / "c")) == 1
    assert checklist_cache.lookup(str(path), env) == first
    checklist_cache.flush()  # nothing left to write
    assert len(entries(tmp_path / "c")) == 1


def test_the_loader_itself_is_pure_and_the_cache_wraps_it(tmp_path: Path) -> None:
    # `qatui.core.loader` parses and validates, nothing more: no entry is read or written.
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "XDG_STATE_HOME": str(tmp_path / "s"), "DB_HOST": "127.0.0.1"}
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    pure = loader.load_checklist(path, env=env)
    assert entries(tmp_path / "c") == [] and not cache_entries.key_path(env).exists()
    assert load_checklist(path, env=env) == pure
    assert len(entries(tmp_path / "c")) == 1


def test_an_entry_made_by_other_model_code_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # In a development install the loader or a dataclass may change while qatui's version does
    # not: an entry pickled by the old code must not be served to the new one.
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "XDG_STATE_HOME": str(tmp_path / "s"), "DB_HOST": "127.0.0.1"}
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    load_checklist(path, env=env)
    assert checklist_cache.lookup(str(path), env) is not None
    monkeypatch.setattr(cache_entries, "_code_hash", b"\0" * 32)
    assert checklist_cache.lookup(str(path), env) is None


def test_the_code_hash_follows_the_core_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Hashed from the files on disk: an edit to one of them (here a probe kind's module, which
    # the loader imports by name) gives another key; compiled files do not count.
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}
    monkeypatch.setattr(cache_entries, "_code_hash", None)
    first = cache_entries.code_hash(env)
    assert cache_entries.code_hash(env) is first  # once per process
    here = Path(cache_entries.__file__).parent
    copy = tmp_path / "core"
    shutil.copytree(here, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_entries, "__file__", str(copy / "cache_entries.py"))
    for state in ("state", "other-state"):  # with the memo of the contents and without one
        monkeypatch.setattr(cache_entries, "_code_hash", None)
        assert cache_entries.code_hash({"XDG_STATE_HOME": str(tmp_path / state)}) == first
    (copy / "probes" / "__pycache__").mkdir()
    (copy / "probes" / "__pycache__" / "tcp.cpython-311.pyc").write_bytes(b"compiled")
    monkeypatch.setattr(cache_entries, "_code_hash", None)
    assert cache_entries.code_hash(env) == first
    with (copy / "probes" / "tcp.py").open("a") as handle:
        handle.write("# edited\n")
    monkeypatch.setattr(cache_entries, "_code_hash", None)
    assert cache_entries.code_hash(env) != first


def test_the_code_hash_reads_the_sources_only_when_their_listing_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The digest of the contents is kept under a digest of the files' names, sizes and times:
    # an unchanged listing reads it back without opening a source; a touched file (same
    # contents, new time) is read again and gives the same digest; an edit gives another.
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}
    copy = tmp_path / "core"
    shutil.copytree(Path(cache_entries.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_entries, "__file__", str(copy / "cache_entries.py"))
    monkeypatch.setattr(cache_entries, "_code_hash", None)
    first = cache_entries.code_hash(env)
    memo = tmp_path / "state" / "qatui" / "code-hash"
    assert memo.read_bytes()[32:] == first
    opened: list[str] = []
    real_open = open

    def counting_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    monkeypatch.setattr(cache_entries, "_code_hash", None)
    assert cache_entries.code_hash(env) == first
    assert not [name for name in opened if name.endswith(".py")]
    tcp = copy / "probes" / "tcp.py"
    os.utime(tcp, ns=(tcp.stat().st_atime_ns, tcp.stat().st_mtime_ns + 10**9))
    monkeypatch.setattr(cache_entries, "_code_hash", None)
    assert cache_entries.code_hash(env) == first
    assert str(tcp) in opened
    monkeypatch.setattr(cache_entries, "_code_hash", None)
    tcp.write_text(tcp.read_text() + "# edited\n")
    assert cache_entries.code_hash(env) != first


def test_pending_writes_belong_to_their_cache_object(tmp_path: Path) -> None:
    # One object owns what must be finished before the process leaves; another flushes nothing of it.
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "DB_HOST": "127.0.0.1"}
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    mine, other = checklist_cache.ChecklistCache(), checklist_cache.ChecklistCache()
    first = mine.load_checklist(path, env=env, defer=True)
    other.close()
    assert entries(tmp_path / "c") == []
    mine.close()
    assert len(entries(tmp_path / "c")) == 1 and other.lookup(str(path), env) == first


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=60, check=False)


PREFETCH = """
import sys
from qatui.core import checklist_cache
env = {"XDG_CACHE_HOME": %(cache)r, "DB_HOST": "127.0.0.1"}
checklist_cache.prefetch(%(path)r, env, parallel=True)
checklist = checklist_cache.lookup(%(path)r, env)
print(checklist.title if checklist else None, "qatui.core.loader" in sys.modules)
"""


def test_prefetch_loads_a_new_checklist_into_the_cache_in_a_child_process(tmp_path: Path) -> None:
    # `qatui CHECKLIST` parses on the other core while the screen's modules load; the parent
    # only unpickles (it never imports the loader) and the entry equals a load of its own.
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    code = PREFETCH % {"cache": str(tmp_path / "c"), "path": str(path)}
    done = run_python(code, {})
    assert (done.stdout, done.stderr, done.returncode) == ("Cache False\n", "", 0)
    assert len(entries(tmp_path / "c")) == 1
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "DB_HOST": "127.0.0.1", "QATUI_NO_CACHE": "1"}
    assert checklist_cache.lookup(str(path), {**env, "QATUI_NO_CACHE": ""}) == load_checklist(path, env=env)


def test_a_prefetching_child_nobody_asks_does_not_outlive_its_parent(tmp_path: Path) -> None:
    # qatui may end before it looks the checklist up (a bad option, a crash): the child, maybe
    # blocked handing its entry over, is stopped and reaped when the parent exits.
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    code = (
        "from qatui.core import checklist_cache\n"
        f"checklist_cache.prefetch({str(path)!r}, {{'XDG_CACHE_HOME': {str(tmp_path / 'c')!r}}}, parallel=True)\n"
        "print(*(pid for pid, _ in checklist_cache.shared().loading.values()))\n"
    )
    done = run_python(code, {})
    assert done.returncode == 0 and done.stderr == ""
    child = int(done.stdout)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_prefetch_of_a_broken_checklist_stays_silent_and_caches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(TEXT.replace("priority: critical", "priority: urgentish"))
    done = run_python(PREFETCH % {"cache": str(tmp_path / "c"), "path": str(path)}, {})
    # The child's problems are not printed: the parent loads the file itself and reports them.
    assert (done.stdout, done.stderr, done.returncode) == ("None False\n", "", 0)
    assert entries(tmp_path / "c") == []


def test_opening_a_broken_checklist_reports_every_problem_as_validate_does(tmp_path: Path) -> None:
    # `qatui CHECKLIST` prefetches in a child; a broken file is still reported by the parent,
    # exactly as `qatui validate` reports it, and the child adds nothing to the output.
    corpus = Path(__file__).parents[1] / "bad_checklists"
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "c"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    for name in ("many-problems.yaml", "unknown-item-key.yaml"):
        path = corpus / name
        opened = subprocess.run([sys.executable, "-m", "qatui", str(path), "--env", "x", "--tester", "t"],
                                capture_output=True, text=True, timeout=60, env=env, check=False)
        validated = subprocess.run([sys.executable, "-m", "qatui", "validate", str(path)],
                                   capture_output=True, text=True, timeout=60, env=env, check=False)
        assert (opened.returncode, opened.stdout) == (2, "")
        assert opened.stderr == validated.stdout and opened.stderr.count(f"{path}:") >= 1
    assert entries(tmp_path / "c") == []


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs Linux CPU affinity")
def test_no_prefetch_without_a_second_core(tmp_path: Path) -> None:
    # Pinned to one core, a child could only take turns with the parent: nothing is forked.
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    code = (
        "import os\nos.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
        "from qatui.core import checklist_cache\n"
        "print(checklist_cache.spare_core())\n"
        f"checklist_cache.prefetch({str(path)!r}, {{'XDG_CACHE_HOME': {str(tmp_path / 'c')!r}}})\n"
        "print(checklist_cache.shared().loading)\n"
    )
    done = run_python(code, {})
    assert (done.stdout, done.stderr) == ("False\n{}\n", "")
    assert entries(tmp_path / "c") == []


PLANTED = """
import os, pickle
class Payload:
    def __reduce__(self):
        return (os.system, ("touch %(marker)s",))
with open(%(entry)r, "wb") as handle:
    handle.write(%(prefix)r + pickle.dumps(Payload()))
"""


@pytest.mark.parametrize("prefix", [b"", b"qatui-cache-2\n" + b"\0" * 32], ids=["bare pickle", "forged header"])
def test_a_pickle_planted_in_the_cache_never_runs(tmp_path: Path, prefix: bytes) -> None:
    # CI restores cache folders from other jobs: a file planted there must not run at `qatui validate`.
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "XDG_STATE_HOME": str(tmp_path / "s"), "DB_HOST": "127.0.0.1"}
    marker = tmp_path / "pwned"
    entry = cache_entries.entry_path(str(path), path.read_bytes(), env)  # the name is no secret
    entry.parent.mkdir(parents=True)
    run_python(PLANTED % {"marker": str(marker), "entry": str(entry), "prefix": prefix}, {})
    assert entry.exists() and not marker.exists()
    for attempt in ("before this user has a key", "with a key and a good entry replaced"):
        done = subprocess.run([sys.executable, "-m", "qatui", "validate", str(path)], env={**os.environ, **env},
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and "ok: 1 section" in done.stdout, (attempt, done.stderr)
        assert not marker.exists(), attempt
        assert cache_entries.key_path(env).exists()  # made by the first good load
        run_python(PLANTED % {"marker": str(marker), "entry": str(entry), "prefix": prefix}, {})
    # A good entry written by this user is still a hit (the cache is there for speed).
    load_checklist(path, env=env)
    assert checklist_cache.lookup(str(path), env) is not None


def test_the_key_is_this_users_private_file_outside_the_cache(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "c"), "XDG_STATE_HOME": str(tmp_path / "s"), "DB_HOST": "127.0.0.1"}
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    load_checklist(path, env=env)
    key = cache_entries.key_path(env)
    assert key.stat().st_mode & 0o777 == 0o600 and not key.is_relative_to(tmp_path / "c")
    assert checklist_cache.lookup(str(path), env) is not None
    # An entry moved under another checklist's name is a miss, not the other checklist.
    other = tmp_path / "d.yaml"
    other.write_text(TEXT.replace("title: Cache", "title: Other"))
    [entry] = entries(tmp_path / "c")
    entry.rename(cache_entries.entry_path(str(other), other.read_bytes(), env))
    assert checklist_cache.lookup(str(other), env) is None
    # A key others can read (or write) is no key: nothing is read from the cache with it.
    load_checklist(path, env=env)
    cache_entries._keys.clear()
    key.chmod(0o644)
    assert checklist_cache.lookup(str(path), env) is None
