"""Start-up: time to first paint of `qatui` on the shipped checklist vs a bare Textual app.

Both run as real processes in a 120×40 pty, alternately, several times in the same run; the
figure is the median of each and their ratio. First paint is the moment the checklist's title
(for qatui) or the bare app's only widget is on the terminal. Target: ≤ 1.3 × the bare app.

    python benchmarks/startup.py [--runs 15] [--checklist checklists/django-upgrade.yaml]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    BARE_APP,
    ROOT,
    bench_env,
    first_paint,
    median,
    ms,
    python_app,
    qatui_command,
    scratch,
    verdict,
)

TARGET_RATIO = 1.3


def qatui_argv(checklist: Path, record: Path) -> tuple[list[str], str]:
    """The command that opens `checklist` straight on the main screen, and the text to wait for."""
    from qatui.core.loader import load_checklist

    loaded = load_checklist(checklist)
    environment = loaded.default_environment()
    argv = [*qatui_command(), str(checklist), "--tester", "Bench", "--record", str(record)]
    if environment is not None:
        argv += ["--env", environment.key]
    return argv, loaded.title[:24]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--checklist", type=Path, default=ROOT / "checklists" / "django-upgrade.yaml")
    args = parser.parse_args(argv)

    tmp = scratch()
    env = bench_env(tmp)
    bare: list[float] = []
    qatui: list[float] = []
    # One untimed run of each warms the disk cache, as a second start of either would be.
    first_paint(python_app(BARE_APP), "qatui-floor-ready", env)
    command, marker = qatui_argv(args.checklist, tmp / "warm.md")
    first_paint(command, marker, env)
    for run in range(args.runs):
        bare.append(first_paint(python_app(BARE_APP), "qatui-floor-ready", env))
        command, marker = qatui_argv(args.checklist, tmp / f"record-{run}.md")
        qatui.append(first_paint(command, marker, env))

    ratio = median(qatui) / median(bare)
    print(f"start-up to first paint, 120x40, {args.runs} runs each (medians)")
    print(f"  bare Textual app, one widget : {ms(median(bare))}  (min {ms(min(bare))})")
    print(f"  qatui {args.checklist.name:22} : {ms(median(qatui))}  (min {ms(min(qatui))})")
    print(f"  ratio of the fastest runs {min(qatui) / min(bare):.2f} (context: the machine's noise)")
    print(f"  ratio {ratio:.2f} (target <= {TARGET_RATIO})  {verdict(ratio <= TARGET_RATIO)}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
