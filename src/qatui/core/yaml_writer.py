"""Write a `Checklist` back as YAML in the documented format (`docs/checklist-format.md`).

Used by `qatui import` to turn a Markdown checklist into a file people then edit by hand, so
the output is written for a reader: block style, keys in the order the format documents them,
multi-line text as `|` literal blocks, short lists (`logs`, `tags`, compose `files`) and small
rules (log sources, captures) on one line, and nothing that merely repeats a default (an item's
`location` equal to its section's, a probe's default timeout). A probe's keys are written in the
order its kind's `SCHEMA` declares (`core/probes/`), the common ones after them.

The contract: `load_checklist(file with dump_checklist(c))` gives back `c`, apart from what only
exists once a file is read (path, content hash, positions) and `initial_status`, which is a
result rather than part of a checklist (the writer lists those ids in a comment instead).
"""

from __future__ import annotations

from typing import Any

import yaml

from qatui.core.checklist import (
    Checklist,
    Environment,
    Item,
    LogSourceSpec,
    Metric,
    Note,
    ProbeSpec,
    Section,
    SignoffSpec,
)
from qatui.core.probes import kinds
from qatui.core.probes.schema import CONFIG_COMMON, DEFAULT_TIMEOUT


class _Flow(list[Any]):
    """A list written on one line: `[web, huey]`."""


class _FlowMap(dict[str, Any]):
    """A mapping written on one line: `{json: token, secret: true}`."""


class _Dumper(yaml.SafeDumper):
    """Block style, keys in insertion order, literal blocks for multi-line strings."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # indent list items under their key ("items:\n  - id: …"), as the documentation does
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _flow_list(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


def _flow_map(dumper: yaml.SafeDumper, value: _FlowMap) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


def _dict(dumper: yaml.SafeDumper, value: dict[str, Any]) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items())


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, _flow_list)
_Dumper.add_representer(_FlowMap, _flow_map)
_Dumper.add_representer(dict, _dict)


def _flow_ok(values: list[Any]) -> bool:
    return all(isinstance(v, str) and "\n" not in v for v in values) and sum(len(str(v)) for v in values) < 60


def _short_list(values: list[str]) -> list[str]:
    return _Flow(values) if _flow_ok(values) else list(values)


def _short_map(value: dict[str, Any]) -> dict[str, Any]:
    simple = all(isinstance(v, (str, int, float, bool)) and "\n" not in str(v) for v in value.values())
    if simple and sum(len(str(k)) + len(str(v)) for k, v in value.items()) < 60:
        return _FlowMap(value)
    return dict(value)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# --------------------------------------------------------------------------- parts


def _note(note: Note) -> dict[str, Any]:
    data: dict[str, Any] = {"title": note.title}
    if note.kind != "info":
        data["kind"] = note.kind
    data["text"] = note.text
    return data


def _environment(env: Environment) -> dict[str, Any]:
    data: dict[str, Any] = {"label": env.label}
    if env.default:
        data["default"] = True
    if env.protected:
        data["protected"] = True
    if env.vars:
        data["vars"] = dict(env.vars)
    compose: dict[str, Any] = {}
    if env.compose.project:
        compose["project"] = env.compose.project
    if env.compose.files:
        compose["files"] = _short_list(env.compose.files)
    if env.compose.directory:
        compose["directory"] = env.compose.directory
    if compose:
        data["compose"] = compose
    if env.docker_host:
        data["docker_host"] = env.docker_host
    if env.logs:
        data["logs"] = {name: _log_source(source) for name, source in env.logs.items()}
    return data


def _log_source(source: LogSourceSpec) -> dict[str, Any]:
    data: dict[str, Any] = {source.kind: source.target}
    if source.tail != 100:
        data["tail"] = source.tail
    if source.errors is not None:
        data["errors"] = list(source.errors)
    if source.project:
        data["project"] = source.project
    return _short_map(data) if source.errors is None else data


def _probe(probe: ProbeSpec, item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {"id": probe.id, "kind": probe.kind}
    if probe.name:
        data["name"] = probe.name
    config = dict(probe.config)
    schema = kinds.schema(probe.kind) if probe.kind in kinds.KINDS else None
    order = schema.keys if schema is not None else ()
    inline = schema.inline if schema is not None else ()
    for key in (*order, *CONFIG_COMMON):
        if key in config:
            data[key] = _probe_value(key, config.pop(key), inline)
    data.update(config)  # keys a newer loader knows and this writer does not order
    if probe.timeout != DEFAULT_TIMEOUT:
        data["timeout"] = _number(probe.timeout)
    if probe.destructive_always and not item.destructive_always:
        data["destructive"] = "always"
    elif probe.destructive and not item.destructive:
        data["destructive"] = True
    if probe.only_env:
        data["only_env"] = list(probe.only_env)
    return data


def _probe_value(key: str, value: Any, inline: tuple[str, ...]) -> Any:
    if key == "capture" and isinstance(value, dict):
        return {name: _short_map(rule) if isinstance(rule, dict) else rule for name, rule in value.items()}
    if key == "expect" and isinstance(value, dict):
        expect = dict(value)
        if isinstance(expect.get("json"), dict):
            expect["json"] = {
                path: _short_map(m) if isinstance(m, dict) else m for path, m in expect["json"].items()
            }
        return expect
    if (key == "retry" or key in inline) and isinstance(value, dict):
        return _short_map(value)
    return value


def _item(item: Item, section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id, "title": item.title}
    if item.steps:
        data["steps"] = list(item.steps)
    for key, own, default in (
        ("location", item.location, section.location),
        ("expected", item.expected, section.expected),
        ("if_fails", item.if_fails, section.if_fails),
    ):
        if own != default:
            data[key] = own
    if item.notes:
        data["notes"] = item.notes
    if item.tags:
        data["tags"] = _short_list(item.tags)
    if item.logs != section.logs:
        data["logs"] = _short_list(item.logs)
    if item.destructive:
        data["destructive"] = "always" if item.destructive_always else True
    if item.probes:
        data["probes"] = [_probe(p, item) for p in item.probes]
    return data


def _section(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"id": section.id, "title": section.title, "priority": section.priority.value}
    for key in ("description", "location", "expected", "if_fails"):
        value = getattr(section, key)
        if value:
            data[key] = value
    if section.logs:
        data["logs"] = _short_list(section.logs)
    data["items"] = [_item(item, section) for item in section.items]
    return data


def _metric(metric: Metric) -> dict[str, Any]:
    data: dict[str, Any] = {"id": metric.id, "name": metric.name}
    if metric.unit != "ms":
        data["unit"] = metric.unit
    if metric.probe:
        data["probe"] = metric.probe
    if metric.capture:
        data["capture"] = metric.capture
    if metric.threshold is not None:
        data["threshold"] = _number(metric.threshold)
    if metric.notes:
        data["notes"] = metric.notes
    return data


def _signoff(signoff: SignoffSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"meaning": signoff.meaning}
    if signoff.roles:
        data["roles"] = _short_list(signoff.roles)
    if not signoff.require_critical_passed:
        data["require_critical_passed"] = False
    if signoff.facts:
        data["facts"] = dict(signoff.facts)
    return data


# --------------------------------------------------------------------------- the document


def checklist_data(checklist: Checklist) -> dict[str, Any]:
    """The checklist as plain, ordered data (what `dump_checklist` writes)."""
    data: dict[str, Any] = {"qatui": checklist.format_version, "title": checklist.title}
    if checklist.version:
        data["version"] = checklist.version
    if checklist.description:
        data["description"] = checklist.description
    if checklist.notes:
        data["notes"] = [_note(n) for n in checklist.notes]
    settings = checklist.settings
    if settings.auto_run_probes or settings.jobs != 8:
        data["settings"] = {"auto_run_probes": settings.auto_run_probes, "jobs": settings.jobs}
    if checklist.vars:
        data["vars"] = dict(checklist.vars)
    if checklist.secrets:
        data["secrets"] = {
            name: _FlowMap({"env": s.env} if s.env else {"file": s.file or ""})
            for name, s in checklist.secrets.items()
        }
    if checklist.from_env:
        data["from_env"] = _short_list(list(checklist.from_env))
    if checklist.environments:
        data["environments"] = {key: _environment(env) for key, env in checklist.environments.items()}
    if checklist.logs:
        data["logs"] = {name: _log_source(source) for name, source in checklist.logs.items()}
    data["sections"] = [_section(s) for s in checklist.sections]
    if checklist.metrics:
        data["metrics"] = [_metric(m) for m in checklist.metrics]
    if checklist.signoff != SignoffSpec():
        data["signoff"] = _signoff(checklist.signoff)
    return data


def dump_checklist(checklist: Checklist, *, header: str = "") -> str:
    """The checklist as YAML text; `header` (plain text) is written above it as comments."""
    lines: list[str] = []
    for line in header.splitlines():
        lines.append(f"# {line}".rstrip())
    if checklist.initial_status:
        lines.append("# Already ticked in the source (a result, so not part of this checklist):")
        for item_id, status in checklist.initial_status.items():
            lines.append(f"#   {item_id}: {status}")
    body = yaml.dump(
        checklist_data(checklist),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    prefix = "\n".join(lines)
    return f"{prefix}\n{body}" if prefix else body
