"""The core must never import the UI libraries: checked in a fresh interpreter.

The interpreter is started with textual and rich made unimportable, so this proves the core
neither imports them itself nor needs them through a dependency (httpx, for one, imports rich
for its optional CLI when it can, and quietly does without it when it cannot).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import qatui.core

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('textual', 'rich'):
            raise ImportError(f'{name} is blocked: the core must not need it')
        return None
sys.meta_path.insert(0, Block())
"""


def test_core_imports_neither_textual_nor_rich() -> None:
    modules = [m.name for m in pkgutil.walk_packages(qatui.core.__path__, prefix="qatui.core.")]
    code = BLOCKER + (
        "import importlib\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert len(modules) > 10
    assert out.stdout.strip() == "", f"core pulled in: {out.stdout.strip()}"


def test_core_source_never_names_textual_or_rich() -> None:
    """A direct import inside a function would dodge the check above; grep the source too."""
    import re
    from pathlib import Path

    root = Path(qatui.core.__file__).parent
    pattern = re.compile(r"^\s*(from|import)\s+(textual|rich)\b", re.M)
    offenders = [str(p) for p in root.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
