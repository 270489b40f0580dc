"""Bad input over raw HTTP: every case gets a clear JSON-RPC error, and nothing is half-written.

Each error carries the JSON-RPC code clients switch on and, under ``data``, the node's stable
``code``/``codespace`` (see ``qorenode.errors``). After the bad input the node still serves, its
height is unchanged, dev0's nonce and balance are unchanged, and the next block holds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import rlp

from qorenode.testing import Devnet
from tests.integration._support import (
    CHAIN_ID,
    DEV0,
    DEV1,
    GWEI,
    eip1559,
    post,
    rpc,
    rpc_error,
    rpc_raw,
    sign,
)

MAX_BODY = 10 * 1024 * 1024  # qorenode.rpc.http.DEFAULT_MAX_BODY

# JSON-RPC codes (qorenode.errors.RPC_CODES) and the node's stable codes.
PARSE, INVALID_REQUEST, NO_METHOD, INVALID_PARAMS, TX_REJECTED = (
    -32700,
    -32600,
    -32601,
    -32602,
    -32003,
)
RPC_PARSE, RPC_INVALID_REQUEST, RPC_NO_METHOD, RPC_INVALID_PARAMS, RPC_TOO_LARGE = 2, 3, 4, 5, 6
MALFORMED_TX, INVALID_SIG, WRONG_CHAIN, NONCE_LOW, NONCE_HIGH = 12, 13, 14, 15, 16
NO_FUNDS, GAS_LIMIT, INTRINSIC_GAS, FEE_TOO_LOW, UNKNOWN_ACCOUNT = 17, 18, 22, 23, 24
NOT_FOUND = -32001
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def assert_error(
    error: dict[str, Any], rpc_code: int, code: int, codespace: str, *words: str
) -> None:
    assert error["code"] == rpc_code, error
    assert error["data"]["code"] == code, error
    assert error["data"]["codespace"] == codespace, error
    message = error["message"].lower()
    assert message, error
    for word in words:
        assert word.lower() in message, (word, error)


@dataclass(frozen=True)
class Baseline:
    height: int
    nonce: int
    balance: int


def snapshot(devnet: Devnet) -> Baseline:
    url = devnet.eth_url
    return Baseline(
        height=int(rpc(url, "eth_blockNumber"), 16),
        nonce=int(rpc(url, "eth_getTransactionCount", DEV0.hex_address, "latest"), 16),
        balance=int(rpc(url, "eth_getBalance", DEV0.hex_address, "latest"), 16),
    )


@pytest.fixture
def baseline(devnet: Devnet) -> Baseline:
    """dev0 has sent one transaction (so "nonce too low" is possible); the state before the test."""
    tx_hash = rpc(
        devnet.eth_url,
        "eth_sendRawTransaction",
        sign(eip1559(0, to=DEV1.hex_address, value=10**18, gas=21_000)),
    )
    devnet.mine()
    assert rpc(devnet.eth_url, "eth_getTransactionReceipt", tx_hash)["status"] == "0x1"
    return snapshot(devnet)


def assert_unchanged(devnet: Devnet, before: Baseline) -> None:
    """The node serves, and the bad input left no trace, not even in the mempool."""
    url = devnet.eth_url
    assert snapshot(devnet) == before
    pending = rpc(url, "eth_getTransactionCount", DEV0.hex_address, "pending")
    assert int(pending, 16) == before.nonce
    (notice,) = devnet.mine()
    assert notice.record.tx_hashes == []
    block = rpc(url, "eth_getBlockByNumber", "latest", False)
    assert int(block["number"], 16) == before.height + 1
    assert block["transactions"] == []
    after = snapshot(devnet)
    assert (after.nonce, after.balance) == (before.nonce, before.balance)


def send_raw_error(devnet: Devnet, raw: str) -> dict[str, Any]:
    return rpc_error(devnet.eth_url, "eth_sendRawTransaction", raw)


def signed_with(tx_changes: dict[str, Any], nonce: int) -> str:
    tx = eip1559(nonce, to=DEV1.hex_address, value=1, gas=21_000)
    tx.update(tx_changes)
    return sign(tx)


def resign_fields(raw: str, **fields: int) -> str:
    """A type-2 raw transaction with some of (y_parity, r, s) replaced."""
    payload = bytes.fromhex(raw[2:])
    assert payload[0] == 2
    items = list(rlp.decode(payload[1:]))
    positions = {"y_parity": 9, "r": 10, "s": 11}
    for name, value in fields.items():
        items[positions[name]] = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
        if value == 0:
            items[positions[name]] = b""
    return "0x02" + rlp.encode(items).hex()


# -- the cases -----------------------------------------------------------------------------------


def case_malformed_json(devnet: Devnet, base: Baseline) -> None:
    for body in (b'{"jsonrpc": "2.0", "id": 1, "method": ', b"\xff\xfe", b"nope", b""):
        status, raw = post(devnet.eth_url, body)
        assert status == 200, (body, status)
        response = json.loads(raw)
        assert response["id"] is None
        assert_error(response["error"], PARSE, RPC_PARSE, "rpc", "parse")


def case_invalid_request(devnet: Devnet, base: Baseline) -> None:
    for request in (
        {"jsonrpc": "1.0", "id": 1, "method": "eth_blockNumber"},
        {"jsonrpc": "2.0", "id": 1, "method": 5},
        {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": "x"},
        {"jsonrpc": "2.0", "id": [1], "method": "eth_blockNumber"},
        42,
    ):
        status, raw = post(devnet.eth_url, json.dumps(request).encode())
        assert status == 200
        response = json.loads(raw)
        assert_error(response["error"], INVALID_REQUEST, RPC_INVALID_REQUEST, "rpc", "invalid")
    status, raw = post(devnet.eth_url, b"[]")
    assert_error(json.loads(raw)["error"], INVALID_REQUEST, RPC_INVALID_REQUEST, "rpc")


def case_unknown_method(devnet: Devnet, base: Baseline) -> None:
    for method in ("eth_noSuchMethod", "debug_traceTransaction2", "nonamespace", "eth_"):
        error = rpc_error(devnet.eth_url, method)
        assert_error(error, NO_METHOD, RPC_NO_METHOD, "rpc")
    error = rpc_error(devnet.eth_url, "eth_noSuchMethod")
    assert "eth_noSuchMethod" in error["message"]


def case_wrong_params(devnet: Devnet, base: Baseline) -> None:
    url = devnet.eth_url
    cases: list[tuple[str, Any]] = [
        ("eth_getBalance", []),  # missing
        ("eth_blockNumber", [1, 2, 3]),  # too many
        ("eth_getBalance", ["0x1234", "latest"]),  # short address
        ("eth_getBalance", ["not an address", "latest"]),
        ("eth_getBalance", [DEV0.hex_address, "tomorrow"]),  # bad block tag
        ("eth_getBlockByNumber", [{"a": 1}, False]),
        ("eth_getTransactionReceipt", ["0x12"]),  # short hash
        ("eth_sendRawTransaction", ["0xzz"]),  # not hex
        ("eth_sendRawTransaction", [12]),
        ("eth_getLogs", [{"fromBlock": "0x1", "toBlock": "banana"}]),
        ("eth_call", [{"to": "0x12"}, "latest"]),
        ("eth_getBalance", {"address": DEV0.hex_address, "bogus": 1}),
    ]
    for method, params in cases:
        response = rpc_raw(url, method, params)
        assert "error" in response, (method, params, response)
        assert_error(response["error"], INVALID_PARAMS, RPC_INVALID_PARAMS, "rpc", "invalid")
    # the node's own methods: parameters of the wrong JSON type are refused as well
    node_cases: list[tuple[str, Any]] = [
        ("qor_getBalance", [{"address": DEV0.hex_address}]),
        ("qor_getBalance", [12]),
        ("qor_getTransaction", [None]),
        ("qor_getTransaction", [["0x12"]]),
        ("evm_mine", ["tomorrow"]),
        ("anvil_mine", ["0xzz"]),
    ]
    for method, params in node_cases:
        response = rpc_raw(url, method, params)
        assert "error" in response, (method, params, response)
        assert response["error"]["code"] == INVALID_PARAMS, (method, params, response)


def case_unknown_account_block_filter(devnet: Devnet, base: Baseline) -> None:
    url = devnet.eth_url
    stranger = "0x" + "11" * 20
    error = rpc_error(url, "eth_sendTransaction", {"from": stranger, "to": DEV1.hex_address})
    assert_error(error, INVALID_PARAMS, UNKNOWN_ACCOUNT, "rpc", "unknown account")
    error = rpc_error(url, "eth_getBalance", DEV0.hex_address, hex(base.height + 100))
    assert_error(error, NOT_FOUND, 30, "evm", "header not found")
    error = rpc_error(url, "eth_getFilterChanges", "0x1234")
    assert_error(error, NOT_FOUND, 31, "evm", "filter not found")
    # Unknown things that are not errors: null, as geth answers.
    assert rpc(url, "eth_getBlockByNumber", hex(base.height + 100), False) is None
    assert rpc(url, "eth_getTransactionReceipt", "0x" + "ab" * 32) is None
    assert rpc(url, "eth_getTransactionByHash", "0x" + "ab" * 32) is None


def case_bad_rlp(devnet: Devnet, base: Baseline) -> None:
    good = signed_with({}, base.nonce)
    for raw in (
        "0x",
        "0xdeadbeef",
        "0x02c0",  # typed (1559) with an empty list
        "0x01c3010203",  # typed (2930) with too few fields
        "0xc0",  # legacy, empty list
        good[:-6],  # truncated
        good + "00",  # trailing byte
        "0x05" + good[4:],  # unknown transaction type
    ):
        error = send_raw_error(devnet, raw)
        assert_error(error, TX_REJECTED, MALFORMED_TX, "node")


def case_bad_signature(devnet: Devnet, base: Baseline) -> None:
    good = signed_with({}, base.nonce)
    for fields in ({"r": 0}, {"s": 0}, {"r": 0, "s": 0}, {"y_parity": 7}, {"r": SECP256K1_N}):
        error = send_raw_error(devnet, resign_fields(good, **fields))
        assert_error(error, TX_REJECTED, INVALID_SIG, "node", "signature")
    # s in the upper half of the curve order (EIP-2), with the parity flipped so that it still
    # recovers dev0: refused at admission (py-evm would only refuse it when applying it).
    payload = list(rlp.decode(bytes.fromhex(good[4:])))
    s = int.from_bytes(payload[11], "big")
    y = int.from_bytes(payload[9], "big")
    malleated = resign_fields(good, s=SECP256K1_N - s, y_parity=1 - y)
    assert_error(send_raw_error(devnet, malleated), TX_REJECTED, INVALID_SIG, "node", "signature")
    # The same for a legacy (EIP-155) transaction: v = chain_id * 2 + 35 + parity.
    legacy = sign(
        {
            "nonce": base.nonce,
            "gasPrice": 2 * GWEI,
            "gas": 21_000,
            "to": DEV1.hex_address,
            "value": 1,
            "chainId": CHAIN_ID,
        }
    )
    items = list(rlp.decode(bytes.fromhex(legacy[2:])))
    v, s = int.from_bytes(items[6], "big"), int.from_bytes(items[8], "big")
    parity = v - CHAIN_ID * 2 - 35
    items[6] = (CHAIN_ID * 2 + 35 + 1 - parity).to_bytes(2, "big")
    items[8] = (SECP256K1_N - s).to_bytes(32, "big")
    error = send_raw_error(devnet, "0x" + rlp.encode(items).hex())
    assert_error(error, TX_REJECTED, INVALID_SIG, "node", "signature")
    # A valid signature of another (unfunded) key: it recovers someone else, who cannot pay.
    r = int.from_bytes(payload[10], "big")
    error = send_raw_error(devnet, resign_fields(good, r=r ^ 1))
    assert error["code"] == TX_REJECTED, error
    assert error["data"]["code"] in (NO_FUNDS, INVALID_SIG), error


def case_wrong_chain_id(devnet: Devnet, base: Baseline) -> None:
    for chain_id in (1, CHAIN_ID + 1):
        error = send_raw_error(devnet, signed_with({"chainId": chain_id}, base.nonce))
        assert_error(error, TX_REJECTED, WRONG_CHAIN, "node", "chain id")
    legacy = sign(
        {
            "nonce": base.nonce,
            "gasPrice": 2 * GWEI,
            "gas": 21_000,
            "to": DEV1.hex_address,
            "value": 1,
            "chainId": 5,
        }
    )
    assert_error(send_raw_error(devnet, legacy), TX_REJECTED, WRONG_CHAIN, "node")


def case_nonce_too_low(devnet: Devnet, base: Baseline) -> None:
    assert base.nonce >= 1
    error = send_raw_error(devnet, signed_with({}, base.nonce - 1))
    assert_error(error, TX_REJECTED, NONCE_LOW, "node", "nonce too low")


def case_nonce_too_high(devnet: Devnet, base: Baseline) -> None:
    for nonce in (base.nonce + 1, base.nonce + 1000, 2**64 - 2):
        error = send_raw_error(devnet, signed_with({}, nonce))
        assert_error(error, TX_REJECTED, NONCE_HIGH, "node", "nonce too high")


def case_insufficient_funds(devnet: Devnet, base: Baseline) -> None:
    error = send_raw_error(devnet, signed_with({"value": base.balance}, base.nonce))
    assert_error(error, TX_REJECTED, NO_FUNDS, "node", "insufficient funds")
    # Value alone fits, but not with gas * max fee on top.
    almost = base.balance - 21_000 * GWEI
    error = send_raw_error(
        devnet, signed_with({"value": almost, "maxFeePerGas": 10 * GWEI}, base.nonce)
    )
    assert_error(error, TX_REJECTED, NO_FUNDS, "node")
    # Through eth_sendTransaction too (a dev account the node signs for).
    error = rpc_error(
        devnet.eth_url,
        "eth_sendTransaction",
        {"from": DEV0.hex_address, "to": DEV1.hex_address, "value": hex(base.balance)},
    )
    assert error["code"] in (TX_REJECTED, 3, -32000), error
    assert "insufficient funds" in error["message"].lower(), error


def case_gas_above_block_limit(devnet: Devnet, base: Baseline) -> None:
    for gas in (30_000_001, 2**63):
        error = send_raw_error(devnet, signed_with({"gas": gas, "maxFeePerGas": GWEI}, base.nonce))
        assert error["code"] == TX_REJECTED, error
        assert error["data"]["code"] in (GAS_LIMIT, NO_FUNDS), error
    error = send_raw_error(devnet, signed_with({"gas": 30_000_001}, base.nonce))
    assert_error(error, TX_REJECTED, GAS_LIMIT, "node", "gas limit")
    error = send_raw_error(devnet, signed_with({"gas": 20_999}, base.nonce))
    assert_error(error, TX_REJECTED, INTRINSIC_GAS, "node", "intrinsic gas")
    error = send_raw_error(
        devnet, signed_with({"maxFeePerGas": 1, "maxPriorityFeePerGas": 1}, base.nonce)
    )
    assert_error(error, TX_REJECTED, FEE_TOO_LOW, "node")


def case_oversized_body(devnet: Devnet, base: Baseline) -> None:
    filler = "0x" + "00" * (MAX_BODY // 2 + 16)
    request = {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [filler]}
    body = json.dumps(request).encode()
    assert len(body) > MAX_BODY
    status, raw = post(devnet.eth_url, body)
    assert status == 413
    response = json.loads(raw)
    assert_error(response["error"], INVALID_REQUEST, RPC_TOO_LARGE, "rpc", "too large")
    # Just under the limit is read (and refused only as a bad transaction).
    filler = "0x" + "00" * (MAX_BODY // 2 - 200)
    request["params"] = [filler]
    body = json.dumps(request).encode()
    assert len(body) <= MAX_BODY
    status, raw = post(devnet.eth_url, body)
    assert status == 200
    assert json.loads(raw)["error"]["code"] == TX_REJECTED
    # A batch over the entry limit is refused as a whole.
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber"} for i in range(1001)]
    status, raw = post(devnet.eth_url, json.dumps(batch).encode())
    (only,) = json.loads(raw)
    assert_error(only["error"], INVALID_REQUEST, RPC_TOO_LARGE, "rpc")


def case_batch_mixing_good_and_bad(devnet: Devnet, base: Baseline) -> None:
    batch: list[Any] = [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_noSuchMethod", "params": []},
        {"jsonrpc": "2.0", "id": 3, "method": "eth_sendRawTransaction", "params": ["0xdeadbeef"]},
        42,
        {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []},  # notification
        {"jsonrpc": "2.0", "id": 4, "method": "eth_getBalance", "params": []},
        {
            "jsonrpc": "2.0",
            "id": "five",
            "method": "eth_sendRawTransaction",
            "params": [signed_with({}, base.nonce + 5)],
        },
        {"jsonrpc": "2.0", "id": 6, "method": "eth_chainId", "params": []},
    ]
    status, raw = post(devnet.eth_url, json.dumps(batch).encode())
    assert status == 200
    answers = json.loads(raw)
    assert [a["id"] for a in answers] == [1, 2, 3, None, 4, "five", 6]
    assert answers[0]["result"] == hex(base.height)
    assert_error(answers[1]["error"], NO_METHOD, RPC_NO_METHOD, "rpc")
    assert_error(answers[2]["error"], TX_REJECTED, MALFORMED_TX, "node")
    assert_error(answers[3]["error"], INVALID_REQUEST, RPC_INVALID_REQUEST, "rpc")
    assert_error(answers[4]["error"], INVALID_PARAMS, RPC_INVALID_PARAMS, "rpc")
    assert_error(answers[5]["error"], TX_REJECTED, NONCE_HIGH, "node")
    assert int(answers[6]["result"], 16) == CHAIN_ID
    # A batch of notifications only gets no body at all.
    only_notes = [{"jsonrpc": "2.0", "method": "eth_blockNumber"}] * 2
    status, raw = post(devnet.eth_url, json.dumps(only_notes).encode())
    assert status in (200, 204) and raw == b""


def case_http_level(devnet: Devnet, base: Baseline) -> None:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(devnet.eth_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("PUT", "/", b"{}")
        response = conn.getresponse()
        assert response.status == 405
        assert json.loads(response.read())["error"]["data"]["codespace"] == "rpc"
        conn.request("GET", "/")  # health check, same keep-alive connection
        response = conn.getresponse()
        assert response.status == 200
        response.read()
    finally:
        conn.close()


CASES: dict[str, Callable[[Devnet, Baseline], None]] = {
    name.removeprefix("case_"): fn for name, fn in globals().items() if name.startswith("case_")
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name: str, devnet: Devnet, baseline: Baseline) -> None:
    CASES[name](devnet, baseline)
    assert_unchanged(devnet, baseline)


def test_all_bad_input_in_a_row_leaves_the_node_serving(devnet: Devnet, baseline: Baseline) -> None:
    for case in CASES.values():
        case(devnet, baseline)
    assert_unchanged(devnet, baseline)
    # And a good transaction still goes through with the next nonce.
    tx_hash = rpc(
        devnet.eth_url,
        "eth_sendRawTransaction",
        signed_with({}, baseline.nonce),
    )
    devnet.mine()
    assert rpc(devnet.eth_url, "eth_getTransactionReceipt", tx_hash)["status"] == "0x1"
    assert rpc(devnet.eth_url, "eth_getTransactionCount", DEV0.hex_address, "latest") == hex(
        baseline.nonce + 1
    )


def test_duplicate_and_replayed_transaction(devnet: Devnet, baseline: Baseline) -> None:
    raw = signed_with({}, baseline.nonce)
    tx_hash = rpc(devnet.eth_url, "eth_sendRawTransaction", raw)
    error = send_raw_error(devnet, raw)
    assert_error(error, TX_REJECTED, 19, "node", "already known")
    (notice,) = devnet.mine()
    assert ["0x" + h.hex() for h in notice.record.tx_hashes] == [tx_hash]
    error = send_raw_error(devnet, raw)  # replayed after inclusion
    assert_error(error, TX_REJECTED, NONCE_LOW, "node", "nonce too low")
    after = snapshot(devnet)
    assert (after.height, after.nonce) == (baseline.height + 1, baseline.nonce + 1)
    assert after.balance < baseline.balance - 1
