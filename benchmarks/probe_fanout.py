"""Probe fan-out: many probes through the engine against the floor, measured in the same run.

Targets (issue 4):

* http: 10 and 100 probes of a 200 ms loopback endpoint through the engine take at most 1.2 ×
  the floor — the same requests from ONE shared `httpx.AsyncClient` with `asyncio.gather` —
  and 10 probes take at most 1.2 × one probe ("fifty probes take about as long as the slowest").
* websocket: 100 connect-greet-close probes against 100 gathered `websockets` connections.
* command: 50 command probes (`true`) against 50 gathered `asyncio.create_subprocess_exec`.

The engine is a started `ProbeRunner` (as the screen keeps one) with `jobs` equal to the fan-out,
so the engine and the floor have the same concurrency. Both sides are warmed once (imports,
client, first connection), engine and floor runs alternate, and each figure is the median of
`--repeat` runs, so the ratio measures the engine's own overhead, not the machine's load.

Run: `python benchmarks/probe_fanout.py [--repeat 3]`. Exit status 1 when a target fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from qatui.core.probes import ProbeRunner  # noqa: E402
from qatui.core.session import ProbeStatus  # noqa: E402
from tests.servers import checklist_of, probe  # noqa: E402

TARGET = 1.2
SLOW_MS = 200


def engine_runner(specs: list[Any], jobs: int) -> tuple[ProbeRunner, Callable[[], None]]:
    runner = ProbeRunner(checklist_of(*specs), "local", trusted=True, jobs=jobs, env={"PATH": "/usr/bin:/bin"}).start()

    def run() -> None:
        results = runner.submit(specs).result(120)
        bad = [r for r in results if r.status is not ProbeStatus.PASSED]
        if bad:
            raise SystemExit(f"probe failed during the benchmark: {bad[0].summary} {bad[0].explanation}")

    return runner, run


#: (name, base CPU ms, engine CPU ms) per comparison: the CPU this process spent, which other
#: processes' load does not inflate the way it inflates wall-clock time.
CPU: list[tuple[str, float, float]] = []


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def compare(engine: Callable[[], None], base: Callable[[], None], repeat: int, name: str = "") -> tuple[float, float]:
    """Medians of engine and base runs, alternated so that the load of the machine (other
    processes) weighs on both alike; one warm-up run of each first."""
    engine()
    base()
    engine_ms, base_ms, engine_cpu, base_cpu = [], [], [], []
    for _ in range(repeat):
        wall, cpu = timed(engine)
        engine_ms.append(wall)
        engine_cpu.append(cpu)
        wall, cpu = timed(base)
        base_ms.append(wall)
        base_cpu.append(cpu)
    CPU.append((name, statistics.median(base_cpu), statistics.median(engine_cpu)))
    return statistics.median(engine_ms), statistics.median(base_ms)


class Floor:
    """The floor's own event loop, kept across runs (like the engine's), with one shared client."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.client: httpx.AsyncClient | None = None

    def run(self, coro: Awaitable[None]) -> None:
        self.runner.run(coro)  # type: ignore[arg-type]

    def http(self, url: str, n: int) -> Callable[[], None]:
        async def batch() -> None:
            if self.client is None:
                self.client = httpx.AsyncClient()  # one shared client, httpx's default limits
            responses = await asyncio.gather(*(self.client.get(url) for _ in range(n)))
            assert all(r.status_code == 200 for r in responses)

        return lambda: self.run(batch())

    def websocket(self, url: str, n: int) -> Callable[[], None]:
        async def one() -> None:
            async with connect(url) as ws:
                assert json.loads(await ws.recv())["type"] == "hello"

        async def batch() -> None:
            await asyncio.gather(*(one() for _ in range(n)))

        return lambda: self.run(batch())

    def command(self, n: int) -> Callable[[], None]:
        async def one() -> None:
            process = await asyncio.create_subprocess_exec(
                "true", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True
            )
            await process.communicate()

        async def batch() -> None:
            await asyncio.gather(*(one() for _ in range(n)))

        return lambda: self.run(batch())

    def close(self) -> None:
        if self.client is not None:
            self.run(self.client.aclose())
        self.runner.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    repeat = args.repeat
    # the servers run in their own process: their threads must not compete with the measured
    # client for this process's GIL
    servers = subprocess.Popen(
        [sys.executable, "-m", "tests.servers"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert servers.stdout is not None and servers.stdin is not None
    urls = json.loads(servers.stdout.readline())
    url = f"{urls['slow']}/slow?ms={SLOW_MS}"
    ws_url = f"{urls['ws']}/ws/devices/"
    rows: list[tuple[str, float, float, str]] = []
    floor = Floor()
    try:
        one_spec = [probe(item="i0", id="p0", kind="http", url=url)]
        one_runner, one_run = engine_runner(one_spec, 1)
        for n in (10, 100):
            specs = [probe(item=f"i{k}", id=f"p{k}", kind="http", url=url) for k in range(n)]
            runner, run = engine_runner(specs, n)
            engine_ms, base_ms = compare(run, floor.http(url, n), repeat, f"http ×{n}")
            rows.append((f"http ×{n} (engine vs floor)", base_ms, engine_ms, "floor"))
            if n == 10:
                many_ms, one_ms = compare(run, one_run, repeat, "http ×10 vs one")
                rows.append(("http ×10 vs one probe", one_ms, many_ms, "one probe"))
            runner.close()
        one_runner.close()
        ws_specs = [
            probe(item=f"w{k}", id=f"w{k}", kind="websocket", url=ws_url, expect={"messages": [{"json": {"type": "hello"}}]})
            for k in range(100)
        ]
        runner, run = engine_runner(ws_specs, 100)
        engine_ms, base_ms = compare(run, floor.websocket(ws_url, 100), repeat, "websocket ×100")
        rows.append(("websocket ×100 connect-greet-close", base_ms, engine_ms, "floor"))
        runner.close()
        cmd_specs = [probe(item=f"c{k}", id=f"c{k}", kind="command", argv=["true"]) for k in range(50)]
        runner, run = engine_runner(cmd_specs, 50)
        engine_ms, base_ms = compare(run, floor.command(50), repeat, "command ×50")
        rows.append(("command ×50 (true)", base_ms, engine_ms, "floor"))
        runner.close()
    finally:
        floor.close()
        servers.stdin.close()
        servers.wait(10)

    failed = False
    print(f"{'benchmark':38} {'base ms':>9} {'engine ms':>10} {'ratio':>6}  target")
    for name, base, engine, against in rows:
        ratio = engine / base if base else float("inf")
        ok = ratio <= TARGET
        failed |= not ok
        print(f"{name:38} {base:9.1f} {engine:10.1f} {ratio:6.2f}  ≤ {TARGET} × {against}  {'PASS' if ok else 'FAIL'}")
    print(f"\n{'CPU of this process (not judged)':38} {'base ms':>9} {'engine ms':>10} {'ratio':>6}")
    for name, base, engine in CPU:
        print(f"{name:38} {base:9.1f} {engine:10.1f} {engine / base if base else float('inf'):6.2f}")
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
