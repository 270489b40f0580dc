"""The x/crossvm module: the 0x901 precompile, the asynchronous queue, params, queries.

Shaped as a cosmos-sdk module: ``keeper`` (state), ``msgs`` (reading messages), ``queue``
(checks and submission, the module's msg server), ``endblocker`` (deliveries), ``events``,
``errors``, ``params``, ``api`` (queries and subscriptions). This file wires them to the node:
message handlers, the sources of asynchronous messages (a CosmWasm contract's message, the SVM
bridge's ``Submit``), the EndBlocker, and the queries the API serves (README.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from crossvm.alias import cosmwasm_alias, evm_alias
from crossvm.endblocker import EndBlocker
from crossvm.errors import (
    InvalidInput,
    MessageNotFound,
    NotAllowed,
    SourceNotAllowed,
    UnknownVm,
    Unsupported,
)
from crossvm.expected import EvmExecutor, SvmExecutor, WasmExecutor
from crossvm.keeper import CrossVmKeeper
from crossvm.msgs import (
    parse_base64,
    parse_funds,
    parse_gas_limit,
    parse_message_id,
    parse_sender,
    parse_svm_accounts,
    parse_target,
    parse_vm,
    record_filter,
)
from crossvm.precompile import ChainIds, CrossVmPrecompile
from crossvm.proto import decode_cross_vm_call, encode_response
from crossvm.queue import MessageQueue
from crossvm.types import CrossVmNotice, CrossVmRequest, MessageRecord, SvmAccount
from qorenode import base58, bech32
from qorenode.interfaces import (
    AccountLedger,
    ApiRegistry,
    Bank,
    BlockContext,
    BridgeSubmission,
    Event,
    GasMeter,
    KVStore,
    Module,
    MsgContext,
    MsgHandler,
    NodeServices,
    VmId,
)

MSG_CROSSVM_CALL = "/qorechain.crossvm.v1.MsgCrossVMCall"
MSG_CROSSVM_CALL_RESPONSE = "/qorechain.crossvm.v1.MsgCrossVMCallResponse"
MSG_UPDATE_PARAMS = "/qorechain.crossvm.v1.MsgUpdateParams"
SUBMIT_GAS = 50_000  # SDK gas of queueing a message from a transaction or a contract
SUBMIT_GAS_PER_BYTE = 16
MAX_LIST_LIMIT = 1_000


class ContractCallContext(Protocol):
    """What x/crossvm needs of the CosmWasm call that emitted a message towards it."""

    block: BlockContext
    gas: GasMeter
    events: list[Event]


class CrossVmModule(Module):
    """x/crossvm: the 0x901 precompile, the asynchronous queue and its EndBlocker."""

    name = "crossvm"

    def __init__(
        self,
        store: KVStore,
        *,
        bank: Bank,
        ledger: AccountLedger,
        evm: EvmExecutor,
        wasm: WasmExecutor,
        chain: ChainIds,
        latest_height: Callable[[], int],
    ) -> None:
        self.keeper = CrossVmKeeper(store)
        self.queue = MessageQueue(self.keeper, bank)
        self._svm: SvmExecutor | None = None
        self.endblocker = EndBlocker(self.keeper, bank, ledger, evm, wasm, lambda: self._svm)
        self.precompile = CrossVmPrecompile(
            wasm,
            chain,
            latest_height,
            self.keeper.params,
            self.queue,
            self.keeper,
            evm.has_code,
        )
        self._committed: list[dict[str, Any]] = []

    def set_svm(self, svm: SvmExecutor) -> None:
        """The SVM adapter, for deliveries and alias PDAs (a node may run without one)."""
        self._svm = svm

    # -- genesis --------------------------------------------------------------------------------

    def init_genesis(self, ctx: BlockContext, genesis: Mapping[str, Any]) -> None:
        accounts = genesis.get("dev_accounts") or []
        default_authority = (
            bytes.fromhex(accounts[0]["address"].removeprefix("0x")) if accounts else bytes(20)
        )
        self.keeper.init_genesis(genesis.get("crossvm") or {}, default_authority)

    def export_genesis(self) -> dict[str, Any]:
        return {"crossvm": self.keeper.export_genesis()}

    # -- messages of native transactions --------------------------------------------------------

    def msg_handlers(self) -> Mapping[str, MsgHandler]:
        return {MSG_UPDATE_PARAMS: self._update_params, MSG_CROSSVM_CALL: self._cross_vm_call}

    def _update_params(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        params = self.keeper.update_params(ctx.signer, msg.get("authority"), msg.get("params"))
        ctx.events.append(Event("crossvm_params_updated", tuple(sorted(params.to_json().items()))))
        return b"{}"

    def _cross_vm_call(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        """A user's ``MsgCrossVMCall``: the signer's 20-byte account as ``evm`` or ``cosmwasm``."""
        sender = parse_sender(msg.get("sender"))
        if sender != ctx.signer:
            raise NotAllowed(
                f"sender {msg.get('sender')} is not the signer {bech32.encode(ctx.signer)}"
            )
        target_vm = parse_vm(msg.get("target_vm"))
        # the signer's account is the same on both sides: without a source_vm, the side that
        # is not the target (evm, or cosmwasm for EVM targets)
        default_source = "cosmwasm" if target_vm == VmId.EVM else "evm"
        source_vm = parse_vm(msg.get("source_vm") or default_source)
        if source_vm == VmId.SVM:
            raise SourceNotAllowed(
                "a user's message comes from evm or cosmwasm; svm messages come from the "
                "bridge program's Submit"
            )
        payload = parse_base64(msg.get("payload"), "payload")
        request = CrossVmRequest(
            source_vm=source_vm,
            sender=sender,
            target_vm=target_vm,
            target=parse_target(target_vm, msg.get("target_contract")),
            payload=payload,
            funds=parse_funds(msg.get("funds")),
            svm_accounts=parse_svm_accounts(msg.get("svm_accounts")),
            gas_limit=parse_gas_limit(msg.get("gas_limit")),
        )
        ctx.gas.consume(SUBMIT_GAS + SUBMIT_GAS_PER_BYTE * len(payload), "crossvm submit")
        record, event = self.queue.submit(ctx.block.height, request, escrow_from=ctx.signer)
        ctx.events.append(event)
        return json.dumps({"message_id": str(record.id)}, separators=(",", ":")).encode()

    # -- messages of CosmWasm contracts ---------------------------------------------------------

    def contract_message(
        self, ctx: ContractCallContext, sender: bytes, body: Any
    ) -> tuple[bytes | None, list[Event], list[tuple[str, bytes]]]:
        """A contract's ``Custom({"crossvm_call": ...})`` or Stargate/Any ``MsgCrossVMCall``:
        queued with the contract as sender; (data, events, msg responses) for its reply."""
        if isinstance(body, dict) and body.get("type_url") == MSG_CROSSVM_CALL:
            call = decode_cross_vm_call(parse_base64(body.get("value"), "Any value"))
            if call.sender and parse_sender(call.sender) != sender:
                raise NotAllowed(
                    f"sender {call.sender} is not the contract {bech32.encode(sender)}"
                )
            if call.source_vm and parse_vm(call.source_vm) != VmId.COSMWASM:
                raise SourceNotAllowed("a contract's message comes from source_vm cosmwasm")
            target_vm = parse_vm(call.target_vm)
            funds = [{"denom": denom, "amount": amount} for denom, amount in call.funds]
            record = self._contract_submit(
                ctx,
                sender,
                target_vm,
                parse_target(target_vm, call.target_contract),
                call.payload,
                parse_funds(funds),
                (),
            )
            response = encode_response(record.id)
            return response, ctx.events[-1:], [(MSG_CROSSVM_CALL_RESPONSE, response)]
        if isinstance(body, dict) and isinstance(body.get("crossvm_call"), dict):
            call_json = body["crossvm_call"]
            target_vm = parse_vm(call_json.get("target_vm"))
            record = self._contract_submit(
                ctx,
                sender,
                target_vm,
                parse_target(target_vm, call_json.get("target_contract")),
                parse_base64(call_json.get("payload"), "payload"),
                parse_funds(call_json.get("funds")),
                parse_svm_accounts(call_json.get("svm_accounts")),
            )
            data = json.dumps({"message_id": str(record.id)}, separators=(",", ":")).encode()
            return data, ctx.events[-1:], []
        raise Unsupported(f"unsupported custom message {body!r}")

    def _contract_submit(
        self,
        ctx: ContractCallContext,
        contract: bytes,
        target_vm: VmId,
        target: bytes,
        payload: bytes,
        funds: int,
        svm_accounts: tuple[SvmAccount, ...],
    ) -> MessageRecord:
        ctx.gas.consume(SUBMIT_GAS + SUBMIT_GAS_PER_BYTE * len(payload), "crossvm submit")
        request = CrossVmRequest(
            source_vm=VmId.COSMWASM,
            sender=contract,
            target_vm=target_vm,
            target=target,
            payload=payload,
            funds=funds,
            svm_accounts=svm_accounts,
            source_contract=contract,
        )
        record, event = self.queue.submit(ctx.block.height, request, escrow_from=contract)
        ctx.events.append(event)
        return record

    # -- messages of SVM programs (the bridge's Submit) ------------------------------------------

    def check_svm_submissions(self, submissions: Sequence[BridgeSubmission]) -> None:
        """Refuse a Solana transaction whose bridge instructions the queue would refuse."""
        self.queue.check_all([_svm_request(s) for s in submissions])

    def submit_from_svm(
        self, block: BlockContext, submissions: Sequence[BridgeSubmission], signature: bytes
    ) -> list[int]:
        return [
            self.queue.submit(block.height, _svm_request(s), escrow_from=None)[0].id
            for s in submissions
        ]

    # -- the block ------------------------------------------------------------------------------

    def end_block(self, ctx: BlockContext) -> list[Event]:
        return self.endblocker.run(ctx)

    def commit(self, ctx: BlockContext, store: KVStore) -> dict[str, Any]:
        """Submitted messages become pending; the block's events, each with its message's
        stored record (decoded only if a subscription asks: ``CrossVmNotice.to_json``)."""
        if not self.keeper.event_count(ctx.height):
            return {"events": []}  # nothing was submitted, delivered or timed out
        self.keeper.mark_pending(ctx.height)
        notices = []
        for event, _ in self.keeper.events(ctx.height):
            message_id = int(event.attribute("message_id") or 0)
            notices.append(
                CrossVmNotice(ctx.height, event, message_id, self.keeper.message_bytes(message_id))
            )
        return {"events": notices}

    def has_pending_work(self) -> bool:
        return self.keeper.queue_size() > 0

    # -- queries --------------------------------------------------------------------------------

    def alias(self, target_vm: VmId, source_vm: VmId, sender: bytes) -> str:
        """Who ``sender`` of ``source_vm`` is on ``target_vm`` (DESIGN §5's identity table)."""
        if target_vm == VmId.EVM:
            return "0x" + evm_alias(source_vm, sender).hex()
        if target_vm == VmId.COSMWASM:
            return bech32.encode(cosmwasm_alias(source_vm, sender))
        if self._svm is None:
            raise Unsupported("this node runs no SVM")
        if source_vm == VmId.SVM:
            raise InvalidInput("an SVM sender has no alias on the SVM")
        return base58.encode(self._svm.alias(int(source_vm), sender))

    def message_json(self, message_id: Any) -> dict[str, Any]:
        record = self.keeper.message(parse_message_id(message_id))
        if record is None:
            raise MessageNotFound(f"no cross-VM message {message_id}")
        return record.to_json()

    def pending_json(self) -> list[dict[str, Any]]:
        out = []
        for message_id, _, _ in self.keeper.queue():
            record = self.keeper.message(message_id)
            if record is not None:
                out.append(record.to_json())
        return out

    def list_json(self, query: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Records newest first, filtered by sender, status, source_vm, target_vm; at most
        ``limit`` (100 by default, 1,000 at most)."""
        limit = parse_gas_limit(query.get("limit")) or 100
        if limit > MAX_LIST_LIMIT:
            raise InvalidInput(f"limit is at most {MAX_LIST_LIMIT}")
        match = record_filter(query)
        out = []
        for record in self.keeper.messages(newest_first=True):
            if match(record):
                out.append(record.to_json())
                if len(out) >= limit:
                    break
        return out

    def params_json(self) -> dict[str, Any]:
        return {
            "authority": bech32.encode(self.keeper.authority()),
            "params": self.keeper.params().to_json(),
        }

    def register_api(self, api: ApiRegistry, node: NodeServices) -> None:
        from crossvm.api import register_crossvm_api

        register_crossvm_api(api, node, self)


def _svm_request(submission: BridgeSubmission) -> CrossVmRequest:
    try:
        target_vm = VmId(submission.target_vm)
    except ValueError:
        raise UnknownVm(f"unknown target VM {submission.target_vm}") from None
    return CrossVmRequest(
        source_vm=VmId.SVM,
        sender=submission.sender,
        target_vm=target_vm,
        target=parse_target(target_vm, submission.target),
        payload=submission.payload,
        source_contract=submission.program,
    )
