"""Environments that lack a part or read it elsewhere: `only_env:` on a probe, and an
environment's own `logs:` replacing a checklist log source (a compose service on one
environment, Gunicorn's log file on another)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from qatui.core.errors import ChecklistError
from qatui.core.loader import load_checklist
from qatui.core.logs import DockerSource, FileSource, make_source
from qatui.core.probes.engine import run_probes
from qatui.core.run.gate import needs_confirmation
from qatui.core.session import ProbeStatus

CHECKLIST = """\
qatui: 1
title: Parts
environments:
  docker:
    default: true
    compose: {{project: shop}}
  bare:
    vars: {{log_dir: "{log_dir}"}}
    logs:
      web: {{file: "${{log_dir}}/web.log"}}
logs:
  web: {{service: web}}
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: i
        title: I
        probes:
          - id: db-port
            kind: tcp
            host: 127.0.0.1
            port: {port}
            only_env: [docker]
          - id: any-port
            kind: tcp
            host: 127.0.0.1
            port: {port}
          - id: web-says-ready
            kind: logs
            source: web
            present: ready
            window: {{lines: 10}}
            timeout: 5
"""


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield int(server.getsockname()[1])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "parts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        load_checklist(write(tmp_path, text), env={})
    return [f"{p.position.line}:{p.position.column} {p.message}" for p in caught.value.problems]


def test_loads_scopes_and_replacements(tmp_path: Path) -> None:
    checklist = load_checklist(write(tmp_path, CHECKLIST.format(log_dir=tmp_path, port=1)), env={})
    by_id = {p.id: p for p in checklist.probes()}
    assert by_id["db-port"].only_env == ("docker",) and by_id["any-port"].only_env == ()
    bare = checklist.environments["bare"]
    assert bare.logs["web"].kind == "file" and bare.logs["web"].target == "${log_dir}/web.log"
    assert checklist.environments["docker"].logs == {}


def test_a_probe_outside_its_environments_is_not_run_and_says_why(tmp_path: Path, listening: int) -> None:
    checklist = load_checklist(write(tmp_path, CHECKLIST.format(log_dir=tmp_path, port=listening)), env={})
    tcp = [p for p in checklist.probes() if p.kind == "tcp"]
    on_bare = {r.probe_id: r for r in run_probes(checklist, "bare", tcp, trusted=True, env={})}
    assert on_bare["db-port"].status is ProbeStatus.NOT_RUN
    assert on_bare["db-port"].summary == "not run: not part of environment bare"
    assert "only on docker" in on_bare["db-port"].explanation
    assert on_bare["any-port"].status is ProbeStatus.PASSED
    on_docker = {r.probe_id: r for r in run_probes(checklist, "docker", tcp, trusted=True, env={})}
    assert on_docker["db-port"].status is ProbeStatus.PASSED  # the same socket, on its environment


def test_a_probe_outside_its_environments_never_asks_to_be_confirmed(tmp_path: Path, listening: int) -> None:
    """`destructive: always` asks on every environment the probe belongs to — and nowhere else,
    since it will not run there."""
    text = CHECKLIST.format(log_dir=tmp_path, port=listening).replace(
        "            only_env: [docker]\n", "            only_env: [docker]\n            destructive: always\n")
    checklist = load_checklist(write(tmp_path, text), env={})
    [scoped] = [p for p in checklist.probes() if p.id == "db-port"]
    assert scoped.destructive_always
    assert needs_confirmation(checklist, checklist.environments["docker"], scoped)
    assert not needs_confirmation(checklist, checklist.environments["bare"], scoped)
    [on_bare] = run_probes(checklist, "bare", [scoped], trusted=True, env={})
    assert on_bare.summary == "not run: not part of environment bare"
    [on_docker] = run_probes(checklist, "docker", [scoped], trusted=True, env={})
    assert on_docker.status is ProbeStatus.NOT_RUN and "destructive: always" in on_docker.explanation


def test_an_environment_reads_a_log_source_from_its_own_place(tmp_path: Path) -> None:
    (tmp_path / "web.log").write_text("booting\n[2026-12-04 18:29:44 +0000] [42] [INFO] ready\n")
    checklist = load_checklist(write(tmp_path, CHECKLIST.format(log_dir=tmp_path, port=1)), env={})
    spec = checklist.logs["web"]
    lookup = {"log_dir": str(tmp_path)}.get
    bare, docker = checklist.environments["bare"], checklist.environments["docker"]
    assert isinstance(make_source(spec, bare, checklist_dir=tmp_path, lookup=lookup), FileSource)
    assert isinstance(make_source(spec, docker, checklist_dir=tmp_path, lookup=lookup), DockerSource)
    logs_probe = [p for p in checklist.probes() if p.id == "web-says-ready"]
    [result] = run_probes(checklist, "bare", logs_probe, trusted=True, env={})
    assert result.status is ProbeStatus.PASSED, result.explanation


def test_only_env_must_name_environments(tmp_path: Path) -> None:
    text = CHECKLIST.format(log_dir=tmp_path, port=1).replace("only_env: [docker]", "only_env: [dokcer, prod]")
    found = problems(tmp_path, text)
    assert found[0].startswith("25:24 only_env: no environment 'dokcer'") and "did you mean 'docker'" in found[0]
    assert found[1].startswith("25:32 only_env: no environment 'prod'") and "environments: docker, bare" in found[1]
    empty = CHECKLIST.format(log_dir=tmp_path, port=1).replace("only_env: [docker]", "only_env: []")
    assert any("'only_env' is empty" in p for p in problems(tmp_path, empty))


def test_an_environment_replaces_only_sources_the_checklist_defines(tmp_path: Path) -> None:
    text = CHECKLIST.format(log_dir=tmp_path, port=1).replace('      web: {file: "${log_dir}/web.log"}',
                                                            '      wbe: {file: "${log_dir}/web.log"}')
    [problem] = problems(tmp_path, text)
    assert problem.startswith("10:7 environment 'bare' replaces log source 'wbe', which the top-level 'logs:' does not define")
    assert "did you mean 'web'" in problem


def test_an_environment_cannot_bring_its_own_command(tmp_path: Path) -> None:
    """The trust review lists the checklist's log commands; an environment adds none."""
    text = CHECKLIST.format(log_dir=tmp_path, port=1).replace('web: {file: "${log_dir}/web.log"}',
                                                            "web: {command: tail -F /tmp/x}")
    [problem] = problems(tmp_path, text)
    assert "log source 'web' may be a service, container or file here" in problem


def test_format_docs_describe_both() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "checklist-format.md").read_text()
    assert "`only_env`" in docs and "environment's `logs`" in docs
