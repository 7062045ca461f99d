"""Which `${NAME}` a probe or a log source may read, and what is masked: one scope per run.

The order, first match wins: captures of earlier probes → the environment's `vars` → the
checklist's `vars` → secrets → the process environment variables the checklist declares
(`from_env:`). Nothing else from the process environment is read: a checklist is code from
someone else, and `${AWS_SECRET_ACCESS_KEY}` in a URL must not pick a variable out of the
tester's shell. The loader already rejects an undeclared `${NAME}`; the scope refuses it again
at run time, so a checklist built another way (a Markdown import, a test) cannot read it either.

Secrets are read only once the checklist is trusted (`TrustState`): an untrusted checklist
reads no secret file and no secret variable. The `Masker` is the run's one masker: the probe
engine, the log pane, `qatui logs` and the record all mask with it, so a secret (or a capture
marked `secret: true`) hidden in one place is hidden in all.

Engine settings (`DOCKER_HOST`, `COMPOSE_PROJECT_NAME`, …) are qatui's own configuration, not
the checklist's: `engine_lookup` falls back to them for deciding which Docker engine and
compose project to talk to, never for a `${…}` the checklist writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from qatui.core.checklist import Checklist, Environment
from qatui.core.run.trust_state import TrustState
from qatui.core.secrets import Masker, SecretUnavailable, read_secret

#: Process environment variables qatui itself reads to find the Docker engine and the compose
#: project (as `docker` and `docker compose` do); never offered to a checklist's `${…}`.
ENGINE_SETTINGS = frozenset({"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT",
                             "COMPOSE_PROJECT_NAME", "COMPOSE_FILE"})


def declared_env(checklist: Checklist) -> list[str]:
    """The process environment variables a checklist reads: its `from_env:` list and the
    variables its secrets name (those only as the secret's value)."""
    names = list(checklist.from_env)
    names += [s.env for s in checklist.secrets.values() if s.env and s.env not in names]
    return names


class Scope:
    """Variables and masking for one checklist, environment and process environment."""

    def __init__(
        self,
        checklist: Checklist,
        environment: Environment | None,
        process_env: Mapping[str, str],
        trust: TrustState,
    ) -> None:
        self.checklist = checklist
        self.environment = environment
        self.process_env = process_env
        self.trust = trust
        #: Captured values, raw (mask with `.masker` before showing them).
        self.captures: dict[str, str] = {}
        #: capture name → the probe id whose run took it (for "taken once" and staleness).
        self.captured_by: dict[str, str] = {}
        self.masker = Masker()
        #: secret name → why it could not be read (an unreadable file).
        self.secret_problems: dict[str, str] = {}
        self._secrets: dict[str, str] = {}
        self._secrets_read = False
        self._lock = threading.Lock()
        self._declared = {name: process_env[name] for name in checklist.from_env if name in process_env}
        self._layers: Callable[[str], str | None] | None = None

    # --- secrets ---

    def open_secrets(self) -> bool:
        """Read the secrets (once) if the checklist is trusted; True when they are read."""
        if self._secrets_read:
            return True
        if not self.trust.trusted:
            return False
        with self._lock:
            if not self._secrets_read:
                for name, secret in self.checklist.secrets.items():
                    try:
                        value = read_secret(secret, self.process_env)
                    except SecretUnavailable as error:
                        self.secret_problems[name] = error.message
                        continue
                    if value is not None:
                        self._secrets[name] = value
                        self.masker.add(value)
                self._secrets_read = True
        return True

    # --- lookups ---

    def lookup(self, name: str) -> str | None:
        """`${name}` for probes and log sources (None: nothing in scope provides it)."""
        self.open_secrets()
        if self._layers is None:  # made on first use: `variables` is not needed to show a session
            from qatui.core.variables import layered_lookup

            environment = self.environment
            self._layers = layered_lookup(
                before=[self.captures],
                written=[environment.vars if environment else {}, self.checklist.vars],
                after=[self._secrets, self._declared],
            )
        return self._layers(name)

    def engine_lookup(self, name: str) -> str | None:
        """As `lookup`, then qatui's own engine settings (`DOCKER_HOST`, `COMPOSE_PROJECT_NAME`)."""
        value = self.lookup(name)
        if value is None and name in ENGINE_SETTINGS:
            value = self.process_env.get(name)
        return value

    def mask(self, text: str) -> str:
        self.open_secrets()
        return self.masker.mask(text)

    # --- captures ---

    def keep_captures(self, probe_id: str, captured: Mapping[str, str], secret: set[str], passed: bool) -> None:
        """What a probe run captured: kept when it passed; when its owner ran again and did not
        pass, what it captured before is stale and dropped (a later probe that needs it runs
        the owner again rather than use a token from a login that now fails)."""
        for name, value in captured.items():
            if name in secret:
                self.masker.add(value)
        if passed:
            for name, value in captured.items():
                self.captures[name] = value
                self.captured_by[name] = probe_id
        else:
            for name, owner in list(self.captured_by.items()):
                if owner == probe_id:
                    self.captures.pop(name, None)
                    self.captured_by.pop(name, None)

    def has_capture(self, name: str) -> bool:
        return name in self.captures

