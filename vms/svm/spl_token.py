"""The SPL Token and Token-2022 account layouts the node reads (records' token balances, the
JSON-RPC's token methods and jsonParsed data): program ids, sizes, offsets, and the checks that
say what an account's bytes are. One place, so the adapter and the RPC agree."""

from __future__ import annotations

from solders.pubkey import Pubkey

TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
TOKEN_PROGRAMS = (TOKEN_PROGRAM, TOKEN_2022_PROGRAM)
TOKEN_PROGRAM_KEYS = frozenset(bytes(program) for program in TOKEN_PROGRAMS)
_TOKEN_2022_KEY = bytes(TOKEN_2022_PROGRAM)
NATIVE_MINT = Pubkey.from_string("So11111111111111111111111111111111111111112")

TOKEN_ACCOUNT_LEN = 165  # spl-token Account::LEN
MINT_LEN = 82  # spl-token Mint::LEN
MULTISIG_LEN = 355  # spl-token Multisig::LEN: never a mint nor an account
MINT_SUPPLY_OFFSET = 36  # u64 LE, then the decimals
MINT_DECIMALS_OFFSET = 44  # then is_initialized
TOKEN_AMOUNT_OFFSET = 64  # a token account's amount, u64 LE (mint 0..32, owner 32..64)
DELEGATE_OFFSET = 72  # a token account's delegate: COption<Pubkey> (u32 LE tag, then the key)
TOKEN_ACCOUNT_STATE_OFFSET = 108  # 0 uninitialized, 1 initialized, 2 frozen
ACCOUNT_TYPE_OFFSET = 165  # Token-2022 with extensions: 1 mint, 2 account
ACCOUNT_TYPE_MINT = 1
ACCOUNT_TYPE_ACCOUNT = 2


def token_account_amount(data: bytes) -> int:
    """A token account's balance in base units."""
    return int.from_bytes(data[TOKEN_AMOUNT_OFFSET : TOKEN_AMOUNT_OFFSET + 8], "little")


def is_token_account(program: Pubkey | bytes, data: bytes) -> bool:
    """SPL Token's 165-byte account; Token-2022's may be longer, its account type byte (at 165)
    then 2 (an account)."""
    if len(data) == TOKEN_ACCOUNT_LEN:
        return True
    return (
        bytes(program) == _TOKEN_2022_KEY
        and len(data) > TOKEN_ACCOUNT_LEN
        and data[ACCOUNT_TYPE_OFFSET] == ACCOUNT_TYPE_ACCOUNT
    )


def is_initialized_token_account(program: Pubkey | bytes, data: bytes) -> bool:
    """Solana's token account state filter: a token account (not a multisig's 355 bytes) whose
    state (byte 108) is not uninitialized."""
    return (
        len(data) != MULTISIG_LEN
        and is_token_account(program, data)
        and data[TOKEN_ACCOUNT_STATE_OFFSET] != 0
    )


def unpacks_as_mint(data: bytes) -> bool:
    """Token-2022's ``StateWithExtensions::<Mint>::unpack``, which Solana reads both programs'
    mints with: an initialized 82-byte mint with valid ``COption`` tags, or a longer one (not a
    multisig's 355 bytes) whose bytes 82..165 are zero and whose account type (byte 165) is 1."""
    if len(data) < MINT_LEN or len(data) == MULTISIG_LEN:
        return False
    tags = (int.from_bytes(data[offset : offset + 4], "little") for offset in (0, 46))
    if data[MINT_DECIMALS_OFFSET + 1] != 1 or any(tag > 1 for tag in tags):  # is_initialized
        return False
    if len(data) == MINT_LEN:
        return True
    return (
        len(data) > TOKEN_ACCOUNT_LEN
        and not any(data[MINT_LEN:TOKEN_ACCOUNT_LEN])
        and data[ACCOUNT_TYPE_OFFSET] == ACCOUNT_TYPE_MINT
    )
