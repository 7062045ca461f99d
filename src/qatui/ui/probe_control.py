"""Probes on the screen: when they run, on which engine, and where their results go.

Every rule is the run's (`core/run/model.py`): trust, the probes a run needs for its captures
(`plan`), which probes need the environment's name typed (`needs_confirmation`), the figures a
batch gives. This module asks those questions and turns the answers into dialogs and changes.

The probes run on ONE `ProbeRunner` that has its own asyncio loop in its own thread (httpx
costs CPU per request; on the screen's loop a hundred probes would stall the keys); the engine
(httpx, websockets, the docker SDK) is imported and started by a thread worker the first time
it is needed. Results come back as messages (`ProbeResultArrived`, `ProbesFinished`;
`post_message` is thread-safe), are saved through the session's recorder, and the main screen
is told which items' probes changed (`ProbesChanged`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future
from functools import partial
from typing import TYPE_CHECKING, Any

from qatui.core.errors import QatuiError
from qatui.core.session import ProbeResult
from qatui.ui.messages import AutoRunChanged, ProbeResultArrived, ProbesChanged, ProbesFinished
from qatui.ui.probe_summary import run_summary, skipped_destructive

if TYPE_CHECKING:
    from qatui.core.checklist import ProbeSpec
    from qatui.ui.app import QatuiApp
    from qatui.ui.log_control import LogControl
    from qatui.ui.session_control import SessionControl
    from qatui.ui.session_view import LiveSession

#: Seconds the cursor rests on an item before its log sources switch and auto-run starts.
SETTLE = 0.15


class ProbeControl:
    """Probe policy (auto-run, trust and confirmation dialogs), the runner, and the results."""

    def __init__(self, app: QatuiApp, state: LiveSession, sessions: SessionControl, logs: LogControl) -> None:
        self.app = app
        self.state = state
        self.sessions = sessions
        self.logs = logs
        self._said_untrusted = False
        self._open_timer: Any = None

    # ------------------------------------------------------------------ the cursor

    def item_opened(self, item_id: str | None) -> None:
        """The cursor moved: after a short pause, switch the log tail and maybe auto-run."""
        self.state.current_item = item_id
        if self.state.deterministic:
            self._opened_settled()
        elif self._open_timer is not None:
            self._open_timer.reset()  # one timer while the cursor moves, not one per key
        else:
            self._open_timer = self.app.set_timer(SETTLE, self._opened_settled)

    def _opened_settled(self) -> None:
        self._open_timer = None
        state = self.state
        item_id = state.current_item
        self.logs.switch(item_id)
        if item_id is None or not state.auto_run or state.checklist is None:
            return
        item = state.item(item_id)
        if state.session.signoff is not None:
            return  # a signed record does not change: nothing runs on its own
        if not item.probes or state.probe_results(item_id) or any(state.is_running(p.id) for p in item.probes):
            return
        self.run_probes([item_id], interactive=False)

    def toggle_auto_run(self) -> None:
        """`t`: shown in the header while on, and remembered in the config for next time."""
        on = self.state.auto_run = not self.state.auto_run
        self.app.config.auto_run = on
        self.app.config.save()
        self.app.tell_main(AutoRunChanged(on))
        self.app.notify(f"auto-run probes {'on' if on else 'off'} (remembered for next time)")

    # ------------------------------------------------------------------ asking

    def run_probes(self, item_ids: list[str], *, interactive: bool = True, confirmed: bool = False,
                   label: str = "", section: bool = False) -> None:
        """Run the probes of these items, and the earlier probes whose captures they need and
        this session has not taken yet (`RunModel.plan`: a token login is taken once, not
        before every item); asks for trust and for the environment's name first when needed.

        An untrusted checklist runs nothing, HTTP included: `r` opens the trust review first,
        and auto-run (`interactive=False`) runs nothing until the tester has trusted it. A
        probe that needs confirming (destructive on a protected environment, or marked
        `destructive: always`, on any) asks for the environment's name on every run that
        includes it (`confirmed` is that answer), never remembered: a tester who typed it an
        hour ago for one probe has not agreed to the next. Auto-run never includes one.

        `section` (`R`): a probe that may change data (`RunModel.destructive`) is left out and
        said so, on any environment; `r` on its item runs it. `label` names the key in the
        one-line summary the batch ends with (`ui/probe_summary.py`)."""
        state, app = self.state, self.app
        assert state.checklist is not None
        model = state.run_model
        wanted = [p for item_id in item_ids for p in state.item(item_id).probes]
        if not wanted and (not interactive or model.trusted or not state.checklist.logs):
            if interactive:
                app.notify("this item has no probes")
            return
        if not model.trusted:  # (on an item without probes too: the way to trust the log sources)
            if not interactive:
                # opening an item of an untrusted checklist sends nothing anywhere; said once
                if not self._said_untrusted:
                    self._said_untrusted = True
                    app.notify("auto-run is on, but this checklist is not trusted: nothing runs until you "
                               "review it (r) or run qatui trust", severity="warning", timeout=10)
                return
            from qatui.ui.screens.modals import TrustModal

            env = state.environment
            blocks = model.trust.review(env.key if env is not None else None)  # as `qatui trust` prints
            app.push_screen(
                TrustModal(state.checklist.path, blocks, count=model.trust.command_count()),
                partial(self._trust_answer, item_ids, label, section),
            )
            return
        probes = [p for p in model.plan(wanted) if not state.is_running(p.id)]
        left_out = model.destructive(probes) if section and not confirmed else []
        if left_out:
            probes = [p for p in probes if p not in left_out]
            app.notify(skipped_destructive(label, [p.id for p in left_out]), severity="warning", timeout=8)
        if not probes:
            if interactive and not left_out:
                app.notify("those probes are already running")
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

                app.push_screen(
                    TypeNameModal(state.session.environment, [p.id for p in asking], protected=self._protected()),
                    partial(self._destructive_answer, item_ids, label),
                )
                return
        if probes:
            self._submit(probes, allowed, label=label)

    def _protected(self) -> bool:
        env = self.state.environment
        return bool(env.protected) if env is not None else self.state.session.protected

    def _trust_answer(self, item_ids: list[str], label: str, section: bool, yes: bool | None) -> None:
        if not yes:
            self.app.notify("not trusted: nothing from this checklist runs (no probe, no log source)",
                            severity="warning")
            return
        try:
            self.state.run_model.grant_trust()
        except QatuiError as error:
            self.app.show_error(error.title, error.message)
            return
        self.logs.restart(self.state.current_item)  # the log sources held back until now can start
        self.run_probes(item_ids, label=label, section=section)

    def _destructive_answer(self, item_ids: list[str], label: str, yes: bool | None) -> None:
        if not yes:
            self.app.notify("destructive probes not run", severity="warning")
            return
        self.run_probes(item_ids, confirmed=True, label=label)

    # ------------------------------------------------------------------ the runner

    def _ensure_runner(self) -> Any:
        """The run's one ProbeRunner (its own loop in its own thread), on the run's trust and
        scope. Called from a thread worker: importing the engine (httpx, websockets, the
        docker SDK) and starting it never holds up a key press."""
        model = self.state.run_model
        if model.session_started is None:
            model.session_started = self.state.session.started_at
        return model.runner()

    def _submit(self, probes: list[ProbeSpec], confirmed: list[str] | None = None, *, label: str = "") -> None:
        owners = {probe.id: probe.item_id for probe in probes}
        for probe in probes:
            self.state.running_probes.add(probe.id)
            self.state.live.setdefault(probe.item_id, {}).pop(probe.id, None)
        self._changed(sorted(set(owners.values())))
        self.app.run_worker(
            partial(self._submit_in_thread, probes, owners, confirmed or [], label, time.monotonic()),
            thread=True,
            group="probes",
            exit_on_error=False,
            description="probe engine",
        )

    def _submit_in_thread(self, probes: list[ProbeSpec], owners: dict[str, str], confirmed: list[str],
                          label: str = "", started: float = 0.0) -> None:
        """Worker thread: hand the probes to the engine; results come back as messages."""
        app = self.app

        def on_result(result: ProbeResult, item_id: str) -> None:  # engine thread
            app.post_message(ProbeResultArrived(item_id, result))

        def done(fut: Future[list[ProbeResult]]) -> None:  # engine thread
            try:
                results = fut.result()
                error: BaseException | None = None
            except BaseException as exc:  # cancelled or failed: shown by the one door
                results, error = [], exc
            app.post_message(ProbesFinished(owners, results, error, label, started))

        try:
            runner = self._ensure_runner()
            future: Future[list[ProbeResult]] = runner.submit(probes, on_result=on_result, confirmed=confirmed)
        except Exception as error:  # the engine could not start: the one door shows why
            app.post_message(ProbesFinished(owners, [], error, label, started))
            return
        future.add_done_callback(done)

    # ------------------------------------------------------------------ results

    def result_arrived(self, message: ProbeResultArrived) -> None:
        self.state.live.setdefault(message.item_id, {})[message.result.probe_id] = message.result
        self.state.running_probes.discard(message.result.probe_id)
        self._changed([message.item_id])

    def finished(self, message: ProbesFinished) -> None:
        import concurrent.futures

        state = self.state
        state.running_probes.difference_update(message.owners)
        error = message.error
        if error is not None and not isinstance(error, concurrent.futures.CancelledError):
            if isinstance(error, QatuiError):
                self.app.show_error(error.title, error.message)
            else:
                self.app.show_error("Probes failed", f"{type(error).__name__}: {error}")
        by_item: dict[str, list[ProbeResult]] = {}
        for result in message.results:
            item_id = message.owners.get(result.probe_id)
            if item_id is None:
                continue
            by_item.setdefault(item_id, []).append(result)
            state.live.setdefault(item_id, {})[result.probe_id] = result
        if state.session.signoff is not None:
            # A signed record does not change: the results are on the screen, not in the record.
            if by_item:
                self.app.notify("The record is signed: these probe results are shown, not saved (O reopens it).")
        elif by_item:
            # One save for the batch (`R` over a section: once per item took seconds).
            self.sessions.change(lambda r: r.add_probe_results_of(by_item),
                                 next(iter(by_item)) if len(by_item) == 1 else None)
            self._record_metrics_and_facts(message.results)
        self._changed(sorted(set(message.owners.values())))
        if message.label:
            cancelled = isinstance(error, concurrent.futures.CancelledError)
            line = run_summary(message.label, message.results, time.monotonic() - message.started, cancelled=cancelled)
            self.app.notify(line, title="Probes", timeout=6)

    def _record_metrics_and_facts(self, results: list[ProbeResult]) -> None:
        """Facts and metric figures of a batch, as `qatui probe --record` derives them."""
        facts, metrics = self.state.run_model.figures(results)
        for metric_id, value in metrics.items():
            self.sessions.change(lambda r, m=metric_id, v=value: r.set_metric_after(m, v))
        for label, value in facts.items():
            self.sessions.change(lambda r, k=label, v=value: r.set_fact(k, v))

    def _changed(self, item_ids: Iterable[str]) -> None:
        self.app.tell_main(ProbesChanged(list(item_ids)))

    def cancel(self) -> None:
        model = self.state.run_model
        if model is None or not model.started or not self.state.running_probes:
            self.app.notify("no probes are running")
            return
        model.cancel()
        self.app.notify("cancelling the running probes")
