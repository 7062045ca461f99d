"""HTTP probes through the runner's one shared `httpx.AsyncClient`.

A client per probe costs a connection pool, TLS context and DNS per request (measured 14.8×
slower for 100 probes), so the runner hands out one client per `verify` setting and every probe
borrows it. Responses are streamed and only the first `BODY_CAP` bytes are read: a 50 MB
answer never reaches memory. Redirects are not followed unless asked, like curl and Hurl, so a
redirect to a login page shows up as what it is.
"""

from __future__ import annotations

import asyncio
import base64
import time
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import explain
from qatui.core.probes.base import (
    BODY_CAP,
    EXCERPT,
    Outcome,
    ProbeContext,
    fail_summary,
    with_where,
)
from qatui.core.probes.bounded import ACCEPT_ENCODING, BoundedDecoder, TooDeep, UnsupportedEncoding
from qatui.core.probes.bounded import loads as json_loads
from qatui.core.probes.captures import capture
from qatui.core.probes.cookies import EXTENSION as COOKIE_JAR
from qatui.core.probes.expectations import check_http, checks_text, first_failure
from qatui.core.probes.schema import KindSchema
from qatui.core.session import ProbeStatus
from qatui.core.suggest import did_you_mean
from qatui.core.yamlpos import YNode, YScalar, YSeq

if TYPE_CHECKING:
    from qatui.core.load.probe_checker import ProbeChecker

_HIDDEN_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key"}


def _auth_header(auth: Mapping[str, Any]) -> str | None:
    if "basic" in auth:
        user, password = [*list(auth["basic"]), "", ""][:2]
        raw = f"{user}:{password}".encode()
        return "Basic " + base64.b64encode(raw).decode()
    if "bearer" in auth:
        return f"Bearer {auth['bearer']}"
    if "token" in auth:
        return f"Token {auth['token']}"
    return None


def _show_headers(headers: Mapping[str, str]) -> str:
    lines = []
    for name, value in headers.items():
        shown = "••••••" if name.lower() in _HIDDEN_HEADERS else value
        lines.append(f"{name}: {shown}")
    return "\n".join(lines)


def _cookie_values(header: str) -> list[str]:
    """The values in a `Cookie: a=1; b=2` or `Set-Cookie: a=1; Path=/; HttpOnly` header (for
    Set-Cookie only the first pair is the cookie; the rest are attributes)."""
    values = []
    for pair in header.split(";"):
        _name, sep, value = pair.partition("=")
        if sep and value.strip():
            values.append(value.strip().strip('"'))
    return values


def _remember_credentials(
    ctx: ProbeContext, sent: httpx.Headers, received: httpx.Headers, rules: Any, captured: Any
) -> None:
    """Cookies sent and set are credentials like the `Cookie` header that shows them hidden:
    their values are masked wherever they appear (a session cookie echoed in a body), and a
    capture from a hidden header (`Set-Cookie`, `Authorization` …) is a secret capture."""
    for value in sent.get_list("cookie"):
        for cookie in _cookie_values(value):
            ctx.masker.add(cookie)
    for value in received.get_list("set-cookie"):
        ctx.masker.add(value.split(";", 1)[0].partition("=")[2].strip().strip('"'))
    for name, rule in (rules or {}).items() if isinstance(rules, Mapping) else ():
        if isinstance(rule, Mapping) and str(rule.get("header", "")).lower() in _HIDDEN_HEADERS:
            captured.secret.add(str(name))
            if str(rule["header"]).lower() in ("set-cookie", "cookie") and name in captured.values:
                for cookie in _cookie_values(captured.values[name]):
                    ctx.masker.add(cookie)


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def _read_capped(response: httpx.Response, cap: int) -> tuple[bytes, int, bool]:
    """Up to `cap` bytes of the decoded body; stops reading (and so downloading) past the cap.

    Reads the raw stream and inflates it with `BoundedDecoder`, never httpx's own decoder: that
    one inflates a whole network chunk at once (a 64 KB chunk of a gzip bomb is ~64 MB). At most
    `cap` compressed bytes are read as well, so a stream that inflates to nothing ends too.
    """
    decoder = BoundedDecoder(response.headers.get("content-encoding", ""), cap)
    buf = bytearray()
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        buf += decoder.feed(chunk)
        if len(buf) >= cap or decoder.full or read > cap:
            del buf[cap:]
            return bytes(buf), len(buf), True
    return bytes(buf), len(buf), False


async def run(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext) -> Outcome:

    method = str(cfg.get("method", SCHEMA.defaults["method"])).upper()
    url = str(cfg.get("url", ""))
    headers = {str(k): str(v) for k, v in (cfg.get("headers") or {}).items()}
    if not any(name.lower() == "accept-encoding" for name in headers):
        headers["Accept-Encoding"] = ACCEPT_ENCODING  # only what BoundedDecoder inflates
    if isinstance(cfg.get("auth"), Mapping) and (value := _auth_header(cfg["auth"])):
        headers["Authorization"] = value
        if value.startswith("Basic "):
            # the encoded password is a credential too: never shown, even echoed by a server
            ctx.masker.add(value.removeprefix("Basic "))
    kwargs: dict[str, Any] = {}
    if "json" in cfg:
        kwargs["json"] = cfg["json"]
    elif "form" in cfg:
        kwargs["data"] = {str(k): str(v) for k, v in (cfg["form"] or {}).items()}
    elif "body" in cfg:
        kwargs["content"] = str(cfg["body"]).encode()
    params = {str(k): str(v) for k, v in (cfg.get("query") or {}).items()} or None
    verify = cfg.get("verify", SCHEMA.defaults["verify"])
    if isinstance(verify, str):
        path = ctx.checklist_dir / verify
        verify = str(path) if path.exists() else verify
    follow = bool(cfg.get("follow_redirects", SCHEMA.defaults["follow_redirects"]))
    expect: Mapping[str, Any] = cfg.get("expect") or {}
    seconds = spec.timeout

    try:
        client: httpx.AsyncClient = ctx.http_client(verify)
    except OSError as error:  # ssl.SSLError is an OSError too
        return Outcome(
            ProbeStatus.ERROR,
            with_where(spec, "verify", "CA file unusable"),
            f"`verify: {cfg.get('verify')}` must name a readable PEM file of CA certificates: {getattr(error, 'strerror', None) or error}",
        )
    try:
        request = client.build_request(
            method,
            url,
            headers=headers,
            params=params,
            timeout=httpx.Timeout(seconds),
            # the item's own cookie jar, applied and filled by the client's hooks on every hop
            extensions={COOKIE_JAR: ctx.cookies_for(spec.item_id)},
            **kwargs,
        )
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError, OSError) as error:
        return Outcome(
            ProbeStatus.ERROR,
            with_where(spec, "url", f"cannot build the request for {url!r}"),
            f"the URL or request settings are not usable: {error}",
        )

    request_text = f"{method} {request.url}\n{_show_headers(request.headers)}"
    if kwargs:
        body = request.content if "content" in kwargs or "json" in kwargs or "data" in kwargs else b""
        request_text += "\n\n" + ctx.excerpt(body.decode("utf-8", errors="replace"), 500)

    started = time.perf_counter()
    try:
        async with asyncio.timeout(seconds):
            response = await client.send(request, stream=True, follow_redirects=follow)
            try:
                raw, _kept, truncated = await _read_capped(response, BODY_CAP)
            finally:
                await response.aclose()
    except (UnsupportedEncoding, zlib.error) as error:
        what = str(error) if isinstance(error, UnsupportedEncoding) else f"a corrupt compressed body ({error})"
        return Outcome(
            ProbeStatus.FAILED,
            with_where(spec, "url", "body not decodable"),
            f"the server answered with {what}; qatui cannot read the body",
            ctx.cap_detail(request_text),
            duration_ms=_since(started),
        )
    except httpx.TooManyRedirects as error:
        try:
            hops = [str(error.request.url)]
        except RuntimeError:
            hops = []
        found = explain.redirect_loop(url, hops)
        return Outcome(ProbeStatus.FAILED, with_where(spec, "url", found.actual), found.explanation, ctx.cap_detail(request_text), duration_ms=_since(started))
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
        return Outcome(
            ProbeStatus.ERROR,
            with_where(spec, "url", f"unusable URL {url!r}"),
            f"the URL is not usable: {error} (it needs http:// or https:// and a host)",
        )
    except (httpx.HTTPError, OSError, TimeoutError) as error:
        found = explain.network_error(error, url, seconds)
        status = ProbeStatus.TIMEOUT if found.timeout else ProbeStatus.FAILED
        return Outcome(status, with_where(spec, "url", found.actual), found.explanation, ctx.cap_detail(request_text), duration_ms=_since(started))
    elapsed_ms = (time.perf_counter() - started) * 1000

    text = raw.decode(response.charset_encoding or "utf-8", errors="replace")
    parsed: list[tuple[Any, str | None]] = []

    def json_value() -> tuple[Any, str | None]:
        if not parsed:
            if truncated:
                parsed.append((None, f"body cut at {BODY_CAP // 1024} KB"))
            else:
                try:
                    parsed.append((json_loads(text), None))
                except TooDeep as error:
                    parsed.append((None, str(error)))
                except ValueError as error:
                    parsed.append((None, str(error).split(":")[0]))
        return parsed[0]

    wants_json = bool(expect.get("json")) or any(
        isinstance(r, Mapping) and "json" in r for r in (cfg.get("capture") or {}).values()
    )
    value, json_error = json_value() if wants_json else (None, None)
    checks = check_http(
        expect,
        status=response.status_code,
        headers=response.headers,
        body=text,
        json_value=value,
        json_error=json_error,
        elapsed_ms=elapsed_ms,
    )
    captured = capture(
        cfg.get("capture"),
        json_value=json_value,
        headers=response.headers,
        texts={"body": text, "both": text},
    )
    _remember_credentials(ctx, request.headers, response.headers, cfg.get("capture"), captured)
    total = f"{response.headers.get('content-length', '?')} bytes announced" if truncated else ""
    history = "".join(f"{r.status_code} {r.request.url} → " for r in response.history)
    response_text = (
        f"{history}HTTP {response.status_code} {response.reason_phrase} ({elapsed_ms:.0f} ms)\n"
        f"{_show_headers(response.headers)}\n\n{ctx.excerpt(text, EXCERPT)}"
    )
    if truncated:
        response_text += f"\n[body cut at {BODY_CAP // 1024} KB; the rest was not read]"
    detail = ctx.cap_detail(f"{request_text}\n\n{response_text}\n\n{checks_text(checks)}")

    failed = first_failure(checks)
    if failed is not None:
        summary = fail_summary(spec, failed.key, failed.actual, failed.expected)
        explanation = ""
        if failed.key == "expect.status":
            if 300 <= response.status_code < 400:
                explanation = explain.redirected(response.status_code, response.headers.get("location", ""))
            else:
                explanation = explain.http_status(response.status_code)
        elif failed.key.startswith("expect.json") and json_error is not None:
            if truncated:
                explanation = explain.body_too_large(BODY_CAP, total)
            elif json_error.startswith("JSON nested"):
                explanation = explain.json_too_deep(json_error)
            else:
                explanation = explain.invalid_json(json_error, response.headers.get("content-type", ""), ctx.excerpt(text, 50))
        elif failed.key == "expect.max_ms":
            explanation = "the answer was right but slower than the checklist allows"
        elif truncated:
            explanation = explain.body_too_large(BODY_CAP, total)
        return Outcome(ProbeStatus.FAILED, summary, explanation, detail, captured.values, captured.secret, elapsed_ms)
    if captured.missing:
        name, why = next(iter(captured.missing.items()))
        explanation = f"could not capture ${{{name}}}: {why}"
        if json_error is not None and not truncated:
            explanation = f"could not capture ${{{name}}}: " + explain.invalid_json(
                json_error, response.headers.get("content-type", ""), ctx.excerpt(text, 50)
            )
        return Outcome(
            ProbeStatus.FAILED,
            with_where(spec, f"capture.{name}", f"status {response.status_code}, nothing to capture for {name}"),
            explanation,
            detail,
            captured.values,
            captured.secret,
            elapsed_ms,
        )
    summary = f"status {response.status_code} in {elapsed_ms:.0f} ms"
    if captured.values:
        summary += "; captured " + ", ".join(captured.values)
    explanation = explain.body_too_large(BODY_CAP, total) if truncated else ""
    return Outcome(ProbeStatus.PASSED, summary, explanation, detail, captured.values, captured.secret, elapsed_ms)


# ----- schema -----------------------------------------------------------------------------

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def check(c: ProbeChecker) -> None:
    """The request keys: method, url, headers, query, one body, auth, redirects, verify."""
    method_node = c.node.get("method")
    if method_node is not None:
        method = c.v.string(method_node, "method")
        if method.upper() not in HTTP_METHODS:
            c.v.add(method_node.pos, f"unknown HTTP method {method!r}{did_you_mean(method.upper(), HTTP_METHODS)}")
        c.config["method"] = method.upper()
    c.text("url", required=True)
    c.string_map("headers")
    c.string_map("query")
    body = c.one_of(("json", "form", "body"), required=False)
    if body == "json":
        c.config["json"] = c.templated(c.node.get("json"))
    elif body == "form":
        c.string_map("form")
    elif body == "body":
        c.text("body")
    auth = c.node.get("auth")
    if auth is not None:
        c.config["auth"] = _check_auth(c, auth)
    if "follow_redirects" in c.node.entries:
        c.config["follow_redirects"] = c.v.boolean(c.node.get("follow_redirects"), "follow_redirects")
    verify = c.node.get("verify")
    if verify is not None:
        if isinstance(verify, YScalar) and isinstance(verify.value, bool):
            c.config["verify"] = verify.value
        else:
            c.config["verify"] = c.v.string(verify, "verify", templated=True)


def _check_auth(c: ProbeChecker, node: YNode) -> dict[str, Any]:
    spec = c.v.mapping(node, "auth", ("basic", "bearer", "token"))
    if spec is None:
        return {}
    if len(spec.entries) != 1:
        c.v.add(spec.pos, "auth: give exactly one of 'basic: [user, password]', 'bearer: TOKEN' or 'token: TOKEN'")
    result: dict[str, Any] = {}
    if "basic" in spec.entries:
        pair = c.v.string_list(spec.get("basic"), "basic", templated=True)
        if len(pair) != 2 and isinstance(spec.get("basic"), YSeq):
            c.v.add(spec.key_pos("basic"), f"auth: 'basic' needs [user, password], got {len(pair)} values")
        result["basic"] = pair
    for key in ("bearer", "token"):
        if key in spec.entries:
            result[key] = c.v.string(spec.get(key), key, templated=True)
    return result


SCHEMA = KindSchema(
    name="http",
    keys=("method", "url", "query", "headers", "auth", "json", "form", "body", "follow_redirects", "verify"),
    required=("url",),
    expect=("status", "headers", "json", "body_contains", "body_matches", "not_contains", "max_ms"),
    capture=("json", "header", "regex"),
    defaults={"method": "GET", "follow_redirects": False, "verify": True},
    check=check,
)
