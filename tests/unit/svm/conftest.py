"""Fixtures of the SVM unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qorenode.node import Node, NodeConfig


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    """A node on the devnet genesis without servers or block loop: its JSON-RPC is called
    in-process (``svmrpc``), blocks are mined by the test (a module that needs another genesis
    defines its own ``node``)."""
    node = Node(NodeConfig(home=tmp_path / "home", block_time=None))
    yield node
    node.close()
