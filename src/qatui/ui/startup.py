"""Start-up: the first screens, and what is read from disk before a session shows (never on
the screen's thread).

The screen's thread reads no file: a record is told apart from a checklist (64 KiB read), the
checklist a record was made from is found (the whole record read), the record of the session
is opened and the baseline record is globbed for and read, either before the app starts
(`create_app`, for `qatui CHECKLIST` with nothing to ask) or in a thread worker whose answer is
posted back. The functions here are those reads; they return values, never touch a widget.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qatui.core import runtime
from qatui.core.datatypes import datatype
from qatui.core.errors import QatuiError
from qatui.core.files import is_markdown

if TYPE_CHECKING:
    from textual.screen import Screen

    from qatui.core.checklist import Checklist
    from qatui.core.record.store import RecordFile
    from qatui.core.session import Session
    from qatui.ui.app import QatuiApp
    from qatui.ui.session_view import LiveSession


def system_clock() -> datetime:
    return datetime.now(UTC).astimezone()


@datatype
class AppOptions:
    """What the command line (or a test) asks for; everything size-independent."""

    checklist_path: str | None = None
    env_key: str | None = None
    tester: str | None = None
    record_path: str | None = None
    baseline: str | None = None
    auto_run: bool | None = None
    #: Snapshot mode: no clock ticking, no blinking cursors, no animations.
    deterministic: bool = False
    log_max_lines: int = 5000
    config_dir: Path | None = None
    env_vars: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    #: When the path given was a record: the record to resume.
    resume: str | None = None
    #: The tester's part (`--only`, `--section`, `--tag`, `--all`), chosen in `core/run/part.py`.
    part_only: str = ""
    part_sections: str = ""
    part_tags: str = ""
    part_all: bool = False


def load_checklist(path: str, env_vars: Mapping[str, str]) -> Checklist:
    """The loader's result; a YAML checklist already in the cache is taken from it directly.

    On a cache hit the loader module (PyYAML, the position-keeping parser, the validator's
    regexes) is never imported: about a tenth of the start-up of a bare Textual app. The
    cache checks the file's bytes itself, so this is the same checklist the loader would give.
    """
    from qatui.core import checklist_cache

    if checklist_cache.prefetching(path):
        # The main screen's modules are imported while the child still parses, not after.
        import qatui.ui.screens.main  # noqa: F401
    return checklist_cache.load_checklist(path, env=env_vars, defer=True)  # written after the first paint


@dataclass(slots=True)
class Chosen:
    """A path the tester gave (command line or chooser), read: the checklist, and the record
    to resume when the path was a record."""

    checklist_path: str
    checklist: Checklist
    resume: str | None = None


def read_choice(path: str, env_vars: Mapping[str, str]) -> Chosen:
    """Tell a record from a checklist, find a record's checklist, load the checklist.
    Raises `QatuiError` (a `ChecklistError` for a bad checklist)."""
    resume = None
    if is_markdown(path):  # (the record modules are imported only for a Markdown file)
        from qatui.core.record.paths import is_record_file, resolve_record_checklist

        if is_record_file(path):
            resume, path = path, resolve_record_checklist(path)
    return Chosen(path, load_checklist(path, env_vars), resume)


@dataclass(slots=True)
class OpenedRecord:
    """The record a session is written to, as read before the session starts: `session` is
    what the file holds (`record_file` remembers it, for the conflict check), or None when
    there is no file there yet."""

    path: str
    record_file: RecordFile | None = None
    session: Session | None = None


def read_session_record(
    checklist: Checklist, env_key: str, *, resume: str | None, record_path: str | None, today: datetime,
    tester: str = "",
) -> OpenedRecord:
    """Open the record of a session: the one to resume, the one `--record` names, or the
    default path under the checklist's repository (named after `tester` for a part record).
    Raises `QatuiError` for a record that cannot be read."""
    path = resume or record_path
    if not path:
        from qatui.core.record.paths import record_path_for

        path = str(record_path_for(checklist, env_key, today, tester))
    if not resume and not Path(path).exists():
        return OpenedRecord(path)
    from qatui.core.record.store import RecordFile

    record_file = RecordFile(path)
    return OpenedRecord(path, record_file, record_file.load())


def read_record(path: str | Path) -> tuple[RecordFile, Session] | QatuiError:
    """A record read again (the conflict dialog's "Reload"): the file object that remembers
    what it read, and the session."""
    from qatui.core.record.store import RecordFile

    record_file = RecordFile(path)
    try:
        return record_file, record_file.load()
    except QatuiError as error:
        return error


@dataclass(slots=True)
class Baseline:
    """The earlier record whose timings are the sign-off's "before", or why it was not read."""

    session: Session | None = None
    warning: str = ""


def read_baseline(given: str | None, current: Path, checklist_path: str | None) -> Baseline:
    """`--baseline OLD.md`, else the newest other record of the same checklist beside the
    current one; none is no error, one that cannot be read is a warning."""
    from qatui.core.record.paths import find_previous_record

    path = given if given is not None else find_previous_record(current, checklist_path)
    if path is None:
        return Baseline()
    try:
        from qatui.core.record.read import read

        return Baseline(read(Path(path).read_text(encoding="utf-8"), str(path)))
    except (OSError, QatuiError) as error:
        message = error.message if isinstance(error, QatuiError) else str(error)
        return Baseline(warning=f"baseline {path} not read: {message}")



class Startup:
    """The start-up flow: the chooser, the start screen, the session's record, the main screen.

    With the checklist, the tester and the environment known (or a record to resume), the
    record is read before the app starts and the main screen is the app's default screen: one
    screen built, not two (see `QatuiApp.get_default_screen`). Otherwise the chooser and the
    start screen ask, and the record is read in a thread worker once they have answered. A new
    session is shown first and its record written right after the first paint: the record
    modules are the heaviest imports of start-up, and nothing is lost by writing an untouched
    session a frame later (the first tick writes it anyway).
    """

    def __init__(self, app: QatuiApp, state: LiveSession) -> None:
        self.app = app
        self.state = state
        self.options = app.options
        #: What `read_before_start` read for a start with nothing to ask (or why it failed).
        self._opened: OpenedRecord | QatuiError | None = None
        #: The chooser's list (checklists and recent records), read before the app starts.
        self._choices: list[tuple[str, str]] = []
        #: Said once the session is on the screen (a record another tester started, a part).
        self._start_notice: str | None = None
        self.main_is_default = False
        #: How the part was chosen (`core/run/part.Choice`), once a session opens.
        self.part_choice: Any = None

    # ------------------------------------------------------------------ before the app starts

    def read_before_start(self) -> None:
        """The files the first screen needs, read before the app starts (`create_app`): the
        chooser's list, or the record of a session that starts without asking anything."""
        if self.state.checklist is None:
            from qatui.ui.config import discover

            self._choices = discover(self.app.config)
            return
        start = self.direct_start()
        if start is not None:
            self._opened = self._read_record(start[1], start[0])

    def _read_record(self, env_key: str, tester: str = "") -> OpenedRecord | QatuiError:
        """The session's record, read (in a thread worker, or before the app starts); a new
        part record is named after its tester."""
        assert self.state.checklist is not None
        try:
            named = tester if self._choose_part(tester).specs else ""
            return read_session_record(self.state.checklist, env_key, resume=self.options.resume,
                                       record_path=self.options.record_path, today=self.state.clock(), tester=named)
        except QatuiError as error:
            return error

    def direct_start(self) -> tuple[str, str] | None:
        """(tester, environment) when the session can start without asking anything."""
        checklist = self.state.checklist
        if checklist is None:
            return None
        if self.options.resume:
            return self.options.tester or "", self.options.env_key or ""
        env_key = self.options.env_key
        if env_key and checklist.environments and env_key not in checklist.environments:
            return None  # the start screen says so and asks
        if not checklist.environments and not env_key:
            env_key = "default"
        tester = self.options.tester
        return (tester, env_key) if tester and env_key else None

    def default_screen(self) -> Screen[Any] | None:
        """The main screen, when the session could start before the app's first compose."""
        start = self.direct_start()
        opened = self._opened
        if start is None or not isinstance(opened, OpenedRecord):
            return None
        if not self.prepare_session(*start, opened, report=False):
            return None
        from qatui.ui.screens.main import MainScreen

        self._opened = None
        self.main_is_default = True
        return MainScreen(self.state)

    # ------------------------------------------------------------------ the first screens

    def first_screen(self) -> None:
        if self.state.checklist is None:
            from qatui.ui.screens.start import ChooserScreen

            self.app.push_screen(ChooserScreen(self._choices), self._chosen)
        else:
            self._ask_or_start()

    def _chosen(self, path: str | None) -> None:
        if not path:
            self.app.exit(return_code=0)
            return
        env_vars = self.options.env_vars

        def read() -> Chosen | QatuiError:
            try:
                return read_choice(path, env_vars)
            except QatuiError as error:
                return error

        self.app.read_then(read, self._choice_read, f"reading {path}")

    def _choice_read(self, chosen: Chosen | QatuiError) -> None:
        if isinstance(chosen, QatuiError):
            self.app.show_error(chosen.title, chosen.message, then=lambda: self.app.call_later(self._rechoose))
            return
        if chosen.resume:
            self.options.resume = self.options.record_path = chosen.resume
            self.state.resuming = True
            self.state.planned_path = chosen.resume
        self.options.checklist_path, self.state.checklist = chosen.checklist_path, chosen.checklist
        self.state.full_checklist = chosen.checklist
        self._ask_or_start()

    def _rechoose(self) -> None:
        from qatui.ui.screens.start import ChooserScreen

        self.app.push_screen(ChooserScreen(self._choices), self._chosen)

    def _ask_or_start(self) -> None:
        checklist = self.state.checklist
        assert checklist is not None
        start = self.direct_start()
        if start is not None:
            self._start_session(*start)
            return
        env_key = self.options.env_key
        notice = ""
        if env_key and checklist.environments and env_key not in checklist.environments:
            # Only the chooser gets here (`qatui CHECKLIST --env NAME` checks before the screen
            # starts): the start screen says it where the tester chooses, not a dialog under it.
            known = ", ".join(checklist.environments)
            notice = f"Unknown environment {env_key!r}: this checklist has {known}. Choose one below."
            env_key = None
        if not checklist.environments and not env_key:
            env_key = "default"
        tester = self.options.tester
        from qatui.ui.screens.start import StartScreen

        default_env = env_key or (env.key if (env := checklist.default_environment()) else "")
        self.app.push_screen(
            StartScreen(checklist, tester or self.app.config.tester, default_env, environment_given=bool(env_key),
                        notice=notice),
            self._started,
        )

    def _started(self, answer: tuple[str, str] | None) -> None:
        if answer is None:
            self.app.exit(return_code=0)
            return
        tester, env_key = answer
        self._start_session(tester, env_key)

    def _start_session(self, tester: str, env_key: str) -> None:
        """Open the record (resume) or prepare a new session, then show the main screen (the
        record is read in a thread worker, unless `read_before_start` read it)."""
        opened, self._opened = self._opened, None
        if opened is not None:
            self._session_read(tester, env_key, opened)
        else:
            self.app.read_then(partial(self._read_record, env_key, tester),
                               partial(self._session_read, tester, env_key), "reading the record")

    def _session_read(self, tester: str, env_key: str, opened: OpenedRecord | QatuiError) -> None:
        if not self.prepare_session(tester, env_key, opened, report=True):
            return
        from qatui.ui.screens.main import MainScreen

        self.app.push_screen(MainScreen(self.state))
        self.app.call_after_refresh(self.after_session_shown)

    # ------------------------------------------------------------------ the session

    def prepare_session(self, tester: str, env_key: str, opened: OpenedRecord | QatuiError, *, report: bool) -> bool:
        """Resume the record read, or prepare a new session; False (said, if `report`) on error."""
        state, options = self.state, self.options
        assert state.checklist is not None
        asked_tester = tester
        try:
            if isinstance(opened, QatuiError):
                raise opened
            path = opened.path
            if options.resume:
                assert opened.session is not None
                tester, env_key = opened.session.tester, opened.session.environment
            self._make_run_model(env_key)
            opening = self._open_part(tester, opened.session)
            checklist = state.checklist
            assert checklist is not None
            if opened.session is not None and opened.record_file is not None:
                from qatui.core.recorder import Recorder

                state.recorder = Recorder.resume(checklist, opened.record_file, opened.session, environment=env_key,
                                                 clock=state.clock, masker=state.masker, tester=tester,
                                                 env=self.app.options.env_vars)
            else:
                from qatui import __version__
                from qatui.core.session import Session

                now = state.clock()
                state.new_session = Session.start(
                    checklist, tester=tester, environment=env_key,
                    started_at=now if now.tzinfo is not None else now.astimezone(),
                    qatui_version=__version__,
                    fingerprints=False,  # added by `ensure_recorder`, after the first paint
                )
            self._cover_part(opening)
        except QatuiError as error:
            if report:
                # The dialog goes with the screen: `run` says it again on stderr afterwards.
                self.app.start_error = error
                self.app.show_error(error.title, error.message, then=lambda: self.app.exit(return_code=1))
            return False
        options.record_path = state.planned_path = str(path)
        owner = state.session.tester
        if asked_tester and owner and state.masked(asked_tester) != owner:
            self._start_notice = (
                f"This record was started by {owner}; changes are saved under that name. "
                "Use --record PATH for a record of your own."
            )
        options.env_key = state.session.environment
        options.tester = state.session.tester
        config = self.app.config
        state.auto_run = next(choice for choice in (  # the command line, then `t`'s last state, then the checklist
            options.auto_run, config.auto_run, checklist.settings.auto_run_probes) if choice is not None)
        state.advance = config.advance
        state.reindex()
        return True

    def _choose_part(self, tester: str) -> Any:
        """The part the options (or `assign:` for `tester`) choose: `core/run/part.py`, the rule
        `qatui probe` asks too. Raises `PartError` (a `QatuiError`) for a name the checklist lacks."""
        from qatui.core.run import part

        full = self.state.full_checklist or self.state.checklist
        assert full is not None
        options = self.options
        return part.choose(full, only=options.part_only, sections=options.part_sections, tags=options.part_tags,
                           tester=tester, everything=options.part_all)

    def _open_part(self, tester: str, record: Session | None) -> Any:
        """The checklist the screen shows becomes the tester's part: its items and those the
        record already holds (`core/run/part.opening`)."""
        from qatui.core.run import part

        full = self.state.full_checklist or self.state.checklist
        assert full is not None
        self.part_choice = self._choose_part(tester)
        opening = part.opening(full, self.part_choice, record)
        self.state.checklist = opening.checklist
        if self.part_choice.by_assignment and record is None:
            self._start_notice = (f"Your part: the {len(opening.checklist.items())} item(s) assigned to "
                                  f"{self.part_choice.specs[0].assigned} in the checklist (assign:). "
                                  "--all opens the whole checklist; --only, --section, --tag another part.")
        return opening

    def _cover_part(self, opening: Any) -> None:
        """The record says which part it covers and holds every item the screen shows."""
        from qatui.core.run import part

        if part.cover(self.state.session, opening) and self.state.recorder is not None:
            self.state.recorder.save()

    def _make_run_model(self, env_key: str) -> None:
        """The session's run (`core/run/model.py`); its masker is the record's masker, so a
        secret is hidden in the record, the log pane and the probe results alike (its secrets
        are read once the checklist is trusted, and not before)."""
        state = self.state
        if state.run_model is not None and state.run_model.env_key == env_key:
            return
        from qatui.core.run.model import RunModel

        assert state.checklist is not None  # the whole checklist: a part's probes may need others' captures
        state.run_model = RunModel(state.full_checklist or state.checklist, env_key, self.options.env_vars,
                                   session_started=None, jobs=state.checklist.settings.jobs)
        state.masker = state.run_model.masker  # (reads the secrets now if already trusted)

    def after_session_shown(self) -> None:
        app, state = self.app, self.state
        if self._start_notice:  # one record, one tester: say so before the first tick
            app.notify(self._start_notice, title="Someone else's record", severity="warning", timeout=10)
            self._start_notice = None
        if not app.sessions.ensure_recorder():
            return
        app.config.remember(tester=state.session.tester, record=str(state.record_path))
        app.sessions.load_baseline()
        runtime.freeze_long_lived()  # the session and the baseline live as long as the app
        if state.recorder.changes:
            app.notify(
                "The checklist changed since this record: " + "; ".join(state.recorder.changes[:5]),
                title="Record brought in line",
                timeout=10,
            )
