"""meta.preTokenBalances / postTokenBalances: the token accounts a transaction names, before and
after it, as Solana records them (kept with the transaction, so they survive a restart)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.responses import GetTransactionResp
from spl.token.constants import TOKEN_PROGRAM_ID

from qorenode.keys import solana_dev_keypair
from qorenode.node import Node, NodeConfig
from tests.solanakit import (
    MINT_LEN,
    create_ata_instruction,
    create_mint_instructions,
    mint_to_instruction,
    signed_transaction,
    system_transfer,
    token_transfer_instruction,
)
from tests.unit.svm.svmrpc import call, result
from vms.svm.rpc import b58encode

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)


def send(node: Node, instructions: list[Any], signers: list[Keypair], *, check: bool = True) -> str:
    recent = Hash.from_string(result(node, "getLatestBlockhash")["value"]["blockhash"])
    raw = b58encode(bytes(signed_transaction(instructions, signers, recent)))
    config = {"skipPreflight": not check}
    signature: str = result(node, "sendTransaction", raw, config)
    node.mine()
    return signature


def meta(node: Node, signature: str) -> dict[str, Any]:
    answer = result(node, "getTransaction", signature, {"encoding": "json"})
    meta: dict[str, Any] = answer["meta"]
    return meta


def funded_accounts(node: Node) -> tuple[Pubkey, Pubkey, Pubkey]:
    """A 2-decimal mint, Alice's associated account holding 500 (5.00), Bob's holding none."""
    mint = Keypair()
    rent = result(node, "getMinimumBalanceForRentExemption", MINT_LEN)
    alice_ata, create_alice = create_ata_instruction(ALICE.pubkey(), ALICE.pubkey(), mint.pubkey())
    bob_ata, create_bob = create_ata_instruction(ALICE.pubkey(), BOB.pubkey(), mint.pubkey())
    send(
        node,
        [
            *create_mint_instructions(ALICE.pubkey(), mint.pubkey(), rent, 2),
            create_alice,
            create_bob,
            mint_to_instruction(mint.pubkey(), alice_ata, ALICE.pubkey(), 500),
        ],
        [ALICE, mint],
    )
    return mint.pubkey(), alice_ata, bob_ata


def balance(index: int, mint: Pubkey, owner: Pubkey, amount: str, ui: str) -> dict[str, Any]:
    return {
        "accountIndex": index,
        "mint": str(mint),
        "owner": str(owner),
        "programId": str(TOKEN_PROGRAM_ID),
        "uiTokenAmount": {
            "amount": amount,
            "decimals": 2,
            "uiAmount": int(amount) / 100,
            "uiAmountString": ui,
        },
    }


def test_a_token_transfer_records_both_accounts_before_and_after(node: Node) -> None:
    mint, alice_ata, bob_ata = funded_accounts(node)
    signature = send(
        node, [token_transfer_instruction(alice_ata, bob_ata, ALICE.pubkey(), 125)], [ALICE]
    )
    answer = result(node, "getTransaction", signature, {"encoding": "json"})
    keys = answer["transaction"]["message"]["accountKeys"]
    a, b = keys.index(str(alice_ata)), keys.index(str(bob_ata))
    found = answer["meta"]
    assert sorted(found["preTokenBalances"], key=lambda e: e["accountIndex"]) == sorted(
        [balance(a, mint, ALICE.pubkey(), "500", "5"), balance(b, mint, BOB.pubkey(), "0", "0")],
        key=lambda e: e["accountIndex"],
    )
    assert sorted(found["postTokenBalances"], key=lambda e: e["accountIndex"]) == sorted(
        [
            balance(a, mint, ALICE.pubkey(), "375", "3.75"),
            balance(b, mint, BOB.pubkey(), "125", "1.25"),
        ],
        key=lambda e: e["accountIndex"],
    )
    # solders reads them as Solana's UiTransactionTokenBalance
    typed = GetTransactionResp.from_json(json.dumps({"jsonrpc": "2.0", "id": 1, "result": answer}))
    assert typed.value is not None
    status_meta = typed.value.transaction.meta
    assert status_meta is not None and status_meta.post_token_balances is not None
    amounts = {str(t.owner): t.ui_token_amount.amount for t in status_meta.post_token_balances}
    assert amounts == {str(ALICE.pubkey()): "375", str(BOB.pubkey()): "125"}

    # jsonParsed and getBlock carry the same balances
    parsed = result(node, "getTransaction", signature, {"encoding": "jsonParsed"})["meta"]
    assert parsed["postTokenBalances"] == found["postTokenBalances"]


def test_a_failed_token_transfer_keeps_its_balances(node: Node) -> None:
    _, alice_ata, bob_ata = funded_accounts(node)
    signature = send(
        node,
        [token_transfer_instruction(alice_ata, bob_ata, ALICE.pubkey(), 501)],  # more than held
        [ALICE],
        check=False,
    )
    found = meta(node, signature)
    assert found["err"] is not None
    assert found["preTokenBalances"] == found["postTokenBalances"]
    assert {e["uiTokenAmount"]["amount"] for e in found["postTokenBalances"]} == {"500", "0"}


def test_balances_survive_a_restart_and_plain_transfers_have_none(
    node: Node, tmp_path: Path
) -> None:
    _, alice_ata, bob_ata = funded_accounts(node)
    moved = send(node, [token_transfer_instruction(alice_ata, bob_ata, ALICE.pubkey(), 7)], [ALICE])
    plain = send(node, [system_transfer(ALICE.pubkey(), BOB.pubkey(), 10**6)], [ALICE])
    before = meta(node, moved)
    node.close()
    reopened = Node(NodeConfig(home=tmp_path / "home", block_time=None))
    try:
        assert meta(reopened, moved)["postTokenBalances"] == before["postTokenBalances"]
        plain_meta = meta(reopened, plain)
        assert plain_meta["preTokenBalances"] == [] == plain_meta["postTokenBalances"]
        assert "error" not in call(reopened, "getTransaction", moved)
    finally:
        reopened.close()
