"""Bech32 (BIP-173) encoding of account and contract addresses with the ``qor`` prefix."""

from __future__ import annotations

from functools import lru_cache

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
HRP = "qor"


class Bech32Error(ValueError):
    """The string is not a valid bech32 address."""


_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _top_term(top: int) -> int:
    """The generator terms selected by the checksum's top five bits, XORed together."""
    term = 0
    for i in range(5):
        if (top >> i) & 1:
            term ^= _GENERATOR[i]
    return term


_TOP_TERMS = tuple(_top_term(top) for top in range(32))


def _polymod(values: list[int]) -> int:
    checksum = 1
    terms = _TOP_TERMS
    for value in values:
        checksum = ((checksum & 0x1FFFFFF) << 5 ^ value) ^ terms[checksum >> 25]
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << to_bits) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            raise Bech32Error("invalid data value")
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & maxv)
    elif bits >= from_bits or ((acc << (to_bits - bits)) & maxv):
        raise Bech32Error("invalid padding")
    return out


@lru_cache(maxsize=4096)
def encode(data: bytes, hrp: str = HRP) -> str:
    """Encode raw address bytes (20 or 32) as ``hrp1...``."""
    words = _convert_bits(data, 8, 5, True)
    values = _hrp_expand(hrp) + words
    polymod = _polymod([*values, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in words + checksum)


@lru_cache(maxsize=4096)
def decode(address: str, hrp: str = HRP) -> bytes:
    """Decode ``hrp1...`` to raw bytes; raises Bech32Error on any defect."""
    if address.lower() != address and address.upper() != address:
        raise Bech32Error("mixed case")
    address = address.lower()
    pos = address.rfind("1")
    if pos < 1 or pos + 7 > len(address) or len(address) > 90:
        raise Bech32Error("bad separator position or length")
    if address[:pos] != hrp:
        raise Bech32Error(f"expected prefix {hrp!r}, got {address[:pos]!r}")
    try:
        data = [CHARSET.index(c) for c in address[pos + 1 :]]
    except ValueError as exc:
        raise Bech32Error("invalid character") from exc
    if _polymod(_hrp_expand(hrp) + data) != 1:
        raise Bech32Error("bad checksum")
    return bytes(_convert_bits(data[:-6], 5, 8, False))
