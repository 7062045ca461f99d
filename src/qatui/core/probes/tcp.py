"""TCP probes: does anything listen on host:port, and does it accept within the timeout?

The cheapest useful probe: before asking "does the API answer 200", ask "is Gunicorn even on
8001". A refused connection is a failure with "nothing listens on host:port".
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import explain
from qatui.core.probes.base import Outcome, ProbeContext, fail_summary, with_where
from qatui.core.probes.expectations import check_max_ms, first_failure
from qatui.core.probes.schema import KindSchema
from qatui.core.session import ProbeStatus

if TYPE_CHECKING:
    from qatui.core.load.probe_checker import ProbeChecker


async def run(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext) -> Outcome:
    host = str(cfg.get("host", ""))
    try:
        port = int(cfg.get("port", 0))
    except (TypeError, ValueError):
        return Outcome(ProbeStatus.ERROR, with_where(spec, "port", f"port {cfg.get('port')!r} is not a number"), "the port must be a number")
    seconds = spec.timeout
    target = f"{host}:{port}"
    started = time.perf_counter()
    try:
        async with asyncio.timeout(seconds):
            _reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as error:
        found = explain.network_error(error, target, seconds, what=target)
        status = ProbeStatus.TIMEOUT if found.timeout else ProbeStatus.FAILED
        return Outcome(status, with_where(spec, "port", f"{target}: {found.actual}"), found.explanation, f"connect {target}: {error}")
    elapsed_ms = (time.perf_counter() - started) * 1000
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    checks = check_max_ms(cfg.get("expect") or {}, elapsed_ms)
    failed = first_failure(checks)
    detail = f"connect {target}: accepted in {elapsed_ms:.1f} ms"
    if failed is not None:
        return Outcome(ProbeStatus.FAILED, fail_summary(spec, failed.key, failed.actual, failed.expected), "the port answers, but slowly", detail, duration_ms=elapsed_ms)
    return Outcome(ProbeStatus.PASSED, f"{target} accepts connections ({elapsed_ms:.0f} ms)", "", detail, duration_ms=elapsed_ms)


def check(c: ProbeChecker) -> None:
    """`host` and `port`, both required."""
    c.text("host", required=True)
    c.port()


SCHEMA = KindSchema(name="tcp", keys=("host", "port"), required=("host", "port"), expect=("max_ms",), check=check,
                    destination=lambda cfg: f"tcp {cfg.get('host', '?')}:{cfg.get('port', '?')}")
