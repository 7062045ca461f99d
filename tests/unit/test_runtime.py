"""The interpreter settings qatui bends are given back whichever way the code leaves."""

from __future__ import annotations

import argparse
import gc
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from qatui.commands import open as open_command
from qatui.core import runtime


class Boom(Exception):
    pass


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled, threshold, interval = gc.isenabled(), gc.get_threshold(), sys.getswitchinterval()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        sys.setswitchinterval(interval)
        (gc.enable if enabled else gc.disable)()


def test_a_pause_ends_even_when_the_block_raises_and_nested_pauses_end_with_the_outer_one() -> None:
    gc.enable()
    with pytest.raises(Boom), runtime.paused_gc():
        with runtime.paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause found it paused and leaves it so
        raise Boom
    assert gc.isenabled()


def test_a_pause_does_not_turn_on_a_collector_that_was_off() -> None:
    gc.disable()
    with runtime.paused_gc():
        pass
    assert not gc.isenabled()


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_garbage_is_collected_before_the_survivors_are_frozen() -> None:
    # A frozen object is never freed: start-up's garbage must be gone before the freeze.
    gc.disable()
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    assert gone() is not None
    runtime.freeze_long_lived()
    assert gone() is None
    assert gc.get_freeze_count() > 0 and gc.isenabled()


def test_full_collections_come_back_to_the_schedule_even_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(Boom), runtime.manual_full_collections() as saved:
        assert saved == before and gc.get_threshold() == (before[0], before[1], runtime.NEVER)
        raise Boom
    assert gc.get_threshold() == before


def test_the_switch_interval_comes_back_even_after_an_error() -> None:
    before = sys.getswitchinterval()
    with pytest.raises(Boom), runtime.switch_interval(runtime.KEYS_SWITCH_INTERVAL):
        assert sys.getswitchinterval() == pytest.approx(runtime.KEYS_SWITCH_INTERVAL)
        raise Boom
    assert sys.getswitchinterval() == pytest.approx(before)


def test_qatui_checklist_that_stops_before_the_screen_leaves_the_collector_on(tmp_path: Path) -> None:
    # `qatui CHECKLIST` pauses the collector for start-up; an early exit (here: no such file)
    # used to need its own `gc.enable()` on every path.
    gc.enable()
    args = argparse.Namespace(checklist=str(tmp_path / "missing.yaml"), env=None, tester=None, record=None,
                              baseline=None, auto_run=None, env_vars={})
    assert open_command.run(args) == open_command.EXIT_USAGE
    assert gc.isenabled()
