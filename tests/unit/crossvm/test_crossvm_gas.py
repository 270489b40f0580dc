"""Gas at 0x901: 50,000 base plus the CosmWasm SDK gas 1:1 (60,000 per instance at least) plus
per-byte costs; running out inside CosmWasm fails the call like an EVM out-of-gas and keeps no
CosmWasm write (DESIGN §5, "Gas")."""

from __future__ import annotations

import pytest
from eth_abi import decode as abi_decode

from qorenode.addresses import to_bech32
from qorenode.interfaces import GasMeter
from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.crosskit import (
    BASE_GAS,
    CROSSVM,
    DEV0,
    INCREMENT,
    INSTANCE_GAS,
    World,
    cosmwasm_logs,
    fee,
)

INPUT_GAS_PER_BYTE = 16
OUTPUT_GAS_PER_BYTE = 3


def sdk_gas_of_increment(world: World, sender: bytes) -> int:
    """The SDK gas the CosmWasm side charges for one increment on the current state (measured
    in the application's sandbox, so nothing stays)."""
    chain = world.chain
    block = chain.app.context(chain.app.height + 1, chain.next_timestamp())
    meter = GasMeter(10**9)
    with chain.app.sandbox():
        chain.comp.wasm.execute_for_caller(
            block,
            meter,
            sender=sender,
            contract=world.counter,
            msg=INCREMENT,
            funds=0,
            payer=CROSSVM,
        )
    return meter.used


def calldata_gas(data: bytes) -> int:
    zeros = data.count(0)
    return 4 * zeros + 16 * (len(data) - zeros)


def test_gas_of_a_direct_execute_is_base_plus_sdk_gas_plus_bytes(world: World) -> None:
    world.cc_send("increment()")  # warm the module cache and the count's storage
    sdk = sdk_gas_of_increment(world, DEV0.address)
    assert sdk >= INSTANCE_GAS
    data = calldata("execute(string,bytes)", world.counter_text, INCREMENT)
    result, record = world.send(CROSSVM, data)
    assert result.success, result.log
    output = 64  # abi.encode(bytes("")): offset and length words
    expected = (
        21_000
        + calldata_gas(data)
        + BASE_GAS
        + INPUT_GAS_PER_BYTE * len(INCREMENT)
        + sdk
        + OUTPUT_GAS_PER_BYTE * output
    )
    assert record.gas_used == expected


def test_each_execute_in_a_loop_costs_at_least_base_plus_sdk_gas(world: World) -> None:
    gas = {}
    for n in (2, 3):
        result, record = world.cc_send("incrementTimes(uint256,uint256)", n, 99)
        assert result.success, result.log
        gas[n] = record.gas_used
    sdk = sdk_gas_of_increment(world, world.cc)
    per_execute = gas[3] - gas[2]
    floor = BASE_GAS + INPUT_GAS_PER_BYTE * len(INCREMENT) + sdk
    assert per_execute >= BASE_GAS + INSTANCE_GAS
    assert per_execute >= floor
    assert per_execute <= floor + 6_000  # Solidity's own overhead per iteration, no more


def test_limit_covering_the_evm_part_only_fails_the_transaction(world: World) -> None:
    data = calldata("increment()")
    before = world.balance(DEV0.address)
    result, record = world.send(world.cc, data, gas=21_000 + BASE_GAS + 30_000)
    assert not result.success
    assert world.count() == 0
    assert record.logs == []
    assert world.balance(DEV0.address) == before - fee(record)


def test_running_out_in_a_storage_loop_is_caught_and_writes_nothing(world: World) -> None:
    looping = world.contract("storage_loop", {})
    keeper = world.chain.comp.wasm.keeper
    assert keeper.contract_state(looping) == []
    limit = 3_000_000
    result, record = world.cc_send(
        "tryIncrement(string,bytes)", to_bech32(looping), b"{}", gas=limit
    )
    assert result.success, result.log
    state = world.cc_state()
    assert (state["attempts"], state["failures"], state["lastOk"]) == (1, 1, False)
    assert state["lastRevertData"] == b""  # out of gas, as an EVM out-of-gas: no revert data
    assert keeper.contract_state(looping) == []
    assert cosmwasm_logs(record) == []
    # the frame took all the gas it was given (63/64 of what was left)
    assert record.gas_used > limit * 9 // 10


def test_running_out_in_a_wasm_loop_consumes_the_forwarded_gas(world: World) -> None:
    caller = world.chain.deploy("Caller")
    looping = world.contract("loop", {})
    inner = calldata("execute(string,bytes)", to_bech32(looping), b"{}")
    forwarded = BASE_GAS + INSTANCE_GAS + 500
    data = calldata("doCallWithGas(address,bytes,uint256)", CROSSVM, inner, forwarded)
    ok, ret = abi_decode(["bool", "bytes"], world.call(caller, data))
    assert (ok, ret) == (False, b"")
    result, record = world.send(caller, data)
    assert result.success, result.log
    assert record.gas_used > 21_000 + forwarded
    assert cosmwasm_logs(record) == []


@pytest.mark.parametrize("forwarded", [1_000, BASE_GAS - 1, BASE_GAS + 100, BASE_GAS + 59_000])
def test_too_little_gas_for_base_or_instance(world: World, forwarded: int) -> None:
    caller = world.chain.deploy("Caller")
    inner = calldata("execute(string,bytes)", world.counter_text, INCREMENT)
    data = calldata("doCallWithGas(address,bytes,uint256)", CROSSVM, inner, forwarded)
    result, record = world.send(caller, data)
    assert result.success, result.log
    ok, ret = abi_decode(["bool", "bytes"], world.call(caller, data))
    assert (ok, ret) == (False, b"")
    assert world.count() == 0
    assert cosmwasm_logs(record) == []
    assert record.gas_used > 21_000 + forwarded


def test_query_costs_base_plus_instance_at_least(world: World) -> None:
    estimate = world.estimate(world.cc, calldata("count()"))
    assert estimate >= 21_000 + BASE_GAS + INSTANCE_GAS
    data = calldata("query(string,bytes)", world.counter_text, b'{"get_count":{}}')
    assert world.estimate(CROSSVM, data) >= 21_000 + BASE_GAS + INSTANCE_GAS


def test_a_contract_error_is_a_revert_that_returns_the_unused_gas(world: World) -> None:
    """Unlike running out, a CosmWasm error reverts: the caller gets the rest of its gas, so
    the gas used does not grow with the limit."""
    used = []
    for limit in (2_000_000, 4_000_000, 2_000_000):
        result, record = world.cc_send(
            "tryIncrement(string,bytes)", world.counter_text, b'{"decrement":{}}', gas=limit
        )
        assert result.success, result.log
        used.append(record.gas_used)
    assert world.cc_state()["failures"] == 3
    # the first attempt pays for fresh storage; the next two cost the same whatever the limit
    assert used[1] == used[2] < used[0] < 1_000_000
