"""A test module that implements every hook of ``Module`` and records when each one runs.

It delivers ``TxKind.SOLANA`` transactions (no VM adapter routes them in these tests), handles one
native message type, writes into the working state under ``rec/``, keeps an in-memory side store
that follows the EVM's call frames (as LiteSVM's accounts must), and registers a Python precompile
through the EVM's extension point that writes into both stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth.exceptions import Revert
from eth_hash.auto import keccak

from qorenode.composition import Composition
from qorenode.interfaces import (
    ApiRegistry,
    BlockContext,
    Event,
    KVStore,
    Module,
    MsgContext,
    MsgHandler,
    NodeError,
    NodeServices,
    PendingTx,
    TxKind,
    TxResult,
)
from tests.unit.core.chainkit import error_string

MSG_RECORD = "/qorenode.test.v1.MsgRecord"
PRECOMPILE = bytes.fromhex("00000000000000000000000000000000000a11ce")
PRECOMPILE_GAS = 1_000


def commit_key(height: int) -> bytes:
    return b"rec-commit/" + height.to_bytes(8, "big")


class RecordFailed(NodeError):
    code, codespace = 7, "recorder"


class RegistryStub:
    """A dict-based ``ApiRegistry``."""

    def __init__(self) -> None:
        self.rpc: dict[str, Any] = {}
        self.rest: dict[tuple[str, str], Any] = {}
        self.subscriptions: dict[str, Any] = {}

    def rpc_method(self, namespace: str, name: str, handler: Any) -> None:
        self.rpc[f"{namespace}_{name}"] = handler

    def rest_route(self, method: str, pattern: str, handler: Any) -> None:
        self.rest[(method, pattern)] = handler

    def subscription(self, namespace: str, name: str, factory: Any) -> None:
        self.subscriptions[f"{namespace}_{name}"] = factory


class InlineServices:
    """``NodeServices`` that runs work inline (the test thread plays the worker)."""

    async def run(self, fn: Any) -> Any:
        return fn()

    async def submit(self, tx: PendingTx) -> bytes:
        return tx.tx_hash

    def submit_sync(self, tx: PendingTx) -> bytes:
        return tx.tx_hash

    def pending_nonce(self, address: bytes) -> int:
        return 0


def solana_tx(payload: bytes) -> PendingTx:
    """A transaction of the kind the recorder delivers; ``boom`` in the payload makes it raise."""
    return PendingTx(
        kind=TxKind.SOLANA,
        tx_hash=bytes(keccak(b"solana:" + payload)),
        raw=payload,
        decoded=payload,
        sender=b"\x01" * 32,
        nonce=0,
        gas_limit=1,
    )


class Recorder(Module):
    name = "recorder"

    def __init__(self, comp: Composition) -> None:
        self.comp = comp
        self.database = comp.app.database
        self.store: KVStore = comp.app.state.prefixed(b"rec/")
        self.calls: list[tuple[Any, ...]] = []
        self.frames: list[tuple[str, int]] = []
        self.side: dict[bytes, bytes] = {}
        self._committed_side: dict[bytes, bytes] = {}
        self._frame_tokens: dict[int, dict[bytes, bytes]] = {}
        self._next_token = 0
        self.disk_during_commit: bytes | None = b"unset"
        self.disk_after_commit: bytes | None = None
        self.precompile_calls = 0
        comp.evm.precompiles.register(PRECOMPILE, self.precompile)

    # -- genesis and start -------------------------------------------------------------------

    def init_genesis(self, ctx: BlockContext, genesis: Mapping[str, Any]) -> None:
        self.calls.append(("init_genesis", ctx.height))
        self.store.set(b"genesis", str(ctx.timestamp).encode())

    def load(self, genesis: Mapping[str, Any]) -> None:
        self.calls.append(("load", genesis["chain_id"]))
        # rebuild the in-memory side store from committed state
        self.side = {k[len(b"side/") :]: v for k, v in self.store.iterate(b"side/", b"side0")}
        self._committed_side = dict(self.side)

    # -- transactions ------------------------------------------------------------------------

    def tx_kinds(self) -> Sequence[TxKind]:
        return (TxKind.SOLANA,)

    def check_tx(self, tx: PendingTx) -> None:
        self.calls.append(("check_tx", tx.tx_hash))
        if tx.raw == b"refuse":
            raise RecordFailed("refused at admission")

    def begin_block(self, ctx: BlockContext) -> None:
        self.calls.append(("begin_block", ctx.height))

    def deliver_tx(self, ctx: BlockContext, tx: PendingTx) -> TxResult:
        self.calls.append(("deliver_tx", tx.tx_hash))
        self.store.set(b"tx/" + tx.tx_hash, tx.raw)
        self.side[b"tx/" + tx.tx_hash] = tx.raw
        if b"boom" in tx.raw:
            raise RuntimeError("recorder exploded")
        return TxResult(
            tx.tx_hash,
            TxKind.SOLANA,
            True,
            gas_used=7,
            events=[Event("recorded", (("payload", tx.raw.decode()),))],
        )

    def end_block(self, ctx: BlockContext) -> list[Event]:
        self.calls.append(("end_block", ctx.height))
        return [Event("recorder_end_block", (("height", str(ctx.height)),))]

    def commit(self, ctx: BlockContext, store: KVStore) -> dict[str, Any]:
        self.calls.append(("commit", ctx.height))
        store.set(commit_key(ctx.height), b"sealed")
        for key, value in self.side.items():
            self.store.set(b"side/" + key, value)
        self.disk_during_commit = self.database.get(commit_key(ctx.height))
        return {"height": ctx.height}

    def after_commit(self, ctx: BlockContext) -> None:
        self.calls.append(("after_commit", ctx.height))
        self.disk_after_commit = self.database.get(commit_key(ctx.height))
        self._committed_side = dict(self.side)

    def revert_block(self) -> None:
        self.calls.append(("revert_block",))
        self.side = dict(self._committed_side)

    # -- API and messages --------------------------------------------------------------------

    def register_api(self, api: ApiRegistry, node: NodeServices) -> None:
        async def count() -> int:
            return int(await node.run(lambda: len(self.side)))

        async def rest_get(path: Mapping[str, str], query: Mapping[str, str], body: Any) -> Any:
            value = await node.run(lambda: self.store.get(path["key"].encode()))
            return {"value": None if value is None else value.decode()}

        async def subscribe(params: Sequence[Any], sink: Any) -> Any:
            raise NotImplementedError

        api.rpc_method("rec", "count", count)
        api.rest_route("GET", "/recorder/{key}", rest_get)
        api.subscription("rec", "blocks", subscribe)

    def msg_handlers(self) -> Mapping[str, MsgHandler]:
        return {MSG_RECORD: self._handle_record}

    def _handle_record(self, ctx: MsgContext, msg: Mapping[str, Any]) -> bytes:
        ctx.gas.consume(1_000, "record")
        key = str(msg["key"]).encode()
        self.store.set(b"msg/" + key, str(msg["value"]).encode())
        self.side[b"msg/" + key] = str(msg["value"]).encode()
        if msg.get("fail"):
            raise RecordFailed(f"asked to fail on {msg['key']}")
        ctx.events.append(Event("record", (("key", msg["key"]), ("signer", ctx.signer.hex()))))
        return b"recorded:" + key

    # -- EVM frames --------------------------------------------------------------------------

    def on_frame_snapshot(self) -> Any:
        self._next_token += 1
        token = self._next_token
        self._frame_tokens[token] = dict(self.side)
        self.frames.append(("snapshot", token))
        return token

    def on_frame_commit(self, token: Any) -> None:
        self.frames.append(("commit", token))
        del self._frame_tokens[token]

    def on_frame_revert(self, token: Any) -> None:
        self.frames.append(("revert", token))
        self.side = self._frame_tokens.pop(token)

    # -- the precompile ----------------------------------------------------------------------

    def precompile(self, computation: Any) -> Any:
        """Input ``key|value``: writes ``pc/key = value`` in both stores and returns the value.

        Input starting with ``revert:`` writes, then reverts with ``Error(string)``.
        """
        self.precompile_calls += 1
        computation.consume_gas(PRECOMPILE_GAS, reason="recorder precompile")
        data = bytes(computation.msg.data)
        revert = data.startswith(b"revert:")
        if revert:
            data = data[len(b"revert:") :]
        key, _, value = data.partition(b"|")
        self.store.set(b"pc/" + key, value)
        self.side[b"pc/" + key] = value
        if revert:
            computation.output = error_string("recorder: " + key.decode())
            raise Revert(computation.output)
        computation.output = value
        return computation
