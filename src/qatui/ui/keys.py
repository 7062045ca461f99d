"""Every key of the screen, declared once.

The footer, the help screen and the command palette are all built from `KEYS`, so a key can
never be documented in one place and bound differently in another. Each entry has a stable
`id` (Textual's `Binding.id`, usable in user keymaps), the key(s), the action it runs, a short
footer label and a sentence for the help screen.

`scope` says where the binding lives: `screen` (the main screen: ticks, probes, sign-off),
`app` (quit, help, palette), `list` (the checklist pane: moving), `probes` / `logs` (active only
when that pane has focus, so the footer shows what applies now).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    id: str
    keys: str  # Textual key spec, comma separated alternatives
    action: str
    label: str  # short, for the footer
    help: str  # one sentence, for the help screen and the palette
    scope: str = "screen"
    group: str = "Session"
    show: bool = True  # shown in the footer
    palette: bool = True  # offered in the command palette
    priority: bool = False

    @property
    def display(self) -> str:
        """The keys as a tester types them: `j / down`."""
        names = {
            "slash": "/",
            "question_mark": "?",
            "space": "space",
            "enter": "enter",
            "escape": "esc",
            "tab": "tab",
            "shift+tab": "shift+tab",
            "ctrl+p": "ctrl+p",
        }
        return " / ".join(names.get(k, k) for k in self.keys.split(","))

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.label,
            show=self.show,
            priority=self.priority,
            id=self.id,
            tooltip=self.help,
        )


KEYS: tuple[Key, ...] = (
    # --- ticking ---
    Key("pass", "p", "set_status('passed')", "Pass", "Mark the selected item passed."),
    Key("fail", "f", "set_status('failed')", "Fail", "Mark the selected item failed (asks for a note)."),
    Key("blocked", "b", "set_status('blocked')", "Blocked", "Mark the selected item blocked (asks for a note)."),
    Key("skip", "s", "set_status('skipped')", "Skip", "Mark the selected item skipped.", show=False),
    Key("untested", "u", "set_status('untested')", "Untested", "Put the selected item back to untested.", show=False),
    Key("note", "n", "note", "Note", "Write or edit the selected item's note."),
    # --- probes and evidence ---
    Key("run", "r", "run_item_probes", "Run", "Run the selected item's probes.", group="Probes"),
    Key("run_section", "R", "run_section_probes", "Run section", "Run every probe of the selected item's section.", group="Probes", show=False),
    Key("cancel", "x", "cancel_probes", "Cancel", "Cancel the probes that are running.", group="Probes", show=False),
    Key("auto_run", "t", "toggle_auto_run", "Auto-run", "Turn running an item's probes when it is opened on or off.", group="Probes", show=False),
    Key("attach", "a", "attach", "Attach", "Attach the selected probe's output, or the log lines on screen, to the item as evidence.", group="Probes", show=False),
    # --- finding and moving ---
    Key("filter", "slash", "filter", "Filter", "Filter the checklist: words match titles; status:failed, priority:critical, is:open narrow it.", group="Move"),
    Key("next_pane", "tab", "app.focus_next", "Next pane", "Move to the next pane.", scope="app", group="Move", show=False, palette=False),
    Key("down", "down,j", "cursor_down", "Down", "Select the next item (j or down).", scope="list", group="Move", show=False, palette=False),
    Key("up", "up,k", "cursor_up", "Up", "Select the previous item (k or up).", scope="list", group="Move", show=False, palette=False),
    Key("page_down", "pagedown", "page_down", "Page down", "Move one page down.", scope="list", group="Move", show=False, palette=False),
    Key("page_up", "pageup", "page_up", "Page up", "Move one page up.", scope="list", group="Move", show=False, palette=False),
    Key("first", "home,g", "first", "First", "Select the first item.", scope="list", group="Move", show=False, palette=False),
    Key("last", "end,G", "last", "Last", "Select the last item.", scope="list", group="Move", show=False, palette=False),
    Key("probe_down", "down,j", "cursor_down", "Down", "Select the next probe.", scope="probes", group="Move", show=False, palette=False),
    Key("probe_up", "up,k", "cursor_up", "Up", "Select the previous probe.", scope="probes", group="Move", show=False, palette=False),
    Key("expand", "enter", "expand", "Expand", "Show or hide the selected probe's detail and explanation.", scope="probes", group="Probes"),
    # --- logs ---
    Key("follow", "space", "toggle_follow", "Pause/follow", "Pause the log tail or follow it again.", group="Logs", show=False),
    Key("log_scope", "l", "toggle_log_scope", "Item/all logs", "Show the item's log sources or every source of the environment.", group="Logs", show=False),
    # --- session ---
    Key("signoff", "S", "signoff", "Sign off", "Open the sign-off screen: what is open, the performance table, the signature."),
    Key("help", "question_mark", "app.help", "Help", "Show every key and what it does.", scope="app", group="App"),
    Key("quit", "q", "app.quit", "Quit", "Quit; everything is already saved.", scope="app", group="App"),
    Key("palette", "ctrl+p", "app.command_palette", "Palette", "Open the command palette with every action.", scope="app", group="App", show=False, palette=False),
)

KEYS_BY_ID: dict[str, Key] = {key.id: key for key in KEYS}


def bindings(scope: str) -> list[Binding]:
    """The Textual bindings of one scope, in declaration order."""
    return [key.binding() for key in KEYS if key.scope == scope]


def keys_in(groups: Iterable[str] | None = None) -> list[Key]:
    wanted = set(groups) if groups is not None else None
    return [key for key in KEYS if wanted is None or key.group in wanted]
