"""The interfaces every module and VM adapter of the node implements or consumes.

This module imports nothing else of the project (an import-linter contract holds that line), in the
spirit of cosmos-sdk's ``expected_keepers.go``: the core, the VM adapters and x/crossvm meet here, and
only the composition root (``qorenode.composition``) sees concrete classes.

A block's life, as the application drives it (see ``qorenode.app``):

    begin_block(ctx)        every module, in registration order
    deliver_tx(ctx, tx)     the module that routes the transaction's kind, once per transaction
    end_block(ctx)          every module (x/crossvm's EndBlocker runs here)
    commit(ctx, store)      every module seals; all pending writes go to LevelDB in one write batch

and if building the block fails anywhere, ``revert_block()`` on every module puts it back to the last
commit.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# ---------------------------------------------------------------------------------------------
# Identities
# ---------------------------------------------------------------------------------------------


class VmId(enum.IntEnum):
    """The three VMs, numbered as x/crossvm numbers them."""

    EVM = 0
    COSMWASM = 1
    SVM = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class TxKind(enum.Enum):
    """How a transaction reached the node; the application routes each kind to one module."""

    EVM = "evm"  # an RLP-encoded Ethereum transaction (legacy, 2930, 1559)
    NATIVE = "native"  # the node's signed JSON envelope (bank, wasm, crossvm messages)
    SOLANA = "solana"  # a serialized Solana transaction


# ---------------------------------------------------------------------------------------------
# Key-value state
# ---------------------------------------------------------------------------------------------


class KVStore(Protocol):
    """A byte-keyed store; the node's working state and its prefixed views implement it."""

    def get(self, key: bytes) -> bytes | None: ...

    def set(self, key: bytes, value: bytes) -> None: ...

    def delete(self, key: bytes) -> None: ...

    def iterate(
        self, start: bytes = b"", end: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]: ...


# ---------------------------------------------------------------------------------------------
# Blocks, transactions, results, events
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockContext:
    """What every VM is shown of the block being built: one height and one timestamp."""

    height: int
    timestamp: int
    chain_id: str
    evm_chain_id: int
    tx_index: int = 0  # position of the transaction being delivered in its block


@dataclass(frozen=True)
class Event:
    """A typed event with string attributes, as cosmos-sdk emits them."""

    type: str
    attributes: tuple[tuple[str, str], ...] = ()

    def attribute(self, key: str) -> str | None:
        for name, value in self.attributes:
            if name == key:
                return value
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "attributes": [{"key": k, "value": v} for k, v in self.attributes],
        }


@dataclass(frozen=True)
class PendingTx:
    """A transaction accepted into the mempool, decoded once, routed by kind."""

    kind: TxKind
    tx_hash: bytes
    raw: bytes
    decoded: Any
    sender: bytes
    nonce: int
    gas_limit: int


@dataclass
class TxResult:
    """A delivered transaction: a failure is a value that keeps its logs and gas, not an exception."""

    tx_hash: bytes
    kind: TxKind
    success: bool
    gas_used: int = 0
    code: int = 0  # 0 on success, else a stable error code of the module that failed it
    codespace: str = ""
    log: str = ""
    data: bytes = b""
    events: list[Event] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # kind-specific, JSON-serialisable


@dataclass
class BlockRecord:
    """A committed block as the node stores it under ``chain/``."""

    height: int
    hash: bytes
    parent_hash: bytes
    timestamp: int
    tx_hashes: list[bytes]
    events: list[Event]


# ---------------------------------------------------------------------------------------------
# API registration: JSON-RPC methods, REST routes, WebSocket subscriptions
# ---------------------------------------------------------------------------------------------

RpcHandler = Callable[..., Awaitable[Any]]
RestHandler = Callable[[Mapping[str, str], Mapping[str, str], bytes | None], Awaitable[Any]]


class SubscriptionSink(Protocol):
    """Where a subscription pushes its notifications (one WebSocket connection)."""

    async def send(self, result: Any) -> None: ...


SubscriptionFactory = Callable[[Sequence[Any], SubscriptionSink], Awaitable["Subscription"]]


class Subscription(ABC):
    """A live subscription; the WebSocket layer feeds it the node's block notifications."""

    @abstractmethod
    async def on_block(self, notice: BlockNotice) -> None: ...


@dataclass(frozen=True)
class BlockNotice:
    """Broadcast to subscriptions after each commit."""

    record: BlockRecord
    results: tuple[TxResult, ...]
    extras: Mapping[str, Any]  # per-module data, e.g. the EVM header and receipts


class NodeServices(Protocol):
    """What API handlers may ask of the node: the state-machine worker and the mempool."""

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the state-machine worker (the only thread that touches the VMs)."""

    async def submit(self, tx: PendingTx) -> bytes:
        """Admit a transaction (checks run on the worker) into the mempool; its hash."""

    def submit_sync(self, tx: PendingTx) -> bytes:
        """The same, for code already running on the worker."""

    def pending_nonce(self, address: bytes) -> int:
        """Committed nonce plus the sender's transactions waiting in the mempool (worker side)."""

    def bound_address(self, server: str) -> str | None:
        """``host:port`` a server of the node listens on (``eth``, ``ws``, ``rest``, ``svm``,
        ``svm_ws``); None when that server is not running (a node driven in-process)."""


class ApiRegistry(Protocol):
    """The servers' registration surface; modules add their methods, routes and subscriptions."""

    def rpc_method(self, namespace: str, name: str, handler: RpcHandler) -> None: ...

    def rest_route(self, method: str, pattern: str, handler: RestHandler) -> None: ...

    def subscription(self, namespace: str, name: str, factory: SubscriptionFactory) -> None: ...


# ---------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------


class Module:
    """One module of the application: a VM adapter, the bank, x/crossvm.

    Every hook has a default that does nothing, so a module implements only what it needs; the
    application calls each hook at its place in a block's life.
    """

    name: str = "module"

    def init_genesis(self, ctx: BlockContext, genesis: Mapping[str, Any]) -> None:
        """Write the module's genesis state (height 0) into the working state."""

    def export_genesis(self) -> dict[str, Any]:
        """The module's part of a genesis file that reproduces its committed state."""
        return {}

    def load(self, genesis: Mapping[str, Any]) -> None:
        """Rebuild in-memory state from the committed store after a (re)start."""

    def tx_kinds(self) -> Sequence[TxKind]:
        """Transaction kinds this module delivers."""
        return ()

    def check_tx(self, tx: PendingTx) -> None:
        """Stateful admission check against committed state plus the mempool; raise to refuse."""

    def begin_block(self, ctx: BlockContext) -> None:
        """Start of a block (the SVM moves its slot and blockhash here)."""

    def deliver_tx(self, ctx: BlockContext, tx: PendingTx) -> TxResult:
        """Execute one routed transaction inside the block being built."""
        raise NotImplementedError(f"module {self.name} does not deliver {tx.kind}")

    def end_block(self, ctx: BlockContext) -> list[Event]:
        """End of a block (x/crossvm's EndBlocker runs here)."""
        return []

    def commit(self, ctx: BlockContext, store: KVStore) -> dict[str, Any]:
        """Seal the block: its last writes go to ``store`` (the block's pending writes, which reach
        LevelDB in one write batch); return the module's data for the block notice."""
        return {}

    def after_commit(self, ctx: BlockContext) -> None:
        """The batch is on disk: drop per-block caches, advance in-memory heads."""

    def has_pending_work(self) -> bool:
        """Work waits for the next block without any transaction (x/crossvm's queue): in
        instant mode the node builds the next block straight away."""
        return False

    def revert_block(self) -> None:
        """Building the block failed: put in-memory state back to the last commit."""

    def block_hash(self) -> bytes | None:
        """The module that seals the canonical block (the EVM) returns its hash after commit."""
        return None

    def register_api(self, api: ApiRegistry, node: NodeServices) -> None:
        """Add JSON-RPC methods, REST routes and WebSocket subscriptions."""

    def msg_handlers(self) -> Mapping[str, MsgHandler]:
        """Handlers of native-transaction messages, by type URL (``/cosmos.bank.v1beta1.MsgSend``)."""
        return {}

    # EVM call-frame hooks, so side stores follow py-evm's journal. The working KV state is already
    # journaled by the application; modules with state outside it (LiteSVM) implement these.
    def on_frame_snapshot(self) -> Any:
        return None

    def on_frame_commit(self, token: Any) -> None:
        """The frame that took the snapshot returned normally."""

    def on_frame_revert(self, token: Any) -> None:
        """The frame reverted: undo what the module did since the snapshot."""


class GasMeter:
    """Counts gas against a limit; running out raises ``OutOfGas`` (the message fails, no writes)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def consume(self, amount: int, reason: str) -> None:
        self.used += amount
        if self.used > self.limit:
            self.used = self.limit
            raise OutOfGas(f"out of gas in {reason}: limit {self.limit}")

    @property
    def remaining(self) -> int:
        return self.limit - self.used


@dataclass
class MsgContext:
    """What a message handler sees: the block, the signer, the gas meter, where events go."""

    block: BlockContext
    signer: bytes  # 20-byte account that signed the native transaction
    gas: GasMeter
    events: list[Event] = field(default_factory=list)


MsgHandler = Callable[[MsgContext, Mapping[str, Any]], bytes]


class FrameHooks(Protocol):
    """What the EVM calls at each call frame: the application fans it out to every module."""

    def snapshot(self) -> Any: ...

    def commit(self, token: Any) -> None: ...

    def revert(self, token: Any) -> None: ...

    def lock(self) -> None:
        """py-evm locked its journal between transactions: keep every open frame's writes."""


# ---------------------------------------------------------------------------------------------
# Python precompiles: how a module (x/crossvm) answers calls to an EVM address
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrecompileCall:
    """One call frame that reached a Python precompile, as the EVM adapter describes it."""

    caller: bytes  # the frame's msg.sender (20 bytes)
    value: int  # wei the frame carries; the EVM has already moved it to the precompile's account
    data: bytes
    gas: int  # gas available to the frame
    static: bool  # reached under STATICCALL (no state change allowed)
    delegated: bool  # reached by DELEGATECALL or CALLCODE (runs in the caller's context)
    block_number: int  # of the state the call runs on (the block being built, or an eth_call's)
    timestamp: int


@dataclass(frozen=True)
class PrecompileLog:
    topics: tuple[bytes, ...]  # 32 bytes each
    data: bytes


@dataclass
class PrecompileResult:
    """The precompile's answer: output (or revert data when not ``success``), its gas and logs.

    ``out_of_gas`` ends the frame as the EVM ends one that runs out: all its gas is consumed.
    """

    success: bool
    output: bytes = b""
    gas_used: int = 0
    logs: list[PrecompileLog] = field(default_factory=list)
    out_of_gas: bool = False


PrecompileHandler = Callable[[PrecompileCall], PrecompileResult]


# ---------------------------------------------------------------------------------------------
# Cross-VM messages: what x/crossvm and the VM adapters hand each other
# ---------------------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    """One cross-VM delivery as the target VM reports it: a failure is a value that keeps its
    gas, its error and its transaction, never an exception."""

    success: bool
    data: bytes = b""  # return data (EVM), response data (CosmWasm), return data (SVM)
    gas_used: int = 0  # EVM gas, SDK gas, or compute units
    error: str = ""
    tx_hash: bytes | None = None  # the EVM system transaction's hash, or the SVM signature
    events: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class BridgeSubmission:
    """One ``Submit`` instruction to the SVM bridge program, read from a transaction's top-level
    or inner instructions: the SVM's way of sending a cross-VM message."""

    sender: bytes  # account 0 of the instruction (32 bytes), which signed it
    target_vm: int  # 0 EVM, 1 CosmWasm
    target: str  # printable ASCII, 1..128 bytes
    payload: bytes
    program: bytes | None  # the program that invoked the bridge by CPI (None: top level)


# ---------------------------------------------------------------------------------------------
# Keepers the bank expects from the EVM (the one ledger for 20-byte accounts)
# ---------------------------------------------------------------------------------------------


class AccountLedger(Protocol):
    """Balances and nonces of 20-byte accounts, held in the EVM state."""

    def get_balance(self, address: bytes) -> int: ...

    def set_balance(self, address: bytes, value: int) -> None: ...

    def get_nonce(self, address: bytes) -> int: ...

    def increment_nonce(self, address: bytes) -> None: ...

    def snapshot(self) -> Any:
        """Open a layer over everything (EVM state and, through the frame hooks, side stores)."""

    def commit_snapshot(self, token: Any) -> None: ...

    def revert_snapshot(self, token: Any) -> None: ...


class Bank(Protocol):
    """The native token's one ledger, as other modules use it."""

    denom: str

    def balance(self, address: bytes) -> int: ...

    def send(self, sender: bytes, recipient: bytes, amount: int) -> None: ...

    def mint(self, address: bytes, amount: int) -> None: ...

    def burn(self, address: bytes, amount: int) -> None: ...

    def total_supply(self) -> int: ...


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class NodeError(Exception):
    """An error with a stable numeric code that is never reused, and the module it belongs to.

    Modules define subclasses with their own ``code`` and ``codespace``; the RPC layer maps each
    class to a JSON-RPC error code through one table (``qorenode.errors``).
    """

    code: int = 1
    codespace: str = "node"

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class OutOfGas(NodeError):
    """A gas meter ran out; the message that ran it fails with no writes."""

    code, codespace = 30, "node"
