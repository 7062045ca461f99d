"""Shell fences → probes and log sources: curl, compose logs/exec, docker exec, anything else."""

from __future__ import annotations

from pathlib import Path

from qatui.core.checklist import Checklist
from qatui.core.markdown_import import (
    ConvertedFence,
    convert_fence,
    import_markdown_text,
    split_commands,
)
from qatui.core.mdimport.titles import Ids
from tests.unit.import_helpers import comparable, reload


def convert(text: str) -> ConvertedFence:
    return convert_fence(text, Ids(), "item")


def test_backslash_continuations_join_and_hash_lines_are_comments() -> None:
    commands, loose = split_commands(
        "# Get a token\n"
        "curl -X POST http://localhost:8001/api-token-auth/ \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        "  -d '{\"username\": \"qa\"}'\n"
        "\n"
        "# a remark with no command after it\n"
    )
    assert [c.line for c in commands] == [
        "curl -X POST http://localhost:8001/api-token-auth/ -H 'Content-Type: application/json' "
        "-d '{\"username\": \"qa\"}'"
    ]
    assert commands[0].comment == "Get a token"
    assert loose == ["a remark with no command after it"]


def test_curl_with_method_headers_and_json_data() -> None:
    result = convert(
        "# Log in\n"
        "curl -s -X POST http://localhost:8001/api-token-auth/ \\\n"
        '  -H "Content-Type: application/json" \\\n'
        "  -H 'Accept: application/json' \\\n"
        '  -d \'{"username":"u","password":"p"}\'\n'
    )
    (probe,) = result.probes
    assert probe.kind == "http" and probe.name == "Log in" and probe.item_id == "item"
    assert probe.config == {
        "method": "POST",
        "url": "http://localhost:8001/api-token-auth/",
        "headers": {"Content-Type": "application/json", "Accept": "application/json"},
        "json": {"username": "u", "password": "${password}"},
        "expect": {"status": "2xx"},
    }


def test_curl_form_data_basic_auth_and_shell_variables() -> None:
    result = convert(
        "curl -u admin:secret --data 'a=1' -d b=2 -L -k $BASE/login \\\n"
        '  -H "Authorization: Token ${TOKEN}" -H "X-Price: 5$"\n'
    )
    (probe,) = result.probes
    assert probe.config["method"] == "POST"
    # curl sends -d pieces joined with & as a form: the probe sends the same form
    assert probe.config["form"] == {"a": "1", "b": "2"} and "body" not in probe.config
    assert probe.config["auth"] == {"basic": ["admin", "${password}"]}
    assert probe.config["follow_redirects"] is True and probe.config["verify"] is False
    # shell variables are read from the environment through qatui's ${NAME}; other $ are literal
    assert probe.config["url"] == "http://${BASE}/login"
    assert probe.config["headers"] == {"Authorization": "Token ${TOKEN}", "X-Price": "5$$"}


def test_curl_head_and_url_without_scheme() -> None:
    (probe,) = convert("curl -I localhost:8001/static/admin/css/base.css").probes
    assert probe.config["method"] == "HEAD"
    assert probe.config["url"] == "http://localhost:8001/static/admin/css/base.css"


def test_compose_logs_with_files_tail_and_grep() -> None:
    result = convert(
        "docker compose -f docker-compose.yml -f docker-compose.dev.yml logs huey --tail 50\n"
        "docker compose -f docker-compose.yml -f docker-compose.prod.yml -p uplink logs web | grep -i error\n"
        "docker-compose logs --tail=20 -f daphne nginx\n"
    )
    sources = {s.name: (s.kind, s.target, s.tail, s.project) for s in result.log_sources}
    assert sources == {
        "huey": ("service", "huey", 50, None),
        "web": ("service", "web", 100, "uplink"),
        "daphne": ("service", "daphne", 20, None),
        "nginx": ("service", "nginx", 20, None),
    }
    assert result.compose_files == [
        (["docker-compose.yml", "docker-compose.dev.yml"], None),
        (["docker-compose.yml", "docker-compose.prod.yml"], "uplink"),
    ]
    (probe,) = result.probes
    assert probe.kind == "logs" and probe.config == {"source": "web", "absent": "(?i)error"}


def test_compose_exec_and_docker_exec_become_exec_probes() -> None:
    result = convert(
        "docker compose exec web python -Wd manage.py check\n"
        "docker compose -f a.yml exec -T -u app -w /srv web \\\n"
        "    python manage.py showmigrations --plan\n"
        "docker exec -it -u root uplink-web-1 python -c 'import django; print(django.get_version())'\n"
    )
    check, plan, version = result.probes
    assert (check.kind, check.config) == ("exec", {"service": "web", "run": "python -Wd manage.py check"})
    assert plan.config == {"service": "web", "user": "app", "workdir": "/srv",
                           "run": "python manage.py showmigrations --plan"}
    assert version.config == {"container": "uplink-web-1", "user": "root",
                              "run": "python -c 'import django; print(django.get_version())'"}


def test_docker_logs_is_a_container_source() -> None:
    result = convert("docker logs --tail 20 uplink-web-1 | grep ERROR\n")
    (source,) = result.log_sources
    assert (source.name, source.kind, source.target, source.tail) == ("uplink-web-1", "container", "uplink-web-1", 20)
    assert result.probes[0].config == {"source": "uplink-web-1", "absent": "ERROR"}


def test_other_commands_are_command_probes_and_writes_are_destructive() -> None:
    result = convert(
        "pytest -q tests/\n"
        "echo $HOME && ls\n"
        "docker compose -f docker-compose.yml down\n"
        "docker compose ps\n"
        "echo 'unbalanced\n"
    )
    pytest_probe, echo, down, ps, broken = result.probes
    assert all(p.kind == "command" for p in result.probes)
    assert pytest_probe.config == {"run": "pytest -q tests/"}
    assert echo.config == {"run": "echo $$HOME && ls"}  # the shell's $, not a qatui variable
    assert down.destructive and not ps.destructive
    assert broken.config == {"run": "echo 'unbalanced"}


def test_interactive_shell_gets_the_following_lines_on_stdin() -> None:
    result = convert(
        "docker compose exec web python manage.py dbshell\n"
        "# In MySQL\n"
        "SHOW PROCESSLIST;\n"
        "SELECT 1;\n"
    )
    (probe,) = result.probes
    assert probe.config["run"] == "printf '%s\\n' 'SHOW PROCESSLIST;' 'SELECT 1;' | python manage.py dbshell"


def test_probe_ids_are_unique_and_stable() -> None:
    result = convert("curl http://a/x\ncurl http://a/x\ncurl http://a/x\n")
    assert [p.id for p in result.probes] == ["http-curl-http-a-x", "http-curl-http-a-x-2", "http-curl-http-a-x-3"]


MARKDOWN = """\
# Smoke

## Checks

```bash
# token
curl -X POST http://localhost:8001/api-token-auth/ \\
  -d '{"username": "$API_USER", "password": "$API_PASSWORD"}'
```

- [ ] Token works
- [ ] Products load

```sh
# Not a heading, a comment
docker compose -f docker-compose.yml -f docker-compose.staging.yml logs web --tail 10
docker compose exec web python manage.py migrate --check
```

```python
print("not a shell fence: text, not a probe")
```
"""


def test_fences_attach_to_the_nearest_item_and_round_trip(tmp_path: Path) -> None:
    checklist: Checklist = import_markdown_text(MARKDOWN, "smoke.md")
    assert [s.title for s in checklist.sections] == ["Checks"]
    token, products = checklist.items()
    assert [p.kind for p in token.probes] == ["http"]
    # JSON-looking data without a JSON Content-Type: curl sends a form, and so does the probe
    assert token.probes[0].config["body"] == '{"username": "${API_USER}", "password": "${API_PASSWORD}"}'
    assert token.probes[0].config["headers"] == {"Content-Type": "application/x-www-form-urlencoded"}
    assert [p.kind for p in products.probes] == ["exec"]
    assert products.logs == ["web"]
    assert checklist.environments["staging"].compose.files == ["docker-compose.yml", "docker-compose.staging.yml"]
    assert "not a shell fence" in checklist.sections[0].description
    # ${API_USER} must come from the process environment at load time
    path = tmp_path / "smoke.yaml"
    from qatui.core.loader import load_checklist
    from qatui.core.yaml_writer import dump_checklist

    path.write_text(dump_checklist(checklist), encoding="utf-8")
    again = load_checklist(path, env={"API_USER": "qa", "API_PASSWORD": "pw"})
    assert comparable(again) == comparable(checklist)


def test_round_trip_without_compose_files(tmp_path: Path) -> None:
    checklist = import_markdown_text("- [ ] one\n\n```\ncurl localhost:1/x\n```\n", "x.md")
    assert comparable(reload(checklist, tmp_path)) == comparable(checklist)


def test_grep_patterns_python_cannot_read_are_matched_literally() -> None:
    result = convert("docker compose logs web | grep 'foo(' \ndocker compose logs web | grep -F 'a.b'\n")
    assert [p.config["absent"] for p in result.probes] == ["foo\\(", "a\\.b"]


def test_option_parsing_before_or_among_the_arguments() -> None:
    from qatui.core.mdimport.shell_lines import parse_intermixed, parse_options

    # before: the first positional ends the options, so the command keeps its own flags
    assert parse_options(["-u", "app", "--workdir=/srv", "-T", "web", "python", "-V"], {"-u"}) == (
        {"-u": "app", "--workdir": "/srv", "-T": ""}, ["web", "python", "-V"])
    # among: options anywhere, positionals in order; a value-taking option at the end is a flag
    assert parse_intermixed(["huey", "--tail", "50", "-f", "web", "-", "--since"], {"--tail", "--since"}) == (
        {"--tail": "50", "-f": "", "--since": ""}, ["huey", "web", "-"])
