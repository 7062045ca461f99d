"""Cookies per checklist item: an item's probes share a jar, items never do.

The field test's false verdict: an admin login in one item left its session cookie in the one
jar of the shared `httpx.AsyncClient`, so an anonymous "no session → 401" probe in another item
got 200 (or not, depending on which item ran first). A probe's verdict must not depend on the
order items run in, while "log in, then request" inside one item must keep working.

So the runner keeps its shared client (a client per probe costs ~15×, benchmarks/probe_fanout.py)
but makes the client's own jar store nothing (`RefuseAll`), and keeps a stdlib `CookieJar` per
item (`ItemJars`). Each request carries its item's jar in `request.extensions`; two event hooks
on the client apply it before every hop (redirects included, as httpx drops the `Cookie` header
between hops and re-applies only its own, empty jar) and store each response's `Set-Cookie` in
it. A `Cookie` header written in the probe wins over the jar (the standard cookie jar never
overrides one). Jars live as long as the runner: for the screen that is the session, for
`qatui probe` one run.
"""

from __future__ import annotations

import threading
import urllib.request
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any

#: The key under which a request carries its item's jar (httpx passes unknown keys through).
EXTENSION = "qatui_cookies"


class RefuseAll(DefaultCookiePolicy):
    """A cookie policy that neither stores nor returns a cookie: the shared client's jar."""

    def set_ok(self, cookie: Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Cookie, request: Any) -> bool:
        return False


class ItemJars:
    """item id → its cookie jar, made on first use. Thread-safe (probes run on the engine's
    loop, the screen may ask from its own thread)."""

    def __init__(self) -> None:
        self._jars: dict[str, CookieJar] = {}
        self._lock = threading.Lock()

    def __call__(self, item_id: str) -> CookieJar:
        with self._lock:
            jar = self._jars.get(item_id)
            if jar is None:
                jar = self._jars[item_id] = CookieJar()
            return jar

    def clear(self, item_id: str | None = None) -> None:
        """Forget one item's cookies (None: every item's)."""
        with self._lock:
            if item_id is None:
                self._jars.clear()
            else:
                self._jars.pop(item_id, None)


def client_options() -> dict[str, Any]:
    """What the shared `httpx.AsyncClient` needs: a jar that refuses, and the two hooks."""
    # a CookieJar, not an httpx.Cookies: httpx copies the cookies of a `Cookies` into a new jar
    # with the default (accepting) policy, but keeps a jar it is given as it is
    return {
        "cookies": CookieJar(policy=RefuseAll()),
        "event_hooks": {"request": [_apply], "response": [_extract]},
    }


async def _apply(request: Any) -> None:
    jar = request.extensions.get(EXTENSION)
    if isinstance(jar, CookieJar):
        import httpx

        httpx.Cookies(jar).set_cookie_header(request)


async def _extract(response: Any) -> None:
    jar = response.request.extensions.get(EXTENSION)
    if isinstance(jar, CookieJar):
        import httpx

        httpx.Cookies(jar).extract_cookies(response)


def cookie_header(jar: CookieJar, url: str) -> str | None:
    """The `Cookie` header the jar would send to `url` (ws:// as http://, wss:// as https://,
    as a browser sends a site's cookies with its WebSocket handshake)."""
    if not len(jar):  # an item that has logged in nowhere: nothing to send, no request to build
        return None
    if url.startswith("ws://"):
        url = "http://" + url[len("ws://"):]
    elif url.startswith("wss://"):
        url = "https://" + url[len("wss://"):]
    try:
        request = urllib.request.Request(url)
    except ValueError:
        return None
    jar.add_cookie_header(request)
    return request.get_header("Cookie") or request.unredirected_hdrs.get("Cookie")
