"""getProgramAccounts, getSignaturesForAddress and getBlock on a node without servers."""

from __future__ import annotations

import base64
import json

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.responses import GetBlockResp, GetSignaturesForAddressResp
from solders.transaction import Transaction

from qorenode.keys import solana_dev_keypair
from qorenode.node import Node
from tests.solanakit import (
    MEMO_PROGRAM,
    create_account_instruction,
    signed_transaction,
    system_transfer,
)
from tests.unit.svm.svmrpc import call, latest_blockhash, result, send_transaction
from vms.svm.rpc import b58encode

ALICE = solana_dev_keypair(0)
OWNER = MEMO_PROGRAM  # any program id


def pay(to: Pubkey, lamports: int) -> Instruction:
    return system_transfer(ALICE.pubkey(), to, lamports)


def test_signatures_for_address_newest_first_with_paging(node: Node) -> None:
    bob = Keypair().pubkey()
    sigs = []
    for i in range(3):  # two in one block, one in the next
        sigs.append(send_transaction(node, [pay(bob, 10**9 + i)], [ALICE]))
        if i != 0:
            node.mine()
    items = result(node, "getSignaturesForAddress", str(bob))
    assert [item["signature"] for item in items] == [sigs[2], sigs[1], sigs[0]]
    assert items[0]["slot"] == items[1]["slot"] + 1 == items[2]["slot"] + 1
    assert set(items[0]) == {"signature", "slot", "err", "memo", "blockTime", "confirmationStatus"}
    assert items[0]["memo"] is None and items[0]["err"] is None
    assert items[0]["confirmationStatus"] == "finalized" and items[0]["blockTime"] > 0
    envelope = {"jsonrpc": "2.0", "id": 1, "result": items}
    assert len(GetSignaturesForAddressResp.from_json(json.dumps(envelope)).value) == 3
    limited = result(node, "getSignaturesForAddress", str(bob), {"limit": 1})
    assert [i["signature"] for i in limited] == [sigs[2]]
    before = result(node, "getSignaturesForAddress", str(bob), {"before": sigs[2]})
    assert [i["signature"] for i in before] == [sigs[1], sigs[0]]
    until = result(node, "getSignaturesForAddress", str(bob), {"until": sigs[0]})
    assert [i["signature"] for i in until] == [sigs[2], sigs[1]]
    both = result(node, "getSignaturesForAddress", str(bob), {"before": sigs[2], "until": sigs[0]})
    assert [i["signature"] for i in both] == [sigs[1]]
    # the payer is indexed too; an unrelated key has no history
    payer = result(node, "getSignaturesForAddress", str(ALICE.pubkey()), {"limit": 3})
    assert [i["signature"] for i in payer] == [sigs[2], sigs[1], sigs[0]]
    assert result(node, "getSignaturesForAddress", str(Keypair().pubkey())) == []
    assert call(node, "getSignaturesForAddress", str(bob), {"limit": 1001})["error"]["code"] == (
        -32602
    )
    assert call(node, "getSignaturesForAddress", "nope")["error"]["code"] == -32602


def test_failed_transactions_are_indexed_with_their_error(node: Node) -> None:
    fresh = Keypair().pubkey()
    tx = signed_transaction([pay(fresh, 7)], [ALICE], latest_blockhash(node))
    signature = result(node, "sendTransaction", b58encode(bytes(tx)), {"skipPreflight": True})
    node.mine()
    (item,) = result(node, "getSignaturesForAddress", str(fresh))
    assert item["signature"] == signature
    assert item["err"] == {"InsufficientFundsForRent": {"account_index": 1}}


def test_get_block_full_signatures_and_missing(node: Node) -> None:
    bob = Keypair().pubkey()
    first = send_transaction(node, [pay(bob, 10**9)], [ALICE])
    second = send_transaction(node, [pay(bob, 2 * 10**9)], [ALICE])
    (notice,) = node.mine()
    slot = result(node, "getSlot")
    block = result(node, "getBlock", slot)
    assert block["blockHeight"] == slot and block["parentSlot"] == slot - 1
    assert block["blockTime"] == notice.record.timestamp
    assert block["blockhash"] == result(node, "getLatestBlockhash")["value"]["blockhash"]
    assert block["previousBlockhash"] == result(node, "getBlock", slot - 1)["blockhash"]
    assert block["rewards"] == []
    assert [t["transaction"]["signatures"][0] for t in block["transactions"]] == [first, second]
    assert block["transactions"][0]["meta"]["fee"] == 5000
    parsed = GetBlockResp.from_json(json.dumps({"jsonrpc": "2.0", "id": 1, "result": block}))
    assert parsed.value is not None and len(parsed.value.transactions or []) == 2
    sigs_only = result(node, "getBlock", slot, {"transactionDetails": "signatures"})
    assert sigs_only["signatures"] == [first, second] and "transactions" not in sigs_only
    none = result(node, "getBlock", slot, {"transactionDetails": "none", "rewards": False})
    assert "signatures" not in none and "transactions" not in none and "rewards" not in none
    b64 = result(node, "getBlock", slot, {"encoding": "base64"})
    raw = base64.b64decode(b64["transactions"][0]["transaction"][0])
    assert str(Transaction.from_bytes(raw).signatures[0]) == first
    versioned = result(node, "getBlock", slot, {"maxSupportedTransactionVersion": 0})
    assert versioned["transactions"][0]["version"] == "legacy"
    genesis = result(node, "getBlock", 0)
    assert genesis["parentSlot"] == 0 and genesis["transactions"] == []
    assert genesis["blockhash"] == result(node, "getGenesisHash")
    missing = call(node, "getBlock", slot + 5)["error"]
    assert missing == {"code": -32004, "message": f"Block not available for slot {slot + 5}"}
    assert call(node, "getBlock", slot, {"encoding": "base64+zstd"})["error"]["code"] == -32602
    assert call(node, "getBlock", -1)["error"]["code"] == -32602


def test_program_accounts_filters_and_encodings(node: Node) -> None:
    accounts = [Keypair() for _ in range(3)]
    sizes = [8, 8, 16]
    rent = result(node, "getMinimumBalanceForRentExemption", 16)
    ixs = [
        create_account_instruction(ALICE.pubkey(), kp.pubkey(), rent, size, OWNER)
        for kp, size in zip(accounts, sizes, strict=True)
    ]
    send_transaction(node, ixs, [ALICE, *accounts])
    node.mine()
    everything = result(node, "getProgramAccounts", str(OWNER))
    keys = {str(kp.pubkey()) for kp in accounts}
    assert {item["pubkey"] for item in everything} == keys
    item = everything[0]
    assert set(item["account"]) == {"data", "executable", "lamports", "owner", "rentEpoch", "space"}
    assert item["account"]["owner"] == str(OWNER)
    sized = result(node, "getProgramAccounts", str(OWNER), {"filters": [{"dataSize": 16}]})
    assert [i["pubkey"] for i in sized] == [str(accounts[2].pubkey())]
    assert sized[0]["account"]["data"] == b58encode(bytes(16))  # default: binary (base58)
    zeros = {"memcmp": {"offset": 4, "bytes": b58encode(bytes(4))}}
    assert len(result(node, "getProgramAccounts", str(OWNER), {"filters": [zeros]})) == 3
    ones = {
        "memcmp": {"offset": 0, "bytes": base64.b64encode(b"\x01").decode(), "encoding": "base64"}
    }
    assert result(node, "getProgramAccounts", str(OWNER), {"filters": [ones]}) == []
    past_end = {"memcmp": {"offset": 12, "bytes": b58encode(bytes(4))}}
    both = [{"dataSize": 16}, past_end]
    assert len(result(node, "getProgramAccounts", str(OWNER), {"filters": both})) == 1
    assert result(node, "getProgramAccounts", str(OWNER), {"filters": [past_end]}) == sized
    wrapped = result(
        node, "getProgramAccounts", str(OWNER), {"withContext": True, "encoding": "base64"}
    )
    assert wrapped["context"]["slot"] == result(node, "getSlot")
    assert {i["account"]["data"][1] for i in wrapped["value"]} == {"base64"}
    bad = call(node, "getProgramAccounts", str(OWNER), {"filters": [{"nope": 1}]})
    assert bad["error"]["code"] == -32602
    assert call(node, "getProgramAccounts", "xyz")["error"]["code"] == -32602


def test_history_refuses_the_processed_commitment_as_solana_does(node: Node) -> None:
    signature = send_transaction(node, [pay(Keypair().pubkey(), 10**9)], [ALICE])
    node.mine()
    slot = result(node, "getSlot")
    address = str(ALICE.pubkey())
    history: list[tuple[str, list[object]]] = [
        ("getBlock", [slot]),
        ("getBlocks", [0, slot]),
        ("getBlocks", [0]),
        ("getBlocksWithLimit", [0, 5]),
        ("getTransaction", [signature]),
        ("getSignaturesForAddress", [address]),
    ]
    refusal = {
        "code": -32602,
        "message": "Method does not support commitment below `confirmed`",
    }
    for method, params in history:
        refused = call(node, method, *params, {"commitment": "processed"})["error"]
        assert {"code": refused["code"], "message": refused["message"]} == refusal, method
        for level in ("confirmed", "finalized"):
            assert "result" in call(node, method, *params, {"commitment": level}), (method, level)
    # what reads the current state takes any commitment
    assert "result" in call(node, "getBalance", address, {"commitment": "processed"})
