"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.standin_support import running_standin


@pytest.fixture(scope="session")
def standin_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The Django stand-in, started once for every test that needs it (see standin_support)."""
    yield from running_standin(tmp_path_factory)
