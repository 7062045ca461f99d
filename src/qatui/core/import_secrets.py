"""Literal passwords and tokens found while importing Markdown become environment variables.

A checklist is shared and committed; a password typed into a curl line of a wiki page must not
follow it into the YAML, a probe's output or a record. The importer hands every literal
credential it meets to a `SecretBook`, which gives back a `${name}` reference and remembers a
`secrets:` entry `name: {env: PREFIX_NAME}`. The value itself is never kept: the book stores a
hash of it, only to give the same value the same name (one password used in two curl lines is
one variable to set).

Naming is deterministic, so importing the same file twice gives the same YAML: the secret's
name comes from what the value was (`password`, `token`, `api_key`, the form field or header
it was in), and the environment variable is that name in capitals behind a prefix taken from
the checklist's title: "Django 4.2 Upgrade - Manual Testing Checklist" → `DJANGO_UPGRADE`, so
`DJANGO_UPGRADE_PASSWORD`. Words that say nothing about the project (checklist, manual,
testing, numbers) are left out of the prefix.

What counts as a credential (`is_secret_name`) is decided by its name, not its value: a field
or header called password, passwd, pwd, secret, token, api key, access key, private key,
credential(s), auth, signature, session id. A value that is already a shell variable (`$PASS`,
`${PASS}`, `$(…)`) is not a literal and is left alone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

_SECRET_NAME = re.compile(
    r"(^|[^a-z])(pass(word|wd|phrase|code)?|pwd|secret|token|credentials?|auth(orization)?|signature|sig|"
    r"session(id|_id|key)?|sid|cookie)($|[^a-z])"
    r"|(api|access|private|secret|auth|client|app)[-_ ]?key"
    r"|apikey|passwd|password|secret|token",
    re.IGNORECASE,
)
_NOISE_WORDS = {"checklist", "manual", "testing", "test", "tests", "the", "a", "an", "of", "for", "and", "qa", "list"}


def is_secret_name(name: str) -> bool:
    """True for a field, header, option or parameter name that holds a credential."""
    return bool(name) and _SECRET_NAME.search(name) is not None


_VARIABLE = re.compile(r"\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*|\(.*\))|`.*`", re.DOTALL)


def is_variable(value: str) -> bool:
    """A value the shell fills in, as a whole (`$PASS`, `${PASS}`, `$(cat f)`): not a literal.

    Text with a `$` inside (`Sup3r$ecret`) is a literal credential: kept, its first characters
    would be in the YAML."""
    return _VARIABLE.fullmatch(value) is not None


def env_prefix(title: str) -> str:
    """`"Django 4.2 Upgrade - Manual Testing Checklist"` → `"DJANGO_UPGRADE"` (see the module docstring)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", title) if w]
    kept = [w.upper() for w in words if not w.isdigit() and w.lower() not in _NOISE_WORDS and w[0].isalpha()]
    return "_".join(kept[:2]) or "QATUI"


def variable_name(hint: str) -> str:
    """A qatui variable name for a secret found under `hint` (`"X-Api-Key"` → `"x_api_key"`)."""
    name = re.sub(r"[^a-z0-9]+", "_", hint.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = "secret_" + name if name else "secret"
    return name[:40].rstrip("_")


@dataclass
class FoundSecret:
    """One credential taken out of the Markdown: its variable, where its value is read from, and
    where it was found (for the import summary). Never the value."""

    name: str
    env: str
    where: str
    #: why a value is needed although the Markdown held none (curl `-u user` asks for it)
    remark: str = ""


@dataclass
class SecretBook:
    """Hands out `${name}` references for literal credentials (see the module docstring)."""

    prefix: str = "QATUI"
    found: list[FoundSecret] = field(default_factory=list)
    #: names that already mean something else in the checklist (shell variables of curl lines)
    reserved: set[str] = field(default_factory=set)
    _by_value: dict[str, FoundSecret] = field(default_factory=dict)
    _names: set[str] = field(default_factory=set)

    def take(self, value: str | None, hint: str, where: str, remark: str = "") -> str:
        """The reference standing for `value` (None: a value the tester must supply, curl would
        have asked for it). The same value under any hint gets the same reference."""
        key = hashlib.sha256(value.encode()).hexdigest() if value is not None else ""
        if key and key in self._by_value:
            return "${" + self._by_value[key].name + "}"
        base = variable_name(hint)
        name, n = base, 2
        while name in self._names or name in self.reserved:
            name = f"{base}_{n}"
            n += 1
        self._names.add(name)
        found = FoundSecret(name=name, env=f"{self.prefix}_{name.upper()}", where=where, remark=remark)
        self.found.append(found)
        if key:
            self._by_value[key] = found
        return "${" + name + "}"

    def rollback(self, mark: int) -> None:
        """Forget every secret handed out after `len(found)` was `mark`."""
        for gone in self.found[mark:]:
            self._names.discard(gone.name)
            for key in [k for k, f in self._by_value.items() if f is gone]:
                del self._by_value[key]
        del self.found[mark:]

    def env_of(self, reference: str) -> str:
        """The environment variable behind a `${name}` this book handed out."""
        name = reference.removeprefix("${").removesuffix("}")
        return next(f.env for f in self.found if f.name == name)


# --------------------------------------------------------------------------- shell lines

_OPERATORS = {"|", "||", "&", "&&", ";", ";;", "<", ">", ">>", "<<", ">&", "<&", "2>", "&>", "(", ")"}
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
#: `name=value` (in a form, an option `--password=…`, an assignment `PGPASSWORD=…`)
_ASSIGNMENT = re.compile(rf"(?:^|(?<=[&?;\s]))-*({_NAME})=([^&;\s]+)")
#: `"password": "value"` in JSON text
_JSON_PAIR = re.compile(r'"([^"\\]+)"\s*:\s*"((?:[^"\\]|\\.)+)"')
#: `Authorization: Token value`, `X-Api-Key: value`
_HEADER = re.compile(rf"^({_NAME})\s*:\s*(?:(Basic|Bearer|Token|Digest|ApiKey)\s+)?(.+)$", re.IGNORECASE)
#: `scheme://user:password@host`
_USERINFO = re.compile(r"://[^:/@\s]+:([^@/\s]+)@")
#: options whose next argument (or attached value) is a password
_PASSWORD_OPTIONS = {"--password", "--pass", "--passwd", "--token", "--api-key", "--secret"}


def _spans(token: str, previous: str, program: str) -> list[tuple[int, int, str]]:
    """(start, end, hint) of each literal credential inside one shell word."""
    spans: list[tuple[int, int, str]] = []
    if previous in _PASSWORD_OPTIONS:
        return [(0, len(token), previous.lstrip("-"))] if token and not is_variable(token) else []
    if program == "curl" and previous in ("-u", "--user", "--proxy-user", "-U"):
        user, colon, password = token.partition(":")
        if colon and password and not is_variable(password):
            spans.append((len(user) + 1, len(token), "password"))
        return spans
    if program in ("mysql", "mysqldump", "mysqladmin", "mysqlshow") and token.startswith("-p") and len(token) > 2:
        return [(2, len(token), "password")]  # `-pSECRET`; a lone `-p` asks for it
    if program == "curl" and token.startswith("-u") and ":" in token and len(token) > 2:
        start = token.index(":") + 1
        if start < len(token) and not is_variable(token[start:]):
            spans.append((start, len(token), "password"))
        return spans
    header = _HEADER.match(token) if previous in ("-H", "--header") else None
    if header and (header.group(2) or is_secret_name(header.group(1))) and not is_variable(header.group(3)):
        hint = "basic_auth" if (header.group(2) or "").lower() == "basic" else (
            "token" if header.group(1).lower() == "authorization" else header.group(1))
        return [(header.start(3), header.end(3), hint)]
    for match in _ASSIGNMENT.finditer(token):
        if is_secret_name(match.group(1)) and not is_variable(match.group(2)):
            spans.append((match.start(2), match.end(2), match.group(1)))
    for match in _JSON_PAIR.finditer(token):
        if is_secret_name(match.group(1)) and not is_variable(match.group(2)):
            spans.append((match.start(2), match.end(2), match.group(1)))
    for match in _USERINFO.finditer(token):
        if not is_variable(match.group(1)):
            spans.append((match.start(1), match.end(1), "password"))
    spans.sort()
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


_CLIENTS = {"curl", "mysql", "mysqldump", "mysqladmin", "mysqlshow"}


def _program(current: str, token: str) -> str:
    """The program whose options the words are: the first word that is not `NAME=value`, or a
    client whose password options we know when it runs through a wrapper (`docker compose
    exec db mysql -pX`, `sudo curl -u a:b`)."""
    name = token.rsplit("/", 1)[-1]
    if name in _CLIENTS:
        return name
    if not current and not re.fullmatch(rf"{_NAME}=.*", token, re.DOTALL):
        return name
    return current


def literals_in_shell(tokens: list[str]) -> list[tuple[str, str]]:
    """(value, hint) of every literal credential in a shell command's words."""
    found: list[tuple[str, str]] = []
    program, previous = "", ""
    for token in tokens:
        if token in _OPERATORS:
            previous, program = token, ""
            continue
        program = _program(program, token)
        found.extend((token[start:end], hint) for start, end, hint in _spans(token, previous, program))
        previous = token
    return found


def hide_in_shell(tokens: list[str], book: SecretBook, where: str) -> tuple[str, dict[str, str]] | None:
    """A shell command's words with every literal credential replaced by `"$ENV_VAR"`.

    Returns (the shell line, the probe's `env:` map `{ENV_VAR: "${name}"}`), or None when the
    line holds no credential (then it is kept exactly as written). The rebuilt line quotes each
    word for the shell; the value reaches the command through its environment, never its text.
    """
    program = ""
    words: list[str] = []
    env: dict[str, str] = {}
    previous = ""
    for token in tokens:
        if token in _OPERATORS:
            words.append(token)
            previous, program = token, ""
            continue
        program = _program(program, token)
        spans = _spans(token, previous, program)
        previous = token
        if not spans:
            words.append(shlex_quote(token))
            continue
        pieces: list[str] = []
        position = 0
        for start, end, hint in spans:
            if start > position:
                pieces.append(shlex_quote(token[position:start]))
            reference = book.take(token[start:end], hint, where)
            variable = book.env_of(reference)
            env[variable] = reference
            pieces.append(f'"${variable}"')
            position = end
        if position < len(token):
            pieces.append(shlex_quote(token[position:]))
        words.append("".join(pieces))
    if not env:
        return None
    return " ".join(words), env


def shlex_quote(word: str) -> str:
    import shlex

    return shlex.quote(word)
