"""A tester's hour, shortened: the real `qatui` in tmux at 80×24 on the shipped Django checklist.

Twenty items are given a verdict with `p`, `f` and `b` only — no `j`: tick and advance moves the
cursor, failed and blocked items get notes of two lines (enter is a new line, ctrl+s saves).
qatui is quit half way and resumed with the same command (it opens on the next open item, so the
keys go on where they stopped), quit again, resumed, and signed at 80×24. The Markdown record must hold all twenty
verdicts, every note whole, and the signature.

Waiting is polling the screen or the record with deadlines, never a fixed sleep.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qatui.core.checklist import Checklist
from qatui.core.loader import load_checklist
from qatui.core.record import read
from tests.e2e.helpers import Tmux, isolated_env, qatui_binary, require_tmux, wait_for

pytestmark = [pytest.mark.tmux, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
DJANGO = ROOT / "checklists" / "django-upgrade.yaml"
ITEMS = 20
HALF = 12


def screen_order(checklist: Checklist) -> list[str]:
    """Item ids as the list shows them: sections by priority (critical first), then file order."""
    sections = sorted(checklist.sections, key=lambda section: section.priority.rank)
    return [item.id for section in sections for item in section.items]


def verdict(n: int) -> tuple[str, str]:
    """The key for the n-th item and its note (two lines for a finding, none for a pass)."""
    if n % 5 == 2:
        return "f", f"finding {n}: the page answered 500|seen twice, traceback in the web log"
    if n % 7 == 4:
        return "b", f"blocked {n}: no VPN to the staging DB|ops ticket OPS-{n}"
    return "p", ""


def expected_statuses() -> dict[int, tuple[str, str]]:
    words = {"p": "passed", "f": "failed", "b": "blocked"}
    return {n: (words[key], note.replace("|", "\n")) for n in range(ITEMS) for key, note in [verdict(n)]}


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(require_tmux(), isolated_env(tmp_path), width=80, height=24)
    yield session
    session.kill()


def record_items(record: Path) -> dict[str, tuple[str, str]]:
    if not record.exists():
        return {}
    try:
        session = read(record.read_text(encoding="utf-8"), str(record))
    except Exception:  # a read racing the writer: try again at the next poll
        return {}
    return {item.id: (item.status.value, item.note) for item in session.items()}


def give_verdicts(term: Tmux, ids: list[str], numbers: range, record: Path) -> None:
    """p, f or b on each item in turn, notes typed into the prompt; the cursor moves by itself."""
    for n in numbers:
        key, note = verdict(n)
        term.keys(key)
        if note:
            term.wait_screen("ctrl+s saves", what=f"the note prompt of item {n}")
            first, second = note.split("|")
            term.keys(first, literal=True)
            term.keys("Enter")  # a new line, not a save
            term.keys(second, literal=True)
            term.keys("C-s")
            term.wait_screen(lambda s: "ctrl+s saves" not in s, what=f"the note prompt of item {n} to close")
        want = expected_statuses()[n]
        wait_for(lambda i=ids[n], w=want: record_items(record).get(i) == w, timeout=15,  # type: ignore[misc]
                 what=f"item {n} ({ids[n]}) saved as {want}")


def test_twenty_django_items_with_p_f_b_only_then_resume_and_sign_at_80x24(term: Tmux, tmp_path: Path) -> None:
    checklist = load_checklist(DJANGO)
    ids = screen_order(checklist)[:ITEMS]
    titles = {item.id: item.title for item in checklist.items()}
    record = tmp_path / "django-record.md"
    argv = [qatui_binary(), str(DJANGO), "--env", "local", "--tester", "Tess", "--record", str(record)]
    term.start(argv, cwd=tmp_path)
    term.wait_screen(lambda s: "Tess" in s and "CRITICAL" in s, timeout=30, what="the main screen at 80×24")
    wait_for(record.exists, timeout=20, what="the record to be written")

    give_verdicts(term, ids, range(HALF), record)
    term.keys("q")
    term.wait_exit()
    # The quit line counts the statuses apart (joined: at 80 columns it wraps).
    said = term._run("capture-pane", "-p", "-J", "-S", "-40", "-t", term.session, check=False).stdout
    assert "qatui: 8 passed · 2 failed · 2 blocked · " in said and " open (of " in said, said

    # Resumed: the cursor is on the next open item, so p/f/b go on without a j.
    term.respawn(argv, cwd=tmp_path)  # the same command: it resumes the record
    term.wait_screen(lambda s: "Tess" in s and "CRITICAL" in s, timeout=30, what="the resumed session")
    give_verdicts(term, ids, range(HALF, ITEMS), record)
    term.keys("q")
    term.wait_exit()

    # Resumed again and signed, at 80×24.
    term.respawn(argv, cwd=tmp_path)  # the same command: it resumes the record
    term.wait_screen(lambda s: "Tess" in s and "CRITICAL" in s, timeout=30, what="the session to sign")
    term.keys("S")
    term.wait_screen("Sign-off ·", timeout=15, what="the sign-off screen")
    term.keys("C-s")
    term.wait_screen("Sign with open critical items?", timeout=15, what="the question about open critical items")
    term.keys("y")
    term.wait_screen("SIGNED", timeout=15, what="the signed header")
    term.keys("q")
    term.wait_exit()

    text = record.read_text(encoding="utf-8")
    session = read(text, str(record))
    got = {item.id: (item.status.value, item.note) for item in session.items()}
    for n, want in expected_statuses().items():
        assert got[ids[n]] == want, (n, ids[n], got[ids[n]], want)
    assert sum(status != "untested" for status, _ in got.values()) == ITEMS  # nothing more ticked
    assert session.signoff is not None and session.signoff.name == "Tess"
    # The Markdown itself says every verdict and every note line.
    for n, (status, note) in expected_statuses().items():
        row = next((line for line in text.splitlines() if f"`{ids[n]}`" in line and titles[ids[n]] in line), "")
        assert status.upper() in row.upper(), (n, ids[n], row)
        for line in note.splitlines():
            assert line in text, (n, line)
