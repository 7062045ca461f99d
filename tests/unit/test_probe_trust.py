"""The trust store: by absolute path and content hash, in the XDG data folder, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from qatui.core.checklist import Checklist
from qatui.core.trust import is_trusted, revoke, store_path, trust


def _checklist(path: Path, text: str) -> Checklist:
    import hashlib

    path.write_text(text)
    return Checklist(path=str(path), title="t", content_hash=hashlib.sha256(text.encode()).hexdigest())


def test_store_lives_in_xdg_data_home(tmp_path: Path) -> None:
    assert store_path({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "qatui" / "trusted.json"
    assert store_path({"HOME": str(tmp_path)}) == tmp_path / ".local" / "share" / "qatui" / "trusted.json"


def test_trust_is_per_content_and_path(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    checklist = _checklist(tmp_path / "a.yaml", "one")
    assert not is_trusted(checklist, env)
    trust(checklist, env)
    assert is_trusted(checklist, env)
    stored = json.loads(store_path(env).read_text())
    assert stored["trusted"] == {str((tmp_path / "a.yaml").resolve()): checklist.content_hash}
    changed = _checklist(tmp_path / "a.yaml", "two")
    assert not is_trusted(changed, env)  # an edited file must be trusted again
    elsewhere = _checklist(tmp_path / "b.yaml", "one")
    assert not is_trusted(elsewhere, env)  # same content, another file: not trusted
    assert revoke(checklist, env) is True
    assert not is_trusted(checklist, env)
    assert revoke(checklist, env) is False


def test_unreadable_store_trusts_nothing(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    store_path(env).parent.mkdir(parents=True)
    store_path(env).write_text("{not json")
    checklist = _checklist(tmp_path / "a.yaml", "one")
    assert not is_trusted(checklist, env)
    trust(checklist, env)  # rewrites the broken store
    assert is_trusted(checklist, env)
    assert not list(store_path(env).parent.glob(".trusted-*"))  # no temp files left behind


def test_hash_from_disk_when_not_loaded(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "d")}
    path = tmp_path / "c.yaml"
    path.write_text("content")
    checklist = Checklist(path=str(path), title="t")
    trust(checklist, env)
    assert is_trusted(checklist, env)
    path.write_text("content changed")
    assert not is_trusted(Checklist(path=str(path), title="t"), env)
