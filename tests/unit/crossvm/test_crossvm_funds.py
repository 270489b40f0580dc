"""msg.value through 0x901: it reaches the CosmWasm contract as info.funds, moving the one ledger
once; 0x901 never keeps any; a failure or a revert above gives it back (DESIGN §5)."""

from __future__ import annotations

import pytest

from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.crosskit import (
    BAD_MESSAGE,
    CROSSVM,
    DEV0,
    DEV1,
    INCREMENT,
    World,
    fee,
)

V = 123_456_789_000


def balances(world: World, *extra: bytes) -> dict[bytes, int]:
    who = (DEV0.address, world.counter, world.cc, CROSSVM, *extra)
    return {address: world.balance(address) for address in who}


def test_value_reaches_the_counter_contract(world: World) -> None:
    before = balances(world)
    result, record = world.cc_send("incrementWithValue()", value=V)
    assert result.success, result.log
    after = balances(world)
    assert after[world.counter] == before[world.counter] + V
    assert after[DEV0.address] == before[DEV0.address] - V - fee(record)
    assert after[CROSSVM] == 0
    assert after[world.cc] == 0
    assert world.count() == 1
    # a second one adds up
    result, record = world.cc_send("incrementWithValue()", value=2 * V)
    assert result.success, result.log
    assert world.balance(world.counter) == before[world.counter] + 3 * V
    assert world.balance(CROSSVM) == 0


def test_caught_failure_gives_the_value_back(world: World) -> None:
    before = balances(world)
    result, record = world.cc_send(
        "tryIncrement(string,bytes)", world.counter_text, BAD_MESSAGE, value=V
    )
    assert result.success, result.log
    after = balances(world)
    assert after[world.counter] == before[world.counter]
    assert after[CROSSVM] == 0
    # the value came back to CrossCounter, which received it with tryIncrement
    assert after[world.cc] == V
    assert after[DEV0.address] == before[DEV0.address] - V - fee(record)
    assert world.count() == 0
    assert world.cc_state()["failures"] == 1


def test_caught_success_with_value(world: World) -> None:
    result, _ = world.cc_send("tryIncrement(string,bytes)", world.counter_text, INCREMENT, value=V)
    assert result.success, result.log
    assert world.balance(world.counter) == V
    assert world.balance(world.cc) == 0
    assert world.balance(CROSSVM) == 0


def test_outer_revert_undoes_the_bank_move(world: World) -> None:
    """The counter's balance lives in the bank (32-byte account): an EVM revert above the
    execute must undo that write too."""
    a, b, c = (world.chain.deploy("CrossDepth") for _ in range(3))
    before = balances(world, a, b, c)
    data = calldata(
        "run(address[],uint256,uint256,string,bytes)", [b, c], 1, 0, world.counter_text, INCREMENT
    )
    result, record = world.send(a, data, value=V)
    assert not result.success
    after = balances(world, a, b, c)
    assert after[DEV0.address] == before[DEV0.address] - fee(record)
    del after[DEV0.address], before[DEV0.address]
    assert after == before
    assert world.count() == 0


@pytest.mark.parametrize(("revert_at", "catch_at"), [(2, 1), (3, 1), (3, 2)])
def test_revert_below_a_catch_returns_the_value_to_the_catcher(
    world: World, revert_at: int, catch_at: int
) -> None:
    chain = [world.chain.deploy("CrossDepth") for _ in range(3)]
    data = calldata(
        "run(address[],uint256,uint256,string,bytes)",
        chain[1:],
        revert_at,
        catch_at,
        world.counter_text,
        INCREMENT,
    )
    result, _ = world.send(chain[0], data, value=V)
    assert result.success, result.log
    assert world.balance(world.counter) == 0
    assert world.balance(CROSSVM) == 0
    # the value forwarded below the catching frame came back to it
    assert [world.balance(x) for x in chain] == [V if i == catch_at - 1 else 0 for i in range(3)]
    assert world.count() == 0


def test_value_at_depth_three_reaches_the_counter(world: World) -> None:
    a, b, c = (world.chain.deploy("CrossDepth") for _ in range(3))
    data = calldata(
        "run(address[],uint256,uint256,string,bytes)", [b, c], 0, 0, world.counter_text, INCREMENT
    )
    before = world.balance(DEV1.address)
    result, record = world.send(a, data, value=V, key=DEV1)
    assert result.success, result.log
    assert world.balance(world.counter) == V
    assert [world.balance(x) for x in (a, b, c, CROSSVM)] == [0, 0, 0, 0]
    assert world.balance(DEV1.address) == before - V - fee(record)


def test_refunded_value_stays_with_the_caller(world: World) -> None:
    """Value a failed attempt gave back stays in CrossCounter: later increments without value
    do not forward it."""
    result, _ = world.cc_send(
        "tryIncrement(string,bytes)", world.counter_text, BAD_MESSAGE, value=V
    )
    assert result.success, result.log
    assert world.balance(world.cc) == V
    world.cc_send("increment()")
    assert world.count() == 1
    assert world.balance(world.cc) == V
    assert world.balance(world.counter) == 0


def test_failed_direct_execute_with_value_moves_nothing(world: World) -> None:
    before = balances(world)
    data = calldata("execute(string,bytes)", world.counter_text, BAD_MESSAGE)
    result, record = world.send(CROSSVM, data, value=V)
    assert not result.success
    after = balances(world)
    assert after[DEV0.address] == before[DEV0.address] - fee(record)
    del after[DEV0.address], before[DEV0.address]
    assert after == before
