"""`RunModel`: one run of a checklist against one environment, the same for both faces.

The screen keeps one for its session; `qatui probe` and `qatui logs` make one per command. It
holds the run's `TrustState`, its `Scope` (variables, secrets, masker, captures) and, once a
probe is asked for, its `ProbeRunner` built on that same scope and trust, so every rule the
runner applies is the one the face asked about. Log sources are built here too, with the same
scope and masker (a secret variable works in a log source on the screen as in `qatui logs`,
and is masked in both), and only for a trusted checklist; `follow_logs` merges them for a face
that prints them (the types it reads: `core/run/logs.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from qatui.core.checklist import Checklist, Environment, ProbeSpec
from qatui.core.run.scope import Scope
from qatui.core.run.trust_state import TrustState
from qatui.core.secrets import Masker
from qatui.core.session import ProbeResult

if TYPE_CHECKING:
    from qatui.core.logs.base import LogSource
    from qatui.core.logs.merge import MergedBatch
    from qatui.core.probes.engine import OnResult, ProbeRunner


class RunModel:
    """Trust, scope, dependencies, gates, figures and log sources of one run."""

    def __init__(
        self,
        checklist: Checklist,
        env_key: str | None,
        process_env: Mapping[str, str],
        *,
        trusted: bool | None = None,
        session_started: datetime | None = None,
        jobs: int | None = None,
    ) -> None:
        self.checklist = checklist
        self.env_key = env_key or ""
        self.environment: Environment | None = checklist.environments.get(self.env_key)
        self.process_env = process_env
        self.trust = TrustState(checklist, process_env, fixed=trusted)
        self.scope = Scope(checklist, self.environment, process_env, self.trust)
        self.session_started = session_started
        self.jobs = jobs or checklist.settings.jobs
        self._runner: ProbeRunner | None = None
        self._lock = threading.Lock()

    # --- trust and masking ---

    @property
    def trusted(self) -> bool:
        return self.trust.trusted

    def grant_trust(self) -> None:
        """The tester trusted the checklist (the screen's review): stored, and seen at once."""
        self.trust.grant()
        self.scope.open_secrets()

    @property
    def masker(self) -> Masker:
        """The run's masker (secrets are in it once the checklist is trusted)."""
        self.scope.open_secrets()
        return self.scope.masker

    def mask(self, text: str) -> str:
        return self.scope.mask(text)

    # --- probes ---

    # The rules below are imported when first asked, not with the model: a session is shown
    # before any probe is planned or gated.

    def runs_code(self, spec: ProbeSpec) -> bool:
        from qatui.core.run.gate import runs_code

        return runs_code(self.checklist, spec)

    def plan(self, probes: Iterable[ProbeSpec]) -> list[ProbeSpec]:
        """`probes` and the earlier probes whose captures they need that this run has not
        taken yet (taken once per run; see `core/run/deps.py`)."""
        from qatui.core.run.deps import plan_probes

        return plan_probes(self.checklist, probes, captured=self.scope.captures)

    def needs_confirmation(self, probes: Iterable[ProbeSpec]) -> list[ProbeSpec]:
        """The probes that may run only once the tester confirmed them for this run."""
        from qatui.core.run.gate import needs_confirmation

        return [p for p in probes if needs_confirmation(self.checklist, self.environment, p)]

    def destructive(self, probes: Iterable[ProbeSpec]) -> list[ProbeSpec]:
        """The probes that may change data, on any environment (`gate.destructive`)."""
        from qatui.core.run.gate import destructive

        return [p for p in probes if destructive(self.checklist, p)]

    def runner(self) -> ProbeRunner:
        """The run's one probe runner (started; its own loop in its own thread)."""
        with self._lock:
            if self._runner is None:
                from qatui.core.probes.engine import ProbeRunner

                self._runner = ProbeRunner(
                    self.checklist,
                    self.env_key,
                    trust=self.trust,
                    scope=self.scope,
                    jobs=self.jobs,
                    session_started=self.session_started,
                    env=self.process_env,
                )
                self._runner.start()
            return self._runner

    @property
    def started(self) -> bool:
        return self._runner is not None

    def cancel(self) -> None:
        if self._runner is not None:
            self._runner.cancel()

    def close(self) -> None:
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.close()

    def run_to_end(
        self,
        probes: Iterable[ProbeSpec],
        *,
        allow_destructive: bool = False,
        on_result: OnResult | None = None,
        timeout: float | None = None,
    ) -> list[ProbeResult]:
        """Run `probes` to the end from a blocking caller (`qatui probe`), then close."""
        from qatui.core.probes.engine import run_to_end

        try:
            return run_to_end(self.runner(), list(probes), allow_destructive=allow_destructive,
                              on_result=on_result, timeout=timeout)
        finally:
            self.close()

    def figures(self, results: Iterable[ProbeResult]) -> tuple[dict[str, str], dict[str, float]]:
        """Sign-off facts and metric "after" figures from a batch of results."""
        from qatui.core.run.figures import derived_figures

        return derived_figures(self.checklist, results, self.scope.captures, self.scope.masker)

    # --- log sources ---

    def log_source(self, name: str, *, for_screen: bool = False) -> LogSource:
        """The checklist's log source `name`, its `${…}` from this run's scope. Raises
        `NotTrusted` for an untrusted checklist (a log source is a command, a file or a
        container the checklist chose: nothing is opened before trust), `UndefinedVariable`
        or `LogSourceError` when it cannot be built. `for_screen`: a Docker source reads in a
        child process (see `core/logs/pump.py`)."""
        from qatui.core.logs import make_source
        from qatui.core.probes.shell import is_written_text

        self.trust.require(f"log source {name!r}")
        spec = self.checklist.logs[name]
        # a command source's line gets the checklist's own vars as text, other values by environment
        written = is_written_text([self.scope.captures], [self.environment.vars if self.environment else {},
                                                          self.checklist.vars])
        source = make_source(spec, self.environment, checklist_dir=self.checklist_dir,
                                  lookup=self.scope.engine_lookup, written_text=written)
        if for_screen:
            from qatui.core.logs.pump import pumped

            source = pumped(source)
        return source

    def follow_logs(
        self,
        names: Sequence[str],
        stop: threading.Event,
        *,
        tail: int | None = None,
        since: datetime | None = None,
        follow: bool = False,
    ) -> Iterator[MergedBatch]:
        """The log sources `names`, merged in time order (`core/logs/merge.py`), until `stop`
        is set or (without `follow`) every source has given what it has. Every source is built
        first, so a source that cannot be (`NotTrusted`, `UndefinedVariable`,
        `LogSourceError`) raises here, before anything is opened or printed."""
        from qatui.core.logs import merge

        sources = [self.log_source(name) for name in names]
        return merge(sources, stop, tail=tail, since=since, follow=follow)

    @property
    def checklist_dir(self) -> Path:
        return Path(self.checklist.path).resolve().parent if self.checklist.path else Path.cwd()
