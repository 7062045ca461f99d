"""Every key the checklist format allows, its name patterns and its limits, in one place.

The format is documented in docs/checklist-format.md; a test checks that the document names
every key in these tables (tests/unit/test_loader_valid.py). A probe kind's own keys are not
here: each kind declares them in its module (`SCHEMA`, `core/probes/schema.py`).
"""

from __future__ import annotations

import re

from qatui.core.probes.schema import COMMON_KEYS

FORMAT_VERSION = 1

TOP_KEYS = ("qatui", "title", "version", "description", "notes", "settings", "vars", "secrets", "from_env",
            "environments", "logs", "sections", "metrics", "signoff", "assign")
NOTE_KEYS = ("title", "text", "kind")
NOTE_KINDS = ("info", "config", "known-issues", "rollback", "monitoring")
SETTINGS_KEYS = ("auto_run_probes", "jobs")
SECRET_KEYS = ("env", "file")
ENV_KEYS = ("label", "default", "protected", "vars", "compose", "docker_host", "logs")
COMPOSE_KEYS = ("project", "files", "directory")
LOG_KINDS = ("service", "container", "file", "command")
LOG_KEYS = (*LOG_KINDS, "tail", "errors", "project")
SECTION_KEYS = ("id", "title", "priority", "description", "location", "expected", "if_fails",
                "logs", "items")
ITEM_KEYS = ("id", "title", "steps", "location", "expected", "if_fails", "notes", "tags", "logs",
             "probes", "destructive")
METRIC_KEYS = ("id", "name", "unit", "probe", "capture", "threshold", "notes")
SIGNOFF_KEYS = ("meaning", "roles", "require_critical_passed", "facts")

#: Keys every probe takes; each kind's own keys, expectations and captures are declared in its
#: module (`SCHEMA`, see `core/probes/schema.py`), found through the registry `core/probes/kinds.py`.
PROBE_COMMON = COMMON_KEYS
MATCHER_KEYS = ("equals", "exists", "contains", "matches", "type")
HEADER_MATCHER_KEYS = ("equals", "exists", "contains", "matches")
JSON_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
VAR_IN_PATTERN = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_.]*(?::?-[^}]*)?\}")
#: Upper limits that keep every probe finite (docs/checklist-format.md, "Limits"). A manual
#: release check waits minutes for a deploy, not days: `retry.count: 1000000000` or
#: `until: 86400` validated and then never ended.
MAX_TIMEOUT = 3600.0
MAX_RETRY_COUNT = 100
MAX_RETRY_INTERVAL = 300.0
MAX_UNTIL = 3600.0
#: A probe's retries, all told: count × (timeout + interval).
MAX_RETRY_TOTAL = 3600.0
STATUS_CLASS = re.compile(r"^[1-5]xx$", re.IGNORECASE)
STATUS_RANGE = re.compile(r"^([1-5]\d\d)\s*-\s*([1-5]\d\d)$")
