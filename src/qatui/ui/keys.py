"""Every key of the screen, declared once.

The footer, the help screen and the command palette are all built from `KEYS`, so a key can
never be documented in one place and bound differently in another. Each entry has a stable
`id` (Textual's `Binding.id`, usable in user keymaps), the key(s), the action it runs, a short
footer label and a sentence for the help screen.

`scope` says where the binding lives: `screen` (the main screen: ticks, probes, sign-off),
`app` (quit, help, palette), `list` (the checklist pane: moving), `probes` / `logs` (active only
when that pane has focus, so the footer shows what applies now). A screen key that matters most
in one pane (`space`, `l`, `a` in the log pane) names that pane in `footer_in`: it still works
everywhere and is listed once in help and palette, and the footer shows it while the pane has focus.
`footer_hidden_in` does the opposite for the ticking keys in the log pane, whose footer would not
fit 80 columns with both (they still work there).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding

from qatui.core.datatypes import datatype


@datatype(frozen=True)
class Key:
    """One key binding: its id (for keymap.toml), keys, action, footer label, help text and where it acts."""

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
    #: Pane scopes whose footer also shows this (screen) key while that pane has focus: the key
    #: is declared once and works everywhere, but the footer shows it where it matters.
    footer_in: tuple[str, ...] = ()
    #: Pane scopes whose footer leaves this (screen) key out, to make room for the pane's own
    #: keys: it still works there and is in help and the palette.
    footer_hidden_in: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """The keys as a tester types them: `j / down`."""
        return display_keys(self.keys)

    def binding(self, *, in_footer_of: str | None = None, hidden: bool = False) -> Binding:
        """The Textual binding; `in_footer_of` a pane scope: the same key, run on the screen and
        shown in that pane's footer (see `footer_in`), or left out of it with `hidden`."""
        action = self.action
        if in_footer_of is not None and "." not in action:
            action = f"screen.{action}"
        return Binding(
            self.keys,
            action,
            self.label,
            show=not hidden and (self.show or in_footer_of is not None),
            priority=self.priority,
            id=self.id,
            tooltip=self.help,
        )


#: Key names as a tester reads them (the rest are shown as Textual spells them).
_SHOWN = {
    "slash": "/",
    "question_mark": "?",
    "escape": "esc",
    "shift+up": "shift+↑",
    "shift+down": "shift+↓",
    "left": "←",
    "right": "→",
}


def display_keys(spec: str) -> str:
    """A Textual key spec (`down,j`) as a tester types it (`down / j`)."""
    return " / ".join(_SHOWN.get(k.strip(), k.strip()) for k in spec.split(","))


KEYS: tuple[Key, ...] = (
    # --- ticking ---
    Key("pass", "p", "set_status('passed')", "Pass", "Mark the selected item passed.", footer_hidden_in=("logs",)),
    Key("fail", "f", "set_status('failed')", "Fail", "Mark the selected item failed (asks for a note).", footer_hidden_in=("logs",)),
    Key("blocked", "b", "set_status('blocked')", "Blocked", "Mark the selected item blocked (asks for a note).", footer_hidden_in=("logs",)),
    Key("skip", "s", "set_status('skipped')", "Skip", "Mark the selected item skipped.", show=False),
    Key("untested", "u", "set_status('untested')", "Untested", "Put the selected item back to untested.", show=False),
    Key("note", "n", "note", "Note", "Write or edit the selected item's note.", footer_hidden_in=("logs",)),
    # --- probes and evidence ---
    Key("run", "r", "run_item_probes", "Run", "Run the selected item's probes.", group="Probes", footer_hidden_in=("logs",)),
    Key("run_section", "R", "run_section_probes", "Run section", "Run every probe of the selected item's section.", group="Probes", show=False),
    Key("cancel", "x", "cancel_probes", "Cancel", "Cancel the probes that are running.", group="Probes", show=False),
    Key("auto_run", "t", "toggle_auto_run", "Auto-run", "Turn running an item's probes when it is opened on or off.", group="Probes", show=False),
    Key("attach", "a", "attach", "Attach", "Attach the selected probe's output, or the selected log lines (else the log lines on screen), to the item as evidence.", group="Probes", show=False, footer_in=("logs",)),
    # --- finding and moving ---
    Key("filter", "slash", "filter", "Filter", "Filter the checklist (in the log pane, / filters the log): words match titles; status:failed, priority:critical, is:open narrow it.", group="Move"),
    Key("next_pane", "tab", "app.focus_next", "Next pane", "Move to the next pane.", scope="app", group="Move", show=False, palette=False),
    Key("down", "down,j", "cursor_down", "Down", "Select the next item (j or down).", scope="list", group="Move", show=False, palette=False),
    Key("up", "up,k", "cursor_up", "Up", "Select the previous item (k or up).", scope="list", group="Move", show=False, palette=False),
    Key("page_down", "pagedown", "page_down", "Page down", "Move one page down.", scope="list", group="Move", show=False, palette=False),
    Key("page_up", "pageup", "page_up", "Page up", "Move one page up.", scope="list", group="Move", show=False, palette=False),
    Key("first", "home,g", "first", "First", "Select the first item.", scope="list", group="Move", show=False, palette=False),
    Key("last", "end,G", "last", "Last", "Select the last item.", scope="list", group="Move", show=False, palette=False),
    Key("open_probes", "enter", "screen.focus_probes", "Probes", "Move to the selected item's probes (enter there shows a probe's detail).", scope="list", group="Move", palette=False),
    Key("clear_filter", "escape", "screen.clear_filter", "Clear filter", "Clear the checklist filter.", scope="list", group="Move", show=False, palette=False),
    Key("probe_down", "down,j", "cursor_down", "Down", "Select the next probe.", scope="probes", group="Move", show=False, palette=False),
    Key("probe_up", "up,k", "cursor_up", "Up", "Select the previous probe.", scope="probes", group="Move", show=False, palette=False),
    Key("expand", "enter", "expand", "Detail", "Show or hide the selected probe's detail and explanation.", scope="probes", group="Probes"),
    Key("back_to_list", "escape", "screen.focus_list", "Back", "Back to the checklist.", scope="probes", group="Move", show=False, palette=False),
    # --- logs ---
    Key("follow", "space", "toggle_follow", "Pause", "Pause the log tail or follow it again (drops a line selection).", group="Logs", show=False, footer_in=("logs",)),
    Key("log_scope", "l", "toggle_log_scope", "Scope", "Show the item's log sources or every source of the environment.", group="Logs", show=False, footer_in=("logs",)),
    Key("log_filter", "slash", "screen.filter_logs", "Filter", "In the log pane: show only the log lines containing the words (enter keeps it, esc clears); smart case: lower case matches any case, a capital letter makes it match case exactly.", scope="logs", group="Logs"),
    Key("log_wrap", "w", "toggle_wrap", "Wrap", "In the log pane: wrap long lines, or show them whole on one row and scroll sideways with left/right.", scope="logs", group="Logs"),
    Key("log_left", "left", "scroll_left", "Left", "In the log pane (lines not wrapped): scroll left.", scope="logs", group="Logs", show=False, palette=False),
    Key("log_right", "right", "scroll_right", "Right", "In the log pane (lines not wrapped): scroll right to read the rest of long lines.", scope="logs", group="Logs", show=False, palette=False),
    Key("log_range", "v", "toggle_range", "Select", "In the log pane: start (or end) a range of lines at the line cursor; arrows then extend it.", scope="logs", group="Logs", palette=False),
    Key("log_unselect", "escape", "unselect", "Unselect", "In the log pane: drop the selected lines.", scope="logs", group="Logs", palette=False),
    Key("log_line_up", "up,k", "line_up", "Line up", "In the log pane: show the line cursor, move it up (the log pauses while lines are selected).", scope="logs", group="Logs", show=False, palette=False),
    Key("log_line_down", "down,j", "line_down", "Line down", "In the log pane: move the line cursor down.", scope="logs", group="Logs", show=False, palette=False),
    Key("log_select_up", "shift+up,K", "select_up", "Select up", "In the log pane: extend the selection one line up.", scope="logs", group="Logs", show=False, palette=False),
    Key("log_select_down", "shift+down,J", "select_down", "Select down", "In the log pane: extend the selection one line down.", scope="logs", group="Logs", show=False, palette=False),
    Key("log_page_up", "pageup", "line_page_up", "Page up", "In the log pane: move the line cursor a page up.", scope="logs", group="Logs", show=False, palette=False),
    Key("log_page_down", "pagedown", "line_page_down", "Page down", "In the log pane: move the line cursor a page down.", scope="logs", group="Logs", show=False, palette=False),
    Key("log_first", "home,g", "line_first", "Oldest", "In the log pane: put the line cursor on the oldest line.", scope="logs", group="Logs", show=False, palette=False),
    Key("log_end", "end,G", "follow_end", "Newest", "In the log pane: go to the newest line and follow again.", scope="logs", group="Logs", show=False, palette=False),
    # --- view ---
    Key("zoom", "z", "toggle_zoom", "Zoom", "Zoom the focused pane (checklist, item, probes or log) to the whole screen; z or esc restores.", group="View", show=False, footer_in=("logs",)),
    Key("unzoom", "escape", "unzoom", "Restore", "Restore a zoomed pane to its place.", group="View", show=False, palette=False),
    # --- session ---
    Key("checklist_notes", "i", "checklist_notes", "Notes", "Show the checklist's description and notes (known issues, rollback, configuration, monitoring).", group="Session", show=False),
    Key("signoff", "S", "signoff", "Sign off", "Open the sign-off screen: what is open, the performance table, the signature.", footer_hidden_in=("logs",)),
    Key("reopen", "O", "app.reopen", "Reopen", "Reopen a signed record (asks first): removes the sign-off so items can change again.", show=False),
    Key("help", "question_mark", "app.help", "Help", "Show every key and what it does.", scope="app", group="App"),
    Key("quit", "q", "app.quit", "Quit", "Quit; everything is already saved.", scope="app", group="App"),
    Key("quit_ctrl_c", "ctrl+c", "app.quit", "Quit", "Quit as q does (everything is already saved); in a text field ctrl+c copies.", scope="app", group="App", show=False, palette=False),
    Key("palette", "ctrl+p", "app.command_palette", "Palette", "Open the command palette with every action.", scope="app", group="App", show=False, palette=False),
)

KEYS_BY_ID: dict[str, Key] = {key.id: key for key in KEYS}


def bindings(scope: str) -> list[Binding]:
    """The Textual bindings of one scope, in declaration order (with the screen keys that
    scope's footer shows, see `Key.footer_in`)."""
    return [
        key.binding() if key.scope == scope
        else key.binding(in_footer_of=scope, hidden=scope in key.footer_hidden_in)
        for key in KEYS
        if key.scope == scope or scope in key.footer_in or scope in key.footer_hidden_in
    ]


def keys_in(groups: Iterable[str] | None = None) -> list[Key]:
    wanted = set(groups) if groups is not None else None
    return [key for key in KEYS if wanted is None or key.group in wanted]
