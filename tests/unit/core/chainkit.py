"""An in-process chain for unit tests: the composed application over a LevelDB in a temp dir.

Blocks are built by hand (``mine``) with deterministic timestamps; extra modules (test modules)
are appended to the composition through ``Application.set_modules``, taking over the transaction
kinds they route (a recorder routing Solana transactions replaces the SVM).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from qorenode.composition import Composition, compose
from qorenode.genesis import load_genesis
from qorenode.interfaces import BlockNotice, Module, PendingTx, TxKind
from qorenode.keys import KeyPair, dev_key
from qorenode.native_tx import build_native_tx, sign_native_tx
from qorenode.store import Database
from tests.fixtures.contracts import Contract, load_contract

ModuleFactory = Callable[[Composition], Module]

GAS_PRICE = 2 * 10**9


def selector(signature: str) -> bytes:
    return bytes(keccak(signature.encode()))[:4]


def calldata(signature: str, *args: Any) -> bytes:
    """ABI calldata for ``signature`` such as ``"add(uint256)"``."""
    types = signature[signature.index("(") + 1 : -1]
    arg_types = [t for t in types.split(",") if t]
    return selector(signature) + (abi_encode(arg_types, list(args)) if arg_types else b"")


def error_string(message: str) -> bytes:
    """ABI ``Error(string)`` revert data."""
    return selector("Error(string)") + abi_encode(["string"], [message])


class Chain:
    """The composed node application, driven block by block."""

    def __init__(
        self,
        path: Path,
        extra: Sequence[ModuleFactory] = (),
        genesis: dict[str, Any] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.path = path
        self.cache_dir = cache_dir
        self.genesis: dict[str, Any] = copy.deepcopy(genesis or load_genesis())
        self.extra_factories = list(extra)
        self.database: Database | None = None
        self.comp: Composition | None = None
        self.extra: list[Module] = []
        self._nonces: dict[bytes, int] = {}
        self.open()

    # -- lifecycle ----------------------------------------------------------------------------

    def open(self) -> None:
        self.database = Database(self.path)
        comp = compose(self.database, self.genesis, self.cache_dir)
        self.extra = [factory(comp) for factory in self.extra_factories]
        if self.extra:
            # a test module that routes a kind takes it over from the module that routes it
            taken = {kind for module in self.extra for kind in module.tx_kinds()}
            kept = [m for m in comp.app.modules if not taken & set(m.tx_kinds())]
            comp.app.set_modules([*kept, *self.extra])
        self.comp = comp
        comp.app.start(self.genesis)

    def close(self) -> None:
        if self.database is not None:
            self.database.close()
            self.database = None

    def restart(self) -> None:
        self.close()
        self.open()

    @property
    def db(self) -> Database:
        assert self.database is not None
        return self.database

    @property
    def app(self) -> Any:
        assert self.comp is not None
        return self.comp.app

    @property
    def evm(self) -> Any:
        assert self.comp is not None
        return self.comp.evm

    @property
    def bank(self) -> Any:
        assert self.comp is not None
        return self.comp.bank

    @property
    def svm(self) -> Any:
        assert self.comp is not None
        return self.comp.svm

    # -- transactions -------------------------------------------------------------------------

    def _next_nonce(self, address: bytes, nonce: int | None) -> int:
        if nonce is None:
            nonce = self._nonces.get(address, self.evm.get_nonce(address))
        self._nonces[address] = nonce + 1
        return nonce

    def evm_tx(
        self,
        key: KeyPair,
        to: bytes | None,
        data: bytes = b"",
        value: int = 0,
        gas: int = 1_000_000,
        nonce: int | None = None,
    ) -> PendingTx:
        tx = {
            "type": 2,
            "chainId": self.genesis["evm_chain_id"],
            "nonce": self._next_nonce(key.address, nonce),
            "value": value,
            "gas": gas,
            "maxFeePerGas": GAS_PRICE,
            "maxPriorityFeePerGas": 10**9,
            "data": data,
        }
        if to is not None:
            tx["to"] = to_checksum_address(to)
        raw = bytes(Account.sign_transaction(tx, key.private_key).raw_transaction)
        assert self.comp is not None
        pending = self.comp.decode(TxKind.EVM, raw)
        self.app.check_tx(pending)
        return pending

    def native_tx(
        self,
        key: KeyPair,
        msgs: Sequence[dict[str, Any]],
        nonce: int | None = None,
        gas_limit: int = 2_000_000,
    ) -> PendingTx:
        body = build_native_tx(
            self.genesis["chain_id"],
            key.address,
            self._next_nonce(key.address, nonce),
            msgs,
            gas_limit=gas_limit,
        )
        assert self.comp is not None
        pending = self.comp.decode(TxKind.NATIVE, sign_native_tx(body, key.private_key))
        self.app.check_tx(pending)
        return pending

    def next_timestamp(self) -> int:
        return self.app.next_timestamp(int(self.genesis["genesis_time"]))

    def mine(self, *txs: PendingTx) -> BlockNotice:
        try:
            notice: BlockNotice = self.app.build_block(list(txs), self.next_timestamp())
        finally:
            self._nonces.clear()
        return notice

    def deploy(self, name: str, key: KeyPair | None = None, args: bytes = b"") -> bytes:
        """Deploy a compiled contract in its own block; its address."""
        contract: Contract = load_contract(name)
        tx = self.evm_tx(key or dev_key(0), None, contract.bytecode + args, gas=3_000_000)
        notice = self.mine(tx)
        assert notice.results[0].success, notice.results[0].log
        record = self.evm.index.tx(tx.tx_hash)
        assert record is not None and record.contract_address is not None
        return bytes(record.contract_address)

    def storage(self, address: bytes, slot: int) -> int:
        return int(self.evm.read_state().get_storage(address, slot))
