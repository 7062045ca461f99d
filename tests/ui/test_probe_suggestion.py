"""The probe pane's one-line suggestion reads the item's tick as well as the probes."""

from __future__ import annotations

from qatui.core.session import ProbeResult, ProbeStatus, Status
from qatui.ui.widgets.probe_pane import suggestion
from tests.servers import probe

PROBES = [probe(id="a", kind="tcp", host="127.0.0.1", port=1), probe(id="b", kind="tcp", host="127.0.0.1", port=2)]


def results(*statuses: ProbeStatus) -> dict[str, ProbeResult]:
    return {p.id: ProbeResult(p.id, "tcp", s, "summary") for p, s in zip(PROBES, statuses, strict=True)}


def test_untested_item_with_passing_probes_suggests_p() -> None:
    assert "press p to confirm" in suggestion(PROBES, results(ProbeStatus.PASSED, ProbeStatus.PASSED), set()).plain


def test_ticked_item_no_longer_asks_to_confirm() -> None:
    passed = results(ProbeStatus.PASSED, ProbeStatus.PASSED)
    assert suggestion(PROBES, passed, set(), Status.PASSED).plain == "all probes passed · marked passed"
    failed = suggestion(PROBES, passed, set(), Status.FAILED).plain
    assert "press p" not in failed and failed.startswith("marked failed")


def test_passed_despite_failing_probes_is_pointed_out() -> None:
    text = suggestion(PROBES, results(ProbeStatus.PASSED, ProbeStatus.FAILED), set(), Status.PASSED).plain
    assert text == "marked passed, though 1 of 2 probes did not pass"


def test_cancelled_probes_are_not_called_failures() -> None:
    text = suggestion(PROBES, results(ProbeStatus.NOT_RUN, ProbeStatus.PASSED), set()).plain
    assert "were not run" in text and "r runs them again" in text and "f to fail" not in text
    failing = suggestion(PROBES, results(ProbeStatus.TIMEOUT, ProbeStatus.PASSED), set()).plain
    assert "f to fail" in failing
