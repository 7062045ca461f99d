"""Secrets: read at run time, masked everywhere they could be shown, never recorded.

A `Masker` knows the values of every secret (and of captures marked secret) and replaces them
in any text on its way to the screen, a record, a report or an error message. Masking happens
at the edges where text leaves the core, and once more when the record is written, so one
forgotten call is not a leak.

A secret rarely comes back as it was sent. A server echoes it JSON-escaped (`\\"`, `\\\\`,
`\\/`, `\\u00e9`), in a URL (`%22`, `%c3%a9`, `+` for a space), HTML-escaped (`&quot;`,
`&#34;`, `&#x22;`), or inside base64 (`Authorization: Basic` is base64 of `user:password`).
So the masker matches *by value in every encoding*: each character of a secret is matched in
any of the forms those encoders give it, so a mix (a JSON string holding a URL) is caught too;
and base64 is matched at each of the three byte alignments, so the password inside
`base64(user:password)` is found whatever the user name. Only whole values are matched: a text
cut in the middle of a secret must be masked *before* it is cut (`mask_then_cut`); as a second
line of defence, the start of a secret just before qatui's cut mark `…` (and its end just
after one) is masked too, so a cut made before masking shows at most one character.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from qatui.core.checklist import Secret
from qatui.core.errors import QatuiError

MASK = "••••••"
_MIN_LEN = 3  # a one-letter "secret" would mask every occurrence of that letter
_MIN_B64 = 4  # shortest base64 run worth masking (3 bytes of the secret)
_EDGE = 2  # shortest piece of a secret masked at a cut mark
_EDGE_MAX = 200  # longest piece looked for there (the regex nests one group per character)
#: What a cut can leave of one encoded character: `%2` or `%` before the cut, `\\u00`, `&#x4`.
_PARTIAL_END = (
    r"(?:\\+u[dD][89abAB][0-9A-Fa-f]{2}|(?:%[0-9A-Fa-f]{2}){1,3})?"  # half a pair, part of UTF-8
    r"(?:%[0-9A-Fa-f]?|\\+(?:u[0-9A-Fa-f]{0,3})?|&#?[xX]?[0-9A-Fa-f]*|&[a-z]{1,4})?"
)
#: … and after it: `2C` of `%2C`, `e9` of `\\u00e9`, `34;` of `&#34;`, `uot;` of `&quot;`, the
#: low half of a surrogate pair, the continuation bytes of a UTF-8 sequence.
_PARTIAL_START = (
    r"(?:[0-9A-Fa-f]{1,4};?|[a-z]{1,4};|u[0-9A-Fa-f]{4}|\\+u[dD][c-fC-F][0-9A-Fa-f]{2})?"
    r"(?:%[89abAB][0-9A-Fa-f]){0,3}"
)
#: qatui's cut marks: `text…`, `text\n… [N more characters]`, `… [N bytes not kept] …\ntail`.
_CUT = "…"

#: HTML's named escapes for the characters an HTML encoder rewrites.
_HTML_NAMES = {'"': ("quot",), "&": ("amp",), "<": ("lt",), ">": ("gt",), "'": ("apos", "#39"), "\xa0": ("nbsp",)}
#: JSON's short escapes.
_JSON_SHORT = {"\n": "n", "\r": "r", "\t": "t", "\b": "b", "\f": "f"}


class SecretUnavailable(QatuiError):
    title = "Secret not available"


def _hex_ci(text: str) -> str:
    """A regex matching `text` with its hex digits in either case."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in text)


def _char_pattern(char: str) -> str:
    """Every form an encoder may give one character of a secret: raw (after any number of
    backslashes, as JSON and shells escape), %XX per UTF-8 byte, `+` for a space, `\\uXXXX`
    (a surrogate pair beyond the BMP), and HTML's named, decimal and hex references."""
    code = ord(char)
    forms = [r"\\*" + re.escape(char)]
    forms.append("".join("%" + _hex_ci(f"{byte:02x}") for byte in char.encode("utf-8")))
    if char == " ":
        forms.append(r"\+")
    if code < 0x10000:
        forms.append(r"\\+u" + _hex_ci(f"{code:04x}"))
    else:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(r"\\+u" + _hex_ci(f"{high:04x}") + r"\\+u" + _hex_ci(f"{low:04x}"))
    if char in _JSON_SHORT:
        forms.append(r"\\+" + _JSON_SHORT[char])
    forms.append(f"&#0*{code};")
    forms.append("&#[xX]0*" + _hex_ci(f"{code:x}") + ";")
    forms.extend(f"&{name};" for name in _HTML_NAMES.get(char, ()))
    return "(?:" + "|".join(forms) + ")"


def _base64_runs(value: str) -> list[str]:
    """The base64 text that the bytes of `value` always produce, at each of the three
    alignments it can have inside a longer encoded string (the edge characters, which mix in
    the neighbours' bits, are left out), in the standard and the URL-safe alphabet."""
    raw = value.encode("utf-8")
    runs: list[str] = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        start = (shift * 8 + 5) // 6  # the first character made only of the value's bits
        end = ((shift + len(raw)) * 8) // 6  # past the last one
        run = encoded[start:end]
        if len(run) >= _MIN_B64:
            runs.append(run)
            runs.append(run.replace("+", "-").replace("/", "_"))
    return sorted(set(runs), key=len, reverse=True)


def _value_pattern(value: str) -> str:
    return "".join(_char_pattern(char) for char in value)


def _prefix_pattern(value: str) -> str:
    """The first `_EDGE` or more characters of `value` (in any encoding), longest first."""
    groups = [_char_pattern(char) for char in value[:_EDGE_MAX]]
    tail = ""
    for group in reversed(groups[_EDGE:]):
        tail = f"(?:{group}{tail})?"
    return "".join(groups[:_EDGE]) + tail


def _literal_prefix(run: str) -> str:
    """The first `_MIN_B64` or more characters of a base64 run, longest first."""
    chars = [re.escape(char) for char in run[:_EDGE_MAX]]
    tail = ""
    for char in reversed(chars[_MIN_B64:]):
        tail = f"(?:{char}{tail})?"
    return "".join(chars[:_MIN_B64]) + tail


def _literal_suffix(run: str) -> str:
    chars = [re.escape(char) for char in run[-_EDGE_MAX:]]
    head = ""
    for char in chars[: len(chars) - _MIN_B64]:
        head = f"(?:{head}{char})?"
    return head + "".join(chars[len(chars) - _MIN_B64 :])


def _suffix_pattern(value: str) -> str:
    """The last `_EDGE` or more characters of `value` (in any encoding), longest first."""
    groups = [_char_pattern(char) for char in value[-_EDGE_MAX:]]
    head = ""
    for group in groups[: len(groups) - _EDGE]:
        head = f"(?:{head}{group})?"
    return head + "".join(groups[len(groups) - _EDGE :])


_ALNUM = re.compile(r"[A-Za-z0-9]{3,}")


def _anchor(value: str) -> str | None:
    """The longest run of ASCII letters and digits in `value`: JSON, URL and HTML encoders all
    leave those as they are, so text without it holds no usual encoding of `value` and the
    (much slower) pattern need not run. None when `value` has no such run of 3 or more."""
    runs = _ALNUM.findall(value)
    return max(runs, key=len) if runs else None


class Masker:
    """Replaces every known secret value, in any of its encodings, with `MASK`."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        #: Per secret, longest first: a literal every usual encoding of it contains (None: none
        #: that is long enough) and the pattern of its every encoding.
        self._pattern: list[tuple[str | None, re.Pattern[str]]] | None = None
        self._runs: list[str] = []  # base64 runs, matched literally
        self._before_cut: re.Pattern[str] | None = None
        self._after_cut: re.Pattern[str] | None = None
        self._window = 0
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        if value and len(value) >= _MIN_LEN and value not in self._values:
            self._values.add(value)
            self._pattern = None

    def _compiled(self) -> list[tuple[str | None, re.Pattern[str]]]:
        if self._pattern is None:
            # longest first, so a secret that contains another is masked whole
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = [(_anchor(value), re.compile(_value_pattern(value))) for value in ordered]
            runs = [run for value in ordered for run in _base64_runs(value)]
            self._runs = sorted(set(runs), key=len, reverse=True)
            self._before_cut = re.compile(
                "(?:(?:" + "|".join(_prefix_pattern(v) for v in ordered) + ")" + _PARTIAL_END
                + "".join("|" + _literal_prefix(run) for run in runs) + r")(?=\s?\Z)")
            self._after_cut = re.compile(
                r"\A(\s?)(?:" + _PARTIAL_START + "(?:" + "|".join(_suffix_pattern(v) for v in ordered) + ")"
                + "".join("|" + _literal_suffix(run) for run in runs) + ")")
            # the longest encoded form of a character is 12 characters (`%F0%9F%98%80`)
            self._window = 16 * min(len(ordered[0]), _EDGE_MAX)
        return self._pattern

    def _mask_cut_edges(self, text: str) -> str:
        """Mask a secret's start just before each cut mark and its end just after one."""
        assert self._before_cut is not None and self._after_cut is not None
        parts = text.split(_CUT)
        window = self._window
        for index, part in enumerate(parts):
            if index < len(parts) - 1:
                head, tail = part[:-window], part[-window:]
                part = head + self._before_cut.sub(MASK, tail, count=1)
            if index > 0:
                head, tail = part[:window], part[window:]
                part = self._after_cut.sub(lambda found: found.group(1) + MASK, head, count=1) + tail
            parts[index] = part
        return _CUT.join(parts)

    def mask(self, text: str) -> str:
        if not self._values or not text:
            return text
        for anchor, pattern in self._compiled():
            if anchor is None or anchor in text:  # a substring test first: most text holds no secret
                text = pattern.sub(MASK, text)
        for run in self._runs:
            if run in text:
                text = text.replace(run, MASK)
        if _CUT in text:
            text = self._mask_cut_edges(text)
        return text

    def mask_then_cut(self, text: str, cut: Callable[[str], str]) -> str:
        """Mask `text`, then cut it with `cut`: a cut through a secret never shows its start."""
        return cut(self.mask(text))

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
