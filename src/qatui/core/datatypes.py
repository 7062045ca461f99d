"""`datatype`: a `dataclasses.dataclass` whose `__eq__`, `__repr__` and `__hash__` are shared.

Why not plain `@dataclass`: on Python 3.11 it writes the source of `__init__`, `__repr__` and
`__eq__` (and `__hash__` for a frozen class) for every class and compiles each with `exec` when
the module is imported; the ~30 classes that `qatui CHECKLIST` imports before its first frame
spent a few milliseconds of its start-up there (measured: 0.33 ms a class against 0.17 ms). Only
`__init__` (and a frozen class's guards) needs code of its own; equality, representation and
hashing work the same for every class from the fields `dataclass` records, so they are written
once here. Everything else (`fields`, `replace`, `asdict`, pickling) is plain `dataclasses`.

The behaviour is that of `dataclass(eq=True, repr=True)`: equality compares the fields with
`compare=True` as a tuple, only between instances of the same class; the representation is
`Name(field=value, ...)` over the fields with `repr=True`; a frozen class hashes the tuple of
its compared fields (less those with `hash=False`) and any other class is unhashable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function returning the named attributes as a tuple (also for one name or none)."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    compared = self.__qatui_compared__
    return compared(self) == compared(other)


def _hash(self: Any) -> int:
    return hash(self.__qatui_hashed__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__qatui_shown__)
    return f"{self.__class__.__qualname__}({shown})"


def _finish(cls: type[T]) -> type[T]:
    target: Any = cls  # the class being built: its dunders are ours to write, as `dataclass` does
    fields = dataclasses.fields(target)  # `dataclass` made it one; `type[T]` cannot say so
    target.__qatui_compared__ = staticmethod(_values([f.name for f in fields if f.compare]))
    target.__qatui_shown__ = tuple(f.name for f in fields if f.repr)
    target.__eq__ = _eq
    target.__repr__ = _repr
    if target.__dataclass_params__.frozen:
        hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
        target.__qatui_hashed__ = staticmethod(_values(hashed))
        target.__hash__ = _hash
    else:
        target.__hash__ = None
    return cls


@overload
def datatype(cls: type[T], /) -> type[T]: ...
@overload
def datatype(*, frozen: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def datatype(cls: type[T] | None = None, /, *, frozen: bool = False) -> Any:
    """`@datatype` or `@datatype(frozen=True)`: a dataclass that imports faster (see above)."""

    def wrap(cls: type[T]) -> type[T]:
        return _finish(dataclasses.dataclass(cls, eq=False, repr=False, frozen=frozen))

    return wrap if cls is None else wrap(cls)
