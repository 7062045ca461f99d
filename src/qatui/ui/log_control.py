"""The log pane's sources: which ones follow (the item's, or all), when they start, and the drain.

Which sources an item has is the checklist's; whether any may start (trust), how each is
built (its variables, the masker) is the run's (`RunModel.log_source`). Each source runs in a
thread worker (`ui/logfeed.py`) that fills a bounded feed; every 100 ms the feed is offered to
the main screen (`LogLinesReady`), which takes the lines into the log pane. Nothing here
touches a widget: the screen is told which sources it shows (`LogSourcesChanged`).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from qatui.ui.logfeed import Batch, LogFeed, follow_source
from qatui.ui.messages import LogLinesReady, LogSourcesChanged

if TYPE_CHECKING:
    from qatui.ui.app import QatuiApp
    from qatui.ui.session_view import LiveSession

#: Lines the log pane takes per 100 ms drain before a flooding source is made to wait.
FLOOD_LINES_PER_DRAIN = 1000
#: Seconds between two offers of the feed's lines to the screen.
DRAIN_EVERY = 0.1


class LogControl:
    """Scope (item or all), the sources' workers, and the drain into the screen."""

    def __init__(self, app: QatuiApp, state: LiveSession) -> None:
        self.app = app
        self.state = state
        self.feed = LogFeed(max_pending_lines=FLOOD_LINES_PER_DRAIN)
        self.feed.clean = self._clean_text  # log lines: secrets masked, escapes shown
        self.scope = "item"
        self._names: list[str] | None = None
        #: A `LogLinesReady` is on its way and not taken yet: no second one.
        self._offered = False

    def _clean_text(self, text: str) -> str:
        """Untrusted one-line text for the screen: secrets masked with the run's masker (the
        checklist's, and those the probes captured), control characters made visible."""
        from qatui.core.text import inert

        return inert(self.state.masked(text), one_line=True)

    def toggle_scope(self) -> None:
        """`l`: the item's sources or all of them. The sources shown before and after keep
        running and keep their lines (and the tester's selection): nothing is read again."""
        self.scope = "all" if self.scope == "item" else "item"
        self.switch(self.state.current_item, keep=True)

    def names_for(self, item_id: str | None) -> list[str]:
        checklist = self.state.checklist
        assert checklist is not None
        if self.scope == "all":
            return list(checklist.logs)
        if item_id is None:
            return []
        item = self.state.item(item_id)
        names = item.logs or checklist.section_of(item_id).logs
        return [name for name in names if name in checklist.logs]

    def restart(self, item_id: str | None) -> None:
        """Start the sources again even if they are the same (trust changed)."""
        self._names = None
        self.switch(item_id)

    def switch(self, item_id: str | None, *, keep: bool = False) -> None:
        """Follow the sources of `item_id` (or all of them); the same sources keep running.
        `keep` (a scope change): the sources shown before and after keep running and their
        lines stay in the pane; otherwise every source starts again from its tail."""
        checklist = self.state.checklist
        if self.app.main_screen is None or checklist is None:
            return
        names = self.names_for(item_id)
        if names == self._names and not keep:
            return
        kept = [name for name in self._names or () if name in names] if keep else []
        self._names = names
        tails = self.feed.restart(names, keep=kept)
        if self.feed.closed:
            return  # on the way out (the settle timer fired after `shutdown_workers`)
        message = "" if names else (
            "no log sources for this item · l shows every source" if self.scope == "item"
            else "this checklist has no log sources"
        )
        model = self.state.run_model
        if names and not model.trusted:
            # qatui opens no log source of an untrusted checklist (`r` shows the review).
            self.app.tell_main(LogSourcesChanged(names, self.scope, message,
                                                 note="not started: not trusted (r or qatui trust)", keep=kept))
            return
        self.app.tell_main(LogSourcesChanged(names, self.scope, message, keep=kept))
        if not names:
            return
        mask = model.masker.mask
        for name, (generation, stop) in tails.items():
            self.app.run_worker(
                partial(follow_source, self.feed, generation, stop,
                        partial(model.log_source, name, for_screen=True), checklist.logs[name].tail, mask),
                thread=True,
                group="logs",
                exit_on_error=False,
                description=f"log source {name}",
            )

    def drain(self) -> None:
        """Every `DRAIN_EVERY` seconds: offer the waiting lines to the screen (one offer at a
        time; with no main screen they are dropped, as nothing would show them)."""
        if self._offered or not self.feed.waiting:
            return
        self._offered = True
        if not self.app.tell_main(LogLinesReady(self._take)):
            self._take()

    def _take(self) -> list[Batch]:
        self._offered = False
        return self.feed.drain()

    def inject(self, lines: list[Any]) -> None:
        """Feed lines as if a source produced them (demo screenshots, tests)."""
        self.feed.put(self.feed.generation, lines, block=False)

    def stop(self) -> None:
        self.feed.stop()
