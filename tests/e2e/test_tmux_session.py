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
from typing import Any

import pytest

from tests.e2e.helpers import Tmux, advance_off, isolated_env, qatui_binary, require_tmux, wait_for

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


def report(record: Path, env: dict[str, str]) -> dict[str, Any]:
    """`qatui report RECORD --format json`: totals, failed/blocked items with notes, times."""
    result = subprocess.run([qatui_binary(), "report", str(record), "--format", "json"], env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.stdout, f"qatui report printed nothing (exit {result.returncode}): {result.stderr}"
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def open_items(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """item id → (status, note) of the failed and blocked items in `qatui report --format json`."""
    return {item["id"]: (item["status"], item["note"]) for item in data["open_items"]
            if item["status"] in ("failed", "blocked")}  # open_items lists untested items too


def totals(**counts: int) -> dict[str, int]:
    base = {"passed": 0, "failed": 0, "blocked": 0, "skipped": 0, "untested": 0}
    base.update(counts)
    return base


def record_statuses(record: Path) -> dict[str, tuple[str, str]]:
    """item id → (status, note) of every item, read in-process with qatui's record reader (cheap
    enough to poll; `qatui report` gives totals and the open items, not every item)."""
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
    advance_off(tmp_path)
    session = Tmux(tmux_path, isolated_env(tmp_path))
    yield session
    session.kill()


def type_note(term: Tmux, text: str) -> None:
    """Answer the note prompt, then wait until it has closed (so the next prompt is a new one)."""
    term.wait_screen("ctrl+s saves", what="the note prompt")
    term.keys(text, literal=True)
    term.keys("C-s")
    term.wait_screen(lambda s: "ctrl+s saves" not in s, what="the note prompt to close")


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
    assert "Markdown viewer" in term.screen()  # the demo says where the record is

    expected = {
        "health": ("passed", ""),
        "token-login": ("failed", "token endpoint said 400"),
        "products-list": ("blocked", "needs the token"),
        "labels-print": ("skipped", ""),
        "ws-echo": ("untested", ""),
        "ws-wrong-port": ("untested", "port 8001 is plain HTTP"),
    }
    first = report(record, term.env)
    assert first["tester"] == "Tess" and first["environment"] == "demo"
    assert first["totals"] == totals(passed=1, failed=1, blocked=1, skipped=1, untested=10)
    assert open_items(first) == {k: v for k, v in expected.items() if v[0] in ("failed", "blocked")}
    assert {k: record_statuses(record)[k] for k in expected} == expected

    # Reopen the record itself: the session resumes where it stopped.
    term.respawn([qatui_binary(), str(record)], cwd=tmp_path)
    # A frame can be caught half-written: wait for the whole of it, then check every row.
    rows = ("✓ The application answers", "✗ Token login works", "⊘ The products API",
            "↷ Printing a shipping label")
    screen = term.wait_screen(lambda s: "Tess" in s and rows[-1] in s, timeout=30, what="the resumed session")
    for row in rows:
        assert row in screen, f"{row!r} is not on the resumed screen:\n{screen}"
    term.keys("q")
    term.wait_exit()
    assert "read it in any Markdown viewer" in term.screen()  # it says where the work went
    again = report(record, term.env)
    assert again["started_at"] == first["started_at"]  # the same session, not a new one
    assert (again["totals"], again["open_items"]) == (first["totals"], first["open_items"])
    assert {k: record_statuses(record)[k] for k in expected} == expected


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
    # As soon as the screen shows the last tick, the process dies: no chance to save later.
    shown = ["✓ Check number 01", "↷ Check number 02", "✓ Check number 03", "⊘ Check number 04",
             "✓ Check number 05"]
    term.wait_screen(lambda s: all(row in s for row in shown), what="the ticks on screen")
    os.kill(term.pane_pid(), signal.SIGKILL)
    term.wait_exit()

    expected = {ids[0]: ("passed", ""), ids[1]: ("skipped", ""), ids[2]: ("passed", ""),
                ids[3]: ("blocked", "door locked"), ids[4]: ("passed", "")}
    data = report(record, term.env)
    assert data["totals"] == totals(passed=3, skipped=1, blocked=1, untested=7)
    assert open_items(data) == {ids[3]: ("blocked", "door locked")}
    assert {k: record_statuses(record)[k] for k in expected} == expected

    # Reopened after the crash, the screen shows the same ticks and ticking goes on.
    term.respawn([qatui_binary(), str(record)], cwd=tmp_path)
    term.wait_screen(lambda s: all(row in s for row in shown), timeout=30, what="the resumed ticks")
    term.keys("g", "j", "j", "j", "j", "j", "f")  # from the first item, five down
    type_note(term, "after the crash")
    wait_record(record, {ids[5]: ("failed", "after the crash")})
    term.keys("q")
    term.wait_exit()
    data = report(record, term.env)
    assert data["totals"] == totals(passed=3, skipped=1, blocked=1, failed=1, untested=6)
    assert open_items(data) == {ids[3]: ("blocked", "door locked"), ids[5]: ("failed", "after the crash")}


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
    data = report(record, term.env)
    assert data["totals"] == totals(passed=13, skipped=12, untested=5)  # nothing went further
    assert open_items(data) == {}
    final = record_statuses(record)
    assert {k: final[k] for k in expected} == expected


def test_a_note_typed_before_the_prompt_shows_is_kept(term: Tmux, tmp_path: Path) -> None:
    checklist = tmp_path / "fast.yaml"
    ids = plain_checklist(checklist, 5)
    record = tmp_path / "fast-record.md"
    argv = [qatui_binary(), str(checklist), "--env", "local", "--tester", "Fay", "--record", str(record)]
    term.start(argv, cwd=tmp_path)
    term.wait_screen("Check number 01", timeout=30)

    # A tester who knows the keys does not wait for the prompt: f, the note, ctrl+s, next, pass.
    term.keys("fdoor was locked", literal=True)
    term.keys("C-s")
    term.keys("jp", literal=True)
    wait_record(record, {ids[0]: ("failed", "door was locked"), ids[1]: "passed"}, timeout=10)


def test_kill_or_hangup_ends_qatui_like_q(term: Tmux, tmp_path: Path) -> None:
    """SIGTERM (kill, a closing terminal, a dropped SSH link sends SIGHUP) gives the terminal
    back in its normal mode and says where the record is, as `q` does."""
    checklist = tmp_path / "plain.yaml"
    ids = plain_checklist(checklist, 3)
    record = tmp_path / "term-record.md"
    term.start([qatui_binary(), str(checklist), "--env", "local", "--tester", "Kai", "--record", str(record)],
               cwd=tmp_path)
    term.wait_screen("Check number 01", timeout=30)
    term.keys("p")
    wait_record(record, {ids[0]: ("passed", "")})
    os.kill(term.pane_pid(), signal.SIGTERM)
    term.wait_exit()
    # Killed by the signal's default action, it would print nothing: these words come from
    # the way out that `q` takes.
    assert "read it in any Markdown viewer" in term.wait_screen("Markdown viewer", what="the closing words")


def test_qatui_does_not_outlive_its_terminal(term: Tmux, tmp_path: Path) -> None:
    """The tmux session (a terminal window, an SSH link) goes away while keys were just typed:
    qatui must end, not linger as an orphan blocked on writing to a terminal that is gone."""
    checklist = tmp_path / "gone.yaml"
    ids = plain_checklist(checklist, 5)
    record = tmp_path / "gone-record.md"
    term.start([qatui_binary(), str(checklist), "--env", "local", "--tester", "Lou", "--record", str(record)],
               cwd=tmp_path)
    term.wait_screen("Check number 01", timeout=30)
    pid = term.pane_pid()
    term.keys("fno power", literal=True)
    term.keys("C-s")
    term.keys("jp", literal=True)
    wait_record(record, {ids[0]: ("failed", "no power"), ids[1]: "passed"}, timeout=10)
    term.kill()

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:  # a zombie has ended too
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"

    wait_for(gone, timeout=15, what="qatui to end with its terminal")
    assert record_statuses(record)[ids[1]][0] == "passed"
    # Its last words met a terminal that is gone (EIO): that ends quietly, it is no crash.
    assert not list((tmp_path / "state").glob("qatui/crash-*.log"))
