"""SPL Token and Memo on a real in-process devnet over HTTP (solana-py's AsyncClient and raw
JSON-RPC): a mint (system create_account + InitializeMint2), a token account (InitializeAccount3)
and an associated token account (the ATA program), mint_to, transfer; balances read from the
accounts' data (as a client can without getTokenAccountBalance); a Memo whose logs reach getTransaction."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from solana.rpc.models import TxOpts
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.token.state import Mint, TokenAccount, TokenAccountState
from spl.token.constants import ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID

from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.integration._support import (
    rpc,
    rpc_error,
    svm_blockhash,
    svm_client_call,
    svm_wait_status,
)
from tests.solanakit import (
    MEMO_PROGRAM,
    MINT_LEN,
    TOKEN_ACCOUNT_LEN,
    create_ata_instruction,
    create_mint_instructions,
    create_token_account_instructions,
    mint_to_instruction,
    signed_transaction,
    token_transfer_instruction,
)

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
DECIMALS = 6


@pytest.fixture(scope="module")
def devnet() -> Iterator[Devnet]:
    with Devnet(block_time=0) as net:  # a block as soon as a transaction arrives
        yield net


def send(devnet: Devnet, instructions: list[Instruction], signers: list[Keypair]) -> str:
    """Sign with ``signers`` (the first pays), send via solana-py, wait until it landed; its
    signature (the transaction must succeed)."""
    raw = bytes(signed_transaction(instructions, signers, svm_blockhash(devnet.svm_url)))
    signature = svm_client_call(
        devnet, "send_raw_transaction", raw, TxOpts(skip_confirmation=True)
    ).value
    status = svm_wait_status(devnet, str(signature))
    assert status["err"] is None, status
    return str(signature)


def account_data(devnet: Devnet, pubkey: Pubkey) -> tuple[Pubkey, bytes]:
    """(owner, data) of an existing account, read through getAccountInfo (base64)."""
    value = rpc(devnet.svm_url, "getAccountInfo", str(pubkey), {"encoding": "base64"})["value"]
    assert value is not None, f"{pubkey} does not exist"
    data, encoding = value["data"]
    assert encoding == "base64"
    return Pubkey.from_string(value["owner"]), base64.b64decode(data)


def token_account(devnet: Devnet, pubkey: Pubkey) -> TokenAccount:
    owner, data = account_data(devnet, pubkey)
    assert owner == TOKEN_PROGRAM_ID
    return TokenAccount.from_bytes(data)


def mint_state(devnet: Devnet, pubkey: Pubkey) -> Mint:
    owner, data = account_data(devnet, pubkey)
    assert owner == TOKEN_PROGRAM_ID
    return Mint.from_bytes(data)


def rent(devnet: Devnet, size: int) -> int:
    return int(svm_client_call(devnet, "get_minimum_balance_for_rent_exemption", size).value)


def create_mint(devnet: Devnet, authority: Keypair) -> Pubkey:
    mint = Keypair()
    rent_exempt = rent(devnet, MINT_LEN)
    instructions = create_mint_instructions(
        authority.pubkey(), mint.pubkey(), rent_exempt, DECIMALS, authority=authority.pubkey()
    )
    send(devnet, instructions, [authority, mint])
    return mint.pubkey()


def create_token_account(devnet: Devnet, payer: Keypair, mint: Pubkey, owner: Pubkey) -> Pubkey:
    """A token account at a fresh keypair's address (create_account + InitializeAccount3)."""
    account = Keypair()
    rent_exempt = rent(devnet, TOKEN_ACCOUNT_LEN)
    instructions = create_token_account_instructions(
        payer.pubkey(), account.pubkey(), mint, owner, rent_exempt
    )
    send(devnet, instructions, [payer, account])
    return account.pubkey()


def test_spl_token_mint_ata_mint_to_and_transfer(devnet: Devnet) -> None:
    info = svm_client_call(devnet, "get_account_info", ASSOCIATED_TOKEN_PROGRAM_ID).value
    assert info is not None and info.executable

    mint = create_mint(devnet, ALICE)
    state = mint_state(devnet, mint)
    assert state.is_initialized and state.decimals == DECIMALS and state.supply == 0
    assert state.mint_authority == ALICE.pubkey() and state.freeze_authority is None

    alice_tokens = create_token_account(devnet, ALICE, mint, ALICE.pubkey())
    bob_ata, create_bob_ata = create_ata_instruction(ALICE.pubkey(), BOB.pubkey(), mint)
    send(devnet, [create_bob_ata], [ALICE])
    for pubkey, owner in ((alice_tokens, ALICE.pubkey()), (bob_ata, BOB.pubkey())):
        account = token_account(devnet, pubkey)
        assert account.mint == mint and account.owner == owner
        assert account.amount == 0 and account.state == TokenAccountState.Initialized

    send(devnet, [mint_to_instruction(mint, alice_tokens, ALICE.pubkey(), 1_000_000)], [ALICE])
    assert token_account(devnet, alice_tokens).amount == 1_000_000
    assert mint_state(devnet, mint).supply == 1_000_000

    signature = send(
        devnet,
        [token_transfer_instruction(alice_tokens, bob_ata, ALICE.pubkey(), 250_000)],
        [ALICE],
    )
    assert token_account(devnet, alice_tokens).amount == 750_000
    assert token_account(devnet, bob_ata).amount == 250_000
    assert mint_state(devnet, mint).supply == 1_000_000
    result = rpc(devnet.svm_url, "getTransaction", signature, {"encoding": "json"})
    logs = result["meta"]["logMessages"]
    assert any(f"Program {TOKEN_PROGRAM_ID} invoke [1]" in line for line in logs), logs
    # LiteSVM's SPL Token build (p-token) logs no "Instruction: Transfer" line
    assert logs[-1] == f"Program {TOKEN_PROGRAM_ID} success", logs
    assert result["meta"]["err"] is None and result["meta"]["fee"] == 5000

    # Bob sends some back, signing for his ATA
    send(devnet, [token_transfer_instruction(bob_ata, alice_tokens, BOB.pubkey(), 50_000)], [BOB])
    assert token_account(devnet, alice_tokens).amount == 800_000
    assert token_account(devnet, bob_ata).amount == 200_000


def test_token_transfer_over_balance_is_refused_at_preflight(devnet: Devnet) -> None:
    mint = create_mint(devnet, ALICE)
    source = create_token_account(devnet, ALICE, mint, ALICE.pubkey())
    dest = create_token_account(devnet, ALICE, mint, BOB.pubkey())
    ix = token_transfer_instruction(source, dest, ALICE.pubkey(), 1)
    raw = bytes(signed_transaction([ix], [ALICE], svm_blockhash(devnet.svm_url)))
    error = rpc_error(
        devnet.svm_url, "sendTransaction", base64.b64encode(raw).decode(), {"encoding": "base64"}
    )
    assert error["code"] == -32002
    # spl-token's TokenError::InsufficientFunds is custom error 1
    assert error["data"]["err"] == {"InstructionError": [0, {"Custom": 1}]}
    assert any("insufficient funds" in line.lower() for line in error["data"]["logs"])
    assert token_account(devnet, source).amount == 0


def test_memo_with_signer_logs_in_get_transaction(devnet: Devnet) -> None:
    text = "qorenode memo: ✓ tokens"
    memo = Instruction(MEMO_PROGRAM, text.encode(), [AccountMeta(ALICE.pubkey(), True, True)])
    signature = send(devnet, [memo], [ALICE])
    tx = svm_client_call(devnet, "get_transaction", signature_from(signature)).value
    assert tx is not None
    logs = tx.transaction.meta.log_messages
    assert any(f"Memo (len {len(text.encode())})" in line for line in logs), logs
    assert any(text in line for line in logs), logs
    assert any(f"Program {MEMO_PROGRAM} success" in line for line in logs), logs
    signed_by = logs.index("Program log: Signed by:")
    assert logs[signed_by + 1] == f"Program log: {ALICE.pubkey()}", logs


def test_memo_naming_a_signer_that_did_not_sign_fails(devnet: Devnet) -> None:
    """A memo listing BOB as a signer, signed by ALICE alone: the message marks BOB as a required
    signer, so the transaction cannot even be signed by ALICE alone; listing him as a non-signer
    account makes the Memo program refuse (MissingRequiredSignature)."""
    memo = Instruction(MEMO_PROGRAM, b"not signed", [AccountMeta(BOB.pubkey(), False, False)])
    raw = bytes(signed_transaction([memo], [ALICE], svm_blockhash(devnet.svm_url)))
    error = rpc_error(
        devnet.svm_url, "sendTransaction", base64.b64encode(raw).decode(), {"encoding": "base64"}
    )
    assert error["code"] == -32002
    assert error["data"]["err"] == {"InstructionError": [0, "MissingRequiredSignature"]}


def signature_from(text: str) -> Any:
    from solders.signature import Signature

    return Signature.from_string(text)
