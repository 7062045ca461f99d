"""`datatype` behaves as `dataclass(eq=True, repr=True)` does, with shared methods."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import field

import pytest

from qatui.core.checklist import Item
from qatui.core.datatypes import datatype
from qatui.core.errors import Position


@datatype
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    cache: int = field(default=0, compare=False, repr=False)


@datatype
class Other:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    cache: int = field(default=0, compare=False, repr=False)


@datatype(frozen=True)
class Key:
    name: str
    note: str = field(default="", hash=False)


@dataclasses.dataclass
class Plain:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    cache: int = field(default=0, compare=False, repr=False)


def test_equality_compares_the_compared_fields_of_the_same_class_only() -> None:
    assert Point(1, 2, ["a"], cache=5) == Point(1, 2, ["a"], cache=9)
    assert Point(1, 2) != Point(1, 3)
    assert Point(1) != Other(1)  # as dataclasses: another class is never equal
    assert (Point(1) == 1) is False


def test_repr_is_the_dataclass_repr() -> None:
    assert repr(Point(1, 2, ["a"], cache=5)) == repr(Plain(1, 2, ["a"], cache=5)).replace("Plain", "Point")


def test_mutable_classes_are_unhashable_and_frozen_ones_hash_their_fields() -> None:
    with pytest.raises(TypeError):
        hash(Point(1))
    assert hash(Key("a", "x")) == hash(Key("a", "y"))  # `note` is left out of the hash
    assert {Key("a"): 1}[Key("a")] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        Key("a").name = "b"  # type: ignore[misc]


def test_the_rest_of_dataclasses_works_as_before() -> None:
    point = Point(1, 2, ["a"])
    assert [f.name for f in dataclasses.fields(point)] == ["x", "y", "tags", "cache"]
    assert dataclasses.replace(point, y=5) == Point(1, 5, ["a"])
    assert dataclasses.asdict(point) == {"x": 1, "y": 2, "tags": ["a"], "cache": 0}
    assert pickle.loads(pickle.dumps(point)) == point


def test_the_core_model_uses_it() -> None:
    item = Item(id="a", title="A", section_id="s", position=Position("c.yaml", 3, 5))
    assert item == Item(id="a", title="A", section_id="s", position=Position("c.yaml", 3, 5))
    assert "Item(id='a', title='A'" in repr(item)
    assert hash(Position("c.yaml", 3, 5)) == hash(Position("c.yaml", 3, 5))


def test_every_model_class_says_what_it_is_so_none_pays_for_a_made_up_docstring() -> None:
    # A dataclass without a docstring of its own gets one made from `inspect.signature` when
    # its module is imported (~0.1 ms a class, 18 of them on the way to the first frame).
    import importlib
    import pkgutil

    import qatui

    missing = []
    for module_info in pkgutil.walk_packages(qatui.__path__, "qatui."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (isinstance(value, type) and value.__module__ == module.__name__ and dataclasses.is_dataclass(value)
                    and "__doc__" in value.__dict__ and (value.__doc__ or "").startswith(f"{value.__name__}(")):
                missing.append(f"{module.__name__}.{name}")
    assert missing == []
