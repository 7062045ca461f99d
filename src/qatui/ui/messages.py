"""What the screens ask for and what the controllers say changed: the messages between them.

Screens never call the app. A key on the main screen becomes a request (`TickRequested`,
`ProbesRequested`, …) posted to the app, whose `@on` handlers hand it to a controller
(`ui/session_control.py`, `ui/probe_control.py`, `ui/log_control.py`); the controller asks the
run (`core/run/`) and the recorder, then posts back what changed (`ItemChanged`,
`ProbesChanged`, …) to the main screen, which refreshes itself from the read-only
`SessionView` (`ui/session_view.py`).

Requests are `Event`s, not plain messages: the app handles the requests a key's binding posts
right after that binding, through its `on_event`, before the keys typed after it (so `f`, a
note and enter typed together reach the note prompt that `f` opens, in order; see
`QatuiApp.on_event`). Everything else is a plain message that does not bubble.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual.events import Event
from textual.message import Message

from qatui.ui.logfeed import Batch

if TYPE_CHECKING:
    from qatui.core.session import ProbeResult, Status


class Request(Event):
    """Something the tester asked for on a screen; posted to the app (`App.post_message`)."""

    bubble = False


class TickRequested(Request):
    """Mark an item (failed and blocked ask for a note first); `then` runs once it is saved
    (tick and advance, `ui/ticking.py`)."""

    def __init__(self, item_id: str, status: Status, then: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.item_id = item_id
        self.status = status
        self.then = then


class NoteRequested(Request):
    """Edit an item's note."""

    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id


class ProbesRequested(Request):
    """Run the probes of these items (asking for trust or the environment's name if needed)."""

    def __init__(self, item_ids: list[str], *, label: str = "", section: bool = False) -> None:
        super().__init__()
        self.item_ids = item_ids
        #: The key that asked (`r`, `R`): named in the run's one-line summary ("" says none).
        self.label = label
        #: A whole section (`R`): probes that may change data are left out, and said so.
        self.section = section


class CancelProbesRequested(Request):
    """Stop the running probes."""


class AutoRunToggled(Request):
    """Turn auto-run of an opened item's probes on or off."""


class AttachRequested(Request):
    """Attach evidence to an item: log lines (with their sources) or one probe's result."""

    def __init__(self, item_id: str, *, lines: list[str] | None = None, sources: list[str] | None = None,
                 result: ProbeResult | None = None) -> None:
        super().__init__()
        self.item_id = item_id
        self.lines = lines or []
        self.sources = sources or []
        self.result = result


class SignoffRequested(Request):
    """Open the sign-off screen."""


class LogScopeToggled(Request):
    """Show the log sources of the current item, or every source of the checklist."""


class ItemOpened(Message, bubble=False):
    """The cursor rests on an item (or on none): its log sources, maybe its probes (auto-run)."""

    def __init__(self, item_id: str | None) -> None:
        super().__init__()
        self.item_id = item_id


# ---------------------------------------------------------------- what changed (to the screen)


class ItemChanged(Message, bubble=False):
    """One item changed in the session (statuses, counts, header; its details if shown)."""

    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id


class SessionChanged(Message, bubble=False):
    """The session as a whole changed (a reload, a figure, a sign-off): redraw from it."""


class AutoRunChanged(Message, bubble=False):
    """`t` turned auto-run on or off (the header shows it)."""

    def __init__(self, on: bool) -> None:
        super().__init__()
        self.on = on


class ProbesChanged(Message, bubble=False):
    """Probe results or running probes of these items changed."""

    def __init__(self, item_ids: list[str]) -> None:
        super().__init__()
        self.item_ids = item_ids


class LogSourcesChanged(Message, bubble=False):
    """The log pane now follows `names` (`scope` "item" or "all"); `message` says why it is
    empty, `note` why the sources did not start; the lines of the sources in `keep` (still
    running across a scope change) stay in the pane."""

    def __init__(self, names: list[str], scope: str, message: str = "", note: str = "",
                 keep: Sequence[str] = ()) -> None:
        super().__init__()
        self.names = names
        self.scope = scope
        self.message = message
        self.note = note
        self.keep = list(keep)


class LogLinesReady(Message, bubble=False):
    """Log lines wait in the feed: `take()` hands them over (the batches of one drain).

    The screen takes them when it handles this message, and the next one is offered only after
    that: a screen behind a flood is offered no more lines than it has taken, so the feed's
    backpressure (`ui/logfeed.py`) still holds the reading threads."""

    def __init__(self, take: Callable[[], list[Batch]]) -> None:
        super().__init__()
        self.take = take


class RecordLinesRead(Message, bubble=False):
    """The start screen's "Record: …" line of every environment (read in a thread worker)."""

    def __init__(self, lines: dict[str, str]) -> None:
        super().__init__()
        self.lines = lines


class SignoffClosed(Message, bubble=False):
    """The sign-off screen is closed: the checklist takes the keys again."""


# ---------------------------------------------------------------- from the probe engine's thread


class ProbeResultArrived(Message):
    """One probe finished (posted from the runner's thread)."""

    def __init__(self, item_id: str, result: ProbeResult) -> None:
        super().__init__()
        self.item_id = item_id
        self.result = result


class ProbesFinished(Message):
    """A submitted batch of probes is done, or failed as a whole (posted from the runner's thread)."""

    def __init__(self, owners: dict[str, str], results: list[ProbeResult], error: BaseException | None,
                 label: str = "", started: float = 0.0) -> None:
        super().__init__()
        self.owners = owners  # probe id -> item id, every probe of the batch
        self.results = results
        self.error = error
        self.label = label  # the key that ran it (`r`, `R`), for the summary; "" says none
        self.started = started  # time.monotonic() when it was submitted
