"""The one place a session changes, and every change is saved at once.

The screen, the headless commands and the tests all change a session through a `Recorder`:
tick an item, write a note, attach log lines or probe results, record a fact or a timing,
sign. Each call updates the session and saves the record atomically before it returns, so a
crash loses nothing that was done. A change whose save fails (the file changed on disk, a full
disk) is undone before the error is raised: the session is always what the file holds, so a
screen drawn from it never shows a tick that a `kill -9` would lose. Keeping all changes here
means three rules hold everywhere:

- times come from one injectable clock and are always timezone-aware (to the second; a record
  written in Berlin and read in Lisbon says the same instant);
- every piece of text passes through the secrets `Masker` before it is stored, so a secret
  never reaches the record, even when a probe's output echoes it;
- a signed record is not changed behind its signature: changes after a sign-off need
  `reopen()` first, which removes the sign-off.

`Recorder.open_or_start` resumes the record of the same checklist and environment if one
exists at the path (bringing it in line with a checklist that changed since: new items are
added untested, items whose text changed become untested again, removed items are dropped,
each listed in `changes`) or starts a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from qatui import __version__
from qatui.core.checklist import Checklist
from qatui.core.errors import RecordError, RecordSigned
from qatui.core.record.bring_in_line import apply_initial_status, bring_in_line, same_checklist
from qatui.core.record.context import fill_context
from qatui.core.record.mask import mask_probe, mask_session
from qatui.core.record.paths import default_record_path
from qatui.core.record.store import RecordFile, local_now
from qatui.core.secrets import Masker
from qatui.core.session import (
    Evidence,
    HistoryEntry,
    ItemResult,
    MetricValue,
    ProbeResult,
    Session,
    SignOff,
    Status,
    checklist_notes,
    target_of,
)
from qatui.core.text import inert

Clock = Callable[[], datetime]

__all__ = ["Clock", "Recorder", "default_record_path", "local_now", "same_checklist"]


class Recorder:
    """Changes a session and saves it after every change (see the module docstring)."""

    def __init__(
        self,
        record_file: RecordFile,
        session: Session,
        *,
        clock: Clock = local_now,
        masker: Masker | None = None,
        build: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """`build` (else `QATUI_BUILD` in `env`, else git where the checklist lives) names the
        build under test; see `core/record/context.py` for what else is filled in here."""
        self.file = record_file
        self.session = session
        self.clock = clock
        self.masker = masker if masker is not None else Masker()
        fill_context(session, record_file.path, build=build, env=env)
        if session.started_at is not None:  # a session started elsewhere (the screen's first frame)
            session.started_at = _to_the_second(session.started_at)
        #: What `open_or_start` changed when it brought a resumed record in line with its checklist.
        self.changes: list[str] = []
        self.resumed = False
        if self.masker:
            mask_session(session, self.masker)
            record_file.cache.invalidate()
        #: Who the history names for the verdicts given through this recorder: the session's
        #: tester, or whoever resumed the record (`open_or_start(tester=…)`), masked.
        self.tester = session.tester
        record_file.holder = session.tester  # named in the lock file ("last saved by …"), masked

    @property
    def record_file(self) -> RecordFile:
        return self.file

    # ------------------------------------------------------------ helpers

    def now(self) -> datetime:
        return _to_the_second(self.clock())

    def _mask(self, text: str) -> str:
        """Secrets masked and control characters made visible: the record holds only text
        that is safe to show and valid in YAML, XML and UTF-8 (see `core/text.py`)."""
        return inert(self.masker.mask(text))

    def _item(self, item_id: str) -> ItemResult:
        try:
            item = self.session.item(item_id)
        except KeyError:
            raise RecordError(f"no item {item_id!r} in this record") from None
        # The item is about to change; its cached Markdown must not survive that.
        self.file.cache.invalidate(item_id)
        return item

    def _metric(self, metric_id: str) -> MetricValue:
        for metric in self.session.metrics:
            if metric.id == metric_id:
                return metric
        raise RecordError(f"no performance metric {metric_id!r} in this record")

    def _unsigned(self) -> None:
        if self.session.signoff is not None:
            signoff = self.session.signoff
            raise RecordSigned(
                f"the record was signed by {signoff.name} ({signoff.role}) on "
                f"{signoff.at:%Y-%m-%d %H:%M} {_zone(signoff.at)}; reopen it before changing it",
                title="Record is signed",
            )

    @contextmanager
    def _saving(self, undo: Callable[[], None]) -> Iterator[None]:
        """Make the change in the `with` block, then save; if either fails, `undo` puts the
        session back as the file holds it and the error goes on to the caller."""
        try:
            yield
            self.save()
        except BaseException:
            undo()
            self.file.cache.invalidate()  # a render of the undone change must not be reused
            raise

    def _undo_item(self, item: ItemResult) -> Callable[[], None]:
        """What puts `item` back as it is now (the fields a change touches)."""
        status, note, updated_at = item.status, item.note, item.updated_at
        evidence, probes, history = list(item.evidence), list(item.probes), list(item.history)
        conflict = item.conflict

        def undo() -> None:
            item.status, item.note, item.updated_at = status, note, updated_at
            item.evidence[:], item.probes[:], item.history[:] = evidence, probes, history
            item.conflict = conflict

        return undo

    def _undo_signoff(self) -> Callable[[], None]:
        signoff, finished_at = self.session.signoff, self.session.finished_at

        def undo() -> None:
            self.session.signoff, self.session.finished_at = signoff, finished_at

        return undo

    def save(self, *, force: bool = False) -> None:
        """Save now (every change does this itself); `force` overwrites a changed file."""
        self.file.save(self.session, force=force)

    def save_as(self, path: str | Path) -> None:
        self.file.save_as(path, self.session)

    # ------------------------------------------------------------ changes

    def set_status(self, item_id: str, status: Status, note: str | None = None) -> ItemResult:
        """Give an item its verdict. A change of verdict adds a history entry (the session's
        tester, the clock's time, the note as it stands); the same verdict again only updates
        the note, and with it the latest entry's note (see `set_note`). On an item in conflict
        (testers gave different verdicts, `core/record/merge.py`) any verdict is the decision:
        it always adds an entry, by whoever decided, and ends the conflict."""
        self._unsigned()
        item = self._item(item_id)
        with self._saving(self._undo_item(item)):
            new = Status(status)
            changed = new is not item.status or bool(item.conflict)
            item.conflict = []
            item.status = new
            if note is not None:
                item.note = self._mask(note)
            item.updated_at = self.now()
            if changed:
                item.history.append(HistoryEntry(new, self.tester, item.updated_at, item.note))
            else:
                self._note_in_history(item)
        return item

    def set_note(self, item_id: str, text: str) -> ItemResult:
        self._unsigned()
        item = self._item(item_id)
        with self._saving(self._undo_item(item)):
            item.note = self._mask(text)
            item.updated_at = self.now()
            self._note_in_history(item)
        return item

    def _note_in_history(self, item: ItemResult) -> None:
        """A note written after the verdict belongs to it: the latest entry takes the note when
        it is this tester's entry for the item's current verdict (a tester marks an item failed,
        then writes why). Another tester's entry, or an older verdict's, is never rewritten, so
        a failure's explanation survives a later pass and a merge sees each tester's words."""
        if not item.history:
            return
        last = item.history[-1]
        if last.status is item.status and last.tester == self.tester and last.note != item.note:
            item.history[-1] = replace(last, note=item.note)  # a new value: the render cache compares

    def attach(self, item_id: str, evidence: Evidence) -> ItemResult:
        self._unsigned()
        item = self._item(item_id)
        with self._saving(self._undo_item(item)):
            item.evidence.append(
                Evidence(
                    kind=evidence.kind,
                    source=self._mask(evidence.source),
                    text=self._mask(evidence.text),
                    at=self.now() if evidence.at is None else _to_the_second(evidence.at),
                )
            )
        return item

    def add_probe_results(self, item_id: str, results: Iterable[ProbeResult]) -> ItemResult:
        """Keep the latest result of each probe (a re-run replaces the earlier one in place)."""
        self.add_probe_results_of({item_id: results})
        return self._item(item_id)

    def add_probe_results_of(self, results: Mapping[str, Iterable[ProbeResult]]) -> None:
        """The results of a batch for several items (item id → results), saved once: `R` over a
        section of a 5,000-item checklist wrote the record once per item (2 s on the screen)."""
        self._unsigned()
        items = [self._item(item_id) for item_id in results]
        undos = [self._undo_item(item) for item in items]

        def undo() -> None:
            for one in undos:
                one()

        with self._saving(undo):
            for item, batch in zip(items, results.values(), strict=True):
                self._put_results(item, batch)

    def _put_results(self, item: ItemResult, results: Iterable[ProbeResult]) -> None:
        for result in results:
            masked = mask_probe(result, self.masker)
            masked.at = self.now() if masked.at is None else _to_the_second(masked.at)
            for index, existing in enumerate(item.probes):
                if existing.probe_id == masked.probe_id:
                    item.probes[index] = masked
                    break
            else:
                item.probes.append(masked)

    def set_fact(self, label: str, value: str) -> None:
        self._unsigned()
        facts = self.session.facts
        before = dict(facts)

        def undo() -> None:
            facts.clear()
            facts.update(before)

        with self._saving(undo):
            facts[self._mask(label)] = self._mask(value)

    def set_metric_after(self, metric_id: str, value: float | None) -> MetricValue:
        return self._set_figure(metric_id, "after", value)

    def set_metric_before(self, metric_id: str, value: float | None) -> MetricValue:
        return self._set_figure(metric_id, "before", value)

    def _set_figure(self, metric_id: str, which: Literal["before", "after"], value: float | None) -> MetricValue:
        """Set a timing's before- or after-figure (one path for both, undone if the save fails)."""
        self._unsigned()
        metric = self._metric(metric_id)
        old = getattr(metric, which)

        def undo() -> None:
            setattr(metric, which, old)

        with self._saving(undo):
            setattr(metric, which, None if value is None else float(value))
        return metric

    def sign(self, signoff: SignOff) -> None:
        """Sign the record; it is finished now. Further changes need `reopen()`."""
        self._unsigned()
        at = _to_the_second(signoff.at)
        with self._saving(self._undo_signoff()):
            self.session.signoff = SignOff(
                name=self._mask(signoff.name),
                role=self._mask(signoff.role),
                at=at,
                meaning=self._mask(signoff.meaning),
                comment=self._mask(signoff.comment),
            )
            self.session.finished_at = self.now()

    def reopen(self) -> None:
        """Remove the sign-off (and the finish time it set) so the record can change again.

        The record then reads back exactly as this session: unsigned, every result kept."""
        if self.session.signoff is None and self.session.finished_at is None:
            return
        with self._saving(self._undo_signoff()):
            self.session.signoff = None
            self.session.finished_at = None

    # ------------------------------------------------------------ opening

    @classmethod
    def open_or_start(
        cls,
        checklist: Checklist,
        path: str | Path,
        *,
        tester: str,
        environment: str,
        clock: Clock = local_now,
        masker: Masker | None = None,
        qatui_version: str = __version__,
        build: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Recorder:
        """Resume the record at `path` if it is one of this checklist and environment, or
        start a new one there (saved at once)."""
        record_file = RecordFile(path)
        if record_file.exists():
            return cls.resume(checklist, record_file, record_file.load(), environment=environment, clock=clock,
                              masker=masker, tester=tester, build=build, env=env)
        now = clock()
        session = Session.start(
            checklist,
            tester=tester,
            environment=environment,
            started_at=_to_the_second(now),
            qatui_version=qatui_version,
        )
        session.target = target_of(checklist, environment, env)
        apply_initial_status(session, checklist)
        recorder = cls(record_file, session, clock=clock, masker=masker, build=build, env=env)
        recorder.save()
        return recorder

    @classmethod
    def resume(
        cls,
        checklist: Checklist,
        record_file: RecordFile,
        session: Session,
        *,
        environment: str,
        clock: Clock = local_now,
        masker: Masker | None = None,
        tester: str = "",
        build: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Recorder:
        """Resume a record already read (`record_file.load()` gave `session`): it must be of
        this checklist and environment; it is brought in line with the checklist (saved if
        that changed anything). The screen reads the record in a thread and resumes here.
        `build` and `env` as for `Recorder(…)`."""
        path = record_file.path
        if not same_checklist(session, checklist):
            raise RecordError(
                f"{path} is a record of another checklist ({session.title!r}, "
                f"{session.checklist_path}); choose another record path",
                title="Record belongs to another checklist",
            )
        if session.environment != environment:
            raise RecordError(
                f"{path} is a record of environment {session.environment!r}, not "
                f"{environment!r}; choose another record path",
                title="Record belongs to another environment",
            )
        session.description, session.notes = checklist.description, checklist_notes(checklist)
        recorder = cls(record_file, session, clock=clock, masker=masker, build=build, env=env)
        recorder.resumed = True
        if tester:
            recorder.tester = recorder._mask(tester)
        recorder.changes = bring_in_line(session, checklist, recorder.now())
        if recorder.changes:
            recorder.save()
        return recorder


def _to_the_second(value: datetime) -> datetime:
    """Times in a record are to the second and carry their zone (a naive time means local):
    microseconds are noise in a diff and mean nothing to a reviewer."""
    if value.tzinfo is None:
        value = value.astimezone()
    return value.replace(microsecond=0) if value.microsecond else value


def _zone(value: datetime) -> str:
    """The zone of a time as a person reads it: "UTC", "+01:00"."""
    zone = value.tzname() or ""
    return zone[3:] if zone.startswith("UTC") and len(zone) > 3 else zone
