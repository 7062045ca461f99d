"""WebSocket probes (websockets): connect, send, wait for expected messages in order, close.

The failure a tester meets most is the one from the example checklist: a WebSocket sent to
Gunicorn's HTTP port gets an ordinary `404`, and the browser console only says "failed". Here
an upgrade answered with plain HTTP is explained as such ("this port answered ordinary HTTP —
the WebSocket server may listen on another port"), 401/403 as an origin or auth refusal, and a
server that closes at once with its close code and reason.

Expected messages are matched in order, each against the next message received: a message that
is not the expected one fails the probe at once, with every message received — not a `timeout`
after the whole timeout (a wrong reply is a verdict; only silence is a timeout). Messages the
probe lists under `expect.ignore` (heartbeats, broadcasts) are passed over. Frames are capped at
1 MB. The item's cookies (`cookies.py`) go with the handshake, as a browser sends a site's
cookies with its WebSocket, unless the probe writes its own `Cookie` header.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException
from websockets.proxy import get_proxy
from websockets.uri import parse_uri

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import explain
from qatui.core.probes.base import (
    BODY_CAP,
    Outcome,
    ProbeContext,
    cap_detail,
    cut_words,
    fail_summary,
    with_where,
)
from qatui.core.probes.bounded import TooDeep
from qatui.core.probes.bounded import loads as json_loads
from qatui.core.probes.captures import capture
from qatui.core.probes.cookies import cookie_header
from qatui.core.probes.expectations import (
    check_max_ms,
    first_failure,
    json_subset,
    short,
    status_matches,
)
from qatui.core.probes.schema import KindSchema
from qatui.core.session import ProbeStatus
from qatui.core.yamlpos import YMap, YScalar, YSeq, describe

if TYPE_CHECKING:
    from qatui.core.load.probe_checker import ProbeChecker


def _describe(wanted: Mapping[str, Any]) -> str:
    if "json" in wanted:
        return f"JSON {short(wanted['json'], 60)}"
    return f"/{wanted.get('regex', '')}/"


def _matches(message: str, wanted: Mapping[str, Any]) -> bool:
    if "json" in wanted:
        try:
            data = json_loads(message)
        except ValueError:  # not JSON, or nested deeper than MAX_JSON_DEPTH
            return False
        return json_subset(data, wanted["json"])
    try:
        return re.search(str(wanted.get("regex", "")), message) is not None
    except re.error:
        return False


def short_text(message: str, limit: int = 120) -> str:
    """A received message on one line, cut at a word boundary."""
    flat = " ".join(message.split())
    return cut_words(flat, limit)


def _text(message: str | bytes | bytearray) -> str:
    return message if isinstance(message, str) else message.decode("utf-8", errors="replace")


def _proxy(url: str, known: dict[tuple[bool, str, int], str | None]) -> str | Literal[True] | None:
    """The proxy `connect` would use for `url` (from the environment, as websockets decides it:
    `get_proxy`), looked up once per host for the runner. websockets looks it up on every
    connect, reading the whole environment twice (urllib's `getproxies`): a quarter of the
    engine's time in a fan-out of 100 WebSocket probes. True (let `connect` decide) for a URL
    it cannot parse: it then says why, as before."""
    try:
        uri = parse_uri(url)
    except InvalidURI:
        return True
    key = (uri.secure, uri.host, uri.port)
    if key not in known:
        known[key] = get_proxy(uri)
    return known[key]


async def run(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext) -> Outcome:

    def capped(text: str) -> str:
        """The detail, masked before it is cut (a cut secret would escape the mask)."""
        return cap_detail(ctx.masker.mask(text))

    url = str(cfg.get("url", ""))
    seconds = spec.timeout
    expect: Mapping[str, Any] = cfg.get("expect") or {}
    wanted_messages: list[Mapping[str, Any]] = [m for m in expect.get("messages") or [] if isinstance(m, Mapping)]
    ignored: list[Mapping[str, Any]] = [m for m in expect.get("ignore") or [] if isinstance(m, Mapping)]
    headers = {str(k): str(v) for k, v in (cfg.get("headers") or {}).items()}
    if not any(name.lower() == "cookie" for name in headers) and (
        cookies := cookie_header(ctx.cookies_for(spec.item_id), url)
    ):
        headers["Cookie"] = cookies
    kwargs: dict[str, Any] = {}
    if cfg.get("subprotocols"):
        kwargs["subprotocols"] = [str(s) for s in cfg["subprotocols"]]
    if cfg.get("origin"):
        kwargs["origin"] = str(cfg["origin"])
    log = [f"connect {url}"]
    started = time.perf_counter()
    deadline = started + seconds

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    try:
        async with asyncio.timeout(seconds):
            ws = await connect(
                url,
                proxy=_proxy(url, ctx.ws_proxies),
                additional_headers=headers or None,
                open_timeout=seconds,
                close_timeout=min(2.0, seconds),
                max_size=BODY_CAP,
                max_queue=16,
                **kwargs,
            )
    except InvalidURI as error:
        return Outcome(ProbeStatus.ERROR, with_where(spec, "url", f"unusable URL {url!r}"), f"the URL is not a WebSocket URL (ws:// or wss://): {error}")
    except InvalidStatus as error:
        status = error.response.status_code
        found = explain.ws_plain_http(status, url)
        body = _text(error.response.body or b"")
        log.append(f"< HTTP {status} {error.response.reason_phrase}\n{ctx.excerpt(body, 300)}")
        if "status" in expect:
            # The author expects this upgrade to be refused (e.g. the 404 of a WSGI port).
            if status_matches(status, expect["status"]):
                return Outcome(ProbeStatus.PASSED, with_where(spec, "expect.status", f"upgrade refused with HTTP {status}, as expected"), "", capped("\n".join(log)), duration_ms=elapsed())
            return Outcome(ProbeStatus.FAILED, fail_summary(spec, "expect.status", f"HTTP {status}", f"HTTP {expect['status']}"), found.explanation, capped("\n".join(log)), duration_ms=elapsed())
        return Outcome(ProbeStatus.FAILED, fail_summary(spec, "url", found.actual, "101 Switching Protocols"), found.explanation, capped("\n".join(log)), duration_ms=elapsed())
    except (OSError, TimeoutError, WebSocketException) as error:
        found = explain.network_error(error, url, seconds, what="the WebSocket server")
        status_ = ProbeStatus.TIMEOUT if found.timeout else ProbeStatus.FAILED
        log.append(f"! {type(error).__name__}: {error}")
        return Outcome(status_, with_where(spec, "url", found.actual), found.explanation, capped("\n".join(log)), duration_ms=elapsed())

    connect_ms = elapsed()
    if "status" in expect:
        await _close(ws)
        return Outcome(
            ProbeStatus.FAILED,
            fail_summary(spec, "expect.status", "upgrade accepted (101)", f"refused with HTTP {expect['status']}"),
            "This port accepted the WebSocket, but the checklist expects it to refuse the upgrade.",
            capped("\n".join([*log, "< 101 Switching Protocols"])),
            duration_ms=connect_ms,
        )
    log.append(f"< 101 Switching Protocols in {connect_ms:.0f} ms" + (f" (subprotocol {ws.subprotocol})" if ws.subprotocol else ""))
    received: list[str] = []
    current = 0  # index of the expected message being waited for
    try:
        for message in cfg.get("send") or []:
            text = message if isinstance(message, str) else json.dumps(message)
            await ws.send(text)
            log.append(f"> {ctx.excerpt(text, 200)}")
        for current, wanted in enumerate(wanted_messages):  # noqa: B007 (read in the handlers)
            while True:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise TimeoutError
                async with asyncio.timeout(remaining):
                    message = _text(await ws.recv())
                received.append(message)
                log.append(f"< {ctx.excerpt(message, 200)}")
                if _matches(message, wanted):
                    break
                if any(_matches(message, skip) for skip in ignored):
                    log[-1] += "   (ignored)"
                    continue
                await _close(ws)
                shown = [short_text(ctx.masker.mask(m)) for m in received]
                found = explain.ws_mismatch(_describe(wanted), len(received), shown)
                return Outcome(
                    ProbeStatus.FAILED,
                    fail_summary(spec, "expect.messages", f"received {short_text(ctx.masker.mask(message), 60)}", _describe(wanted)),
                    found.explanation,
                    capped("\n".join(log)),
                    duration_ms=elapsed(),
                )
    except TimeoutError:
        pending = wanted_messages[current] if wanted_messages else {}
        found = explain.ws_no_message(seconds, _describe(pending), len(received) - (1 if received and _matches(received[-1], pending) else 0))
        await _close(ws)
        return Outcome(ProbeStatus.TIMEOUT, with_where(spec, "expect.messages", found.actual), found.explanation, capped("\n".join(log)), duration_ms=elapsed())
    except ConnectionClosed as error:
        close = error.rcvd
        waiting = "waiting for " + _describe(wanted_messages[current]) if wanted_messages else "sending"
        found = explain.ws_closed(close.code if close else None, close.reason if close else "", waiting)
        log.append(f"! closed by the server: {close.code if close else 'no close frame'} {close.reason if close else ''}")
        return Outcome(ProbeStatus.FAILED, with_where(spec, "expect.messages", found.actual), found.explanation, capped("\n".join(log)), duration_ms=elapsed())
    if cfg.get("close", SCHEMA.defaults["close"]):
        await _close(ws)
    else:
        asyncio.get_running_loop().create_task(_close(ws))
    total_ms = elapsed()
    checks = check_max_ms(expect, total_ms)
    captured = capture(
        cfg.get("capture"),
        json_value=lambda: _first_json(received),
        texts={"messages": "\n".join(received), "both": "\n".join(received)},
    )
    # a JSON capture looks in every message received, not only the first
    for name, rule in (cfg.get("capture") or {}).items():
        if isinstance(rule, Mapping) and "json" in rule and name in captured.missing:
            for message in received:
                one = capture({name: rule}, json_value=functools.partial(_parse, message))
                if name in one.values:
                    captured.values[name] = one.values[name]
                    captured.missing.pop(name)
                    break
    detail = capped("\n".join(log))
    failed = first_failure(checks)
    if failed is not None:
        return Outcome(ProbeStatus.FAILED, fail_summary(spec, failed.key, failed.actual, failed.expected), "the socket works but is slower than the checklist allows", detail, captured.values, captured.secret, total_ms)
    if captured.missing:
        name, why = next(iter(captured.missing.items()))
        return Outcome(ProbeStatus.FAILED, with_where(spec, f"capture.{name}", f"nothing to capture for {name}"), f"could not capture ${{{name}}}: {why}", detail, captured.values, captured.secret, total_ms)
    summary = f"connected in {connect_ms:.0f} ms"
    if wanted_messages:
        summary += f", {len(wanted_messages)} expected message(s) received"
    return Outcome(ProbeStatus.PASSED, summary, "", detail, captured.values, captured.secret, total_ms)


def _parse(message: str) -> tuple[Any, str | None]:
    try:
        return json_loads(message), None
    except TooDeep as error:
        return None, str(error)
    except ValueError as error:
        return None, str(error).split(":")[0]


def _first_json(messages: list[str]) -> tuple[Any, str | None]:
    for message in messages:
        value, error = _parse(message)
        if error is None:
            return value, None
    return None, "no message was JSON"


async def _close(ws: Any) -> None:
    try:
        async with asyncio.timeout(2):
            await ws.close()
    except (TimeoutError, OSError, WebSocketException):
        pass


# ----- schema -----------------------------------------------------------------------------


def check(c: ProbeChecker) -> None:
    """url, headers, subprotocols, origin, the messages to send, close."""
    c.text("url", required=True)
    c.string_map("headers")
    if "subprotocols" in c.node.entries:
        c.config["subprotocols"] = c.v.string_list(c.node.get("subprotocols"), "subprotocols")
    c.text("origin")
    send = c.node.get("send")
    if send is not None:
        if isinstance(send, YSeq):
            messages: list[Any] = []
            for element in send.items:
                if isinstance(element, YScalar) and isinstance(element.value, str):
                    c.v.templated.append(element)
                    messages.append(element.value)
                elif isinstance(element, YMap):
                    messages.append(c.templated(element))
                else:
                    c.v.add(element.pos, f"'send': each message is a string or a JSON object, got {describe(element)}")
            c.config["send"] = messages
        else:
            c.v.add(send.pos, f"'send': expected a list of messages, got {describe(send)}")
    if "close" in c.node.entries:
        c.config["close"] = c.v.boolean(c.node.get("close"), "close")


SCHEMA = KindSchema(
    name="websocket",
    keys=("url", "headers", "subprotocols", "origin", "send", "close"),
    required=("url",),
    expect=("messages", "ignore", "max_ms", "status"),
    capture=("json", "regex"),
    defaults={"close": True},
    check=check,
)
