"""The CosmWasm module: wasmd's messages carried by the native transaction, and its queries.

Messages (type URLs and JSON fields as wasmd's protobuf renders them):

    /cosmwasm.wasm.v1.MsgStoreCode            sender, wasm_byte_code (base64)
    /cosmwasm.wasm.v1.MsgInstantiateContract  sender, admin, code_id, label, msg, funds
    /cosmwasm.wasm.v1.MsgInstantiateContract2 ... plus salt (base64), fix_msg
    /cosmwasm.wasm.v1.MsgExecuteContract      sender, contract, msg, funds
    /cosmwasm.wasm.v1.MsgMigrateContract      sender, contract, code_id, msg
    /cosmwasm.wasm.v1.MsgUpdateAdmin          sender, new_admin, contract
    /cosmwasm.wasm.v1.MsgClearAdmin           sender, contract

Each handler returns compact JSON (the message's response: ``code_id`` and ``checksum``, the
contract ``address``, the response ``data`` as base64), which the transaction result carries.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from qorenode import bech32
from qorenode.interfaces import (
    AccountLedger,
    ApiRegistry,
    Bank,
    BlockContext,
    Event,
    GasMeter,
    KVStore,
    Module,
    MsgContext,
    MsgHandler,
    NodeServices,
)
from vms.cosmwasm.api import register_wasm_api
from vms.cosmwasm.errors import Invalid, Unauthorized
from vms.cosmwasm.host import WasmHost
from vms.cosmwasm.keeper import ExecContext, WasmKeeper, funds_amount
from vms.cosmwasm.types import CodeInfo, ContractInfo

MSG_STORE_CODE = "/cosmwasm.wasm.v1.MsgStoreCode"
MSG_INSTANTIATE = "/cosmwasm.wasm.v1.MsgInstantiateContract"
MSG_INSTANTIATE2 = "/cosmwasm.wasm.v1.MsgInstantiateContract2"
MSG_EXECUTE = "/cosmwasm.wasm.v1.MsgExecuteContract"
MSG_MIGRATE = "/cosmwasm.wasm.v1.MsgMigrateContract"
MSG_UPDATE_ADMIN = "/cosmwasm.wasm.v1.MsgUpdateAdmin"
MSG_CLEAR_ADMIN = "/cosmwasm.wasm.v1.MsgClearAdmin"


class CosmWasmModule(Module):
    """wasmd's x/wasm for the devnet: the keeper, its message handlers and its API."""

    name = "wasm"

    def __init__(
        self,
        store: KVStore,
        bank: Bank,
        ledger: AccountLedger,
        cache_dir: Path | None,
        query_block: Callable[[], BlockContext],
    ) -> None:
        self.host = WasmHost(cache_dir)
        self.keeper = WasmKeeper(store, bank, ledger, self.host)
        self._query_block = query_block

    # -- messages -------------------------------------------------------------------------------

    def msg_handlers(self) -> Mapping[str, MsgHandler]:
        return {
            MSG_STORE_CODE: self._store_code,
            MSG_INSTANTIATE: self._instantiate,
            MSG_INSTANTIATE2: self._instantiate2,
            MSG_EXECUTE: self._execute,
            MSG_MIGRATE: self._migrate,
            MSG_UPDATE_ADMIN: self._update_admin,
            MSG_CLEAR_ADMIN: self._clear_admin,
        }

    @staticmethod
    def _exec(ctx: MsgContext) -> ExecContext:
        return ExecContext(ctx.block, ctx.gas, ctx.events)

    def _store_code(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        sender = _signer(ctx, msg)
        wasm = _base64_field(msg, "wasm_byte_code")
        info = self.keeper.store_code(self._exec(ctx), sender, wasm)
        return _response({"code_id": str(info.code_id), "checksum": info.checksum.hex()})

    def _instantiate(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        return self._instantiate_with(ctx, msg, salt=None, fix_msg=False)

    def _instantiate2(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        fix_msg = msg.get("fix_msg", False)
        if not isinstance(fix_msg, bool):
            raise Invalid("fix_msg must be a boolean")
        return self._instantiate_with(ctx, msg, _base64_field(msg, "salt"), fix_msg)

    def _instantiate_with(
        self, ctx: MsgContext, msg: Mapping[str, Any], salt: bytes | None, fix_msg: bool
    ) -> bytes:
        sender = _signer(ctx, msg)
        admin_text = msg.get("admin") or ""
        admin = _address_field(admin_text, "admin") if admin_text else None
        label = msg.get("label")
        if not isinstance(label, str):
            raise Invalid("label must be a string")
        address, data = self.keeper.instantiate(
            self._exec(ctx),
            sender,
            _uint_field(msg, "code_id"),
            _contract_msg(msg),
            funds_amount(msg.get("funds") or []),
            label,
            admin,
            salt=salt,
            fix_msg=fix_msg,
        )
        return _response({"address": bech32.encode(address), "data": _b64(data)})

    def _execute(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        sender = _signer(ctx, msg)
        data = self.keeper.execute(
            self._exec(ctx),
            sender,
            _address_field(msg.get("contract"), "contract"),
            _contract_msg(msg),
            funds_amount(msg.get("funds") or []),
        )
        return _response({"data": _b64(data)})

    def _migrate(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        sender = _signer(ctx, msg)
        data = self.keeper.migrate(
            self._exec(ctx),
            sender,
            _address_field(msg.get("contract"), "contract"),
            _uint_field(msg, "code_id"),
            _contract_msg(msg),
        )
        return _response({"data": _b64(data)})

    def _update_admin(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        sender = _signer(ctx, msg)
        self.keeper.update_admin(
            self._exec(ctx),
            sender,
            _address_field(msg.get("contract"), "contract"),
            _address_field(msg.get("new_admin"), "new_admin"),
        )
        return _response({})

    def _clear_admin(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        sender = _signer(ctx, msg)
        self.keeper.update_admin(
            self._exec(ctx), sender, _address_field(msg.get("contract"), "contract"), None
        )
        return _response({})

    # -- synchronous calls from another VM (x/crossvm's expected WasmExecutor) ----------------

    def execute_for_caller(
        self,
        block: BlockContext,
        gas: GasMeter,
        sender: bytes,
        contract: bytes,
        msg: bytes,
        funds: int,
        payer: bytes,
    ) -> tuple[bytes | None, list[Event]]:
        ctx = ExecContext(block, gas)
        data = self.keeper.execute(ctx, sender, contract, msg, funds, payer=payer)
        return data, ctx.events

    def query_for_caller(
        self, block: BlockContext, gas: GasMeter, contract: bytes, msg: bytes
    ) -> bytes:
        return self.keeper.query_smart_with(ExecContext(block, gas), contract, msg)

    def contract_exists(self, contract: bytes) -> bool:
        return self.keeper.contract_exists(contract)

    # -- queries --------------------------------------------------------------------------------

    def register_api(self, api: ApiRegistry, node: NodeServices) -> None:
        register_wasm_api(api, node, _Queries(self.keeper, self._query_block))


class _Queries:
    """The keeper's reads as the API layer asks for them (smart queries at the latest block)."""

    def __init__(self, keeper: WasmKeeper, block: Callable[[], BlockContext]) -> None:
        self._keeper = keeper
        self._block = block

    def code_info(self, code_id: int) -> CodeInfo:
        return self._keeper.code_info(code_id)

    def codes(self) -> list[CodeInfo]:
        return self._keeper.codes()

    def code_bytes(self, code_id: int) -> bytes:
        return self._keeper.code_bytes(code_id)

    def contract_info(self, address: bytes) -> ContractInfo:
        return self._keeper.contract_info(address)

    def contracts_by_code(self, code_id: int) -> list[bytes]:
        return self._keeper.contracts_by_code(code_id)

    def query_smart(self, address: bytes, msg: bytes) -> bytes:
        return self._keeper.query_smart(self._block(), address, msg)

    def query_raw(self, address: bytes, key: bytes) -> bytes | None:
        return self._keeper.query_raw(address, key)

    def contract_state(self, address: bytes) -> list[tuple[bytes, bytes]]:
        return self._keeper.contract_state(address)


def _response(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _signer(ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
    sender = _address_field(msg.get("sender"), "sender")
    if sender != ctx.signer:
        raise Unauthorized(
            f"sender {msg.get('sender')} is not the signer {bech32.encode(ctx.signer)}"
        )
    return sender


def _address_field(value: Any, name: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise Invalid(f"{name} must be a bech32 address")
    try:
        return bech32.decode(value)
    except bech32.Bech32Error as exc:
        raise Invalid(f"invalid {name} {value!r}: {exc}") from None


def _uint_field(msg: Mapping[str, Any], name: str) -> int:
    value = msg.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise Invalid(f"{name} must be an unsigned integer (decimal string)")


def _base64_field(msg: Mapping[str, Any], name: str) -> bytes:
    value = msg.get(name)
    if not isinstance(value, str):
        raise Invalid(f"{name} must be base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"{name} is not valid base64") from None


def _contract_msg(msg: Mapping[str, Any]) -> bytes:
    """The contract message: a JSON value (wasmd's RawContractMessage), or JSON text."""
    if "msg" not in msg:
        raise Invalid("msg is required")
    value = msg["msg"]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise Invalid("msg is not valid JSON") from None
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
