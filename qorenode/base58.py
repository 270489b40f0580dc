"""Base58 (Bitcoin's alphabet), as Solana writes public keys and signatures."""

from __future__ import annotations

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(ALPHABET)}


class Base58Error(ValueError):
    pass


def encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(ALPHABET[remainder])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(digits))


def decode(text: str, length: int | None = None) -> bytes:
    """Decode ``text``; with ``length``, refuse anything that is not exactly that many bytes."""
    number = 0
    for char in text:
        value = _INDEX.get(char)
        if value is None:
            raise Base58Error(f"invalid base58 character {char!r}")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    raw = b"\x00" * zeros + body
    if length is not None and len(raw) != length:
        raise Base58Error(f"expected {length} bytes, got {len(raw)}")
    return raw
