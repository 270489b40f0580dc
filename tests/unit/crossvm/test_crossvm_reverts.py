"""Nested reverts around 0x901: every CosmWasm write made below an EVM revert is undone, and a
caught failure keeps the caller's own effects (DESIGN §5, "Atomic")."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from eth_abi import encode as abi_encode

from qorenode.addresses import to_bech32
from tests.unit.core.chainkit import calldata, error_string
from tests.unit.cosmwasm.wasmkit import query
from tests.unit.crossvm.crosskit import (
    BAD_MESSAGE,
    CROSSVM,
    DEV0,
    DEV1,
    INCREMENT,
    SLOT_ATTEMPTS,
    SLOT_FAILURES,
    SLOT_HOPS,
    World,
    cosmwasm_logs,
    reason_of,
)

COUNTER_ERROR = "Error parsing into type counter::ExecuteMsg: unknown variant"
DEPTH_REVERT = error_string("CrossDepth: revert after execute")


def test_outer_revert_after_successful_execute_undoes_it(world: World) -> None:
    world.cc_send("increment()")
    before = (world.count(), world.cc_state())
    result, record = world.cc_send("incrementThenRevert()")
    assert not result.success
    assert record.revert_data == error_string("CrossCounter: revert after increment")
    assert (world.count(), world.cc_state()) == before
    assert record.logs == []
    # the chain goes on from the undone state
    world.cc_send("increment()")
    assert world.count() == 2


def test_legacy_selector_executes_like_execute(world: World) -> None:
    result, _ = world.cc_send("incrementLegacy()")
    assert result.success, result.log
    assert world.count() == 1


def test_caught_failure_keeps_the_callers_effects(world: World) -> None:
    world.cc_send("increment()")
    result, record = world.cc_send("tryIncrement(string,bytes)", world.counter_text, BAD_MESSAGE)
    assert result.success, result.log
    state = world.cc_state()
    assert (state["attempts"], state["failures"], state["lastOk"]) == (1, 1, False)
    assert state["lastReason"].startswith("crossvm: ")
    assert COUNTER_ERROR in state["lastReason"]
    assert reason_of(state["lastRevertData"]) == state["lastReason"]
    assert world.count() == 1
    # only CrossCounter's Attempted log: nothing from 0x901
    assert cosmwasm_logs(record) == []
    assert [bytes(log.address) for log in record.logs] == [world.cc]


def test_caught_success_is_recorded(world: World) -> None:
    result, _ = world.cc_send("tryIncrement(string,bytes)", world.counter_text, INCREMENT)
    assert result.success, result.log
    state = world.cc_state()
    assert (state["attempts"], state["failures"], state["lastOk"]) == (1, 0, True)
    assert world.count() == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("qor1notanaddress", "crossvm: invalid contract address"),
        ("", "crossvm: invalid contract address"),
    ],
)
def test_bad_target_is_a_crossvm_revert(world: World, text: str, expected: str) -> None:
    world.cc_send("tryIncrement(string,bytes)", text, INCREMENT)
    assert world.cc_state()["lastReason"].startswith(expected)


def test_unknown_contract_and_bad_json_are_crossvm_reverts(world: World) -> None:
    # a valid bech32 of a 32-byte address holding no contract
    world.cc_send("tryIncrement(string,bytes)", to_bech32(bytes(range(32))), INCREMENT)
    assert world.cc_state()["lastReason"].startswith("crossvm: no CosmWasm contract")
    world.cc_send("tryIncrement(string,bytes)", world.counter_text, b"{not json")
    assert world.cc_state()["lastReason"] == "crossvm: message is not valid JSON"
    assert world.cc_state()["failures"] == 2
    assert world.count() == 0


@pytest.mark.parametrize(
    ("n", "fail_at", "increments"),
    [(4, 2, 3), (3, 0, 2), (3, 2, 2), (3, 7, 3), (1, 0, 0)],
)
def test_execute_in_a_loop_with_one_failure(
    world: World, n: int, fail_at: int, increments: int
) -> None:
    tx = world.tx(world.cc, calldata("incrementTimes(uint256,uint256)", n, fail_at))
    ret = world.call(world.cc, calldata("incrementTimes(uint256,uint256)", n, fail_at))
    assert ret == abi_encode(["uint256"], [increments])
    (result,) = world.chain.mine(tx).results
    assert result.success, result.log
    assert world.count() == increments
    failed = 1 if fail_at < n else 0
    assert world.storage(world.cc, SLOT_ATTEMPTS) == failed
    assert world.storage(world.cc, SLOT_FAILURES) == failed
    record = world.chain.evm.index.tx(tx.tx_hash)
    # two CosmWasm events (execute, wasm) per successful increment, none for the failure
    assert len(cosmwasm_logs(record)) == 2 * increments
    counts = [
        dict(zip(k, v, strict=True))["count"]
        for _, _, k, v in cosmwasm_logs(record)
        if "count" in k
    ]
    assert counts == [str(i) for i in range(1, increments + 1)]


# -- depth: A -> B -> C, C executes (depth 3) ----------------------------------------------------


@pytest.fixture
def depth(world: World) -> tuple[bytes, bytes, bytes]:
    return (
        world.chain.deploy("CrossDepth"),
        world.chain.deploy("CrossDepth"),
        world.chain.deploy("CrossDepth"),
    )


def run_data(
    world: World,
    chain: tuple[bytes, ...],
    revert_at: int,
    catch_at: int,
    message: bytes = INCREMENT,
    contract: str | None = None,
) -> bytes:
    return calldata(
        "run(address[],uint256,uint256,string,bytes)",
        list(chain),
        revert_at,
        catch_at,
        contract if contract is not None else world.counter_text,
        message,
    )


@pytest.mark.parametrize(
    ("revert_at", "catch_at", "message", "tx_ok", "count", "hops", "caught_at"),
    [
        # nothing reverts: C executes at depth 3
        (0, 0, INCREMENT, True, 1, (1, 1, 1), None),
        # A reverts after everything returned: the whole transaction fails
        (1, 0, INCREMENT, False, 0, (0, 0, 0), None),
        # B reverts after C's execute; A catches it: A's hop stays, B's and C's go
        (2, 1, INCREMENT, True, 0, (1, 0, 0), 1),
        # C reverts after its own execute; B catches it
        (3, 2, INCREMENT, True, 0, (1, 1, 0), 2),
        # C reverts, nobody catches
        (3, 0, INCREMENT, False, 0, (0, 0, 0), None),
        # the CosmWasm side fails at depth 3: C catches the precompile's revert
        (0, 3, BAD_MESSAGE, True, 0, (1, 1, 1), 3),
        # ... B catches C's bubbled failure
        (0, 2, BAD_MESSAGE, True, 0, (1, 1, 0), 2),
        # ... A catches it
        (0, 1, BAD_MESSAGE, True, 0, (1, 0, 0), 1),
    ],
)
def test_revert_matrix_at_depth_three(
    world: World,
    depth: tuple[bytes, bytes, bytes],
    revert_at: int,
    catch_at: int,
    message: bytes,
    tx_ok: bool,
    count: int,
    hops: tuple[int, int, int],
    caught_at: int | None,
) -> None:
    a, b, c = depth
    result, record = world.send(a, run_data(world, (b, c), revert_at, catch_at, message))
    assert result.success is tx_ok, result.log
    assert world.count() == count
    assert tuple(world.storage(x, SLOT_HOPS) for x in depth) == hops
    for level, contract in enumerate(depth, start=1):
        caught = world.view(contract, "caught()", ["bytes"])
        if level != caught_at:
            assert caught == b""
        elif message == BAD_MESSAGE:
            assert reason_of(caught).startswith("crossvm: ")
            assert COUNTER_ERROR in reason_of(caught)
        else:
            assert caught == DEPTH_REVERT
    # 0x901's logs survive only when the execute's frame survived
    assert (len(cosmwasm_logs(record)) == 2) is (count == 1)


def test_a_later_execute_after_a_caught_one_at_depth(
    world: World, depth: tuple[bytes, bytes, bytes]
) -> None:
    """Two transactions in one block: the first's undone depth-3 write does not leak into the
    second, whose depth-3 write stays."""
    a, b, c = depth
    first = world.tx(a, run_data(world, (b, c), 3, 2))
    second = world.tx(a, run_data(world, (b, c), 0, 0))
    results = world.chain.mine(first, second).results
    assert [r.success for r in results] == [True, True]
    assert world.count() == 1
    assert world.storage(c, SLOT_HOPS) == 1
    assert world.storage(b, SLOT_HOPS) == 2


def test_direct_call_from_an_account(world: World) -> None:
    """An externally owned account may call 0x901 itself."""
    data = calldata("execute(string,bytes)", world.counter_text, INCREMENT)
    result, record = world.send(CROSSVM, data)
    assert result.success, result.log
    assert world.count() == 1
    assert len(cosmwasm_logs(record)) == 2
    result, record = world.send(
        CROSSVM, calldata("execute(string,bytes)", world.counter_text, BAD_MESSAGE)
    )
    assert not result.success
    assert reason_of(record.revert_data).startswith("crossvm: ")
    assert world.count() == 1


def test_native_and_evm_transactions_interleave_in_one_block(world: World) -> None:
    """Native CosmWasm executes and 0x901 calls in one block see each other's writes in order;
    the reverted one in between leaves nothing."""
    from tests.unit.cosmwasm.wasmkit import execute_msg

    chain = world.chain
    txs = [
        chain.native_tx(DEV0, [execute_msg(world.counter, {"increment": {}})]),
        world.tx(world.cc, calldata("increment()"), key=DEV1),
        chain.native_tx(DEV0, [execute_msg(world.counter, {"reset": {"count": 10}})]),
        world.tx(world.cc, calldata("incrementThenRevert()"), key=DEV1),
        world.tx(world.cc, calldata("increment()"), key=DEV1),
    ]
    results = chain.mine(*txs).results
    assert [r.success for r in results] == [True, True, True, False, True]
    assert world.count() == 11


def submsg(world: World, message: bytes) -> dict[str, Any]:
    encoded = base64.b64encode(message).decode()
    return {"wasm": {"execute": {"contract_addr": world.counter_text, "msg": encoded, "funds": []}}}


def test_cosmwasm_messages_run_inside_the_call_atomically(world: World) -> None:
    dispatcher = world.contract("dispatcher", {})
    text = to_bech32(dispatcher)

    def execute(msg: Any) -> tuple[Any, Any]:
        return world.send(
            CROSSVM, calldata("execute(string,bytes)", text, json.dumps(msg).encode())
        )

    # a submessage increments, then the reply fails: everything the call did is undone
    result, record = execute(
        {"sub": {"id": 666, "reply_on": "success", "msg": submsg(world, INCREMENT)}}
    )
    assert not result.success
    assert "reply failed on purpose (id 666)" in reason_of(record.revert_data)
    assert world.count() == 0
    assert query(world.chain, dispatcher, {"replies": {}}) == {"replies": []}
    # a failing submessage caught by reply_on error: its write is gone, the reply's record stays
    result, record = execute(
        {"sub": {"id": 7, "reply_on": "error", "msg": submsg(world, BAD_MESSAGE)}}
    )
    assert result.success, result.log
    assert world.count() == 0
    (reply,) = query(world.chain, dispatcher, {"replies": {}})["replies"]
    assert (reply["id"], reply["result"]) == (7, "error")
    assert all(contract != world.counter_text for _, contract, _, _ in cosmwasm_logs(record))
    # several steps, the last failing: the write and the increment before it are undone
    steps = [
        {"execute": {"contract_addr": world.counter_text, "msg": {"increment": {}}}},
        {"write": {"key": "k", "value": "v"}},
        {"fail": {"reason": "nope"}},
    ]
    result, record = execute({"all": steps})
    assert not result.success
    assert reason_of(record.revert_data) == "crossvm: execute wasm contract failed: nope"
    assert world.count() == 0
    assert query(world.chain, dispatcher, {"stored": {"key": "k"}})["value"] is None
    # the same without the failure: all of it stays
    result, _ = execute({"all": steps[:2]})
    assert result.success, result.log
    assert world.count() == 1
    assert query(world.chain, dispatcher, {"stored": {"key": "k"}})["value"] == "v"
