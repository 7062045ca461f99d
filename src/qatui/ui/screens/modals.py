"""The small questions the screen asks, each a typed `ModalScreen[T]`.

`dismiss(value)` is the answer; the caller passes a callback to `push_screen`. The error modal
is the one place a worker failure or a core error becomes something the tester reads (title and
message, never a traceback).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class TypeAhead:
    """A one-line prompt that takes keys in the order they were typed, even before it shows.

    A tester who knows the keys types `f`, the note, enter, `j`, `p` in one go; in a real
    terminal those keys arrive together, before this screen has mounted its Input. The app
    hands each key to `type_key` as it takes it off its queue (see `QatuiApp.on_event`), so
    the note is complete, enter submits it, and the keys after it reach the main screen again.
    """

    initial: str

    def _field(self) -> Input | None:
        try:
            return self.query_one(Input)  # type: ignore[attr-defined,no-any-return]
        except NoMatches:
            return None

    @property
    def value(self) -> str:
        field = self._field()
        return field.value if field is not None else self.initial

    def _set_value(self, value: str) -> None:
        field = self._field()
        if field is None:
            self.initial = value
        else:
            field.value = value
            field.cursor_position = len(value)

    def type_key(self, event: events.Key) -> bool:
        """Apply a key now; False for keys this prompt leaves to its bindings (escape, tab)."""
        field = self._field()
        if field is not None and field.cursor_position != len(field.value):
            return False  # the tester is editing inside the text: let the Input do it
        if event.key == "enter":
            self.submit(self.value)
        elif event.key == "backspace":
            self._set_value(self.value[:-1])
        elif event.is_printable and event.character:
            self._set_value(self.value + event.character)
        else:
            return False
        return True

    def submit(self, value: str) -> None:
        raise NotImplementedError


class NoteModal(TypeAhead, ModalScreen[str | None]):
    """Ask for a note; enter saves, escape cancels (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, initial: str = "", *, required: bool = False, prompt: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.initial = initial
        self.required = required
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.prompt:
                yield Static(self.prompt, classes="dialog-text")
            yield Input(self.initial, placeholder="what did you see?", id="note-input")
            yield Static("enter saves · esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = self.app.animation_level != "none" and not getattr(self.app, "deterministic", False)
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    def submit(self, value: str) -> None:
        value = value.strip()
        if self.required and not value:
            self.query_one(".dialog-hint", Static).update("a note is needed here · esc cancels")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ErrorModal(ModalScreen[None]):
    """Shows a title and a message in words; any of enter, escape, q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog", classes="dialog error"):
            yield Label(f"✗ {self.title_text}", classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Text(self.message))
            yield Static("enter or esc closes", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question with buttons; y/enter says yes, n/escape says no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "No"),
        Binding("y", "answer(True)", "Yes"),
    ]

    def __init__(self, title: str, body: str, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Text(self.body))
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, id="yes", variant="primary")
                yield Button(self.no, id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class TrustModal(ConfirmModal):
    """Shows every command the checklist would run; answering yes means trust it."""

    def __init__(self, checklist_path: str, commands: list[str]) -> None:
        body = (
            f"{checklist_path} runs these commands on this machine or in containers.\n"
            "Read them. Trusting records this file's hash; a changed file asks again.\n\n"
            + "\n".join(f"  $ {command}" for command in commands)
        )
        super().__init__("Trust this checklist?", body, yes="Trust and run", no="Don't run")


class TypeNameModal(TypeAhead, ModalScreen[bool]):
    """A destructive probe on a protected environment: the tester types the environment's name."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, environment: str, probes: list[str]) -> None:
        super().__init__()
        self.environment = environment
        self.probes = probes
        self.initial = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Label(f"⚠ Destructive probes on {self.environment}", classes="dialog-title")
            yield Static(
                Text(
                    "These probes change data on a protected environment:\n"
                    + "\n".join(f"  • {probe}" for probe in self.probes)
                    + f"\n\nType {self.environment} to run them."
                ),
                classes="dialog-text",
            )
            yield Input(self.initial, placeholder=self.environment, id="env-name")
            yield Static("enter confirms · esc cancels", classes="dialog-hint")

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

    def action_cancel(self) -> None:
        self.dismiss(False)


class ConflictModal(ModalScreen[tuple[str, str] | None]):
    """The record changed on disk: reload it, or save this session under another name.

    Answers ("reload", "") or ("save_as", path). There is no cancel: the change that met the
    conflict is on the screen but not on disk, and leaving it so would show a tick that a quit
    loses. `escape` says so instead of closing.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Choose")]

    def __init__(self, path: str, detail: str, suggested: str) -> None:
        super().__init__()
        self.path = path
        self.detail = detail
        self.suggested = suggested

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error"):
            yield Label("Record changed on disk", classes="dialog-title")
            yield Static(
                Text(
                    f"{self.path} was changed by someone else since qatui read it "
                    f"(a git pull, another editor). It was not overwritten.\n{self.detail}".strip()
                ),
                classes="dialog-text",
            )
            yield Static("Reload it (your last change is dropped) or save this session as:", classes="dialog-text")
            yield Input(self.suggested, id="save-as")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Reload from disk", id="reload", variant="warning")
                yield Button("Save as", id="save_as", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = not getattr(self.app, "deterministic", False)
        self.query_one("#reload", Button).focus()

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
