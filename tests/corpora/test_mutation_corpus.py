"""The mutation corpus: every expectation in `mutation/wrong/` is deliberately wrong and none may
pass; its twin in `mutation/right/` has the same probes with the right expectation and none may
fail. The guard every matcher and probe kind must pass (a check that cannot fail is a defect).

Targets are real: the loopback test servers (tests/servers.py), the demo target started as
`qatui demo --serve` (as tests/e2e/test_demo_probe.py does), commands on this machine, and a
busybox container on the real Docker engine for `exec-*.yaml`. The corpus is run through the
engine for every file, and through `qatui probe --format json` as a subprocess (after `qatui
trust --yes` with isolated XDG folders) for the demo file. See mutation/README.md to add files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from qatui.core.loader import load_checklist
from qatui.core.probes.engine import run_probes
from qatui.core.session import ProbeResult, ProbeStatus
from tests.e2e.helpers import isolated_env, qatui_binary, served_demo
from tests.servers import PASSWORD, TOKEN, HttpApp, WsServer, free_port, gzip_bomb

CORPUS = Path(__file__).resolve().parent / "mutation"
WRONG = sorted((CORPUS / "wrong").glob("*.yaml"))
RIGHT = sorted((CORPUS / "right").glob("*.yaml"))
#: The corpus must keep at least this many wrong expectations (issue 11: ≥ 40).
AT_LEAST = 40


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`qatui demo --serve` as a real process; its QATUI_DEMO_* variables."""
    env = isolated_env(tmp_path_factory.mktemp("demo"))
    with served_demo(env) as served:
        yield served.variables


@pytest.fixture(scope="module")
def corpus_env(http_app: HttpApp, ws_server: WsServer, demo: dict[str, str], tls_servers: dict[str, Any]) -> dict[str, str]:
    """The process environment the corpus checklists read (see mutation/README.md)."""
    gzip_bomb(64)  # made once before the probes: making it takes a moment
    return {
        **demo,
        "QATUI_CORPUS_APP": http_app.url,
        "QATUI_CORPUS_APP_WS": http_app.url.replace("http://", "ws://"),
        "QATUI_CORPUS_APP_HOST": "127.0.0.1",
        "QATUI_CORPUS_APP_PORT": str(http_app.port),
        "QATUI_CORPUS_WS": ws_server.url,
        "QATUI_CORPUS_CLOSED_PORT": str(free_port()),
        "QATUI_CORPUS_PYTHON": sys.executable,
        "QATUI_CORPUS_TLS_PORT": str(tls_servers["valid"].port),
        "QATUI_CORPUS_TLS_SHORT_PORT": str(tls_servers["short"].port),
        "QATUI_CORPUS_TLS_EXPIRED_PORT": str(tls_servers["expired"].port),
        "QATUI_CORPUS_TLS_CA": tls_servers["ca"],
        "QATUI_CORPUS_PASSWORD": PASSWORD,
        "QATUI_CORPUS_TOKEN": TOKEN,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }


@pytest.fixture
def container_env(request: pytest.FixtureRequest, corpus_env: dict[str, str]) -> dict[str, str]:
    """For `exec-*.yaml`: a busybox container labelled as service `web` of a compose project."""
    if not request.node.callspec.params["path"].name.startswith("exec-"):
        return corpus_env
    run_container = request.getfixturevalue("run_container")
    project = request.getfixturevalue("compose_project")
    container = run_container("sleep 300", project=project, service="web")
    return {**corpus_env, "QATUI_CORPUS_CONTAINER": container.name, "QATUI_CORPUS_PROJECT": project}


def run_file(path: Path, env: dict[str, str]) -> list[ProbeResult]:
    checklist = load_checklist(path, env=env)
    probes = list(checklist.probes())
    default = next((key for key, environment in checklist.environments.items() if environment.default), None)
    return run_probes(checklist, default, probes, trusted=True, env=env, timeout=120)


def described(results: list[ProbeResult]) -> str:
    return "\n".join(f"{r.probe_id}: {r.status.value} — {r.summary} | {r.explanation[:160]}" for r in results)


def marks(path: Path) -> list[Any]:
    return [pytest.mark.docker] if path.name.startswith("exec-") else []


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name, marks=marks(p)) for p in WRONG])
def test_no_wrong_expectation_passes(path: Path, container_env: dict[str, str]) -> None:
    results = run_file(path, container_env)
    assert results, f"{path.name} has no probes"
    passed = [r for r in results if r.status is ProbeStatus.PASSED]
    assert passed == [], f"wrong expectations that passed in {path.name}:\n{described(passed)}"
    crashed = [r for r in results if r.summary.startswith("internal error")]
    assert crashed == [], described(crashed)
    # "not run" only where a capture is missing: a corpus that runs nothing (untrusted, a
    # refused destructive probe) proves nothing
    skipped = [r for r in results if r.status is ProbeStatus.NOT_RUN and "was not captured" not in r.summary]
    assert skipped == [], described(skipped)


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name, marks=marks(p)) for p in RIGHT])
def test_every_right_expectation_passes(path: Path, container_env: dict[str, str]) -> None:
    results = run_file(path, container_env)
    failing = [r for r in results if r.status is not ProbeStatus.PASSED]
    assert failing == [], f"right expectations that did not pass in {path.name}:\n{described(failing)}"


def probe_ids(path: Path) -> list[str]:
    return [p.id for p in load_checklist(path, env={}).probes()]


def test_the_corpus_is_twinned_and_large_enough() -> None:
    """Each wrong file has a right twin with the same probes, and no wrong file is left without
    its WRONG marks (a probe with nothing wrong in it would be a vacuous member)."""
    assert [p.name for p in WRONG] == [p.name for p in RIGHT]
    total = 0
    for wrong in WRONG:
        ids = probe_ids(wrong)
        assert ids == probe_ids(CORPUS / "right" / wrong.name), wrong.name
        assert "WRONG" not in (CORPUS / "right" / wrong.name).read_text(encoding="utf-8")
        total += len(ids)
    assert total >= AT_LEAST, total


def test_the_cli_agrees_on_the_demo_file(tmp_path: Path, corpus_env: dict[str, str]) -> None:
    """`qatui probe --format json` as a subprocess, trusted with `qatui trust --yes` in isolated
    XDG folders: 0 wrong expectations pass, every right one passes (exit 1, then 0)."""
    env = {**isolated_env(tmp_path), **corpus_env}
    for half, code in (("wrong", 1), ("right", 0)):
        path = CORPUS / half / "demo-target.yaml"
        trusted = subprocess.run([qatui_binary(), "trust", str(path), "--yes"], env=env, capture_output=True,
                                 text=True, timeout=60)
        assert trusted.returncode == 0, trusted.stderr
        run = subprocess.run([qatui_binary(), "probe", str(path), "--format", "json"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == code, run.stderr + run.stdout[-2000:]
        statuses = {r["probe"]: r["status"] for r in json.loads(run.stdout)["results"]}
        assert set(statuses) == set(probe_ids(path))
        if half == "wrong":
            assert "passed" not in statuses.values(), statuses
        else:
            assert set(statuses.values()) == {"passed"}, statuses
    # a wrong WebSocket reply is a verdict: JUnit shows it as a <failure>, not an <error>
    junit = subprocess.run([qatui_binary(), "probe", str(CORPUS / "wrong" / "demo-target.yaml"), "--format", "junit",
                            "--only", "ws-hello-case,ws-echo-typed"], env=env, capture_output=True, text=True, timeout=120)
    cases = {case.get("name"): case for case in ElementTree.fromstring(junit.stdout).iter("testcase")}
    for name in ("ws-hello", "ws-echo"):
        assert cases[name].find("failure") is not None and cases[name].find("error") is None, junit.stdout


@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", [pytest.param(p, id=f"{p.parent.name}/{p.name}", marks=marks(p)) for p in WRONG + RIGHT])
async def test_the_screen_and_qatui_probe_agree_on_every_corpus_verdict(path: Path, container_env: dict[str, str],
                                                                        tmp_path: Path) -> None:
    """One truth on the screen and in CI, for the corpus too: every probe of every file, wrong and
    right half, gets the same verdict through `qatui probe` and through the screen (Pilot)."""
    from tests.e2e.differential import probe_verdicts, screen_verdicts, trust_in

    env = {**isolated_env(tmp_path), **container_env}
    checklist = load_checklist(path, env=env)
    env_key = next((key for key, environment in checklist.environments.items() if environment.default), "")
    trust_in(path, env)
    cli = probe_verdicts(path, env_key, env)
    screen = await screen_verdicts(path, env_key, env, tmp_path)
    assert set(cli) == set(screen) == {p.id for p in checklist.probes()}
    differ = {probe: (cli[probe], screen[probe]) for probe in cli if cli[probe] != screen[probe]}
    assert not differ, f"probe: (qatui probe, screen) {differ}"
    if path.parent.name == "right":
        assert set(cli.values()) == {"passed"}
    else:
        assert "passed" not in cli.values()
