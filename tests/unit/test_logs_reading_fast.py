"""The two things that keep a command source's flood cheap give the same answers as the plain way:
`LineReader` (one reused buffer) splits a stream exactly as `LineSplitter` does, however the
reads fall, and the error patterns' literal prefilter never hides an error line."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qatui.core.logs import DEFAULT_ERROR_PATTERNS, CommandSource, ErrorDetector
from qatui.core.logs._text import LineSplitter
from qatui.core.logs.errors import required_literal
from qatui.core.logs.line_reader import LineReader

#: Pieces a stream is made of: short words, line ends of both kinds, a multi-byte character (so a
#: read can cut it in half), invalid UTF-8, and long runs that exceed `max_line`.
_PIECES = st.sampled_from([b"a", b"ERROR", b" ", b"\n", b"\r\n", b"\r", "é€".encode(), b"\xff", b"x" * 17, b"\t"])


def _split_plain(chunks: list[bytes], max_line: int) -> list[str]:
    splitter = LineSplitter(max_line)
    out: list[str] = []
    for chunk in chunks:
        for start in range(0, len(chunk), 32):  # the same reads as the reader's below
            out.extend(splitter.feed(chunk[start : start + 32]))
    return out + splitter.flush()


def _split_reader(chunks: list[bytes], max_line: int) -> list[str]:
    reader = LineReader(max_line, size=64)
    out: list[str] = []
    for chunk in chunks:
        for start in range(0, len(chunk), 32):  # never more than the room a `lines()` leaves
            reader.feed(chunk[start : start + 32])
            lines, joined = reader.lines()
            assert joined is None or joined == "\n".join(lines)
            out.extend(lines)
    return out + reader.flush()


@settings(max_examples=300, deadline=None)
@given(stream=st.lists(_PIECES, max_size=60), cuts=st.lists(st.integers(0, 400), max_size=8),
       max_line=st.sampled_from([4, 10, 16]))
def test_the_reader_splits_as_the_splitter_does_wherever_the_reads_fall(
    stream: list[bytes], cuts: list[int], max_line: int
) -> None:
    data = b"".join(stream)
    points = sorted({min(cut, len(data)) for cut in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True) if b > a]
    assert _split_reader(chunks, max_line) == _split_plain(chunks, max_line)


def test_the_reader_reads_a_pipe_keeps_the_partial_line_and_cuts_long_lines() -> None:
    read_end, write_end = os.pipe()
    try:
        reader = LineReader(max_line=8, size=64)
        os.write(write_end, b"one\r\ntwo\nthr")
        assert reader.read(read_end) == 12
        assert reader.lines() == (["one", "two"], "one\ntwo")
        assert reader.pending == 3
        os.write(write_end, b"ee\n" + b"y" * 20 + b"\nlast")
        reader.read(read_end)
        assert reader.lines() == (["three", "yyyyyyyy … [line truncated]"], None)
        os.close(write_end)
        write_end = -1
        assert reader.read(read_end) == 0
        assert reader.flush() == ["last"]
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    with pytest.raises(ValueError, match="do not fit"):
        LineReader(max_line=8, size=64).feed(b"z" * 65)


def test_a_command_source_reads_a_flood_whole_and_in_order() -> None:
    import threading

    source = CommandSource("seq", "seq 1 200000; echo 'ERROR at the end'")
    texts: list[str] = []
    errors: list[str] = []
    for batch in source.follow(threading.Event(), follow=True):
        texts.extend(text for i, text in enumerate(batch.texts) if i not in batch.notices)
        errors.extend(batch.texts[i] for i in batch.errors)
    assert texts == [str(n) for n in range(1, 200_001)] + ["ERROR at the end"]
    assert errors == ["ERROR at the end"]


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"ERROR\b(?<=\bERROR)", "ERROR"),
        (r"Traceback \(most recent call last\)", "Traceback (most recent call last)"),
        (r"level=\"?(?i:error|err)\b", "level="),
        (r"HTTP/[0-9.]+\"? 5\d\d\b", "HTTP/"),
        (r"\[(?:error|crit)\]", "["),
        (r"colou?r", "colo"),  # `u?`: the u is optional, the literal stops before it
        (r"ab+c", "ab"),
        (r"foo\.bar", "foo.bar"),
        (r"\bpanic\b", ""),  # an assertion first: nothing to rely on
        (r"oops|fail", ""),  # a top-level alternative
        (r"(?i)error", ""),  # flags change what a literal matches
        (r"x{2}", ""),
        (r"[|]z", ""),  # a bar inside a class is no alternative, but a class is no literal
        (r"ab(c|d)", "ab"),  # a bar inside a group is no top-level alternative
    ],
)
def test_required_literal(pattern: str, literal: str) -> None:
    assert required_literal(pattern) == literal


_TEXT = st.text(alphabet=st.sampled_from(list("ERORCITAL FxcepinTrbk()=lv/HP[]5 0.\t\"")), max_size=30)


@settings(max_examples=300, deadline=None)
@given(batches=st.lists(st.lists(_TEXT, min_size=1, max_size=6), max_size=4),
       patterns=st.sampled_from([None, ["Exception|ERROR"], [r"colou?r", r"E(?:R|X)"], ["(?i)error"]]))
def test_the_prefilter_never_hides_an_error(batches: list[list[str]], patterns: list[str] | None) -> None:
    fast = ErrorDetector(patterns)
    plain = ErrorDetector(patterns)
    plain._needs = [() for _ in plain._needs]  # every pattern runs, as before the prefilter
    for texts in batches:
        assert fast.scan(texts) == plain.scan(texts)


def test_the_defaults_all_have_a_literal_to_look_for() -> None:
    # Each default pattern starts with a literal; a new one without would run on every batch.
    assert all(required_literal(pattern) for pattern in DEFAULT_ERROR_PATTERNS)
