"""Every command over every hostile input ends in words: exit 0, 1 or 2, within its timeout,
no traceback, no crash log (tests/corpora/hostile/README.md lists what each file tries)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CORPUS = Path(__file__).parents[1] / "corpora" / "hostile"
GOLDEN = Path(__file__).parents[1] / "golden" / "record-unsigned.md"
COMMANDS = ("validate", "probe", "logs", "trust", "report", "import", "open")
#: Seconds one command may take on one input; a hang fails here instead of hanging CI.
TIMEOUT = 60


def made_at_test_time(folder: Path) -> Iterator[Path]:
    """Inputs that cannot be committed: special files, links, very large ones."""
    fifo = folder / "fifo.yaml"
    os.mkfifo(fifo)
    yield fifo
    fifo_md = folder / "fifo-record.md"
    os.mkfifo(fifo_md)
    yield fifo_md
    (folder / "loop-a.yaml").symlink_to(folder / "loop-b.yaml")
    (folder / "loop-b.yaml").symlink_to(folder / "loop-a.yaml")
    yield folder / "loop-a.yaml"
    (folder / "dangling.md").symlink_to(folder / "gone.md")
    yield folder / "dangling.md"
    yield Path("/dev/zero")
    huge = folder / "huge-line.md"
    huge.write_text("# Huge\n\n## CRITICAL\n\n" + "- [ ] x " * 131_072 + "\n", encoding="utf-8")
    yield huge
    deep = folder / "deep-100000.md"
    anchor = '"where":"django-upgrade.yaml:88"}'
    nested = "[" * 100_000 + "]" * 100_000
    deep.write_text(GOLDEN.read_text(encoding="utf-8").replace(anchor, anchor[:-1] + f',"x":{nested}}}', 1),
                    encoding="utf-8")
    yield deep


def inputs(folder: Path) -> list[Path]:
    committed = sorted(path for path in CORPUS.iterdir() if path.name != "README.md")
    return committed + list(made_at_test_time(folder))


def test_every_command_over_every_hostile_input_ends_in_words(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QATUI_", "XDG_"))}
    env.update(XDG_STATE_HOME=str(state), XDG_CACHE_HOME=str(tmp_path / "cache"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(work / "socket.yaml"))
    failures: list[str] = []
    try:
        for path in [*inputs(work), work / "socket.yaml"]:
            for command in COMMANDS:
                try:
                    done = subprocess.run(
                        [sys.executable, "-m", "qatui", command, str(path)], cwd=work, env=env,
                        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                        errors="replace",
                    )
                except subprocess.TimeoutExpired:
                    failures.append(f"{command} {path.name}: still running after {TIMEOUT} s")
                    continue
                said = done.stdout + done.stderr
                if done.returncode not in (0, 1, 2) or "Traceback" in said or "internal error" in said:
                    failures.append(f"{command} {path.name}: exit {done.returncode}: {done.stderr[-300:]}")
    finally:
        listener.close()
    assert failures == []
    assert not list(state.glob("qatui/crash-*.log"))


@pytest.mark.parametrize(("name", "said"), [
    ("retry-forever.yaml", "'count': must be at most 100, got 1000000000"),
    ("variable-cycle.yaml", "variable cycle: ${host} → ${port_host} → ${host}"),
    ("self-capture.yaml", "which only it captures itself"),
])
def test_the_hostile_checklists_are_refused_for_what_they_are(name: str, said: str) -> None:
    done = subprocess.run([sys.executable, "-m", "qatui", "validate", str(CORPUS / name)],
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 1 and said in done.stdout, done.stdout
