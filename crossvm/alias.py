"""Who a cross-VM sender is on another VM (DESIGN §5, "Identity delivered").

A 20-byte account is itself on the EVM and on CosmWasm (the same key signs for both). Any other
sender (a 32-byte CosmWasm contract, an SVM key or program) is represented on the EVM by
``keccak256("qorechain/crossvm/alias" || vm_id || sender)[12:]`` and on CosmWasm by
``sha256("qorechain/crossvm/alias" || vm_id || sender)`` (32 bytes, shown in bech32).
"""

from __future__ import annotations

import hashlib

from eth_hash.auto import keccak

from qorenode.interfaces import VmId

ALIAS_DOMAIN = b"qorechain/crossvm/alias"


def evm_alias(source_vm: VmId, sender: bytes) -> bytes:
    """The 20-byte EVM address that stands for ``sender`` of ``source_vm``."""
    if len(sender) == 20 and source_vm in (VmId.EVM, VmId.COSMWASM):
        return sender
    return bytes(keccak(ALIAS_DOMAIN + bytes([source_vm]) + sender))[12:]


def cosmwasm_alias(source_vm: VmId, sender: bytes) -> bytes:
    """The CosmWasm address (raw bytes) that stands for ``sender`` of ``source_vm``."""
    if len(sender) == 20 and source_vm in (VmId.EVM, VmId.COSMWASM):
        return sender
    return hashlib.sha256(ALIAS_DOMAIN + bytes([source_vm]) + sender).digest()
