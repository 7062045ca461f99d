"""Start-up: what the command line asks for (`AppOptions`), and the flow from there to the
main screen (`Startup`): the chooser, the start screen, the session's record, the run.

The screen's thread reads no file: what start-up needs from disk is read by `ui/reads.py`
before the app starts or in a thread worker, and the answer taken here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qatui.core import runtime
from qatui.core.datatypes import datatype
from qatui.core.errors import QatuiError
from qatui.ui.messages import RecordLinesRead
from qatui.ui.reads import Chosen, OpenedRecord, read_choice, read_session_record, record_lines

if TYPE_CHECKING:
    from textual.screen import Screen

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
    #: Where a record goes without `--record` (the demo: qatui's data folder); None: `records/`
    #: under the checklist's repository.
    record_folder: str | None = None


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
        #: Where the record goes (and why not the usual file), said once the session shows.
        self._record_notice: tuple[str, bool] | None = None
        #: The start screen's record line per environment, when read before the app started.
        self._record_lines: dict[str, str] | None = None
        self._start_title = "Someone else's record"
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
        else:  # the start screen's record line of each environment
            self._record_lines = self._read_record_lines()

    def _read_record_lines(self) -> dict[str, str]:
        assert self.state.checklist is not None
        return record_lines(self.state.checklist, record_path=self.options.record_path, today=self.state.clock(),
                            record_folder=self.options.record_folder, env=self.options.env_vars)

    def _read_record(self, env_key: str, tester: str = "") -> OpenedRecord | QatuiError:
        """The session's record, read (in a thread worker, or before the app starts); a new
        part record is named after its tester."""
        assert self.state.checklist is not None
        try:
            named = tester if self._choose_part(tester).specs else ""
            return read_session_record(self.state.checklist, env_key, resume=self.options.resume,
                                       record_path=self.options.record_path, today=self.state.clock(), tester=named,
                                       record_folder=self.options.record_folder)
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
        start_screen = StartScreen(checklist, tester or self.app.config.tester, default_env,
                                   environment_given=bool(env_key), notice=notice)
        self.app.push_screen(start_screen, self._started)
        lines, self._record_lines = self._record_lines, None  # read before the app started, or now
        if lines is not None:
            start_screen.post_message(RecordLinesRead(lines))
        else:
            self.app.read_then(self._read_record_lines, partial(self._record_lines_read, start_screen),
                               "reading today's records")

    def _record_lines_read(self, screen: Any, lines: Any) -> None:
        if isinstance(lines, dict):
            screen.post_message(RecordLinesRead(lines))

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
            else:  # where the record goes, said once the session shows (`ui/record_notice.py`)
                from qatui.ui.record_notice import start_notice

                self._record_notice = start_notice(Path(path), opened.reason, opened.session is not None,
                                                   given=bool(options.record_path), env=options.env_vars)
            self._make_run_model(env_key)
            opening = self._open_part(tester, opened.session)
            checklist = state.checklist
            assert checklist is not None
            if opened.session is not None and opened.record_file is not None:
                from qatui.core.recorder import Recorder

                state.recorder = Recorder.resume(checklist, opened.record_file, opened.session, environment=env_key,
                                                 clock=state.clock, masker=state.masker,
                                                 tester=asked_tester or tester,  # who works it now: the history says so
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
        from qatui.core.session import is_team_record

        if asked_tester and owner and state.masked(asked_tester) != owner and not is_team_record(state.session):
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
            self._start_title = "Your part"
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

    def _say_conflicts(self) -> None:
        """A team's record with items in conflict: which, and how they are decided."""
        conflicts = [item.id for item in self.state.session.items() if item.conflict]
        if conflicts:
            shown = ", ".join(conflicts[:5]) + (" …" if len(conflicts) > 5 else "")
            self.app.notify(f"{len(conflicts)} item(s) in conflict (≠): {shown}. Testers gave different verdicts; "
                            "a verdict (p f b s) decides each, and the history keeps every one.",
                            title="Team record: decide the conflicts", severity="warning", timeout=20)

    def after_session_shown(self) -> None:
        app, state = self.app, self.state
        if self._record_notice is not None:
            message, warning = self._record_notice
            app.notify(message, title="Record", severity="warning" if warning else "information",
                       timeout=12 if warning else 8)
            self._record_notice = None
        if self._start_notice:  # one record, one tester: say so before the first tick
            app.notify(self._start_notice, title=self._start_title, severity="warning", timeout=10)
            self._start_notice = None
        self._say_conflicts()
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
