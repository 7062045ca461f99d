"""Fixtures shared by the unit tests."""

from tests.unit.probe_support import cli  # noqa: F401  (a fixture, used by name)
