"""Solana JSON-RPC of a real in-process devnet over HTTP: solana-py's AsyncClient (solders' types
parse every answer) and raw JSON-RPC for the error shapes."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from solana.rpc.core import RPCException
from solana.rpc.models import TxOpts
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.responses import GetTransactionResp
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import TransactionErrorFieldless

from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.integration._support import (
    rpc,
    rpc_error,
    rpc_raw,
    svm_blockhash,
    svm_client_call,
    svm_wait_status,
)
from tests.solanakit import MEMO_PROGRAM, signed_transaction, system_transfer
from vms.svm.rpc import b58encode

ALICE = solana_dev_keypair(0)
TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
SOL = 10**9


@pytest.fixture(scope="module")
def devnet() -> Iterator[Devnet]:
    with Devnet(block_time=0) as net:  # a block as soon as a transaction arrives
        yield net


def blockhash(devnet: Devnet) -> Hash:
    return svm_blockhash(devnet.svm_url)


def signed(devnet: Devnet, instructions: list[Instruction], payer: Keypair = ALICE) -> bytes:
    return bytes(signed_transaction(instructions, [payer], blockhash(devnet)))


def pay(to: Pubkey, lamports: int, sender: Keypair = ALICE) -> Instruction:
    return system_transfer(sender.pubkey(), to, lamports)


def test_cluster_methods(devnet: Devnet) -> None:
    url = devnet.svm_url
    assert rpc(url, "getHealth") == "ok"
    assert rpc(url, "getVersion")["solana-core"] == "2.1.0"
    assert bytes(Hash.from_string(rpc(url, "getGenesisHash"))) != bytes(32)
    assert rpc(url, "getSlot") == rpc(url, "getBlockHeight") >= 0
    latest = svm_client_call(devnet, "get_latest_blockhash").value
    assert latest.last_valid_block_height == rpc(url, "getBlockHeight") + 150
    assert rpc(url, "isBlockhashValid", str(latest.blockhash))["value"] is True
    assert rpc(url, "isBlockhashValid", str(Hash.new_unique()))["value"] is False
    epoch = svm_client_call(devnet, "get_epoch_info").value
    assert epoch.epoch == 0 and epoch.slots_in_epoch == 432_000
    rent = svm_client_call(devnet, "get_minimum_balance_for_rent_exemption", 0).value
    assert rent > 0
    # the node names its own JSON-RPC and PubSub servers, where clients reach them
    (contact,) = svm_client_call(devnet, "get_cluster_nodes").value
    assert f"http://{contact.rpc}" == url
    assert f"ws://{contact.pubsub}" == devnet.svm_ws_url
    assert contact.tpu is None and contact.gossip is None
    assert str(contact.pubkey) == rpc(url, "getIdentity")["identity"]


def test_airdrop_and_balance(devnet: Devnet) -> None:
    fresh = Keypair().pubkey()
    assert svm_client_call(devnet, "get_balance", fresh).value == 0
    signature = svm_client_call(devnet, "request_airdrop", fresh, 3 * SOL).value
    assert isinstance(signature, Signature)
    assert svm_wait_status(devnet, str(signature))["err"] is None
    assert svm_client_call(devnet, "get_balance", fresh).value == 3 * SOL
    # the same airdrop again is a distinct transaction
    again = svm_client_call(devnet, "request_airdrop", fresh, 3 * SOL).value
    assert again != signature
    svm_wait_status(devnet, str(again))
    assert svm_client_call(devnet, "get_balance", fresh).value == 6 * SOL


def test_transfer_base64_via_client_status_and_transaction(devnet: Devnet) -> None:
    fresh = Keypair().pubkey()
    raw = signed(devnet, [pay(fresh, 2 * SOL)])
    resp = svm_client_call(devnet, "send_raw_transaction", raw, TxOpts(skip_confirmation=True))
    signature = resp.value
    status = svm_wait_status(devnet, str(signature))
    assert status["confirmationStatus"] == "finalized" and status["status"] == {"Ok": None}
    statuses = svm_client_call(devnet, "get_signature_statuses", [signature]).value
    assert statuses[0] is not None and statuses[0].err is None
    assert svm_client_call(devnet, "get_balance", fresh).value == 2 * SOL

    tx = svm_client_call(devnet, "get_transaction", signature).value
    assert tx is not None
    meta = tx.transaction.meta
    assert meta.fee == 5000 and meta.err is None
    assert any("11111111111111111111111111111111 success" in line for line in meta.log_messages)
    assert meta.post_balances[1] == 2 * SOL and meta.pre_balances[1] == 0
    tx64 = svm_client_call(devnet, "get_transaction", signature, encoding="base64").value
    assert bytes(tx64.transaction.transaction) == raw


def test_transfer_base58_default_encoding(devnet: Devnet) -> None:
    fresh = Keypair().pubkey()
    raw = signed(devnet, [pay(fresh, SOL)])
    signature = rpc(devnet.svm_url, "sendTransaction", b58encode(raw))
    assert signature == str(Transaction.from_bytes(raw).signatures[0])
    svm_wait_status(devnet, signature)
    assert rpc(devnet.svm_url, "getBalance", str(fresh))["value"] == SOL


def test_memo_logs_in_get_transaction(devnet: Devnet) -> None:
    memo = Instruction(MEMO_PROGRAM, b"hello from qorenode", [])
    raw = signed(devnet, [memo])
    signature = rpc(
        devnet.svm_url, "sendTransaction", base64.b64encode(raw).decode(), {"encoding": "base64"}
    )
    svm_wait_status(devnet, signature)
    result = rpc(devnet.svm_url, "getTransaction", signature, {"encoding": "json"})
    parsed = GetTransactionResp.from_json(json.dumps({"jsonrpc": "2.0", "id": 1, "result": result}))
    assert parsed.value is not None
    logs = result["meta"]["logMessages"]
    assert any("Memo (len 19)" in line for line in logs), logs
    assert any("hello from qorenode" in line for line in logs), logs
    assert result["transaction"]["signatures"] == [signature]


def test_replay_is_refused(devnet: Devnet) -> None:
    raw = signed(devnet, [pay(Keypair().pubkey(), SOL)])
    encoded = base64.b64encode(raw).decode()
    signature = rpc(devnet.svm_url, "sendTransaction", encoded, {"encoding": "base64"})
    svm_wait_status(devnet, signature)
    error = rpc_error(devnet.svm_url, "sendTransaction", encoded, {"encoding": "base64"})
    assert error["code"] == -32002
    assert error["message"] == (
        "Transaction simulation failed: This transaction has already been processed"
    )
    assert error["data"]["err"] == "AlreadyProcessed"
    assert error["data"]["logs"] == [] and error["data"]["accounts"] is None


def test_bad_signature_is_refused(devnet: Devnet) -> None:
    raw = bytearray(signed(devnet, [pay(Keypair().pubkey(), SOL)]))
    raw[5] ^= 0xFF  # inside the first signature
    error = rpc_error(
        devnet.svm_url,
        "sendTransaction",
        base64.b64encode(bytes(raw)).decode(),
        {"encoding": "base64"},
    )
    assert error == {"code": -32003, "message": "Transaction signature verification failure"}
    with pytest.raises(RPCException, match="TransactionSignatureVerificationFailure"):
        svm_client_call(devnet, "send_raw_transaction", bytes(raw))


def test_unknown_blockhash_is_refused(devnet: Devnet) -> None:
    unknown = Hash.new_unique()
    message = Message.new_with_blockhash([pay(Keypair().pubkey(), SOL)], ALICE.pubkey(), unknown)
    raw = bytes(Transaction([ALICE], message, unknown))
    error = rpc_error(devnet.svm_url, "sendTransaction", b58encode(raw))
    assert error["code"] == -32002
    assert error["message"] == "Transaction simulation failed: Blockhash not found"
    assert error["data"]["err"] == "BlockhashNotFound"
    assert error["data"]["unitsConsumed"] == 0


def test_failing_transaction_preflight_and_undecodable_input(devnet: Devnet) -> None:
    poor = Keypair()
    raw = signed(devnet, [pay(ALICE.pubkey(), SOL, poor)], payer=poor)
    error = rpc_error(devnet.svm_url, "sendTransaction", b58encode(raw))
    assert error["code"] == -32002 and error["data"]["err"] == "AccountNotFound"
    assert rpc_error(devnet.svm_url, "sendTransaction", "not base58 0OIl")["code"] == -32602
    assert rpc_error(devnet.svm_url, "sendTransaction", b58encode(b"\x01\x02"))["code"] == -32602
    assert rpc_error(devnet.svm_url, "getBalance", "nope")["code"] == -32602
    assert rpc_raw(devnet.svm_url, "getHealth")["result"] == "ok"  # still serving


def test_account_info_of_a_program_and_of_a_missing_account(devnet: Devnet) -> None:
    info = svm_client_call(devnet, "get_account_info", TOKEN_PROGRAM).value
    assert info is not None and info.executable
    raw = rpc(devnet.svm_url, "getAccountInfo", str(TOKEN_PROGRAM), {"encoding": "jsonParsed"})
    assert raw["value"]["data"][1] == "base64" and raw["value"]["executable"] is True
    assert svm_client_call(devnet, "get_account_info", Keypair().pubkey()).value is None
    # base64+zstd, as Solana's Rust client asks for it: solana-py decompresses the same bytes
    packed = svm_client_call(devnet, "get_account_info", TOKEN_PROGRAM, encoding="base64+zstd")
    assert packed.value is not None and bytes(packed.value.data) == bytes(info.data)
    assert len(bytes(info.data)) == 36  # the upgradeable loader's program account
    error = rpc_error(devnet.svm_url, "getAccountInfo", str(TOKEN_PROGRAM), {"encoding": "hex"})
    assert error["code"] == -32602
    many = svm_client_call(devnet, "get_multiple_accounts", [ALICE.pubkey(), Keypair().pubkey()])
    assert many.value[0].lamports > 0 and many.value[1] is None


def test_simulate_and_fee_for_message(devnet: Devnet) -> None:
    recent = blockhash(devnet)
    message = Message.new_with_blockhash([pay(Keypair().pubkey(), SOL)], ALICE.pubkey(), recent)
    tx = VersionedTransaction(message, [ALICE])
    sim = svm_client_call(devnet, "simulate_transaction", tx).value
    assert sim.err is None and sim.units_consumed and sim.units_consumed > 0
    assert svm_client_call(devnet, "get_fee_for_message", message).value == 5000
    # nothing was sent
    assert rpc(devnet.svm_url, "getSignatureStatuses", [str(tx.signatures[0])])["value"] == [None]


def test_simulate_an_unsigned_transaction(devnet: Devnet) -> None:
    """As solana-py and web3.js simulate before signing: every signature zero bytes (Solana's
    default ``sigVerify: false``); ``sigVerify`` refuses it, ``replaceRecentBlockhash`` mends a
    stale blockhash."""
    fresh = Keypair().pubkey()
    message = Message.new_with_blockhash([pay(fresh, SOL)], ALICE.pubkey(), blockhash(devnet))
    tx = VersionedTransaction.populate(message, [Signature.default()])
    sim = svm_client_call(devnet, "simulate_transaction", tx, inner_instructions=True).value
    assert sim.err is None and sim.units_consumed and sim.units_consumed > 0
    assert sim.logs and "Program 11111111111111111111111111111111 success" in sim.logs
    assert sim.inner_instructions == []
    assert svm_client_call(devnet, "get_balance", fresh).value == 0  # nothing changed
    encoded = base64.b64encode(bytes(tx)).decode()
    error = rpc_error(
        devnet.svm_url, "simulateTransaction", encoded, {"encoding": "base64", "sigVerify": True}
    )
    assert error == {"code": -32003, "message": "Transaction signature verification failure"}
    error = rpc_error(devnet.svm_url, "sendTransaction", encoded, {"encoding": "base64"})
    assert error["code"] == -32003  # never admitted
    stale = Message.new_with_blockhash([pay(fresh, SOL)], ALICE.pubkey(), Hash.new_unique())
    stale_tx = VersionedTransaction.populate(stale, [Signature.default()])
    stale_err = svm_client_call(devnet, "simulate_transaction", stale_tx).value.err
    assert stale_err == TransactionErrorFieldless.BlockhashNotFound
    replaced = svm_client_call(
        devnet, "simulate_transaction", stale_tx, replace_recent_blockhash=True
    ).value
    assert replaced.err is None and replaced.replacement_blockhash is not None
    assert rpc(devnet.svm_url, "isBlockhashValid", str(replaced.replacement_blockhash.blockhash))[
        "value"
    ]
