"""HTTP probes against a real loopback server: expectations, captures and every network fault."""

from __future__ import annotations

import resource
from typing import Any

import pytest

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import run_probes
from qatui.core.session import ProbeResult, ProbeStatus
from tests.servers import PASSWORD, TOKEN, HttpApp, checklist_of, free_port, probe


def run(*specs: ProbeSpec, **kwargs: Any) -> list[ProbeResult]:
    checklist = checklist_of(*specs, **{k: v for k, v in kwargs.items() if k in ("env_vars", "secrets")})
    env = kwargs.get("env", {})
    return run_probes(checklist, "local", list(specs), trusted=True, env=env)


def test_status_json_headers_pass(http_app: HttpApp) -> None:
    [result] = run(
        probe(
            id="j",
            kind="http",
            url=f"{http_app.url}/json",
            expect={
                "status": [200, 204],
                "headers": {"X-App": "uplink"},
                "json": {"ok": True, "version": {"matches": r"^4\.2"}, "items": {"type": "array"}, "items.1": 2, "missing": {"exists": False}},
                "body_contains": "4.2.30",
                "max_ms": 5000,
            },
        )
    )
    assert result.status is ProbeStatus.PASSED, result.summary + result.detail
    assert result.summary.startswith("status 200 in ")
    assert result.duration_ms is not None and result.duration_ms > 0
    assert result.at is not None and result.where == "probes.yaml:10"


def test_status_mismatch_names_actual_expected_and_line(http_app: HttpApp) -> None:
    [result] = run(probe(id="nf", kind="http", url=f"{http_app.url}/nowhere", expect={"status": 200}))
    assert result.status is ProbeStatus.FAILED
    assert result.summary == "status 404, expected 200 — probes.yaml:30"
    assert "no such page" in result.explanation
    assert "GET http://127.0.0.1" in result.detail and "HTTP 404" in result.detail


@pytest.mark.parametrize(
    ("status", "expected", "ok"),
    [(204, "2xx", True), (302, "2xx", False), (404, "400-499", True), (500, [200, 500], True), (201, 200, False)],
)
def test_status_forms(status: int, expected: object, ok: bool) -> None:
    from qatui.core.probes.expectations import status_matches

    assert status_matches(status, expected) is ok


def test_token_capture_chain(http_app: HttpApp) -> None:
    """The DRF token from POST /api-token-auth/ is used by the next probe (another item)."""
    login = probe(
        item="api-token",
        id="login",
        kind="http",
        method="POST",
        url="${base_url}/api-token-auth/",
        json={"username": "qa", "password": "${api_password}"},
        capture={"token": {"json": "token", "secret": True}},
    )
    products = probe(
        item="api-products",
        id="products",
        kind="http",
        url="${base_url}/api/v1/products/",
        auth={"token": "${token}"},
        expect={"status": 200, "json": {"count": 2, "results.0.sku": "A-1"}},
    )
    results = run(
        login,
        products,
        env_vars={"base_url": http_app.url},
        secrets={"api_password": "UPLINK_API_PASSWORD"},
        env={"UPLINK_API_PASSWORD": PASSWORD},
    )
    assert [r.status for r in results] == [ProbeStatus.PASSED, ProbeStatus.PASSED], [r.summary for r in results]
    assert results[0].captures == {"token": "••••••"}
    for result in results:
        text = result.summary + result.detail + result.explanation
        assert TOKEN not in text and PASSWORD not in text


def test_wrong_password_then_dependent_not_run(http_app: HttpApp) -> None:
    login = probe(item="a", id="login", kind="http", method="POST", url=f"{http_app.url}/api-token-auth/",
                  json={"username": "qa", "password": "wrong"}, capture={"token": {"json": "token"}})
    products = probe(item="b", id="products", kind="http", url=f"{http_app.url}/api/v1/products/",
                     headers={"Authorization": "Token ${token}"})
    first, second = run(login, products)
    assert first.status is ProbeStatus.FAILED and "status 400, expected 2xx" in first.summary
    assert second.status is ProbeStatus.NOT_RUN
    assert "login" in second.explanation and "${token}" in second.summary


def test_refused(http_app: HttpApp) -> None:
    port = free_port()
    [result] = run(probe(id="r", kind="http", url=f"http://127.0.0.1:{port}/"))
    assert result.status is ProbeStatus.FAILED
    assert f"nothing listens on 127.0.0.1:{port}" in result.explanation


def test_timeout(http_app: HttpApp) -> None:
    [result] = run(probe(id="t", kind="http", url=f"{http_app.url}/slow?ms=3000", timeout=0.3))
    assert result.status is ProbeStatus.TIMEOUT
    assert "0.3 s" in result.explanation


def test_dns_failure() -> None:
    [result] = run(probe(id="d", kind="http", url="http://qatui-no-such-host.invalid/", timeout=5))
    assert result.status is ProbeStatus.FAILED
    assert "cannot be resolved (DNS)" in result.explanation and "qatui-no-such-host.invalid" in result.explanation


def test_tls_self_signed_rejected_then_accepted(tls_app: HttpApp) -> None:
    strict, off, ca = run(
        probe(item="a", id="strict", kind="http", url=f"{tls_app.url}/json"),
        probe(item="b", id="off", kind="http", url=f"{tls_app.url}/json", verify=False),
        probe(item="c", id="ca", kind="http", url=f"{tls_app.url}/json", verify=tls_app.cafile),
    )
    assert strict.status is ProbeStatus.FAILED
    assert "TLS handshake" in strict.explanation and "verify: false" in strict.explanation
    assert off.status is ProbeStatus.PASSED, off.summary
    assert ca.status is ProbeStatus.PASSED, ca.summary


def test_redirect_loop_and_single_redirect(http_app: HttpApp) -> None:
    loop, single, not_followed = run(
        probe(item="a", id="loop", kind="http", url=f"{http_app.url}/redirect-loop", follow_redirects=True),
        probe(item="b", id="one", kind="http", url=f"{http_app.url}/redirect", follow_redirects=True, expect={"json": {"ok": True}}),
        probe(item="c", id="nf", kind="http", url=f"{http_app.url}/redirect"),
    )
    assert loop.status is ProbeStatus.FAILED and "redirecting" in loop.explanation
    assert single.status is ProbeStatus.PASSED
    assert not_followed.status is ProbeStatus.FAILED and "redirects to /json" in not_followed.explanation


def test_big_body_is_capped(http_app: HttpApp) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    [result] = run(probe(id="big", kind="http", url=f"{http_app.url}/huge?mb=10", expect={"body_contains": "x"}))
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert result.status is ProbeStatus.PASSED
    assert "larger than the 1024 KB" in result.explanation
    assert "[body cut at 1024 KB" in result.detail
    assert len(result.detail) <= 4100
    assert grown_kb < 8 * 1024  # a 10 MB body never reached memory


def test_invalid_json(http_app: HttpApp) -> None:
    [result] = run(probe(id="ij", kind="http", url=f"{http_app.url}/invalid-json", expect={"json": {"ok": True}}))
    assert result.status is ProbeStatus.FAILED
    assert "not valid JSON" in result.explanation and "HTML page" in result.explanation


def test_server_error(http_app: HttpApp) -> None:
    [result] = run(probe(id="e", kind="http", url=f"{http_app.url}/error", expect={"status": "2xx"}))
    assert result.status is ProbeStatus.FAILED and "status 500" in result.summary
    assert "logs" in result.explanation


def test_query_form_basic_auth(http_app: HttpApp) -> None:
    [result] = run(
        probe(id="f", kind="http", method="POST", url=f"{http_app.url}/echo", query={"page": "2"}, form={"a": "b"},
              auth={"basic": ["qa", "pw-secret-1"]},
              expect={"json": {"query.page": "2", "body": "a=b", "headers.Authorization": {"matches": "^Basic "}}},
              capture={"method": {"json": "method"}, "via": {"regex": r'"method": "(\w+)"'}})
    )
    assert result.status is ProbeStatus.PASSED, result.summary
    assert result.captures == {"method": "POST", "via": "POST"}
    assert "authorization: ••••••" in result.detail
    assert "cWE6cHctc2VjcmV0LTE=" not in result.detail  # base64 of qa:pw-secret-1, echoed back


def test_missing_capture_fails(http_app: HttpApp) -> None:
    [result] = run(probe(id="c", kind="http", url=f"{http_app.url}/json", capture={"token": {"json": "token"}}))
    assert result.status is ProbeStatus.FAILED
    assert "could not capture ${token}" in result.explanation


def test_undefined_variable_is_error() -> None:
    [result] = run(probe(id="u", kind="http", url="${nowhere}/x"))
    assert result.status is ProbeStatus.ERROR
    assert "${nowhere} is not defined" in result.explanation


def test_retry_until(http_app: HttpApp) -> None:
    [result] = run(probe(id="r", kind="http", url=f"{http_app.url}/nowhere", retry={"count": 2, "interval": 0.05}))
    assert result.status is ProbeStatus.FAILED
    assert result.summary.endswith("(after 3 attempts)")
    [polled] = run(probe(id="p", kind="http", url=f"{http_app.url}/nowhere", until=0.3, retry={"interval": 0.1}))
    assert "attempts" in polled.summary


def test_unset_secret_says_which_variable() -> None:
    spec = probe(id="s", kind="http", url="http://127.0.0.1:1/${api_password}")
    from tests.servers import checklist_of as make

    [result] = run_probes(make(spec, secrets={"api_password": "QATUI_TEST_UNSET_PW"}), "local", [spec], trusted=True, env={})
    assert result.status is ProbeStatus.ERROR
    assert "environment variable QATUI_TEST_UNSET_PW, which is not set" in result.explanation


def test_missing_ca_file(tls_app: HttpApp) -> None:
    [result] = run(probe(id="ca", kind="http", url=f"{tls_app.url}/json", verify="/nonexistent/ca.pem"))
    assert result.status is ProbeStatus.ERROR
    assert "readable PEM file" in result.explanation
