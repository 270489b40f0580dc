"""Submission of asynchronous messages: one set of checks for every source, then the queue.

Every source (a user's ``MsgCrossVMCall``, ``submit``/``submitSvm`` on 0x901, a CosmWasm
contract's ``crossvm_call``, the SVM bridge's ``Submit``) builds a ``CrossVmRequest`` and hands it
to ``MessageQueue.submit``: the request is checked against the params (stable error codes in
``crossvm.errors``), its funds are escrowed in the module account (0x901's balance), a record is
stored as ``submitted`` with the next id, and ``crossvm_request`` is emitted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from crossvm.errors import (
    FundsNotAccepted,
    GasLimitTooHigh,
    InsufficientFunds,
    InvalidInput,
    InvalidPayload,
    InvalidTarget,
    MessageTooLarge,
    QueueFull,
    SameVm,
)
from crossvm.events import request_event
from crossvm.keeper import CrossVmKeeper
from crossvm.params import SVM_MAX_COMPUTE_UNITS, Params
from crossvm.types import ESCROW_ACCOUNT, CrossVmRequest, MessageRecord, Status
from qorenode.interfaces import Bank, Event, VmId

MAX_SVM_ACCOUNTS = 32
MAX_SVM_PAYLOAD = 10_240  # the CPI instruction-data limit the bridge's Deliver enforces


class MessageQueue:
    """Checks and queues requests; the EndBlocker (``crossvm.endblocker``) drains the queue."""

    def __init__(self, keeper: CrossVmKeeper, bank: Bank) -> None:
        self.keeper = keeper
        self.bank = bank

    def check(self, request: CrossVmRequest, ahead: int = 0) -> int:
        """Refuse ``request`` with a stable code, or return its gas limit. ``ahead``: messages
        of the same transaction to be queued before it."""
        params = self.keeper.params()
        if request.target_vm == request.source_vm:
            raise SameVm(f"target VM {request.target_vm.label} is the source VM: call it directly")
        if len(request.payload) > params.max_message_size:
            raise MessageTooLarge(
                f"payload of {len(request.payload)} bytes is over max_message_size "
                f"{params.max_message_size}"
            )
        if self.keeper.queue_size() + ahead >= params.max_queue_size:
            raise QueueFull(f"the queue is full: {params.max_queue_size} messages wait")
        _check_target(request)
        _check_payload(request)
        if request.funds < 0:
            raise InvalidPayload("funds cannot be negative")
        if request.funds and request.target_vm == VmId.SVM:
            raise FundsNotAccepted("funds cannot go to the SVM (it keeps its own lamports)")
        return _gas_limit(request, params)

    def submit(
        self,
        height: int,
        request: CrossVmRequest,
        *,
        escrow_from: bytes | None,
        evm_logged: bool = False,
    ) -> tuple[MessageRecord, Event]:
        """Check and queue ``request`` in the block at ``height``; its record and event.

        ``escrow_from``: the account the funds leave now (None: they already reached the
        module account, as ``msg.value`` sent to 0x901 does). ``evm_logged``: the caller puts
        the event in an EVM transaction's logs itself.
        """
        gas_limit = self.check(request)
        if request.funds and escrow_from is not None:
            balance = self.bank.balance(escrow_from)
            if balance < request.funds:
                raise InsufficientFunds(
                    f"insufficient funds: {balance} aqor, the message escrows {request.funds}"
                )
            self.bank.send(escrow_from, ESCROW_ACCOUNT, request.funds)
        record = MessageRecord(
            id=self.keeper.next_id(),
            source_vm=request.source_vm,
            target_vm=request.target_vm,
            sender=request.sender,
            source_contract=request.source_contract,
            target=request.target,
            payload=request.payload,
            funds=request.funds,
            svm_accounts=request.svm_accounts,
            gas_limit=gas_limit,
            status=Status.SUBMITTED,
            created_height=height,
            timeout_height=height + self.keeper.params().queue_timeout_blocks,
        )
        self.keeper.enqueue(record)
        event = request_event(record)
        self.keeper.record_event(height, event, evm_logged)
        return record, event

    def check_all(self, requests: Sequence[CrossVmRequest]) -> None:
        """Refuse the first of ``requests`` that ``submit`` would refuse (funds not checked:
        the SVM's requests carry none)."""
        for ahead, request in enumerate(requests):
            self.check(request, ahead)


def _check_target(request: CrossVmRequest) -> None:
    sizes = {VmId.EVM: (20,), VmId.COSMWASM: (20, 32), VmId.SVM: (32,)}[request.target_vm]
    if len(request.target) not in sizes:
        raise InvalidTarget(
            f"a {request.target_vm.label} target is {' or '.join(map(str, sizes))} bytes, "
            f"got {len(request.target)}"
        )


def _check_payload(request: CrossVmRequest) -> None:
    payload = request.payload
    if request.svm_accounts and request.target_vm != VmId.SVM:
        raise InvalidPayload("svm_accounts are for SVM targets only")
    if request.target_vm == VmId.EVM:
        if 0 < len(payload) < 4:
            raise InvalidPayload("EVM calldata is empty or starts with a 4-byte selector")
    elif request.target_vm == VmId.COSMWASM:
        try:
            message = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            raise InvalidPayload("a CosmWasm payload is a JSON execute message") from None
        if not isinstance(message, dict):
            raise InvalidPayload("a CosmWasm payload is a JSON object (an execute message)")
    else:
        if len(payload) > MAX_SVM_PAYLOAD:
            raise InvalidPayload(
                f"SVM instruction data is at most {MAX_SVM_PAYLOAD} bytes, got {len(payload)}"
            )
        if len(request.svm_accounts) > MAX_SVM_ACCOUNTS:
            raise InvalidPayload(f"at most {MAX_SVM_ACCOUNTS} svm_accounts")
        if any(len(account.pubkey) != 32 for account in request.svm_accounts):
            raise InvalidPayload("an SVM account is a 32-byte public key")


def _gas_limit(request: CrossVmRequest, params: Params) -> int:
    ceiling = params.max_delivery_gas
    if request.target_vm == VmId.SVM:
        ceiling = min(ceiling, SVM_MAX_COMPUTE_UNITS)
    if request.gas_limit is None:
        return ceiling
    if request.gas_limit <= 0:
        raise InvalidInput("a gas limit is a positive integer")
    if request.gas_limit > ceiling:
        unit = "compute units" if request.target_vm == VmId.SVM else "gas"
        raise GasLimitTooHigh(
            f"gas limit {request.gas_limit} is above the {ceiling} {unit} a delivery may use"
        )
    return request.gas_limit
