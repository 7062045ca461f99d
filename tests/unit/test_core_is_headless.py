"""The core must never import the UI libraries: checked in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import qatui.core


def test_core_imports_neither_textual_nor_rich() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages(qatui.core.__path__, prefix="qatui.core.")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(modules) > 3
    assert out.stdout.strip() == "", f"core pulled in: {out.stdout.strip()}"
