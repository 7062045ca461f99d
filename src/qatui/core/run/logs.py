"""The run's log sources as a face reads them: the line and batch types, and which sources
could not be read.

A face asks `RunModel.follow_logs(names, …)` for one merged, time-ordered stream of the run's
log sources (built with the run's scope, trust and masker) and reads what comes out with the
types named here; it never builds a source or a merge itself
(`tests/unit/test_faces_ask_the_run.py`). `SourceHealth` watches that stream and says which
sources could not be read at all (the exit status of `qatui logs`).
"""

from __future__ import annotations

from qatui.core.logs.base import LogBatch, LogLine
from qatui.core.logs.merge import MergedBatch, SourceHealth, SourceState

__all__ = ["LogBatch", "LogLine", "MergedBatch", "SourceHealth", "SourceState"]
