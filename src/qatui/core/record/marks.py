"""The marks a record shows (priorities, statuses, probe results, conflicts): the same in every
viewer, diff and terminal."""

from __future__ import annotations

from qatui.core.checklist import Priority
from qatui.core.session import (
    ProbeStatus,
    Status,
)

#: Marks that read the same in every viewer, diff and terminal (emoji shortcodes such as
#: `:red_circle:` render only on some). They stay in the Basic Multilingual Plane: a single
#: character outside it would make Python hold the whole record as UCS-4, which makes decoding
#: a large record about eight times slower.
PRIORITY_BADGE = {
    Priority.CRITICAL: "●",
    Priority.IMPORTANT: "◐",
    Priority.NICE: "○",
}


STATUS_ORDER = (Status.PASSED, Status.FAILED, Status.BLOCKED, Status.SKIPPED, Status.UNTESTED)


PROBE_MARK = {
    ProbeStatus.PASSED: "✓",
    ProbeStatus.FAILED: "✗",
    ProbeStatus.ERROR: "⚠",
    ProbeStatus.TIMEOUT: "⏱",
    ProbeStatus.NOT_RUN: "·",
    ProbeStatus.INCONCLUSIVE: "?",
}


EVIDENCE_LABEL = {"log": "Log excerpt", "probe": "Probe output", "text": "Attached text"}


OPEN_HEAD = {status: f"- {status.mark} **{status.value.upper()}** " for status in Status}


#: An item in conflict (testers gave different verdicts): never ticked, whatever its status.
CONFLICT_MARK = "≠"


CONFLICT_HEAD = f"- [ ] **CONFLICT** {CONFLICT_MARK} "


CONFLICT_OPEN_HEAD = f"- {CONFLICT_MARK} **CONFLICT** "


ITEM_INDENT = "  "  # content column of `- [ ] ` list items


# Status word and mark shown on each task line, computed once.
STATUS_HEAD = {
    status: f"- [{'x' if status is Status.PASSED else ' '}] **{status.value.upper()}** {status.mark} "
    for status in Status
}
