"""The shipped checklist's own probes, run against loopback stand-ins for Uplink.

Proves the YAML is not just valid but right: the token request takes the credentials from the
environment, the captured token authorises the product list, the token never shows in a result,
and the WebSocket goes to the ws_url while plain HTTP answers an upgrade with 404.
"""

from __future__ import annotations

from qatui.core.loader import load_checklist
from qatui.core.probes import run_probes
from qatui.core.session import ProbeStatus
from tests.servers import PASSWORD, TOKEN, HttpApp, WsServer
from tests.unit.import_helpers import SHIPPED


def test_token_chain_websocket_and_404_against_loopback(http_app: HttpApp, ws_server: WsServer) -> None:
    checklist = load_checklist(SHIPPED, env={})
    local = checklist.environments["local"]
    local.vars.update(base_url=http_app.url, ws_url=ws_server.url, host="127.0.0.1")
    wanted = ["api-token-auth", "api-products", "api-no-token-rejected", "ws-9000-connect",
              "gunicorn-upgrade-404"]
    probes = [p for p in checklist.probes() if p.id in wanted]
    results = run_probes(
        checklist, "local", probes, trusted=True, timeout=30,
        env={"UPLINK_API_USER": "qa", "UPLINK_API_PASSWORD": PASSWORD},
    )
    by_id = {r.probe_id: r for r in results}
    assert {i: by_id[i].status for i in wanted} == dict.fromkeys(wanted, ProbeStatus.PASSED), [
        (r.probe_id, r.summary, r.explanation) for r in results
    ]
    for result in results:
        text = f"{result.summary} {result.detail} {result.captures}"
        assert TOKEN not in text and PASSWORD not in text
