"""jsonParsed account data: SPL Token mints (the preset's native mint among them) and token
accounts, through getAccountInfo, getMultipleAccounts and getProgramAccounts, as Solana shows
them and as solders reads them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.responses import GetAccountInfoJsonParsedResp
from solders.system_program import CreateAccountParams, create_account
from solders.token.associated import get_associated_token_address
from solders.transaction import Transaction
from spl.token import instructions as token
from spl.token.constants import TOKEN_PROGRAM_ID, WRAPPED_SOL_MINT
from spl.token.models import InitializeMint2Params, MintToParams

from qorenode.keys import solana_dev_keypair
from qorenode.node import Node, NodeConfig
from tests.unit.svm.svmrpc import result
from vms.svm.rpc import b58encode

ALICE = solana_dev_keypair(0)
MINT_LEN = 82
PARSED = {"encoding": "jsonParsed"}


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    node = Node(NodeConfig(home=tmp_path / "home", block_time=None))
    yield node
    node.close()


def send(node: Node, instructions: list[Any], signers: list[Keypair]) -> None:
    recent = Hash.from_string(result(node, "getLatestBlockhash")["value"]["blockhash"])
    message = Message.new_with_blockhash(instructions, ALICE.pubkey(), recent)
    result(node, "sendTransaction", b58encode(bytes(Transaction(signers, message, recent))))
    node.mine()


def mint_with_supply(node: Node, amount: int) -> tuple[Pubkey, Pubkey]:
    """A 6-decimal mint Alice controls, and her associated account holding ``amount``."""
    mint = Keypair()
    ata = get_associated_token_address(ALICE.pubkey(), mint.pubkey())
    rent = result(node, "getMinimumBalanceForRentExemption", MINT_LEN)
    send(
        node,
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=ALICE.pubkey(),
                    to_pubkey=mint.pubkey(),
                    lamports=rent,
                    space=MINT_LEN,
                    owner=TOKEN_PROGRAM_ID,
                )
            ),
            token.initialize_mint2(
                InitializeMint2Params(
                    decimals=6,
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint.pubkey(),
                    mint_authority=ALICE.pubkey(),
                    freeze_authority=ALICE.pubkey(),
                )
            ),
            token.create_associated_token_account(ALICE.pubkey(), ALICE.pubkey(), mint.pubkey()),
            token.mint_to(
                MintToParams(
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint.pubkey(),
                    dest=ata,
                    mint_authority=ALICE.pubkey(),
                    amount=amount,
                )
            ),
        ],
        [ALICE, mint],
    )
    return mint.pubkey(), ata


def test_the_native_mint_is_in_the_preset_genesis(node: Node) -> None:
    answer = result(node, "getAccountInfo", str(WRAPPED_SOL_MINT), PARSED)
    assert answer["value"]["owner"] == str(TOKEN_PROGRAM_ID)
    assert answer["value"]["data"] == {
        "program": "spl-token",
        "parsed": {
            "info": {
                "decimals": 9,
                "freezeAuthority": None,
                "isInitialized": True,
                "mintAuthority": None,
                "supply": "0",
            },
            "type": "mint",
        },
        "space": MINT_LEN,
    }


def test_mints_and_token_accounts_parse_everywhere(node: Node) -> None:
    mint, ata = mint_with_supply(node, 1_500_000)
    alice = str(ALICE.pubkey())
    info = result(node, "getAccountInfo", str(mint), PARSED)["value"]["data"]["parsed"]["info"]
    assert info == {
        "decimals": 6,
        "freezeAuthority": alice,
        "isInitialized": True,
        "mintAuthority": alice,
        "supply": "1500000",
    }
    account = result(node, "getAccountInfo", str(ata), PARSED)
    parsed = account["value"]["data"]["parsed"]
    assert parsed["type"] == "account"
    assert parsed["info"]["mint"] == str(mint) and parsed["info"]["owner"] == alice
    assert parsed["info"]["tokenAmount"] == {
        "amount": "1500000",
        "decimals": 6,
        "uiAmount": 1.5,
        "uiAmountString": "1.5",
    }
    # solders reads the answer as the parsed account it is
    typed = GetAccountInfoJsonParsedResp.from_json(
        json.dumps({"jsonrpc": "2.0", "id": 1, "result": account})
    )
    assert typed.value is not None and typed.value.data.program == "spl-token"

    many = result(node, "getMultipleAccounts", [str(mint), str(ata)], PARSED)["value"]
    assert [a["data"]["parsed"]["type"] for a in many] == ["mint", "account"]
    owned = result(node, "getProgramAccounts", str(TOKEN_PROGRAM_ID), PARSED)
    kinds = {a["pubkey"]: a["account"]["data"]["parsed"]["type"] for a in owned}
    assert kinds[str(mint)] == "mint" and kinds[str(ata)] == "account"


def test_a_data_slice_or_a_foreign_account_falls_back_to_base64(node: Node) -> None:
    mint, _ = mint_with_supply(node, 1)
    sliced = {"encoding": "jsonParsed", "dataSlice": {"offset": 44, "length": 1}}
    data = result(node, "getAccountInfo", str(mint), sliced)["value"]["data"]
    assert data == ["Bg==", "base64"]  # the decimals byte, 6
    payer = result(node, "getAccountInfo", str(ALICE.pubkey()), PARSED)["value"]["data"]
    assert payer == ["", "base64"]
