"""The CosmWasm keeper: codes, contracts, calls into the host, and the messages contracts return.

State under the module's prefix (``wasm/``), documented in vms/cosmwasm/README.md:

    code/<code_id:8>                  CodeInfo
    wasm/<checksum:32>                the wasm bytes (shared by codes with the same checksum)
    contract/<address:32>             ContractInfo
    by_code/<code_id:8><address:32>   b"" (contracts of a code)
    state/<address:32><key>           the contract's own storage
    seq/code, seq/instance            the last code id and contract instance id

A message's life (wasmd's ``execute`` and ``DispatchSubmessages``): funds move, the contract runs
in the host with the gas left, its response becomes events, then each of its messages runs in
order. A submessage runs in its own cache layer (a ledger snapshot, which covers the EVM state,
the bank and every module's KV state); when it fails and asked for a reply on error, only its
layer is dropped and the contract's ``reply`` decides; any other failure fails the whole message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qorenode import bech32
from qorenode.interfaces import (
    AccountLedger,
    Bank,
    BlockContext,
    Event,
    GasMeter,
    KVStore,
    NodeError,
    OutOfGas,
)
from qorenode.store import PrefixedStore, prefix_end
from vms.cosmwasm import gas, proto
from vms.cosmwasm.errors import (
    AccountExists,
    CodeNotFound,
    ContractNotFound,
    CreateFailed,
    Empty,
    ExceedMaxCallDepth,
    ExceedMaxQueryStackSize,
    ExecuteFailed,
    GasLimit,
    InstantiateFailed,
    Invalid,
    InvalidEvent,
    InvalidMsg,
    LimitExceeded,
    MigrationFailed,
    QueryFailed,
    Unauthorized,
    UnknownMsg,
    VMError,
    WasmError,
)
from vms.cosmwasm.host import (
    CallEnv,
    CodeRejected,
    ComputeLimitExceeded,
    OutOfGasError,
    VmError,
    WasmHost,
)
from vms.cosmwasm.types import CodeInfo, ContractInfo

DENOM = "aqor"
MAX_CALL_DEPTH = 32  # nested contract-to-contract messages
MAX_QUERY_DEPTH = 10  # wasmd DefaultMaxQueryStackSize
SMART_QUERY_GAS_LIMIT = 3_000_000  # SDK gas, wasmd's default for queries from outside
MAX_LABEL_SIZE = 128
# wasmd's event costs (SDK gas)
PER_ATTRIBUTE_COST = 10
PER_CUSTOM_EVENT_COST = 20
ATTRIBUTE_DATA_FREE_TIER = 100
ATTRIBUTE_DATA_COST_PER_BYTE = 1

CustomHandler = Callable[["ExecContext", bytes, Any], "MsgResult"]


@dataclass
class ExecContext:
    """One chain of contract calls: the block, the SDK gas meter, where events go, the depth."""

    block: BlockContext
    gas: GasMeter
    events: list[Event] = field(default_factory=list)
    depth: int = 0


@dataclass
class MsgResult:
    """A dispatched message's outcome as wasmd reports it to a reply: proto data and events."""

    data: bytes | None
    events: list[Event]
    msg_responses: list[tuple[str, bytes]]


@dataclass
class ContractCallResult:
    """What a contract call left: its response data (after replies) and the events it emitted."""

    data: bytes | None
    events: list[Event]


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _unb64(text: Any, what: str) -> bytes:
    if text is None:
        return b""
    if not isinstance(text, str):
        raise InvalidMsg(f"{what} must be base64")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidMsg(f"{what} is not valid base64") from None


def _uint(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidMsg(f"{what} must be an unsigned integer")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise InvalidMsg(f"{what} must be an unsigned integer")


def funds_amount(coins: Any, what: str = "funds") -> int:
    """The ``aqor`` amount of a cosmwasm ``Vec<Coin>``; other denoms do not exist here."""
    if coins is None:
        return 0
    if not isinstance(coins, list):
        raise InvalidMsg(f"{what} must be a list of coins")
    total = 0
    for coin in coins:
        if not isinstance(coin, dict) or not {"denom", "amount"} <= set(coin):
            raise InvalidMsg(f"invalid coin in {what}: {coin!r}")
        if coin["denom"] != DENOM:
            raise InvalidMsg(f"unknown denom {coin['denom']!r} in {what}: this chain has {DENOM}")
        total += _uint(coin["amount"], f"{what} amount")
    return total


def coins_json(amount: int) -> list[dict[str, str]]:
    return [{"denom": DENOM, "amount": str(amount)}] if amount else []


def classic_address(code_id: int, instance_id: int) -> bytes:
    """wasmd's ``BuildContractAddressClassic``: address.Module("wasm", code_id || instance_id)."""
    return _module_address(struct.pack(">QQ", code_id, instance_id))


def predictable_address(checksum: bytes, creator: bytes, salt: bytes, init_msg: bytes) -> bytes:
    """wasmd's ``BuildContractAddressPredictable`` (instantiate2)."""
    key = b"".join(
        struct.pack(">Q", len(part)) + part for part in (checksum, creator, salt, init_msg)
    )
    return _module_address(key)


def _module_address(key: bytes) -> bytes:
    # cosmos-sdk address.Module(name, key) = sha256(sha256("module") || name || 0x00 || key)
    return hashlib.sha256(hashlib.sha256(b"module").digest() + b"wasm\x00" + key).digest()


class WasmKeeper:
    """Keeper of codes and contracts; runs contracts through the host."""

    def __init__(self, store: KVStore, bank: Bank, ledger: AccountLedger, host: WasmHost) -> None:
        self._store = store
        self._bank = bank
        self._ledger = ledger
        self.host = host
        self._custom_handler: CustomHandler | None = None
        self._any_handlers: dict[str, CustomHandler] = {}

    def set_custom_handler(self, handler: CustomHandler) -> None:
        """Where ``CosmosMsg::Custom`` goes (x/crossvm registers its ``crossvm_call``)."""
        self._custom_handler = handler

    def set_any_handler(self, type_url: str, handler: CustomHandler) -> None:
        """Where a ``CosmosMsg::Stargate``/``Any`` with ``type_url`` goes."""
        self._any_handlers[type_url] = handler

    # -- stored records -------------------------------------------------------------------------

    def _next_sequence(self, name: bytes) -> int:
        raw = self._store.get(b"seq/" + name)
        value = (int(raw) if raw else 0) + 1
        self._store.set(b"seq/" + name, str(value).encode())
        return value

    def code_info(self, code_id: int) -> CodeInfo:
        raw = self._store.get(b"code/" + struct.pack(">Q", code_id))
        if raw is None:
            raise CodeNotFound(f"no such code: {code_id}")
        return CodeInfo.decode(raw)

    def codes(self) -> list[CodeInfo]:
        return [CodeInfo.decode(value) for _, value in self._store.iterate(b"code/", b"code0")]

    def code_bytes(self, code_id: int) -> bytes:
        return self._wasm(self.code_info(code_id).checksum)

    def _wasm(self, checksum: bytes) -> bytes:
        wasm = self._store.get(b"wasm/" + checksum)
        if wasm is None:
            raise CodeNotFound(f"no wasm stored for checksum {checksum.hex()}")
        return wasm

    def contract_info(self, address: bytes) -> ContractInfo:
        raw = self._store.get(b"contract/" + address)
        if raw is None:
            raise ContractNotFound(f"no such contract: {bech32.encode(address)}")
        return ContractInfo.decode(raw)

    def contracts_by_code(self, code_id: int) -> list[bytes]:
        prefix = b"by_code/" + struct.pack(">Q", code_id)
        return [key[len(prefix) :] for key, _ in self._store.iterate(prefix, prefix_end(prefix))]

    def _save_contract(self, info: ContractInfo, previous_code_id: int | None = None) -> None:
        if previous_code_id is not None:
            self._store.delete(b"by_code/" + struct.pack(">Q", previous_code_id) + info.address)
        self._store.set(b"contract/" + info.address, info.encode())
        self._store.set(b"by_code/" + struct.pack(">Q", info.code_id) + info.address, b"")

    def contract_storage(self, address: bytes) -> KVStore:
        return PrefixedStore(self._store, b"state/" + address)

    def contract_state(self, address: bytes) -> list[tuple[bytes, bytes]]:
        self.contract_info(address)
        return list(self.contract_storage(address).iterate())

    def query_raw(self, address: bytes, key: bytes) -> bytes | None:
        self.contract_info(address)
        return self.contract_storage(address).get(key)

    # -- store code -----------------------------------------------------------------------------

    def store_code(self, ctx: ExecContext, sender: bytes, wasm: bytes) -> CodeInfo:
        ctx.gas.consume(gas.COMPILE_COST_PER_BYTE_SDK * len(wasm), "wasm compile")
        try:
            analysis = self.host.check_code(wasm)
        except CodeRejected as exc:
            if "over the limit" in str(exc):
                raise LimitExceeded(f"store code: {exc}") from None
            if str(exc) == "empty wasm code":
                raise Empty("store code: empty wasm code") from None
            raise CreateFailed(f"store code: {exc}") from None
        if self._store.get(b"wasm/" + analysis.checksum) is None:
            self._store.set(b"wasm/" + analysis.checksum, wasm)
        info = CodeInfo(self._next_sequence(b"code"), sender, analysis.checksum, len(wasm))
        self._store.set(b"code/" + struct.pack(">Q", info.code_id), info.encode())
        ctx.events.append(
            Event(
                "store_code",
                (("code_checksum", info.checksum.hex()), ("code_id", str(info.code_id))),
            )
        )
        return info

    # -- contract lifecycle ---------------------------------------------------------------------

    def instantiate(
        self,
        ctx: ExecContext,
        sender: bytes,
        code_id: int,
        msg: bytes,
        funds: int,
        label: str,
        admin: bytes | None,
        salt: bytes | None = None,
        fix_msg: bool = False,
    ) -> tuple[bytes, bytes | None]:
        """Create a contract; its address and the data of its response."""
        if not label.strip():
            raise Empty("label is required")
        if len(label) > MAX_LABEL_SIZE:
            raise LimitExceeded(f"label over {MAX_LABEL_SIZE} characters")
        info = self.code_info(code_id)
        if salt is None:
            address = classic_address(code_id, self._next_sequence(b"instance"))
        else:
            if not 1 <= len(salt) <= 64:
                raise Invalid("salt must be 1 to 64 bytes")
            address = predictable_address(info.checksum, sender, salt, msg if fix_msg else b"")
        if self._store.get(b"contract/" + address) is not None:
            raise AccountExists(f"contract {bech32.encode(address)} already exists")
        contract = ContractInfo(
            address=address,
            code_id=code_id,
            creator=sender,
            admin=admin,
            label=label,
            created_height=ctx.block.height,
            created_tx_index=ctx.block.tx_index,
        )
        self._save_contract(contract)
        self._transfer(sender, address, funds)
        ctx.events.append(
            Event(
                "instantiate",
                (("_contract_address", bech32.encode(address)), ("code_id", str(code_id))),
            )
        )
        args = [
            self._env(ctx, address),
            _json({"sender": bech32.encode(sender), "funds": coins_json(funds)}),
            msg,
        ]
        result = self._run(ctx, contract, "instantiate", args, InstantiateFailed)
        return address, result.data

    def execute(
        self,
        ctx: ExecContext,
        sender: bytes,
        address: bytes,
        msg: bytes,
        funds: int,
        payer: bytes | None = None,
    ) -> bytes | None:
        """Execute ``msg`` as ``sender``; ``funds`` come from ``payer`` (default: the sender)."""
        contract = self.contract_info(address)
        self._transfer(payer or sender, address, funds)
        ctx.events.append(Event("execute", (("_contract_address", bech32.encode(address)),)))
        args = [
            self._env(ctx, address),
            _json({"sender": bech32.encode(sender), "funds": coins_json(funds)}),
            msg,
        ]
        return self._run(ctx, contract, "execute", args, ExecuteFailed).data

    def migrate(
        self, ctx: ExecContext, sender: bytes, address: bytes, new_code_id: int, msg: bytes
    ) -> bytes | None:
        contract = self.contract_info(address)
        if contract.admin is None:
            raise Unauthorized("migrate: the contract has no admin, it cannot be migrated")
        if contract.admin != sender:
            raise Unauthorized(
                f"migrate: {bech32.encode(sender)} is not the admin of {bech32.encode(address)}"
            )
        code = self.code_info(new_code_id)
        analysis = self.host.ensure_loaded(code.checksum, lambda: self._wasm(code.checksum))
        if "migrate" not in analysis.entry_points:
            raise MigrationFailed(f"code {new_code_id} has no migrate entry point")
        previous_code = contract.code_id
        migrated = ContractInfo(
            address=contract.address,
            code_id=new_code_id,
            creator=contract.creator,
            admin=contract.admin,
            label=contract.label,
            created_height=contract.created_height,
            created_tx_index=contract.created_tx_index,
        )
        self._save_contract(migrated, previous_code_id=previous_code)
        ctx.events.append(
            Event(
                "migrate",
                (("code_id", str(new_code_id)), ("_contract_address", bech32.encode(address))),
            )
        )
        args = [self._env(ctx, address), msg]
        if analysis.migrate_takes_info:
            args.append(_json({"sender": bech32.encode(sender), "old_migrate_version": None}))
        return self._run(ctx, migrated, "migrate", args, MigrationFailed).data

    def sudo(self, ctx: ExecContext, address: bytes, msg: bytes) -> bytes | None:
        contract = self.contract_info(address)
        ctx.events.append(Event("sudo", (("_contract_address", bech32.encode(address)),)))
        return self._run(ctx, contract, "sudo", [self._env(ctx, address), msg], ExecuteFailed).data

    def update_admin(
        self, ctx: ExecContext, sender: bytes, address: bytes, new_admin: bytes | None
    ) -> None:
        contract = self.contract_info(address)
        if contract.admin is None or contract.admin != sender:
            raise Unauthorized(
                f"{bech32.encode(sender)} is not the admin of {bech32.encode(address)}"
            )
        self._save_contract(
            ContractInfo(
                address=contract.address,
                code_id=contract.code_id,
                creator=contract.creator,
                admin=new_admin,
                label=contract.label,
                created_height=contract.created_height,
                created_tx_index=contract.created_tx_index,
            )
        )
        ctx.events.append(
            Event(
                "update_contract_admin",
                (
                    ("_contract_address", bech32.encode(address)),
                    ("new_admin_address", "" if new_admin is None else bech32.encode(new_admin)),
                ),
            )
        )

    def _transfer(self, sender: bytes, recipient: bytes, amount: int) -> None:
        if amount:
            self._bank.send(sender, recipient, amount)

    # -- running a contract ---------------------------------------------------------------------

    def _env(self, ctx: ExecContext, address: bytes) -> bytes:
        block = ctx.block
        return _json(
            {
                "block": {
                    "height": block.height,
                    "time": str(block.timestamp * 1_000_000_000),
                    "chain_id": block.chain_id,
                },
                "transaction": {"index": block.tx_index},
                "contract": {"address": bech32.encode(address)},
            }
        )

    def _run(
        self,
        ctx: ExecContext,
        contract: ContractInfo,
        entry_point: str,
        args: Sequence[bytes],
        failure: type[WasmError],
    ) -> ContractCallResult:
        """Call the contract, then handle its response: events, messages, replies."""
        if ctx.depth >= MAX_CALL_DEPTH:
            raise ExceedMaxCallDepth(f"contract call depth over {MAX_CALL_DEPTH}")
        output = self._call_host(ctx, contract, entry_point, args, readonly=False, failure=failure)
        response = _parse_result(output, entry_point, failure)
        return self._handle_response(ctx, contract.address, response)

    def _call_host(
        self,
        ctx: ExecContext,
        contract: ContractInfo,
        entry_point: str,
        args: Sequence[bytes],
        readonly: bool,
        failure: type[WasmError],
    ) -> bytes:
        """One host call charged to ``ctx.gas``; the contract's raw JSON result."""
        ctx.gas.consume(gas.INSTANCE_COST_SDK, "wasm instance")
        code = self.code_info(contract.code_id)
        self.host.ensure_loaded(code.checksum, lambda: self._wasm(code.checksum))
        env = CallEnv(
            storage=self.contract_storage(contract.address),
            querier=self._querier(ctx.block, ctx.depth),
            readonly=readonly,
        )
        limit = gas.sdk_to_cw(ctx.gas.remaining)
        try:
            outcome = self.host.call(code.checksum, entry_point, args, env, limit)
        except OutOfGasError as exc:
            ctx.gas.consume(gas.cw_to_sdk(exc.gas_used) + 1, f"wasm {entry_point}")
            raise OutOfGas(f"out of gas in wasm {entry_point}") from None
        except ComputeLimitExceeded as exc:
            ctx.gas.consume(gas.cw_to_sdk(exc.gas_used), f"wasm {entry_point}")
            raise GasLimit(f"{entry_point}: {exc.message}") from None
        except VmError as exc:
            ctx.gas.consume(gas.cw_to_sdk(exc.gas_used), f"wasm {entry_point}")
            raise failure(f"{entry_point} wasm contract failed: {exc.message}") from None
        ctx.gas.consume(gas.cw_to_sdk(outcome.gas_used), f"wasm {entry_point}")
        return outcome.output

    def _handle_response(
        self, ctx: ExecContext, address: bytes, response: Mapping[str, Any]
    ) -> ContractCallResult:
        events = _contract_events(address, response)
        self._charge_events(ctx, events)
        ctx.events.extend(events)
        data = _unb64(response.get("data"), "response data") if response.get("data") else None
        messages = response.get("messages") or []
        if not isinstance(messages, list):
            raise InvalidMsg("response messages must be a list")
        for submsg in messages:
            reply_data = self._dispatch_submessage(ctx, address, submsg)
            if reply_data is not None:
                data = reply_data
        return ContractCallResult(data, events)

    def _charge_events(self, ctx: ExecContext, events: Sequence[Event]) -> None:
        attributes = sum(len(event.attributes) for event in events)
        size = sum(len(k) + len(v) for event in events for k, v in event.attributes)
        custom = sum(1 for event in events if event.type != "wasm")
        ctx.gas.consume(
            PER_ATTRIBUTE_COST * attributes
            + PER_CUSTOM_EVENT_COST * custom
            + ATTRIBUTE_DATA_COST_PER_BYTE * max(0, size - ATTRIBUTE_DATA_FREE_TIER),
            "wasm events",
        )

    # -- submessages and replies ----------------------------------------------------------------

    def _dispatch_submessage(self, ctx: ExecContext, contract: bytes, submsg: Any) -> bytes | None:
        """Run one submessage; the reply's data if a reply set some (it replaces the response's)."""
        if not isinstance(submsg, dict) or "msg" not in submsg:
            raise InvalidMsg(f"invalid submessage: {submsg!r}")
        reply_on = submsg.get("reply_on", "never")
        if reply_on not in ("always", "success", "error", "never"):
            raise InvalidMsg(f"invalid reply_on {reply_on!r}")
        sub_id = _uint(submsg.get("id", 0), "submessage id")
        payload = _unb64(submsg.get("payload"), "submessage payload")
        gas_limit = submsg.get("gas_limit")
        sub_meter = (
            GasMeter(min(_uint(gas_limit, "gas_limit"), ctx.gas.remaining))
            if gas_limit is not None
            else ctx.gas
        )
        sub_ctx = ExecContext(ctx.block, sub_meter, [], ctx.depth + 1)
        token = self._ledger.snapshot()
        try:
            result = self.dispatch(sub_ctx, contract, submsg["msg"])
        except NodeError as exc:
            self._ledger.revert_snapshot(token)
            if sub_meter is not ctx.gas:
                ctx.gas.consume(sub_meter.used, "submessage")
            elif isinstance(exc, OutOfGas):
                raise  # out of the transaction's gas: nothing can reply
            if reply_on in ("never", "success"):
                raise
            return self._reply(
                ctx,
                contract,
                {
                    "id": sub_id,
                    "payload": _b64(payload) or "",
                    "gas_used": sub_meter.used,
                    "result": {
                        "error": f"codespace: {exc.codespace}, code: {exc.code}: {exc.message}"
                    },
                },
            )
        self._ledger.commit_snapshot(token)
        if sub_meter is not ctx.gas:
            ctx.gas.consume(sub_meter.used, "submessage")
        ctx.events.extend(sub_ctx.events)
        if reply_on in ("never", "error"):
            return None
        return self._reply(
            ctx,
            contract,
            {
                "id": sub_id,
                "payload": _b64(payload) or "",
                "gas_used": sub_meter.used,
                "result": {
                    "ok": {
                        "events": [_cosmwasm_event(e) for e in sub_ctx.events],
                        "data": _b64(result.data),
                        "msg_responses": [
                            {"type_url": url, "value": _b64(value)}
                            for url, value in result.msg_responses
                        ],
                    }
                },
            },
        )

    def _reply(self, ctx: ExecContext, address: bytes, reply: Mapping[str, Any]) -> bytes | None:
        contract = self.contract_info(address)
        ctx.events.append(Event("reply", (("_contract_address", bech32.encode(address)),)))
        result = self._run(
            ctx,
            contract,
            "reply",
            [self._env(ctx, address), _json(reply)],
            ExecuteFailed,
        )
        return result.data

    def dispatch(self, ctx: ExecContext, sender: bytes, msg: Any) -> MsgResult:
        """Run one ``CosmosMsg`` a contract returned, with the contract as its sender."""
        if not isinstance(msg, dict) or len(msg) != 1:
            raise InvalidMsg(f"invalid CosmosMsg: {msg!r}")
        ((kind, body),) = msg.items()
        if kind == "bank":
            return self._dispatch_bank(ctx, sender, body)
        if kind == "wasm":
            return self._dispatch_wasm(ctx, sender, body)
        if kind == "custom":
            if self._custom_handler is None:
                raise UnknownMsg("custom messages are not supported by this chain")
            return self._custom_handler(ctx, sender, body)
        if kind in ("stargate", "any"):
            if not isinstance(body, dict) or not isinstance(body.get("type_url"), str):
                raise InvalidMsg(f"invalid {kind} message")
            handler = self._any_handlers.get(body["type_url"])
            if handler is None:
                raise UnknownMsg(f"unsupported {kind} message type {body['type_url']}")
            return handler(ctx, sender, body)
        raise UnknownMsg(
            f"unsupported message kind {kind!r} (staking, ibc, gov are not on this chain)"
        )

    def _dispatch_bank(self, ctx: ExecContext, sender: bytes, body: Any) -> MsgResult:
        if not isinstance(body, dict) or len(body) != 1:
            raise InvalidMsg(f"invalid BankMsg: {body!r}")
        ((action, args),) = body.items()
        if not isinstance(args, dict):
            raise InvalidMsg(f"invalid BankMsg::{action}")
        if action == "send":
            recipient = _address(args.get("to_address"), "to_address")
            amount = funds_amount(args.get("amount"), "amount")
            self._bank.send(sender, recipient, amount)
            event = Event(
                "transfer",
                (
                    ("recipient", bech32.encode(recipient)),
                    ("sender", bech32.encode(sender)),
                    ("amount", f"{amount}{DENOM}"),
                ),
            )
            ctx.events.append(event)
            return MsgResult(None, [event], [(proto.TYPE_BANK_SEND_RESPONSE, b"")])
        if action == "burn":
            amount = funds_amount(args.get("amount"), "amount")
            self._bank.burn(sender, amount)
            event = Event(
                "burn", (("burner", bech32.encode(sender)), ("amount", f"{amount}{DENOM}"))
            )
            ctx.events.append(event)
            return MsgResult(None, [event], [(proto.TYPE_BANK_BURN_RESPONSE, b"")])
        raise UnknownMsg(f"unsupported bank message {action!r}")

    def _dispatch_wasm(self, ctx: ExecContext, sender: bytes, body: Any) -> MsgResult:
        if not isinstance(body, dict) or len(body) != 1:
            raise InvalidMsg(f"invalid WasmMsg: {body!r}")
        ((action, args),) = body.items()
        if not isinstance(args, dict):
            raise InvalidMsg(f"invalid WasmMsg::{action}")
        start = len(ctx.events)
        if action == "execute":
            data = self.execute(
                ctx,
                sender,
                _address(args.get("contract_addr"), "contract_addr"),
                _unb64(args.get("msg"), "msg"),
                funds_amount(args.get("funds")),
            )
            encoded = proto.execute_response(data)
            return MsgResult(encoded, ctx.events[start:], [(proto.TYPE_EXECUTE_RESPONSE, encoded)])
        if action in ("instantiate", "instantiate2"):
            admin = args.get("admin")
            address, data = self.instantiate(
                ctx,
                sender,
                _uint(args.get("code_id"), "code_id"),
                _unb64(args.get("msg"), "msg"),
                funds_amount(args.get("funds")),
                str(args.get("label", "")),
                _address(admin, "admin") if admin else None,
                salt=_unb64(args.get("salt"), "salt") if action == "instantiate2" else None,
            )
            encoded = proto.instantiate_response(bech32.encode(address), data)
            url = (
                proto.TYPE_INSTANTIATE_RESPONSE
                if action == "instantiate"
                else proto.TYPE_INSTANTIATE2_RESPONSE
            )
            return MsgResult(encoded, ctx.events[start:], [(url, encoded)])
        if action == "migrate":
            data = self.migrate(
                ctx,
                sender,
                _address(args.get("contract_addr"), "contract_addr"),
                _uint(args.get("new_code_id"), "new_code_id"),
                _unb64(args.get("msg"), "msg"),
            )
            encoded = proto.execute_response(data)
            return MsgResult(encoded, ctx.events[start:], [(proto.TYPE_MIGRATE_RESPONSE, encoded)])
        if action in ("update_admin", "clear_admin"):
            new_admin = _address(args.get("admin"), "admin") if action == "update_admin" else None
            self.update_admin(
                ctx, sender, _address(args.get("contract_addr"), "contract_addr"), new_admin
            )
            url = (
                proto.TYPE_UPDATE_ADMIN_RESPONSE
                if action == "update_admin"
                else proto.TYPE_CLEAR_ADMIN_RESPONSE
            )
            return MsgResult(None, ctx.events[start:], [(url, b"")])
        raise UnknownMsg(f"unsupported wasm message {action!r}")

    # -- queries --------------------------------------------------------------------------------

    def query_smart(
        self,
        block: BlockContext,
        address: bytes,
        msg: bytes,
        gas_limit: int = SMART_QUERY_GAS_LIMIT,
    ) -> bytes:
        """A smart query from outside (REST, JSON-RPC): the contract's response bytes."""
        return self._query_smart(ExecContext(block, GasMeter(gas_limit)), address, msg)

    def query_smart_with(self, ctx: ExecContext, address: bytes, msg: bytes) -> bytes:
        """A smart query charged to ``ctx.gas`` (a synchronous call from another VM)."""
        return self._query_smart(ctx, address, msg)

    def contract_exists(self, address: bytes) -> bool:
        return self._store.get(b"contract/" + address) is not None

    def _query_smart(self, ctx: ExecContext, address: bytes, msg: bytes) -> bytes:
        contract = self.contract_info(address)
        output = self._call_host(
            ctx, contract, "query", [self._env(ctx, address), msg], True, QueryFailed
        )
        result = _parse_json(output, "query", QueryFailed)
        if isinstance(result, dict) and "error" in result:
            raise QueryFailed(f"query wasm contract failed: {result['error']}")
        if not isinstance(result, dict) or "ok" not in result:
            raise QueryFailed("query returned neither ok nor error")
        return _unb64(result["ok"], "query response")

    def _querier(
        self, block: BlockContext, depth: int
    ) -> Callable[[bytes, int], tuple[bytes, int]]:
        def query(request: bytes, cw_gas_limit: int) -> tuple[bytes, int]:
            meter = GasMeter(max(cw_gas_limit // gas.GAS_MULTIPLIER, 0))
            ctx = ExecContext(block, meter, [], depth + 1)
            try:
                response: Any = {"ok": {"ok": _b64(self._query_chain(ctx, request))}}
            except _SystemError as exc:
                response = {"error": exc.body}
            except OutOfGas:
                return b"", cw_gas_limit + 1  # the caller runs out of gas
            except NodeError as exc:
                response = {"ok": {"error": exc.message}}
            return _json(response), gas.sdk_to_cw(meter.used)

        return query

    def _query_chain(self, ctx: ExecContext, request: bytes) -> bytes:
        if ctx.depth > MAX_QUERY_DEPTH:
            raise ExceedMaxQueryStackSize(f"query stack size over {MAX_QUERY_DEPTH}")
        try:
            parsed = json.loads(request)
        except ValueError as exc:
            raise _SystemError(
                {
                    "invalid_request": {
                        "error": f"parsing QueryRequest: {exc}",
                        "request": _b64(request),
                    }
                }
            ) from None
        if not isinstance(parsed, dict) or len(parsed) != 1:
            raise _SystemError(
                {
                    "invalid_request": {
                        "error": "QueryRequest must have one variant",
                        "request": _b64(request),
                    }
                }
            )
        ((kind, body),) = parsed.items()
        try:
            if kind == "bank" and isinstance(body, dict) and len(body) == 1:
                return _json(self._query_bank(body))
            if kind == "wasm" and isinstance(body, dict) and len(body) == 1:
                return self._query_wasm(ctx, body)
        except (AttributeError, KeyError, TypeError) as exc:
            raise _SystemError(
                {
                    "invalid_request": {
                        "error": f"malformed {kind} query: {exc}",
                        "request": _b64(request),
                    }
                }
            ) from None
        raise _SystemError({"unsupported_request": {"kind": kind}})

    def _query_bank(self, body: Mapping[str, Any]) -> Any:
        if "balance" in body:
            args = body["balance"]
            address = _query_address(args.get("address"))
            denom = args.get("denom")
            amount = self._bank.balance(address) if denom == DENOM else 0
            return {"amount": {"denom": denom, "amount": str(amount)}}
        if "all_balances" in body:
            address = _query_address(body["all_balances"].get("address"))
            return {"amount": coins_json(self._bank.balance(address))}
        if "supply" in body:
            denom = body["supply"].get("denom")
            amount = self._bank.total_supply() if denom == DENOM else 0
            return {"amount": {"denom": denom, "amount": str(amount)}}
        raise _SystemError({"unsupported_request": {"kind": "bank " + ",".join(body)}})

    def _query_wasm(self, ctx: ExecContext, body: Mapping[str, Any]) -> bytes:
        if "smart" in body:
            args = body["smart"]
            address = self._existing_contract(args.get("contract_addr"))
            return self._query_smart(ctx, address, _unb64(args.get("msg"), "msg"))
        if "raw" in body:
            args = body["raw"]
            address = self._existing_contract(args.get("contract_addr"))
            value = self.contract_storage(address).get(_unb64(args.get("key"), "key"))
            return value or b""
        if "contract_info" in body:
            address = self._existing_contract(body["contract_info"].get("contract_addr"))
            info = self.contract_info(address)
            return _json(
                {
                    "code_id": info.code_id,
                    "creator": bech32.encode(info.creator),
                    "admin": None if info.admin is None else bech32.encode(info.admin),
                    "pinned": False,
                    "ibc_port": None,
                }
            )
        if "code_info" in body:
            code_id = _uint(body["code_info"].get("code_id"), "code_id")
            try:
                code = self.code_info(code_id)
            except CodeNotFound:
                raise _SystemError({"no_such_code": {"code_id": code_id}}) from None
            return _json(
                {
                    "code_id": code.code_id,
                    "creator": bech32.encode(code.creator),
                    "checksum": code.checksum.hex(),
                }
            )
        raise _SystemError({"unsupported_request": {"kind": "wasm " + ",".join(body)}})

    def _existing_contract(self, text: Any) -> bytes:
        try:
            address = _address(text, "contract_addr")
        except InvalidMsg:
            raise _SystemError({"no_such_contract": {"addr": str(text)}}) from None
        if self._store.get(b"contract/" + address) is None:
            raise _SystemError({"no_such_contract": {"addr": str(text)}})
        return address


class _SystemError(Exception):
    """A query the chain cannot answer: a cosmwasm ``SystemError`` for the contract."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(json.dumps(body))
        self.body = body


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _address(text: Any, what: str) -> bytes:
    if not isinstance(text, str) or not text:
        raise InvalidMsg(f"{what} must be an address")
    try:
        return bech32.decode(text)
    except bech32.Bech32Error as exc:
        raise InvalidMsg(f"invalid {what} {text!r}: {exc}") from None


def _query_address(text: Any) -> bytes:
    try:
        return _address(text, "address")
    except InvalidMsg as exc:
        raise _SystemError({"invalid_request": {"error": exc.message, "request": ""}}) from None


def _parse_json(output: bytes, entry_point: str, failure: type[WasmError]) -> Any:
    try:
        return json.loads(output)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VMError(f"{entry_point}: contract result is not JSON: {exc}") from None


def _parse_result(output: bytes, entry_point: str, failure: type[WasmError]) -> Mapping[str, Any]:
    """A ``ContractResult<Response>``: the response, or the contract's error as ``failure``."""
    result = _parse_json(output, entry_point, failure)
    if isinstance(result, dict) and "error" in result and len(result) == 1:
        raise failure(f"{entry_point} wasm contract failed: {result['error']}")
    if not isinstance(result, dict) or "ok" not in result or not isinstance(result["ok"], dict):
        raise VMError(f"{entry_point}: contract result is neither ok nor error")
    return result["ok"]


def _contract_events(address: bytes, response: Mapping[str, Any]) -> list[Event]:
    """wasmd's events for a response: ``wasm`` with the attributes, then ``wasm-<type>``."""
    contract = ("_contract_address", bech32.encode(address))
    events: list[Event] = []
    attributes = _attributes(response.get("attributes") or [])
    if attributes:
        events.append(Event("wasm", (contract, *attributes)))
    custom = response.get("events") or []
    if not isinstance(custom, list):
        raise InvalidEvent("response events must be a list")
    for event in custom:
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise InvalidEvent(f"invalid event {event!r}")
        kind = event["type"].strip()
        if len(kind) < 2:
            raise InvalidEvent(f"event type {event['type']!r} too short")
        events.append(
            Event(f"wasm-{kind}", (contract, *_attributes(event.get("attributes") or [])))
        )
    return events


def _attributes(items: Any) -> list[tuple[str, str]]:
    if not isinstance(items, list):
        raise InvalidEvent("attributes must be a list")
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise InvalidEvent(f"invalid attribute {item!r}")
        key = item["key"].strip()
        value = item.get("value", "")
        if not isinstance(value, str):
            raise InvalidEvent(f"attribute {key!r} value must be a string")
        if not key:
            raise InvalidEvent("empty attribute key")
        if key.startswith("_"):
            raise InvalidEvent(f"attribute key {key!r} starts with the reserved prefix _")
        out.append((key, value.strip()))
    return out


def _cosmwasm_event(event: Event) -> dict[str, Any]:
    return {
        "type": event.type,
        "attributes": [{"key": k, "value": v} for k, v in event.attributes],
    }
