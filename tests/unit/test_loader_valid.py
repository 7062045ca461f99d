"""A valid checklist that uses every key of the format loads into exactly the model it says."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qatui.core.checklist import Item, Priority
from qatui.core.errors import ChecklistError
from qatui.core.loader import TOP_KEYS, load_checklist, summary
from qatui.core.probes.kinds import NAMES as PROBE_KINDS
from tests.unit.loader_support import FULL


@pytest.fixture()
def full(tmp_path: Path) -> Path:
    path = tmp_path / "full.yaml"
    path.write_text(FULL, encoding="utf-8")
    return path


def test_full_checklist_loads(full: Path) -> None:
    checklist = load_checklist(full, env={})
    assert checklist.path == str(full)
    assert checklist.format_version == 1
    assert checklist.title == "Django 4.2 upgrade"
    assert checklist.version == "2026.10"  # a plain number is taken as written, not as 2026.1
    assert checklist.description == "Verify the upgrade.\n"
    assert checklist.content_hash == hashlib.sha256(full.read_bytes()).hexdigest()
    assert [(n.title, n.kind) for n in checklist.notes] == [("Configuration notes", "config"), ("Rollback", "rollback")]
    assert checklist.notes[1].text == "git checkout v3 && docker compose up -d\n"
    assert checklist.notes[0].position is not None
    assert FULL.splitlines()[checklist.notes[0].position.line - 1] == "  - title: Configuration notes"
    assert checklist.settings.auto_run_probes is True and checklist.settings.jobs == 4
    assert checklist.vars == {"api_user": "qa", "port": "8001"}
    assert checklist.secrets["api_password"].env == "UPLINK_API_PASSWORD"
    assert checklist.secrets["deploy_key"].file == "~/.config/qatui/deploy_key"


def test_environments(full: Path) -> None:
    checklist = load_checklist(full, env={})
    local, staging, production = checklist.environments.values()
    assert local.key == "local" and local.label == "Local Docker (dev)" and local.default
    assert local.vars["base_url"] == "http://localhost:${port}"  # expanded only at run time
    assert local.compose.project == "uplink"
    assert local.compose.files == ["docker-compose.yml", "docker-compose.dev.yml"]
    assert local.compose.directory == "../app"
    assert staging.label == "staging"  # the key when no label is given
    assert staging.docker_host == "ssh://deploy@staging"
    assert production.protected and not production.default
    assert checklist.default_environment() is local
    assert local.position is not None and FULL.splitlines()[local.position.line - 1] == "  local:"


def test_log_sources(full: Path) -> None:
    logs = load_checklist(full, env={}).logs
    assert {name: (spec.kind, spec.target) for name, spec in logs.items()} == {
        "web": ("service", "web"),
        "huey": ("service", "huey"),
        "nginx": ("container", "uplink-nginx-1"),
        "app": ("file", "/var/log/uplink/app.log"),
        "stg": ("command", "ssh staging docker logs -f web"),
    }
    assert logs["huey"].tail == 50 and logs["huey"].project == "other"
    assert logs["web"].tail == 100 and logs["web"].errors is None
    assert logs["app"].errors == [r"\bERROR\b", "Traceback"]


def test_sections_items_and_inheritance(full: Path) -> None:
    checklist = load_checklist(full, env={})
    assert [(s.id, s.priority) for s in checklist.sections] == [
        ("websockets", Priority.CRITICAL), ("api", Priority.IMPORTANT), ("infra", Priority.NICE)]
    ws = checklist.sections[0]
    assert ws.description == "Channels 3 to 4" and ws.logs == ["web"]
    connect, on_8001 = ws.items
    assert connect.section_id == "websockets"
    assert connect.steps == ["Open the devices page", "Look for: WebSocket opened"]
    assert connect.location == "Devices tracking page"  # inherited
    assert connect.expected == "The socket opens"  # its own
    assert connect.if_fails == "Check devices/consumers.py"  # inherited
    assert connect.logs == ["web"]  # inherited
    assert connect.tags == ["channels", "ws"]
    assert not connect.destructive
    assert on_8001.location == "Browser console" and on_8001.if_fails == "Nothing listens"
    assert on_8001.expected == "The socket stays connected"
    assert on_8001.notes == "Expected failure" and on_8001.logs == ["nginx", "huey"]
    assert on_8001.destructive and on_8001.probes[0].destructive  # an item's flag reaches its probes
    assert checklist.section_of("checks").id == "infra"
    assert checklist.item("checks").logs == ["app"]
    assert len(checklist.items()) == 4


def test_probes(full: Path) -> None:
    checklist = load_checklist(full, env={})
    probes = {probe.id: probe for probe in checklist.probes()}
    assert len(probes) == 14
    ws = probes["ws-9000"]
    assert (ws.kind, ws.item_id, ws.name, ws.timeout) == ("websocket", "ws-connect", "connect on 9000", 5.0)
    assert ws.config["url"] == "${ws_url}/ws/devices/"
    assert ws.config["send"] == ['{"type": "ping"}', {"type": "subscribe", "ids": [1, 2]}]
    assert ws.config["expect"] == {"messages": [{"json": {"type": "pong"}}, {"regex": "devices?"}], "max_ms": 500.0}
    assert ws.config["subprotocols"] == ["v1"] and ws.config["close"] is True
    assert ws.captures() == ["first_type", "raw"]
    token = probes["get-token"]
    assert token.timeout == 10.0 and token.config["method"] == "POST"
    assert token.config["headers"] == {"Accept": "application/json", "X-Count": "5"}
    assert token.config["json"] == {"username": "${api_user}", "password": "${api_password}"}
    assert token.config["auth"] == {"basic": ["${api_user}", "${api_password}"]}
    assert token.config["follow_redirects"] is False and token.config["verify"] is False
    assert token.config["retry"] == {"count": 3, "interval": 0.5}
    expect = token.config["expect"]
    assert expect["status"] == [200, 201]
    assert expect["json"] == {
        "token": {"type": "string"}, "$.count": 3, "results.0.sku": {"matches": "^UPL-"},
        "user.active": {"exists": True}, "tags": {"contains": "admin"}, "data": {"equals": {"a": 1}}}
    assert token.config["capture"]["token"] == {"json": "token", "secret": True}
    assert token.config["capture"]["request_id"] == {"header": "X-Request-Id"}
    assert probes["products"].config["until"] == 30.0
    assert probes["products"].config["verify"] == "/etc/ssl/ca.pem"
    assert probes["products"].config["expect"]["status"] == "2xx"
    assert probes["bearer"].config["expect"]["status"] == "200-299"
    check = probes["django-check"]
    assert check.runs_code and check.config["service"] == "web" and check.config["user"] == "app"
    assert check.config["expect"]["exit_code"] == 0
    assert check.config["capture"]["django_version"] == {"regex": r"Django (\S+)", "stream": "both"}
    assert probes["in-container"].config["argv"] == ["python", "-c", "print(1)"]
    assert probes["local-cmd"].destructive and probes["local-cmd"].config["run"].startswith("echo $$HOME")
    assert probes["db-port"].config == {"host": "localhost", "port": 5432, "expect": {"max_ms": 100.0}}
    assert probes["db-port-var"].config["port"] == "${port}"
    assert probes["huey-clean"].config == {"source": "huey", "absent": r"\bERROR\b"}
    assert probes["huey-start"].config == {"source": "web", "present": "Booting worker", "within": 10.0,
                                           "window": {"lines": 200}}
    assert probes["huey-window"].config["window"] == "session"


def test_probe_positions(full: Path) -> None:
    text = full.read_text().splitlines()
    probe = {p.id: p for p in load_checklist(full, env={}).probes()}["get-token"]
    assert probe.position is not None and text[probe.position.line - 1].strip() == "- id: get-token"
    status = probe.where("expect.status")
    assert status is not None and text[status.line - 1].strip() == "status: [200, 201]"
    assert status.column == text[status.line - 1].index("status") + 1
    url = probe.where("url")
    assert url is not None and text[url.line - 1].strip().startswith("url: ${base_url}/api/token/")
    sku = probe.where("expect.json.results.0.sku")
    assert sku is not None and "results.0.sku" in text[sku.line - 1]
    assert probe.where("no.such.key") == probe.position


def test_metrics_and_signoff(full: Path) -> None:
    checklist = load_checklist(full, env={})
    token, dj, manual = checklist.metrics
    assert (token.source, token.probe, token.threshold, token.unit) == ("probe", "get-token", 800.0, "ms")
    assert (dj.source, dj.capture, dj.unit, dj.notes) == ("capture", "django_version", "", "from manage.py")
    assert (manual.source, manual.unit, manual.threshold) == ("manual", "s", None)
    assert checklist.signoff.roles == ["QA", "Tech lead"]
    assert checklist.signoff.require_critical_passed is False
    assert checklist.signoff.facts == {"Django version": "django_version"}


def test_summary(full: Path) -> None:
    assert summary(load_checklist(full, env={})) == (
        "ok: 3 sections (1 critical, 1 important, 1 nice), 4 items, 14 probes, "
        "3 environments, 5 log sources, 3 metrics")


def test_minimal_checklist_defaults(tmp_path: Path) -> None:
    path = tmp_path / "min.yaml"
    path.write_text("qatui: 1\ntitle: T\nsections:\n  - {id: s, title: S, priority: p2, items: []}\n")
    checklist = load_checklist(path, env={})
    assert checklist.sections[0].priority is Priority.IMPORTANT
    assert checklist.environments == {} and checklist.default_environment() is None
    assert checklist.signoff.meaning == "Approved for production deploy"
    assert checklist.settings.jobs == 8
    assert summary(checklist) == "ok: 1 section (0 critical, 1 important, 0 nice), 0 items, 0 probes, 0 environments, 0 log sources"


@pytest.mark.parametrize("word,priority", [
    ("critical", Priority.CRITICAL), ("Must", Priority.CRITICAL), ("HIGH", Priority.CRITICAL),
    ("p0", Priority.CRITICAL), ("important", Priority.IMPORTANT), ("Should", Priority.IMPORTANT),
    ("medium", Priority.IMPORTANT), ("nice", Priority.NICE), ("Nice to have", Priority.NICE),
    ("nice-to-have", Priority.NICE), ("nice_to_have", Priority.NICE), ("low", Priority.NICE),
])
def test_priority_synonyms(tmp_path: Path, word: str, priority: Priority) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"qatui: 1\ntitle: T\nsections:\n  - {{id: s, title: S, priority: {word}, items: []}}\n")
    assert load_checklist(path, env={}).sections[0].priority is priority


def test_variables_from_process_environment(tmp_path: Path) -> None:
    """Only declared inputs: a `${NAME}` the process environment provides is an error unless
    the checklist declares it in `from_env:`, even when it is set, and even with a default."""
    path = tmp_path / "env.yaml"
    body = ("sections:\n  - id: s\n    title: S\n    priority: nice\n    items:\n"
            "      - id: i\n        title: I\n        probes:\n"
            "          - {id: p, kind: command, run: 'echo ${QATUI_TEST_VALUE} ${OTHER:-x} ${THIRD-y}'}\n")
    path.write_text("qatui: 1\ntitle: T\n" + body)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, env={"QATUI_TEST_VALUE": "1", "OTHER": "2"})
    problems = caught.value.problems
    assert [p.message.split(":")[0] for p in problems] == [
        "undefined variable ${QATUI_TEST_VALUE}", "undefined variable ${OTHER}", "undefined variable ${THIRD}"]
    assert (problems[0].position.line, problems[0].position.column) == (11, 47)
    assert "add 'from_env: [QATUI_TEST_VALUE]' at the top" in problems[0].message
    path.write_text("qatui: 1\ntitle: T\nfrom_env: [QATUI_TEST_VALUE, OTHER, THIRD]\n" + body)
    checklist = load_checklist(path, env={})  # declared but unset: said when the probe runs
    assert checklist.from_env == ["QATUI_TEST_VALUE", "OTHER", "THIRD"]
    assert checklist.probes()[0].config["run"].startswith("echo ${QATUI")
    path.write_text("qatui: 1\ntitle: T\nfrom_env: [QATUI_TEST_VALUE, 'not a name']\n" + body)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, env={})
    assert any("from_env: 'not a name' is not an environment variable name" in p.message
               for p in caught.value.problems)


def test_aliases_and_merge_keys_within_limits(tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text(
        "qatui: 1\ntitle: T\nenvironments:\n"
        "  local: &base {label: Local, vars: {base_url: 'http://x'}}\n"
        "  other:\n    <<: *base\n    label: Other\n"
        "sections:\n  - {id: s, title: S, priority: nice, items: []}\n")
    envs = load_checklist(path, env={}).environments
    assert envs["other"].label == "Other" and envs["other"].vars == {"base_url": "http://x"}


def test_the_shipped_example_in_the_doc_validates(tmp_path: Path) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "checklist-format.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "doc.yaml"
    path.write_text(example, encoding="utf-8")
    checklist = load_checklist(path, env={})
    assert checklist.item("ws-connect").probes[0].kind == "websocket"
    # the annotated example shows the whole format: every top-level key, priority and probe kind
    top = {line.split(":", 1)[0] for line in example.splitlines() if re.match(r"^[a-z_]+:", line)}
    assert top == set(TOP_KEYS)
    assert {probe.kind for probe in checklist.probes()} == set(PROBE_KINDS)
    assert {section.priority for section in checklist.sections} == set(Priority)
    assert checklist.item("migrate").destructive and checklist.metrics and checklist.signoff.facts
    assert any(probe.config.get("capture") for probe in checklist.probes())


SHIPPED = sorted((Path(__file__).parents[2] / "checklists").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_checklists_validate(path: Path) -> None:
    checklist = load_checklist(path, env={})
    assert checklist.items() and summary(checklist).startswith("ok: ")


def test_expectations_take_one_string_or_a_list(tmp_path: Path) -> None:
    path = tmp_path / "lists.yaml"
    path.write_text(
        "qatui: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    priority: nice\n    items:\n"
        "      - id: i\n        title: I\n        probes:\n"
        "          - id: h\n            kind: http\n            url: http://127.0.0.1/\n"
        "            expect:\n              status: '404'\n              body_contains: [a, b]\n"
        "              not_contains: Traceback\n              body_matches: ['^x', 'y$']\n"
        "          - id: c\n            kind: command\n            run: 'true'\n"
        "            expect: {stdout_contains: ok, not_contains: [ERROR, Traceback], output_matches: 'ok'}\n",
        encoding="utf-8")
    http, command = load_checklist(path, env={}).probes()
    assert http.config["expect"] == {"status": 404, "body_contains": ["a", "b"], "not_contains": "Traceback",
                                     "body_matches": ["^x", "y$"]}
    assert command.config["expect"] == {"stdout_contains": "ok", "not_contains": ["ERROR", "Traceback"],
                                        "output_matches": "ok"}
    path.write_text(path.read_text().replace("'y$'", "'(y'").replace("[a, b]", "[a, [b]]"))
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, env={})
    assert [p.message.split(":")[0] for p in caught.value.problems] == ["'body_contains'", "'body_matches'"]


def test_the_doc_names_every_key_the_loader_accepts() -> None:
    import qatui.core.loader as loader

    doc = (Path(__file__).parents[2] / "docs" / "checklist-format.md").read_text(encoding="utf-8")
    tables = [getattr(loader, name) for name in dir(loader) if name.isupper() and name.endswith(("_KEYS", "_KINDS"))]
    keys = {key for table in tables for group in (table.values() if isinstance(table, dict) else [table])
            for key in group}
    assert len(keys) > 60
    missing = [key for key in sorted(keys) if not re.search(rf"[`{{ ]{re.escape(key)}[:`,}} ]", doc)]
    assert missing == []


@given(
    texts=st.lists(st.text(), min_size=4, max_size=4),
    steps=st.lists(st.text(), max_size=4),
)
def test_item_fingerprint_is_the_hash_of_its_json(texts: list[str], steps: list[str]) -> None:
    # Records keep fingerprints: the fast way of writing the JSON must give the same hash.
    title, location, expected, if_fails = texts
    item = Item(id="i", title=title, section_id="s", steps=steps, location=location, expected=expected,
                if_fails=if_fails)
    raw = json.dumps([title, steps, location, expected, if_fails], ensure_ascii=False, sort_keys=True)
    assert item.fingerprint() == hashlib.sha256(raw.encode()).hexdigest()[:12]
