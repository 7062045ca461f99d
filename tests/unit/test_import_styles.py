"""Fences go to the box they document, in the house styles checklists are written in.

The rule is written in docs/checklist-format.md ("Which box a command goes to"); the example
checklist's cases are in test_import_example.py. Here: a GitHub-issue checklist (a box, then
its commands), numbered steps with commands indented under each (and one indented too little
to belong to its step), and a heading per item (commands before the box, or after it with text
between).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qatui.core.checklist import Checklist
from qatui.core.markdown_import import ImportReport, import_markdown_report, import_markdown_text
from tests.unit.import_helpers import REPO, comparable, reload

FIXTURES = REPO / "tests" / "import_fixtures"


def load(name: str) -> tuple[Checklist, ImportReport]:
    return import_markdown_report(FIXTURES / name)


def probes_by_item(checklist: Checklist) -> dict[str, list[str]]:
    return {item.id: [p.kind for p in item.probes] for item in checklist.items() if item.probes}


def test_github_issue_style_a_box_then_its_commands() -> None:
    checklist, report = load("github-issue-style.md")
    assert probes_by_item(checklist) == {
        "login-page-loads": ["http"],
        "api-authentication-returns-a-token": ["http"],
        "products-list-needs-the-token": ["http"],
        "no-task-failures-in-the-logs": ["logs"],
    }
    token = checklist.item("api-authentication-returns-a-token").probes[0]
    assert token.config["url"].endswith("/drf/api-token-auth/")
    # the box right above the huey logs command documents them; the next box does not get them
    assert checklist.item("huey-worker-is-running").logs == ["huey"]
    assert checklist.item("nightly-sync-task-is-scheduled").logs == []
    assert (report.boxes, report.items, report.dropped) == (6, 6, [])


def test_numbered_steps_with_commands_under_each_step() -> None:
    checklist, report = load("numbered-steps-style.md")
    assert probes_by_item(checklist) == {
        "service-answers-its-health-check": ["http"],
        "operator-login-returns-a-session-token": ["http"],
        "refund-endpoint-rejects-a-bad-amount": ["http"],
        # a command indented under a nested box belongs to that nested box
        "nothing-is-written-to-the-ledger": ["exec"],
        # indented too little to be inside step 4, it follows step 4's list: step 4's
        "worker-logs-are-clean": ["logs"],
    }
    login = checklist.item("operator-login-returns-a-session-token").probes[0]
    assert login.config["auth"] == {"basic": ["operator", "${password}"]}
    assert login.config["form"] == {"grant_type": "client_credentials"}
    assert (report.boxes, report.items) == (6, 6)


def test_a_heading_per_item() -> None:
    checklist, report = load("headings-per-item-style.md")
    assert probes_by_item(checklist) == {
        "api-authentication-returns-a-token": ["http"],  # the fence before the box
        "search-finds-a-product-by-sku": ["http"],  # after the box, with "Expected:" between
    }
    search = checklist.item("search-finds-a-product-by-sku").probes[0]
    assert search.config["url"] == "http://127.0.0.1:8001/api/v1/search/?q=A-1"  # -G
    assert "method" not in search.config and "form" not in search.config
    # a logs command introducing a heading (before its boxes) is shown beside every box of it
    queue = checklist.section_of("queue-is-empty-after-five-minutes")
    assert queue.logs == ["huey"] and all(i.logs == ["huey"] for i in queue.items)
    assert (report.boxes, report.items) == (5, 5)


@pytest.mark.parametrize("name", ["github-issue-style.md", "numbered-steps-style.md", "headings-per-item-style.md"])
def test_each_style_round_trips_through_yaml(name: str, tmp_path: Path) -> None:
    checklist, _ = load(name)
    assert comparable(reload(checklist, tmp_path)) == comparable(checklist)


def test_text_between_a_list_and_a_fence_makes_it_introduce_the_next_box() -> None:
    # the case the old rule got wrong: a labelled fence after one box went to the box before it
    checklist = import_markdown_text(
        "## API\n\n- [ ] Login works\n\nAPI authentication:\n\n```sh\ncurl -d a=1 http://h/token/\n```\n\n"
        "- [ ] Returns a token\n- [ ] Products load\n", "t.md")
    assert probes_by_item(checklist) == {"returns-a-token": ["http"]}


def test_a_command_goes_to_the_box_its_words_name_only_on_a_clear_winner() -> None:
    text = (
        "## Monitoring\n\n- [ ] Check error logs\n- [ ] Check background task completion\n"
        "- [ ] Database query analysis\n\nCommands:\n\n```sh\n"
        "# Check Huey tasks\ndocker compose logs huey --tail 10\n"
        "# Something else entirely\necho hello\n```\n"
    )
    checklist = import_markdown_text(text, "t.md")
    assert checklist.item("check-background-task-completion").logs == ["huey"]
    # no box named: the structural rule (nothing after it: the last box before it)
    assert probes_by_item(checklist) == {"database-query-analysis": ["command"]}
