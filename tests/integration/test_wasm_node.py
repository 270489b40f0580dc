"""CosmWasm on a real node process (``qorenode start``), over its sockets only.

JSON-RPC (``qor_sendTransaction``, ``qor_getTransaction``, ``qor_wasm*``), the REST routes of
vms/cosmwasm/api.py and web3.py; no test reaches into the node's objects. The contracts are the
committed builds in native/cosmwasm/build (messages in native/cosmwasm/README.md):

    cw20        instantiate {name, symbol, decimals, initial_balances, mint}
                execute {"transfer": {recipient, amount}}   query {"balance": {address}}
    dispatcher  execute {"bank_send": ...}, {"set_data": ...}, {"query_smart": ...}, ...
    counter     instantiate {"count": N}   execute {"increment": {}}   query {"get_count": {}}

Transactions are native transactions (signed JSON envelopes), each in its own instant block.
Waiting is bounded polling of the subprocess (``qorenode.client.wait_for_native``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from qorenode.addresses import to_bech32
from qorenode.client import RpcClient, send_native, wait_for_native
from qorenode.keys import KeyPair
from tests.fixtures.contracts import REPO_ROOT
from tests.integration._support import (
    DEV0,
    DEV1,
    DEV2,
    NodeProcess,
    get_json,
    rpc,
    rpc_error,
)

BUILD = REPO_ROOT / "native" / "cosmwasm" / "build"
DENOM = "aqor"
GAS = 5_000_000

STORE = "/cosmwasm.wasm.v1.MsgStoreCode"
INSTANTIATE = "/cosmwasm.wasm.v1.MsgInstantiateContract"
EXECUTE = "/cosmwasm.wasm.v1.MsgExecuteContract"
MIGRATE = "/cosmwasm.wasm.v1.MsgMigrateContract"

# vms/cosmwasm/README.md: the first contract of code 1 (wasmd's BuildContractAddressClassic).
FIRST_CONTRACT = "qor14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s93uuqt"
UNKNOWN_CONTRACT = to_bech32(b"\x42" * 32)
WASM_PREFIX = "/cosmwasm/wasm/v1"

# JSON-RPC codes (qorenode.errors.RPC_CODES)
NOT_FOUND, INVALID_PARAMS, SERVER_ERROR = -32001, -32602, -32000


def wasm_bytes(name: str) -> bytes:
    return (BUILD / f"{name}.wasm").read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def coins(amount: int) -> list[dict[str, str]]:
    return [{"denom": DENOM, "amount": str(amount)}] if amount else []


# -- messages ------------------------------------------------------------------------------------


def store_msg(key: KeyPair, wasm: bytes) -> dict[str, Any]:
    return {"@type": STORE, "sender": key.bech32_address, "wasm_byte_code": b64(wasm)}


def instantiate_msg(
    key: KeyPair,
    code_id: int,
    init: Any,
    *,
    label: str,
    admin: KeyPair | None = None,
    funds: int = 0,
) -> dict[str, Any]:
    return {
        "@type": INSTANTIATE,
        "sender": key.bech32_address,
        "admin": admin.bech32_address if admin else "",
        "code_id": str(code_id),
        "label": label,
        "msg": init,
        "funds": coins(funds),
    }


def execute_msg(key: KeyPair, contract: str, msg: Any, funds: int = 0) -> dict[str, Any]:
    return {
        "@type": EXECUTE,
        "sender": key.bech32_address,
        "contract": contract,
        "msg": msg,
        "funds": coins(funds),
    }


def migrate_msg(key: KeyPair, contract: str, code_id: int, msg: Any) -> dict[str, Any]:
    return {
        "@type": MIGRATE,
        "sender": key.bech32_address,
        "contract": contract,
        "code_id": str(code_id),
        "msg": msg,
    }


def cw20_init(balances: Mapping[KeyPair, int]) -> dict[str, Any]:
    return {
        "name": "Qore Wasm Token",
        "symbol": "QWT",
        "decimals": 6,
        "initial_balances": [
            {"address": key.bech32_address, "amount": str(amount)}
            for key, amount in balances.items()
        ],
        "mint": None,
    }


def transfer(key: KeyPair, token: str, to: KeyPair, amount: int, funds: int = 0) -> dict[str, Any]:
    msg = {"transfer": {"recipient": to.bech32_address, "amount": str(amount)}}
    return execute_msg(key, token, msg, funds)


# -- transaction records -------------------------------------------------------------------------


def response(record: Mapping[str, Any]) -> Any:
    """The first message's response: ``data`` holds each response's compact JSON as hex."""
    (data,) = record["data"]
    return json.loads(bytes.fromhex(data))


def attributes(event: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(a["key"], a["value"]) for a in event["attributes"]]


def events_of(record: Mapping[str, Any], kind: str) -> list[list[tuple[str, str]]]:
    return [attributes(e) for e in record["events"] if e["type"] == kind]


def assert_failed(record: Mapping[str, Any], codespace: str, code: int, *words: str) -> None:
    """A transaction included in a block whose execution failed, with the stable code."""
    assert record["success"] is False, record
    assert (record["codespace"], record["code"]) == (codespace, code), record
    assert record["events"] == [] and record["data"] == [], record
    assert record["raw_log"].startswith("message 0: "), record
    for word in words:
        assert word.lower() in record["raw_log"].lower(), (word, record["raw_log"])


# -- the node ------------------------------------------------------------------------------------


@dataclass
class WasmNode:
    """A node process and how the tests talk to it: JSON-RPC, REST, native transactions."""

    process: NodeProcess
    client: RpcClient
    chain_id: str

    @classmethod
    def attach(cls, process: NodeProcess) -> WasmNode:
        client = RpcClient(process.eth_url)
        return cls(process, client, str(client.call("qor_nodeInfo")["chain_id"]))

    @property
    def url(self) -> str:
        return self.process.eth_url

    def tx(self, key: KeyPair, *msgs: Mapping[str, Any], gas: int = GAS) -> dict[str, Any]:
        """Send a native transaction (qor_sendTransaction); its qor_getTransaction record."""
        tx_hash = send_native(self.client, key, self.chain_id, msgs, gas)
        record = wait_for_native(self.client, tx_hash, timeout=30)
        assert record["txhash"] == tx_hash and record["kind"] == "native", record
        return record

    def ok(self, key: KeyPair, *msgs: Mapping[str, Any], gas: int = GAS) -> dict[str, Any]:
        record = self.tx(key, *msgs, gas=gas)
        assert record["success"] is True, (record["codespace"], record["code"], record["raw_log"])
        assert (record["code"], record["codespace"], record["raw_log"]) == (0, "", "")
        return record

    def store(self, name: str, key: KeyPair = DEV0) -> int:
        return int(response(self.ok(key, store_msg(key, wasm_bytes(name))))["code_id"])

    def instantiate(self, key: KeyPair, code_id: int, init: Any, **kwargs: Any) -> str:
        record = self.ok(key, instantiate_msg(key, code_id, init, **kwargs))
        address: str = response(record)["address"]
        return address

    def rest(self, path: str) -> tuple[int, Any]:
        return get_json(self.process.rest_url, path)

    def rest_ok(self, path: str) -> Any:
        status, body = self.rest(path)
        assert status == 200, (path, status, body)
        return body

    def smart(self, contract: str, query: Any) -> Any:
        return rpc(self.url, "qor_wasmSmartQuery", contract, query)

    def smart_rest(self, contract: str, query: Any) -> Any:
        data = json.dumps(query, separators=(",", ":")).encode()
        body = self.rest_ok(f"{WASM_PREFIX}/contract/{contract}/smart/{quote(b64(data), safe='')}")
        return body["data"]

    def cw20_balance(self, token: str, owner: KeyPair) -> int:
        query = {"balance": {"address": owner.bech32_address}}
        via_rpc = self.smart(token, query)
        assert self.smart_rest(token, query) == via_rpc
        return int(via_rpc["balance"])

    def bank_balance(self, address: str) -> int:
        body = self.rest_ok(f"/cosmos/bank/v1beta1/balances/{address}")
        assert body["pagination"] == {"next_key": None, "total": "1"}, body
        (coin,) = body["balances"] or [{"denom": DENOM, "amount": "0"}]
        assert coin["denom"] == DENOM
        return int(coin["amount"])

    def eth_balance(self, address: str) -> int:
        return int(rpc(self.url, "eth_getBalance", address, "latest"), 16)

    def nonce(self, key: KeyPair) -> int:
        return int(rpc(self.url, "eth_getTransactionCount", key.hex_address, "latest"), 16)


@pytest.fixture
def node(tmp_path: Path) -> Iterator[WasmNode]:
    process = NodeProcess(home=tmp_path / "home", block_time=0, log_path=tmp_path / "node.log")
    with process.running():
        process.start()
        yield WasmNode.attach(process)
        assert process.stop(signal.SIGTERM) == 0, process.log()
    log = process.log_path.read_text(errors="replace")
    assert "Traceback" not in log and " ERROR " not in log, log[-4000:]


# -- 1. cw20 and dispatcher over JSON-RPC and REST -----------------------------------------------


def test_cw20_over_json_rpc_and_rest(node: WasmNode) -> None:
    cw20, dispatcher = wasm_bytes("cw20"), wasm_bytes("dispatcher")
    cw20_sum = hashlib.sha256(cw20).hexdigest()

    stored = node.ok(DEV0, store_msg(DEV0, cw20))
    assert response(stored) == {"code_id": "1", "checksum": cw20_sum}
    assert events_of(stored, "store_code") == [[("code_checksum", cw20_sum), ("code_id", "1")]]
    assert node.store("dispatcher") == 2

    init = cw20_init({DEV0: 1_000_000, DEV1: 500})
    made = node.ok(DEV0, instantiate_msg(DEV0, 1, init, label="cw20 token", admin=DEV0))
    token = response(made)["address"]
    assert token == FIRST_CONTRACT
    assert response(made) == {"address": token, "data": None}
    assert [e["type"] for e in made["events"]] == ["instantiate", "wasm"]
    assert events_of(made, "instantiate") == [[("_contract_address", token), ("code_id", "1")]]
    assert events_of(made, "wasm") == [
        [("_contract_address", token), ("action", "instantiate"), ("total_supply", "1000500")]
    ]

    # transfers both ways between two dev accounts, each signed by its sender
    sent = node.ok(DEV0, transfer(DEV0, token, DEV1, 12_345))
    assert [e["type"] for e in sent["events"]] == ["execute", "wasm"]
    assert events_of(sent, "execute") == [[("_contract_address", token)]]
    assert events_of(sent, "wasm") == [
        [
            ("_contract_address", token),
            ("action", "transfer"),
            ("from", DEV0.bech32_address),
            ("to", DEV1.bech32_address),
            ("amount", "12345"),
        ]
    ]
    assert response(sent) == {"data": None}
    back = node.ok(DEV1, transfer(DEV1, token, DEV0, 45))
    assert dict(events_of(back, "wasm")[0])["from"] == DEV1.bech32_address

    assert node.cw20_balance(token, DEV0) == 1_000_000 - 12_345 + 45
    assert node.cw20_balance(token, DEV1) == 500 + 12_345 - 45
    assert node.cw20_balance(token, DEV2) == 0
    token_info = {
        "name": "Qore Wasm Token",
        "symbol": "QWT",
        "decimals": 6,
        "total_supply": "1000500",
    }
    assert node.smart(token, {"token_info": {}}) == token_info
    assert node.smart(token, '{"token_info": {}}') == token_info  # a string holding JSON text
    # the tx data: the dispatcher's response data, and a cross-contract query's answer
    hub = node.instantiate(DEV0, 2, {}, label="dispatcher")
    payload = b"\x00\xffqore\n"
    set_data = node.ok(DEV0, execute_msg(DEV0, hub, {"set_data": {"data": b64(payload)}}))
    assert response(set_data) == {"data": b64(payload)}
    assert [e["type"] for e in set_data["events"]] == ["execute", "wasm", "wasm-dispatched"]
    assert events_of(set_data, "execute") == [[("_contract_address", hub)]]
    assert events_of(set_data, "wasm")[0][:2] == [
        ("_contract_address", hub),
        ("action", "set_data"),
    ]
    assert events_of(set_data, "wasm-dispatched") == [
        [("_contract_address", hub), ("entry_point", "execute"), ("variant", "set_data")]
    ]
    # REST query data in every base64 spelling api.py accepts. In ASCII JSON, standard base64
    # has "/" only from a "?" and "+" only from a ">" or "~" (at offset 2 mod 3): the key
    # "??~~??~~" gives both at any alignment. Sent as is, %-encoded, URL-safe, unpadded.
    odd_key = "??~~??~~"
    write = {"write": {"key": odd_key, "value": "slashes"}}
    node.ok(DEV0, execute_msg(DEV0, hub, write))
    stored_query = json.dumps({"stored": {"key": odd_key}}).encode()
    standard = b64(stored_query)
    assert {"+", "/"} <= set(standard)
    spellings = {standard, quote(standard, safe=""), standard.replace("/", "%2F")}
    spellings |= {standard.replace("+", "-").replace("/", "_"), standard.rstrip("=")}
    for spelling in spellings:
        path = f"{WASM_PREFIX}/contract/{hub}/smart/{spelling}"
        assert node.rest_ok(path) == {"data": {"key": odd_key, "value": "slashes"}}, spelling
    assert node.smart(hub, stored_query.decode()) == {"key": odd_key, "value": "slashes"}

    balance_query = {"balance": {"address": DEV1.bech32_address}}
    asked = node.ok(
        DEV2,
        execute_msg(DEV2, hub, {"query_smart": {"contract_addr": token, "msg": balance_query}}),
    )
    assert json.loads(base64.b64decode(response(asked)["data"])) == {"balance": "12800"}

    # codes
    creator = DEV0.bech32_address
    code_infos = [
        {
            "code_id": str(code_id),
            "creator": creator,
            "data_hash": hashlib.sha256(wasm).hexdigest().upper(),
            "instantiate_permission": {"permission": "Everybody", "addresses": []},
        }
        for code_id, wasm in ((1, cw20), (2, dispatcher))
    ]
    assert node.rest_ok(f"{WASM_PREFIX}/code") == {
        "code_infos": code_infos,
        "pagination": {"next_key": None, "total": "2"},
    }
    assert rpc(node.url, "qor_wasmCodes") == code_infos
    for code_id, wasm in ((1, cw20), (2, dispatcher)):
        code = node.rest_ok(f"{WASM_PREFIX}/code/{code_id}")
        assert code == {"code_info": code_infos[code_id - 1], "data": b64(wasm)}
        assert rpc(node.url, "qor_wasmCode", code_id) == code
        assert rpc(node.url, "qor_wasmCode", str(code_id)) == code
    assert node.rest_ok(f"{WASM_PREFIX}/code/1/contracts") == {
        "contracts": [token],
        "pagination": {"next_key": None, "total": "1"},
    }
    assert rpc(node.url, "qor_wasmContractsByCode", 2) == [hub]

    # the contract
    contract = node.rest_ok(f"{WASM_PREFIX}/contract/{token}")
    assert contract == {
        "address": token,
        "contract_info": {
            "code_id": "1",
            "creator": creator,
            "admin": creator,
            "label": "cw20 token",
            "created": {"block_height": made["height"], "tx_index": str(made["index"])},
            "ibc_port_id": "",
            "extension": None,
        },
    }
    assert rpc(node.url, "qor_wasmContract", token) == contract
    assert rpc(node.url, "qor_wasmContract", hub)["contract_info"]["admin"] == ""

    # raw storage: cw20 keeps "token_info" (JSON) and "balance:<address>" (decimal text)
    state = {
        b"token_info": json.dumps(
            {**token_info, "minter": None, "cap": None}, separators=(",", ":")
        ).encode(),
        f"balance:{DEV0.bech32_address}".encode(): b"987700",
        f"balance:{DEV1.bech32_address}".encode(): b"12800",
    }
    for key, value in state.items():
        raw = node.rest_ok(f"{WASM_PREFIX}/contract/{token}/raw/{quote(b64(key), safe='')}")
        assert raw == {"data": b64(value)}, key
        assert rpc(node.url, "qor_wasmRawQuery", token, "0x" + key.hex()) == "0x" + value.hex()
    missing = f"balance:{DEV2.bech32_address}".encode()
    assert node.rest_ok(f"{WASM_PREFIX}/contract/{token}/raw/{b64(missing)}") == {"data": None}
    assert rpc(node.url, "qor_wasmRawQuery", token, "0x" + missing.hex()) is None
    models = [{"key": k.hex().upper(), "value": b64(v)} for k, v in sorted(state.items())]
    assert node.rest_ok(f"{WASM_PREFIX}/contract/{token}/state") == {
        "models": models,
        "pagination": {"next_key": None, "total": "3"},
    }
    assert rpc(node.url, "qor_wasmContractState", token) == models


# -- 2. funds through the one ledger, seen by web3.py ---------------------------------------------


def test_dispatcher_funds_through_one_ledger(node: WasmNode) -> None:
    w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
    funds, sent = 5 * 10**18, 1_234_567_890_123
    fresh_raw = keccak(text="qorenode test_wasm_node fresh account")[:20]
    fresh, fresh_bech32 = to_checksum_address(fresh_raw), to_bech32(fresh_raw)
    supply_path = "/cosmos/bank/v1beta1/supply"
    dev0, dev1 = to_checksum_address(DEV0.hex_address), to_checksum_address(DEV1.hex_address)
    supply = node.rest_ok(supply_path)

    dev0_start = w3.eth.get_balance(dev0)
    code_id = node.store("dispatcher")
    assert w3.eth.get_balance(dev0) == dev0_start  # no fees on the devnet

    made = node.ok(DEV0, instantiate_msg(DEV0, code_id, {}, label="hub", funds=funds))
    hub = response(made)["address"]
    # a native transaction has no EVM receipt: its accounting shows in the balances alone
    assert rpc(node.url, "eth_getTransactionReceipt", made["txhash"]) is None
    assert w3.eth.get_balance(dev0) == dev0_start - funds
    assert node.bank_balance(hub) == funds
    assert node.smart(hub, {"query_balance": {"address": hub}}) == {
        "amount": {"denom": DENOM, "amount": str(funds)}
    }

    assert w3.eth.get_balance(fresh) == 0
    dev1_start = w3.eth.get_balance(dev1)
    bank_send = {"bank_send": {"to_address": fresh_bech32, "amount": coins(sent)}}
    paid = node.ok(DEV1, execute_msg(DEV1, hub, bank_send))
    assert events_of(paid, "transfer") == [
        [("recipient", fresh_bech32), ("sender", hub), ("amount", f"{sent}{DENOM}")]
    ]
    assert w3.eth.get_balance(fresh) == sent
    assert w3.eth.get_balance(fresh, block_identifier=int(paid["height"]) - 1) == 0
    assert node.eth_balance(fresh) == sent
    assert node.bank_balance(fresh_bech32) == node.bank_balance(fresh) == sent
    assert node.bank_balance(hub) == funds - sent
    assert w3.eth.get_balance(dev0) == dev0_start - funds
    assert w3.eth.get_balance(dev1) == dev1_start
    assert node.rest_ok(supply_path) == supply  # moved, never minted nor burnt

    # the contract sees the same ledger through query_chain
    asked = node.ok(DEV1, execute_msg(DEV1, hub, {"query_balance": {"address": fresh_bech32}}))
    assert json.loads(base64.b64decode(response(asked)["data"])) == {
        "amount": {"denom": DENOM, "amount": str(sent)}
    }


# -- 3. bad input over the wire --------------------------------------------------------------------


def test_bad_input_fails_with_stable_codes(node: WasmNode) -> None:
    code_id = node.store("cw20")
    token = node.instantiate(DEV0, code_id, cw20_init({DEV0: 1_000}), label="t", admin=DEV0)
    expected = {"dev1": 0}

    def still_serving() -> None:
        """The next good transaction succeeds and its effect is visible."""
        node.ok(DEV0, transfer(DEV0, token, DEV1, 1))
        expected["dev1"] += 1
        assert node.cw20_balance(token, DEV1) == expected["dev1"]

    def failing(key: KeyPair, msg: Mapping[str, Any]) -> dict[str, Any]:
        nonce = node.nonce(key)
        record = node.tx(key, msg)
        assert node.nonce(key) == nonce + 1  # included in a block: the nonce advances
        return record

    # a store of invalid wasm: wasm 2 (CreateFailed), no code stored
    bad_wasm = b"\x00asm\x01\x00\x00\x00\x01\xff\xff"
    assert_failed(failing(DEV0, store_msg(DEV0, bad_wasm)), "wasm", 2, "invalid wasm")
    assert [c["code_id"] for c in rpc(node.url, "qor_wasmCodes")] == [str(code_id)]
    still_serving()

    # an execute on an unknown contract: wasm 22 (no such contract)
    unknown = execute_msg(DEV0, UNKNOWN_CONTRACT, {"transfer": {}})
    assert_failed(failing(DEV0, unknown), "wasm", 22, UNKNOWN_CONTRACT)
    still_serving()

    # a message that is not JSON: wasm 14 (invalid)
    assert_failed(failing(DEV0, execute_msg(DEV0, token, "{not json")), "wasm", 14, "json")
    still_serving()

    # a contract error, with funds attached: wasm 5; the funds go back, nothing is written
    dev1_eth = node.eth_balance(DEV1.hex_address)
    overdraft = transfer(DEV1, token, DEV0, 10**9, funds=777)
    assert_failed(failing(DEV1, overdraft), "wasm", 5, "Cannot Sub")
    assert node.eth_balance(DEV1.hex_address) == dev1_eth
    assert node.bank_balance(token) == 0
    assert node.cw20_balance(token, DEV1) == expected["dev1"]
    still_serving()

    # an unauthorized migrate (dev0 is the admin): sdk 4
    info = rpc(node.url, "qor_wasmContract", token)
    migrate = migrate_msg(DEV1, token, code_id, {})
    assert_failed(failing(DEV1, migrate), "sdk", 4, "not the admin")
    assert rpc(node.url, "qor_wasmContract", token) == info
    still_serving()

    # queries of an unknown contract or code: not found (-32001, HTTP 404) with wasm's code
    not_found: list[tuple[str, tuple[Any, ...]]] = [
        ("qor_wasmContract", ()),
        ("qor_wasmSmartQuery", ({"token_info": {}},)),
        ("qor_wasmRawQuery", ("0x00",)),
        ("qor_wasmContractState", ()),
    ]
    for method, params in not_found:
        error = rpc_error(node.url, method, UNKNOWN_CONTRACT, *params)
        assert error["code"] == NOT_FOUND, (method, error)
        assert error["data"] == {"codespace": "wasm", "code": 22}, (method, error)
    query = b64(b'{"token_info":{}}')
    for suffix in ("", f"/smart/{query}", f"/raw/{b64(b'token_info')}", "/state"):
        status, body = node.rest(f"{WASM_PREFIX}/contract/{UNKNOWN_CONTRACT}{suffix}")
        assert status == 404, (suffix, status, body)
        assert (body["codespace"], body["code"]) == ("wasm", 22), (suffix, body)
        assert UNKNOWN_CONTRACT in body["message"], body
    error = rpc_error(node.url, "qor_wasmCode", 99)
    assert (error["code"], error["data"]) == (NOT_FOUND, {"codespace": "wasm", "code": 28})
    status, body = node.rest(f"{WASM_PREFIX}/code/99")
    assert (status, body["codespace"], body["code"]) == (404, "wasm", 28), body

    # bad query data: HTTP 400 / -32602 with rpc 5 and a message that says what is wrong
    for data, word in (("not*base64", "base64"), ("abcde", "base64"), (b64(b"{nope"), "json")):
        for route in ("smart", "raw"):
            if route == "raw" and word == "json":
                continue  # a raw key is any bytes
            status, body = node.rest(f"{WASM_PREFIX}/contract/{token}/{route}/{data}")
            assert status == 400, (route, data, status, body)
            assert (body["codespace"], body["code"]) == ("rpc", 5), body
            assert word in body["message"].lower(), body
    for method, params, word in (
        ("qor_wasmSmartQuery", (token, "{nope"), "json"),
        ("qor_wasmRawQuery", (token, "0xzz"), "hex"),
        ("qor_wasmCode", ("one",), "code id"),
        ("qor_wasmContract", ("qor1nope",), "address"),
    ):
        error = rpc_error(node.url, method, *params)
        assert error["code"] == INVALID_PARAMS, (method, error)
        assert error["data"]["codespace"] == "rpc", (method, error)
        assert word in error["message"].lower(), (method, error)

    # a query the contract itself refuses: wasm 9 (-32000, HTTP 400)
    error = rpc_error(node.url, "qor_wasmSmartQuery", token, {"no_such_query": {}})
    assert (error["code"], error["data"]) == (SERVER_ERROR, {"codespace": "wasm", "code": 9})
    refused = b64(b'{"nope":{}}')
    status, body = node.rest(f"{WASM_PREFIX}/contract/{token}/smart/{refused}")
    assert (status, body["codespace"], body["code"]) == (400, "wasm", 9), body

    still_serving()
    assert node.cw20_balance(token, DEV0) == 1_000 - expected["dev1"]


# -- 4. SIGKILL and restart ------------------------------------------------------------------------


def _cache_files(home: Path) -> dict[str, os.stat_result]:
    return {path.name: path.stat() for path in sorted((home / "wasm-cache").rglob("*.module"))}


def _atime_updates_on_read(directory: Path) -> bool:
    """Whether this filesystem records reads (not mounted noatime): a probe file tells."""
    probe = directory / "atime-probe"
    probe.write_bytes(b"probe")
    stat = probe.stat()
    os.utime(probe, ns=(stat.st_mtime_ns - 10**10, stat.st_mtime_ns))
    probe.read_bytes()
    return probe.stat().st_atime_ns > stat.st_mtime_ns - 10**10


def test_sigkill_restart_keeps_wasm_state_and_module_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"
    process = NodeProcess(home=home, block_time=0, log_path=tmp_path / "node.log")
    with process.running():
        process.start()
        node = WasmNode.attach(process)
        cw20_id = node.store("cw20")
        counter_id = node.store("counter")
        token = node.instantiate(DEV0, cw20_id, cw20_init({DEV0: 1_000}), label="t", admin=DEV0)
        counter = node.instantiate(
            DEV1, counter_id, {"count": 5}, label="counter", admin=DEV1, funds=10**15
        )
        hashes = [
            node.ok(DEV0, transfer(DEV0, token, DEV1, 300))["txhash"],
            node.ok(DEV2, execute_msg(DEV2, counter, {"increment": {}}))["txhash"],
            node.ok(DEV2, execute_msg(DEV2, counter, {"increment": {}}))["txhash"],
        ]

        def observe() -> dict[str, Any]:
            url = node.url
            contracts = {}
            for address in (token, counter):
                contracts[address] = {
                    "info": node.rest_ok(f"{WASM_PREFIX}/contract/{address}"),
                    "state": node.rest_ok(f"{WASM_PREFIX}/contract/{address}/state"),
                    "rpc_state": rpc(url, "qor_wasmContractState", address),
                    "bank": node.bank_balance(address),
                }
            return {
                "height": int(rpc(url, "eth_blockNumber"), 16),
                "codes": node.rest_ok(f"{WASM_PREFIX}/code"),
                "code_bytes": [rpc(url, "qor_wasmCode", c) for c in (cw20_id, counter_id)],
                "by_code": [rpc(url, "qor_wasmContractsByCode", c) for c in (cw20_id, counter_id)],
                "contracts": contracts,
                "count": node.smart(counter, {"get_count": {}}),
                "tokens": [node.cw20_balance(token, k) for k in (DEV0, DEV1)],
                "eth": [node.eth_balance(k.hex_address) for k in (DEV0, DEV1, DEV2)],
                "nonces": [node.nonce(k) for k in (DEV0, DEV1, DEV2)],
                "txs": [rpc(url, "qor_getTransaction", h) for h in hashes],
            }

        before = observe()
        assert before["count"] == {"count": 7}
        assert before["tokens"] == [700, 300]
        assert before["contracts"][counter]["bank"] == 10**15
        assert before["nonces"] == [4, 1, 2]
        checksums = {hashlib.sha256(wasm_bytes(n)).hexdigest() for n in ("cw20", "counter")}
        cached = _cache_files(home)
        assert set(cached) == {f"{c}.module" for c in checksums}, cached
        assert all(stat.st_size > 32 for stat in cached.values())

        assert process.stop(signal.SIGKILL) == -signal.SIGKILL
        process.start()
        node = WasmNode.attach(process)
        after = observe()
        assert after == before

        # contracts run after the restart, and the state moves on from where it was
        node.ok(DEV2, execute_msg(DEV2, counter, {"increment": {}}))
        assert node.smart(counter, {"get_count": {}}) == {"count": 8}
        node.ok(DEV1, transfer(DEV1, token, DEV2, 100))
        assert [node.cw20_balance(token, k) for k in (DEV0, DEV1, DEV2)] == [700, 200, 100]

        # the modules came from the disk cache: not rewritten (a recompiled or discarded entry
        # would be replaced), and, where the filesystem records reads, read since the restart
        reloaded = _cache_files(home)
        assert set(reloaded) == set(cached)
        records_reads = _atime_updates_on_read(tmp_path)
        for name, stat in cached.items():
            now = reloaded[name]
            assert (now.st_ino, now.st_mtime_ns, now.st_size) == (
                stat.st_ino,
                stat.st_mtime_ns,
                stat.st_size,
            ), name
            if records_reads:
                assert now.st_atime_ns > stat.st_atime_ns, f"{name} was not read after restart"
        assert not list((home / "wasm-cache").rglob("*.tmp"))
        assert process.stop(signal.SIGTERM) == 0, process.log()
    log = process.log_path.read_text(errors="replace")
    assert log.count("Listening;") == 2
    assert "discarding" not in log
    assert "Traceback" not in log and " ERROR " not in log, log[-4000:]
