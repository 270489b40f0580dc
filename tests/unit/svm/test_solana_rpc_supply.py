"""getSupply, getLargestAccounts, getBlockProduction, getStakeMinimumDelegation, getInflationGovernor,
getInflationRate, getVoteAccounts, getSlotLeaders and minimumLedgerSlot on a node without servers;
every answer is also read by solders' response parser."""

from __future__ import annotations

import base64
import json
from typing import Any

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.responses import (
    GetBlockProductionResp,
    GetInflationGovernorResp,
    GetInflationRateResp,
    GetLargestAccountsResp,
    GetSlotLeadersResp,
    GetStakeMinimumDelegationResp,
    GetSupplyResp,
    GetVoteAccountsResp,
    MinimumLedgerSlotResp,
)
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from qorenode.genesis import solana_faucet_keypair
from qorenode.keys import solana_dev_keypair
from qorenode.node import Node
from tests.solanakit import system_transfer
from tests.unit.svm.svmrpc import call, error, latest_blockhash, result, send_transaction
from vms.svm.rpc import SLOTS_PER_EPOCH, b58encode

ALICE = solana_dev_keypair(0)
STAKE_PROGRAM = Pubkey.from_string("Stake11111111111111111111111111111111111111")
FEE = 5000


def parsed(node: Node, response_type: Any, method: str, *params: Any) -> Any:
    """The result of one request, after checking solders reads the whole response."""
    response = call(node, method, *params)
    assert "error" not in response, response
    response_type.from_json(json.dumps(response))
    return response["result"]


def pay(node: Node, to: Pubkey, lamports: int) -> None:
    send_transaction(node, [system_transfer(ALICE.pubkey(), to, lamports)], [ALICE])
    node.mine()


def test_supply_counts_every_lamport_and_the_fees_burn(node: Node) -> None:
    supply = parsed(node, GetSupplyResp, "getSupply")
    value = supply["value"]
    total = value["total"]
    assert total > 0 and value["circulating"] == total
    assert value["nonCirculating"] == 0 and value["nonCirculatingAccounts"] == []
    largest = parsed(node, GetLargestAccountsResp, "getLargestAccounts")["value"]
    held = sum(a["lamports"] for a in largest)
    assert held <= total and (len(largest) == 20 or held == total)  # fewer: they are all
    # a transfer moves lamports (the total stays) and burns its fee, as LiteSVM charges it
    fresh = Keypair().pubkey()
    pay(node, fresh, 3 * 10**9)
    after = parsed(node, GetSupplyResp, "getSupply", {"excludeNonCirculatingAccountsList": True})
    assert after["value"]["total"] == total - FEE
    assert after["value"]["circulating"] == total - FEE
    assert after["context"]["slot"] == result(node, "getSlot")
    assert error(node, "getSupply", {"excludeNonCirculatingAccountsList": "yes"})["code"] == -32602


def test_largest_accounts_are_sorted_with_their_balances(node: Node) -> None:
    whale = Keypair().pubkey()
    pay(node, whale, 900 * 10**9)  # Alice keeps less than the whale now
    largest = parsed(node, GetLargestAccountsResp, "getLargestAccounts")["value"]
    assert 0 < len(largest) <= 20
    lamports = [a["lamports"] for a in largest]
    assert lamports == sorted(lamports, reverse=True)
    for entry in largest:
        assert result(node, "getBalance", entry["address"])["value"] == entry["lamports"]
    addresses = [a["address"] for a in largest]
    assert str(whale) in addresses
    assert addresses.index(str(whale)) < addresses.index(str(ALICE.pubkey()))
    circulating = result(node, "getLargestAccounts", {"filter": "circulating"})["value"]
    assert circulating == largest
    assert result(node, "getLargestAccounts", {"filter": "nonCirculating"})["value"] == []
    assert error(node, "getLargestAccounts", {"filter": "all"})["code"] == -32602


def test_block_production_names_the_node_for_every_slot(node: Node) -> None:
    node.mine(3)
    slot = result(node, "getSlot")
    identity = result(node, "getIdentity")["identity"]
    assert identity == str(solana_faucet_keypair().pubkey())
    production = parsed(node, GetBlockProductionResp, "getBlockProduction")
    assert production["value"] == {
        "byIdentity": {identity: [slot + 1, slot + 1]},
        "range": {"firstSlot": 0, "lastSlot": slot},
    }
    assert production["context"]["slot"] == slot
    ranged = result(node, "getBlockProduction", {"range": {"firstSlot": 1, "lastSlot": 2}})
    assert ranged["value"]["byIdentity"] == {identity: [2, 2]}
    assert ranged["value"]["range"] == {"firstSlot": 1, "lastSlot": 2}
    open_ended = result(node, "getBlockProduction", {"range": {"firstSlot": 2}})
    assert open_ended["value"]["range"] == {"firstSlot": 2, "lastSlot": slot}
    mine = result(node, "getBlockProduction", {"identity": identity})
    assert mine["value"]["byIdentity"] == {identity: [slot + 1, slot + 1]}
    other = result(node, "getBlockProduction", {"identity": str(ALICE.pubkey())})
    assert other["value"]["byIdentity"] == {}
    cases = [
        (
            {"range": {"firstSlot": 2, "lastSlot": 1}},
            "lastSlot, 1, cannot be less than firstSlot, 2",
        ),
        (
            {"range": {"firstSlot": 0, "lastSlot": slot + 1}},
            f"lastSlot, {slot + 1}, is too large; max {slot}",
        ),
    ]
    for config, message in cases:
        assert error(node, "getBlockProduction", config) == {"code": -32602, "message": message}
    assert error(node, "getBlockProduction", {"range": {"lastSlot": 1}})["code"] == -32602
    assert error(node, "getBlockProduction", {"range": {"firstSlot": -1}})["code"] == -32602


def test_stake_minimum_delegation_is_what_the_stake_program_enforces(node: Node) -> None:
    answer = parsed(node, GetStakeMinimumDelegationResp, "getStakeMinimumDelegation")
    # ask the stake program itself: its GetMinimumDelegation (13) returns the amount as a u64
    recent = latest_blockhash(node)
    ix = Instruction(STAKE_PROGRAM, (13).to_bytes(4, "little"), [])
    message = Message.new_with_blockhash([ix], ALICE.pubkey(), recent)
    unsigned = VersionedTransaction.populate(message, [Signature.default()])
    simulated = result(node, "simulateTransaction", b58encode(bytes(unsigned)))["value"]
    assert simulated["err"] is None
    data, encoding = simulated["returnData"]["data"]
    assert encoding == "base64"
    assert answer["value"] == int.from_bytes(base64.b64decode(data), "little") == 10**9


def test_inflation_votes_and_leaders(node: Node) -> None:
    node.mine(2)
    governor = parsed(node, GetInflationGovernorResp, "getInflationGovernor")
    assert governor == {
        "initial": 0.0,
        "terminal": 0.0,
        "taper": 0.0,
        "foundation": 0.0,
        "foundationTerm": 0.0,
    }
    rate = parsed(node, GetInflationRateResp, "getInflationRate")
    assert rate == {"total": 0.0, "validator": 0.0, "foundation": 0.0, "epoch": 0}
    votes = parsed(node, GetVoteAccountsResp, "getVoteAccounts", {"keepUnstakedDelinquents": True})
    assert votes == {"current": [], "delinquent": []}
    assert error(node, "getVoteAccounts", {"votePubkey": "nope"})["code"] == -32602
    identity = result(node, "getIdentity")["identity"]
    assert parsed(node, GetSlotLeadersResp, "getSlotLeaders", 1, 3) == [identity] * 3
    assert result(node, "getSlotLeaders", 0, 0) == []
    assert error(node, "getSlotLeaders", 0, 5001) == {
        "code": -32602,
        "message": "Invalid limit; max 5000",
    }
    far = 2 * SLOTS_PER_EPOCH
    assert error(node, "getSlotLeaders", far, 1) == {
        "code": -32602,
        "message": "Invalid slot range: leader schedule for epoch 2 is unavailable",
    }
    assert parsed(node, MinimumLedgerSlotResp, "minimumLedgerSlot") == 0
    assert result(node, "minimumLedgerSlot") == result(node, "getFirstAvailableBlock")
