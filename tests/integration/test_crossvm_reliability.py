"""x/crossvm's queue under SIGKILL: about 1,000 messages across all six VM pairs, the node killed
at random moments while they are submitted and delivered, restarted on the same home each time.

Sources: a user's ``MsgCrossVMCall`` transactions (evm -> cosmwasm, evm -> svm, cosmwasm -> evm,
cosmwasm -> svm), the CosmWasm dispatcher's ``crossvm_call`` messages (-> evm, -> svm), the EVM
CrossSubmitter (-> cosmwasm, -> svm) and SVM transactions with bridge ``Submit`` instructions
(-> evm, -> cosmwasm). Targets count what reaches them: the CosmWasm counter, the EVM
CrossReceiver, the SVM counter program (one counter account per sender: the sender's alias PDA,
created at genesis, is the account the counter adds to). Some messages carry funds, and some are
meant to fail (``{"decrement":{}}``, ``CrossReceiver.fail``, malformed counter data) so refunds run.

After every kill the node is restarted once with blocks paused (a long block time) and the state at
rest is checked; then it is killed again and restarted to go on. At rest, every message id 1..N
exists once, pending or terminal; each terminal one has exactly one response log from 0x901 and
the outcome its payload calls for; each target's counters equal the executed messages towards it
(per sender too); the escrow (0x901's balance) equals the funds of the pending messages; the
funds of executed messages are where they were sent, those of failed ones back with their senders.
At the end the queue is drained and the same holds with nothing pending and an empty escrow.

Transactions a kill loses (never committed) are simply not there: the test reads the truth from
the node. Waiting here is bounded polling of a subprocess (it mines on its own clock).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import http.client
import itertools
import json
import os
import random
import signal
import struct
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from crossvm.alias import evm_alias
from qorenode import bech32
from qorenode.cli.wasm_commands import MSG_EXECUTE, instantiate_msg, store_msg
from qorenode.genesis import bridge_program_id, load_genesis
from qorenode.interfaces import VmId
from qorenode.keys import KeyPair, solana_dev_keypair
from qorenode.native_tx import build_native_tx, sign_native_tx
from tests.fixtures.contracts import REPO_ROOT, load_contract
from tests.integration._support import DEV, NodeProcess, eip1559, post, sign
from vms.cosmwasm.keeper import classic_address
from vms.svm.bridge import alias_address, encode_submit

SEED = int(os.environ.get("QORENODE_CROSSVM_KILL_SEED", "20250611"))
TARGET_MESSAGES = 1_000
KILLS = 4
BLOCK_TIME = 0.2
PAUSED_BLOCK_TIME = 3_600  # restarts for a check at rest: no block while it reads
DEADLINE = 170.0  # seconds for the whole test (setup, flood, kills, drain, checks)

CHAIN_ID = "qorenode-devnet-1"
ESCROW = "0x0000000000000000000000000000000000000901"
NATIVE = DEV[5]  # MsgCrossVMCall transactions (native transactions pay no fees)
WASM_ADMIN = DEV[6]  # stores, instantiates, funds and executes the dispatcher
EVM_USER_INDEX = 7  # calls the CrossSubmitter
EVM_USER = DEV[EVM_USER_INDEX]
SOL_SENDER = solana_dev_keypair(2)  # signs the SVM transactions with bridge Submits
DEV_BALANCE = 10_000 * 10**18
DISPATCHER_FUNDS = 10**18

BRIDGE = bridge_program_id()
COUNTER_PROGRAM = Pubkey(hashlib.sha256(b"qorenode/test/reliability/counter").digest())
RECEIVER = "0x" + keccak(b"qorenode/test/reliability/receiver")[12:].hex()
SUBMITTER = "0x" + keccak(b"qorenode/test/reliability/submitter")[12:].hex()
# the CosmWasm contracts the setup instantiates: codes 1 and 2, instances 1 and 2
COUNTER_CW = bech32.encode(classic_address(1, 1))
DISPATCHER_RAW = classic_address(2, 2)
DISPATCHER = bech32.encode(DISPATCHER_RAW)

INCREMENT = b'{"increment":{}}'
DECREMENT = b'{"decrement":{}}'  # the counter has no such message: the delivery fails
PING = keccak(b"ping(uint256)")[:4]
FAIL = keccak(b"fail(string)")[:4]
BAD_SVM_DATA = b"\x01\x02\x03"  # counter error 3004: data neither empty nor 8 bytes

# senders towards the SVM counter, each with its counter account (its alias PDA)
SVM_SENDERS = {
    "native/evm": (VmId.EVM, NATIVE.address),
    "native/cosmwasm": (VmId.COSMWASM, NATIVE.address),
    "submitter": (VmId.EVM, bytes.fromhex(SUBMITTER[2:])),
    "dispatcher": (VmId.COSMWASM, DISPATCHER_RAW),
}
SVM_COUNTERS = {
    name: alias_address(BRIDGE, int(vm), sender)[0] for name, (vm, sender) in SVM_SENDERS.items()
}
# senders towards the CrossReceiver, as the records show them, and their identity on the EVM
EVM_SENDERS = {
    ("cosmwasm", NATIVE.bech32_address): NATIVE.address,
    ("cosmwasm", DISPATCHER): evm_alias(VmId.COSMWASM, DISPATCHER_RAW),
    ("svm", str(SOL_SENDER.pubkey())): evm_alias(VmId.SVM, bytes(SOL_SENDER.pubkey())),
}


# -- JSON-RPC that tells a node that is down from one that refuses ----------------------------------


class NodeDown(Exception):
    """The node did not answer (killed, restarting)."""


class Refused(Exception):
    """The node answered with a JSON-RPC error."""

    def __init__(self, method: str, error: Any) -> None:
        super().__init__(f"{method}: {error}")
        self.error = error


def call(url: str, method: str, *params: Any, timeout: float = 15.0) -> Any:
    request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    try:
        _, body = post(url, json.dumps(request).encode(), timeout=timeout)
        reply = json.loads(body)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise NodeDown(f"{method}: {type(exc).__name__}: {exc}") from exc
    if "error" in reply:
        raise Refused(method, reply["error"])
    return reply["result"]


def svm_url(node: NodeProcess) -> str:
    return f"http://127.0.0.1:{node.ports['svm']}"


# -- genesis ----------------------------------------------------------------------------------------


def reliability_genesis() -> dict[str, Any]:
    """The preset plus the SVM counter program with one counter account per sender (its alias
    PDA), CrossReceiver and CrossSubmitter at fixed addresses, and room in the queue."""
    genesis = copy.deepcopy(load_genesis())
    svm = genesis["svm"]
    svm["programs"].append(
        {"program_id": str(COUNTER_PROGRAM), "so": "native/svm/build/counter.so"}
    )
    for account in SVM_COUNTERS.values():
        svm["accounts"].append(
            {
                "pubkey": str(account),
                "lamports": str(10_000_000),
                "owner": str(COUNTER_PROGRAM),
                "data": base64.b64encode(bytes(8)).decode(),
            }
        )
    for address, name in ((RECEIVER, "CrossReceiver"), (SUBMITTER, "CrossSubmitter")):
        code = load_contract(name).deployed_bytecode
        genesis["evm"]["alloc"][address] = {"balance": "0", "nonce": 1, "code": "0x" + code.hex()}
    params = genesis["crossvm"]["params"]
    params["max_queue_size"] = "5000"  # the flood is refused by nothing but a kill
    # a delivery uses about 25,000 gas: a block delivers a score of messages and the queue
    # backs up, so kills find it full and the head waits across blocks (and restarts)
    params["max_block_delivery_gas"] = "2500000"
    return genesis


# -- sending ----------------------------------------------------------------------------------------


def send_native(url: str, key: KeyPair, msgs: list[dict[str, Any]], gas: int) -> str:
    nonce = int(call(url, "eth_getTransactionCount", key.hex_address, "pending"), 16)
    tx = build_native_tx(CHAIN_ID, key.address, nonce, msgs, gas)
    return str(call(url, "qor_sendTransaction", sign_native_tx(tx, key.private_key)))


def send_evm(url: str, to: str, data: bytes, value: int = 0) -> str:
    nonce = int(call(url, "eth_getTransactionCount", EVM_USER.hex_address, "pending"), 16)
    raw = sign(eip1559(nonce, to=to, value=value, data=data, gas=400_000), EVM_USER_INDEX)
    return str(call(url, "eth_sendRawTransaction", raw))


def send_svm(url: str, instructions: list[Instruction]) -> str:
    recent = Hash.from_string(call(url, "getLatestBlockhash")["value"]["blockhash"])
    message = Message.new_with_blockhash(instructions, SOL_SENDER.pubkey(), recent)
    tx = Transaction([SOL_SENDER], message, recent)
    encoded = base64.b64encode(bytes(tx)).decode()
    return str(call(url, "sendTransaction", encoded, {"encoding": "base64"}))


def wait_native(url: str, tx_hash: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        record = call(url, "qor_getTransaction", tx_hash)
        if record is not None:
            assert record["success"], record
            return dict(record)
        assert time.monotonic() < deadline, f"{tx_hash} not included within {timeout}s"
        time.sleep(0.05)


def crossvm_msg(
    source_vm: str,
    target_vm: str,
    target: str,
    payload: bytes,
    funds: int = 0,
    svm_accounts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "@type": "/qorechain.crossvm.v1.MsgCrossVMCall",
        "sender": NATIVE.bech32_address,
        "source_vm": source_vm,
        "target_vm": target_vm,
        "target_contract": target,
        "payload": base64.b64encode(payload).decode(),
        "funds": [{"denom": "aqor", "amount": str(funds)}] if funds else [],
        "svm_accounts": svm_accounts or [],
    }


def ping(amount: int) -> bytes:
    return PING + abi_encode(["uint256"], [amount])


def fail(reason: str) -> bytes:
    return FAIL + abi_encode(["string"], [reason])


def writable(account: Pubkey) -> list[dict[str, Any]]:
    return [{"pubkey": str(account), "writable": True}]


@dataclass
class Batch:
    """One transaction of the flood: what to send, and how many messages it queues."""

    kind: str
    messages: int
    send: Callable[[NodeProcess], None]


def flood_plan(rng: random.Random) -> Iterator[Batch]:
    """An endless, seeded sequence of transactions from every source, mixed."""
    amounts = itertools.count(1)

    def native_batch() -> Batch:
        msgs = []
        for _ in range(rng.randint(8, 14)):
            funds = rng.choice((0, 0, rng.randint(1, 1_000)))
            pick = rng.random()
            if pick < 0.20:
                msgs.append(crossvm_msg("evm", "cosmwasm", COUNTER_CW, INCREMENT, funds))
            elif pick < 0.27:
                msgs.append(crossvm_msg("evm", "cosmwasm", COUNTER_CW, DECREMENT, funds or 7))
            elif pick < 0.42:
                account = writable(SVM_COUNTERS["native/evm"])
                msgs.append(crossvm_msg("evm", "svm", str(COUNTER_PROGRAM), b"", 0, account))
            elif pick < 0.47:
                account = writable(SVM_COUNTERS["native/evm"])
                msgs.append(
                    crossvm_msg("evm", "svm", str(COUNTER_PROGRAM), BAD_SVM_DATA, 0, account)
                )
            elif pick < 0.72:
                payload = ping(next(amounts))
                msgs.append(crossvm_msg("cosmwasm", "evm", RECEIVER, payload, funds))
            elif pick < 0.80:
                payload = fail("native")
                msgs.append(crossvm_msg("cosmwasm", "evm", RECEIVER, payload, funds or 11))
            else:
                account = writable(SVM_COUNTERS["native/cosmwasm"])
                msgs.append(crossvm_msg("cosmwasm", "svm", str(COUNTER_PROGRAM), b"", 0, account))
        return Batch(
            "native",
            len(msgs),
            lambda node: send_native(node.eth_url, NATIVE, msgs, 60_000 + 90_000 * len(msgs)),
        )

    def dispatcher_batch() -> Batch:
        executes = []
        total = 0
        for _ in range(rng.randint(1, 2)):
            calls = []
            for _ in range(rng.randint(3, 7)):
                funds = rng.choice((0, rng.randint(1, 500)))
                pick = rng.random()
                body: dict[str, Any]
                if pick < 0.45:
                    payload, target_vm, target = ping(next(amounts)), "evm", RECEIVER
                elif pick < 0.55:
                    payload, target_vm, target = fail("dispatcher"), "evm", RECEIVER
                    funds = funds or 13
                else:
                    good = pick < 0.92
                    payload, target_vm, target = (
                        b"" if good else BAD_SVM_DATA,
                        "svm",
                        str(COUNTER_PROGRAM),
                    )
                    funds = 0
                body = {
                    "target_vm": target_vm,
                    "target_contract": target,
                    "payload": base64.b64encode(payload).decode(),
                }
                if funds:
                    body["funds"] = [{"denom": "aqor", "amount": str(funds)}]
                if target_vm == "svm":
                    body["svm_accounts"] = writable(SVM_COUNTERS["dispatcher"])
                calls.append({"custom": {"crossvm_call": body}})
            total += len(calls)
            executes.append(
                {
                    "@type": MSG_EXECUTE,
                    "sender": WASM_ADMIN.bech32_address,
                    "contract": DISPATCHER,
                    "msg": {"all": calls},
                    "funds": [],
                }
            )
        return Batch(
            "dispatcher",
            total,
            lambda node: send_native(node.eth_url, WASM_ADMIN, executes, 3_000_000),
        )

    def submitter_batch() -> Batch:
        calls = []
        for _ in range(rng.randint(2, 4)):
            pick = rng.random()
            value = rng.choice((0, rng.randint(1, 1_000)))
            if pick < 0.45:
                data = _submitter_call(
                    "sendToCosmWasm(string,bytes)", ["string", "bytes"], [COUNTER_CW, INCREMENT]
                )
            elif pick < 0.60:
                data = _submitter_call(
                    "sendToCosmWasm(string,bytes)", ["string", "bytes"], [COUNTER_CW, DECREMENT]
                )
                value = value or 17
            else:
                svm_data = b"" if pick < 0.90 else BAD_SVM_DATA
                account = (bytes(SVM_COUNTERS["submitter"]), True)
                data = _submitter_call(
                    "sendToSvm(bytes32,(bytes32,bool)[],bytes)",
                    ["bytes32", "(bytes32,bool)[]", "bytes"],
                    [bytes(COUNTER_PROGRAM), [account], svm_data],
                )
                value = 0
            calls.append((data, value))

        def send(node: NodeProcess) -> None:
            for data, value in calls:
                send_evm(node.eth_url, SUBMITTER, data, value)

        return Batch("submitter", len(calls), send)

    def svm_batch() -> Batch:
        instructions = []
        sender = [AccountMeta(SOL_SENDER.pubkey(), True, False)]
        for _ in range(rng.randint(5, 9)):
            pick = rng.random()
            if pick < 0.40:
                data = encode_submit(0, RECEIVER, ping(next(amounts)))
            elif pick < 0.50:
                data = encode_submit(0, RECEIVER, fail("svm"))
            elif pick < 0.90:
                data = encode_submit(1, COUNTER_CW, INCREMENT)
            else:
                data = encode_submit(1, COUNTER_CW, DECREMENT)
            instructions.append(Instruction(BRIDGE, data, sender))
        return Batch("svm", len(instructions), lambda node: _send_svm(node, instructions))

    makers = (native_batch, dispatcher_batch, submitter_batch, svm_batch)
    while True:
        yield rng.choices(makers, weights=(3, 3, 2, 3))[0]()


def _submitter_call(signature: str, types: list[str], args: list[Any]) -> bytes:
    return keccak(signature.encode())[:4] + abi_encode(types, args)


def _send_svm(node: NodeProcess, instructions: list[Instruction]) -> None:
    send_svm(svm_url(node), instructions)


# -- the node, its kills and restarts ---------------------------------------------------------------


@dataclass
class Link:
    """Who may talk to the node: cleared while the killer has it down."""

    node: NodeProcess
    up: threading.Event = field(default_factory=threading.Event)
    failure: BaseException | None = None

    def wait_up(self, timeout: float = 90.0) -> None:
        if not self.up.wait(timeout):
            raise AssertionError(f"the node did not come back within {timeout}s")
        if self.failure is not None:
            raise AssertionError("the killer failed") from self.failure


@dataclass
class Flood:
    sent_messages: int = 0
    sent_by_kind: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    interrupted: int = 0
    refused: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


def restart(node: NodeProcess, block_time: float) -> None:
    node.block_time = block_time
    node.start()


def newest_id(url: str) -> int:
    newest = call(url, "qor_listCrossVMMessages", {"limit": 1})
    return int(newest[0]["id"]) if newest else 0


# -- reading the truth back -------------------------------------------------------------------------


def eth_call(url: str, signature: str, types: list[str] | None = None, args: Any = ()) -> int:
    data = keccak(signature.encode())[:4] + (abi_encode(types, list(args)) if types else b"")
    out = call(url, "eth_call", {"to": RECEIVER, "data": "0x" + data.hex()}, "latest")
    return int(abi_decode(["uint256"], bytes.fromhex(out[2:]))[0])


def balance(url: str, address: str) -> int:
    return int(call(url, "qor_getBalance", address))


def svm_counter(url: str, account: Pubkey) -> int:
    value = call(url, "getAccountInfo", str(account), {"encoding": "base64"})["value"]
    return int(struct.unpack("<Q", base64.b64decode(value["data"][0])[:8])[0])


def all_records(url: str) -> list[dict[str, Any]]:
    """Every record, by buckets small enough for one ``qor_listCrossVMMessages`` page each."""
    records = []
    for source in ("evm", "cosmwasm", "svm"):
        for target in ("evm", "cosmwasm", "svm"):
            for status in ("submitted", "pending", "executed", "failed", "timed_out"):
                query = {"source_vm": source, "target_vm": target, "status": status}
                page = call(url, "qor_listCrossVMMessages", {**query, "limit": 1000})
                assert len(page) < 1000, f"bucket {query} is full: page the list differently"
                for record in page:
                    assert (record["source_vm"], record["target_vm"], record["status"]) == (
                        source,
                        target,
                        status,
                    ), record
                records.extend(page)
    return records


def expected_status(record: dict[str, Any]) -> str:
    """The outcome a message's payload calls for."""
    payload = bytes.fromhex(record["payload_hex"][2:])
    target = (record["target_vm"], record["target_contract"])
    if target == ("cosmwasm", COUNTER_CW):
        assert payload in (INCREMENT, DECREMENT), record
        return "executed" if payload == INCREMENT else "failed"
    if target == ("evm", RECEIVER):
        assert payload[:4] in (PING, FAIL), record
        return "executed" if payload[:4] == PING else "failed"
    assert target == ("svm", str(COUNTER_PROGRAM)), record
    assert payload in (b"", BAD_SVM_DATA), record
    return "executed" if payload == b"" else "failed"


def funds(record: dict[str, Any]) -> int:
    return sum(int(coin["amount"]) for coin in record["funds"])


def response_logs(url: str, height: int) -> Counter[int]:
    """How many CrossVMResponse / CrossVMTimeout logs 0x901 wrote for each message id."""
    topics = [
        "0x" + keccak(b"CrossVMResponse(uint64,uint8,bytes)").hex(),
        "0x" + keccak(b"CrossVMTimeout(uint64,uint8,uint8)").hex(),
    ]
    seen: Counter[int] = Counter()
    for start in range(0, height + 1, 5_000):
        logs = call(
            url,
            "eth_getLogs",
            {
                "fromBlock": hex(start),
                "toBlock": hex(min(height, start + 4_999)),
                "address": ESCROW,
                "topics": [topics],
            },
        )
        for log in logs:
            seen[int(log["topics"][1], 16)] += 1
    return seen


def check_at_rest(node: NodeProcess, *, drained: bool) -> dict[str, Any]:
    """Every invariant on a node that produces no block while it is read."""
    url, solana = node.eth_url, svm_url(node)
    height = int(call(url, "eth_blockNumber"), 16)
    records = all_records(url)
    ids = sorted(int(r["id"]) for r in records)
    last = newest_id(url)
    assert ids == list(range(1, last + 1)), "message ids are not 1..N, each once"
    with pytest.raises(Refused):
        call(url, "qor_getCrossVMMessage", last + 1)
    statuses = Counter(r["status"] for r in records)
    assert statuses["submitted"] == 0, "a committed record still says submitted"
    pending = [r for r in records if r["status"] == "pending"]
    assert [int(r["id"]) for r in call(url, "qor_getPendingCrossVMMessages")] == sorted(
        int(r["id"]) for r in pending
    )
    if drained:
        assert not pending, f"{len(pending)} messages still pending"
    terminal = [r for r in records if r["status"] in ("executed", "failed", "timed_out")]

    # exactly one terminal state each: one response (or timeout) log per terminal message
    logs = response_logs(url, height)
    doubled = {i: n for i, n in logs.items() if n != 1}
    assert not doubled, f"messages with several terminal logs: {doubled}"
    assert set(logs) == {int(r["id"]) for r in terminal}
    for record in terminal:
        assert record["created_height"] < record["executed_height"] <= height, record
        assert record["status"] == expected_status(record), record

    executed = [r for r in records if r["status"] == "executed"]

    # CosmWasm counter: one increment per executed message, and their funds
    to_counter = [r for r in executed if r["target_vm"] == "cosmwasm"]
    count = int(call(url, "qor_wasmSmartQuery", COUNTER_CW, {"get_count": {}})["count"])
    assert count == len(to_counter)
    assert balance(url, COUNTER_CW) == sum(funds(r) for r in to_counter)

    # CrossReceiver: count, per-sender counts, the ping amounts, the value received and held
    to_receiver = [r for r in executed if r["target_vm"] == "evm"]
    assert eth_call(url, "count()") == len(to_receiver)
    by_sender = Counter((r["source_vm"], r["sender"]) for r in to_receiver)
    assert set(by_sender) <= set(EVM_SENDERS), by_sender
    for key, identity in EVM_SENDERS.items():
        assert eth_call(url, "countBySender(address)", ["address"], [identity]) == by_sender[key]
    pinged = sum(int.from_bytes(bytes.fromhex(r["payload_hex"][2:])[4:36]) for r in to_receiver)
    assert eth_call(url, "total()") == pinged
    received = sum(funds(r) for r in to_receiver)
    assert eth_call(url, "received()") == received
    assert int(call(url, "eth_getBalance", RECEIVER, "latest"), 16) == received

    # SVM counter: each sender's account counts that sender's executed messages
    to_svm = Counter((r["source_vm"], r["sender"]) for r in executed if r["target_vm"] == "svm")
    for name, (vm, sender) in SVM_SENDERS.items():
        text = "0x" + sender.hex() if vm == VmId.EVM else bech32.encode(sender)
        assert svm_counter(solana, SVM_COUNTERS[name]) == to_svm[(vm.label, text)], name
    assert sum(to_svm.values()) == len([r for r in executed if r["target_vm"] == "svm"])

    # escrow: exactly the pending messages' funds; nothing left at the EVM aliases
    assert balance(url, ESCROW) == sum(funds(r) for r in pending)
    assert int(call(url, "eth_getBalance", ESCROW, "latest"), 16) == balance(url, ESCROW)
    for identity in EVM_SENDERS.values():
        if identity != NATIVE.address:
            assert balance(url, "0x" + identity.hex()) == 0

    # senders: what left them is what was executed (or still waits); failures came back
    def spent(sender: str) -> int:
        return sum(funds(r) for r in records if r["sender"] == sender and r["status"] in (
            "executed", "pending"
        ))  # fmt: skip

    native_spent = spent(NATIVE.bech32_address) + spent(NATIVE.hex_address.lower())
    assert balance(url, NATIVE.hex_address) == DEV_BALANCE - native_spent
    assert balance(url, DISPATCHER) == DISPATCHER_FUNDS - spent(DISPATCHER)
    refunded = sum(
        funds(r)
        for r in records
        if r["sender"] == SUBMITTER and r["status"] in ("failed", "timed_out")
    )
    assert int(call(url, "eth_getBalance", SUBMITTER, "latest"), 16) == refunded
    pairs = Counter(f"{r['source_vm']}->{r['target_vm']}" for r in records)
    gas: dict[str, list[int]] = defaultdict(list)
    for record in terminal:
        gas[record["target_vm"]].append(int(record["gas_used"]))
    return {
        "gas": {vm: sum(used) // len(used) for vm, used in sorted(gas.items())},
        "height": height,
        "messages": last,
        "statuses": dict(statuses),
        "pairs": dict(sorted(pairs.items())),
        "escrow": balance(url, ESCROW),
    }


# -- the test ---------------------------------------------------------------------------------------


def setup_contracts(node: NodeProcess) -> None:
    """Store and instantiate the CosmWasm counter and dispatcher; fund the dispatcher."""
    url = node.eth_url
    admin = WASM_ADMIN.bech32_address
    build = REPO_ROOT / "native" / "cosmwasm" / "build"
    msgs = [
        store_msg(admin, (build / "counter.wasm").read_bytes()),
        store_msg(admin, (build / "dispatcher.wasm").read_bytes()),
        instantiate_msg(admin, 1, {"count": 0}, "counter", "", []),
        instantiate_msg(admin, 2, {}, "dispatcher", "", []),
        {
            "@type": "/cosmos.bank.v1beta1.MsgSend",
            "from_address": admin,
            "to_address": DISPATCHER,
            "amount": [{"denom": "aqor", "amount": str(DISPATCHER_FUNDS)}],
        },
    ]
    wait_native(url, send_native(url, WASM_ADMIN, msgs, 30_000_000))
    info = call(url, "qor_wasmContract", COUNTER_CW)
    assert info is not None
    assert balance(url, DISPATCHER) == DISPATCHER_FUNDS
    # the identities the genesis prepared counter accounts for are the node's
    for name, (vm, sender) in SVM_SENDERS.items():
        text = "0x" + sender.hex() if vm == VmId.EVM else bech32.encode(sender)
        alias = call(url, "qor_crossVMAlias", "svm", vm.label, text)
        assert alias == str(SVM_COUNTERS[name]), name
    for (vm, text), identity in EVM_SENDERS.items():
        assert call(url, "qor_crossVMAlias", "evm", vm, text) == "0x" + identity.hex()


@pytest.mark.slow
def test_crossvm_queue_survives_sigkill_under_a_flood(tmp_path: Path) -> None:
    print(f"seed {SEED} (QORENODE_CROSSVM_KILL_SEED)")
    started = time.monotonic()
    plan_rng, kill_rng = random.Random(SEED), random.Random(SEED + 1)
    home = tmp_path / "home"
    home.mkdir()
    (home / "genesis.json").write_text(json.dumps(reliability_genesis(), indent=1))
    node = NodeProcess(home=home, block_time=BLOCK_TIME, log_path=tmp_path / "node.log")
    thresholds = sorted(kill_rng.sample(range(60, TARGET_MESSAGES - 60, 10), KILLS))
    kills: list[dict[str, Any]] = []
    flood = Flood()
    with node.running():
        node.start()
        setup_contracts(node)
        link = Link(node)
        link.up.set()
        check_at_rest_times: list[float] = []

        def kill_and_check(when: str, longest_delay: float = 0.6) -> None:
            delay = kill_rng.uniform(0.0, longest_delay)
            time.sleep(delay)
            link.up.clear()
            alive = node.process is not None and node.process.poll() is None
            assert alive, "the node died on its own:\n" + node.log()
            assert node.stop(signal.SIGKILL) == -signal.SIGKILL
            t0 = time.monotonic()
            restart(node, PAUSED_BLOCK_TIME)
            summary = check_at_rest(node, drained=False)
            assert node.stop(signal.SIGKILL) == -signal.SIGKILL
            restart(node, BLOCK_TIME)
            check_at_rest_times.append(time.monotonic() - t0)
            kills.append({"when": when, "delay": round(delay, 3), **summary})
            link.up.set()

        def killer() -> None:
            try:
                for threshold in thresholds:
                    deadline = time.monotonic() + 60
                    while flood.sent_messages < threshold and not flood.done.is_set():
                        assert time.monotonic() < deadline, "the flood stalled"
                        time.sleep(0.01)
                    if flood.done.is_set():
                        return
                    kill_and_check(f"after {flood.sent_messages} sent")
            except BaseException as exc:
                link.failure = exc
                link.up.set()

        thread = threading.Thread(target=killer, name="killer", daemon=True)
        thread.start()

        # -- the flood: until the node holds TARGET_MESSAGES messages ---------------------------
        plan = flood_plan(plan_rng)
        try:
            while True:
                link.wait_up()
                try:
                    if newest_id(node.eth_url) >= TARGET_MESSAGES:
                        break
                except NodeDown:
                    assert time.monotonic() - started < DEADLINE - 60, "the node stays down"
                    time.sleep(0.05)
                    continue
                batch = next(plan)
                while True:  # the same batch again after a restart
                    link.wait_up()
                    try:
                        batch.send(node)
                        break
                    except NodeDown:
                        assert time.monotonic() - started < DEADLINE - 60, "the node stays down"
                        flood.interrupted += 1
                        time.sleep(0.05)
                    except Refused as exc:
                        flood.refused.append(f"{batch.kind}: {exc}")
                        break
                flood.batches += 1
                flood.sent_messages += batch.messages
                flood.sent_by_kind[batch.kind] += batch.messages
                time.sleep(plan_rng.uniform(0.02, 0.12))
                assert time.monotonic() - started < DEADLINE - 60, "the flood took too long"
        finally:
            flood.done.set()
            thread.join(120)
        assert not thread.is_alive()
        if link.failure is not None:
            raise link.failure
        assert len(kills) == KILLS, kills
        assert len(flood.refused) <= 3, flood.refused

        # -- one more kill while the queue is being delivered -----------------------------------
        url = node.eth_url
        deadline = time.monotonic() + 10
        while not call(url, "qor_getPendingCrossVMMessages"):
            assert time.monotonic() < deadline, "nothing pending after the flood"
            time.sleep(0.02)
        kill_and_check("while draining", longest_delay=0.15)

        # -- drain: every message reaches its terminal state ------------------------------------
        url = node.eth_url
        deadline = time.monotonic() + 60
        while call(url, "qor_getPendingCrossVMMessages"):
            assert time.monotonic() < deadline, "the queue did not drain within 60s"
            time.sleep(0.2)
        height = int(call(url, "eth_blockNumber"), 16)
        deadline = time.monotonic() + 10  # the last deliveries' block is committed
        while int(call(url, "eth_blockNumber"), 16) <= height:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        final = check_at_rest(node, drained=True)
        assert final["messages"] >= TARGET_MESSAGES
        assert final["escrow"] == 0
        pairs = final["pairs"]
        for pair in (
            "evm->cosmwasm",
            "evm->svm",
            "cosmwasm->evm",
            "cosmwasm->svm",
            "svm->evm",
            "svm->cosmwasm",
        ):
            assert pairs.get(pair, 0) >= 20, pairs
        assert final["statuses"].get("failed", 0) >= 20, final
        assert any(kill["statuses"].get("pending") for kill in kills), "no kill found a queue"
        assert node.stop(signal.SIGTERM) == 0, node.log()

    log = (tmp_path / "node.log").read_text()
    assert "Traceback" not in log and " ERROR " not in log, log[-4000:]
    elapsed = time.monotonic() - started
    by_status: dict[str, int] = defaultdict(int, final["statuses"])
    print(
        f"seed {SEED}: {final['messages']} messages in {final['height']} blocks,"
        f" {flood.batches} transactions sent ({dict(flood.sent_by_kind)}),"
        f" {flood.interrupted} interrupted by a kill, {len(flood.refused)} refused,"
        f" {flood.sent_messages - final['messages']} messages lost with their uncommitted"
        " transactions;"
        f" executed {by_status['executed']}, failed {by_status['failed']},"
        f" timed out {by_status['timed_out']}; pairs {pairs}"
    )
    for kill in kills:
        shown = {key: kill[key] for key in ("when", "delay", "height", "messages", "escrow")}
        print(f"  kill {shown} statuses at rest {kill['statuses']}")
    print(f"  mean delivery gas by target {final['gas']}")
    print(
        f"  restart+check times {[round(t, 1) for t in check_at_rest_times]}; total {elapsed:.1f}s"
    )
    assert elapsed < DEADLINE, f"took {elapsed:.1f}s (seed {SEED})"
