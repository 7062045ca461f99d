"""`checklists/django-upgrade.yaml`: validates, covers the whole example, and its probes chain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qatui.core.checklist import Checklist, Priority
from qatui.core.loader import load_checklist
from qatui.core.markdown_import import import_markdown
from tests.unit.import_helpers import EXAMPLE, SHIPPED, comparable, reload


@pytest.fixture(scope="module")
def shipped() -> Checklist:
    return load_checklist(SHIPPED, env={})


def test_validates_with_an_empty_environment(shipped: Checklist) -> None:
    assert shipped.title.startswith("Django 4.2 upgrade")
    assert len(shipped.items()) >= 100
    assert len(shipped.probes()) >= 25


def test_every_box_of_the_example_is_accounted_for(shipped: Checklist) -> None:
    example = import_markdown(EXAMPLE)
    # the three "environments to test" boxes are the environments, everything else an item;
    # `standin` is not a box of the example: it is the real Django stand-in qatui is tested on
    env_boxes = len(example.sections[0].items)
    assert env_boxes == 3 and set(shipped.environments) == {"local", "staging", "production", "standin"}
    assert len(shipped.items()) + env_boxes == len(example.items()) == 106
    # same number of boxes per source section, in the same order
    source_counts = [len(s.items) for s in example.sections[1:]]
    assert [len(s.items) for s in shipped.sections] == source_counts
    by_priority = {p: sum(len(s.items) for s in shipped.sections if s.priority is p) for p in Priority}
    assert by_priority == {Priority.CRITICAL: 44, Priority.IMPORTANT: 33, Priority.NICE: 26}
    header = SHIPPED.read_text(encoding="utf-8").split("qatui: 1", 1)[0]
    assert "= 103 items + 3 environments = 106" in header


def test_environments(shipped: Checklist) -> None:
    local, production = shipped.environments["local"], shipped.environments["production"]
    assert local.default and not local.protected
    assert local.compose.project == "uplink"
    assert local.compose.files == ["docker-compose.yml", "docker-compose.dev.yml"]
    assert production.protected and production.compose.files == ["docker-compose.yml", "docker-compose.prod.yml"]
    assert set(shipped.logs) == {"web", "huey", "daphne", "db", "nginx"}
    assert all(source.kind == "service" for source in shipped.logs.values())
    # the stand-in has no Docker: its web, huey and daphne logs are files; it has no db or nginx
    standin = shipped.environments["standin"]
    assert {name: source.kind for name, source in standin.logs.items()} == {"web": "file", "huey": "file", "daphne": "file"}
    assert not standin.compose.files and not standin.protected


def test_manage_py_is_reached_through_the_environment(shipped: Checklist) -> None:
    """No probe assumes Django runs in a `web` container: manage.py and Python are reached
    through the environment's `python` variable; MySQL and nginx probes name the environments
    that have them."""
    assert not [p.id for p in shipped.probes() if p.kind == "exec"]
    assert shipped.vars["manage"] == "${python} manage.py"
    for key, environment in shipped.environments.items():
        assert {"python", "huey_process", "http_port", "ws_port", "base_url", "ws_url", "host"} <= set(environment.vars), key
    assert "docker compose" in shipped.environments["local"].vars["compose_cmd"]
    assert shipped.environments["standin"].vars["python"] == "../scripts/django-standin python"
    scoped = {p.id: p.only_env for p in shipped.probes() if p.only_env}
    assert scoped == dict.fromkeys(("db-processlist", "db-port", "mon-no-500-nginx"), ("local", "staging", "production"))


def test_token_capture_chain(shipped: Checklist) -> None:
    probes = shipped.probes()
    order = [p.id for p in probes]
    auth = next(p for p in probes if p.id == "api-token-auth")
    assert auth.config["method"] == "POST" and auth.config["url"] == "${base_url}/api-token-auth/"
    assert auth.config["json"] == {"username": "${api_user}", "password": "${api_password}"}
    assert auth.config["capture"] == {"token": {"json": "token", "secret": True}}
    assert {s.env for s in shipped.secrets.values()} == {"UPLINK_API_USER", "UPLINK_API_PASSWORD"}
    users = [p for p in probes if "Token ${token}" in str(p.config.get("headers", {}))]
    assert len(users) >= 5
    products = next(p for p in probes if p.id == "api-products")
    assert products.config["expect"]["json"] == {"results": {"type": "array"}, "count": {"type": "integer"}}
    # inside every item, a probe using the token comes after one capturing it, or the item is
    # in the API section right after the item that asks for it
    for item in shipped.items():
        for index, probe in enumerate(item.probes):
            if probe in users and item.section_id != "api":
                assert any("token" in p.captures() for p in item.probes[:index]), probe.id
    assert order.index("api-token-auth") < order.index("api-products")


def test_probes_named_in_the_brief_exist(shipped: Checklist) -> None:
    by_id = {p.id: p for p in shipped.probes()}
    assert by_id["ws-9000-connect"].config["url"] == "${ws_url}/ws/devices/"
    assert "${http_port}" in by_id["ws-8001-refused-404"].config["url"] and "404" in by_id["ws-8001-refused-404"].name
    assert by_id["gunicorn-upgrade-404"].config["expect"] == {"status": 404}
    assert by_id["huey-no-errors"].config["source"] == "huey" and "ERROR" in by_id["huey-no-errors"].config["absent"]
    check = by_id["deprecation-check"]
    assert (check.kind, check.config["run"]) == ("command", "${python} -Wd manage.py check")
    assert by_id["migrate-check"].config["run"] == "${manage} migrate --check"
    assert by_id["django-version"].config["capture"]["django_version"]["regex"]
    assert by_id["admin-login-page"].config["expect"]["body_contains"] == "Django administration"
    assert by_id["db-port"].kind == "tcp" and by_id["db-port"].config["port"] == 3306
    assert by_id["daphne-port"].config["port"] == "${ws_port}"
    assert shipped.signoff.facts == {"Django version": "django_version", "Python version": "python_version"}


def test_every_probe_that_writes_is_destructive(shipped: Checklist) -> None:
    harmless_posts = {"api-token-auth", "order-list-token", "product-search-token", "mon-api-token",
                      "signoff-api-token", "csrf-rejects-tokenless-post"}
    for probe in shipped.probes():
        method = str(probe.config.get("method", "GET")).upper()
        if method not in ("GET", "HEAD", "OPTIONS") and probe.id not in harmless_posts:
            assert probe.destructive, probe.id
        run = str(probe.config.get("run", ""))
        if re.search(r"(manage\.py|\$\{manage\}) (test|sendtestemail|migrate(?! --check)|flush|loaddata)", run):
            assert probe.destructive, probe.id
    assert {p.id for p in shipped.probes() if p.destructive} >= {"api-invalid-post-400", "test-suite", "sendtestemail"}
    # mail and the test suite ask on every environment, not only on a protected one
    assert {p.id for p in shipped.probes() if p.destructive_always} == {"test-suite", "sendtestemail"}


def test_notes_metrics_and_signoff(shipped: Checklist) -> None:
    kinds = {n.kind for n in shipped.notes}
    assert kinds == {"info", "config", "known-issues", "monitoring", "rollback"}
    rollback = next(n for n in shipped.notes if n.kind == "rollback")
    assert "git checkout <previous-commit-hash>" in rollback.text
    names = [m.name for m in shipped.metrics]
    assert len(names) == 6 and "API response time" in names
    assert {m.id: m.probe for m in shipped.metrics if m.source == "probe"} == {
        "order-list-load": "order-list",
        "product-search-time": "api-products-search",
        "api-response-time": "api-products",
        "websocket-latency": "ws-9000-connect",
    }
    assert shipped.signoff.meaning.startswith("Approved for production deploy")
    assert shipped.signoff.roles == ["QA tester", "Tech lead"]


def test_shipped_round_trips_through_the_writer(shipped: Checklist, tmp_path: Path) -> None:
    assert comparable(reload(shipped, tmp_path)) == comparable(shipped)
