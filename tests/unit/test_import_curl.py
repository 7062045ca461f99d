"""curl lines → http probes: option spelling, and what is refused rather than guessed.

What the server receives is proven against the real curl in test_import_curl_vs_curl.py; these
are the parts no request shows: how options are spelled, the probe's timeout, and the lines
that must stay curl (each with its reason).
"""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from qatui.core.curl_import import _expand_short, curl_conversion
from qatui.core.import_secrets import SecretBook


def config(line: str) -> dict[str, Any]:
    conversion = curl_conversion(shlex.split(line), SecretBook(prefix="T"), "t.md:1")
    assert conversion.config is not None, conversion.notes
    return conversion.config


def refused(line: str) -> str:
    book = SecretBook(prefix="T")
    conversion = curl_conversion(shlex.split(line), book, "t.md:1")
    assert conversion.config is None
    assert book.found == []  # a request we did not write names no secret
    (note,) = conversion.notes
    return note


def test_short_option_clusters_and_attached_values() -> None:
    assert _expand_short(["-sSL", "-XPOST", "-dname=qa", "-H", "X: 1", "--data", "a"]) == [
        "-s", "-S", "-L", "-X", "POST", "-d", "name=qa", "-H", "X: 1", "--data", "a"]
    assert config("curl -sSLk -XPUT -dname=qa http://h/x") == {
        "method": "PUT", "url": "http://h/x", "form": {"name": "qa"}, "follow_redirects": True,
        "verify": False, "expect": {"status": "2xx"}}


def test_long_options_with_equals_and_the_url_option() -> None:
    # --data-raw: a leading @ is data, not a file; a piece with no `=` is not a form: a body
    assert config("curl --request=PATCH --header='X-A: 1' --data-raw=@x --url http://h/y") == {
        "method": "PATCH", "url": "http://h/y",
        "headers": {"X-A": "1", "Content-Type": "application/x-www-form-urlencoded"}, "body": "@x",
        "expect": {"status": "2xx"}}


def test_max_time_becomes_the_probe_timeout_and_cacert_the_ca_file() -> None:
    conversion = curl_conversion(shlex.split("curl -m 2.5 --cacert ca.pem https://h/"), SecretBook(), "")
    assert conversion.timeout == 2.5
    assert conversion.config is not None and conversion.config["verify"] == "ca.pem"


def test_header_forms_curl_knows() -> None:
    headers = config("curl -H 'Expect:' -H 'X-Empty;' -H 'X-A:  spaced ' http://h/")["headers"]
    assert headers == {"X-Empty": "", "X-A": "spaced"}  # `Expect:` removes a header curl adds


def test_get_with_head_and_data_goes_to_the_query() -> None:
    assert config("curl -G -I -d a=1 'http://h/x?b=2'") == {
        "method": "HEAD", "url": "http://h/x?b=2&a=1", "expect": {"status": "2xx"}}


def test_json_headers_can_be_overridden_like_curl() -> None:
    got = config("curl --json '[1, 2]' -H 'accept: text/plain' http://h/")
    assert got["headers"] == {"Content-Type": "application/json", "accept": "text/plain"}
    assert got["json"] == [1, 2]


def test_a_repeated_form_key_keeps_the_body_as_curl_sends_it() -> None:
    got = config("curl -d a=1 -d a=2 http://h/")
    assert got["body"] == "a=1&a=2"
    assert got["headers"] == {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(("line", "reason"), [
    ("curl -d @body.json http://h/", "`-d @body.json` reads a file when curl runs"),
    ("curl --json @- http://h/", "`--json @-` reads a file when curl runs"),
    ("curl --data-urlencode name@file http://h/", "`--data-urlencode name@file` reads a file"),
    ("curl -F 'f=<notes.txt' http://h/", "`-F f=<notes.txt` reads a file"),
    ("curl -F 'f=x;type=text/plain' http://h/", "sets part options"),
    ("curl -F a=1 -d b=2 http://h/", "`-F` with `-d` or `-G`"),
    ("curl -b cookies.txt http://h/", "`-b cookies.txt` reads cookies from a file"),
    ("curl -H @headers.txt http://h/", "reads headers from a file"),
    ("curl -T up.bin http://h/", "curl option `-T` is not translated"),
    ("curl --digest -u a:b http://h/", "curl option `--digest` is not translated"),
    ("curl http://h/a http://h/b", "2 URLs"),
    ("curl 'http://h/{a,b}'", "URL globbing"),
    ("curl -s", "no URL"),
    ("curl --json '{}' -d a=1 http://h/", "`--json` mixed with `-d`"),
    ("curl -m soon http://h/", "is not a number of seconds"),
])
def test_lines_that_stay_curl_say_why(line: str, reason: str) -> None:
    assert reason in refused(line)


def test_shell_variables_are_read_from_the_environment_not_made_secrets() -> None:
    book = SecretBook(prefix="T")
    conversion = curl_conversion(
        shlex.split('curl -u "$USER:$PASS" -d "password=$PW" -H "Authorization: Bearer ${TOKEN}" $BASE/x'),
        book, "")
    assert book.found == []
    assert conversion.config == {
        "method": "POST", "url": "http://${BASE}/x", "headers": {"Authorization": "Bearer ${TOKEN}"},
        "auth": {"basic": ["${USER}", "${PASS}"]}, "form": {"password": "${PW}"},
        "expect": {"status": "2xx"}}
