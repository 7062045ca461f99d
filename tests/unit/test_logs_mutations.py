"""The logs probe's part of the mutation corpus: deliberately wrong expectations that must not
pass, each beside its right twin that must pass (STYLE habit 16: a check that cannot fail is a
defect).

Wrong kinds: a line that does appear, vacuous windows (nothing read, a session seconds old,
fewer lines than the check needs, a time window over a log without times), wrong sources (a
missing file, an undefined name, a compose service with no container), wrong counts (a window
of N lines that does reach the bad line), a `present` line that appeared only before the
session. Real files on disk, and the real Docker engine for the compose-service cases.

Also: every `absent` check of the shipped checklists is inconclusive over an empty log and
fails over the log that showed issue 11.2 (huey logging an ERROR with a traceback every 5 s).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qatui.core.checklist import LogSourceSpec, ProbeSpec
from qatui.core.loader import load_checklist
from qatui.core.probes import run_probes
from qatui.core.session import ProbeResult, ProbeStatus
from tests.servers import checklist_of, probe

ROOT = Path(__file__).resolve().parents[2]


def stamp(seconds_ago: float) -> str:
    """Python logging's default time, local (no zone), `seconds_ago` before now (the logs are
    written when a case runs, not when the module is collected: a full run takes minutes)."""
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).astimezone().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]


def huey_log(seconds: int = 120, every: int = 5) -> str:
    """What issue 11.2 saw: huey logs an ERROR with a traceback every ~5 s between tasks."""
    out = []
    for ago in range(seconds, 0, -every):
        out.append(f"{stamp(ago)} INFO huey Executing uplink.tasks.sync_stock")
        out.append(f"{stamp(ago - 1)} ERROR huey Unhandled exception in task sync_prestashop")
        out += ["Traceback (most recent call last):", '  File "/app/tasks.py", line 9, in sync',
                "    raise TimeoutError('prestashop')", "TimeoutError: prestashop"]
    return "\n".join(out) + "\n"


@dataclass
class Case:
    """One logs expectation, the log it runs over, and the session's age."""

    id: str
    config: dict[str, Any]
    log: Callable[[], str] | None = lambda: ""  # writes the file's text; None: no file
    session_age: float = 600.0  # seconds
    appended: str = ""  # written to the file 0.3 s after the probe starts
    expect: tuple[ProbeStatus, ...] = field(default=(ProbeStatus.PASSED,))


def info_lines() -> str:
    return "".join(f"{stamp(s)} INFO web GET /api/v1/products/ 200\n" for s in (50, 40, 30, 20, 10))


def error_in_session() -> str:
    return info_lines() + f"{stamp(5)} ERROR web Internal Server Error: /api/v1/orders/\n"


def last_lines() -> str:
    return f"{stamp(9)} ERROR web boom\n" + "".join(f"{stamp(s)} INFO ok {s}\n" for s in (8, 7, 6))


def gunicorn(level: str = "[CRITICAL] WORKER TIMEOUT (pid:43)") -> str:
    def utc(ago: timedelta) -> str:
        return (datetime.now(UTC) - ago).strftime("%Y-%m-%d %H:%M:%S")

    return f"[{utc(timedelta(hours=2))} +0000] [1] [INFO] Booting\n[{utc(timedelta(seconds=20))} +0000] [1] {level}\n"


def untimed() -> str:
    return "worker ready\nprocessing\nERROR lost connection\n"


def before_session() -> str:
    return f"{stamp(900)} INFO huey Task sync succeeded\n{stamp(10)} INFO huey idle\n"

NOT_PASS = (ProbeStatus.FAILED, ProbeStatus.INCONCLUSIVE, ProbeStatus.ERROR)
WRONG = [
    Case("line-that-appears", {"absent": r"\bERROR\b"}, error_in_session, expect=(ProbeStatus.FAILED,)),
    Case("empty-log", {"absent": r"\bERROR\b"}, lambda: "", expect=(ProbeStatus.INCONCLUSIVE,)),
    Case("young-session", {"absent": r"\bERROR\b", "window": "session"}, info_lines, session_age=5,
         expect=(ProbeStatus.INCONCLUSIVE,)),
    Case("too-few-lines", {"absent": r"\bERROR\b", "min_lines": 10}, info_lines, expect=(ProbeStatus.INCONCLUSIVE,)),
    Case("old-lines-only", {"absent": r"\bERROR\b", "window": {"minutes": 1}},
         lambda: f"{stamp(3600)} INFO long ago\n", expect=(ProbeStatus.INCONCLUSIVE,)),
    Case("time-window-on-untimed-log", {"absent": "lost connection", "window": {"minutes": 10}}, untimed,
         expect=(ProbeStatus.INCONCLUSIVE,)),
    Case("missing-file", {"absent": r"\bERROR\b"}, None, expect=(ProbeStatus.ERROR,)),
    Case("lines-window-reaches-the-error", {"absent": r"\bERROR\b", "window": {"lines": 4}}, last_lines,
         expect=(ProbeStatus.FAILED,)),
    Case("gunicorn-line-in-session", {"absent": "CRITICAL|WORKER TIMEOUT", "window": "session"}, gunicorn,
         session_age=120, expect=(ProbeStatus.FAILED,)),
    Case("present-never", {"present": "Task .* succeeded", "within": 0.5}, info_lines, expect=(ProbeStatus.FAILED,)),
    Case("present-only-before-session", {"present": "Task .* succeeded", "within": 0.5}, before_session, session_age=60,
         expect=(ProbeStatus.FAILED,)),
    Case("huey-every-5s", {"absent": r"\bERROR\b|Traceback", "min_lines": 5}, huey_log, session_age=3,
         expect=(ProbeStatus.FAILED,)),
]
RIGHT = [
    Case("line-that-appears", {"absent": r"\bCRITICAL\b"}, error_in_session),
    Case("empty-log", {"absent": r"\bERROR\b"}, info_lines),
    Case("young-session", {"absent": r"\bERROR\b", "window": "session"}, info_lines, session_age=300),
    Case("too-few-lines", {"absent": r"\bERROR\b", "min_lines": 5}, info_lines),
    Case("old-lines-only", {"absent": r"\bERROR\b", "window": {"minutes": 1}}, info_lines),
    Case("time-window-on-untimed-log", {"absent": "lost connection", "window": {"lines": 2}},
         lambda: untimed().replace("ERROR lost connection\n", "")),
    Case("missing-file", {"absent": r"\bERROR\b"}, info_lines),
    Case("lines-window-reaches-the-error", {"absent": r"\bERROR\b", "window": {"lines": 3}}, last_lines),
    Case("gunicorn-line-in-session", {"absent": "CRITICAL|WORKER TIMEOUT", "window": "session"},
         lambda: gunicorn("[INFO] Booting worker"), session_age=120),
    Case("present-never", {"present": "Task .* succeeded", "within": 10}, info_lines,
         appended="huey: Task sync succeeded\n"),
    Case("present-only-before-session", {"present": "Task .* succeeded", "within": 0.5}, before_session, session_age=1200),
    Case("huey-every-5s", {"absent": r"\bERROR\b|Traceback", "min_lines": 5},
         lambda: huey_log().replace("ERROR", "INFO").replace("Traceback (most recent call last):", "retrying")
         .replace("TimeoutError: prestashop", "retried"), session_age=3),
]
def _run(case: Case, tmp_path: Path) -> ProbeResult:
    path = tmp_path / f"{case.id}.log"
    if case.log is not None:
        path.write_text(case.log())
    logs = {"app": LogSourceSpec(name="app", kind="file", target=str(path))}
    spec = probe(id=case.id, kind="logs", source="app", **case.config)
    timer = None
    if case.appended:
        timer = threading.Timer(0.3, lambda: path.open("a").write(case.appended))
        timer.start()
    try:
        [result] = run_probes(checklist_of(spec, logs=logs), "local", [spec], trusted=True, env={},
                              session_started=datetime.now(UTC) - timedelta(seconds=case.session_age))
    finally:
        if timer is not None:
            timer.cancel()
    return result


def test_the_corpus_pairs_up() -> None:
    assert len(WRONG) >= 8 and [c.id for c in WRONG] == [c.id for c in RIGHT]


@pytest.mark.parametrize("case", WRONG, ids=[c.id for c in WRONG])
def test_wrong_expectation_does_not_pass(case: Case, tmp_path: Path) -> None:
    result = _run(case, tmp_path)
    assert result.status in NOT_PASS and result.status in case.expect, (result.status, result.summary, result.explanation)
    assert result.explanation  # every verdict that is not a pass says why


@pytest.mark.parametrize("case", RIGHT, ids=[c.id for c in RIGHT])
def test_right_twin_passes(case: Case, tmp_path: Path) -> None:
    result = _run(case, tmp_path)
    assert result.status is ProbeStatus.PASSED, (result.summary, result.explanation, result.detail)


def test_undefined_source_name_is_an_error() -> None:
    wrong = probe(id="w", kind="logs", source="huey", absent="ERROR")
    [result] = run_probes(checklist_of(wrong, logs={}), "local", [wrong], trusted=True, env={})
    assert result.status is ProbeStatus.ERROR and "no log source 'huey'" in result.summary


# --- the real Docker engine -------------------------------------------------------------------


@pytest.mark.docker
def test_compose_service_twins(run_container: Any, compose_project: str) -> None:
    """Wrong: ERROR absent from a service that logs one; a service with no container; a young
    session. Right: a pattern the service does not log, over the same service."""
    container = run_container(
        "echo 'INFO worker ready'; echo 'ERROR task failed'; echo 'Traceback (most recent call last):';"
        " echo '  File \"t.py\", line 1'; echo 'ValueError: bad order'; echo 'INFO next'; sleep 600",
        project=compose_project, service="huey")
    logs = {"huey": LogSourceSpec(name="huey", kind="service", target="huey"),
            "gone": LogSourceSpec(name="gone", kind="service", target="nothere")}
    specs = [
        probe(id="wrong-error", kind="logs", source="huey", absent=r"\bERROR\b"),
        probe(id="wrong-no-container", kind="logs", source="gone", absent=r"\bERROR\b"),
        probe(id="wrong-young-session", kind="logs", source="huey", absent="CRITICAL", window="session"),
        probe(id="wrong-too-few", kind="logs", source="huey", absent="CRITICAL", min_lines=50),
        probe(id="right-absent", kind="logs", source="huey", absent="CRITICAL"),
        probe(id="right-present", kind="logs", source="huey", present="worker ready", window={"lines": 10}, within=10),
    ]
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while "INFO next" not in container.logs().decode() and datetime.now(UTC) < deadline:
        threading.Event().wait(0.1)
    checklist = checklist_of(*specs, logs=logs, compose_project=compose_project)
    results = {r.probe_id: r for r in run_probes(checklist, "local", specs, trusted=True, env={})}
    assert results["wrong-error"].status is ProbeStatus.FAILED
    assert "ValueError: bad order" in results["wrong-error"].detail  # the block up to its exception line
    assert results["wrong-no-container"].status is ProbeStatus.ERROR, results["wrong-no-container"].summary
    assert results["wrong-young-session"].status is ProbeStatus.INCONCLUSIVE
    assert results["wrong-too-few"].status is ProbeStatus.INCONCLUSIVE
    assert results["right-absent"].status is ProbeStatus.PASSED, results["right-absent"].summary
    assert results["right-present"].status is ProbeStatus.PASSED, results["right-present"].summary


# --- the shipped checklists ---------------------------------------------------------------------


def _shipped_absent_checks() -> list[tuple[str, ProbeSpec]]:
    found = []
    for name in ("django-upgrade.yaml", "demo.yaml"):
        checklist = load_checklist(ROOT / "checklists" / name, env={})
        found += [(name, p) for p in checklist.probes() if p.kind == "logs" and "absent" in p.config]
    return found


SHIPPED = _shipped_absent_checks()


@pytest.mark.parametrize(("name", "spec"), SHIPPED, ids=[f"{n}:{p.id}" for n, p in SHIPPED])
def test_shipped_absent_checks_are_never_vacuous(name: str, spec: ProbeSpec, tmp_path: Path) -> None:
    """Each shipped `absent` check over its own log source replaced by a file: an empty log and
    a just-started session are inconclusive; the log of issue 11.2 fails the huey checks."""
    path = tmp_path / "log"
    path.write_text("")
    logs = {spec.config["source"]: LogSourceSpec(name=spec.config["source"], kind="file", target=str(path))}
    checklist = checklist_of(spec, logs=logs)
    [empty] = run_probes(checklist, "local", [spec], trusted=True, env={}, session_started=datetime.now(UTC) - timedelta(seconds=3))
    assert empty.status is ProbeStatus.INCONCLUSIVE, empty.summary
    if "ERROR" in spec.config["absent"]:
        path.write_text(huey_log())
        [busy] = run_probes(checklist, "local", [spec], trusted=True, env={}, session_started=datetime.now(UTC) - timedelta(seconds=3))
        assert busy.status is ProbeStatus.FAILED, busy.summary
        assert "TimeoutError: prestashop" in busy.detail


def test_the_shipped_huey_checks_need_more_than_two_lines() -> None:
    """Issue 11.2: 'no ERROR in huey' passed over 0–2 lines read."""
    huey = [p for _, p in SHIPPED if p.config["source"] == "huey"]
    assert len(huey) == 2 and all(int(p.config.get("min_lines", 1)) > 2 for p in huey)
