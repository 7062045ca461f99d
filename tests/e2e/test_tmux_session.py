"""The real `qatui` binary in a real terminal (tmux, 100×30), driven by keys like a tester.

What these prove, end to end: the keys tick items, notes are kept, quitting and reopening
resumes the session, a `kill -9` loses no tick that was on the screen, and fifty keys typed as
fast as tmux can send them are every one applied. The record is checked with
`qatui report --format json`, the way a CI job would read it.

Waiting is polling the screen (`capture-pane`) or the record with deadlines, never a fixed
sleep. Every test has its own XDG folders in tmp_path and its own tmux server socket.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import Tmux, isolated_env, qatui_binary, require_tmux, wait_for

pytestmark = [pytest.mark.tmux, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "checklists" / "demo.yaml"
#: The demo checklist's items in screen order (critical sections first, then file order).
DEMO_ORDER = ["health", "token-login", "products-list", "labels-print", "ws-echo", "ws-wrong-port",
              "ws-port-open", "no-task-errors", "python-version", "cache-clear", "admin-login",
              "static-files", "daily-report", "looks-right"]


def plain_checklist(path: Path, items: int) -> list[str]:
    """A checklist without probes (fast, deterministic): one critical section of `items`."""
    ids = [f"check-{n:02d}" for n in range(1, items + 1)]
    lines = ["qatui: 1", "title: Tmux burst checklist", "environments:",
             "  local: {label: Local, default: true}", "sections:",
             "  - id: main", "    title: Everything", "    priority: critical", "    items:"]
    for n, item_id in enumerate(ids, start=1):
        lines += [f"      - id: {item_id}", f"        title: Check number {n:02d}",
                  f"        steps: ['Look at thing {n:02d}']"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def report(record: Path, env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run([qatui_binary(), "report", str(record), "--format", "json"], env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.stdout, f"qatui report printed nothing (exit {result.returncode}): {result.stderr}"
    data: dict[str, object] = json.loads(result.stdout)
    return data


def statuses(data: dict[str, object]) -> dict[str, tuple[str, str]]:
    """item id → (status, note) from `qatui report --format json`."""
    found: dict[str, tuple[str, str]] = {}
    sections = data.get("sections")
    assert isinstance(sections, list), f"no sections in the report: {sorted(data)}"
    for section in sections:
        for item in section["items"]:
            found[item["id"]] = (item["status"], item.get("note") or "")
    return found


def record_statuses(record: Path) -> dict[str, tuple[str, str]]:
    """The same, read in-process (cheap enough to poll); the final checks use `qatui report`."""
    from qatui.core.record import read

    if not record.exists():
        return {}
    try:
        session = read(record.read_text(encoding="utf-8"), str(record))
    except Exception:  # a reader racing the writer never sees a half file, but be safe
        return {}
    return {item.id: (item.status.value, item.note) for item in session.items()}


def wait_record(record: Path, expected: dict[str, tuple[str, str] | str], timeout: float = 15) -> None:
    def matches() -> bool:
        current = record_statuses(record)
        for item_id, want in expected.items():
            status, note = current.get(item_id, ("missing", ""))
            if isinstance(want, str):
                if status != want:
                    return False
            elif (status, note) != want:
                return False
        return True

    try:
        wait_for(matches, timeout=timeout, what=f"the record to show {expected}")
    except AssertionError:
        raise AssertionError(f"record now: {record_statuses(record)}") from None


@pytest.fixture
def tmux_path() -> str:
    return require_tmux()


@pytest.fixture
def term(tmux_path: str, tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmux_path, isolated_env(tmp_path))
    yield session
    session.kill()


def type_note(term: Tmux, text: str) -> None:
    term.wait_screen("enter saves", what="the note prompt")
    term.keys(text, literal=True)
    term.keys("Enter")


def test_demo_ticks_notes_quit_and_resume(term: Tmux, tmp_path: Path) -> None:
    record = tmp_path / "demo-record.md"
    argv = [qatui_binary(), "demo", "--tester", "Tess", "--record", str(record)]
    term.start(argv, cwd=tmp_path)
    term.wait_screen("Tess", timeout=30, what="the main screen with the tester")
    term.wait_screen(lambda s: "health" in s.lower(), what="the first item")

    term.keys("p")                                  # health → passed
    wait_record(record, {"health": "passed"})
    term.keys("j", "f")                             # token-login → failed, with a note
    type_note(term, "token endpoint said 400")
    wait_record(record, {"token-login": ("failed", "token endpoint said 400")})
    term.keys("j", "b")                             # products-list → blocked, with a note
    type_note(term, "needs the token")
    term.keys("j", "s")                             # labels-print → skipped
    term.keys("j", "p", "u")                        # ws-echo → passed, then back to untested
    term.keys("j", "n")                             # ws-wrong-port → a note, status unchanged
    type_note(term, "port 8001 is plain HTTP")
    wait_record(record, {
        "products-list": ("blocked", "needs the token"),
        "labels-print": "skipped",
        "ws-echo": "untested",
        "ws-wrong-port": ("untested", "port 8001 is plain HTTP"),
    })

    term.keys("q")
    term.wait_exit()
    assert "your record is" in term.screen()

    expected = {
        "health": ("passed", ""),
        "token-login": ("failed", "token endpoint said 400"),
        "products-list": ("blocked", "needs the token"),
        "labels-print": ("skipped", ""),
        "ws-echo": ("untested", ""),
        "ws-wrong-port": ("untested", "port 8001 is plain HTTP"),
    }
    first = report(record, term.env)
    assert {k: statuses(first)[k] for k in expected} == expected

    # Reopen the record itself: the session resumes where it stopped.
    term.respawn([qatui_binary(), str(record)], cwd=tmp_path)
    screen = term.wait_screen("Tess", timeout=30, what="the resumed session")
    assert "✗" in screen and "✓" in screen and "⊘" in screen  # failed, passed, blocked marks
    term.keys("q")
    term.wait_exit()
    again = report(record, term.env)
    assert statuses(again) == statuses(first)


def test_kill_9_loses_no_tick_that_was_shown(term: Tmux, tmp_path: Path) -> None:
    checklist = tmp_path / "plain.yaml"
    ids = plain_checklist(checklist, 12)
    record = tmp_path / "plain-record.md"
    argv = [qatui_binary(), str(checklist), "--env", "local", "--tester", "Kai", "--record", str(record)]
    term.start(argv, cwd=tmp_path)
    term.wait_screen("Check number 01", timeout=30)

    term.keys("p", "j", "s", "j", "p", "j")
    term.keys("b")
    type_note(term, "door locked")
    term.keys("j", "p")
    # The screen shows four passed/skipped/blocked marks… then the process dies at once.
    term.wait_screen(lambda s: s.count("✓") >= 3 and "↷" in s and "⊘" in s, what="the ticks on screen")
    os.kill(term.pane_pid(), signal.SIGKILL)
    term.wait_exit()

    expected = {ids[0]: ("passed", ""), ids[1]: ("skipped", ""), ids[2]: ("passed", ""),
                ids[3]: ("blocked", "door locked"), ids[4]: ("passed", "")}
    assert {k: statuses(report(record, term.env))[k] for k in expected} == expected

    # Reopened after the crash, the screen shows the same ticks and ticking goes on.
    term.respawn([qatui_binary(), str(record)], cwd=tmp_path)
    term.wait_screen(lambda s: s.count("✓") >= 3 and "⊘" in s, timeout=30, what="the resumed ticks")
    term.keys("g", "j", "j", "j", "j", "j", "f")  # from the first item, five down
    type_note(term, "after the crash")
    wait_record(record, {ids[5]: ("failed", "after the crash")})
    term.keys("q")
    term.wait_exit()
    final = statuses(report(record, term.env))
    assert {k: final[k] for k in expected} == expected
    assert final[ids[5]] == ("failed", "after the crash")


def test_a_burst_of_fifty_keys_is_applied_in_full(term: Tmux, tmp_path: Path) -> None:
    checklist = tmp_path / "burst.yaml"
    ids = plain_checklist(checklist, 30)
    record = tmp_path / "burst-record.md"
    argv = [qatui_binary(), str(checklist), "--env", "local", "--tester", "Bo", "--record", str(record)]
    term.start(argv, cwd=tmp_path)
    term.wait_screen("Check number 01", timeout=30)

    # 25 ticks and 25 moves, typed in one go: p j s j p j … (a tester who knows the keys).
    burst = "".join(("p" if n % 2 == 0 else "s") + "j" for n in range(25))
    assert len(burst) == 50
    term.keys(burst, literal=True)
    expected = {ids[n]: ("passed" if n % 2 == 0 else "skipped", "") for n in range(25)}
    wait_record(record, expected)
    term.keys("q")
    term.wait_exit()
    final = statuses(report(record, term.env))
    assert {k: final[k] for k in expected} == expected
    assert all(final[item_id][0] == "untested" for item_id in ids[25:])  # nothing went further
