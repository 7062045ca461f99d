"""The small questions the screen asks, each a typed `ModalScreen[T]`.

`dismiss(value)` is the answer; the caller passes a callback to `push_screen`. The error modal
is the one place a worker failure or a core error becomes something the tester reads (title and
message, never a traceback).

Every dialog must be whole at 80×24, however long its text: the title is docked at the top,
the buttons and the hint at the bottom, and only the middle (`ScrollBody`: arrows, j/k,
PageUp/PageDown, g/G) scrolls. Each dialog has its own compact footer, so the key bar shows the
dialog's keys and not those of the screen underneath (Textual's `Footer` shows the bindings of
the screen it is mounted on).

The trust dialog is a decision about running code: it answers yes only to `y` or its button,
and only once the tester has had every command on screen (the list scrolled to its end); a
bare enter never trusts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Static, TextArea

from qatui.ui.inert_filter import shown
from qatui.ui.widgets.note_area import NoteArea

#: The note dialog's hint line (the footer says it too).
SAVE_HINT = "enter: new line · ctrl+s saves · esc cancels"


def dialog_footer() -> Footer:
    """The key bar of a dialog: its own keys, compact, no palette hint."""
    return Footer(compact=True, show_command_palette=False)


class ScrollBody(VerticalScroll):
    """The scrolling middle of a dialog; remembers whether its end has been on screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Scroll down", show=False),
        Binding("k", "scroll_up", "Scroll up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
        Binding("space", "page_down", "Page down", show=False),
    ]

    def __init__(self, *children: Widget, id: str | None = None, classes: str = "dialog-body") -> None:
        super().__init__(*children, id=id, classes=classes)
        self._end_seen = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value > 0 and new_value >= self.max_scroll_y:
            self._end_seen = True

    @property
    def end_seen(self) -> bool:
        """True once every line has been on screen (a list that fits counts as seen)."""
        if self._end_seen:
            return True
        if not self.size.height:  # not laid out yet: nothing has been seen
            return False
        return self.scroll_y >= self.max_scroll_y

    @property
    def lines_below(self) -> int:
        return max(0, round(self.max_scroll_y - self.scroll_y))


class TypeAhead:
    """A prompt that takes keys in the order they were typed, even before it shows.

    A tester who knows the keys types `f`, the note, enter, `j`, `p` in one go; in a real
    terminal those keys arrive together, before this screen has mounted its field. The app
    hands each key to `type_key` as it takes it off its queue (see `QatuiApp.on_event`), so
    the note is complete, enter submits it, and the keys after it reach the main screen again.

    The field is an `Input` (one line) or a `TextArea` (the note). Printable keys and backspace
    are applied where the cursor is, as one edit; a `TextArea` edits only the line under the
    cursor and repaints only what shows, so a key costs the same in a note of 100,000
    characters as in an empty one (the `Input` it replaced rebuilt the whole value and its
    render on every key: 80–260 ms a key at 10k–30k characters, minutes at 100 KB).
    """

    initial: str
    #: Enter inserts a new line (the note) instead of submitting (a one-line answer).
    multiline: bool = False

    def _field(self) -> Input | TextArea | None:
        try:
            return self.query_one("#prompt-field")  # type: ignore[attr-defined,no-any-return]
        except NoMatches:
            return None

    @property
    def value(self) -> str:
        field = self._field()
        if isinstance(field, TextArea):
            return field.text
        return field.value if field is not None else self.initial

    def type_key(self, event: events.Key) -> bool:
        """Apply a key now; False for keys this prompt leaves to its bindings (escape, tab)."""
        field = self._field()
        if event.key == "enter" and not self.multiline:
            self.submit(self.value)
            return True
        character = "\n" if event.key == "enter" else event.character if event.is_printable else None
        if field is None:  # not mounted yet: keep the keys in order until it is
            if event.key == "backspace":
                self.initial = self.initial[:-1]
            elif character:
                self.initial += character
            else:
                return False
            return True
        if isinstance(field, TextArea):
            if event.key == "backspace":
                field.action_delete_left()
            elif character:
                field.replace(character, *field.selection, maintain_selection_offset=False)  # as typing does
            else:
                return False
            # A key that starts a new row grows the area's virtual height only at the next
            # layout: scrolling now would stop one row short and hide the cursor.
            field.call_after_refresh(field.scroll_cursor_visible)
            return True
        if field.cursor_position != len(field.value):
            return False  # the tester is editing inside the text: let the Input do it
        if event.key == "backspace":
            field.value = field.value[:-1]
        elif event.is_printable and event.character:
            field.value += event.character
        else:
            return False
        field.cursor_position = len(field.value)
        return True

    def submit(self, value: str) -> None:
        raise NotImplementedError


class NoteModal(TypeAhead, ModalScreen[str | None]):
    """Ask for a note; enter starts a new line, ctrl+s saves, escape cancels (None).

    A tester describing a failure writes paragraphs, so enter belongs to the text; the key that
    saves is in the dialog's footer and its hint line.

    With `save`, the dialog saves the note itself through that callback (the app's, which
    writes the record and shows any error) and closes only once it is saved: a note whose
    save failed (a record folder that cannot be written, a signed record) stays in the
    dialog, typed text and all, to save again or copy; only escape drops it.
    """
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="note_save"),
        Binding("escape", "cancel", "Cancel", id="note_cancel"),
    ]
    multiline = True

    def __init__(self, title: str, initial: str = "", *, required: bool = False, prompt: str = "",
                 save: Callable[[str], bool] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.initial = initial
        self.required = required
        self.prompt = prompt
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title dialog-top")
            if self.prompt:
                yield Static(self.prompt, classes="dialog-text")
            yield NoteArea(self.initial, id="prompt-field", classes="note-field", compact=True,
                           highlight_cursor_line=False, placeholder="what did you see?")
            yield Static(SAVE_HINT, classes="dialog-hint dialog-bottom")
        yield dialog_footer()

    def on_mount(self) -> None:
        field = self.query_one(TextArea)
        field.cursor_blink = self.app.animation_level != "none" and not getattr(self.app, "deterministic", False)
        field.move_cursor(field.document.end)
        field.focus()

    def submit(self, value: str) -> None:
        value = value.strip()
        if self.required and not value:
            self.query_one(".dialog-hint", Static).update("a note is needed here · ctrl+s saves · esc cancels")
            return
        if self.save is not None and not self.save(value):
            self.query_one(".dialog-hint", Static).update(
                Text("not saved: your note is kept here · ctrl+s tries again · esc drops it", style="bold")
            )
            return
        self.dismiss(value)

    def action_save(self) -> None:
        self.submit(self.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ErrorModal(ModalScreen[None]):
    """Shows a title and a message in words; any of enter, escape, q closes it."""
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog", classes="dialog error"):
            yield Label(f"✗ {self.title_text}", classes="dialog-title dialog-top")
            yield ScrollBody(Static(Text(self.message)))
            yield Static("enter or esc closes", classes="dialog-hint dialog-bottom")
        yield dialog_footer()

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question with buttons; y says yes, n/escape says no, enter presses the
    focused button (`default` says which one has the focus: "no" where a slip would hurt)."""
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("escape,n", "answer(False)", "No"),
    ]

    def __init__(
        self, title: str, body: str | Text, yes: str = "Yes", no: str = "Cancel", *, default: str = "yes",
        error: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes = yes
        self.no = no
        self.default = default
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error" if self.error else "dialog"):
            yield Label(self.title_text, classes="dialog-title dialog-top")
            yield ScrollBody(Static(self.body if isinstance(self.body, Text) else Text(self.body)))
            with Horizontal(classes="dialog-buttons dialog-bottom"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error" if self.error else "primary", compact=True)
                yield Button(f"{self.no} (n)", id="no", compact=True)
        yield dialog_footer()

    def on_mount(self) -> None:
        self.query_one("#no" if self.default == "no" else "#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class TrustModal(ModalScreen[bool]):
    """Every command the checklist would run, exactly as `qatui trust` prints them.

    The list scrolls (the buttons and the hint stay on screen) and has the focus, so the first
    keys move through it. Only `y` or the "Trust and run" button trust, and only once the end
    of the list has been on screen; enter and escape never do.
    """
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "trust", "Trust and run"),
        Binding("escape,n", "dont", "Don't run"),
        Binding("enter", "explain", "", show=False),
    ]
    AUTO_FOCUS = "#trust-commands"

    def __init__(self, checklist_path: str, commands: list[str], *, count: int | None = None) -> None:
        super().__init__()
        self.checklist_path = checklist_path
        self.commands = commands  # the review's blocks (core/trust_review.py), already inert
        self.count = len(commands) if count is None else count

    def compose(self) -> ComposeResult:
        count = self.count
        with Vertical(id="trust-dialog", classes="dialog"):
            with Vertical(classes="dialog-top"):
                yield Label("Trust this checklist?", classes="dialog-title")
                yield Static(
                    Text(
                        f"{self.checklist_path} runs {count} command{'s' if count != 1 else ''} on this "
                        "machine or in containers. Read them: trusting records this file's hash; "
                        "a changed file asks again."
                    ),
                    classes="dialog-text",
                )
            yield ScrollBody(Static(shown("\n".join(self.commands))), id="trust-commands")
            with Vertical(classes="dialog-bottom"):
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Don't run (n)", id="no", compact=True)
                    yield Button("Trust and run (y)", id="yes", variant="warning", compact=True)
                yield Static(self._hint(), id="trust-hint", classes="dialog-hint")
        yield dialog_footer()

    def _hint(self) -> str:
        return "↑↓ PgDn scroll the commands · y trusts and runs · n or esc: don't run"

    @property
    def command_list(self) -> ScrollBody:
        return self.query_one("#trust-commands", ScrollBody)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "yes":
            self.action_trust()
        else:
            self.action_dont()

    def action_trust(self) -> None:
        body = self.command_list
        if not body.end_seen:
            below = body.lines_below
            self.query_one("#trust-hint", Static).update(
                Text(
                    f"Read every command first: {below or 'more'} line{'s' if below != 1 else ''} below "
                    "(PgDn or G), then y.",
                    style="bold",
                )
            )
            body.focus()
            return
        self.dismiss(True)

    def action_explain(self) -> None:
        """Enter on the list: say how to answer (it is no answer itself)."""
        self.query_one("#trust-hint", Static).update(
            Text("enter is no answer here: y trusts and runs, n or esc does not run.", style="bold")
        )

    def action_dont(self) -> None:
        self.dismiss(False)


class TypeNameModal(TypeAhead, ModalScreen[bool]):
    """A destructive probe on a protected environment, or one marked `destructive: always` on
    any environment: the tester types the environment's name."""
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "Confirm"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, environment: str, probes: list[str], *, protected: bool = True) -> None:
        super().__init__()
        self.environment = environment
        self.probes = probes
        self.protected = protected
        self.initial = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Label(f"⚠ Destructive probes on {self.environment}", classes="dialog-title dialog-top")
            yield ScrollBody(
                Static(
                    Text(
                        ("These probes change data on a protected environment:\n" if self.protected else
                         "These probes are marked `destructive: always` (they send mail, run a test "
                         "suite or change data), so they ask on every environment:\n")
                        + "\n".join(f"  • {probe}" for probe in self.probes)
                    )
                )
            )
            with Vertical(classes="dialog-bottom"):
                yield Static(Text(f"Type {self.environment} to run them."), classes="dialog-text-tight")
                yield Input(self.initial, placeholder=self.environment, id="prompt-field")
                yield Static("enter confirms · esc cancels", classes="dialog-hint")
        yield dialog_footer()

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = not getattr(self.app, "deterministic", False)
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    def submit(self, value: str) -> None:
        if value.strip() == self.environment:
            self.dismiss(True)
        else:
            self.query_one(".dialog-hint", Static).update(
                f"that is not {self.environment!r} · esc cancels"
            )

    def action_confirm(self) -> None:
        self.submit(self.value)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ConflictModal(ModalScreen[tuple[str, str] | None]):
    """The record changed on disk: reload it, or save this session under another name.

    Answers ("reload", "") or ("save_as", path). There is no cancel: the change that met the
    conflict is in neither the file nor on the screen (the recorder undid it), and only "Save
    as" keeps it; leaving the question open would let a quit drop it without a word. `escape`
    says so instead of closing. Each choice is explained once, beside its button's name (the
    core's own advice, `RecordConflict.advice`, is for plain error messages).
    """
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Choose")]

    def __init__(self, path: str, reason: str, suggested: str, *, taken: str = "") -> None:
        super().__init__()
        self.path = path
        self.reason = reason  # why the file counts as changed (`RecordConflict.reason`)
        self.suggested = suggested
        self.taken = taken  # a "Save as" name that already exists: asked again, saying so

    def compose(self) -> ComposeResult:
        reason = self.reason
        with Vertical(classes="dialog error"):
            yield Label("Record changed on disk", classes="dialog-title dialog-top")
            yield ScrollBody(
                Static(
                    Text(
                        f"{self.path} was changed by someone else since qatui read it "
                        f"(a git pull, another editor), so your last change was not saved "
                        f"and the file was not overwritten." + (f"\nWhy: {reason}." if reason else "")
                        + (f"\n\n{self.taken} already exists: choose another name to save as."
                           if self.taken else "")
                    )
                )
            )
            with Vertical(classes="dialog-bottom"):
                yield Static(
                    "Reload from disk: show the file as it is now; your last change is dropped.\n"
                    "Save as: save this session as the file below, with your last change (ticks go there next):",
                    classes="dialog-text-tight",
                )
                yield Input(self.suggested, id="save-as")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Reload from disk", id="reload", variant="warning", compact=True)
                    yield Button("Save as", id="save_as", variant="primary", compact=True)
        yield dialog_footer()

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = not getattr(self.app, "deterministic", False)
        # The path box has the focus: enter (or typing a name, then enter) keeps the change.
        # Reloading drops it, so it takes a deliberate tab to its button.
        self.query_one(Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "reload":
            self.dismiss(("reload", ""))
        elif event.button.id == "save_as":
            self._save_as()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save_as()

    def _save_as(self) -> None:
        path = self.query_one(Input).value.strip()
        if path:
            self.dismiss(("save_as", path))

    def action_cancel(self) -> None:
        self.notify(
            "Your last change is not saved yet: choose Reload from disk or Save as.", severity="warning"
        )
