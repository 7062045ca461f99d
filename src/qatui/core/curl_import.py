"""A `curl` command line → an http probe that sends the same request, or an honest "cannot".

The importer's promise is that the probe means what the command meant, as curl's manual
defines its options; when it cannot keep that promise it says so instead of guessing:

* `-d/--data`, `--data-ascii`, `--data-raw`, `--data-binary`, `--data-urlencode`: POST, the
  pieces joined with `&`, sent as `application/x-www-form-urlencoded` unless a `-H
  'Content-Type: …'` says otherwise. `--data-urlencode` encodes the content (`content`,
  `=content`, `name=content`; the name is taken as already encoded). A form body becomes the
  probe's `form:` map (so a secret put in its place is encoded when sent), unless a key repeats
  or it does not read as a form, then a `body:` with the form's Content-Type.
* `--json`: the pieces concatenated, `Content-Type` and `Accept: application/json` (each
  overridable with `-H`); JSON that parses becomes `json:`, anything else `body:`.
* `-H 'Content-Type: application/json'` with `-d`: `json:` when the data parses; any other
  Content-Type keeps the data as `body:` with that header.
* `-F/--form`, `--form-string`: multipart/form-data, written as a `body:` with a fixed boundary
  and its Content-Type (the http probe has no multipart key; only text fields can be written so).
* `-G/--get`: the data goes to the URL's query (with `?`, or `&` when it has one) and the method
  is GET (HEAD with `-I`). `-X` sets the method whatever else is given; `-I` is HEAD.
* `-u/--user user:password`: basic auth; `-u user` alone (curl asks for the password) needs a
  secret too. `--oauth2-bearer`: a bearer token. `-L`: `follow_redirects`; `-k`: `verify: false`;
  `--cacert FILE`: `verify: FILE`; `-A`, `-e`, `-b 'name=value'`, `-r`: the User-Agent, Referer,
  Cookie and Range headers; `-m`: the probe's timeout.
* Options that only change what curl prints or where it writes (`-s`, `-S`, `-v`, `-i`, `-o`,
  `-w`, `-f`, `-c`, `-D`, `--compressed`, …) change nothing the server sees.

Anything else — a file read when curl runs (`-d @file`, `-F f=@file`), an option not listed
above, several URLs — and the command stays a command probe that runs curl itself (so it needs
the checklist trusted), and the reason goes to the import summary.

Literal credentials (see `import_secrets`) are replaced by `${name}` references to secrets in
the probe; the value is never kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from qatui.core.import_secrets import SecretBook, is_secret_name, is_variable
from qatui.core.probes.kinds import schema

_FORM = "application/x-www-form-urlencoded"

#: options that take a value and change nothing the server receives
_QUIET_WITH_VALUE = {
    "-o", "--output", "-w", "--write-out", "-c", "--cookie-jar", "-D", "--dump-header",
    "--connect-timeout", "--retry", "--retry-delay", "--retry-max-time", "--stderr", "--trace",
    "--trace-ascii", "--max-filesize", "--limit-rate", "--output-dir", "-Y", "--speed-limit",
    "-y", "--speed-time", "--keepalive-time", "--expect100-timeout",
}
#: flags that change nothing the server receives
_QUIET_FLAGS = {
    "-s", "--silent", "-S", "--show-error", "-v", "--verbose", "-i", "--include", "-f", "--fail",
    "--fail-with-body", "--fail-early", "-N", "--no-buffer", "--no-progress-meter", "-#",
    "--progress-bar", "--compressed", "-O", "--remote-name", "-J", "--remote-header-name",
    "--http1.1", "-4", "--ipv4", "-6", "--ipv6", "-g", "--globoff", "--retry-connrefused",
    "--retry-all-errors", "-q", "--disable", "--create-dirs", "--raw", "--tr-encoding", "-Z",
    "--parallel", "--basic", "--no-keepalive", "--styled-output", "--no-styled-output", "-R",
    "--remote-time", "--trace-time", "--path-as-is",
}
#: short options that take a value (for `-sXPOST`-style clusters)
_SHORT_WITH_VALUE = set("dFHuXowmAebcDrTxEKUyYzCtQ")
_DATA_OPTIONS = {
    "-d": "ascii", "--data": "ascii", "--data-ascii": "ascii", "--data-raw": "raw",
    "--data-binary": "binary", "--data-urlencode": "urlencode", "--json": "json",
}


@dataclass
class CurlConversion:
    """What one curl line became: an http probe config, or None (keep it as a command), and why."""

    config: dict[str, Any] | None = None
    timeout: float | None = None
    #: for the import summary: what could not be kept, and what the probe assumes
    notes: list[str] = field(default_factory=list)


class _Unsupported(Exception):
    """curl would do something the http probe cannot express; the message says what."""


def _expand_short(args: list[str]) -> list[str]:
    """`-sSL` → `-s -S -L`; `-XPOST` → `-X POST`; `-d@f` → `-d @f`; long options unchanged."""
    out: list[str] = []
    for arg in args:
        if not arg.startswith("-") or arg.startswith("--") or len(arg) <= 2:
            out.append(arg)
            continue
        letters = arg[1:]
        for index, letter in enumerate(letters):
            out.append("-" + letter)
            if letter in _SHORT_WITH_VALUE:
                rest = letters[index + 1 :]
                if rest:
                    out.append(rest)
                break
    return out


def shell_vars_to_qatui(text: str) -> str:
    """In a request built from curl, `$NAME`/`${NAME}` were shell variables: read them from the
    environment through qatui's `${NAME}`; any other `$` is literal (`$$`)."""
    out: list[str] = []
    pos = 0
    pattern = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
    for match in pattern.finditer(text):
        out.append(text[pos : match.start()].replace("$", "$$"))
        out.append("${" + (match.group(1) or match.group(2)) + "}")
        pos = match.end()
    out.append(text[pos:].replace("$", "$$"))
    return "".join(out)


def _urlencode_piece(piece: str) -> str:
    """One `--data-urlencode` argument as curl sends it (its manual's five forms)."""
    if piece.startswith("="):
        return quote(piece[1:], safe="")
    name, eq, content = piece.partition("=")
    if eq:
        if "@" in name:
            raise _Unsupported(f"`--data-urlencode {piece}` reads a file when curl runs")
        return f"{name}={quote(content, safe='')}"
    if "@" in piece:
        raise _Unsupported(f"`--data-urlencode {piece}` reads a file when curl runs")
    return quote(piece, safe="")


class _Request:
    """The request a curl line describes, collected option by option."""

    def __init__(self) -> None:
        self.method: str | None = None
        self.head = False
        self.get = False
        self.urls: list[str] = []
        self.headers: dict[str, str] = {}
        self.data: list[tuple[str, str]] = []  # (kind, piece)
        self.form: list[tuple[str, str]] = []  # -F name=value
        self.user: str | None = None
        self.bearer: str | None = None
        self.config: dict[str, Any] = {}
        self.timeout: float | None = None

    def header(self, line: str) -> None:
        if line.startswith("@"):
            raise _Unsupported(f"`-H {line}` reads headers from a file when curl runs")
        name, colon, value = line.partition(":")
        if not colon:
            name, semi, _ = line.partition(";")
            if not semi:
                raise _Unsupported(f"`-H {line}` is not a header")
            self.headers[name.strip()] = ""  # `Name;`: the header sent with no value
            return
        if not value.strip():
            # `Name:` removes a header curl would add itself; the probe adds none of them
            self.headers.pop(name.strip(), None)
            return
        self.headers[name.strip()] = value.strip()

    def option(self, arg: str, value: str | None) -> bool:
        """Apply one option; True when it took `value`."""
        if arg in _DATA_OPTIONS:
            self.data.append((_DATA_OPTIONS[arg], self._need(arg, value)))
        elif arg in ("-X", "--request"):
            self.method = self._need(arg, value).upper()
        elif arg in ("-H", "--header"):
            self.header(self._need(arg, value))
        elif arg in ("-F", "--form", "--form-string"):
            self.form.append((arg, self._need(arg, value)))
        elif arg in ("-u", "--user"):
            self.user = self._need(arg, value)
        elif arg == "--oauth2-bearer":
            self.bearer = self._need(arg, value)
        elif arg == "--url":
            self.urls.append(self._need(arg, value))
        elif arg in ("-A", "--user-agent"):
            self.headers["User-Agent"] = self._need(arg, value)
        elif arg in ("-e", "--referer"):
            self.headers["Referer"] = self._need(arg, value).removesuffix(";auto")
        elif arg in ("-b", "--cookie"):
            cookie = self._need(arg, value)
            if "=" not in cookie:
                raise _Unsupported(f"`-b {cookie}` reads cookies from a file when curl runs")
            self.headers["Cookie"] = cookie
        elif arg in ("-r", "--range"):
            self.headers["Range"] = "bytes=" + self._need(arg, value)
        elif arg in ("-m", "--max-time"):
            try:
                self.timeout = float(self._need(arg, value))
            except ValueError:
                raise _Unsupported(f"`{arg} {value}` is not a number of seconds") from None
        elif arg == "--cacert":
            self.config["verify"] = self._need(arg, value)
        elif arg in _QUIET_WITH_VALUE:
            self._need(arg, value)
        else:
            if arg in ("-G", "--get"):
                self.get = True
            elif arg in ("-I", "--head"):
                self.head = True
            elif arg in ("-L", "--location"):
                self.config["follow_redirects"] = True
            elif arg in ("-k", "--insecure"):
                self.config["verify"] = False
            elif arg not in _QUIET_FLAGS:
                raise _Unsupported(f"curl option `{arg}` is not translated")
            return False
        return True

    @staticmethod
    def _need(arg: str, value: str | None) -> str:
        if value is None:
            raise _Unsupported(f"curl option `{arg}` has no value")
        return value


_LONG_WITH_VALUE = {a for a in (*_DATA_OPTIONS, *_QUIET_WITH_VALUE) if a.startswith("--")} | {
    "--request", "--header", "--form", "--form-string", "--user", "--oauth2-bearer", "--url",
    "--user-agent", "--referer", "--cookie", "--range", "--max-time", "--cacert",
}


def parse_curl(tokens: list[str]) -> _Request:
    """curl's arguments (after `curl`) → the request; raises `_Unsupported`."""
    request = _Request()
    args = _expand_short(tokens[1:])
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            request.urls.extend(args[index + 1 :])
            break
        if arg.startswith("--") and "=" in arg and arg.partition("=")[0] in _LONG_WITH_VALUE:
            name, _, inline = arg.partition("=")
            request.option(name, inline)
            index += 1
            continue
        if arg.startswith("-") and len(arg) > 1:
            nxt = args[index + 1] if index + 1 < len(args) else None
            index += 2 if request.option(arg, nxt) else 1
            continue
        request.urls.append(arg)
        index += 1
    return request


def _data_body(request: _Request) -> tuple[str, bool]:
    """(the body curl sends, whether it came from `--json`)."""
    kinds = {kind for kind, _ in request.data}
    if "json" in kinds and kinds != {"json"}:
        raise _Unsupported("`--json` mixed with `-d` options")
    pieces: list[str] = []
    for kind, piece in request.data:
        if kind in ("ascii", "binary", "json") and piece.startswith("@"):
            raise _Unsupported(f"`{'--json' if kind == 'json' else '-d'} {piece}` reads a file when curl runs")
        pieces.append(_urlencode_piece(piece) if kind == "urlencode" else piece)
    if kinds == {"json"}:
        return "".join(pieces), True
    return "&".join(pieces), False


def _content_type(headers: dict[str, str]) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), None)


def _form_pairs(body: str) -> list[tuple[str, str]] | None:
    """`a=1&b=x%20y` → pairs when the body reads as a form with no repeated key, else None."""
    if not body or body.lstrip().startswith(("{", "[")):
        return None
    try:
        pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or any(not n for n in names):
        return None
    return pairs


def _multipart(request: _Request, book: SecretBook, where: str) -> tuple[str, str]:
    """`-F` fields → (body, Content-Type) with a boundary fixed by the fields (deterministic)."""
    fields: list[tuple[str, str]] = []
    for option, spec in request.form:
        name, eq, value = spec.partition("=")
        if not eq:
            raise _Unsupported(f"`{option} {spec}` has no `name=`")
        if option != "--form-string":
            if value.startswith(("@", "<")):
                raise _Unsupported(f"`{option} {spec}` reads a file when curl runs")
            if ";" in value:
                raise _Unsupported(f"`{option} {spec}` sets part options (`;type=`, …)")
        fields.append((name, value))
    boundary = "qatui-" + hashlib.sha256(repr(fields).encode()).hexdigest()[:24]
    parts: list[str] = []
    for name, value in fields:
        value = _secret_or_var(value, name, book, where)
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    return "".join(parts) + f"--{boundary}--\r\n", f"multipart/form-data; boundary={boundary}"


def _secret_or_var(value: str, hint: str, book: SecretBook, where: str) -> str:
    """A value written as qatui text: a literal credential (by its name `hint`) → `${secret}`."""
    if is_secret_name(hint) and value and not is_variable(value):
        return book.take(value, hint, where)
    return shell_vars_to_qatui(value)


def _json_secrets(value: Any, book: SecretBook, where: str, key: str = "") -> Any:
    if isinstance(value, str):
        return _secret_or_var(value, key, book, where)
    if isinstance(value, list):
        return [_json_secrets(v, book, where, key) for v in value]
    if isinstance(value, dict):
        return {k: _json_secrets(v, book, where, k) for k, v in value.items()}
    return value


def _raw_body_secrets(body: str, book: SecretBook, where: str) -> str:
    """A body kept as text: `password=…` pieces and `"password": "…"` pairs still become secrets."""
    if body.lstrip().startswith(("{", "[")):
        out_json: list[str] = []
        position = 0
        for match in re.finditer(r'"([^"\\]+)"\s*:\s*"((?:[^"\\]|\\.)*)"', body):
            if is_secret_name(match.group(1)) and match.group(2) and not is_variable(match.group(2)):
                out_json.append(shell_vars_to_qatui(body[position : match.start(2)]))
                out_json.append(book.take(match.group(2), match.group(1), where))
                position = match.end(2)
        out_json.append(shell_vars_to_qatui(body[position:]))
        return "".join(out_json)
    out: list[str] = []
    for piece in body.split("&"):
        name, eq, value = piece.partition("=")
        if eq and is_secret_name(name) and value and not is_variable(value):
            out.append(f"{shell_vars_to_qatui(name)}={book.take(value, name, where)}")
        else:
            out.append(shell_vars_to_qatui(piece))
    return "&".join(out)


def _header_value(name: str, value: str, book: SecretBook, where: str) -> str:
    lowered = name.lower()
    if lowered in ("authorization", "proxy-authorization"):
        scheme, space, credential = value.partition(" ")
        if space and credential.strip() and not is_variable(credential):
            hint = "basic_auth" if scheme.lower() == "basic" else "token"
            return f"{scheme} {book.take(credential.strip(), hint, where)}"
        if not space and value and not is_variable(value):
            return book.take(value, "token", where)
        return shell_vars_to_qatui(value)
    if lowered == "cookie":
        cookies = []
        for cookie in value.split(";"):
            cname, eq, cvalue = cookie.strip().partition("=")
            if eq and (is_secret_name(cname) or cname.lower() in ("sessionid", "csrftoken")) and cvalue and not is_variable(cvalue):
                cookies.append(f"{cname}={book.take(cvalue, cname, where)}")
            else:
                cookies.append(shell_vars_to_qatui(cookie.strip()))
        return "; ".join(cookies)
    return _secret_or_var(value, name, book, where)


def _url(url: str, book: SecretBook, where: str) -> str:
    """The URL with a scheme, and `user:password@` or `?token=…` credentials made secrets."""
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
        url = "http://" + url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, password = userinfo.partition(":")
        if colon and password and not is_variable(password):
            netloc = f"{user}:{book.take(password, 'password', where)}@{host}"
    query = parts.query
    if query:
        pieces = []
        for piece in query.split("&"):
            name, eq, value = piece.partition("=")
            if eq and is_secret_name(name) and value and not is_variable(value):
                pieces.append(f"{name}={book.take(value, name, where)}")
            else:
                pieces.append(piece)
        query = "&".join(pieces)
    rebuilt = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    # the secrets' `${…}` must survive the shell-variable pass below untouched
    return _keep_refs(rebuilt, shell_vars_to_qatui)


def _keep_refs(text: str, convert: Any) -> str:
    """Apply `convert` to the text between secret references `${name}` this module wrote."""
    pieces = re.split(r"(\$\{[a-z][a-z0-9_]*\})", text)
    return "".join(p if re.fullmatch(r"\$\{[a-z][a-z0-9_]*\}", p) else convert(p) for p in pieces)


def curl_conversion(tokens: list[str], book: SecretBook | None = None, where: str = "") -> CurlConversion:
    """`curl` arguments → an http probe's config (see the module docstring), or None and why."""
    book = book if book is not None else SecretBook()
    mark = len(book.found)
    try:
        return _convert(tokens, book, where)
    except _Unsupported as reason:
        book.rollback(mark)  # nothing of a request we did not write may name a secret
        return CurlConversion(None, notes=[str(reason)])


def _convert(tokens: list[str], book: SecretBook, where: str) -> CurlConversion:
    request = parse_curl(tokens)
    if not request.urls:
        raise _Unsupported("no URL")
    if len(request.urls) > 1:
        raise _Unsupported(f"{len(request.urls)} URLs (curl fetches each)")
    if request.form and (request.data or request.get):
        raise _Unsupported("`-F` with `-d` or `-G` (curl refuses the mix)")
    notes: list[str] = []
    url = request.urls[0]
    if "{" in url or re.search(r"\[[^\]]*-[^\]]*\]", url.split("//", 1)[-1]):
        raise _Unsupported(f"`{url}` uses curl's URL globbing")
    result: dict[str, Any] = {}
    headers = dict(request.headers)
    body_key: tuple[str, Any] | None = None
    has_body = False
    if request.data:
        body, from_json = _data_body(request)
        if request.get:
            separator = "&" if "?" in url else "?"
            url = url + separator + body if body else url
        else:
            has_body = True
            if from_json:
                headers = {"Content-Type": "application/json", "Accept": "application/json"} | headers
                headers = _dedupe_case(headers)
            content_type = _content_type(headers)
            kind = (content_type or _FORM).split(";")[0].strip().lower()
            if kind == "application/json" or kind.endswith("+json"):
                try:
                    body_key = ("json", _json_secrets(json.loads(body), book, where))
                except ValueError:
                    body_key = ("body", _raw_body_secrets(body, book, where))
                    notes.append("its data is not JSON although sent as JSON; kept as text")
            elif kind == _FORM and (pairs := _form_pairs(body)) is not None:
                form = {shell_vars_to_qatui(k): _secret_or_var(v, k, book, where) for k, v in pairs}
                body_key = ("form", form)
            else:
                body_key = ("body", _raw_body_secrets(body, book, where))
                if content_type is None:
                    headers["Content-Type"] = _FORM  # what curl sends with -d
                    if body.lstrip().startswith(("{", "[")):
                        notes.append(
                            "its data looks like JSON but has no `-H 'Content-Type: application/json'`: "
                            "curl sends it as a form, and so does the probe"
                        )
    elif request.form:
        has_body = True
        text, content_type = _multipart(request, book, where)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        headers["Content-Type"] = content_type
        body_key = ("body", text)

    method = request.method
    if method is None:
        method = "HEAD" if request.head else ("POST" if has_body else "GET")
    result["method"] = method  # GET, the http kind's default, is left out by its schema
    result["url"] = _url(url, book, where)
    if headers:
        result["headers"] = {k: _header_value(k, v, book, where) for k, v in headers.items()}
    if request.bearer is not None:
        bearer = request.bearer
        token = shell_vars_to_qatui(bearer) if is_variable(bearer) else book.take(bearer, "token", where)
        result["auth"] = {"bearer": token}
    if request.user is not None:
        user, colon, password = request.user.partition(":")
        if not colon:
            reference = book.take(None, "password", where, remark=f"curl asks for {user}'s password")
            notes.append(f"`-u {user}` has no password (curl would ask for it): read from a secret")
        elif is_variable(password):
            reference = shell_vars_to_qatui(password)
        else:
            reference = book.take(password, "password", where)
        result["auth"] = {"basic": [shell_vars_to_qatui(user), reference]}
    if body_key is not None:
        result[body_key[0]] = body_key[1]
    result.update(request.config)
    result["expect"] = {"status": "2xx"}
    return CurlConversion(schema("http").config(result), timeout=request.timeout, notes=notes)


def _dedupe_case(headers: dict[str, str]) -> dict[str, str]:
    """Header names are case-insensitive: a later `-H content-type: …` replaces `--json`'s."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        for existing in list(out):
            if existing.lower() == name.lower():
                del out[existing]
        out[name] = value
    return out
