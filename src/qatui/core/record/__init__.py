"""The Markdown record: render a session, read it back, store it atomically, report on it.

`render(session) -> str` writes the record a tester commits; `read(text) -> Session` reads it
back from its hidden anchors (`read(render(s)) == s`); `RecordFile(path)` loads and saves it
atomically and refuses to overwrite a file changed on disk. The format is documented in
`docs/record-format.md`.
"""

from qatui.core.record.read import read
from qatui.core.record.render import RenderCache, render
from qatui.core.record.store import RecordFile

__all__ = ["RecordFile", "RenderCache", "read", "render"]
