"""The qatui application: owns the session, every worker, and routes messages.

`create_app()` is the one factory used by the CLI (`qatui CHECKLIST`) and by the tests, so what
is tested is what runs. The app

- opens or resumes the session through `Recorder` (every tick saves at once; a record changed
  on disk by someone else opens the conflict modal instead of being overwritten, and the
  change that met it is undone, so the screen only ever shows what the file holds, until
  "Save as" saves it elsewhere); an existing record opens on the item changed last, and a
  tester other than the one who started it is told the record keeps its first tester's name,
- runs probes on ONE `ProbeRunner` that has its own asyncio loop in its own thread (httpx
  costs CPU per request; on the UI loop a hundred probes would stall the keys), and gets
  results back as messages (`post_message` is thread-safe),
- tails logs in thread workers that fill a bounded buffer drained by a 100 ms timer,
- turns every worker failure and core error into the error modal (`on_worker_state_changed`
  and `show_error` are the only two doors, and the first calls the second).

Start-up matters (the first paint must be within 1.3× of a bare Textual app), so httpx,
websockets and the docker SDK are imported only by the thread worker that first needs them
(the probe engine, a log tail), and a new record is written right after the first paint.
Keys are taken in the order typed, across screen changes (see `on_event`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from qatui.core import runtime
from qatui.core.checklist import Checklist, Item, ProbeSpec
from qatui.core.datatypes import datatype
from qatui.core.errors import QatuiError, RecordConflict, RecordSigned
from qatui.core.record.paths import free_name
from qatui.core.runtime import KEYS_SWITCH_INTERVAL
from qatui.core.session import Evidence, ItemResult, ProbeResult, Session, SignOff, Status
from qatui.ui.config import UiConfig, discover
from qatui.ui.config import config_dir as default_config_dir
from qatui.ui.gc_pacing import IdleCollector
from qatui.ui.keys import KEYS, bindings
from qatui.ui.logfeed import LogFeed, follow_source
from qatui.ui.startup import (
    Baseline,
    Chosen,
    OpenedRecord,
    read_baseline,
    read_choice,
    read_record,
    read_session_record,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from qatui.ui.screens.main import MainScreen

Clock = Callable[[], datetime]
#: Lines the log pane takes per 100 ms drain before a flooding source is made to wait.
FLOOD_LINES_PER_DRAIN = 1000
#: Seconds qatui waits for Textual's way out after a hangup or SIGTERM (see `_hung_up`).
HANGUP_GRACE = 3.0


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


class ProbeResultArrived(Message):
    """One probe finished (posted from the runner's thread)."""

    def __init__(self, item_id: str, result: ProbeResult) -> None:
        super().__init__()
        self.item_id = item_id
        self.result = result


class ProbesFinished(Message):
    """A submitted batch of probes is done, or failed as a whole (posted from the runner's thread)."""

    def __init__(self, owners: dict[str, str], results: list[ProbeResult], error: BaseException | None) -> None:
        super().__init__()
        self.owners = owners  # probe id -> item id, every probe of the batch
        self.results = results
        self.error = error


def create_app(
    checklist_path: str | Path | None,
    *,
    env_key: str | None = None,
    tester: str | None = None,
    record_path: str | Path | None = None,
    baseline: str | Path | None = None,
    auto_run: bool | None = None,
    clock: Clock | None = None,
    config_dir: str | Path | None = None,
    env_vars: Mapping[str, str] | None = None,
    deterministic: bool = False,
    log_max_lines: int = 5000,
    only: str = "",
    sections: str = "",
    tags: str = "",
    everything: bool = False,
) -> QatuiApp:
    """The app as the CLI and the tests build it. Raises `ChecklistError` for a bad checklist.

    `checklist_path` may be a checklist (YAML or plain Markdown) or a qatui record to resume;
    None opens the chooser.
    """
    env = dict(os.environ) if env_vars is None else dict(env_vars)
    options = AppOptions(
        env_key=env_key,
        tester=tester,
        record_path=str(record_path) if record_path else None,
        baseline=str(baseline) if baseline else None,
        auto_run=auto_run,
        deterministic=deterministic,
        log_max_lines=log_max_lines,
        config_dir=Path(config_dir) if config_dir else default_config_dir(env),
        env_vars=env,
        part_only=only,
        part_sections=sections,
        part_tags=tags,
        part_all=everything,
    )
    checklist: Checklist | None = None
    if checklist_path is not None:
        chosen = read_choice(str(checklist_path), env)
        if chosen.resume:
            options.resume = chosen.resume
            options.record_path = options.record_path or chosen.resume
        options.checklist_path, checklist = chosen.checklist_path, chosen.checklist
    app = QatuiApp(options, checklist, clock=clock or system_clock)
    app.read_before_start()
    return app


class QatuiApp(App[None]):
    """The screen of a test session."""

    TITLE = "qatui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings("app"))
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]

    def __init__(self, options: AppOptions, checklist: Checklist | None, *, clock: Clock = system_clock) -> None:
        super().__init__()
        self.options = options
        self.checklist = checklist
        #: The whole checklist; `checklist` is the tester's part of it once a session opens.
        self.full_checklist = checklist
        #: How the part was chosen (`core/run/part.Choice`), once a session opens.
        self.part_choice: Any = None
        self.clock = clock
        self.deterministic = options.deterministic
        if options.deterministic:
            self.animation_level = "none"
        self.config = UiConfig.load(options.config_dir or default_config_dir(options.env_vars))
        self.recorder: Any = None
        self._new_session: Session | None = None
        #: None: not read yet; False: being read (a thread worker); else the answer.
        self._baseline: Any = None
        self._signoff_waits = False
        #: What `read_before_start` read for a start with nothing to ask (or why it failed).
        self._opened: OpenedRecord | QatuiError | None = None
        #: The chooser's list (checklists and recent records), read before the app starts.
        self._choices: list[tuple[str, str]] = []
        #: Thread workers reading files → what to do with the answer on this thread.
        self._answers: dict[Worker[Any], Callable[[Any], None]] = {}
        self._masker: Any = None
        #: The run both faces share (`core/run`): trust, scope, masker, gates, probe runner, log
        #: sources. Made with the session (it needs the environment).
        self.run_model: Any = None
        self._said_untrusted = False
        self.baseline: Session | None = None
        self.running_probes: set[str] = set()
        self.auto_run = False
        self._live: dict[str, dict[str, ProbeResult]] = {}
        self._results_index: dict[str, ItemResult] = {}
        self._items: dict[str, Item] = {}
        self._log_feed = LogFeed(max_pending_lines=FLOOD_LINES_PER_DRAIN)
        self._log_feed.clean = self._clean_text  # log lines: secrets masked, escapes shown
        from qatui.ui.inert_filter import InertFilter

        self._filters.append(InertFilter())  # nothing raw from untrusted text reaches the terminal
        self._log_scope = "item"
        self._log_names: list[str] | None = None
        self._open_timer: Any = None
        self._pending_open: str | None = None
        self._main_is_default = False
        self._quit_unsaved = False
        #: Changes that met a changed record on disk: not saved and not shown (the recorder
        #: undid them); "Save as" in the conflict dialog makes them again in the new file.
        self._unsaved: list[Callable[[Any], object]] = []
        #: Said once the session is on the screen (a record another tester started).
        self._start_notice: str | None = None
        #: Why the record counts as changed on disk (kept while the conflict dialog asks again).
        self._conflict_reason = ""
        self._collector = IdleCollector()
        #: What `on_mount` bent in the interpreter (the switch interval), undone by `on_unmount`.
        self._runtime = contextlib.ExitStack()
        #: The error that stopped the session from starting (shown in a dialog, then the exit).
        self.start_error: QatuiError | None = None

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Run the screen; a start error it showed is then said on stderr as well.

        The dialog goes with the screen, so the terminal would keep no trace of why qatui
        stopped: the same line as any other start error (`qatui: title: message`, no
        traceback) follows, printed as a plain line rather than by Rich (which would cut it
        at the terminal's width). `qatui CHECKLIST` and `qatui demo` both come through here.
        """
        result = super().run(*args, **kwargs)
        if self.start_error is not None:
            print(f"qatui: {self.start_error.title}: {self.start_error.message}", file=sys.stderr)
        return result

    # ------------------------------------------------------------------ crashes

    def _fatal_error(self) -> None:
        """An exception no handler expected: keep the traceback out of the tester's terminal.

        Every tick was saved when it was made, so nothing is lost; the details go to a crash
        file for a bug report and the terminal gets two plain sentences instead of a traceback.
        """
        import traceback

        from qatui.crash import write_crash_report

        report = write_crash_report(traceback.format_exc(), self.options.env_vars)
        record_file = getattr(self.recorder, "file", None)
        record = getattr(record_file, "path", None) or self.options.record_path
        lines = ["qatui stopped because of an internal error; this is a bug in qatui."]
        if record:
            lines.append(f"Every change made before it is saved in {record}.")
        lines.append(f"Details for a bug report: {report}" if report else "")
        self._exit_renderables.append("\n".join(line for line in lines if line))
        self._close_messages_no_wait()

    # ------------------------------------------------------------------ start-up

    def read_before_start(self) -> None:
        """The files the first screen needs, read before the app starts (`create_app`): the
        chooser's list, or the record of a session that starts without asking anything."""
        if self.checklist is None:
            self._choices = discover(self.config)
            return
        start = self._direct_start()
        if start is not None:
            self._opened = self._read_record(start[1], start[0])

    def _read_record(self, env_key: str, tester: str = "") -> OpenedRecord | QatuiError:
        """The session's record, read (in a thread worker, or before the app starts); a new
        part record is named after its tester."""
        assert self.checklist is not None
        try:
            named = tester if self._choose_part(tester).specs else ""
            return read_session_record(self.checklist, env_key, resume=self.options.resume,
                                       record_path=self.options.record_path, today=self.clock(), tester=named)
        except QatuiError as error:
            return error

    def _read_then(self, work: Callable[[], Any], then: Callable[[Any], None], description: str) -> None:
        """Read files in a thread worker; `then` gets the answer on the screen's thread."""
        worker = self.run_worker(work, thread=True, group="reads", exit_on_error=False, description=description)
        self._answers[worker] = then

    def get_default_screen(self) -> Screen[Any]:
        """The main screen itself when nothing needs asking: one screen built, not two.

        With the checklist, the tester and the environment known (or a record to resume) the
        session starts before the app's first compose and the main screen is the bottom of
        the stack. Anything else (the chooser, the start screen, an error to show) goes the
        usual way from `on_mount`.
        """
        start = self._direct_start()
        opened = self._opened
        if start is not None and isinstance(opened, OpenedRecord) and self._prepare_session(
                *start, opened, report=False):
            from qatui.ui.screens.main import MainScreen

            self._main_is_default = True
            return MainScreen()
        return super().get_default_screen()

    def on_mount(self) -> None:
        if self.no_color:
            self.add_class("-no-color")  # app.tcss: the cursor row in reverse video, not a colour
        if not self.deterministic:
            self._exit_on_hangup()
            # Textual's writer thread, the log readers and the probe engine are threads of this
            # process. With the interpreter's default 5 ms switch interval a key waited that long
            # (or a whole time slice, if the OS preempted the thread holding the GIL, as a
            # container's log flood makes it do) and so did every frame, queued to the writer
            # while this thread went on with its work. 1 ms: key p99 during a flood went from
            # 61–128 (median 80) to 63–97 (median 71) ms over 7 runs, and the first frame
            # reached the terminal 7–10 ms sooner (the work after it no longer holds it back).
            self._runtime.enter_context(runtime.switch_interval(KEYS_SWITCH_INTERVAL))
        if self._main_is_default:
            self.call_after_refresh(self._after_first_paint)
            self.call_after_refresh(self._after_session_shown)
            return
        # The first screen is pushed once the app's own mount is over: Textual holds every
        # repaint until then, so a screen pushed from inside `on_mount` is laid out and
        # rendered once for nothing (the frame is dropped) and then again.
        self.call_later(self._first_screen)

    def _exit_on_hangup(self) -> None:
        """`kill`, a closed terminal or a dropped SSH link end qatui the way `q` does: the
        terminal is given back in its normal mode and pending writes (the checklist cache)
        are done. Every tick is saved when it is made either way."""
        import asyncio
        import signal

        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(number, self._hung_up)

    def _hung_up(self) -> None:
        self.shutdown_workers()
        # After a hangup the terminal may be gone, and Textual's way out writes to it first
        # (mouse and keyboard modes off): a dead terminal can block that write for ever, and
        # qatui then lingered as an orphan after its tmux session was killed. Every change is
        # already saved, so if the process is still here after HANGUP_GRACE seconds, it ends.
        from qatui.core import checklist_cache

        def leave() -> None:
            checklist_cache.flush()
            os._exit(0)

        timer = threading.Timer(HANGUP_GRACE, leave)
        timer.daemon = True
        timer.start()
        self.exit(return_code=0)

    def _direct_start(self) -> tuple[str, str] | None:
        """(tester, environment) when the session can start without asking anything."""
        checklist = self.checklist
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

    def _first_screen(self) -> None:
        if self.checklist is None:
            from qatui.ui.screens.start import ChooserScreen

            self.push_screen(ChooserScreen(self._choices), self._chosen)
        else:
            self._ask_or_start()
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        # Everything loaded so far (a checklist of thousands of items, its session) lives as
        # long as the app: take it out of the garbage collector's view, or every full
        # collection walks it again and shows up as a 100+ ms hitch on a key press.
        # `qatui CHECKLIST` pauses the collector for start-up; it runs again from here.
        runtime.freeze_long_lived()
        if not self.deterministic:
            self._collector.start()
            self.set_interval(0.5, self._collector.tick)
        self.set_interval(0.1, self._drain_logs)
        from qatui.core import checklist_cache  # a checklist loaded afresh is cached from here

        checklist_cache.flush()

    def _chosen(self, path: str | None) -> None:
        if not path:
            self.exit(return_code=0)
            return

        def read() -> Chosen | QatuiError:
            try:
                return read_choice(path, self.options.env_vars)
            except QatuiError as error:
                return error

        self._read_then(read, self._choice_read, f"reading {path}")

    def _choice_read(self, chosen: Chosen | QatuiError) -> None:
        if isinstance(chosen, QatuiError):
            self.show_error(chosen.title, chosen.message, then=lambda: self.call_later(self._rechoose))
            return
        if chosen.resume:
            self.options.resume = self.options.record_path = chosen.resume
        self.options.checklist_path, self.checklist = chosen.checklist_path, chosen.checklist
        self.full_checklist = chosen.checklist
        self._ask_or_start()

    def _rechoose(self) -> None:
        from qatui.ui.screens.start import ChooserScreen

        self.push_screen(ChooserScreen(self._choices), self._chosen)

    def _ask_or_start(self) -> None:
        assert self.checklist is not None
        start = self._direct_start()
        if start is not None:
            self._start_session(*start)
            return
        env_key = self.options.env_key
        notice = ""
        if env_key and self.checklist.environments and env_key not in self.checklist.environments:
            # Only the chooser gets here (`qatui CHECKLIST --env NAME` checks before the screen
            # starts): the start screen says it where the tester chooses, not a dialog under it.
            known = ", ".join(self.checklist.environments)
            notice = f"Unknown environment {env_key!r}: this checklist has {known}. Choose one below."
            env_key = None
        if not self.checklist.environments and not env_key:
            env_key = "default"
        tester = self.options.tester
        from qatui.ui.screens.start import StartScreen

        default_env = env_key or (
            env.key if (env := self.checklist.default_environment()) else ""
        )
        self.push_screen(
            StartScreen(self.checklist, tester or self.config.tester, default_env, environment_given=bool(env_key),
                        notice=notice),
            self._started,
        )

    def _started(self, answer: tuple[str, str] | None) -> None:
        if answer is None:
            self.exit(return_code=0)
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
            self._read_then(partial(self._read_record, env_key, tester), partial(self._session_read, tester, env_key),
                            "reading the record")

    def _session_read(self, tester: str, env_key: str, opened: OpenedRecord | QatuiError) -> None:
        if not self._prepare_session(tester, env_key, opened, report=True):
            return
        from qatui.ui.screens.main import MainScreen

        self.push_screen(MainScreen())
        self.call_after_refresh(self._after_session_shown)

    def _prepare_session(self, tester: str, env_key: str, opened: OpenedRecord | QatuiError, *, report: bool) -> bool:
        """Open the record (resume) or prepare a new session; False (said, if `report`) on error.

        A new session is shown first and written right after the first paint: the record
        modules are the heaviest imports of start-up, and nothing is lost by writing an
        untouched session a frame later (the first tick writes it anyway).
        """
        assert self.checklist is not None
        asked_tester = tester
        try:
            if isinstance(opened, QatuiError):
                raise opened
            path = opened.path
            if self.options.resume:
                assert opened.session is not None
                tester, env_key = opened.session.tester, opened.session.environment
            self._make_run_model(env_key)
            opening = self._open_part(tester, opened.session)
            if opened.session is not None and opened.record_file is not None:
                from qatui.core.recorder import Recorder

                self.recorder = Recorder.resume(
                    self.checklist, opened.record_file, opened.session, environment=env_key, clock=self.clock,
                    masker=self._masker, tester=tester, env=self.options.env_vars,
                )
            else:
                from qatui import __version__

                now = self.clock()
                self._new_session = Session.start(
                    self.checklist, tester=tester, environment=env_key,
                    started_at=now if now.tzinfo is not None else now.astimezone(),
                    qatui_version=__version__,
                    fingerprints=False,  # added by `_ensure_recorder`, after the first paint
                )
            self._cover_part(opening)
        except QatuiError as error:
            if report:
                # The dialog goes with the screen: `run` says it again on stderr afterwards.
                self.start_error = error
                self.show_error(error.title, error.message, then=lambda: self.exit(return_code=1))
            return False
        self.options.record_path = str(path)
        owner = self.session.tester
        if asked_tester and owner and self._masked(asked_tester) != owner:
            self._start_notice = (
                f"This record was started by {owner}; changes are saved under that name. "
                "Use --record PATH for a record of your own."
            )
        self.options.env_key = self.session.environment
        self.options.tester = self.session.tester
        self.auto_run = (
            self.options.auto_run
            if self.options.auto_run is not None
            else self.checklist.settings.auto_run_probes
        )
        self._reindex()
        return True

    def _choose_part(self, tester: str) -> Any:
        """The part the options (or `assign:` for `tester`) choose: `core/run/part.py`, the rule
        `qatui probe` asks too. Raises `PartError` (a `QatuiError`) for a name the checklist lacks."""
        from qatui.core.run import part

        full = self.full_checklist or self.checklist
        assert full is not None
        options = self.options
        return part.choose(full, only=options.part_only, sections=options.part_sections, tags=options.part_tags,
                           tester=tester, everything=options.part_all)

    def _open_part(self, tester: str, record: Session | None) -> Any:
        """The checklist the screen shows becomes the tester's part: its items and those the
        record already holds (`core/run/part.opening`)."""
        from qatui.core.run import part

        full = self.full_checklist or self.checklist
        assert full is not None
        self.part_choice = self._choose_part(tester)
        opening = part.opening(full, self.part_choice, record)
        self.checklist = opening.checklist
        if self.part_choice.by_assignment and record is None:
            self._start_notice = (f"Your part: the {len(opening.checklist.items())} item(s) assigned to "
                                  f"{self.part_choice.specs[0].assigned} in the checklist (assign:). "
                                  "--all opens the whole checklist; --only, --section, --tag another part.")
        return opening

    def _cover_part(self, opening: Any) -> None:
        """The record says which part it covers and holds every item the screen shows."""
        from qatui.core.run import part

        if part.cover(self.session, opening) and self.recorder is not None:
            self.recorder.save()

    def _make_run_model(self, env_key: str) -> None:
        """The session's run (`core/run/model.py`); its masker is the record's masker, so a
        secret is hidden in the record, the log pane and the probe results alike (its secrets
        are read once the checklist is trusted, and not before)."""
        if self.run_model is not None and self.run_model.env_key == env_key:
            return
        from qatui.core.run.model import RunModel

        assert self.checklist is not None  # the whole checklist: a part's probes may need others' captures
        self.run_model = RunModel(self.full_checklist or self.checklist, env_key, self.options.env_vars,
                                  session_started=None, jobs=self.checklist.settings.jobs)
        self._masker = self.run_model.masker  # (reads the secrets now if already trusted)

    def _clean_text(self, text: str) -> str:
        """Untrusted one-line text for the screen: secrets masked with the run's masker (the
        checklist's, and those the probes captured), control characters made visible."""
        from qatui.core.text import inert

        if self._masker:
            text = self._masker.mask(text)
        return inert(text, one_line=True)

    def _masked(self, text: str) -> str:
        return self._masker.mask(text) if self._masker else text

    def _after_session_shown(self) -> None:
        if self._start_notice:  # one record, one tester: say so before the first tick
            self.notify(self._start_notice, title="Someone else's record", severity="warning", timeout=10)
            self._start_notice = None
        if not self._ensure_recorder():
            return
        self.config.remember(tester=self.session.tester, record=str(self.record_path))
        self._load_baseline()
        runtime.freeze_long_lived()  # the session and the baseline live as long as the app
        if self.recorder.changes:
            self.notify(
                "The checklist changed since this record: " + "; ".join(self.recorder.changes[:5]),
                title="Record brought in line",
                timeout=10,
            )

    @staticmethod
    def _record_file(path: str | Path) -> Any:
        from qatui.core.record.store import RecordFile

        return RecordFile(path)

    def _ensure_recorder(self) -> bool:
        """Create the recorder of a new session and write the record (once)."""
        if self.recorder is not None:
            return True
        session = self._new_session
        if session is None:
            return False
        from qatui.core.recorder import Recorder

        assert self.checklist is not None
        session.fill_fingerprints(self.checklist)
        self.recorder = Recorder(
            self._record_file(self.options.record_path or ""), session, clock=self.clock, masker=self._masker,
            env=self.options.env_vars,
        )
        self._new_session = None
        return self._saved(lambda: self.recorder.save())

    def _load_baseline(self) -> None:
        """Read the baseline record (the sign-off's "before") in a thread worker, once."""
        if self._baseline is not None:
            return
        self._baseline = False
        work = partial(read_baseline, self.options.baseline, self.record_path,
                       self.checklist.path if self.checklist is not None else None)
        self._read_then(work, self._baseline_read, "reading the baseline record")

    def _baseline_read(self, baseline: Baseline) -> None:
        self._baseline = baseline
        self.baseline = baseline.session
        if baseline.warning:
            self.notify(baseline.warning, severity="warning")
        if self._signoff_waits:
            self._signoff_waits = False
            self.open_signoff()

    # ------------------------------------------------------------------ queries

    @property
    def session(self) -> Session:
        if self.recorder is None:
            assert self._new_session is not None
            return self._new_session
        return self.recorder.session

    @property
    def record_path(self) -> Path:
        if self.recorder is None:
            return Path(self.options.record_path or "")
        return Path(self.recorder.file.path)

    @property
    def environment(self) -> Any:
        assert self.checklist is not None
        return self.checklist.environments.get(self.session.environment)

    def _reindex(self) -> None:
        self._results_index = {item.id: item for item in self.session.items()}
        if self.checklist is not None and len(self._items) != len(self._results_index):
            self._items = {item.id: item for item in self.checklist.items()}

    def item(self, item_id: str) -> Item:
        """The checklist item, by id, in O(1) (the checklist's own lookup scans)."""
        found = self._items.get(item_id)
        if found is None:
            assert self.checklist is not None
            found = self._items[item_id] = self.checklist.item(item_id)
        return found

    def resume_item(self) -> str | None:
        """The item a resumed session opens on: the one the tester changed last.

        Any existing record counts, however it was named (`qatui RECORD.md`, or the checklist
        with the record at its default or `--record` path)."""
        if not self.options.resume and not getattr(self.recorder, "resumed", False):
            return None
        changed = [(item.updated_at, index, item.id) for index, item in enumerate(self.session.items())
                   if item.updated_at is not None]
        return max(changed)[2] if changed else None  # same minute: the later one in the list

    def item_result(self, item_id: str) -> ItemResult | None:
        return self._results_index.get(item_id)

    def probe_results(self, item_id: str) -> dict[str, ProbeResult]:
        results: dict[str, ProbeResult] = {}
        recorded = self.item_result(item_id)
        if recorded is not None:
            results.update((r.probe_id, r) for r in recorded.probes)
        results.update(self._live.get(item_id, {}))
        return results

    @property
    def main_screen(self) -> MainScreen | None:
        from qatui.ui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    # ------------------------------------------------------------------ keys, in order

    async def on_event(self, event: events.Event) -> None:
        """Take keys in the order they were typed, across screen changes.

        Textual forwards every key to the widget focused *when the key is taken off the app's
        queue* and runs bindings later, when the key bubbles back. Keys that arrive together
        (`f`, a note, enter, `j`, `p`, sent at terminal speed) would all be forwarded to the
        checklist before `f` has opened the note prompt, and the note would be lost. So on the
        main screen bindings run at once, in order, and the note prompt takes its keys at
        once; everything else goes the usual way.
        """
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._collector.key_pressed()
            from qatui.ui.screens.main import MainScreen
            from qatui.ui.screens.modals import TypeAhead

            screen = self.screen
            if isinstance(screen, TypeAhead):
                if screen.type_key(event):
                    return
            elif isinstance(screen, MainScreen) and await self._check_bindings(event.key):
                return
        await super().on_event(event)

    # ------------------------------------------------------------------ changes (all through Recorder)

    def _change(self, change: Callable[[Any], object], item_id: str | None = None) -> bool:
        """Apply one change through the recorder (which saves at once) and refresh the views.

        A change whose save fails is undone by the recorder before the error comes here, so
        the screen never shows it; one that met a changed record is kept to make again in the
        file the conflict dialog's "Save as" names."""
        if self.recorder is None and not self._ensure_recorder():
            return False
        if not self._saved(lambda: change(self.recorder), pending=change):
            return False
        self._reindex()
        screen = self.main_screen
        if screen is not None:
            if item_id is None:
                screen.refresh_all()
            else:
                screen.refresh_item(item_id)
        return True

    def _saved(self, action: Callable[[], object], *, pending: Callable[[Any], object] | None = None) -> bool:
        """Run something that writes the record; the one place a failed write becomes words.

        `pending` is the change `action` makes: kept for "Save as" when it meets a conflict."""
        try:
            action()
        except RecordConflict as conflict:
            if pending is not None:
                self._unsaved.append(pending)
            self._open_conflict(conflict)
            return False
        except RecordSigned as error:
            self.show_error(error.title, f"{error.message} (press O to reopen it).")
            return False
        except QatuiError as error:
            self.show_error(error.title, error.message)
            return False
        except OSError as error:
            self.show_error("Record not saved", f"{self.record_path}: {error.strerror or error}")
            return False
        except Exception as error:  # a bug must still not cost the session: say it, keep going
            self.show_error("Change not saved", f"{type(error).__name__}: {error}")
            return False
        return True

    def tick(self, item_id: str, status: Status) -> None:
        if status in (Status.FAILED, Status.BLOCKED):
            from qatui.ui.screens.modals import NoteModal

            current = self.item_result(item_id)
            word = "failed" if status is Status.FAILED else "blocked"
            self.push_screen(
                NoteModal(
                    f"{status.mark} {word.capitalize()}: {self.item(item_id).title}",
                    current.note if current else "",
                    prompt=f"What did you see? (saved as the item's note; enter with nothing marks it {word} without a note)",
                    save=partial(self._ticked_with_note, item_id, status),  # a failed save keeps the note
                ),
            )
            return
        self._change(lambda r: r.set_status(item_id, status), item_id)

    def _ticked_with_note(self, item_id: str, status: Status, note: str) -> bool:
        return self._change(lambda r: r.set_status(item_id, status, note=note or None), item_id)

    def edit_note(self, item_id: str) -> None:
        from qatui.ui.screens.modals import NoteModal

        current = self.item_result(item_id)
        title = self.item(item_id).title
        self.push_screen(
            NoteModal(f"Note: {title}", current.note if current else "", save=partial(self._noted, item_id)),
        )

    def _noted(self, item_id: str, note: str) -> bool:
        return self._change(lambda r: r.set_note(item_id, note), item_id)

    def attach_log(self, item_id: str, sources: list[str], lines: list[str]) -> None:
        evidence = Evidence("log", ", ".join(sources) or "logs", "\n".join(lines), at=self.clock())
        if self._change(lambda r: r.attach(item_id, evidence), item_id):
            self.notify(f"attached {len(lines)} log line{'s' if len(lines) != 1 else ''} to {item_id}")

    def attach_probe(self, item_id: str, result: ProbeResult) -> None:
        from qatui.core.record.render import probe_evidence_text  # the record stores it once

        evidence = Evidence("probe", result.probe_id, probe_evidence_text(result), at=self.clock())
        if self._change(lambda r: r.attach(item_id, evidence), item_id):
            self.notify(f"attached the output of {result.probe_id} to {item_id}")

    def sign(self, signoff: SignOff) -> None:
        if self._change(lambda r: r.sign(signoff)):
            self.notify("Signed. The record is final.")

    # ------------------------------------------------------------------ conflicts

    def _conflict_open(self) -> bool:
        from qatui.ui.screens.modals import ConflictModal

        return any(isinstance(screen, ConflictModal) for screen in self.screen_stack)

    def _open_conflict(self, conflict: RecordConflict) -> None:
        from qatui.ui.screens.modals import ConflictModal

        if self._conflict_open():
            return  # one question at a time: a probe result meeting the same conflict waits
        path = self.record_path
        taken = ""
        if conflict.path == str(path):
            self._conflict_reason = conflict.reason
            suggested = str(free_name(path, (self.session.tester or "mine").replace(" ", "-")))
        else:  # "Save as" named a file that exists: ask again, saying so, about the same record
            taken = suggested = conflict.path
        self.push_screen(
            ConflictModal(str(path), self._conflict_reason, suggested, taken=taken), self._conflict_answer
        )

    def _conflict_answer(self, answer: tuple[str, str] | None) -> None:
        self._quit_unsaved = False
        if answer is None:
            return
        action, target = answer
        if action == "reload":  # read in a thread worker; `_reloaded` takes the answer
            self._read_then(partial(read_record, self.record_path), self._reloaded, "reading the record")
            return
        try:
            self.recorder.save_as(target)
            self.config.remember(record=target)
            # The changes that met the conflict, made again in the new file (each saved).
            unsaved, self._unsaved = self._unsaved, []
            for change in unsaved:
                self._saved(partial(change, self.recorder), pending=change)
            self.notify(f"saved as {target}; ticks now go there")
        except RecordConflict as conflict:
            self._open_conflict(conflict)
            return
        except QatuiError as error:
            self.show_error(error.title, error.message)
            return
        self._reindex()
        screen = self.main_screen
        if screen is not None:
            screen.refresh_all()

    def _reloaded(self, loaded: tuple[Any, Session] | QatuiError) -> None:
        """The record as it is on disk now replaces the session (the conflict's "Reload")."""
        if isinstance(loaded, QatuiError):
            self.show_error(loaded.title, loaded.message)
            return
        from qatui.core.recorder import Recorder

        record_file, session = loaded
        self.recorder = Recorder(record_file, session, clock=self.clock, masker=self._masker)
        self._unsaved = []
        self.notify(f"reloaded {self.record_path}")
        self._reindex()
        screen = self.main_screen
        if screen is not None:
            screen.refresh_all()

    # ------------------------------------------------------------------ errors: the one door

    def show_error(self, title: str, message: str, *, then: Callable[[], None] | None = None) -> None:
        from qatui.ui.screens.modals import ErrorModal

        if self.run_model is not None:
            message = self.run_model.masker.mask(message)
        self.push_screen(ErrorModal(title, message), (lambda _: then()) if then else None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.SUCCESS and event.worker in self._answers:
            self._answers.pop(event.worker)(event.worker.result)
        if event.state is not WorkerState.ERROR:
            return
        self._answers.pop(event.worker, None)
        error = event.worker.error
        if isinstance(error, QatuiError):
            self.show_error(error.title, error.message)
        else:
            self.show_error(
                f"{event.worker.description or 'A background task'} failed",
                f"{type(error).__name__}: {error}",
            )

    # ------------------------------------------------------------------ probes

    def item_opened(self, item_id: str | None) -> None:
        """The cursor moved: after a short pause, switch the log tail and maybe auto-run."""
        self._pending_open = item_id
        if self.deterministic:
            self._opened_settled()
        elif self._open_timer is not None:
            self._open_timer.reset()  # one timer while the cursor moves, not one per key
        else:
            self._open_timer = self.set_timer(0.15, self._opened_settled)

    def _opened_settled(self) -> None:
        self._open_timer = None
        item_id = self._pending_open
        self._switch_logs(item_id)
        if item_id is None or not self.auto_run or self.checklist is None:
            return
        item = self.item(item_id)
        if self.session.signoff is not None:
            return  # a signed record does not change: nothing runs on its own
        if not item.probes or self.probe_results(item_id) or any(p.id in self.running_probes for p in item.probes):
            return
        self.run_probes([item_id], interactive=False)

    def toggle_auto_run(self) -> None:
        self.auto_run = not self.auto_run
        self.notify(f"auto-run probes {'on' if self.auto_run else 'off'}")

    def trusted(self) -> bool:
        """Whether the checklist is trusted now (the run's live trust state: a `qatui trust
        --yes` in another terminal counts from the next probe on)."""
        return bool(self.run_model is not None and self.run_model.trusted)

    def _runs_code(self, probe: ProbeSpec) -> bool:
        """Command and exec probes, and logs probes over a `command` log source."""
        return bool(self.run_model.runs_code(probe))

    def run_probes(self, item_ids: list[str], *, interactive: bool = True, confirmed: bool = False) -> None:
        """Run the probes of these items, and the earlier probes whose captures they need and
        this session has not taken yet (`RunModel.plan`: a token login is taken once, not
        before every item); asks for trust and for the environment's name first when needed.

        An untrusted checklist runs nothing, HTTP included: `r` opens the trust review first,
        and auto-run (`interactive=False`) runs nothing until the tester has trusted it. A
        probe that needs confirming (destructive on a protected environment, or marked
        `destructive: always`, on any) asks for the environment's name on every run that
        includes it (`confirmed` is that answer), never remembered: a tester who typed it an
        hour ago for one probe has not agreed to the next. Auto-run never includes one."""
        assert self.checklist is not None
        model = self.run_model
        wanted = [p for item_id in item_ids for p in self.item(item_id).probes]
        if not wanted and (not interactive or model.trusted or not self.checklist.logs):
            if interactive:
                self.notify("this item has no probes")
            return
        if not model.trusted:  # (on an item without probes too: the way to trust the log sources)
            if not interactive:
                # opening an item of an untrusted checklist sends nothing anywhere; said once
                if not self._said_untrusted:
                    self._said_untrusted = True
                    self.notify("auto-run is on, but this checklist is not trusted: nothing runs until you "
                                "review it (r) or run qatui trust", severity="warning", timeout=10)
                return
            from qatui.ui.screens.modals import TrustModal

            env = self.environment
            blocks = model.trust.review(env.key if env is not None else None)  # as `qatui trust` prints
            self.push_screen(
                TrustModal(self.checklist.path, blocks, count=model.trust.command_count()),
                partial(self._trust_answer, item_ids),
            )
            return
        probes = [p for p in model.plan(wanted) if p.id not in self.running_probes]
        if not probes:
            if interactive:
                self.notify("those probes are already running")
            return
        asking = model.needs_confirmation(probes)
        allowed: list[str] = []
        if asking:
            if confirmed:
                allowed = [p.id for p in asking]
            elif not interactive:
                probes = [p for p in probes if p not in asking]
            else:
                from qatui.ui.screens.modals import TypeNameModal

                self.push_screen(
                    TypeNameModal(self.session.environment, [p.id for p in asking], protected=self._protected()),
                    partial(self._destructive_answer, item_ids),
                )
                return
        if probes:
            self._submit(probes, allowed)

    def _protected(self) -> bool:
        env = self.environment
        return bool(env.protected) if env is not None else self.session.protected

    def _trust_answer(self, item_ids: list[str], yes: bool | None) -> None:
        if not yes:
            self.notify("not trusted: nothing from this checklist runs (no probe, no log source)",
                        severity="warning")
            return
        assert self.checklist is not None
        try:
            self.run_model.grant_trust()
        except QatuiError as error:
            self.show_error(error.title, error.message)
            return
        self._log_names = None  # the log sources held back until now can start
        screen = self.main_screen
        self._switch_logs(screen.current_item_id if screen else None)
        self.run_probes(item_ids)

    def _destructive_answer(self, item_ids: list[str], yes: bool | None) -> None:
        if not yes:
            self.notify("destructive probes not run", severity="warning")
            return
        self.run_probes(item_ids, confirmed=True)

    def _ensure_runner(self) -> Any:
        """The run's one ProbeRunner (its own loop in its own thread), on the run's trust and
        scope. Called from a thread worker: importing the engine (httpx, websockets, the
        docker SDK) and starting it never holds up a key press."""
        model = self.run_model
        if model.session_started is None:
            model.session_started = self.session.started_at
        return model.runner()

    def _submit(self, probes: list[ProbeSpec], confirmed: list[str] | None = None) -> None:
        owners = {probe.id: probe.item_id for probe in probes}
        for probe in probes:
            self.running_probes.add(probe.id)
            self._live.setdefault(probe.item_id, {}).pop(probe.id, None)
        self._refresh_probe_views(sorted(set(owners.values())))
        self.run_worker(
            partial(self._submit_in_thread, probes, owners, confirmed or []),
            thread=True,
            group="probes",
            exit_on_error=False,
            description="probe engine",
        )

    def _submit_in_thread(self, probes: list[ProbeSpec], owners: dict[str, str], confirmed: list[str]) -> None:
        """Worker thread: hand the probes to the engine; results come back as messages."""

        def on_result(result: ProbeResult, item_id: str) -> None:  # engine thread
            self.post_message(ProbeResultArrived(item_id, result))

        def done(fut: Future[list[ProbeResult]]) -> None:  # engine thread
            try:
                results = fut.result()
                error: BaseException | None = None
            except BaseException as exc:  # cancelled or failed: shown by the one door
                results, error = [], exc
            self.post_message(ProbesFinished(owners, results, error))

        try:
            runner = self._ensure_runner()
            future: Future[list[ProbeResult]] = runner.submit(probes, on_result=on_result, confirmed=confirmed)
        except Exception as error:  # the engine could not start: the one door shows why
            self.post_message(ProbesFinished(owners, [], error))
            return
        future.add_done_callback(done)

    def on_probe_result_arrived(self, message: ProbeResultArrived) -> None:
        self._live.setdefault(message.item_id, {})[message.result.probe_id] = message.result
        self.running_probes.discard(message.result.probe_id)
        self._refresh_probe_views([message.item_id])

    def on_probes_finished(self, message: ProbesFinished) -> None:
        import concurrent.futures

        self.running_probes.difference_update(message.owners)
        error = message.error
        if error is not None and not isinstance(error, concurrent.futures.CancelledError):
            if isinstance(error, QatuiError):
                self.show_error(error.title, error.message)
            else:
                self.show_error("Probes failed", f"{type(error).__name__}: {error}")
        by_item: dict[str, list[ProbeResult]] = {}
        for result in message.results:
            item_id = message.owners.get(result.probe_id)
            if item_id is None:
                continue
            by_item.setdefault(item_id, []).append(result)
            self._live.setdefault(item_id, {})[result.probe_id] = result
        if self.session.signoff is not None:
            # A signed record does not change: the results are on the screen, not in the record.
            if by_item:
                self.notify("The record is signed: these probe results are shown, not saved (O reopens it).")
        else:
            for item_id, results in by_item.items():
                self._change(lambda r, i=item_id, res=results: r.add_probe_results(i, res), item_id)
            self._record_metrics_and_facts(message.results)
        self._refresh_probe_views(sorted(set(message.owners.values())))

    def _record_metrics_and_facts(self, results: list[ProbeResult]) -> None:
        """Facts and metric figures of a batch, as `qatui probe --record` derives them."""
        facts, metrics = self.run_model.figures(results)
        for metric_id, value in metrics.items():
            self._change(lambda r, m=metric_id, v=value: r.set_metric_after(m, v))
        for label, value in facts.items():
            self._change(lambda r, k=label, v=value: r.set_fact(k, v))

    def _refresh_probe_views(self, item_ids: Iterable[str]) -> None:
        screen = self.main_screen
        if screen is None:
            return
        for item_id in item_ids:
            screen.refresh_probes(item_id)

    def cancel_probes(self) -> None:
        if self.run_model is None or not self.run_model.started or not self.running_probes:
            self.notify("no probes are running")
            return
        self.run_model.cancel()
        self.notify("cancelling the running probes")

    # ------------------------------------------------------------------ logs

    def toggle_log_scope(self) -> None:
        self._log_scope = "all" if self._log_scope == "item" else "item"
        screen = self.main_screen
        self._log_names = None
        self._switch_logs(screen.current_item_id if screen else None)

    def log_names_for(self, item_id: str | None) -> list[str]:
        assert self.checklist is not None
        if self._log_scope == "all":
            return list(self.checklist.logs)
        if item_id is None:
            return []
        item = self.item(item_id)
        names = item.logs or self.checklist.section_of(item_id).logs
        return [name for name in names if name in self.checklist.logs]

    def _switch_logs(self, item_id: str | None) -> None:
        screen = self.main_screen
        if screen is None or self.checklist is None:
            return
        names = self.log_names_for(item_id)
        if names == self._log_names:
            return
        self._log_names = names
        generation, stop = self._log_feed.restart(names)
        if stop.is_set():
            return  # on the way out (the settle timer fired after `shutdown_workers`)
        pane = screen.log_pane
        scope_message = "" if names else (
            "no log sources for this item · l shows every source" if self._log_scope == "item" else "this checklist has no log sources"
        )
        pane.set_sources(names, self._log_scope, scope_message)
        if not names:
            return
        model = self.run_model
        if not model.trusted:
            # qatui opens no log source of an untrusted checklist (`r` shows the review).
            pane.note("not started: not trusted (r or qatui trust)")
            return
        mask = model.masker.mask
        for name in names:
            self.run_worker(
                partial(follow_source, self._log_feed, generation, stop,
                        partial(model.log_source, name, for_screen=True), self.checklist.logs[name].tail, mask),
                thread=True,
                group="logs",
                exit_on_error=False,
                description=f"log source {name}",
            )

    def _drain_logs(self) -> None:
        batches = self._log_feed.drain()
        if not batches:
            return
        screen = self.main_screen
        if screen is None:
            return
        pane = screen.log_pane
        for batch in batches:
            pane.add_lines(batch)

    def inject_log_lines(self, lines: list[Any]) -> None:
        """Feed lines as if a source produced them (demo screenshots, tests)."""
        self._log_feed.put(self._log_feed.generation, lines, block=False)

    # ------------------------------------------------------------------ screens

    def open_signoff(self) -> None:
        from qatui.ui.screens.signoff import SignOffScreen

        assert self.checklist is not None
        self._load_baseline()
        if not self._baseline:  # still being read: the screen opens with its answer
            self._signoff_waits = True
            return
        self.push_screen(SignOffScreen(self.checklist, self.session, self.baseline, self.clock), self._signed)

    def _signed(self, signoff: SignOff | None) -> None:
        if signoff is not None:
            self.sign(signoff)
        if self.main_screen is not None:  # back on the checklist: j and p work at once
            self.main_screen.checklist_view.focus()

    def set_metric(self, metric_id: str, value: float | None) -> bool:
        """A figure the tester typed (a manual metric's "after"), saved at once."""
        return self._change(lambda r: r.set_metric_after(metric_id, value))

    def action_reopen(self) -> None:
        """Take the sign-off off a signed record (after asking) so it can change again."""
        from qatui.ui.screens.modals import ConfirmModal

        signoff = self.session.signoff
        if signoff is None:
            self.notify("The record is not signed; nothing to reopen.")
            return
        body = (f"Signed by {signoff.name} ({signoff.role}): {signoff.meaning}.\n\nReopening removes "
                "the sign-off from the record, so items can change again; sign again when you are done.")
        self.push_screen(ConfirmModal("Reopen the signed record?", body, yes="Reopen", no="Keep it signed"),
                         self._reopened)

    def _reopened(self, yes: bool | None) -> None:
        if yes and self._change(lambda r: r.reopen()):
            self.notify("Reopened: the sign-off is removed from the record.")

    def action_help(self) -> None:
        from qatui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[Any]) -> Iterator[SystemCommand]:
        """Every declared key is also a palette command (from the same table)."""
        from qatui.ui.screens.main import MainScreen

        main = self.main_screen
        for key in KEYS:
            if not key.palette:
                continue
            if key.scope == "app":
                yield SystemCommand(f"{key.label} ({key.display})", key.help, partial(self.run_action, key.action))
            elif main is not None and isinstance(screen, MainScreen):
                yield SystemCommand(
                    f"{key.label} ({key.display})", key.help, partial(self.run_action, key.action, main)
                )
        yield from super().get_system_commands(screen)

    async def action_quit(self) -> None:
        if self._conflict_open() and not self._quit_unsaved:
            self._quit_unsaved = True
            self.notify(
                "Your last change is not saved: the record changed on disk. Reload or save as "
                "first, or quit again to leave without it.",
                severity="warning",
                timeout=10,
            )
            return
        self.shutdown_workers()
        self.exit(return_code=0)

    def shutdown_workers(self) -> None:
        """Stop every log tail and the probe engine; never blocks the way out."""
        self._log_feed.stop()
        model = self.run_model
        if model is not None and model.started:
            model.cancel()
            threading.Thread(target=model.close, name="qatui-probe-close", daemon=True).start()

    def on_unmount(self) -> None:
        self.shutdown_workers()
        self._collector.stop()
        self._runtime.close()

