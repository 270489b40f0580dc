"""Bech32 (BIP-173) with the qor prefix, and the address parser built on it."""

from __future__ import annotations

import pytest

from qorenode import bech32
from qorenode.addresses import InvalidAddress, parse_address, to_bech32, to_hex

DEV0_HEX = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
DEV0_BECH32 = "qor17w0adeg64ky0daxwd2ugyuneellmjgnxhkv37z"
DEV0 = bytes.fromhex(DEV0_HEX[2:])


def test_dev0_known_vector_both_ways() -> None:
    assert bech32.encode(DEV0) == DEV0_BECH32
    assert bech32.decode(DEV0_BECH32) == DEV0
    assert to_bech32(DEV0) == DEV0_BECH32
    assert to_hex(DEV0) == DEV0_HEX
    assert parse_address(DEV0_BECH32) == parse_address(DEV0_HEX) == DEV0


def test_bip173_vectors() -> None:
    assert bech32.decode("a12uel5l", hrp="a") == b""
    assert bech32.decode("A12UEL5L", hrp="a") == b""  # all upper case is valid
    # data part is the charset in order: the 5-bit values 0..31, i.e. 160 bits
    expected = sum(v << (5 * (31 - v)) for v in range(32)).to_bytes(20, "big")
    assert bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", hrp="abcdef") == expected
    assert bech32.encode(expected, hrp="abcdef") == "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"
    assert bech32.encode(b"", hrp="a") == "a12uel5l"


def test_32_byte_roundtrip() -> None:
    raw = bytes(range(32))
    text = bech32.encode(raw)
    assert text.startswith("qor1")
    assert bech32.decode(text) == raw
    assert parse_address(text) == raw


@pytest.mark.parametrize("position", [4, 10, -1, -6])
def test_checksum_errors(position: int) -> None:
    chars = list(DEV0_BECH32)
    chars[position] = "q" if chars[position] != "q" else "p"
    with pytest.raises(bech32.Bech32Error, match="checksum"):
        bech32.decode("".join(chars))


def test_swapped_characters_fail_the_checksum() -> None:
    chars = list(DEV0_BECH32)
    chars[5], chars[6] = chars[6], chars[5]
    assert chars != list(DEV0_BECH32)
    with pytest.raises(bech32.Bech32Error):
        bech32.decode("".join(chars))


def test_wrong_prefix() -> None:
    cosmos = bech32.encode(DEV0, hrp="cosmos")
    with pytest.raises(bech32.Bech32Error, match="expected prefix 'qor'"):
        bech32.decode(cosmos)
    assert bech32.decode(cosmos, hrp="cosmos") == DEV0
    with pytest.raises(InvalidAddress):
        parse_address(cosmos)


def test_case_rules() -> None:
    assert bech32.decode(DEV0_BECH32.upper()) == DEV0
    mixed = DEV0_BECH32[:10] + DEV0_BECH32[10:].upper()
    with pytest.raises(bech32.Bech32Error, match="mixed case"):
        bech32.decode(mixed)


@pytest.mark.parametrize(
    "text",
    [
        "qor1",  # no data
        "1qqqqqqqq",  # empty prefix
        "qor1qqqqq",  # shorter than a checksum
        "qor1" + "q" * 90,  # over 90 characters
        "qor1" + "b" * 38,  # 'b' is not in the charset
        DEV0_BECH32.replace("1", "", 1),  # no separator
    ],
)
def test_malformed_strings(text: str) -> None:
    with pytest.raises(bech32.Bech32Error):
        bech32.decode(text)


def test_parse_address_rejections() -> None:
    with pytest.raises(InvalidAddress, match="20 bytes"):
        parse_address("0x" + "11" * 19)
    with pytest.raises(InvalidAddress, match="invalid hex"):
        parse_address("0x" + "zz" * 20)
    with pytest.raises(InvalidAddress, match="20 or 32 bytes"):
        parse_address(bech32.encode(b"\x01" * 16))
    assert parse_address("  " + DEV0_BECH32 + "\n") == DEV0
    assert parse_address("0X" + DEV0_HEX[2:]) == DEV0
