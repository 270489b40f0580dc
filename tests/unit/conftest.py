"""Fixtures shared by the unit tests: the composed application driven block by block."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.core.chainkit import Chain


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    """A chain on the devnet genesis over a LevelDB under ``tmp_path`` (a module that needs
    another genesis or extra modules defines its own ``chain``)."""
    chain = Chain(tmp_path / "db")
    yield chain
    chain.close()
