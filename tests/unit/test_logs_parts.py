"""The pieces under the sources: error detection, compose project names, the ring buffer,
merging in time order, and building sources from a checklist's log source specs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from qatui.core.checklist import Compose, Environment, LogSourceSpec
from qatui.core.logs import (
    DEFAULT_ERROR_PATTERNS,
    CommandSource,
    DockerSource,
    ErrorDetector,
    FileSource,
    LineBuffer,
    LogBatch,
    LogLine,
    LogSourceError,
    make_source,
    merge,
    normalize_project_name,
    project_name,
)
from qatui.core.logs._text import LineSplitter, leading_time
from qatui.core.logs.docker_source import parse_stamp


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("2026-03-01 12:00:00 ERROR payment failed", True),
        ("[CRITICAL] disk full", True),
        ("FATAL: role does not exist", True),
        ("Traceback (most recent call last):", True),
        ("django.core.exceptions.ImproperlyConfigured Exception", True),
        ("raised RuntimeException in worker", True),
        ('ts=1 level=error msg="db"', True),
        ('ts=1 level="ERROR" msg="db"', True),
        ('10.0.0.1 - - [01/Mar/2026] "POST /api/orders/ HTTP/1.1" 500 1234', True),
        ('10.0.0.1 - - [01/Mar/2026] "GET / HTTP/1.1" 503 0 "-" "curl"', True),
        ("2026/03/01 12:00:00 [error] 7#7: upstream timed out", True),
        ('10.0.0.1 - - "GET / HTTP/1.1" 200 512', False),
        ('10.0.0.1 - - "GET /500 HTTP/1.1" 404 512', False),
        ("INFO 0 errors, all good", False),
        ("ERRORS_TOTAL=0", False),
        ("level=info msg=ok", False),
        ("TERRORIST movie", False),
        ("Exceptional result", False),
    ],
)
def test_default_error_patterns(text: str, error: bool) -> None:
    assert bool(ErrorDetector().scan([text])) is error


def test_traceback_is_kept_with_its_error_across_batches() -> None:
    detector = ErrorDetector()
    first = ["INFO start", "ERROR Internal Server Error: /api/", "Traceback (most recent call last):",
             '  File "views.py", line 1, in get']
    second = ["    return x[1]", "", "During handling of the above exception, another exception occurred:", "",
              "Traceback (most recent call last):", '  File "a.py"', "IndexError: list index out of range",
              "INFO next request", "  indented but after a normal line"]
    assert detector.scan(first) == {1, 2, 3}
    assert detector.scan(second) == {0, 1, 2, 3, 4, 5, 6}


def test_custom_error_patterns_replace_the_defaults() -> None:
    detector = ErrorDetector([r"\bpanic\b", r"oops"])
    assert detector.scan(["ERROR ignored here", "panic: nil map", "\tgoroutine 1", "oops", "fine"]) == {1, 2, 3}
    with pytest.raises(LogSourceError, match="not a valid regex"):
        ErrorDetector(["(unclosed"])
    assert len(DEFAULT_ERROR_PATTERNS) >= 7


def test_compose_project_name_like_compose(tmp_path: Path) -> None:
    assert normalize_project_name("My App.v2") == "myappv2"
    assert normalize_project_name("_-Uplink_Prod") == "uplink_prod"
    folder = tmp_path / "Uplink Shop"
    folder.mkdir()
    env = Environment(key="local", label="Local")
    assert project_name(env, checklist_dir=folder, lookup=lambda n: None) == "uplinkshop"
    (folder / "docker-compose.yml").write_text("services: {web: {image: x}}\n")
    assert project_name(env, checklist_dir=folder, lookup=lambda n: None) == "uplinkshop"
    (folder / "compose.yaml").write_text("name: Uplink\nservices: {web: {image: x}}\n")
    assert project_name(env, checklist_dir=folder, lookup=lambda n: None) == "uplink"
    (folder / ".env").write_text("# comment\nCOMPOSE_PROJECT_NAME=from_dotenv\n")
    assert project_name(env, checklist_dir=folder, lookup=lambda n: None) == "from_dotenv"
    lookup = {"COMPOSE_PROJECT_NAME": "FromEnv"}.get
    assert project_name(env, checklist_dir=folder, lookup=lookup) == "fromenv"
    env.compose = Compose(project="explicit")
    assert project_name(env, checklist_dir=folder, lookup=lookup) == "explicit"
    # Files in another folder: that folder names the project.
    other = tmp_path / "deploy"
    other.mkdir()
    (other / "stack.yml").write_text("services: {}\n")
    env2 = Environment(key="x", label="x", compose=Compose(files=["../deploy/stack.yml"]))
    assert project_name(env2, checklist_dir=folder, lookup=lambda n: None) == "deploy"


def test_line_buffer_is_bounded_and_keeps_columns() -> None:
    buffer = LineBuffer("web", maxlen=5)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    buffer.extend(LogBatch("web", [f"l{i}" for i in range(8)], at=at, errors={6}))
    buffer.extend(LogBatch.notice("web", "engine down"))
    buffer.extend([LogLine("web", "ERROR x", is_error=True)])
    assert len(buffer) == 5 and buffer.total == 10 and buffer.dropped == 5
    assert [line.text for line in buffer.lines()] == ["l5", "l6", "l7", "engine down", "ERROR x"]
    assert [line.text for line in buffer.errors()] == ["l6", "ERROR x"]
    assert buffer.lines()[0].at == at and buffer.lines()[3].notice
    assert buffer.text(last=2) == "engine down\nERROR x"
    assert [line.text for line in buffer.grep("^l")] == ["l5", "l6", "l7"]


def test_log_batch_is_a_sequence_of_lines() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    batch = LogBatch("a", ["x", "ERROR y"], at=at, errors={1}, origin="a-1")
    assert len(batch) == 2 and batch[-1] == LogLine("a", "ERROR y", at, True, False, "a-1")
    assert [line.text for line in batch[0:1]] == ["x"]
    assert LogBatch.of("a", list(batch))[1].is_error
    with pytest.raises(IndexError):
        batch[2]


def test_splitter_bulk_decoding() -> None:
    splitter = LineSplitter(max_line=10)
    assert splitter.feed(b"ab\r\ncd\nef") == ["ab", "cd"]
    assert splitter.feed(b"g\n" + b"x" * 25) == ["efg", "x" * 10 + " … [line truncated]"]
    assert splitter.feed(b"yyy\nok\n") == ["ok"]
    assert splitter.feed(b"\xff\xfeabc\n") == ["\ufffd\ufffdabc"]
    assert splitter.feed(b"crlf\r\n") == ["crlf"]  # the chunk's last line too (it kept its \r)


def test_times() -> None:
    ns, at = parse_stamp("2026-03-01T12:00:00.123456789Z")  # type: ignore[misc]
    assert ns % 1_000_000_000 == 123456789 and at == datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    ns2, _ = parse_stamp("2026-03-01T13:00:00.5+01:00")  # type: ignore[misc]
    assert ns2 - ns == 500_000_000 - 123456789
    assert parse_stamp("garbage") is None
    stamp = leading_time("2026-03-01 12:00:00,250 ERROR x")
    assert stamp is not None and stamp.microsecond == 250000 and stamp.tzinfo is not None
    assert leading_time("2026-03-01T12:00:00Z x") == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert leading_time("no time here") is None


def test_merge_interleaves_sources_in_time_order(tmp_path: Path) -> None:
    base = datetime.now(UTC) - timedelta(minutes=5)
    a = tmp_path / "a.log"
    b = tmp_path / "b.log"
    a.write_text("".join(f"{(base + timedelta(seconds=2 * i)).isoformat()} a{i}\n" for i in range(5)))
    b.write_text("".join(f"{(base + timedelta(seconds=2 * i + 1)).isoformat()} b{i}\n" for i in range(5)))
    stop = threading.Event()
    lines = [line for batch in merge([FileSource("a", a), FileSource("b", b)], stop, follow=False,
                                     since=base - timedelta(seconds=1)) for line in batch]
    assert [line.text.split()[-1] for line in lines] == [x for i in range(5) for x in (f"a{i}", f"b{i}")]


def test_merge_follow_stops_promptly_and_survives_a_broken_source() -> None:
    class Broken:
        name = "broken"

        def follow(self, stop: threading.Event, **kwargs: object) -> list[LogBatch]:
            raise RuntimeError("bug")

    stop = threading.Event()
    seen: list[LogLine] = []

    def consume() -> None:
        for batch in merge([CommandSource("ticks", "while true; do echo tick; sleep 0.05; done"), Broken()],  # type: ignore[list-item]
                           stop):
            seen.extend(batch)

    thread = threading.Thread(target=consume)
    thread.start()
    deadline = datetime.now() + timedelta(seconds=10)
    while datetime.now() < deadline and sum(line.text == "tick" for line in seen) < 5:
        stop.wait(0.05)
    stop.set()
    thread.join(3)
    assert not thread.is_alive()
    assert any(line.notice and "broken" in line.text and "bug" in line.text for line in seen)
    assert sum(line.text == "tick" for line in seen) >= 5


def test_make_source_builds_each_kind(tmp_path: Path) -> None:
    env = Environment(key="local", label="Local", vars={"svc": "huey"}, compose=Compose(project="${proj}"),
                      docker_host="${host}")
    scope = {"svc": "huey", "proj": "uplink", "host": "tcp://127.0.0.1:2375", "logdir": "logs"}
    lookup = scope.get
    service = make_source(LogSourceSpec("h", "service", "${svc}", tail=50), env, checklist_dir=tmp_path, lookup=lookup)
    assert isinstance(service, DockerSource)
    assert (service.service, service.project, service.docker_host, service.tail) == (
        "huey", "uplink", "tcp://127.0.0.1:2375", 50)
    other = make_source(LogSourceSpec("h", "service", "web", project="other"), env, checklist_dir=tmp_path,
                        lookup=lookup)
    assert isinstance(other, DockerSource) and other.project == "other"
    container = make_source(LogSourceSpec("n", "container", "nginx-1"), None, checklist_dir=tmp_path,
                            lookup={"DOCKER_HOST": "unix:///x.sock"}.get)
    assert isinstance(container, DockerSource) and container.docker_host == "unix:///x.sock"
    file = make_source(LogSourceSpec("f", "file", "${logdir}/app.log"), env, checklist_dir=tmp_path, lookup=lookup)
    assert isinstance(file, FileSource) and file.path == tmp_path / "logs" / "app.log"
    command = make_source(LogSourceSpec("c", "command", "echo ${svc}", errors=["x"]), env, checklist_dir=tmp_path,
                          lookup=lookup)
    # a value reaches a command's shell line through its environment, never as shell text
    assert isinstance(command, CommandSource) and command.command == 'echo "${QATUI_svc}"'
    assert command.env is not None and command.env["QATUI_svc"] == "huey"
    written = make_source(LogSourceSpec("c", "command", "echo ${svc}"), env, checklist_dir=tmp_path, lookup=lookup,
                          written_text=lambda name: name == "svc")
    assert isinstance(written, CommandSource) and written.command == "echo huey" and written.env is None
    with pytest.raises(LogSourceError):
        make_source(LogSourceSpec("c", "journal", "x"), env, checklist_dir=tmp_path, lookup=lookup)
