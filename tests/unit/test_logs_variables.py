"""Nested `${…}` in log sources: one shared lookup (`layered_lookup`) for probes, the log pane
and `qatui logs`, so a var whose value is itself `${OTHER}` resolves the same everywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qatui.commands.logs import make_lookup
from qatui.core.loader import load_checklist
from qatui.core.probes.engine import ProbeRunner
from qatui.core.variables import MAX_NESTING, UndefinedVariable, expand, layered_lookup
from tests.conftest import trust_file

CHECKLIST = """\
qatui: 1
title: Nested variables
from_env: [QATUI_TEST_LOG_DIR]
vars:
  log_dir: ${QATUI_TEST_LOG_DIR}
environments:
  local: {label: Local, default: true, vars: {log_file: "${log_dir}/app.log"}}
logs:
  app: {file: "${log_file}", tail: 5}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - {id: a, title: A, logs: [app]}
"""


def test_written_values_expand_through_the_same_lookup() -> None:
    lookup = layered_lookup(
        before=[{"captured": "${not_expanded}"}],
        written=[{"file": "${dir}/x.log", "dir": "${root}/logs"}, {"port": 8000}],
        after=[{"root": "/srv", "secret": "$ecret"}],
    )
    assert lookup("file") == "/srv/logs/x.log"
    assert lookup("port") == "8000"
    assert lookup("captured") == "${not_expanded}"  # data, not author-written: left as is
    assert lookup("secret") == "$ecret"
    assert lookup("missing") is None
    assert expand("${file:-none} ${missing:-d}", lookup) == "/srv/logs/x.log d"


def test_earlier_scopes_win_and_undefined_nested_names_are_reported() -> None:
    lookup = layered_lookup(written=[{"a": "${b}"}, {"a": "later"}], after=[{"b": "B"}])
    assert lookup("a") == "B"
    with pytest.raises(UndefinedVariable) as caught:
        layered_lookup(written=[{"a": "${nowhere}"}])("a")
    assert caught.value.name == "nowhere"


def test_a_cycle_stops_instead_of_recursing_forever() -> None:
    lookup = layered_lookup(written=[{"a": "x${b}", "b": "y${a}"}])
    value = lookup("a")
    assert value is not None and value.startswith("xyxy") and "${" in value
    assert value.count("x") + value.count("y") == MAX_NESTING + 1


@pytest.fixture
def nested(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app.log").write_text("first\nERROR second\n")
    path = tmp_path / "checklist.yaml"
    path.write_text(CHECKLIST)
    env = {**os.environ, "QATUI_TEST_LOG_DIR": str(logs)}
    trust_file(path, env)
    return path, env


def test_cli_lookup_and_probe_engine_agree(nested: tuple[Path, dict[str, str]]) -> None:
    path, env = nested
    checklist = load_checklist(path, env=env)
    environment = checklist.environments["local"]
    cli_lookup, _ = make_lookup(checklist, environment, env)
    runner = ProbeRunner(checklist, "local", trusted=False, env=env)
    want = env["QATUI_TEST_LOG_DIR"] + "/app.log"
    assert cli_lookup("log_file") == runner.lookup("log_file") == want


def test_qatui_logs_follows_a_nested_file_path(nested: tuple[Path, dict[str, str]]) -> None:
    path, env = nested
    env.pop("QATUI_ENV", None)
    result = subprocess.run([sys.executable, "-m", "qatui", "logs", str(path), "app"], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert "first" in result.stdout and "ERROR second" in result.stdout
