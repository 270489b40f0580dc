"""The precompile at 0x…0901: Solidity calls CosmWasm synchronously (DESIGN §5, ``ICrossVM``).

A call's life: refuse DELEGATECALL/CALLCODE; charge the 50,000 base; decode the ABI; run the
CosmWasm side in the caller's frame (its writes follow the EVM's journal, so any revert above
undoes them); convert its SDK gas 1:1 to EVM gas; return the ABI-encoded answer and the CosmWasm
events as logs from 0x901. Every failure is a revert with ``Error("crossvm: ...")``; running out
of gas ends the frame as an EVM out-of-gas does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_hash.auto import keccak

from crossvm.alias import evm_alias
from crossvm.errors import (
    InvalidInput,
    InvalidTarget,
    NotAllowed,
    SameVm,
    UnknownTarget,
    UnknownVm,
    Unsupported,
)
from crossvm.events import event_log as request_log
from crossvm.events import status_result
from crossvm.expected import WasmExecutor
from crossvm.keeper import CrossVmKeeper
from crossvm.params import Params
from crossvm.queue import MessageQueue
from crossvm.types import CROSSVM_ADDRESS, CrossVmRequest, Status, SvmAccount
from qorenode import bech32
from qorenode.interfaces import (
    BlockContext,
    Event,
    GasMeter,
    NodeError,
    OutOfGas,
    PrecompileCall,
    PrecompileLog,
    PrecompileResult,
    VmId,
)

BASE_GAS = 50_000
INPUT_GAS_PER_BYTE = 16  # the message, as calldata costs
OUTPUT_GAS_PER_BYTE = 3  # the answer, as memory copies cost

ERROR_SELECTOR = bytes(keccak(b"Error(string)"))[:4]
# Logs: CosmWasmEvent(string indexed eventType, string contractAddr, string[] keys, string[] values)
COSMWASM_EVENT_SIGNATURE = "CosmWasmEvent(string,string,string[],string[])"
COSMWASM_EVENT_TOPIC = bytes(keccak(COSMWASM_EVENT_SIGNATURE.encode()))


def selector(signature: str) -> bytes:
    return bytes(keccak(signature.encode()))[:4]


def revert_data(reason: str) -> bytes:
    return ERROR_SELECTOR + abi_encode(["string"], [reason])


def event_log(event: Event) -> PrecompileLog:
    """A CosmWasm event as a log of 0x901: topics [signature, keccak(type)], data the rest."""
    keys = [key for key, _ in event.attributes]
    values = [value for _, value in event.attributes]
    contract = event.attribute("_contract_address") or ""
    data = abi_encode(["string", "string[]", "string[]"], [contract, keys, values])
    return PrecompileLog((COSMWASM_EVENT_TOPIC, bytes(keccak(event.type.encode()))), data)


@dataclass(frozen=True)
class ChainIds:
    chain_id: str
    evm_chain_id: int


Handler = Callable[["_Frame", tuple[Any, ...]], bytes]


@dataclass
class _Frame:
    call: PrecompileCall
    gas: GasMeter
    logs: list[PrecompileLog]
    block: BlockContext


class CrossVmPrecompile:
    """``ICrossVM`` at 0x901: a ``PrecompileHandler`` the EVM adapter registers."""

    def __init__(
        self,
        wasm: WasmExecutor,
        chain: ChainIds,
        latest_height: Callable[[], int],
        params: Callable[[], Params],
        queue: MessageQueue,
        keeper: CrossVmKeeper,
        has_code: Callable[[bytes], bool],
    ) -> None:
        self._wasm = wasm
        self._chain = chain
        self._latest_height = latest_height
        self._params = params
        self._queue = queue
        self._keeper = keeper
        self._has_code = has_code
        self._functions: dict[bytes, tuple[str, list[str], Handler, bool]] = {}
        for signature, types, handler, payable in (
            ("execute(string,bytes)", ["string", "bytes"], self._execute, True),
            ("query(string,bytes)", ["string", "bytes"], self._query, False),
            (
                "executeCrossVMCall(uint8,string,bytes)",
                ["uint8", "string", "bytes"],
                self._execute_cross_vm_call,
                True,
            ),
            ("aliasOf(uint8,bytes)", ["uint8", "bytes"], self._alias_of, False),
            ("submit(uint8,string,bytes)", ["uint8", "string", "bytes"], self._submit, True),
            (
                "submitSvm(bytes32,(bytes32,bool)[],bytes)",
                ["bytes32", "(bytes32,bool)[]", "bytes"],
                self._submit_svm,
                False,
            ),
            ("messageStatus(uint64)", ["uint64"], self._message_status, False),
        ):
            self._functions[selector(signature)] = (signature, types, handler, payable)

    def __call__(self, call: PrecompileCall) -> PrecompileResult:
        frame = _Frame(
            call,
            GasMeter(call.gas),
            [],
            BlockContext(
                call.block_number, call.timestamp, self._chain.chain_id, self._chain.evm_chain_id
            ),
        )
        try:
            frame.gas.consume(BASE_GAS, "crossvm base")
            output = self._dispatch(frame)
            frame.gas.consume(OUTPUT_GAS_PER_BYTE * len(output), "crossvm output")
        except OutOfGas:
            return PrecompileResult(False, gas_used=call.gas, out_of_gas=True)
        except NodeError as exc:
            return PrecompileResult(False, revert_data(f"crossvm: {exc.message}"), frame.gas.used)
        return PrecompileResult(True, output, frame.gas.used, frame.logs)

    def _dispatch(self, frame: _Frame) -> bytes:
        call = frame.call
        if call.delegated:
            raise NotAllowed("DELEGATECALL and CALLCODE to 0x901 are not allowed")
        latest = self._latest_height()
        if call.block_number < latest:
            # The EVM can run on an earlier block's state; CosmWasm state has no history here.
            raise Unsupported(
                f"CosmWasm state is kept for the latest block only: this call runs at block "
                f"{call.block_number}, the latest is {latest}"
            )
        if len(call.data) < 4:
            raise InvalidInput("call data too short for a function selector")
        entry = self._functions.get(call.data[:4])
        if entry is None:
            raise InvalidInput(f"unknown function selector 0x{call.data[:4].hex()}")
        signature, types, handler, payable = entry
        if call.value and not payable:
            raise NotAllowed(f"{signature.split('(')[0]} takes no value")
        try:
            args = abi_decode(types, call.data[4:])
        except (DecodingError, ValueError, OverflowError) as exc:
            raise InvalidInput(f"malformed arguments for {signature}: {exc}") from None
        return handler(frame, args)

    # -- functions ------------------------------------------------------------------------------

    def _execute(self, frame: _Frame, args: tuple[Any, ...]) -> bytes:
        contract_text, message = args
        return abi_encode(["bytes"], [self._run_execute(frame, contract_text, message)])

    def _execute_cross_vm_call(self, frame: _Frame, args: tuple[Any, ...]) -> bytes:
        target_vm, contract_text, payload = args
        if target_vm == VmId.COSMWASM:
            return abi_encode(["bytes"], [self._run_execute(frame, contract_text, payload)])
        if target_vm == VmId.EVM:
            raise Unsupported("target VM 0 is the EVM itself: call the contract directly")
        if target_vm == VmId.SVM:
            raise Unsupported("SVM targets need accounts: use submitSvm")
        raise Unsupported(f"unknown target VM {target_vm}")

    def _run_execute(self, frame: _Frame, contract_text: str, message: bytes) -> bytes:
        call = frame.call
        if call.static:
            raise NotAllowed("execute cannot run under STATICCALL (use query)")
        contract = self._contract(contract_text)
        self._check_message(message)
        frame.gas.consume(INPUT_GAS_PER_BYTE * len(message), "crossvm input")
        data, events = self._wasm.execute_for_caller(
            frame.block,
            frame.gas,
            sender=call.caller,
            contract=contract,
            msg=message,
            funds=call.value,
            payer=CROSSVM_ADDRESS,
        )
        frame.logs.extend(event_log(event) for event in events)
        return data or b""

    def _query(self, frame: _Frame, args: tuple[Any, ...]) -> bytes:
        contract_text, message = args
        contract = self._contract(contract_text)
        self._check_message(message)
        frame.gas.consume(INPUT_GAS_PER_BYTE * len(message), "crossvm input")
        answer = self._wasm.query_for_caller(frame.block, frame.gas, contract, message)
        return abi_encode(["bytes"], [answer])

    def _alias_of(self, frame: _Frame, args: tuple[Any, ...]) -> bytes:
        source_vm, sender = args
        if source_vm not in (VmId.EVM, VmId.COSMWASM, VmId.SVM):
            raise InvalidInput(f"unknown source VM {source_vm}")
        if source_vm == VmId.EVM and len(sender) != 20:
            raise InvalidInput("an EVM sender is 20 bytes")
        if source_vm != VmId.EVM and len(sender) not in (20, 32):
            raise InvalidInput("a sender is 20 or 32 bytes")
        return abi_encode(["address"], [evm_alias(VmId(source_vm), bytes(sender))])

    def _submit(self, frame: _Frame, args: tuple[Any, ...]) -> bytes:
        target_vm, target_text, payload = args
        if target_vm == VmId.EVM:
            raise SameVm("target VM 0 is the EVM itself: call the contract directly")
        if target_vm == VmId.SVM:
            raise Unsupported("SVM targets need accounts: use submitSvm")
        if target_vm != VmId.COSMWASM:
            raise UnknownVm(f"unknown target VM {target_vm}")
        try:
            target = bech32.decode(target_text)
        except bech32.Bech32Error as exc:
            raise InvalidTarget(f"invalid CosmWasm address {target_text!r}: {exc}") from None
        return self._queue_request(frame, VmId.COSMWASM, target, payload, ())

    def _submit_svm(self, frame: _Frame, args: tuple[Any, ...]) -> bytes:
        program, accounts, data = args
        svm_accounts = tuple(SvmAccount(bytes(key), bool(writable)) for key, writable in accounts)
        return self._queue_request(frame, VmId.SVM, bytes(program), data, svm_accounts)

    def _queue_request(
        self,
        frame: _Frame,
        target_vm: VmId,
        target: bytes,
        payload: bytes,
        svm_accounts: tuple[SvmAccount, ...],
    ) -> bytes:
        call = frame.call
        if call.static:
            raise NotAllowed("submit cannot run under STATICCALL")
        frame.gas.consume(INPUT_GAS_PER_BYTE * len(payload), "crossvm input")
        request = CrossVmRequest(
            source_vm=VmId.EVM,
            sender=call.caller,
            target_vm=target_vm,
            target=target,
            payload=bytes(payload),
            funds=call.value,  # the EVM has moved it to 0x901: the escrow
            svm_accounts=svm_accounts,
            source_contract=call.caller if self._has_code(call.caller) else None,
        )
        record, event = self._queue.submit(
            call.block_number, request, escrow_from=None, evm_logged=True
        )
        frame.logs.append(request_log(event))
        return abi_encode(["uint64"], [record.id])

    def _message_status(self, frame: _Frame, args: tuple[Any, ...]) -> bytes:
        (message_id,) = args
        record = self._keeper.message(message_id)
        if record is None:
            return abi_encode(["uint8", "bytes"], [int(Status.UNKNOWN), b""])
        return abi_encode(["uint8", "bytes"], [int(record.status), status_result(record)])

    def _check_message(self, message: bytes) -> None:
        limit = self._params().max_message_size
        if len(message) > limit:
            raise InvalidInput(f"message of {len(message)} bytes is over max_message_size {limit}")
        _check_json(message)

    def _contract(self, text: str) -> bytes:
        try:
            contract = bech32.decode(text)
        except bech32.Bech32Error as exc:
            raise InvalidInput(f"invalid contract address {text!r}: {exc}") from None
        if not self._wasm.contract_exists(contract):
            raise UnknownTarget(f"no CosmWasm contract at {text}")
        return contract


def _check_json(message: bytes) -> None:
    """The message must be JSON (the CosmWasm contract would refuse anything else)."""
    try:
        json.loads(message)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("message is not valid JSON") from None
