"""The composition root: the only module that sees concrete VM adapters and modules.

It builds the modules over one database, wires the keepers each expects (the bank gets the EVM's
account ledger, the native-transaction module gets the application's message router), and returns
the application in module order: that order is the order of every block hook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossvm.module import MSG_CROSSVM_CALL, CrossVmModule
from crossvm.precompile import ChainIds
from crossvm.types import CROSSVM_ADDRESS
from qorenode.app import Application, ChainInfo, FrameJournal
from qorenode.bank import BankModule
from qorenode.interfaces import BlockContext, Module, PendingTx, TxKind
from qorenode.native_tx import NativeTxModule
from qorenode.store import Database
from vms.cosmwasm.keeper import ExecContext, MsgResult
from vms.cosmwasm.module import CosmWasmModule
from vms.evm.module import EvmModule
from vms.svm.module import SvmModule


class _LateFrameHooks:
    """Frame hooks whose target (the application's journal) exists only after the modules."""

    target: FrameJournal | None = None

    def snapshot(self) -> Any:
        assert self.target is not None
        return self.target.snapshot()

    def commit(self, token: Any) -> None:
        assert self.target is not None
        self.target.commit(token)

    def revert(self, token: Any) -> None:
        assert self.target is not None
        self.target.revert(token)

    def lock(self) -> None:
        assert self.target is not None
        self.target.lock()


@dataclass
class Composition:
    """The built application and the handles the node needs to decode incoming transactions."""

    app: Application
    evm: EvmModule
    bank: BankModule
    wasm: CosmWasmModule
    native: NativeTxModule
    crossvm: CrossVmModule
    svm: SvmModule

    def decode(self, kind: TxKind, payload: Any) -> PendingTx:
        if kind is TxKind.EVM:
            return self.evm.pending_tx(payload)
        if kind is TxKind.NATIVE:
            return self.native.pending_tx(payload)
        if kind is TxKind.SOLANA:
            return self.svm.pending_tx(payload)
        raise ValueError(f"no decoder for {kind}")

    def sequenced_nonce(self, tx: PendingTx) -> int | None:
        """The committed nonce a transaction's nonce must follow (None: its kind has none)."""
        return None if tx.kind is TxKind.SOLANA else self.account_nonce(tx.sender)

    def account_nonce(self, address: bytes) -> int:
        return self.evm.get_nonce(address)


def compose(
    database: Database, genesis: Mapping[str, Any], cache_dir: Path | None = None
) -> Composition:
    """Build the application for ``genesis`` over ``database`` (not yet started).

    ``cache_dir`` keeps compiled wasm modules across restarts (none: compile on every start).
    """
    hooks = _LateFrameHooks()
    chain = ChainInfo(str(genesis["chain_id"]), int(genesis["evm_chain_id"]))
    # The application owns the working state; modules get views of it once it exists.
    app = Application(database, chain)
    evm = EvmModule(app.state.prefixed(b"evm/"), hooks, chain.evm_chain_id)
    bank = BankModule(app.state.prefixed(b"bank/"), evm)
    wasm = CosmWasmModule(
        app.state.prefixed(b"wasm/"), bank, evm, cache_dir, lambda: _query_block(app)
    )
    native = NativeTxModule(chain.chain_id, evm)
    svm = SvmModule(
        app.state.prefixed(b"svm/"), int((genesis.get("svm") or {}).get("genesis_slot", 0))
    )
    crossvm = CrossVmModule(
        app.state.prefixed(b"crossvm/"),
        bank=bank,
        ledger=evm,
        evm=evm,
        wasm=wasm,
        chain=ChainIds(chain.chain_id, chain.evm_chain_id),
        latest_height=lambda: app.height,
    )
    evm.register_precompile(CROSSVM_ADDRESS, crossvm.precompile)

    def contract_message(ctx: ExecContext, sender: bytes, body: Any) -> MsgResult:
        return MsgResult(*crossvm.contract_message(ctx, sender, body))

    wasm.keeper.set_custom_handler(contract_message)
    wasm.keeper.set_any_handler(MSG_CROSSVM_CALL, contract_message)
    crossvm.set_svm(svm)
    svm.set_crossvm_queue(crossvm)
    modules: list[Module] = [evm, bank, wasm, native, crossvm, svm]
    app.set_modules(modules)
    hooks.target = app.frames
    evm.sandbox = app.sandbox
    native.bind(app.msg_handler, app.chain_store.tx)
    return Composition(
        app=app, evm=evm, bank=bank, wasm=wasm, native=native, crossvm=crossvm, svm=svm
    )


def _query_block(app: Application) -> BlockContext:
    """The block a query sees: the last committed one."""
    last = app.last_block
    return app.context(last.height, last.timestamp) if last else app.context(0, 0)
