"""The SVM adapter's half of x/crossvm's asynchronous queue, in real blocks on real LiteSVM.

The composed node runs with the committed programs (bridge, counter, cpi_pda, alias_check, logger)
deployed at genesis. x/crossvm is replaced by a small recording queue (``RecordingQueue``) that
only records what the adapter hands it and can be told to refuse; deliveries are made from an
EndBlocker-like test module (``Deliveries``), as x/crossvm makes them.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from solders.address_lookup_table_account import ID as LOOKUP_TABLE_PROGRAM
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.instruction import AccountMeta, CompiledInstruction, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

from qorenode.composition import Composition, compose
from qorenode.genesis import InvalidGenesis, bridge_program_id, load_genesis
from qorenode.interfaces import (
    BlockContext,
    BridgeSubmission,
    DeliveryResult,
    Event,
    Module,
    NodeError,
    TxResult,
)
from qorenode.keys import solana_dev_keypair
from qorenode.store import Database
from tests.unit.core.chainkit import Chain
from vms.svm.bridge import (
    AuthoritySigner,
    alias_address,
    decode_submit,
    deliver_blockhash,
    deliver_instructions,
    deliver_transaction,
    encode_submit,
    extract_submissions,
)
from vms.svm.module import SvmModule

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
SOL = 10**9
EVM, COSMWASM = 0, 1
BRIDGE = bridge_program_id()
PROGRAMS = ("counter", "cpi_pda", "alias_check", "logger")
IDS = {name: Pubkey(hashlib.sha256(b"test/" + name.encode()).digest()) for name in PROGRAMS}
VAULT = Pubkey.find_program_address([b"vault"], IDS["cpi_pda"])[0]
EVM_SENDER = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
CW_SENDER = bytes(range(1, 33))
ALIAS = alias_address(BRIDGE, EVM, EVM_SENDER)[0]  # a counter account at genesis
EVM_TARGET = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
CW_TARGET = "qor14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s4hmalr"
INCREMENT = bytes.fromhex("d09de08a")
TABLE = Pubkey(hashlib.sha256(b"test/lookup-table").digest())


# --- harness -----------------------------------------------------------------------------------


class QueueFull(NodeError):
    code, codespace = 3, "crossvm"


class RecordingQueue:
    """Stands in for x/crossvm: records checks and submissions, refuses when told to."""

    def __init__(self) -> None:
        self.checked: list[list[BridgeSubmission]] = []
        self.submitted: list[tuple[int, list[BridgeSubmission], bytes]] = []
        self.refusal: NodeError | None = None
        self.next_id = 1

    def check_svm_submissions(self, submissions: Sequence[BridgeSubmission]) -> None:
        self.checked.append(list(submissions))
        if self.refusal is not None:
            raise self.refusal

    def submit_from_svm(
        self, block: BlockContext, submissions: Sequence[BridgeSubmission], signature: bytes
    ) -> list[int]:
        self.submitted.append((block.height, list(submissions), signature))
        ids = list(range(self.next_id, self.next_id + len(submissions)))
        self.next_id += len(submissions)
        return ids

    @property
    def submissions(self) -> list[BridgeSubmission]:
        return [s for _, batch, _ in self.submitted for s in batch]


class Deliveries(Module):
    """Makes the deliveries it is given at EndBlock, as x/crossvm's EndBlocker does."""

    name = "test_deliveries"

    def __init__(self, comp: Composition) -> None:
        self.svm = comp.svm
        self.pending: list[tuple[Any, ...]] = []
        self.results: list[DeliveryResult] = []

    def end_block(self, ctx: BlockContext) -> list[Event]:
        for call in self.pending:
            self.results.append(self.svm.deliver_call(ctx, *call))
        self.pending.clear()
        return []


def lookup_table_data(addresses: Sequence[Pubkey]) -> bytes:
    """An active address lookup table (no authority, extended at slot 0)."""
    meta = struct.pack("<IQQB", 1, 2**64 - 1, 0, 0) + b"\x00"
    return meta.ljust(56, b"\x00") + b"".join(bytes(a) for a in addresses)


def bridge_genesis() -> dict[str, Any]:
    genesis = copy.deepcopy(load_genesis())
    section = genesis["svm"]
    for name in PROGRAMS:
        section["programs"].append(
            {"program_id": str(IDS[name]), "so": f"native/svm/build/{name}.so"}
        )
    section["accounts"] += [
        {
            "pubkey": str(ALIAS),
            "lamports": str(10_000_000),
            "owner": str(IDS["counter"]),
            "data": base64.b64encode(bytes(8)).decode(),
        },
        {
            "pubkey": str(TABLE),
            "lamports": str(10_000_000),
            "owner": str(LOOKUP_TABLE_PROGRAM),
            "data": base64.b64encode(lookup_table_data([VAULT, BRIDGE])).decode(),
        },
    ]
    return genesis


class Node:
    """The chain, its SVM, the recording queue and the delivery module."""

    def __init__(self, path: Path) -> None:
        self.chain = Chain(path, extra=[Deliveries], genesis=bridge_genesis())
        self.queue = RecordingQueue()
        self.wire()

    def wire(self) -> None:
        self.svm.set_crossvm_queue(self.queue)

    def restart(self) -> None:
        self.chain.restart()
        self.wire()

    @property
    def svm(self) -> SvmModule:
        assert self.chain.comp is not None
        return self.chain.comp.svm

    @property
    def deliveries(self) -> Deliveries:
        (module,) = self.chain.extra
        assert isinstance(module, Deliveries)
        return module

    def raw(self, instructions: list[Instruction], signers: Sequence[Keypair] = (ALICE,)) -> bytes:
        recent = Hash(self.svm.latest_blockhash[0])
        message = Message.new_with_blockhash(instructions, signers[0].pubkey(), recent)
        return bytes(Transaction(list(signers), message, recent))

    def send(self, raw: bytes, *, check: bool = True) -> TxResult:
        pending = self.svm.pending_tx(raw)
        if check:
            self.chain.app.check_tx(pending)
        (result,) = self.chain.mine(pending).results
        return result

    def deliver(self, *calls: tuple[Any, ...]) -> list[DeliveryResult]:
        """Deliver ``(message_id, source_vm, sender, program, accounts, data, compute_limit)``
        calls in one block's EndBlock."""
        self.deliveries.pending.extend(calls)
        self.deliveries.results.clear()
        self.chain.mine()
        return list(self.deliveries.results)

    def balance(self, who: Pubkey) -> int:
        account = self.svm.account(bytes(who))
        return 0 if account is None else int(account.lamports)

    def counter(self, address: Pubkey = ALIAS) -> int:
        account = self.svm.account(bytes(address))
        assert account is not None
        return int.from_bytes(bytes(account.data)[:8], "little")


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    node = Node(tmp_path / "db")
    yield node
    node.chain.close()


def submit_ix(sender: Pubkey, target_vm: int, target: str, payload: bytes) -> Instruction:
    return Instruction(
        BRIDGE, encode_submit(target_vm, target, payload), [AccountMeta(sender, True, False)]
    )


def cpi_submit_ix(target_vm: int, target: str, payload: bytes) -> Instruction:
    """cpi_pda tag 1: the program submits by CPI, its vault PDA signing."""
    envelope = encode_submit(target_vm, target, payload)[1:]
    return Instruction(
        IDS["cpi_pda"],
        b"\x01" + envelope,
        [AccountMeta(VAULT, False, False), AccountMeta(BRIDGE, False, False)],
    )


def pay(to: Pubkey, lamports: int) -> Instruction:
    return transfer(TransferParams(from_pubkey=ALICE.pubkey(), to_pubkey=to, lamports=lamports))


def deliver_signature(node: Node, message_id: int, result: DeliveryResult) -> bytes:
    assert result.tx_hash is not None and len(result.tx_hash) == 64
    record = node.svm.transaction(result.tx_hash)
    assert record is not None
    tx = VersionedTransaction.from_bytes(base64.b64decode(record["tx"]))
    assert tx.message.recent_blockhash == deliver_blockhash(message_id)
    return result.tx_hash


# --- encoding ----------------------------------------------------------------------------------


def test_submit_data_round_trips() -> None:
    data = encode_submit(COSMWASM, CW_TARGET, b'{"a":1}')
    assert data[:4] == bytes([0, 1]) + struct.pack("<H", len(CW_TARGET))
    assert decode_submit(data) == (COSMWASM, CW_TARGET, b'{"a":1}')
    assert decode_submit(b"\x01" + data[1:]) is None  # a Deliver
    assert decode_submit(data[:5]) is None  # target cut short
    assert extract_submissions([], [], [], BRIDGE) == []


class Inner:
    """The two methods of solders' InnerInstruction (which Python cannot construct)."""

    def __init__(self, program: int, accounts: bytes, data: bytes, height: int) -> None:
        self.compiled = CompiledInstruction(program, data, accounts)
        self.height = height

    def instruction(self) -> CompiledInstruction:
        return self.compiled

    def stack_height(self) -> int:
        return self.height


def test_a_deep_cpi_names_its_nearest_caller() -> None:
    """top-level A -> B -> C -> bridge, then B -> bridge: each Submit names its own caller."""
    a, b, c, sender = (Pubkey.new_unique() for _ in range(4))
    keys = [sender, a, b, c, BRIDGE]
    data = encode_submit(EVM, EVM_TARGET, b"")
    top = CompiledInstruction(1, b"", bytes([0]))
    inner = [
        Inner(2, b"", b"", 2),
        Inner(3, b"", b"", 3),
        Inner(4, bytes([0]), data, 4),
        Inner(4, bytes([0]), data, 3),
        Inner(4, bytes([0]), data, 2),
    ]
    found = extract_submissions([top], [inner], keys, BRIDGE)  # type: ignore[list-item]
    assert [s.program for s in found] == [bytes(c), bytes(b), bytes(a)]
    assert {s.sender for s in found} == {bytes(sender)}


# --- Submit: SVM transactions sending cross-VM messages ----------------------------------------


def test_a_top_level_submit_is_queued(node: Node) -> None:
    result = node.send(node.raw([submit_ix(ALICE.pubkey(), EVM, EVM_TARGET, INCREMENT)]))
    assert result.success, result.log
    [(height, [submission], signature)] = node.queue.submitted
    assert submission == BridgeSubmission(
        sender=bytes(ALICE.pubkey()),
        target_vm=EVM,
        target=EVM_TARGET,
        payload=INCREMENT,
        program=None,
    )
    assert height == node.chain.app.height and signature == result.tx_hash
    assert result.details["crossvm_message_ids"] == [1]
    record = node.svm.transaction(result.tx_hash)
    assert record is not None and record["crossvm_message_ids"] == [1]
    # checked at admission (check_tx) and again before execution (deliver_tx)
    assert node.queue.checked == [[submission], [submission]]


def test_a_submit_by_cpi_names_the_program_and_its_pda(node: Node) -> None:
    result = node.send(node.raw([cpi_submit_ix(COSMWASM, CW_TARGET, b'{"ping":{}}')]))
    assert result.success, result.log
    assert node.queue.submissions == [
        BridgeSubmission(bytes(VAULT), COSMWASM, CW_TARGET, b'{"ping":{}}', bytes(IDS["cpi_pda"]))
    ]


def test_two_submits_in_one_transaction_are_queued_in_order(node: Node) -> None:
    result = node.send(
        node.raw(
            [
                cpi_submit_ix(EVM, EVM_TARGET, b""),
                submit_ix(ALICE.pubkey(), COSMWASM, CW_TARGET, b'{"second":{}}'),
            ]
        )
    )
    assert result.success, result.log
    assert [(s.sender, s.target, s.program) for s in node.queue.submissions] == [
        (bytes(VAULT), EVM_TARGET, bytes(IDS["cpi_pda"])),
        (bytes(ALICE.pubkey()), CW_TARGET, None),
    ]
    assert len(node.queue.submitted) == 1  # one call for the transaction
    assert result.details["crossvm_message_ids"] == [1, 2]


def test_a_v0_transaction_resolves_lookup_table_accounts(node: Node) -> None:
    """The vault and the bridge come from a lookup table: inner instruction indexes point past the
    static keys, into the loaded addresses."""
    recent = Hash(node.svm.latest_blockhash[0])
    table = AddressLookupTableAccount(TABLE, [VAULT, BRIDGE])
    message = MessageV0.try_compile(
        ALICE.pubkey(), [cpi_submit_ix(EVM, EVM_TARGET, INCREMENT)], [table], recent
    )
    assert BRIDGE not in message.account_keys and VAULT not in message.account_keys
    result = node.send(bytes(VersionedTransaction(message, [ALICE])))
    assert result.success, result.log
    assert node.queue.submissions == [
        BridgeSubmission(bytes(VAULT), EVM, EVM_TARGET, INCREMENT, bytes(IDS["cpi_pda"]))
    ]


def test_a_refused_submit_is_not_executed(node: Node) -> None:
    node.queue.refusal = QueueFull("cross-VM queue is full (1000 pending messages)")
    raw = node.raw([pay(BOB.pubkey(), SOL), submit_ix(ALICE.pubkey(), EVM, EVM_TARGET, INCREMENT)])
    # refused at admission, with x/crossvm's error
    with pytest.raises(QueueFull, match="queue is full"):
        node.chain.app.check_tx(node.svm.pending_tx(raw))
    # and if it reaches a block anyway: not executed, no fee, a failed result with the code
    alice, bob = node.balance(ALICE.pubkey()), node.balance(BOB.pubkey())
    result = node.send(raw, check=False)
    assert not result.success
    assert (result.codespace, result.code) == ("crossvm", 3)
    assert result.log == "cross-VM queue is full (1000 pending messages)"
    assert node.balance(ALICE.pubkey()) == alice and node.balance(BOB.pubkey()) == bob
    assert node.queue.submitted == []
    # recorded as failed, so getSignatureStatuses / getTransaction say why
    record = node.svm.transaction(result.tx_hash)
    assert record is not None and record["fee"] == 0
    assert record["err_json"] == {"InstructionError": [1, {"Custom": 3}]}
    assert node.svm.processed(result.tx_hash)


def test_a_failed_transaction_queues_nothing(node: Node) -> None:
    failing = Instruction(IDS["counter"], b"", [])  # counter: no account (3000)
    result = node.send(
        node.raw([submit_ix(ALICE.pubkey(), EVM, EVM_TARGET, INCREMENT), failing]), check=False
    )
    assert not result.success and "Custom(3000)" in result.log
    assert node.queue.checked == [] and node.queue.submitted == []
    assert "crossvm_message_ids" not in result.details


def test_transactions_that_cannot_reach_the_bridge_are_not_simulated(node: Node) -> None:
    class Counting:
        def __init__(self, svm: Any) -> None:
            self.inner, self.simulations = svm, 0

        def simulate_transaction(self, tx: Any) -> Any:
            self.simulations += 1
            return self.inner.simulate_transaction(tx)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    counting = Counting(node.svm.svm)
    node.svm.svm = counting  # type: ignore[assignment]
    assert node.send(node.raw([pay(BOB.pubkey(), 1)])).success
    assert counting.simulations == 0
    assert node.send(node.raw([submit_ix(ALICE.pubkey(), EVM, EVM_TARGET, b"")])).success
    assert counting.simulations == 2  # check_tx, then deliver_tx


def test_without_a_queue_a_submit_runs_as_before(node: Node) -> None:
    node.svm.set_crossvm_queue(None)
    result = node.send(node.raw([submit_ix(ALICE.pubkey(), EVM, EVM_TARGET, b"\x01")]))
    assert result.success and "crossvm_message_ids" not in result.details
    assert node.queue.checked == []


# --- Deliver: cross-VM messages to SVM programs ------------------------------------------------


def test_a_delivery_runs_the_counter_as_the_alias(node: Node) -> None:
    authority = node.balance(node.svm.crossvm_authority)  # type: ignore[arg-type]
    [result] = node.deliver(
        (1, EVM, EVM_SENDER, bytes(IDS["counter"]), [(bytes(ALIAS), True)], b"", 200_000)
    )
    assert result.success, result.error
    assert result.data == struct.pack("<Q", 1) and result.gas_used > 0
    assert node.counter() == 1
    signature = deliver_signature(node, 1, result)
    record = node.svm.transaction(signature)
    assert record is not None and record["err"] is None
    assert "Program log: counter: 1" in record["logs"]
    assert node.balance(node.svm.crossvm_authority) == authority - record["fee"]  # type: ignore[arg-type]
    block = node.svm.block(node.chain.app.height)
    assert block is not None and block["signatures"] == [record["signature"]]


def test_identical_payloads_with_different_ids_both_execute(node: Node) -> None:
    call = (EVM, EVM_SENDER, bytes(IDS["counter"]), [(bytes(ALIAS), True)], struct.pack("<Q", 5))
    first, second = node.deliver((7, *call, 200_000), (8, *call, 200_000))
    assert first.success and second.success, (first.error, second.error)
    assert first.tx_hash != second.tx_hash
    assert (first.data, second.data) == (struct.pack("<Q", 5), struct.pack("<Q", 10))
    assert node.counter() == 10
    records = [node.svm.transaction(r.tx_hash) for r in (first, second) if r.tx_hash]
    assert [r["index"] for r in records if r] == [0, 1]
    # a message id delivered again is refused before it runs
    [again] = node.deliver((7, *call, 200_000))
    assert not again.success and "already delivered" in again.error
    assert node.counter() == 10


def test_a_delivery_proves_the_alias_signed(node: Node) -> None:
    payload = bytes(BRIDGE) + bytes([COSMWASM, len(CW_SENDER)]) + CW_SENDER
    [result] = node.deliver((3, COSMWASM, CW_SENDER, bytes(IDS["alias_check"]), [], payload, 10**6))
    assert result.success, result.error
    assert result.data == node.svm.alias(COSMWASM, CW_SENDER)
    assert result.data == bytes(alias_address(BRIDGE, COSMWASM, CW_SENDER)[0])


def test_a_delivery_passes_the_accounts_through_in_order(node: Node) -> None:
    other = Keypair().pubkey()
    accounts = [(bytes(ALIAS), False), (bytes(other), False)]
    [result] = node.deliver(
        (4, EVM, EVM_SENDER, bytes(IDS["logger"]), accounts, b"\x01\x02", 10**5)
    )
    assert result.success, result.error
    assert result.data == b"\x01\x02"
    record = node.svm.transaction(result.tx_hash or b"")
    assert record is not None
    # logger: data_len 2, 3 accounts (the alias, then both listed), first u64 0
    assert "Program log: 0x2, 0x3, 0x0, 0x51, 0x4f52" in record["logs"]


def test_a_failing_delivery_changes_nothing_in_the_target(node: Node) -> None:
    [result] = node.deliver(
        (5, EVM, EVM_SENDER, bytes(IDS["counter"]), [(bytes(ALIAS), True)], b"\x01\x02", 200_000)
    )
    assert not result.success
    assert "Custom(3004)" in result.error  # counter: data neither empty nor 8 bytes
    assert "failed: custom program error: 0xbbc" in result.error  # the last log lines
    assert result.gas_used > 0 and result.tx_hash is not None
    assert node.counter() == 0
    record = node.svm.transaction(result.tx_hash)
    assert record is not None and record["err_json"] == {"InstructionError": [1, {"Custom": 3004}]}


def test_a_delivery_out_of_compute_fails(node: Node) -> None:
    [result] = node.deliver(
        (6, EVM, EVM_SENDER, bytes(IDS["counter"]), [(bytes(ALIAS), True)], b"", 1_000)
    )
    assert not result.success and "exceeded" in result.error.lower()
    assert node.counter() == 0


def test_a_delivered_program_can_submit_back_through_the_bridge(node: Node) -> None:
    """The target is the bridge itself: its Submit, by CPI, has the alias PDA as the sender."""
    reply = encode_submit(COSMWASM, CW_TARGET, b'{"pong":{}}')
    [result] = node.deliver((9, EVM, EVM_SENDER, bytes(BRIDGE), [], reply, 200_000))
    assert result.success, result.error
    assert node.queue.submissions == [
        BridgeSubmission(bytes(ALIAS), COSMWASM, CW_TARGET, b'{"pong":{}}', bytes(BRIDGE))
    ]
    assert node.queue.submitted[0][2] == result.tx_hash
    assert len(node.queue.checked) == 1  # simulated and checked before it ran
    record = node.svm.transaction(result.tx_hash or b"")
    assert record is not None and record["crossvm_message_ids"] == [1]


def test_a_delivery_whose_submit_is_refused_fails_unexecuted(node: Node) -> None:
    node.queue.refusal = QueueFull("cross-VM queue is full")
    authority = node.balance(node.svm.crossvm_authority)  # type: ignore[arg-type]
    reply = encode_submit(COSMWASM, CW_TARGET, b"{}")
    [result] = node.deliver((10, EVM, EVM_SENDER, bytes(BRIDGE), [], reply, 200_000))
    assert not result.success
    assert result.error == "codespace: crossvm, code: 3: cross-VM queue is full"
    assert node.queue.submitted == []
    assert node.balance(node.svm.crossvm_authority) == authority  # type: ignore[arg-type]


def test_a_panic_in_litesvm_is_a_failed_delivery(node: Node) -> None:
    class Panic(BaseException):  # as pyo3's PanicException
        pass

    class Exploding:
        def __init__(self, svm: Any) -> None:
            self.inner = svm

        def send_transaction(self, tx: Any) -> Any:
            raise Panic("boom")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    node.svm.svm = Exploding(node.svm.svm)  # type: ignore[assignment]
    [result] = node.deliver((11, EVM, EVM_SENDER, bytes(IDS["counter"]), [], b"", 200_000))
    assert not result.success and "Panic" in result.error and "boom" in result.error


def test_program_exists_and_alias(node: Node) -> None:
    assert node.svm.program_exists(bytes(BRIDGE))
    assert node.svm.program_exists(bytes(IDS["counter"]))
    assert not node.svm.program_exists(bytes(ALIAS))  # an account, not executable
    assert not node.svm.program_exists(bytes(Keypair().pubkey()))
    assert node.svm.alias(EVM, EVM_SENDER) == bytes(ALIAS)


def test_deliveries_are_persisted_at_commit(node: Node) -> None:
    call = (EVM, EVM_SENDER, bytes(IDS["counter"]), [(bytes(ALIAS), True)], b"", 200_000)
    [result] = node.deliver((12, *call))
    assert result.success, result.error
    authority = node.balance(node.svm.crossvm_authority)  # type: ignore[arg-type]
    node.restart()
    assert node.counter() == 1
    assert node.balance(node.svm.crossvm_authority) == authority  # type: ignore[arg-type]
    assert node.svm.transaction(result.tx_hash or b"") is not None
    [entry] = node.svm.signatures_for_address(bytes(ALIAS), 10)
    assert entry["signature"] == node.svm.transaction(result.tx_hash or b"")["signature"]  # type: ignore[index]
    [again] = node.deliver((13, *call))
    assert again.success and node.counter() == 2


def test_the_authority_must_be_the_key_the_node_holds(tmp_path: Path) -> None:
    genesis = bridge_genesis()
    genesis["svm"]["crossvm_authority"] = str(Keypair().pubkey())
    database = Database(tmp_path / "db")
    try:
        app = compose(database, genesis).app
        with pytest.raises(InvalidGenesis, match="crossvm_authority"):
            app.start(genesis)
    finally:
        database.close()


def test_a_delivery_is_signed_by_the_authority_as_solders_would_sign_it() -> None:
    keypair = Keypair()
    bridge, program = Keypair().pubkey(), Keypair().pubkey()
    args = (0, b"\x11" * 20, program, [], b"\x01", 50_000)
    tx = deliver_transaction(AuthoritySigner(keypair), bridge, 7, *args)
    assert all(tx.verify_with_results())
    assert tx.message.recent_blockhash == deliver_blockhash(7)
    message = Message.new_with_blockhash(
        deliver_instructions(bridge, keypair.pubkey(), *args),
        keypair.pubkey(),
        deliver_blockhash(7),
    )
    assert bytes(tx) == bytes(VersionedTransaction(message, [keypair]))  # what solders builds
