"""One truth on the screen and in CI: the same checklist against the same target gives the same
verdict for every probe through `qatui probe` and through the screen (`differential.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.differential import probe_verdicts, screen_verdicts, trust_in
from tests.e2e.helpers import isolated_env, served_demo

DEMO = Path(__file__).resolve().parents[2] / "checklists" / "demo.yaml"
DJANGO = Path(__file__).resolve().parents[2] / "checklists" / "django-upgrade.yaml"


async def test_demo_checklist_same_verdicts_on_the_screen_and_in_ci(tmp_path: Path) -> None:
    base_env = isolated_env(tmp_path)
    with served_demo(base_env) as demo:
        env = {**base_env, **demo.variables}
        trust_in(DEMO, env)
        cli = probe_verdicts(DEMO, "demo", env)
        screen = await screen_verdicts(DEMO, "demo", env, tmp_path)
        # the protected environment: the destructive probe is asked about, and declined, on both
        protected_cli = probe_verdicts(DEMO, "demo-protected", env)
        protected_screen = await screen_verdicts(DEMO, "demo-protected", env, tmp_path / "protected")
    assert set(cli) == set(screen) == {p.id for item in _items(DEMO, env) for p in item.probes}
    differ = {probe: (cli[probe], screen[probe]) for probe in cli if cli[probe] != screen[probe]}
    assert not differ, f"probe: (qatui probe, screen) {differ}"
    # not a comparison of two empty runs: the demo passes most probes and fails two on purpose
    assert sum(status == "passed" for status in cli.values()) >= 10
    assert cli["label-print"] == "failed" and cli["ws-wrong-port"] == "failed"
    assert cli["python-version"] == "passed"  # a command probe: trust reached both faces
    assert protected_cli == protected_screen
    assert protected_cli["cache-clear"] == "not_run" and protected_cli["health"] == "passed"


def _items(path: Path, env: dict[str, str]) -> list:  # type: ignore[type-arg]
    from qatui.core.loader import load_checklist

    return load_checklist(path, env=env).items()


@pytest.mark.standin
@pytest.mark.timeout(900)
async def test_django_checklist_same_verdicts_on_the_screen_and_in_ci(standin_env: dict[str, str],
                                                                    tmp_path: Path) -> None:
    """The shipped django-upgrade.yaml against the real Django stand-in (its destructive probes
    confirmed on both faces, as test_django_standin does)."""
    env = standin_env
    trust_in(DJANGO, env)
    cli = probe_verdicts(DJANGO, "standin", env, allow_destructive=True)
    screen = await screen_verdicts(DJANGO, "standin", env, tmp_path, allow_destructive=True)
    assert set(cli) == set(screen) == {p.id for item in _items(DJANGO, env) for p in item.probes}
    differ = {probe: (cli[probe], screen[probe]) for probe in cli if cli[probe] != screen[probe]}
    assert not differ, f"probe: (qatui probe, screen) {differ}"
    assert sum(status == "passed" for status in cli.values()) >= 30
