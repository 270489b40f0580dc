"""Solana's JSON-RPC API over the SVM adapter (bare method names, served on the Solana port 8899).

Methods, with Solana's JSON shapes (``RpcResponse`` answers carry ``{"context": {"slot",
"apiVersion"}, "value"}``; commitment and ``minContextSlot`` are accepted and ignored, a devnet
block is final at once, except that the methods reading history refuse ``processed`` as Solana
does, ``-32602`` "Method does not support commitment below `confirmed`"):

    getHealth getVersion getGenesisHash getSlot getBlockHeight getEpochInfo getTransactionCount
    getLatestBlockhash isBlockhashValid getBalance getAccountInfo getMultipleAccounts
    getMinimumBalanceForRentExemption getFeeForMessage sendTransaction simulateTransaction
    getSignatureStatuses getTransaction requestAirdrop getProgramAccounts
    getSignaturesForAddress getBlock getBlockTime getBlocks getBlocksWithLimit
    getFirstAvailableBlock minimumLedgerSlot getEpochSchedule getRecentPrioritizationFees
    getTokenAccountsByOwner getTokenAccountsByDelegate getTokenAccountBalance getTokenSupply
    getTokenLargestAccounts getSlotLeader getSlotLeaders getLeaderSchedule getIdentity
    getClusterNodes getBlockProduction getRecentPerformanceSamples getMaxRetransmitSlot
    getMaxShredInsertSlot getHighestSnapshotSlot getBlockCommitment getSupply getLargestAccounts
    getInflationGovernor getInflationRate getInflationReward getStakeMinimumDelegation
    getVoteAccounts

Errors follow Solana's: undecodable input ``-32602``; a signature that does not verify ``-32003``
"Transaction signature verification failure"; a preflight failure ``-32002`` "Transaction
simulation failed: ..." with ``data`` the simulation result (``err``, ``logs``, ``accounts``,
``unitsConsumed``, ...). ``requestAirdrop`` sends a real system transfer signed by the faucet
keypair of the genesis (``qorenode.genesis.solana_faucet_keypair``).

``simulateTransaction`` (``SvmModule.simulate_request``) takes Solana's ``sigVerify`` (default
false: an unsigned transaction simulates; true: ``-32003`` for a bad signature),
``replaceRecentBlockhash`` (the latest blockhash instead, in ``replacementBlockhash``; with
``sigVerify`` ``-32602``), ``innerInstructions`` (jsonParsed as ``vms.svm.parsed`` parses:
system, SPL Token / Token-2022, Associated Token Account, memo; otherwise partially decoded) and
``accounts: {addresses, encoding}`` (each address as the simulation left it, or as it is when the
transaction did not write it; all ``null`` when the simulation failed; Solana's ``-32602`` for
base58, more addresses than the transaction has keys, a malformed address). An unknown or expired
blockhash is ``err: "BlockhashNotFound"`` in the value.

``getTransaction`` and ``getBlock`` take the encodings ``json`` (default), ``jsonParsed``,
``base64`` and ``base58``. ``json`` answers ``meta.innerInstructions`` as recorded (compiled, data
in base58, with ``stackHeight``; ``null`` for a transaction recorded before they were kept) and
``meta.loadedAddresses`` (as recorded, else as the lookup tables hold them now). ``jsonParsed``
answers the message as Solana's ``UiParsedMessage`` (``accountKeys`` as ``{pubkey, writable,
signer, source}``, instructions and inner instructions parsed by ``vms.svm.parsed``,
``addressTableLookups`` for v0) and leaves ``loadedAddresses`` out of ``meta``, as Solana does.
``getBlock`` also takes ``transactionDetails: "accounts"`` (signatures, parsed account keys and
Solana's short meta); with ``rewards: false`` a transaction's ``meta.rewards`` is null. Its answer
is built by ``load_block`` (on the worker) and ``block_json``, which the PubSub ``blockSubscribe``
shares (``vms.svm.ws``).

``preBalances``/``postBalances`` and ``preTokenBalances``/``postTokenBalances`` are the
record's (``SvmModule`` keeps both, and the loaded addresses). Known limits: ``getBlock`` knows
the blocks committed since the block index exists and answers ``rewards: []``;
``getProgramAccounts`` scans the committed accounts.

Account encodings everywhere an account is answered: ``base58`` (``binary``; data up to 128 bytes),
``base64``, ``base64+zstd`` (one zstd frame, what Solana's Rust ``RpcClient`` and so the Solana CLI
ask for) and ``jsonParsed`` (SPL Token mints and token accounts; other data as base64).

Blocks and the schedule: ``getBlockTime``, ``getBlocks`` and ``getBlocksWithLimit`` read the
``block/`` records (an unknown slot ``-32004`` "Block not available for slot N", as ``getBlock``;
a range is cut at the latest slot, then over 500,000 slots, or a limit over 500,000, is
``-32602``); ``getFirstAvailableBlock`` is the first recorded slot; ``getEpochSchedule`` has
``SLOTS_PER_EPOCH`` (as ``getEpochInfo``), no warmup; ``getRecentPrioritizationFees`` answers
``prioritizationFee: 0`` for the last 150 blocks (the devnet charges no priority fee; at most 128
addresses). ``getSlotLeader`` and ``getIdentity`` name the genesis faucet's pubkey (the devnet has
no validator identity of its own); so does ``getSlotLeaders(start, limit)`` for every slot (limit
at most 5,000; the schedule is known up to the next epoch, later is Solana's "leader schedule for
epoch N is unavailable"). ``minimumLedgerSlot`` is ``getFirstAvailableBlock``'s slot.

The cluster: ``getBlockProduction({range?: {firstSlot, lastSlot?}, identity?})``: the node leads
every slot and produces a block in each (slot = genesis slot + height), so its identity has
``[slots, slots]`` over the range (default: the current epoch's first slot, at least the genesis
slot, to the latest); another identity gets ``{}``; Agave's ``-32602`` messages for ``lastSlot <
firstSlot``, a ``firstSlot`` before genesis and a ``lastSlot`` after the latest. ``getSupply``:
``total`` = the lamports of every committed account (genesis accounts, programs and every account
a transaction wrote; LiteSVM's builtin programs and sysvars, never written, are not counted; fees
are burned as LiteSVM charges them, so each lowers it); the devnet has no non-circulating
accounts (``circulating`` = ``total``, ``nonCirculating`` 0, ``nonCirculatingAccounts`` ``[]``).
``getLargestAccounts({filter?})``: the 20 committed accounts with the most lamports (ties by
address); ``nonCirculating`` is ``[]``. ``getInflationGovernor`` and ``getInflationRate``: the
devnet mints nothing (Solana's ``Inflation::new_disabled``: every rate 0.0). ``getVoteAccounts``:
no vote accounts (``{"current": [], "delinquent": []}``). ``getStakeMinimumDelegation``: 1 SOL,
what LiteSVM's stake program enforces (its ``GetMinimumDelegation`` answers it: all features are
on, as on solana-test-validator). ``getInflationReward(addresses, {epoch?})``: ``null`` for each
address (no rewards; Agave sets no limit on the count); an ``epoch`` whose rewards block (the next
epoch's first slot) is not made yet is Agave's ``-32004``. ``getBlockCommitment(slot)``:
``{"commitment": null, "totalStake": 0}`` (no votes behind any block, no stake).

The node as its own cluster: ``getClusterNodes`` answers one node, the identity, Agave's
``RpcContactInfo`` with ``rpc`` and ``pubsub`` the addresses the Solana servers listen on
(``null`` for a node without servers) and every other socket ``null`` (no gossip, TPU, TVU),
``version`` ``API_VERSION``, ``featureSet`` ``FEATURE_SET``, ``shredVersion`` 0.
``getLeaderSchedule(slot?, {identity?})`` (the config may come first): ``{<identity>: [0 ..
SLOTS_PER_EPOCH - 1]}`` for the epoch of the slot (default the latest), ``null`` past the next
epoch (as ``getSlotLeaders``), ``{}`` for another identity. ``getRecentPerformanceSamples(limit?)``
(at most 720, Agave's ``-32602`` "Invalid limit; max 720" above): one sample per recorded block,
newest first: ``numTransactions`` = ``numNonVoteTransactions`` = its transactions (no votes),
``numSlots`` 1, ``samplePeriodSecs`` its block time minus the block before's (at least 1, a block
is a second after its parent at least; 0 for the first recorded; capped at the u16 maximum).
``getMaxRetransmitSlot`` and ``getMaxShredInsertSlot``: the latest slot. ``getHighestSnapshotSlot``:
Agave's ``-32008`` "No snapshot" (the devnet takes none).

SPL Token: ``getTokenAccountsByOwner(owner, {mint} | {programId}, config)`` scans the committed
accounts of SPL Token or Token-2022 (``programId`` must be one of them; a ``mint`` must exist and
be owned by one) that are token accounts (165 bytes, or a longer Token-2022 account whose account
type byte at 165 is 2) with the owner at bytes 32..64 and the mint at 0..32; encodings as
``getAccountInfo`` (base58 refuses the 165 bytes as Solana does). ``jsonParsed`` account data
(every account method) parses mints (82 bytes) and plain 165-byte token accounts as Solana's
``spl-token``/``spl-token-2022`` ``mint``/``account`` (Token-2022 extensions, and any data with a
``dataSlice``, fall back to base64). ``getTokenAccountsByDelegate(delegate, {mint} | {programId},
config)`` is the same scan (one shared helper) matching the delegate instead: ``COption<Pubkey>``
at 72..108 (u32 tag 1 at 72, the key at 76). Both keep initialized accounts only (state byte 108),
as Agave's token account state filter. ``getTokenAccountBalance`` answers Solana's
``UiTokenAmount`` (``amount`` as a string, the mint's ``decimals`` from its byte 44, ``uiAmount``,
``uiAmountString``) with Solana's ``-32602`` messages for a missing account, not a token account,
a missing mint. ``getTokenSupply(mint)``: the mint's supply (bytes 36..44) as a ``UiTokenAmount``,
with Agave's messages "could not find account", "not a Token mint" (another owner), "mint could
not be unpacked". ``getTokenLargestAccounts(mint)``: the 20 token accounts of the mint with the
most tokens, each ``{address, amount, decimals, uiAmount, uiAmountString}``, by amount then
address, both descending (Agave's order). A mint that a token program owns but that is not an
initialized mint is "Token mint could not be unpacked" wherever a mint is read (Agave checks its
data before its owner, so an account of another program is "not a Token mint" here, "Token mint
could not be unpacked" there).
"""

from __future__ import annotations

import base64
import binascii
import itertools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

import zstandard
from solders.account import Account
from solders.compute_budget import set_compute_unit_limit
from solders.hash import Hash
from solders.message import Message, from_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

from qorenode.errors import AlreadyKnown, InvalidParams, ShapedRpcError
from qorenode.genesis import solana_faucet_keypair
from qorenode.interfaces import ApiRegistry, NodeServices, PendingTx
from vms.svm.errors import AlreadyProcessed, BlockhashNotFound, InvalidTransaction, SignatureFailure
from vms.svm.module import (
    BLOCKHASH_WINDOW,
    DEFAULT_COMPUTE_UNITS,
    MAX_TRANSACTION_SIZE,
    PreflightFailed,
    SvmModule,
    err_json,
)
from vms.svm.parsed import (
    address_table_lookups,
    b58encode,
    parsed_account_keys,
    parsed_inner_instructions,
    parsed_litesvm_inner_instructions,
    token_amount,
    ui_instruction,
)
from vms.svm.spl_token import (
    DELEGATE_OFFSET,
    MINT_DECIMALS_OFFSET,
    MINT_LEN,
    MINT_SUPPLY_OFFSET,
    NATIVE_MINT,
    TOKEN_2022_PROGRAM,
    TOKEN_ACCOUNT_LEN,
    TOKEN_ACCOUNT_STATE_OFFSET,
    TOKEN_PROGRAM,
    TOKEN_PROGRAMS,
    is_initialized_token_account,
    is_token_account,
    token_account_amount,
    unpacks_as_mint,
)

API_VERSION = "2.1.0"
FEATURE_SET = 1_416_569_292
LAMPORTS_PER_SIGNATURE = 5000
SLOTS_PER_EPOCH = 432_000
MAX_BASE58_ACCOUNT_DATA = 128
MAX_MULTIPLE_ACCOUNTS = 100
MAX_SIGNATURE_STATUSES = 256
MAX_BASE58_TX = 1683  # Solana's limit on a base58-encoded transaction
MAX_SIGNATURES_FOR_ADDRESS = 1000
MAX_PROGRAM_ACCOUNT_FILTERS = 4
MAX_MEMCMP_BASE58 = 175  # Solana's limit on memcmp bytes given in base58 ...
MAX_MEMCMP_BYTES = 128  # ... and decoded
MAX_BLOCKS_RANGE = 500_000  # Solana's limit on getBlocks' range and getBlocksWithLimit's limit
MAX_PRIORITIZATION_FEE_ACCOUNTS = 128
BLOCK_DETAILS = ("full", "accounts", "signatures", "none")
MAX_SLOT_LEADERS = 5000  # Solana's limit on getSlotLeaders
LARGEST_ACCOUNTS = 20  # getLargestAccounts and getTokenLargestAccounts answer 20, as Solana
PERFORMANCE_SAMPLES_LIMIT = 720  # Solana's limit on getRecentPerformanceSamples
MAX_SAMPLE_PERIOD_SECS = 2**16 - 1  # a performance sample's period is a u16
SHRED_VERSION = 0  # getClusterNodes: the devnet makes no shreds
STAKE_MINIMUM_DELEGATION = 10**9  # 1 SOL: what the SVM's stake program enforces (all features on)


_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _INDEX:
            raise ValueError(f"invalid base58 character {char!r}")
        number = number * 58 + _INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


class SolanaRpcError(ShapedRpcError):
    """An error in Solana's JSON-RPC shape (codespace ``svm``, code 7)."""

    code, codespace = 7, "svm"


def invalid_params(message: str) -> InvalidParams:
    return InvalidParams(message)


def _preflight_failure(message: str, err: Any, logs: list[str], units: int = 0) -> SolanaRpcError:
    data = {
        "err": err,
        "logs": logs,
        "accounts": None,
        "unitsConsumed": units,
        "returnData": None,
        "innerInstructions": None,
        "replacementBlockhash": None,
    }
    return SolanaRpcError(f"Transaction simulation failed: {message}", rpc_code=-32002, data=data)


def parse_config(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_params("Invalid params: the configuration must be an object")
    return value


def at_least_confirmed(cfg: dict[str, Any]) -> None:
    """Solana's refusal of the ``processed`` commitment by the methods that read committed
    history (getBlock, getBlocks, getBlocksWithLimit, getTransaction, getSignaturesForAddress,
    blockSubscribe): here every block is final at once, but clients get the same answer."""
    if cfg.get("commitment") == "processed":
        raise invalid_params("Method does not support commitment below `confirmed`")


def parse_pubkey(value: Any) -> Pubkey:
    if not isinstance(value, str):
        raise invalid_params("Invalid param: a public key must be a base58 string")
    try:
        return Pubkey.from_string(value)
    except Exception:
        raise invalid_params(f"Invalid param: Invalid public key {value!r}") from None


def parse_signature(value: Any) -> Signature:
    if not isinstance(value, str):
        raise invalid_params("Invalid param: a signature must be a base58 string")
    try:
        return Signature.from_string(value)
    except Exception:
        raise invalid_params(f"Invalid param: Invalid signature {value!r}") from None


def _hash(value: Any) -> bytes:
    if not isinstance(value, str):
        raise invalid_params("Invalid param: a blockhash must be a base58 string")
    try:
        return bytes(Hash.from_string(value))
    except Exception:
        raise invalid_params(f"Invalid param: Invalid blockhash {value!r}") from None


def _decode_wire(value: Any, encoding: Any, what: str = "transaction") -> bytes:
    """The bytes of a base58 (default) or base64 encoded transaction or message."""
    if not isinstance(value, str):
        raise invalid_params(f"Invalid params: the {what} must be an encoded string")
    encoding = encoding or "base58"
    if encoding == "base58":
        if len(value) > MAX_BASE58_TX:
            raise invalid_params(
                f"base58 encoded {what} too large: {len(value)} bytes "
                f"(max: encoded/raw {MAX_BASE58_TX}/{MAX_TRANSACTION_SIZE})"
            )
        try:
            return b58decode(value)
        except ValueError as exc:
            raise invalid_params(f"invalid base58 encoding: {exc}") from None
    if encoding == "base64":
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid_params(f"invalid base64 encoding: {exc}") from None
    raise invalid_params(
        f"Invalid params: unsupported encoding: {encoding}. Supported encodings: base58, base64"
    )


def _return_data_json(data: dict[str, str] | None) -> dict[str, Any] | None:
    if not data:
        return None
    return {"programId": data["program_id"], "data": [data["data"], "base64"]}


def _error_text(err: Any) -> str:
    """Solana's display of a transaction error, roughly (the JSON form when not known)."""
    if isinstance(err, dict) and "InstructionError" in err:
        index, inner = err["InstructionError"]
        if isinstance(inner, dict) and "Custom" in inner:
            return (
                f"Error processing Instruction {index}: custom program error: {inner['Custom']:#x}"
            )
        return f"Error processing Instruction {index}: {inner}"
    texts = {
        "BlockhashNotFound": "Blockhash not found",
        "AlreadyProcessed": "This transaction has already been processed",
        "AccountNotFound": "Attempt to debit an account but found no record of a prior credit.",
        "InsufficientFundsForFee": "Insufficient funds for fee",
        "SignatureFailure": "Transaction did not pass signature verification",
    }
    return texts.get(str(err), str(err))


def _simulation_accounts(config: Any, key_count: int) -> tuple[list[Pubkey], str] | None:
    """simulateTransaction's ``accounts: {addresses, encoding}`` (default base64) checked as
    Solana checks it; None when not asked for."""
    if config is None:
        return None
    if not isinstance(config, Mapping):
        raise invalid_params("Invalid params: accounts must be {addresses, encoding}")
    encoding = config.get("encoding") or "base64"
    if encoding in ("binary", "base58"):
        raise invalid_params("base58 encoding not supported")
    if encoding not in ("base64", "base64+zstd", "jsonParsed"):
        raise invalid_params(f"Invalid params: unknown encoding {encoding!r}")
    addresses = config.get("addresses", [])
    if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
        raise invalid_params("Invalid params: accounts.addresses must be a list of pubkeys")
    if len(addresses) > key_count:
        raise invalid_params(f"Too many accounts provided; max {key_count}")
    return [parse_pubkey(address) for address in addresses], encoding


def _zstd_compress(data: bytes) -> bytes:
    """One zstd frame of ``data`` (its size in the header), as Solana's ``base64+zstd`` carries."""
    return zstandard.ZstdCompressor().compress(data)


def encode_account(
    account: Account | None,
    cfg: dict[str, Any],
    limit_base58: bool = True,
    mint_decimals: MintDecimals | None = None,
) -> dict[str, Any] | None:
    """An account as ``getAccountInfo`` shows it, in ``cfg``'s encoding and data slice; base58
    data over 128 bytes is refused unless ``limit_base58`` is false (Solana's notifications
    encode it anyway). ``jsonParsed`` parses SPL Token mints, and token accounts when
    ``mint_decimals`` can read their mint; other data falls back to base64, as Solana's does
    for accounts it has no parser for."""
    if account is None:
        return None
    data = bytes(account.data)
    return {
        "data": _encode_account_data(account.owner, data, cfg, limit_base58, mint_decimals),
        "executable": bool(account.executable),
        "lamports": int(account.lamports),
        "owner": str(account.owner),
        "rentEpoch": int(account.rent_epoch),
        "space": len(data),
    }


def _encode_account_data(
    owner: Pubkey,
    data: bytes,
    cfg: dict[str, Any],
    limit_base58: bool,
    mint_decimals: MintDecimals | None,
) -> Any:
    """An account's ``data`` field in ``cfg``'s encoding, after its data slice."""
    encoding = cfg.get("encoding")
    data_slice = cfg.get("dataSlice")
    if encoding == "jsonParsed" and data_slice is None:
        parsed = parsed_token_data(owner, data, mint_decimals)
        if parsed is not None:
            return parsed
    if data_slice is not None:
        if not isinstance(data_slice, dict):
            raise invalid_params("Invalid params: dataSlice must be {offset, length}")
        offset, length = data_slice.get("offset", 0), data_slice.get("length", 0)
        if not (isinstance(offset, int) and isinstance(length, int)) or min(offset, length) < 0:
            raise invalid_params(
                "Invalid params: dataSlice offset and length must be integers >= 0"
            )
        data = data[offset : offset + length]
    if encoding in (None, "binary", "base58"):
        if limit_base58 and len(data) > MAX_BASE58_ACCOUNT_DATA:
            raise SolanaRpcError(
                "Encoded binary (base 58) data should be less than 128 bytes, "
                "please use Base64 encoding.",
                rpc_code=-32600,
            )
        text = b58encode(data)
        return text if encoding in (None, "binary") else [text, "base58"]
    if encoding in ("base64", "jsonParsed"):  # data without a parser: base64
        return [base64.b64encode(data).decode(), "base64"]
    if encoding == "base64+zstd":  # what Solana's Rust RpcClient (the CLI) asks for
        return [base64.b64encode(_zstd_compress(data)).decode(), "base64+zstd"]
    raise invalid_params(f"Invalid params: unknown encoding {encoding!r}")


def register_solana_api(api: ApiRegistry, node: NodeServices, svm: SvmModule) -> None:
    """Register Solana's JSON-RPC methods (bare names) for ``svm``."""
    faucet = solana_faucet_keypair()
    airdrop_counter = itertools.count()

    def context() -> dict[str, Any]:
        return {"slot": svm.slot(svm.latest_blockhash[1]), "apiVersion": API_VERSION}

    async def read(fn: Callable[[], Any]) -> dict[str, Any]:
        """``{"context", "value": fn()}``, both read in one worker call."""
        result: dict[str, Any] = await node.run(lambda: {"context": context(), "value": fn()})
        return result

    def account_json(account: Account | None, cfg: dict[str, Any]) -> dict[str, Any] | None:
        """``encode_account`` with the mints read for jsonParsed token accounts (on the worker)."""
        return encode_account(account, cfg, mint_decimals=mint_decimals)

    # -- cluster ------------------------------------------------------------------------------

    async def get_health() -> str:
        return "ok"

    async def get_version() -> dict[str, Any]:
        return {"solana-core": API_VERSION, "feature-set": FEATURE_SET}

    async def get_genesis_hash() -> str:
        return str(Hash(await node.run(lambda: svm.genesis_hash)))

    async def get_slot(config: Any = None) -> int:
        parse_config(config)
        slot: int = await node.run(lambda: svm.slot(svm.latest_blockhash[1]))
        return slot

    async def get_block_height(config: Any = None) -> int:
        parse_config(config)
        height: int = await node.run(lambda: svm.latest_blockhash[1])
        return height

    async def get_epoch_info(config: Any = None) -> dict[str, Any]:
        parse_config(config)
        height, count = await node.run(lambda: (svm.latest_blockhash[1], svm.transaction_count()))
        slot = svm.slot(height)
        return {
            "absoluteSlot": slot,
            "blockHeight": height,
            "epoch": slot // SLOTS_PER_EPOCH,
            "slotIndex": slot % SLOTS_PER_EPOCH,
            "slotsInEpoch": SLOTS_PER_EPOCH,
            "transactionCount": count,
        }

    async def get_transaction_count(config: Any = None) -> int:
        parse_config(config)
        count: int = await node.run(svm.transaction_count)
        return count

    async def get_latest_blockhash(config: Any = None) -> dict[str, Any]:
        parse_config(config)

        def value() -> dict[str, Any]:
            blockhash, height = svm.latest_blockhash
            return {
                "blockhash": str(Hash(blockhash)),
                "lastValidBlockHeight": height + BLOCKHASH_WINDOW,
            }

        return await read(value)

    async def is_blockhash_valid(blockhash: Any, config: Any = None) -> dict[str, Any]:
        parse_config(config)
        raw = _hash(blockhash)
        return await read(lambda: svm.blockhash_valid(raw))

    # -- accounts -----------------------------------------------------------------------------

    async def get_balance(pubkey: Any, config: Any = None) -> dict[str, Any]:
        parse_config(config)
        key = bytes(parse_pubkey(pubkey))

        def value() -> int:
            account = svm.account(key)
            return 0 if account is None else int(account.lamports)

        return await read(value)

    async def get_account_info(pubkey: Any, config: Any = None) -> dict[str, Any]:
        cfg = parse_config(config)
        key = bytes(parse_pubkey(pubkey))
        account_json(None, cfg)  # refuses a bad encoding before reading
        return await read(lambda: account_json(svm.account(key), cfg))

    async def get_multiple_accounts(pubkeys: Any, config: Any = None) -> dict[str, Any]:
        cfg = parse_config(config)
        if not isinstance(pubkeys, list):
            raise invalid_params("Invalid params: expected an array of public keys")
        if len(pubkeys) > MAX_MULTIPLE_ACCOUNTS:
            raise invalid_params(f"Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}")
        keys = [bytes(parse_pubkey(p)) for p in pubkeys]
        return await read(lambda: [account_json(svm.account(k), cfg) for k in keys])

    async def get_minimum_balance_for_rent_exemption(size: Any, config: Any = None) -> int:
        parse_config(config)
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= 10 * 2**20:
            raise invalid_params("Invalid param: the data size must be an integer in [0, 10 MiB]")
        lamports: int = await node.run(lambda: svm.svm.minimum_balance_for_rent_exemption(size))
        return int(lamports)

    async def get_fee_for_message(message: Any, config: Any = None) -> dict[str, Any]:
        parse_config(config)
        raw = _decode_wire(message, "base64", "message")
        try:
            msg = from_bytes_versioned(raw)
        except Exception as exc:
            raise invalid_params(f"invalid message: {exc}") from None
        signatures = msg.header.num_required_signatures
        blockhash = bytes(msg.recent_blockhash)

        def value() -> int | None:
            if not svm.blockhash_valid(blockhash):
                return None
            return LAMPORTS_PER_SIGNATURE * signatures

        return await read(value)

    # -- transactions -------------------------------------------------------------------------

    async def submit(pending: PendingTx) -> None:
        """Admit ``pending`` (one worker call): blockhash and replay checks, then, if it asks for
        a preflight (``pending_tx(raw, preflight=True)``), Solana's preflight simulation in
        ``SvmModule.check_tx``, then the mempool."""
        try:
            await node.submit(pending)
        except BlockhashNotFound:
            raise _preflight_failure("Blockhash not found", "BlockhashNotFound", []) from None
        except AlreadyProcessed:
            raise _preflight_failure(
                "This transaction has already been processed", "AlreadyProcessed", []
            ) from None
        except PreflightFailed as exc:
            outcome = exc.outcome
            err = err_json(outcome.err())
            meta = outcome.meta()
            raise _preflight_failure(
                _error_text(err), err, list(meta.logs()), int(meta.compute_units_consumed())
            ) from None
        except AlreadyKnown:
            pass  # the same transaction is already pending: Solana answers its signature

    def decode(raw: bytes, preflight: bool) -> PendingTx:
        try:
            return svm.pending_tx(raw, preflight=preflight)
        except InvalidTransaction as exc:
            raise invalid_params(exc.message) from None
        except SignatureFailure:
            raise SolanaRpcError(
                "Transaction signature verification failure", rpc_code=-32003
            ) from None

    async def send_transaction(transaction: Any, config: Any = None) -> str:
        cfg = parse_config(config)
        raw = _decode_wire(transaction, cfg.get("encoding"))
        pending = decode(raw, preflight=not cfg.get("skipPreflight", False))
        await submit(pending)
        return str(Signature.from_bytes(pending.tx_hash))

    async def simulate_transaction(transaction: Any, config: Any = None) -> dict[str, Any]:
        cfg = parse_config(config)
        raw = _decode_wire(transaction, cfg.get("encoding"))
        sig_verify = _flag(cfg, "sigVerify")
        replace = _flag(cfg, "replaceRecentBlockhash")
        inner = _flag(cfg, "innerInstructions")
        try:
            tx = VersionedTransaction.from_bytes(raw)
        except Exception as exc:
            raise invalid_params(f"failed to deserialize transaction: {exc}") from None
        if sig_verify and replace:
            raise invalid_params("sigVerify may not be used with replaceRecentBlockhash")
        try:
            tx.sanitize()
        except Exception as exc:
            raise invalid_params(f"failed to deserialize transaction: {exc}") from None
        if sig_verify and not all(tx.verify_with_results()):
            raise SolanaRpcError("Transaction signature verification failure", rpc_code=-32003)
        lookups = getattr(tx.message, "address_table_lookups", [])
        key_count = len(tx.message.account_keys) + sum(
            len(lookup.writable_indexes) + len(lookup.readonly_indexes) for lookup in lookups
        )
        wanted = _simulation_accounts(cfg.get("accounts"), key_count)

        def value() -> dict[str, Any]:
            # run on the state as it is, nothing kept, no signature check (done above if asked)
            simulation = svm.simulate_request(tx, replace_blockhash=replace)
            replacement = None
            if simulation.replacement is not None:
                blockhash, last_valid = simulation.replacement
                replacement = {
                    "blockhash": str(Hash(blockhash)),
                    "lastValidBlockHeight": last_valid,
                }
            result: dict[str, Any] = {
                "err": simulation.err,
                "logs": [],
                "accounts": None,
                "unitsConsumed": 0,
                "returnData": None,
                "innerInstructions": None,
                "replacementBlockhash": replacement,
            }
            if wanted is not None:
                result["accounts"] = [None] * len(wanted[0])
            if simulation.outcome is None:  # refused before it ran (its blockhash, a replay)
                return result
            if wanted is not None and simulation.err is None:
                result["accounts"] = simulated_accounts(simulation.outcome.post_accounts(), *wanted)
            meta = simulation.outcome.meta()
            data = meta.return_data()
            if data is not None and bytes(data.data):
                result["returnData"] = {
                    "programId": str(data.program_id),
                    "data": [base64.b64encode(bytes(data.data)).decode(), "base64"],
                }
            result["logs"] = list(meta.logs())
            result["unitsConsumed"] = int(meta.compute_units_consumed())
            if inner:
                result["innerInstructions"] = parsed_litesvm_inner_instructions(
                    meta.inner_instructions(), svm.account_keys(tx)
                )
            return result

        return await read(value)

    def simulated_accounts(
        post: list[tuple[Pubkey, Account]], addresses: list[Pubkey], encoding: str
    ) -> list[dict[str, Any] | None]:
        """``addresses`` as a simulation left them (``post``: the accounts it wrote), the others
        as they are; token accounts parse against the simulated mints too (on the worker)."""
        written = dict(post)

        def account(key: Pubkey) -> Account | None:
            return written[key] if key in written else svm.account(bytes(key))

        def decimals(mint: Pubkey) -> tuple[Pubkey, int]:
            return mint_decimals(mint, account)

        cfg = {"encoding": encoding}
        return [encode_account(account(key), cfg, mint_decimals=decimals) for key in addresses]

    async def get_signature_statuses(signatures: Any, config: Any = None) -> dict[str, Any]:
        parse_config(config)
        if not isinstance(signatures, list):
            raise invalid_params("Invalid params: expected an array of signatures")
        if len(signatures) > MAX_SIGNATURE_STATUSES:
            raise invalid_params(f"Too many inputs provided; max {MAX_SIGNATURE_STATUSES}")
        keys = [bytes(parse_signature(s)) for s in signatures]

        def status(record: dict[str, Any] | None) -> dict[str, Any] | None:
            if record is None:
                return None
            err = _record_err(record)
            return {
                "slot": record["slot"],
                "confirmations": None,
                "err": err,
                "confirmationStatus": "finalized",
                "status": {"Ok": None} if err is None else {"Err": err},
            }

        return await read(lambda: [status(svm.transaction(k)) for k in keys])

    async def get_transaction(signature: Any, config: Any = None) -> dict[str, Any] | None:
        if isinstance(config, str):  # the legacy form: the encoding alone
            config = {"encoding": config}
        cfg = parse_config(config)
        at_least_confirmed(cfg)
        encoding = _transaction_encoding(cfg)
        key = bytes(parse_signature(signature))
        max_version = _max_version(cfg)

        def fetch() -> _Recorded | None:
            record = svm.transaction(key)
            return None if record is None else _Recorded.load(svm, record)

        recorded: _Recorded | None = await node.run(fetch)
        if recorded is None:
            return None
        recorded.check_version(max_version)
        result: dict[str, Any] = {
            "slot": recorded.record["slot"],
            "blockTime": recorded.record["block_time"],
            "transaction": recorded.transaction(encoding),
            "meta": recorded.meta(encoding),
        }
        if max_version is not None:
            result["version"] = recorded.version()
        return result

    async def request_airdrop(pubkey: Any, lamports: Any, config: Any = None) -> str:
        parse_config(config)
        to = parse_pubkey(pubkey)
        if not isinstance(lamports, int) or isinstance(lamports, bool) or lamports <= 0:
            raise invalid_params("Invalid param: lamports must be a positive integer")
        if lamports >= 2**64:
            raise invalid_params("Invalid param: lamports must fit in a u64")
        nonce = next(airdrop_counter)

        def build() -> PendingTx:
            account = svm.account(bytes(faucet.pubkey()))
            available = 0 if account is None else int(account.lamports)
            if available < lamports + LAMPORTS_PER_SIGNATURE:
                raise SolanaRpcError(
                    f"airdrop request failed: the faucet {faucet.pubkey()} holds {available} "
                    "lamports",
                    rpc_code=-32600,
                )
            blockhash = Hash(svm.latest_blockhash[0])
            instructions = [
                # a distinct compute limit keeps equal airdrops in one block distinct transactions
                set_compute_unit_limit(DEFAULT_COMPUTE_UNITS - nonce % 100_000),
                transfer(
                    TransferParams(from_pubkey=faucet.pubkey(), to_pubkey=to, lamports=lamports)
                ),
            ]
            message = Message.new_with_blockhash(instructions, faucet.pubkey(), blockhash)
            raw = bytes(Transaction([faucet], message, blockhash))
            return svm.pending_tx(raw, preflight=True)

        pending = await node.run(build)
        await submit(pending)
        return str(Signature.from_bytes(pending.tx_hash))

    # -- programs, address history, blocks ------------------------------------------------------

    async def get_program_accounts(program: Any, config: Any = None) -> Any:
        cfg = parse_config(config)
        owner = parse_pubkey(program)
        filters = account_filters(cfg.get("filters"))
        empty = Account(lamports=0, data=b"", owner=owner, executable=False, rent_epoch=0)
        account_json(empty, cfg)  # refuses a bad encoding before reading

        def value() -> list[dict[str, Any]]:
            return [
                {"pubkey": str(pubkey), "account": account_json(account, cfg)}
                for pubkey, account in svm.committed_accounts()
                if account.owner == owner and all(f(bytes(account.data)) for f in filters)
            ]

        if cfg.get("withContext"):
            return await read(value)
        accounts: list[dict[str, Any]] = await node.run(value)
        return accounts

    async def get_signatures_for_address(address: Any, config: Any = None) -> list[Any]:
        cfg = parse_config(config)
        at_least_confirmed(cfg)
        key = bytes(parse_pubkey(address))
        limit = cfg.get("limit", MAX_SIGNATURES_FOR_ADDRESS)
        if limit is None:
            limit = MAX_SIGNATURES_FOR_ADDRESS
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise invalid_params("Invalid limit; max 1000")
        if limit > MAX_SIGNATURES_FOR_ADDRESS:
            raise invalid_params(f"Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}")
        before = None if cfg.get("before") is None else bytes(parse_signature(cfg["before"]))
        until = None if cfg.get("until") is None else bytes(parse_signature(cfg["until"]))
        records: list[dict[str, Any]] = await node.run(
            lambda: svm.signatures_for_address(key, limit, before, until)
        )
        return [
            {
                "signature": record["signature"],
                "slot": record["slot"],
                "err": _record_err(record),
                "memo": None,
                "blockTime": record["block_time"],
                "confirmationStatus": "finalized",
            }
            for record in records
        ]

    async def get_block(slot: Any, config: Any = None) -> dict[str, Any] | None:
        if isinstance(config, str):  # the legacy form: the encoding alone
            config = {"encoding": config}
        cfg = parse_config(config)
        at_least_confirmed(cfg)
        if not isinstance(slot, int) or isinstance(slot, bool) or slot < 0:
            raise invalid_params("Invalid params: the slot must be a u64")
        options = BlockOptions.parse(cfg)
        block: LoadedBlock | None = await node.run(
            lambda: load_block(svm, slot, options.with_transactions)
        )
        if block is None:
            raise SolanaRpcError(f"Block not available for slot {slot}", rpc_code=-32004)
        return block_json(block, options)

    # -- block times, ranges and the schedule -------------------------------------------------

    async def get_block_time(slot: Any) -> int:
        slot = _slot(slot)
        block = await node.run(lambda: svm.block(slot - svm.genesis_slot))
        if block is None:
            raise SolanaRpcError(f"Block not available for slot {slot}", rpc_code=-32004)
        return int(block["block_time"])

    async def get_epoch_schedule() -> dict[str, Any]:
        return {
            "slotsPerEpoch": SLOTS_PER_EPOCH,
            "leaderScheduleSlotOffset": SLOTS_PER_EPOCH,
            "warmup": False,
            "firstNormalEpoch": 0,
            "firstNormalSlot": 0,
        }

    async def get_first_available_block() -> int:
        heights: list[int] = await node.run(lambda: svm.block_heights(0, 2**64 - 1, 1))
        return svm.slot(heights[0]) if heights else svm.genesis_slot

    def slots_between(start: int, end: int | None, limit: int | None) -> list[int]:
        """The committed slots from ``start`` up to ``end`` (the latest at most), ``limit`` of
        them at most (a worker call)."""
        latest = svm.slot(svm.latest_blockhash[1])
        end = latest if end is None else min(end, latest)
        if end < start:
            return []
        if limit is None and end - start > MAX_BLOCKS_RANGE:
            raise invalid_params(f"Slot range too large; max {MAX_BLOCKS_RANGE}")
        base = svm.genesis_slot
        heights = svm.block_heights(start - base, end - base, limit)
        return [svm.slot(height) for height in heights]

    async def get_blocks(start_slot: Any, end_slot: Any = None, config: Any = None) -> list[int]:
        if isinstance(end_slot, dict):  # getBlocks(start, config)
            end_slot, config = None, end_slot
        at_least_confirmed(parse_config(config))
        start = _slot(start_slot)
        end = None if end_slot is None else _slot(end_slot)
        if end is None:  # Solana's default: the range's maximum
            end = start + MAX_BLOCKS_RANGE
        slots: list[int] = await node.run(lambda: slots_between(start, end, None))
        return slots

    async def get_blocks_with_limit(start_slot: Any, limit: Any, config: Any = None) -> list[int]:
        at_least_confirmed(parse_config(config))
        start = _slot(start_slot)
        count = _slot(limit, "limit")
        if count > MAX_BLOCKS_RANGE:
            raise invalid_params(f"Limit too large; max {MAX_BLOCKS_RANGE}")
        slots: list[int] = await node.run(lambda: slots_between(start, None, count))
        return slots

    async def get_recent_prioritization_fees(addresses: Any = None) -> list[dict[str, Any]]:
        if addresses is None:
            addresses = []
        if not isinstance(addresses, list):
            raise invalid_params("Invalid params: expected an array of public keys")
        if len(addresses) > MAX_PRIORITIZATION_FEE_ACCOUNTS:
            raise invalid_params(f"Too many inputs provided; max {MAX_PRIORITIZATION_FEE_ACCOUNTS}")
        for address in addresses:
            parse_pubkey(address)
        heights: list[int] = await node.run(lambda: svm.recent_block_heights(BLOCKHASH_WINDOW))
        return [{"slot": svm.slot(height), "prioritizationFee": 0} for height in heights]

    async def get_slot_leader(config: Any = None) -> str:
        parse_config(config)
        return str(faucet.pubkey())

    async def get_identity() -> dict[str, Any]:
        return {"identity": str(faucet.pubkey())}

    async def get_slot_leaders(start_slot: Any, limit: Any) -> list[str]:
        start = _slot(start_slot, "start slot")
        count = _slot(limit, "limit")
        if count > MAX_SLOT_LEADERS:
            raise invalid_params(f"Invalid limit; max {MAX_SLOT_LEADERS}")
        latest: int = await node.run(lambda: svm.slot(svm.latest_blockhash[1]))
        if count:  # the schedule is known for this epoch and the next, as on Solana
            last_epoch = (start + count - 1) // SLOTS_PER_EPOCH
            if last_epoch > latest // SLOTS_PER_EPOCH + 1:
                raise invalid_params(
                    f"Invalid slot range: leader schedule for epoch {last_epoch} is unavailable"
                )
        return [str(faucet.pubkey())] * count

    async def get_block_production(config: Any = None) -> dict[str, Any]:
        cfg = parse_config(config)
        identity = cfg.get("identity")
        if identity is not None and not isinstance(identity, str):
            raise invalid_params("Invalid params: identity must be a base58 string")
        span = cfg.get("range")
        if span is not None and (not isinstance(span, dict) or "firstSlot" not in span):
            raise invalid_params("Invalid params: range must be {firstSlot, lastSlot?}")

        def value() -> dict[str, Any]:
            latest = svm.slot(svm.latest_blockhash[1])
            oldest = svm.genesis_slot
            if span is None:
                first = max(latest - latest % SLOTS_PER_EPOCH, oldest)
                last = latest
            else:
                first = _slot(span["firstSlot"], "firstSlot")
                last_value = span.get("lastSlot")
                last = latest if last_value is None else _slot(last_value, "lastSlot")
                if last < first:
                    raise invalid_params(
                        f"lastSlot, {last}, cannot be less than firstSlot, {first}"
                    )
            if first < oldest:
                raise invalid_params(f"firstSlot, {first}, is too small; min {oldest}")
            if last > latest:
                raise invalid_params(f"lastSlot, {last}, is too large; max {latest}")
            leader = str(faucet.pubkey())
            by_identity: dict[str, list[int]] = {}
            if identity is None or identity == leader:
                # the node leads every slot and produces a block in each: slot = genesis + height
                slots = last - first + 1
                by_identity[leader] = [slots, slots]
            return {"byIdentity": by_identity, "range": {"firstSlot": first, "lastSlot": last}}

        return await read(value)

    # -- supply, inflation, stake and votes -------------------------------------------------------

    def total_supply() -> int:
        """Lamports held by every committed account (a worker call)."""
        return sum(int(account.lamports) for _, account in svm.committed_accounts())

    async def get_supply(config: Any = None) -> dict[str, Any]:
        cfg = parse_config(config)
        _flag(cfg, "excludeNonCirculatingAccountsList")  # the list is empty either way

        def value() -> dict[str, Any]:
            total = total_supply()
            return {
                "total": total,
                "circulating": total,
                "nonCirculating": 0,
                "nonCirculatingAccounts": [],
            }

        return await read(value)

    async def get_largest_accounts(config: Any = None) -> dict[str, Any]:
        cfg = parse_config(config)
        account_filter = cfg.get("filter")
        if account_filter not in (None, "circulating", "nonCirculating"):
            raise invalid_params(
                f"Invalid params: unknown variant `{account_filter}`, "
                "expected `circulating` or `nonCirculating`"
            )

        def value() -> list[dict[str, Any]]:
            if account_filter == "nonCirculating":  # the devnet has no non-circulating accounts
                return []
            balances = [
                (int(account.lamports), str(pubkey)) for pubkey, account in svm.committed_accounts()
            ]
            balances.sort(key=lambda item: (-item[0], item[1]))
            return [
                {"address": address, "lamports": lamports}
                for lamports, address in balances[:LARGEST_ACCOUNTS]
            ]

        return await read(value)

    async def get_inflation_governor(config: Any = None) -> dict[str, Any]:
        parse_config(config)
        return dict.fromkeys(("initial", "terminal", "taper", "foundation", "foundationTerm"), 0.0)

    async def get_inflation_rate() -> dict[str, Any]:
        slot: int = await node.run(lambda: svm.slot(svm.latest_blockhash[1]))
        return {
            "total": 0.0,
            "validator": 0.0,
            "foundation": 0.0,
            "epoch": slot // SLOTS_PER_EPOCH,
        }

    async def get_stake_minimum_delegation(config: Any = None) -> dict[str, Any]:
        parse_config(config)
        return await read(lambda: STAKE_MINIMUM_DELEGATION)

    async def get_vote_accounts(config: Any = None) -> dict[str, Any]:
        cfg = parse_config(config)
        if cfg.get("votePubkey") is not None:
            parse_pubkey(cfg["votePubkey"])
        distance = cfg.get("delinquentSlotDistance")
        if distance is not None:
            _slot(distance, "delinquentSlotDistance")
        _flag(cfg, "keepUnstakedDelinquents")
        return {"current": [], "delinquent": []}  # the devnet has no validators that vote

    # -- the node as a cluster: contact info, leader schedule, samples, snapshots -----------------

    async def get_cluster_nodes() -> list[dict[str, Any]]:
        # no gossip, no TPU, no repair: only the JSON-RPC and PubSub servers, where they run
        sockets = (
            "gossip",
            "tvu",
            "tpu",
            "tpuQuic",
            "tpuForwards",
            "tpuForwardsQuic",
            "tpuVote",
            "serveRepair",
        )
        return [
            {
                "pubkey": str(faucet.pubkey()),
                **dict.fromkeys(sockets),
                "rpc": node.bound_address("svm"),
                "pubsub": node.bound_address("svm_ws"),
                "version": API_VERSION,
                "featureSet": FEATURE_SET,
                "shredVersion": SHRED_VERSION,
            }
        ]

    async def get_leader_schedule(
        slot_or_config: Any = None, config: Any = None
    ) -> dict[str, list[int]] | None:
        slot: Any = None
        if isinstance(slot_or_config, dict):  # getLeaderSchedule(config): it wins, as on Agave
            config = slot_or_config
        else:
            slot = slot_or_config
        cfg = parse_config(config)
        identity = cfg.get("identity")
        if identity is not None:
            parse_pubkey(identity)
        wanted = None if slot is None else _slot(slot)
        latest: int = await node.run(lambda: svm.slot(svm.latest_blockhash[1]))
        epoch = (latest if wanted is None else wanted) // SLOTS_PER_EPOCH
        if epoch > latest // SLOTS_PER_EPOCH + 1:  # known for this epoch and the next only
            return None
        leader = str(faucet.pubkey())
        if identity is not None and identity != leader:
            return {}
        return {leader: list(range(SLOTS_PER_EPOCH))}  # the node leads every slot

    async def get_recent_performance_samples(limit: Any = None) -> list[dict[str, Any]]:
        count = PERFORMANCE_SAMPLES_LIMIT if limit is None else _slot(limit, "limit")
        if count > PERFORMANCE_SAMPLES_LIMIT:
            raise invalid_params(f"Invalid limit; max {PERFORMANCE_SAMPLES_LIMIT}")

        def samples() -> list[dict[str, Any]]:
            """One sample per block, newest first; the period is the time since the block
            before it (0 for the first one recorded)."""
            if count == 0:
                return []
            heights = svm.recent_block_heights(count + 1)  # one more: the oldest one's period
            blocks = {height: svm.block(height) for height in heights}
            out = []
            for height in reversed(heights[-count:]):
                block, before = blocks[height], blocks.get(height - 1)
                assert block is not None  # listed as recorded
                period = 0 if before is None else block["block_time"] - before["block_time"]
                transactions = len(block["signatures"])
                out.append(
                    {
                        "slot": svm.slot(height),
                        "numTransactions": transactions,
                        "numNonVoteTransactions": transactions,  # the devnet has no votes
                        "numSlots": 1,
                        "samplePeriodSecs": min(max(period, 0), MAX_SAMPLE_PERIOD_SECS),
                    }
                )
            return out

        newest_first: list[dict[str, Any]] = await node.run(samples)
        return newest_first

    async def get_highest_snapshot_slot() -> dict[str, Any]:
        raise SolanaRpcError("No snapshot", rpc_code=-32008)  # the devnet takes no snapshots

    async def get_latest_slot() -> int:
        """``getMaxRetransmitSlot`` and ``getMaxShredInsertSlot``: the node makes every slot
        itself, so the highest it has is the latest."""
        slot: int = await node.run(lambda: svm.slot(svm.latest_blockhash[1]))
        return slot

    async def get_block_commitment(slot: Any) -> dict[str, Any]:
        _slot(slot)
        # no vote accounts, no stake: no block has votes behind it (Agave's answer for a block
        # its commitment cache does not hold), and the total active stake is 0
        return {"commitment": None, "totalStake": 0}

    async def get_inflation_reward(addresses: Any, config: Any = None) -> list[None]:
        if not isinstance(addresses, list):
            raise invalid_params("Invalid params: expected an array of public keys")
        for address in addresses:
            parse_pubkey(address)
        cfg = parse_config(config)
        epoch = cfg.get("epoch")
        if epoch is not None:
            epoch = _slot(epoch, "epoch")
            latest: int = await node.run(lambda: svm.slot(svm.latest_blockhash[1]))
            rewards_slot = (epoch + 1) * SLOTS_PER_EPOCH  # an epoch's rewards: the next's first
            if rewards_slot > latest:
                raise SolanaRpcError(
                    f"Block not available for slot {rewards_slot}", rpc_code=-32004
                )
        return [None] * len(addresses)  # the devnet pays no inflation rewards

    # -- SPL Token ------------------------------------------------------------------------------

    def mint_decimals(
        mint: Pubkey, read: Callable[[Pubkey], Account | None] | None = None
    ) -> tuple[Pubkey, int]:
        """(the mint's token program, its decimals) (a worker call); ``read`` reads the mint
        instead of the committed state (a simulation's)."""
        if mint == NATIVE_MINT:
            return TOKEN_PROGRAM, 9
        account = read(mint) if read is not None else svm.account(bytes(mint))
        if account is None:
            raise invalid_params("Invalid param: could not find mint")
        data = bytes(account.data)
        if account.owner not in TOKEN_PROGRAMS:
            raise invalid_params("Invalid param: not a Token mint")
        if not unpacks_as_mint(data):
            raise invalid_params("Invalid param: Token mint could not be unpacked")
        return account.owner, data[MINT_DECIMALS_OFFSET]

    def token_accounts(
        program: Pubkey | None, mint: Pubkey | None, matches: Callable[[bytes], bool]
    ) -> list[tuple[Pubkey, Account]]:
        """The committed, initialized token accounts of ``mint`` (under its program) or of
        ``program`` whose data ``matches``, ascending by address (a worker call)."""
        if mint is not None:
            program = mint_decimals(mint)[0]
        mint_key = None if mint is None else bytes(mint)
        out = []
        for pubkey, account in svm.committed_accounts():
            if account.owner != program:
                continue
            data = bytes(account.data)
            if (
                is_initialized_token_account(account.owner, data)
                and (mint_key is None or data[:32] == mint_key)
                and matches(data)
            ):
                out.append((pubkey, account))
        return out

    async def token_accounts_by(
        token_filter: Any, config: Any, matches: Callable[[bytes], bool]
    ) -> dict[str, Any]:
        """What ``getTokenAccountsByOwner`` and ``getTokenAccountsByDelegate`` share: the token
        accounts of the filter's mint or program whose data ``matches``, encoded as ``config``
        asks, as ``{context, value: [{pubkey, account}]}``."""
        cfg = parse_config(config)
        program, mint = _token_accounts_filter(token_filter)
        if cfg.get("encoding") != "jsonParsed":
            account_json(None, cfg)  # refuses a bad encoding before reading

        def value() -> list[dict[str, Any]]:
            return [
                {"pubkey": str(pubkey), "account": account_json(account, cfg)}
                for pubkey, account in token_accounts(program, mint, matches)
            ]

        return await read(value)

    async def get_token_accounts_by_owner(
        owner: Any, token_filter: Any, config: Any = None
    ) -> dict[str, Any]:
        key = bytes(parse_pubkey(owner))
        return await token_accounts_by(token_filter, config, lambda data: data[32:64] == key)

    async def get_token_accounts_by_delegate(
        delegate: Any, token_filter: Any, config: Any = None
    ) -> dict[str, Any]:
        key = bytes(parse_pubkey(delegate))
        return await token_accounts_by(
            token_filter, config, lambda data: _coption(data, DELEGATE_OFFSET, 32) == key
        )

    async def get_token_account_balance(pubkey: Any, config: Any = None) -> dict[str, Any]:
        parse_config(config)
        key = bytes(parse_pubkey(pubkey))

        def value() -> dict[str, Any]:
            account = svm.account(key)
            if account is None:
                raise invalid_params("Invalid param: could not find account")
            if account.owner not in TOKEN_PROGRAMS:
                raise invalid_params("Invalid param: not a Token account")
            data = bytes(account.data)
            if not is_token_account(account.owner, data):
                raise invalid_params("Invalid param: not a v2.0 Token account")
            decimals = mint_decimals(Pubkey.from_bytes(data[:32]))[1]
            return token_amount(token_account_amount(data), decimals)

        return await read(value)

    async def get_token_supply(mint: Any, config: Any = None) -> dict[str, Any]:
        parse_config(config)
        key = bytes(parse_pubkey(mint))

        def value() -> dict[str, Any]:
            account = svm.account(key)  # read as it is: the native mint's account too
            if account is None:
                raise invalid_params("Invalid param: could not find account")
            if account.owner not in TOKEN_PROGRAMS:
                raise invalid_params("Invalid param: not a Token mint")
            data = bytes(account.data)
            if not unpacks_as_mint(data):
                raise invalid_params("Invalid param: mint could not be unpacked")
            supply = int.from_bytes(data[MINT_SUPPLY_OFFSET:MINT_DECIMALS_OFFSET], "little")
            return token_amount(supply, data[MINT_DECIMALS_OFFSET])

        return await read(value)

    async def get_token_largest_accounts(mint: Any, config: Any = None) -> dict[str, Any]:
        parse_config(config)
        key = parse_pubkey(mint)

        def value() -> list[dict[str, Any]]:
            decimals = mint_decimals(key)[1]
            balances = [
                (token_account_amount(bytes(account.data)), bytes(pubkey))
                for pubkey, account in token_accounts(None, key, lambda _: True)
            ]
            # Agave keeps the largest (amount, address) pairs: a tie puts the higher address first
            balances.sort(reverse=True)
            return [
                {"address": str(Pubkey.from_bytes(address)), **token_amount(amount, decimals)}
                for amount, address in balances[:LARGEST_ACCOUNTS]
            ]

        return await read(value)

    methods: dict[str, Callable[..., Any]] = {
        "getHealth": get_health,
        "getVersion": get_version,
        "getGenesisHash": get_genesis_hash,
        "getSlot": get_slot,
        "getBlockHeight": get_block_height,
        "getEpochInfo": get_epoch_info,
        "getTransactionCount": get_transaction_count,
        "getLatestBlockhash": get_latest_blockhash,
        "isBlockhashValid": is_blockhash_valid,
        "getBalance": get_balance,
        "getAccountInfo": get_account_info,
        "getMultipleAccounts": get_multiple_accounts,
        "getMinimumBalanceForRentExemption": get_minimum_balance_for_rent_exemption,
        "getFeeForMessage": get_fee_for_message,
        "sendTransaction": send_transaction,
        "simulateTransaction": simulate_transaction,
        "getSignatureStatuses": get_signature_statuses,
        "getTransaction": get_transaction,
        "requestAirdrop": request_airdrop,
        "getProgramAccounts": get_program_accounts,
        "getSignaturesForAddress": get_signatures_for_address,
        "getBlock": get_block,
        "getBlockTime": get_block_time,
        "getEpochSchedule": get_epoch_schedule,
        "getFirstAvailableBlock": get_first_available_block,
        "getBlocks": get_blocks,
        "getBlocksWithLimit": get_blocks_with_limit,
        "getRecentPrioritizationFees": get_recent_prioritization_fees,
        "getTokenAccountsByOwner": get_token_accounts_by_owner,
        "getTokenAccountsByDelegate": get_token_accounts_by_delegate,
        "getTokenAccountBalance": get_token_account_balance,
        "getTokenSupply": get_token_supply,
        "getTokenLargestAccounts": get_token_largest_accounts,
        "getSlotLeader": get_slot_leader,
        "getIdentity": get_identity,
        "getSlotLeaders": get_slot_leaders,
        "getBlockProduction": get_block_production,
        "getSupply": get_supply,
        "getLargestAccounts": get_largest_accounts,
        "getInflationGovernor": get_inflation_governor,
        "getInflationRate": get_inflation_rate,
        "getStakeMinimumDelegation": get_stake_minimum_delegation,
        "getVoteAccounts": get_vote_accounts,
        "minimumLedgerSlot": get_first_available_block,
        "getClusterNodes": get_cluster_nodes,
        "getLeaderSchedule": get_leader_schedule,
        "getRecentPerformanceSamples": get_recent_performance_samples,
        "getHighestSnapshotSlot": get_highest_snapshot_slot,
        "getMaxRetransmitSlot": get_latest_slot,
        "getMaxShredInsertSlot": get_latest_slot,
        "getBlockCommitment": get_block_commitment,
        "getInflationReward": get_inflation_reward,
    }
    for name, handler in methods.items():
        api.rpc_method("", name, handler)


def _slot(value: Any, what: str = "slot") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**64:
        raise invalid_params(f"Invalid params: the {what} must be a u64")
    return value


def _token_balances_json(entries: Any) -> list[dict[str, Any]]:
    """Recorded token balances (``[index, mint, owner, program, amount, decimals]`` each) as
    Solana's ``UiTransactionTokenBalance``."""
    return [
        {
            "accountIndex": index,
            "mint": mint,
            "owner": owner,
            "programId": program,
            "uiTokenAmount": token_amount(int(amount), decimals),
        }
        for index, mint, owner, program, amount, decimals in entries or ()
    ]


def _token_accounts_filter(token_filter: Any) -> tuple[Pubkey | None, Pubkey | None]:
    """``{"mint": <pubkey>}`` or ``{"programId": <pubkey>}`` (a token program) as (program,
    mint), one of them None."""
    if (
        not isinstance(token_filter, dict)
        or len(token_filter) != 1
        or not ({"mint", "programId"} & token_filter.keys())
    ):
        raise invalid_params(
            'Invalid params: expected {"mint": <pubkey>} or {"programId": <pubkey>}'
        )
    if "mint" in token_filter:
        return None, parse_pubkey(token_filter["mint"])
    program = parse_pubkey(token_filter["programId"])
    if program not in TOKEN_PROGRAMS:
        raise invalid_params("Invalid param: unrecognized Token program id")
    return program, None


def _coption(data: bytes, offset: int, size: int) -> bytes | None:
    """A ``COption`` (u32 LE tag, then the value) at ``offset``."""
    tag = int.from_bytes(data[offset : offset + 4], "little")
    return data[offset + 4 : offset + 4 + size] if tag == 1 else None


MintDecimals = Callable[[Pubkey], tuple[Pubkey, int]]
"""(a mint's token program, its decimals); raises ``InvalidParams`` for what is not a mint."""


def parsed_token_data(
    owner: Pubkey, data: bytes, mint_decimals: MintDecimals | None
) -> dict[str, Any] | None:
    """An SPL Token (or Token-2022, without extensions) mint or token account's data as Solana's
    jsonParsed shows it: ``{"program", "parsed": {"info", "type"}, "space"}``; None where it is
    neither, is not initialized, or (a token account) its mint cannot be read."""
    if owner not in TOKEN_PROGRAMS:
        return None
    program = "spl-token-2022" if owner == TOKEN_2022_PROGRAM else "spl-token"
    info: dict[str, Any] | None = None
    kind = "mint"
    if len(data) == MINT_LEN:
        info = _mint_info(data)
    elif len(data) == TOKEN_ACCOUNT_LEN and mint_decimals is not None:
        info, kind = _token_account_info(data, mint_decimals), "account"
    if info is None:
        return None
    return {"program": program, "parsed": {"info": info, "type": kind}, "space": len(data)}


def _mint_info(data: bytes) -> dict[str, Any] | None:
    if not data[MINT_DECIMALS_OFFSET + 1]:  # is_initialized
        return None
    authority = _coption(data, 0, 32)
    freeze = _coption(data, 46, 32)
    return {
        "decimals": data[MINT_DECIMALS_OFFSET],
        "freezeAuthority": None if freeze is None else str(Pubkey.from_bytes(freeze)),
        "isInitialized": True,
        "mintAuthority": None if authority is None else str(Pubkey.from_bytes(authority)),
        "supply": str(int.from_bytes(data[MINT_SUPPLY_OFFSET:MINT_DECIMALS_OFFSET], "little")),
    }


def _token_account_info(data: bytes, mint_decimals: MintDecimals) -> dict[str, Any] | None:
    state = data[TOKEN_ACCOUNT_STATE_OFFSET]
    if state not in (1, 2):
        return None
    try:
        decimals = mint_decimals(Pubkey.from_bytes(data[:32]))[1]
    except InvalidParams:
        return None
    delegate = _coption(data, 72, 32)
    native = _coption(data, 109, 8)
    close = _coption(data, 129, 32)
    info: dict[str, Any] = {
        "isNative": native is not None,
        "mint": str(Pubkey.from_bytes(data[:32])),
        "owner": str(Pubkey.from_bytes(data[32:64])),
        "state": "initialized" if state == 1 else "frozen",
        "tokenAmount": token_amount(token_account_amount(data), decimals),
    }
    if delegate is not None:
        info["delegate"] = str(Pubkey.from_bytes(delegate))
        delegated = int.from_bytes(data[121:129], "little")
        info["delegatedAmount"] = token_amount(delegated, decimals)
    if native is not None:
        info["rentExemptReserve"] = token_amount(int.from_bytes(native, "little"), decimals)
    if close is not None:
        info["closeAuthority"] = str(Pubkey.from_bytes(close))
    return info


def account_filters(filters: Any) -> list[Callable[[bytes], bool]]:
    """``getProgramAccounts`` filters (``dataSize``, ``memcmp``) as predicates on the data."""
    if filters is None:
        return []
    if not isinstance(filters, list):
        raise invalid_params("Invalid params: filters must be an array")
    if len(filters) > MAX_PROGRAM_ACCOUNT_FILTERS:
        raise invalid_params(f"Too many filters provided; max {MAX_PROGRAM_ACCOUNT_FILTERS}")
    out: list[Callable[[bytes], bool]] = []
    for item in filters:
        if not isinstance(item, dict) or len(item) != 1:
            raise invalid_params(f"Invalid param: unsupported filter {item!r}")
        if "dataSize" in item:
            size = item["dataSize"]
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise invalid_params("Invalid param: dataSize must be a u64")
            out.append(_data_size(size))
        elif "memcmp" in item:
            out.append(_memcmp(item["memcmp"]))
        else:
            raise invalid_params(f"Invalid param: unsupported filter {item!r}")
    return out


def _data_size(size: int) -> Callable[[bytes], bool]:
    return lambda data: len(data) == size


def _memcmp(spec: Any) -> Callable[[bytes], bool]:
    if not isinstance(spec, dict):
        raise invalid_params("Invalid param: memcmp must be {offset, bytes}")
    offset, text = spec.get("offset"), spec.get("bytes")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise invalid_params("Invalid param: memcmp offset must be a usize")
    if not isinstance(text, str):
        raise invalid_params("Invalid param: memcmp bytes must be a string")
    encoding = spec.get("encoding") or "base58"
    if encoding == "base58":
        if len(text) > MAX_MEMCMP_BASE58:
            raise invalid_params(
                "Invalid param: encoded binary (base 58) data should be less than 129 bytes"
            )
        try:
            wanted = b58decode(text)
        except ValueError as exc:
            raise invalid_params(f"Invalid param: {exc}") from None
    elif encoding == "base64":
        try:
            wanted = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise invalid_params(f"Invalid param: {exc}") from None
    else:
        raise invalid_params(f"Invalid param: unsupported memcmp encoding {encoding!r}")
    if len(wanted) > MAX_MEMCMP_BYTES:
        raise invalid_params("Invalid param: memcmp data too large (max 128 bytes)")
    return lambda data: data[offset : offset + len(wanted)] == wanted


def _record_err(record: dict[str, Any]) -> Any:
    if record.get("err") is None:
        return None
    return record.get("err_json", record["err"])


def _flag(cfg: dict[str, Any], name: str) -> bool:
    value = cfg.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid_params(f"Invalid params: {name} must be a boolean")
    return value


def _inner_instructions_json(record: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A record's inner instructions as Solana's ``UiInnerInstructions`` of a ``json`` (and binary)
    encoded transaction: compiled, data in base58; None if the record predates them."""
    inner = record.get("inner_instructions")
    if inner is None:
        return None
    return [
        {
            "index": group["index"],
            "instructions": [
                {
                    "programIdIndex": ix["program_id_index"],
                    "accounts": ix["accounts"],
                    "data": b58encode(base64.b64decode(ix["data"])),
                    "stackHeight": ix["stack_height"],
                }
                for ix in group["instructions"]
            ],
        }
        for group in inner
    ]


TRANSACTION_ENCODINGS = ("json", "jsonParsed", "base64", "base58")


def _max_version(cfg: dict[str, Any]) -> int | None:
    value = cfg.get("maxSupportedTransactionVersion")
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 255
    ):
        raise invalid_params("Invalid params: maxSupportedTransactionVersion must be a u8")
    return value


def _transaction_encoding(cfg: dict[str, Any]) -> str:
    encoding = cfg.get("encoding") or "json"
    if encoding not in TRANSACTION_ENCODINGS:
        raise invalid_params(
            f"Invalid params: unsupported encoding {encoding!r}; "
            f"supported: {', '.join(TRANSACTION_ENCODINGS)}"
        )
    return str(encoding)


@dataclass(frozen=True)
class BlockOptions:
    """How a block is answered: ``getBlock``'s config, which ``blockSubscribe`` shares (its
    rewards flag is named ``showRewards``)."""

    encoding: str = "json"
    details: str = "full"  # transactionDetails: one of BLOCK_DETAILS
    rewards: bool = True
    max_version: int | None = None

    @classmethod
    def parse(cls, cfg: dict[str, Any], rewards_key: str = "rewards") -> BlockOptions:
        """Validate ``cfg`` as ``getBlock`` does (``-32602`` for a bad value); null is the
        default, as Solana's optional fields."""
        encoding = _transaction_encoding(cfg)
        details = cfg.get("transactionDetails") or "full"
        if details not in BLOCK_DETAILS:
            raise invalid_params(
                f"Invalid params: unsupported transactionDetails {details!r}; "
                f"supported: {', '.join(BLOCK_DETAILS)}"
            )
        max_version = _max_version(cfg)
        rewards = cfg.get(rewards_key)
        if rewards is None:
            rewards = True
        if not isinstance(rewards, bool):
            raise invalid_params(f"Invalid params: {rewards_key} must be a boolean")
        return cls(str(encoding), str(details), rewards, max_version)

    @property
    def with_transactions(self) -> bool:
        """The answer shows transactions, so their records must be loaded."""
        return self.details in ("full", "accounts")


@dataclass(frozen=True)
class LoadedBlock:
    """A committed block read for an answer: its ``block/`` record, its signatures and, when
    asked for, its transactions' records (loaded on the worker; encoding them is not)."""

    slot: int
    height: int
    record: dict[str, Any]
    signatures: list[str]
    transactions: list[_Recorded]

    def only(self, signatures: Collection[str]) -> LoadedBlock:
        """The block with only the transactions of ``signatures`` (a subscription's filter)."""
        return replace(
            self,
            signatures=[s for s in self.signatures if s in signatures],
            transactions=[t for t in self.transactions if t.record["signature"] in signatures],
        )


def load_block(svm: SvmModule, slot: int, with_transactions: bool) -> LoadedBlock | None:
    """The block of ``slot`` (None if unknown), with its transactions' records if asked for; a
    worker call: it reads the store and lookup tables."""
    height = slot - svm.genesis_slot
    record = svm.block(height)
    if record is None:
        return None
    transactions: list[_Recorded] = []
    if with_transactions:
        for signature in record["signatures"]:
            stored = svm.transaction(bytes(Signature.from_string(signature)))
            if stored is not None:
                transactions.append(_Recorded.load(svm, stored))
    return LoadedBlock(slot, height, record, list(record["signatures"]), transactions)


def block_json(block: LoadedBlock, options: BlockOptions) -> dict[str, Any]:
    """``getBlock``'s answer (Solana's ``UiConfirmedBlock``) for ``block``; Solana's ``-32015``
    for a v0 transaction when ``options`` have no ``maxSupportedTransactionVersion``."""
    record = block.record
    result: dict[str, Any] = {
        "blockHeight": block.height,
        "blockTime": record["block_time"],
        "blockhash": record["blockhash"],
        "parentSlot": record["parent_slot"],
        "previousBlockhash": record["previous_blockhash"],
    }
    details, encoding, rewards = options.details, options.encoding, options.rewards
    if details == "signatures":
        result["signatures"] = list(block.signatures)
    elif details in ("full", "accounts"):
        transactions = []
        for item in block.transactions:
            item.check_version(options.max_version)
            if details == "full":
                transaction, meta = item.transaction(encoding), item.meta(encoding, rewards)
            else:
                transaction, meta = item.accounts(rewards)
            entry: dict[str, Any] = {"transaction": transaction, "meta": meta}
            if options.max_version is not None:
                entry["version"] = item.version()
            transactions.append(entry)
        result["transactions"] = transactions
    if rewards:
        result["rewards"] = []
    return result


class _Recorded:
    """A stored transaction decoded for an answer: its record, the transaction and the keys its
    instructions index (static, then the addresses loaded from lookup tables; None where one
    could not be resolved)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.tx = VersionedTransaction.from_bytes(base64.b64decode(record["tx"]))
        self.legacy = isinstance(self.tx.message, Message)
        self.keys: list[Pubkey | None] = list(self.tx.message.account_keys)

    @classmethod
    def load(cls, svm: SvmModule, record: dict[str, Any]) -> _Recorded:
        """``record`` with the addresses its lookups loaded: as recorded (``loaded_addresses``),
        else as the tables hold them now (a worker call: tables are read)."""
        recorded = cls(record)
        loaded = record.get("loaded_addresses")
        if isinstance(loaded, dict):
            addresses = [*loaded.get("writable", ()), *loaded.get("readonly", ())]
            recorded.keys += [Pubkey.from_string(address) for address in addresses]
        elif address_table_lookups(recorded.tx.message):
            recorded.keys = svm.account_keys(recorded.tx)
        return recorded

    def check_version(self, max_version: int | None) -> None:
        """Solana's refusal of a v0 transaction to a client that did not say it reads them."""
        if not self.legacy and max_version is None:
            raise SolanaRpcError(
                "Transaction version (0) is not supported by the requesting client. Please try the "
                "request again with the following configuration parameter: "
                '"maxSupportedTransactionVersion": 0',
                rpc_code=-32015,
            )

    @property
    def names(self) -> list[str | None]:
        return [None if key is None else str(key) for key in self.keys]

    def loaded_addresses(self) -> dict[str, list[str]]:
        """``meta.loadedAddresses``: the lookups' writable then readonly addresses."""
        message = self.tx.message
        count = len(message.account_keys)
        lookups = address_table_lookups(message)
        writable = sum(len(bytes(lookup.writable_indexes)) for lookup in lookups)
        loaded = self.names[count:]
        return {
            "writable": [k for k in loaded[:writable] if k is not None],
            "readonly": [k for k in loaded[writable:] if k is not None],
        }

    def transaction(self, encoding: str) -> Any:
        """The transaction in ``encoding`` (``EncodedTransaction``)."""
        tx = self.tx
        if encoding == "base64":
            return [base64.b64encode(bytes(tx)).decode(), "base64"]
        if encoding == "base58":
            return [b58encode(bytes(tx)), "base58"]
        message = tx.message
        message_json: dict[str, Any]
        if encoding == "jsonParsed":
            names = self.names
            message_json = {
                "accountKeys": parsed_account_keys(message, self.keys),
                "recentBlockhash": str(message.recent_blockhash),
                "instructions": [
                    ui_instruction(
                        ix.program_id_index, bytes(ix.accounts), bytes(ix.data), names, None
                    )
                    for ix in message.instructions
                ],
            }
        else:
            header = message.header
            message_json = {
                "accountKeys": [str(k) for k in message.account_keys],
                "header": {
                    "numRequiredSignatures": header.num_required_signatures,
                    "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
                    "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
                },
                "recentBlockhash": str(message.recent_blockhash),
                "instructions": [
                    {
                        "programIdIndex": ix.program_id_index,
                        "accounts": list(bytes(ix.accounts)),
                        "data": b58encode(bytes(ix.data)),
                        "stackHeight": None,
                    }
                    for ix in message.instructions
                ],
            }
        if not self.legacy:
            message_json["addressTableLookups"] = [
                {
                    "accountKey": str(lookup.account_key),
                    "writableIndexes": list(bytes(lookup.writable_indexes)),
                    "readonlyIndexes": list(bytes(lookup.readonly_indexes)),
                }
                for lookup in address_table_lookups(message)
            ]
        return {"signatures": [str(s) for s in tx.signatures], "message": message_json}

    def meta(self, encoding: str, rewards: bool = True) -> dict[str, Any]:
        """``meta`` as Solana answers it for ``encoding``: ``jsonParsed`` parses the inner
        instructions and leaves ``loadedAddresses`` out; without ``rewards`` they are null."""
        record = self.record
        err = _record_err(record)
        meta: dict[str, Any] = {
            "err": err,
            "status": {"Ok": None} if err is None else {"Err": err},
            "fee": record["fee"],
            "preBalances": record.get("pre_balances", []),
            "postBalances": record.get("post_balances", []),
        }
        if encoding == "jsonParsed":
            inner = record.get("inner_instructions")
            meta["innerInstructions"] = (
                None if inner is None else parsed_inner_instructions(inner, self.names)
            )
        else:
            meta["innerInstructions"] = _inner_instructions_json(record)
        meta |= {
            "logMessages": record["logs"],
            "preTokenBalances": _token_balances_json(record.get("pre_token_balances")),
            "postTokenBalances": _token_balances_json(record.get("post_token_balances")),
            "rewards": [] if rewards else None,
        }
        if encoding != "jsonParsed":
            meta["loadedAddresses"] = self.loaded_addresses()
        meta |= {
            "returnData": _return_data_json(record.get("return_data")),
            "computeUnitsConsumed": record["compute_units"],
        }
        return meta

    def accounts(self, rewards: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        """``transactionDetails: "accounts"``: the signatures and parsed account keys, and the
        short meta Solana gives them (``build_simple_ui_transaction_status_meta``)."""
        tx = self.tx
        encoded = {
            "signatures": [str(s) for s in tx.signatures],
            "accountKeys": parsed_account_keys(tx.message, self.keys),
        }
        err = _record_err(self.record)
        meta: dict[str, Any] = {
            "err": err,
            "status": {"Ok": None} if err is None else {"Err": err},
            "fee": self.record["fee"],
            "preBalances": self.record.get("pre_balances", []),
            "postBalances": self.record.get("post_balances", []),
            "preTokenBalances": _token_balances_json(self.record.get("pre_token_balances")),
            "postTokenBalances": _token_balances_json(self.record.get("post_token_balances")),
        }
        if rewards:
            meta["rewards"] = []
        return encoded, meta

    def version(self) -> str | int:
        return "legacy" if self.legacy else 0
