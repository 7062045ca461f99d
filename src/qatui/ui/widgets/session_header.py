"""The header line: checklist title, environment, tester, elapsed time and progress.

A protected environment (production) is shown in words, with a warning mark and inverted
red, so nobody mistakes it for staging even with NO_COLOR. Elapsed time comes from the app's
injectable clock, so snapshots can freeze it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from qatui.core.session import Session, Status


def format_elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def progress_text(session: Session) -> Text:
    counts = session.counts()
    total = sum(counts.values())
    done = total - counts[Status.UNTESTED]
    text = Text()
    text.append(f"{done}/{total}", style="bold")
    for status in (Status.PASSED, Status.FAILED, Status.BLOCKED, Status.SKIPPED):
        if counts[status]:
            style = {"passed": "green", "failed": "bold red", "blocked": "yellow", "skipped": "dim"}[status.value]
            text.append(f" {status.mark}{counts[status]}", style=style)
    return text


class SessionHeader(Static):
    DEFAULT_CSS = """
    SessionHeader { height: 1; background: $panel; color: $foreground; }
    """

    def __init__(self, session: Session, clock: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.session = session
        self.clock = clock

    def on_mount(self) -> None:
        self.update_header()

    def update_header(self) -> None:
        self.update(self.header_text())

    def header_text(self) -> Text:
        session = self.session
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" qatui ", style="bold reverse")
        text.append(f" {session.title} ", style="bold")
        env = session.environment_label or session.environment
        if session.protected:
            text.append(f" ⚠ {env.upper()} · PROTECTED ", style="bold white on red")
        else:
            text.append(f" env: {env} ", style="bold cyan")
        text.append(f" tester: {session.tester or '?'} ")
        if session.started_at is not None:
            elapsed = (self.clock() - session.started_at).total_seconds()
            text.append(f" ⏱ {format_elapsed(elapsed)} ", style="dim")
        text.append(" ")
        text.append_text(progress_text(session))
        if session.signed:
            text.append("  SIGNED", style="bold green")
        return text
