"""TLS probes: the certificate a server presents — its names, its issuer, the days it has left.

The check Gatus calls `[CERTIFICATE_EXPIRATION] > 336h`, plus the two questions a release asks
after a certificate renewal: does it still cover every name we serve, and did it come from the
issuer we expect. It connects on the engine's loop with the stdlib `ssl` module and reads the
peer certificate of a *verified* handshake.

Decision: verification is always on. A certificate that cannot be verified cannot be read with
the stdlib alone (the binary form needs a DER parser: `cryptography`, or the private
`ssl._ssl._test_decode_cert`), and a certificate check that accepts any certificate is not a
check. A self-signed or internal certificate is checked by trusting its CA: `ca: PATH.pem`
(the system store otherwise). Handshake failures are explained in plain words — expired, name
mismatch, untrusted issuer, nothing listening — from OpenSSL's verify code.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import explain
from qatui.core.probes.base import Outcome, ProbeContext, fail_summary, with_where
from qatui.core.probes.expectations import Check, check_max_ms, first_failure
from qatui.core.probes.schema import KindSchema
from qatui.core.session import ProbeStatus
from qatui.core.yamlpos import YNode, YScalar

if TYPE_CHECKING:
    from qatui.core.load.probe_checker import ProbeChecker

DEFAULT_PORT = 443
#: OpenSSL's X509_V_ERR_* codes a tester can act on, in their words.
_VERIFY_CODES = {
    9: "the certificate is not valid yet",
    10: "the certificate has expired",
    18: "the certificate is self-signed and not trusted (give its CA with `ca: FILE.pem`)",
    19: "the certificate chain ends in a self-signed CA that is not trusted (give it with `ca: FILE.pem`)",
    20: "the certificate's issuer is not trusted (unknown CA; give it with `ca: FILE.pem`)",
    21: "the certificate's issuer is not trusted (the chain is incomplete or the CA unknown)",
    62: "the certificate does not cover the name",
}


async def run(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext) -> Outcome:
    host = str(cfg.get("host", ""))
    try:
        port = int(cfg.get("port", DEFAULT_PORT))
    except (TypeError, ValueError):
        return Outcome(ProbeStatus.ERROR, with_where(spec, "port", f"port {cfg.get('port')!r} is not a number"), "the port must be a number")
    name = str(cfg.get("server_name") or host)
    target = f"{host}:{port}"
    try:
        context = ssl.create_default_context(cafile=str(cfg["ca"]) if cfg.get("ca") else None)
    except (OSError, ssl.SSLError) as error:
        return Outcome(ProbeStatus.ERROR, with_where(spec, "ca", f"cannot read the CA file {cfg.get('ca')!r}"),
                       f"the CA file must be a PEM certificate that exists ({error})")
    started = time.perf_counter()
    try:
        async with asyncio.timeout(spec.timeout):
            _reader, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=name)
    except ssl.SSLCertVerificationError as error:
        why = _VERIFY_CODES.get(error.verify_code, error.verify_message or str(error))
        if error.verify_code == 62:
            why = f"the certificate does not cover the name {name!r}"
        return Outcome(ProbeStatus.FAILED, with_where(spec, "server_name" if error.verify_code == 62 else "host", f"{target}: {why}"),
                       f"{why} — OpenSSL: {error.verify_message}", f"TLS handshake with {target} as {name!r}: {error}")
    except (OSError, TimeoutError) as error:
        found = explain.network_error(error, target, spec.timeout, what=target)
        status = ProbeStatus.TIMEOUT if found.timeout else ProbeStatus.FAILED
        return Outcome(status, with_where(spec, "port", f"{target}: {found.actual}"), found.explanation, f"TLS connect {target}: {error}")
    elapsed_ms = (time.perf_counter() - started) * 1000
    cert = writer.get_extra_info("peercert") or {}
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()
    names = certificate_names(cert)
    issuer = _dn(cert.get("issuer", ()))
    days = days_left(cert)
    detail = (f"TLS {target} as {name!r}: names {', '.join(names) or '(none)'}; issuer {issuer or '(none)'}; "
              f"not after {cert.get('notAfter', '?')} ({days} days left); handshake {elapsed_ms:.1f} ms")
    checks = check_certificate(cfg.get("expect") or {}, names, issuer, days) + check_max_ms(cfg.get("expect") or {}, elapsed_ms)
    failed = first_failure(checks)
    if failed is not None:
        return Outcome(ProbeStatus.FAILED, fail_summary(spec, failed.key, failed.actual, failed.expected),
                       _why(failed), detail, duration_ms=elapsed_ms)
    return Outcome(ProbeStatus.PASSED, f"{target}: certificate valid, {days} days left", "", detail, duration_ms=elapsed_ms)


def certificate_names(cert: Mapping[str, Any]) -> list[str]:
    """The DNS names and IP addresses in subjectAltName (what clients match against)."""
    return [value for kind, value in cert.get("subjectAltName", ()) if kind in ("DNS", "IP Address")]


def days_left(cert: Mapping[str, Any], now: float | None = None) -> int:
    """Whole days until `notAfter` (a verified certificate has at least 0)."""
    if "notAfter" not in cert:
        return 0
    seconds = ssl.cert_time_to_seconds(cert["notAfter"]) - (time.time() if now is None else now)
    return int(seconds // 86400)


def _dn(rdns: Any) -> str:
    """`CN=R11, O=Let's Encrypt, C=US` from the tuple-of-tuples form `getpeercert` gives."""
    short = {"commonName": "CN", "organizationName": "O", "countryName": "C", "organizationalUnitName": "OU"}
    return ", ".join(f"{short.get(key, key)}={value}" for rdn in rdns for key, value in rdn)


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def check_certificate(expect: Mapping[str, Any], names: list[str], issuer: str, days: int) -> list[Check]:
    """`days_left_min`, `names_include` (every name must be covered), `issuer_contains`."""
    checks: list[Check] = []
    if "days_left_min" in expect:
        minimum = int(expect["days_left_min"])
        checks.append(Check("expect.days_left_min", days >= minimum, f"expires in {days} day{'' if days == 1 else 's'}", f"at least {minimum}"))
    for wanted in _listed(expect.get("names_include", [])):
        covered = any(_covers(pattern, wanted) for pattern in names)
        checks.append(Check("expect.names_include", covered, f"names {', '.join(names) or '(none)'} do not cover {wanted!r}"
                            if not covered else f"covers {wanted!r}", f"a name covering {wanted!r}"))
    for wanted in _listed(expect.get("issuer_contains", [])):
        ok = wanted.lower() in issuer.lower()
        checks.append(Check("expect.issuer_contains", ok, f"issuer {issuer!r}", f"an issuer containing {wanted!r}"))
    return checks


def _covers(pattern: str, name: str) -> bool:
    """A certificate name covers `name` exactly, or as a one-label wildcard (`*.example.com`)."""
    pattern, name = pattern.lower(), name.lower()
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == name


def _why(failed: Check) -> str:
    if failed.key == "expect.days_left_min":
        return "the certificate expires sooner than the minimum: renew it before the release"
    if failed.key == "expect.names_include":
        return "the certificate does not cover a name the site serves: reissue it with that name"
    if failed.key == "expect.issuer_contains":
        return "the certificate comes from another issuer than expected"
    return "the handshake works, but slowly"


# ----- schema -----------------------------------------------------------------------------


def check(c: ProbeChecker) -> None:
    """`host` (required), `port` (default 443), `server_name` (default host), `ca` (a PEM file)."""
    c.text("host", required=True)
    c.port(required=False)
    c.text("server_name")
    c.text("ca")


def _days(c: ProbeChecker, key: str, node: YNode) -> Any:
    return c.v.integer(node, key, 0, minimum=0)


def _names(c: ProbeChecker, key: str, node: YNode) -> Any:
    if isinstance(node, YScalar) and node.value in (None, ""):
        c.v.add(node.pos, f"{key!r}: expected a name or a list of names")
        return []
    return c.texts(node, key, regex=False)


SCHEMA = KindSchema(
    name="tls",
    keys=("host", "port", "server_name", "ca"),
    required=("host",),
    expect=("days_left_min", "names_include", "issuer_contains", "max_ms"),
    defaults={"port": DEFAULT_PORT, "server_name": "the host"},
    expect_parsers={"days_left_min": _days, "names_include": _names},
    check=check,
    destination=lambda cfg: f"tls {cfg.get('host', '?')}:{cfg.get('port', DEFAULT_PORT)}",
)
