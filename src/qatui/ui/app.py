"""The qatui application: the Textual shell around one test session.

`create_app()` is the one factory used by the CLI (`qatui CHECKLIST`) and by the tests, so what
is tested is what runs. The app itself only mounts, orders keys, answers signals, offers the
palette and quits; the work is done by plain objects it owns, each with one job:

- `ui/startup.py` (`Startup`): the chooser, the start screen, the session's record (read
  before the app starts or in a thread worker: the screen's thread reads no file), the run;
- `ui/session_control.py` (`SessionControl`): the recorder, every change (tick, note,
  evidence, figures, sign-off), the conflict and reopen dialogs;
- `ui/probe_control.py` (`ProbeControl`): auto-run, trust and confirmation dialogs, the one
  `ProbeRunner` (its own loop in its own thread), results, facts and figures;
- `ui/log_control.py` (`LogControl`): which log sources follow, their workers, the drain.

They share one `LiveSession` (`ui/session_view.py`), which screens read as a `SessionView`.
Screens never call the app: they post requests (`ui/messages.py`) that the `@on` handlers
below hand to a controller, and are told what changed by messages back. Every worker failure
and core error becomes the error modal (`on_worker_state_changed` and `show_error` are the only
two doors, and the first calls the second).

Start-up matters (the first paint must be within 1.3x of a bare Textual app), so httpx,
websockets and the docker SDK are imported only by the thread worker that first needs them
(the probe engine, a log tail), and a new record is written right after the first paint.
Keys are taken in the order typed, across screen changes (see `on_event`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from qatui.core import runtime
from qatui.core.checklist import Checklist
from qatui.core.errors import QatuiError
from qatui.core.runtime import KEYS_SWITCH_INTERVAL
from qatui.core.session import Session
from qatui.ui import keymap
from qatui.ui import messages as m
from qatui.ui.config import UiConfig
from qatui.ui.config import config_dir as default_config_dir
from qatui.ui.gc_pacing import IdleCollector
from qatui.ui.keys import KEYS, bindings
from qatui.ui.log_control import DRAIN_EVERY, LogControl
from qatui.ui.probe_control import ProbeControl
from qatui.ui.reads import read_choice
from qatui.ui.session_control import SessionControl
from qatui.ui.session_view import LiveSession
from qatui.ui.startup import AppOptions, Startup, system_clock

if TYPE_CHECKING:
    from collections.abc import Iterator

    from qatui.ui.screens.main import MainScreen

Clock = Callable[[], datetime]
#: Seconds qatui waits for Textual's way out after a hangup or SIGTERM (see `_hung_up`).
HANGUP_GRACE = 3.0


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
    record_folder: str | Path | None = None,
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
        record_folder=str(record_folder) if record_folder else None,
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
        self.clock = clock
        self.deterministic = options.deterministic
        if options.deterministic:
            self.animation_level = "none"
        self.config = UiConfig.load(options.config_dir or default_config_dir(options.env_vars))
        #: The tester's `keymap.toml` (`ui/keymap.py`): applied on mount, shown by the help screen.
        self.user_keymap = keymap.load(options.config_dir or default_config_dir(options.env_vars))
        #: The session as the screens read it (`SessionView`), and the controllers change it.
        self.view = LiveSession(checklist, clock, deterministic=options.deterministic,
                                log_max_lines=options.log_max_lines, record_path=options.record_path)
        self.view.resuming = bool(options.resume)
        self.sessions = SessionControl(self, self.view)
        self.logs = LogControl(self, self.view)
        self.probes = ProbeControl(self, self.view, self.sessions, self.logs)
        self.startup = Startup(self, self.view)
        from qatui.ui.inert_filter import InertFilter

        self._filters.append(InertFilter())  # nothing raw from untrusted text reaches the terminal
        #: Thread workers reading files → what to do with the answer on this thread.
        self._answers: dict[Worker[Any], Callable[[Any], None]] = {}
        #: While a key's binding runs: the requests it posts (see `on_event`).
        self._with_key: list[m.Request] | None = None
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
        record_file = getattr(self.view.recorder, "file", None)
        record = getattr(record_file, "path", None) or self.options.record_path
        lines = ["qatui stopped because of an internal error; this is a bug in qatui."]
        if record:
            lines.append(f"Every change made before it is saved in {record}.")
        lines.append(f"Details for a bug report: {report}" if report else "")
        self._exit_renderables.append("\n".join(line for line in lines if line))
        self._close_messages_no_wait()

    # ------------------------------------------------------------------ the session, for the CLI

    @property
    def checklist(self) -> Checklist | None:
        """The checklist the screen shows: the tester's part of it once a session opens."""
        return self.view.checklist

    @property
    def session(self) -> Session:
        return self.view.session

    @property
    def record_path(self) -> Path:
        return self.view.record_path

    @property
    def recorder(self) -> Any:
        return self.view.recorder

    @property
    def run_model(self) -> Any:
        return self.view.run_model

    @property
    def main_screen(self) -> MainScreen | None:
        from qatui.ui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def tell_main(self, message: Message) -> bool:
        """Tell the main screen what changed (False when it is not there)."""
        screen = self.main_screen
        if screen is None:
            return False
        screen.post_message(message)
        return True

    # ------------------------------------------------------------------ start-up

    def read_before_start(self) -> None:
        """Read what the first screen needs before the app starts (see `Startup`)."""
        self.startup.read_before_start()

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notification is plain text, whatever the caller asks (`Screen.notify` passes
        `markup=True`): they carry record paths, item ids, testers' names and keymap entries,
        and a `[/]` in any of them made Textual's markup parser raise. No notification of
        qatui's uses markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def get_default_screen(self) -> Screen[Any]:
        """The main screen itself when nothing needs asking: one screen built, not two.

        With the checklist, the tester and the environment known (or a record to resume) the
        session starts before the app's first compose and the main screen is the bottom of
        the stack. Anything else (the chooser, the start screen, an error to show) goes the
        usual way from `on_mount`.
        """
        return self.startup.default_screen() or super().get_default_screen()

    # ------------------------------------------------------------------ mount and signals

    def on_mount(self) -> None:
        keymap.apply(self, self.user_keymap)
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
        if self.startup.main_is_default:
            self.call_after_refresh(self._after_first_paint)
            self.call_after_refresh(self.startup.after_session_shown)
            return
        # The first screen is pushed once the app's own mount is over: Textual holds every
        # repaint until then, so a screen pushed from inside `on_mount` is laid out and
        # rendered once for nothing (the frame is dropped) and then again.
        self.call_later(self._first_screen)

    def _first_screen(self) -> None:
        self.startup.first_screen()
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
        self.set_interval(DRAIN_EVERY, self.logs.drain)
        from qatui.core import checklist_cache  # a checklist loaded afresh is cached from here

        checklist_cache.flush()

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

    # ------------------------------------------------------------------ files, errors: the one door

    def read_then(self, work: Callable[[], Any], then: Callable[[Any], None], description: str) -> None:
        """Read files in a thread worker; `then` gets the answer on the screen's thread."""
        worker = self.run_worker(work, thread=True, group="reads", exit_on_error=False, description=description)
        self._answers[worker] = then

    def show_error(self, title: str, message: str, *, then: Callable[[], None] | None = None) -> None:
        from qatui.ui.screens.modals import ErrorModal

        if self.view.run_model is not None:
            message = self.view.run_model.masker.mask(message)
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

    # ------------------------------------------------------------------ keys, in order

    def post_message(self, message: Message) -> bool:
        """A request a key's binding posts is taken with that key (see `on_event`)."""
        if self._with_key is not None and isinstance(message, m.Request):
            self._with_key.append(message)
            return True
        return super().post_message(message)

    async def on_event(self, event: events.Event) -> None:
        """Take keys in the order they were typed, across screen changes.

        Textual forwards every key to the widget focused *when the key is taken off the app's
        queue* and runs bindings later, when the key bubbles back. Keys that arrive together
        (`f`, a note, enter, `j`, `p`, sent at terminal speed) would all be forwarded to the
        checklist before `f` has opened the note prompt, and the note would be lost. So on the
        main screen bindings run at once, in order, and the note prompt takes its keys at
        once. The requests a binding posts (`f` posts `TickRequested`, whose handler opens the
        note prompt) are handled right after it, with its key: queued, they would come after
        the keys typed meanwhile.
        """
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._collector.key_pressed()
            from qatui.ui.screens.main import MainScreen
            from qatui.ui.screens.modals import TypeAhead

            screen = self.screen
            if isinstance(screen, TypeAhead):
                if screen.type_key(event):
                    return
            elif isinstance(screen, MainScreen):
                self._with_key = requests = []
                try:
                    taken = await self._check_bindings(event.key)
                finally:
                    self._with_key = None
                for request in requests:
                    await super().on_event(request)  # its `@on` handler, now
                if taken:
                    return
        await super().on_event(event)

    # ------------------------------------------------------------------ what the screens ask

    @on(m.TickRequested)
    def _tick(self, request: m.TickRequested) -> None:
        self.sessions.tick(request.item_id, request.status, then=request.then)

    @on(m.NoteRequested)
    def _note(self, request: m.NoteRequested) -> None:
        self.sessions.edit_note(request.item_id)

    @on(m.AttachRequested)
    def _attach(self, request: m.AttachRequested) -> None:
        if request.result is not None:
            self.sessions.attach_probe(request.item_id, request.result)
        else:
            self.sessions.attach_log(request.item_id, request.sources, request.lines)

    @on(m.SignoffRequested)
    def _signoff(self) -> None:
        self.sessions.open_signoff()

    @on(m.ProbesRequested)
    def _run_probes(self, request: m.ProbesRequested) -> None:
        self.probes.run_probes(request.item_ids, label=request.label, section=request.section)

    @on(m.CancelProbesRequested)
    def _cancel_probes(self) -> None:
        self.probes.cancel()

    @on(m.AutoRunToggled)
    def _toggle_auto_run(self) -> None:
        self.probes.toggle_auto_run()

    @on(m.ItemOpened)
    def _item_opened(self, message: m.ItemOpened) -> None:
        self.probes.item_opened(message.item_id)

    @on(m.ProbeResultArrived)
    def _probe_result(self, message: m.ProbeResultArrived) -> None:
        self.probes.result_arrived(message)

    @on(m.ProbesFinished)
    def _probes_finished(self, message: m.ProbesFinished) -> None:
        self.probes.finished(message)

    @on(m.LogScopeToggled)
    def _toggle_log_scope(self) -> None:
        self.logs.toggle_scope()

    def action_reopen(self) -> None:
        """Take the sign-off off a signed record (after asking) so it can change again."""
        self.sessions.reopen()

    def action_help(self) -> None:
        from qatui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.user_keymap.keys))

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

    # ------------------------------------------------------------------ the way out

    async def action_quit(self) -> None:
        sessions = self.sessions
        if sessions.conflict_open() and not sessions.quit_unsaved:
            sessions.quit_unsaved = True
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
        self.logs.stop()
        model = self.view.run_model
        if model is not None and model.started:
            model.cancel()
            threading.Thread(target=model.close, name="qatui-probe-close", daemon=True).start()

    def on_unmount(self) -> None:
        self.shutdown_workers()
        self._collector.stop()
        self._runtime.close()
