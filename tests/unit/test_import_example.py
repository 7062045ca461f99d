"""The field example (Django 3.2 → 4.2 checklist) imports box for box, and round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from qatui.core.checklist import Checklist, Priority
from qatui.core.loader import load_checklist
from qatui.core.markdown_import import import_markdown
from tests.unit.import_helpers import EXAMPLE, SHARED_EXAMPLE, comparable, reload

CRIT, IMP, NICE = Priority.CRITICAL, Priority.IMPORTANT, Priority.NICE

#: (title, priority, number of task boxes) for every section, in file order.
EXPECTED_SECTIONS = [
    ("Environments to test", IMP, 3),
    ("1. WebSocket Connections (Channels 3.0 → 4.0 - BREAKING CHANGES)", CRIT, 8),
    ("2. Order Creation & Processing", CRIT, 9),
    ("3. Product Search & Filters", CRIT, 8),
    ("4. API Endpoints (DRF 3.14+)", CRIT, 6),
    ("5. Background Tasks (Huey)", CRIT, 4),
    ("6. Admin Interface Operations", IMP, 7),
    ("7. Authentication & Sessions", IMP, 6),
    ("8. PrestaShop Integration", IMP, 5),
    ("9. Shipping Label Generation", IMP, 5),
    ("10. Stock Management", IMP, 5),
    ("11. Static Files", NICE, 5),
    ("12. Forms & Validation", NICE, 6),
    ("13. Database Performance", NICE, 3),
    ("14. Email Functionality", NICE, 3),
    ("15. Device Management", NICE, 5),
    ("Monitoring After Deployment: First 24 Hours", IMP, 5),
    ("Monitoring After Deployment: First Week", IMP, 4),
    ("Sign-Off Checklist", IMP, 9),
]


@pytest.fixture(scope="module")
def example() -> Checklist:
    return import_markdown(EXAMPLE)


def test_fixture_copy_matches_the_shared_example() -> None:
    if not SHARED_EXAMPLE.exists():
        pytest.skip("../shared/examples is not beside this clone")
    assert EXAMPLE.read_bytes() == SHARED_EXAMPLE.read_bytes()


def test_every_box_becomes_one_item(example: Checklist) -> None:
    source = EXAMPLE.read_text(encoding="utf-8")
    boxes = source.count("- [ ]") + source.count("- [x]")
    assert boxes == 106
    assert len(example.items()) == 106


def test_sections_titles_priorities_and_counts(example: Checklist) -> None:
    got = [(s.title, s.priority, len(s.items)) for s in example.sections]
    assert got == EXPECTED_SECTIONS


def test_item_ids_are_unique_slugs(example: Checklist) -> None:
    ids = [item.id for item in example.items()]
    assert len(set(ids)) == len(ids)
    assert all(i == i.lower() and " " not in i and len(i) <= 45 for i in ids)
    assert example.items()[0].id == "local-docker-dev-websockets-tested"
    assert "open-browser-console-f12" in ids


def test_title_version_description(example: Checklist) -> None:
    assert example.title == "Django 4.2 Upgrade - Manual Testing Checklist"
    assert example.version == "March 2026"
    assert example.description.startswith("Purpose: Verify that critical functionality")


def test_ticked_boxes_are_initially_passed(example: Checklist) -> None:
    assert example.initial_status == {
        "local-docker-dev-websockets-tested": "passed",
        "tested-march-10-2026-websocket": "passed",
        "open-devices-tracking-page-in-browser": "passed",
        "open-browser-console-f12": "passed",
        "verify-websocket-connection-establishes": "passed",
        "no-errors-in-logs-for-24-hours": "passed",
        "automated-test-suite-passes-28-28": "passed",
        "websocket-connections-stable-tested": "passed",
    }


def test_fields_steps_and_description(example: Checklist) -> None:
    ws = example.sections[1]
    assert ws.location == "Devices tracking page"
    assert ws.expected == "WebSocket should connect and maintain connection without errors"
    assert ws.if_fails.startswith("Channels 4.0 has breaking consumer changes")
    assert "Result: ✅ Connection successful" in ws.description
    verify = example.item("verify-websocket-connection-establishes")
    assert verify.steps == ["Look for WebSocket opened or similar message", "Check no WebSocket errors in console"]
    # section defaults reach every item, as the loader does for YAML
    assert all(item.location == "Devices tracking page" for item in ws.items)
    api = example.sections[4]
    assert api.description == "Method: Use Postman or curl"
    assert api.location == ""


def test_curl_fence_becomes_probes_on_the_first_item_after_it(example: Checklist) -> None:
    item = example.item("api-authentication-returns-token")
    auth, products = item.probes
    assert auth.kind == "http" and auth.name == "Test API authentication"
    assert auth.config["method"] == "POST"
    assert auth.config["url"] == "http://localhost:8001/api-token-auth/"
    assert auth.config["json"] == {"username": "your_username", "password": "${password}"}
    assert auth.config["headers"] == {"Content-Type": "application/json"}
    assert products.config["headers"] == {"Authorization": "Token ${token}"}
    assert {n: s.env for n, s in example.secrets.items()} == {
        "password": "DJANGO_UPGRADE_PASSWORD", "token": "DJANGO_UPGRADE_TOKEN"}
    assert "method" not in products.config


def test_compose_logs_become_log_sources_and_environments(example: Checklist) -> None:
    assert set(example.logs) == {"huey", "web"}
    assert example.logs["huey"].tail == 50 and example.logs["huey"].kind == "service"
    # the logs command introduces the Huey heading (before its first box, after its Location:
    # line): it documents the whole heading, so every Huey item shows the huey logs
    huey = example.section_of("huey-worker-is-running")
    assert huey.logs == ["huey"] and all(item.logs == ["huey"] for item in huey.items)
    assert example.item("huey-worker-is-running").notes == "Or check if scheduled tasks run"
    dev, prod = example.environments["dev"], example.environments["prod"]
    assert dev.compose.files == ["docker-compose.yml", "docker-compose.dev.yml"] and dev.default
    assert prod.compose.files == ["docker-compose.yml", "docker-compose.prod.yml"] and prod.protected


def test_dbshell_fence_goes_to_the_box_its_comment_names(example: Checklist) -> None:
    # "# Check slow queries" names "No slow query warnings" (slow, query), not the first box
    assert example.item("page-load-times-normal").probes == []
    (probe,) = example.item("no-slow-query-warnings").probes
    assert probe.kind == "exec" and probe.config["service"] == "web"
    assert probe.config["run"] == "printf '%s\\n' 'SHOW PROCESSLIST;' | python manage.py dbshell"
    assert probe.name == "Check slow queries"


def test_monitoring_commands_go_to_the_boxes_they_document(example: Checklist) -> None:
    # after both lists of "Monitoring After Deployment": each command to the box its words name,
    # across the two sections the heading was split into; no clear name → the last box before
    errors = example.item("check-error-logs-every-2-hours")
    assert [(p.kind, p.name) for p in errors.probes] == [("logs", "Check for errors")]
    assert errors.probes[0].config == {"source": "web", "absent": "(?i)error"}
    assert errors.logs == ["web"]
    assert example.item("check-background-task-completion").logs == ["huey"]
    last = example.item("database-query-analysis")
    assert [(p.kind, p.name) for p in last.probes] == [("exec", "Check database connections")]


def test_headings_without_boxes_become_notes_and_commands_are_not_run(example: Checklist) -> None:
    notes = {n.title: n for n in example.notes}
    assert set(notes) == {"Configuration Notes", "Performance Benchmarks", "Known Issues to Watch For",
                          "Rollback Procedure"}
    assert notes["Configuration Notes"].kind == "config"
    assert notes["Known Issues to Watch For"].kind == "known-issues"
    assert notes["Rollback Procedure"].kind == "rollback"
    assert "docker compose -f docker-compose.yml -f docker-compose.prod.yml down" in notes["Rollback Procedure"].text
    assert "python -Wd manage.py check" in notes["Known Issues to Watch For"].text
    # nothing from the rollback procedure may ever become something qatui runs
    runs = " ".join(str(p.config) for p in example.probes())
    assert "down" not in runs and "git checkout" not in runs


def test_performance_table_becomes_metrics(example: Checklist) -> None:
    assert [(m.name, m.unit) for m in example.metrics] == [
        ("Order list load time", "ms"),
        ("Product search time", "ms"),
        ("Admin dashboard load", "ms"),
        ("API response time", "ms"),
        ("WebSocket latency", "ms"),
        ("Database query count (order list)", "count"),
    ]
    assert all(m.source == "manual" for m in example.metrics)


def test_round_trip_through_yaml_is_equal(example: Checklist, tmp_path: Path) -> None:
    again = reload(example, tmp_path)
    assert comparable(again) == comparable(example)
    assert len(again.items()) == 106


def test_loader_opens_markdown_directly() -> None:
    checklist = load_checklist(EXAMPLE)
    assert len(checklist.items()) == 106
    assert checklist.content_hash and checklist.path == str(EXAMPLE)
