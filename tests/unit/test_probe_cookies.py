"""Cookies per item, against a real loopback cookie session (tests/servers.py `/session/…`).

The field test's false verdict: a login in one item made an anonymous "→ 401" probe in another
item get 200, depending on which item ran first. Here item A logs in and then asks who it is
(authenticated), item B asks anonymously (401) — in both orders and at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from qatui.core.probes.cookies import ItemJars, cookie_header
from qatui.core.probes.engine import ProbeRunner
from qatui.core.session import ProbeStatus
from tests.servers import PASSWORD, HttpApp, checklist_of, probe

ENV = {"QATUI_TEST_PW": PASSWORD}


def probes(url: str) -> dict[str, Any]:
    return {
        "login": probe(item="a", line=10, id="login", kind="http", method="POST", url=f"{url}/session/login/",
                       json={"username": "qa", "password": "${pw}"}, expect={"status": 200}),
        "whoami": probe(item="a", line=40, id="whoami", kind="http", url=f"{url}/session/whoami/",
                        expect={"status": 200, "json": {"user": "qa"}}),
        "anonymous": probe(item="b", line=70, id="anonymous", kind="http", url=f"{url}/session/whoami/",
                           expect={"status": 401}),
    }


def runner_for(found: dict[str, Any]) -> ProbeRunner:
    checklist = checklist_of(*found.values(), secrets={"pw": "QATUI_TEST_PW"})
    return ProbeRunner(checklist, "local", trusted=True, env=ENV)


@pytest.mark.parametrize("order", [("login", "whoami", "anonymous"), ("anonymous", "login", "whoami")])
def test_items_never_share_cookies_whatever_the_order(http_app: HttpApp, order: tuple[str, ...]) -> None:
    found = probes(http_app.url)
    with runner_for(found) as runner:
        # one batch per probe, one after the other: the order is exactly `order`
        results = {name: runner.submit([found[name]]).result(30)[0] for name in order}
        assert runner._clients[True].cookies.jar.__len__() == 0  # the shared jar stores nothing
    assert results["anonymous"].status is ProbeStatus.PASSED, results["anonymous"].summary
    assert results["login"].status is ProbeStatus.PASSED, results["login"].summary
    assert results["whoami"].status is ProbeStatus.PASSED, results["whoami"].summary


def test_items_never_share_cookies_when_run_at_once(http_app: HttpApp) -> None:
    found = probes(http_app.url)
    with runner_for(found) as runner:
        results = runner.submit(list(found.values())).result(30)
        # and again, now that item a holds a session: b is still anonymous, a still logged in
        again = runner.submit([found["anonymous"], found["whoami"]]).result(30)
    assert [r.status for r in results] == [ProbeStatus.PASSED] * 3, [r.summary for r in results]
    assert [r.status for r in again] == [ProbeStatus.PASSED] * 2, [r.summary for r in again]


def test_a_cookie_set_on_a_redirect_is_kept_and_sent_on_the_next_hop(http_app: HttpApp) -> None:
    url = http_app.url
    follow = probe(item="c", id="follow", kind="http", method="POST", url=f"{url}/session/login-redirect/",
                   json={"username": "qa", "password": "${pw}"}, follow_redirects=True,
                   expect={"status": 200, "json": {"user": "qa"}})
    stop = probe(item="d", line=40, id="stop", kind="http", method="POST", url=f"{url}/session/login-redirect/",
                 json={"username": "qa", "password": "${pw}"}, expect={"status": 302})
    after = probe(item="d", line=70, id="after", kind="http", url=f"{url}/session/whoami/", expect={"status": 200})
    other = probe(item="e", line=100, id="other", kind="http", url=f"{url}/session/whoami/", expect={"status": 401})
    checklist = checklist_of(follow, stop, after, other, secrets={"pw": "QATUI_TEST_PW"})
    with ProbeRunner(checklist, "local", trusted=True, env=ENV) as runner:
        results = runner.submit([follow, stop, after, other]).result(30)
    assert [r.status for r in results] == [ProbeStatus.PASSED] * 4, [r.summary for r in results]


def test_a_cookie_header_written_in_the_probe_wins_over_the_jar(http_app: HttpApp) -> None:
    found = probes(http_app.url)
    forced = probe(item="a", line=90, id="forced", kind="http", url=f"{http_app.url}/session/whoami/",
                   headers={"Cookie": "sessionid=forged"}, expect={"status": 401})
    found["forced"] = forced
    with runner_for(found) as runner:
        results = runner.submit([found["login"], found["whoami"], forced]).result(30)
    assert [r.status for r in results] == [ProbeStatus.PASSED] * 3, [r.summary for r in results]


def test_websocket_urls_get_the_cookies_of_their_http_site() -> None:
    from http.cookiejar import Cookie

    jars = ItemJars()
    jar = jars("a")
    jar.set_cookie(Cookie(0, "sessionid", "abc", None, False, "127.0.0.1", False, False, "/", True,
                          False, None, False, None, None, {}))
    assert cookie_header(jar, "ws://127.0.0.1:9000/ws/devices/") == "sessionid=abc"
    assert cookie_header(jars("b"), "ws://127.0.0.1:9000/ws/devices/") is None
    assert jars("a") is jar
