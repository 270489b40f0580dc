"""0x901 under every call kind: STATICCALL allows only reads, DELEGATECALL and CALLCODE always
revert, and a payable-less function refuses value (DESIGN §5; crossvm/ICrossVM.sol)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from qorenode.addresses import to_bech32
from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.crosskit import (
    CROSSVM,
    DEV0,
    INCREMENT,
    World,
    cosmwasm_logs,
    fee,
    reason_of,
)
from vms.evm.errors import CallReverted

GET_COUNT = b'{"get_count":{}}'


@pytest.fixture
def caller(world: World) -> bytes:
    return world.chain.deploy("Caller")


def test_query_through_view_and_staticcall(world: World) -> None:
    assert world.view(world.cc, "count()", ["bytes"]) == b'{"count":0}'
    world.cc_send("increment()")
    world.cc_send("increment()")
    raw = world.view(world.cc, "count()", ["bytes"])
    assert json.loads(raw) == {"count": 2}
    assert world.view(world.cc, "staticQuery()", ["bool", "bytes"]) == (True, b'{"count":2}')
    # query as a transaction: it succeeds, changes nothing, and emits no log
    result, record = world.cc_send("staticQuery()")
    assert result.success and record.logs == []
    assert world.count() == 2


def test_query_errors_revert_with_the_contract_error(world: World) -> None:
    data = calldata("query(string,bytes)", world.counter_text, b'{"nope":{}}')
    with pytest.raises(CallReverted) as reverted:
        world.call(CROSSVM, data)
    assert reason_of(reverted.value.revert_data).startswith("crossvm: ")


def test_execute_under_staticcall_fails_and_changes_nothing(world: World) -> None:
    world.cc_send("increment()")
    ok, ret = world.view(world.cc, "staticExecute()", ["bool", "bytes"])
    assert ok is False
    assert "STATICCALL" in reason_of(ret) and reason_of(ret).startswith("crossvm: ")
    result, record = world.cc_send("staticExecute()")
    assert result.success, result.log
    state = world.cc_state()
    assert (state["attempts"], state["failures"], state["lastOk"]) == (1, 1, False)
    assert state["lastReason"].startswith("crossvm: ")
    assert world.count() == 1
    assert cosmwasm_logs(record) == []


def test_execute_under_delegatecall_fails(world: World) -> None:
    ok, ret = world.view(world.cc, "delegateExecute()", ["bool", "bytes"])
    assert ok is False and reason_of(ret).startswith("crossvm: ")
    result, record = world.cc_send("delegateExecute()")
    assert result.success, result.log
    state = world.cc_state()
    assert (state["attempts"], state["failures"]) == (1, 1)
    assert "DELEGATECALL" in state["lastReason"]
    assert world.count() == 0
    assert cosmwasm_logs(record) == []


@pytest.mark.parametrize("kind", ["doCallCode", "doDelegateCall"])
def test_callcode_and_delegatecall_from_caller_fail(world: World, caller: bytes, kind: str) -> None:
    inner = calldata("execute(string,bytes)", world.counter_text, INCREMENT)
    data = calldata(f"{kind}(address,bytes)", CROSSVM, inner)
    ok, ret = abi_decode(["bool", "bytes"], world.call(caller, data))
    assert ok is False and reason_of(ret).startswith("crossvm: ")
    result, record = world.send(caller, data)
    assert result.success, result.log
    assert world.count() == 0
    assert cosmwasm_logs(record) == []
    # reads are refused the same way: the frame is not 0x901's own
    query = calldata("query(string,bytes)", world.counter_text, GET_COUNT)
    ok, ret = abi_decode(
        ["bool", "bytes"], world.call(caller, calldata(f"{kind}(address,bytes)", CROSSVM, query))
    )
    assert ok is False and reason_of(ret).startswith("crossvm: ")


def test_plain_call_and_staticcall_from_caller_work(world: World, caller: bytes) -> None:
    inner = calldata("execute(string,bytes)", world.counter_text, INCREMENT)
    result, _ = world.send(caller, calldata("doCall(address,bytes)", CROSSVM, inner))
    assert result.success and world.count() == 1
    query = calldata("query(string,bytes)", world.counter_text, GET_COUNT)
    ok, ret = abi_decode(
        ["bool", "bytes"],
        world.call(caller, calldata("doStaticCall(address,bytes)", CROSSVM, query)),
    )
    assert ok is True and abi_decode(["bytes"], ret) == (b'{"count":1}',)
    ok, ret = abi_decode(
        ["bool", "bytes"],
        world.call(caller, calldata("doStaticCall(address,bytes)", CROSSVM, inner)),
    )
    assert ok is False and "STATICCALL" in reason_of(ret)


def test_value_sent_to_query_reverts_and_comes_back(world: World, caller: bytes) -> None:
    value = 10**15
    query = calldata("query(string,bytes)", world.counter_text, GET_COUNT)
    data = calldata("doCall(address,bytes)", CROSSVM, query)
    ok, ret = abi_decode(["bool", "bytes"], world.call(caller, data, value=hex(value)))
    assert ok is False
    assert reason_of(ret) == "crossvm: query takes no value"
    before = world.balance(DEV0.address)
    result, record = world.send(caller, data, value=value)
    assert result.success, result.log
    # the value stayed with the Caller (its frame took it; 0x901's frame gave it back)
    assert world.balance(caller) == value
    assert world.balance(CROSSVM) == 0
    assert world.balance(DEV0.address) == before - value - fee(record)
    # straight from an account: the transaction fails and only the fee is paid
    before = world.balance(DEV0.address)
    result, record = world.send(CROSSVM, query, value=value)
    assert not result.success
    assert reason_of(record.revert_data) == "crossvm: query takes no value"
    assert world.balance(DEV0.address) == before - fee(record)
    assert world.balance(CROSSVM) == 0


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x12\x34",
        bytes.fromhex("deadbeef"),
        calldata("execute(string,bytes)", "x", b"{}")[:40],  # truncated arguments
    ],
)
def test_malformed_calls_revert_with_a_crossvm_reason(world: World, data: bytes) -> None:
    with pytest.raises(CallReverted) as reverted:
        world.call(CROSSVM, data)
    assert reason_of(reverted.value.revert_data).startswith("crossvm: ")


def test_submit_in_a_call_answers_an_id_and_keeps_nothing(world: World) -> None:
    data = calldata("submit(uint8,string,bytes)", 1, world.counter_text, INCREMENT)
    assert world.call(CROSSVM, data) == abi_encode(["uint64"], [1])
    status = calldata("messageStatus(uint64)", 1)
    # the call's sandbox kept no message: the id is unknown afterwards
    assert world.call(CROSSVM, status) == abi_encode(["uint8", "bytes"], [0, b""])
    assert world.chain.comp.crossvm.keeper.last_id() == 0


@pytest.mark.parametrize("target_vm", [0, 2, 9])
def test_legacy_selector_refuses_other_targets(world: World, target_vm: int) -> None:
    data = calldata(
        "executeCrossVMCall(uint8,string,bytes)", target_vm, world.counter_text, INCREMENT
    )
    with pytest.raises(CallReverted) as reverted:
        world.call(CROSSVM, data)
    assert reason_of(reverted.value.revert_data).startswith("crossvm: ")
    assert world.count() == 0


def test_legacy_selector_returns_the_data(world: World) -> None:
    data = calldata("executeCrossVMCall(uint8,string,bytes)", 1, world.counter_text, INCREMENT)
    assert world.call(CROSSVM, data) == abi_encode(["bytes"], [b""])


def test_execute_and_query_return_the_contracts_bytes(world: World) -> None:
    dispatcher = world.contract("dispatcher", {})
    text = to_bech32(dispatcher)

    def run(function: str, msg: Any, **fields: Any) -> bytes:
        data = calldata(f"{function}(string,bytes)", text, json.dumps(msg).encode())
        (out,) = abi_decode(["bytes"], world.call(CROSSVM, data, **fields))
        return bytes(out)

    payload = bytes(range(256)) * 3
    assert run("execute", {"set_data": {"data": base64.b64encode(payload).decode()}}) == payload
    # funds arrive before the contract runs: it sees them in its own bank balance
    answer = run("execute", {"query_balance": {"address": text}}, value=hex(777))
    assert json.loads(answer) == {"amount": {"denom": "aqor", "amount": "777"}}
    # a contract queried through 0x901 may query another contract
    smart = {"query_smart": {"contract_addr": world.counter_text, "msg": {"get_count": {}}}}
    assert run("query", smart) == b'{"count":0}'
    assert run("execute", smart) == b'{"count":0}'


def test_plain_value_transfer_to_0x901_is_refused(world: World) -> None:
    before = world.balance(DEV0.address)
    result, record = world.send(CROSSVM, b"", value=5)
    assert not result.success
    assert reason_of(record.revert_data).startswith("crossvm: ")
    assert world.balance(CROSSVM) == 0
    assert world.balance(DEV0.address) == before - fee(record)
