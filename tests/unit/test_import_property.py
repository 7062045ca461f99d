"""Generated Markdown checklists: every box is one item, the YAML round-trips, nothing crashes."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qatui.core.errors import QatuiError
from qatui.core.loader import load_checklist
from qatui.core.markdown_import import environment_names, import_markdown_text
from qatui.core.yaml_writer import dump_checklist
from tests.unit.import_helpers import comparable, reload

words = st.text(alphabet="abcdefghij XYZ0123456789-:'\"`*_()[]{}#&|<>!?é→✅", min_size=1, max_size=30).map(
    lambda s: s.replace("\n", " ")
).filter(lambda s: s.strip() not in ("", "-", "*", "+") and not s.strip().startswith(("#", "-", "*", "+", ">", "|")))
priority = st.sampled_from(["", "🔴 CRITICAL - ", "🟡 IMPORTANT ", "🟢 ", "MUST ", "Nice to have: "])
command = st.sampled_from([
    "curl -X POST http://localhost:8001/a/ \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"k\": \"v\"}'",
    "docker compose -f docker-compose.yml -f docker-compose.dev.yml logs huey --tail 5",
    "docker compose logs web | grep -i error",
    "docker compose exec web python manage.py check",
    "echo $HOME",
    "# only a comment",
])


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, int]:
    lines = [f"# {draw(words)}", ""]
    boxes = 0
    for _ in range(draw(st.integers(1, 3))):
        lines += [f"## {draw(priority)}{draw(words)}", ""]
        for _ in range(draw(st.integers(0, 2))):
            lines += [f"### {draw(words)}", ""]
            if draw(st.booleans()):
                lines += [f"Expected: {draw(words)}", ""]
            if draw(st.booleans()):
                lines += ["```sh", *draw(st.lists(command, min_size=1, max_size=3)), "```", ""]
            for _ in range(draw(st.integers(0, 4))):
                mark = draw(st.sampled_from([" ", "x"]))
                lines.append(f"- [{mark}] {draw(words)}")
                boxes += 1
                for _ in range(draw(st.integers(0, 2))):
                    lines.append(f"  - {draw(words)}")
            lines.append("")
    return "\n".join(lines), boxes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_checklists_import_and_round_trip(document: tuple[str, int]) -> None:
    text, boxes = document
    try:
        checklist = import_markdown_text(text, "gen.md")
    except QatuiError:
        assert boxes == 0
        return
    assert len(checklist.items()) == boxes
    ids = [i.id for i in checklist.items()]
    assert len(set(ids)) == len(ids)
    with tempfile.TemporaryDirectory() as folder:
        again = reload(checklist, Path(folder))
    assert comparable(again) == comparable(checklist)


fragments = st.lists(
    st.sampled_from(["- [ ] ", "- [x] ", "\n", "\n\n", "## ", "### ", "# ", "```\n", "```sh\n", "curl ",
                     "-d '{", "-H 'A: b' ", "docker compose ", "logs ", "exec ", "-f x.yml ", "| grep ",
                     "\\\n", "'", "$", "${", "| a | b |\n|---|---|\n", "  - ", "Expected: ",
                     "Location: ", "🔴 ", "CRITICAL ", "word ", "1. [ ] "])
    | st.text(max_size=5),
    max_size=60,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300) | fragments)
@example("## \n- [ ] ")  # a heading with no words: its section still needs a title to load
def test_any_text_gives_a_valid_checklist_or_a_typed_error(text: str) -> None:
    try:
        checklist = import_markdown_text(text, "any.md")
    except QatuiError:
        return
    env = dict.fromkeys(environment_names(checklist), "x")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.yaml"
        path.write_text(dump_checklist(checklist), encoding="utf-8")
        again = load_checklist(path, env=env)
    assert comparable(again) == comparable(checklist)
