"""Helpers for x/crossvm's asynchronous path over an in-process chain.

``AsyncWorld`` extends the synchronous ``World`` (a CosmWasm counter, a CrossCounter) with an EVM
``CrossReceiver`` (the EVM target), a ``CrossSubmitter`` (an EVM source through 0x901) and a
CosmWasm ``dispatcher`` (a CosmWasm source through ``crossvm_call`` and Stargate messages).
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode

from crossvm.types import CROSSVM_ADDRESS
from qorenode.addresses import to_bech32
from qorenode.genesis import load_genesis
from qorenode.interfaces import BlockNotice, TxResult
from qorenode.keys import KeyPair
from tests.unit.core.chainkit import Chain, calldata
from tests.unit.cosmwasm.wasmkit import execute
from tests.unit.crossvm.crosskit import DEV0, World, eth_api

MSG_CALL = "/qorechain.crossvm.v1.MsgCrossVMCall"
ESCROW = CROSSVM_ADDRESS


def genesis_with(**params: Any) -> dict[str, Any]:
    """The devnet genesis with some x/crossvm params changed."""
    genesis = copy.deepcopy(load_genesis())
    section = genesis.setdefault("crossvm", {})
    section["params"] = {**section.get("params", {}), **{k: str(v) for k, v in params.items()}}
    return genesis


def call_msg(
    target_vm: str,
    target: str,
    payload: bytes,
    key: KeyPair = DEV0,
    source_vm: str | None = None,
    funds: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """A user's ``MsgCrossVMCall``."""
    return {
        "@type": MSG_CALL,
        "sender": to_bech32(key.address),
        **({"source_vm": source_vm} if source_vm else {}),
        "target_vm": target_vm,
        "target_contract": target,
        "payload": base64.b64encode(payload).decode(),
        "funds": [{"denom": "aqor", "amount": str(funds)}] if funds else [],
        **extra,
    }


def message_id(result: TxResult, index: int = 0) -> int:
    """The id a ``MsgCrossVMCall`` response carries."""
    assert result.success, f"{result.codespace}/{result.code}: {result.log}"
    return int(json.loads(bytes.fromhex(result.details["msg_responses"][index]))["message_id"])


class AsyncWorld(World):
    """``World`` plus the EVM target and source contracts and a CosmWasm dispatcher."""

    def __init__(self, path: Path, genesis: dict[str, Any] | None = None) -> None:
        if genesis is None:
            super().__init__(path)
        else:
            # World builds its chain on the default genesis: build ours the same way
            self.chain = Chain(path, genesis=genesis)
            self.codes = {}
            self.counter = self.contract("counter", {"count": 0})
            self.counter_text = to_bech32(self.counter)
            self.cc = self.chain.deploy(
                "CrossCounter", args=abi_encode(["string"], [self.counter_text])
            )
            self.eth = eth_api(self.chain)
        self.receiver = self.chain.deploy("CrossReceiver")
        self.submitter = self.chain.deploy("CrossSubmitter")
        self.dispatcher = self.contract("dispatcher", {})

    @property
    def crossvm(self) -> Any:
        assert self.chain.comp is not None
        return self.chain.comp.crossvm

    def record(self, message_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.crossvm.message_json(message_id)
        return result

    def status(self, message_id: int) -> str:
        return str(self.record(message_id)["status"])

    def submit(self, *msgs: dict[str, Any], key: KeyPair = DEV0) -> TxResult:
        """One native transaction with ``msgs``, in its own block."""
        (result,) = self.chain.mine(self.chain.native_tx(key, list(msgs))).results
        return result

    def queue_call(self, target_vm: str, target: str, payload: bytes, **kwargs: Any) -> int:
        """Submit one ``MsgCrossVMCall`` in its own block; its message id."""
        key = kwargs.pop("key", DEV0)
        return message_id(self.submit(call_msg(target_vm, target, payload, key, **kwargs), key=key))

    def dispatch_custom(self, body: Any, funds: int = 0) -> TxResult:
        """The dispatcher returns ``CosmosMsg::Custom(body)``."""
        return execute(self.chain, self.dispatcher, {"custom": body}, funds=funds)

    def mine(self) -> BlockNotice:
        return self.chain.mine()

    def calldata_send(self, contract_text: str, message: bytes) -> bytes:
        """CrossSubmitter's ``sendToCosmWasm``: one ``submit`` through 0x901."""
        return calldata("sendToCosmWasm(string,bytes)", contract_text, message)

    def ping(self, amount: int) -> bytes:
        return calldata("ping(uint256)", amount)

    def receiver_view(self, name: str, *args: Any, types: tuple[str, ...] = ("uint256",)) -> Any:
        arg_types = ",".join("address" for _ in args)
        return self.view(self.receiver, f"{name}({arg_types})", list(types), *args)
