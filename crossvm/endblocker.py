"""x/crossvm's EndBlocker: time out stale messages, then deliver pending ones FIFO.

A block's pass (DESIGN §5):

    time_out_stale_messages     every queued message past its timeout height: refund, timed_out
    deliver_pending_messages    FIFO by id, messages of earlier blocks only; each in its own
                                layer with its own gas limit, while it fits the block's budget
    emit_system_receipt         the pass's events as logs of one receipt from 0x901

A delivery that fails (the target refuses, runs out of gas, or raises anything at all, pyo3
panics included) reverts its own layer, refunds the escrow and is recorded as ``failed``; the
chain goes on. Each message reaches one terminal state once: the record and the effects of the
delivery are written together in the block's batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from eth_hash.auto import keccak

from crossvm.alias import cosmwasm_alias, evm_alias
from crossvm.events import event_log, response_event, timeout_event
from crossvm.expected import EvmExecutor, SvmExecutor, WasmExecutor
from crossvm.keeper import CrossVmKeeper
from crossvm.types import ESCROW_ACCOUNT, MessageRecord, Status, address_text
from qorenode.interfaces import (
    AccountLedger,
    Bank,
    BlockContext,
    DeliveryResult,
    Event,
    GasMeter,
    NodeError,
    VmId,
)

log = logging.getLogger(__name__)

SYSTEM_RECEIPT_DOMAIN = b"qorenode/crossvm/endblock"
QueueEntries = list[tuple[int, int, int]]  # (message id, created height, timeout height)


class EndBlocker:
    """Runs the queue once per block; the targets are the VM adapters x/crossvm expects."""

    def __init__(
        self,
        keeper: CrossVmKeeper,
        bank: Bank,
        ledger: AccountLedger,
        evm: EvmExecutor,
        wasm: WasmExecutor,
        svm: Callable[[], SvmExecutor | None],
    ) -> None:
        self.keeper = keeper
        self.bank = bank
        self.ledger = ledger
        self.evm = evm
        self.wasm = wasm
        self.svm = svm

    def run(self, ctx: BlockContext) -> list[Event]:
        """The whole pass; the events it raised (and the CosmWasm events of deliveries)."""
        if not self.keeper.queue_size():
            return []
        first_event = self.keeper.event_count(ctx.height)
        delivered_events: list[Event] = []
        queue = self.time_out_stale_messages(ctx, list(self.keeper.queue()))
        self.deliver_pending_messages(ctx, queue, delivered_events)
        self.evm.close_transaction()  # the last EVM delivery's journal
        events = self.keeper.events(ctx.height, first_event)
        logs = [event_log(event) for event, evm_logged in events if not evm_logged]
        if logs:
            self.evm.add_system_receipt(ctx, system_receipt_source(ctx.height), logs)
        return [event for event, _ in events] + delivered_events

    # -- timeouts -------------------------------------------------------------------------------

    def time_out_stale_messages(self, ctx: BlockContext, queue: QueueEntries) -> QueueEntries:
        """Time out every queued message past its timeout height; the queue that remains."""
        remaining: QueueEntries = []
        for entry in queue:
            message_id, created, timeout = entry
            if created >= ctx.height or ctx.height <= timeout:
                remaining.append(entry)
                continue
            record = self.keeper.message(message_id)
            assert record is not None, f"queued message {message_id} has no record"
            record = record.finish(Status.TIMED_OUT, ctx.height, error=self._refund(record))
            self.keeper.dequeue(record)
            self.keeper.record_event(ctx.height, timeout_event(record), evm_logged=False)
        return remaining

    # -- deliveries -----------------------------------------------------------------------------

    def deliver_pending_messages(
        self, ctx: BlockContext, queue: QueueEntries, delivered_events: list[Event]
    ) -> None:
        """FIFO from the head of ``queue`` while the block's budget lasts."""
        budget = self.keeper.params().max_block_delivery_gas
        due = [message_id for message_id, created, _ in queue if created < ctx.height]
        stored = self.keeper.messages_between(due[0], due[-1]) if due else {}
        for message_id, created, _ in queue:
            if created >= ctx.height:
                break  # submitted in this block: delivered from the next one
            raw = stored.get(message_id)
            assert raw is not None, f"queued message {message_id} has no record"
            record = MessageRecord.decode(raw)
            if record.gas_limit > budget:
                break  # the head waits for the next block's budget
            result = self.deliver_in_own_layer(ctx, record)
            budget -= min(result.gas_used, record.gas_limit)
            if result.success:
                delivered_events.extend(result.events)
                record = record.finish(
                    Status.EXECUTED,
                    ctx.height,
                    result=result.data,
                    gas_used=result.gas_used,
                    delivery_tx=result.tx_hash,
                )
            else:
                refund_error = self._refund(record)
                record = record.finish(
                    Status.FAILED,
                    ctx.height,
                    result=result.data,
                    error="; ".join(
                        e for e in (result.error or "delivery failed", refund_error) if e
                    ),
                    gas_used=result.gas_used,
                    delivery_tx=result.tx_hash,
                )
            self.keeper.dequeue(record)
            self.keeper.record_event(ctx.height, response_event(record), evm_logged=False)

    def deliver_in_own_layer(self, ctx: BlockContext, record: MessageRecord) -> DeliveryResult:
        """Deliver one message in a layer of its own: kept if it succeeds, else undone. An EVM
        delivery is a transaction of its own: the EVM's journal is closed before it."""
        evm_target = record.target_vm == VmId.EVM
        if evm_target:
            self.evm.close_transaction()
        layer = self.ledger.snapshot()
        try:
            result = self.deliver(ctx, record)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            log.exception("delivery of cross-VM message %d raised", record.id)
            result = DeliveryResult(False, error=f"delivery raised {type(exc).__name__}: {exc}")
        if result.success:
            self.ledger.commit_snapshot(layer)
        else:
            self.ledger.revert_snapshot(layer)
        return result

    def deliver(self, ctx: BlockContext, record: MessageRecord) -> DeliveryResult:
        """Run the message on its target VM as the sender's identity there (DESIGN §5)."""
        if record.target_vm == VmId.EVM:
            identity = evm_alias(record.source_vm, record.sender)
            if record.funds:
                self.bank.send(ESCROW_ACCOUNT, identity, record.funds)
            return self.evm.deliver_call(
                ctx,
                record.id,
                sender=identity,
                target=record.target,
                value=record.funds,
                data=record.payload,
                gas_limit=record.gas_limit,
            )
        if record.target_vm == VmId.COSMWASM:
            return self._deliver_to_cosmwasm(ctx, record)
        svm = self.svm()
        if svm is None:
            return DeliveryResult(False, error="this node runs no SVM")
        if not svm.program_exists(record.target):
            return DeliveryResult(
                False, error=f"no program at {address_text(VmId.SVM, record.target)}"
            )
        return svm.deliver_call(
            ctx,
            record.id,
            int(record.source_vm),
            record.sender,
            record.target,
            [(account.pubkey, account.writable) for account in record.svm_accounts],
            record.payload,
            record.gas_limit,
        )

    def _deliver_to_cosmwasm(self, ctx: BlockContext, record: MessageRecord) -> DeliveryResult:
        gas = GasMeter(record.gas_limit)  # an unknown contract fails with wasmd's code 22
        try:
            data, events = self.wasm.execute_for_caller(
                ctx,
                gas,
                sender=cosmwasm_alias(record.source_vm, record.sender),
                contract=record.target,
                msg=record.payload,
                funds=record.funds,
                payer=ESCROW_ACCOUNT,
            )
        except NodeError as exc:
            return DeliveryResult(
                False,
                gas_used=gas.used,
                error=f"codespace: {exc.codespace}, code: {exc.code}: {exc.message}",
            )
        return DeliveryResult(True, data or b"", gas.used, events=events)

    def _refund(self, record: MessageRecord) -> str:
        """Return the escrow to the sender; an error text if that failed (the escrow account
        always holds what the queue escrowed, so it cannot, but a refund must never halt the
        chain: the failure is recorded with the message instead)."""
        if not record.funds:
            return ""
        try:
            self.bank.send(ESCROW_ACCOUNT, record.sender, record.funds)
        except NodeError as exc:
            log.error("refund of cross-VM message %d failed: %s", record.id, exc.message)
            return f"refund failed: {exc.message}"
        return ""


def system_receipt_source(height: int) -> bytes:
    """What makes the per-block system receipt's hash unique and deterministic."""
    return bytes(keccak(SYSTEM_RECEIPT_DOMAIN + height.to_bytes(8, "big")))
