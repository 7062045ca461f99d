"""The bad-checklist corpus: every broken file gives clear problems at the right place, never a traceback.

Each file in `tests/bad_checklists/` has an entry in `expected.yaml` (first problem's
line:col, a fragment of its message, the number of problems). Cases that are too big or too
odd to commit (10 MB, a huge single line) are generated into `tmp_path` here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qatui.core import files, yamlpos
from qatui.core.errors import ChecklistError, Problem
from qatui.core.loader import load_checklist

CORPUS = Path(__file__).parents[1] / "bad_checklists"
EXPECTED: dict[str, dict[str, object]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
GOOD = """\
qatui: 1
title: Good
sections:
  - id: s1
    title: Section
    priority: critical
    items:
      - id: i1
        title: Item
"""


def problems_of(path: Path) -> list[Problem]:
    """The problems of a file that must not load; anything but ChecklistError fails the test."""
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, env={})
    problems = caught.value.problems
    assert problems, "a ChecklistError must carry at least one problem"
    return problems


def test_corpus_is_complete() -> None:
    files = {p.name for p in CORPUS.glob("*.yaml")} - {"expected.yaml"}
    assert len(files) >= 35
    assert files == set(EXPECTED), "every corpus file needs exactly one entry in expected.yaml"


PARSERS = {"libyaml": getattr(yaml, "CSafeLoader", yaml.SafeLoader), "python": yaml.SafeLoader}


@pytest.mark.parametrize("parser", sorted(PARSERS))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file(name: str, parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same problems with libyaml's parser and PyYAML's pure-Python one (a machine without libyaml)."""
    monkeypatch.setattr(yamlpos, "_Loader", PARSERS[parser])
    expected = EXPECTED[name]
    path = CORPUS / name
    problems = problems_of(path)
    first = problems[0]
    assert f"{first.position.line}:{first.position.column}" == expected["at"], [str(p) for p in problems]
    assert str(expected["message"]) in first.message
    assert len(problems) == expected["problems"], [str(p) for p in problems]
    for problem in problems:
        assert problem.position.path == str(path)
        assert problem.severity == "error"
        assert "Traceback" not in problem.message and "\n" not in problem.message
    positions = [(p.position.line, p.position.column) for p in problems]
    assert positions == sorted(positions), "problems are reported in file order"


def test_every_problem_is_collected() -> None:
    problems = problems_of(CORPUS / "many-problems.yaml")
    found = [(p.position.line, p.position.column, p.message.split(" (")[0].split(";")[0]) for p in problems]
    assert found == [
        (5, 7, "more than one default environment: 'b' and 'a'"),
        (7, 32, "'errors': invalid regular expression '(': missing ), unterminated subpattern at position 0"),
        (11, 15, "unknown priority 'critcal'"),
        (12, 12, "unknown log source 'wbe'"),
        (16, 9, "unknown key 'expectd' in an item"),
        (17, 16, "'steps': expected a list of strings, got a number"),
        (21, 18, "undefined variable ${base_urll}: not a capture, var, secret or declared environment variable"),
        (21, 33, "malformed variable '${oops': write ${name}, ${name:-default} or $$ for a literal '$'"),
        (22, 30, "'status': expected a status code such as 200, a list of codes, \"2xx\" or \"200-299\", got 'abc'"),
        (22, 51, "'body_matches': invalid regular expression '[a': unterminated character set at position 0"),
        (24, 17, "duplicate probe id 'p1'"),
        (25, 19, "unknown probe kind 'htp'"),
        (26, 13, "duplicate item id 'i1'"),
        (29, 22, "metric 'm': no probe has id 'p2'"),
        (29, 33, "metric 'm': give 'probe' or 'capture', not both"),
        (29, 33, "metric 'm': no probe captures 'tokk'"),
    ]
    by_line = {p.position.line: p.message for p in problems}
    assert by_line[5].endswith("(line 4:7)")  # where the first default is
    assert "(did you mean 'expected'?)" in by_line[16]
    assert "(did you mean 'web'?)" in by_line[12]


def test_wrong_types_everywhere_are_all_reported() -> None:
    lines = sorted({p.position.line for p in problems_of(CORPUS / "wrong-types-everywhere.yaml")})
    assert lines == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13]


def test_ten_megabyte_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("qatui: 1\ntitle: Huge\nsections:\n")
        chunk = "  - {id: s, title: S, priority: nice, items: []}\n" * 1000
        while handle.tell() < 10 * 1024 * 1024:
            handle.write(chunk)
    (problem,) = problems_of(path)
    assert problem.message.startswith("file is too large (10.0 MB")
    assert "at most 2 MB" in problem.message


def test_one_huge_line_under_the_cap_is_still_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "line.yaml"
    path.write_text("qatui: 1\ntitle: " + "x" * 200_000 + "\nsections: 3\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert (problem.position.line, problem.message) == (3, "'sections': expected a list of sections, got a number")


def test_size_cap_applies_to_bytes_too() -> None:
    with pytest.raises(ChecklistError, match="file is too large"):
        yamlpos.parse_bytes(b"a: 1\n" * 100, "x.yaml", max_bytes=100)


def test_missing_file_folder_and_unreadable(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "nope.yaml")
    assert problem.message == "no such file"
    (problem,) = problems_of(tmp_path)
    assert problem.message == "is a folder, not a checklist file"


def test_deeply_nested_flow_collections_do_not_overflow_the_stack(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 20_000 + "]" * 20_000 + "\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert "nested more than 64 levels deep" in problem.message


def test_markdown_without_importer_or_with_it(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_text("# Checklist\n\n## 🔴 CRITICAL\n\n### Login\n\n- [ ] Log in\n", encoding="utf-8")
    try:
        import qatui.core.markdown_import  # noqa: F401
    except ModuleNotFoundError:
        (problem,) = problems_of(path)
        assert "Markdown" in problem.message
    else:
        assert load_checklist(path, env={}).items()


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qatui", "validate", *map(str, args)],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
    )


def test_cli_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    result = run_cli(good)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"{good}: ok: 1 section (1 critical, 0 important, 0 nice), 1 item, 0 probes, 0 environments, 0 log sources\n", "")

    bad = CORPUS / "unknown-item-key.yaml"
    result = run_cli(bad)
    assert result.returncode == 1 and result.stderr == ""
    assert result.stdout == f"{bad}:10:9: error: unknown key 'expectd' in an item (did you mean 'expected'?)\n"

    result = run_cli(tmp_path / "missing.yaml")
    assert result.returncode == 2
    assert result.stdout == f"{tmp_path / 'missing.yaml'}: error: no such file\n"


@pytest.mark.parametrize("name", ["yaml-bomb.yaml", "binary.yaml", "latin1.yaml", "many-problems.yaml"])
def test_cli_on_nasty_files(name: str) -> None:
    result = run_cli(CORPUS / name)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == EXPECTED[name]["problems"]
    assert all(line.startswith(f"{CORPUS / name}:") and ": error: " in line for line in lines)


def test_cli_several_files(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    result = run_cli(good, CORPUS / "empty.yaml", tmp_path / "missing.yaml")
    assert result.returncode == 2  # a missing file wins over problems
    out = result.stdout.splitlines()
    assert out[0].startswith(f"{good}: ok: 1 section")
    assert out[1] == f"{CORPUS / 'empty.yaml'}:1:1: error: the file is empty: a checklist needs at least 'qatui: 1', 'title' and 'sections'"
    assert out[2].endswith("missing.yaml: error: no such file")


def test_cli_on_things_that_are_not_checklist_files(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "/dev/zero")
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{tmp_path}: error: is a folder, not a checklist file",
        "/dev/zero: error: is a character device, not a regular file; qatui reads only regular files",
    ]


def test_an_unreadable_file_is_one_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # tests run as root here, where chmod 000 still reads: refuse the open the way the OS would
    from qatui.cli import main

    path = tmp_path / "locked.yaml"
    path.write_text(GOOD, encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files, "_open", refuse)
    assert main(["validate", str(path)], env={}) == 1
    assert capsys.readouterr().out == f"{path}: error: permission denied: cannot read the file\n"


def test_help_says_which_environment_variables_apply() -> None:
    result = run_cli("--help")
    assert result.returncode == 0 and "no QATUI_* variable applies" in result.stdout
    assert "process environment" in result.stdout


def test_a_terminal_that_cannot_show_the_message_gets_escapes(tmp_path: Path) -> None:
    path = tmp_path / "ü.yaml"
    path.write_text(GOOD.replace("title:", "tïtle:", 1), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "qatui", "validate", str(path)],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "ascii"},
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "unknown key 't\\xeftle'" in result.stdout and "\\xfc.yaml" in result.stdout


@pytest.mark.parametrize(
    ("capture", "messages"),
    [
        ("{jsn: token}", ["unknown key 'jsn' in capture 'token' (did you mean 'json'?)"]),
        ("{json: token, header: X-Token}", ["capture 'token': give exactly one of 'json', 'header', 'regex'"]),
        ("{secret: true}", ["capture 'token': give exactly one of 'json', 'header', 'regex'"]),
        ("{json: token, jsn: x}", ["unknown key 'jsn' in capture 'token' (did you mean 'json'?)"]),
    ],
)
def test_a_capture_mistake_is_one_problem(tmp_path: Path, capture: str, messages: list[str]) -> None:
    path = tmp_path / "capture.yaml"
    path.write_text(GOOD + "        probes:\n          - id: p1\n            kind: http\n"
                    "            url: http://127.0.0.1/\n            capture:\n"
                    f"              token: {capture}\n", encoding="utf-8")
    assert [p.message for p in problems_of(path)] == messages
