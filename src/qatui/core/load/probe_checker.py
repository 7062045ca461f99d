"""One probe's keys: the kind's own (through its `SCHEMA.check`), and what every kind shares:
`retry`/`until`, `expect` and `capture`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qatui.core.load.keys import (
    HEADER_MATCHER_KEYS,
    JSON_TYPES,
    MATCHER_KEYS,
    MAX_RETRY_COUNT,
    MAX_RETRY_INTERVAL,
    MAX_UNTIL,
    NAME,
    STATUS_CLASS,
    STATUS_RANGE,
)
from qatui.core.load.positions import shown, string_scalars
from qatui.core.suggest import did_you_mean
from qatui.core.yamlpos import YMap, YNode, YScalar, YSeq, describe, to_python

if TYPE_CHECKING:
    from qatui.core.load.reader import Reader
    from qatui.core.probes.schema import KindSchema


class ProbeChecker:
    """Validates one probe's keys and returns its `config`.

    The kind-specific keys are checked by the kind's own `SCHEMA.check(checker)` (in its
    module); this class gives it the helpers (`text`, `string_map`, `one_of`, `command_line`,
    `port`) and checks what every kind shares: `retry`/`until`, `expect`, `capture`.
    """

    def __init__(self, validator: Reader, node: YMap, schema: KindSchema) -> None:
        self.v = validator
        self.node = node
        self.schema = schema
        self.kind = schema.name
        self.what = f"{self.kind} probe"
        self.config: dict[str, Any] = {}

    def run(self) -> dict[str, Any]:
        self.schema.check(self)
        self._retry()
        expect = self.node.get("expect")
        if expect is not None:
            self.config["expect"] = self._expect(expect)
        capture = self.node.get("capture")
        if capture is not None:
            self.config["capture"] = self._capture(capture)
        return self.config

    # -- helpers for the kinds' checks --

    def text(self, key: str, *, required: bool = False, templated: bool = True) -> None:
        node = self.node.get(key)
        if required and node is None:
            self.v.add(self.node.pos, f"{self.what}: missing required key {key!r}")
            return
        if node is not None:
            value = self.v.string(node, key, templated=templated)
            if required and not value.strip() and isinstance(node, YScalar):
                self.v.add(node.pos, f"{self.what}: {key!r} must not be empty")
            self.config[key] = value

    def string_map(self, key: str) -> None:
        node = self.node.get(key)
        if node is not None:
            self.config[key] = self.v.string_map(node, key, templated=True)

    def one_of(self, keys: tuple[str, ...], *, required: bool) -> str | None:
        present = [key for key in keys if key in self.node.entries]
        names = " or ".join(repr(k) for k in keys)
        if len(present) > 1:
            self.v.add(self.node.key_pos(present[1]), f"{self.what}: give only one of {names}")
        elif not present and required:
            self.v.add(self.node.pos, f"{self.what}: missing {names}")
        return present[0] if present else None

    def command_line(self) -> None:
        which = self.one_of(("run", "argv"), required=True)
        if which == "run":
            self.text("run", required=True)
        elif which == "argv":
            argv = self.v.string_list(self.node.get("argv"), "argv", templated=True)
            if not argv and isinstance(self.node.get("argv"), YSeq):
                self.v.add(self.node.key_pos("argv"), f"{self.what}: 'argv' must not be empty")
            self.config["argv"] = argv

    def port(self, *, required: bool = True) -> None:
        """`port`: 1–65535 or a `${variable}` (checked again once expanded, by the runner)."""
        port = self.node.get("port")
        if port is None:
            if required:
                self.v.add(self.node.pos, f"{self.what}: missing required key 'port'")
        elif isinstance(port, YScalar) and isinstance(port.value, int) and not isinstance(port.value, bool):
            if not 1 <= port.value <= 65535:
                self.v.add(port.pos, f"'port': must be between 1 and 65535, got {port.value}")
            self.config["port"] = port.value
        elif isinstance(port, YScalar) and isinstance(port.value, str) and "${" in port.value:
            self.v.templated.append(port)
            self.config["port"] = port.value
        else:
            self.v.add(port.pos, f"'port': expected a port number (or a ${{variable}}), got {describe(port)}")

    def templated(self, node: YNode | None) -> Any:
        """A free-form value (JSON body, message): its strings are checked for `${…}`."""
        self.v.templated.extend(string_scalars(node))
        return to_python(node)

    def _retry(self) -> None:
        retry = self.node.get("retry")
        until = self.node.get("until")
        if retry is not None and until is not None:
            self.v.add(self.node.key_pos("until"), f"{self.what}: give 'retry' or 'until', not both")
        if retry is not None:
            spec = self.v.mapping(retry, "retry", ("count", "interval"))
            if spec is not None:
                self.config["retry"] = {
                    "count": self.v.integer(spec.get("count"), "count", 3, minimum=1, maximum=MAX_RETRY_COUNT),
                    "interval": self.v.number(spec.get("interval"), "interval", 1.0, maximum=MAX_RETRY_INTERVAL),
                }
        if until is not None:
            self.config["until"] = self.v.number(until, "until", None, positive=True, maximum=MAX_UNTIL)

    # -- expect --

    def _expect(self, node: YNode) -> dict[str, Any]:
        keys = self.schema.expect
        if not keys:
            self.v.add(node.pos, f"a {self.kind} probe takes no 'expect'")
            return {}
        spec = self.v.mapping(node, f"the 'expect' of this {self.kind} probe", keys)
        if spec is None:
            return {}
        result: dict[str, Any] = {}
        for key, (_, value) in spec.entries.items():
            if key not in keys:
                continue
            if key in self.schema.expect_parsers:
                result[key] = self.schema.expect_parsers[key](self, key, value)
            elif key == "max_ms":
                result[key] = self.v.number(value, "max_ms", None, positive=True)
            elif key == "exit_code":
                result[key] = self.v.integer(value, "exit_code", 0, minimum=0, maximum=255)
            elif key == "status":
                result[key] = self._status(value)
            elif key == "headers":
                result[key] = self._header_matchers(value)
            elif key == "json":
                result[key] = self._json_matchers(value)
            elif key in ("messages", "ignore"):  # `ignore`: messages to pass over (heartbeats)
                result[key] = self._messages(value)
            else:  # *_contains, *_matches: one string or a list of them
                result[key] = self.texts(value, key, regex=key.endswith("_matches"))
        return result

    def texts(self, node: YNode, key: str, *, regex: bool) -> str | list[str] | None:
        if isinstance(node, YSeq):
            if regex:
                return [pattern for element in node.items if (pattern := self.v.regex(element, key)) is not None]
            return self.v.string_list(node, key, templated=True)
        if regex:
            return self.v.regex(node, key)
        if isinstance(node, YScalar) and node.value is not None and not isinstance(node.value, bool):
            return self.v.string(node, key, templated=True)
        self.v.add(node.pos, f"{key!r}: expected a string or a list of strings, got {describe(node)}")
        return None

    def _status(self, node: YNode) -> Any:
        def one(element: YNode) -> Any:
            if isinstance(element, YScalar):
                value = element.value
                if isinstance(value, int) and not isinstance(value, bool):
                    if 100 <= value <= 599:
                        return value
                elif isinstance(value, str):
                    text = value.strip()
                    if text.isdigit() and 100 <= int(text) <= 599:
                        return int(text)
                    if STATUS_CLASS.match(text):
                        return text.lower()
                    match = STATUS_RANGE.match(text)
                    if match and int(match.group(1)) <= int(match.group(2)):
                        return f"{match.group(1)}-{match.group(2)}"
            self.v.add(element.pos, "'status': expected a status code such as 200, a list of codes, "
                       f"\"2xx\" or \"200-299\", got {shown(element)}")
            return None

        if isinstance(node, YSeq):
            return [one(element) for element in node.items]
        return one(node)

    def _json_matchers(self, node: YNode) -> dict[str, Any]:
        if not isinstance(node, YMap):
            self.v.add(node.pos, f"'expect.json': expected a mapping of JSON paths to matchers, got {describe(node)}")
            return {}
        result = {}
        for path, (path_node, value) in node.entries.items():
            self._json_path(path, path_node)
            result[path] = self._matcher(value)
        return result

    def _header_matchers(self, node: YNode) -> dict[str, Any]:
        """`expect.headers`: name → exact text, or one of {equals|contains|matches|exists}."""
        if isinstance(node, YScalar) and node.value is None:
            return {}
        if not isinstance(node, YMap):
            self.v.add(node.pos, f"'expect.headers': expected a mapping of header names to values, got {describe(node)}")
            return {}
        result: dict[str, Any] = {}
        for name, (_, value) in node.entries.items():
            if not isinstance(value, YMap):
                result[name] = self.v.string(value, f"expect.headers.{name}", templated=True)
                continue
            spec = self.v.mapping(value, "a header matcher", HEADER_MATCHER_KEYS)
            assert spec is not None
            if len(spec.entries) != 1:
                self.v.add(spec.pos, f"a header matcher takes exactly one of {', '.join(HEADER_MATCHER_KEYS)}")
            for op, (_, want) in spec.entries.items():
                if op == "exists":
                    result[name] = {op: self.v.boolean(want, "exists", True)}
                elif op == "matches":
                    result[name] = {op: self.v.regex(want, "matches")}
                elif op in ("equals", "contains"):
                    result[name] = {op: self.v.string(want, op, templated=True)}
        return result

    def _json_path(self, path: str, node: YScalar) -> None:
        body = path[1:] if path.startswith("$") else path
        body = body[1:] if body.startswith(".") else body
        if path != "$" and (not body or any(part == "" for part in body.split("."))):
            self.v.add(node.pos, f"invalid JSON path {path!r}: use dotted names and indexes such as 'results.0.sku'")

    def _matcher(self, node: YNode) -> Any:
        if isinstance(node, YMap):
            spec = self.v.mapping(node, "a JSON matcher", MATCHER_KEYS)
            assert spec is not None
            if len(spec.entries) != 1:
                self.v.add(spec.pos, "a JSON matcher takes exactly one of "
                           f"{', '.join(MATCHER_KEYS)} (to compare with an object, use {{equals: {{…}}}})")
            result: dict[str, Any] = {}
            for key, (_, value) in spec.entries.items():
                if key == "exists":
                    result[key] = self.v.boolean(value, "exists", True)
                elif key == "matches":
                    result[key] = self.v.regex(value, "matches")
                elif key == "type":
                    kind = self.v.string(value, "type")
                    if kind not in JSON_TYPES:
                        self.v.add(value.pos, f"unknown JSON type {kind!r}{did_you_mean(kind, JSON_TYPES)}; "
                                   f"use one of {', '.join(JSON_TYPES)}")
                    result[key] = kind
                elif key in ("equals", "contains"):
                    self.v.templated.extend(string_scalars(value))
                    result[key] = to_python(value)
            return result
        self.v.templated.extend(string_scalars(node))
        return to_python(node)

    def _messages(self, node: YNode) -> list[Any]:
        if not isinstance(node, YSeq):
            self.v.add(node.pos, f"'messages': expected a list of {{json: …}} or {{regex: …}}, got {describe(node)}")
            return []
        result: list[Any] = []
        for element in node.items:
            spec = self.v.mapping(element, "an expected message", ("json", "regex"))
            if spec is None:
                continue
            if len(spec.entries) != 1:
                self.v.add(spec.pos, "an expected message takes exactly one of 'json' or 'regex'")
            if "regex" in spec.entries:
                result.append({"regex": self.v.regex(spec.get("regex"), "regex")})
            elif "json" in spec.entries:
                self.v.templated.extend(string_scalars(spec.get("json")))
                result.append({"json": to_python(spec.get("json"))})
        return result

    # -- capture --

    def _capture(self, node: YNode) -> dict[str, Any]:
        rules = self.schema.capture
        if not rules:
            self.v.add(node.pos, f"a {self.kind} probe takes no 'capture'")
            return {}
        if not isinstance(node, YMap):
            self.v.add(node.pos, f"'capture': expected a mapping of variable names to rules, got {describe(node)}")
            return {}
        result = {}
        allowed = (*rules, "secret", *self.schema.capture_options)
        for name, (name_node, value) in node.entries.items():
            if not NAME.match(name):
                self.v.add(name_node.pos, f"capture name {name!r} is not a valid variable name")
            spec = self.v.mapping(value, f"capture {name!r}", allowed)
            if spec is None:
                continue
            present = [rule for rule in rules if rule in spec.entries]
            misspelt = not present and any(key not in allowed for key in spec.entries)
            if len(present) != 1 and not misspelt:  # a misspelt rule is already one problem
                self.v.add(spec.pos, f"capture {name!r}: give exactly one of {', '.join(repr(r) for r in rules)}")
            rule: dict[str, Any] = {}
            for key in present:
                if key == "regex":
                    rule[key] = self.v.regex(spec.get(key), "regex")
                else:
                    rule[key] = self.v.string(spec.get(key), key)
                    if key == "json":
                        path_node = spec.get(key)
                        if isinstance(path_node, YScalar):
                            self._json_path(rule[key], path_node)
            if "stream" in spec.entries:
                stream = self.v.string(spec.get("stream"), "stream")
                if stream not in ("stdout", "stderr", "both"):
                    self.v.add(spec.entries["stream"][1].pos, f"'stream': expected stdout, stderr or both, got {stream!r}")
                rule["stream"] = stream
            if "secret" in spec.entries:
                rule["secret"] = self.v.boolean(spec.get("secret"), "secret")
            result[name] = rule
            self.v.capture_names.setdefault(name, name_node.pos)
        return result
