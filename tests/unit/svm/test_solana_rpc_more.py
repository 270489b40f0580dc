"""getBlockTime, getEpochSchedule, getFirstAvailableBlock, getBlocks, getBlocksWithLimit,
getRecentPrioritizationFees, getTokenAccountsByOwner, getTokenAccountBalance, getSlotLeader and
getIdentity on a node without servers."""

from __future__ import annotations

import base64

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.token.state import TokenAccount
from spl.token.constants import TOKEN_PROGRAM_ID

from qorenode.genesis import solana_faucet_keypair
from qorenode.keys import solana_dev_keypair
from qorenode.node import Node
from tests.solanakit import (
    MINT_LEN,
    create_ata_instruction,
    create_mint_instructions,
    mint_to_instruction,
)
from tests.unit.svm.svmrpc import error, result, send_and_confirm
from vms.svm import rpc
from vms.svm.rpc import SLOTS_PER_EPOCH, token_amount

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
TOKEN_2022 = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
DECIMALS = 6


def latest_slot(node: Node) -> int:
    slot: int = result(node, "getSlot")
    return slot


def test_block_time_and_first_available_block(node: Node) -> None:
    node.mine()
    slot = latest_slot(node)
    block = result(node, "getBlock", slot, {"transactionDetails": "none"})
    assert result(node, "getBlockTime", slot) == block["blockTime"]
    assert isinstance(block["blockTime"], int)
    missing = error(node, "getBlockTime", slot + 10)
    assert missing["code"] == -32004
    assert missing["message"] == f"Block not available for slot {slot + 10}"
    assert missing == error(node, "getBlock", slot + 10)
    assert error(node, "getBlockTime", -1)["code"] == -32602
    assert result(node, "getFirstAvailableBlock") == 0


def test_epoch_schedule_matches_epoch_info(node: Node) -> None:
    schedule = result(node, "getEpochSchedule")
    assert schedule == {
        "slotsPerEpoch": SLOTS_PER_EPOCH,
        "leaderScheduleSlotOffset": SLOTS_PER_EPOCH,
        "warmup": False,
        "firstNormalEpoch": 0,
        "firstNormalSlot": 0,
    }
    info = result(node, "getEpochInfo")
    assert info["slotsInEpoch"] == schedule["slotsPerEpoch"]


def test_blocks_and_blocks_with_limit(node: Node) -> None:
    for _ in range(3):
        node.mine()
    slot = latest_slot(node)
    assert result(node, "getBlocks", 0) == list(range(slot + 1))
    assert result(node, "getBlocks", 1, 2) == [1, 2]
    assert result(node, "getBlocks", 1, {"commitment": "finalized"}) == list(range(1, slot + 1))
    assert result(node, "getBlocks", slot, slot + 100) == [slot]
    assert result(node, "getBlocks", 2, 1) == []
    assert result(node, "getBlocksWithLimit", 1, 2) == [1, 2]
    assert result(node, "getBlocksWithLimit", slot, 10) == [slot]
    assert result(node, "getBlocksWithLimit", 0, 0) == []
    for _ in range(2):
        node.mine()
    assert result(node, "getBlocks", 0, 600_000) == list(range(latest_slot(node) + 1))
    big = error(node, "getBlocksWithLimit", 0, 500_001)
    assert big == {"code": -32602, "message": "Limit too large; max 500000"}
    assert error(node, "getBlocks", "x")["code"] == -32602


def test_blocks_range_cap(node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    """The range is capped after it is cut at the latest slot (a 500,000-slot chain is too long
    for a unit test: the cap is lowered)."""
    node.mine()
    node.mine()
    monkeypatch.setattr(rpc, "MAX_BLOCKS_RANGE", 1)
    assert error(node, "getBlocks", 0, 2) == {
        "code": -32602,
        "message": "Slot range too large; max 1",
    }
    assert result(node, "getBlocks", 1, 2) == [1, 2]
    assert result(node, "getBlocks", 0, 1) == [0, 1]


def test_recent_prioritization_fees(node: Node) -> None:
    for _ in range(3):
        node.mine()
    slot = latest_slot(node)
    fees = result(node, "getRecentPrioritizationFees")
    assert fees == [{"slot": s, "prioritizationFee": 0} for s in range(slot + 1)]
    assert result(node, "getRecentPrioritizationFees", [str(ALICE.pubkey())]) == fees
    many = [str(Keypair().pubkey()) for _ in range(129)]
    assert error(node, "getRecentPrioritizationFees", many) == {
        "code": -32602,
        "message": "Too many inputs provided; max 128",
    }
    assert error(node, "getRecentPrioritizationFees", ["nope"])["code"] == -32602


def test_slot_leader_and_identity(node: Node) -> None:
    leader = result(node, "getSlotLeader")
    assert leader == str(solana_faucet_keypair().pubkey())
    assert result(node, "getIdentity") == {"identity": leader}


def create_mint(node: Node, authority: Keypair) -> Pubkey:
    mint = Keypair()
    rent = result(node, "getMinimumBalanceForRentExemption", MINT_LEN)
    send_and_confirm(
        node,
        create_mint_instructions(
            authority.pubkey(), mint.pubkey(), rent, DECIMALS, authority=authority.pubkey()
        ),
        [authority, mint],
    )
    return mint.pubkey()


def test_token_accounts_by_owner_and_balance(node: Node) -> None:
    mint = create_mint(node, ALICE)
    other = create_mint(node, ALICE)
    ata, create_ata = create_ata_instruction(ALICE.pubkey(), BOB.pubkey(), mint)
    other_ata, create_other_ata = create_ata_instruction(ALICE.pubkey(), BOB.pubkey(), other)
    alice_ata, create_alice_ata = create_ata_instruction(ALICE.pubkey(), ALICE.pubkey(), mint)
    send_and_confirm(
        node,
        [
            create_ata,
            create_other_ata,
            create_alice_ata,
            mint_to_instruction(mint, ata, ALICE.pubkey(), 1_500_000),
        ],
        [ALICE],
    )

    base64_cfg = {"encoding": "base64"}
    by_mint = result(
        node, "getTokenAccountsByOwner", str(BOB.pubkey()), {"mint": str(mint)}, base64_cfg
    )
    assert set(by_mint) == {"context", "value"}
    assert by_mint["context"]["slot"] == latest_slot(node)
    (entry,) = by_mint["value"]
    assert entry["pubkey"] == str(ata)
    assert entry["account"] == result(node, "getAccountInfo", str(ata), base64_cfg)["value"]
    state = TokenAccount.from_bytes(base64.b64decode(entry["account"]["data"][0]))
    assert state.mint == mint and state.owner == BOB.pubkey() and state.amount == 1_500_000

    by_program = result(
        node,
        "getTokenAccountsByOwner",
        str(BOB.pubkey()),
        {"programId": str(TOKEN_PROGRAM_ID)},
        base64_cfg,
    )["value"]
    assert {e["pubkey"] for e in by_program} == {str(ata), str(other_ata)}
    assert (
        result(node, "getTokenAccountsByOwner", str(BOB.pubkey()), {"programId": TOKEN_2022})[
            "value"
        ]
        == []
    )
    nobody = result(node, "getTokenAccountsByOwner", str(Keypair().pubkey()), {"mint": str(mint)})
    assert nobody["value"] == []

    parsed = result(
        node,
        "getTokenAccountsByOwner",
        str(ALICE.pubkey()),
        {"mint": str(mint)},
        {"encoding": "jsonParsed"},
    )["value"]
    assert [e["pubkey"] for e in parsed] == [str(alice_ata)]
    account = parsed[0]["account"]
    assert account["owner"] == str(TOKEN_PROGRAM_ID) and account["space"] == 165
    assert account["data"] == {
        "program": "spl-token",
        "parsed": {
            "info": {
                "isNative": False,
                "mint": str(mint),
                "owner": str(ALICE.pubkey()),
                "state": "initialized",
                "tokenAmount": {
                    "amount": "0",
                    "decimals": DECIMALS,
                    "uiAmount": 0.0,
                    "uiAmountString": "0",
                },
            },
            "type": "account",
        },
        "space": 165,
    }

    # base58 (the default) is refused for 165 bytes, as getAccountInfo refuses it
    too_big = error(node, "getTokenAccountsByOwner", str(BOB.pubkey()), {"mint": str(mint)})
    assert too_big == error(node, "getAccountInfo", str(ata))

    balance = result(node, "getTokenAccountBalance", str(ata))
    assert balance["value"] == {
        "amount": "1500000",
        "decimals": DECIMALS,
        "uiAmount": 1.5,
        "uiAmountString": "1.5",
    }
    assert result(node, "getTokenAccountBalance", str(other_ata))["value"]["amount"] == "0"

    owner = str(BOB.pubkey())
    cases = [
        (
            ("getTokenAccountsByOwner", owner, {"programId": str(ALICE.pubkey())}),
            "Invalid param: unrecognized Token program id",
        ),
        (
            ("getTokenAccountsByOwner", owner, {"mint": str(Keypair().pubkey())}),
            "Invalid param: could not find mint",
        ),
        (
            ("getTokenAccountsByOwner", owner, {"mint": str(ALICE.pubkey())}),
            "Invalid param: not a Token mint",
        ),
        (
            ("getTokenAccountBalance", str(Keypair().pubkey())),
            "Invalid param: could not find account",
        ),
        (("getTokenAccountBalance", str(ALICE.pubkey())), "Invalid param: not a Token account"),
        (("getTokenAccountBalance", str(mint)), "Invalid param: not a v2.0 Token account"),
    ]
    for (method, *params), message in cases:
        assert error(node, method, *params) == {"code": -32602, "message": message}
    assert error(node, "getTokenAccountsByOwner", owner, {})["code"] == -32602
    both = {"mint": str(mint), "programId": str(TOKEN_PROGRAM_ID)}
    assert error(node, "getTokenAccountsByOwner", owner, both)["code"] == -32602


def test_token_amount() -> None:
    assert token_amount(0, 0) == {
        "amount": "0",
        "decimals": 0,
        "uiAmount": 0.0,
        "uiAmountString": "0",
    }
    assert token_amount(5, 3)["uiAmountString"] == "0.005"
    assert token_amount(1_000_000, 6)["uiAmountString"] == "1"
    assert token_amount(1_230_000, 6)["uiAmountString"] == "1.23"
    assert token_amount(42, 0)["uiAmountString"] == "42"
