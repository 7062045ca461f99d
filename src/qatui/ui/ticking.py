"""Tick and advance: a verdict key (`p`, `f`, `b`, `s`) ticks the item, then moves on.

A tester working through a hundred items should not need `j` after every verdict: once the
verdict is saved, the cursor goes to the next open (untested) item in the order the list shows
(filter and priority order included), wrapping round to open items above it, and stays where it
is when no other item is open. `advance: false` in the config file (`ui/config.py`) keeps the
cursor on the item just ticked. `u` (back to untested) never moves.

A failed or blocked verdict is a finding somebody will read: changing it to anything else
asks first, and the question quotes the note that the new verdict would contradict (the note
stays; `n` edits it). The same verdict again (`f` on a failed item, to edit the note) does
not ask, and neither does a verdict on an item in conflict (testers of a team record gave
different verdicts, all framed in the item pane): that verdict is the decision the conflict
asks for (`Recorder.set_status`).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text

from qatui.core.session import ItemResult, Status
from qatui.core.text import inert
from qatui.ui.inert_filter import shown

if TYPE_CHECKING:
    from qatui.ui.screens.main import MainScreen

#: The verdicts that move the cursor on.
ADVANCING = frozenset({Status.PASSED, Status.FAILED, Status.BLOCKED, Status.SKIPPED})
#: The verdicts whose change asks first.
FINDINGS = frozenset({Status.FAILED, Status.BLOCKED})
#: Characters of the note quoted in the question (the dialog scrolls, but a page is plenty).
NOTE_QUOTE = 600


def needs_asking(current: Status, new: Status) -> bool:
    """Whether changing `current` to `new` asks first: a failed or blocked verdict changed."""
    return current in FINDINGS and new is not current


def change_question(result: ItemResult, title: str, new: Status) -> tuple[str, Text]:
    """The confirm dialog's title and body for changing `result`'s finding to `new`."""
    old = result.status
    heading = f"Change {old.mark} {old.value} to {new.mark} {new.value}?"
    body = Text()
    body.append_text(shown(title, "bold", one_line=True))  # checklist and record text: inert
    body.append("\n")
    who = ""
    last = result.history[-1] if result.history else None
    if last is not None and last.status is old:
        who = f" by {inert(last.tester, one_line=True)}, {last.at:%Y-%m-%d %H:%M}"
    elif result.updated_at is not None:
        who = f", {result.updated_at:%Y-%m-%d %H:%M}"
    body.append(f"It is marked {old.value}{who}.")
    if result.note:
        note = result.note if len(result.note) <= NOTE_QUOTE else result.note[:NOTE_QUOTE] + "…"
        body.append("\nIts note says:\n", style="")
        body.append_text(shown(note, "italic"))
        body.append(f"\n\nThe note stays with the item when it is marked {new.value}; n edits it.", style="dim")
    return heading, body


def tick(screen: MainScreen, item_id: str, status: Status) -> None:
    """Tick `item_id` as `status` on `screen` (asking first when a finding would change), then
    advance."""
    view = screen.view
    result = view.item_result(item_id)
    current = result.status if result is not None else Status.UNTESTED
    if result is not None and not result.conflict and needs_asking(current, status):
        from qatui.ui.screens.modals import ConfirmModal

        heading, body = change_question(result, view.item(item_id).title, status)
        screen.app.push_screen(
            ConfirmModal(heading, body, yes=f"Mark {status.value}", no="Keep it", default="no"),
            partial(_answered, screen, item_id, status),
        )
        return
    _tick(screen, item_id, status)


def _answered(screen: MainScreen, item_id: str, status: Status, yes: bool | None) -> None:
    if yes:
        _tick(screen, item_id, status)
    else:
        screen.notify("verdict kept")


def _tick(screen: MainScreen, item_id: str, status: Status) -> None:
    from qatui.ui.messages import TickRequested

    then = partial(advance, screen, item_id) if status in ADVANCING else None
    screen.app.post_message(TickRequested(item_id, status, then))  # the session's controller saves it


def advance(screen: MainScreen, item_id: str) -> None:
    """After a verdict on `item_id`: select the next open item (when the config says so)."""
    if not screen.view.advance or not screen.is_attached:
        return
    view = screen.checklist_view
    current = view.highlighted_item
    if current is None or current.id != item_id:
        return  # the tester moved on already (a click, a key typed ahead): leave the cursor be
    target = view.next_open_item(item_id)
    if target is not None:
        view.select_item(target)
