"""The jsonParsed encoding of getTransaction and getBlock (and transactionDetails "accounts") on a
node without servers: real SPL Token, Token-2022, Associated Token Account, memo, system and
Compute Budget instructions run on LiteSVM, then read back parsed as Agave's
solana-transaction-status parses them; a v0 transaction loads accounts from a lookup table."""

from __future__ import annotations

import base64
import copy
import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from solders.address_lookup_table_account import ID as LOOKUP_TABLE_PROGRAM
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.compute_budget import set_compute_unit_limit
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.rpc.responses import GetBlockResp, GetTransactionResp
from solders.system_program import ID as SYSTEM_PROGRAM
from solders.token.associated import get_associated_token_address
from solders.transaction import VersionedTransaction
from spl.memo.constants import MEMO_PROGRAM_ID
from spl.memo.instructions import create_memo
from spl.memo.models import MemoParams
from spl.token import instructions as token
from spl.token.constants import TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, WRAPPED_SOL_MINT
from spl.token.models import (
    ApproveParams,
    AuthorityType,
    BurnCheckedParams,
    BurnParams,
    CloseAccountParams,
    MintToCheckedParams,
    RevokeParams,
    SetAuthorityParams,
    SyncNativeParams,
    TransferCheckedParams,
)

from qorenode.genesis import load_genesis
from qorenode.keys import solana_dev_keypair
from qorenode.node import Node, NodeConfig
from tests.solanakit import (
    MINT_LEN,
    create_mint_instructions,
    mint_to_instruction,
    system_transfer,
    token_transfer_instruction,
)
from tests.unit.svm.svmrpc import call, latest_blockhash, result, send_and_confirm
from vms.svm.parsed import parsed_account_keys, ui_instruction
from vms.svm.rpc import b58encode

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
DECIMALS = 6
ATA_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
RENT_SYSVAR = "SysvarRent111111111111111111111111111111111"
COMPUTE_BUDGET = "ComputeBudget111111111111111111111111111111"
TOKEN = str(TOKEN_PROGRAM_ID)
SYSTEM = str(SYSTEM_PROGRAM)
MEMO_TEXT = "parsed memo ✓"
# a lookup table in genesis (no authority, active): RECIPIENT loaded writable, WITNESS readonly
TABLE = Keypair().pubkey()
RECIPIENT = Keypair().pubkey()
WITNESS = Keypair().pubkey()


# spl-token's Mint: no mint authority, supply 0, 9 decimals, initialized, no freeze authority
NATIVE_MINT_DATA = bytes(36) + bytes(8) + bytes([9, 1]) + bytes(36)


def lookup_table_data(addresses: list[Pubkey]) -> bytes:
    meta = struct.pack("<IQQB", 1, 2**64 - 1, 0, 0) + b"\x00"
    return meta.ljust(56, b"\x00") + b"".join(bytes(a) for a in addresses)


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    genesis = copy.deepcopy(load_genesis())
    genesis["svm"]["accounts"] += [
        {
            "pubkey": str(TABLE),
            "lamports": str(10_000_000),
            "owner": str(LOOKUP_TABLE_PROGRAM),
            "data": base64.b64encode(lookup_table_data([RECIPIENT, WITNESS])).decode(),
        },
        {"pubkey": str(WITNESS), "lamports": "5000000", "owner": SYSTEM},
        {  # the native mint, as solana-test-validator's genesis holds it (this devnet's does not)
            "pubkey": str(WRAPPED_SOL_MINT),
            "lamports": "1461600",
            "owner": TOKEN,
            "data": base64.b64encode(NATIVE_MINT_DATA).decode(),
        },
    ]
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(genesis))
    node = Node(NodeConfig(home=tmp_path / "home", genesis_file=path, block_time=None))
    yield node
    node.close()


def parsed_tx(node: Node, signature: str, **config: Any) -> dict[str, Any]:
    response = call(node, "getTransaction", signature, {"encoding": "jsonParsed", **config})
    assert "error" not in response, response
    assert GetTransactionResp.from_json(json.dumps(response)).value is not None  # solders reads it
    out: dict[str, Any] = response["result"]
    return out


def instructions(tx: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = tx["transaction"]["message"]["instructions"]
    return out


def parsed(program: str, program_id: str, kind: str, info: Any, height: int | None = None) -> Any:
    return {
        "program": program,
        "programId": program_id,
        "parsed": {"type": kind, "info": info},
        "stackHeight": height,
    }


def create_mint(node: Node, program: Pubkey, freeze: Pubkey | None = None) -> tuple[Pubkey, str]:
    mint = Keypair()
    rent = result(node, "getMinimumBalanceForRentExemption", MINT_LEN)
    signature = send_and_confirm(
        node,
        create_mint_instructions(
            ALICE.pubkey(), mint.pubkey(), rent, DECIMALS, program, ALICE.pubkey(), freeze
        ),
        [ALICE, mint],
    )
    return mint.pubkey(), signature


def test_spl_token_transactions_are_parsed_as_solana_parses_them(node: Node) -> None:
    alice, bob = str(ALICE.pubkey()), str(BOB.pubkey())
    mint_key, created = create_mint(node, TOKEN_PROGRAM_ID, freeze=BOB.pubkey())
    mint = str(mint_key)
    rent = result(node, "getMinimumBalanceForRentExemption", MINT_LEN)

    tx = parsed_tx(node, created)
    assert tx["transaction"]["message"]["accountKeys"] == [
        {"pubkey": alice, "writable": True, "signer": True, "source": "transaction"},
        {"pubkey": mint, "writable": True, "signer": True, "source": "transaction"},
        {"pubkey": SYSTEM, "writable": False, "signer": False, "source": "transaction"},
        {"pubkey": TOKEN, "writable": False, "signer": False, "source": "transaction"},
    ]
    assert "addressTableLookups" not in tx["transaction"]["message"]  # legacy
    assert instructions(tx) == [
        parsed(
            "system",
            SYSTEM,
            "createAccount",
            {
                "source": alice,
                "newAccount": mint,
                "lamports": rent,
                "space": MINT_LEN,
                "owner": TOKEN,
            },
        ),
        parsed(
            "spl-token",
            TOKEN,
            "initializeMint2",
            {"mint": mint, "decimals": DECIMALS, "mintAuthority": alice, "freezeAuthority": bob},
        ),
    ]
    assert "loadedAddresses" not in tx["meta"]  # jsonParsed leaves it out, as Solana does
    assert tx["meta"]["innerInstructions"] == [] and tx["meta"]["fee"] == 10_000

    # -- the Associated Token Account program, and its CPIs parsed in meta.innerInstructions
    alice_ata = str(get_associated_token_address(ALICE.pubkey(), mint_key))
    bob_ata = str(get_associated_token_address(BOB.pubkey(), mint_key))
    opened = send_and_confirm(
        node,
        [
            token.create_associated_token_account(ALICE.pubkey(), ALICE.pubkey(), mint_key),
            token.create_idempotent_associated_token_account(
                ALICE.pubkey(), BOB.pubkey(), mint_key
            ),
            mint_to_instruction(mint_key, Pubkey.from_string(alice_ata), ALICE.pubkey(), 5_000_000),
        ],
        [ALICE],
    )
    tx = parsed_tx(node, opened)
    ata_info = {
        "source": alice,
        "account": alice_ata,
        "wallet": alice,
        "mint": mint,
        "systemProgram": SYSTEM,
        "tokenProgram": TOKEN,
    }
    assert instructions(tx) == [
        parsed("spl-associated-token-account", ATA_PROGRAM, "create", ata_info),
        parsed(
            "spl-associated-token-account",
            ATA_PROGRAM,
            "createIdempotent",
            ata_info | {"account": bob_ata, "wallet": bob},
        ),
        parsed(
            "spl-token",
            TOKEN,
            "mintTo",
            {"mint": mint, "account": alice_ata, "amount": "5000000", "mintAuthority": alice},
        ),
    ]
    inner = tx["meta"]["innerInstructions"]
    assert [group["index"] for group in inner] == [0, 1]
    first = inner[0]["instructions"]
    ata_rent = result(node, "getMinimumBalanceForRentExemption", 165)
    assert first == [
        parsed(
            "spl-token",
            TOKEN,
            "getAccountDataSize",
            {"mint": mint, "extensionTypes": ["immutableOwner"]},
            2,
        ),
        parsed(
            "system",
            SYSTEM,
            "createAccount",
            {
                "source": alice,
                "newAccount": alice_ata,
                "lamports": ata_rent,
                "space": 165,
                "owner": TOKEN,
            },
            2,
        ),
        parsed("spl-token", TOKEN, "initializeImmutableOwner", {"account": alice_ata}, 2),
        parsed(
            "spl-token",
            TOKEN,
            "initializeAccount3",
            {"account": alice_ata, "mint": mint, "owner": alice},
            2,
        ),
    ]
    # the json encoding of the same transaction keeps them compiled
    raw = result(node, "getTransaction", opened)
    assert raw["meta"]["innerInstructions"][0]["instructions"][0]["programIdIndex"] >= 0
    assert raw["meta"]["loadedAddresses"] == {"writable": [], "readonly": []}

    # -- token instructions, a memo and a Compute Budget instruction in one transaction
    alice_ata_key, bob_ata_key = Pubkey.from_string(alice_ata), Pubkey.from_string(bob_ata)
    moved = send_and_confirm(
        node,
        [
            set_compute_unit_limit(300_000),
            token.transfer_checked(
                TransferCheckedParams(
                    program_id=TOKEN_PROGRAM_ID,
                    source=alice_ata_key,
                    mint=mint_key,
                    dest=bob_ata_key,
                    owner=ALICE.pubkey(),
                    amount=1_500_000,
                    decimals=DECIMALS,
                )
            ),
            token_transfer_instruction(alice_ata_key, bob_ata_key, ALICE.pubkey(), 250),
            token.approve(
                ApproveParams(
                    program_id=TOKEN_PROGRAM_ID,
                    source=alice_ata_key,
                    delegate=BOB.pubkey(),
                    owner=ALICE.pubkey(),
                    amount=42,
                )
            ),
            token.revoke(
                RevokeParams(
                    program_id=TOKEN_PROGRAM_ID, account=alice_ata_key, owner=ALICE.pubkey()
                )
            ),
            token.burn(
                BurnParams(
                    program_id=TOKEN_PROGRAM_ID,
                    account=alice_ata_key,
                    mint=mint_key,
                    owner=ALICE.pubkey(),
                    amount=7,
                )
            ),
            token.burn_checked(
                BurnCheckedParams(
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint_key,
                    account=alice_ata_key,
                    owner=ALICE.pubkey(),
                    amount=1_000_000,
                    decimals=DECIMALS,
                )
            ),
            token.mint_to_checked(
                MintToCheckedParams(
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint_key,
                    dest=bob_ata_key,
                    mint_authority=ALICE.pubkey(),
                    amount=5,
                    decimals=DECIMALS,
                )
            ),
            create_memo(
                MemoParams(
                    program_id=MEMO_PROGRAM_ID, signer=ALICE.pubkey(), message=MEMO_TEXT.encode()
                )
            ),
        ],
        [ALICE],
    )
    tx = parsed_tx(node, moved)
    limit = set_compute_unit_limit(300_000)
    assert instructions(tx) == [
        # Solana does not parse the Compute Budget program: partially decoded
        {
            "programId": COMPUTE_BUDGET,
            "accounts": [],
            "data": b58encode(bytes(limit.data)),
            "stackHeight": None,
        },
        parsed(
            "spl-token",
            TOKEN,
            "transferChecked",
            {
                "source": alice_ata,
                "mint": mint,
                "destination": bob_ata,
                "tokenAmount": {
                    "amount": "1500000",
                    "decimals": DECIMALS,
                    "uiAmount": 1.5,
                    "uiAmountString": "1.5",
                },
                "authority": alice,
            },
        ),
        parsed(
            "spl-token",
            TOKEN,
            "transfer",
            {"source": alice_ata, "destination": bob_ata, "amount": "250", "authority": alice},
        ),
        parsed(
            "spl-token",
            TOKEN,
            "approve",
            {"source": alice_ata, "delegate": bob, "amount": "42", "owner": alice},
        ),
        parsed("spl-token", TOKEN, "revoke", {"source": alice_ata, "owner": alice}),
        parsed(
            "spl-token",
            TOKEN,
            "burn",
            {"account": alice_ata, "mint": mint, "amount": "7", "authority": alice},
        ),
        parsed(
            "spl-token",
            TOKEN,
            "burnChecked",
            {
                "account": alice_ata,
                "mint": mint,
                "tokenAmount": {
                    "amount": "1000000",
                    "decimals": DECIMALS,
                    "uiAmount": 1.0,
                    "uiAmountString": "1",
                },
                "authority": alice,
            },
        ),
        parsed(
            "spl-token",
            TOKEN,
            "mintToChecked",
            {
                "mint": mint,
                "account": bob_ata,
                "tokenAmount": {
                    "amount": "5",
                    "decimals": DECIMALS,
                    "uiAmount": 5e-06,
                    "uiAmountString": "0.000005",
                },
                "mintAuthority": alice,
            },
        ),
        {
            "program": "spl-memo",
            "programId": str(MEMO_PROGRAM_ID),
            "parsed": MEMO_TEXT,
            "stackHeight": None,
        },
    ]
    balance = result(node, "getTokenAccountBalance", alice_ata)["value"]["amount"]
    assert balance == str(5_000_000 - 1_500_000 - 250 - 7 - 1_000_000)  # the parsed amounts ran

    # getBlock answers the same parsed transaction and meta
    block = result(
        node,
        "getBlock",
        tx["slot"],
        {"encoding": "jsonParsed", "maxSupportedTransactionVersion": 0},
    )
    (entry,) = block["transactions"]
    assert entry["transaction"] == tx["transaction"] and entry["meta"] == tx["meta"]
    assert entry["version"] == "legacy"
    envelope = {"jsonrpc": "2.0", "id": 1, "result": block}
    assert GetBlockResp.from_json(json.dumps(envelope)).value is not None

    # -- setAuthority and closeAccount (an emptied account)
    changed = send_and_confirm(
        node,
        [
            token.set_authority(
                SetAuthorityParams(
                    program_id=TOKEN_PROGRAM_ID,
                    account=mint_key,
                    authority=AuthorityType.MINT_TOKENS,
                    current_authority=ALICE.pubkey(),
                    new_authority=None,
                )
            ),
            token.set_authority(
                SetAuthorityParams(
                    program_id=TOKEN_PROGRAM_ID,
                    account=alice_ata_key,
                    authority=AuthorityType.CLOSE_ACCOUNT,
                    current_authority=ALICE.pubkey(),
                    new_authority=BOB.pubkey(),
                )
            ),
        ],
        [ALICE],
    )
    assert [i["parsed"] for i in instructions(parsed_tx(node, changed))] == [
        {
            "type": "setAuthority",
            "info": {
                "mint": mint,
                "authorityType": "mintTokens",
                "newAuthority": None,
                "authority": alice,
            },
        },
        {
            "type": "setAuthority",
            "info": {
                "account": alice_ata,
                "authorityType": "closeAccount",
                "newAuthority": bob,
                "authority": alice,
            },
        },
    ]
    empty_owner = Keypair()
    send_and_confirm(node, [system_transfer(ALICE.pubkey(), empty_owner.pubkey(), 10**9)], [ALICE])
    empty_ata = get_associated_token_address(empty_owner.pubkey(), mint_key)
    send_and_confirm(
        node,
        [token.create_associated_token_account(ALICE.pubkey(), empty_owner.pubkey(), mint_key)],
        [ALICE],
    )
    closed = send_and_confirm(
        node,
        [
            token.close_account(
                CloseAccountParams(
                    program_id=TOKEN_PROGRAM_ID,
                    account=empty_ata,
                    dest=ALICE.pubkey(),
                    owner=empty_owner.pubkey(),
                )
            )
        ],
        [ALICE, empty_owner],
    )
    assert instructions(parsed_tx(node, closed)) == [
        parsed(
            "spl-token",
            TOKEN,
            "closeAccount",
            {"account": str(empty_ata), "destination": alice, "owner": str(empty_owner.pubkey())},
        )
    ]
    assert result(node, "getAccountInfo", str(empty_ata))["value"] is None


def test_wrapped_sol_and_token_2022_are_parsed(node: Node) -> None:
    alice = str(ALICE.pubkey())
    wsol = get_associated_token_address(ALICE.pubkey(), WRAPPED_SOL_MINT)
    synced = send_and_confirm(
        node,
        [
            token.create_idempotent_associated_token_account(
                ALICE.pubkey(), ALICE.pubkey(), WRAPPED_SOL_MINT
            ),
            system_transfer(ALICE.pubkey(), wsol, 3 * 10**9),
            token.sync_native(SyncNativeParams(program_id=TOKEN_PROGRAM_ID, account=wsol)),
        ],
        [ALICE],
    )
    tx = parsed_tx(node, synced)
    assert [i["parsed"]["type"] for i in instructions(tx)] == [
        "createIdempotent",
        "transfer",
        "syncNative",
    ]
    assert instructions(tx)[1]["parsed"]["info"] == {
        "source": alice,
        "destination": str(wsol),
        "lamports": 3 * 10**9,
    }
    assert instructions(tx)[2] == parsed("spl-token", TOKEN, "syncNative", {"account": str(wsol)})
    assert result(node, "getTokenAccountBalance", str(wsol))["value"]["uiAmountString"] == "3"

    # Token-2022: Solana's instruction parser names it "spl-token" too
    mint, created = create_mint(node, TOKEN_2022_PROGRAM_ID)
    token_2022 = str(TOKEN_2022_PROGRAM_ID)
    (_, init) = instructions(parsed_tx(node, created))
    assert init == parsed(
        "spl-token",
        token_2022,
        "initializeMint2",
        {"mint": str(mint), "decimals": DECIMALS, "mintAuthority": alice},
    )
    opened = send_and_confirm(
        node,
        [
            token.create_associated_token_account(
                ALICE.pubkey(), ALICE.pubkey(), mint, TOKEN_2022_PROGRAM_ID
            )
        ],
        [ALICE],
    )
    tx = parsed_tx(node, opened)
    ata = get_associated_token_address(ALICE.pubkey(), mint, TOKEN_2022_PROGRAM_ID)
    assert instructions(tx)[0]["parsed"]["info"]["account"] == str(ata)
    assert instructions(tx)[0]["parsed"]["info"]["tokenProgram"] == token_2022
    (group,) = tx["meta"]["innerInstructions"]
    kinds = [
        (i.get("program"), i["programId"], i.get("parsed", {}).get("type"))
        for i in group["instructions"]
    ]
    assert ("spl-token", token_2022, "initializeAccount3") in kinds
    assert ("system", SYSTEM, "createAccount") in kinds


def test_v0_transaction_with_a_lookup_table(node: Node) -> None:
    node.mine()  # the table was extended at slot 0: its addresses are usable from slot 1
    pay = system_transfer(ALICE.pubkey(), RECIPIENT, 2 * 10**9)
    pay = Instruction(pay.program_id, pay.data, [*pay.accounts, AccountMeta(WITNESS, False, False)])
    table = AddressLookupTableAccount(TABLE, [RECIPIENT, WITNESS])
    message = MessageV0.try_compile(ALICE.pubkey(), [pay], [table], latest_blockhash(node))
    assert RECIPIENT not in message.account_keys
    tx = VersionedTransaction(message, [ALICE])
    signature = result(node, "sendTransaction", b58encode(bytes(tx)))
    node.mine()

    refused = call(node, "getTransaction", signature, {"encoding": "jsonParsed"})["error"]
    assert refused["code"] == -32015
    out = parsed_tx(node, signature, maxSupportedTransactionVersion=0)
    assert out["version"] == 0
    message_json = out["transaction"]["message"]
    alice = str(ALICE.pubkey())
    assert message_json["accountKeys"] == [
        {"pubkey": alice, "writable": True, "signer": True, "source": "transaction"},
        {"pubkey": SYSTEM, "writable": False, "signer": False, "source": "transaction"},
        {"pubkey": str(RECIPIENT), "writable": True, "signer": False, "source": "lookupTable"},
        {"pubkey": str(WITNESS), "writable": False, "signer": False, "source": "lookupTable"},
    ]
    assert message_json["addressTableLookups"] == [
        {"accountKey": str(TABLE), "writableIndexes": [0], "readonlyIndexes": [1]}
    ]
    # the transfer's destination is a loaded address: resolved through the table
    assert instructions(out) == [
        parsed(
            "system",
            SYSTEM,
            "transfer",
            {"source": alice, "destination": str(RECIPIENT), "lamports": 2 * 10**9},
        )
    ]
    raw = result(node, "getTransaction", signature, {"maxSupportedTransactionVersion": 0})
    assert raw["meta"]["loadedAddresses"] == {
        "writable": [str(RECIPIENT)],
        "readonly": [str(WITNESS)],
    }
    assert (
        raw["transaction"]["message"]["addressTableLookups"] == message_json["addressTableLookups"]
    )

    # transactionDetails "accounts": signatures, parsed keys and the short meta
    block = result(
        node,
        "getBlock",
        out["slot"],
        {"transactionDetails": "accounts", "maxSupportedTransactionVersion": 0},
    )
    (entry,) = block["transactions"]
    assert entry["transaction"] == {
        "signatures": [signature],
        "accountKeys": message_json["accountKeys"],
    }
    assert set(entry["meta"]) == {
        "err",
        "status",
        "fee",
        "preBalances",
        "postBalances",
        "preTokenBalances",
        "postTokenBalances",
        "rewards",
    }
    no_rewards = result(
        node,
        "getBlock",
        out["slot"],
        {"transactionDetails": "accounts", "maxSupportedTransactionVersion": 0, "rewards": False},
    )
    assert "rewards" not in no_rewards and "rewards" not in no_rewards["transactions"][0]["meta"]
    full = result(
        node,
        "getBlock",
        out["slot"],
        {"encoding": "jsonParsed", "maxSupportedTransactionVersion": 0, "rewards": False},
    )
    assert full["transactions"][0]["meta"]["rewards"] is None  # as Solana: null, not left out
    bad = call(node, "getBlock", out["slot"], {"transactionDetails": "some"})["error"]
    assert bad["code"] == -32602 and "accounts" in bad["message"]
    assert call(node, "getBlock", out["slot"], {"encoding": "xml"})["error"]["code"] == -32602


# -- the parsers on their own: what does not parse is answered partially decoded -------------------


def test_what_does_not_parse_is_partially_decoded() -> None:
    a, b = Keypair().pubkey(), Keypair().pubkey()
    names: list[str | None] = [str(a), str(b), SYSTEM, TOKEN, str(MEMO_PROGRAM_ID), None]
    transfer_data = struct.pack("<IQ", 2, 10)
    ok = ui_instruction(2, [0, 1], transfer_data, names, 2)
    assert ok["parsed"]["type"] == "transfer" and ok["stackHeight"] == 2
    cases = [
        (2, [0], transfer_data),  # too few accounts
        (2, [0, 1], transfer_data[:8]),  # data cut short
        (2, [0, 1], struct.pack("<I", 99)),  # no such system instruction
        (2, [0, 5], transfer_data),  # an account that is not resolved
        (3, [0, 1, 0], b"\xff"),  # no such token instruction
        (3, [0, 1], b"\x03" + (1).to_bytes(8, "little")),  # a token transfer needs 3 accounts
        (4, [], b"\xff\xfe"),  # a memo that is not UTF-8
    ]
    for program, accounts, data in cases:
        out = ui_instruction(program, accounts, data, names, None)
        assert out == {
            "programId": names[program],
            "accounts": [names[i] or "" for i in accounts],
            "data": b58encode(data),
            "stackHeight": None,
        }, (program, accounts, data)
    # a token transfer signed by a multisig names its signers
    multisig = ui_instruction(3, [0, 1, 2, 0, 1], b"\x03" + (9).to_bytes(8, "little"), names, None)
    assert multisig["parsed"]["info"] == {
        "source": str(a),
        "destination": str(b),
        "amount": "9",
        "multisigAuthority": SYSTEM,
        "signers": [str(a), str(b)],
    }
    # a memo needs no accounts
    assert ui_instruction(4, [], b"hi", names, 1)["parsed"] == "hi"


def test_writable_keys_leave_out_reserved_keys_and_called_programs() -> None:
    payer, program = Keypair().pubkey(), Keypair().pubkey()
    # a program id marked writable, and the rent sysvar marked writable: neither may be locked
    ix = Instruction(
        program,
        b"",
        [
            AccountMeta(Pubkey.from_string(RENT_SYSVAR), False, True),
            AccountMeta(program, False, True),
        ],
    )
    message = Message.new_with_blockhash([ix], payer, Hash.default())
    assert message.header.num_readonly_unsigned_accounts == 0  # the header makes all writable
    keys = parsed_account_keys(message, list(message.account_keys))
    flags = {k["pubkey"]: (k["writable"], k["signer"]) for k in keys}
    assert flags == {
        str(payer): (True, True),
        RENT_SYSVAR: (False, False),
        str(program): (False, False),
    }
