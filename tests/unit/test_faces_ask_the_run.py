"""Two faces, one run: the screen (`ui/`) and the commands (`commands/`, `cli.py`) reach the
probe engine, the log sources, trust, secrets and variables only through `core/run`.

A rule written in a face drifts from the same rule in the other face (the screen once kept its
own trust flag, its own variable scope for log sources and its own masker, and the screen and
`qatui logs` disagreed). So a face may not import these modules at all, except where listed
below, each with the reason it is not a rule of the run. Checked on the source with `ast`, so an
import inside a function or under `TYPE_CHECKING` counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import qatui

ROOT = Path(qatui.__file__).parent
#: Modules that hold a rule of the run; a face asks `qatui.core.run` instead.
RULE_MODULES = ("qatui.core.probes", "qatui.core.logs", "qatui.core.trust", "qatui.core.secrets",
                "qatui.core.variables")
#: (face module, imported module) → why it is allowed.
EXCEPTIONS = {
    ("qatui.ui.logfeed", "qatui.core.logs.base"):
        "the LogLine type, for annotations only (a value, no rule)",
    ("qatui.ui.widgets.log_pane", "qatui.core.logs.base"):
        "the LogLine type, for annotations only (a value, no rule)",
}


def face_modules() -> dict[str, Path]:
    found = {"qatui.cli": ROOT / "cli.py"}
    for folder in ("ui", "commands"):
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT.parent).with_suffix("")
            name = ".".join(relative.parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def is_rule_module(name: str) -> bool:
    return any(name == rule or name.startswith(rule + ".") for rule in RULE_MODULES)


def test_faces_import_rules_only_through_core_run() -> None:
    faces = face_modules()
    assert "qatui.ui.app" in faces and "qatui.commands.probe" in faces and "qatui.commands.logs" in faces
    offending: list[str] = []
    used: set[tuple[str, str]] = set()
    for module, path in sorted(faces.items()):
        for name in sorted(imported(path)):
            if not is_rule_module(name):
                continue
            key = (module, name)
            parent = (module, name.rpartition(".")[0])
            if key in EXCEPTIONS:
                used.add(key)
            elif parent in EXCEPTIONS and name.rpartition(".")[0] != "qatui.core":
                used.add(parent)  # `from qatui.core.logs.merge import X` names X too
            else:
                offending.append(f"{module} imports {name}")
    assert offending == [], "ask qatui.core.run instead:\n" + "\n".join(offending)
    assert set(EXCEPTIONS) == used, f"exceptions no longer needed: {sorted(set(EXCEPTIONS) - used)}"


def test_the_run_model_builds_the_runner_and_the_log_sources() -> None:
    """The one place a probe runner and a screen log source are made from a face's request."""
    source = (ROOT / "core" / "run" / "model.py").read_text(encoding="utf-8")
    assert "ProbeRunner(" in source and "make_source(" in source
    for module, path in face_modules().items():
        text = path.read_text(encoding="utf-8")
        assert "ProbeRunner(" not in text and "make_source(" not in text, module


def test_screens_and_widgets_do_not_know_the_app() -> None:
    """Screens and widgets read a `SessionView` and post requests (`ui/messages.py`); they
    never import the app (not even for a type) nor cast `self.app` to it to call its methods."""
    offending: list[str] = []
    for module, path in sorted(face_modules().items()):
        if not module.startswith(("qatui.ui.screens", "qatui.ui.widgets")):
            continue
        names = imported(path)
        if any(name == "qatui.ui.app" or name.startswith("qatui.ui.app.") for name in names):
            offending.append(f"{module} imports qatui.ui.app")
        if 'cast("QatuiApp"' in path.read_text(encoding="utf-8"):
            offending.append(f"{module} casts self.app to QatuiApp")
    assert offending == [], "\n".join(offending)


def test_the_rule_above_sees_an_import_of_the_app(tmp_path: Path) -> None:
    module = tmp_path / "screen.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from qatui.ui.app import QatuiApp\n")
    assert "qatui.ui.app" in imported(module)
