"""x/crossvm's queue: a message's life, FIFO order, budgets, timeouts, failures and refunds."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from crossvm.alias import cosmwasm_alias, evm_alias
from qorenode.addresses import to_bech32
from qorenode.app import BlockBuildError
from qorenode.errors import NonceTooLow
from qorenode.interfaces import NodeError, VmId
from qorenode.mempool import Mempool
from tests.unit.crossvm.asynckit import (
    ESCROW,
    AsyncWorld,
    call_msg,
    genesis_with,
    message_id,
)
from tests.unit.crossvm.crosskit import BAD_MESSAGE, DEV0, DEV1, INCREMENT


def test_a_message_is_submitted_then_pending_then_executed_once(aw: AsyncWorld) -> None:
    before = aw.balance(DEV0.address)
    msg = call_msg("cosmwasm", aw.counter_text, INCREMENT, funds=7)
    notice = aw.chain.mine(aw.chain.native_tx(DEV0, [msg]))
    (result,) = notice.results
    mid = message_id(result)
    # submitted in its block: the request event of the transaction and the notice say so
    (request,) = [e for e in result.events if e.type == "crossvm_request"]
    assert request.attribute("message_id") == str(mid)
    assert request.attribute("target_contract") == aw.counter_text
    assert request.attribute("sender") == "0x" + DEV0.address.hex()
    (item,) = [event.to_json() for event in notice.extras["crossvm"]["events"]]
    assert (item["type"], item["message"]["status"]) == ("crossvm_request", "pending")
    # its block committed: pending, escrow held by the module account
    record = aw.record(mid)
    assert record["status"] == "pending" and record["created_height"] == notice.record.height
    assert record["timeout_height"] == notice.record.height + 100
    assert aw.balance(ESCROW) == 7
    assert aw.balance(DEV0.address) == before - 7  # native transactions pay no fees here
    assert aw.count() == 0
    # the next block's EndBlocker delivers it
    delivered = aw.mine()
    record = aw.record(mid)
    assert record["status"] == "executed" and record["executed_height"] == delivered.record.height
    assert record["gas_used"] > 0 and record["error"] == ""
    assert aw.count() == 1
    assert aw.balance(aw.counter) == 7 and aw.balance(ESCROW) == 0
    types = [e.type for e in delivered.record.events]
    assert types[0] == "crossvm_response" and "wasm" in types
    # exactly once: later blocks leave it alone
    aw.mine()
    aw.mine()
    assert aw.count() == 1 and aw.status(mid) == "executed"
    assert aw.crossvm.pending_json() == []


def test_a_failed_delivery_is_recorded_and_refunded(aw: AsyncWorld) -> None:
    before = aw.balance(DEV0.address)
    mid = aw.queue_call("cosmwasm", aw.counter_text, BAD_MESSAGE, funds=11)
    assert aw.balance(DEV0.address) == before - 11
    notice = aw.mine()
    record = aw.record(mid)
    assert record["status"] == "failed"
    assert "unknown variant" in record["error"]
    assert aw.balance(DEV0.address) == before and aw.balance(ESCROW) == 0
    assert aw.balance(aw.counter) == 0
    (response,) = [e for e in notice.record.events if e.type == "crossvm_response"]
    assert response.attribute("status") == "failed"
    assert "unknown variant" in (response.attribute("error") or "")


def test_messages_from_every_source_run_fifo_by_id(aw: AsyncWorld) -> None:
    """A user (as evm and as cosmwasm), an EVM contract and a CosmWasm contract, one block."""
    reset = json.dumps({"reset": {"count": 40}}).encode()
    txs = [
        aw.chain.native_tx(DEV0, [call_msg("cosmwasm", aw.counter_text, INCREMENT)]),
        aw.chain.evm_tx(
            DEV0,
            aw.submitter,
            aw.calldata_send(aw.counter_text, reset),
            gas=1_000_000,
        ),
        aw.chain.native_tx(
            DEV1, [call_msg("cosmwasm", aw.counter_text, INCREMENT, key=DEV1, source_vm="evm")]
        ),
    ]
    aw.chain.mine(*txs)
    ids = [r["id"] for r in aw.crossvm.pending_json()]
    assert ids == [1, 2, 3]
    notice = aw.mine()
    order = [
        int(e.attribute("message_id") or 0)
        for e in notice.record.events
        if e.type == "crossvm_response"
    ]
    assert order == [1, 2, 3]
    # 1 then reset to 40 then 1 more: FIFO gives 41 (any other order would not)
    assert aw.count() == 41


def test_a_message_waits_at_the_head_when_the_block_budget_is_spent(tmp_path: Path) -> None:
    world = AsyncWorld(
        tmp_path / "db",
        genesis_with(max_delivery_gas=1_000_000, max_block_delivery_gas=1_050_000),
    )
    try:
        # each message may use 1,000,000: it runs only if that much of the budget is left
        small = {"gas_limit": "150000"}
        msgs = [
            call_msg("cosmwasm", world.counter_text, INCREMENT),  # 1,000,000 by default
            call_msg("cosmwasm", world.counter_text, INCREMENT),
            call_msg("cosmwasm", world.counter_text, INCREMENT, **small),
        ]
        world.submit(*msgs)
        world.mine()
        # the second's 1,000,000 no longer fits after the first: it waits, and so does the
        # third behind it although its own limit would fit (FIFO: the head waits)
        assert [world.status(i) for i in (1, 2, 3)] == ["executed", "pending", "pending"]
        world.mine()
        assert [world.status(i) for i in (1, 2, 3)] == ["executed", "executed", "executed"]
        assert world.count() == 3
        assert world.record(3)["gas_limit"] == 150_000
    finally:
        world.close()


def test_stale_messages_time_out_with_a_refund(tmp_path: Path) -> None:
    world = AsyncWorld(
        tmp_path / "db",
        genesis_with(
            max_delivery_gas=1_000_000,
            max_block_delivery_gas=1_000_000,
            queue_timeout_blocks=1,
        ),
    )
    try:
        before = world.balance(DEV0.address)
        msgs = [call_msg("cosmwasm", world.counter_text, INCREMENT, funds=3) for _ in range(3)]
        submitted = world.chain.mine(world.chain.native_tx(DEV0, msgs)).record.height
        assert world.balance(ESCROW) == 9
        world.mine()  # one delivery fits the budget
        assert [world.status(i) for i in (1, 2, 3)] == ["executed", "pending", "pending"]
        notice = world.mine()  # the other two are past their timeout height
        assert [world.status(i) for i in (1, 2, 3)] == ["executed", "timed_out", "timed_out"]
        record = world.record(2)
        assert record["timeout_height"] == submitted + 1
        assert record["executed_height"] == notice.record.height
        timeouts = [e for e in notice.record.events if e.type == "crossvm_timeout"]
        assert [e.attribute("message_id") for e in timeouts] == ["2", "3"]
        assert world.count() == 1
        assert world.balance(ESCROW) == 0
        assert world.balance(DEV0.address) == before - 3
    finally:
        world.close()


def test_a_full_queue_refuses_with_its_code(tmp_path: Path) -> None:
    world = AsyncWorld(tmp_path / "db", genesis_with(max_queue_size=2))
    try:
        msgs = [call_msg("cosmwasm", world.counter_text, INCREMENT) for _ in range(3)]
        result = world.submit(*msgs)
        assert (result.success, result.codespace, result.code) == (False, "crossvm", 9)
        assert world.crossvm.pending_json() == []  # the transaction kept none of them
        world.submit(*msgs[:2])
        result = world.submit(msgs[2])
        assert (result.success, result.code) == (False, 9)
        world.mine()
        message_id(world.submit(msgs[2]))  # drained: room again
    finally:
        world.close()


def test_a_delivery_that_raises_anything_fails_alone(
    aw: AsyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the CosmWasm executor raises a BaseException (as pyo3 panics are)."""

    class Panic(BaseException):
        pass

    first = aw.queue_call("cosmwasm", aw.counter_text, INCREMENT, funds=5)
    real = aw.crossvm.endblocker.wasm.execute_for_caller
    calls = []

    def exploding(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise Panic("the engine panicked")
        return real(*args, **kwargs)

    monkeypatch.setattr(aw.crossvm.endblocker.wasm, "execute_for_caller", exploding)
    second = aw.queue_call("cosmwasm", aw.counter_text, INCREMENT)
    assert aw.status(first) == "failed"  # delivered in the block that queued the second
    assert "Panic" in aw.record(first)["error"]
    assert aw.balance(ESCROW) == 0
    aw.mine()
    assert aw.status(second) == "executed" and aw.count() == 1


def test_a_replayed_user_transaction_is_refused(aw: AsyncWorld) -> None:
    tx = aw.chain.native_tx(DEV0, [call_msg("cosmwasm", aw.counter_text, INCREMENT)])
    aw.chain.mine(tx)
    with pytest.raises(NonceTooLow):
        Mempool().add(tx, aw.chain.comp.sequenced_nonce(tx))
    notice = aw.chain.mine(tx)  # even if a block included it again, it does not run
    assert not notice.results[0].success
    assert [r["id"] for r in aw.crossvm.list_json({})] == [1]


def test_cosmwasm_contract_sends_through_custom_and_stargate(aw: AsyncWorld) -> None:
    payload = aw.ping(5)
    body = {
        "crossvm_call": {
            "target_vm": "evm",
            "target_contract": "0x" + aw.receiver.hex(),
            "payload": base64.b64encode(payload).decode(),
            "funds": [{"denom": "aqor", "amount": "4"}],
        }
    }
    result = aw.dispatch_custom(body, funds=4)
    assert result.success, result.log
    record = aw.record(1)
    assert record["source_vm"] == "cosmwasm" and record["sender"] == to_bech32(aw.dispatcher)
    assert record["source_contract"] == to_bech32(aw.dispatcher)
    assert aw.balance(ESCROW) == 4 and aw.balance(aw.dispatcher) == 0
    aw.mine()
    assert aw.status(1) == "executed"
    assert aw.receiver_view("count") == 1 and aw.receiver_view("received") == 4
    alias = aw.view(aw.receiver, "lastSender()", ["address"])
    assert bytes.fromhex(alias[2:]) == evm_alias(VmId.COSMWASM, aw.dispatcher)


def test_user_as_cosmwasm_is_itself_on_cosmwasm(aw: AsyncWorld) -> None:
    """A user's message with source_vm cosmwasm towards the EVM arrives from the user itself."""
    mid = aw.queue_call("evm", "0x" + aw.receiver.hex(), aw.ping(1), source_vm="cosmwasm")
    aw.mine()
    assert aw.status(mid) == "executed"
    assert aw.view(aw.receiver, "lastSender()", ["address"]).lower() == "0x" + DEV0.address.hex()
    assert cosmwasm_alias(VmId.COSMWASM, DEV0.address) == DEV0.address


def test_the_queue_survives_a_restart(aw: AsyncWorld) -> None:
    mid = aw.queue_call("cosmwasm", aw.counter_text, INCREMENT, funds=2)
    aw.restart()
    assert aw.status(mid) == "pending" and aw.balance(ESCROW) == 2
    aw.mine()
    assert aw.status(mid) == "executed" and aw.count() == 1


def test_a_block_that_fails_after_deliveries_delivers_nothing_twice(
    aw: AsyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The EndBlocker ran, then the block failed at commit: every delivery is undone with it,
    and the next block delivers each message once."""
    mid = aw.queue_call("cosmwasm", aw.counter_text, INCREMENT, funds=4)
    svm = aw.chain.comp.svm
    real_commit = svm.commit
    failures = []

    def failing_commit(*args: object, **kwargs: object) -> object:
        if not failures:
            failures.append(1)
            raise RuntimeError("disk on fire")
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(svm, "commit", failing_commit)
    with pytest.raises(BlockBuildError):
        aw.mine()
    assert aw.status(mid) == "pending" and aw.count() == 0 and aw.balance(ESCROW) == 4
    aw.mine()
    assert aw.status(mid) == "executed" and aw.count() == 1 and aw.balance(ESCROW) == 0


def test_a_refund_that_fails_is_recorded_and_the_chain_goes_on(
    aw: AsyncWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the bank refuses to pay out of the escrow account (it cannot happen while
    the escrow holds what the queue escrowed; a refund must still never halt the chain)."""
    mid = aw.queue_call("cosmwasm", aw.counter_text, BAD_MESSAGE, funds=5)
    bank = aw.crossvm.endblocker.bank
    real_send = bank.send

    def refusing_send(sender: bytes, recipient: bytes, amount: int) -> None:
        if sender == ESCROW and recipient == DEV0.address:  # the refund, not the funds
            raise NodeError("the escrow account is empty")
        real_send(sender, recipient, amount)

    monkeypatch.setattr(bank, "send", refusing_send)
    aw.mine()
    record = aw.record(mid)
    assert record["status"] == "failed"
    assert "unknown variant" in record["error"] and "refund failed" in record["error"]
    monkeypatch.undo()
    second = aw.queue_call("cosmwasm", aw.counter_text, INCREMENT)
    aw.mine()
    assert aw.status(second) == "executed"
