"""The Solana JSON-RPC layer on a node without servers: shapes, error objects, the faucet."""

from __future__ import annotations

import os

import pytest
from solders.hash import Hash
from solders.keypair import Keypair

from qorenode.errors import rpc_error_object
from qorenode.genesis import FAUCET_LAMPORTS, solana_faucet_keypair
from qorenode.keys import solana_dev_keypair
from qorenode.node import Node
from tests.solanakit import signed_transaction, system_transfer
from tests.unit.svm.svmrpc import call, latest_blockhash, result
from vms.svm.rpc import SolanaRpcError, b58decode, b58encode

ALICE = solana_dev_keypair(0)


def test_errors_render_as_solana_json() -> None:
    from solders import transaction_status as ts

    from vms.svm.module import err_json

    custom = ts.TransactionErrorInstructionError(0, ts.InstructionErrorCustom(1))
    assert err_json(custom) == {"InstructionError": [0, {"Custom": 1}]}
    fieldless = ts.TransactionErrorInstructionError(2, ts.InstructionErrorFieldless.InvalidArgument)
    assert err_json(fieldless) == {"InstructionError": [2, "InvalidArgument"]}
    rent = ts.TransactionErrorInsufficientFundsForRent(1)
    assert err_json(rent) == {"InsufficientFundsForRent": {"account_index": 1}}
    assert err_json(ts.TransactionErrorFieldless.BlockhashNotFound) == "BlockhashNotFound"
    assert err_json(None) is None


def test_base58_round_trips() -> None:
    for data in (b"", b"\0", b"\0\0\1", os.urandom(32), b"\0" + os.urandom(63)):
        assert b58decode(b58encode(data)) == data
    assert b58encode(bytes(ALICE.pubkey())) == str(ALICE.pubkey())
    with pytest.raises(ValueError):
        b58decode("0OIl")


def test_shaped_errors_are_sent_verbatim() -> None:
    error = SolanaRpcError("Transaction simulation failed: x", rpc_code=-32002, data={"err": "X"})
    assert rpc_error_object(error) == {
        "code": -32002,
        "message": "Transaction simulation failed: x",
        "data": {"err": "X"},
    }
    bare = SolanaRpcError("Transaction signature verification failure", rpc_code=-32003)
    assert rpc_error_object(bare) == {
        "code": -32003,
        "message": "Transaction signature verification failure",
    }


def test_rpc_response_shapes(node: Node) -> None:
    latest = result(node, "getLatestBlockhash", {"commitment": "finalized"})
    assert latest["context"] == {"slot": 0, "apiVersion": "2.1.0"}
    assert latest["value"]["lastValidBlockHeight"] == 150
    node.mine(2)
    assert result(node, "getSlot") == 2 and result(node, "getBlockHeight") == 2
    assert result(node, "getBalance", str(ALICE.pubkey()))["value"] == 1_000 * 10**9
    faucet = str(solana_faucet_keypair().pubkey())
    assert result(node, "getBalance", faucet)["value"] == FAUCET_LAMPORTS
    alice = result(node, "getAccountInfo", str(ALICE.pubkey()))["value"]
    assert alice["data"] == "" and alice["owner"] == "11111111111111111111111111111111"
    assert alice["space"] == 0 and alice["executable"] is False
    b58 = result(node, "getAccountInfo", str(ALICE.pubkey()), {"encoding": "base58"})
    assert b58["value"]["data"] == ["", "base58"]
    assert result(node, "getGenesisHash") != str(Hash.default())


def test_bad_input_answers_solana_shaped_errors(node: Node) -> None:
    assert call(node, "getBalance", "xyz")["error"]["code"] == -32602
    assert call(node, "getBalance")["error"]["code"] == -32602
    assert call(node, "getMultipleAccounts", "x")["error"]["code"] == -32602
    assert call(node, "sendTransaction", "AAAA", {"encoding": "hex"})["error"]["code"] == -32602
    assert call(node, "requestAirdrop", str(ALICE.pubkey()), -1)["error"]["code"] == -32602
    assert call(node, "getTransaction", "x", {"encoding": "base64+zstd"})["error"]["code"] == -32602


def test_send_records_balances_and_errors(node: Node) -> None:
    fresh = Keypair().pubkey()
    ix = system_transfer(ALICE.pubkey(), fresh, 7)
    tx = signed_transaction([ix], [ALICE], latest_blockhash(node))
    # preflight refuses it (7 lamports is below rent exemption) ...
    refused = call(node, "sendTransaction", b58encode(bytes(tx)))["error"]
    assert refused["code"] == -32002
    assert refused["data"]["err"] == {"InsufficientFundsForRent": {"account_index": 1}}
    # ... skipPreflight lets it fail on chain, as a value with its error
    signature = result(node, "sendTransaction", b58encode(bytes(tx)), {"skipPreflight": True})
    assert result(node, "getSignatureStatuses", [signature])["value"] == [None]  # pending
    node.mine()
    (status,) = result(node, "getSignatureStatuses", [signature])["value"]
    assert status["err"] == {"InsufficientFundsForRent": {"account_index": 1}}
    assert status["status"] == {"Err": status["err"]}
    meta = result(node, "getTransaction", signature)["meta"]
    assert meta["fee"] == 5000 and meta["preBalances"][0] - meta["postBalances"][0] == 5000
