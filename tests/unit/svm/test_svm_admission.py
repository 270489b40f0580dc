"""The SVM adapter's one signature check, its in-memory replay window, its binary transaction
records and the sendTransaction preflight inside the mempool's admission (issue 4's fast paths):
each keeps the answers the slower paths gave."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction

from qorenode.interfaces import PendingTx, TxKind
from qorenode.keys import solana_dev_keypair
from qorenode.node import Node
from tests.solanakit import MEMO_PROGRAM, signed_transaction, system_transfer
from tests.unit.core.chainkit import Chain
from tests.unit.svm.svmchain import send, signed
from tests.unit.svm.svmrpc import call
from vms.svm.errors import AlreadyProcessed
from vms.svm.module import (
    _RECORD_HEAD,
    _RECORD_HEAD_V2,
    BLOCKHASH_WINDOW,
    SolanaTx,
    decode_inner_instructions,
    decode_record,
    encode_inner_instructions,
    encode_record,
)

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
SOL = 10**9


def pay(to: Pubkey, lamports: int, sender: Keypair = ALICE) -> Instruction:
    return system_transfer(sender.pubkey(), to, lamports)


def forged(chain: Chain, raw: bytes) -> PendingTx:
    """``raw`` with its message changed after signing, wrapped as if admitted without the
    node's check (a ``SolanaTx`` not marked verified)."""
    bad = bytearray(raw)
    bad[-1] ^= 0xFF
    tx = VersionedTransaction.from_bytes(bytes(bad))
    decoded = SolanaTx(
        tx=tx,
        signature=bytes(tx.signatures[0]),
        payer=bytes(tx.message.account_keys[0]),
        recent_blockhash=bytes(tx.message.recent_blockhash),
    )
    return PendingTx(
        TxKind.SOLANA, decoded.signature, bytes(bad), decoded, decoded.payer, 0, 200_000
    )


# --- signatures: checked once ------------------------------------------------------------------


def test_litesvm_checks_only_what_the_node_did_not_verify(chain: Chain) -> None:
    assert chain.svm.svm.get_sigverify() is False
    raw = signed(chain, [pay(BOB.pubkey(), 5)], [ALICE])
    assert chain.svm.pending_tx(raw).decoded.verified
    before = chain.svm.account(bytes(BOB.pubkey())).lamports
    (result,) = chain.mine(forged(chain, raw)).results
    assert not result.success and "SignatureFailure" in result.log
    assert chain.svm.account(bytes(BOB.pubkey())).lamports == before
    assert chain.svm.svm.get_sigverify() is False  # turned back off


def test_simulate_checks_signatures_unless_verified(chain: Chain) -> None:
    raw = signed(chain, [pay(BOB.pubkey(), 5)], [ALICE])
    tx = forged(chain, raw).decoded.tx
    outcome = chain.svm.simulate(tx)
    assert "SignatureFailure" in str(outcome.err())
    assert chain.svm.svm.get_sigverify() is False
    good = VersionedTransaction.from_bytes(raw)
    assert chain.svm.simulate(good, verified=True).meta().compute_units_consumed() > 0


# --- replays: in memory for the window, the store before a restart ----------------------------


def test_a_replay_is_refused_from_memory_and_after_a_restart(chain: Chain) -> None:
    raw = signed(chain, [pay(BOB.pubkey(), 1)], [ALICE])
    assert send(chain, raw).success
    with pytest.raises(AlreadyProcessed):
        chain.app.check_tx(chain.svm.pending_tx(raw))
    chain.restart()  # nothing in memory: the store answers for what came before the start
    with pytest.raises(AlreadyProcessed):
        chain.app.check_tx(chain.svm.pending_tx(raw))
    (result,) = chain.mine(chain.svm.pending_tx(raw)).results
    assert not result.success and result.code == AlreadyProcessed.code
    # committed after the restart: memory again
    raw = signed(chain, [pay(BOB.pubkey(), 2)], [ALICE])
    assert send(chain, raw).success
    with pytest.raises(AlreadyProcessed):
        chain.app.check_tx(chain.svm.pending_tx(raw))


def test_the_replay_memory_holds_the_window_only(chain: Chain) -> None:
    raw = signed(chain, [pay(BOB.pubkey(), 1)], [ALICE])
    assert send(chain, raw).success
    signature = VersionedTransaction.from_bytes(raw).signatures[0]
    module = chain.svm
    assert bytes(signature) in module._recent_signatures
    for _ in range(BLOCKHASH_WINDOW):
        chain.mine()
    assert bytes(signature) not in module._recent_signatures
    assert len(module._recent) <= BLOCKHASH_WINDOW
    assert module.processed(bytes(signature))  # still in the chain, of course


# --- records: binary, read back as the same dict -----------------------------------------------


def _as_json_was(record: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(record, sort_keys=True)))


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {
            "err": "InstructionError(0, Custom(1))",
            "err_json": {"InstructionError": [0, {"Custom": 1}]},
        },
        {
            "return_data": {"program_id": str(MEMO_PROGRAM), "data": "AQID"},
            "crossvm_message_ids": [3, 4],
        },
        {"loaded": ((bytes([7]) * 32,), (bytes([8]) * 32, bytes([9]) * 32))},
    ],
)
def test_a_record_reads_back_as_the_json_record_did(extra: dict[str, Any]) -> None:
    signature = bytes(range(64))
    details: dict[str, Any] = {
        "signature": str(Signature.from_bytes(signature)),
        "slot": 77,
        "err": extra.get("err"),
        "logs": ["Program log: ünïcode", "two\nlines", ""],
        "fee": 5000,
        "compute_units": 150,
        "return_data": extra.get("return_data"),
    }
    if "crossvm_message_ids" in extra:
        details["crossvm_message_ids"] = extra["crossvm_message_ids"]
    tx = b"\x01" + bytes(200)
    record = (
        signature,
        details,
        extra.get("err_json"),
        (9, 0, 1),
        (4, 5, 1),
        1_790_000_000,
        3,
        tx,
        (),
        b"",
        extra.get("loaded"),
    )
    loaded = extra.get("loaded")
    expected = {
        **details,
        "err_json": extra.get("err_json"),
        "pre_balances": [9, 0, 1],
        "post_balances": [4, 5, 1],
        "block_time": 1_790_000_000,
        "index": 3,
        "inner_instructions": [],
        "tx": base64.b64encode(tx).decode(),
    }
    if loaded is not None:
        expected["loaded_addresses"] = {
            "writable": [str(Pubkey.from_bytes(key)) for key in loaded[0]],
            "readonly": [str(Pubkey.from_bytes(key)) for key in loaded[1]],
        }
    raw = encode_record(record)
    decoded = decode_record(signature, raw)
    assert decoded == _as_json_was(expected)
    assert list(decoded) == sorted(decoded)
    # a version-1 record (written before inner instructions were kept) reads without them
    v1 = b"\x01" + raw[1 : _RECORD_HEAD.size] + raw[_RECORD_HEAD_V2.size :]
    del expected["inner_instructions"]
    assert decode_record(signature, v1) == _as_json_was(expected)


def test_inner_instructions_round_trip_in_the_record() -> None:
    class Compiled:
        def __init__(self, program: int, accounts: bytes, data: bytes) -> None:
            self.program_id_index, self.accounts, self.data = program, accounts, data

    class Inner:
        def __init__(self, compiled: Compiled, height: int) -> None:
            self.compiled, self.height = compiled, height

        def instruction(self) -> Compiled:
            return self.compiled

        def stack_height(self) -> int:
            return self.height

    big = bytes(range(256)) * 40  # CPI data may exceed a transaction's size
    inner = [
        [],
        [Inner(Compiled(3, b"\x02\x01", b"\x02\0\0\0" + bytes(8)), 2)],
        [],
        [Inner(Compiled(4, b"", b""), 2), Inner(Compiled(5, bytes(range(9)), big), 3)],
    ]
    raw = encode_inner_instructions(inner)
    assert encode_inner_instructions([[], []]) == b""
    assert decode_inner_instructions(raw) == [
        {
            "index": 1,
            "instructions": [
                {
                    "program_id_index": 3,
                    "accounts": [2, 1],
                    "data": base64.b64encode(b"\x02\0\0\0" + bytes(8)).decode(),
                    "stack_height": 2,
                }
            ],
        },
        {
            "index": 3,
            "instructions": [
                {"program_id_index": 4, "accounts": [], "data": "", "stack_height": 2},
                {
                    "program_id_index": 5,
                    "accounts": list(range(9)),
                    "data": base64.b64encode(big).decode(),
                    "stack_height": 3,
                },
            ],
        },
    ]


def test_records_written_as_json_are_still_read(chain: Chain) -> None:
    raw = signed(chain, [pay(BOB.pubkey(), 1)], [ALICE])
    result = send(chain, raw)
    record = chain.svm.transaction(result.tx_hash)
    assert record["pre_balances"][1] + 1 == record["post_balances"][1]
    chain.svm._store.set(b"tx/" + result.tx_hash, json.dumps(record, sort_keys=True).encode())
    assert chain.svm.transaction(result.tx_hash) == record


def test_read_only_balances_and_memo_records(chain: Chain) -> None:
    memo = Instruction(MEMO_PROGRAM, b"a memo", [AccountMeta(ALICE.pubkey(), True, False)])
    result = send(chain, signed(chain, [memo], [ALICE]))
    record = chain.svm.transaction(result.tx_hash)
    assert record["post_balances"][0] == record["pre_balances"][0] - record["fee"]
    program = chain.svm.account(bytes(MEMO_PROGRAM)).lamports
    assert record["pre_balances"][1] == record["post_balances"][1] == program
    assert record["logs"] == result.details["logs"]
    assert record["signature"] == result.details["signature"]


# --- sendTransaction: the preflight in the admission's one worker call -------------------------


def test_send_transaction_preflights_within_one_worker_call(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []
    real_run, real_submit = node.run, node.submit

    async def run(fn: Any) -> Any:
        runs.append("run")
        return await real_run(fn)

    async def submit(tx: PendingTx) -> bytes:
        runs.append("submit")
        return await real_submit(tx)

    monkeypatch.setattr(node, "run", run)
    monkeypatch.setattr(node, "submit", submit)
    recent = Hash(node.composition.svm.latest_blockhash[0])
    poor = Keypair()

    def wire(instruction: Instruction, payer: Keypair) -> tuple[str, Transaction]:
        tx = signed_transaction([instruction], [payer], recent)
        return base64.b64encode(bytes(tx)).decode(), tx

    funding, tx = wire(pay(poor.pubkey(), SOL), ALICE)
    assert call(node, "sendTransaction", funding, {"encoding": "base64"})["result"] == str(
        tx.signatures[0]
    )
    node.mine()
    overdraft, _ = wire(pay(BOB.pubkey(), 2 * SOL, poor), poor)  # the preflight refuses it
    error = call(node, "sendTransaction", overdraft, {"encoding": "base64"})["error"]
    assert error["code"] == -32002
    assert error["message"].startswith("Transaction simulation failed: Error processing")
    assert error["data"]["err"] == {"InstructionError": [0, {"Custom": 1}]}
    assert any("insufficient lamports" in line for line in error["data"]["logs"])
    assert runs == ["submit", "submit"]  # no separate preflight call
    assert len(node.mempool) == 0
    skipped = call(
        node, "sendTransaction", overdraft, {"encoding": "base64", "skipPreflight": True}
    )
    assert "result" in skipped and len(node.mempool) == 1
