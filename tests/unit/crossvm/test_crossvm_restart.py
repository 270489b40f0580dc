"""CosmWasm state written through 0x901 is committed with the block and survives a restart."""

from __future__ import annotations

from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.crosskit import (
    BAD_MESSAGE,
    CROSSVM,
    SLOT_ATTEMPTS,
    SLOT_FAILURES,
    World,
    cosmwasm_logs,
)

V = 10**15


def test_restart_keeps_state_written_through_0x901(world: World) -> None:
    world.cc_send("increment()")
    world.cc_send("incrementWithValue()", value=V)
    world.cc_send("incrementThenRevert()")
    _, last = world.cc_send("tryIncrement(string,bytes)", world.counter_text, BAD_MESSAGE)
    height = world.chain.app.height
    world.restart()
    assert world.chain.app.height == height
    assert world.count() == 2
    assert world.balance(world.counter) == V
    assert world.balance(CROSSVM) == 0
    assert world.storage(world.cc, SLOT_ATTEMPTS) == 1
    assert world.storage(world.cc, SLOT_FAILURES) == 1
    assert world.view(world.cc, "count()", ["bytes"]) == b'{"count":2}'
    record = world.chain.evm.index.tx(last.hash)
    assert record is not None and len(record.logs) == 1
    # the precompile is wired again after the restart and goes on from the stored count
    result, record = world.cc_send("increment()")
    assert result.success, result.log
    assert world.count() == 3
    assert dict(zip(*cosmwasm_logs(record)[1][2:], strict=True))["count"] == "3"
    world.restart()
    assert world.count() == 3
    assert world.call(world.cc, calldata("count()"))[64:75] == b'{"count":3}'
