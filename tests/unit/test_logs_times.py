"""Time in file logs: the formats qatui reads a line's time from, and what follows from it.

Real files on disk, real sources. The consequences are the ones issue 11.3 found broken: an
`absent` check passed over a gunicorn line written during the session, a `present` check missed
an access-log line written after the session started, `qatui logs --since 60s` printed nothing
although the last line was 1 s old, and two sources interleaved 90 s of lines at one instant.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from qatui.core.checklist import LogSourceSpec
from qatui.core.logs import FileSource
from qatui.core.logs._text import Continuation, line_time, place_times
from qatui.core.logs.merge import merge
from qatui.core.probes import run_probes
from qatui.core.session import ProbeStatus
from tests.conftest import trust_file
from tests.servers import checklist_of, probe
from tests.unit.logs_support import Follower, read_all

REF = datetime(2026, 12, 4, 18, 40, tzinfo=UTC)
UTC_1844 = datetime(2026, 12, 4, 18, 29, 44, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-04T18:29:44Z INFO x", UTC_1844),
        ("2026-12-04 18:29:44+00:00 INFO x", UTC_1844),
        ("2026-12-04T18:29:44.250+0000 x", UTC_1844.replace(microsecond=250_000)),
        ("2026-12-04 18:29:44,123Z x", UTC_1844.replace(microsecond=123_000)),
        ("2026-12-04T20:29:44+02 x", UTC_1844),
        ("2026-12-04T13:29:44-05:00 x", UTC_1844),
        # gunicorn's error log
        ("[2026-12-04 18:29:44 +0000] [42] [INFO] Booting worker with pid: 42", UTC_1844),
        # the common/combined access log (nginx, Apache, gunicorn)
        ('127.0.0.1 - - [04/Dec/2026:18:29:44 +0000] "GET /api/ HTTP/1.1" 200 12', UTC_1844),
        ('::1 - alice [04/Dec/2026:19:29:44 +0100] "GET / HTTP/1.1" 500 1 "-" "curl"', UTC_1844),
        ('web.example - - [04/Dec/2026:18:29:44 +0000] "GET / HTTP/1.1" 200 1', UTC_1844),
    ],
)
def test_zoned_formats(text: str, expected: datetime) -> None:
    assert line_time(text, REF) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-04 18:29:44,123 ERROR huey x", datetime(2026, 12, 4, 18, 29, 44, 123_000)),  # Python logging
        ("2026-12-04 18:29:44.5 x", datetime(2026, 12, 4, 18, 29, 44, 500_000)),
        ('[04/Dec/2026 18:25:28] "GET / HTTP/1.1" 200 5', datetime(2026, 12, 4, 18, 25, 28)),  # runserver
    ],
)
def test_local_formats(text: str, expected: datetime) -> None:
    assert line_time(text, REF) == expected.astimezone()


def test_syslog_takes_the_year_of_the_reference_or_the_one_before() -> None:
    assert line_time("Dec  4 18:29:44 host prog[1]: started", REF) == datetime(2026, 12, 4, 18, 29, 44).astimezone()
    january = datetime(2027, 1, 2, 10, tzinfo=UTC)
    assert line_time("Dec 31 23:59:59 host cron[7]: x", january) == datetime(2026, 12, 31, 23, 59, 59).astimezone()


@pytest.mark.parametrize(
    "text",
    ["no time here", "line", "December is cold", "[INFO] x", "1234 apples", "Decimal 4 12:00:00x",
     '127.0.0.1 - - [99/Foo/2026:18:29:44 +0000] "GET /"', "2026-13-45 10:00:00 x", ""],
)
def test_not_times(text: str) -> None:
    assert line_time(text, REF) is None


def test_traceback_lines_take_the_time_of_their_record() -> None:
    texts = [
        "leading line",
        "2026-12-04 18:29:44,000 ERROR task failed",
        "Traceback (most recent call last):",
        '  File "tasks.py", line 3, in run',
        "ValueError: boom",
        "2026-12-04 18:29:49,000 INFO next",
    ]
    times, own = place_times(texts, REF)
    first = datetime(2026, 12, 4, 18, 29, 44).astimezone()
    assert times[:5] == [first] * 5  # the leading line takes its first timed neighbour's
    assert times[5] == datetime(2026, 12, 4, 18, 29, 49).astimezone()
    assert own == [False, True, False, False, False, True]
    assert place_times(["a", "b"], REF) == ([None, None], [False, False])  # never the mtime


def test_continuation_ends_at_the_exception_line() -> None:
    c = Continuation()
    assert [c.feed(t) for t in ("Traceback (most recent call last):", '  File "x"', "", "KeyError: 'a'", "plain")] == [
        True, True, True, True, False]


# --- consequences, with real files ------------------------------------------------------------


def _gunicorn(at: datetime, text: str) -> str:
    """`text` is `LEVEL] message`: `[2026-12-04 18:29:44 +0000] [42] [INFO] Booting worker`."""
    return f"[{at.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')} +0000] [42] [{text}\n"


def _access(at: datetime, status: int, path: str = "/api/") -> str:
    return f'127.0.0.1 - - [{at.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S")} +0000] "GET {path} HTTP/1.1" {status} 12\n'


def _old_mtime(path: Path, hours: float = 2) -> None:
    """Make the file look written long ago: an mtime must never stand for the lines' times."""
    old = (datetime.now(UTC) - timedelta(hours=hours)).timestamp()
    os.utime(path, (old, old))


def test_absent_fails_over_a_gunicorn_line_written_during_the_session(tmp_path: Path) -> None:
    started = datetime.now(UTC) - timedelta(seconds=120)
    path = tmp_path / "gunicorn.log"
    path.write_text(
        _gunicorn(started - timedelta(hours=1), "INFO] Booting worker")
        + _gunicorn(started + timedelta(seconds=30), "ERROR] Worker timeout (pid:43)")
        + _gunicorn(started + timedelta(seconds=31), "INFO] Booting worker with pid: 44")
    )
    _old_mtime(path)
    logs = {"web": LogSourceSpec(name="web", kind="file", target=str(path))}
    spec = probe(id="a", kind="logs", source="web", absent=r"\bERROR\b", window="session")
    [result] = run_probes(checklist_of(spec, logs=logs), "local", [spec], trusted=True, env={}, session_started=started)
    assert result.status is ProbeStatus.FAILED, result.summary + result.detail
    assert "Worker timeout" in result.explanation


def test_present_finds_an_access_line_written_after_the_session_started(tmp_path: Path) -> None:
    started = datetime.now(UTC) - timedelta(seconds=90)
    path = tmp_path / "access.log"
    path.write_text(_access(started - timedelta(hours=3), 200, "/old/") + _access(started + timedelta(seconds=20), 201, "/orders/"))
    _old_mtime(path, hours=5)
    logs = {"web": LogSourceSpec(name="web", kind="file", target=str(path))}
    found = probe(id="p", kind="logs", source="web", present=r'POST|GET /orders/ HTTP/1.1" 201', within=0.5)
    old = probe(id="q", kind="logs", source="web", present=r"GET /old/", within=0.5)
    results = run_probes(checklist_of(found, old, logs=logs), "local", [found, old], trusted=True, env={}, session_started=started)
    assert [r.status for r in results] == [ProbeStatus.PASSED, ProbeStatus.FAILED], [r.summary for r in results]


def test_qatui_logs_since_prints_a_one_second_old_gunicorn_line(tmp_path: Path) -> None:
    path = tmp_path / "gunicorn.log"
    now = datetime.now(UTC)
    path.write_text(_gunicorn(now - timedelta(minutes=30), "INFO] old line") + _gunicorn(now - timedelta(seconds=1), "INFO] fresh line"))
    _old_mtime(path)
    checklist = tmp_path / "c.yaml"
    checklist.write_text(
        "qatui: 1\ntitle: T\nenvironments:\n  local: {label: L, default: true}\n"
        f"logs:\n  web: {{file: {path}}}\n"
        "sections:\n  - id: s\n    title: S\n    priority: critical\n    items:\n      - {id: i, title: I}\n"
    )
    env = {**os.environ, "NO_COLOR": "1", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    trust_file(checklist, env)
    done = subprocess.run([sys.executable, "-m", "qatui", "logs", str(checklist), "--since", "60s"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "fresh line" in done.stdout and "old line" not in done.stdout


def test_two_files_interleave_by_their_lines_times(tmp_path: Path) -> None:
    base = datetime.now(UTC) - timedelta(seconds=90)
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    # 50 lines each over 90 s, the two files alternating in time; b's are gunicorn, a's access.
    a.write_text("".join(_access(base + timedelta(seconds=2 * i), 200, f"/a{i}") for i in range(45)))
    b.write_text("".join(_gunicorn(base + timedelta(seconds=2 * i + 1), f"INFO] b{i}") for i in range(45)))
    stop = threading.Event()
    out: list[str] = []
    for batch in merge([FileSource("a", a), FileSource("b", b)], stop, tail=1000, follow=False):
        out.extend(line.text for line in batch)
    order = [f"/a{t.split('GET /a')[1].split(' ')[0]}" if "GET /a" in t else t.split("[INFO] ")[1] for t in out]
    expected = [x for i in range(45) for x in (f"/a{i}", f"b{i}")]
    assert order == expected


def test_followed_lines_keep_their_own_time_and_tracebacks_their_records(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("2020-01-02 18:00:00Z INFO started\n")
    follower = Follower(FileSource("app", path), tail=1)
    try:
        follower.wait_text("started")  # the existing content is read: what comes next is followed
        written = datetime(2020, 1, 2, 18, 29, 44, tzinfo=UTC)  # long before it is read
        with path.open("a") as handle:
            handle.write("2020-01-02 18:29:44,000Z ERROR failed\nTraceback (most recent call last):\n"
                         '  File "x.py", line 1\nValueError: boom\nplain print output\n')
        follower.wait_for(lambda f: len(f.texts()) >= 6)
    finally:
        follower.close()
    lines = [line for line in follower.snapshot() if not line.notice][1:]
    assert [line.at for line in lines[:4]] == [written] * 4
    assert lines[4].at is not None and lines[4].at > written + timedelta(days=1)  # when it was read


def test_an_untimed_file_is_left_out_of_a_time_window_with_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "plain.log"
    path.write_text("ERROR no time here\nok\n")
    lines = read_all(FileSource("plain", path), since=datetime.now(UTC) - timedelta(minutes=5))
    assert [line.text for line in lines if not line.notice] == []
    assert any("carry no time qatui recognises" in line.text for line in lines if line.notice)


def test_zone_offsets_other_than_utc() -> None:
    tz = timezone(timedelta(hours=5, minutes=30))
    assert line_time("2026-12-04T23:59:44+05:30 x", REF) == datetime(2026, 12, 4, 23, 59, 44, tzinfo=tz)


def test_line_times_equals_line_time_line_by_line() -> None:
    """The flood shortcut (a line repeating the previous line's start has its time) never
    changes a time: lines that differ only just past the time's end are parsed again."""
    texts = [
        "2026-12-04 18:29:44,123 INFO a", "2026-12-04 18:29:44,123 INFO a", "2026-12-04 18:29:44,1234 INFO",
        "2026-12-04 18:29:44,123 +0100 x", "2026-12-04 18:29:44,123 +0100 x", "2026-12-04 18:29:44,123 -0500 x",
        "2026-12-04 18:29:44", "2026-12-04 18:29:44Z", "2026-12-04 18:29:44Z and more text",
        '127.0.0.1 - - [04/Dec/2026:18:25:28 +0000] "GET / HTTP/1.1" 200 1',
        '127.0.0.1 - - [04/Dec/2026:18:25:28 +0000] "GET / HTTP/1.1" 200 1',
        '127.0.0.1 - - [04/Dec/2026:18:25:28 +0100] "GET / HTTP/1.1" 200 1',
        "18:29:44,1 x", "18:29:44,1 x", "18:29:44,12 x", "Dec  4 18:29:44 host a: x", "Dec  4 18:29:44 host a: x",
        "plain", "", "Traceback (most recent call last):",
    ]
    from qatui.core.logs._text import line_times

    for order in (texts, texts[::-1], sorted(texts)):
        assert line_times(order, REF) == [line_time(text, REF) for text in order]
    # A batch whose only timed line starts with a host name, or is the very first line.
    for alone in (['plain', 'web.example - - [04/Dec/2026:18:29:44 +0000] "GET / HTTP/1.1" 200 1'],
                  ["Dec  4 18:29:44 host a: x", "plain"], ["plain", "words", "[04/Dec/2026 18:25:28] x"]):
        assert line_times(alone, REF) == [line_time(text, REF) for text in alone]
        assert any(line_times(alone, REF))
    assert line_times(["plain", "words [x]", "a b c [d]"], REF) == [None, None, None]
