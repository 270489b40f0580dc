"""Solana instructions and transactions for the tests, built as plain values: no node, no transport.

A test that sends over HTTP to a node process and one that calls an in-process node's JSON-RPC
layer build the same transactions here; each keeps its own way of sending them.
"""

from __future__ import annotations

from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.token.associated import get_associated_token_address
from solders.transaction import Transaction
from spl.token import instructions as token
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.models import InitializeAccount3Params, InitializeMint2Params, MintToParams
from spl.token.models import TransferParams as TokenTransferParams

MEMO_PROGRAM = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
MINT_LEN = 82  # spl-token Mint::LEN
TOKEN_ACCOUNT_LEN = 165  # spl-token Account::LEN


def signed_transaction(
    instructions: list[Instruction], signers: list[Keypair], recent: Hash
) -> Transaction:
    """A legacy transaction over ``recent``, signed by ``signers`` (the first pays)."""
    message = Message.new_with_blockhash(instructions, signers[0].pubkey(), recent)
    return Transaction(signers, message, recent)


def system_transfer(sender: Pubkey, to: Pubkey, lamports: int) -> Instruction:
    """The system program's Transfer of ``lamports`` from ``sender`` to ``to``."""
    return transfer(TransferParams(from_pubkey=sender, to_pubkey=to, lamports=lamports))


def create_account_instruction(
    payer: Pubkey, new: Pubkey, lamports: int, space: int, owner: Pubkey
) -> Instruction:
    """The system program's CreateAccount: ``new`` (a signer) funded by ``payer``."""
    return create_account(
        CreateAccountParams(
            from_pubkey=payer, to_pubkey=new, lamports=lamports, space=space, owner=owner
        )
    )


def create_mint_instructions(
    payer: Pubkey,
    mint: Pubkey,
    rent: int,
    decimals: int,
    program: Pubkey = TOKEN_PROGRAM_ID,
    authority: Pubkey | None = None,
    freeze: Pubkey | None = None,
) -> list[Instruction]:
    """A mint at ``mint`` (a signer): CreateAccount for ``MINT_LEN`` bytes owned by the token
    ``program``, then InitializeMint2 (mint authority ``authority``, the payer when None)."""
    return [
        create_account_instruction(payer, mint, rent, MINT_LEN, program),
        token.initialize_mint2(
            InitializeMint2Params(
                decimals=decimals,
                program_id=program,
                mint=mint,
                mint_authority=payer if authority is None else authority,
                freeze_authority=freeze,
            )
        ),
    ]


def create_token_account_instructions(
    payer: Pubkey, account: Pubkey, mint: Pubkey, owner: Pubkey, rent: int
) -> list[Instruction]:
    """A token account of ``mint`` for ``owner`` at ``account`` (a signer), not an associated
    one: CreateAccount for ``TOKEN_ACCOUNT_LEN`` bytes, then InitializeAccount3."""
    return [
        create_account_instruction(payer, account, rent, TOKEN_ACCOUNT_LEN, TOKEN_PROGRAM_ID),
        token.initialize_account3(
            InitializeAccount3Params(
                program_id=TOKEN_PROGRAM_ID, account=account, mint=mint, owner=owner
            )
        ),
    ]


def create_ata_instruction(
    payer: Pubkey, owner: Pubkey, mint: Pubkey, program: Pubkey = TOKEN_PROGRAM_ID
) -> tuple[Pubkey, Instruction]:
    """``owner``'s associated token account of ``mint``, and the ATA program's Create for it."""
    address = get_associated_token_address(owner, mint, program)
    return address, token.create_associated_token_account(payer, owner, mint, program)


def mint_to_instruction(
    mint: Pubkey, dest: Pubkey, authority: Pubkey, amount: int, program: Pubkey = TOKEN_PROGRAM_ID
) -> Instruction:
    """MintTo: ``amount`` base units of ``mint`` into the token account ``dest``."""
    return token.mint_to(
        MintToParams(
            program_id=program, mint=mint, dest=dest, mint_authority=authority, amount=amount
        )
    )


def token_transfer_instruction(
    source: Pubkey, dest: Pubkey, owner: Pubkey, amount: int, program: Pubkey = TOKEN_PROGRAM_ID
) -> Instruction:
    """The token program's (unchecked) Transfer between two token accounts, signed by ``owner``."""
    return token.transfer(
        TokenTransferParams(
            program_id=program, source=source, dest=dest, owner=owner, amount=amount
        )
    )
