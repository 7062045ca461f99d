"""docs/configuration.md lists every binding id of the screen with its default keys, and every
setting qatui writes to config.json (a new key must be documented the day it is added)."""

from __future__ import annotations

import json
from pathlib import Path

from qatui.ui.config import UiConfig
from qatui.ui.keys import KEYS

DOC = Path(__file__).parents[2] / "docs" / "configuration.md"


def test_every_binding_id_is_documented_with_its_default_keys() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key in KEYS:
        assert f"| `{key.id}` | {key.display} |" in text, f"docs/configuration.md lacks {key.id} ({key.display})"


def test_every_config_json_key_is_documented(tmp_path: Path) -> None:
    config = UiConfig.load(tmp_path)
    config.auto_run = True  # written only once `t` was pressed
    config.remember(tester="Ann", record=str(tmp_path / "r.md"))
    written = json.loads((tmp_path / "config.json").read_text(encoding="utf-8"))
    text = DOC.read_text(encoding="utf-8")
    for name in written:
        assert f"| `{name}` |" in text, f"docs/configuration.md does not document config.json's {name!r}"
