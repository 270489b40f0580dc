"""Fixtures for x/crossvm's synchronous path: a chain with a CosmWasm counter and a CrossCounter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.crossvm.crosskit import World


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "db")
    try:
        yield w
    finally:
        w.close()
