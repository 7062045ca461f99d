"""The YAML writer: readable output, and `load(dump(c)) == c` for awkward text too."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qatui.core.checklist import (
    Checklist,
    Compose,
    Environment,
    Item,
    LogSourceSpec,
    Metric,
    Note,
    Priority,
    ProbeSpec,
    Secret,
    Section,
    Settings,
    SignoffSpec,
)
from qatui.core.yaml_writer import dump_checklist
from tests.unit.import_helpers import comparable, reload


def sample() -> Checklist:
    section = Section(id="s", title="Section", priority=Priority.CRITICAL, location="Page",
                      expected="Works", logs=["web"])
    item = Item(id="i", title="Item", section_id="s", steps=["one", "two"], location="Page",
                expected="Something else", notes="line 1\nline 2\n", tags=["a", "b"], logs=["web"])
    item.probes = [
        ProbeSpec(id="p", kind="http", item_id="i", name="token",
                  config={"method": "POST", "url": "${base_url}/x", "json": {"u": "${user}"},
                          "expect": {"status": [200, 201], "json": {"token": {"type": "string"}}},
                          "capture": {"token": {"json": "token", "secret": True}}},
                  timeout=2.5, destructive=True),
        ProbeSpec(id="q", kind="logs", item_id="i", config={"source": "web", "absent": r"\bERROR\b",
                                                             "window": {"lines": 50}}),
    ]
    section.items = [item]
    return Checklist(
        path="x.yaml", title="T", version="1", description="Two\nlines\n",
        notes=[Note(title="N", text="  indented\ncode\n", kind="rollback")],
        environments={"local": Environment(key="local", label="L", vars={"base_url": "http://x"},
                                           compose=Compose(project="p", files=["a.yml", "b.yml"]),
                                           default=True),
                      "prod": Environment(key="prod", label="P", protected=True, docker_host="ssh://h",
                                          vars={"base_url": "https://y"})},
        vars={"user": "qa"},
        secrets={"pw": Secret(name="pw", env="PW")},
        logs={"web": LogSourceSpec(name="web", kind="service", target="web", tail=20,
                                   errors=["boom"], project="p")},
        sections=[section],
        metrics=[Metric(id="m", name="M", unit="queries", source="probe", probe="p", threshold=2.0)],
        signoff=SignoffSpec(meaning="Approved", roles=["QA"], facts={"V": "token"}),
        settings=Settings(auto_run_probes=True, jobs=3),
    )


def test_everything_round_trips(tmp_path: Path) -> None:
    checklist = sample()
    assert comparable(reload(checklist, tmp_path)) == comparable(checklist)


def test_output_is_readable_block_yaml() -> None:
    text = dump_checklist(sample())
    assert text.startswith("qatui: 1\ntitle: T\n")
    assert "description: |\n  Two\n  lines\n" in text
    assert "logs: [web]" not in text.split("sections:")[1].split("items:")[1]  # same as section: omitted
    assert "      - id: i\n        title: Item\n" in text
    assert "files: [a.yml, b.yml]" in text
    assert "token: {json: token, secret: true}" in text
    assert "timeout: 2.5" in text
    assert "location: Page" in text and text.count("location: Page") == 1  # item inherits it
    keys = list(yaml.safe_load(text))
    assert keys == ["qatui", "title", "version", "description", "notes", "settings", "vars", "secrets",
                    "environments", "logs", "sections", "metrics", "signoff"]


def test_header_and_initial_status_are_comments() -> None:
    checklist = sample()
    checklist.initial_status = {"i": "passed"}
    text = dump_checklist(checklist, header="from x.md")
    assert text.startswith("# from x.md\n# Already ticked")
    assert "#   i: passed\n" in text
    assert "initial" not in yaml.safe_load(text)


awkward = st.lists(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\x85\u2028\u2029")
    | st.sampled_from(["\n", "  ", ": ", "#", "'", '"', "- ", "|", "{", "}", "[", "]", "&", "*", "!", "%",
                       "@", "`", "\t", "yes", "null", "~", "0x1", "1e3", " \n", "\n\n"]),
    max_size=20,
).map("".join)
nonempty = awkward.filter(lambda s: s.strip() != "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=nonempty, description=awkward, notes=awkward, steps=st.lists(nonempty, max_size=3),
       note_text=nonempty)
def test_awkward_text_round_trips(title: str, description: str, notes: str, steps: list[str],
                                  note_text: str) -> None:
    # `$` is escaped as `$$` in the format, so plain `$x` would be a variable: keep them out
    title, description, notes, note_text = (s.replace("$", "") for s in (title, description, notes, note_text))
    steps = [s.replace("$", "") or "x" for s in steps]
    title = title.strip() or "x"
    note_text = note_text if note_text.strip() else "x"
    item = Item(id="i", title=title, section_id="s", steps=steps, notes=notes)
    section = Section(id="s", title=title, priority=Priority.NICE, description=description, items=[item])
    checklist = Checklist(path="x", title=title, description=description, sections=[section],
                          notes=[Note(title=title, text=note_text)])
    with tempfile.TemporaryDirectory() as folder:
        again = reload(checklist, Path(folder))
    assert comparable(again) == comparable(checklist)
