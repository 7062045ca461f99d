"""`qatui demo`: start the built-in target on loopback and open the demo checklist against it.

The demo is the README's first command, so it must work on a fresh machine with nothing but
qatui installed: the target (`qatui.demo.target`) runs inside this process on free loopback
ports, its addresses reach the checklist through `QATUI_DEMO_*` variables set in this process's
environment (the checklist refers to them like any other process variable), and the demo
password travels the same way as a secret, so it shows masked.

The shipped demo checklist runs a command probe. `qatui demo` trusts that one file itself, as
`qatui trust` would (it ships with qatui, so the user has already chosen to run it), and says so
on screen; any other checklist still asks.

The record goes to qatui's data folder (`$XDG_DATA_HOME/qatui/demo/`), not into the current
folder: a newcomer trying qatui inside some repository should not find a new `records/` folder
there. The file is named after the environment chosen on the start screen and the day; the
start screen shows it, and it is printed on exit so the Markdown can be read. Running the demo
again the same day carries on with that day's record, unless it is signed: then a new one
(`…-2.md`) starts and the screen says so (`core/record/choose.py`).

`qatui demo --serve` runs only the target and prints its variables as `export` lines, for
headless runs (`qatui probe`), the end-to-end tests and the benchmarks.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from qatui.core.fsutil import user_dir

if TYPE_CHECKING:
    from qatui.demo.target import DemoTarget

DEMO_ENVIRONMENTS = ("demo", "demo-protected")
TRUST_NOTICE = (
    "qatui demo trusted its own demo checklist (as `qatui trust` would): its command probe runs Python."
)


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    from qatui.cli import env_default

    parser.add_argument("--tester", default=env_default(env, "tester"),
                        help="who is testing (default: the name remembered, or asked)")
    parser.add_argument("--record", metavar="PATH", default=None,
                        help="where to write the record (default: qatui's data folder)")
    parser.add_argument("--env", "-e", dest="environment", choices=DEMO_ENVIRONMENTS, default="demo",
                        help="demo-protected shows how a protected environment looks (default: demo)")
    parser.add_argument("--serve", action="store_true",
                        help="only run the target and print its variables (for qatui probe, tests)")


def demo_checklist_path() -> Path:
    """The shipped demo checklist (`checklists/demo.yaml`, packaged as `qatui/demo/demo.yaml`)."""
    return Path(str(resources.files("qatui.demo").joinpath("demo.yaml"))).resolve()


def data_home(env: Mapping[str, str]) -> Path:
    return user_dir("data", env)


def record_folder(env: Mapping[str, str]) -> Path:
    """Where the demo's records go (`demo-<environment>-<day>.md`, as any checklist's)."""
    return data_home(env) / "demo"


def export_lines(variables: Mapping[str, str]) -> list[str]:
    return [f"export {name}={shlex.quote(value)}" for name, value in sorted(variables.items())]


def run(args: argparse.Namespace) -> int:
    from qatui.demo.target import DemoTarget

    target = DemoTarget()
    target.start()
    try:
        os.environ.update(target.environ())
        if args.serve:
            return _serve(target)
        return _open(args)
    finally:
        target.stop()


def _serve(target: DemoTarget) -> int:
    """Print the variables, then serve until interrupted (Ctrl-C or SIGTERM)."""
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    print("# qatui demo target; paste these lines into another shell, then e.g.")
    print(f"#   qatui trust {demo_checklist_path()} && qatui probe {demo_checklist_path()}")
    for line in export_lines(target.environ()):
        print(line)
    print(f"# serving HTTP on {target.base_url} and WebSocket on {target.ws_url}; Ctrl-C stops",
          flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    print("# demo target stopped", flush=True)
    return 0


def _open(args: argparse.Namespace) -> int:
    from qatui.commands.open import EXIT_USAGE, no_terminal
    from qatui.core.run.trust_state import TrustState
    from qatui.ui.app import create_app

    reason = no_terminal()
    if reason is not None:
        print(f"{reason} Run `qatui demo` in a terminal.", file=sys.stderr)
        return EXIT_USAGE
    env = dict(os.environ)
    folder = Path(args.record).parent if args.record else record_folder(env)
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(
        demo_checklist_path(),
        env_key=args.environment,
        tester=args.tester,
        record_path=args.record,
        record_folder=folder,
        env_vars=env,
    )
    assert app.checklist is not None
    TrustState(app.checklist, env).grant()  # the same trust store `qatui trust` writes
    app.notify(TRUST_NOTICE, title="Demo", timeout=12)
    result = app.run()
    record = app.record_path
    if app.recorder is not None and record.is_file():
        from qatui.commands._common import qatui_command

        print(f"qatui demo: your record is {record}")
        print(f"  read it in any Markdown viewer, or: {qatui_command()} report {shlex.quote(str(record))}")
    return result if isinstance(result, int) else int(app.return_code or 0)
