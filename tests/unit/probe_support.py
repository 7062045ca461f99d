"""Shared test helpers."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from qatui.cli import main
from tests.servers import PASSWORD

CHECKLIST = """\
qatui: 1
title: Smoke
secrets:
  api_password: {{env: QATUI_TEST_API_PASSWORD}}
  canary: {{env: QATUI_TEST_CANARY}}
environments:
  local:
    label: Local
    default: true
    vars: {{base_url: "{base}"}}
  production:
    label: Production
    protected: true
    vars: {{base_url: "{base}"}}
signoff:
  facts: {{App version: app_version}}
metrics:
  - id: products-time
    name: Product list
    probe: products
sections:
  - id: api
    title: API
    priority: critical
    items:
      - id: api-token
        title: Token
        probes:
          - id: login
            kind: http
            method: POST
            url: ${{base_url}}/api-token-auth/
            json: {{username: qa, password: "${{api_password}}"}}
            capture:
              token: {{json: token, secret: true}}
      - id: api-products
        title: Products
        probes:
          - id: products
            kind: http
            url: ${{base_url}}/api/v1/products/
            headers: {{Authorization: "Token ${{token}}", X-Canary: "${{canary}}"}}
            expect:
              status: 200
              json: {{count: 2}}
      - id: version
        title: Version
        probes:
          - id: app-version
            kind: http
            url: ${{base_url}}/json
            capture:
              app_version: {{json: version}}
      - id: shell
        title: Shell
        probes:
          - id: echo
            kind: command
            run: echo "${{canary}}"
            expect: {{stdout_contains: "{echo_expect}"}}
      - id: wipe
        title: Wipe data
        destructive: true
        probes:
          - id: wipe-probe
            kind: http
            method: POST
            url: ${{base_url}}/echo
"""

CANARY = "canary-7Hq2-never-print-me"



def write(tmp_path: Path, base: str, echo_expect: str = "canary", *, trusted: bool = True) -> Path:
    """The smoke checklist, trusted as `qatui trust --yes` would (an untrusted one runs nothing)."""
    path = tmp_path / "smoke.yaml"
    path.write_text(CHECKLIST.format(base=base, echo_expect=echo_expect))
    if trusted:
        from qatui.core.loader import load_checklist
        from qatui.core.trust import trust

        env = cli_env(tmp_path, None)
        trust(load_checklist(path, env=env), env)
    return path


def cli_env(tmp_path: Path, extra_env: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QATUI_")}
    env.update({
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "QATUI_TEST_API_PASSWORD": PASSWORD,
        "QATUI_TEST_CANARY": CANARY,
        "NO_COLOR": "1",
    })
    env.update(extra_env or {})
    return env


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`qatui.cli.main` in this process, with an injected environment (as httpie's tests do)."""

    def call(*args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        try:
            code = main(list(args), cli_env(tmp_path, extra_env))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)

    return call

