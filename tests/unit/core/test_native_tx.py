"""Native transactions: canonical JSON, signing, decoding and every rejection."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_hash.auto import keccak
from eth_keys import keys

from qorenode.errors import InvalidSignature, MalformedTransaction, WrongChainId
from qorenode.keys import dev_key
from qorenode.native_tx import (
    MAX_TX_BYTES,
    build_native_tx,
    canonical_json,
    decode_native_tx,
    sign_bytes,
    sign_native_tx,
    tx_hash,
)

CHAIN = "qorenode-devnet-1"
DEV0 = dev_key(0)
DEV1 = dev_key(1)
SEND = {
    "@type": "/cosmos.bank.v1beta1.MsgSend",
    "from_address": DEV0.bech32_address,
    "to_address": DEV1.bech32_address,
    "amount": [{"denom": "aqor", "amount": "5"}],
}


def unsigned(**overrides: Any) -> dict[str, Any]:
    tx = build_native_tx(CHAIN, DEV0.address, 3, [SEND], gas_limit=150_000, memo="hi")
    tx.update(overrides)
    return tx


def signed(**overrides: Any) -> dict[str, Any]:
    return sign_native_tx(unsigned(**overrides), DEV0.private_key)


# -- canonical form -----------------------------------------------------------------------------


def test_canonical_json_sorted_compact_utf8() -> None:
    obj = {"b": 1, "a": {"z": [1, 2], "y": "é ☃"}, "c": None}
    text = canonical_json(obj)
    assert text == '{"a":{"y":"é ☃","z":[1,2]},"b":1,"c":null}'.encode()
    assert b"\\u" not in text  # not ASCII-escaped
    assert canonical_json(json.loads(text)) == text


def test_build_native_tx_shape() -> None:
    tx = unsigned()
    assert tx == {
        "chain_id": CHAIN,
        "sender": DEV0.bech32_address,
        "nonce": "3",
        "gas_limit": "150000",
        "msgs": [SEND],
        "memo": "hi",
    }


def test_sign_bytes_and_hash() -> None:
    tx = signed()
    body = {k: v for k, v in tx.items() if k != "signature"}
    assert sign_bytes(tx) == sign_bytes(body) == bytes(keccak(canonical_json(body)))
    assert tx_hash(tx) == bytes(keccak(canonical_json(tx)))
    assert tx_hash(tx) != sign_bytes(tx)
    # key order in the object does not change either
    reordered = dict(reversed(list(tx.items())))
    assert tx_hash(reordered) == tx_hash(tx)


# -- sign / decode ------------------------------------------------------------------------------


def test_sign_then_decode_roundtrip() -> None:
    tx = signed()
    sig = bytes.fromhex(tx["signature"][2:])
    assert len(sig) == 65 and sig[64] in (0, 1)
    decoded = decode_native_tx(tx, CHAIN)
    assert decoded.signer == DEV0.address
    assert decoded.nonce == 3
    assert decoded.gas_limit == 150_000
    assert decoded.msgs == [SEND]
    assert decoded.hash == tx_hash(tx)
    assert decoded.body is tx


def test_decode_through_json_text() -> None:
    tx = json.loads(json.dumps(signed(), indent=4))
    assert decode_native_tx(tx, CHAIN).signer == DEV0.address


def test_integer_nonce_and_default_gas_limit() -> None:
    body = unsigned(nonce=7)
    del body["gas_limit"]
    del body["memo"]
    decoded = decode_native_tx(sign_native_tx(body, DEV0.private_key), CHAIN)
    assert decoded.nonce == 7
    assert decoded.gas_limit == 2_000_000


def test_v_27_28_accepted() -> None:
    tx = signed()
    sig = bytearray.fromhex(tx["signature"][2:])
    sig[64] += 27
    tx["signature"] = sig.hex()  # also without 0x
    assert decode_native_tx(tx, CHAIN).signer == DEV0.address


# -- rejections ---------------------------------------------------------------------------------


def test_wrong_chain_id() -> None:
    tx = sign_native_tx(unsigned(chain_id="other-chain"), DEV0.private_key)
    with pytest.raises(WrongChainId, match="other-chain"):
        decode_native_tx(tx, CHAIN)


@pytest.mark.parametrize(
    "signature",
    ["0xzz", "0x" + "11" * 64, "0x" + "11" * 66, "", "0x" + "00" * 65, 12345],
)
def test_bad_or_short_signature(signature: Any) -> None:
    tx = signed()
    tx["signature"] = signature
    with pytest.raises(InvalidSignature):
        decode_native_tx(tx, CHAIN)


def test_bad_recovery_byte() -> None:
    tx = signed()
    sig = bytearray.fromhex(tx["signature"][2:])
    sig[64] = 5
    tx["signature"] = "0x" + sig.hex()
    with pytest.raises(InvalidSignature):
        decode_native_tx(tx, CHAIN)


def test_signature_by_another_key() -> None:
    tx = sign_native_tx(unsigned(), DEV1.private_key)  # sender says dev0
    with pytest.raises(InvalidSignature, match="not the sender"):
        decode_native_tx(tx, CHAIN)


def test_tampered_body_recovers_someone_else() -> None:
    tx = signed()
    tx["nonce"] = "4"
    with pytest.raises(InvalidSignature):
        decode_native_tx(tx, CHAIN)


@pytest.mark.parametrize("field", ["chain_id", "sender", "nonce", "msgs", "signature"])
def test_missing_fields(field: str) -> None:
    tx = signed()
    del tx[field]
    with pytest.raises(MalformedTransaction, match=f"lacks '{field}'"):
        decode_native_tx(tx, CHAIN)


def test_unknown_fields() -> None:
    tx = signed()
    tx["fee"] = "1"
    tx["extra"] = True
    with pytest.raises(MalformedTransaction, match="unknown envelope fields: extra, fee"):
        decode_native_tx(tx, CHAIN)


@pytest.mark.parametrize("nonce", [-1, 1.5, "abc", "-1", "1e3", "", None, True, [1], "²", "\u0661"])
def test_bad_nonce_type(nonce: Any) -> None:
    tx = sign_native_tx(unsigned(nonce=nonce), DEV0.private_key)
    with pytest.raises(MalformedTransaction, match="nonce"):
        decode_native_tx(tx, CHAIN)


@pytest.mark.parametrize("gas_limit", [-5, "x", False])
def test_bad_gas_limit(gas_limit: Any) -> None:
    tx = sign_native_tx(unsigned(gas_limit=gas_limit), DEV0.private_key)
    with pytest.raises(MalformedTransaction, match="gas_limit"):
        decode_native_tx(tx, CHAIN)


@pytest.mark.parametrize("msgs", [{"@type": "x"}, "msgs", [], None])
def test_msgs_must_be_a_non_empty_list(msgs: Any) -> None:
    tx = sign_native_tx(unsigned(msgs=msgs), DEV0.private_key)
    with pytest.raises(MalformedTransaction, match="non-empty list"):
        decode_native_tx(tx, CHAIN)


@pytest.mark.parametrize("msg", [{"from_address": "x"}, "text", {"@type": 5}])
def test_every_message_needs_a_type(msg: Any) -> None:
    tx = sign_native_tx(unsigned(msgs=[SEND, msg]), DEV0.private_key)
    with pytest.raises(MalformedTransaction, match="@type"):
        decode_native_tx(tx, CHAIN)


def test_memo_must_be_a_string() -> None:
    tx = sign_native_tx(unsigned(memo=5), DEV0.private_key)
    with pytest.raises(MalformedTransaction, match="memo"):
        decode_native_tx(tx, CHAIN)


@pytest.mark.parametrize("sender", ["qor1notanaddress", "0x1234", 42, None])
def test_bad_sender(sender: Any) -> None:
    tx = sign_native_tx(unsigned(sender=sender), DEV0.private_key)
    with pytest.raises(MalformedTransaction, match="sender"):
        decode_native_tx(tx, CHAIN)


def test_hex_sender_is_accepted() -> None:
    tx = sign_native_tx(unsigned(sender=DEV0.hex_address), DEV0.private_key)
    assert decode_native_tx(tx, CHAIN).signer == DEV0.address


def test_over_size() -> None:
    tx = sign_native_tx(unsigned(memo="m" * MAX_TX_BYTES), DEV0.private_key)
    with pytest.raises(MalformedTransaction, match="over"):
        decode_native_tx(tx, CHAIN)


@pytest.mark.parametrize("tx", [[], "tx", None, 5])
def test_not_an_object(tx: Any) -> None:
    with pytest.raises(MalformedTransaction, match="JSON object"):
        decode_native_tx(tx, CHAIN)


def test_recovered_key_is_the_signers() -> None:
    tx = signed()
    sig = keys.Signature(bytes.fromhex(tx["signature"][2:]))
    public = sig.recover_public_key_from_msg_hash(sign_bytes(tx))
    assert public.to_canonical_address() == DEV0.address
