"""The x/crossvm module: the synchronous path's precompile now, the asynchronous queue later.

The composition root registers ``precompile`` at 0x…0901 through the EVM's extension point.
Messages: ``/qorechain.crossvm.v1.MsgUpdateParams`` (the authority only). Queries: JSON-RPC
``qor_getCrossVMParams``, ``qor_crossVMAlias``; REST ``/qorechain/crossvm/v1/params``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from crossvm.alias import cosmwasm_alias, evm_alias
from crossvm.errors import InvalidInput, Unsupported
from crossvm.expected import WasmExecutor
from crossvm.keeper import CrossVmKeeper
from crossvm.precompile import ChainIds, CrossVmPrecompile
from qorenode import bech32
from qorenode.interfaces import (
    ApiRegistry,
    BlockContext,
    Event,
    KVStore,
    Module,
    MsgContext,
    MsgHandler,
    NodeServices,
    VmId,
)

MSG_CROSSVM_CALL = "/qorechain.crossvm.v1.MsgCrossVMCall"
MSG_UPDATE_PARAMS = "/qorechain.crossvm.v1.MsgUpdateParams"


def parse_vm(value: Any) -> VmId:
    """A VM as JSON gives it: 0/1/2 or "evm"/"cosmwasm"/"svm"."""
    if isinstance(value, str) and not value.isdigit():
        for vm in VmId:
            if vm.label == value.lower():
                return vm
    else:
        try:
            return VmId(int(value))
        except (TypeError, ValueError):
            pass
    raise InvalidInput(f"unknown VM {value!r}: use evm, cosmwasm or svm (0, 1, 2)")


def parse_sender(source_vm: VmId, text: str) -> bytes:
    """A sender as the source VM writes it: 0x hex, bech32 qor1..., or hex of raw bytes."""
    if not isinstance(text, str):
        raise InvalidInput("sender must be a string")
    if text.startswith(bech32.HRP + "1"):
        try:
            return bech32.decode(text)
        except bech32.Bech32Error as exc:
            raise InvalidInput(f"invalid sender {text!r}: {exc}") from None
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raise InvalidInput(f"invalid sender {text!r}: expected 0x hex or bech32") from None
    if len(raw) not in (20, 32):
        raise InvalidInput("a sender is 20 or 32 bytes")
    return raw


class CrossVmModule(Module):
    """x/crossvm: the 0x901 precompile (synchronous EVM to CosmWasm calls), params, aliases."""

    name = "crossvm"

    def __init__(
        self,
        store: KVStore,
        wasm: WasmExecutor,
        chain: ChainIds,
        latest_height: Callable[[], int],
    ) -> None:
        self.keeper = CrossVmKeeper(store)
        self.precompile = CrossVmPrecompile(wasm, chain, latest_height, self.keeper.params)

    def init_genesis(self, ctx: BlockContext, genesis: Mapping[str, Any]) -> None:
        accounts = genesis.get("dev_accounts") or []
        default_authority = (
            bytes.fromhex(accounts[0]["address"].removeprefix("0x")) if accounts else bytes(20)
        )
        self.keeper.init_genesis(genesis.get("crossvm") or {}, default_authority)

    def export_genesis(self) -> dict[str, Any]:
        return {"crossvm": self.keeper.export_genesis()}

    def msg_handlers(self) -> Mapping[str, MsgHandler]:
        return {MSG_UPDATE_PARAMS: self._update_params}

    def _update_params(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        params = self.keeper.update_params(ctx.signer, msg.get("authority"), msg.get("params"))
        ctx.events.append(Event("crossvm_params_updated", tuple(sorted(params.to_json().items()))))
        return b"{}"

    def contract_message(self, ctx: Any, sender: bytes, body: Any) -> Any:
        """A CosmWasm contract's ``Custom`` or ``Stargate``/``Any`` message for x/crossvm.

        ``crossvm_call`` (and ``/qorechain.crossvm.v1.MsgCrossVMCall``) will be queued by the
        asynchronous path; until it exists, such a message fails its call with the reason.
        """
        if isinstance(body, dict) and (
            "crossvm_call" in body or body.get("type_url") == MSG_CROSSVM_CALL
        ):
            raise Unsupported(
                "messages towards another VM need x/crossvm's asynchronous queue, "
                "which is not available yet"
            )
        raise Unsupported(f"unsupported custom message {body!r}")

    def register_api(self, api: ApiRegistry, node: NodeServices) -> None:
        async def alias(target_vm: Any, source_vm: Any, sender: str) -> str:
            target, source = parse_vm(target_vm), parse_vm(source_vm)
            raw = parse_sender(source, sender)
            if target == VmId.EVM:
                return "0x" + evm_alias(source, raw).hex()
            if target == VmId.COSMWASM:
                return bech32.encode(cosmwasm_alias(source, raw))
            raise Unsupported("SVM aliases come with the SVM")

        def params_json() -> dict[str, Any]:
            return {
                "authority": bech32.encode(self.keeper.authority()),
                "params": self.keeper.params().to_json(),
            }

        async def get_params() -> dict[str, Any]:
            result: dict[str, Any] = await node.run(params_json)
            return result

        async def rest_params(
            path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
        ) -> Any:
            return await get_params()

        api.rpc_method("qor", "crossVMAlias", alias)
        api.rpc_method("qor", "getCrossVMParams", get_params)
        api.rest_route("GET", "/qorechain/crossvm/v1/params", rest_params)
