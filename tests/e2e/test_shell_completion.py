"""`qatui completion bash|zsh|fish` sourced into the real shell, completing as a user types.

Each shell runs in tmux with no user configuration, sources the script the installed `qatui`
prints, and gets keystrokes: a command, an option, an option's choices and a file name must be
completed by Tab. The prompt is set to `QP> ` so the line being edited is the last one that
starts with it. bash is always tested; zsh and fish when installed (`.ci/run` installs them,
and under CI=true a missing one is a failure).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.helpers import IN_CI, Tmux, isolated_env, qatui_binary, require_tmux, wait_for

pytestmark = [pytest.mark.tmux, pytest.mark.timeout(120)]

PROMPT = "QP> "

#: (typed before Tab, what the edited line must then hold; tmux drops trailing spaces)
CASES = [
    ("qatui rep", "qatui report"),
    ("qatui probe --for", "qatui probe --format"),
    ("qatui logs x.yaml -e local --fol", "--follow"),
    ("qatui demo --env demo-p", "qatui demo --env demo-protected"),
    ("qatui report --against old-rec", "qatui report --against old-record.md"),
    ("qatui valid", "qatui validate"),
    ("qatui validate checklist-o", "qatui validate checklist-one.yaml"),
    ("qatui checklist-o", "qatui checklist-one.yaml"),
]

SETUP = {
    "bash": ["bash", "--norc", "--noprofile", "-i"],
    "zsh": ["zsh", "-f", "-i"],
    "fish": ["fish", "--no-config", "-i"],
}

SOURCE = {
    "bash": [f"PS1='{PROMPT}'", "source <(qatui completion bash)"],
    "zsh": [f"PS1='{PROMPT}'", "autoload -U compinit && compinit -u", "source <(qatui completion zsh)"],
    "fish": [f"function fish_prompt; echo -n '{PROMPT}'; end", "set -g fish_autosuggestion_enabled 0",
             "qatui completion fish | source"],
}


def edited_line(screen: str) -> str:
    """The last prompt line (tmux drops trailing spaces, so an empty line is `QP>`)."""
    lines = [line for line in screen.splitlines() if line.startswith(PROMPT.strip())]
    return lines[-1] if lines else ""


def fresh_prompt(tmux: Tmux) -> None:
    """Drop the line being edited (ctrl+c, again if a busy machine lost it) and wait for an
    empty prompt, so the next case types on a clean line."""
    for _ in range(3):
        tmux.keys("C-c")
        try:
            tmux.wait_screen(lambda s: edited_line(s) == PROMPT.strip(), timeout=5, what="an empty prompt")
            return
        except AssertionError:
            continue
    tmux.wait_screen(lambda s: edited_line(s) == PROMPT.strip(), timeout=5, what="an empty prompt")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_in_a_real_shell(shell: str, tmp_path: Path) -> None:
    tmux_path = require_tmux()
    if shutil.which(shell) is None:
        if IN_CI or shell == "bash":
            pytest.fail(f"{shell} is not installed, and its completion must be tested here")
        pytest.skip(f"{shell} is not installed (apt-get install {shell})")
    work = tmp_path / "work"
    work.mkdir()
    (work / "checklist-one.yaml").write_text("title: x\n")
    (work / "old-record.md").write_text("# x\n")
    bindir = str(Path(qatui_binary()).parent)
    env = isolated_env(tmp_path, HOME=str(tmp_path), PATH=f"{bindir}:/usr/bin:/bin", PS1=PROMPT)
    tmux = Tmux(tmux_path, env, width=120, height=30)
    tmux.start(SETUP[shell], work)
    try:
        for line in SOURCE[shell]:
            tmux.keys(line, literal=True)
            tmux.keys("Enter")
        tmux.keys("clear", "Enter")
        tmux.wait_screen(lambda s: edited_line(s) == PROMPT.strip() and "completion" not in s,
                         what=f"{shell} ready")
        for typed, expected in CASES:
            tmux.keys(typed, literal=True)
            tmux.wait_screen(lambda s, t=typed: edited_line(s).endswith(t), what=f"{typed!r} typed")
            tmux.keys("Tab")
            try:
                wait_for(lambda e=expected: e in edited_line(tmux.screen()), timeout=10,
                         what=f"{shell}: {typed!r} + Tab → {expected!r}")
            except AssertionError as error:
                raise AssertionError(f"{error}\n--- screen ---\n{tmux.screen()}") from None
            fresh_prompt(tmux)
    finally:
        tmux.kill()
