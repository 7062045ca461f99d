"""Full collections wait for a pause in the typing (or until they are long overdue)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from qatui.ui.gc_pacing import NEVER, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    seen: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(1)

    gc.callbacks.append(watch)
    try:
        yield seen
    finally:
        gc.callbacks.remove(watch)


def make_due() -> None:
    for _ in range(gc.get_threshold()[1] * 20):
        gc.collect(1)  # each middle collection counts towards the next full one


def test_start_takes_full_collections_off_the_automatic_schedule_and_stop_gives_it_back() -> None:
    before = gc.get_threshold()
    collector = IdleCollector()
    collector.start()
    try:
        assert gc.get_threshold() == (before[0], before[1], NEVER)
    finally:
        collector.stop()
    assert gc.get_threshold() == before


def test_a_due_collection_waits_while_keys_come(full_collections: list[int]) -> None:
    clock = Clock()
    collector = IdleCollector(idle=1.0, longest=30.0, clock=clock)
    collector.start()
    try:
        make_due()
        collector.key_pressed()
        clock.now += 0.5
        assert not collector.tick() and not full_collections  # typing: not now
        clock.now += 1.0
        assert collector.tick() and full_collections  # a pause: now
    finally:
        collector.stop()


def test_non_stop_typing_still_gets_a_collection_when_it_is_overdue(full_collections: list[int]) -> None:
    clock = Clock()
    collector = IdleCollector(idle=1.0, longest=30.0, clock=clock)
    collector.start()
    try:
        make_due()
        for _ in range(29):
            clock.now += 1.0
            collector.key_pressed()
            assert not collector.tick()
        clock.now += 1.0
        collector.key_pressed()
        assert collector.tick() and full_collections
    finally:
        collector.stop()
