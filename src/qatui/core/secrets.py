"""Secrets: read at run time, masked everywhere they could be shown, never recorded.

A `Masker` knows the values of every secret (and of captures marked secret) and replaces them
in any text on its way to the screen, a record, a report or an error message. Masking happens
at the edges where text leaves the core, and once more when the record is written, so one
forgotten call is not a leak.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from qatui.core.checklist import Secret
from qatui.core.errors import QatuiError

MASK = "••••••"
_MIN_LEN = 3  # a one-letter "secret" would mask every occurrence of that letter


class SecretUnavailable(QatuiError):
    title = "Secret not available"


class Masker:
    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._ordered: list[str] = []
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        if value and len(value) >= _MIN_LEN:
            self._values.add(value)
            self._ordered = sorted(self._values, key=len, reverse=True)

    def mask(self, text: str) -> str:
        if not self._values or not text:
            return text
        for value in self._ordered:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def __contains__(self, value: str) -> bool:
        return value in self._values

    def __bool__(self) -> bool:
        return bool(self._values)


def read_secret(secret: Secret, env: Mapping[str, str] | None = None) -> str | None:
    """The secret's value, or None when its variable is unset / its file missing."""
    env = os.environ if env is None else env
    if secret.env:
        return env.get(secret.env)
    if secret.file:
        path = Path(os.path.expanduser(secret.file))
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise SecretUnavailable(f"cannot read secret {secret.name!r} from {path}: {error.strerror}") from None
    return None


def read_secrets(
    secrets: Mapping[str, Secret], env: Mapping[str, str] | None = None
) -> tuple[dict[str, str], Masker]:
    """Values of every secret that is available, and a masker that hides them."""
    values: dict[str, str] = {}
    for name, secret in secrets.items():
        value = read_secret(secret, env)
        if value is not None:
            values[name] = value
    return values, Masker(values.values())
