"""Excerpts are cut at line or word boundaries, never mid-word, and after masking.

The field test's explanation began "ckages/django/…": the end of a traceback cut by character
count. Every cut here is checked against the words of the text it came from.
"""

from __future__ import annotations

import re

import pytest

from qatui.core.probes.base import BoundedText, cut_words, cut_words_left, excerpt, last_lines
from qatui.core.probes.engine import run_probes
from qatui.core.session import ProbeStatus
from tests.servers import PASSWORD, HttpApp, checklist_of, probe

TRACEBACK = """Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/django/core/management/base.py", line 412, in run_from_argv
    self.execute(*args, **cmd_options)
  File "/usr/local/lib/python3.12/site-packages/django/core/management/base.py", line 458, in execute
    output = self.handle(*args, **options)
django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty."""


def words(text: str) -> set[str]:
    return set(re.split(r"\s+", text))


def test_last_lines_drops_whole_lines_not_characters() -> None:
    tail = last_lines(TRACEBACK, 5, 200)
    assert tail.splitlines()[-1] == TRACEBACK.splitlines()[-1]
    for line in tail.splitlines():
        assert line in TRACEBACK.splitlines()  # every kept line is whole
    assert "ckages" not in tail.split("site-packages")[0]


@pytest.mark.parametrize("limit", [20, 33, 57, 80, 90])
def test_cut_words_never_cuts_inside_a_word(limit: int) -> None:
    text = "the quick brown fox jumps over the lazy dog while a configuration error is raised again and again"
    cut = cut_words(text, limit)
    assert len(cut) <= limit and cut.endswith("…")
    for word in cut.removesuffix("…").split():
        assert word in words(text)
    left = cut_words_left(text, limit)
    assert len(left) <= limit and left.startswith("…")
    for word in left.removeprefix("…").split():
        assert word in words(text)


def test_a_long_line_ending_is_cut_at_a_path_separator() -> None:
    line = 'File "/usr/local/lib/python3.12/site-packages/django/core/management/base.py", line 412'
    left = cut_words_left(line, 40)
    assert left.startswith("…") and len(left) <= 40
    assert left[1:].startswith(("django/", "core/", "management/", "base.py", "site-packages/"))


def test_excerpt_ends_at_a_line_when_one_is_near() -> None:
    text = "\n".join(f"line {n} of the body" for n in range(200))
    cut = excerpt(text, 300)
    kept, note = cut.rsplit("\n", 1)
    assert all(re.fullmatch(r"line \d+ of the body", line) for line in kept.splitlines())
    assert note == f"… [{len(text) - len(kept)} more characters]"


def test_bounded_output_keeps_a_whole_first_line_in_its_tail() -> None:
    out = BoundedText(cap=1000)
    for n in range(500):
        out.feed(f"output line number {n:04d}\n".encode())
    text = out.text()
    head, tail = text.split(" …\n", 1)
    assert all(re.fullmatch(r"output line number \d{4}", line) for line in head.split("\n…")[0].splitlines())
    assert all(re.fullmatch(r"output line number \d{4}", line) for line in tail.splitlines())


def test_a_body_excerpt_is_masked_before_it_is_cut(http_app: HttpApp) -> None:
    """A secret straddling the request excerpt's 500-character cut must not leave its first
    characters behind: the padding moves the password across the cut, one step at a time."""
    specs = [
        probe(item=f"i{pad}", line=pad, id=f"p{pad}", kind="http", method="POST", url=f"{http_app.url}/nowhere",
              body="x" * pad + "${pw}", expect={"status": 200})
        for pad in range(478, 500, 2)
    ]
    checklist = checklist_of(*specs, secrets={"pw": "QATUI_TEST_PW"})
    results = run_probes(checklist, "local", specs, trusted=True, env={"QATUI_TEST_PW": PASSWORD})
    assert {r.status for r in results} == {ProbeStatus.FAILED}
    for result in results:
        assert "canary" not in result.detail, result.detail
