"""Every ``env`` import, called by a real contract (native/cosmwasm/imports) through the host.

Storage (with both iteration orders and every ``db_next*``), the address functions with the
``qor`` prefix, the crypto imports against signatures made here with other libraries, ``debug``,
``abort`` and ``query_chain``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import coincurve
import nacl.signing
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from qorenode.addresses import to_bech32
from tests.unit.core.chainkit import Chain
from tests.unit.cosmwasm.wasmkit import DEV0, execute, instantiate, ok, query, response, store


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    chain = Chain(tmp_path_factory.mktemp("imports") / "db")
    yield chain
    chain.close()


@pytest.fixture(scope="module")
def contract(chain: Chain) -> bytes:
    return instantiate(chain, store(chain, "imports"), {})


def ask(chain: Chain, contract: bytes, variant: str, **body: Any) -> dict[str, str]:
    """A read-only variant through a smart query; the attributes the contract reported."""
    attributes: dict[str, str] = query(chain, contract, {variant: body})["attributes"]
    return attributes


def storage_ops(chain: Chain, contract: bytes, *ops: Any) -> list[Any]:
    result = ok(execute(chain, contract, {"storage": {"ops": list(ops)}}))
    return list(json.loads(base64.b64decode(response(result)["data"])))


# -- storage ------------------------------------------------------------------------------------


def test_write_read_remove_and_scan_both_ways(chain: Chain, contract: bytes) -> None:
    writes = [
        {"write": {"key": k, "value": v}}
        for k, v in [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")]
    ]
    storage_ops(chain, contract, *writes)
    got = storage_ops(
        chain,
        contract,
        {"read": {"key": "b"}},
        {"remove": {"key": "b"}},
        {"read": {"key": "b"}},
        {"scan": {}},
        {"scan": {"order": "descending", "mode": "next_key"}},
        {"scan": {"start": "b", "end": "d", "mode": "next_value"}},
        {"scan": {"start": "a", "end": "a"}},
    )
    assert got[0] == "2" and got[2] is None
    assert got[3] == [["a", "1"], ["c", "3"], ["d", "4"]]
    assert got[4] == ["d", "c", "a"]
    assert got[5] == ["3"]  # [b, d): only c remains
    assert got[6] == []


def test_scan_sees_writes_of_the_same_call_and_iterators_are_independent(
    chain: Chain, contract: bytes
) -> None:
    got = storage_ops(
        chain,
        contract,
        {"write": {"key": "m1", "value": "x"}},
        {"open": {"start": "m", "end": "n"}},
        {"open": {"start": "m", "end": "n", "order": "descending"}},
        {"write": {"key": "m2", "value": "y"}},
        {"next": {"iterator": 1, "mode": "next_key"}},
        {"next": {"iterator": 2, "mode": "next_key"}},
    )
    assert got[1] == 1 and got[2] == 2  # iterator ids start at 1
    assert got[4] == "m1"
    assert got[5] in ("m2", "m1")


def test_bad_iteration_order_and_unknown_iterator_fail_the_call(
    chain: Chain, contract: bytes
) -> None:
    result = execute(chain, contract, {"storage": {"ops": [{"scan": {"order": 7}}]}})
    assert not result.success and "invalid iteration order" in result.log
    result = execute(chain, contract, {"storage": {"ops": [{"next": {"iterator": 99}}]}})
    assert not result.success and "iterator 99 does not exist" in result.log


def test_writes_are_refused_in_a_query(chain: Chain, contract: bytes) -> None:
    keeper = chain.comp.wasm.keeper  # type: ignore[union-attr]
    block = chain.app.context(chain.app.height, chain.app.last_block.timestamp)
    from vms.cosmwasm.errors import QueryFailed

    msg = {"storage": {"ops": [{"write": {"key": "q", "value": "1"}}]}}
    with pytest.raises(QueryFailed, match="read-only"):
        keeper.query_smart(block, contract, json.dumps(msg).encode())


# -- addresses ----------------------------------------------------------------------------------


def test_address_round_trips_for_users_and_contracts(chain: Chain, contract: bytes) -> None:
    for address in (DEV0.bech32_address, to_bech32(contract)):
        got = ask(chain, contract, "addr", address=address)
        assert got["validate"] == "ok" and got["round_trip"] == "true"
    got = ask(chain, contract, "addr", address=DEV0.bech32_address)
    assert got["canonical"] == DEV0.address.hex()


@pytest.mark.parametrize(
    "address",
    [
        "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu",  # another chain's prefix
        DEV0.bech32_address.upper(),  # not normalized
        DEV0.bech32_address[:-1] + ("q" if DEV0.bech32_address[-1] != "q" else "p"),  # checksum
        "",
    ],
)
def test_invalid_addresses_are_errors_returned_to_the_contract(
    chain: Chain, contract: bytes, address: str
) -> None:
    got = ask(chain, contract, "addr_validate", address=address)
    assert "validate_error" in got and "validate" not in got


def test_humanize_rejects_an_empty_canonical_address(chain: Chain, contract: bytes) -> None:
    assert "humanize_error" in ask(chain, contract, "addr_humanize", canonical="")
    got = ask(chain, contract, "addr_humanize", canonical=DEV0.address.hex())
    assert got["humanized"] == DEV0.bech32_address


# -- crypto -------------------------------------------------------------------------------------

MESSAGE = b"qorenode crypto import"
DIGEST = hashlib.sha256(MESSAGE).digest()


def test_secp256k1_verify_and_recover(chain: Chain, contract: bytes) -> None:
    key = coincurve.PrivateKey(bytes(range(1, 33)))
    recoverable = key.sign_recoverable(DIGEST, hasher=None)
    signature, recovery = recoverable[:64], recoverable[64]
    pubkey = key.public_key.format(compressed=True)
    args = {"hash": DIGEST.hex(), "signature": signature.hex(), "pubkey": pubkey.hex()}
    assert ask(chain, contract, "secp256k1_verify", **args)["result"] == "0"
    wrong = {**args, "hash": hashlib.sha256(b"other").hexdigest()}
    assert ask(chain, contract, "secp256k1_verify", **wrong)["result"] == "1"
    assert ask(chain, contract, "secp256k1_verify", **{**args, "hash": "00"})["result"] == "3"
    got = ask(
        chain,
        contract,
        "secp256k1_recover_pubkey",
        hash=DIGEST.hex(),
        signature=signature.hex(),
        recovery_param=recovery,
    )
    assert got["result"] == "0"
    assert got["pubkey"] == key.public_key.format(compressed=False).hex()
    bad = ask(
        chain,
        contract,
        "secp256k1_recover_pubkey",
        hash=DIGEST.hex(),
        signature=signature.hex(),
        recovery_param=5,
    )
    assert bad["result"] == "6"


def test_secp256r1_verify(chain: Chain, contract: bytes) -> None:
    key = ec.derive_private_key(12345, ec.SECP256R1())
    der = key.sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    numbers = key.public_key().public_numbers()
    pubkey = b"\x04" + numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
    args = {"hash": DIGEST.hex(), "signature": signature.hex(), "pubkey": pubkey.hex()}
    assert ask(chain, contract, "secp256r1_verify", **args)["result"] == "0"
    assert ask(chain, contract, "secp256r1_verify", **{**args, "signature": signature[::-1].hex()})[
        "result"
    ] in ("1", "10")
    recovered = {
        ask(
            chain,
            contract,
            "secp256r1_recover_pubkey",
            hash=DIGEST.hex(),
            signature=signature.hex(),
            recovery_param=param,
        ).get("pubkey")
        for param in (0, 1)
    }
    assert pubkey.hex() in recovered


def test_ed25519_verify_and_batch(chain: Chain, contract: bytes) -> None:
    keys = [nacl.signing.SigningKey(bytes([i]) * 32) for i in (1, 2)]
    messages = [b"first", b"second"]
    signatures = [k.sign(m).signature for k, m in zip(keys, messages, strict=True)]
    pubkeys = [bytes(k.verify_key) for k in keys]
    one = {
        "message": messages[0].hex(),
        "signature": signatures[0].hex(),
        "pubkey": pubkeys[0].hex(),
    }
    assert ask(chain, contract, "ed25519_verify", **one)["result"] == "0"
    assert ask(chain, contract, "ed25519_verify", **{**one, "message": b"x".hex()})["result"] == "1"
    batch = {
        "messages": [m.hex() for m in messages],
        "signatures": [s.hex() for s in signatures],
        "pubkeys": [p.hex() for p in pubkeys],
    }
    assert ask(chain, contract, "ed25519_batch_verify", **batch)["result"] == "0"
    swapped = {**batch, "pubkeys": batch["pubkeys"][::-1]}
    assert ask(chain, contract, "ed25519_batch_verify", **swapped)["result"] == "1"


def test_bls12_381_hash_aggregate_and_pairing(chain: Chain, contract: bytes) -> None:
    from py_ecc.bls.point_compression import compress_G1, compress_G2
    from py_ecc.optimized_bls12_381 import G1, G2, add, multiply

    def g1(point: Any) -> bytes:
        return compress_G1(point).to_bytes(48, "big")

    def g2(point: Any) -> bytes:
        x, y = compress_G2(point)
        return x.to_bytes(48, "big") + y.to_bytes(48, "big")

    got = ask(
        chain,
        contract,
        "bls12_381_aggregate_g1",
        points=(g1(multiply(G1, 2)) + g1(multiply(G1, 3))).hex(),
    )
    assert got == {"result": "0", "point": g1(multiply(G1, 5)).hex()}
    hashed = ask(
        chain,
        contract,
        "bls12_381_hash_to_g1",
        msg=b"abc".hex(),
        dst=b"QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_".hex(),
    )
    assert hashed["result"] == "0" and len(bytes.fromhex(hashed["point"])) == 48
    assert (
        ask(chain, contract, "bls12_381_hash_to_g2", msg="", dst="", hash_function=1)["result"]
        == "9"
    )
    # e(2·G1, 3·G2) == e(6·G1, G2)
    pairing = {
        "ps": g1(multiply(G1, 2)).hex(),
        "qs": g2(multiply(G2, 3)).hex(),
        "r": g1(multiply(G1, 6)).hex(),
        "s": g2(G2).hex(),
    }
    assert ask(chain, contract, "bls12_381_pairing_equality", **pairing)["result"] == "0"
    unequal = {**pairing, "r": g1(add(multiply(G1, 6), G1)).hex()}
    assert ask(chain, contract, "bls12_381_pairing_equality", **unequal)["result"] == "1"


# -- debug, abort, query_chain ------------------------------------------------------------------


def test_debug_and_abort(chain: Chain, contract: bytes) -> None:
    assert ask(chain, contract, "debug", message="hello host")["debug"] == "hello host"
    result = execute(chain, contract, {"abort": {"message": "stop right there"}})
    assert not result.success and "Aborted: stop right there" in result.log
    result = execute(chain, contract, {"panic": {"message": "oh no"}})
    assert not result.success and result.code == 5


def _query_chain(chain: Chain, contract: bytes, request: Any) -> Any:
    return json.loads(ask(chain, contract, "query_chain", request=request)["response"])


def test_query_chain_answers_and_system_errors(chain: Chain, contract: bytes) -> None:
    balance = _query_chain(
        chain, contract, {"bank": {"balance": {"address": DEV0.bech32_address, "denom": "aqor"}}}
    )
    inner = json.loads(base64.b64decode(balance["ok"]["ok"]))
    assert inner == {
        "amount": {"denom": "aqor", "amount": str(chain.evm.get_balance(DEV0.address))}
    }
    supply = _query_chain(chain, contract, {"bank": {"supply": {"denom": "aqor"}}})
    assert json.loads(base64.b64decode(supply["ok"]["ok"]))["amount"]["amount"] == str(
        chain.bank.total_supply()
    )
    info = _query_chain(
        chain, contract, {"wasm": {"contract_info": {"contract_addr": to_bech32(contract)}}}
    )
    assert json.loads(base64.b64decode(info["ok"]["ok"]))["creator"] == DEV0.bech32_address
    code = _query_chain(chain, contract, {"wasm": {"code_info": {"code_id": 999}}})
    assert code == {"error": {"no_such_code": {"code_id": 999}}}
    nowhere = to_bech32(bytes(32))
    missing = _query_chain(
        chain, contract, {"wasm": {"smart": {"contract_addr": nowhere, "msg": "e30="}}}
    )
    assert missing == {"error": {"no_such_contract": {"addr": nowhere}}}
    assert (
        "unsupported_request"
        in _query_chain(chain, contract, {"staking": {"bonded_denom": {}}})["error"]
    )
    assert "invalid_request" in _query_chain(chain, contract, "not json")["error"]
    failing = _query_chain(
        chain,
        contract,
        {
            "wasm": {
                "smart": {
                    "contract_addr": to_bech32(contract),
                    "msg": base64.b64encode(b'{"nope":{}}').decode(),
                }
            }
        },
    )
    assert "error" in failing["ok"]
