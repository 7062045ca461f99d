"""TLS probes against real TLS servers on 127.0.0.1, with certificates made by a test CA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qatui.core.checklist import ProbeSpec
from qatui.core.errors import ChecklistError
from qatui.core.loader import load_checklist
from qatui.core.probes import run_probes
from qatui.core.session import ProbeResult, ProbeStatus
from qatui.core.trust_review import review_blocks
from qatui.core.yaml_writer import dump_checklist
from tests.servers import checklist_of, free_port, probe


def run(spec: ProbeSpec) -> ProbeResult:
    [result] = run_probes(checklist_of(spec), "local", [spec], trusted=True, env={})
    return result


def tls(servers: dict[str, Any], which: str, **keys: Any) -> ProbeSpec:
    return probe(id="cert", kind="tls", host="127.0.0.1", port=servers[which].port, ca=servers["ca"], **keys)


def test_a_valid_certificate_passes_with_its_names_issuer_and_days(tls_servers: dict[str, Any]) -> None:
    result = run(tls(tls_servers, "valid", server_name="localhost",
                     expect={"days_left_min": 14, "names_include": ["localhost", "127.0.0.1"],
                             "issuer_contains": "qatui test CA"}))
    assert result.status is ProbeStatus.PASSED, result.summary + result.detail
    assert "certificate valid, 29 days left" in result.summary
    assert "names localhost, 127.0.0.1" in result.detail and "O=qatui tests" in result.detail


def test_too_few_days_left_fails_saying_how_many(tls_servers: dict[str, Any]) -> None:
    result = run(tls(tls_servers, "short", expect={"days_left_min": 14}))
    assert result.status is ProbeStatus.FAILED
    assert result.summary.startswith("expires in 1 day, expected at least 14")
    assert "renew" in result.explanation


def test_an_expired_certificate_fails_in_plain_words(tls_servers: dict[str, Any]) -> None:
    result = run(tls(tls_servers, "expired"))
    assert result.status is ProbeStatus.FAILED
    assert "the certificate has expired" in result.summary


def test_a_certificate_for_another_name_fails_as_a_name_mismatch(tls_servers: dict[str, Any]) -> None:
    result = run(tls(tls_servers, "other", server_name="localhost"))
    assert result.status is ProbeStatus.FAILED
    assert "does not cover the name 'localhost'" in result.summary
    # the same certificate asked for its own name passes
    assert run(tls(tls_servers, "other", server_name="other.test")).status is ProbeStatus.PASSED


def test_names_include_wants_every_name_covered(tls_servers: dict[str, Any]) -> None:
    result = run(tls(tls_servers, "valid", expect={"names_include": ["localhost", "www.localhost"]}))
    assert result.status is ProbeStatus.FAILED
    assert "do not cover 'www.localhost'" in result.summary


def test_a_wrong_issuer_fails(tls_servers: dict[str, Any]) -> None:
    result = run(tls(tls_servers, "valid", expect={"issuer_contains": "Let's Encrypt"}))
    assert result.status is ProbeStatus.FAILED
    assert "issuer 'CN=qatui test CA, O=qatui tests'" in result.summary


def test_an_untrusted_issuer_fails_and_says_how_to_trust_it(tls_servers: dict[str, Any]) -> None:
    spec = probe(id="cert", kind="tls", host="127.0.0.1", port=tls_servers["valid"].port)
    result = run(spec)
    assert result.status is ProbeStatus.FAILED
    assert "not trusted" in result.summary and "ca: FILE.pem" in result.summary


def test_nothing_listening_is_said_so() -> None:
    result = run(probe(id="cert", kind="tls", host="127.0.0.1", port=free_port()))
    assert result.status is ProbeStatus.FAILED
    assert "connection refused" in result.summary and "nothing listens on 127.0.0.1" in result.explanation


CHECKLIST = """\
qatui: 1
title: Certs
sections:
  - id: s
    title: S
    priority: critical
    items:
      - id: i
        title: I
        probes:
          - id: cert
            kind: tls
{probe}
"""


def load(tmp_path: Path, probe_yaml: str) -> Any:
    path = tmp_path / "c.yaml"
    path.write_text(CHECKLIST.format(probe=probe_yaml), encoding="utf-8")
    return load_checklist(path, env={})


def test_the_loader_takes_the_documented_keys_and_the_writer_keeps_them(tmp_path: Path) -> None:
    checklist = load(tmp_path, "            host: shop.example.com\n            server_name: www.shop.example.com\n"
                               "            expect: {days_left_min: 14, names_include: shop.example.com, issuer_contains: [R11]}\n")
    [spec] = checklist.probes()
    assert spec.config == {"host": "shop.example.com", "server_name": "www.shop.example.com",
                           "expect": {"days_left_min": 14, "names_include": "shop.example.com", "issuer_contains": ["R11"]}}
    assert spec.is_destructive(item_destructive=True) is False  # it only looks
    written = dump_checklist(checklist)
    assert "kind: tls\n            host: shop.example.com\n            server_name: www.shop.example.com" in written


@pytest.mark.parametrize(("probe_yaml", "message", "line"), [
    ("            port: 443\n", "tls probe: missing required key 'host'", 11),  # at the probe
    ("            host: h\n            port: 70000\n", "'port': must be between 1 and 65535, got 70000", 14),
    ("            host: h\n            expect: {days_left_min: -1}\n", "'days_left_min'", 14),
    ("            host: h\n            expect: {names_include: }\n", "'names_include': expected a name or a list of names", 14),
    ("            host: h\n            verify: false\n", "unknown key 'verify'", 14),
    ("            host: h\n            capture: {v: {regex: x}}\n", "a tls probe takes no 'capture'", 14),
])
def test_mistakes_are_reported_at_their_line(tmp_path: Path, probe_yaml: str, message: str, line: int) -> None:
    with pytest.raises(ChecklistError) as caught:
        load(tmp_path, probe_yaml)
    [problem] = caught.value.problems
    assert message in problem.message, problem.message
    assert problem.position is not None and problem.position.line == line


def test_the_trust_review_lists_the_host_it_contacts(tmp_path: Path) -> None:
    checklist = load(tmp_path, "            host: shop.example.com\n")
    assert "tls shop.example.com:443  (i/cert)" in "\n".join(review_blocks(checklist, None))
