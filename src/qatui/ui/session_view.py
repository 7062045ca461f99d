"""The session as the screens read it, and the one object the controllers change.

`SessionView` is what a screen may know: the checklist, the session, an item and its result,
its probe results (recorded, and live ones newer than the record), which probes run, whether
the checklist is trusted. Screens are handed a view and never the app, so a screen cannot
change the session behind the recorder's back, and a change of the app's insides does not
reach them. `LiveSession` is the app's one implementation: the state the controllers share
(the recorder, the run, the live probe results) with O(1) lookups over it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from qatui.core.checklist import Checklist, Environment, Item
    from qatui.core.session import ItemResult, ProbeResult, Session


class SessionView(Protocol):
    """Read-only: what the screens show."""

    clock: Callable[[], datetime]
    deterministic: bool
    log_max_lines: int

    @property
    def checklist(self) -> Checklist | None: ...

    @property
    def session(self) -> Session: ...

    @property
    def trusted(self) -> bool: ...

    def item(self, item_id: str) -> Item: ...

    def item_result(self, item_id: str) -> ItemResult | None: ...

    def probe_results(self, item_id: str) -> dict[str, ProbeResult]: ...

    def is_running(self, probe_id: str) -> bool: ...

    def resume_item(self) -> str | None: ...

    #: Tick and advance (the config's `advance`): a verdict moves the cursor to the next open item.
    advance: bool
    #: Whether an opened item's probes run by themselves (`t`).
    auto_run: bool


class LiveSession:
    """The session of the app (a `SessionView`): the controllers change it, screens read it."""

    def __init__(self, checklist: Checklist | None, clock: Callable[[], datetime], *, deterministic: bool,
                 log_max_lines: int, record_path: str | None) -> None:
        #: The checklist the screen shows: the tester's part of it once a session opens.
        self.checklist = checklist
        #: The whole checklist (the run's: a part's probes may need others' captures).
        self.full_checklist = checklist
        self.clock = clock
        self.deterministic = deterministic
        self.log_max_lines = log_max_lines
        #: Where the record goes until the recorder exists (then the recorder's file says).
        self.planned_path = record_path
        #: The `Recorder` once the record is written; before that, `new_session`.
        self.recorder: Any = None
        self.new_session: Session | None = None
        #: The run both faces share (`core/run`): trust, scope, masker, gates, probe runner, log
        #: sources. Made with the session (it needs the environment).
        self.run_model: Any = None
        #: The run's masker, kept from when the run was made (the record's masker too).
        self.masker: Any = None
        #: Opened from a record (`qatui RECORD.md`): the session opens on the item changed last.
        self.resuming = False
        self.baseline: Session | None = None
        self.running_probes: set[str] = set()
        #: Probe results of this session not (or not yet) in the record, by item.
        self.live: dict[str, dict[str, ProbeResult]] = {}
        #: The item the cursor rests on (the last `ItemOpened`).
        self.current_item: str | None = None
        #: Tick and advance (from the config when the session opens; see `SessionView`).
        self.advance = True
        #: `t`: an opened item's probes run by themselves (command line, config, checklist).
        self.auto_run = False
        self._results_index: dict[str, ItemResult] = {}
        self._items: dict[str, Item] = {}

    # --- the view ---

    @property
    def session(self) -> Session:
        if self.recorder is None:
            assert self.new_session is not None
            return self.new_session
        return self.recorder.session  # type: ignore[no-any-return]

    @property
    def trusted(self) -> bool:
        """Whether the checklist is trusted now (the run's live trust state: a `qatui trust
        --yes` in another terminal counts from the next probe on)."""
        return bool(self.run_model is not None and self.run_model.trusted)

    def item(self, item_id: str) -> Item:
        """The checklist item, by id, in O(1) (the checklist's own lookup scans)."""
        found = self._items.get(item_id)
        if found is None:
            assert self.checklist is not None
            found = self._items[item_id] = self.checklist.item(item_id)
        return found

    def item_result(self, item_id: str) -> ItemResult | None:
        return self._results_index.get(item_id)

    def probe_results(self, item_id: str) -> dict[str, ProbeResult]:
        results: dict[str, ProbeResult] = {}
        recorded = self.item_result(item_id)
        if recorded is not None:
            results.update((r.probe_id, r) for r in recorded.probes)
        results.update(self.live.get(item_id, {}))
        return results

    def is_running(self, probe_id: str) -> bool:
        return probe_id in self.running_probes

    def resume_item(self) -> str | None:
        """The item a resumed session opens on: the one the tester changed last.

        Any existing record counts, however it was named (`qatui RECORD.md`, or the checklist
        with the record at its default or `--record` path)."""
        if not self.resuming and not getattr(self.recorder, "resumed", False):
            return None
        changed = [(item.updated_at, index, item.id) for index, item in enumerate(self.session.items())
                   if item.updated_at is not None]
        return max(changed)[2] if changed else None  # same minute: the later one in the list

    # --- for the controllers ---

    @property
    def record_path(self) -> Path:
        if self.recorder is None:
            return Path(self.planned_path or "")
        return Path(self.recorder.file.path)

    @property
    def environment(self) -> Environment | None:
        assert self.checklist is not None
        return self.checklist.environments.get(self.session.environment)

    def reindex(self) -> None:
        """After the session changed (or was replaced): the lookups follow."""
        self._results_index = {item.id: item for item in self.session.items()}
        if self.checklist is not None and len(self._items) != len(self._results_index):
            self._items = {item.id: item for item in self.checklist.items()}

    def masked(self, text: str) -> str:
        """Secrets of the run masked (nothing to mask before the run exists)."""
        return self.masker.mask(text) if self.masker else text
