"""Whether a checklist is trusted, as a live state every part of a run shares.

Trust is read from the store (`core/trust.py`) each time it is asked until it is given, so a
runner made before the tester trusted the checklist — on the screen, or with `qatui trust
--yes` in another terminal — sees the trust at its next probe. (The screen used to hand the
runner a copy of "not trusted yet" and never update it: command probes stayed off after the
tester had trusted the checklist.)
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from qatui.core.checklist import Checklist
from qatui.core.errors import QatuiError


class NotTrusted(QatuiError):
    title = "Checklist not trusted"


class TrustState:
    """Shared by the scope, the gate, the probe runner and the log sources of one run.

    `fixed` pins the answer (tests); otherwise the store decides.
    """

    def __init__(self, checklist: Checklist, env: Mapping[str, str], *, fixed: bool | None = None) -> None:
        self.checklist = checklist
        self._env = env
        self._fixed = fixed
        self._granted = False
        self._lock = threading.Lock()

    @property
    def trusted(self) -> bool:
        if self._fixed is not None:
            return self._fixed
        if self._granted:
            return True
        from qatui.core.trust import is_trusted

        if is_trusted(self.checklist, self._env):
            with self._lock:
                self._granted = True
            return True
        return False

    def __bool__(self) -> bool:
        return self.trusted

    def grant(self) -> None:
        """The tester said yes to the review: remember it in the store and from now on."""
        if self._fixed is None:
            from qatui.core.trust import trust

            trust(self.checklist, self._env)
        with self._lock:
            self._granted = True
            if self._fixed is False:
                self._fixed = True

    def revoke(self) -> bool:
        """Forget the checklist in the store (`qatui trust --revoke`): from now on it runs
        nothing. True when it was trusted before."""
        from qatui.core.trust import revoke

        with self._lock:
            self._granted = False
            if self._fixed:
                self._fixed = False
        return revoke(self.checklist, self._env)

    def changed(self) -> bool:
        """The file was trusted with other content: it was edited since."""
        from qatui.core.trust import changed_since_trusted

        return self._fixed is None and changed_since_trusted(self.checklist, self._env)

    def review(self, env_key: str | None) -> list[str]:
        """What trusting allows, as `qatui trust` prints it and the screen's dialog shows it:
        the blocks of `core/trust_review.py` (every command whole and inert, hosts, inputs, per
        environment; `env_key`'s first)."""
        from qatui.core.trust_review import review_blocks

        return review_blocks(self.checklist, env_key)

    def command_count(self) -> int:
        """How many commands trusting lets run (command/exec probes, command log sources)."""
        from qatui.core.trust_review import command_count

        return command_count(self.checklist)

    def why_not(self) -> str:
        """Why the checklist is not trusted, in a tester's words (with what to do)."""
        path = self.checklist.path
        if self.changed():
            return (f"{path} changed since it was trusted; qatui runs nothing from it until you review "
                    f"it again with `qatui trust {path}`")
        return (f"qatui runs nothing from a checklist (no probe, no log source, no secret read) until "
                f"you have reviewed and trusted it: run `qatui trust {path}`")

    def require(self, what: str) -> None:
        """Raise `NotTrusted` unless trusted (`what`: what would have run)."""
        if not self.trusted:
            raise NotTrusted(f"{what} not started: {self.why_not()}")
