"""CosmWasm events of a synchronous call become logs of 0x901 in the same EVM transaction:
topic0 = keccak("CosmWasmEvent(string,string,string[],string[])"), topic1 = keccak(type), data =
(contractAddr, keys, values); a reverted frame leaves none (DESIGN §5)."""

from __future__ import annotations

import json

from eth_abi import decode as abi_decode
from eth_hash.auto import keccak

from qorenode.addresses import to_bech32
from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.crosskit import (
    BAD_MESSAGE,
    CROSSVM,
    DEV2,
    EVENT_TOPIC,
    INCREMENT,
    World,
    cosmwasm_logs,
    hx,
    type_topic,
)


def test_event_topic_is_the_documented_signature() -> None:
    signature = b"CosmWasmEvent(string,string,string[],string[])"
    assert bytes(keccak(signature)) == EVENT_TOPIC
    assert type_topic("wasm") == bytes(keccak(b"wasm")).hex()


def test_increment_emits_execute_and_wasm_logs(world: World) -> None:
    for expected_count in (1, 2):
        result, record = world.cc_send("increment()")
        assert result.success, result.log
        assert all(bytes(log.address) == CROSSVM for log in record.logs)
        assert all(len(log.topics) == 2 for log in record.logs)
        logs = cosmwasm_logs(record)
        assert [topic for topic, *_ in logs] == [type_topic("execute"), type_topic("wasm")]
        (_, c1, k1, v1), (_, c2, k2, v2) = logs
        assert c1 == c2 == world.counter_text
        assert dict(zip(k1, v1, strict=True)) == {"_contract_address": world.counter_text}
        assert k2[0] == "_contract_address"
        assert dict(zip(k2, v2, strict=True)) == {
            "_contract_address": world.counter_text,
            "action": "increment",
            "count": str(expected_count),
        }


def test_reverted_and_failed_calls_leave_no_crossvm_logs(world: World) -> None:
    _, reverted = world.cc_send("incrementThenRevert()")
    assert reverted.logs == []
    _, caught = world.cc_send("tryIncrement(string,bytes)", world.counter_text, BAD_MESSAGE)
    assert cosmwasm_logs(caught) == []
    assert len(caught.logs) == 1  # Attempted
    _, static = world.cc_send("staticExecute()")
    assert cosmwasm_logs(static) == []
    # depth 3 execute, reverted at depth 2 and caught at depth 1
    a, b, c = (world.chain.deploy("CrossDepth") for _ in range(3))
    data = calldata(
        "run(address[],uint256,uint256,string,bytes)", [b, c], 2, 1, world.counter_text, INCREMENT
    )
    result, record = world.send(a, data)
    assert result.success and record.logs == []
    assert world.logs(address=hx(CROSSVM)) == []


def test_logs_sit_among_the_transactions_other_logs(world: World) -> None:
    """tryIncrement: 0x901's logs come first (the inner frame), then CrossCounter's Attempted."""
    _, record = world.cc_send("tryIncrement(string,bytes)", world.counter_text, INCREMENT)
    assert [bytes(log.address) for log in record.logs] == [CROSSVM, CROSSVM, world.cc]


def test_get_logs_finds_them_by_address_and_topics(world: World) -> None:
    world.cc_send("increment()")
    _, second = world.cc_send("incrementTimes(uint256,uint256)", 2, 0)
    everything = world.logs(address=hx(CROSSVM))
    assert len(everything) == 4  # increment: 2, incrementTimes(2, 0): one increment, 2
    wasm = world.logs(address=hx(CROSSVM), topics=[hx(EVENT_TOPIC), "0x" + type_topic("wasm")])
    assert len(wasm) == 2
    assert wasm[1]["transactionHash"] == hx(second.hash)
    assert int(wasm[1]["blockNumber"], 16) == second.block_number
    contract, keys, values = abi_decode(
        ["string", "string[]", "string[]"], bytes.fromhex(wasm[1]["data"][2:])
    )
    assert contract == world.counter_text
    assert dict(zip(keys, values, strict=True))["count"] == "2"
    # the receipt carries them too
    receipt = world.eth.receipt_json_sync(second.hash)
    assert receipt is not None
    assert [log["address"] for log in receipt["logs"]].count(hx(CROSSVM)) == 2
    # alone in its block: log indexes 0, 1, ... (0x901's and CrossCounter's logs interleaved)
    indexes = [int(log["logIndex"], 16) for log in receipt["logs"]]
    assert indexes == list(range(len(indexes)))


def test_events_of_submessages_and_bank_moves(world: World) -> None:
    """A CosmWasm contract's own messages run inside the call; their events are logs too."""
    dispatcher = world.contract("dispatcher", {})
    dispatcher_text = to_bech32(dispatcher)
    msg = {"execute": {"contract_addr": world.counter_text, "msg": {"increment": {}}}}
    data = calldata("execute(string,bytes)", dispatcher_text, json.dumps(msg).encode())
    result, record = world.send(CROSSVM, data)
    assert result.success, result.log
    assert world.count() == 1
    logs = cosmwasm_logs(record)
    assert [(topic, contract) for topic, contract, _, _ in logs] == [
        (type_topic("execute"), dispatcher_text),
        (type_topic("wasm"), dispatcher_text),
        (type_topic("wasm-dispatched"), dispatcher_text),
        (type_topic("execute"), world.counter_text),
        (type_topic("wasm"), world.counter_text),
    ]
    # a BankMsg paid from the value the call brought
    before = world.balance(DEV2.address)
    send = {
        "bank_send": {
            "to_address": DEV2.bech32_address,
            "amount": [{"denom": "aqor", "amount": "1000"}],
        }
    }
    data = calldata("execute(string,bytes)", dispatcher_text, json.dumps(send).encode())
    result, record = world.send(CROSSVM, data, value=1000)
    assert result.success, result.log
    assert world.balance(DEV2.address) == before + 1000
    assert world.balance(dispatcher) == 0
    transfer = [log for log in cosmwasm_logs(record) if log[0] == type_topic("transfer")]
    assert len(transfer) == 1
    _, contract, keys, values = transfer[0]
    assert contract == ""
    assert dict(zip(keys, values, strict=True)) == {
        "recipient": DEV2.bech32_address,
        "sender": dispatcher_text,
        "amount": "1000aqor",
    }


def test_revert_above_undoes_a_bankmsg_to_an_account(world: World) -> None:
    """A BankMsg towards a 20-byte account writes the EVM state of the frame; a revert above
    undoes it (the value comes back to the catching frame)."""
    dispatcher = world.contract("dispatcher", {})
    send = {
        "bank_send": {
            "to_address": DEV2.bech32_address,
            "amount": [{"denom": "aqor", "amount": "777"}],
        }
    }
    a, b, c = (world.chain.deploy("CrossDepth") for _ in range(3))
    before = world.balance(DEV2.address)
    data = calldata(
        "run(address[],uint256,uint256,string,bytes)",
        [b, c],
        3,
        1,
        to_bech32(dispatcher),
        json.dumps(send).encode(),
    )
    result, record = world.send(a, data, value=777)
    assert result.success, result.log
    assert world.balance(DEV2.address) == before
    assert [world.balance(x) for x in (a, b, c, dispatcher, CROSSVM)] == [777, 0, 0, 0, 0]
    assert record.logs == []
