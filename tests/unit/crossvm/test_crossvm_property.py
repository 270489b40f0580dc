"""Property: random sequences of EVM transactions touching 0x901 (successful increments,
increments undone by a revert above, caught failures with and without value, loops with one
failing iteration) mixed with plain value transfers, in random blocks, leave the CosmWasm count,
CrossCounter's storage and every balance where a simple Python model says."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.crosskit import (
    BAD_MESSAGE,
    CROSSVM,
    DEV1,
    DEV2,
    INCREMENT,
    SLOT_ATTEMPTS,
    SLOT_FAILURES,
    World,
    fee,
)

values = st.sampled_from([0, 1, 10**9, 10**15])

operations = st.one_of(
    st.tuples(st.just("increment")),
    st.tuples(st.just("increment_with_value"), values),
    st.tuples(st.just("increment_then_revert")),
    st.tuples(st.just("try_bad"), values),
    st.tuples(st.just("try_good"), values),
    st.tuples(st.just("times"), st.integers(0, 3), st.integers(0, 4)),
    st.tuples(st.just("transfer_to_counter_contract"), values),
    st.tuples(st.just("transfer_to_account"), values),
)

# each operation, and whether a block is mined right after it
programs = st.lists(st.tuples(operations, st.booleans()), min_size=1, max_size=8)


@dataclass
class Model:
    count: int = 0
    attempts: int = 0
    failures: int = 0
    cc_balance: int = 0
    counter_balance: int = 0
    dev2_received: int = 0
    dev1_paid: int = 0  # values that left dev1 (fees are added from the receipts)
    expected_ok: list[bool] = field(default_factory=list)

    def apply(self, op: tuple[Any, ...]) -> None:
        kind, *args = op
        ok = True
        value = args[0] if kind != "times" and args else 0
        if kind == "increment":
            self.count += 1
        elif kind == "increment_with_value":
            self.count += 1
            self.counter_balance += value
        elif kind == "increment_then_revert":
            ok = False
        elif kind == "try_bad":
            self.attempts += 1
            self.failures += 1
            self.cc_balance += value
        elif kind == "try_good":
            self.attempts += 1
            self.count += 1
            self.counter_balance += value
        elif kind == "times":
            n, fail_at = args
            failing = 1 if fail_at < n else 0
            self.count += n - failing
            self.attempts += failing
            self.failures += failing
        elif kind == "transfer_to_counter_contract":
            self.cc_balance += value
        elif kind == "transfer_to_account":
            self.dev2_received += value
        if ok:
            self.dev1_paid += value
        self.expected_ok.append(ok)


def transaction(world: World, op: tuple[Any, ...]) -> Any:
    kind, *args = op
    cc, text = world.cc, world.counter_text
    if kind == "increment":
        return world.tx(cc, calldata("increment()"), key=DEV1)
    if kind == "increment_with_value":
        return world.tx(cc, calldata("incrementWithValue()"), value=args[0], key=DEV1)
    if kind == "increment_then_revert":
        return world.tx(cc, calldata("incrementThenRevert()"), key=DEV1)
    if kind in ("try_bad", "try_good"):
        message = BAD_MESSAGE if kind == "try_bad" else INCREMENT
        data = calldata("tryIncrement(string,bytes)", text, message)
        return world.tx(cc, data, value=args[0], key=DEV1)
    if kind == "times":
        return world.tx(cc, calldata("incrementTimes(uint256,uint256)", *args), key=DEV1)
    if kind == "transfer_to_counter_contract":
        return world.tx(cc, b"", value=args[0], gas=100_000, key=DEV1)
    assert kind == "transfer_to_account"
    return world.tx(DEV2.address, b"", value=args[0], gas=21_000, key=DEV1)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(programs)
def test_random_transactions_match_the_model(program: list[tuple[tuple[Any, ...], bool]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp) / "db")
        try:
            run_program(world, program)
        finally:
            world.close()


def run_program(world: World, program: list[tuple[tuple[Any, ...], bool]]) -> None:
    model = Model()
    dev1_start = world.balance(DEV1.address)
    dev2_start = world.balance(DEV2.address)
    fees = 0
    pending: list[Any] = []
    results: list[bool] = []

    def mine() -> None:
        nonlocal fees, pending
        if not pending:
            return
        notice = world.chain.mine(*pending)
        results.extend(r.success for r in notice.results)
        for tx in pending:
            record = world.chain.evm.index.tx(tx.tx_hash)
            assert record is not None
            fees += fee(record)
        pending = []

    for op, mine_after in program:
        model.apply(op)
        pending.append(transaction(world, op))
        if mine_after:
            mine()
    mine()

    assert results == model.expected_ok
    assert world.count() == model.count
    assert world.storage(world.cc, SLOT_ATTEMPTS) == model.attempts
    assert world.storage(world.cc, SLOT_FAILURES) == model.failures
    assert world.balance(world.cc) == model.cc_balance
    assert world.balance(world.counter) == model.counter_balance
    assert world.balance(CROSSVM) == 0
    assert world.balance(DEV2.address) == dev2_start + model.dev2_received
    assert world.balance(DEV1.address) == dev1_start - model.dev1_paid - fees
