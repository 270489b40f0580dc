"""evm_mine and anvil_mine as anvil takes them: block counts, timestamps, intervals, and clear
refusals of bad input, on an in-process node whose clock the test sets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qorenode.node import MAX_MINED_BLOCKS, Node, NodeConfig
from tests.unit.nodekit import ManualClock, call

CLOCK_START = 1_800_000_000  # after the genesis block's time


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(CLOCK_START)


@pytest.fixture
def node(tmp_path: Path, clock: ManualClock) -> Iterator[Node]:
    node = Node(NodeConfig(home=tmp_path / "home", block_time=None, clock=clock))
    yield node
    node.close()


def height(node: Node) -> int:
    return int(call(node, "eth_blockNumber")["result"], 16)


def timestamps(node: Node, first: int, last: int) -> list[int]:
    blocks = [
        call(node, "eth_getBlockByNumber", hex(n), False)["result"] for n in range(first, last + 1)
    ]
    return [int(block["timestamp"], 16) for block in blocks]


def test_anvil_mine_makes_the_blocks_asked_for(node: Node, clock: ManualClock) -> None:
    start = height(node)
    assert call(node, "anvil_mine")["result"] == "0x0"
    assert height(node) == start + 1
    assert call(node, "anvil_mine", "0x3")["result"] == "0x0"
    assert call(node, "anvil_mine", 2)["result"] == "0x0"
    assert height(node) == start + 6
    # the clock stands still: each block is a second after its parent
    times = timestamps(node, start + 1, start + 6)
    assert times == list(range(times[0], times[0] + 6))


def test_anvil_mine_spaces_the_blocks_by_the_interval(node: Node, clock: ManualClock) -> None:
    clock.now = CLOCK_START + 500
    start = height(node)
    call(node, "anvil_mine", "0x3", "0xa")
    assert timestamps(node, start + 1, start + 3) == [
        CLOCK_START + 500,
        CLOCK_START + 510,
        CLOCK_START + 520,
    ]


def test_evm_mine_takes_a_timestamp_or_options(node: Node, clock: ManualClock) -> None:
    start = height(node)
    target = CLOCK_START + 3600
    assert call(node, "evm_mine", target)["result"] == "0x0"
    assert height(node) == start + 1
    assert timestamps(node, start + 1, start + 1) == [target]
    # the next block follows the time set, not the clock behind it
    call(node, "evm_mine")
    assert timestamps(node, start + 2, start + 2) == [target + 1]
    later = target + 7200
    call(node, "evm_mine", {"timestamp": hex(later), "blocks": 3})
    assert height(node) == start + 5
    assert timestamps(node, start + 3, start + 5) == [later, later + 1, later + 2]
    call(node, "evm_mine", {"blocks": "0x2"})
    assert height(node) == start + 7


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("anvil_mine", ["0xzz"], "invalid block count"),
        ("anvil_mine", [-1], "invalid block count"),
        ("anvil_mine", [True], "invalid block count"),
        ("anvil_mine", [{}], "invalid block count"),
        ("anvil_mine", [0], "block count must be 1 to"),
        ("anvil_mine", [MAX_MINED_BLOCKS + 1], "block count must be 1 to"),
        ("anvil_mine", [2**300], "invalid block count"),
        ("anvil_mine", [1, 0], "interval must be at least 1"),
        ("anvil_mine", [1, "ten"], "invalid interval"),
        ("evm_mine", ["soon"], "invalid timestamp"),
        ("evm_mine", [1.5], "invalid timestamp"),
        ("evm_mine", [{"timestamp": 5, "gas": 1}], "unknown evm_mine options: gas"),
        ("evm_mine", [{"blocks": 0}], "block count must be 1 to"),
        ("evm_mine", [CLOCK_START - 1], "is not after the latest block's"),
    ],
)
def test_bad_mining_requests_are_refused_and_mine_nothing(
    node: Node, method: str, params: list[Any], message: str
) -> None:
    call(node, "anvil_mine")  # a latest block with the clock's time
    before = height(node)
    response = call(node, method, *params)
    assert "result" not in response
    assert response["error"]["code"] == -32602, response
    assert message in response["error"]["message"]
    assert height(node) == before
    assert call(node, "anvil_mine")["result"] == "0x0"  # and the node still mines
