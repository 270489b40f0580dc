"""The SVM on LiteSVM (solders): accounts persisted in LevelDB, slots and blockhashes the node's.

One LiteSVM instance lives in the node. The node owns what LiteSVM cannot keep across restarts or
blocks, and checks what it checks once rather than twice:

* signatures: verified once, at admission (``decode_transaction``, Solana's -32003 before the
  mempool); LiteSVM's own check is off for the transactions the node verified (and for the
  deliveries it signs itself), and on for any other (``simulate``, ``SolanaTx.verified``);
  ``simulate_request`` (``simulateTransaction``) runs unsigned transactions too, as Solana's
  ``sigVerify: false`` does, and never admits anything;

* the slot and clock: ``genesis_slot + height`` and the block time, set at BeginBlock;
* the recent-blockhash window: one blockhash per block, the last ``BLOCKHASH_WINDOW`` (150) valid;
  LiteSVM's own check is off, the node checks at admission and again at delivery;
* replay protection: a signature already in the chain (or earlier in the same block) is refused;
  the signatures of the blocks a valid blockhash can precede are kept in memory, older ones (and
  those committed before a restart) are looked up in the store;
* persistence: after each transaction the accounts it could write are marked; Commit writes them
  as ``bytes(Account)`` into the block's batch; a start loads them all back (non-executable
  accounts, program-data among them, before executable ones); a block that fails to build reloads
  LiteSVM from LevelDB.

State (prefix ``svm/``):

    acct/<pubkey:32>        bytes(Account) (solders' bincode)
    tx/<signature:64>       the transaction and its result (``encode_record``: a binary head, the
                            transaction, its balances, log lines and inner instructions, JSON only
                            for an error, return data or cross-VM ids; version-1 records (no inner
                            instructions) and records written as one JSON object by earlier
                            versions are still read)
    blockhash/<height:8>    the blockhash of that block (the last BLOCKHASH_WINDOW kept)
    block/<height:8>        the block (JSON): blockhash, previous blockhash, parent slot, time,
                            its Solana transactions' signatures in order (``getBlock``)
    sigaddr/<pubkey:32><~slot:8><~index:4><signature:64>
                            empty; one per static account key of each transaction, newest first
                            (slot and index inverted) for ``getSignaturesForAddress``
    genesis_hash            the blockhash of block 0 (Solana's ``getGenesisHash``)
    tx_count                transactions in committed blocks (8 bytes; ``getTransactionCount``)

x/crossvm (``set_crossvm_queue``): a transaction that can reach the bridge program is simulated
first and its ``Submit`` instructions (top-level and CPI) checked by x/crossvm; a refused one is not
executed (a failed, fee-less record); an executed one has its Submits queued. ``deliver_call``
runs a cross-VM message on a program through the bridge's ``Deliver``, signed by the CrossVM
authority and recorded like any transaction (``vms.svm.bridge`` holds the bridge's encodings).

The Solana JSON-RPC API (``vms.svm.rpc``) is registered by ``register_api``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from pathlib import Path
from typing import Any

import trio
from solders.account import Account
from solders.address_lookup_table_account import AddressLookupTable
from solders.hash import Hash
from solders.litesvm import LiteSVM
from solders.message import Message, MessageV0, MessageV1
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

from qorenode import jsonenc
from qorenode.errors import InternalError
from qorenode.genesis import REPO_ROOT, InvalidGenesis, crossvm_authority_keypair
from qorenode.interfaces import (
    ApiRegistry,
    BlockContext,
    BridgeSubmission,
    DeliveryResult,
    KVStore,
    Module,
    NodeError,
    NodeServices,
    PendingTx,
    TxKind,
    TxResult,
)
from qorenode.store import prefix_end
from vms.svm.bridge import (
    AuthoritySigner,
    CrossVmQueue,
    alias_address,
    deliver_transaction,
    iter_submissions,
    resolve_account_keys,
)
from vms.svm.errors import (
    AlreadyProcessed,
    BlockhashNotFound,
    InvalidTransaction,
    SignatureFailure,
    TransactionFailed,
)
from vms.svm.spl_token import (
    MINT_DECIMALS_OFFSET,
    TOKEN_PROGRAM_KEYS,
    is_initialized_token_account,
    token_account_amount,
    unpacks_as_mint,
)

BLOCKHASH_WINDOW = 150  # blocks a blockhash stays valid, as on Solana
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
UPGRADEABLE_LOADER = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
MAX_TRANSACTION_SIZE = 1232  # bytes, Solana's packet limit
DEFAULT_COMPUTE_UNITS = 200_000
DELIVERY_LOG_LINES = 5  # log lines a failed delivery's error keeps


@dataclass(frozen=True, slots=True)
class SolanaTx:
    """A decoded Solana transaction as the mempool keeps it."""

    tx: VersionedTransaction
    signature: bytes
    payer: bytes
    recent_blockhash: bytes
    verified: bool = False  # its signatures were verified (``decode_transaction`` does)
    preflight: bool = False  # ``check_tx`` also simulates it (sendTransaction's preflight)
    message: Any = None  # ``tx.message`` and its static account keys, read once (solders
    keys: Sequence[Pubkey] = ()  # copies them out of the transaction on every access)

    def the_message(self) -> Any:
        return self.tx.message if self.message is None else self.message

    def account_keys(self, message: Any) -> Sequence[Pubkey]:
        return self.keys or message.account_keys


class PreflightFailed(TransactionFailed):
    """The preflight simulation of a transaction failed; ``outcome`` is the simulation's
    ``FailedTransactionMetadata`` (sendTransaction answers Solana's -32002 from it)."""

    def __init__(self, outcome: FailedTransactionMetadata) -> None:
        super().__init__(str(outcome.err()))
        self.outcome = outcome


@dataclass(frozen=True, slots=True)
class Simulation:
    """``simulate_request``'s answer: LiteSVM's outcome (``SimulatedTransactionInfo`` or
    ``FailedTransactionMetadata``; None if the transaction was refused before it ran), its Solana
    error (JSON) if any, and, if the recent blockhash was replaced, ``(blockhash, last valid block
    height)``."""

    outcome: Any
    err: Any
    replacement: tuple[bytes, int] | None = None


class SvmModule(Module):
    """LiteSVM behind the module interface: Solana transactions, accounts, slots, blockhashes."""

    name = "svm"

    def __init__(self, store: KVStore, genesis_slot: int = 0) -> None:
        self._store = store
        self.genesis_slot = genesis_slot
        self.svm = self._fresh_svm()
        self._touched: set[bytes] = set()
        self._block_signatures: set[bytes] = set()
        self._window: dict[bytes, int] = {}  # blockhash -> height
        self._latest: tuple[bytes, int] = (bytes(32), 0)  # (blockhash, height)
        self._records: list[_Record] = []
        # replay protection in memory: the signatures committed at each height >= _tracked_from
        # (the heights a valid blockhash can precede; older ones are dropped)
        self._recent: dict[int, list[bytes]] = {}
        self._recent_signatures: set[bytes] = set()
        self._tracked_from = 0
        self._pending_blockhash: tuple[bytes, int] = self._latest
        self.bridge_program_id: Pubkey | None = None
        self.crossvm_authority: Pubkey | None = None
        self._authority: AuthoritySigner | None = None
        self._queue: CrossVmQueue | None = None
        self._next_index = 0  # the position of the block's next delivery record

    @staticmethod
    def _fresh_svm() -> LiteSVM:
        # the node checks blockhashes and replays itself (its window survives restarts), and
        # signatures once, at admission (``decode_transaction``): LiteSVM's check is off and
        # turned on only for a transaction the node has not verified (``_send``, ``simulate``);
        # LiteSVM's own history of transactions is off (the node keeps its own, ``tx/``)
        svm = LiteSVM().with_blockhash_check(False).with_sigverify(False)
        return svm.with_transaction_history(0)

    # -- genesis and start ----------------------------------------------------------------------

    def init_genesis(self, ctx: BlockContext, genesis: Mapping[str, Any]) -> None:
        section = genesis.get("svm") or {}
        for entry in section.get("accounts", []):
            pubkey = Pubkey.from_string(entry["pubkey"])
            account = Account(
                lamports=int(entry["lamports"]),
                data=base64.b64decode(entry.get("data", "")),
                owner=Pubkey.from_string(entry.get("owner", str(SYSTEM_PROGRAM))),
                executable=bool(entry.get("executable", False)),
                rent_epoch=0,
            )
            self.svm.set_account(pubkey, account)
            self._touched.add(bytes(pubkey))
        for entry in section.get("programs", []):
            self.deploy_genesis_program(
                Pubkey.from_string(entry["program_id"]), genesis_program_bytes(entry)
            )
        self._read_genesis_ids(genesis)
        self.begin_block(ctx)

    def deploy_genesis_program(self, program_id: Pubkey, elf: bytes) -> None:
        """Deploy ``elf`` at ``program_id`` under the upgradeable loader (no upgrade authority):
        LiteSVM writes the Program and ProgramData accounts; both are persisted at Commit."""
        try:
            self.svm.add_program(program_id, elf)
        except Exception as exc:  # solders raises its own error types for a bad ELF
            raise InvalidGenesis(f"genesis program {program_id} does not load: {exc}") from None
        program_data = Pubkey.find_program_address([bytes(program_id)], UPGRADEABLE_LOADER)[0]
        self._touched.update((bytes(program_id), bytes(program_data)))

    def _read_genesis_ids(self, genesis: Mapping[str, Any]) -> None:
        section = genesis.get("svm") or {}
        bridge = section.get("bridge_program_id")
        authority = section.get("crossvm_authority")
        self.bridge_program_id = None if bridge is None else Pubkey.from_string(bridge)
        self.crossvm_authority = None if authority is None else Pubkey.from_string(authority)
        self._authority = None
        if self.crossvm_authority is not None:
            keypair = crossvm_authority_keypair()  # native/svm/authority.json
            if keypair.pubkey() != self.crossvm_authority:
                raise InvalidGenesis(
                    f"svm.crossvm_authority {self.crossvm_authority} is not the key the node holds "
                    f"(native/svm/authority.json: {keypair.pubkey()})"
                )
            self._authority = AuthoritySigner(keypair)

    def set_crossvm_queue(self, queue: CrossVmQueue | None) -> None:
        """Hand the bridge's Submits to x/crossvm (None: the SVM sends no cross-VM messages)."""
        self._queue = queue

    def load(self, genesis: Mapping[str, Any]) -> None:
        self.svm = self._load_svm()
        self._load_window()
        self._read_genesis_ids(genesis)
        # what was committed before this start is looked up in the store (``_replayed``)
        self._recent.clear()
        self._recent_signatures.clear()
        self._tracked_from = self._latest[1] + 1

    def _load_svm(self) -> LiteSVM:
        """A LiteSVM with every persisted account: data accounts first, then programs."""
        svm = self._fresh_svm()
        programs: list[tuple[Pubkey, Account]] = []
        for key, value in self._store.iterate(b"acct/", prefix_end(b"acct/")):
            pubkey, account = Pubkey.from_bytes(key[5:]), Account.from_bytes(value)
            if account.executable:
                programs.append((pubkey, account))
            else:
                svm.set_account(pubkey, account)
        for pubkey, account in programs:
            svm.set_account(pubkey, account)
        return svm

    def _load_window(self) -> None:
        self._window.clear()
        for key, value in self._store.iterate(b"blockhash/", prefix_end(b"blockhash/")):
            height = struct.unpack(">Q", key[len(b"blockhash/") :])[0]
            self._window[value] = height
            if height >= self._latest[1]:
                self._latest = (value, height)

    # -- blocks ---------------------------------------------------------------------------------

    def slot(self, height: int) -> int:
        return self.genesis_slot + height

    def begin_block(self, ctx: BlockContext) -> None:
        slot = self.slot(ctx.height)
        if slot != self.svm.get_clock().slot:
            self.svm.warp_to_slot(slot)  # also the first time: LiteSVM starts at its own slot
        clock = self.svm.get_clock()
        clock.unix_timestamp = ctx.timestamp
        self.svm.set_clock(clock)
        self._block_signatures.clear()
        self._next_index = 0

    def commit(self, ctx: BlockContext, store: KVStore) -> dict[str, Any]:
        transactions: list[dict[str, Any]] = []  # what the block ran, for subscriptions
        store_set = self._store.set
        for record in self._records:
            signature, details, error_json, _, _, _, position, _, account_keys, _, _ = record
            store_set(b"tx/" + signature, encode_record(record))
            # the address index: one entry per account key (lookup-table ones too), newest first
            order = _ORDER.pack(2**64 - 1 - details["slot"], 2**32 - 1 - position)
            keys = list(dict.fromkeys(account_keys))
            for key in keys:
                store_set(b"sigaddr/" + key + order + signature, b"")
            transactions.append(
                {
                    "signature": details["signature"],
                    "err": error_json if details["err"] is not None else None,
                    "logs": details["logs"],
                    "accounts": [key_text(k) for k in keys],
                }
            )
        accounts: dict[str, bytes | None] = {}  # what the block wrote, for subscriptions
        get_account = self.svm.get_account
        for key in sorted(self._touched):
            account = get_account(Pubkey.from_bytes(key))
            if account is None or account.lamports == 0:
                self._store.delete(b"acct/" + key)
                accounts[key_text(key)] = None
            else:
                data = bytes(account)
                store_set(b"acct/" + key, data)
                accounts[key_text(key)] = data
        blockhash = self._next_blockhash(ctx)
        self._store.set(
            b"block/" + struct.pack(">Q", ctx.height),
            json.dumps(
                {
                    "blockhash": str(Hash(blockhash)),
                    "previous_blockhash": str(Hash(self._latest[0])),
                    "parent_slot": self.slot(max(ctx.height - 1, 0)),
                    "block_time": ctx.timestamp,
                    "signatures": [t["signature"] for t in transactions],
                }
            ).encode(),
        )
        self._store.set(b"blockhash/" + struct.pack(">Q", ctx.height), blockhash)
        if self._records:
            count = self.transaction_count() + len(self._records)
            self._store.set(b"tx_count", struct.pack(">Q", count))
        if ctx.height == 0:
            self._store.set(b"genesis_hash", blockhash)
        expired = ctx.height - BLOCKHASH_WINDOW
        if expired >= 0:
            self._store.delete(b"blockhash/" + struct.pack(">Q", expired))
        self._pending_blockhash = (blockhash, ctx.height)
        return {
            "slot": self.slot(ctx.height),
            "parent_slot": self.slot(max(ctx.height - 1, 0)),
            "blockhash": str(Hash(blockhash)),
            "transactions": transactions,
            "accounts": accounts,
        }

    def _next_blockhash(self, ctx: BlockContext) -> bytes:
        seed = struct.pack(">QQ", ctx.height, ctx.timestamp) + self._latest[0]
        return hashlib.sha256(b"qorenode/svm/blockhash" + ctx.chain_id.encode() + seed).digest()

    def after_commit(self, ctx: BlockContext) -> None:
        blockhash, height = self._pending_blockhash
        self._window[blockhash] = height
        self._latest = (blockhash, height)
        for old in [h for h, at in self._window.items() if at <= height - BLOCKHASH_WINDOW]:
            del self._window[old]
        signatures = [record[0] for record in self._records]
        if signatures:
            self._recent[height] = signatures
            self._recent_signatures.update(signatures)
        # a transaction is committed after its blockhash's block: once that blockhash has left
        # the window, nothing committed at or before its height can be replayed unnoticed
        for gone in [at for at in self._recent if at <= height - BLOCKHASH_WINDOW]:
            self._recent_signatures.difference_update(self._recent.pop(gone))
        self._touched.clear()
        self._records.clear()
        self._block_signatures.clear()
        self._next_index = 0

    def revert_block(self) -> None:
        """Building the block failed: LiteSVM has no undo, so reload it from the last commit."""
        self._touched.clear()
        self._records.clear()
        self._block_signatures.clear()
        self._next_index = 0
        self.svm = self._load_svm()

    # -- transactions ---------------------------------------------------------------------------

    def tx_kinds(self) -> Sequence[TxKind]:
        return (TxKind.SOLANA,)

    def decode_transaction(self, raw: bytes, *, preflight: bool = False) -> SolanaTx:
        """Deserialize, sanitize and verify ``raw`` (the node's one signature check of a user
        transaction); ``preflight``: ``check_tx`` is to simulate it too."""
        if len(raw) > MAX_TRANSACTION_SIZE:
            raise InvalidTransaction(
                f"transaction too large: {len(raw)} bytes (max {MAX_TRANSACTION_SIZE})"
            )
        try:
            tx = VersionedTransaction.from_bytes(raw)
            tx.sanitize()
        except Exception as exc:  # solders raises its own error types for every defect
            raise InvalidTransaction(f"failed to deserialize transaction: {exc}") from None
        if not all(tx.verify_with_results()):
            raise SignatureFailure("transaction signature verification failure")
        message = tx.message
        keys = tuple(message.account_keys)  # a tuple of keys: not tracked by the cyclic GC
        return SolanaTx(
            tx=tx,
            signature=bytes(tx.signatures[0]),
            payer=bytes(keys[0]),
            recent_blockhash=bytes(message.recent_blockhash),
            verified=True,
            preflight=preflight,
            message=message,
            keys=keys,
        )

    def pending_tx(self, raw: bytes, *, preflight: bool = False) -> PendingTx:
        """``raw`` decoded and verified for the mempool (``preflight``: see ``SolanaTx``)."""
        decoded = self.decode_transaction(raw, preflight=preflight)
        return PendingTx(
            kind=TxKind.SOLANA,
            tx_hash=decoded.signature,
            raw=raw,
            decoded=decoded,
            sender=decoded.payer,
            nonce=0,
            gas_limit=DEFAULT_COMPUTE_UNITS,
        )

    def check_tx(self, tx: PendingTx) -> None:
        """Admission: the blockhash window and replays; x/crossvm's check of the Submits of a
        transaction that can reach the bridge; the preflight simulation if asked for (in the same
        worker call as the mempool's admission: one hop for sendTransaction)."""
        decoded: SolanaTx = tx.decoded
        self._check(decoded)
        queue = self._queue
        if queue is not None:
            message = decoded.the_message()
            if self._reaches_bridge(message, decoded.account_keys(message)):
                found = self._simulated_submissions(decoded.tx, decoded.verified)
                submissions = [s for _, s in found]
                if submissions:
                    queue.check_svm_submissions(submissions)  # refused at once
        if decoded.preflight:
            outcome = self.simulate(decoded.tx, verified=decoded.verified)
            if isinstance(outcome, FailedTransactionMetadata):
                raise PreflightFailed(outcome)

    def _reaches_bridge(self, message: Any, keys: Sequence[Pubkey]) -> bool:
        """``bridge.may_reach_bridge`` on keys already read."""
        bridge = self.bridge_program_id
        if bridge is None:
            return False
        if not isinstance(message, Message) and message.address_table_lookups:
            return True
        return bridge in keys

    def _check(self, decoded: SolanaTx) -> None:
        height = self._window.get(decoded.recent_blockhash)
        if height is None:
            raise BlockhashNotFound("Blockhash not found")
        if self._replayed(decoded.signature, height):
            raise AlreadyProcessed("This transaction has already been processed")

    def _replayed(self, signature: bytes, blockhash_height: int) -> bool:
        """A transaction whose recent blockhash is of ``blockhash_height`` (in the window) was
        committed already, or earlier in this block. It can only have been committed after that
        block: the signatures kept in memory answer, unless that reaches back before this start."""
        if signature in self._block_signatures or signature in self._recent_signatures:
            return True
        return blockhash_height + 1 < self._tracked_from and self.processed(signature)

    def deliver_tx(self, ctx: BlockContext, tx: PendingTx) -> TxResult:
        decoded: SolanaTx = tx.decoded
        try:
            self._check(decoded)
        except (BlockhashNotFound, AlreadyProcessed) as exc:
            return TxResult(
                tx.tx_hash,
                TxKind.SOLANA,
                False,
                code=exc.code,
                codespace=exc.codespace,
                log=exc.message,
            )
        message = decoded.the_message()
        keys = decoded.account_keys(message)
        reaches = self._reaches_bridge(message, keys)
        result, _ = self._execute(
            ctx,
            decoded.tx,
            decoded.signature,
            ctx.tx_index,
            reaches,
            decoded.verified,
            message,
            keys,
        )
        return result

    def _execute(
        self,
        ctx: BlockContext,
        tx: VersionedTransaction,
        signature: bytes,
        index: int,
        reaches_bridge: bool,
        verified: bool,
        message: Any = None,
        keys: Sequence[Pubkey] = (),
    ) -> tuple[TxResult, bytes]:
        """Run one transaction (a user's or a delivery) in the block and record it; its result
        and return data. ``verified``: its signatures are known good (LiteSVM need not check
        them). One that may reach the bridge while x/crossvm listens is simulated
        first: if x/crossvm refuses its Submits it is not executed (a failed, fee-less record);
        once executed, its Submits are queued and their ids kept (``crossvm_message_ids``)."""
        self._block_signatures.add(signature)
        self._next_index = max(self._next_index, index + 1)
        queue = self._queue if reaches_bridge else None
        if queue is not None:
            found = self._simulated_submissions(tx, verified)
            if found:
                try:
                    queue.check_svm_submissions([s for _, s in found])
                except NodeError as exc:
                    return self._refuse(ctx, tx, signature, index, exc, found[0][0]), b""
        if message is None:
            message = tx.message
        if not keys:
            keys = message.account_keys
        # tuples of atoms: the block's records add nothing for the cyclic GC to follow
        key_bytes = tuple([bytes(key) for key in keys])
        writable = _writable_flags(message.header, len(keys))
        loaded: tuple[tuple[bytes, ...], tuple[bytes, ...]] | None = None
        if not isinstance(message, Message) and message.address_table_lookups:
            # Solana's account list: the static keys, then the loaded writable, then readonly
            loaded = self._loaded_addresses(message.address_table_lookups)
            keys = [*keys, *(Pubkey.from_bytes(key) for key in (*loaded[0], *loaded[1]))]
            key_bytes = (*key_bytes, *loaded[0], *loaded[1])
            writable = [*writable, *([True] * len(loaded[0])), *([False] * len(loaded[1]))]
        balance = self.svm.get_balance
        pre_balances = tuple([balance(key) or 0 for key in keys])
        tokens = not TOKEN_PROGRAM_KEYS.isdisjoint(key_bytes)  # only these move token balances
        pre_tokens = self._token_balances(keys) if tokens else []
        self._touched.update(compress(key_bytes, writable))  # before: whatever LiteSVM does stays
        outcome = self._send(tx, verified)
        failed = isinstance(outcome, FailedTransactionMetadata)
        meta = outcome.meta() if failed else outcome
        # a read-only account's lamports cannot change
        post_balances = tuple(
            [
                (balance(key) or 0) if w else lamports
                for key, w, lamports in zip(keys, writable, pre_balances, strict=True)
            ]
        )
        error = str(outcome.err()) if failed else None
        compute_units = int(meta.compute_units_consumed())
        return_data = meta.return_data()
        data = b"" if return_data is None else bytes(return_data.data)
        details: dict[str, Any] = {
            "signature": str(Signature.from_bytes(signature)),
            "slot": self.genesis_slot + ctx.height,
            "err": error,
            "logs": meta.logs(),
            "fee": int(meta.fee()),
            "compute_units": compute_units,
            "return_data": None
            if not data
            else {
                "program_id": str(return_data.program_id),
                "data": base64.b64encode(data).decode(),
            },
        }
        if tokens:
            details["token_balances"] = [pre_tokens, self._token_balances(keys)]
        record: _Record = (
            signature,
            details,
            err_json(outcome.err()) if failed else None,
            pre_balances,
            post_balances,
            ctx.timestamp,
            index,
            bytes(tx),
            key_bytes,
            encode_inner_instructions(meta.inner_instructions()),
            loaded,
        )
        self._records.append(record)  # holds ``details``: the ids below are recorded too
        if failed:
            return TxResult(
                signature,
                TxKind.SOLANA,
                False,
                gas_used=compute_units,
                code=TransactionFailed.code,
                codespace=TransactionFailed.codespace,
                log=error or "",
                details=details,
            ), b""
        if queue is not None and self.bridge_program_id is not None:
            submissions = [
                s
                for _, s in iter_submissions(
                    message.instructions,
                    meta.inner_instructions(),
                    self._account_keys(tx),
                    self.bridge_program_id,
                )
            ]
            if submissions:
                ids = [int(i) for i in queue.submit_from_svm(ctx, submissions, signature)]
                details["crossvm_message_ids"] = ids
        result = TxResult(signature, TxKind.SOLANA, True, gas_used=compute_units, details=details)
        return result, data

    def _send(self, tx: VersionedTransaction, verified: bool) -> Any:
        """LiteSVM's ``send_transaction``, checking signatures unless ``verified``."""
        if verified:
            return self.svm.send_transaction(tx)
        svm = self.svm
        svm.with_sigverify(True)
        try:
            return svm.send_transaction(tx)
        finally:
            svm.with_sigverify(False)

    def simulate(self, tx: VersionedTransaction, *, verified: bool = False) -> Any:
        """LiteSVM's simulation of ``tx`` on the current state (``TransactionMetadata`` or
        ``FailedTransactionMetadata``), checking its signatures unless ``verified``."""
        if verified:
            return self.svm.simulate_transaction(tx)
        svm = self.svm
        svm.with_sigverify(True)
        try:
            return svm.simulate_transaction(tx)
        finally:
            svm.with_sigverify(False)

    def simulate_request(
        self, tx: VersionedTransaction, *, replace_blockhash: bool = False
    ) -> Simulation:
        """``simulateTransaction``: ``tx`` run on the current state and nothing kept, its
        signatures unchecked (Solana's default ``sigVerify: false``; the caller verifies them when
        asked to). As Solana's bank checks a transaction before it loads: an unknown or expired
        blockhash is ``BlockhashNotFound``, a signature already committed ``AlreadyProcessed``
        (both without running it). ``replace_blockhash``: it runs with the latest blockhash instead
        (no blockhash or replay check), returned as ``replacement``. Nothing reaches the mempool,
        x/crossvm or the block: a transaction admitted later is verified at admission as always."""
        replacement = None
        if replace_blockhash:
            blockhash, height = self._latest
            tx = with_recent_blockhash(tx, blockhash)
            replacement = (blockhash, height + BLOCKHASH_WINDOW)
        else:
            known = self._window.get(bytes(tx.message.recent_blockhash))
            if known is None:
                return Simulation(None, "BlockhashNotFound")
            if self._replayed(bytes(tx.signatures[0]), known):
                return Simulation(None, "AlreadyProcessed")
        outcome = self.simulate(tx, verified=True)
        failed = isinstance(outcome, FailedTransactionMetadata)
        return Simulation(outcome, err_json(outcome.err()) if failed else None, replacement)

    def account_keys(self, tx: VersionedTransaction) -> list[Pubkey | None]:
        """The keys ``tx``'s instruction indexes (inner ones too) refer to: static, then those
        loaded from lookup tables (None where a table or index is missing)."""
        return self._account_keys(tx)

    def _simulated_submissions(
        self, tx: VersionedTransaction, verified: bool
    ) -> list[tuple[int, BridgeSubmission]]:
        """The Submits ``tx`` would make (with their top-level instruction), simulated on LiteSVM;
        none if the simulation fails (the transaction will fail as well) or raises (its execution
        meets the same fault)."""
        bridge = self.bridge_program_id
        if bridge is None:
            return []
        try:
            outcome = self.simulate(tx, verified=verified)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # pyo3 panics are BaseException
            return []
        if isinstance(outcome, FailedTransactionMetadata):
            return []
        meta = outcome.meta()
        return list(
            iter_submissions(
                tx.message.instructions, meta.inner_instructions(), self._account_keys(tx), bridge
            )
        )

    def _refuse(
        self,
        ctx: BlockContext,
        tx: VersionedTransaction,
        signature: bytes,
        index: int,
        exc: NodeError,
        instruction: int,
    ) -> TxResult:
        """x/crossvm refused the transaction's Submits: it does not run (no fee, no state). It is
        recorded as failed, so ``getSignatureStatuses`` and ``getTransaction`` show why; its
        Solana error is ``InstructionError(<the first submitting instruction>, Custom(code))``."""
        keys = tx.message.account_keys
        balances = [self.svm.get_balance(key) or 0 for key in keys]
        details: dict[str, Any] = {
            "signature": str(tx.signatures[0]),
            "slot": self.slot(ctx.height),
            "err": exc.message,
            "logs": [f"crossvm refused ({exc.codespace} {exc.code}): {exc.message}"],
            "fee": 0,
            "compute_units": 0,
            "return_data": None,
        }
        self._records.append(
            (
                signature,
                details,
                {"InstructionError": [instruction, {"Custom": exc.code}]},
                balances,
                balances,
                ctx.timestamp,
                index,
                bytes(tx),
                [bytes(k) for k in keys],
                b"",  # it did not run: no inner instructions
                None,  # nor loaded any address
            )
        )
        return TxResult(
            signature,
            TxKind.SOLANA,
            False,
            code=exc.code,
            codespace=exc.codespace,
            log=exc.message,
            details=details,
        )

    def _account_keys(self, tx: VersionedTransaction) -> list[Pubkey | None]:
        """The keys instruction indexes refer to: static, then lookup-table addresses."""
        return resolve_account_keys(tx.message, self._table_addresses)

    def _table_addresses(self, table: Pubkey) -> list[Pubkey] | None:
        account = self.svm.get_account(table)
        if account is None:
            return None
        try:
            return list(AddressLookupTable.deserialize(bytes(account.data)).addresses)
        except Exception:  # not a lookup table: such a transaction does not load
            return None

    # -- cross-VM deliveries ----------------------------------------------------------------------

    def alias(self, source_vm: int, sender: bytes) -> bytes:
        """The alias PDA (32 bytes) of ``sender`` of ``source_vm`` under the bridge program."""
        if self.bridge_program_id is None:
            raise InternalError("genesis deploys no CrossVM bridge (svm.bridge_program_id)")
        return bytes(alias_address(self.bridge_program_id, source_vm, sender)[0])

    def program_exists(self, program: bytes) -> bool:
        """An executable account is at ``program``."""
        if len(program) != 32:
            return False
        account = self.svm.get_account(Pubkey.from_bytes(program))
        return account is not None and bool(account.executable)

    def deliver_call(
        self,
        block: BlockContext,
        message_id: int,
        source_vm: int,
        sender: bytes,
        program: bytes,
        accounts: Sequence[tuple[bytes, bool]],
        data: bytes,
        compute_limit: int,
    ) -> DeliveryResult:
        """Deliver cross-VM message ``message_id`` to ``program``: the bridge's Deliver, signed and
        paid by the CrossVM authority, the sender's alias PDA signing the target's instruction.
        Recorded like a user transaction; Submits its target makes by CPI are queued (checked by
        a simulation first when the target can reach the bridge). Never raises."""
        bridge, authority = self.bridge_program_id, self._authority
        if bridge is None or authority is None:
            return DeliveryResult(False, error="genesis sets no CrossVM bridge or authority")
        try:
            tx = deliver_transaction(
                authority,
                bridge,
                message_id,
                source_vm,
                sender,
                Pubkey.from_bytes(program),
                accounts,
                data,
                compute_limit,
            )
        except Exception as exc:  # a key or sender of the wrong length
            return DeliveryResult(False, error=f"cannot build the delivery: {exc}")
        signature = bytes(tx.signatures[0])
        if signature in self._block_signatures or self.processed(signature):
            return DeliveryResult(
                False, error=f"message {message_id} was already delivered", tx_hash=signature
            )
        reaches = program == bytes(bridge) or any(key == bytes(bridge) for key, _ in accounts)
        index = max(block.tx_index, self._next_index)
        try:
            # signed by the node just now: LiteSVM need not check the signature again
            result, return_data = self._execute(block, tx, signature, index, reaches, True)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # pyo3 panics are BaseException
            return DeliveryResult(
                False, error=f"the SVM raised {type(exc).__name__}: {exc}", tx_hash=signature
            )
        if result.success:
            return DeliveryResult(
                True, data=return_data, gas_used=result.gas_used, tx_hash=signature
            )
        if result.codespace == TransactionFailed.codespace:
            logs = list(result.details.get("logs", []))[-DELIVERY_LOG_LINES:]
            error = "; ".join([result.log, *logs])
        else:  # refused by x/crossvm
            error = f"codespace: {result.codespace}, code: {result.code}: {result.log}"
        return DeliveryResult(False, gas_used=result.gas_used, error=error, tx_hash=signature)

    def _token_balances(self, keys: Sequence[Pubkey]) -> list[list[Any]]:
        """Solana's token balances of a transaction's accounts, as they are now: ``[index, mint,
        owner, token program, amount (text), decimals]`` for each initialized SPL Token or
        Token-2022 account among ``keys`` whose mint can be read."""
        out: list[list[Any]] = []
        decimals_of: dict[bytes, int | None] = {}
        get_account = self.svm.get_account
        for index, key in enumerate(keys):
            account = get_account(key)
            if account is None:
                continue
            program = bytes(account.owner)
            if program not in TOKEN_PROGRAM_KEYS:
                continue
            data = bytes(account.data)
            if not is_initialized_token_account(program, data):
                continue
            mint = data[:32]
            if mint not in decimals_of:
                decimals_of[mint] = self._mint_decimals(mint)
            decimals = decimals_of[mint]
            if decimals is not None:
                amount = str(token_account_amount(data))
                owner = key_text(data[32:64])
                out.append([index, key_text(mint), owner, key_text(program), amount, decimals])
        return out

    def _mint_decimals(self, mint: bytes) -> int | None:
        """An initialized SPL Token or Token-2022 mint's decimals; None for anything else."""
        account = self.svm.get_account(Pubkey.from_bytes(mint))
        if account is None or bytes(account.owner) not in TOKEN_PROGRAM_KEYS:
            return None
        data = bytes(account.data)
        return data[MINT_DECIMALS_OFFSET] if unpacks_as_mint(data) else None

    def _loaded_addresses(
        self, lookups: Sequence[Any]
    ) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
        """The writable and the readonly addresses a v0 message loads from lookup tables, in
        Solana's order (every table's writable ones, then every table's readonly ones); those
        that do not resolve are left out (such a transaction fails to load)."""
        writable: list[bytes] = []
        readonly: list[bytes] = []
        for lookup in lookups:
            addresses = self._table_addresses(lookup.account_key)
            if addresses is None:
                continue
            for indexes, into in (
                (lookup.writable_indexes, writable),
                (lookup.readonly_indexes, readonly),
            ):
                into.extend(bytes(addresses[i]) for i in indexes if i < len(addresses))
        return tuple(writable), tuple(readonly)

    # -- API ------------------------------------------------------------------------------------

    def register_api(self, api: ApiRegistry, node: NodeServices) -> None:
        from vms.svm.rpc import register_solana_api

        register_solana_api(api, node, self)

    async def serve_pubsub(
        self,
        host: str | None,
        port: int,
        node: NodeServices,
        hub: Any,
        *,
        task_status: Any = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Serve Solana's PubSub WebSocket API (``vms.svm.ws``), fed by ``hub``'s block notices;
        the node starts it on the Solana port + 1 (it may not import the adapter itself)."""
        from vms.svm.ws import serve_solana_ws

        await serve_solana_ws(host, port, node, self, hub, task_status=task_status)

    # -- reads ----------------------------------------------------------------------------------

    @property
    def genesis_hash(self) -> bytes:
        """The blockhash of block 0 (zeros before genesis is committed)."""
        return self._store.get(b"genesis_hash") or bytes(32)

    @property
    def latest_blockhash(self) -> tuple[bytes, int]:
        """The newest blockhash and the height it belongs to."""
        return self._latest

    def blockhash_valid(self, blockhash: bytes) -> bool:
        return blockhash in self._window

    def last_valid_block_height(self, blockhash: bytes) -> int | None:
        height = self._window.get(blockhash)
        return None if height is None else height + BLOCKHASH_WINDOW

    def account(self, pubkey: bytes) -> Account | None:
        return self.svm.get_account(Pubkey.from_bytes(pubkey))

    def transaction_count(self) -> int:
        """Solana transactions in committed blocks (failed ones and deliveries included)."""
        raw = self._store.get(b"tx_count")
        return struct.unpack(">Q", raw)[0] if raw else 0

    def processed(self, signature: bytes) -> bool:
        """A transaction with this signature is in a committed block (no need to decode it)."""
        return self._store.get(b"tx/" + signature) is not None

    def transaction(self, signature: bytes) -> dict[str, Any] | None:
        raw = self._store.get(b"tx/" + signature)
        return None if raw is None else decode_record(signature, raw)

    def signatures_for_address(
        self, pubkey: bytes, limit: int, before: bytes | None = None, until: bytes | None = None
    ) -> list[dict[str, Any]]:
        """The transaction records that name ``pubkey``, newest first: at most ``limit``, those
        older than ``before`` and newer than ``until`` (signatures; unknown ones are ignored)."""
        prefix = b"sigaddr/" + pubkey
        start = prefix
        if before is not None:
            record = self.transaction(before)
            if record is not None:
                start = prefix + self._order(record) + before + b"\x00"
        out: list[dict[str, Any]] = []
        for key, _ in self._store.iterate(start, prefix_end(prefix)):
            signature = key[len(prefix) + 12 :]
            if signature == until or len(out) >= limit:
                break
            record = self.transaction(signature)
            if record is not None:
                out.append(record)
        return out

    @staticmethod
    def _order(record: Mapping[str, Any]) -> bytes:
        return struct.pack(">QI", 2**64 - 1 - int(record["slot"]), 2**32 - 1 - int(record["index"]))

    def block(self, height: int) -> dict[str, Any] | None:
        """The ``block/`` record of a committed height (None if unknown)."""
        if height < 0 or height >= 2**64:
            return None
        raw = self._store.get(b"block/" + struct.pack(">Q", height))
        return None if raw is None else dict(json.loads(raw))

    def block_heights(self, start: int, end: int, limit: int | None = None) -> list[int]:
        """The committed heights in ``[start, end]`` with a ``block/`` record, ascending (at most
        ``limit``)."""
        start = max(start, 0)
        end = min(end, 2**64 - 1)
        if end < start or limit == 0:
            return []
        low = b"block/" + struct.pack(">Q", start)
        high = prefix_end(b"block/") if end == 2**64 - 1 else b"block/" + struct.pack(">Q", end + 1)
        out: list[int] = []
        for key, _ in self._store.iterate(low, high):
            out.append(struct.unpack(">Q", key[6:14])[0])
            if limit is not None and len(out) >= limit:
                break
        return out

    def recent_block_heights(self, count: int) -> list[int]:
        """The newest ``count`` heights with a ``block/`` record, ascending."""
        out: list[int] = []
        for key, _ in self._store.iterate(b"block/", prefix_end(b"block/"), reverse=True):
            if len(out) >= count:
                break
            out.append(struct.unpack(">Q", key[6:14])[0])
        return out[::-1]

    def committed_accounts(self) -> list[tuple[Pubkey, Account]]:
        """Every committed account (``getProgramAccounts`` filters them)."""
        return [
            (Pubkey.from_bytes(key[5:]), Account.from_bytes(value))
            for key, value in self._store.iterate(b"acct/", prefix_end(b"acct/"))
        ]

    def airdrop(self, pubkey: bytes, lamports: int) -> None:
        """Credit ``lamports`` (devnet faucet, inside the block being built)."""
        key = Pubkey.from_bytes(pubkey)
        account = self.svm.get_account(key)
        if account is None:
            account = Account(
                lamports=0, data=b"", owner=SYSTEM_PROGRAM, executable=False, rent_epoch=0
            )
        self.svm.set_account(
            key,
            Account(
                lamports=account.lamports + lamports,
                data=bytes(account.data),
                owner=account.owner,
                executable=account.executable,
                rent_epoch=account.rent_epoch,
            ),
        )
        self._touched.add(pubkey)


_KEY_TEXT: dict[bytes, str] = {}
_KEY_TEXT_MAX = 1 << 16


def key_text(key: bytes) -> str:
    """The base58 text of a 32-byte key, cached (programs and payers recur in every block)."""
    text = _KEY_TEXT.get(key)
    if text is None:
        if len(_KEY_TEXT) >= _KEY_TEXT_MAX:
            _KEY_TEXT.clear()
        text = _KEY_TEXT[key] = str(Pubkey.from_bytes(key))
    return text


def _writable_flags(header: Any, count: int) -> list[bool]:
    """Which of a message's ``count`` static account keys its header makes writable: the signed
    ones but the last ``num_readonly_signed_accounts``, the unsigned ones but the last
    ``num_readonly_unsigned_accounts`` (a sanitized message's counts fit)."""
    signed = header.num_required_signatures
    readonly_signed = header.num_readonly_signed_accounts
    readonly_unsigned = header.num_readonly_unsigned_accounts
    unsigned = count - signed
    flags = (
        [True] * (signed - readonly_signed)
        + [False] * readonly_signed
        + [True] * (unsigned - readonly_unsigned)
        + [False] * readonly_unsigned
    )
    if len(flags) == count:
        return flags
    # counts a sanitized message cannot have (LiteSVM refuses such a transaction)
    signed_writable = signed - readonly_signed
    unsigned_writable = count - readonly_unsigned
    return [i < signed_writable if i < signed else i < unsigned_writable for i in range(count)]


# A transaction of the block being built, as Commit writes it (``encode_record``): signature,
# details (the TxResult's: signature, slot, err, logs, fee, compute units, return data, crossvm
# message ids), err_json, pre-balances, post-balances, block time, index in the block, the
# transaction's bytes, its account keys (static, then loaded from lookup tables), its inner
# instructions (``encode_inner_instructions``), the loaded addresses (writable, readonly) or None.
# (``encode_inner_instructions``). A plain tuple: one is made per transaction.
_Record = tuple[
    bytes,
    dict[str, Any],
    Any,
    Sequence[int],
    Sequence[int],
    int,
    int,
    bytes,
    Sequence[bytes],
    bytes,
    tuple[tuple[bytes, ...], tuple[bytes, ...]] | None,
]


# version, slot, block time, index, fee, compute units, balances (keys), transaction length, logs
_RECORD_HEAD = struct.Struct("<BQqIQQHHI")
_RECORD_V1 = 1  # no inner instructions
# version 2: the same, then the length of the inner instructions
_RECORD_HEAD_V2 = struct.Struct("<BQqIQQHHII")
_RECORD_V2 = 2
# inner instructions: per top-level instruction that made any, its index (u8) and count (u16),
# then per instruction its program id index (u8), stack height (u8), account count (u16) and data
# length (u32), the account indexes, the data
_INNER_GROUP = struct.Struct("<BH")
_INNER_INSTRUCTION = struct.Struct("<BBHI")
_NO_EXTRA = (None, None, None, None, None, None)
_ORDER = struct.Struct(">QI")


def encode_inner_instructions(inner: Sequence[Sequence[Any]]) -> bytes:
    """LiteSVM's inner instructions (a list per top-level instruction of ``InnerInstruction``)
    in the record's binary form (``_INNER_GROUP``, ``_INNER_INSTRUCTION``); only the top-level
    instructions that made any appear, as in Solana's ``innerInstructions``."""
    parts: list[bytes] = []
    for index, group in enumerate(inner):
        if not group:
            continue
        parts.append(_INNER_GROUP.pack(index, len(group)))
        for item in group:
            compiled = item.instruction()
            accounts, data = bytes(compiled.accounts), bytes(compiled.data)
            height = item.stack_height()
            parts.append(
                _INNER_INSTRUCTION.pack(
                    compiled.program_id_index,
                    min(int(height or 0), 255),
                    len(accounts),
                    len(data),
                )
            )
            parts.append(accounts)
            parts.append(data)
    return b"".join(parts)


def decode_inner_instructions(raw: bytes) -> list[dict[str, Any]]:
    """``encode_inner_instructions``' bytes as ``[{"index", "instructions": [{"program_id_index",
    "accounts": [indexes], "data": base64, "stack_height"}]}]``."""
    out: list[dict[str, Any]] = []
    offset = 0
    while offset < len(raw):
        index, count = _INNER_GROUP.unpack_from(raw, offset)
        offset += _INNER_GROUP.size
        instructions = []
        for _ in range(count):
            program, height, naccounts, ndata = _INNER_INSTRUCTION.unpack_from(raw, offset)
            offset += _INNER_INSTRUCTION.size
            accounts = list(raw[offset : offset + naccounts])
            offset += naccounts
            data = raw[offset : offset + ndata]
            offset += ndata
            instructions.append(
                {
                    "program_id_index": program,
                    "accounts": accounts,
                    "data": base64.b64encode(data).decode(),
                    "stack_height": height,
                }
            )
        out.append({"index": index, "instructions": instructions})
    return out


def encode_record(record: _Record) -> bytes:
    """The ``tx/`` value of a transaction: a fixed binary head, the transaction's bytes, its pre-
    and post-balances (u64 LE each), its log lines (u32 LE lengths, then their UTF-8), its inner
    instructions (``encode_inner_instructions``), then, only if any is set, ``[err, err_json,
    return_data, crossvm_message_ids]`` as JSON. The record as one sorted JSON object cost more
    than the transaction's execution."""
    (
        _,
        details,
        error_json,
        pre_balances,
        post_balances,
        block_time,
        position,
        tx,
        _,
        inner,
        loaded,
    ) = record
    count = len(pre_balances)
    balances = struct.pack(f"<{2 * count}Q", *pre_balances, *post_balances)
    lines = [line.encode() for line in details["logs"]]
    lengths = struct.pack(f"<{len(lines)}I", *map(len, lines))
    extra = (
        details["err"],
        error_json,
        details["return_data"],
        details.get("crossvm_message_ids"),
        None if loaded is None else [[key.hex() for key in keys] for keys in loaded],
        details.get("token_balances"),
    )
    head = _RECORD_HEAD_V2.pack(
        _RECORD_V2,
        details["slot"],
        block_time,
        position,
        details["fee"],
        details["compute_units"],
        count,
        len(tx),
        len(lines),
        len(inner),
    )
    tail = b"" if extra == _NO_EXTRA else jsonenc.dumps(extra)
    return b"".join((head, tx, balances, lengths, *lines, inner, tail))


def decode_record(signature: bytes, raw: bytes) -> dict[str, Any]:
    """A ``tx/`` value as the dict the RPC answers from: ``signature``, ``slot``, ``block_time``,
    ``index``, ``err``, ``err_json``, ``logs``, ``fee``, ``compute_units``, ``return_data``,
    ``pre_balances``, ``post_balances``, ``tx`` (base64), ``inner_instructions``
    (``decode_inner_instructions``; absent from a record written before they were kept) and, if
    any, ``crossvm_message_ids``. A record written as a JSON object (by earlier versions) is read
    as such."""
    if raw[:1] == b"{":
        return dict(json.loads(raw))
    version = raw[0]
    inner_size: int | None = None
    if version == _RECORD_V2:
        _, slot, block_time, index, fee, units, count, size, lines, inner_size = (
            _RECORD_HEAD_V2.unpack_from(raw)
        )
        offset = _RECORD_HEAD_V2.size
    elif version == _RECORD_V1:  # written before inner instructions were kept
        _, slot, block_time, index, fee, units, count, size, lines = _RECORD_HEAD.unpack_from(raw)
        offset = _RECORD_HEAD.size
    else:
        raise InternalError(f"svm transaction record of unknown version {version}")
    tx = raw[offset : offset + size]
    offset += size
    balances = list(struct.unpack_from(f"<{2 * count}Q", raw, offset))
    offset += 16 * count
    logs = []
    lengths = struct.unpack_from(f"<{lines}I", raw, offset)
    offset += 4 * lines
    for length in lengths:
        logs.append(raw[offset : offset + length].decode())
        offset += length
    inner = None
    if inner_size is not None:
        inner = decode_inner_instructions(raw[offset : offset + inner_size])
        offset += inner_size
    err = error_json = return_data = message_ids = loaded = tokens = None
    if offset < len(raw):  # four values before loaded addresses and token balances were kept
        err, error_json, return_data, message_ids, *rest = json.loads(raw[offset:])
        loaded = rest[0] if rest else None
        tokens = rest[1] if len(rest) > 1 else None
    record: dict[str, Any] = {"block_time": block_time, "compute_units": units}
    if message_ids is not None:  # the keys in sorted order, as the JSON records had them
        record["crossvm_message_ids"] = message_ids
    record |= {
        "err": err,
        "err_json": error_json,
        "fee": fee,
        "index": index,
    }
    if inner is not None:
        record["inner_instructions"] = inner
    if loaded is not None:  # a v0 transaction's, recorded since they are kept
        record["loaded_addresses"] = {
            "writable": [key_text(bytes.fromhex(key)) for key in loaded[0]],
            "readonly": [key_text(bytes.fromhex(key)) for key in loaded[1]],
        }
    record |= {"logs": logs, "post_balances": balances[count:]}
    if tokens is not None:  # a transaction that named a token program
        record["post_token_balances"] = tokens[1]
    record["pre_balances"] = balances[:count]
    if tokens is not None:
        record["pre_token_balances"] = tokens[0]
    record |= {
        "return_data": return_data,
        "signature": str(Signature.from_bytes(signature)),
        "slot": slot,
        "tx": base64.b64encode(tx).decode(),
    }
    return record


def with_recent_blockhash(tx: VersionedTransaction, blockhash: bytes) -> VersionedTransaction:
    """``tx`` with its message's recent blockhash replaced (its signatures kept as they are)."""
    message = tx.message
    header = message.header
    if isinstance(message, Message):
        replaced: Any = Message.new_with_compiled_instructions(
            header.num_required_signatures,
            header.num_readonly_signed_accounts,
            header.num_readonly_unsigned_accounts,
            message.account_keys,
            Hash(blockhash),
            message.instructions,
        )
    elif isinstance(message, MessageV0):
        replaced = MessageV0(
            header,
            message.account_keys,
            Hash(blockhash),
            message.instructions,
            message.address_table_lookups,
        )
    else:  # v1 (SIMD-0385): its lifetime specifier
        replaced = MessageV1(
            header, message.config, Hash(blockhash), message.account_keys, message.instructions
        )
    return VersionedTransaction.populate(replaced, tx.signatures)


def genesis_program_bytes(entry: Mapping[str, Any]) -> bytes:
    """The ELF of a genesis ``svm.programs`` entry: ``so`` (a path, relative to the repository
    unless absolute) or ``so_base64``; checked against ``sha256`` when the entry has one."""
    program_id = entry.get("program_id")
    if "so_base64" in entry:
        try:
            elf = base64.b64decode(entry["so_base64"], validate=True)
        except ValueError as exc:
            raise InvalidGenesis(f"genesis program {program_id}: bad so_base64: {exc}") from None
    elif "so" in entry:
        path = Path(entry["so"])
        path = path if path.is_absolute() else REPO_ROOT / path
        try:
            elf = path.read_bytes()
        except OSError as exc:
            raise InvalidGenesis(
                f"genesis program {program_id}: cannot read {path}: {exc}"
            ) from None
    else:
        raise InvalidGenesis(f"genesis program {program_id}: needs so or so_base64")
    expected = entry.get("sha256")
    if expected is not None and hashlib.sha256(elf).hexdigest() != str(expected).lower():
        raise InvalidGenesis(f"genesis program {program_id}: the ELF does not match its sha256")
    return elf


def err_json(err: Any) -> Any:
    """A solders ``TransactionErrorType`` as Solana's JSON renders it (``"BlockhashNotFound"``,
    ``{"InstructionError": [0, {"Custom": 1}]}``, ``{"InsufficientFundsForRent":
    {"account_index": 1}}``); solders' own ``to_json`` drops the variant tags."""
    if err is None:
        return None
    name = type(err).__name__
    if name == "TransactionErrorInstructionError":
        return {"InstructionError": [err.index, _tagged(err.err, "InstructionError")]}
    return _tagged(err, "TransactionError")


def _tagged(value: Any, prefix: str) -> Any:
    to_json = getattr(value, "to_json", None)
    if to_json is None:  # a fieldless enum member: TransactionErrorFieldless.X
        return str(value).rsplit(".", 1)[-1]
    return {type(value).__name__.removeprefix(prefix): json.loads(to_json())}
