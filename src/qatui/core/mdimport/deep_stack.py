"""Run the Markdown parse in a thread with room to recurse once or twice per nesting level."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

#: Deep enough for any list a 2 MB file can hold (each level costs at least two characters).
MAX_NESTING = 1_000_000


#: markdown-it and the tree walk recurse a few frames per nesting level: a thread with room.
_DEEP_STACK = 512 * 1024 * 1024


_DEEP_RECURSION = 200_000


T = TypeVar("T")


def with_deep_stack(work: Callable[[], T]) -> T:
    """`work()` run in a thread with room to recurse once or twice per nesting level.

    markdown-it's commonmark preset stops at 20 levels (`maxNesting`) and drops what is deeper
    without a word: a hundred nested task boxes came out as nine. The limit is lifted, and as
    the parser (and the walk over its tree) recurse per level, the import runs in a thread with
    a large stack and recursion limit. A 2 MB file nests at most ~1,400 levels; that imports
    in about 2 s."""
    import sys
    import threading

    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # re-raised in the caller's thread below
            failure.append(error)

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, _DEEP_RECURSION))
    try:
        threading.stack_size(_DEEP_STACK)
        thread = threading.Thread(target=run, name="qatui-markdown-import")
        thread.start()
    finally:
        threading.stack_size(old_stack)
    thread.join()
    sys.setrecursionlimit(old_limit)
    if failure:
        raise failure[0]
    return outcome[0]
