"""The EVM module: py-evm Prague as one module of the node.

One EVM block per node block: ``begin_block`` opens a VM instance on a header built from the
parent, ``deliver_tx`` applies each transaction at VM level (never the chain-level
``apply_transaction`` then ``mine_block``, which is quadratic), and ``commit`` seals the block once:
state persisted, header and block stored, all into the block's write batch.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import rlp
from eth.abc import BlockHeaderAPI, ComputationAPI, SignedTransactionAPI, StateAPI
from eth.chains.base import Chain
from eth.consensus.context import ConsensusContext
from eth.constants import CREATE_CONTRACT_ADDRESS, SECPK1_N
from eth.db.chain import ChainDB
from eth.exceptions import HeaderNotFound, Revert
from eth.vm.chain_context import ChainContext
from eth.vm.forks.prague import PragueVM
from eth_hash.auto import keccak
from eth_typing import Address, BlockNumber, Hash32
from eth_utils import ValidationError

from qorenode import __version__
from qorenode.addresses import parse_address
from qorenode.errors import (
    FeeTooLow,
    GasLimitExceeded,
    InsufficientFunds,
    IntrinsicGasTooLow,
    InvalidSignature,
    MalformedTransaction,
    WrongChainId,
)
from qorenode.interfaces import (
    ApiRegistry,
    BlockContext,
    DeliveryResult,
    FrameHooks,
    KVStore,
    Module,
    NodeServices,
    PendingTx,
    PrecompileHandler,
    PrecompileLog,
    TxKind,
    TxResult,
)
from vms.evm.database import EvmDatabase
from vms.evm.index import EvmIndex, LogRecord, TxRecord
from vms.evm.machine import (
    PrecompileRegistry,
    SystemTransaction,
    apply_system_transaction,
    build_vm_class,
    python_precompile,
)

log = logging.getLogger(__name__)

EXTRA_DATA = b"qorenode"
CLIENT_VERSION = f"qorenode/v{__version__}/python"


def revert_reason(output: bytes) -> str:
    """Decode ``Error(string)`` revert data to its message; other data is shown as hex."""
    if output[:4] == bytes.fromhex("08c379a0"):
        try:
            from eth_abi import decode

            (reason,) = decode(["string"], output[4:])
            return str(reason)
        except Exception:
            pass
    return "0x" + output.hex() if output else ""


class EvmModule(Module):
    """py-evm behind the module interface; also the account ledger of 20-byte accounts."""

    name = "evm"

    def __init__(self, store: KVStore, hooks: FrameHooks, chain_id: int) -> None:
        self.db = EvmDatabase(store.prefixed(b"db/"))  # type: ignore[attr-defined]
        self.index = EvmIndex(store.prefixed(b"ix/"))  # type: ignore[attr-defined]
        self.chaindb = ChainDB(self.db)
        self.chain_id = chain_id
        self.precompiles = PrecompileRegistry()
        self.vm_class = build_vm_class(self.precompiles, hooks)
        self.chain_context = ChainContext(chain_id)
        self.block_gas_limit = 30_000_000
        self.coinbase = b"\x00" * 20
        self._head: BlockHeaderAPI | None = None
        # the block being built
        self._vm: PragueVM | None = None
        self._header: BlockHeaderAPI | None = None
        # gas and bloom of system receipts not yet folded into ``_header`` (one header copy per
        # block instead of one per delivery)
        self._system_gas = 0
        self._system_bloom = 0
        self._txs: list[SignedTransactionAPI] = []
        self._receipts: list[Any] = []
        self._records: list[TxRecord] = []
        self._sealed: BlockHeaderAPI | None = None
        self._read_state: StateAPI | None = None
        self._next_base_fee: tuple[bytes, int] | None = None  # (head hash, fee)
        # set by the composition root: runs calls and estimates without keeping side-store writes
        self.sandbox: Callable[[], AbstractContextManager[None]] | None = None
        # the states of the Python precompile frames running now (innermost last): while one runs,
        # the ledger reads and writes the state of its frame (the block's, or an eth_call's)
        self._frame_states: list[StateAPI] = []

    # -- genesis and start ---------------------------------------------------------------------

    def init_genesis(self, ctx: BlockContext, genesis: Mapping[str, Any]) -> None:
        params = genesis["evm"]
        self._configure(params)
        alloc: dict[bytes, dict[str, Any]] = {}
        for entry in genesis["bank"].get("balances", []):
            address = parse_address(entry["address"])
            if len(address) == 20:
                alloc[address] = _account(int(entry["amount"]))
        for address_text, account in params.get("alloc", {}).items():
            address = parse_address(address_text)
            alloc[address] = {
                "balance": int(account.get("balance", "0")),
                "nonce": int(account.get("nonce", 0)),
                "code": bytes.fromhex(account.get("code", "0x")[2:]),
                "storage": {int(k, 16): int(v, 16) for k, v in account.get("storage", {}).items()},
            }
        genesis_params = {
            "difficulty": 0,
            "gas_limit": self.block_gas_limit,
            "timestamp": ctx.timestamp,
            "base_fee_per_gas": int(params.get("initial_base_fee", 1_000_000_000)),
            "coinbase": self.coinbase,
            "extra_data": EXTRA_DATA,
            "nonce": b"\x00" * 8,
        }
        chain_class = Chain.configure(
            __name__="QoreChain", vm_configuration=((0, self.vm_class),), chain_id=self.chain_id
        )
        chain = chain_class.from_genesis(self.db, genesis_params, alloc)  # type: ignore[arg-type]
        self._sealed = chain.get_canonical_head()
        self._records = []

    def _configure(self, params: Mapping[str, Any]) -> None:
        self.block_gas_limit = int(params.get("block_gas_limit", 30_000_000))
        self.coinbase = parse_address(params.get("coinbase", "0x" + "00" * 20))

    def load(self, genesis: Mapping[str, Any]) -> None:
        self._configure(genesis["evm"])
        self._head = self.chaindb.get_canonical_head()

    @property
    def head(self) -> BlockHeaderAPI:
        if self._head is None:
            raise RuntimeError("EVM not started")
        return self._head

    # -- admission ------------------------------------------------------------------------------

    def tx_kinds(self) -> Sequence[TxKind]:
        return (TxKind.EVM,)

    def decode_transaction(self, raw: bytes) -> SignedTransactionAPI:
        """Decode signed RLP (legacy, 2930, 1559) and check its signature and chain id."""
        try:
            tx = self.vm_class.get_transaction_builder().decode(raw)
        except (rlp.DecodingError, ValidationError, ValueError, TypeError, IndexError) as exc:
            raise MalformedTransaction(f"invalid transaction encoding: {exc}") from exc
        except Exception as exc:  # py-evm raises a variety of types on malformed input
            raise MalformedTransaction(f"invalid transaction: {exc}") from exc
        try:
            # Recovering the sender is the signature check (py-evm's check_signature_validity
            # recovers the same key a second time); the range checks below complete it.
            _ = tx.sender
        except Exception as exc:
            raise InvalidSignature(f"invalid transaction signature: {exc}") from exc
        if tx.y_parity not in (0, 1):
            raise InvalidSignature(f"invalid transaction signature: y parity {tx.y_parity}")
        if tx.s > SECPK1_N // 2:
            # EIP-2: py-evm refuses a high-s signature only when applying the transaction, so
            # admitting it would leave it in the mempool, never mined, holding up the nonce.
            raise InvalidSignature("invalid transaction signature: s value above secp256k1n/2")
        chain_id = getattr(tx, "chain_id", None)
        if chain_id is not None and chain_id != self.chain_id:
            raise WrongChainId(f"invalid chain id {chain_id}: this chain is {self.chain_id}")
        return tx

    def pending_tx(self, raw: bytes) -> PendingTx:
        tx = self.decode_transaction(raw)
        return PendingTx(
            kind=TxKind.EVM,
            tx_hash=bytes(tx.hash),
            raw=raw,
            decoded=tx,
            sender=bytes(tx.sender),
            nonce=tx.nonce,
            gas_limit=tx.gas,
        )

    def check_tx(self, tx: PendingTx) -> None:
        """Stateless and balance checks against committed state (nonces are the mempool's)."""
        evm_tx: SignedTransactionAPI = tx.decoded
        if evm_tx.gas > self.block_gas_limit:
            raise GasLimitExceeded(
                f"exceeds block gas limit: gas {evm_tx.gas} > {self.block_gas_limit}"
            )
        try:
            intrinsic = evm_tx.intrinsic_gas
        except Exception as exc:
            raise MalformedTransaction(f"invalid transaction: {exc}") from exc
        if evm_tx.gas < intrinsic:
            raise IntrinsicGasTooLow(f"intrinsic gas too low: have {evm_tx.gas}, want {intrinsic}")
        max_fee = getattr(evm_tx, "max_fee_per_gas", None)
        if max_fee is None:
            max_fee = int(evm_tx.gas_price)
        base_fee = self.next_base_fee()
        if max_fee < base_fee:
            raise FeeTooLow(
                f"max fee per gas less than block base fee: maxFeePerGas {max_fee}, "
                f"baseFee {base_fee}"
            )
        balance = self.read_state().get_balance(Address(tx.sender))
        cost = evm_tx.gas * max_fee + evm_tx.value
        if balance < cost:
            raise InsufficientFunds(
                f"insufficient funds for gas * price + value: balance {balance}, "
                f"tx cost {cost}, overshot {cost - balance}"
            )

    def next_base_fee(self) -> int:
        """The base fee of the next block: computed once per committed head."""
        head = self.head
        if self._next_base_fee is None or self._next_base_fee[0] != head.hash:
            header = self.vm_class.create_header_from_parent(
                head, timestamp=head.timestamp + 1, gas_limit=self.block_gas_limit
            )
            self._next_base_fee = (head.hash, int(header.base_fee_per_gas))
        return self._next_base_fee[1]

    # -- the block ------------------------------------------------------------------------------

    def begin_block(self, ctx: BlockContext) -> None:
        parent = self.head
        header = self.vm_class.create_header_from_parent(
            parent,
            timestamp=ctx.timestamp,
            gas_limit=self.block_gas_limit,
            coinbase=self.coinbase,
            extra_data=EXTRA_DATA,
            mix_hash=keccak(parent.hash + ctx.height.to_bytes(8, "big")),
        )
        self._vm = self.vm_class(
            header=header,
            chaindb=self.chaindb,
            chain_context=self.chain_context,
            consensus_context=ConsensusContext(self.db),
        )
        self._vm.block_preprocessing(self._vm.get_block())
        self._header = header
        self._system_gas, self._system_bloom = 0, 0
        self._txs, self._receipts, self._records = [], [], []

    @property
    def building(self) -> bool:
        return self._vm is not None

    @property
    def vm(self) -> PragueVM:
        if self._vm is None:
            raise RuntimeError("no block is being built")
        return self._vm

    def deliver_tx(self, ctx: BlockContext, tx: PendingTx) -> TxResult:
        evm_tx: SignedTransactionAPI = tx.decoded
        self._settle_header()
        vm, header = self.vm, self._header
        assert header is not None
        try:
            receipt, computation = vm.apply_transaction(header, evm_tx)
        except ValidationError as exc:
            # Admission checks passed, but the block's state refuses it (e.g. an earlier
            # transaction of the sender spent the funds): it is left out of the EVM block.
            return TxResult(
                tx.tx_hash,
                TxKind.EVM,
                False,
                code=MalformedTransaction.code,
                codespace="evm",
                log=f"transaction not applied: {exc}",
            )
        self._header = vm.add_receipt_to_header(header, receipt)
        self._txs.append(evm_tx)
        self._receipts.append(receipt)
        base_fee = int(header.base_fee_per_gas or 0)
        price = (
            evm_tx.gas_price
            if evm_tx.type_id in (None, 0, 1)
            else min(evm_tx.max_fee_per_gas, base_fee + evm_tx.max_priority_fee_per_gas)
        )
        contract = computation.msg.storage_address if evm_tx.to == CREATE_CONTRACT_ADDRESS else None
        record = self._record(tx.tx_hash, tx.raw, tx.sender, receipt, computation, price, contract)
        return self._result(record, computation)

    def apply_system_transaction(self, stx: SystemTransaction) -> TxResult:
        """Apply a node-made transaction (cross-VM delivery) inside the block being built: a
        receipt with its logs and gas, indexed like any transaction under its own hash."""
        computation = apply_system_transaction(self.vm.state, stx)
        gas_used = stx.gas - computation.get_gas_remaining()
        logs = [
            _LogEntry(bytes(a), tuple(t), bytes(d)) for a, t, d in computation.get_log_entries()
        ]
        receipt = self._add_system_receipt(gas_used, logs)
        record = self._record(stx.hash, stx.encode(), stx.sender, receipt, computation, 0, None)
        return self._result(record, computation)

    def _add_system_receipt(self, gas_used: int, logs: list[_LogEntry]) -> _SystemReceipt:
        """A system receipt's cumulative gas and bloom, kept aside until ``_settle_header``."""
        assert self._header is not None
        self._system_gas += gas_used
        bloom = 0
        for log in logs:
            bloom |= _bloom_bits(log.address)
            for topic in log.topics:
                bloom |= _bloom_bits(topic.to_bytes(32, "big"))
        self._system_bloom |= bloom
        return _SystemReceipt(self._header.gas_used + self._system_gas, logs)

    def _settle_header(self) -> None:
        """Fold the system receipts' gas and bloom into the header being built."""
        if self._header is not None and (self._system_gas or self._system_bloom):
            self._header = self._header.copy(
                bloom=int(self._header.bloom) | self._system_bloom,
                gas_used=self._header.gas_used + self._system_gas,
            )
            self._system_gas, self._system_bloom = 0, 0

    # -- x/crossvm's expected EVM (deliveries of asynchronous messages) -------------------------

    def deliver_call(
        self,
        block: BlockContext,
        message_id: int,
        sender: bytes,
        target: bytes,
        value: int,
        data: bytes,
        gas_limit: int,
    ) -> DeliveryResult:
        """A cross-VM message delivered as a system transaction from ``sender``."""
        stx = SystemTransaction(
            source=message_id.to_bytes(8, "big"),
            sender=sender,
            to=target,
            value=value,
            data=data,
            gas=gas_limit,
        )
        result = self.apply_system_transaction(stx)
        return DeliveryResult(
            success=result.success,
            data=result.data,
            gas_used=result.gas_used,
            error=result.log,
            tx_hash=result.tx_hash,
        )

    def add_system_receipt(
        self, block: BlockContext, source: bytes, logs: list[PrecompileLog]
    ) -> bytes:
        """A receipt of a system transaction from 0x901 to itself that carries ``logs`` (the
        x/crossvm EndBlocker's events), so EVM clients see them with ``eth_getLogs``."""
        address = bytes(18) + b"\x09\x01"
        stx = SystemTransaction(source=source, sender=address, to=address, value=0, data=b"", gas=0)
        entries = [
            _LogEntry(address, tuple(int.from_bytes(t, "big") for t in log.topics), log.data)
            for log in logs
        ]
        receipt = self._add_system_receipt(0, entries)
        self._record(stx.hash, stx.encode(), address, receipt, _NoComputation(), 0, None)  # type: ignore[arg-type]
        return stx.hash

    def has_code(self, address: bytes) -> bool:
        return bool(self.read_state().get_code(Address(address)))

    def close_transaction(self) -> None:
        if self._vm is not None:
            self._vm.state.lock_changes()

    def _record(
        self,
        tx_hash: bytes,
        raw: bytes,
        sender: bytes,
        receipt: Any,
        computation: ComputationAPI,
        gas_price: int,
        contract: bytes | None,
    ) -> TxRecord:
        previous = self._records[-1].cumulative_gas_used if self._records else 0
        log_start = (
            self._records[-1].log_index_start + len(self._records[-1].logs) if self._records else 0
        )
        revert = computation.output if computation.is_error else b""
        record = TxRecord(
            hash=tx_hash,
            raw=raw,
            sender=sender,
            block_number=self.vm.get_header().block_number,
            index=len(self._records),
            status=0 if computation.is_error else 1,
            gas_used=receipt.gas_used - previous,
            cumulative_gas_used=receipt.gas_used,
            effective_gas_price=gas_price,
            contract_address=contract if not computation.is_error else None,
            logs=[
                LogRecord(
                    bytes(log.address),
                    tuple(t.to_bytes(32, "big") for t in log.topics),
                    bytes(log.data),
                )
                for log in receipt.logs
            ],
            revert_data=bytes(revert),
            log_index_start=log_start,
        )
        self._records.append(record)
        return record

    @staticmethod
    def _result(record: TxRecord, computation: ComputationAPI) -> TxResult:
        error = ""
        if computation.is_error:
            err = computation.error
            error = (
                f"execution reverted: {revert_reason(computation.output)}"
                if isinstance(err, Revert)
                else f"{type(err).__name__}: {err}"
            )
        return TxResult(
            tx_hash=record.hash,
            kind=TxKind.EVM,
            success=not computation.is_error,
            gas_used=record.gas_used,
            code=0 if not computation.is_error else 2,
            codespace="" if not computation.is_error else "evm",
            log=error,
            data=bytes(computation.output),
            details={"index": record.index},
        )

    def commit(self, ctx: BlockContext, store: KVStore) -> dict[str, Any]:
        if self._vm is None:  # genesis: sealed by init_genesis
            return {"header": self._sealed, "records": []}
        self._settle_header()
        vm, header = self._vm, self._header
        assert header is not None
        block = vm.set_block_transactions_and_withdrawals(
            vm.get_block(), header, self._txs, self._receipts
        )
        block = vm.compute_requests_hash(block)
        sealed = vm.finalize_block(block).block
        self.chaindb.persist_block(sealed)
        for record in self._records:
            record.block_hash = bytes(sealed.hash)
        self.index.put_block(sealed.number, self._records)
        self._sealed = sealed.header
        return {"header": sealed.header, "records": list(self._records)}

    def block_hash(self) -> bytes | None:
        return bytes(self._sealed.hash) if self._sealed is not None else None

    def after_commit(self, ctx: BlockContext) -> None:
        self._head = self._sealed
        self._sealed = None
        self._vm = None
        self._header = None
        self._txs, self._receipts, self._records = [], [], []
        self._read_state = None

    def revert_block(self) -> None:
        self._sealed = None
        self._vm = None
        self._header = None
        self._txs, self._receipts, self._records = [], [], []
        self._read_state = None

    # -- API ------------------------------------------------------------------------------------

    def register_api(self, api: ApiRegistry, node: NodeServices) -> None:
        from vms.evm.rpc import register_eth_api

        register_eth_api(api, node, self, client_version=CLIENT_VERSION, sandbox=self.sandbox)

    # -- reads ----------------------------------------------------------------------------------

    def header_by_number(self, number: int) -> BlockHeaderAPI | None:
        try:
            return self.chaindb.get_canonical_block_header_by_number(BlockNumber(number))
        except HeaderNotFound:
            return None

    def header_by_hash(self, block_hash: bytes) -> BlockHeaderAPI | None:
        try:
            header = self.chaindb.get_block_header_by_hash(Hash32(block_hash))
        except HeaderNotFound:
            return None
        return header

    def state_at(self, header: BlockHeaderAPI) -> StateAPI:
        """A read-only view of the state after ``header`` (writes to it are never persisted)."""
        return self.vm_class.build_state(self.db, header, self.chain_context, ())

    def read_state(self) -> StateAPI:
        """The state of the running precompile frame, else the block being built, else the head."""
        if self._frame_states:
            return self._frame_states[-1]
        if self._vm is not None:
            return self._vm.state
        if self._read_state is None:
            self._read_state = self.state_at(self.head)
        return self._read_state

    # -- the account ledger of 20-byte accounts (the bank's view) ------------------------------

    def get_balance(self, address: bytes) -> int:
        return int(self.read_state().get_balance(Address(address)))

    def _write_state(self) -> StateAPI:
        return self._frame_states[-1] if self._frame_states else self.vm.state

    def set_balance(self, address: bytes, value: int) -> None:
        state = self._write_state()
        state.materialize_layers()  # type: ignore[attr-defined]
        state.set_balance(Address(address), value)

    def get_nonce(self, address: bytes) -> int:
        return int(self.read_state().get_nonce(Address(address)))

    def increment_nonce(self, address: bytes) -> None:
        state = self._write_state()
        state.materialize_layers()  # type: ignore[attr-defined]
        state.increment_nonce(Address(address))

    def snapshot(self) -> Any:
        """A ledger layer over the EVM state and every side store (``machine.LedgerLayer``)."""
        return self._write_state().open_layer()  # type: ignore[attr-defined]

    def commit_snapshot(self, token: Any) -> None:
        token.state.close_layer(token, keep=True)

    def revert_snapshot(self, token: Any) -> None:
        token.state.close_layer(token, keep=False)

    # -- Python precompiles (x/crossvm's 0x901) -------------------------------------------------

    def register_precompile(self, address: bytes, handler: PrecompileHandler) -> None:
        """Answer calls to ``address`` with ``handler``; see ``machine.python_precompile``."""
        self.precompiles.register(address, python_precompile(address, handler, self._frame_states))


@dataclass(frozen=True)
class _LogEntry:
    """A log as ``_record`` reads it (py-evm's ``Log`` without its RLP machinery)."""

    address: bytes
    topics: tuple[int, ...]
    data: bytes


@dataclass(frozen=True)
class _SystemReceipt:
    """What ``_record`` reads of a system transaction's receipt: cumulative gas and logs."""

    gas_used: int
    logs: list[_LogEntry]


@functools.lru_cache(maxsize=4096)
def _bloom_bits(value: bytes) -> int:
    """The three bits ``value`` sets in a logs bloom (as eth_bloom computes them)."""
    digest = bytes(keccak(value))
    bits = 0
    for i in (0, 2, 4):
        bits |= 1 << (int.from_bytes(digest[i : i + 2], "big") & 2047)
    return bits


class _NoComputation:
    """What ``_record`` reads of a computation, for a receipt that ran no code."""

    is_error = False
    output = b""
    msg = None


def _account(balance: int) -> dict[str, Any]:
    return {"balance": balance, "nonce": 0, "code": b"", "storage": {}}
