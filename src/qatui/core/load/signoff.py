"""Metrics (a figure per release, from a probe, a capture or typed by hand) and the sign-off.

Both refer to probes and captures by name, so they are read after the sections: the names they
use are known by then and a misspelt one gets a did-you-mean.
"""

from __future__ import annotations

from qatui.core.checklist import Metric, SignoffSpec
from qatui.core.load.keys import METRIC_KEYS, SIGNOFF_KEYS
from qatui.core.load.reader import Reader
from qatui.core.suggest import did_you_mean
from qatui.core.yamlpos import YMap, YNode, YScalar, YSeq, describe


class SignoffReader(Reader):
    """Reads `metrics:` and `signoff:`."""

    def metrics(self, node: YNode | None) -> list[Metric]:
        if node is None:
            return []
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'metrics': expected a list of metrics, got {describe(node)}")
            return []
        result = []
        for element in node.items:
            spec = self.mapping(element, "a metric", METRIC_KEYS)
            if spec is None:
                continue
            metric = Metric(
                id=self.ident(spec, "a metric", "metric"),
                name=self.req_string(spec, "name", "a metric"),
                unit=self.string(spec.get("unit"), "unit", default="ms"),
                probe=self.string(spec.get("probe"), "probe") or None,
                capture=self.string(spec.get("capture"), "capture") or None,
                threshold=self.number(spec.get("threshold"), "threshold", None),
                notes=self.string(spec.get("notes"), "notes"),
                position=spec.pos,
            )
            if metric.probe and metric.capture:
                self.add(spec.key_pos("capture"), f"metric {metric.id!r}: give 'probe' or 'capture', not both")
            metric.source = "probe" if metric.probe else "capture" if metric.capture else "manual"
            probe_ids = self.ids["probe"]
            if metric.probe and metric.probe not in probe_ids:
                self.add(spec.key_pos("probe"), f"metric {metric.id!r}: no probe has id {metric.probe!r}"
                         f"{did_you_mean(metric.probe, probe_ids)}")
            if metric.capture and metric.capture not in self.capture_names:
                self.add(spec.key_pos("capture"), f"metric {metric.id!r}: no probe captures {metric.capture!r}"
                         f"{did_you_mean(metric.capture, self.capture_names)}")
            result.append(metric)
        return result

    def signoff(self, node: YNode | None) -> SignoffSpec:
        spec = self.mapping(node, "signoff", SIGNOFF_KEYS)
        if spec is None:
            return SignoffSpec()
        result = SignoffSpec(
            meaning=self.string(spec.get("meaning"), "meaning", default=SignoffSpec.meaning),
            roles=self.string_list(spec.get("roles"), "roles"),
            require_critical_passed=self.boolean(spec.get("require_critical_passed"), "require_critical_passed", True),
            facts=self.string_map(spec.get("facts"), "facts"),
        )
        facts = spec.get("facts")
        if isinstance(facts, YMap):
            for label, (_, value) in facts.entries.items():
                name = result.facts.get(label)
                if name and name not in self.capture_names and isinstance(value, YScalar):
                    self.add(value.pos, f"fact {label!r}: no probe captures {name!r}"
                             f"{did_you_mean(name, self.capture_names)}")
        return result
