"""x/crossvm's events and the EVM logs that carry them (topics in crossvm/README.md).

    crossvm_request   {message_id, source_vm, target_vm, target_contract, sender}
    crossvm_response  {message_id, status, result, error}
    crossvm_timeout   {message_id, source_vm, target_vm}

As logs from 0x901, declared in ``ICrossVM.sol``:

    CrossVMRequest(uint64 indexed messageId, uint8 sourceVm, uint8 targetVm,
                   string targetContract, string sender)
    CrossVMResponse(uint64 indexed messageId, uint8 status, bytes result)
    CrossVMTimeout(uint64 indexed messageId, uint8 sourceVm, uint8 targetVm)
"""

from __future__ import annotations

from eth_abi import encode as abi_encode
from eth_hash.auto import keccak

from crossvm.types import MessageRecord, Status, address_text
from qorenode.interfaces import Event, PrecompileLog

REQUEST = "crossvm_request"
RESPONSE = "crossvm_response"
TIMEOUT = "crossvm_timeout"

REQUEST_TOPIC = bytes(keccak(b"CrossVMRequest(uint64,uint8,uint8,string,string)"))
RESPONSE_TOPIC = bytes(keccak(b"CrossVMResponse(uint64,uint8,bytes)"))
TIMEOUT_TOPIC = bytes(keccak(b"CrossVMTimeout(uint64,uint8,uint8)"))


def request_event(record: MessageRecord) -> Event:
    return Event(
        REQUEST,
        (
            ("message_id", str(record.id)),
            ("source_vm", record.source_vm.label),
            ("target_vm", record.target_vm.label),
            ("target_contract", address_text(record.target_vm, record.target)),
            ("sender", address_text(record.source_vm, record.sender)),
        ),
    )


def response_event(record: MessageRecord) -> Event:
    return Event(
        RESPONSE,
        (
            ("message_id", str(record.id)),
            ("status", record.status.label),
            ("result", "0x" + record.result.hex()),
            ("error", record.error),
        ),
    )


def timeout_event(record: MessageRecord) -> Event:
    return Event(
        TIMEOUT,
        (
            ("message_id", str(record.id)),
            ("source_vm", record.source_vm.label),
            ("target_vm", record.target_vm.label),
        ),
    )


def status_result(record: MessageRecord) -> bytes:
    """What ``messageStatus`` and ``CrossVMResponse`` return beside the status: the target's
    result when executed, the error text when failed, nothing otherwise."""
    if record.status == Status.EXECUTED:
        return record.result
    if record.status == Status.FAILED:
        return record.error.encode()
    return b""


def event_log(event: Event) -> PrecompileLog:
    """One of the module's events as a log from 0x901."""
    message_id = int(event.attribute("message_id") or 0)
    id_topic = message_id.to_bytes(32, "big")
    if event.type == REQUEST:
        data = abi_encode(
            ["uint8", "uint8", "string", "string"],
            [
                _vm_number(event.attribute("source_vm")),
                _vm_number(event.attribute("target_vm")),
                event.attribute("target_contract") or "",
                event.attribute("sender") or "",
            ],
        )
        return PrecompileLog((REQUEST_TOPIC, id_topic), data)
    if event.type == RESPONSE:
        status = Status.parse(event.attribute("status") or "unknown")
        error = event.attribute("error") or ""
        result = (
            error.encode()
            if status == Status.FAILED
            else bytes.fromhex((event.attribute("result") or "0x")[2:])
        )
        return PrecompileLog((RESPONSE_TOPIC, id_topic), _encode_uint8_bytes(int(status), result))
    if event.type == TIMEOUT:
        source = _vm_number(event.attribute("source_vm"))
        target = _vm_number(event.attribute("target_vm"))
        return PrecompileLog((TIMEOUT_TOPIC, id_topic), _word(source) + _word(target))
    raise ValueError(f"not an x/crossvm event: {event.type}")


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _encode_uint8_bytes(number: int, data: bytes) -> bytes:
    """``abi.encode(uint8, bytes)`` (one log per delivered message: eth_abi costs more)."""
    padded = data + bytes(-len(data) % 32)
    return _word(number) + _word(64) + _word(len(data)) + padded


def _vm_number(label: str | None) -> int:
    return {"evm": 0, "cosmwasm": 1, "svm": 2}[label or ""]
