"""The checklist cache: a second load of unchanged bytes is the same checklist, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from qatui.core import checklist_cache
from qatui.core.errors import ChecklistError
from qatui.core.loader import load_checklist

TEXT = """\
qatui: 1
title: Cache
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


def test_an_entry_that_relied_on_the_process_environment_needs_it_still(tmp_path: Path) -> None:
    cache = str(tmp_path / "c")
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    load_checklist(path, env={"XDG_CACHE_HOME": cache, "DB_HOST": "127.0.0.1"})
    with pytest.raises(ChecklistError, match="undefined variable"):
        load_checklist(path, env={"XDG_CACHE_HOME": cache})


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
