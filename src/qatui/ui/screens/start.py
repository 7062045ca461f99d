"""Before a session: who tests, on which environment; and, with no argument, which checklist.

`StartScreen` answers `(tester, environment key)`; the tester's name is prefilled from the XDG
config (the app remembers it). Protected environments are listed as such, in words. A
`notice` (an environment the tester asked for that the checklist does not have) is shown on
this screen, where the choice is made, rather than in a dialog that the screen would cover.
Under the environments, `record_lines` (environment → line, read in a thread worker and
posted as `RecordLinesRead`: the screen's thread reads no file) says which record file the highlighted environment's
session writes (new, carried on with, or why today's file is not used), so the tester knows
where the record goes before starting, not only at quit.
`ChooserScreen` answers a path: a checklist from `./checklists/` or a recent record.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from qatui.core.checklist import Checklist
from qatui.ui.messages import RecordLinesRead


def environment_prompt(key: str, label: str, protected: bool) -> Text:
    """One row per environment: the key, the PROTECTED badge right after it (so a narrow
    terminal never pushes it off the row or onto the next one), then the label, which is
    the part cut with an ellipsis when the row is too narrow."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{key}", style="bold")
    if protected:
        text.append("  ")
        text.append("⚠ PROTECTED", style="bold white on red")
    if label and label != key:
        text.append(f"  {label}")
    return text


class StartScreen(Screen[tuple[str, str] | None]):
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Quit"),
        Binding("ctrl+s", "start", "Start"),
    ]
    AUTO_FOCUS = "#tester"

    def __init__(
        self, checklist: Checklist, tester: str, environment: str, *, environment_given: bool = False,
        notice: str = "",
    ) -> None:
        super().__init__()
        self.checklist = checklist
        self._record_lines: dict[str, str] = {}
        self.notice = notice
        self.tester = tester
        self.environment = environment
        # With the environment named on the command line, or only one to choose from, the
        # name is the only question: enter in the name field starts.
        self.name_only = environment_given or len(checklist.environments) <= 1

    def compose(self) -> ComposeResult:
        with Vertical(id="start", classes="dialog"):
            yield Label(f"qatui · {self.checklist.title}", classes="dialog-title")
            total = len(self.checklist.items())
            yield Static(
                f"{Path(self.checklist.path).name} · {len(self.checklist.sections)} section{'' if len(self.checklist.sections) == 1 else 's'} · {total} items",
                classes="dialog-hint",
            )
            yield Label("Tester")
            yield Input(self.tester, placeholder="your name", id="tester")
            yield Label("Environment")
            options = [
                Option(environment_prompt(env.key, env.label, env.protected), id=env.key)
                for env in self.checklist.environments.values()
            ]
            if not options:
                options = [Option(environment_prompt("default", "", False), id="default")]
            yield OptionList(*options, id="environments")
            yield Static("", id="start-record", classes="dialog-hint")
            yield Static(self.notice, id="start-error", classes="dialog-hint")
            yield Button("Start", id="start-button", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        field = self.query_one("#tester", Input)
        field.cursor_blink = not getattr(self.app, "deterministic", False)
        envs = self.query_one(OptionList)
        keys = [env for env in self.checklist.environments] or ["default"]
        envs.highlighted = keys.index(self.environment) if self.environment in keys else 0
        self._say_record()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._say_record()

    @property
    def record_lines(self) -> dict[str, str]:
        return self._record_lines

    @on(RecordLinesRead)
    def _record_lines_read(self, message: RecordLinesRead) -> None:
        self._record_lines = message.lines
        self._say_record()

    def _say_record(self) -> None:
        if not self.is_mounted:
            return
        envs = self.query_one(OptionList)
        if envs.highlighted is None:
            return
        key = envs.get_option_at_index(envs.highlighted).id or "default"
        self.query_one("#start-record", Static).update(Text(self._record_lines.get(key, "")))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.name_only and event.value.strip():
            self.action_start()
        else:
            self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        tester = self.query_one("#tester", Input).value.strip()
        envs = self.query_one(OptionList)
        if not tester:
            self.query_one("#start-error", Static).update("Type your name: the record says who tested.")
            self.query_one("#tester", Input).focus()
            return
        if envs.highlighted is None:
            self.query_one("#start-error", Static).update("Choose an environment.")
            envs.focus()
            return
        option = envs.get_option_at_index(envs.highlighted)
        self.dismiss((tester, option.id or "default"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChooserScreen(Screen[str | None]):
    CSS_PATH = "dialogs.tcss"  # read when the first of these screens opens
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "cancel", "Quit")]
    AUTO_FOCUS = "OptionList"

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        """`entries`: (path, what it is), as `qatui.ui.config.discover` finds them."""
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        entries = self.entries
        with Vertical(id="chooser", classes="dialog"):
            yield Label("Open a checklist or resume a record", classes="dialog-title")
            if entries:
                yield OptionList(
                    *(Option(self._prompt(path, kind), id=path) for path, kind in entries),
                    id="choices",
                )
            else:
                yield Static(
                    "No checklists in ./checklists/ and no recent records.\n"
                    "Run: qatui CHECKLIST.yaml (or qatui demo to try it out).",
                    classes="dialog-text",
                )
        yield Footer()

    @staticmethod
    def _prompt(path: str, kind: str) -> Text:
        text = Text()
        text.append(Path(path).name, style="bold")
        text.append(f"  {kind}", style="dim")
        text.append(f"  {path}", style="dim")
        return text

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
