"""A scrollable pane that shows one Rich renderable, drawn with the Line API.

The item and probe panes change on every cursor move. A `Static` inside a scroll container
changes its height on each update, which makes Textual lay out the whole screen again (the
biggest cost of a key press in a 5,000-item checklist). This pane renders the renderable to
lines once per update (and on resize), keeps them as strips, sets its virtual size and repaints
only itself: no layout pass.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class RichPane(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    RichPane { overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._renderable: RenderableType = Text("")
        self._strips: list[Strip] = []
        self._width = -1
        self._style: Style | None = None  # `rich_style` walks every ancestor: once per styling

    def set_renderable(self, renderable: RenderableType, *, keep_scroll: bool = False) -> None:
        self._renderable = renderable
        self._width = -1
        self._render_strips()
        if not keep_scroll and self.is_mounted:  # (before mount it is at the top anyway)
            self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    @property
    def lines(self) -> list[str]:
        """The text shown, line by line (for evidence and tests)."""
        return [strip.text for strip in self._strips]

    def _render_strips(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or not self.is_mounted:
            return
        if width == self._width:
            return
        self._width = width
        console = self.app.console
        options = console.options.update_width(width).update(highlight=False)
        style = self._base_style()
        lines = console.render_lines(self._renderable, options, style=style, pad=False)
        self._strips = [Strip(line).simplify().crop_extend(0, width, style) for line in lines]
        size = Size(width, len(self._strips))
        if size != self.virtual_size:
            # Not `self.virtual_size = …`: that reactive asks for a layout of the whole screen.
            # Only the scrollbars need to know, and only this pane needs a repaint.
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)

    def _base_style(self) -> Style:
        if self._style is None:
            self._style = self.rich_style
        return self._style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None
        self._width = -1  # the strips carry the old background: render them again

    def on_mount(self) -> None:
        self._render_strips()

    def on_resize(self) -> None:
        self._render_strips()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        self._render_strips()
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        style = self._base_style()
        if 0 <= index < len(self._strips):
            strip = self._strips[index]
            return strip if strip.cell_length == width else strip.crop_extend(0, width, style)
        return Strip.blank(width, style)
