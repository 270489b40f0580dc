"""Solana's ``jsonParsed`` transaction encoding: parsed account keys and instructions.

This follows Agave's ``solana-transaction-status`` (``parse_accounts``, ``parse_instruction``,
``parse_system``, ``parse_token``, ``parse_associated_token``) field by field:

- account keys (``parsed_account_keys``): ``{pubkey, writable, signer, source}``, ``source``
  ``"transaction"`` for the static keys and ``"lookupTable"`` for addresses loaded from lookup
  tables; ``writable`` is what the runtime would lock: the header's (or the lookup's) writable
  keys, less the reserved keys (builtin programs and sysvars, all of them counted as active, as
  Agave's encoder does) and less the program ids of top-level instructions (unless the upgradeable
  loader is among the keys);
- instructions (``ui_instruction``): ``{program, programId, parsed: {type, info}, stackHeight}``
  where Solana has a parser this node implements, else partially decoded ``{programId, accounts,
  data (base58), stackHeight}``. Parsed here: every system instruction (Agave 2.1's set: no
  ``createAccountAllowPrefund``), SPL Token and Token-2022 (both answer ``program:
  "spl-token"``, as Agave's ``ParsableProgram::SplToken``) instructions 0 to 24, without the
  Token-2022 extension instructions (25 and up), the Associated Token Account program's
  ``create``, ``createIdempotent`` and ``recoverNested``, and the memo programs (v1, v3: the
  parsed value is the memo string). Compute Budget instructions are not parsed by Solana either.
  Solana also parses the address lookup table, loader, stake and vote programs; this node
  answers their instructions partially decoded.

An instruction whose data does not decode, that has too few accounts, or that names an account
index out of range is answered partially decoded, as Solana does (``UiInstruction::parse``).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from solders.pubkey import Pubkey

from vms.svm.spl_token import TOKEN_PROGRAMS

__all__ = [
    "ASSOCIATED_TOKEN_PROGRAM",
    "MEMO_PROGRAMS",
    "RESERVED_ACCOUNT_KEYS",
    "TOKEN_PROGRAM_IDS",
    "address_table_lookups",
    "b58encode",
    "parsed_account_keys",
    "parsed_inner_instructions",
    "parsed_litesvm_inner_instructions",
    "token_amount",
    "ui_instruction",
]

SYSTEM_PROGRAM_ID = "11111111111111111111111111111111"
TOKEN_PROGRAM_IDS = frozenset(str(program) for program in TOKEN_PROGRAMS)
ASSOCIATED_TOKEN_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
MEMO_PROGRAMS = frozenset(
    (
        "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo",  # v1
        "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr",  # v3
    )
)
UPGRADEABLE_LOADER_ID = "BPFLoaderUpgradeab1e11111111111111111111111"

# Agave's ``ReservedAccountKeys::new_all_activated()``: keys no transaction may write-lock.
RESERVED_ACCOUNT_KEYS = frozenset(
    str(Pubkey.from_string(key))  # checks each is a valid key
    for key in (
        "AddressLookupTab1e1111111111111111111111111",
        "BPFLoader2111111111111111111111111111111111",
        "BPFLoader1111111111111111111111111111111111",
        UPGRADEABLE_LOADER_ID,
        "ComputeBudget111111111111111111111111111111",
        "Config1111111111111111111111111111111111111",
        "Ed25519SigVerify111111111111111111111111111",
        "Feature111111111111111111111111111111111111",
        "LoaderV411111111111111111111111111111111111",
        "KeccakSecp256k11111111111111111111111111111",
        "Secp256r1SigVerify1111111111111111111111111",
        "StakeConfig11111111111111111111111111111111",
        "Stake11111111111111111111111111111111111111",
        SYSTEM_PROGRAM_ID,
        "Vote111111111111111111111111111111111111111",
        "ZkE1Gama1Proof11111111111111111111111111111",
        "ZkTokenProof1111111111111111111111111111111",
        "SysvarC1ock11111111111111111111111111111111",
        "SysvarEpochRewards1111111111111111111111111",
        "SysvarEpochSchedu1e111111111111111111111111",
        "SysvarFees111111111111111111111111111111111",
        "Sysvar1nstructions1111111111111111111111111",
        "SysvarLastRestartS1ot1111111111111111111111",
        "SysvarRecentB1ockHashes11111111111111111111",
        "SysvarRent111111111111111111111111111111111",
        "SysvarRewards111111111111111111111111111111",
        "SysvarS1otHashes111111111111111111111111111",
        "SysvarS1otHistory11111111111111111111111111",
        "SysvarStakeHistory1111111111111111111111111",
        "NativeLoader1111111111111111111111111111111",
        "Sysvar1111111111111111111111111111111111111",
    )
)

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    """Bitcoin's base58 alphabet, as Solana uses it."""
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _ALPHABET[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


class NotParsable(Exception):
    """The instruction does not parse (Agave's ``ParseInstructionError``): answer it partially
    decoded."""


# -- account keys --------------------------------------------------------------------------------


def address_table_lookups(message: Any) -> list[Any]:
    """A message's address table lookups (none for a legacy message)."""
    return list(getattr(message, "address_table_lookups", None) or [])


def parsed_account_keys(message: Any, keys: Sequence[Pubkey | None]) -> list[dict[str, Any]]:
    """A message's account keys as Agave's ``parse_legacy_message_accounts`` and
    ``parse_v0_message_accounts`` show them; ``keys`` are the static keys then the lookup tables'
    writable and readonly addresses (``SvmModule.account_keys``). A loaded address whose table is
    gone (None) is left out."""
    header = message.header
    static = list(message.account_keys)
    count = len(static)
    signed = header.num_required_signatures
    signed_writable = signed - header.num_readonly_signed_accounts
    unsigned_writable = count - header.num_readonly_unsigned_accounts
    lookups = address_table_lookups(message)
    loaded_writable = sum(len(bytes(lookup.writable_indexes)) for lookup in lookups)
    names = [None if key is None else str(key) for key in keys]
    programs = {ix.program_id_index for ix in message.instructions}
    loader_present = UPGRADEABLE_LOADER_ID in names
    out = []
    for i, name in enumerate(names):
        if name is None:
            continue
        if i < count:
            writable = i < signed_writable if i < signed else i < unsigned_writable
        else:
            writable = i - count < loaded_writable
        if name in RESERVED_ACCOUNT_KEYS or (i in programs and not loader_present):
            writable = False
        out.append(
            {
                "pubkey": name,
                "writable": writable,
                "signer": i < signed,
                "source": "transaction" if i < count else "lookupTable",
            }
        )
    return out


# -- instructions --------------------------------------------------------------------------------


def ui_instruction(
    program_index: int,
    accounts: Sequence[int],
    data: bytes,
    names: Sequence[str | None],
    stack_height: int | None,
) -> dict[str, Any]:
    """One compiled instruction as Solana's ``UiInstruction::parse`` shows it: parsed where this
    node has the program's parser, else partially decoded (``names``: the transaction's account
    keys, static then loaded; None for an address that could not be resolved)."""
    program = _name(names, program_index)
    parser = _PARSERS.get(program)
    if parser is not None:
        kind, parse = parser
        try:
            # the memo programs need no accounts; the others check theirs (Agave's key mismatch)
            keys = [] if kind == "spl-memo" else _instruction_keys(accounts, names)
            parsed = parse(data, keys)
        except NotParsable:
            pass
        else:
            return {
                "program": kind,
                "programId": program,
                "parsed": parsed,
                "stackHeight": stack_height,
            }
    return {
        "programId": program,
        "accounts": [_name(names, i) for i in accounts],
        "data": b58encode(data),
        "stackHeight": stack_height,
    }


def parsed_inner_instructions(
    inner: Sequence[Mapping[str, Any]], names: Sequence[str | None]
) -> list[dict[str, Any]]:
    """A record's inner instructions (``decode_inner_instructions``: data in base64) as Solana's
    ``parse_ui_inner_instructions`` shows them."""
    return [
        {
            "index": group["index"],
            "instructions": [
                ui_instruction(
                    ix["program_id_index"],
                    ix["accounts"],
                    base64.b64decode(ix["data"]),
                    names,
                    ix["stack_height"],
                )
                for ix in group["instructions"]
            ],
        }
        for group in inner
    ]


def parsed_litesvm_inner_instructions(
    inner: Sequence[Sequence[Any]], keys: Sequence[Pubkey | None]
) -> list[dict[str, Any]]:
    """LiteSVM's inner instructions (one list per top-level instruction) as
    ``simulateTransaction`` answers them: only the top-level instructions that made any."""
    names = [None if key is None else str(key) for key in keys]
    out = []
    for index, group in enumerate(inner):
        if not group:
            continue
        instructions = []
        for item in group:
            compiled = item.instruction()
            instructions.append(
                ui_instruction(
                    compiled.program_id_index,
                    list(bytes(compiled.accounts)),
                    bytes(compiled.data),
                    names,
                    item.stack_height(),
                )
            )
        out.append({"index": index, "instructions": instructions})
    return out


def _name(names: Sequence[str | None], index: int) -> str:
    name = names[index] if 0 <= index < len(names) else None
    return "" if name is None else name  # a transaction with an unresolved key does not run


def _instruction_keys(accounts: Sequence[int], names: Sequence[str | None]) -> list[str]:
    """The instruction's accounts as keys; not parsable without any, or with an index out of
    range (Agave's key-mismatch check)."""
    if not accounts:
        raise NotParsable
    out = []
    for index in accounts:
        name = names[index] if index < len(names) else None
        if name is None:
            raise NotParsable
        out.append(name)
    return out


def _need(keys: Sequence[str], count: int) -> None:
    if len(keys) < count:
        raise NotParsable


class _Reader:
    """Little-endian fields of an instruction's data; ``NotParsable`` when they run short."""

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def take(self, size: int) -> bytes:
        end = self.offset + size
        if end > len(self.data):
            raise NotParsable
        chunk = self.data[self.offset : end]
        self.offset = end
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def pubkey(self) -> str:
        return str(Pubkey.from_bytes(self.take(32)))

    def string(self) -> str:
        """bincode's ``String``: a u64 length, then UTF-8."""
        try:
            return self.take(self.u64()).decode()
        except UnicodeDecodeError:
            raise NotParsable from None

    def pubkey_option(self) -> str | None:
        """spl-token's packed ``COption<Pubkey>``: a u8 tag (0 or 1), then the key."""
        tag = self.u8()
        if tag == 0:
            return None
        if tag == 1:
            return self.pubkey()
        raise NotParsable


# -- the system program --------------------------------------------------------------------------


def parse_system(data: bytes, keys: Sequence[str]) -> dict[str, Any]:
    """Agave's ``parse_system`` (bincode: a u32 tag, then the fields)."""
    r = _Reader(data)
    tag = r.u32()
    info: dict[str, Any]
    if tag == 0:
        lamports, space, owner = r.u64(), r.u64(), r.pubkey()
        _need(keys, 2)
        kind = "createAccount"
        info = {
            "source": keys[0],
            "newAccount": keys[1],
            "lamports": lamports,
            "space": space,
            "owner": owner,
        }
    elif tag == 1:
        owner = r.pubkey()
        _need(keys, 1)
        kind, info = "assign", {"account": keys[0], "owner": owner}
    elif tag == 2:
        lamports = r.u64()
        _need(keys, 2)
        kind = "transfer"
        info = {"source": keys[0], "destination": keys[1], "lamports": lamports}
    elif tag == 3:
        base, seed, lamports, space, owner = r.pubkey(), r.string(), r.u64(), r.u64(), r.pubkey()
        _need(keys, 2)
        kind = "createAccountWithSeed"
        info = {
            "source": keys[0],
            "newAccount": keys[1],
            "base": base,
            "seed": seed,
            "lamports": lamports,
            "space": space,
            "owner": owner,
        }
    elif tag == 4:
        _need(keys, 3)
        kind = "advanceNonce"
        info = {
            "nonceAccount": keys[0],
            "recentBlockhashesSysvar": keys[1],
            "nonceAuthority": keys[2],
        }
    elif tag == 5:
        lamports = r.u64()
        _need(keys, 5)
        kind = "withdrawFromNonce"
        info = {
            "nonceAccount": keys[0],
            "destination": keys[1],
            "recentBlockhashesSysvar": keys[2],
            "rentSysvar": keys[3],
            "nonceAuthority": keys[4],
            "lamports": lamports,
        }
    elif tag == 6:
        authority = r.pubkey()
        _need(keys, 3)
        kind = "initializeNonce"
        info = {
            "nonceAccount": keys[0],
            "recentBlockhashesSysvar": keys[1],
            "rentSysvar": keys[2],
            "nonceAuthority": authority,
        }
    elif tag == 7:
        authority = r.pubkey()
        _need(keys, 2)
        kind = "authorizeNonce"
        info = {"nonceAccount": keys[0], "nonceAuthority": keys[1], "newAuthorized": authority}
    elif tag == 8:
        space = r.u64()
        _need(keys, 1)
        kind, info = "allocate", {"account": keys[0], "space": space}
    elif tag == 9:
        base, seed, space, owner = r.pubkey(), r.string(), r.u64(), r.pubkey()
        _need(keys, 2)
        kind = "allocateWithSeed"
        info = {"account": keys[0], "base": base, "seed": seed, "space": space, "owner": owner}
    elif tag == 10:
        base, seed, owner = r.pubkey(), r.string(), r.pubkey()
        _need(keys, 2)
        kind = "assignWithSeed"
        info = {"account": keys[0], "base": base, "seed": seed, "owner": owner}
    elif tag == 11:
        lamports, from_seed, from_owner = r.u64(), r.string(), r.pubkey()
        _need(keys, 3)
        kind = "transferWithSeed"
        info = {
            "source": keys[0],
            "sourceBase": keys[1],
            "destination": keys[2],
            "lamports": lamports,
            "sourceSeed": from_seed,
            "sourceOwner": from_owner,
        }
    elif tag == 12:
        _need(keys, 1)
        kind, info = "upgradeNonce", {"nonceAccount": keys[0]}
    else:
        raise NotParsable
    return {"type": kind, "info": info}


# -- SPL Token and Token-2022 --------------------------------------------------------------------

# spl-token-2022's ``AuthorityType`` (u8) and ``ExtensionType`` (u16), as Agave names them.
_AUTHORITY_TYPES = (
    "mintTokens",
    "freezeAccount",
    "accountOwner",
    "closeAccount",
    "transferFeeConfig",
    "withheldWithdraw",
    "closeMint",
    "interestRate",
    "permanentDelegate",
    "confidentialTransferMint",
    "transferHookProgramId",
    "confidentialTransferFeeConfig",
    "metadataPointer",
    "groupPointer",
    "groupMemberPointer",
    "scaledUiAmount",
    "pause",
)
_ACCOUNT_AUTHORITIES = frozenset(("accountOwner", "closeAccount"))
_EXTENSION_TYPES = (
    "uninitialized",
    "transferFeeConfig",
    "transferFeeAmount",
    "mintCloseAuthority",
    "confidentialTransferMint",
    "confidentialTransferAccount",
    "defaultAccountState",
    "immutableOwner",
    "memoTransfer",
    "nonTransferable",
    "interestBearingConfig",
    "cpiGuard",
    "permanentDelegate",
    "nonTransferableAccount",
    "transferHook",
    "transferHookAccount",
    "confidentialTransferFeeConfig",
    "confidentialTransferFeeAmount",
    "metadataPointer",
    "tokenMetadata",
    "groupPointer",
    "tokenGroup",
    "groupMemberPointer",
    "tokenGroupMember",
    "confidentialMintBurn",
    "scaledUiAmount",
    "pausable",
    "pausableAccount",
)


def token_amount(amount: int, decimals: int) -> dict[str, Any]:
    """Solana's ``UiTokenAmount``: ``amount`` as a string, ``uiAmount``, ``uiAmountString``."""
    text = str(amount)
    if decimals:
        text = text.rjust(decimals + 1, "0")
        text = (text[:-decimals] + "." + text[-decimals:]).rstrip("0").rstrip(".")
    return {
        "amount": str(amount),
        "decimals": decimals,
        "uiAmount": amount / 10**decimals,
        "uiAmountString": text,
    }


def _signers(
    info: dict[str, Any], keys: Sequence[str], last_nonsigner: int, owner: str, multisig: str
) -> None:
    """Agave's ``parse_signers``: the authority at ``last_nonsigner``; with more accounts after
    it, that one is a multisig and the rest its ``signers``."""
    authority = keys[last_nonsigner] if last_nonsigner < len(keys) else None
    if len(keys) > last_nonsigner + 1:
        if authority is not None:
            info[multisig] = authority
        info["signers"] = list(keys[last_nonsigner + 1 :])
    elif authority is not None:
        info[owner] = authority


def parse_token(data: bytes, keys: Sequence[str]) -> dict[str, Any]:
    """Agave's ``parse_token`` for instructions 0 to 24 (``TokenInstruction::unpack`` of
    spl-token-2022: a u8 tag, then packed little-endian fields)."""
    r = _Reader(data)
    tag = r.u8()
    info: dict[str, Any]
    if tag in (0, 20):  # InitializeMint, InitializeMint2
        decimals, authority, freeze = r.u8(), r.pubkey(), r.pubkey_option()
        _need(keys, 2 if tag == 0 else 1)
        info = {"mint": keys[0], "decimals": decimals, "mintAuthority": authority}
        if tag == 0:
            info["rentSysvar"] = keys[1]
        if freeze is not None:
            info["freezeAuthority"] = freeze
        kind = "initializeMint" if tag == 0 else "initializeMint2"
    elif tag == 1:
        _need(keys, 4)
        kind = "initializeAccount"
        info = {"account": keys[0], "mint": keys[1], "owner": keys[2], "rentSysvar": keys[3]}
    elif tag in (2, 19):  # InitializeMultisig, InitializeMultisig2
        m = r.u8()
        first_signer = 2 if tag == 2 else 1
        _need(keys, first_signer + 1)
        info = {"multisig": keys[0]}
        if tag == 2:
            info["rentSysvar"] = keys[1]
        info |= {"signers": list(keys[first_signer:]), "m": m}
        kind = "initializeMultisig" if tag == 2 else "initializeMultisig2"
    elif tag in (3, 4, 7, 8):  # Transfer, Approve, MintTo, Burn
        raw_amount = r.u64()
        _need(keys, 3)
        if tag == 3:
            kind, info = "transfer", {"source": keys[0], "destination": keys[1]}
            names = ("authority", "multisigAuthority")
        elif tag == 4:
            kind, info = "approve", {"source": keys[0], "delegate": keys[1]}
            names = ("owner", "multisigOwner")
        elif tag == 7:
            kind, info = "mintTo", {"mint": keys[0], "account": keys[1]}
            names = ("mintAuthority", "multisigMintAuthority")
        else:
            kind, info = "burn", {"account": keys[0], "mint": keys[1]}
            names = ("authority", "multisigAuthority")
        info["amount"] = str(raw_amount)
        _signers(info, keys, 2, *names)
    elif tag == 5:
        _need(keys, 2)
        kind, info = "revoke", {"source": keys[0]}
        _signers(info, keys, 1, "owner", "multisigOwner")
    elif tag == 6:
        index = r.u8()
        if index >= len(_AUTHORITY_TYPES):
            raise NotParsable
        authority_type = _AUTHORITY_TYPES[index]
        new_authority = r.pubkey_option()
        _need(keys, 2)
        owned = "account" if authority_type in _ACCOUNT_AUTHORITIES else "mint"
        kind = "setAuthority"
        info = {owned: keys[0], "authorityType": authority_type, "newAuthority": new_authority}
        _signers(info, keys, 1, "authority", "multisigAuthority")
    elif tag == 9:
        _need(keys, 3)
        kind, info = "closeAccount", {"account": keys[0], "destination": keys[1]}
        _signers(info, keys, 2, "owner", "multisigOwner")
    elif tag in (10, 11):
        _need(keys, 3)
        kind = "freezeAccount" if tag == 10 else "thawAccount"
        info = {"account": keys[0], "mint": keys[1]}
        _signers(info, keys, 2, "freezeAuthority", "multisigFreezeAuthority")
    elif tag in (12, 13):  # TransferChecked, ApproveChecked
        amount, decimals = r.u64(), r.u8()
        _need(keys, 4)
        other = "destination" if tag == 12 else "delegate"
        kind = "transferChecked" if tag == 12 else "approveChecked"
        info = {
            "source": keys[0],
            "mint": keys[1],
            other: keys[2],
            "tokenAmount": token_amount(amount, decimals),
        }
        if tag == 12:
            _signers(info, keys, 3, "authority", "multisigAuthority")
        else:
            _signers(info, keys, 3, "owner", "multisigOwner")
    elif tag in (14, 15):  # MintToChecked, BurnChecked
        amount, decimals = r.u64(), r.u8()
        _need(keys, 3)
        if tag == 14:
            kind, info = "mintToChecked", {"mint": keys[0], "account": keys[1]}
            names = ("mintAuthority", "multisigMintAuthority")
        else:
            kind, info = "burnChecked", {"account": keys[0], "mint": keys[1]}
            names = ("authority", "multisigAuthority")
        info["tokenAmount"] = token_amount(amount, decimals)
        _signers(info, keys, 2, *names)
    elif tag == 16:
        owner = r.pubkey()
        _need(keys, 3)
        kind = "initializeAccount2"
        info = {"account": keys[0], "mint": keys[1], "owner": owner, "rentSysvar": keys[2]}
    elif tag == 17:
        _need(keys, 1)
        kind, info = "syncNative", {"account": keys[0]}
    elif tag == 18:
        owner = r.pubkey()
        _need(keys, 2)
        kind, info = "initializeAccount3", {"account": keys[0], "mint": keys[1], "owner": owner}
    elif tag == 21:
        rest = data[1:]
        if len(rest) % 2:
            raise NotParsable
        types = [int.from_bytes(rest[i : i + 2], "little") for i in range(0, len(rest), 2)]
        if any(t >= len(_EXTENSION_TYPES) for t in types):
            raise NotParsable
        _need(keys, 1)
        kind, info = "getAccountDataSize", {"mint": keys[0]}
        if types:
            info["extensionTypes"] = [_EXTENSION_TYPES[t] for t in types]
    elif tag == 22:
        _need(keys, 1)
        kind, info = "initializeImmutableOwner", {"account": keys[0]}
    elif tag == 23:
        raw_amount = r.u64()
        _need(keys, 1)
        kind, info = "amountToUiAmount", {"mint": keys[0], "amount": str(raw_amount)}
    elif tag == 24:
        try:
            ui_amount = data[1:].decode()
        except UnicodeDecodeError:
            raise NotParsable from None
        _need(keys, 1)
        kind, info = "uiAmountToAmount", {"mint": keys[0], "uiAmount": ui_amount}
    else:  # Token-2022's extension instructions: not parsed by this node
        raise NotParsable
    return {"type": kind, "info": info}


# -- the Associated Token Account program and the memo programs -----------------------------------


def parse_associated_token(data: bytes, keys: Sequence[str]) -> dict[str, Any]:
    """Agave's ``parse_associated_token``: no data is ``create``; otherwise one borsh tag byte."""
    if len(data) > 1 or (data and data[0] > 2):
        raise NotParsable
    tag = data[0] if data else 0
    if tag == 2:
        _need(keys, 7)
        info = {
            "nestedSource": keys[0],
            "nestedMint": keys[1],
            "destination": keys[2],
            "nestedOwner": keys[3],
            "ownerMint": keys[4],
            "wallet": keys[5],
            "tokenProgram": keys[6],
        }
        return {"type": "recoverNested", "info": info}
    _need(keys, 6)
    info = {
        "source": keys[0],
        "account": keys[1],
        "wallet": keys[2],
        "mint": keys[3],
        "systemProgram": keys[4],
        "tokenProgram": keys[5],
    }
    return {"type": "create" if tag == 0 else "createIdempotent", "info": info}


def parse_memo(data: bytes, keys: Sequence[str]) -> str:
    """The memo itself (its data as UTF-8; the accounts are not looked at)."""
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise NotParsable from None


_Parser = Callable[[bytes, Sequence[str]], Any]
_PARSERS: dict[str, tuple[str, _Parser]] = {
    SYSTEM_PROGRAM_ID: ("system", parse_system),
    ASSOCIATED_TOKEN_PROGRAM: ("spl-associated-token-account", parse_associated_token),
    **{program: ("spl-token", parse_token) for program in TOKEN_PROGRAM_IDS},
    **{program: ("spl-memo", parse_memo) for program in MEMO_PROGRAMS},
}
