"""Smart case (`core/smartcase.py`): a filter ignores case unless it has a capital letter, on the
screen and in `qatui logs --grep` alike."""

from __future__ import annotations

import re

import pytest

from qatui.core.smartcase import compile_filter, is_case_sensitive

LINES = ["ERROR payment failed", "error: retrying", "Error in view", "all fine"]


@pytest.mark.parametrize(
    ("pattern", "regex", "expected"),
    [
        ("error", False, ["ERROR payment failed", "error: retrying", "Error in view"]),
        ("Error", False, ["Error in view"]),
        ("ERROR", False, ["ERROR payment failed"]),
        ("error.", False, []),  # words are literal: the dot is a dot
        (r"err\w+:", True, ["error: retrying"]),
        (r"\Serror", True, []),  # \S is a class, not a capital: still any case
        (r"^E\w+ ", True, ["ERROR payment failed", "Error in view"]),
        (r"(?i)ERROR", True, ["ERROR payment failed", "error: retrying", "Error in view"]),  # the tester's flag wins
    ],
)
def test_a_capital_makes_the_match_exact(pattern: str, regex: bool, expected: list[str]) -> None:
    matcher = compile_filter(pattern, regex=regex)
    assert [line for line in LINES if matcher.search(line)] == expected


def test_escapes_do_not_count_as_capitals() -> None:
    assert not is_case_sensitive(r"\S+\W\D\B\A\Z\x41", regex=True)
    assert is_case_sensitive(r"\S+Boom", regex=True)
    assert is_case_sensitive(r"\S", regex=False)  # as words, `\S` is a backslash and an S
    assert not is_case_sensitive("ünïcode", regex=False) and is_case_sensitive("Ünïcode", regex=False)


def test_a_broken_regex_is_re_error() -> None:
    with pytest.raises(re.error):
        compile_filter("(", regex=True)
    assert compile_filter("(", regex=False).search("f(x)")  # as words it is fine
