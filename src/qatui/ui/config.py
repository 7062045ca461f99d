"""What the screen remembers between sessions: the tester's name, recent records and two
settings of the keys.

* `advance` (default true): after `p`, `f`, `b` or `s` the cursor moves on to the next open
  (untested) item; false keeps it on the item just ticked.
* `auto_run`: the last state of `t` (run an item's probes when it is opened); absent until the
  tester first presses `t`, and then it wins over the checklist's `settings.auto_run_probes`
  (`--auto-run` on the command line wins over both).

Kept in `$XDG_CONFIG_HOME/qatui/config.json` (default `~/.config/qatui/config.json`); tests pass
their own directory. A missing or unreadable file is an empty config, never an error: this is
convenience, not data. Written atomically like every other file qatui writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path

from qatui.core.datatypes import datatype
from qatui.core.fsutil import user_dir, write_atomic

RECENT_LIMIT = 10


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    return user_dir("config", env)


@datatype
class UiConfig:
    """The tester's settings in config.json: name, recent files and the screen's preferences."""

    path: Path
    tester: str = ""
    recent: list[str] = field(default_factory=list)
    #: Tick and advance: move to the next open item after a verdict.
    advance: bool = True
    #: `t`'s last state (None: never pressed; the checklist's setting applies).
    auto_run: bool | None = None

    @classmethod
    def load(cls, directory: Path) -> UiConfig:
        path = directory / "config.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(data, dict):
            return cls(path)
        tester = data.get("tester")
        recent = data.get("recent")
        advance = data.get("advance")
        auto_run = data.get("auto_run")
        return cls(
            path,
            tester=tester if isinstance(tester, str) else "",
            recent=[r for r in recent if isinstance(r, str)] if isinstance(recent, list) else [],
            advance=advance if isinstance(advance, bool) else True,
            auto_run=auto_run if isinstance(auto_run, bool) else None,
        )

    def remember(self, *, tester: str | None = None, record: str | None = None) -> None:
        if tester:
            self.tester = tester
        if record:
            record = str(Path(record).resolve())
            self.recent = [record, *(r for r in self.recent if r != record)][:RECENT_LIMIT]
        self.save()

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fields: dict[str, object] = {"tester": self.tester, "recent": self.recent, "advance": self.advance}
            if self.auto_run is not None:
                fields["auto_run"] = self.auto_run
            data = json.dumps(fields, indent=2)
            write_atomic(self.path, (data + "\n").encode("utf-8"))
        except OSError:
            pass  # remembering a name is a convenience; never stop a session over it


def discover(config: UiConfig, folder: Path | None = None) -> list[tuple[str, str]]:
    """(path, description) of checklists in ./checklists/ and recent records that still exist."""
    folder = folder or Path.cwd() / "checklists"
    found: list[tuple[str, str]] = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in (".yaml", ".yml", ".md") and path.is_file():
                found.append((str(path), "checklist"))
    for record in config.recent:
        if Path(record).is_file():
            found.append((record, "recent record"))
    return found
