"""The checks that need the whole file: log-source names, `${…}` variables, variable cycles,
probes that use their own captures."""

from __future__ import annotations

from qatui.core import variables
from qatui.core.checklist import Checklist
from qatui.core.errors import Position
from qatui.core.load.keys import ENV_NAME
from qatui.core.load.positions import inner_position, strings_in, text_of
from qatui.core.load.reader import Reader
from qatui.core.suggest import did_you_mean


class CrossChecks(Reader):
    """Checks run once the tree is read (they use the state `Reader` gathered)."""

    def check_log_refs(self, checklist: Checklist) -> None:
        for env_key, name, node in self.env_log_overrides:
            source = checklist.environments[env_key].logs.get(name) if env_key in checklist.environments else None
            if name not in checklist.logs:
                hint = did_you_mean(name, checklist.logs) or f"; defined: {', '.join(checklist.logs) or 'none'}"
                self.add(node.pos, f"environment {env_key!r} replaces log source {name!r}, which the "
                         f"top-level 'logs:' does not define{hint}")
            elif source is not None and source.kind == "command":
                self.add(node.pos, f"environment {env_key!r}: log source {name!r} may be a service, container "
                         "or file here; a command log source belongs in the top-level 'logs:'")
        for name, node in self.log_refs:
            if name and name not in checklist.logs:
                if checklist.logs:
                    hint = did_you_mean(name, checklist.logs) or f"; defined: {', '.join(checklist.logs)}"
                else:
                    hint = "; no log sources are defined (add them under the top-level 'logs:')"
                self.add(node.pos, f"unknown log source {name!r}{hint}")

    def check_variables(self, checklist: Checklist) -> None:
        """Every `${NAME}` must be something the checklist provides: a capture, a var, a secret,
        or a process environment variable it declares (`from_env:` or a secret's `env:`). An
        undeclared variable is an error even when the tester's shell happens to set it: the
        checklist may not read what it did not announce (the trust review lists what it reads)."""
        known: set[str] = set(self.capture_names) | set(checklist.vars) | set(checklist.secrets)
        for environment in checklist.environments.values():
            known |= set(environment.vars)
        known |= set(checklist.from_env)
        for node in self.templated:
            text = node.value if isinstance(node.value, str) else node.text
            if "$" not in text:
                continue
            for offset in variables.malformed(text):
                fragment = text[offset:].split("}", 1)[0][:30]
                self.add(inner_position(node, fragment), f"malformed variable {fragment + ('}' if '}' in text[offset:] else '')!r}: "
                         "write ${name}, ${name:-default} or $$ for a literal '$'")
            for ref in variables.references(text):
                if ref.name in known:
                    continue
                token = text[ref.offset:].split("}", 1)[0] + "}"
                if ENV_NAME.match(ref.name) and ref.name == ref.name.upper():
                    hint = (f"a checklist reads only the environment variables it declares: add "
                            f"'from_env: [{ref.name}]' at the top")
                else:
                    hint = "define it under 'vars:', or declare it in 'from_env:' if it comes from the environment"
                self.add(inner_position(node, token), f"undefined variable ${{{ref.name}}}{did_you_mean(ref.name, known)}: "
                         f"not a capture, var, secret or declared environment variable ({hint})")
        self.check_cycles(checklist)
        provided = set(checklist.vars) | set(checklist.secrets) | set(checklist.from_env)
        for environment in checklist.environments.values():
            provided |= set(environment.vars)
        self.check_self_captures(checklist, provided)

    def check_cycles(self, checklist: Checklist) -> None:
        """A var that uses itself, directly or through others, is reported once, at its value."""
        scopes = [[checklist.vars]] + [[env.vars, checklist.vars] for env in checklist.environments.values()]
        reported: set[frozenset[str]] = set()
        for written in scopes:
            for loop in variables.cycles(written):
                if frozenset(loop) in reported:
                    continue
                reported.add(frozenset(loop))
                first = loop[0]
                value = next((scope[first] for scope in written if first in scope), "")
                node = next((n for n in self.var_nodes.get(first, []) if text_of(n) == value), None)
                where = inner_position(node, "${" + loop[1]) if node is not None else Position(self.path)
                path = " → ".join(f"${{{name}}}" for name in loop)
                self.add(where, f"variable cycle: {path}; a var cannot use itself, directly or "
                         "through other vars (it would be sent as the literal text)")

    def check_self_captures(self, checklist: Checklist, provided: set[str]) -> None:
        """A probe that uses `${x}` which only it captures: its captures exist after it ran."""
        producers: dict[str, set[str]] = {}
        for probe in checklist.probes():
            for name in probe.config.get("capture") or {}:
                producers.setdefault(name, set()).add(probe.id)
        for probe in checklist.probes():
            own = set(probe.config.get("capture") or {})
            for dotted, text in strings_in(probe.config) if own else ():
                for ref in variables.references(text):
                    if (ref.name in own and not ref.has_default and ref.name not in provided
                            and producers.get(ref.name) == {probe.id}):
                        # a loaded probe always has a position; the file itself is the fallback
                        where = probe.positions.get(dotted, probe.position) or Position(self.path)
                        self.add(where, f"probe {probe.id!r} uses ${{{ref.name}}}, which only it captures "
                                 "itself: a probe's captures exist once it has run; capture it in an "
                                 "earlier probe, or give a default (${" + ref.name + ":-value})")
