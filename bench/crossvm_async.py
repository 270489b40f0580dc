"""x/crossvm's asynchronous queue: draining a full queue towards each VM, and submitting from each
source, each against a baseline measured in the same run, in one process.

One node: the composed application over LevelDB on a fresh home (``compose``, as ``Node`` builds
it), on the devnet genesis plus the SVM counter program (``native/svm/build/counter.so``) with one
counter account (dev0's alias PDA under the bridge: the account a delivery from dev0 adds to) and
x/crossvm params with room for the whole queue in one EndBlocker (``max_queue_size`` and
``max_block_delivery_gas`` raised; ``max_delivery_gas`` and every message's gas limit left at
their defaults). The CosmWasm counter and dispatcher are stored and instantiated, CrossReceiver,
CrossSubmitter and the Solidity Counter deployed, all by real transactions. Every transaction is
signed beforehand (not timed).

* drain_evm, drain_cosmwasm, drain_svm: ``--n`` (1,000) messages towards one VM (CrossReceiver
  ``ping(i)``; the CosmWasm counter's ``{"increment":{}}``; the SVM counter program, add 1 to
  dev0's alias account) are queued in one block by dev0's native ``MsgCrossVMCall``
  transactions (200 messages each; not timed); then ``app.build_block`` of empty blocks until
  the queue is empty is timed: the EndBlockers that deliver them, with the blocks' commits.
  Per message = drain time / n. Baseline, same round, same node, same target, same sender
  identity:
    EVM:      py-evm's own apply of the same call: the node's ``apply_system_transaction``
              (``Message`` + ``computation_class.apply_message`` on the block's state, no
              signature, nonce or fee) then ``state.lock_changes()`` (py-evm's journal close
              between transactions), in an open block abandoned afterwards: no receipt, no
              record, no commit.
    CosmWasm: ``WasmKeeper.execute`` of the same message in an open block (as bench/cosmwasm.py
              measures the keeper).
    SVM:      raw LiteSVM: a fresh ``LiteSVM()`` configured as the node's (blockhash check and
              sigverify off: the node signs its deliveries and does not verify them again)
              holding the bridge and counter programs, a copy of the counter account and the
              funded authority; ``VersionedTransaction.from_bytes`` + ``send_transaction`` of
              the bridge ``Deliver`` transactions the node builds for the same messages (CPI
              into the counter, the alias PDA signing), signed beforehand: an SVM target is
              reached only through that transaction (DESIGN §5), so it is the engine's own
              call; the first one (it loads the programs) is not timed.
  Ratio = drain per message / raw call, target <= 1.3. For the record: signed EVM ``ping``
  transactions through admission + ``build_block`` (``evm_ping_tx``), and the raw ``Deliver``
  against a signed transaction invoking the counter program directly, with the drain's ratio to
  that direct call (``svm_raw_deliver``).
* submit_native, submit_evm, submit_cosmwasm, submit_svm: ``--submit-n`` (1,000) messages from
  one source, one per transaction, admitted (decode, signature, ``check_tx``) and delivered by
  ``app.build_block`` in blocks of ``--block`` (200); messages per second over the submission
  blocks only (each timed block starts on an empty queue; the deliveries run afterwards, in
  untimed blocks, and are checked). Sources: dev0's ``MsgCrossVMCall`` (-> CrossReceiver
  ``ping``); an EVM transaction calling ``CrossSubmitter.sendToCosmWasm(counter, increment)``
  (0x901 ``submit``); a native ``MsgExecuteContract`` making the dispatcher return
  ``Custom({"crossvm_call": ...})`` (-> CrossReceiver ``ping``); a Solana transaction with one
  bridge ``Submit`` instruction (-> CrossReceiver ``ping``). Baseline, same round: a plain
  transaction of the same kind through the same path: a native ``MsgSend`` of 1 aqor; an EVM
  transaction calling ``Counter.increment()``; the dispatcher executing ``{"write": ...}`` (the
  same contract writing one key instead of emitting the message); a Solana system transfer to a
  fresh account. Ratio = submissions per second / baseline transactions per second (for the
  record: no target).

Every round checks its work: every message executed, every counter moved by exactly its count.
Figures are medians over ``--repeat`` (3) rounds after an untimed warm-up round of 20 messages.
``--profile`` cProfiles the drains and prints one profile per target; the drain figures then
include the profiler's cost (their ratios are meaningless in such a run).

    python -m bench.crossvm_async [--n 1000] [--submit-n 1000] [--repeat 3] [--block 200]
                                  [--profile]
"""

from __future__ import annotations

import argparse
import base64
import copy
import cProfile
import hashlib
import io
import json
import pstats
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._common import REPO_ROOT, BenchError, Figure, Skipped, report, spread_us
from bench.cosmwasm import BUILD, COUNTER_INIT, INCREMENT
from bench.crossvm_sync import PLAIN_GAS, SOLIDITY_BUILD, CrossChain, counter_count, plain_count

RATIO_TARGET = 1.3
SVM_BUILD = REPO_ROOT / "native" / "svm" / "build"
MSG_CALL = "/qorechain.crossvm.v1.MsgCrossVMCall"
MSG_SEND = "/cosmos.bank.v1beta1.MsgSend"
FILL_PER_TX = 200  # MsgCrossVMCall messages per native transaction when filling the queue
FILL_GAS = 30_000_000  # the native transaction's ceiling; ~51k SDK gas per message
SUBMIT_TX_GAS = 400_000  # one MsgCrossVMCall, or the dispatcher's execute (native gas)
SUBMITTER_GAS = 400_000  # CrossSubmitter.sendToCosmWasm (~190k used)
RAW_EVM_GAS = 2_000_000  # the delivery's gas limit (max_delivery_gas, the default)
WARMUP = 20
COUNTER_PROGRAM_LABEL = b"qorenode/bench/crossvm_async/counter"
TARGETS = ("evm", "cosmwasm", "svm")
SOURCES = ("native", "evm", "cosmwasm", "svm")
EVM, COSMWASM = 0, 1  # VM ids as the bridge encodes them


def _selector(signature: str) -> bytes:
    from eth_hash.auto import keccak

    return bytes(keccak(signature.encode()))[:4]


def ping(amount: int) -> bytes:
    from eth_abi import encode as abi_encode

    return _selector("ping(uint256)") + abi_encode(["uint256"], [amount])


def counter_program() -> Any:
    from solders.pubkey import Pubkey

    return Pubkey(hashlib.sha256(COUNTER_PROGRAM_LABEL).digest())


def bench_genesis(alias: Any) -> dict[str, Any]:
    """The devnet genesis plus the SVM counter program, ``alias`` as a counter account (dev0's
    alias PDA), and x/crossvm params with room for the whole queue in one EndBlocker."""
    from qorenode.genesis import load_genesis

    genesis = copy.deepcopy(load_genesis())
    svm = genesis["svm"]
    svm["programs"].append(
        {"program_id": str(counter_program()), "so": "native/svm/build/counter.so"}
    )
    svm["accounts"].append(
        {
            "pubkey": str(alias),
            "lamports": str(10_000_000),
            "owner": str(counter_program()),
            "data": base64.b64encode(bytes(8)).decode(),
        }
    )
    params = genesis["crossvm"]["params"]
    params["max_queue_size"] = str(10**9)  # no limit in practice
    params["max_block_delivery_gas"] = str(10**13)  # the whole queue in one EndBlocker
    return genesis


class AsyncChain(CrossChain):
    """``CrossChain`` (dev0's native and EVM transactions, one nonce sequence) on the bench
    genesis, plus Solana transactions from Solana dev key 0."""

    def __init__(self, home: Path) -> None:
        from eth_keys import keys

        from qorenode.composition import compose
        from qorenode.genesis import bridge_program_id
        from qorenode.keys import dev_key, solana_dev_keypair
        from qorenode.store import Database
        from vms.svm.bridge import alias_address

        self.key = dev_key(0)
        self.sender = self.key.address
        self.bridge = bridge_program_id()
        self.alias = alias_address(self.bridge, EVM, self.sender)[0]
        self.genesis = bench_genesis(self.alias)
        self.database = Database(home / "data")
        self.comp = compose(self.database, self.genesis, home / "wasm-cache")
        self.comp.app.start(self.genesis)
        self._next_nonce: int | None = None
        self._private = keys.PrivateKey(self.key.private_key)
        self.payer = solana_dev_keypair(0)
        self.other = dev_key(1)

    @property
    def keeper_crossvm(self) -> Any:
        return self.comp.crossvm.keeper

    def queue_size(self) -> int:
        return int(self.keeper_crossvm.queue_size())

    def last_id(self) -> int:
        return int(self.keeper_crossvm.last_id())

    def admit_svm(self, raw: bytes) -> Any:
        pending = self.comp.svm.pending_tx(raw)
        self.app.check_tx(pending)
        return pending

    def blockhash(self) -> Any:
        from solders.hash import Hash

        return Hash(bytes(self.comp.svm.latest_blockhash[0]))

    def sign_solana(self, instructions: list[Any], blockhash: Any) -> bytes:
        from solders.message import Message
        from solders.transaction import Transaction

        message = Message.new_with_blockhash(instructions, self.payer.pubkey(), blockhash)
        return bytes(Transaction([self.payer], message, blockhash))

    def drain(self) -> int:
        """Empty blocks until the queue is empty; the number of blocks."""
        blocks = 0
        while self.queue_size():
            self.mine([])
            blocks += 1
            if blocks > 10_000:
                raise BenchError("the queue does not drain")
        return blocks

    def svm_count(self) -> int:
        account = self.comp.svm.account(bytes(self.alias))
        if account is None:
            raise BenchError("the SVM counter account is gone")
        return int.from_bytes(bytes(account.data)[:8], "little")


@dataclass
class World:
    chain: AsyncChain
    counter: bytes  # the CosmWasm counter (32 bytes)
    dispatcher: bytes  # the CosmWasm dispatcher (32 bytes)
    receiver: bytes  # CrossReceiver
    submitter: bytes  # CrossSubmitter
    plain: bytes  # the Solidity Counter
    samples: dict[str, list[float]] = field(default_factory=dict)
    blocks: dict[str, int] = field(default_factory=dict)
    pings: int = 0  # a distinct ping amount per message (distinct bytes, distinct signatures)

    def add(self, key: str, value: float) -> None:
        self.samples.setdefault(key, []).append(value)

    def next_ping(self) -> bytes:
        self.pings += 1
        return ping(self.pings)

    def receiver_count(self) -> int:
        return plain_count(self.chain, self.receiver)  # CrossReceiver.count is slot 0 too

    def counts(self) -> dict[str, int]:
        return {
            "evm": self.receiver_count(),
            "cosmwasm": counter_count(self.chain, self.counter),
            "svm": self.chain.svm_count(),
            "plain": plain_count(self.chain, self.plain),
        }


def setup(chain: AsyncChain) -> World:
    code = chain.store("counter")
    counter = chain.instantiate(code, COUNTER_INIT)
    dispatcher = chain.instantiate(chain.store("dispatcher"), {})
    receiver = chain.deploy("CrossReceiver")
    submitter = chain.deploy("CrossSubmitter")
    plain = chain.deploy("Counter")
    return World(chain, counter, dispatcher, receiver, submitter, plain)


# -- messages ------------------------------------------------------------------------------------


def call_msg(w: World, target_vm: str, payload: bytes) -> dict[str, Any]:
    """dev0's ``MsgCrossVMCall`` towards ``target_vm``'s bench target (default gas limit)."""
    chain = w.chain
    msg: dict[str, Any] = {
        "@type": MSG_CALL,
        "sender": chain.bech32(chain.sender),
        "target_vm": target_vm,
        "payload": base64.b64encode(payload).decode(),
        "funds": [],
    }
    if target_vm == "evm":
        msg["target_contract"] = "0x" + w.receiver.hex()
    elif target_vm == "cosmwasm":
        msg["target_contract"] = chain.bech32(w.counter)
    else:
        msg["target_contract"] = str(counter_program())
        msg["svm_accounts"] = [{"pubkey": str(chain.alias), "writable": True}]
    return msg


def drain_payload(w: World, target: str) -> bytes:
    if target == "evm":
        return w.next_ping()
    if target == "cosmwasm":
        return INCREMENT
    return b""  # the SVM counter: no data, add 1


def message_ids(notice: Any) -> list[int]:
    ids = []
    for result in notice.results:
        for response in result.details.get("msg_responses", []):
            ids.append(int(json.loads(bytes.fromhex(response))["message_id"]))
    return ids


def check_executed(chain: AsyncChain, first: int, last: int) -> None:
    from crossvm.types import Status

    keeper = chain.keeper_crossvm
    for message_id in range(first, last + 1):
        record = keeper.message(message_id)
        if record is None or record.status != Status.EXECUTED:
            status = None if record is None else record.to_json()
            raise BenchError(f"message {message_id} was not executed: {status}")


# -- drains ---------------------------------------------------------------------------------------


@contextmanager
def adapter_timers(chain: AsyncChain, target: str) -> Iterator[dict[str, float]]:
    """Seconds spent, during a drain, in the target VM's adapter (``deliver_call``, or the
    CosmWasm module's ``execute_for_caller``) and, for the EVM and the SVM, in the engine call
    inside it (the node's ``apply_system_transaction``, LiteSVM's ``send_transaction``). Each
    wrapper costs ~1 us a call, against milliseconds."""
    import vms.evm.module as evm_module

    comp = chain.comp
    by_target: dict[str, dict[str, tuple[Any, str]]] = {
        "evm": {
            "adapter": (comp.evm, "deliver_call"),
            "engine": (evm_module, "apply_system_transaction"),
        },
        "cosmwasm": {"adapter": (comp.wasm, "execute_for_caller")},
        "svm": {"adapter": (comp.svm, "deliver_call"), "engine": (comp.svm, "_send")},
    }
    wrapped = by_target[target]
    spent = dict.fromkeys(wrapped, 0.0)
    originals = []
    for key, (owner, name) in wrapped.items():
        real = getattr(owner, name)

        def timed(*args: Any, _real: Any = real, _key: str = key, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return _real(*args, **kwargs)
            finally:
                spent[_key] += time.perf_counter() - begin

        originals.append((owner, name, real, name in vars(owner)))
        setattr(owner, name, timed)
    try:
        yield spent
    finally:
        for owner, name, real, own in reversed(originals):
            if own:
                setattr(owner, name, real)  # a module's global
            else:
                delattr(owner, name)  # an instance attribute over the class's method


def time_drain(
    w: World, target: str, n: int, prof: cProfile.Profile | None
) -> tuple[float, int, dict[str, float]]:
    """Queue ``n`` messages towards ``target`` in one block, then time the EndBlockers that
    deliver them; seconds per message, the number of blocks, and seconds per message spent in
    the target's adapter and engine call."""
    chain = w.chain
    if chain.queue_size():
        raise BenchError("the queue is not empty before a drain")
    before = w.counts()
    msgs = [call_msg(w, target, drain_payload(w, target)) for _ in range(n)]
    txs = [chain.sign(msgs[i : i + FILL_PER_TX], FILL_GAS) for i in range(0, n, FILL_PER_TX)]
    ids = message_ids(chain.mine([chain.admit(tx) for tx in txs]))
    if len(ids) != n or chain.queue_size() != n:
        raise BenchError(f"{len(ids)} messages queued towards {target}, expected {n}")
    with adapter_timers(chain, target) as spent:
        if prof is not None:
            prof.enable()
        start = time.perf_counter()
        blocks = chain.drain()
        elapsed = time.perf_counter() - start
        if prof is not None:
            prof.disable()
    check_executed(chain, ids[0], ids[-1])
    after = w.counts()
    if after[target] != before[target] + n:
        raise BenchError(
            f"the {target} counter moved by {after[target] - before[target]}, expected {n}"
        )
    return elapsed / n, blocks, {key: value / n for key, value in spent.items()}


def time_raw_evm(w: World, n: int) -> float:
    """Seconds per py-evm apply of ``ping`` from dev0 on CrossReceiver, in an open block."""
    from vms.evm.machine import SystemTransaction, apply_system_transaction

    chain = w.chain
    calls = [
        SystemTransaction(
            source=(10**9 + i).to_bytes(8, "big"),
            sender=chain.sender,
            to=w.receiver,
            value=0,
            data=w.next_ping(),
            gas=RAW_EVM_GAS,
        )
        for i in range(n)
    ]
    from eth_typing import Address

    receiver = Address(w.receiver)
    with chain.open_block():
        state = chain.comp.evm.vm.state
        count_before = int(state.get_storage(receiver, 0))
        start = time.perf_counter()
        for stx in calls:
            computation = apply_system_transaction(state, stx)
            state.lock_changes()
            if computation.is_error:
                raise BenchError(f"raw EVM ping failed: {computation.error!r}")
        elapsed = time.perf_counter() - start
        if int(state.get_storage(receiver, 0)) != count_before + n:
            raise BenchError("the raw EVM pings did not count")
    return elapsed / n


def time_raw_cosmwasm(w: World, n: int) -> float:
    """Seconds per ``WasmKeeper.execute`` of the counter's increment, in an open block."""
    chain = w.chain
    keeper = chain.keeper
    with chain.open_block() as block:
        contexts = [chain.exec_ctx(block, index) for index in range(n)]
        start = time.perf_counter()
        for ctx in contexts:
            keeper.execute(ctx, chain.sender, w.counter, INCREMENT, 0)
        elapsed = time.perf_counter() - start
        answer = keeper.query_smart(block, w.counter, b'{"get_count":{}}')
    before = counter_count(chain, w.counter)
    if int(json.loads(answer)["count"]) != before + n:
        raise BenchError("the keeper's increments did not count")
    return elapsed / n


def raw_litesvm(w: World, with_bridge: bool) -> Any:
    """A fresh LiteSVM configured as the node's, holding the counter program (and the bridge),
    a copy of the counter account and the funded payer (and authority)."""
    from solders.litesvm import LiteSVM
    from solders.pubkey import Pubkey

    from qorenode.genesis import crossvm_authority_keypair

    chain = w.chain
    svm = LiteSVM().with_blockhash_check(False).with_sigverify(False)
    svm.add_program(counter_program(), (SVM_BUILD / "counter.so").read_bytes())
    keys = [bytes(chain.alias), bytes(chain.payer.pubkey())]
    if with_bridge:
        svm.add_program(chain.bridge, (SVM_BUILD / "bridge.so").read_bytes())
        keys.append(bytes(crossvm_authority_keypair().pubkey()))
    for key in keys:
        account = chain.comp.svm.account(key)
        if account is None:
            raise BenchError(f"no account {Pubkey.from_bytes(key)} on the node")
        svm.set_account(Pubkey.from_bytes(key), account)
    return svm


def time_raw_svm(w: World, raws: list[bytes], with_bridge: bool) -> float:
    """Seconds per ``from_bytes`` + ``send_transaction`` of ``raws[1:]`` on a fresh LiteSVM."""
    from solders.pubkey import Pubkey
    from solders.transaction import VersionedTransaction
    from solders.transaction_metadata import FailedTransactionMetadata

    svm = raw_litesvm(w, with_bridge)
    alias = Pubkey.from_bytes(bytes(w.chain.alias))
    before = int.from_bytes(bytes(svm.get_account(alias).data)[:8], "little")
    failed: list[Any] = []
    # the first transaction on a fresh LiteSVM loads (compiles) its programs: ~1.6 ms for the
    # counter, ~4 ms with the bridge; the node's LiteSVM did that long before, so it is untimed
    for index, raw in enumerate(raws):
        if index == 1:
            start = time.perf_counter()
        outcome = svm.send_transaction(VersionedTransaction.from_bytes(raw))
        if isinstance(outcome, FailedTransactionMetadata):
            failed.append(outcome)
    elapsed = time.perf_counter() - start
    if failed:
        first = failed[0]
        raise BenchError(f"raw LiteSVM: {len(failed)} failed, first: {first.err()}")
    after = int.from_bytes(bytes(svm.get_account(alias).data)[:8], "little")
    if after != before + len(raws):
        raise BenchError("the raw LiteSVM counter did not count every transaction")
    return elapsed / (len(raws) - 1)


def _distinct_hash(tag: bytes, i: int) -> Any:
    from solders.hash import Hash

    return Hash(hashlib.sha256(tag + i.to_bytes(8, "big")).digest())


def sign_raw_counter(w: World, n: int, round_: int) -> list[bytes]:
    """``n`` transactions from the payer invoking the counter program on the alias account,
    each under its own blockhash (the raw LiteSVM does not check them): distinct signatures."""
    from solders.instruction import AccountMeta, Instruction

    chain = w.chain
    ix = Instruction(counter_program(), b"", [AccountMeta(chain.alias, False, True)])
    return [
        chain.sign_solana([ix], _distinct_hash(b"raw-counter/%d/" % round_, i)) for i in range(n)
    ]


def sign_raw_delivers(w: World, n: int, round_: int) -> list[bytes]:
    """The bridge ``Deliver`` transactions the node would build for ``n`` messages from dev0."""
    from crossvm.params import SVM_MAX_COMPUTE_UNITS
    from qorenode.genesis import crossvm_authority_keypair
    from vms.svm.bridge import AuthoritySigner, deliver_transaction

    chain = w.chain
    authority = AuthoritySigner(crossvm_authority_keypair())
    first = 10**12 * (round_ + 2)  # ids no real message has: distinct blockhashes
    return [
        bytes(
            deliver_transaction(
                authority,
                chain.bridge,
                first + i,
                EVM,
                chain.sender,
                counter_program(),
                [(bytes(chain.alias), True)],
                b"",
                SVM_MAX_COMPUTE_UNITS,
            )
        )
        for i in range(n)
    ]


# -- submissions ---------------------------------------------------------------------------------


@dataclass
class Kind:
    """How to sign one transaction of a workload and admit it."""

    sign: Callable[[int], Any]  # index in the block -> signed transaction
    admit: Callable[[Any], Any]
    queues: bool  # each transaction queues one cross-VM message
    per_block_sign: bool = False  # signed per block (Solana: the block's blockhash)


def kinds(w: World) -> dict[str, Kind]:
    from eth_abi import encode as abi_encode
    from solders.instruction import AccountMeta, Instruction

    from vms.svm.bridge import encode_submit

    chain = w.chain
    rng = random.Random(2026_11_25)
    receiver_hex = "0x" + w.receiver.hex()
    counter_text = chain.bech32(w.counter)
    submitter_data = _selector("sendToCosmWasm(string,bytes)") + abi_encode(
        ["string", "bytes"], [counter_text, INCREMENT]
    )
    plain_data = _selector("increment()")
    send = {
        "@type": MSG_SEND,
        "from_address": chain.bech32(chain.sender),
        "to_address": chain.bech32(chain.other.address),
        "amount": [{"denom": "aqor", "amount": "1"}],
    }

    def dispatcher_exec(body: dict[str, Any]) -> dict[str, Any]:
        return {
            "@type": "/cosmwasm.wasm.v1.MsgExecuteContract",
            "sender": chain.bech32(chain.sender),
            "contract": chain.bech32(w.dispatcher),
            "msg": body,
            "funds": [],
        }

    def custom(_: int) -> Any:
        call = {
            "target_vm": "evm",
            "target_contract": receiver_hex,
            "payload": base64.b64encode(w.next_ping()).decode(),
        }
        return chain.sign([dispatcher_exec({"custom": {"crossvm_call": call}})], SUBMIT_TX_GAS)

    def write(i: int) -> Any:
        body = {"write": {"key": "bench", "value": str(i)}}
        return chain.sign([dispatcher_exec(body)], SUBMIT_TX_GAS)

    def submit_svm(_: int) -> bytes:
        data = encode_submit(EVM, receiver_hex, w.next_ping())
        ix = Instruction(chain.bridge, data, [AccountMeta(chain.payer.pubkey(), True, False)])
        return chain.sign_solana([ix], chain.blockhash())

    def transfer_svm(_: int) -> bytes:
        from solders.pubkey import Pubkey
        from solders.system_program import TransferParams, transfer

        ix = transfer(
            TransferParams(
                from_pubkey=chain.payer.pubkey(),
                to_pubkey=Pubkey(rng.randbytes(32)),
                lamports=1_000_000,  # above an empty account's rent-exempt minimum
            )
        )
        return chain.sign_solana([ix], chain.blockhash())

    return {
        "native": Kind(
            lambda _: chain.sign([call_msg(w, "evm", w.next_ping())], SUBMIT_TX_GAS),
            chain.admit,
            True,
        ),
        "native.base": Kind(lambda _: chain.sign([send], SUBMIT_TX_GAS), chain.admit, False),
        "evm": Kind(
            lambda _: chain.sign_evm(w.submitter, submitter_data, SUBMITTER_GAS),
            chain.admit_evm,
            True,
        ),
        "evm.base": Kind(
            lambda _: chain.sign_evm(w.plain, plain_data, PLAIN_GAS), chain.admit_evm, False
        ),
        "cosmwasm": Kind(custom, chain.admit, True),
        "cosmwasm.base": Kind(write, chain.admit, False),
        "svm": Kind(submit_svm, chain.admit_svm, True, per_block_sign=True),
        "svm.base": Kind(transfer_svm, chain.admit_svm, False, per_block_sign=True),
    }


def time_submissions(w: World, kind: Kind, n: int, block: int) -> tuple[float, float, int]:
    """Seconds per transaction (admission + build_block) and of admission, over ``n``
    transactions in blocks of ``block``; the queued messages are delivered between the timed
    blocks (untimed). The last message id before them."""
    chain = w.chain
    first_id = chain.last_id()
    signed: list[Any] = [] if kind.per_block_sign else [kind.sign(i) for i in range(n)]
    admit_seconds = build_seconds = 0.0
    for start in range(0, n, block):
        count = min(block, n - start)
        if kind.per_block_sign:
            chunk = [kind.sign(i) for i in range(count)]
        else:
            chunk = signed[start : start + count]
        queued = chain.queue_size()
        if queued:
            raise BenchError("the queue is not empty before a submission block")
        begin = time.perf_counter()
        pendings = [kind.admit(tx) for tx in chunk]
        middle = time.perf_counter()
        chain.mine(pendings)
        end = time.perf_counter()
        admit_seconds += middle - begin
        build_seconds += end - middle
        if kind.queues:
            if chain.queue_size() != count:
                raise BenchError(f"{chain.queue_size()} messages queued, expected {count}")
            chain.drain()
    return (admit_seconds + build_seconds) / n, admit_seconds / n, first_id


# -- a round --------------------------------------------------------------------------------------


def run_round(
    w: World,
    n: int,
    submit_n: int,
    block: int,
    round_: int,
    profiles: dict[str, cProfile.Profile] | None,
    record: bool = True,
) -> None:
    chain = w.chain
    samples: dict[str, float] = {}
    # drains, each with its raw baseline right after it
    for target in TARGETS:
        prof = profiles.get(target) if profiles else None
        per_msg, blocks, parts = time_drain(w, target, n, prof)
        samples[f"drain_{target}"] = per_msg
        for key, value in parts.items():
            samples[f"drain_{target}.{key}"] = value
        w.blocks[target] = blocks
        if target == "evm":
            samples["raw_evm"] = time_raw_evm(w, n)
        elif target == "cosmwasm":
            samples["raw_cosmwasm"] = time_raw_cosmwasm(w, n)
        else:
            samples["raw_svm"] = time_raw_svm(w, sign_raw_delivers(w, n + 1, round_), True)
            raws = sign_raw_counter(w, n + 1, round_)
            samples["raw_counter"] = time_raw_svm(w, raws, False)
    # the same EVM call as signed user transactions, for the record
    before = w.receiver_count()
    txs = [chain.sign_evm(w.receiver, w.next_ping(), 200_000) for _ in range(n)]
    elapsed = 0.0
    for i in range(0, n, block):
        begin = time.perf_counter()
        chain.mine([chain.admit_evm(tx) for tx in txs[i : i + block]])
        elapsed += time.perf_counter() - begin
    samples["evm_ping_tx"] = elapsed / n
    if w.receiver_count() != before + n:
        raise BenchError("the signed pings did not all count")
    # submissions: the baseline, then the source, per source
    table = kinds(w)
    for source in SOURCES:
        before_counts = w.counts()
        for name in (f"{source}.base", source):
            per_tx, admit, first_id = time_submissions(w, table[name], submit_n, block)
            samples[f"submit_{name}"] = per_tx
            samples[f"submit_{name}.admit"] = admit
            if table[name].queues:
                check_executed(chain, first_id + 1, chain.last_id())
                if chain.last_id() - first_id != submit_n:
                    raise BenchError(f"{source}: {chain.last_id() - first_id} messages queued")
        moved = {k: v - before_counts[k] for k, v in w.counts().items()}
        target = "cosmwasm" if source == "evm" else "evm"
        if moved[target] != submit_n:
            raise BenchError(f"{source}: the {target} target counted {moved[target]} messages")
        if source == "evm" and moved["plain"] != submit_n:
            raise BenchError("the Solidity Counter did not count every increment")
    if record:
        for key, value in samples.items():
            w.add(key, value)


# -- the whole bench -----------------------------------------------------------------------------


def run(
    n: int = 1000,
    *,
    submit_n: int = 1000,
    repeat: int = 3,
    block: int = 200,
    profile: bool = False,
) -> list[Figure | Skipped]:
    """Measure everything; return the figures (ratios to baselines measured in this run)."""
    needed = [
        BUILD / "counter.wasm",
        BUILD / "dispatcher.wasm",
        SVM_BUILD / "counter.so",
        SVM_BUILD / "bridge.so",
        *(
            SOLIDITY_BUILD / f"{name}.json"
            for name in ("CrossReceiver", "CrossSubmitter", "Counter")
        ),
    ]
    missing = [str(path.relative_to(REPO_ROOT)) for path in needed if not path.exists()]
    if missing:
        return [Skipped("crossvm_async", f"not built: {', '.join(missing)}")]
    workdir = Path(tempfile.mkdtemp(prefix="qorenode-bench-crossvm-async-"))
    profiles = {target: cProfile.Profile() for target in TARGETS} if profile else None
    try:
        chain = AsyncChain(workdir / "home")
        try:
            return _run(chain, max(n, 1), max(submit_n, 1), max(repeat, 1), max(block, 1), profiles)
        finally:
            chain.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if profiles is not None:
            for target, prof in profiles.items():
                out = io.StringIO()
                stats = pstats.Stats(prof, stream=out)
                print(f"== profile of the {target} drains")
                stats.sort_stats("tottime").print_stats(25)
                stats.sort_stats("cumulative").print_stats(45)
                print(out.getvalue())


def _run(
    chain: AsyncChain,
    n: int,
    submit_n: int,
    repeat: int,
    block: int,
    profiles: dict[str, cProfile.Profile] | None,
) -> list[Figure | Skipped]:
    w = setup(chain)
    # Untimed warm-up: the first calls in a process are slower (imports, caches, page faults).
    run_round(w, min(n, WARMUP), min(submit_n, WARMUP), block, -1, None, record=False)
    for round_ in range(repeat):
        run_round(w, n, submit_n, block, round_, profiles)

    s = w.samples
    us = {key: statistics.median(values) * 1e6 for key, values in s.items()}
    rounds = f"median of {repeat} rounds" if repeat > 1 else "1 round"
    figures: list[Figure | Skipped] = []
    raw_label = {
        "evm": ("py-evm apply", "py-evm apply_message of the same ping from dev0, no receipt"),
        "cosmwasm": ("keeper execute", "WasmKeeper.execute of the same increment"),
        "svm": (
            "raw LiteSVM Deliver",
            "raw LiteSVM running the bridge Deliver transaction the node builds, signed beforehand",
        ),
    }
    adapter_label = {
        "evm": "EvmModule.deliver_call",
        "cosmwasm": "execute_for_caller (WasmKeeper.execute)",
        "svm": "SvmModule.deliver_call",
    }
    engine_label = {"evm": "apply_system_transaction", "svm": "LiteSVM send_transaction"}
    what = {
        "evm": "CrossReceiver.ping(i)",
        "cosmwasm": "CosmWasm counter {increment}",
        "svm": "SVM counter program (+1 on dev0's alias account) via the bridge's Deliver",
    }
    for target in TARGETS:
        drain = us[f"drain_{target}"]
        raw = us[f"raw_{target}"]
        ratio = drain / raw
        label, baseline_note = raw_label[target]
        adapter = us[f"drain_{target}.adapter"]
        split = f"of which {adapter_label[target]} {adapter:.0f} us"
        if f"drain_{target}.engine" in us:
            split += f" (its {engine_label[target]} {us[f'drain_{target}.engine']:.0f} us)"
        split += f", the rest (x/crossvm's own work, the blocks) {drain - adapter:.0f} us"
        figures.append(
            Figure(
                f"crossvm_async.drain_{target}",
                drain,
                "us/msg",
                baseline=raw,
                baseline_label=label,
                ratio=ratio,
                target=f"<= {RATIO_TARGET}",
                met=ratio <= RATIO_TARGET,
                note=f"{n} queued messages -> {what[target]}, drained by the EndBlockers of "
                f"{w.blocks[target]} empty block(s), commits included; {split}; baseline: "
                f"{baseline_note}; {rounds} ({spread_us(s[f'drain_{target}'])} us; baseline "
                f"{spread_us(s[f'raw_{target}'])} us)",
                extra={
                    "blocks": w.blocks[target],
                    "n": n,
                    "adapter_us": adapter,
                    "engine_us": us.get(f"drain_{target}.engine"),
                },
            )
        )
    figures.append(
        Figure(
            "crossvm_async.evm_ping_tx",
            us["evm_ping_tx"],
            "us/tx",
            baseline=us["drain_evm"],
            baseline_label="drain",
            baseline_unit="us/msg",
            ratio=us["evm_ping_tx"] / us["drain_evm"],
            target="none (for the record)",
            note=f"the same ping as signed EVM transactions from dev0: admission + build_block, "
            f"blocks of {block}, n={n}, {rounds}",
        )
    )
    figures.append(
        Figure(
            "crossvm_async.svm_raw_deliver",
            us["raw_svm"],
            "us/tx",
            baseline=us["raw_counter"],
            baseline_label="raw LiteSVM counter tx",
            ratio=us["raw_svm"] / us["raw_counter"],
            target="none (for the record)",
            note="raw LiteSVM running the bridge Deliver transactions the node builds "
            "(SetComputeUnitLimit + Deliver, CPI into the counter), signed beforehand, against "
            "a signed transaction invoking the counter program directly (no bridge); the drain "
            f"against the direct call: ratio {us['drain_svm'] / us['raw_counter']:.1f}; {rounds}",
        )
    )
    source_what = {
        "native": ("MsgCrossVMCall (1 msg/tx) -> CrossReceiver.ping", "native MsgSend"),
        "evm": (
            "EVM tx CrossSubmitter.sendToCosmWasm(counter, increment)",
            "EVM tx Counter.increment()",
        ),
        "cosmwasm": (
            "MsgExecuteContract: dispatcher -> Custom crossvm_call -> ping",
            "the dispatcher's {write}",
        ),
        "svm": ("Solana tx with one bridge Submit -> ping", "Solana system transfer"),
    }
    for source in SOURCES:
        per_tx = us[f"submit_{source}"]
        base = us[f"submit_{source}.base"]
        rate, base_rate = 1e6 / per_tx, 1e6 / base
        submit_what, base_what = source_what[source]
        figures.append(
            Figure(
                f"crossvm_async.submit_{source}",
                rate,
                "msg/s",
                baseline=base_rate,
                baseline_label=base_what,
                baseline_unit="tx/s",
                ratio=rate / base_rate,
                target="none (for the record)",
                note=f"{submit_what}; {per_tx:.0f} us/msg (admission "
                f"{us[f'submit_{source}.admit']:.0f} us) against {base:.0f} us/tx (admission "
                f"{us[f'submit_{source}.base.admit']:.0f} us); submission blocks only, blocks "
                f"of {block}, n={submit_n}, {rounds}",
            )
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crossvm_async", description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="queued messages per target (1000)")
    parser.add_argument(
        "--submit-n", type=int, default=1000, help="submissions per source per round (1000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--block", type=int, default=200, help="transactions per block (200)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the drains (their figures then include it), print hotspots per target",
    )
    args = parser.parse_args(argv)
    report(
        run(
            args.n,
            submit_n=args.submit_n,
            repeat=args.repeat,
            block=args.block,
            profile=args.profile,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
