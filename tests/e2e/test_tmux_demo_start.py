"""`qatui demo` as a newcomer runs it, three times the same day, in tmux (issue 14).

1. The start screen says where the record goes before anything starts; the first session is
   signed. 2. A second `qatui demo` does not carry on with the signed record silently: it starts
   `…-2.md` and the screen says why. 3. Choosing the protected environment on the start screen
   starts a session of its own (before, it ended the program with "choose another record path").
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import Tmux, isolated_env, qatui_binary, require_tmux, wait_for

pytestmark = [pytest.mark.tmux, pytest.mark.timeout(180)]


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(require_tmux(), isolated_env(tmp_path), width=100, height=30)
    yield session
    session.kill()


def records(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.md")) if folder.is_dir() else []


def flat(screen: str) -> str:
    """The screen as one line of single spaces (a notification wraps its sentence)."""
    return " ".join(screen.split())


def toasts(screen: str) -> str:
    """The notifications' words: the text right of each row's `▌` edge, rows joined by spaces."""
    rows = [line.rsplit("▌", 1)[1].rstrip(" │─╯") for line in screen.splitlines() if "▌" in line]
    return " ".join(" ".join(rows).split())


def demo(*args: str) -> list[str]:
    """`qatui demo ARGS` on a cleared terminal, so its last words are the only text left."""
    return ["sh", "-c", f"clear; exec {shlex.join([qatui_binary(), 'demo', *args])}"]


def ended_naming(term: Tmux, record: Path) -> str:
    """Wait for qatui to end and print its last line (said only after a session that ran), `qatui report RECORD`
    (the line before it wraps at the terminal's edge and may scroll off); the screen."""
    term.wait_exit()
    return term.wait_screen(lambda s: f"qatuireport{record}" in "".join(s.split()),
                            what=f"'qatui report {record}' on the screen")


def test_the_demo_says_where_its_record_goes_and_never_resumes_a_signed_one(term: Tmux, tmp_path: Path) -> None:
    folder = tmp_path / "data" / "qatui" / "demo"
    term.start(demo(), cwd=tmp_path)
    screen = term.wait_screen("Record:", timeout=30, what="the start screen with the record line")
    assert "data/qatui/demo/demo-demo-" in flat(screen) and ".md (new)" in flat(screen)
    term.keys("Tess", literal=True)
    term.keys("Enter")
    term.wait_screen(lambda s: "Tess" in s and "Record:" not in s, timeout=30, what="the main screen")
    wait_for(lambda: records(folder), what="the record written")
    [first] = records(folder)
    assert first.startswith("demo-demo-")
    term.keys("S")
    term.wait_screen("Sign (ctrl+s)", what="the sign-off screen")
    term.keys("C-s")
    term.wait_screen("Sign anyway", what="the question about open critical items")
    term.keys("y")
    term.wait_screen(lambda s: "Sign (ctrl+s)" not in s and "Sign anyway" not in s, what="signed")
    term.keys("q")
    ended_naming(term, folder / first)

    # The same day again: the signed record is not carried on with; a new one starts, said so.
    term.respawn(demo("--tester", "Tess"), cwd=tmp_path)
    second = first.removesuffix(".md") + "-2.md"
    screen = term.wait_screen(lambda s: f"{second} (data/qatui/demo)." in toasts(s), timeout=30,
                              what="the notice")
    assert f"{first} is signed (by Tess, " in toasts(screen), screen
    assert f"this session starts {second} (data/qatui/demo)." in toasts(screen), screen
    term.keys("q")
    ended_naming(term, folder / second)
    assert records(folder) == sorted([first, second])
    from qatui.core.record import read

    assert read((folder / first).read_text(), first).signoff is not None  # untouched, still signed

    # The protected environment, chosen on the start screen: a record of its own, no exit.
    term.respawn(demo(), cwd=tmp_path)
    term.wait_screen("Record:", timeout=30, what="the start screen")
    term.keys("Tab")  # from the (remembered) name to the environments
    term.keys("Down")
    screen = term.wait_screen(lambda s: "demo-demo-protected-" in flat(s), what="the protected record line")
    assert ".md (new)" in flat(screen)
    term.keys("Enter")
    term.wait_screen("─ Checklist", timeout=30, what="the main screen")
    wait_for(lambda: [n for n in records(folder) if n.startswith("demo-demo-protected-")], what="its record")
    term.keys("q")
    [protected] = [name for name in records(folder) if name.startswith("demo-demo-protected-")]
    assert "choose another record path" not in ended_naming(term, folder / protected)
    assert read((folder / protected).read_text(), protected).protected
