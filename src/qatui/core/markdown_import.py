"""Turn a plain Markdown checklist (the kind people keep beside the code) into a `Checklist`.

The file is parsed with a real CommonMark parser (markdown-it-py, tables enabled) and the
importer walks the block tree, never the raw lines, so a `#` inside a code fence is never a
heading and a `- [ ]` inside a fence is never a task. The rules, in the order they apply:

Headings
  The first `#` heading is the title (else the file's name). Every other heading opens a node;
  deeper headings are its children. A heading whose text carries a priority — 🔴 🟡 🟢, or a
  word from `PRIORITY_SYNONYMS` written in capitals (CRITICAL, MUST, NICE TO HAVE) or as the
  heading's first word — sets the priority of everything under it until the next heading of
  its level. Sections with no priority anywhere above them are *important* (the middle, so an
  unmarked file neither blocks a gate nor hides).

Sections and notes
  A heading with task boxes in its own text becomes a section. A heading without any becomes a
  note (configuration notes, known issues, rollback, …), its Markdown kept as written and its
  commands shown, never run. A heading's text that holds two or more task lists, each right
  after a one-line label paragraph ("First 24 Hours", "First Week"), becomes one section per
  label. Task boxes before the first heading (e.g. "Environments to test:") become a section
  named after their label.

Items
  Every task box (`- [ ]`, `- [x]`, at any depth) is one item, so the item count equals the box
  count. Item ids are slugs of their titles, cut at a word boundary and made unique across the
  whole checklist with `-2`, `-3`; they stay stable as long as the title does. Nested plain list
  lines are the item's steps. `[x]` is kept in `Checklist.initial_status` as "passed" (a result,
  not part of the checklist: the YAML writer does not write it).

Fields
  Paragraphs `Location:`, `Expected:`, `If fails:` set the section's defaults (inside a list
  item, the item's own). `Result:` and any other paragraph go to the description; a table goes
  to a note, except a table with Before/After columns, whose rows become metrics.

Fences
  Shell fences (`sh`, `bash`, `console`, no language, …) become probes and log sources:
  `curl …` → http probe; `docker compose [-f F]… logs SVC` → log source `SVC` (and, piped into
  `grep PATTERN`, a logs probe that PATTERN is absent); `docker compose exec SVC CMD` or
  `docker exec CONTAINER CMD` → exec probe; `docker logs CONTAINER` → container log source;
  anything else → command probe (`up`, `down`, `rm`, `build`, … marked destructive). Lines
  continued with `\\` are one command; `#` lines are comments, and the comment right above a
  command names its probe. Lines after an interactive shell (`manage.py dbshell`, `mysql`, …)
  are fed to it on stdin. Each set of `-f` compose files becomes an environment
  (`docker-compose.prod.yml` → `prod`, protected).

  Which box a fence documents (written in docs/checklist-format.md, "Which box a command
  goes to"):
  1. a fence inside a box's list item (indented under `- [ ]`) documents that box;
  2. a fence right after a list of boxes (nothing but other fences between) documents the last
     box above it: the GitHub-issue style, a box and then its commands;
  3. any other fence under a heading introduces what follows: the first box after it under the
     same heading, else (nothing after it) the last box before it. A fence written before the
     heading's first box with only text above it documents the whole heading: its log sources
     are shown beside every item of the heading;
  4. under rule 3, each command may instead go to the box of the same heading that its comment
     and words name (`mdimport/placement.py`: shared words, weighted by how few titles hold them; a clear
     winner only).
  A fence under a heading with no task boxes stays in that heading's note.

  curl lines keep curl's meaning (`curl_import`); literal passwords and tokens become secrets
  read from environment variables (`import_secrets`); what could not be kept as written is in
  the `ImportReport` that `qatui import` prints.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from qatui.core.checklist import Checklist
from qatui.core.errors import ChecklistError
from qatui.core.mdimport.deep_stack import with_deep_stack
from qatui.core.mdimport.environments import environment_names
from qatui.core.mdimport.fences import SHELL_LANGUAGES, ConvertedFence, convert_fence
from qatui.core.mdimport.importer import Importer, ImportReport
from qatui.core.mdimport.shell_lines import split_commands
from qatui.core.mdimport.titles import (
    DEFAULT_PRIORITY,
    MarkdownImportError,
    clean_title,
    note_kind,
    priority_of,
    slugify,
)

__all__ = [
    "DEFAULT_PRIORITY", "SHELL_LANGUAGES", "ConvertedFence", "ImportReport", "MarkdownImportError",
    "clean_title", "convert_fence", "environment_names", "import_markdown", "import_markdown_report",
    "import_markdown_text", "import_markdown_text_report", "note_kind", "priority_of", "slugify",
    "split_commands",
]


def import_markdown_text(text: str, path: str = "<markdown>") -> Checklist:
    """Import Markdown already in memory (`path` is only used in positions and the title)."""
    return import_markdown_text_report(text, path)[0]


def import_markdown_text_report(text: str, path: str = "<markdown>") -> tuple[Checklist, ImportReport]:
    """`import_markdown_text`, with what the import could not keep as written."""
    importer = Importer(text, path)
    checklist = with_deep_stack(lambda: importer.run(text))
    return checklist, importer.report


def import_markdown(path: str | Path) -> Checklist:
    """Read a plain Markdown checklist and return the equivalent `Checklist`."""
    return import_markdown_report(path)[0]


def import_markdown_report(path: str | Path) -> tuple[Checklist, ImportReport]:
    """Read a plain Markdown checklist: the equivalent `Checklist` and the import's report."""
    from qatui.core.yamlpos import read_bytes  # the one place a checklist file is read

    file = Path(path)
    try:
        raw = read_bytes(file)  # refuses a folder, an unreadable file, one over 2 MB or endless
    except ChecklistError as error:
        raise MarkdownImportError(f"{file}: {error.problems[0].message}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MarkdownImportError(
            f"{file}: not UTF-8 text (byte {error.start} cannot be decoded); save it as UTF-8"
        ) from error
    if "\x00" in text:
        raise MarkdownImportError(f"{file}: looks like a binary file, not Markdown")
    checklist, report = import_markdown_text_report(text, str(file))
    checklist.content_hash = hashlib.sha256(raw).hexdigest()
    return checklist, report
