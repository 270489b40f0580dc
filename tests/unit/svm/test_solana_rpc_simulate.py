"""simulateTransaction's options (sigVerify, replaceRecentBlockhash, innerInstructions) and the
inner instructions getTransaction/getBlock answer, on a node without servers whose genesis deploys
the cpi_pda program (its vault funded): a transfer from the vault is a CPI to the system program."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.rpc.responses import GetTransactionResp, SimulateTransactionResp
from solders.signature import Signature
from solders.system_program import ID as SYSTEM_PROGRAM
from solders.transaction import Transaction, VersionedTransaction

from qorenode.genesis import load_genesis
from qorenode.keys import solana_dev_keypair
from qorenode.node import Node, NodeConfig
from tests.solanakit import MEMO_PROGRAM, signed_transaction, system_transfer
from tests.unit.svm.svmrpc import call, latest_blockhash, result
from vms.svm.rpc import b58encode

ALICE = solana_dev_keypair(0)
SOL = 10**9
CPI_PDA = Pubkey(hashlib.sha256(b"test/cpi_pda").digest())
VAULT = Pubkey.find_program_address([b"vault"], CPI_PDA)[0]


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    genesis = copy.deepcopy(load_genesis())
    section = genesis["svm"]
    section["programs"].append({"program_id": str(CPI_PDA), "so": "native/svm/build/cpi_pda.so"})
    section["accounts"].append({"pubkey": str(VAULT), "lamports": str(10 * SOL)})
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(genesis))
    node = Node(NodeConfig(home=tmp_path / "home", genesis_file=path, block_time=None))
    yield node
    node.close()


def pay(to: Pubkey, lamports: int) -> Instruction:
    return system_transfer(ALICE.pubkey(), to, lamports)


def vault_pays(to: Pubkey, lamports: int) -> Instruction:
    """cpi_pda's Transfer: a system transfer from its vault, by CPI (stack height 2)."""
    return Instruction(
        CPI_PDA,
        b"\x00" + struct.pack("<Q", lamports),
        [
            AccountMeta(VAULT, False, True),
            AccountMeta(to, False, True),
            AccountMeta(SYSTEM_PROGRAM, False, False),
        ],
    )


def unsigned(instructions: list[Instruction], blockhash: Hash) -> VersionedTransaction:
    """As a wallet or solana-py builds it before signing: every signature zero bytes."""
    message = Message.new_with_blockhash(instructions, ALICE.pubkey(), blockhash)
    return VersionedTransaction.populate(message, [Signature.default()])


def signed(instructions: list[Instruction], blockhash: Hash) -> Transaction:
    return signed_transaction(instructions, [ALICE], blockhash)


def simulate(node: Node, tx: Any, **config: Any) -> dict[str, Any]:
    encoded = base64.b64encode(bytes(tx)).decode()
    return call(node, "simulateTransaction", encoded, {"encoding": "base64", **config})


def balance(node: Node, key: Pubkey) -> int:
    return int(result(node, "getBalance", str(key))["value"])


# --- sigVerify ---------------------------------------------------------------------------------


def test_an_unsigned_transfer_simulates_and_changes_nothing(node: Node) -> None:
    fresh = Keypair().pubkey()
    before = balance(node, ALICE.pubkey())
    tx = unsigned([pay(fresh, SOL)], latest_blockhash(node))
    response = simulate(node, tx)
    value = response["result"]["value"]
    assert value["err"] is None
    assert "Program 11111111111111111111111111111111 success" in value["logs"]
    assert value["unitsConsumed"] > 0
    assert value["replacementBlockhash"] is None and value["innerInstructions"] is None
    SimulateTransactionResp.from_json(json.dumps(response))  # solders reads it
    assert balance(node, fresh) == 0 and balance(node, ALICE.pubkey()) == before
    # base58 (the default encoding) too
    again = result(node, "simulateTransaction", b58encode(bytes(tx)), {"sigVerify": False})
    assert again["value"]["err"] is None
    # the unsigned transaction is admitted nowhere: sendTransaction verifies, no block holds it
    refused = call(
        node,
        "sendTransaction",
        base64.b64encode(bytes(tx)).decode(),
        {"encoding": "base64", "skipPreflight": True},
    )["error"]
    assert refused["code"] == -32003
    node.mine()
    assert balance(node, fresh) == 0 and balance(node, ALICE.pubkey()) == before
    slot = result(node, "getSlot")
    block = result(node, "getBlock", slot, {"transactionDetails": "signatures"})
    assert block["signatures"] == []
    zero = str(Signature.default())
    assert result(node, "getSignatureStatuses", [zero])["value"] == [None]


def test_sig_verify_refuses_an_unsigned_transaction(node: Node) -> None:
    blockhash = latest_blockhash(node)
    error = simulate(node, unsigned([pay(Keypair().pubkey(), SOL)], blockhash), sigVerify=True)
    assert error["error"] == {
        "code": -32003,
        "message": "Transaction signature verification failure",
    }
    good = simulate(node, signed([pay(Keypair().pubkey(), SOL)], blockhash), sigVerify=True)
    assert good["result"]["value"]["err"] is None


def test_options_must_be_booleans(node: Node) -> None:
    tx = unsigned([pay(Keypair().pubkey(), SOL)], latest_blockhash(node))
    assert simulate(node, tx, sigVerify="yes")["error"]["code"] == -32602
    assert simulate(node, tx, innerInstructions=1)["error"]["code"] == -32602


# --- blockhashes -------------------------------------------------------------------------------


def test_an_unknown_blockhash_is_blockhash_not_found_in_the_value(node: Node) -> None:
    response = simulate(node, unsigned([pay(Keypair().pubkey(), SOL)], Hash.new_unique()))
    value = response["result"]["value"]
    assert value["err"] == "BlockhashNotFound"
    assert value["logs"] == [] and value["unitsConsumed"] == 0
    SimulateTransactionResp.from_json(json.dumps(response))


def test_replace_recent_blockhash_runs_with_the_latest(node: Node) -> None:
    node.mine(2)
    fresh = Keypair().pubkey()
    tx = unsigned([pay(fresh, SOL)], Hash.new_unique())
    response = simulate(node, tx, replaceRecentBlockhash=True)
    value = response["result"]["value"]
    assert value["err"] is None and value["unitsConsumed"] > 0
    newest = result(node, "getLatestBlockhash")["value"]
    assert value["replacementBlockhash"] == {
        "blockhash": newest["blockhash"],
        "lastValidBlockHeight": newest["lastValidBlockHeight"],
    }
    parsed = SimulateTransactionResp.from_json(json.dumps(response))
    assert parsed.value.replacement_blockhash is not None
    assert balance(node, fresh) == 0
    # a v0 message too
    message = MessageV0.try_compile(ALICE.pubkey(), [pay(fresh, SOL)], [], Hash.new_unique())
    v0 = VersionedTransaction.populate(message, [Signature.default()])
    assert simulate(node, v0, replaceRecentBlockhash=True)["result"]["value"]["err"] is None


def test_sig_verify_and_replace_recent_blockhash_conflict(node: Node) -> None:
    tx = signed([pay(Keypair().pubkey(), SOL)], latest_blockhash(node))
    error = simulate(node, tx, sigVerify=True, replaceRecentBlockhash=True)["error"]
    assert error["code"] == -32602
    assert error["message"] == "sigVerify may not be used with replaceRecentBlockhash"


def test_a_committed_transaction_simulates_as_already_processed(node: Node) -> None:
    tx = signed([pay(Keypair().pubkey(), SOL)], latest_blockhash(node))
    result(node, "sendTransaction", b58encode(bytes(tx)))
    node.mine()
    assert simulate(node, tx)["result"]["value"]["err"] == "AlreadyProcessed"


# --- inner instructions ------------------------------------------------------------------------


def test_simulate_inner_instructions_are_json_parsed(node: Node) -> None:
    fresh = Keypair().pubkey()
    memo = Instruction(MEMO_PROGRAM, b"hello", [])
    tx = unsigned([memo, vault_pays(fresh, SOL)], latest_blockhash(node))
    response = simulate(node, tx, innerInstructions=True)
    value = response["result"]["value"]
    assert value["err"] is None
    assert value["innerInstructions"] == [
        {
            "index": 1,
            "instructions": [
                {
                    "program": "system",
                    "programId": str(SYSTEM_PROGRAM),
                    "parsed": {
                        "type": "transfer",
                        "info": {
                            "source": str(VAULT),
                            "destination": str(fresh),
                            "lamports": SOL,
                        },
                    },
                    "stackHeight": 2,
                }
            ],
        }
    ]
    SimulateTransactionResp.from_json(json.dumps(response))
    assert balance(node, fresh) == 0
    # no CPI: an empty list
    plain = simulate(
        node, unsigned([pay(fresh, SOL)], latest_blockhash(node)), innerInstructions=True
    )
    assert plain["result"]["value"]["innerInstructions"] == []


def test_get_transaction_answers_inner_instructions(node: Node) -> None:
    fresh = Keypair().pubkey()
    tx = signed([pay(fresh, SOL), vault_pays(fresh, 2 * SOL)], latest_blockhash(node))
    signature = result(node, "sendTransaction", b58encode(bytes(tx)))
    plain = signed([pay(Keypair().pubkey(), SOL)], latest_blockhash(node))
    plain_signature = result(node, "sendTransaction", b58encode(bytes(plain)))
    node.mine()
    assert balance(node, fresh) == 3 * SOL

    keys = list(tx.message.account_keys)
    transfer_data = struct.pack("<IQ", 2, 2 * SOL)
    expected = [
        {
            "index": 1,
            "instructions": [
                {
                    "programIdIndex": keys.index(SYSTEM_PROGRAM),
                    "accounts": [keys.index(VAULT), keys.index(fresh)],
                    "data": b58encode(transfer_data),
                    "stackHeight": 2,
                }
            ],
        }
    ]
    for encoding in ("json", "base64", "base58"):
        response = call(node, "getTransaction", signature, {"encoding": encoding})
        meta = response["result"]["meta"]
        assert meta["innerInstructions"] == expected, encoding
        assert meta["err"] is None and meta["computeUnitsConsumed"] > 0
        assert "Program 11111111111111111111111111111111 invoke [2]" in meta["logMessages"]
        parsed = GetTransactionResp.from_json(json.dumps(response))
        assert parsed.value is not None
    plain_meta = result(node, "getTransaction", plain_signature)["meta"]
    assert plain_meta["innerInstructions"] == []
    slot = result(node, "getSlot")
    block = result(node, "getBlock", slot, {"maxSupportedTransactionVersion": 0})
    assert [t["meta"]["innerInstructions"] for t in block["transactions"]] == [expected, []]


def test_a_failed_cpi_is_recorded_with_its_inner_instruction(node: Node) -> None:
    # the vault cannot pay more than it holds: the CPI fails, so does the transaction
    fresh = Keypair().pubkey()
    tx = signed([vault_pays(fresh, 100 * SOL)], latest_blockhash(node))
    simulated = simulate(node, tx, innerInstructions=True)["result"]["value"]
    assert simulated["err"] == {"InstructionError": [0, {"Custom": 1}]}
    (group,) = simulated["innerInstructions"]
    assert group["index"] == 0 and group["instructions"][0]["parsed"]["type"] == "transfer"
    signature = result(node, "sendTransaction", b58encode(bytes(tx)), {"skipPreflight": True})
    node.mine()
    meta = result(node, "getTransaction", signature)["meta"]
    assert meta["err"] == {"InstructionError": [0, {"Custom": 1}]}
    keys = list(tx.message.account_keys)
    assert meta["innerInstructions"] == [
        {
            "index": 0,
            "instructions": [
                {
                    "programIdIndex": keys.index(SYSTEM_PROGRAM),
                    "accounts": [keys.index(VAULT), keys.index(fresh)],
                    "data": b58encode(struct.pack("<IQ", 2, 100 * SOL)),
                    "stackHeight": 2,
                }
            ],
        }
    ]


def test_records_of_earlier_versions_answer_null_inner_instructions(node: Node) -> None:
    tx = signed([pay(Keypair().pubkey(), SOL)], latest_blockhash(node))
    signature = result(node, "sendTransaction", b58encode(bytes(tx)))
    node.mine()
    svm = node.composition.svm
    key = bytes(Signature.from_string(signature))
    record = svm.transaction(key)
    assert record is not None and record["inner_instructions"] == []
    del record["inner_instructions"]  # as a JSON record of an earlier version was written
    svm._store.set(b"tx/" + key, json.dumps(record, sort_keys=True).encode())
    response = call(node, "getTransaction", signature)
    assert response["result"]["meta"]["innerInstructions"] is None
    GetTransactionResp.from_json(json.dumps(response))
