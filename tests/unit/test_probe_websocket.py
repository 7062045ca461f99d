"""WebSocket probes against a real websockets server and a plain HTTP server on 127.0.0.1."""

from __future__ import annotations

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import run_probes
from qatui.core.session import ProbeResult, ProbeStatus
from tests.servers import HttpApp, WsServer, checklist_of, free_port, probe


def run(*specs: ProbeSpec) -> list[ProbeResult]:
    return run_probes(checklist_of(*specs), "local", list(specs), trusted=True, env={})


def test_greet_and_echo(ws_server: WsServer) -> None:
    [result] = run(
        probe(id="ws", kind="websocket", url=f"{ws_server.url}/ws/devices/", send=[{"type": "ping", "n": 7}],
              expect={"messages": [{"json": {"type": "hello"}}, {"json": {"type": "ping"}}], "max_ms": 5000},
              capture={"server": {"json": "server"}, "n": {"regex": r'"n": (\d+)'}})
    )
    assert result.status is ProbeStatus.PASSED, result.summary + result.explanation + result.detail
    assert "2 expected message(s) received" in result.summary
    assert result.captures == {"server": "devices", "n": "7"}
    assert '< {"type": "hello"' in result.detail


def test_connect_only(ws_server: WsServer) -> None:
    [result] = run(probe(id="ws", kind="websocket", url=f"{ws_server.url}/ws/devices/", subprotocols=["chat"], origin="http://127.0.0.1"))
    assert result.status is ProbeStatus.PASSED
    assert result.summary.startswith("connected in ")


def test_plain_http_port_answers_404(http_app: HttpApp) -> None:
    """The example checklist's classic: a WebSocket sent to Gunicorn's port."""
    [result] = run(probe(id="ws", kind="websocket", url=f"ws://127.0.0.1:{http_app.port}/ws/devices/"))
    assert result.status is ProbeStatus.FAILED
    assert result.summary.startswith("HTTP 404 instead of a WebSocket, expected 101 Switching Protocols")
    assert "this port answered ordinary HTTP" in result.explanation
    assert "another port" in result.explanation and "ASGI" in result.explanation


def test_forbidden_origin(ws_server: WsServer) -> None:
    [result] = run(probe(id="ws", kind="websocket", url=f"{ws_server.url}/ws/forbidden/"))
    assert result.status is ProbeStatus.FAILED
    assert "refused the connection (403)" in result.explanation and "Origin" in result.explanation


def test_closed_at_once(ws_server: WsServer) -> None:
    [result] = run(probe(id="ws", kind="websocket", url=f"{ws_server.url}/ws/close/", expect={"messages": [{"json": {"type": "hello"}}]}))
    assert result.status is ProbeStatus.FAILED
    assert "code 4001" in result.summary and "not allowed" in result.explanation
    assert "closed the WebSocket" in result.explanation


def test_expected_message_never_comes(ws_server: WsServer) -> None:
    """Silence is a timeout (the greeting is listed as a message to pass over)."""
    [result] = run(probe(id="ws", kind="websocket", url=f"{ws_server.url}/ws/devices/", timeout=0.5,
                         expect={"messages": [{"regex": "never-sent"}], "ignore": [{"json": {"type": "hello"}}]}))
    assert result.status is ProbeStatus.TIMEOUT
    assert "no message matching /never-sent/ arrived within 0.5 s" in result.explanation
    assert "1 other message(s)" in result.explanation
    assert "(ignored)" in result.detail


def test_a_wrong_reply_fails_at_once_with_the_messages_received(ws_server: WsServer) -> None:
    """A reply that is not the expected one is a verdict (failed), not a timeout: with a 60 s
    timeout the probe would be reported `timeout` only if it waited for all of it."""
    [result] = run(probe(id="ws", kind="websocket", url=f"{ws_server.url}/ws/devices/", timeout=60,
                         send=[{"type": "ping", "n": 1}],
                         expect={"messages": [{"json": {"type": "hello"}}, {"json": {"type": "ping", "n": 2}}]}))
    assert result.status is ProbeStatus.FAILED, result.summary
    assert result.summary.startswith('received {"type": "ping", "n": 1}, expected JSON {"type": "ping", "n": 2}')
    assert '1. {"type": "hello", "server": "devices"}' in result.explanation
    assert '2. {"type": "ping", "n": 1}' in result.explanation
    assert "expect.ignore" in result.explanation


def test_heartbeats_listed_under_ignore_are_passed_over(ws_server: WsServer) -> None:
    strict, lenient = run(
        probe(item="a", id="strict", kind="websocket", url=f"{ws_server.url}/ws/devices/", send=["pong"],
              expect={"messages": [{"regex": "^pong$"}]}),
        probe(item="b", id="lenient", kind="websocket", url=f"{ws_server.url}/ws/devices/", send=["pong"],
              expect={"messages": [{"regex": "^pong$"}], "ignore": [{"regex": "hello"}]}),
    )
    assert strict.status is ProbeStatus.FAILED and "message 1 does not match" not in strict.summary
    assert "received" in strict.summary
    assert lenient.status is ProbeStatus.PASSED, lenient.summary


def test_refused() -> None:
    port = free_port()
    [result] = run(probe(id="ws", kind="websocket", url=f"ws://127.0.0.1:{port}/ws/"))
    assert result.status is ProbeStatus.FAILED
    assert f"nothing listens on 127.0.0.1:{port}" in result.explanation


def test_tls_to_plain_websocket_port(ws_server: WsServer) -> None:
    [result] = run(probe(id="ws", kind="websocket", url=f"wss://127.0.0.1:{ws_server.port}/ws/devices/", timeout=3))
    assert result.status in (ProbeStatus.FAILED, ProbeStatus.TIMEOUT)
    assert "TLS" in result.explanation or "closed" in result.explanation


def test_bad_url() -> None:
    [result] = run(probe(id="ws", kind="websocket", url="http://127.0.0.1/ws/"))
    assert result.status is ProbeStatus.ERROR
    assert "ws:// or wss://" in result.explanation


def test_refusal_expected_passes_on_plain_http_port(http_app: HttpApp) -> None:
    """`expect.status` turns the wrong-port check into a probe that passes when the port refuses."""
    [result] = run(probe(id="ws", kind="websocket", url=f"ws://127.0.0.1:{http_app.port}/ws/devices/",
                         expect={"status": 404}))
    assert result.status is ProbeStatus.PASSED, result.summary
    assert "upgrade refused with HTTP 404, as expected" in result.summary


def test_refusal_expected_fails_when_the_upgrade_is_accepted(ws_server: WsServer) -> None:
    [result] = run(probe(id="ws", kind="websocket", url=f"{ws_server.url}/ws/devices/", expect={"status": 404}))
    assert result.status is ProbeStatus.FAILED
    assert result.summary.startswith("upgrade accepted (101), expected refused with HTTP 404")
