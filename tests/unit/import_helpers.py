"""Helpers for the import tests: the example file, and comparing checklists field by field."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from qatui.core.checklist import Checklist
from qatui.core.loader import load_checklist
from qatui.core.yaml_writer import dump_checklist

REPO = Path(__file__).resolve().parents[2]
#: A copy of ../shared/examples/django-upgrade-checklist.md, so the tests run on a fresh clone.
EXAMPLE = REPO / "tests" / "import_fixtures" / "django-upgrade-checklist.md"
SHARED_EXAMPLE = REPO.parent / "shared" / "examples" / "django-upgrade-checklist.md"
SHIPPED = REPO / "checklists" / "django-upgrade.yaml"

#: What only exists once a file is read (or is a result, not the checklist).
IGNORED = {"path", "content_hash", "position", "positions", "initial_status"}


def comparable(value: Any) -> Any:
    """Plain data without paths, hashes and positions, for `==` with a readable pytest diff."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: comparable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in IGNORED
        }
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def reload(checklist: Checklist, folder: Path, name: str = "roundtrip.yaml") -> Checklist:
    """Write the checklist as YAML and load it back through the real loader."""
    path = folder / name
    path.write_text(dump_checklist(checklist), encoding="utf-8")
    return load_checklist(path, env={})
