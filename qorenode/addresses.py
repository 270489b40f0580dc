"""Account addresses: one 20-byte key is one user, 0x-hex on the EVM and qor1 bech32 elsewhere."""

from __future__ import annotations

from eth_utils import to_checksum_address

from qorenode import bech32
from qorenode.errors import InvalidParams


class InvalidAddress(InvalidParams):
    code = 25


def parse_address(text: str) -> bytes:
    """Parse a 0x-hex (20 bytes) or qor1 bech32 (20 or 32 bytes) address to raw bytes."""
    if not isinstance(text, str):  # a JSON-RPC parameter can be anything
        raise InvalidAddress(f"an address must be a string, got {type(text).__name__}")
    text = text.strip()
    if text.startswith(("0x", "0X")):
        try:
            raw = bytes.fromhex(text[2:])
        except ValueError as exc:
            raise InvalidAddress(f"invalid hex address {text!r}") from exc
        if len(raw) != 20:
            raise InvalidAddress(f"hex address must be 20 bytes, got {len(raw)}")
        return raw
    try:
        raw = bech32.decode(text)
    except bech32.Bech32Error as exc:
        raise InvalidAddress(f"invalid address {text!r}: {exc}") from exc
    if len(raw) not in (20, 32):
        raise InvalidAddress(f"address must be 20 or 32 bytes, got {len(raw)}")
    return raw


def to_bech32(raw: bytes) -> str:
    return bech32.encode(raw)


def to_hex(raw: bytes) -> str:
    """Checksummed 0x form of a 20-byte address."""
    return str(to_checksum_address(raw))
