"""Fixtures for x/crossvm: the synchronous path's world (a chain with a CosmWasm counter and a
CrossCounter) and the asynchronous path's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.crossvm.asynckit import AsyncWorld
from tests.unit.crossvm.crosskit import World


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "db")
    try:
        yield w
    finally:
        w.close()


@pytest.fixture
def aw(tmp_path: Path) -> Iterator[AsyncWorld]:
    world = AsyncWorld(tmp_path / "db")
    try:
        yield world
    finally:
        world.close()
