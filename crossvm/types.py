"""x/crossvm's values: message status, the stored message record, a request to queue one.

A record is stored under ``crossvm/msg/<id>`` as a compact JSON array (``encode``) and answered
by ``qor_getCrossVMMessage`` as an object (``to_json``): addresses in their source or target
VM's own text form (0x hex for the EVM, bech32 ``qor1`` for CosmWasm, base58 for the SVM),
payload and result as 0x hex, heights and gas as integers.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from qorenode import base58, bech32, jsonenc
from qorenode.interfaces import Event, VmId

DENOM = "aqor"
CROSSVM_ADDRESS = bytes(18) + b"\x09\x01"  # the precompile, and the module account
ESCROW_ACCOUNT = CROSSVM_ADDRESS  # where submitted funds wait (its balance = the escrow)


class Status(enum.IntEnum):
    """A message's life (DESIGN §5): numbered as ``messageStatus`` on 0x901 returns them."""

    UNKNOWN = 0
    SUBMITTED = 1  # accepted in the block being built
    PENDING = 2  # its block committed; waiting for an EndBlocker
    EXECUTED = 3
    FAILED = 4
    TIMED_OUT = 5

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def terminal(self) -> bool:
        return self in (Status.EXECUTED, Status.FAILED, Status.TIMED_OUT)

    @classmethod
    def parse(cls, text: str) -> Status:
        """A status from its label (``executed``) or its number (``3``)."""
        status = _STATUS_BY_TEXT.get(text)
        if status is None:
            raise ValueError(f"unknown status {text!r}")
        return status


def address_text(vm: VmId, raw: bytes) -> str:
    """An address as ``vm`` writes it."""
    if vm == VmId.EVM:
        return "0x" + raw.hex()
    if vm == VmId.COSMWASM:
        return bech32.encode(raw)
    return base58.encode(raw)


@dataclass(frozen=True)
class SvmAccount:
    """An account a message towards the SVM passes after the alias PDA."""

    pubkey: bytes
    writable: bool

    def to_json(self) -> dict[str, Any]:
        return {"pubkey": base58.encode(self.pubkey), "writable": self.writable}


@dataclass(frozen=True)
class CrossVmRequest:
    """A message as a source hands it to the keeper, before validation and queueing.

    ``target`` is raw: 20 bytes (EVM), 20 or 32 bytes (CosmWasm), 32 bytes (SVM program id);
    ``funds`` in ``aqor``, already validated as coins; ``gas_limit`` None takes the params'
    ``max_delivery_gas``.
    """

    source_vm: VmId
    sender: bytes
    target_vm: VmId
    target: bytes
    payload: bytes
    funds: int = 0
    svm_accounts: tuple[SvmAccount, ...] = ()
    gas_limit: int | None = None
    source_contract: bytes | None = None  # the contract or program that submitted, if one did


@dataclass
class MessageRecord:
    """One queued message and, once delivered, its outcome."""

    id: int
    source_vm: VmId
    target_vm: VmId
    sender: bytes
    source_contract: bytes | None
    target: bytes
    payload: bytes
    funds: int
    svm_accounts: tuple[SvmAccount, ...]
    gas_limit: int
    status: Status
    created_height: int
    timeout_height: int  # the last height at which an EndBlocker may still deliver it
    executed_height: int | None = None
    result: bytes = b""
    error: str = ""
    gas_used: int = 0
    delivery_tx: bytes | None = None

    def finish(
        self,
        status: Status,
        height: int,
        *,
        result: bytes = b"",
        error: str = "",
        gas_used: int = 0,
        delivery_tx: bytes | None = None,
    ) -> MessageRecord:
        """Give the record its terminal state (in place; the record is returned)."""
        self.status = status
        self.executed_height = height
        self.result = result
        self.error = error
        self.gas_used = gas_used
        self.delivery_tx = delivery_tx
        return self

    # -- JSON ------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The record as queries return it (DESIGN §5's fields)."""
        delivery = None
        if self.delivery_tx is not None:
            delivery = (
                base58.encode(self.delivery_tx)
                if self.target_vm == VmId.SVM
                else "0x" + self.delivery_tx.hex()
            )
        return {
            "id": self.id,
            "source_vm": self.source_vm.label,
            "target_vm": self.target_vm.label,
            "sender": address_text(self.source_vm, self.sender),
            "source_contract": ""
            if self.source_contract is None
            else address_text(self.source_vm, self.source_contract),
            "target_contract": address_text(self.target_vm, self.target),
            "payload_hex": "0x" + self.payload.hex(),
            "funds": [{"denom": DENOM, "amount": str(self.funds)}] if self.funds else [],
            "svm_accounts": [account.to_json() for account in self.svm_accounts],
            "gas_limit": self.gas_limit,
            "status": self.status.label,
            "status_code": int(self.status),
            "created_height": self.created_height,
            "executed_height": self.executed_height,
            "timeout_height": self.timeout_height,
            "result_hex": "0x" + self.result.hex(),
            "error": self.error,
            "gas_used": self.gas_used,
            "delivery_tx": delivery,
        }

    def encode(self) -> bytes:
        """Stored form: a compact JSON array in ``_STORED_FIELDS`` order, raw bytes as hex
        (positional: this runs for every message at submission and at delivery)."""
        return jsonenc.dumps(
            [
                self.id,
                int(self.source_vm),
                int(self.target_vm),
                self.sender.hex(),
                _optional_hex_text(self.source_contract),
                self.target.hex(),
                self.payload.hex(),
                self.funds,
                [[a.pubkey.hex(), a.writable] for a in self.svm_accounts],
                self.gas_limit,
                int(self.status),
                self.created_height,
                self.timeout_height,
                self.executed_height,
                self.result.hex(),
                self.error,
                self.gas_used,
                _optional_hex_text(self.delivery_tx),
            ]
        )

    @classmethod
    def decode(cls, raw: bytes) -> MessageRecord:
        (
            message_id,
            source_vm,
            target_vm,
            sender,
            source_contract,
            target,
            payload,
            funds,
            svm_accounts,
            gas_limit,
            status,
            created_height,
            timeout_height,
            executed_height,
            result,
            error,
            gas_used,
            delivery_tx,
        ) = json.loads(raw)
        return cls(
            id=message_id,
            source_vm=_VMS[source_vm],
            target_vm=_VMS[target_vm],
            sender=bytes.fromhex(sender),
            source_contract=_optional_hex(source_contract),
            target=bytes.fromhex(target),
            payload=bytes.fromhex(payload),
            funds=funds,
            svm_accounts=tuple(
                SvmAccount(bytes.fromhex(key), bool(writable)) for key, writable in svm_accounts
            ),
            gas_limit=gas_limit,
            status=_STATUSES[status],
            created_height=created_height,
            timeout_height=timeout_height,
            executed_height=executed_height,
            result=bytes.fromhex(result),
            error=error,
            gas_used=gas_used,
            delivery_tx=_optional_hex(delivery_tx),
        )


_VMS = tuple(VmId)
_STATUSES = tuple(Status)
_STATUS_BY_TEXT = {
    **{status.name.lower(): status for status in Status},
    **{str(int(status)): status for status in Status},
}


def _optional_hex_text(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


def _optional_hex(value: str | None) -> bytes | None:
    return None if value is None else bytes.fromhex(value)


@dataclass(frozen=True)
class CrossVmNotice:
    """One x/crossvm event of a committed block, with its message's record as stored then."""

    height: int
    event: Event
    message_id: int
    record: bytes | None

    def message(self) -> MessageRecord | None:
        return None if self.record is None else MessageRecord.decode(self.record)

    def to_json(self) -> dict[str, Any]:
        """What a ``crossvm`` subscription sends."""
        message = self.message()
        return {
            "height": self.height,
            "type": self.event.type,
            "message_id": self.message_id,
            "attributes": dict(self.event.attributes),
            "message": None if message is None else message.to_json(),
        }
