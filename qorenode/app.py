"""The application: modules composed into one state machine with one block lifecycle.

A block's life (DESIGN §2), each step a plainly named method:

    build_block(txs, timestamp)
        begin_block        every module
        deliver_txs        each transaction routed by kind to its module
        end_block          every module (x/crossvm's EndBlocker)
        commit             every module seals and writes; one LevelDB write batch

If anything raises while building, ``abandon_block`` puts every module and the working state back
to the last commit, and the caller learns which transaction was at fault.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from qorenode.chainstore import ChainStore
from qorenode.errors import InternalError, UnknownMessageType
from qorenode.interfaces import (
    BlockContext,
    BlockNotice,
    BlockRecord,
    Event,
    Module,
    MsgHandler,
    PendingTx,
    TxKind,
    TxResult,
)
from qorenode.store import Database, WorkingState

log = logging.getLogger(__name__)
T = TypeVar("T")


class BlockBuildError(Exception):
    """Building a block raised; ``tx_hash`` names the transaction at fault, if one was."""

    def __init__(self, message: str, tx_hash: bytes | None) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


@dataclass(frozen=True)
class ChainInfo:
    chain_id: str
    evm_chain_id: int


class FrameJournal:
    """EVM call-frame snapshots fanned out to the working state and every module.

    py-evm pairs each frame's snapshot with a commit or a revert, and locks its journal between
    transactions without closing the per-transaction snapshot; ``lock`` closes what is still open.
    Only modules that implement the frame hooks are called (a snapshot is taken at every call
    frame and cross-VM delivery).
    """

    def __init__(self, state: WorkingState, modules: Sequence[Module]) -> None:
        self._state = state
        self._hooked: tuple[Module, ...] = ()
        self.set_modules(modules)
        self._open: list[tuple[int, list[Any]]] = []

    def set_modules(self, modules: Sequence[Module]) -> None:
        self._hooked = tuple(module for module in modules if _has_frame_hooks(module))

    def snapshot(self) -> Any:
        token = (self._state.checkpoint(), [m.on_frame_snapshot() for m in self._hooked])
        self._open.append(token)
        return token

    def commit(self, token: Any) -> None:
        self._close(token)
        checkpoint, module_tokens = token
        self._state.commit_checkpoint(checkpoint)
        for module, module_token in zip(self._hooked, module_tokens, strict=True):
            module.on_frame_commit(module_token)

    def revert(self, token: Any) -> None:
        self._close(token)
        checkpoint, module_tokens = token
        self._state.revert_to(checkpoint)
        for module, module_token in zip(self._hooked, module_tokens, strict=True):
            module.on_frame_revert(module_token)

    def lock(self) -> None:
        while self._open:
            self.commit(self._open[-1])

    def reset(self) -> None:
        self._open.clear()

    def _close(self, token: Any) -> None:
        # Frames close innermost first; an outer close also closes anything left inside it.
        if self._open and self._open[-1] is token:
            self._open.pop()
            return
        if not any(open_token is token for open_token in self._open):
            raise RuntimeError("closing a frame snapshot that is not open")
        while self._open.pop() is not token:
            pass


def _has_frame_hooks(module: Module) -> bool:
    """The module overrides one of the frame hooks (its state lives outside the working state)."""
    kind = type(module)
    return any(
        getattr(kind, name) is not getattr(Module, name)
        for name in ("on_frame_snapshot", "on_frame_commit", "on_frame_revert")
    )


class Application:
    """Modules over one working state; the only place a block is begun, built and committed."""

    def __init__(self, database: Database, chain: ChainInfo) -> None:
        self.database = database
        self.state = WorkingState(database)
        self.chain = chain
        self.modules: list[Module] = []
        self.chain_store = ChainStore(self.state.prefixed(b"chain/"))
        self.frames = FrameJournal(self.state, self.modules)
        self._routes: dict[TxKind, Module] = {}
        self._msg_handlers: dict[str, MsgHandler] = {}
        self.last_block: BlockRecord | None = None

    def set_modules(self, modules: Sequence[Module]) -> None:
        """Install the modules (built over this application's working state), in hook order.

        A later call replaces the whole set: routes and message handlers are rebuilt from it.
        """
        routes: dict[TxKind, Module] = {}
        handlers: dict[str, MsgHandler] = {}
        for module in modules:
            for kind in module.tx_kinds():
                if kind in routes:
                    raise ValueError(f"two modules route {kind}")
                routes[kind] = module
            for type_url, handler in module.msg_handlers().items():
                if type_url in handlers:
                    raise ValueError(f"two handlers for {type_url}")
                handlers[type_url] = handler
        self.modules[:] = modules
        self.frames.set_modules(self.modules)
        self._routes = routes
        self._msg_handlers = handlers

    # -- start ----------------------------------------------------------------------------------

    @property
    def height(self) -> int:
        return self.last_block.height if self.last_block else -1

    def start(self, genesis: Mapping[str, Any]) -> None:
        """Load committed state, or write genesis (height 0) on an empty database."""
        height = self.chain_store.height()
        if height is None:
            self._init_genesis(genesis)
        else:
            for module in self.modules:
                module.load(genesis)
            self.last_block = self.chain_store.block(height)

    def _init_genesis(self, genesis: Mapping[str, Any]) -> None:
        ctx = self.context(0, int(genesis["genesis_time"]))
        try:
            for module in self.modules:
                module.init_genesis(ctx, genesis)
            self._commit(ctx, [], {}, [])
        except BaseException:
            self.abandon_block()
            raise

    def context(self, height: int, timestamp: int) -> BlockContext:
        return BlockContext(height, timestamp, self.chain.chain_id, self.chain.evm_chain_id)

    def next_timestamp(self, now: int) -> int:
        """Block time: the wall clock, but at least the parent's plus one second."""
        parent = self.last_block.timestamp if self.last_block else 0
        return max(now, parent + 1)

    # -- transactions ---------------------------------------------------------------------------

    def route(self, kind: TxKind) -> Module:
        try:
            return self._routes[kind]
        except KeyError:
            raise InternalError(f"no module delivers {kind.value} transactions") from None

    def check_tx(self, tx: PendingTx) -> None:
        self.route(tx.kind).check_tx(tx)

    def msg_handler(self, type_url: str) -> MsgHandler:
        try:
            return self._msg_handlers[type_url]
        except KeyError:
            raise UnknownMessageType(f"unknown message type {type_url!r}") from None

    # -- the block ------------------------------------------------------------------------------

    def build_block(self, txs: Sequence[PendingTx], timestamp: int) -> BlockNotice:
        """Build, execute and commit the next block; on failure nothing of it remains."""
        ctx = self.context(self.height + 1, timestamp)
        current: PendingTx | None = None
        try:
            self.begin_block(ctx)
            results = []
            for index, current in enumerate(txs):
                results.append(self.deliver_tx(replace(ctx, tx_index=index), current))
            current = None
            events = self.end_block(ctx)
            return self._commit(ctx, results, {tx.tx_hash: tx.raw for tx in txs}, events)
        except BaseException as exc:
            self.abandon_block()
            fault = current.tx_hash if current is not None else None
            log.exception("building block %d failed; state restored to the last commit", ctx.height)
            raise BlockBuildError(f"block {ctx.height}: {exc!r}", fault) from exc

    def begin_block(self, ctx: BlockContext) -> None:
        for module in self.modules:
            module.begin_block(ctx)

    def deliver_tx(self, ctx: BlockContext, tx: PendingTx) -> TxResult:
        return self.route(tx.kind).deliver_tx(ctx, tx)

    def end_block(self, ctx: BlockContext) -> list[Event]:
        events: list[Event] = []
        for module in self.modules:
            events.extend(module.end_block(ctx))
        return events

    def _commit(
        self,
        ctx: BlockContext,
        results: list[TxResult],
        raws: dict[bytes, bytes],
        events: list[Event],
    ) -> BlockNotice:
        extras: dict[str, Any] = {}
        for module in self.modules:
            extras[module.name] = module.commit(ctx, self.state)
        block_hash = next((h for m in self.modules if (h := m.block_hash()) is not None), None)
        if block_hash is None:
            raise InternalError("no module sealed the block")
        record = BlockRecord(
            height=ctx.height,
            hash=block_hash,
            parent_hash=self.last_block.hash if self.last_block else b"\x00" * 32,
            timestamp=ctx.timestamp,
            tx_hashes=[r.tx_hash for r in results],
            events=events,
        )
        self.chain_store.put_block(record, results, raws)
        self.database.write(self.state.take_writes())
        self.frames.reset()
        self.last_block = record
        for module in self.modules:
            module.after_commit(ctx)
        return BlockNotice(record=record, results=tuple(results), extras=extras)

    def has_pending_work(self) -> bool:
        """Some module wants another block even without transactions."""
        return any(module.has_pending_work() for module in self.modules)

    def abandon_block(self) -> None:
        """Put every module and the working state back to the last commit."""
        self.state.discard()
        self.frames.reset()
        for module in self.modules:
            try:
                module.revert_block()
            except Exception:
                log.exception("module %s failed to revert its block", module.name)

    # -- reads ----------------------------------------------------------------------------------

    @contextmanager
    def sandbox(self) -> Iterator[None]:
        """Run a call or estimate on top of committed state and keep none of its writes."""
        checkpoint = self.state.checkpoint()
        try:
            yield
        finally:
            self.frames.reset()
            self.state.revert_to(checkpoint)
