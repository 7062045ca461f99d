"""Typed errors raised by the core.

Every error carries a short title and a message written for a tester, not a programmer. The
core raises them; the CLI and the UI decide how to show them. Nothing that reaches a user is
ever a traceback: the CLI catches `QatuiError` and prints `title: message`.
"""

from __future__ import annotations

from qatui.core.datatypes import datatype


@datatype(frozen=True)
class Position:
    """Where something is written: file, 1-based line and column."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}"
        return self.path

    @property
    def short(self) -> str:
        """`file.yaml:88` — the form shown beside a probe summary."""
        from pathlib import PurePath

        name = PurePath(self.path).name
        return f"{name}:{self.line}" if self.line else name


@datatype(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    position: Position
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.position}: {self.severity}: {self.message}"


class QatuiError(Exception):
    """Base of every error the core raises on purpose."""

    title: str = "qatui error"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ChecklistError(QatuiError):
    """A checklist file is broken; carries every problem found, not just the first."""

    title = "Checklist has problems"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RecordError(QatuiError):
    """A record file cannot be read or written."""

    title = "Record problem"


class RecordSigned(RecordError):
    """A change to a record that is signed: it must be reopened first."""

    title = "Record is signed"


@datatype
class RecordConflict(RecordError):
    """The record changed on disk since qatui read it (a `git pull`, another editor)."""

    path: str = ""
    #: Why the file counts as changed ("its content differs from what qatui last saw …").
    reason: str = ""
    #: What the tester can do about it ("Reload it, or save this session under another name.").
    advice: str = ""

    def __post_init__(self) -> None:
        RecordError.__init__(
            self,
            f"{self.path} changed on disk since it was read; not overwriting it. {self.detail}".strip(),
            title="Record changed on disk",
        )

    @property
    def detail(self) -> str:
        """The reason and the advice, as one sentence for a plain error message."""
        return f"({self.reason}). {self.advice}".strip() if self.reason else self.advice
