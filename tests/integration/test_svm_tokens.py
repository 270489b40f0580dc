"""SPL Token and Memo on a real in-process devnet over HTTP (solana-py's AsyncClient and raw
JSON-RPC): a mint (system create_account + InitializeMint2), a token account (InitializeAccount3)
and an associated token account (the ATA program), mint_to, transfer; balances read from the
accounts' data (as a client can without getTokenAccountBalance); a Memo whose logs reach getTransaction."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.models import TxOpts
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.token.associated import get_associated_token_address
from solders.token.state import Mint, TokenAccount, TokenAccountState
from solders.transaction import Transaction
from spl.token.constants import ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID
from spl.token.instructions import (
    create_associated_token_account,
    initialize_account3,
    initialize_mint2,
    mint_to,
    transfer,
)
from spl.token.models import (
    InitializeAccount3Params,
    InitializeMint2Params,
    MintToParams,
    TransferParams,
)

from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.integration._support import rpc, rpc_error

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
DECIMALS = 6
MINT_LEN = 82  # spl-token Mint::LEN
TOKEN_ACCOUNT_LEN = 165  # spl-token Account::LEN


@pytest.fixture(scope="module")
def devnet() -> Iterator[Devnet]:
    with Devnet(block_time=0) as net:  # a block as soon as a transaction arrives
        yield net


def client_call(devnet: Devnet, method: str, *args: Any, **kwargs: Any) -> Any:
    async def main() -> Any:
        async with AsyncClient(devnet.svm_url) as client:
            return await getattr(client, method)(*args, **kwargs)

    return asyncio.run(main())


def send(devnet: Devnet, instructions: list[Instruction], signers: list[Keypair]) -> str:
    """Sign with ``signers`` (the first pays), send via solana-py, wait until it landed; its
    signature (the transaction must succeed)."""
    recent = Hash.from_string(rpc(devnet.svm_url, "getLatestBlockhash")["value"]["blockhash"])
    message = Message.new_with_blockhash(instructions, signers[0].pubkey(), recent)
    raw = bytes(Transaction(signers, message, recent))
    signature = client_call(
        devnet, "send_raw_transaction", raw, TxOpts(skip_confirmation=True)
    ).value
    status = wait_status(devnet, str(signature))
    assert status["err"] is None, status
    return str(signature)


def wait_status(devnet: Devnet, signature: str) -> dict[str, Any]:
    for _ in range(200):
        (status,) = rpc(devnet.svm_url, "getSignatureStatuses", [signature])["value"]
        if status is not None:
            return dict(status)
        devnet.mine()
    raise AssertionError(f"{signature} never landed")


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
    return int(client_call(devnet, "get_minimum_balance_for_rent_exemption", size).value)


def create_mint(devnet: Devnet, authority: Keypair) -> Pubkey:
    mint = Keypair()
    send(
        devnet,
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=authority.pubkey(),
                    to_pubkey=mint.pubkey(),
                    lamports=rent(devnet, MINT_LEN),
                    space=MINT_LEN,
                    owner=TOKEN_PROGRAM_ID,
                )
            ),
            initialize_mint2(
                InitializeMint2Params(
                    decimals=DECIMALS,
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint.pubkey(),
                    mint_authority=authority.pubkey(),
                    freeze_authority=None,
                )
            ),
        ],
        [authority, mint],
    )
    return mint.pubkey()


def create_token_account(devnet: Devnet, payer: Keypair, mint: Pubkey, owner: Pubkey) -> Pubkey:
    """A token account at a fresh keypair's address (create_account + InitializeAccount3)."""
    account = Keypair()
    send(
        devnet,
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=payer.pubkey(),
                    to_pubkey=account.pubkey(),
                    lamports=rent(devnet, TOKEN_ACCOUNT_LEN),
                    space=TOKEN_ACCOUNT_LEN,
                    owner=TOKEN_PROGRAM_ID,
                )
            ),
            initialize_account3(
                InitializeAccount3Params(
                    program_id=TOKEN_PROGRAM_ID,
                    account=account.pubkey(),
                    mint=mint,
                    owner=owner,
                )
            ),
        ],
        [payer, account],
    )
    return account.pubkey()


def test_spl_token_mint_ata_mint_to_and_transfer(devnet: Devnet) -> None:
    info = client_call(devnet, "get_account_info", ASSOCIATED_TOKEN_PROGRAM_ID).value
    assert info is not None and info.executable

    mint = create_mint(devnet, ALICE)
    state = mint_state(devnet, mint)
    assert state.is_initialized and state.decimals == DECIMALS and state.supply == 0
    assert state.mint_authority == ALICE.pubkey() and state.freeze_authority is None

    alice_tokens = create_token_account(devnet, ALICE, mint, ALICE.pubkey())
    bob_ata = get_associated_token_address(BOB.pubkey(), mint)
    send(
        devnet,
        [create_associated_token_account(payer=ALICE.pubkey(), owner=BOB.pubkey(), mint=mint)],
        [ALICE],
    )
    for pubkey, owner in ((alice_tokens, ALICE.pubkey()), (bob_ata, BOB.pubkey())):
        account = token_account(devnet, pubkey)
        assert account.mint == mint and account.owner == owner
        assert account.amount == 0 and account.state == TokenAccountState.Initialized

    send(
        devnet,
        [
            mint_to(
                MintToParams(
                    program_id=TOKEN_PROGRAM_ID,
                    mint=mint,
                    dest=alice_tokens,
                    mint_authority=ALICE.pubkey(),
                    amount=1_000_000,
                    signers=[],
                )
            )
        ],
        [ALICE],
    )
    assert token_account(devnet, alice_tokens).amount == 1_000_000
    assert mint_state(devnet, mint).supply == 1_000_000

    signature = send(
        devnet,
        [
            transfer(
                TransferParams(
                    program_id=TOKEN_PROGRAM_ID,
                    source=alice_tokens,
                    dest=bob_ata,
                    owner=ALICE.pubkey(),
                    amount=250_000,
                    signers=[],
                )
            )
        ],
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
    send(
        devnet,
        [
            transfer(
                TransferParams(
                    program_id=TOKEN_PROGRAM_ID,
                    source=bob_ata,
                    dest=alice_tokens,
                    owner=BOB.pubkey(),
                    amount=50_000,
                    signers=[],
                )
            )
        ],
        [BOB],
    )
    assert token_account(devnet, alice_tokens).amount == 800_000
    assert token_account(devnet, bob_ata).amount == 200_000


def test_token_transfer_over_balance_is_refused_at_preflight(devnet: Devnet) -> None:
    mint = create_mint(devnet, ALICE)
    source = create_token_account(devnet, ALICE, mint, ALICE.pubkey())
    dest = create_token_account(devnet, ALICE, mint, BOB.pubkey())
    recent = Hash.from_string(rpc(devnet.svm_url, "getLatestBlockhash")["value"]["blockhash"])
    ix = transfer(
        TransferParams(
            program_id=TOKEN_PROGRAM_ID,
            source=source,
            dest=dest,
            owner=ALICE.pubkey(),
            amount=1,
            signers=[],
        )
    )
    message = Message.new_with_blockhash([ix], ALICE.pubkey(), recent)
    raw = bytes(Transaction([ALICE], message, recent))
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
    memo = Instruction(MEMO, text.encode(), [AccountMeta(ALICE.pubkey(), True, True)])
    signature = send(devnet, [memo], [ALICE])
    tx = client_call(devnet, "get_transaction", signature_from(signature)).value
    assert tx is not None
    logs = tx.transaction.meta.log_messages
    assert any(f"Memo (len {len(text.encode())})" in line for line in logs), logs
    assert any(text in line for line in logs), logs
    assert any(f"Program {MEMO} success" in line for line in logs), logs
    signed_by = logs.index("Program log: Signed by:")
    assert logs[signed_by + 1] == f"Program log: {ALICE.pubkey()}", logs


def test_memo_naming_a_signer_that_did_not_sign_fails(devnet: Devnet) -> None:
    """A memo listing BOB as a signer, signed by ALICE alone: the message marks BOB as a required
    signer, so the transaction cannot even be signed by ALICE alone; listing him as a non-signer
    account makes the Memo program refuse (MissingRequiredSignature)."""
    memo = Instruction(MEMO, b"not signed", [AccountMeta(BOB.pubkey(), False, False)])
    recent = Hash.from_string(rpc(devnet.svm_url, "getLatestBlockhash")["value"]["blockhash"])
    message = Message.new_with_blockhash([memo], ALICE.pubkey(), recent)
    raw = bytes(Transaction([ALICE], message, recent))
    error = rpc_error(
        devnet.svm_url, "sendTransaction", base64.b64encode(raw).decode(), {"encoding": "base64"}
    )
    assert error["code"] == -32002
    assert error["data"]["err"] == {"InstructionError": [0, "MissingRequiredSignature"]}


def signature_from(text: str) -> Any:
    from solders.signature import Signature

    return Signature.from_string(text)
