"""A record whose hidden data nests deeply is a clear error naming the line, never an internal
error: `json.loads` of a 100,000-deep array raised RecursionError out of `qatui report`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qatui.core.errors import RecordError
from qatui.core.record.read import read

GOLDEN = Path(__file__).parents[1] / "golden" / "record-unsigned.md"
ANCHOR = '"where":"django-upgrade.yaml:88"}'
#: The line of the anchor these tests break (the first probe's).
LINE = GOLDEN.read_text(encoding="utf-8")[: GOLDEN.read_text(encoding="utf-8").index(ANCHOR)].count("\n") + 1


def nested(depth: int) -> str:
    text = GOLDEN.read_text(encoding="utf-8")
    assert ANCHOR in text
    return text.replace(ANCHOR, ANCHOR[:-1] + ',"x":' + "[" * depth + "]" * depth + "}", 1)


@pytest.mark.parametrize("depth", [5_000, 200_000])
def test_deep_nesting_in_an_anchor_is_one_clear_error(depth: int) -> None:
    with pytest.raises(RecordError) as caught:
        read(nested(depth), "deep.md")
    assert caught.value.message.startswith(f"deep.md:{LINE}: broken data: nested {depth + 1} levels deep, too deep to read")


def test_nesting_the_decoder_can_follow_reads_as_before() -> None:
    # unknown keys are ignored, whatever their shape
    assert read(nested(3), "ok.md").items()[0].status.value == "passed"
    assert read(nested(200), "ok.md").items()[0].status.value == "passed"


def test_qatui_report_says_it_in_one_line(tmp_path: Path) -> None:
    record = tmp_path / "deep.md"
    record.write_text(nested(100_000), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qatui", "report", str(record)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert done.stderr.startswith(f"qatui report: {record}:{LINE}: broken data: nested 100001 levels deep")


def test_a_number_too_long_for_python_is_one_clear_error() -> None:
    """json.loads refuses a 5,000-digit integer with a plain ValueError (not a JSONDecodeError,
    which has no column): still the record's file:line, never an AttributeError."""
    text = GOLDEN.read_text(encoding="utf-8")
    huge = text.replace(ANCHOR, ANCHOR[:-1] + ',"x":' + "9" * 5_000 + "}", 1)
    with pytest.raises(RecordError) as caught:
        read(huge, "huge.md")
    assert caught.value.message.startswith(f"huge.md:{LINE}: broken data: Exceeds the limit")
