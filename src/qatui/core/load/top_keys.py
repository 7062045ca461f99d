"""The keys above the sections: notes, settings, secrets and `from_env`."""

from __future__ import annotations

from qatui.core.checklist import Note, Secret, Settings
from qatui.core.load.keys import ENV_NAME, NAME, NOTE_KEYS, NOTE_KINDS, SECRET_KEYS, SETTINGS_KEYS
from qatui.core.load.reader import Reader
from qatui.core.suggest import did_you_mean
from qatui.core.yamlpos import YMap, YNode, YScalar, YSeq, describe


class TopKeyReader(Reader):
    """Reads the small top-level blocks of a checklist."""

    def notes(self, node: YNode | None) -> list[Note]:
        if node is None:
            return []
        if not isinstance(node, YSeq):
            self.add(node.pos, f"'notes': expected a list of notes ({{title, text, kind}}), got {describe(node)}")
            return []
        result = []
        for element in node.items:
            note = self.mapping(element, "a note", NOTE_KEYS)
            if note is None:
                continue
            kind = self.string(note.get("kind"), "kind", default="info")
            if kind not in NOTE_KINDS:
                kind_node = note.get("kind")
                assert kind_node is not None
                self.add(kind_node.pos, f"unknown note kind {kind!r}{did_you_mean(kind, NOTE_KINDS)}; "
                         f"use one of {', '.join(NOTE_KINDS)}")
                kind = "info"
            result.append(Note(
                title=self.req_string(note, "title", "a note"),
                text=self.req_string(note, "text", "a note"),
                kind=kind,
                position=note.pos,
            ))
        return result

    def settings(self, node: YNode | None) -> Settings:
        settings = self.mapping(node, "settings", SETTINGS_KEYS)
        if settings is None:
            return Settings()
        return Settings(
            auto_run_probes=self.boolean(settings.get("auto_run_probes"), "auto_run_probes"),
            jobs=self.integer(settings.get("jobs"), "jobs", 8, minimum=1, maximum=256),
        )

    def secrets(self, node: YNode | None) -> dict[str, Secret]:
        if node is None:
            return {}
        if not isinstance(node, YMap):
            self.add(node.pos, f"'secrets': expected a mapping of names to {{env: VAR}} or {{file: PATH}}, got {describe(node)}")
            return {}
        result = {}
        for name, (name_node, value) in node.entries.items():
            if not NAME.match(name):
                self.add(name_node.pos, f"secret name {name!r} is not a valid variable name")
            spec = self.mapping(value, f"secret {name!r}", SECRET_KEYS)
            if spec is None:
                if value is not None and isinstance(value, YScalar) and value.value is None:
                    self.add(value.pos, f"secret {name!r}: expected {{env: VAR}} or {{file: PATH}}, got nothing")
                continue
            env_name = self.string(spec.get("env"), "env") or None
            file_name = self.string(spec.get("file"), "file") or None
            if (env_name is None) == (file_name is None):
                self.add(spec.pos, f"secret {name!r}: give exactly one of 'env' (a variable name) or 'file' (a path)")
            result[name] = Secret(name=name, env=env_name, file=file_name, position=name_node.pos)
        return result

    def from_env(self, node: YNode | None) -> list[str]:
        """`from_env: [NAME, …]`: the process environment variables the checklist reads.

        A checklist is code from someone else: it reads only what it declares here (or names
        in `secrets:`), and the trust review lists them, so `${AWS_SECRET_ACCESS_KEY}` in a URL
        cannot pick a variable out of the tester's shell unannounced."""
        names = self.string_list(node, "from_env")
        if isinstance(node, YSeq):
            for element, name in zip(node.items, names, strict=False):
                if not ENV_NAME.match(name):
                    self.add(element.pos, f"from_env: {name!r} is not an environment variable name "
                             "(letters, digits and '_', not starting with a digit)")
        return list(dict.fromkeys(names))
