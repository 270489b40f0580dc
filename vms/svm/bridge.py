"""The SVM side of x/crossvm's asynchronous queue: the CrossVM bridge program's instructions.

The bridge (native/svm/programs/bridge.c, DESIGN.md section 5) takes two instructions:

    0 Submit   0 | target_vm u8 | target_len u16 LE | target | payload
               accounts: 0 the sender (signer)
    1 Deliver  1 | source_vm u8 | sender_len u8 | sender | alias_bump u8 | payload
               accounts: 0 the CrossVM authority (signer), 1 the sender's alias PDA,
               2 the target program, 3.. passed through to the target

The bridge records nothing: the node reads every ``Submit`` from a transaction's top-level and
inner (CPI) instructions (``extract_submissions``) and hands them to x/crossvm (``CrossVmQueue``).
A delivery is a transaction the node builds and the authority signs (``deliver_transaction``).
"""

from __future__ import annotations

import functools
import hashlib
import struct
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from nacl.signing import SigningKey
from solders.compute_budget import set_compute_unit_limit
from solders.hash import Hash
from solders.instruction import AccountMeta, CompiledInstruction, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import InnerInstruction

from qorenode.interfaces import BlockContext, BridgeSubmission

SUBMIT, DELIVER = 0, 1
MAX_COMPUTE_UNITS = 1_400_000  # Solana's per-transaction ceiling
ALIAS_SEED = b"alias"
DELIVER_BLOCKHASH_DOMAIN = b"qorenode/crossvm/deliver"


class CrossVmQueue(Protocol):
    """x/crossvm as the SVM adapter uses it: check, then queue, the bridge's Submits."""

    def check_svm_submissions(self, submissions: Sequence[BridgeSubmission]) -> None:
        """Raise a ``NodeError`` (code, codespace, message) if x/crossvm would refuse them."""

    def submit_from_svm(
        self, block: BlockContext, submissions: Sequence[BridgeSubmission], signature: bytes
    ) -> list[int]:
        """Queue them (submitted by the SVM transaction ``signature``); their message ids."""


# -- instruction data ---------------------------------------------------------------------------


def encode_submit(target_vm: int, target: str | bytes, payload: bytes) -> bytes:
    """A ``Submit`` instruction's data."""
    raw = target.encode() if isinstance(target, str) else target
    return bytes([SUBMIT, target_vm]) + struct.pack("<H", len(raw)) + raw + payload


def decode_submit(data: bytes) -> tuple[int, str, bytes] | None:
    """``(target_vm, target, payload)`` of a ``Submit``'s data; None if it is not one (or does
    not parse: the bridge would have refused it)."""
    if len(data) < 4 or data[0] != SUBMIT:
        return None
    target_vm = data[1]
    (length,) = struct.unpack_from("<H", data, 2)
    if len(data) < 4 + length:
        return None
    try:
        target = data[4 : 4 + length].decode("ascii")
    except UnicodeDecodeError:
        return None
    return target_vm, target, data[4 + length :]


def encode_deliver(source_vm: int, sender: bytes, bump: int, payload: bytes) -> bytes:
    """A ``Deliver`` instruction's data."""
    return bytes([DELIVER, source_vm, len(sender)]) + sender + bytes([bump]) + payload


@functools.lru_cache(maxsize=4096)
def alias_address(bridge: Pubkey, source_vm: int, sender: bytes) -> tuple[Pubkey, int]:
    """The alias PDA of ``sender`` of ``source_vm`` under the bridge, and its canonical bump
    (remembered: the same senders come back, and the search for the bump is not free)."""
    return Pubkey.find_program_address([ALIAS_SEED, bytes([source_vm]), sender], bridge)


# -- deliveries ---------------------------------------------------------------------------------


def deliver_blockhash(message_id: int) -> Hash:
    """The recent blockhash of message ``message_id``'s delivery: unique per message, so every
    delivery has its own (deterministic) signature. LiteSVM's blockhash check is off; the node
    checks only user transactions' blockhashes."""
    return Hash(hashlib.sha256(DELIVER_BLOCKHASH_DOMAIN + message_id.to_bytes(8, "big")).digest())


def deliver_instructions(
    bridge: Pubkey,
    authority: Pubkey,
    source_vm: int,
    sender: bytes,
    program: Pubkey,
    accounts: Sequence[tuple[bytes, bool]],
    data: bytes,
    compute_limit: int,
) -> list[Instruction]:
    """SetComputeUnitLimit, then the bridge's ``Deliver``.

    The target sees ``[alias PDA (signer), *accounts]`` exactly as the message lists them
    (positions kept, duplicates included: Solana allows an account twice in an instruction and
    gives every occurrence the union of its privileges); the alias is writable only if the
    message lists it writable, and no pass-through account ever signs (the bridge sees to it).
    """
    alias, bump = alias_address(bridge, source_vm, sender)
    alias_writable = any(key == bytes(alias) and writable for key, writable in accounts)
    metas = [
        AccountMeta(authority, True, True),
        AccountMeta(alias, False, alias_writable),
        AccountMeta(program, False, False),
        *(AccountMeta(Pubkey.from_bytes(key), False, writable) for key, writable in accounts),
    ]
    units = max(0, min(compute_limit, MAX_COMPUTE_UNITS))
    return [
        set_compute_unit_limit(units),
        Instruction(bridge, encode_deliver(source_vm, sender, bump, data), metas),
    ]


class AuthoritySigner:
    """The CrossVM authority's key as deliveries use it: libsodium (PyNaCl) signs the message,
    the same ed25519 signature solders' ``Keypair`` makes, in a quarter of the time (one
    signature per cross-VM message towards the SVM)."""

    def __init__(self, keypair: Keypair) -> None:
        self.pubkey = keypair.pubkey()
        self._signing_key = SigningKey(bytes(keypair)[:32])

    def sign(self, message: bytes) -> Signature:
        return Signature.from_bytes(self._signing_key.sign(message).signature)


def deliver_transaction(
    authority: AuthoritySigner,
    bridge: Pubkey,
    message_id: int,
    source_vm: int,
    sender: bytes,
    program: Pubkey,
    accounts: Sequence[tuple[bytes, bool]],
    data: bytes,
    compute_limit: int,
) -> VersionedTransaction:
    """Message ``message_id``'s delivery: a legacy transaction paid and signed by the authority."""
    instructions = deliver_instructions(
        bridge, authority.pubkey, source_vm, sender, program, accounts, data, compute_limit
    )
    blockhash = deliver_blockhash(message_id)
    message = Message.new_with_blockhash(instructions, authority.pubkey, blockhash)
    return VersionedTransaction.populate(message, [authority.sign(bytes(message))])


# -- reading Submits back -----------------------------------------------------------------------


def may_reach_bridge(message: Any, bridge: Pubkey | None) -> bool:
    """Whether a transaction can invoke the bridge at all: the bridge is one of its static keys,
    or it loads accounts from lookup tables (a CPI callee must be among the accounts)."""
    if bridge is None:
        return False
    if getattr(message, "address_table_lookups", None):
        return True
    return bridge in message.account_keys


TableAddresses = Callable[[Pubkey], Sequence[Pubkey] | None]


def resolve_account_keys(message: Any, table_addresses: TableAddresses) -> list[Pubkey | None]:
    """The transaction's account keys as instruction indexes count them: static keys, then every
    lookup's writable addresses, then every lookup's readonly ones (None where a table or index
    is missing: such a transaction does not load)."""
    keys: list[Pubkey | None] = list(message.account_keys)
    lookups = list(getattr(message, "address_table_lookups", None) or [])
    if not lookups:
        return keys
    tables = [table_addresses(lookup.account_key) for lookup in lookups]
    for field in ("writable_indexes", "readonly_indexes"):
        for lookup, addresses in zip(lookups, tables, strict=True):
            for index in bytes(getattr(lookup, field)):
                ok = addresses is not None and index < len(addresses)
                keys.append(addresses[index] if ok else None)  # type: ignore[index]
    return keys


def extract_submissions(
    instructions: Sequence[CompiledInstruction],
    inner: Sequence[Sequence[InnerInstruction]],
    keys: Sequence[Pubkey | None],
    bridge: Pubkey,
) -> list[BridgeSubmission]:
    """Every ``Submit`` to the bridge in execution order: top-level instruction i, then its inner
    instructions. ``program`` is the caller of a CPI Submit: the nearest instruction before it one
    stack level up (the top-level instruction's program for stack height 2)."""
    return [s for _, s in iter_submissions(instructions, inner, keys, bridge)]


def iter_submissions(
    instructions: Sequence[CompiledInstruction],
    inner: Sequence[Sequence[InnerInstruction]],
    keys: Sequence[Pubkey | None],
    bridge: Pubkey,
) -> Iterator[tuple[int, BridgeSubmission]]:
    """``extract_submissions``, each with the index of its top-level instruction."""

    def key(index: int) -> Pubkey | None:
        return keys[index] if index < len(keys) else None

    for position, top in enumerate(instructions):
        # (stack height, program) of the instructions seen so far under this top-level one
        stack: list[tuple[int, Pubkey | None]] = [(1, key(top.program_id_index))]
        submission = _submission(top, key, None, bridge)
        if submission is not None:
            yield position, submission
        for entry in inner[position] if position < len(inner) else ():
            compiled = entry.instruction()
            height = entry.stack_height() or 2
            caller = next((p for h, p in reversed(stack) if h == height - 1), stack[0][1])
            stack.append((height, key(compiled.program_id_index)))
            submission = _submission(compiled, key, caller, bridge)
            if submission is not None:
                yield position, submission


def _submission(
    compiled: CompiledInstruction,
    key: Callable[[int], Pubkey | None],
    caller: Pubkey | None,
    bridge: Pubkey,
) -> BridgeSubmission | None:
    if key(compiled.program_id_index) != bridge:
        return None
    decoded = decode_submit(bytes(compiled.data))
    accounts = bytes(compiled.accounts)
    sender = key(accounts[0]) if accounts else None
    if decoded is None or sender is None:
        return None
    target_vm, target, payload = decoded
    return BridgeSubmission(
        sender=bytes(sender),
        target_vm=target_vm,
        target=target,
        payload=payload,
        program=None if caller is None else bytes(caller),
    )
