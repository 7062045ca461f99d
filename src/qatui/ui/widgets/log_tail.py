"""The log pane's tail: Textual's `Log`, with the line selection of `log_selection`.

Its own module so that the log pane can be mounted (and the first frame painted) before this,
`log_selection` and Textual's `Log` are imported: the pane makes its tail a frame later.
"""

from __future__ import annotations

from qatui.ui.widgets.log_selection import SelectableLog


class TailLog(SelectableLog):
    """Textual's `Log` (with the line selection of `log_selection`), measuring new lines on the spot.

    `Log` measures the width of every batch in a new thread worker (a thread per write, each
    running a regex over every line); in a flood that is ten threads a second fighting the
    screen for the GIL. The pane does not scroll sideways, so `len` of the longest line is
    all the width it needs, and it costs microseconds.
    """

    def _update_size(self, updates: int, lines: list[str]) -> None:  # type: ignore[override]
        if lines:
            self._update_maximum_width(updates, max(map(len, lines)))
