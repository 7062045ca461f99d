"""The suite keeps its own rules: no test module imports another test module (shared helpers
live in `*_support.py`, `helpers.py` or `conftest.py`), and no test measures wall-clock time
(benchmarks do that)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def modules() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def test_no_test_module_imports_another() -> None:
    offenders = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and re.search(r"(^|\.)test_\w+$", node.module):
                offenders.append(f"{path.relative_to(TESTS)}:{node.lineno}: from {node.module} import …")
    assert offenders == []


def test_no_test_asserts_on_elapsed_time() -> None:
    """`assert time.monotonic() - started < 1.5`, `duration_ms < 3000` and their kin."""
    pattern = re.compile(r"assert .*(time\.(monotonic|perf_counter|time)\(\)\s*-|duration_ms\s*<|elapsed\w*\s*<)")
    offenders = [
        f"{path.relative_to(TESTS)}:{number}: {line.strip()}"
        for path in modules()
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
