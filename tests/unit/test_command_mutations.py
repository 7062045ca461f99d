"""Wrong/right twins for command and exec probes: a wrong twin must never pass, its right twin must.

Each twin pair differs in one thing a release could get wrong — an exit code, a version in the
output, the stream a warning goes to, a program that is missing, a value that would be shell
code. A probe that passed both would check nothing; one that failed both would be noise.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from typing import Any

import pytest

from qatui.core.probes import explain, run_probes
from qatui.core.session import ProbeStatus
from tests.servers import checklist_of, probe


@dataclass(frozen=True)
class Twin:
    name: str
    expect: dict[str, Any]
    wrong: str  # a shell line whose result the expectation must reject
    right: str  # the same check, done right
    extra: dict[str, Any] = field(default_factory=dict)


TWINS = [
    Twin("exit code", {}, "echo migrated; exit 3", "echo migrated"),
    Twin("expected failure that succeeded", {"exit_code": 1}, "true", "exit 1"),
    Twin("a different failure code", {"exit_code": 1}, "exit 2", "exit 1"),
    Twin("killed by a signal", {}, "kill -9 $$", "exit 0"),
    Twin("version is a prefix", {"output_matches": r"^Django 4\.2\.30$"}, "echo Django 4.2.3", "echo Django 4.2.30"),
    Twin("version missing", {"stdout_contains": "4.2.30"}, "echo Django 4.2.3", "echo Django 4.2.30"),
    Twin("warning on the wrong stream", {"stderr_contains": "deprecated"}, "echo deprecated", "echo deprecated >&2"),
    Twin("traceback in the output", {"not_contains": "Traceback"},
         "echo 'Traceback (most recent call last):' >&2", "echo 'System check identified no issues' >&2"),
    Twin("all of several strings", {"stdout_contains": ["migrations", "OK"]}, "echo migrations", "echo migrations OK"),
    Twin("capture finds nothing", {}, "echo no version here", "echo Django 4.2.30",
         {"capture": {"version": {"regex": r"Django (\d+\.\d+\.\d+)"}}}),
    Twin("program missing", {}, "qatui-no-such-program --version", "true"),
]


def _specs(kind: str, target: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    wrong = [probe(item=f"w{i}", id=f"wrong-{i}", kind=kind, run=t.wrong, expect=t.expect, **t.extra, **target)
             for i, t in enumerate(TWINS)]
    right = [probe(item=f"r{i}", id=f"right-{i}", kind=kind, run=t.right, expect=t.expect, **t.extra, **target)
             for i, t in enumerate(TWINS)]
    return wrong, right


def _verdicts(kind: str, target: dict[str, Any], **checklist: Any) -> None:
    wrong, right = _specs(kind, target)
    results = run_probes(checklist_of(*wrong, *right, **checklist), "local", wrong + right, trusted=True,
                         env=dict(os.environ) if kind == "command" else {})
    by_id = {r.probe_id: r for r in results}
    passed_wrong = [t.name for i, t in enumerate(TWINS) if by_id[f"wrong-{i}"].status is ProbeStatus.PASSED]
    failed_right = [(t.name, by_id[f"right-{i}"].summary) for i, t in enumerate(TWINS)
                    if by_id[f"right-{i}"].status is not ProbeStatus.PASSED]
    assert passed_wrong == [], f"wrong twins that passed: {passed_wrong}"
    assert failed_right == [], f"right twins that did not pass: {failed_right}"
    # every wrong twin says why, in words that match what happened
    for i, twin in enumerate(TWINS):
        result = by_id[f"wrong-{i}"]
        assert result.explanation, twin.name
        if twin.name == "expected failure that succeeded":
            assert "succeeded (exit 0), but the checklist expects it to fail with exit 1" in result.explanation
        if twin.name == "program missing":
            assert "`qatui-no-such-program` is not installed" in result.explanation, result.explanation


def test_command_twins() -> None:
    _verdicts("command", {})


@pytest.mark.docker
def test_exec_twins(run_container: Any, compose_project: str) -> None:
    run_container("sleep 300", project=compose_project, service="web")
    _verdicts("exec", {"service": "web"}, compose_project=compose_project)


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        (["/bin/sh", "-c"], "echo first; qatui-missing-tool --check"),
        (["bash", "-c"], "echo first; qatui-missing-tool --check"),
        (["dash", "-c"], "echo first; qatui-missing-tool --check"),
        (["busybox", "sh", "-c"], "echo first; qatui-missing-tool --check"),
    ],
    ids=["sh", "bash", "dash", "busybox"],
)
def test_missing_program_named_from_each_shells_words(shell: list[str], line: str) -> None:
    """Real shells' own messages (dash `sh: 1: x: not found`, bash `bash: line 1: x: command
    not found`, busybox `sh: x: not found`) all name the program, not the first word."""
    if subprocess.run(["sh", "-c", f"command -v {shell[0]}"], capture_output=True).returncode != 0:
        pytest.skip(f"{shell[0]} is not installed here")
    done = subprocess.run([*shell, line], capture_output=True, text=True, timeout=30)
    assert done.returncode == 127
    assert explain.missing_program(done.stderr) == "qatui-missing-tool", done.stderr
    assert explain.missing_program("all fine\n") is None
