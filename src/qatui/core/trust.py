"""Which checklists this user has trusted to run commands, by path and content hash.

A checklist is code: its command and exec probes run programs, and it may come from a pull
request or a colleague. Like direnv's `allow`, trust is given to one file *as it is now*:
the store maps the file's absolute path to the sha256 of its bytes, so an edited checklist
must be trusted again. The store lives in the XDG data folder
(`$XDG_DATA_HOME/qatui/trusted.json`, else `~/.local/share/qatui/trusted.json`) and is written
atomically (temp file + rename), so a crash never leaves it half-written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from qatui.core.checklist import Checklist
from qatui.core.errors import QatuiError


class TrustStoreError(QatuiError):
    title = "Trust store problem"


def store_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".local", "share")
    return Path(base) / "qatui" / "trusted.json"


def _key(checklist: Checklist) -> str:
    return str(Path(checklist.path).resolve())


def content_hash(checklist: Checklist) -> str:
    """The checklist's hash as loaded, else the hash of the file on disk now."""
    if checklist.content_hash:
        return checklist.content_hash
    try:
        return hashlib.sha256(Path(checklist.path).read_bytes()).hexdigest()
    except OSError:
        return ""


def _load(env: Mapping[str, str] | None) -> dict[str, str]:
    path = store_path(env)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # an unreadable store trusts nothing; `qatui trust` rewrites it
    trusted = data.get("trusted", {}) if isinstance(data, dict) else {}
    return {str(k): str(v) for k, v in trusted.items()} if isinstance(trusted, dict) else {}


def _save(entries: dict[str, str], env: Mapping[str, str] | None) -> None:
    path = store_path(env)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".trusted-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "trusted": entries}, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)
        raise TrustStoreError(f"cannot write {path}: {error.strerror or error}") from None


def is_trusted(checklist: Checklist, env: Mapping[str, str] | None = None) -> bool:
    """True when this exact file content at this path was trusted."""
    digest = content_hash(checklist)
    return bool(digest) and _load(env).get(_key(checklist)) == digest


def changed_since_trusted(checklist: Checklist, env: Mapping[str, str] | None = None) -> bool:
    """True when this path was trusted with other content: the file was edited since."""
    known = _load(env).get(_key(checklist))
    return known is not None and known != content_hash(checklist)


def trust(checklist: Checklist, env: Mapping[str, str] | None = None) -> None:
    digest = content_hash(checklist)
    if not digest:
        raise TrustStoreError(f"cannot read {checklist.path} to trust it")
    entries = _load(env)
    entries[_key(checklist)] = digest
    _save(entries, env)


def revoke(checklist: Checklist, env: Mapping[str, str] | None = None) -> bool:
    """Forget the checklist; True when it was in the store."""
    entries = _load(env)
    if entries.pop(_key(checklist), None) is None:
        return False
    _save(entries, env)
    return True


def needs_trust(checklist: Checklist) -> bool:
    """Whether the checklist runs code: command or exec probes, or command log sources."""
    return any(probe.runs_code for probe in checklist.probes()) or any(
        source.kind == "command" for source in checklist.logs.values()
    )

