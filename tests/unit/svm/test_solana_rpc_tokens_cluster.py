"""getTokenSupply, getTokenLargestAccounts, getTokenAccountsByDelegate, getRecentPerformanceSamples,
getClusterNodes, getLeaderSchedule, getHighestSnapshotSlot, getMaxRetransmitSlot,
getMaxShredInsertSlot, getBlockCommitment and getInflationReward on a node without servers, over
real transactions; every successful answer is also read by solders' response parser."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.responses import (
    GetBlockCommitmentResp,
    GetClusterNodesResp,
    GetInflationRewardResp,
    GetLeaderScheduleResp,
    GetMaxRetransmitSlotResp,
    GetMaxShredInsertSlotResp,
    GetRecentPerformanceSamplesResp,
    GetTokenAccountsByDelegateJsonParsedResp,
    GetTokenAccountsByDelegateResp,
    GetTokenLargestAccountsResp,
    GetTokenSupplyResp,
)
from spl.token import instructions as token
from spl.token.constants import TOKEN_PROGRAM_ID, WRAPPED_SOL_MINT
from spl.token.models import ApproveParams

from qorenode.genesis import solana_faucet_keypair
from qorenode.keys import solana_dev_keypair
from qorenode.node import Node, NodeConfig
from tests.solanakit import (
    MINT_LEN,
    TOKEN_ACCOUNT_LEN,
    create_ata_instruction,
    create_mint_instructions,
    create_token_account_instructions,
    mint_to_instruction,
    system_transfer,
)
from tests.unit.nodekit import ManualClock
from tests.unit.svm.svmrpc import call, error, result, send_and_confirm, send_transaction
from vms.svm.rpc import API_VERSION, FEATURE_SET, SLOTS_PER_EPOCH

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
DELEGATE = Keypair().pubkey()
TOKEN_2022 = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
BASE64 = {"encoding": "base64"}
INVALID_PARAMS = -32602


def parsed(node: Node, response_type: Any, method: str, *params: Any) -> Any:
    """The result of one request, after checking solders reads the whole response."""
    response = call(node, method, *params)
    assert "error" not in response, response
    response_type.from_json(json.dumps(response))
    return response["result"]


def invalid(node: Node, method: str, *params: Any) -> str:
    """The message of a request that must fail with Solana's invalid-params code."""
    failure = error(node, method, *params)
    assert failure["code"] == INVALID_PARAMS, failure
    message: str = failure["message"]
    return message


def approve(source: Pubkey, delegate: Pubkey, owner: Pubkey, amount: int) -> Instruction:
    return token.approve(
        ApproveParams(
            program_id=TOKEN_PROGRAM_ID,
            source=source,
            delegate=delegate,
            owner=owner,
            amount=amount,
        )
    )


def create_mint(node: Node, decimals: int) -> Pubkey:
    """A mint of ``decimals`` Alice controls."""
    mint = Keypair()
    rent = result(node, "getMinimumBalanceForRentExemption", MINT_LEN)
    send_and_confirm(
        node,
        create_mint_instructions(ALICE.pubkey(), mint.pubkey(), rent, decimals),
        [ALICE, mint],
    )
    return mint.pubkey()


@dataclass
class Tokens:
    """Two mints and their accounts, Alice's and Bob's own ones approving ``DELEGATE``."""

    mint: Pubkey  # 6 decimals, supply 10.5
    alice: Pubkey  # Alice's ATA: 5, 1.25 of it delegated
    bob: Pubkey  # Bob's ATA: 2.5, not delegated
    carol: Pubkey  # a plain token account of a fresh owner: 2.5 (a tie with Bob's)
    empty: Pubkey  # Alice's plain account: 0.5, delegated to someone else
    other_mint: Pubkey  # 0 decimals
    bob_other: Pubkey  # Bob's ATA of it: 7, all delegated


def make_tokens(node: Node) -> Tokens:
    mint, other_mint = create_mint(node, 6), create_mint(node, 0)
    alice, create_alice = create_ata_instruction(ALICE.pubkey(), ALICE.pubkey(), mint)
    bob, create_bob = create_ata_instruction(ALICE.pubkey(), BOB.pubkey(), mint)
    bob_other, create_bob_other = create_ata_instruction(ALICE.pubkey(), BOB.pubkey(), other_mint)
    send_and_confirm(node, [create_alice, create_bob, create_bob_other], [ALICE])
    rent = result(node, "getMinimumBalanceForRentExemption", TOKEN_ACCOUNT_LEN)
    carol, empty = Keypair(), Keypair()
    send_and_confirm(
        node,
        create_token_account_instructions(
            ALICE.pubkey(), carol.pubkey(), mint, Keypair().pubkey(), rent
        )
        + create_token_account_instructions(
            ALICE.pubkey(), empty.pubkey(), mint, ALICE.pubkey(), rent
        ),
        [ALICE, carol, empty],
    )
    send_and_confirm(
        node,
        [
            mint_to_instruction(mint, alice, ALICE.pubkey(), 5_000_000),
            mint_to_instruction(mint, bob, ALICE.pubkey(), 2_500_000),
            mint_to_instruction(mint, carol.pubkey(), ALICE.pubkey(), 2_500_000),
            mint_to_instruction(mint, empty.pubkey(), ALICE.pubkey(), 500_000),
            mint_to_instruction(other_mint, bob_other, ALICE.pubkey(), 7),
            approve(alice, DELEGATE, ALICE.pubkey(), 1_250_000),
            approve(empty.pubkey(), Keypair().pubkey(), ALICE.pubkey(), 1),
        ],
        [ALICE],
    )
    send_and_confirm(node, [approve(bob_other, DELEGATE, BOB.pubkey(), 7)], [BOB])
    return Tokens(mint, alice, bob, carol.pubkey(), empty.pubkey(), other_mint, bob_other)


def amount(raw: int, decimals: int, ui: float, text: str) -> dict[str, Any]:
    return {"amount": str(raw), "decimals": decimals, "uiAmount": ui, "uiAmountString": text}


# -- SPL Token ------------------------------------------------------------------------------------


def test_token_supply_is_the_mints_supply(node: Node) -> None:
    tokens = make_tokens(node)
    supply = parsed(node, GetTokenSupplyResp, "getTokenSupply", str(tokens.mint))
    assert supply["value"] == amount(10_500_000, 6, 10.5, "10.5")
    assert supply["context"]["slot"] == result(node, "getSlot")
    other = parsed(node, GetTokenSupplyResp, "getTokenSupply", str(tokens.other_mint), {})
    assert other["value"] == amount(7, 0, 7.0, "7")
    # the preset's native mint is read as it is: 9 decimals, nothing minted
    native = parsed(node, GetTokenSupplyResp, "getTokenSupply", str(WRAPPED_SOL_MINT))
    assert native["value"] == amount(0, 9, 0.0, "0")

    # Agave's messages, in its order: no account, not owned by a token program, not a mint
    assert invalid(node, "getTokenSupply", str(Keypair().pubkey())) == (
        "Invalid param: could not find account"
    )
    assert invalid(node, "getTokenSupply", str(ALICE.pubkey())) == "Invalid param: not a Token mint"
    assert invalid(node, "getTokenSupply", str(tokens.alice)) == (
        "Invalid param: mint could not be unpacked"
    )
    assert invalid(node, "getTokenSupply", "not-a-key").startswith("Invalid param")
    invalid(node, "getTokenSupply", str(tokens.mint), "finalized")


def test_token_largest_accounts_sorts_by_amount_then_address(node: Node) -> None:
    tokens = make_tokens(node)
    response = parsed(
        node, GetTokenLargestAccountsResp, "getTokenLargestAccounts", str(tokens.mint)
    )
    assert response["context"]["slot"] == result(node, "getSlot")
    # a tie keeps Agave's order: the higher address first
    tied = sorted([tokens.bob, tokens.carol], key=bytes, reverse=True)
    assert response["value"] == [
        {"address": str(tokens.alice), **amount(5_000_000, 6, 5.0, "5")},
        {"address": str(tied[0]), **amount(2_500_000, 6, 2.5, "2.5")},
        {"address": str(tied[1]), **amount(2_500_000, 6, 2.5, "2.5")},
        {"address": str(tokens.empty), **amount(500_000, 6, 0.5, "0.5")},
    ]
    other = result(node, "getTokenLargestAccounts", str(tokens.other_mint))["value"]
    assert other == [{"address": str(tokens.bob_other), **amount(7, 0, 7.0, "7")}]
    fresh = create_mint(node, 2)
    assert result(node, "getTokenLargestAccounts", str(fresh))["value"] == []

    assert invalid(node, "getTokenLargestAccounts", str(Keypair().pubkey())) == (
        "Invalid param: could not find mint"
    )
    assert invalid(node, "getTokenLargestAccounts", str(ALICE.pubkey())) == (
        "Invalid param: not a Token mint"
    )
    assert invalid(node, "getTokenLargestAccounts", str(tokens.bob)) == (
        "Invalid param: Token mint could not be unpacked"
    )


def test_token_largest_accounts_answers_twenty(node: Node) -> None:
    mint = create_mint(node, 0)
    owners = [Keypair().pubkey() for _ in range(22)]
    accounts = []
    for start in range(0, len(owners), 6):  # six associated accounts a transaction
        instructions = []
        for owner in owners[start : start + 6]:
            address, create = create_ata_instruction(ALICE.pubkey(), owner, mint)
            accounts.append(address)
            instructions.append(create)
        send_transaction(node, instructions, [ALICE])
    node.mine()
    funded = accounts[0]
    send_and_confirm(node, [mint_to_instruction(mint, funded, ALICE.pubkey(), 3)], [ALICE])
    largest = result(node, "getTokenLargestAccounts", str(mint))["value"]
    # the funded one, then the 19 highest addresses of the 21 empty ones
    empty = sorted(accounts[1:], key=bytes, reverse=True)[:19]
    assert [entry["address"] for entry in largest] == [str(funded)] + [str(a) for a in empty]
    assert [entry["amount"] for entry in largest] == ["3"] + ["0"] * 19


def test_token_accounts_by_delegate(node: Node) -> None:
    tokens = make_tokens(node)
    delegate = str(DELEGATE)
    by_mint = parsed(
        node,
        GetTokenAccountsByDelegateResp,
        "getTokenAccountsByDelegate",
        delegate,
        {"mint": str(tokens.mint)},
        BASE64,
    )
    assert by_mint["context"]["slot"] == result(node, "getSlot")
    (entry,) = by_mint["value"]
    assert entry["pubkey"] == str(tokens.alice)
    assert entry["account"] == result(node, "getAccountInfo", str(tokens.alice), BASE64)["value"]
    data = base64.b64decode(entry["account"]["data"][0])
    assert data[72:76] == (1).to_bytes(4, "little") and data[76:108] == bytes(DELEGATE)

    by_program = result(
        node,
        "getTokenAccountsByDelegate",
        delegate,
        {"programId": str(TOKEN_PROGRAM_ID)},
        BASE64,
    )["value"]
    expected = sorted([tokens.alice, tokens.bob_other], key=bytes)  # ascending by address
    assert [e["pubkey"] for e in by_program] == [str(a) for a in expected]
    assert (
        result(node, "getTokenAccountsByDelegate", delegate, {"programId": TOKEN_2022})["value"]
        == []
    )
    # the owner is not a delegate, and an account's owner filter is not the delegate's
    for key in (ALICE.pubkey(), BOB.pubkey(), Keypair().pubkey()):
        answer = result(
            node, "getTokenAccountsByDelegate", str(key), {"programId": str(TOKEN_PROGRAM_ID)}
        )
        assert answer["value"] == []
    by_owner = result(
        node, "getTokenAccountsByOwner", str(ALICE.pubkey()), {"mint": str(tokens.mint)}, BASE64
    )["value"]
    assert {e["pubkey"] for e in by_owner} == {str(tokens.alice), str(tokens.empty)}

    json_parsed = parsed(
        node,
        GetTokenAccountsByDelegateJsonParsedResp,
        "getTokenAccountsByDelegate",
        delegate,
        {"mint": str(tokens.other_mint)},
        {"encoding": "jsonParsed"},
    )["value"]
    assert [e["pubkey"] for e in json_parsed] == [str(tokens.bob_other)]
    info = json_parsed[0]["account"]["data"]["parsed"]["info"]
    assert info["delegate"] == delegate and info["owner"] == str(BOB.pubkey())
    assert info["delegatedAmount"] == amount(7, 0, 7.0, "7")

    # base58 (the default) refuses 165 bytes, as getAccountInfo does
    too_big = error(node, "getTokenAccountsByDelegate", delegate, {"mint": str(tokens.mint)})
    assert too_big == error(node, "getAccountInfo", str(tokens.alice))

    cases = [
        ({"programId": str(ALICE.pubkey())}, "Invalid param: unrecognized Token program id"),
        ({"mint": str(Keypair().pubkey())}, "Invalid param: could not find mint"),
        ({"mint": str(ALICE.pubkey())}, "Invalid param: not a Token mint"),
        ({"mint": str(tokens.alice)}, "Invalid param: Token mint could not be unpacked"),
    ]
    for token_filter, message in cases:
        assert invalid(node, "getTokenAccountsByDelegate", delegate, token_filter) == message
    invalid(node, "getTokenAccountsByDelegate", delegate, {})
    both = {"mint": str(tokens.mint), "programId": str(TOKEN_PROGRAM_ID)}
    invalid(node, "getTokenAccountsByDelegate", delegate, both)
    invalid(node, "getTokenAccountsByDelegate", "not-a-key", {"mint": str(tokens.mint)})
    invalid(node, "getTokenAccountsByDelegate", delegate, {"mint": str(tokens.mint)}, "base64")


# -- performance samples ----------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def timed_node(tmp_path: Path, clock: ManualClock) -> Iterator[Node]:
    """A node whose block times the test sets."""
    node = Node(NodeConfig(home=tmp_path / "home", block_time=None, clock=clock))
    yield node
    node.close()


def test_performance_samples_are_one_per_block(timed_node: Node, clock: ManualClock) -> None:
    node = timed_node
    clock.now = result(node, "getBlockTime", 0) + 1000  # the genesis block's time is preset
    node.mine()
    clock.now += 7
    for lamports in (1, 2):
        send_transaction(node, [system_transfer(ALICE.pubkey(), BOB.pubkey(), lamports)], [ALICE])
    node.mine()
    node.mine()  # the same wall time: a block is at least a second after its parent
    clock.now += 100_000
    send_transaction(node, [system_transfer(ALICE.pubkey(), BOB.pubkey(), 3)], [ALICE])
    node.mine()
    slot = result(node, "getSlot")
    assert slot == 4

    samples = parsed(node, GetRecentPerformanceSamplesResp, "getRecentPerformanceSamples")
    assert [s["slot"] for s in samples] == [4, 3, 2, 1, 0]  # newest first, the genesis block too
    assert samples[:3] == [
        {
            "slot": 4,
            "numTransactions": 1,
            "numNonVoteTransactions": 1,
            "numSlots": 1,
            "samplePeriodSecs": 65_535,  # a u16: 100,000 seconds are cut
        },
        {
            "slot": 3,
            "numTransactions": 0,
            "numNonVoteTransactions": 0,
            "numSlots": 1,
            "samplePeriodSecs": 1,
        },
        {
            "slot": 2,
            "numTransactions": 2,
            "numNonVoteTransactions": 2,
            "numSlots": 1,
            "samplePeriodSecs": 7,
        },
    ]
    assert samples[3]["samplePeriodSecs"] == 1000
    assert samples[4]["samplePeriodSecs"] == 0  # no block before the first
    assert samples[4]["numTransactions"] == 0
    total = sum(s["numTransactions"] for s in samples)
    assert total == result(node, "getTransactionCount")

    assert (
        parsed(node, GetRecentPerformanceSamplesResp, "getRecentPerformanceSamples", 2)
        == (samples[:2])
    )
    assert result(node, "getRecentPerformanceSamples", 720) == samples
    assert result(node, "getRecentPerformanceSamples", None) == samples
    assert result(node, "getRecentPerformanceSamples", 0) == []
    assert invalid(node, "getRecentPerformanceSamples", 721) == "Invalid limit; max 720"
    invalid(node, "getRecentPerformanceSamples", -1)
    invalid(node, "getRecentPerformanceSamples", "5")


# -- the cluster --------------------------------------------------------------------------------------


def test_cluster_nodes_is_this_node(node: Node) -> None:
    identity = result(node, "getIdentity")["identity"]
    assert identity == str(solana_faucet_keypair().pubkey())
    nodes = parsed(node, GetClusterNodesResp, "getClusterNodes")
    sockets = (
        "gossip",
        "tvu",
        "tpu",
        "tpuQuic",
        "tpuForwards",
        "tpuForwardsQuic",
        "tpuVote",
        "serveRepair",
        "rpc",
        "pubsub",
    )
    assert nodes == [
        {
            "pubkey": identity,
            **dict.fromkeys(sockets),
            "version": API_VERSION,
            "featureSet": FEATURE_SET,
            "shredVersion": 0,
        }
    ]
    assert nodes[0]["version"] == result(node, "getVersion")["solana-core"]


def test_leader_schedule_names_the_node_for_every_slot_of_the_epoch(node: Node) -> None:
    node.mine(2)
    identity = result(node, "getIdentity")["identity"]
    every_slot = list(range(SLOTS_PER_EPOCH))
    schedule = parsed(node, GetLeaderScheduleResp, "getLeaderSchedule")
    assert schedule == {identity: every_slot}
    assert result(node, "getSlotLeaders", 0, 3) == [identity] * 3  # consistent with it
    # this epoch and the next are known; the one after is not (null)
    assert result(node, "getLeaderSchedule", SLOTS_PER_EPOCH + 5) == schedule
    assert result(node, "getLeaderSchedule", 2 * SLOTS_PER_EPOCH - 1) == schedule
    assert parsed(node, GetLeaderScheduleResp, "getLeaderSchedule", 2 * SLOTS_PER_EPOCH) is None
    assert invalid(node, "getSlotLeaders", 2 * SLOTS_PER_EPOCH, 1).endswith(
        "leader schedule for epoch 2 is unavailable"
    )
    # config.identity filters; the config may come first
    assert result(node, "getLeaderSchedule", None, {"identity": identity}) == schedule
    assert result(node, "getLeaderSchedule", {"identity": identity}) == schedule
    assert result(node, "getLeaderSchedule", 0, {"identity": str(ALICE.pubkey())}) == {}
    assert result(node, "getLeaderSchedule", {"identity": str(ALICE.pubkey())}) == {}
    assert result(node, "getLeaderSchedule", 2 * SLOTS_PER_EPOCH, {"identity": identity}) is None
    invalid(node, "getLeaderSchedule", None, {"identity": "not-a-key"})
    invalid(node, "getLeaderSchedule", -1)
    invalid(node, "getLeaderSchedule", 0, "finalized")


def test_snapshot_and_slot_methods(node: Node) -> None:
    assert error(node, "getHighestSnapshotSlot") == {"code": -32008, "message": "No snapshot"}
    node.mine(3)
    slot = result(node, "getSlot")
    assert slot == 3
    assert parsed(node, GetMaxRetransmitSlotResp, "getMaxRetransmitSlot") == slot
    assert parsed(node, GetMaxShredInsertSlotResp, "getMaxShredInsertSlot") == slot
    node.mine()
    assert result(node, "getMaxRetransmitSlot") == result(node, "getMaxShredInsertSlot") == 4


def test_block_commitment_has_no_votes_and_no_stake(node: Node) -> None:
    node.mine()
    for slot in (0, 1, 10**6):
        commitment = parsed(node, GetBlockCommitmentResp, "getBlockCommitment", slot)
        assert commitment == {"commitment": None, "totalStake": 0}
    invalid(node, "getBlockCommitment", -1)
    invalid(node, "getBlockCommitment", "1")


def test_inflation_reward_is_none_for_every_address(node: Node) -> None:
    addresses = [str(ALICE.pubkey()), str(BOB.pubkey()), str(Keypair().pubkey())]
    rewards = parsed(node, GetInflationRewardResp, "getInflationReward", addresses)
    assert rewards == [None, None, None]
    assert result(node, "getInflationReward", [], {"commitment": "finalized"}) == []
    # an epoch whose rewards block (the next epoch's first slot) is not made yet: Agave's error
    assert error(node, "getInflationReward", addresses, {"epoch": 0}) == {
        "code": -32004,
        "message": f"Block not available for slot {SLOTS_PER_EPOCH}",
    }
    invalid(node, "getInflationReward", [str(ALICE.pubkey()), "not-a-key"])
    invalid(node, "getInflationReward", str(ALICE.pubkey()))
    invalid(node, "getInflationReward", addresses, {"epoch": -1})
