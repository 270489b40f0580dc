"""eth_call and eth_estimateGas through 0x901: a call returns the CosmWasm answer and keeps
nothing; an estimate is a limit with which the transaction succeeds, also at depth 3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from qorenode.interfaces import NodeError
from qorenode.rpc.registry import ApiRegistry
from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.crosskit import (
    BAD_MESSAGE,
    CROSSVM,
    DEV0,
    DEV1,
    EVENT_TOPIC,
    INCREMENT,
    SLOT_HOPS,
    StubNode,
    World,
    hx,
    reason_of,
    type_topic,
)
from vms.evm.errors import CallReverted
from vms.evm.rpc import BlockOverrides, parse_block_id, parse_call, register_eth_api


def pending_writes(world: World) -> dict[bytes, bytes | None]:
    """The application's uncommitted working-state writes (empty between blocks)."""
    return dict(world.chain.app.state._pending)


def test_eth_call_of_increment_returns_data_and_keeps_nothing(world: World) -> None:
    world.cc_send("increment()")
    assert pending_writes(world) == {}
    head = world.chain.evm.head.block_number
    out = world.call(world.cc, calldata("increment()"))
    assert abi_decode(["bytes"], out) == (b"",)  # the counter's data is null
    out = world.call(CROSSVM, calldata("execute(string,bytes)", world.counter_text, INCREMENT))
    assert out == abi_encode(["bytes"], [b""])
    assert world.count() == 1
    assert world.view(world.cc, "count()", ["bytes"]) == b'{"count":1}'
    assert pending_writes(world) == {}
    assert world.chain.evm.head.block_number == head
    # calls in a row each see the committed count, not the previous call's
    for _ in range(3):
        world.call(world.cc, calldata("increment()"))
    assert world.count() == 1
    # and the next block starts from the committed state
    world.cc_send("increment()")
    assert world.count() == 2


def test_eth_call_with_value_moves_nothing(world: World) -> None:
    value = 10**16
    before = (world.balance(DEV0.address), world.balance(world.counter), world.balance(CROSSVM))
    world.call(world.cc, calldata("incrementWithValue()"), value=hex(value))
    after = (world.balance(DEV0.address), world.balance(world.counter), world.balance(CROSSVM))
    assert after == before
    assert pending_writes(world) == {}


def test_eth_call_reports_reverts(world: World) -> None:
    with pytest.raises(CallReverted) as reverted:
        world.call(world.cc, calldata("incrementThenRevert()"))
    assert reverted.value.message == "execution reverted: CrossCounter: revert after increment"
    with pytest.raises(CallReverted) as failed:
        world.call(CROSSVM, calldata("execute(string,bytes)", world.counter_text, BAD_MESSAGE))
    assert reason_of(failed.value.revert_data).startswith("crossvm: ")
    # tryIncrement of a bad message answers false
    out = world.call(
        world.cc, calldata("tryIncrement(string,bytes)", world.counter_text, BAD_MESSAGE)
    )
    assert abi_decode(["bool"], out) == (False,)
    assert world.count() == 0
    assert pending_writes(world) == {}


def test_estimate_is_a_limit_with_which_the_transaction_succeeds(world: World) -> None:
    data = calldata("increment()")
    estimate = world.estimate(world.cc, data)
    assert estimate > 21_000 + 50_000 + 60_000
    low, _ = world.send(world.cc, data, gas=estimate - 1)
    assert not low.success  # the estimate is the smallest limit that works
    assert world.count() == 0
    ok, record = world.send(world.cc, data, gas=estimate)
    assert ok.success, ok.log
    assert record.gas_used <= estimate
    assert world.count() == 1


def test_estimate_with_value(world: World) -> None:
    data = calldata("incrementWithValue()")
    estimate = world.estimate(world.cc, data, value=hex(10**15))
    ok, _ = world.send(world.cc, data, value=10**15, gas=estimate)
    assert ok.success, ok.log
    assert world.balance(world.counter) == 10**15


def test_estimate_of_a_failing_transaction_reports_its_revert(world: World) -> None:
    with pytest.raises(CallReverted) as reverted:
        world.estimate(world.cc, calldata("incrementThenRevert()"))
    assert reverted.value.revert_data[4:] == abi_encode(
        ["string"], ["CrossCounter: revert after increment"]
    )


def test_estimate_at_depth_three(world: World) -> None:
    a, b, c = (world.chain.deploy("CrossDepth") for _ in range(3))
    data = calldata(
        "run(address[],uint256,uint256,string,bytes)", [b, c], 0, 0, world.counter_text, INCREMENT
    )
    estimate = world.estimate(a, data)
    # the 63/64 rule at each hop: the estimate must leave C enough for 0x901
    low, _ = world.send(a, data, gas=estimate - 1)
    assert not low.success
    assert world.count() == 0
    ok, _ = world.send(a, data, gas=estimate)
    assert ok.success, ok.log
    assert world.count() == 1
    assert [world.storage(x, SLOT_HOPS) for x in (a, b, c)] == [1, 1, 1]
    # with value, from another account
    estimate = world.estimate(a, data, sender=DEV1.address, value=hex(5))
    ok, _ = world.send(a, data, value=5, gas=estimate, key=DEV1)
    assert ok.success, ok.log
    assert world.count() == 2 and world.balance(world.counter) == 5


# -- the same through the JSON-RPC registry (as the node serves it) -----------------------------


class Rpc:
    def __init__(self, world: World) -> None:
        self.registry = ApiRegistry()
        register_eth_api(
            self.registry,
            StubNode(world.chain),
            world.chain.evm,
            client_version="test",
            sandbox=world.chain.app.sandbox,
        )

    async def __call__(self, method: str, *params: Any) -> Any:
        entry = self.registry.method(method)
        assert entry is not None
        result = await entry.handler(*params)
        json.dumps(result)
        return result


async def test_json_rpc_call_estimate_and_logs(world: World) -> None:
    rpc = Rpc(world)
    tx = {"from": hx(DEV0.address), "to": hx(world.cc), "data": hx(calldata("increment()"))}
    out = await rpc("eth_call", tx, "latest")
    assert out == hx(abi_encode(["bytes"], [b""]))
    assert world.count() == 0
    estimate = int(await rpc("eth_estimateGas", tx), 16)
    result, record = world.send(world.cc, calldata("increment()"), gas=estimate)
    assert result.success, result.log
    count = await rpc("eth_call", {"to": hx(world.cc), "data": hx(calldata("count()"))})
    assert abi_decode(["bytes"], bytes.fromhex(count[2:])) == (b'{"count":1}',)
    receipt = await rpc("eth_getTransactionReceipt", hx(record.hash))
    assert receipt["status"] == "0x1"
    crossvm_logs = [log for log in receipt["logs"] if log["address"] == hx(CROSSVM)]
    assert [log["topics"][:2] for log in crossvm_logs] == [
        [hx(EVENT_TOPIC), "0x" + type_topic("execute")],
        [hx(EVENT_TOPIC), "0x" + type_topic("wasm")],
    ]
    wasm_logs = await rpc(
        "eth_getLogs",
        {"fromBlock": "0x0", "address": hx(CROSSVM), "topics": [None, "0x" + type_topic("wasm")]},
    )
    assert len(wasm_logs) == 1
    assert wasm_logs[0]["transactionHash"] == hx(record.hash)
    _, keys, values = abi_decode(
        ["string", "string[]", "string[]"], bytes.fromhex(wasm_logs[0]["data"][2:])
    )
    assert dict(zip(keys, values, strict=True))["count"] == "1"


def test_eth_call_at_an_older_block_is_not_a_torn_read(world: World) -> None:
    """DESIGN §2: a query reads committed state or the block being built, "never a torn mix".
    At an older block the EVM side is that block's; the CosmWasm side must be too, or the call
    must be refused; it must not pair the old EVM state with the head's CosmWasm state."""
    deployed_at = world.chain.evm.head.block_number  # CrossCounter exists, count 0
    world.cc_send("increment()")
    world.cc_send("increment()")
    req = parse_call({"to": hx(world.cc), "data": hx(calldata("count()"))})
    try:
        out = world.eth.call_sync(req, parse_block_id(hex(deployed_at)), {}, BlockOverrides())
    except NodeError:
        return  # refused: acceptable
    assert abi_decode(["bytes"], out) == (b'{"count":0}',)
