"""Environments (label, vars, compose, docker host, log overrides) and log sources.

Log sources are read here for both places they are declared: the top-level `logs:` and an
environment's `logs:` (which replaces top-level sources by name; `cross_checks.py` checks the
names once the whole file is read).
"""

from __future__ import annotations

from qatui.core.checklist import Compose, Environment, LogSourceSpec
from qatui.core.errors import Position
from qatui.core.load.keys import COMPOSE_KEYS, ENV_KEYS, ID, LOG_KEYS, LOG_KINDS
from qatui.core.load.reader import Reader
from qatui.core.yamlpos import YMap, YNode, YScalar, YSeq, describe


class EnvironmentReader(Reader):
    """Reads `environments:` and `logs:`."""

    def environments(self, node: YNode | None) -> dict[str, Environment]:
        if node is None:
            return {}
        if not isinstance(node, YMap):
            self.add(node.pos, f"'environments': expected a mapping of keys to environments, got {describe(node)}")
            return {}
        result = {}
        first_default: tuple[str, Position] | None = None
        for key, (key_node, value) in node.entries.items():
            if not ID.match(key):
                self.add(key_node.pos, f"environment key {key!r} may only contain letters, digits, '.', '_' and '-'")
            spec = self.mapping(value, f"environment {key!r}", ENV_KEYS)
            if spec is None:
                if isinstance(value, YScalar) and value.value is None:
                    self.add(value.pos, f"environment {key!r}: expected a mapping (label, vars, …), got nothing")
                continue
            environment = Environment(
                key=key,
                label=self.string(spec.get("label"), "label") or key,
                vars=self.string_map(spec.get("vars"), "vars", templated=True, names=True),
                compose=self.compose(spec.get("compose")),
                docker_host=self.string(spec.get("docker_host"), "docker_host", templated=True) or None,
                protected=self.boolean(spec.get("protected"), "protected"),
                default=self.boolean(spec.get("default"), "default"),
                logs=self.log_sources(spec.get("logs")),
                position=key_node.pos,
            )
            logs_node = spec.get("logs")
            if isinstance(logs_node, YMap):
                for name, (name_node, _) in logs_node.entries.items():
                    self.env_log_overrides.append((key, name, name_node))
            if environment.default:
                if first_default is None:
                    first_default = (key, spec.key_pos("default"))
                else:
                    first_key, first_pos = first_default
                    self.add(spec.key_pos("default"), f"more than one default environment: {key!r} and "
                             f"{first_key!r} (line {first_pos.line}:{first_pos.column})")
            result[key] = environment
        return result

    def compose(self, node: YNode | None) -> Compose:
        spec = self.mapping(node, "compose", COMPOSE_KEYS)
        if spec is None:
            return Compose()
        files_node = spec.get("files")
        if isinstance(files_node, YScalar) and isinstance(files_node.value, str):
            self.templated.append(files_node)
            files = [files_node.value]
        else:
            files = self.string_list(files_node, "files", templated=True)
        return Compose(
            project=self.string(spec.get("project"), "project", templated=True) or None,
            files=files,
            directory=self.string(spec.get("directory"), "directory", templated=True) or None,
        )

    def log_sources(self, node: YNode | None) -> dict[str, LogSourceSpec]:
        if node is None:
            return {}
        if not isinstance(node, YMap):
            self.add(node.pos, f"'logs': expected a mapping of names to log sources, got {describe(node)}")
            return {}
        result = {}
        for name, (name_node, value) in node.entries.items():
            if not ID.match(name):
                self.add(name_node.pos, f"log source name {name!r} may only contain letters, digits, '.', '_' and '-'")
            spec = self.mapping(value, f"log source {name!r}", LOG_KEYS)
            if spec is None:
                continue
            kinds = [kind for kind in LOG_KINDS if kind in spec.entries]
            if len(kinds) != 1:
                found = " and ".join(repr(k) for k in kinds) if kinds else "none"
                self.add(spec.pos, f"log source {name!r}: give exactly one of 'service', 'container', "
                         f"'file' or 'command' (found {found})")
            kind = kinds[0] if kinds else "service"
            target = self.string(spec.get(kind), kind, templated=True)
            if kinds and not target.strip() and isinstance(spec.get(kind), YScalar):
                self.add(spec.key_pos(kind), f"log source {name!r}: {kind!r} must not be empty")
            errors_node = spec.get("errors")
            errors: list[str] | None = None
            if errors_node is not None:
                errors = []
                if isinstance(errors_node, YSeq):
                    for element in errors_node.items:
                        pattern = self.regex(element, "errors")
                        if pattern:
                            errors.append(pattern)
                else:
                    self.add(errors_node.pos, f"'errors': expected a list of regular expressions, got {describe(errors_node)}")
            result[name] = LogSourceSpec(
                name=name,
                kind=kind,
                target=target,
                tail=self.integer(spec.get("tail"), "tail", 100, minimum=0),
                errors=errors,
                project=self.string(spec.get("project"), "project", templated=True) or None,
                position=name_node.pos,
            )
        return result
