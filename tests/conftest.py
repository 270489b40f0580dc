"""Shared fixtures: a real node in-process on free ports (``qorenode.testing.Devnet``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qorenode.testing import Devnet


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    """A node whose blocks are produced only by ``devnet.mine()``."""
    with Devnet(tmp_path / "home") as net:
        yield net


@pytest.fixture
def instant_devnet(tmp_path: Path) -> Iterator[Devnet]:
    """A node in instant mode: a block as soon as transactions arrive."""
    with Devnet(tmp_path / "home", block_time=0) as net:
        yield net
