"""vms.cosmwasm.crypto: cosmwasm-crypto 2.x semantics with real vectors (fast: few pairings)."""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Callable

import coincurve
import nacl.signing
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from py_ecc.bls.point_compression import modular_squareroot_in_FQ2
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
from py_ecc.optimized_bls12_381 import (
    G1,
    G2,
    Z1,
    add,
    b2,
    curve_order,
    eq,
    field_modulus,
    is_inf,
    multiply,
    normalize,
)

from vms.cosmwasm import crypto
from vms.cosmwasm.crypto import (
    CryptoError,
    SectionsError,
    decode_sections,
    encode_sections,
)

N_K1 = crypto.SECP256K1_N
N_R1 = crypto.SECP256R1_N
Q = field_modulus


def code_of(fn: Callable[..., object], *args: object) -> int:
    with pytest.raises(CryptoError) as info:
        fn(*args)
    return info.value.code


def with_s(signature: bytes, s: int) -> bytes:
    return signature[:32] + s.to_bytes(32, "big")


# --- error codes ---------------------------------------------------------------------------------


def test_error_codes_match_cosmwasm_crypto() -> None:
    assert crypto.InvalidHashFormat.code == 3
    assert crypto.InvalidSignatureFormat.code == 4
    assert crypto.InvalidPubkeyFormat.code == 5
    assert crypto.InvalidRecoveryParam.code == 6
    assert crypto.BatchError.code == 7
    assert crypto.InvalidPoint.code == 8
    assert crypto.UnknownHashFunction.code == 9
    assert crypto.GenericError.code == 10
    assert crypto.NotMultipleG1.code == 11
    assert crypto.NotMultipleG2.code == 12
    assert crypto.UnequalPointAmount.code == 13
    assert crypto.EmptyG1.code == 14
    assert crypto.EmptyG2.code == 15
    assert crypto.AggregationEmpty.code == 16
    assert crypto.AggregationNotMultiple.code == 17
    assert issubclass(crypto.NotMultipleG1, CryptoError)
    assert not issubclass(SectionsError, CryptoError)


# --- sections ------------------------------------------------------------------------------------


def test_sections_vectors_of_cosmwasm_vm() -> None:
    assert encode_sections([]) == b""
    assert encode_sections([b""]) == b"\0\0\0\0"
    assert encode_sections([b"\xaa", b"\xde\xde", b""]) == (
        b"\xaa\0\0\0\x01\xde\xde\0\0\0\x02\0\0\0\0"
    )
    assert decode_sections(b"") == []
    assert decode_sections(b"\0\0\0\0\0\0\0\0") == [b"", b""]
    assert decode_sections(b"\xde\xef\x62\0\0\0\x03\0\0\0\0") == [b"\xde\xef\x62", b""]
    data = b"\xaa\0\0\0\x01\xde\xde\0\0\0\x02\0\0\0\0" + b"\xff" * 19 + b"\0\0\0\x13"
    assert decode_sections(data) == [b"\xaa", b"\xde\xde", b"", b"\xff" * 19]
    items = [b"x" * 277, b"", b"\x00\x00\x00\x04"]
    assert decode_sections(encode_sections(items)) == items


@pytest.mark.parametrize(
    "data",
    [b"\x00", b"\0\0\0", b"\xaa\0\0\0\x02", b"\x01\0\0\0\0", b"\0\0\0\0\xff\xff\xff\xff"],
)
def test_decode_sections_rejects_malformed_data(data: bytes) -> None:
    with pytest.raises(SectionsError):
        decode_sections(data)


# --- secp256k1 -----------------------------------------------------------------------------------


def k1_sign(key: coincurve.PrivateKey, message_hash: bytes) -> tuple[bytes, int]:
    recoverable = key.sign_recoverable(message_hash, hasher=None)
    return recoverable[:64], recoverable[64]


def test_secp256k1_verify_real_signatures() -> None:
    key = coincurve.PrivateKey()
    message_hash = hashlib.sha256(b"Hello World!").digest()
    signature, _ = k1_sign(key, message_hash)
    compressed = key.public_key.format(compressed=True)
    uncompressed = key.public_key.format(compressed=False)
    assert crypto.secp256k1_verify(message_hash, signature, compressed)
    assert crypto.secp256k1_verify(message_hash, signature, uncompressed)
    bad_hash = hashlib.sha256(b"Hello World!\0").digest()
    assert not crypto.secp256k1_verify(bad_hash, signature, uncompressed)
    other = coincurve.PrivateKey().public_key.format()
    assert not crypto.secp256k1_verify(message_hash, signature, other)
    # high-S is normalised and accepted, as cosmwasm does
    s = int.from_bytes(signature[32:], "big")
    assert crypto.secp256k1_verify(message_hash, with_s(signature, N_K1 - s), compressed)


def test_secp256k1_verify_cosmos_vector() -> None:
    pubkey = base64.b64decode("A08EGB7ro1ORuFhjOnZcSgwYlpe0DSFjVNUIkNNQxwKQ")
    message = bytes.fromhex(
        "0a93010a90010a1c2f636f736d6f732e62616e6b2e763162657461312e4d736753656e6412700a2d636f"
        "736d6f7331706b707472653766646b6c366766727a6c65736a6a766878686c63337234676d6d6b38727336"
        "122d636f736d6f7331717970717870713971637273737a673270767871367273307a716733797963356c7a"
        "763778751a100a0575636f736d12073132333435363712650a4e0a460a1f2f636f736d6f732e6372797074"
        "6f2e736563703235366b312e5075624b657912230a21034f04181eeba35391b858633a765c4a0c189697b4"
        "0d216354d50890d350c7029012040a02080112130a0d0a0575636f736d12043230303010c09a0c1a0c7369"
        "6d642d74657374696e672001"
    )
    signature = bytes.fromhex(
        "c9dd20e07464d3a688ff4b710b1fbc027e495e797cfa0b4804da2ed117959227"
        "772de059808f765aa29b8f92edf30f4c2c5a438e30d3fe6897daa7141e3ce6f9"
    )
    assert crypto.secp256k1_verify(hashlib.sha256(message).digest(), signature, pubkey)


def test_secp256k1_verify_error_codes() -> None:
    key = coincurve.PrivateKey()
    message_hash = bytes(range(32))
    signature, _ = k1_sign(key, message_hash)
    pubkey = key.public_key.format()
    verify = crypto.secp256k1_verify
    assert code_of(verify, message_hash[:31], signature, pubkey) == 3
    assert code_of(verify, message_hash + b"\0", signature, pubkey) == 3
    assert code_of(verify, message_hash, signature[:63], pubkey) == 4
    assert code_of(verify, message_hash, signature, b"") == 5
    assert code_of(verify, message_hash, signature, pubkey[:32]) == 5
    assert code_of(verify, message_hash, signature, b"\x04" + pubkey[1:]) == 5
    assert code_of(verify, message_hash, signature, b"\x05" + bytes(64)) == 5
    # format errors come in the order hash, signature, pubkey
    assert code_of(verify, b"", b"", b"") == 3
    assert code_of(verify, message_hash, b"", b"") == 4
    # well-formed but invalid key / scalars: GenericErr (10), not "invalid" (1)
    assert code_of(verify, bytes([0x22] * 32), bytes([0x22] * 64), bytes([0x04] * 65)) == 10
    assert code_of(verify, message_hash, with_s(signature, 0), pubkey) == 10
    assert code_of(verify, message_hash, with_s(signature, N_K1), pubkey) == 10
    assert code_of(verify, message_hash, bytes(32) + signature[32:], pubkey) == 10


def test_secp256k1_recover_pubkey_returns_the_signer() -> None:
    for _ in range(3):
        key = coincurve.PrivateKey()
        message_hash = hashlib.sha256(key.secret).digest()
        signature, v = k1_sign(key, message_hash)
        expected = key.public_key.format(compressed=False)
        assert crypto.secp256k1_recover_pubkey(message_hash, signature, v) == expected
        assert crypto.secp256k1_recover_pubkey(message_hash, signature, 1 - v) != expected
        # high-S with the flipped parity recovers the same key
        s = int.from_bytes(signature[32:], "big")
        high = with_s(signature, N_K1 - s)
        assert crypto.secp256k1_recover_pubkey(message_hash, high, 1 - v) == expected


def test_secp256k1_recover_pubkey_cosmwasm_vectors() -> None:
    cases = [
        (
            "5ae8317d34d1e595e3fa7247db80c0af4320cce1116de187f8f7e2e099c0d8d0",
            "45c0b7f8c09a9e1f1cea0c25785594427b6bf8f9f878a8af0b1abbb48e16d092"
            "0d8becd0c220f67c51217eecfd7184ef0732481c843857e6bc7fc095c4f6b788",
            1,
            "044a071e8a6e10aada2b8cf39fa3b5fb3400b04e99ea8ae64ceea1a977dbeaf5d5"
            "f8c8fbd10b71ab14cd561f7df8eb6da50f8a8d81ba564342244d26d1d4211595",
        ),
        (  # botan vector, a high-S signature
            "ff" * 32,
            "e30f2e6a0f705f4fb5f8501ba79c7c0d3fac847f1ad70b873e9797b17b89b390"
            "81f1a4457589f30d76ab9f89e748a68c8a94c30fe0bac8fb5c0b54ea70bf6d2f",
            0,
            "04f3f8bb913aa68589a2c8c607a877ab05252adbd963e1be846ddeb8456942aedc"
            "a2ed51f08ca3ef3dac0a7504613d54cd539fc1b3cbc92453cd704b6a2d012b2c",
        ),
    ]
    for message_hash, signature, param, expected in cases:
        recovered = crypto.secp256k1_recover_pubkey(
            bytes.fromhex(message_hash), bytes.fromhex(signature), param
        )
        assert recovered.hex() == expected


def test_secp256k1_recover_pubkey_error_codes() -> None:
    key = coincurve.PrivateKey()
    message_hash = bytes(32)
    signature, v = k1_sign(key, message_hash)
    recover = crypto.secp256k1_recover_pubkey
    assert code_of(recover, message_hash[:31], signature, v) == 3
    assert code_of(recover, message_hash, signature[:63], v) == 4
    for param in (2, 3, 4, 255, 0xFFFFFFFF):
        assert code_of(recover, message_hash, signature, param) == 6
    assert code_of(recover, b"", b"", 7) == 3  # hash checked before the param
    assert code_of(recover, message_hash, with_s(signature, 0), v) == 10
    assert code_of(recover, message_hash, bytes(32) + signature[32:], v) == 10


# --- secp256r1 -----------------------------------------------------------------------------------


def r1_sign(key: ec.EllipticCurvePrivateKey, message_hash: bytes) -> bytes:
    der = key.sign(message_hash, ec.ECDSA(Prehashed(hashes.SHA256())))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def r1_pubkey(key: ec.EllipticCurvePrivateKey, compressed: bool = False) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    fmt = PublicFormat.CompressedPoint if compressed else PublicFormat.UncompressedPoint
    return key.public_key().public_bytes(Encoding.X962, fmt)


def test_secp256r1_verify_real_signatures() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    message_hash = hashlib.sha256(b"Hello World!").digest()
    signature = r1_sign(key, message_hash)
    assert crypto.secp256r1_verify(message_hash, signature, r1_pubkey(key))
    assert crypto.secp256r1_verify(message_hash, signature, r1_pubkey(key, compressed=True))
    bad_hash = hashlib.sha256(b"Hello World!\0").digest()
    assert not crypto.secp256r1_verify(bad_hash, signature, r1_pubkey(key))
    other = r1_pubkey(ec.generate_private_key(ec.SECP256R1()))
    assert not crypto.secp256r1_verify(message_hash, signature, other)
    s = int.from_bytes(signature[32:], "big")
    assert crypto.secp256r1_verify(message_hash, with_s(signature, N_R1 - s), r1_pubkey(key))


R1_FIPS_PUBKEY = bytes.fromhex(
    "041ccbe91c075fc7f4f033bfa248db8fccd3565de94bbfb12f3c59ff46c271bf83"
    "ce4014c68811f9a21a1fdb2c0e6113e06db7ca93b7404e78dc7ccd5ca89a4ca9"
)
R1_FIPS_MESSAGE = bytes.fromhex(
    "5905238877c77421f73e43ee3da6f2d9e2ccad5fc942dcec0cbd25482935faaf416983fe165b1a045ee2bcd2"
    "e6dca3bdf46c4310a7461f9a37960ca672d3feb5473e253605fb1ddfd28065b53cb5858a8ad28175bf9bd386"
    "a5e471ea7a65c17cc934a9d791e91491eb3754d03799790fe2d308d16146d5c9b0d0debd97d79ce8"
)
R1_FIPS_SIGNATURE = bytes.fromhex(
    "f3ac8061b514795b8843e3d6629527ed2afd6b1f6a555a7acabb5e6f79c8c2ac"
    "8bf77819ca05a6b2786c76262bf7371cef97b218e96f175a3ccdda2acc058903"
)


def test_secp256r1_fips_vector() -> None:
    message_hash = hashlib.sha256(R1_FIPS_MESSAGE).digest()
    assert crypto.secp256r1_verify(message_hash, R1_FIPS_SIGNATURE, R1_FIPS_PUBKEY)
    recovered = [
        crypto.secp256r1_recover_pubkey(message_hash, R1_FIPS_SIGNATURE, i) for i in (0, 1)
    ]
    assert R1_FIPS_PUBKEY in recovered


def test_secp256r1_recover_cosmwasm_vm_vector() -> None:
    recovered = crypto.secp256r1_recover_pubkey(
        bytes.fromhex("12135386c09e0bf6fd5c454a95bcfe9b3edb25c71e455c73a212405694b29002"),
        bytes.fromhex(
            "b53ce4da1aa7c0dc77a1896ab716b921499aed78df725b1504aba1597ba0c64b"
            "d7c246dc7ad0e67700c373edcfdd1c0a0495fc954549ad579df6ed1438840851"
        ),
        0,
    )
    assert recovered.hex() == (
        "040a7dbb8bf50cb605eb2268b081f26d6b08e012f952c4b70a5a1e6e7d46af98bb"
        "f26dd7d799930062480849962ccf5004edcfd307c044f4e8f667c9baa834eeae"
    )


def test_secp256r1_recover_pubkey_returns_the_signer() -> None:
    for i in range(4):
        key = ec.generate_private_key(ec.SECP256R1())
        message_hash = hashlib.sha256(bytes([i])).digest()
        signature = r1_sign(key, message_hash)
        expected = r1_pubkey(key)
        first, second = (
            crypto.secp256r1_recover_pubkey(message_hash, signature, v) for v in (0, 1)
        )
        assert first != second
        assert expected in (first, second)
        v = 0 if first == expected else 1
        # every recovered key verifies; high-S with the flipped parity gives the same key
        assert crypto.secp256r1_verify(message_hash, signature, second)
        s = int.from_bytes(signature[32:], "big")
        high = with_s(signature, N_R1 - s)
        assert crypto.secp256r1_recover_pubkey(message_hash, high, 1 - v) == expected


def test_secp256r1_error_codes() -> None:
    message_hash = hashlib.sha256(R1_FIPS_MESSAGE).digest()
    signature, pubkey = R1_FIPS_SIGNATURE, R1_FIPS_PUBKEY
    verify, recover = crypto.secp256r1_verify, crypto.secp256r1_recover_pubkey
    assert code_of(verify, message_hash[:31], signature, pubkey) == 3
    assert code_of(verify, message_hash, signature[:63], pubkey) == 4
    assert code_of(verify, message_hash, signature, pubkey[:64]) == 5
    assert code_of(verify, message_hash, signature, b"\x05" + pubkey[1:]) == 5
    broken = bytearray(pubkey)
    broken[1] ^= 1
    assert code_of(verify, message_hash, signature, bytes(broken)) == 10
    assert code_of(verify, bytes([0x22] * 32), bytes([0x22] * 64), bytes([0x04] * 65)) == 10
    assert code_of(verify, message_hash, with_s(signature, N_R1), pubkey) == 10
    assert code_of(recover, message_hash[:31], signature, 0) == 3
    assert code_of(recover, message_hash, signature[:63], 0) == 4
    for param in (4, 255, 0xFFFFFFFF):
        assert code_of(recover, message_hash, signature, param) == 6
    # 2 and 3 mean R.x = r + n, which needs r < p - n: GenericErr for ordinary signatures
    assert code_of(recover, message_hash, signature, 2) == 10
    assert code_of(recover, message_hash, with_s(signature, 0), 0) == 10


# --- ed25519 -------------------------------------------------------------------------------------


def test_ed25519_verify_real_signatures() -> None:
    key = nacl.signing.SigningKey.generate()
    message = b"Hello World!"
    signature = key.sign(message).signature
    public_key = bytes(key.verify_key)
    assert crypto.ed25519_verify(message, signature, public_key)
    assert not crypto.ed25519_verify(message + b"\0", signature, public_key)
    other = bytes(nacl.signing.SigningKey.generate().verify_key)
    assert not crypto.ed25519_verify(message, signature, other)
    # the pure-Python ZIP 215 path agrees on ordinary signatures
    assert crypto._ed25519_zip215(message, signature, public_key)
    assert not crypto._ed25519_zip215(message + b"\0", signature, public_key)


def test_ed25519_rfc8032_test1() -> None:
    public_key = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    signature = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert crypto.ed25519_verify(b"", signature, public_key)
    assert crypto._ed25519_zip215(b"", signature, public_key)


def test_ed25519_zip215_rules() -> None:
    identity = (1).to_bytes(32, "little")  # y = 1: a small-order (identity) point
    signature = identity + bytes(32)  # R = identity, s = 0
    # libsodium refuses a small-order key, ZIP 215 (ed25519-zebra, cosmwasm) accepts it
    with pytest.raises(nacl.exceptions.BadSignatureError):
        nacl.signing.VerifyKey(identity).verify(b"anything", signature)
    assert crypto.ed25519_verify(b"anything", signature, identity)
    # a non-canonical encoding (y = p + 1) decodes too
    non_canonical = (crypto._ED_P + 1).to_bytes(32, "little")
    assert crypto.ed25519_verify(b"x", non_canonical + bytes(32), identity)
    assert crypto.ed25519_verify(b"x", signature, non_canonical)
    # a non-canonical s (s >= L) is invalid
    key = nacl.signing.SigningKey(bytes(32))
    good = key.sign(b"m").signature
    s = int.from_bytes(good[32:], "little") + crypto._ED_L
    assert not crypto.ed25519_verify(
        b"m", good[:32] + s.to_bytes(32, "little"), bytes(key.verify_key)
    )
    # an undecodable key (no x for this y) is invalid, not an error (cosmwasm's "wrong data" case)
    assert not crypto.ed25519_verify(bytes([0x22] * 32), bytes([0x22] * 64), bytes([0x04] * 32))


def test_ed25519_verify_error_codes() -> None:
    key = nacl.signing.SigningKey.generate()
    signature = key.sign(b"m").signature
    public_key = bytes(key.verify_key)
    assert code_of(crypto.ed25519_verify, b"m", signature[:63], public_key) == 4
    assert code_of(crypto.ed25519_verify, b"m", signature + b"\0", public_key) == 4
    assert code_of(crypto.ed25519_verify, b"m", signature, public_key[:31]) == 5
    assert code_of(crypto.ed25519_verify, b"m", signature, b"") == 5
    assert code_of(crypto.ed25519_verify, b"m", b"", b"") == 4  # signature checked first


def batch_fixture(count: int) -> tuple[list[bytes], list[bytes], list[bytes]]:
    keys = [nacl.signing.SigningKey(bytes([i + 1]) * 32) for i in range(count)]
    messages = [f"message {i}".encode() for i in range(count)]
    signatures = [k.sign(m).signature for k, m in zip(keys, messages, strict=True)]
    return messages, signatures, [bytes(k.verify_key) for k in keys]


def test_ed25519_batch_verify_shapes() -> None:
    messages, signatures, keys = batch_fixture(3)
    batch = crypto.ed25519_batch_verify
    assert batch(messages, signatures, keys)
    assert not batch(messages, [signatures[1], signatures[0], signatures[2]], keys)
    # one message, many signers (multisig)
    signers = [nacl.signing.SigningKey(bytes([9 + i]) * 32) for i in range(3)]
    multisig = [k.sign(b"shared").signature for k in signers]
    assert batch([b"shared"], multisig, [bytes(k.verify_key) for k in signers])
    # one key, many messages
    single = nacl.signing.SigningKey(bytes([7]) * 32)
    own = [single.sign(m).signature for m in messages]
    assert batch(messages, own, [bytes(single.verify_key)])
    assert not batch(messages[::-1], own, [bytes(single.verify_key)])
    # the empty cases are valid
    assert batch([], [], [])
    assert batch([b"lonely"], [], [])
    assert batch([], [], [keys[0]])
    # any other shape is a BatchErr (7)
    assert code_of(batch, messages[:2], signatures, keys) == 7
    assert code_of(batch, messages, signatures[:2], keys) == 7
    assert code_of(batch, messages, signatures, keys[:2]) == 7
    assert code_of(batch, [b"m"], signatures[:2], keys[:1]) == 7


def test_ed25519_batch_verify_format_errors_win() -> None:
    messages, signatures, keys = batch_fixture(2)
    batch = crypto.ed25519_batch_verify
    wrong = [signatures[1], signatures[0]]  # well-formed but invalid
    assert code_of(batch, messages, wrong, [keys[0], keys[1][:31]]) == 5
    assert code_of(batch, messages, [signatures[0], signatures[1][:63]], keys) == 4
    # items are checked in order: item 0's key before item 1's signature
    assert code_of(batch, messages, [signatures[0], b""], [b"", keys[1]]) == 5


def test_ed25519_batch_verify_from_sections() -> None:
    messages, signatures, keys = batch_fixture(2)
    regions = [encode_sections(items) for items in (messages, signatures, keys)]
    decoded = [decode_sections(region) for region in regions]
    assert decoded == [messages, signatures, keys]
    assert crypto.ed25519_batch_verify(*decoded)


# --- BLS12-381 -----------------------------------------------------------------------------------

G1_IDENTITY = b"\xc0" + bytes(47)
G2_IDENTITY = b"\xc0" + bytes(95)
DRAND_PUBKEY = bytes.fromhex(
    "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31"
)


def test_bls_point_encoding_roundtrip() -> None:
    for k in (1, 2, 12345):
        g1, g2 = multiply(G1, k), multiply(G2, k)
        assert eq(crypto.g1_from_bytes(crypto.g1_to_bytes(g1)), g1)
        assert eq(crypto.g2_from_bytes(crypto.g2_to_bytes(g2)), g2)
    assert crypto.g1_to_bytes(Z1) == G1_IDENTITY
    assert is_inf(crypto.g1_from_bytes(G1_IDENTITY))
    assert is_inf(crypto.g2_from_bytes(G2_IDENTITY))
    assert crypto.g1_to_bytes(G1).hex() == (
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    )
    assert crypto.g1_to_bytes(crypto.g1_from_bytes(DRAND_PUBKEY)) == DRAND_PUBKEY


def off_subgroup_g1() -> bytes:
    x = 1
    while True:
        rhs = (x**3 + 4) % Q
        y = pow(rhs, (Q + 1) // 4, Q)
        if y * y % Q == rhs:
            return bytes([0x80 | (x >> 376)]) + (x % (1 << 376)).to_bytes(47, "big")
        x += 1


def off_subgroup_g2() -> bytes:
    c0 = 1
    while modular_squareroot_in_FQ2(FQ2([c0, 0]) ** 3 + b2) is None:
        c0 += 1
    return bytes([0x80]) + bytes(47) + c0.to_bytes(48, "big")


def test_bls_subgroup_checks_match_multiplication_by_r() -> None:
    rng = random.Random(7)
    tested = 0
    while tested < 4:
        x = rng.randrange(Q)
        rhs = (x**3 + 4) % Q
        y = pow(rhs, (Q + 1) // 4, Q)
        if y * y % Q == rhs:
            point = (FQ(x), FQ(y), FQ.one())
            assert crypto._in_g1(point) is is_inf(multiply(point, curve_order)) is False
            tested += 1
    assert not crypto._in_g1((FQ(0), FQ(2), FQ.one()))  # a point of order 3
    xs = FQ2([5, 0])
    while modular_squareroot_in_FQ2(xs**3 + b2) is None:
        xs = xs + FQ2([1, 0])
    ys = modular_squareroot_in_FQ2(xs**3 + b2)
    assert ys is not None
    point2 = (xs, ys, FQ2.one())
    assert crypto._in_g2(point2) is is_inf(multiply(point2, curve_order)) is False
    assert crypto._in_g1(multiply(G1, 987654321)) and crypto._in_g2(multiply(G2, 987654321))


def test_bls_aggregate_g1() -> None:
    a, b = multiply(G1, 5), multiply(G1, 11)
    points = crypto.g1_to_bytes(a) + crypto.g1_to_bytes(b)
    assert crypto.bls12_381_aggregate_g1(points) == crypto.g1_to_bytes(add(a, b))
    assert crypto.bls12_381_aggregate_g1(points) == crypto.g1_to_bytes(multiply(G1, 16))
    assert crypto.bls12_381_aggregate_g1(points + G1_IDENTITY) == crypto.g1_to_bytes(add(a, b))
    minus_a = crypto.g1_to_bytes(multiply(G1, curve_order - 5))
    assert crypto.bls12_381_aggregate_g1(crypto.g1_to_bytes(a) + minus_a) == G1_IDENTITY
    assert crypto.bls12_381_aggregate_g1(DRAND_PUBKEY) == DRAND_PUBKEY


def test_bls_aggregate_g2_cosmwasm_vector() -> None:
    points = bytes.fromhex(
        "b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55"
        "b23c46be3a001c63ca711f87a005c200cc550b9429d5f4eb38d74322144f1b63926da3388979e5321012fb1a0526bcd100b5ef5fe72628ce4cd5e904aeaa3279527843fae5ca9ca675f4f51ed8f83bbf7155da9ecc9663100a885d5dc6df96d9"
        "948a7cb99f76d616c2c564ce9bf4a519f1bea6b0a624a02276443c245854219fabb8d4ce061d255af5330b078d5380681751aa7053da2c98bae898edc218c75f07e24d8802a17cd1f6833b71e58f5eb5b94208b4d0bb3848cecb075ea21be115"
    )
    assert crypto.bls12_381_aggregate_g2(points).hex() == (
        "9683b3e6701f9a4b706709577963110043af78a5b41991b998475a3d3fd62abf35ce03b33908418efc95a058494a8ae5"
        "04354b9f626231f6b3f3c849dfdeaf5017c4780e2aee1850ceaf4b4d9ce70971a3d2cfcd97b7e5ecf6759f8da5f76d31"
    )
    a, b = multiply(G2, 3), multiply(G2, 4)
    both = crypto.g2_to_bytes(a) + crypto.g2_to_bytes(b)
    assert crypto.bls12_381_aggregate_g2(both) == crypto.g2_to_bytes(add(a, b))
    assert crypto.bls12_381_aggregate_g2(G2_IDENTITY) == G2_IDENTITY


def test_bls_aggregate_error_codes() -> None:
    g1 = crypto.g1_to_bytes(G1)
    g2 = crypto.g2_to_bytes(G2)
    assert code_of(crypto.bls12_381_aggregate_g1, b"") == 16
    assert code_of(crypto.bls12_381_aggregate_g2, b"") == 16
    assert code_of(crypto.bls12_381_aggregate_g1, g1[:47]) == 17
    assert code_of(crypto.bls12_381_aggregate_g1, g1 + b"\0") == 17
    assert code_of(crypto.bls12_381_aggregate_g2, g2 + g1) == 17
    invalid_g1 = [
        bytes([g1[0] & 0x7F]) + g1[1:],  # uncompressed flag
        b"\xc0" + bytes(46) + b"\x01",  # infinity with x != 0
        b"\xe0" + bytes(47),  # infinity with the sort flag
        bytes([0x80 | 0x1A]) + (Q - (0x1A << 376)).to_bytes(47, "big"),  # x == p
        DRAND_PUBKEY[:-1] + b"\x22",  # not on the curve (cosmwasm vector)
        off_subgroup_g1(),  # on the curve, outside G1
    ]
    for point in invalid_g1:
        assert code_of(crypto.bls12_381_aggregate_g1, g1 + point) == 8, point.hex()
    invalid_g2 = [
        b"\xc0" + bytes(94) + b"\x01",
        g2[:48] + Q.to_bytes(48, "big"),  # x.c0 == p
        off_subgroup_g2(),
    ]
    for point in invalid_g2:
        assert code_of(crypto.bls12_381_aggregate_g2, point) == 8, point.hex()


def test_bls_pairing_equality() -> None:
    a = 0xC0FFEE
    g1, g2 = crypto.g1_to_bytes(G1), crypto.g2_to_bytes(G2)
    a_g1, a_g2 = crypto.g1_to_bytes(multiply(G1, a)), crypto.g2_to_bytes(multiply(G2, a))
    # e(aG1, G2) == e(G1, aG2)
    assert crypto.bls12_381_pairing_equality(a_g1, g2, g1, a_g2)
    # e(aG1, G2) != e(G1, (a+1)G2)
    wrong = crypto.g2_to_bytes(multiply(G2, a + 1))
    assert not crypto.bls12_381_pairing_equality(a_g1, g2, g1, wrong)


def test_bls_pairing_equality_empty_left_side() -> None:
    g1, g2 = crypto.g1_to_bytes(G1), crypto.g2_to_bytes(G2)
    assert crypto.bls12_381_pairing_equality(b"", b"", G1_IDENTITY, g2)
    assert crypto.bls12_381_pairing_equality(b"", b"", g1, G2_IDENTITY)
    assert not crypto.bls12_381_pairing_equality(b"", b"", g1, g2)


def test_bls_pairing_equality_drand_mainnet_beacon() -> None:
    """cosmwasm-crypto's pairing test: round 72785 of the League of Entropy mainnet."""
    previous = bytes.fromhex(
        "a609e19a03c2fcc559e8dae14900aaefe517cb55c840f6e69bc8e4f66c8d18e8a609685d9917efbfb0c37f058c2de88f"
        "13d297c7e19e0ab24813079efe57a182554ff054c7638153f9b26a60e7111f71a0ff63d9571704905d3ca6df0b031747"
    )
    signature = bytes.fromhex(
        "82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959eb9cfa368b3c1b77d18f02a54fe047b8"
        "0f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3cc6f6cdf59e95526d5a5d82aaa84fa6f181e42"
    )
    message = hashlib.sha256(previous + (72785).to_bytes(8, "big")).digest()
    point = crypto.bls12_381_hash_to_g2(0, message, b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_")
    g1 = crypto.g1_to_bytes(G1)
    assert crypto.bls12_381_pairing_equality(g1, signature, DRAND_PUBKEY, point)


def test_bls_pairing_equality_error_codes() -> None:
    g1, g2 = crypto.g1_to_bytes(G1), crypto.g2_to_bytes(G2)
    pairing = crypto.bls12_381_pairing_equality
    assert code_of(pairing, b"\x0c", bytes(96), b"\x0c", b"\x0c") == 11
    assert code_of(pairing, bytes(48), b"\x0c", b"\x0c", b"\x0c") == 12
    assert code_of(pairing, bytes(96), bytes(96), b"\x0c", b"\x0c") == 13
    assert code_of(pairing, g1, g2, g1[:47], g2) == 8
    assert code_of(pairing, g1, g2, g1, g2[:95]) == 8
    assert code_of(pairing, g1, g2, off_subgroup_g1(), g2) == 8
    assert code_of(pairing, bytes(48), g2, g1, g2) == 8  # flags 000: not compressed


RFC9380_G1_DST = b"QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_"
RFC9380_G2_DST = b"QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_"


def test_hash_to_g1_rfc9380_j_9_1() -> None:
    vectors = {
        b"": (
            "052926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1",
            "08ba738453bfed09cb546dbb0783dbb3a5f1f566ed67bb6be0e8c67e2e81a4cc68ee29813bb7994998f3eae0c9c6a265",
        ),
        b"abc": (
            "03567bc5ef9c690c2ab2ecdf6a96ef1c139cc0b2f284dca0a9a7943388a49a3aee664ba5379a7655d3c68900be2f6903",
            "0b9c15f3fe6e5cf4211f346271d7b01c8f3b28be689c8429c85b67af215533311f0b8dfaaa154fa6b88176c229f2885d",
        ),
    }
    for message, (x_hex, y_hex) in vectors.items():
        compressed = crypto.bls12_381_hash_to_g1(0, message, RFC9380_G1_DST)
        x, y = normalize(crypto.g1_from_bytes(compressed))
        assert (int(x), int(y)) == (int(x_hex, 16), int(y_hex, 16))
    expected = bytearray(bytes.fromhex(vectors[b"abc"][0]))
    expected[0] |= 0x80  # cosmwasm-crypto's own test
    assert crypto.bls12_381_hash_to_g1(0, b"abc", RFC9380_G1_DST) == bytes(expected)


def test_hash_to_g2_rfc9380_j_10_1() -> None:
    vectors = {
        b"": (
            (
                "0141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78a",
                "05cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03d",
            ),
            (
                "0503921d7f6a12805e72940b963c0cf3471c7b2a524950ca195d11062ee75ec076daf2d4bc358c4b190c0c98064fdd92",
                "12424ac32561493f3fe3c260708a12b7c620e7be00099a974e259ddc7d1f6395c3c811cdd19f1e8dbf3e9ecfdcbab8d6",
            ),
        ),
        b"abc": (
            (
                "02c2d18e033b960562aae3cab37a27ce00d80ccd5ba4b7fe0e7a210245129dbec7780ccc7954725f4168aff2787776e6",
                "139cddbccdc5e91b9623efd38c49f81a6f83f175e80b06fc374de9eb4b41dfe4ca3a230ed250fbe3a2acf73a41177fd8",
            ),
            (
                "1787327b68159716a37440985269cf584bcb1e621d3a7202be6ea05c4cfe244aeb197642555a0645fb87bf7466b2ba48",
                "00aa65dae3c8d732d10ecd2c50f8a1baf3001578f71c694e03866e9f3d49ac1e1ce70dd94a733534f106d4cec0eddd16",
            ),
        ),
    }
    for message, (x_hex, y_hex) in vectors.items():
        compressed = crypto.bls12_381_hash_to_g2(0, message, RFC9380_G2_DST)
        x, y = normalize(crypto.g2_from_bytes(compressed))
        assert [int(c) for c in x.coeffs] == [int(h, 16) for h in x_hex]
        assert [int(c) for c in y.coeffs] == [int(h, 16) for h in y_hex]


def test_hash_to_curve_hash_function_and_dst_rules() -> None:
    assert code_of(crypto.bls12_381_hash_to_g1, 1, b"abc", RFC9380_G1_DST) == 9
    assert code_of(crypto.bls12_381_hash_to_g2, 0xFFFFFFFF, b"abc", RFC9380_G2_DST) == 9
    # an empty DST is accepted (as ark-ec does); a DST over 255 bytes is hashed (RFC 9380 5.3.3)
    assert len(crypto.bls12_381_hash_to_g1(0, b"abc", b"")) == 48
    long_dst = b"D" * 300
    short_dst = hashlib.sha256(b"H2C-OVERSIZE-DST-" + long_dst).digest()
    assert crypto.bls12_381_hash_to_g1(0, b"m", long_dst) == crypto.bls12_381_hash_to_g1(
        0, b"m", short_dst
    )
