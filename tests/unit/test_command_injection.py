"""No shell splicing (issue 12.2): hostile values reach a trusted `run:` line as data, never code.

A hostile loopback HTTP server hands out payloads that each try to create a marker file — in a
JSON body and in a header; a seventh comes from a process environment variable such as a CI
branch name. Each is captured and used in a trusted `run:` line in every quoting context
(unquoted, in "…", in '…', inside $(…)). 0 of 7 may create its marker, for command probes on
this machine and for exec probes in a real container; and the value must arrive intact.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from qatui.core.probes import run_probes
from qatui.core.probes.shell import expand_config, is_written_text, safe_line
from qatui.core.session import ProbeResult, ProbeStatus
from tests.servers import checklist_of, probe


def vectors(marker: str) -> dict[str, str]:
    """The six served payloads, by name; `{n}` in a marker path keeps each one apart."""
    return {
        "semicolon": f"a; touch {marker}-semicolon",
        "single-quote": f"a' ; touch {marker}-single ; echo '",
        "double-quote": f'a" ; touch {marker}-double ; echo "',
        "dollar-paren": f"$(touch {marker}-dollar)",
        "backticks": f"`touch {marker}-backticks`",
        "newline": f"a\ntouch {marker}-newline",
    }


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        payload = unquote(urlsplit(self.path).query)
        body = json.dumps({"value": payload}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if "\n" not in payload:  # a header cannot carry a newline
            self.send_header("X-Value", payload)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


#: The run lines a checklist author might write around a value.
CONTEXTS = {
    "bare": "printf '%s' ${v}",
    "double": 'printf \'%s\' "${v}"',
    "single": "printf '%s' '${v}'",
    "subst": 'printf \'%s\' "$(printf \'%s\' ${v})"',
}


def injection_probes(kind: str, base: str, marker: str, target: dict[str, str]) -> tuple[list[Any], dict[str, str]]:
    """Per served payload: a capture from JSON and one from the header, then one probe per
    context reading it; plus the environment-variable vector. → (probes, probe id → expected)."""
    specs: list[Any] = []
    expected: dict[str, str] = {}
    from urllib.parse import quote

    for n, (name, payload) in enumerate(vectors(marker).items()):
        item = f"i{n}"
        sources = {"json": {"json": "value"}}
        if "\n" not in payload:
            sources["header"] = {"header": "X-Value"}
        for source, rule in sources.items():
            cap = f"v_{n}_{source}"
            specs.append(probe(item=item, id=f"get-{n}-{source}", kind="http", url=f"{base}/?{quote(payload, safe='')}",
                               capture={cap: rule}))
            for context, line in CONTEXTS.items():
                pid = f"{kind}-{name}-{source}-{context}"
                specs.append(probe(item=item, id=pid, kind=kind, run=line.replace("${v}", "${" + cap + "}"),
                                   capture={"got": {"regex": r"(?s)\A(.*)\Z", "stream": "stdout"}}, **target))
                expected[pid] = payload
    branch = f"main;touch {marker}-env"
    for context, line in CONTEXTS.items():
        pid = f"{kind}-env-{context}"
        specs.append(probe(item="env", id=pid, kind=kind, run=line.replace("${v}", "${CI_BRANCH}"),
                           capture={"got": {"regex": r"(?s)\A(.*)\Z", "stream": "stdout"}}, **target))
        expected[pid] = branch
    return specs, expected


def check(results: list[ProbeResult], expected: dict[str, str]) -> None:
    by_id = {r.probe_id: r for r in results}
    assert all(r.status is ProbeStatus.PASSED for r in results), [
        (r.probe_id, r.summary, r.explanation) for r in results if r.status is not ProbeStatus.PASSED
    ]
    wrong = {pid: by_id[pid].captures.get("got") for pid, value in expected.items() if by_id[pid].captures.get("got") != value}
    assert not wrong, f"values did not arrive intact: {wrong}"


def test_no_served_or_environment_value_runs_as_shell(hostile: str, tmp_path: Path) -> None:
    marker = str(tmp_path / "pwned")
    specs, expected = injection_probes("command", hostile, marker, {})
    checklist = checklist_of(*specs)
    checklist.from_env = ["CI_BRANCH"]  # the checklist declares the variable it reads
    results = run_probes(checklist, "local", specs, trusted=True,
                         env={"PATH": "/usr/bin:/bin", "CI_BRANCH": f"main;touch {marker}-env"})
    ran = sorted(p.name for p in tmp_path.iterdir())
    assert ran == [], f"payloads ran: {ran}"
    assert len(expected) == 6 * 4 + 5 * 4 + 4  # 6 JSON + 5 header captures + the env var, 4 contexts each
    check(results, expected)


@pytest.mark.docker
def test_no_served_or_environment_value_runs_in_the_container(hostile: str, run_container: Any, compose_project: str) -> None:
    container = run_container("sleep 300", project=compose_project, service="web")
    marker = "/tmp/pwned"
    specs, expected = injection_probes("exec", hostile, marker, {"service": "web"})
    checklist = checklist_of(*specs, compose_project=compose_project)
    checklist.from_env = ["CI_BRANCH"]
    results = run_probes(checklist, "local", specs, trusted=True, env={"CI_BRANCH": f"main;touch {marker}-env"})
    listing = container.exec_run(["sh", "-c", "ls /tmp"]).output.decode()
    assert "pwned" not in listing, f"payloads ran in the container: {listing}"
    check(results, expected)


def test_written_vars_stay_shell_text_and_derived_ones_do_not() -> None:
    """`vars` are reviewed code (a command prefix works); a var that takes its value from a
    capture or the process environment is data again."""
    captures = {"token": "t'; touch x"}
    vars_ = {"compose": "docker compose -f ci.yml", "from_env": "${CI_BRANCH}", "nested": "${compose} exec"}
    values = {**vars_, **captures, "CI_BRANCH": "main;reboot"}
    written = is_written_text([captures], [vars_])

    def lookup(name: str) -> str | None:
        value = values.get(name)
        if value is not None and "${" in value:
            from qatui.core.variables import expand

            return expand(value, lookup)
        return value

    line = safe_line("${nested} web && ${compose} ps ${from_env} '${token}'", lookup, written)
    assert line.text == "docker compose -f ci.yml exec web && docker compose -f ci.yml ps \"${QATUI_from_env}\" ''\"${QATUI_token}\"''"
    assert line.env == {"QATUI_from_env": "main;reboot", "QATUI_token": "t'; touch x"}


def test_argv_of_a_shell_is_a_shell_line_and_other_argv_is_data() -> None:
    lookup = {"v": "$(reboot)", "QATUI_v": "taken"}.get
    nothing_written = is_written_text([], [])
    config = expand_config("command", {"argv": ["bash", "-ec", "echo ${v}", "${v}"], "env": {"QATUI_v": "mine"}}, lookup, nothing_written)
    # the probe's own env keeps its name; the value gets another
    assert config["argv"] == ["bash", "-ec", 'echo "${QATUI_v_2}"', "$(reboot)"]
    assert config["env"] == {"QATUI_v": "mine", "QATUI_v_2": "$(reboot)"}
    plain = expand_config("command", {"argv": ["printf", "%s", "${v}"]}, lookup, nothing_written)
    assert plain["argv"] == ["printf", "%s", "$(reboot)"] and "env" not in plain
    http = expand_config("http", {"url": "http://x/${v}"}, lookup, nothing_written)
    assert http == {"url": "http://x/$(reboot)"}


def test_defaults_and_dollar_escapes_behave_as_before() -> None:
    written = is_written_text([], [])
    line = safe_line("echo ${unset:-fallback} ${empty:-d} $${HOME} $$", {"empty": ""}.get, written)
    assert line.text == "echo fallback d ${HOME} $" and line.env == {}


def test_command_log_source_gets_values_by_environment_and_vars_as_text(tmp_path: Path) -> None:
    """A `command:` log source on the screen and in `qatui logs` (both through the run model):
    a checklist var is shell text (a command prefix), an environment value stays one word."""
    import threading

    from qatui.core.checklist import LogSourceSpec
    from qatui.core.run.model import RunModel

    marker = tmp_path / "pwned-logs"
    checklist = checklist_of(
        env_vars={"show": "printf '%s\\n'"},
        logs={"c": LogSourceSpec(name="c", kind="command", target="${show} ${CI_BRANCH}")},
    )
    checklist.from_env = ["CI_BRANCH"]
    branch = f"main;touch {marker};$(touch {marker})"
    model = RunModel(checklist, "local", {"PATH": "/usr/bin:/bin", "CI_BRANCH": branch}, trusted=True)
    source = model.log_source("c")
    stop = threading.Event()
    lines: list[str] = []
    for batch in source.follow(stop, follow=False):
        lines += [t for t in batch.texts if not t.startswith("command exited")]
    assert lines == [branch]
    assert not marker.exists()
