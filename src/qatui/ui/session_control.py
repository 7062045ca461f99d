"""The session's recorder and every change the tester makes: ticks, notes, evidence, figures,
the sign-off, and the dialogs a change can meet (a record changed on disk, a signed record).

Every change goes through `SessionControl.change`: the `Recorder` makes it and saves the record
at once; a change whose save fails is undone by the recorder before the error comes here, so
the screen never shows it. One that met a record changed on disk by someone else opens the
conflict dialog and is kept: "Save as" makes it again in the file the dialog names, "Reload"
drops it and shows what the file holds. After a change the main screen is told what changed
(`ItemChanged`, `SessionChanged`) and redraws itself from the `SessionView`.

A new session is shown before its record exists: the record is written after the first paint
(`ensure_recorder`), or by the first change, whichever comes first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from qatui.core.errors import QatuiError, RecordConflict, RecordSigned
from qatui.core.session import Evidence, ProbeResult, Session, SignOff, Status
from qatui.ui.messages import ItemChanged, SessionChanged, SignoffClosed
from qatui.ui.reads import Baseline, read_baseline, read_record

if TYPE_CHECKING:
    from qatui.ui.app import QatuiApp
    from qatui.ui.session_view import LiveSession

#: A change to make through the recorder (kept to make again after "Save as").
Change = Callable[[Any], object]


class SessionControl:
    """Owns the recorder's lifecycle and turns the tester's requests into saved changes."""

    def __init__(self, app: QatuiApp, state: LiveSession) -> None:
        self.app = app
        self.state = state
        #: Changes that met a changed record on disk: not saved and not shown (the recorder
        #: undid them); "Save as" in the conflict dialog makes them again in the new file.
        self.unsaved: list[Change] = []
        #: Why the record counts as changed on disk (kept while the conflict dialog asks again).
        self._conflict_reason = ""
        #: `q` was pressed once with a change not saved (the second `q` leaves without it).
        self.quit_unsaved = False
        #: None: not read yet; False: being read (a thread worker); else the answer.
        self._baseline: Baseline | bool | None = None
        self._signoff_waits = False

    # ------------------------------------------------------------------ the recorder

    def ensure_recorder(self) -> bool:
        """Create the recorder of a new session and write the record (once)."""
        state = self.state
        if state.recorder is not None:
            return True
        session = state.new_session
        if session is None:
            return False
        from qatui.core.record.store import RecordFile
        from qatui.core.recorder import Recorder

        assert state.checklist is not None
        session.fill_fingerprints(state.checklist)
        state.recorder = Recorder(RecordFile(state.planned_path or ""), session, clock=state.clock,
                                  masker=state.masker, env=self.app.options.env_vars)
        state.new_session = None
        return self.saved(lambda: state.recorder.save())

    def change(self, change: Change, item_id: str | None = None) -> bool:
        """Apply one change through the recorder (which saves at once) and tell the screen.

        A change whose save fails is undone by the recorder before the error comes here, so
        the screen never shows it; one that met a changed record is kept to make again in the
        file the conflict dialog's "Save as" names."""
        state = self.state
        if state.recorder is None and not self.ensure_recorder():
            return False
        if not self.saved(lambda: change(state.recorder), pending=change):
            return False
        state.reindex()
        self.app.tell_main(SessionChanged() if item_id is None else ItemChanged(item_id))
        return True

    def saved(self, action: Callable[[], object], *, pending: Change | None = None) -> bool:
        """Run something that writes the record; the one place a failed write becomes words.

        `pending` is the change `action` makes: kept for "Save as" when it meets a conflict."""
        app = self.app
        try:
            action()
        except RecordConflict as conflict:
            if pending is not None:
                self.unsaved.append(pending)
            self.open_conflict(conflict)
            return False
        except RecordSigned as error:
            app.show_error(error.title, f"{error.message} (press O to reopen it).")
            return False
        except QatuiError as error:
            app.show_error(error.title, error.message)
            return False
        except OSError as error:
            app.show_error("Record not saved", f"{self.state.record_path}: {error.strerror or error}")
            return False
        except Exception as error:  # a bug must still not cost the session: say it, keep going
            app.show_error("Change not saved", f"{type(error).__name__}: {error}")
            return False
        return True

    # ------------------------------------------------------------------ the tester's changes

    def tick(self, item_id: str, status: Status, *, then: Callable[[], None] | None = None) -> None:
        """Set the verdict (failed and blocked ask for a note first); `then` runs once it is
        saved (tick and advance, `ui/ticking.py`)."""
        if status in (Status.FAILED, Status.BLOCKED):
            from qatui.ui.screens.modals import NoteModal

            current = self.state.item_result(item_id)
            word = "failed" if status is Status.FAILED else "blocked"
            self.app.push_screen(
                NoteModal(
                    f"{status.mark} {word.capitalize()}: {self.state.item(item_id).title}",
                    current.note if current else "",
                    prompt=f"What did you see? (saved as the item's note; ctrl+s with nothing marks it {word} without a note)",
                    save=partial(self._ticked_with_note, item_id, status, then),  # a failed save keeps the note
                ),
            )
            return
        if self.change(lambda r: r.set_status(item_id, status), item_id) and then is not None:
            then()

    def _ticked_with_note(self, item_id: str, status: Status, then: Callable[[], None] | None, note: str) -> bool:
        saved = self.change(lambda r: r.set_status(item_id, status, note=note or None), item_id)
        if saved and then is not None:
            then()
        return saved

    def edit_note(self, item_id: str) -> None:
        from qatui.ui.screens.modals import NoteModal

        current = self.state.item_result(item_id)
        title = self.state.item(item_id).title
        self.app.push_screen(
            NoteModal(f"Note: {title}", current.note if current else "", save=partial(self._noted, item_id)),
        )

    def _noted(self, item_id: str, note: str) -> bool:
        return self.change(lambda r: r.set_note(item_id, note), item_id)

    def attach_log(self, item_id: str, sources: list[str], lines: list[str]) -> None:
        evidence = Evidence("log", ", ".join(sources) or "logs", "\n".join(lines), at=self.state.clock())
        if self.change(lambda r: r.attach(item_id, evidence), item_id):
            self.app.notify(f"attached {len(lines)} log line{'s' if len(lines) != 1 else ''} to {item_id}")

    def attach_probe(self, item_id: str, result: ProbeResult) -> None:
        from qatui.core.record.render import probe_evidence_text  # the record stores it once

        evidence = Evidence("probe", result.probe_id, probe_evidence_text(result), at=self.state.clock())
        if self.change(lambda r: r.attach(item_id, evidence), item_id):
            self.app.notify(f"attached the output of {result.probe_id} to {item_id}")

    def set_metric(self, metric_id: str, value: float | None) -> bool:
        """A figure the tester typed (a manual metric's "after"), saved at once."""
        return self.change(lambda r: r.set_metric_after(metric_id, value))

    def sign(self, signoff: SignOff) -> None:
        if self.change(lambda r: r.sign(signoff)):
            self.app.notify("Signed. The record is final.")

    def reopen(self) -> None:
        """Take the sign-off off a signed record (after asking) so it can change again."""
        from qatui.ui.screens.modals import ConfirmModal

        signoff = self.state.session.signoff
        if signoff is None:
            self.app.notify("The record is not signed; nothing to reopen.")
            return
        body = (f"Signed by {signoff.name} ({signoff.role}): {signoff.meaning}.\n\nReopening removes "
                "the sign-off from the record, so items can change again; sign again when you are done.")
        self.app.push_screen(ConfirmModal("Reopen the signed record?", body, yes="Reopen", no="Keep it signed"),
                             self._reopened)

    def _reopened(self, yes: bool | None) -> None:
        if yes and self.change(lambda r: r.reopen()):
            self.app.notify("Reopened: the sign-off is removed from the record.")

    # ------------------------------------------------------------------ sign-off and baseline

    def load_baseline(self) -> None:
        """Read the baseline record (the sign-off's "before") in a thread worker, once."""
        if self._baseline is not None:
            return
        self._baseline = False
        state = self.state
        work = partial(read_baseline, self.app.options.baseline, state.record_path,
                       state.checklist.path if state.checklist is not None else None)
        self.app.read_then(work, self._baseline_read, "reading the baseline record")

    def _baseline_read(self, baseline: Baseline) -> None:
        self._baseline = baseline
        self.state.baseline = baseline.session
        if baseline.warning:
            self.app.notify(baseline.warning, severity="warning")
        if self._signoff_waits:
            self._signoff_waits = False
            self.open_signoff()

    def open_signoff(self) -> None:
        from qatui.ui.screens.signoff import SignOffScreen

        state = self.state
        assert state.checklist is not None
        self.load_baseline()
        if not self._baseline:  # still being read: the screen opens with its answer
            self._signoff_waits = True
            return
        signer = state.recorder.tester if state.recorder is not None else ""  # the lead of a team's record
        self.app.push_screen(
            SignOffScreen(state.checklist, state.session, state.baseline, state.clock, save_figure=self.set_metric,
                          signer=signer),
            self._signed,
        )

    def _signed(self, signoff: SignOff | None) -> None:
        if signoff is not None:
            self.sign(signoff)
        self.app.tell_main(SignoffClosed())  # back on the checklist: j and p work at once

    # ------------------------------------------------------------------ conflicts

    def conflict_open(self) -> bool:
        from qatui.ui.screens.modals import ConflictModal

        return any(isinstance(screen, ConflictModal) for screen in self.app.screen_stack)

    def open_conflict(self, conflict: RecordConflict) -> None:
        from qatui.ui.screens.modals import ConflictModal

        if self.conflict_open():
            return  # one question at a time: a probe result meeting the same conflict waits
        from qatui.core.record.paths import free_name

        path = self.state.record_path
        taken = ""
        if conflict.path == str(path):
            self._conflict_reason = conflict.reason
            suggested = str(free_name(path, (self.state.session.tester or "mine").replace(" ", "-")))
        else:  # "Save as" named a file that exists: ask again, saying so, about the same record
            taken = suggested = conflict.path
        self.app.push_screen(
            ConflictModal(str(path), self._conflict_reason, suggested, taken=taken), self._conflict_answer
        )

    def _conflict_answer(self, answer: tuple[str, str] | None) -> None:
        self.quit_unsaved = False
        if answer is None:
            return
        action, target = answer
        if action == "reload":  # read in a thread worker; `_reloaded` takes the answer
            self.app.read_then(partial(read_record, self.state.record_path), self._reloaded, "reading the record")
            return
        try:
            self.state.recorder.save_as(target)
            self.app.config.remember(record=target)
            # The changes that met the conflict, made again in the new file (each saved).
            unsaved, self.unsaved = self.unsaved, []
            for change in unsaved:
                self.saved(partial(change, self.state.recorder), pending=change)
            self.app.notify(f"saved as {target}; ticks now go there")
        except RecordConflict as conflict:
            self.open_conflict(conflict)
            return
        except QatuiError as error:
            self.app.show_error(error.title, error.message)
            return
        self.state.reindex()
        self.app.tell_main(SessionChanged())

    def _reloaded(self, loaded: tuple[Any, Session] | QatuiError) -> None:
        """The record as it is on disk now replaces the session (the conflict's "Reload")."""
        if isinstance(loaded, QatuiError):
            self.app.show_error(loaded.title, loaded.message)
            return
        from qatui.core.recorder import Recorder

        state = self.state
        record_file, session = loaded
        state.recorder = Recorder(record_file, session, clock=state.clock, masker=state.masker)
        self.unsaved = []
        self.app.notify(f"reloaded {state.record_path}")
        state.reindex()
        self.app.tell_main(SessionChanged())
