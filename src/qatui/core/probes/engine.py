"""The probe engine: runs probes concurrently on its own asyncio loop, in its own thread.

Why a thread with its own loop: the screen (Textual) and the CLI both need probes to run without
blocking them, and a probe run outlives any one screen action. The runner owns:

* ONE shared `httpx.AsyncClient` per `verify` setting — a client per probe costs ~15× more;
* a semaphore of `jobs` so a checklist of 200 probes does not open 200 sockets at once;
* the captures (`${token}` …) and the `Masker` that hides secrets and secret captures.

Ordering rules, applied per `submit()`:

* an item's probes run in the order they are written;
* a probe that uses `${name}` captured by an earlier probe (in checklist order) waits for it,
  whether that probe is in the same batch or still running from an earlier one;
* everything else runs at once, bounded by `jobs`.

Every attempt has a timeout (the probe's, plus a backstop), `retry`/`until` re-run a probe for
systems that settle later, `cancel()` stops everything (commands are killed with their process
group), and every text is masked before a `ProbeResult` leaves the engine. One attempt under
its timeout, and the masked `ProbeResult` made from its outcome, are in `attempt.py`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from qatui.core.checklist import Checklist, ProbeSpec
from qatui.core.probes import kinds
from qatui.core.probes.attempt import BACKSTOP, attempt, result_of
from qatui.core.probes.base import Outcome, ProbeContext
from qatui.core.probes.cookies import client_options as cookie_options
from qatui.core.probes.schema import DEFAULT_TIMEOUT
from qatui.core.probes.shell import expand_config, is_written_text
from qatui.core.run.deps import producers, referenced_names, with_dependencies
from qatui.core.run.figures import derived_figures
from qatui.core.run.gate import refusal
from qatui.core.run.scope import Scope
from qatui.core.run.trust_state import TrustState
from qatui.core.session import ProbeResult, ProbeStatus
from qatui.core.variables import UndefinedVariable

__all__ = ["BACKSTOP", "KINDS", "OnResult", "ProbeRunner", "derived_figures", "producers", "referenced_names",
           "run_probes", "run_to_end", "with_dependencies"]

OnResult = Callable[[ProbeResult, str], None]

#: The probe kinds, from the registry (`kinds.py`).
KINDS = kinds.NAMES


class ProbeRunner:
    """Runs probes of one checklist against one environment. Thread-safe entry points:
    `start`, `submit`, `cancel`, `close`."""

    def __init__(
        self,
        checklist: Checklist,
        environment_key: str | None,
        *,
        trusted: bool | None = None,
        trust: TrustState | None = None,
        scope: Scope | None = None,
        allow_destructive: bool = False,
        jobs: int = 8,
        session_started: datetime | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """`trust` and `scope` come from the run (`core/run/model.py`), so the runner sees the
        tester's trust the moment it is given and shares captures and masker with the log
        sources; `trusted=` pins the answer instead (tests, one-off lookups)."""
        self.checklist = checklist
        self.environment = checklist.environments.get(environment_key or "")
        self.environment_key = environment_key or ""
        self.allow_destructive = allow_destructive
        self.jobs = max(1, int(jobs))
        self.session_started = session_started or datetime.now(UTC)
        self._env: Mapping[str, str] = os.environ if env is None else env
        self.trust = trust or (scope.trust if scope else TrustState(checklist, self._env, fixed=trusted))
        self.scope = scope or Scope(checklist, self.environment, self._env, self.trust)
        self.masker = self.scope.masker
        #: Captured values, raw (mask with `.masker` before showing them): the run's scope's.
        self.captures: dict[str, str] = self.scope.captures
        # which `${name}` is text written in the checklist; every other value reaches a shell
        # line through the command's environment, never as shell text (probes/shell.py)
        self._written_text = is_written_text(
            [self.captures], [self.scope.environment.vars if self.scope.environment else {}, checklist.vars]
        )
        self._order = {id(p): i for i, p in enumerate(checklist.probes())}
        self._producers = producers(checklist)
        #: probe (by identity) → the variables its configuration uses: walked once, not on every run
        self._names: dict[int, tuple[ProbeSpec, set[str]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._semaphore: asyncio.Semaphore | None = None
        self._clients: dict[Any, Any] = {}
        self._docker: dict[str, Any] = {}
        self._docker_lock = threading.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        #: probe id → task of the probe's latest run still in flight (for cross-batch captures)
        self._inflight: dict[str, asyncio.Task[ProbeResult]] = {}
        self._cancel_reason = ("cancelled before it finished", ProbeStatus.NOT_RUN)
        self._stop = threading.Event()
        self.context = ProbeContext(
            checklist=checklist,
            environment=self.environment,
            lookup=self.scope.engine_lookup,
            masker=self.masker,
            process_env=self._env,
            session_started=self.session_started,
            http_client=self._http_client,
            docker_client=self._docker_client,
            stop=self._stop,
        )

    # --- variables ---

    @property
    def trusted(self) -> bool:
        """Whether the checklist is trusted now (asked live: see `core/run/trust_state.py`)."""
        return self.trust.trusted

    def lookup(self, name: str) -> str | None:
        """captures → environment vars → checklist vars → secrets → declared process
        environment (the run's `Scope`; vars that use `${other}` are expanded)."""
        return self.scope.lookup(name)

    # --- life cycle ---

    def start(self) -> ProbeRunner:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._main, name="qatui-probes", daemon=True)
        self._thread.start()
        self._ready.wait()
        return self

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._semaphore = asyncio.Semaphore(self.jobs)
        # exec and logs probes block a worker thread each; never let them queue behind each other
        loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs + 4, thread_name_prefix="qatui-probe"))
        # import httpx and build the default client before the first probe, so its timing
        # measures the request, not qatui's start-up
        loop.call_soon(self._http_client, True)
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._close_clients())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _close_clients(self) -> None:
        for client in self._clients.values():
            with contextlib.suppress(Exception):  # closing must not hide the real outcome
                await client.aclose()
        self._clients.clear()

    def close(self) -> None:
        """Cancel what still runs, close the shared clients and stop the thread."""
        if self._loop is None or self._thread is None:
            return
        loop = self._loop
        if not loop.is_closed():
            self.cancel()

            async def settle() -> None:
                if self._tasks:
                    await asyncio.wait(list(self._tasks), timeout=5)

            with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
                asyncio.run_coroutine_threadsafe(settle(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        for client in self._docker.values():
            with contextlib.suppress(Exception):
                client.close()
        self._docker.clear()
        self._thread = None
        self._loop = None

    def __enter__(self) -> ProbeRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self, reason: str = "cancelled before it finished", status: ProbeStatus = ProbeStatus.NOT_RUN) -> None:
        """Stop every probe now; those cut short are reported with `reason`."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        self._cancel_reason = (reason, status)
        self._stop.set()

        def cancel_all() -> None:
            for task in list(self._tasks):
                task.cancel()

        loop.call_soon_threadsafe(cancel_all)

    # --- shared clients ---

    def _http_client(self, verify: bool | str) -> Any:
        import httpx

        key = verify if isinstance(verify, bool) else str(verify)
        client = self._clients.get(key)
        if client is None:
            setting: bool | ssl.SSLContext = verify if isinstance(verify, bool) else ssl.create_default_context(cafile=str(verify))
            client = httpx.AsyncClient(
                verify=setting,
                # keep-alive stays at httpx's 20: a pool of 100 idle connections costs httpcore
                # ~10× the CPU per request (measured by benchmarks/probe_fanout.py)
                limits=httpx.Limits(max_connections=max(100, self.jobs), max_keepalive_connections=20),
                timeout=DEFAULT_TIMEOUT,
                # its own jar stores nothing; each request brings its item's jar (cookies.py)
                **cookie_options(),
            )
            self._clients[key] = client
        return client

    def _docker_client(self, base_url: str | None) -> Any:
        """A docker SDK client for `base_url` (None: DOCKER_HOST, else the local socket)."""
        import docker

        key = base_url or ""
        with self._docker_lock:
            client = self._docker.get(key)
            if client is None:
                if base_url:
                    client = docker.DockerClient(
                        base_url=base_url, timeout=15, use_ssh_client=base_url.startswith("ssh://")
                    )
                else:
                    client = docker.from_env(environment=dict(self._env), timeout=15)
                self._docker[key] = client
            return client

    # --- running ---

    def submit(
        self,
        probes: Iterable[ProbeSpec],
        on_result: OnResult | None = None,
        *,
        confirmed: Iterable[str] = (),
    ) -> concurrent.futures.Future[list[ProbeResult]]:
        """Run `probes`; the future gives their results in the order given. `on_result` is
        called (from the engine's thread) as each one finishes. `confirmed` names destructive
        probes the tester allowed on a protected environment for this run only."""
        self.start()
        assert self._loop is not None
        probes = list(probes)
        allowed = frozenset(confirmed)

        async def begin() -> list[ProbeResult]:
            if not self._tasks:
                self._stop.clear()
            return await self._run_batch(probes, on_result, allowed)

        return asyncio.run_coroutine_threadsafe(begin(), self._loop)

    def _referenced(self, spec: ProbeSpec) -> set[str]:
        known = self._names.get(id(spec))
        if known is None or known[0] is not spec:  # (the spec is kept: its id stays its own)
            known = self._names[id(spec)] = (spec, referenced_names(spec))
        return known[1]

    async def _run_batch(
        self, probes: list[ProbeSpec], on_result: OnResult | None, confirmed: frozenset[str] = frozenset()
    ) -> list[ProbeResult]:
        last_of_item: dict[str, asyncio.Task[ProbeResult]] = {}
        batch_makers: dict[str, list[tuple[int, asyncio.Task[ProbeResult], ProbeSpec]]] = {}
        tasks: list[asyncio.Task[ProbeResult]] = []
        for spec in probes:
            deps: list[asyncio.Task[ProbeResult]] = []
            makers: dict[str, ProbeSpec] = {}
            if spec.item_id in last_of_item:
                deps.append(last_of_item[spec.item_id])
            mine = self._order.get(id(spec), len(self._order))
            for name in self._referenced(spec):
                earlier = [(o, t, p) for o, t, p in batch_makers.get(name, []) if o < mine or o == len(self._order)]
                if earlier:
                    deps.append(earlier[-1][1])
                    makers[name] = earlier[-1][2]
                    continue
                for producer in reversed(self._producers.get(name, [])):
                    if self._order.get(id(producer), -1) < mine and producer.id in self._inflight:
                        deps.append(self._inflight[producer.id])
                        makers[name] = producer
                        break
            task = asyncio.get_running_loop().create_task(self._run_one(spec, deps, makers, on_result, confirmed))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._inflight[spec.id] = task

            def forget(done: asyncio.Task[ProbeResult], pid: str = spec.id) -> None:
                """Drop the in-flight entry, unless a newer run of the same probe replaced it."""
                if self._inflight.get(pid) is done:
                    self._inflight.pop(pid, None)

            task.add_done_callback(forget)
            last_of_item[spec.item_id] = task
            for name in spec.captures():
                batch_makers.setdefault(name, []).append((mine, task, spec))
            tasks.append(task)
        return list(await asyncio.gather(*tasks))

    def _not_run(self, spec: ProbeSpec, summary: str, explanation: str, status: ProbeStatus = ProbeStatus.NOT_RUN) -> ProbeResult:
        return result_of(spec, Outcome(status, summary, explanation), None, self.masker)

    def _gate(self, spec: ProbeSpec, confirmed: frozenset[str] = frozenset()) -> ProbeResult | None:
        """Trust and the destructive gate (`core/run/gate.py`), checked before anything runs."""
        refused = refusal(self.checklist, self.environment, spec, self.trust,
                          allow_destructive=self.allow_destructive, confirmed=confirmed)
        if refused is None:
            # trusted: the secrets are read now, so the masker knows them even when this probe
            # uses no variable at all (its response may still echo one)
            self.scope.open_secrets()
            return None
        return self._not_run(spec, refused.summary, refused.explanation)

    async def _run_one(
        self,
        spec: ProbeSpec,
        deps: list[asyncio.Task[ProbeResult]],
        makers: dict[str, ProbeSpec],
        on_result: OnResult | None,
        confirmed: frozenset[str] = frozenset(),
    ) -> ProbeResult:
        try:
            if deps:
                await asyncio.wait(deps)
            result = self._gate(spec, confirmed)
            if result is None:
                result = await self._run_checked(spec, makers)
        except asyncio.CancelledError:
            reason, status = self._cancel_reason
            result = self._not_run(spec, f"{'timed out' if status is ProbeStatus.TIMEOUT else 'cancelled'}: {reason}", reason, status)
        except Exception as error:  # a bug in a kind must not take the whole run down
            result = self._not_run(spec, f"internal error: {type(error).__name__}", f"qatui failed while running this probe: {error}", ProbeStatus.ERROR)
        if on_result is not None:
            with contextlib.suppress(Exception):  # the caller's display must not break the engine
                on_result(result, spec.item_id)
        return result

    async def _run_checked(self, spec: ProbeSpec, makers: dict[str, ProbeSpec]) -> ProbeResult:
        for name in sorted(self._referenced(spec)):
            maker = makers.get(name)
            if maker is not None and name not in self.captures and self.lookup(name) is None:
                return self._not_run(
                    spec,
                    f"not run: ${{{name}}} was not captured",
                    f"this probe needs ${{{name}}}, which probe {maker.id!r} should have captured, but that probe did not pass",
                )
        try:
            config = expand_config(spec.kind, spec.config, self.lookup, self._written_text)
        except UndefinedVariable as error:
            secret = self.checklist.secrets.get(error.name)
            maker_list = self._producers.get(error.name)
            if secret is not None and error.name in self.scope.secret_problems:
                why = self.scope.secret_problems[error.name]
            elif secret is not None and secret.env:
                why = f"the secret ${{{error.name}}} is read from the environment variable {secret.env}, which is not set — export it before running"
            elif secret is not None and secret.file:
                why = f"the secret ${{{error.name}}} is read from {secret.file}, which does not exist"
            elif maker_list:
                why = f"{error.message} — run probe {maker_list[-1].id!r} first, it captures it"
            else:
                why = error.message
            return self._not_run(spec, f"not run: ${{{error.name}}} is not set", why, ProbeStatus.ERROR)
        if spec.kind not in KINDS:
            return self._not_run(spec, f"unknown probe kind {spec.kind!r}", f"qatui knows: {', '.join(KINDS)}", ProbeStatus.ERROR)
        module = kinds.module(spec.kind)
        retry = config.get("retry") if isinstance(config.get("retry"), Mapping) else None
        until = config.get("until")
        # `until: 5` polls every 0.5 s, `until: 120` every second
        default_interval = min(1.0, max(0.1, float(until) / 10)) if until else 1.0
        interval = float((retry or {}).get("interval", default_interval))
        count = int((retry or {}).get("count", 0))
        deadline = time.monotonic() + float(until) if until else None
        attempts = 0
        assert self._semaphore is not None
        while True:
            attempts += 1
            started = time.perf_counter()
            async with self._semaphore:
                outcome = await attempt(module, spec, config, self.context)
            duration = outcome.duration_ms if outcome.duration_ms is not None else (time.perf_counter() - started) * 1000
            if outcome.status in (ProbeStatus.PASSED, ProbeStatus.NOT_RUN):
                break
            if deadline is not None:
                if time.monotonic() + interval >= deadline:
                    break
            elif attempts > count:
                break
            await asyncio.sleep(interval)
        if outcome.status is not ProbeStatus.NOT_RUN:
            self.scope.keep_captures(spec.id, outcome.captures, outcome.secret_captures,
                                     outcome.status is ProbeStatus.PASSED)
        if attempts > 1:
            outcome.summary += f" (after {attempts} attempts)"
        return result_of(spec, outcome, duration, self.masker)


def _wait_interruptibly(future: concurrent.futures.Future[list[ProbeResult]], timeout: float | None) -> list[ProbeResult]:
    """`future.result(timeout)` in short waits. A signal (Ctrl-C, SIGTERM) that the kernel hands
    to one of the engine's threads does not wake a main thread blocked on a lock, and Python runs
    its handler only when the main thread next runs; one long wait ignored Ctrl-C for the whole
    run in 5 of 12 tries under load. Waiting a quarter of a second at a time bounds that delay."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        step = 0.25 if deadline is None else max(0.0, min(0.25, deadline - time.monotonic()))
        try:
            return future.result(step)
        except concurrent.futures.TimeoutError:
            if deadline is not None and time.monotonic() >= deadline:
                raise


def run_to_end(
    runner: ProbeRunner,
    probes: list[ProbeSpec],
    *,
    allow_destructive: bool = False,
    on_result: OnResult | None = None,
    timeout: float | None = None,
) -> list[ProbeResult]:
    """Run probes to the end from a blocking caller (the CLI). `timeout` bounds the whole run:
    probes still running then are reported as timed out. Ctrl-C cancels and re-raises."""
    runner.allow_destructive = allow_destructive
    runner.start()
    future = runner.submit(probes, on_result)
    try:
        return _wait_interruptibly(future, timeout)
    except concurrent.futures.TimeoutError:
        runner.cancel(f"the run's --timeout of {timeout:g} s ran out", ProbeStatus.TIMEOUT)
        return future.result(30)
    except KeyboardInterrupt:
        runner.cancel("interrupted (Ctrl-C)")
        future.result(30)
        raise


def run_probes(
    checklist: Checklist,
    env_key: str | None,
    probes: Iterable[ProbeSpec],
    *,
    trusted: bool | None = None,
    allow_destructive: bool = False,
    jobs: int | None = None,
    session_started: datetime | None = None,
    env: Mapping[str, str] | None = None,
    on_result: OnResult | None = None,
    timeout: float | None = None,
    runner_out: list[ProbeRunner] | None = None,
) -> list[ProbeResult]:
    """`run_to_end` on a fresh runner (tests, scripts). `trusted=None` asks the trust store."""
    runner = ProbeRunner(
        checklist,
        env_key,
        trusted=trusted,
        jobs=jobs or checklist.settings.jobs,
        session_started=session_started,
        env=env,
    )
    if runner_out is not None:
        runner_out.append(runner)
    try:
        return run_to_end(runner, list(probes), allow_destructive=allow_destructive, on_result=on_result,
                          timeout=timeout)
    finally:
        runner.close()
