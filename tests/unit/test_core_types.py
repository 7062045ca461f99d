"""`mypy --strict` on the core reports nothing (the structure issue's type-checking rule).

Run as a subprocess with the interpreter running the tests, from the repository root so mypy
reads `[tool.mypy]` in pyproject.toml (Python 3.11, strict). mypy and the stubs it needs
(types-PyYAML, types-docker) are in the `test` extras, so a missing mypy fails here rather than
skipping: a skipped check would let the core drift without anyone noticing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_strict_is_clean_on_the_core() -> None:
    assert (ROOT / "src" / "qatui" / "core").is_dir()
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "src/qatui/core"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = out.stdout + out.stderr
    assert out.returncode == 0, f"mypy --strict src/qatui/core failed:\n{report}"
    # A configuration that checked nothing would also exit 0: make sure the core was read.
    checked = re.search(r"no issues found in (\d+) source files", report)
    assert checked is not None, report
    assert int(checked.group(1)) > 10, report
