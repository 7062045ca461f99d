"""The help screen: every key and what it does, straight from `qatui.ui.keys.KEYS`.

The list is longer than 24 rows, so it scrolls (arrows, j/k, PageUp/PageDown, space, g/G,
home/end) under a fixed title, with the closing hint and the dialog's own footer always on
screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from qatui.ui.keys import KEYS
from qatui.ui.screens.modals import ScrollBody, dialog_footer

GROUP_ORDER = ("Session", "Probes", "Logs", "Move", "View", "App")


def keys_table(keymap: Mapping[str, str] | None = None) -> Table:
    """Every key by group; `keymap` (binding id → keys, the user's `keymap.toml`) shows the
    keys as remapped."""
    from qatui.ui.keymap import shown_keys

    keymap = keymap or {}
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for group in GROUP_ORDER:
        table.add_row(Text(group, style="bold underline"), "")
        seen: set[tuple[str, str]] = set()
        for key in KEYS:
            if key.group != group:
                continue
            text = key.help
            if (key.action, key.display) in seen:  # the same keys doing the same in another pane
                continue
            seen.add((key.action, key.display))
            table.add_row(shown_keys(key.id, key.keys, keymap), text)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]
    AUTO_FOCUS = "#help-body"

    def __init__(self, keymap: Mapping[str, str] | None = None) -> None:
        """`keymap`: the tester's keys (`keymap.toml`, binding id → keys), shown in place of the
        defaults they replace."""
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label("Keys", classes="dialog-title dialog-top")
            yield ScrollBody(
                Static(keys_table(self.keymap)),
                Static(
                    Text(
                        "Filter words: plain words match titles, ids and tags; "
                        "status:failed, priority:critical and is:open narrow the list. "
                        "Everything you do is saved to the record at once.",
                        style="dim",
                    )
                ),
                id="help-body",
            )
            yield Static("↑↓ j k PgUp PgDn g G scroll · esc closes", classes="dialog-hint dialog-bottom")
        yield dialog_footer()

    def action_close(self) -> None:
        self.dismiss(None)
