"""`qatui trust CHECKLIST` — show every command a checklist would run, then trust it.

The user reviews what will run on their machine (command probes) and inside containers (exec
probes), with `${variables}` expanded where they can be (no secret is read before trust, so a
command that uses one is shown as written), and the environment variables and secret files it
reads, and answers y/N. Until then the checklist runs nothing at all (see `core/run/gate.py`). `--yes` trusts without asking (CI); `--revoke` forgets the file. Trust is for the file's
exact content: after an edit qatui asks again.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    parser.add_argument("checklist", metavar="CHECKLIST", help="checklist file to review and trust")
    parser.add_argument("--yes", "-y", action="store_true", help="trust without asking (for CI)")
    parser.add_argument("--revoke", action="store_true", help="forget this checklist: its commands stop running")
    parser.add_argument("--env", "-e", dest="environment", default=None, metavar="NAME",
                        help="expand variables with this environment's values (default: the checklist's default)")


def run(args: argparse.Namespace) -> int:
    from qatui.commands._common import UsageError, choose_environment, load_or_report
    from qatui.core.run import TrustState

    env: Mapping[str, str] = getattr(args, "env_vars", None) or os.environ
    checklist = load_or_report(args.checklist, env)
    if checklist is None:
        return 2
    state = TrustState(checklist, env)  # the run's view of the store: the screen asks the same
    if args.revoke:
        was = state.revoke()
        print(f"{args.checklist}: {'no longer trusted' if was else 'was not trusted'}")
        return 0

    try:
        environment = choose_environment(checklist, args.environment, env)
    except UsageError as error:
        print(f"qatui trust: {error.message}", file=sys.stderr)
        return 2
    env_key = environment.key if environment else None

    count = state.command_count()
    if state.trusted and not args.yes:
        print(f"{args.checklist} is already trusted as it is now ({count} command(s)).")
        return 0
    if state.changed():
        print(f"{args.checklist} changed since you trusted it; review it again.")
    # Workspace trust: an untrusted checklist runs nothing at all (HTTP, WebSocket and TCP
    # probes and log sources included), so one without commands is trusted the same way. The
    # review is whole and inert (core/trust_review.py): nothing cut, no control character.
    print(f"{args.checklist} runs {count} command(s); per environment, what it runs, talks to and reads:\n")
    for block in state.review(env_key):
        print(block)
    print()
    if not args.yes:
        if not sys.stdin.isatty():
            print("qatui trust: not a terminal, so nobody can answer; pass --yes to trust it", file=sys.stderr)
            return 1
        try:
            answer = input(f"Trust {args.checklist} and let qatui run it? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Not trusted; nothing from it runs (no probe, no log source, no secret read).")
            return 1
    state.grant()
    print(f"Trusted {args.checklist} (until it changes).")
    return 0

