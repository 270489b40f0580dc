"""simulateTransaction's ``accounts`` (the accounts as the simulation left them) and the
``base64+zstd`` account encoding, on a node without servers."""

from __future__ import annotations

import base64
import json
from typing import Any

import zstandard
from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc.responses import GetAccountInfoResp, SimulateTransactionResp
from spl.token.constants import TOKEN_PROGRAM_ID

from qorenode.keys import solana_dev_keypair
from qorenode.node import Node
from tests.solanakit import (
    MINT_LEN,
    TOKEN_ACCOUNT_LEN,
    create_mint_instructions,
    create_token_account_instructions,
    mint_to_instruction,
    signed_transaction,
    system_transfer,
)
from tests.unit.svm.svmrpc import call, latest_blockhash, result

ALICE = solana_dev_keypair(0)
SOL = 10**9
FEE = 5000  # one signature
NATIVE_MINT = "So11111111111111111111111111111111111111112"


def simulate(node: Node, tx: Any, **config: Any) -> dict[str, Any]:
    encoded = base64.b64encode(bytes(tx)).decode()
    return call(node, "simulateTransaction", encoded, {"encoding": "base64", **config})


def balance(node: Node, key: Pubkey) -> int:
    return int(result(node, "getBalance", str(key))["value"])


def unzstd(data: list[str]) -> bytes:
    encoded, encoding = data
    assert encoding == "base64+zstd"
    return zstandard.ZstdDecompressor().decompress(base64.b64decode(encoded))


def test_accounts_are_answered_as_the_simulation_left_them(node: Node) -> None:
    fresh, nobody = Keypair().pubkey(), Keypair().pubkey()
    before = balance(node, ALICE.pubkey())
    tx = signed_transaction(
        [system_transfer(ALICE.pubkey(), fresh, SOL)], [ALICE], latest_blockhash(node)
    )
    wanted = [str(fresh), str(ALICE.pubkey()), str(nobody)]
    response = simulate(node, tx, accounts={"addresses": wanted})  # base64 by default
    value = response["result"]["value"]
    assert value["err"] is None
    paid, payer, missing = value["accounts"]
    assert paid["lamports"] == SOL and paid["data"] == ["", "base64"]
    assert paid["owner"] == "11111111111111111111111111111111"
    assert payer["lamports"] == before - SOL - FEE
    assert missing is None
    SimulateTransactionResp.from_json(json.dumps(response))  # solders reads it
    # nothing kept
    assert balance(node, fresh) == 0 and balance(node, ALICE.pubkey()) == before
    # without the option: accounts null, as before
    assert simulate(node, tx)["result"]["value"]["accounts"] is None


def test_token_accounts_parse_against_the_mint_the_simulation_made(node: Node) -> None:
    mint, holder = Keypair(), Keypair()
    rent = int(result(node, "getMinimumBalanceForRentExemption", TOKEN_ACCOUNT_LEN))
    mint_rent = int(result(node, "getMinimumBalanceForRentExemption", MINT_LEN))
    instructions = [
        *create_mint_instructions(ALICE.pubkey(), mint.pubkey(), mint_rent, 6),
        *create_token_account_instructions(
            ALICE.pubkey(), holder.pubkey(), mint.pubkey(), ALICE.pubkey(), rent
        ),
        mint_to_instruction(mint.pubkey(), holder.pubkey(), ALICE.pubkey(), 2_500_000),
    ]
    tx = signed_transaction(instructions, [ALICE, mint, holder], latest_blockhash(node))
    addresses = [str(mint.pubkey()), str(holder.pubkey())]
    value = simulate(node, tx, accounts={"addresses": addresses, "encoding": "jsonParsed"})[
        "result"
    ]["value"]
    assert value["err"] is None
    minted, held = value["accounts"]
    assert minted["data"]["parsed"]["type"] == "mint"
    assert minted["data"]["parsed"]["info"]["decimals"] == 6
    assert minted["data"]["parsed"]["info"]["supply"] == "2500000"
    assert held["owner"] == str(TOKEN_PROGRAM_ID)
    info = held["data"]["parsed"]["info"]
    assert info["mint"] == str(mint.pubkey()) and info["owner"] == str(ALICE.pubkey())
    assert info["tokenAmount"]["decimals"] == 6  # read from the simulated mint
    assert info["tokenAmount"]["uiAmountString"] == "2.5"
    assert result(node, "getAccountInfo", str(mint.pubkey()))["value"] is None  # not kept


def test_a_failed_simulation_answers_null_accounts(node: Node) -> None:
    poor = Keypair()
    blockhash = latest_blockhash(node)
    tx = signed_transaction([system_transfer(poor.pubkey(), ALICE.pubkey(), 1)], [poor], blockhash)
    wanted = {"addresses": [str(poor.pubkey()), str(ALICE.pubkey())]}
    value = simulate(node, tx, accounts=wanted)["result"]["value"]
    assert value["err"] is not None and value["accounts"] == [None, None]
    stale = signed_transaction(
        [system_transfer(ALICE.pubkey(), poor.pubkey(), 1)], [ALICE], Hash.new_unique()
    )
    value = simulate(node, stale, accounts=wanted)["result"]["value"]
    assert value["err"] == "BlockhashNotFound" and value["accounts"] == [None, None]


def test_bad_accounts_options_are_refused(node: Node) -> None:
    tx = signed_transaction(
        [system_transfer(ALICE.pubkey(), Keypair().pubkey(), SOL)], [ALICE], latest_blockhash(node)
    )
    key = str(ALICE.pubkey())

    def error(accounts: Any) -> dict[str, Any]:
        response = simulate(node, tx, accounts=accounts)
        assert "result" not in response
        return {"code": response["error"]["code"], "message": response["error"]["message"]}

    base58 = error({"addresses": [key], "encoding": "base58"})
    assert base58 == {"code": -32602, "message": "base58 encoding not supported"}
    assert error({"addresses": [key], "encoding": "binary"})["code"] == -32602
    # the transfer names three accounts (payer, recipient, system program)
    too_many = error({"addresses": [key] * 4})
    assert too_many == {"code": -32602, "message": "Too many accounts provided; max 3"}
    assert error({"addresses": ["not-a-key"]})["code"] == -32602
    assert error({"addresses": key})["code"] == -32602
    assert error([key])["code"] == -32602
    assert error({"addresses": [key], "encoding": "hex"})["code"] == -32602
    # and the node still simulates
    assert simulate(node, tx, accounts={"addresses": [key]})["result"]["value"]["err"] is None


def test_base64_zstd_carries_the_account_data_compressed(node: Node) -> None:
    plain = result(node, "getAccountInfo", NATIVE_MINT, {"encoding": "base64"})["value"]
    data = base64.b64decode(plain["data"][0])
    assert len(data) == MINT_LEN
    response = call(node, "getAccountInfo", NATIVE_MINT, {"encoding": "base64+zstd"})
    packed = response["result"]["value"]
    assert unzstd(packed["data"]) == data
    assert {k: v for k, v in packed.items() if k != "data"} == {
        k: v for k, v in plain.items() if k != "data"
    }
    parsed = GetAccountInfoResp.from_json(json.dumps(response)).value  # solders decompresses
    assert parsed is not None and bytes(parsed.data) == data
    sliced = result(
        node,
        "getAccountInfo",
        NATIVE_MINT,
        {"encoding": "base64+zstd", "dataSlice": {"offset": 36, "length": 8}},
    )["value"]
    assert unzstd(sliced["data"]) == data[36:44]
    many = result(node, "getMultipleAccounts", [NATIVE_MINT], {"encoding": "base64+zstd"})
    assert unzstd(many["value"][0]["data"]) == data
    # simulated accounts take it too
    tx = signed_transaction(
        [system_transfer(ALICE.pubkey(), Keypair().pubkey(), SOL)], [ALICE], latest_blockhash(node)
    )
    accounts = {"addresses": [NATIVE_MINT], "encoding": "base64+zstd"}
    value = simulate(node, tx, accounts=accounts)["result"]["value"]
    assert unzstd(value["accounts"][0]["data"]) == data
