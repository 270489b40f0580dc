"""vms/cosmwasm/api.py: the CosmWasm JSON-RPC methods and REST routes over the real protocol layers.

A small in-memory ``WasmQueries`` stands in for the keeper (tested elsewhere); the handlers are
registered on the real ``ApiRegistry`` and reached through the real JSON-RPC and REST HTTP apps, so
the routes, the JSON shapes and the error codes are the ones a client sees.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import quote

import pytest
import trio

from qorenode.addresses import to_bech32
from qorenode.errors import rpc_code_for
from qorenode.keys import dev_key
from qorenode.rpc.http import HttpApp, jsonrpc_app, rest_app, serve_http
from qorenode.rpc.registry import ApiRegistry
from vms.cosmwasm import errors as wasm_errors
from vms.cosmwasm.api import WasmQueries, register_wasm_api
from vms.cosmwasm.errors import CodeNotFound, ContractNotFound, QueryFailed, WasmError
from vms.cosmwasm.types import CodeInfo, ContractInfo

DEV0, DEV1 = dev_key(0), dev_key(1)
WASM1 = b"\x00asm\x01\x00\x00\x00" + b"code one"
WASM2 = b"\x00asm\x01\x00\x00\x00" + b"code two, bigger"
ALICE = bytes(range(32))  # a contract of code 1, admin dev0
BOB = bytes(range(100, 132))  # a contract of code 1, no admin
CAROL = bytes(range(200, 232))  # a contract of code 2
UNKNOWN = b"\x99" * 32
STORAGE = {
    b"config": b'{"owner":"dev0"}',
    b"\x00\x05count": b"7",
    b"\xff\x00": b"\xde\xad\xbe\xef",
}
# A query whose standard base64 has both '+' and '/', the characters URL-safe base64 replaces.
ODD_QUERY = '{"count": {"tag": ">>>>>>\u00bf"}}'.encode()


def code_info(code_id: int, wasm: bytes) -> CodeInfo:
    return CodeInfo(code_id, DEV0.address, hashlib.sha256(wasm).digest(), len(wasm))


class FakeKeeper:
    """WasmQueries over dicts; every call checks it runs inside ``node.run``."""

    def __init__(self, node: StubNode) -> None:
        self.node = node
        self.code = {1: WASM1, 2: WASM2}
        self.contracts = {
            ALICE: ContractInfo(ALICE, 1, DEV0.address, DEV0.address, "counter", 5, 0),
            BOB: ContractInfo(BOB, 1, DEV1.address, None, "frozen \u2603", 6, 2),
            CAROL: ContractInfo(CAROL, 2, DEV0.address, DEV1.address, "two", 7, 1),
        }
        self.smart_queries: list[tuple[bytes, bytes]] = []
        self.raw_queries: list[tuple[bytes, bytes]] = []

    def _check(self) -> None:
        assert self.node.inside, "keeper called outside node.run"

    def _contract(self, address: bytes) -> ContractInfo:
        self._check()
        if address not in self.contracts:
            raise ContractNotFound(f"no such contract: {to_bech32(address)}")
        return self.contracts[address]

    def code_info(self, code_id: int) -> CodeInfo:
        self._check()
        if code_id not in self.code:
            raise CodeNotFound(f"no such code: {code_id}")
        return code_info(code_id, self.code[code_id])

    def codes(self) -> list[CodeInfo]:
        self._check()
        return [code_info(i, w) for i, w in sorted(self.code.items())]

    def code_bytes(self, code_id: int) -> bytes:
        self.code_info(code_id)
        return self.code[code_id]

    def contract_info(self, address: bytes) -> ContractInfo:
        return self._contract(address)

    def contracts_by_code(self, code_id: int) -> list[bytes]:
        self._check()
        return [a for a, info in self.contracts.items() if info.code_id == code_id]

    def query_smart(self, address: bytes, msg: bytes) -> bytes:
        self._contract(address)
        self.smart_queries.append((address, msg))
        query = json.loads(msg)
        if "count" in query:
            return b'{"count":7,"owner":"dev0"}'
        if "fail" in query:
            raise QueryFailed("Generic error: boom")
        if "garbage" in query:
            return b"\xff\xfe not json"
        return b"null"

    def query_raw(self, address: bytes, key: bytes) -> bytes | None:
        self._contract(address)
        self.raw_queries.append((address, key))
        return STORAGE.get(key) if address == ALICE else None

    def contract_state(self, address: bytes) -> list[tuple[bytes, bytes]]:
        self._contract(address)
        return sorted(STORAGE.items()) if address == ALICE else []


class StubNode:
    """NodeServices for the API: ``run`` marks that the keeper is on the 'worker'."""

    def __init__(self) -> None:
        self.inside = False
        self.runs = 0

    async def run(self, fn: Callable[[], Any]) -> Any:
        self.runs += 1
        self.inside = True
        try:
            return fn()
        finally:
            self.inside = False

    async def submit(self, tx: Any) -> bytes:  # pragma: no cover - the wasm API sends nothing
        raise NotImplementedError

    def submit_sync(self, tx: Any) -> bytes:  # pragma: no cover
        raise NotImplementedError

    def pending_nonce(self, address: bytes) -> int:  # pragma: no cover
        raise NotImplementedError


class Api:
    """The registry with the wasm API, reached through the real JSON-RPC and REST apps."""

    def __init__(self) -> None:
        self.node = StubNode()
        self.keeper = FakeKeeper(self.node)
        self.registry = ApiRegistry()
        queries: WasmQueries = self.keeper  # the fake satisfies the protocol (mypy checks it)
        register_wasm_api(self.registry, self.node, queries)
        self.rpc_app: HttpApp = jsonrpc_app(self.registry)
        self.rest_app: HttpApp = rest_app(self.registry)

    async def rpc_response(self, method: str, params: Any) -> dict[str, Any]:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        response = await self.rpc_app("POST", "/", {}, {}, body.encode())
        assert response.status == 200
        decoded: dict[str, Any] = json.loads(response.body)
        return decoded

    async def rpc(self, method: str, *params: Any) -> Any:
        response = await self.rpc_response(method, list(params))
        assert "error" not in response, response
        return response["result"]

    async def rpc_error(self, method: str, *params: Any) -> dict[str, Any]:
        response = await self.rpc_response(method, list(params))
        assert "error" in response, response
        error: dict[str, Any] = response["error"]
        return error

    async def get(self, path: str) -> tuple[int, Any]:
        response = await self.rest_app("GET", path, {}, {}, b"")
        return response.status, json.loads(response.body)


@pytest.fixture
def api() -> Api:
    return Api()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def url_b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def addr(raw: bytes) -> str:
    return to_bech32(raw)


CODE1_JSON = {
    "code_id": "1",
    "creator": DEV0.bech32_address,
    "data_hash": hashlib.sha256(WASM1).hexdigest().upper(),
    "instantiate_permission": {"permission": "Everybody", "addresses": []},
}
ALICE_INFO_JSON = {
    "code_id": "1",
    "creator": DEV0.bech32_address,
    "admin": DEV0.bech32_address,
    "label": "counter",
    "created": {"block_height": "5", "tx_index": "0"},
    "ibc_port_id": "",
    "extension": None,
}


# -- types ----------------------------------------------------------------------------------------


def test_code_info_json_and_storage_round_trip() -> None:
    info = code_info(1, WASM1)
    assert info.to_json() == CODE1_JSON
    assert CodeInfo.decode(info.encode()) == info
    assert b" " not in info.encode()


def test_contract_info_json_and_storage_round_trip() -> None:
    keeper = FakeKeeper(StubNode())
    alice, bob = keeper.contracts[ALICE], keeper.contracts[BOB]
    assert alice.to_json() == ALICE_INFO_JSON
    assert bob.to_json()["admin"] == ""
    assert bob.to_json()["label"] == "frozen \u2603"
    assert bob.to_json()["created"] == {"block_height": "6", "tx_index": "2"}
    for info in (alice, bob):
        assert ContractInfo.decode(info.encode()) == info


@pytest.mark.parametrize(
    "data",
    [b"", b"[]", b"{}", b'{"code_id":1}', b"not json"],
)
def test_decode_refuses_garbage(data: bytes) -> None:
    with pytest.raises(ValueError, match="stored"):
        CodeInfo.decode(data)
    with pytest.raises(ValueError, match="stored"):
        ContractInfo.decode(data)


def test_decode_refuses_bad_fields() -> None:
    good = json.loads(code_info(1, WASM1).encode())
    for field, value in (("code_id", "1"), ("code_id", -1), ("size", True), ("creator", "zz")):
        with pytest.raises(ValueError, match=field):
            CodeInfo.decode(json.dumps({**good, field: value}).encode())
    contract = json.loads(FakeKeeper(StubNode()).contracts[ALICE].encode())
    with pytest.raises(ValueError, match="label"):
        ContractInfo.decode(json.dumps({**contract, "label": 5}).encode())


# -- errors ---------------------------------------------------------------------------------------

WASMD_CODES = {
    "CreateFailed": 2,
    "AccountExists": 3,
    "InstantiateFailed": 4,
    "ExecuteFailed": 5,
    "GasLimit": 6,
    "InvalidGenesis": 7,
    "WasmNotFound": 8,
    "QueryFailed": 9,
    "InvalidMsg": 10,
    "MigrationFailed": 11,
    "Empty": 12,
    "LimitExceeded": 13,
    "Invalid": 14,
    "Duplicate": 15,
    "MaxIBCChannels": 16,
    "UnsupportedForContract": 17,
    "PinContractFailed": 18,
    "UnpinContractFailed": 19,
    "UnknownMsg": 20,
    "InvalidEvent": 21,
    "ContractNotFound": 22,
    "ExceedMaxQueryStackSize": 27,
    "CodeNotFound": 28,
    "VMError": 29,
    "ExceedMaxCallDepth": 30,
}


def test_error_codes_follow_wasmd() -> None:
    classes = {
        name: cls
        for name, cls in vars(wasm_errors).items()
        if isinstance(cls, type) and issubclass(cls, WasmError) and cls is not WasmError
    }
    assert {name: cls.code for name, cls in classes.items()} == WASMD_CODES
    assert all(cls.codespace == "wasm" for cls in classes.values())
    assert len(set(WASMD_CODES.values())) == len(WASMD_CODES)  # never reused


def test_error_categories_map_to_json_rpc_codes() -> None:
    assert rpc_code_for(wasm_errors.ContractNotFound("x")) == -32001
    assert rpc_code_for(wasm_errors.CodeNotFound("x")) == -32001
    assert rpc_code_for(wasm_errors.WasmNotFound("x")) == -32001
    assert rpc_code_for(wasm_errors.Invalid("x")) == -32602
    assert rpc_code_for(wasm_errors.Empty("x")) == -32602
    assert rpc_code_for(wasm_errors.QueryFailed("x")) == -32000
    assert rpc_code_for(wasm_errors.ExecuteFailed("x")) == -32000


# -- registration ---------------------------------------------------------------------------------


def test_registers_the_methods_and_routes(api: Api) -> None:
    assert [m for m in api.registry.method_names() if m.startswith("qor_wasm")] == [
        "qor_wasmCode",
        "qor_wasmCodes",
        "qor_wasmContract",
        "qor_wasmContractState",
        "qor_wasmContractsByCode",
        "qor_wasmRawQuery",
        "qor_wasmSmartQuery",
    ]
    assert [(r.method, r.pattern) for r in api.registry.routes()] == [
        ("GET", "/cosmwasm/wasm/v1/code"),
        ("GET", "/cosmwasm/wasm/v1/code/{code_id}"),
        ("GET", "/cosmwasm/wasm/v1/code/{code_id}/contracts"),
        ("GET", "/cosmwasm/wasm/v1/contract/{address}"),
        ("GET", "/cosmwasm/wasm/v1/contract/{address}/smart/{query_data=**}"),
        ("GET", "/cosmwasm/wasm/v1/contract/{address}/raw/{query_data=**}"),
        ("GET", "/cosmwasm/wasm/v1/contract/{address}/state"),
    ]


# -- REST -----------------------------------------------------------------------------------------


async def test_rest_codes(api: Api) -> None:
    status, body = await api.get("/cosmwasm/wasm/v1/code")
    assert status == 200
    assert body["code_infos"][0] == CODE1_JSON
    assert [c["code_id"] for c in body["code_infos"]] == ["1", "2"]
    assert body["pagination"] == {"next_key": None, "total": "2"}


async def test_rest_code(api: Api) -> None:
    status, body = await api.get("/cosmwasm/wasm/v1/code/1")
    assert status == 200
    assert body == {"code_info": CODE1_JSON, "data": b64(WASM1)}
    assert api.node.runs == 1  # info and bytes in one trip to the worker


@pytest.mark.parametrize("code_id", ["abc", "0", "-1", "1.5", str(2**64), "%201x"])
async def test_rest_code_bad_id(api: Api, code_id: str) -> None:
    status, body = await api.get(f"/cosmwasm/wasm/v1/code/{code_id}")
    assert status == 400
    assert (body["codespace"], body["code"]) == ("rpc", 5)
    assert "invalid code id" in body["message"]
    assert api.node.runs == 0  # refused before the keeper is asked


async def test_rest_code_unknown(api: Api) -> None:
    status, body = await api.get("/cosmwasm/wasm/v1/code/9")
    assert status == 404
    assert body == {"code": 28, "codespace": "wasm", "message": "no such code: 9", "details": []}


async def test_rest_contracts_by_code(api: Api) -> None:
    status, body = await api.get("/cosmwasm/wasm/v1/code/1/contracts")
    assert status == 200
    assert body == {
        "contracts": [addr(ALICE), addr(BOB)],
        "pagination": {"next_key": None, "total": "2"},
    }
    status, body = await api.get("/cosmwasm/wasm/v1/code/5/contracts")
    assert (status, body["contracts"]) == (200, [])


async def test_rest_contract(api: Api) -> None:
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{addr(ALICE)}")
    assert status == 200
    assert body == {"address": addr(ALICE), "contract_info": ALICE_INFO_JSON}


async def test_rest_contract_errors(api: Api) -> None:
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{addr(UNKNOWN)}")
    assert (status, body["codespace"], body["code"]) == (404, "wasm", 22)
    assert addr(UNKNOWN) in body["message"]
    bad = addr(ALICE)[:-1] + ("q" if addr(ALICE)[-1] != "q" else "p")  # checksum broken
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{bad}")
    assert (status, body["codespace"], body["code"]) == (400, "rpc", 25)
    assert "invalid address" in body["message"]


async def test_rest_smart_query(api: Api) -> None:
    query = b'{"count":{}}'
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{addr(ALICE)}/smart/{b64(query)}")
    assert status == 200
    assert body == {"data": {"count": 7, "owner": "dev0"}}
    assert api.keeper.smart_queries == [(ALICE, query)]  # the bytes as sent


async def test_rest_smart_query_base64_forms(api: Api) -> None:
    standard = b64(ODD_QUERY)
    assert "+" in standard and "/" in standard
    base = f"/cosmwasm/wasm/v1/contract/{addr(ALICE)}/smart/"
    for form in (
        standard,  # '/' as is: the rest of the path
        quote(standard, safe=""),  # '/' as %2F, '+' as %2B
        url_b64(ODD_QUERY),  # URL-safe, no padding
        base64.urlsafe_b64encode(ODD_QUERY).decode(),  # URL-safe, padded
    ):
        status, body = await api.get(base + form)
        assert (status, body) == (200, {"data": {"count": 7, "owner": "dev0"}}), form
    assert {msg for _, msg in api.keeper.smart_queries} == {ODD_QUERY}
    unpadded = b64(b'{"x":1}').rstrip("=")
    assert unpadded != b64(b'{"x":1}')
    status, body = await api.get(base + unpadded)
    assert (status, body) == (200, {"data": None})


@pytest.mark.parametrize("query_data", ["not*base64", "abcde", "a", "%ZZ"])
async def test_rest_smart_query_bad_base64(api: Api, query_data: str) -> None:
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{addr(ALICE)}/smart/{query_data}")
    assert status == 400
    assert (body["codespace"], body["code"]) == ("rpc", 5)
    assert api.keeper.smart_queries == []


@pytest.mark.parametrize("query", [b"not json", b"{", b"\xff\xfe", b"NaN", b'{"a": Infinity}'])
async def test_rest_smart_query_not_json(api: Api, query: bytes) -> None:
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{addr(ALICE)}/smart/{b64(query)}")
    assert status == 400
    assert (body["codespace"], body["code"]) == ("rpc", 5)
    assert "not JSON" in body["message"]
    assert api.keeper.smart_queries == []


async def test_rest_smart_query_contract_errors(api: Api) -> None:
    base = f"/cosmwasm/wasm/v1/contract/{addr(ALICE)}/smart/"
    status, body = await api.get(base + b64(b'{"fail":{}}'))
    assert (status, body["codespace"], body["code"]) == (400, "wasm", 9)
    assert body["message"] == "Generic error: boom"
    status, body = await api.get(base + b64(b'{"garbage":{}}'))
    assert (status, body["codespace"], body["code"]) == (400, "wasm", 9)
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{addr(UNKNOWN)}/smart/e30=")
    assert (status, body["codespace"], body["code"]) == (404, "wasm", 22)


async def test_rest_raw_query(api: Api) -> None:
    base = f"/cosmwasm/wasm/v1/contract/{addr(ALICE)}/raw/"
    status, body = await api.get(base + b64(b"config"))
    assert (status, body) == (200, {"data": b64(b'{"owner":"dev0"}')})
    status, body = await api.get(base + quote(b64(b"\xff\x00"), safe=""))
    assert (status, body) == (200, {"data": b64(b"\xde\xad\xbe\xef")})
    status, body = await api.get(base + b64(b"missing"))
    assert (status, body) == (200, {"data": None})
    assert [key for _, key in api.keeper.raw_queries] == [b"config", b"\xff\x00", b"missing"]
    status, body = await api.get(base + "!!")
    assert (status, body["codespace"], body["code"]) == (400, "rpc", 5)


async def test_rest_contract_state(api: Api) -> None:
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{addr(ALICE)}/state")
    assert status == 200
    assert body["models"] == [
        {"key": "0005636F756E74", "value": b64(b"7")},
        {"key": "636F6E666967", "value": b64(b'{"owner":"dev0"}')},
        {"key": "FF00", "value": b64(b"\xde\xad\xbe\xef")},
    ]
    assert body["pagination"] == {"next_key": None, "total": "3"}
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{addr(BOB)}/state")
    assert (status, body["models"]) == (200, [])
    status, body = await api.get(f"/cosmwasm/wasm/v1/contract/{addr(UNKNOWN)}/state")
    assert status == 404


async def test_rest_over_a_real_socket(nursery: trio.Nursery, api: Api) -> None:
    port: int = await nursery.start(partial(serve_http, "127.0.0.1", 0, api.rest_app))
    path = f"/cosmwasm/wasm/v1/contract/{addr(ALICE)}/smart/{quote(b64(ODD_QUERY), safe='')}"

    def fetch() -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    status, raw = await trio.to_thread.run_sync(fetch)
    assert (status, json.loads(raw)) == (200, {"data": {"count": 7, "owner": "dev0"}})


# -- JSON-RPC -------------------------------------------------------------------------------------


async def test_rpc_codes_and_code(api: Api) -> None:
    codes = await api.rpc("qor_wasmCodes")
    assert codes[0] == CODE1_JSON and len(codes) == 2
    assert await api.rpc("qor_wasmCode", 1) == {"code_info": CODE1_JSON, "data": b64(WASM1)}
    assert (await api.rpc("qor_wasmCode", "2"))["data"] == b64(WASM2)
    named = await api.rpc_response("qor_wasmCode", {"code_id": 1})
    assert named["result"]["code_info"] == CODE1_JSON


async def test_rpc_code_errors(api: Api) -> None:
    error = await api.rpc_error("qor_wasmCode", 9)
    assert error["code"] == -32001
    assert error["data"] == {"codespace": "wasm", "code": 28}
    for bad in ("x", 0, -3, True, 1.5, None, [1]):
        error = await api.rpc_error("qor_wasmCode", bad)
        assert (error["code"], error["data"]) == (-32602, {"codespace": "rpc", "code": 5}), bad
    error = await api.rpc_error("qor_wasmCode")
    assert error["code"] == -32602  # missing parameter


async def test_rpc_contract_and_contracts_by_code(api: Api) -> None:
    assert await api.rpc("qor_wasmContract", addr(ALICE)) == {
        "address": addr(ALICE),
        "contract_info": ALICE_INFO_JSON,
    }
    assert await api.rpc("qor_wasmContractsByCode", 2) == [addr(CAROL)]
    assert await api.rpc("qor_wasmContractsByCode", "1") == [addr(ALICE), addr(BOB)]
    error = await api.rpc_error("qor_wasmContract", addr(UNKNOWN))
    assert (error["code"], error["data"]) == (-32001, {"codespace": "wasm", "code": 22})
    error = await api.rpc_error("qor_wasmContract", "qor1notanaddress")
    assert (error["code"], error["data"]) == (-32602, {"codespace": "rpc", "code": 25})
    error = await api.rpc_error("qor_wasmContract", 42)
    assert (error["code"], error["data"]["code"]) == (-32602, 5)


async def test_rpc_smart_query(api: Api) -> None:
    expected = {"count": 7, "owner": "dev0"}
    assert await api.rpc("qor_wasmSmartQuery", addr(ALICE), {"count": {}}) == expected
    assert await api.rpc("qor_wasmSmartQuery", addr(ALICE), '{"count": {}}') == expected
    assert api.keeper.smart_queries == [(ALICE, b'{"count":{}}'), (ALICE, b'{"count": {}}')]
    named = await api.rpc_response(
        "qor_wasmSmartQuery", {"address": addr(ALICE), "query": {"count": {}}}
    )
    assert named["result"] == expected
    assert await api.rpc("qor_wasmSmartQuery", addr(ALICE), {"other": {}}) is None


async def test_rpc_smart_query_errors(api: Api) -> None:
    error = await api.rpc_error("qor_wasmSmartQuery", addr(ALICE), "{not json")
    assert (error["code"], error["data"]) == (-32602, {"codespace": "rpc", "code": 5})
    assert "not JSON" in error["message"]
    error = await api.rpc_error("qor_wasmSmartQuery", addr(ALICE), {"fail": {}})
    assert error == {
        "code": -32000,
        "message": "Generic error: boom",
        "data": {"codespace": "wasm", "code": 9},
    }
    error = await api.rpc_error("qor_wasmSmartQuery", addr(UNKNOWN), {"count": {}})
    assert error["data"] == {"codespace": "wasm", "code": 22}
    error = await api.rpc_error("qor_wasmSmartQuery", addr(ALICE))
    assert error["code"] == -32602


async def test_rpc_raw_query(api: Api) -> None:
    assert await api.rpc("qor_wasmRawQuery", addr(ALICE), "0x" + b"config".hex()) == (
        "0x" + b'{"owner":"dev0"}'.hex()
    )
    assert await api.rpc("qor_wasmRawQuery", addr(ALICE), "FF00") == "0xdeadbeef"
    assert await api.rpc("qor_wasmRawQuery", addr(ALICE), "0x00") is None
    for bad in ("0xzz", "abc", 5):
        error = await api.rpc_error("qor_wasmRawQuery", addr(ALICE), bad)
        assert (error["code"], error["data"]) == (-32602, {"codespace": "rpc", "code": 5}), bad


async def test_rpc_contract_state(api: Api) -> None:
    models = await api.rpc("qor_wasmContractState", addr(ALICE))
    assert [m["key"] for m in models] == ["0005636F756E74", "636F6E666967", "FF00"]
    assert models[2]["value"] == b64(b"\xde\xad\xbe\xef")
    assert await api.rpc("qor_wasmContractState", addr(CAROL)) == []
    error = await api.rpc_error("qor_wasmContractState", addr(UNKNOWN))
    assert error["code"] == -32001
