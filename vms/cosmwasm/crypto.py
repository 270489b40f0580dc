"""The cryptography behind CosmWasm's crypto host imports, with cosmwasm-crypto 2.x's semantics.

Pure functions (no Wasm memory, no gas). Each one validates its input as cosmwasm-crypto does and
raises a :class:`CryptoError` subclass whose ``code`` is ``CryptoError::code()``, the number the VM
hands back to the contract. What the host returns per import:

=========================  ==============================================================  ========
import                     result for the contract                                         codes
=========================  ==============================================================  ========
secp256k1_verify           0 valid, 1 invalid, else the error code                         3 4 5 10
secp256r1_verify           0 valid, 1 invalid, else the error code                         3 4 5 10
secp256k1_recover_pubkey   u64: pointer to the 65-byte key in the low half, or code << 32  3 4 6 10
secp256r1_recover_pubkey   u64: pointer to the 65-byte key in the low half, or code << 32  3 4 6 10
ed25519_verify             0 valid, 1 invalid, else the error code                         4 5
ed25519_batch_verify       0 valid, 1 invalid, else the error code                         4 5 7
bls12_381_aggregate_g1/g2  0 and the point written to the out region, else the code        8 16 17
bls12_381_pairing_equality 0 equal, 1 not equal, else the error code                       8 11-13
bls12_381_hash_to_g1/g2    0 and the point written to the out region, else the code        9
=========================  ==============================================================  ========

A region longer than the import's maximum (the ``MAX_*`` constants below) is a VM error, never a
code: only a too-short hash / signature / key reaches these functions and becomes a code. A
malformed batch encoding (:func:`decode_sections`) is a VM error too (:class:`SectionsError`).

Libraries: coincurve (libsecp256k1) for secp256k1, ``cryptography`` for secp256r1 verification and
pure Python for secp256r1 key recovery, PyNaCl as the fast path of Ed25519 with a pure-Python ZIP 215
check behind it (cosmwasm uses ed25519-zebra, which follows ZIP 215 and accepts a superset of what
libsodium accepts), py-ecc for BLS12-381 (RFC 9380 hash-to-curve for both groups).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import coincurve
import nacl.exceptions
import nacl.signing
from coincurve.ecdsa import cdata_to_der, deserialize_compact
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from py_ecc.bls.hash_to_curve import map_to_curve_G1, map_to_curve_G2
from py_ecc.bls.point_compression import modular_squareroot_in_FQ2
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381 import (
    G1,
    Z1,
    Z2,
    add,
    b2,
    eq,
    field_modulus,
    final_exponentiate,
    is_inf,
    multiply,
    multiply_clear_cofactor_G1,
    multiply_clear_cofactor_G2,
    neg,
    normalize,
)
from py_ecc.optimized_bls12_381.optimized_pairing import miller_loop

# --- limits of the host imports (cosmwasm-vm 2.x imports.rs); longer regions are VM errors -------

KI = 1024
MI = 1024 * 1024
MESSAGE_HASH_MAX_LEN = 32
ECDSA_SIGNATURE_LEN = 64
ECDSA_PUBKEY_MAX_LEN = 65
EDDSA_PUBKEY_LEN = 32
MAX_LENGTH_ED25519_SIGNATURE = 64
MAX_LENGTH_ED25519_MESSAGE = 128 * KI
MAX_COUNT_ED25519_BATCH = 256
#: region maxima of ed25519_batch_verify: (item max + 4-byte length) * 256, one per argument
MAX_LENGTH_ED25519_BATCH_MESSAGES = (MAX_LENGTH_ED25519_MESSAGE + 4) * MAX_COUNT_ED25519_BATCH
MAX_LENGTH_ED25519_BATCH_SIGNATURES = (MAX_LENGTH_ED25519_SIGNATURE + 4) * MAX_COUNT_ED25519_BATCH
MAX_LENGTH_ED25519_BATCH_PUBKEYS = (EDDSA_PUBKEY_LEN + 4) * MAX_COUNT_ED25519_BATCH
BLS12_381_G1_POINT_LEN = 48
BLS12_381_G2_POINT_LEN = 96
BLS12_381_MAX_AGGREGATE_SIZE = 2 * MI  # ps / qs / the points of an aggregate
BLS12_381_MAX_MESSAGE_SIZE = 5 * MI  # msg of hash_to_g1/g2
BLS12_381_MAX_DST_SIZE = 5 * KI  # dst of hash_to_g1/g2

#: return codes of the verify-style imports
VERIFY_VALID = 0
VERIFY_INVALID = 1
#: the only hash function of bls12_381_hash_to_g1/g2 (``HashFunction::Sha256``)
HASH_FUNCTION_SHA256 = 0


# --- errors --------------------------------------------------------------------------------------


class CryptoError(Exception):
    """A cosmwasm-crypto error; ``code`` is what ``CryptoError::code()`` hands to the contract."""

    code: int = 10

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__doc__ or self.__class__.__name__)


class InvalidHashFormat(CryptoError):
    """Invalid hash format"""

    code = 3


class InvalidSignatureFormat(CryptoError):
    """Invalid signature format"""

    code = 4


class InvalidPubkeyFormat(CryptoError):
    """Invalid public key format"""

    code = 5


class InvalidRecoveryParam(CryptoError):
    """Invalid recovery parameter"""

    code = 6


class BatchError(CryptoError):
    """Batch verify error"""

    code = 7


class InvalidPoint(CryptoError):
    """Invalid point"""

    code = 8


class UnknownHashFunction(CryptoError):
    """Unknown hash function"""

    code = 9


class GenericError(CryptoError):
    """Crypto error"""

    code = 10


class PairingEqualityError(CryptoError):
    """Pairing equality error (base of codes 11-15)"""


class NotMultipleG1(PairingEqualityError):
    """List is not a multiple of 48"""

    code = 11


class NotMultipleG2(PairingEqualityError):
    """List is not a multiple of 96"""

    code = 12


class UnequalPointAmount(PairingEqualityError):
    """Not the same amount of points passed"""

    code = 13


class EmptyG1(PairingEqualityError):
    """List of G1 points is empty (defined by cosmwasm-crypto, never raised by 2.x)"""

    code = 14


class EmptyG2(PairingEqualityError):
    """List of G2 points is empty (defined by cosmwasm-crypto, never raised by 2.x)"""

    code = 15


class AggregationError(CryptoError):
    """Point aggregation error (base of codes 16-17)"""


class AggregationEmpty(AggregationError):
    """List of points is empty"""

    code = 16


class AggregationNotMultiple(AggregationError):
    """List is not a multiple of the point size"""

    code = 17


class SectionsError(ValueError):
    """Malformed section encoding: a VM error (the call fails), never a code for the contract."""


# --- sections (cosmwasm-vm sections.rs) ----------------------------------------------------------


def encode_sections(sections: Sequence[bytes]) -> bytes:
    """``section1 || len1 || section2 || len2 || ...``, each length a big-endian u32."""
    out = bytearray()
    for section in sections:
        if len(section) > 0xFFFFFFFF:
            raise SectionsError("section too long")
        out += section
        out += len(section).to_bytes(4, "big")
    return bytes(out)


def decode_sections(data: bytes) -> list[bytes]:
    """Inverse of :func:`encode_sections`, read from the end.

    Raises :class:`SectionsError` when a length points before the start of the data or 1-3 bytes
    are left over in front; empty data is an empty list.
    """
    sections: list[bytes] = []
    end = len(data)
    while end > 0:
        if end < 4:
            raise SectionsError("section data too short for a length suffix")
        length = int.from_bytes(data[end - 4 : end], "big")
        start = end - 4 - length
        if start < 0:
            raise SectionsError("section length exceeds the data")
        sections.append(bytes(data[start : end - 4]))
        end = start
    sections.reverse()
    return sections


# --- ECDSA common --------------------------------------------------------------------------------


def _read_ecdsa_inputs(message_hash: bytes, signature: bytes) -> tuple[int, int]:
    if len(message_hash) != MESSAGE_HASH_MAX_LEN:
        raise InvalidHashFormat()
    if len(signature) != ECDSA_SIGNATURE_LEN:
        raise InvalidSignatureFormat()
    return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")


def _check_sec1_format(public_key: bytes) -> None:
    """33 bytes with prefix 02/03 or 65 bytes with prefix 04, else InvalidPubkeyFormat."""
    if not public_key:
        raise InvalidPubkeyFormat()
    prefix = public_key[0]
    if prefix in (2, 3):
        ok = len(public_key) == 33
    elif prefix == 4:
        ok = len(public_key) == 65
    else:
        ok = False
    if not ok:
        raise InvalidPubkeyFormat()


def _check_scalars(r: int, s: int, n: int) -> None:
    """``Signature::from_bytes``: r and s in [1, n-1], else GenericErr."""
    if not (0 < r < n and 0 < s < n):
        raise GenericError("signature error: r or s out of range")


# --- secp256k1 -----------------------------------------------------------------------------------

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def secp256k1_verify(message_hash: bytes, signature: bytes, public_key: bytes) -> bool:
    """ECDSA/secp256k1 over a 32-byte prehash; signature r||s (64 bytes); key SEC1 33 or 65 bytes.

    High-S signatures are normalised and accepted. Errors: hash length 3, signature length 4, key
    prefix/length 5; r or s out of [1, n-1] or a key not on the curve 10.
    """
    r, s = _read_ecdsa_inputs(message_hash, signature)
    _check_sec1_format(public_key)
    _check_scalars(r, s, SECP256K1_N)
    if s > SECP256K1_N // 2:
        s = SECP256K1_N - s
    try:
        key = coincurve.PublicKey(bytes(public_key))
    except Exception as exc:
        raise GenericError(f"invalid public key: {exc}") from exc
    compact = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    try:
        der = cdata_to_der(deserialize_compact(compact))
        return bool(key.verify(der, bytes(message_hash), hasher=None))
    except ValueError as exc:  # cannot happen after the checks above
        raise GenericError(str(exc)) from exc


def secp256k1_recover_pubkey(message_hash: bytes, signature: bytes, recovery_param: int) -> bytes:
    """Recover the signer's key as 65-byte uncompressed SEC1 (``04 || x || y``).

    ``recovery_param`` must be 0 or 1 (2 and 3 are refused as by Ethereum). High-S signatures are
    accepted (cosmwasm normalises and flips the parity, which recovers the same key). Errors: hash
    length 3, signature length 4, recovery param 6; bad r/s or no key recoverable 10.
    """
    r, s = _read_ecdsa_inputs(message_hash, signature)
    if recovery_param not in (0, 1):
        raise InvalidRecoveryParam()
    _check_scalars(r, s, SECP256K1_N)
    try:
        key = coincurve.PublicKey.from_signature_and_message(
            bytes(signature) + bytes([recovery_param]), bytes(message_hash), hasher=None
        )
    except Exception as exc:
        raise GenericError(f"recovery failed: {exc}") from exc
    return key.format(compressed=False)


# --- secp256r1 (P-256) ---------------------------------------------------------------------------

_P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_P256_A = _P256_P - 3
_P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
SECP256R1_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_P256_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
#: recovery params accepted by secp256r1_recover_pubkey (``RecoveryId::from_byte``: 0..=3)
SECP256R1_MAX_RECOVERY_PARAM = 3

_Jac = tuple[int, int, int]  # Jacobian (X, Y, Z), Z == 0 is the identity


def _p256_lift_x(x: int, odd: bool) -> tuple[int, int] | None:
    p = _P256_P
    if x >= p:
        return None
    rhs = (pow(x, 3, p) + _P256_A * x + _P256_B) % p
    y = pow(rhs, (p + 1) // 4, p)  # p = 3 mod 4
    if y * y % p != rhs:
        return None
    if (y & 1) != odd:
        y = (p - y) % p
    return x, y


def _p256_decode(public_key: bytes) -> tuple[int, int]:
    """A SEC1 key (format already checked) to affine coordinates; GenericError if invalid."""
    p = _P256_P
    x = int.from_bytes(public_key[1:33], "big")
    if public_key[0] == 4:
        y = int.from_bytes(public_key[33:], "big")
        if x >= p or y >= p or (y * y - x**3 - _P256_A * x - _P256_B) % p:
            raise GenericError("invalid public key: point not on the curve")
        return x, y
    point = _p256_lift_x(x, public_key[0] == 3)
    if point is None:
        raise GenericError("invalid public key: point not on the curve")
    return point


def _jac_double(pt: _Jac) -> _Jac:
    p = _P256_P
    x, y, z = pt
    if z == 0 or y == 0:
        return (1, 1, 0)
    yy = y * y % p
    s = 4 * x * yy % p
    zz = z * z % p
    m = (3 * x * x + _P256_A * zz * zz) % p
    x3 = (m * m - 2 * s) % p
    y3 = (m * (s - x3) - 8 * yy * yy) % p
    z3 = 2 * y * z % p
    return x3, y3, z3


def _jac_add(p1: _Jac, p2: _Jac) -> _Jac:
    p = _P256_P
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if z1 == 0:
        return p2
    if z2 == 0:
        return p1
    z1z1 = z1 * z1 % p
    z2z2 = z2 * z2 % p
    u1 = x1 * z2z2 % p
    u2 = x2 * z1z1 % p
    s1 = y1 * z2 * z2z2 % p
    s2 = y2 * z1 * z1z1 % p
    if u1 == u2:
        return _jac_double(p1) if s1 == s2 else (1, 1, 0)
    h = (u2 - u1) % p
    r = (s2 - s1) % p
    hh = h * h % p
    hhh = h * hh % p
    v = u1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - s1 * hhh) % p
    z3 = h * z1 * z2 % p
    return x3, y3, z3


def _jac_mul(pt: _Jac, k: int) -> _Jac:
    result: _Jac = (1, 1, 0)
    for bit in bin(k)[2:]:
        result = _jac_double(result)
        if bit == "1":
            result = _jac_add(result, pt)
    return result


def _jac_to_affine(pt: _Jac) -> tuple[int, int] | None:
    p = _P256_P
    x, y, z = pt
    if z == 0:
        return None
    zinv = pow(z, -1, p)
    zinv2 = zinv * zinv % p
    return x * zinv2 % p, y * zinv2 * zinv % p


def secp256r1_verify(message_hash: bytes, signature: bytes, public_key: bytes) -> bool:
    """ECDSA/P-256 over a 32-byte prehash; same formats, rules and codes as secp256k1_verify."""
    r, s = _read_ecdsa_inputs(message_hash, signature)
    _check_sec1_format(public_key)
    _check_scalars(r, s, SECP256R1_N)
    if s > SECP256R1_N // 2:
        s = SECP256R1_N - s
    x, y = _p256_decode(public_key)
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
        )
    except ValueError as exc:
        raise GenericError(f"invalid public key: {exc}") from exc
    try:
        key.verify(
            encode_dss_signature(r, s),
            bytes(message_hash),
            ec.ECDSA(Prehashed(hashes.SHA256())),
        )
    except InvalidSignature:
        return False
    return True


def secp256r1_recover_pubkey(message_hash: bytes, signature: bytes, recovery_param: int) -> bytes:
    """Recover the P-256 signer's key as 65-byte uncompressed SEC1.

    ``recovery_param`` 0..3 (bit 0: R.y odd; bit 1: R.x = r + n), as cosmwasm-crypto 2.x's
    ``RecoveryId::from_byte``; high-S signatures are accepted. Errors: hash length 3, signature
    length 4, recovery param 6; bad r/s, no curve point for r, or the identity as result 10.
    """
    r, s = _read_ecdsa_inputs(message_hash, signature)
    if not 0 <= recovery_param <= SECP256R1_MAX_RECOVERY_PARAM:
        raise InvalidRecoveryParam()
    _check_scalars(r, s, SECP256R1_N)
    n = SECP256R1_N
    x = r + n if recovery_param & 2 else r
    big_r = _p256_lift_x(x, bool(recovery_param & 1))
    if big_r is None:
        raise GenericError("recovery failed: r is not the x coordinate of a curve point")
    z = int.from_bytes(message_hash, "big") % n
    r_inv = pow(r, -1, n)
    u1 = (-z * r_inv) % n
    u2 = s * r_inv % n
    q = _jac_add(_jac_mul((*_P256_G, 1), u1), _jac_mul((*big_r, 1), u2))
    affine = _jac_to_affine(q)
    if affine is None:
        raise GenericError("recovery failed: recovered the identity")
    return b"\x04" + affine[0].to_bytes(32, "big") + affine[1].to_bytes(32, "big")


# --- ed25519 (ZIP 215, as ed25519-zebra) ---------------------------------------------------------

_ED_P = 2**255 - 19
_ED_L = 2**252 + 27742317777372353535851937790883648493
_ED_D = -121665 * pow(121666, -1, _ED_P) % _ED_P
_ED_D2 = 2 * _ED_D % _ED_P
_ED_SQRT_M1 = pow(2, (_ED_P - 1) // 4, _ED_P)
_EdPoint = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z


def _ed_add(p1: _EdPoint, p2: _EdPoint) -> _EdPoint:
    """Complete addition on -x^2 + y^2 = 1 + d x^2 y^2 (also doubles)."""
    p = _ED_P
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % p
    b_ = (y1 + x1) * (y2 + x2) % p
    c = t1 * _ED_D2 * t2 % p
    d = 2 * z1 * z2 % p
    e, f, g, h = b_ - a, d - c, d + c, b_ + a
    return e * f % p, g * h % p, f * g % p, e * h % p


def _ed_mul(pt: _EdPoint, k: int) -> _EdPoint:
    result: _EdPoint = (0, 1, 1, 0)
    for bit in bin(k)[2:]:
        result = _ed_add(result, result)
        if bit == "1":
            result = _ed_add(result, pt)
    return result


def _ed_decompress(data: bytes) -> _EdPoint | None:
    """curve25519-dalek's decompression: y may be non-canonical (>= p), x = 0 with sign 1 is ok."""
    p = _ED_P
    y = (int.from_bytes(data, "little") & ((1 << 255) - 1)) % p
    sign = data[31] >> 7
    u = (y * y - 1) % p
    v = (_ED_D * y * y + 1) % p
    x = u * pow(v, 3, p) * pow(u * pow(v, 7, p), (p - 5) // 8, p) % p
    check = v * x * x % p
    if check == u:
        pass
    elif check == (-u) % p:
        x = x * _ED_SQRT_M1 % p
    else:
        return None
    if x & 1:  # the non-negative root, then the sign bit
        x = p - x
    if sign:
        x = (p - x) % p
    return x, y, 1, x * y % p


def _ed_basepoint() -> _EdPoint:
    point = _ed_decompress((4 * pow(5, -1, _ED_P) % _ED_P).to_bytes(32, "little"))
    if point is None:  # pragma: no cover - a constant
        raise RuntimeError("Ed25519 base point does not decompress")
    return point


_ED_B = _ed_basepoint()


def _ed25519_zip215(message: bytes, signature: bytes, public_key: bytes) -> bool:
    s = int.from_bytes(signature[32:], "little")
    if s >= _ED_L:
        return False
    big_r = _ed_decompress(signature[:32])
    big_a = _ed_decompress(public_key)
    if big_r is None or big_a is None:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little")
    k %= _ED_L
    p = _ED_P
    neg_r = ((-big_r[0]) % p, big_r[1], big_r[2], (-big_r[3]) % p)
    neg_ka = _ed_mul(((-big_a[0]) % p, big_a[1], big_a[2], (-big_a[3]) % p), k)
    q = _ed_add(_ed_add(_ed_mul(_ED_B, s), neg_ka), neg_r)  # [s]B - [k]A - R
    for _ in range(3):  # cofactored: [8]([s]B - [k]A - R) == identity
        q = _ed_add(q, q)
    return q[0] % p == 0 and (q[1] - q[2]) % p == 0


def _ed25519_valid(message: bytes, signature: bytes, public_key: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
        return True  # libsodium's acceptance is a subset of ZIP 215's
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError):
        pass
    return _ed25519_zip215(message, signature, public_key)


def ed25519_verify(message: bytes, signature: bytes, public_key: bytes) -> bool:
    """Ed25519 with ZIP 215 rules (ed25519-zebra); signature 64 bytes, key 32 bytes.

    Errors: signature length 4, then key length 5. Anything else (non-canonical s, undecodable R or
    A, wrong signature) is just invalid (False).
    """
    if len(signature) != MAX_LENGTH_ED25519_SIGNATURE:
        raise InvalidSignatureFormat()
    if len(public_key) != EDDSA_PUBKEY_LEN:
        raise InvalidPubkeyFormat()
    return _ed25519_valid(bytes(message), bytes(signature), bytes(public_key))


def ed25519_batch_verify(
    messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes]
) -> bool:
    """True iff every (message, signature, key) triple is valid (cosmwasm's shapes).

    Shapes: n/n/n; one message with n signatures and n keys (multisig); one key with n messages
    and n signatures. Every other shape is BatchError (7). Empty batches are valid: 0/0/0, 1
    message with 0/0, and 1 key with 0/0. Before verifying anything each item is checked in order,
    signature length (4) then key length (5), so a format error wins over an invalid signature.
    """
    n_msgs, n_sigs, n_keys = len(messages), len(signatures), len(public_keys)
    if n_msgs == n_sigs == n_keys:
        msgs, keys = list(messages), list(public_keys)
    elif n_msgs == 1 and n_sigs == n_keys:
        msgs, keys = [messages[0]] * n_sigs, list(public_keys)
    elif n_keys == 1 and n_msgs == n_sigs:
        msgs, keys = list(messages), [public_keys[0]] * n_msgs
    else:
        raise BatchError("Mismatched / erroneous number of messages / signatures / public keys")
    for signature, key in zip(signatures, keys, strict=True):
        if len(signature) != MAX_LENGTH_ED25519_SIGNATURE:
            raise InvalidSignatureFormat()
        if len(key) != EDDSA_PUBKEY_LEN:
            raise InvalidPubkeyFormat()
    return all(
        _ed25519_valid(bytes(m), bytes(sig), bytes(k))
        for m, sig, k in zip(msgs, signatures, keys, strict=True)
    )


# --- BLS12-381 -----------------------------------------------------------------------------------

_Q = field_modulus
_BLS_X = 0xD201000000010000  # |x|; the curve parameter is x = -0xd201000000010000
_Point = tuple[Any, Any, Any]  # py-ecc homogeneous projective point over FQ or FQ2

# psi endomorphism on E'(Fp2): (x, y) -> (conj(x) * c1, conj(y) * c2)
_PSI_C1 = (FQ2([1, 1]) ** ((_Q - 1) // 3)).inv()
_PSI_C2 = (FQ2([1, 1]) ** ((_Q - 1) // 2)).inv()


def _conj(v: Any) -> Any:
    c0, c1 = v.coeffs
    return FQ2([c0, -c1])


def _psi(pt: _Point) -> _Point:
    x, y, z = pt
    return _conj(x) * _PSI_C1, _conj(y) * _PSI_C2, _conj(z)


def _mul_by_x(pt: _Point) -> _Point:
    """[x]P for the (negative) BLS parameter x."""
    return neg(multiply(pt, _BLS_X))


def _pick_beta() -> Any:
    """The cube root of unity beta with phi(P) = (beta * x, y) = -[x^2] P on G1."""
    for candidate in (
        0x1A0111EA397FE699EC02408663D4DE85AA0D857D89759AD4897D29650FB85F9B409427EB4F49FFFD8BFD00000000AAAC,
        0x5F19672FDF76CE51BA69C6076A0F77EADDB3A93BE6F89688DE17D813620A00022E01FFFFFFFEFFFE,
    ):
        beta = FQ(candidate)
        if eq((G1[0] * beta, G1[1], G1[2]), neg(_mul_by_x(_mul_by_x(G1)))):
            return beta
    raise RuntimeError("no cube root of unity matches the G1 endomorphism")


_BETA = _pick_beta()


def _in_g1(pt: _Point) -> bool:
    """Subgroup check for a point on E(Fp): phi(P) == -[x^2] P (Scott, eprint 2021/1130)."""
    if is_inf(pt):
        return True
    return eq((pt[0] * _BETA, pt[1], pt[2]), neg(_mul_by_x(_mul_by_x(pt))))


def _in_g2(pt: _Point) -> bool:
    """Subgroup check for a point on E'(Fp2): psi(P) == [x] P (Scott, eprint 2021/1130)."""
    if is_inf(pt):
        return True
    return eq(_psi(pt), _mul_by_x(pt))


def _fq_lexicographically_largest(v: int) -> bool:
    return v * 2 > _Q


def _fq2_lexicographically_largest(v: Any) -> bool:
    c0, c1 = (int(c) for c in v.coeffs)
    return _fq_lexicographically_largest(c1) if c1 else _fq_lexicographically_largest(c0)


def _read_flags(first: int) -> tuple[bool, bool]:
    """(infinity, largest) from the zcash flag bits, with ark-serialize's rejections."""
    compressed, infinity, largest = bool(first & 0x80), bool(first & 0x40), bool(first & 0x20)
    if not compressed:
        raise InvalidPoint("point must be in compressed format")
    if infinity and largest:
        raise InvalidPoint("infinity with the sort flag")
    return infinity, largest


def g1_from_bytes(data: bytes) -> _Point:
    """A compressed G1 point (48 bytes) as ark-bls12-381 ``deserialize_compressed`` (validated)."""
    if len(data) != BLS12_381_G1_POINT_LEN:
        raise InvalidPoint(f"expected {BLS12_381_G1_POINT_LEN} bytes, got {len(data)}")
    infinity, largest = _read_flags(data[0])
    x = int.from_bytes(data, "big") & ((1 << 381) - 1)
    if infinity:
        if x:
            raise InvalidPoint("infinity with a non-zero x")
        return Z1
    if x >= _Q:
        raise InvalidPoint("x not in the field")
    rhs = (pow(x, 3, _Q) + 4) % _Q
    y = pow(rhs, (_Q + 1) // 4, _Q)
    if y * y % _Q != rhs:
        raise InvalidPoint("not on the curve")
    if _fq_lexicographically_largest(y) != largest:
        y = _Q - y
    point = (FQ(x), FQ(y), FQ.one())
    if not _in_g1(point):
        raise InvalidPoint("not in the G1 subgroup")
    return point


def g2_from_bytes(data: bytes) -> _Point:
    """A compressed G2 point (96 bytes: x.c1 || x.c0) as ark-bls12-381 (validated)."""
    if len(data) != BLS12_381_G2_POINT_LEN:
        raise InvalidPoint(f"expected {BLS12_381_G2_POINT_LEN} bytes, got {len(data)}")
    infinity, largest = _read_flags(data[0])
    x_c1 = int.from_bytes(data[:48], "big") & ((1 << 381) - 1)
    x_c0 = int.from_bytes(data[48:], "big")
    if infinity:
        if x_c1 or x_c0:
            raise InvalidPoint("infinity with a non-zero x")
        return Z2
    if x_c1 >= _Q or x_c0 >= _Q:
        raise InvalidPoint("x not in the field")
    x = FQ2([x_c0, x_c1])
    y = modular_squareroot_in_FQ2(x**3 + b2)
    if y is None:
        raise InvalidPoint("not on the curve")
    if _fq2_lexicographically_largest(y) != largest:
        y = -y
    point = (x, y, FQ2.one())
    if not _in_g2(point):
        raise InvalidPoint("not in the G2 subgroup")
    return point


def g1_to_bytes(pt: _Point) -> bytes:
    """Compressed encoding (zcash / ark flags: 0x80 compressed, 0x40 infinity, 0x20 largest y)."""
    if is_inf(pt):
        return b"\xc0" + bytes(47)
    x, y = normalize(pt)
    out = bytearray(int(x).to_bytes(48, "big"))
    out[0] |= 0x80 | (0x20 if _fq_lexicographically_largest(int(y)) else 0)
    return bytes(out)


def g2_to_bytes(pt: _Point) -> bytes:
    if is_inf(pt):
        return b"\xc0" + bytes(95)
    x, y = normalize(pt)
    c0, c1 = (int(c) for c in x.coeffs)
    out = bytearray(c1.to_bytes(48, "big") + c0.to_bytes(48, "big"))
    out[0] |= 0x80 | (0x20 if _fq2_lexicographically_largest(y) else 0)
    return bytes(out)


def _aggregate(points: bytes, size: int, decode: Any, encode: Any, zero: _Point) -> bytes:
    if not points:
        raise AggregationEmpty()
    if len(points) % size:
        raise AggregationNotMultiple(
            f"List is not a multiple of {size}. Remainder: {len(points) % size}"
        )
    decoded = [decode(points[i : i + size]) for i in range(0, len(points), size)]
    total = zero
    for pt in decoded:
        total = add(total, pt)
    return bytes(encode(total))


def bls12_381_aggregate_g1(points: bytes) -> bytes:
    """Sum of concatenated compressed G1 points (48 bytes each) -> 48 bytes.

    Errors: empty 16, length not a multiple of 48 17, a point invalid / off-curve / outside G1 8.
    The identity is a valid point; a sum that is the identity is returned as ``c0 00..``.
    """
    return _aggregate(points, BLS12_381_G1_POINT_LEN, g1_from_bytes, g1_to_bytes, Z1)


def bls12_381_aggregate_g2(points: bytes) -> bytes:
    """Sum of concatenated compressed G2 points (96 bytes each) -> 96 bytes; codes as for G1."""
    return _aggregate(points, BLS12_381_G2_POINT_LEN, g2_from_bytes, g2_to_bytes, Z2)


def bls12_381_pairing_equality(ps: bytes, qs: bytes, r: bytes, s: bytes) -> bool:
    """e(p1, q1) * ... * e(pn, qn) == e(r, s) for concatenated ps (G1) and qs (G2).

    Errors, in this order: ps not a multiple of 48 -> 11, qs not a multiple of 96 -> 12, different
    point counts -> 13, then any invalid point (also r not 48 / s not 96 bytes) -> 8. n = 0 is
    allowed: the check is then 1 == e(r, s), true iff r or s is the identity.
    """
    if len(ps) % BLS12_381_G1_POINT_LEN:
        raise NotMultipleG1(f"Remainder: {len(ps) % BLS12_381_G1_POINT_LEN}")
    if len(qs) % BLS12_381_G2_POINT_LEN:
        raise NotMultipleG2(f"Remainder: {len(qs) % BLS12_381_G2_POINT_LEN}")
    n_left, n_right = len(ps) // BLS12_381_G1_POINT_LEN, len(qs) // BLS12_381_G2_POINT_LEN
    if n_left != n_right:
        raise UnequalPointAmount(f"Left: {n_left}, Right: {n_right}")
    g1s = [g1_from_bytes(ps[i * 48 : (i + 1) * 48]) for i in range(n_left)]
    g1s.append(neg(g1_from_bytes(r)))
    g2s = [g2_from_bytes(qs[i * 96 : (i + 1) * 96]) for i in range(n_right)]
    g2s.append(g2_from_bytes(s))
    product = FQ12.one()
    for p_pt, q_pt in zip(g1s, g2s, strict=True):
        if is_inf(p_pt) or is_inf(q_pt):
            continue
        product = product * miller_loop(q_pt, p_pt, final_exponentiate=False)
    return bool(final_exponentiate(product) == FQ12.one())


def _expand_message_xmd(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 5.3.1 with SHA-256, incl. 5.3.3 (a DST over 255 bytes is hashed first)."""
    if len(dst) > 255:
        dst = hashlib.sha256(b"H2C-OVERSIZE-DST-" + dst).digest()
    dst_prime = dst + bytes([len(dst)])
    ell = -(-len_in_bytes // 32)
    b0 = hashlib.sha256(
        bytes(64) + msg + len_in_bytes.to_bytes(2, "big") + b"\x00" + dst_prime
    ).digest()
    blocks = [hashlib.sha256(b0 + b"\x01" + dst_prime).digest()]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha256(mixed + bytes([i]) + dst_prime).digest())
    return b"".join(blocks)[:len_in_bytes]


def _hash_to_field(msg: bytes, dst: bytes, count: int, degree: int) -> list[list[int]]:
    length = 64  # L = ceil((ceil(log2(p)) + k) / 8) with k = 128
    uniform = _expand_message_xmd(msg, dst, count * degree * length)
    return [
        [
            int.from_bytes(
                uniform[(j + i * degree) * length : (j + i * degree + 1) * length], "big"
            )
            % _Q
            for j in range(degree)
        ]
        for i in range(count)
    ]


def _check_hash_function(hash_function: int) -> None:
    if hash_function != HASH_FUNCTION_SHA256:
        raise UnknownHashFunction()


def bls12_381_hash_to_g1(hash_function: int, message: bytes, dst: bytes) -> bytes:
    """RFC 9380 BLS12381G1_XMD:SHA-256_SSWU_RO_ with the given DST -> compressed 48 bytes.

    ``hash_function`` must be 0 (SHA-256), else UnknownHashFunction (9). Any DST is accepted (an
    empty one too; over 255 bytes it is hashed as RFC 9380 5.3.3), as ark-ec does.
    """
    _check_hash_function(hash_function)
    u0, u1 = _hash_to_field(bytes(message), bytes(dst), 2, 1)
    q = add(map_to_curve_G1(FQ(u0[0])), map_to_curve_G1(FQ(u1[0])))
    return g1_to_bytes(multiply_clear_cofactor_G1(q))


def bls12_381_hash_to_g2(hash_function: int, message: bytes, dst: bytes) -> bytes:
    """RFC 9380 BLS12381G2_XMD:SHA-256_SSWU_RO_ with the given DST -> compressed 96 bytes."""
    _check_hash_function(hash_function)
    u0, u1 = _hash_to_field(bytes(message), bytes(dst), 2, 2)
    q = add(map_to_curve_G2(FQ2(u0)), map_to_curve_G2(FQ2(u1)))
    return g2_to_bytes(multiply_clear_cofactor_G2(q))


__all__ = [
    "AggregationEmpty",
    "AggregationError",
    "AggregationNotMultiple",
    "BatchError",
    "CryptoError",
    "EmptyG1",
    "EmptyG2",
    "GenericError",
    "InvalidHashFormat",
    "InvalidPoint",
    "InvalidPubkeyFormat",
    "InvalidRecoveryParam",
    "InvalidSignatureFormat",
    "NotMultipleG1",
    "NotMultipleG2",
    "PairingEqualityError",
    "SectionsError",
    "UnequalPointAmount",
    "UnknownHashFunction",
    "bls12_381_aggregate_g1",
    "bls12_381_aggregate_g2",
    "bls12_381_hash_to_g1",
    "bls12_381_hash_to_g2",
    "bls12_381_pairing_equality",
    "decode_sections",
    "ed25519_batch_verify",
    "ed25519_verify",
    "encode_sections",
    "g1_from_bytes",
    "g1_to_bytes",
    "g2_from_bytes",
    "g2_to_bytes",
    "secp256k1_recover_pubkey",
    "secp256k1_verify",
    "secp256r1_recover_pubkey",
    "secp256r1_verify",
]
