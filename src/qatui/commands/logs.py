"""`qatui logs` — not built yet in this session."""

from __future__ import annotations

import argparse
from collections.abc import Mapping


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print("qatui logs: not available yet")
    return 2
