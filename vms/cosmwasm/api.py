"""The CosmWasm module's JSON-RPC methods and REST routes (wasmd's query service, read-only).

REST mirrors wasmd's gRPC gateway (``cosmwasm.wasm.v1.Query``), with its JSON shapes:

    GET /cosmwasm/wasm/v1/code                                  {"code_infos": [...], "pagination"}
    GET /cosmwasm/wasm/v1/code/{code_id}                        {"code_info": {...}, "data": b64}
    GET /cosmwasm/wasm/v1/code/{code_id}/contracts              {"contracts": [...], "pagination"}
    GET /cosmwasm/wasm/v1/contract/{address}                    {"address", "contract_info"}
    GET /cosmwasm/wasm/v1/contract/{address}/smart/{query_data} {"data": <the response JSON>}
    GET /cosmwasm/wasm/v1/contract/{address}/raw/{query_data}   {"data": b64 | null}
    GET /cosmwasm/wasm/v1/contract/{address}/state              {"models": [...], "pagination"}

``query_data`` is base64 (standard or URL-safe, padding optional; a ``/`` of standard base64 may be
sent as is or as ``%2F``): of the JSON query for ``smart``, of the key for ``raw``. Every list is
answered whole (``next_key`` null, ``total`` its length): a devnet holds little.

JSON-RPC (namespace ``qor``): ``qor_wasmCodes()``, ``qor_wasmCode(code_id)``,
``qor_wasmContract(address)``, ``qor_wasmContractsByCode(code_id)``,
``qor_wasmSmartQuery(address, query)`` (a JSON value, or a string holding JSON text),
``qor_wasmRawQuery(address, key_hex)`` ("0x.." or null), ``qor_wasmContractState(address)``.

Bad input is refused before the keeper is asked: a code id that is not a positive integer, a query
that is not JSON or bad base64/hex answer ``InvalidParams`` (rpc:5, -32602); a bad address answers
``InvalidAddress`` (rpc:25, -32602). The keeper's own errors (``vms.cosmwasm.errors``) pass through:
unknown code or contract -> -32001 / HTTP 404, a failing smart query -> wasm:9, -32000 / HTTP 400.
Every keeper call runs on the state-machine worker (``node.run``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any, Protocol

from qorenode.addresses import parse_address, to_bech32
from qorenode.errors import InvalidParams
from qorenode.interfaces import ApiRegistry, NodeServices
from vms.cosmwasm.errors import QueryFailed
from vms.cosmwasm.types import CodeInfo, ContractInfo

MAX_CODE_ID = 2**64 - 1
_BASE64 = re.compile(r"[A-Za-z0-9+/]*")


class WasmQueries(Protocol):
    """What the API asks of the CosmWasm keeper; every call runs on the state-machine worker."""

    def code_info(self, code_id: int) -> CodeInfo:
        """The code's info; raises ``CodeNotFound`` if there is no such code."""
        ...

    def codes(self) -> list[CodeInfo]:
        """Every stored code, by id."""
        ...

    def code_bytes(self, code_id: int) -> bytes:
        """The wasm of a stored code; raises ``CodeNotFound`` if there is no such code."""
        ...

    def contract_info(self, address: bytes) -> ContractInfo:
        """The contract's info; raises ``ContractNotFound`` if there is no contract there."""
        ...

    def contracts_by_code(self, code_id: int) -> list[bytes]:
        """Addresses of the contracts instantiated from (or migrated to) a code."""
        ...

    def query_smart(self, address: bytes, msg: bytes) -> bytes:
        """The contract's answer (JSON bytes) to a smart query; ``QueryFailed`` on its error."""
        ...

    def query_raw(self, address: bytes, key: bytes) -> bytes | None:
        """The value under ``key`` in the contract's storage, None if there is none."""
        ...

    def contract_state(self, address: bytes) -> list[tuple[bytes, bytes]]:
        """Every (key, value) of the contract's storage, in key order."""
        ...


# -- input -----------------------------------------------------------------------------------------


def parse_code_id(value: Any) -> int:
    """A code id from a JSON number or a decimal string: 1 .. 2**64 - 1."""
    code_id: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        code_id = value
    elif isinstance(value, str) and value.isascii() and value.strip().isdigit():
        code_id = int(value.strip())
    if code_id is None or not 1 <= code_id <= MAX_CODE_ID:
        raise InvalidParams(f"invalid code id {value!r}: expected a positive integer, e.g. 1")
    return code_id


def parse_contract_address(value: Any) -> bytes:
    """A contract (or account) address: qor1 bech32 (32 or 20 bytes) or 0x hex (20 bytes)."""
    if not isinstance(value, str):
        raise InvalidParams(f"invalid address {value!r}: expected a qor1... string")
    return parse_address(value)


def decode_base64(text: str, what: str) -> bytes:
    """Standard or URL-safe base64, padding optional."""
    body = text.strip().replace("-", "+").replace("_", "/").rstrip("=")
    if not _BASE64.fullmatch(body) or len(body) % 4 == 1:
        raise InvalidParams(f"invalid {what}: {text!r} is not base64")
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParams(f"invalid {what}: {text!r} is not base64") from None


def decode_hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidParams(f"invalid {what} {value!r}: expected a hex string")
    try:
        return bytes.fromhex(value.strip().removeprefix("0x").removeprefix("0X"))
    except ValueError:
        raise InvalidParams(f"invalid {what} {value!r}: not hex") from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def check_json_query(raw: bytes) -> bytes:
    """``raw`` if it is JSON text (UTF-8), as wasmd requires of a smart query."""
    try:
        json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidParams("invalid query: the query data is not JSON") from None
    return raw


def query_bytes(query: Any) -> bytes:
    """A JSON-RPC smart query: a JSON value (sent compact), or a string holding JSON text."""
    if isinstance(query, str):
        return check_json_query(query.encode("utf-8"))
    try:
        return json.dumps(
            query, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidParams(f"invalid query: {exc}") from None


def response_json(raw: bytes) -> Any:
    """The contract's answer to a smart query, as a JSON value."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise QueryFailed("the contract answered the query with data that is not JSON") from None


# -- output ----------------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _pagination(total: int) -> dict[str, Any]:
    return {"next_key": None, "total": str(total)}


def _models(state: list[tuple[bytes, bytes]]) -> list[dict[str, str]]:
    """wasmd's ``Model``: the key as upper-case hex, the value as base64."""
    return [{"key": key.hex().upper(), "value": b64(value)} for key, value in state]


def _code_json(info: CodeInfo, wasm: bytes) -> dict[str, Any]:
    return {"code_info": info.to_json(), "data": b64(wasm)}


def _contract_json(address: bytes, info: ContractInfo) -> dict[str, Any]:
    return {"address": to_bech32(address), "contract_info": info.to_json()}


# -- registration ----------------------------------------------------------------------------------


def register_wasm_api(api: ApiRegistry, node: NodeServices, keeper: WasmQueries) -> None:
    """Add the CosmWasm JSON-RPC methods and REST routes."""

    async def codes() -> list[CodeInfo]:
        result: list[CodeInfo] = await node.run(keeper.codes)
        return result

    async def code(code_id: int) -> tuple[CodeInfo, bytes]:
        result: tuple[CodeInfo, bytes] = await node.run(
            lambda: (keeper.code_info(code_id), keeper.code_bytes(code_id))
        )
        return result

    async def contract(address: bytes) -> ContractInfo:
        info: ContractInfo = await node.run(lambda: keeper.contract_info(address))
        return info

    async def contracts_by_code(code_id: int) -> list[bytes]:
        result: list[bytes] = await node.run(lambda: keeper.contracts_by_code(code_id))
        return result

    async def smart(address: bytes, msg: bytes) -> Any:
        raw: bytes = await node.run(lambda: keeper.query_smart(address, msg))
        return response_json(raw)

    async def raw_query(address: bytes, key: bytes) -> bytes | None:
        value: bytes | None = await node.run(lambda: keeper.query_raw(address, key))
        return value

    async def state(address: bytes) -> list[tuple[bytes, bytes]]:
        result: list[tuple[bytes, bytes]] = await node.run(lambda: keeper.contract_state(address))
        return result

    # -- REST ------------------------------------------------------------------------------------

    async def rest_codes(
        path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
    ) -> Any:
        infos = await codes()
        return {"code_infos": [i.to_json() for i in infos], "pagination": _pagination(len(infos))}

    async def rest_code(
        path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
    ) -> Any:
        info, wasm = await code(parse_code_id(path["code_id"]))
        return _code_json(info, wasm)

    async def rest_contracts_by_code(
        path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
    ) -> Any:
        addresses = await contracts_by_code(parse_code_id(path["code_id"]))
        return {
            "contracts": [to_bech32(a) for a in addresses],
            "pagination": _pagination(len(addresses)),
        }

    async def rest_contract(
        path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
    ) -> Any:
        address = parse_contract_address(path["address"])
        return _contract_json(address, await contract(address))

    async def rest_smart(
        path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
    ) -> Any:
        address = parse_contract_address(path["address"])
        msg = check_json_query(decode_base64(path["query_data"], "query data"))
        return {"data": await smart(address, msg)}

    async def rest_raw(
        path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
    ) -> Any:
        address = parse_contract_address(path["address"])
        value = await raw_query(address, decode_base64(path["query_data"], "query data"))
        return {"data": None if value is None else b64(value)}

    async def rest_state(
        path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
    ) -> Any:
        models = _models(await state(parse_contract_address(path["address"])))
        return {"models": models, "pagination": _pagination(len(models))}

    prefix = "/cosmwasm/wasm/v1"
    api.rest_route("GET", f"{prefix}/code", rest_codes)
    api.rest_route("GET", f"{prefix}/code/{{code_id}}", rest_code)
    api.rest_route("GET", f"{prefix}/code/{{code_id}}/contracts", rest_contracts_by_code)
    api.rest_route("GET", f"{prefix}/contract/{{address}}", rest_contract)
    api.rest_route("GET", f"{prefix}/contract/{{address}}/smart/{{query_data=**}}", rest_smart)
    api.rest_route("GET", f"{prefix}/contract/{{address}}/raw/{{query_data=**}}", rest_raw)
    api.rest_route("GET", f"{prefix}/contract/{{address}}/state", rest_state)

    # -- JSON-RPC --------------------------------------------------------------------------------

    async def rpc_codes() -> list[dict[str, Any]]:
        return [i.to_json() for i in await codes()]

    async def rpc_code(code_id: Any) -> dict[str, Any]:
        info, wasm = await code(parse_code_id(code_id))
        return _code_json(info, wasm)

    async def rpc_contract(address: Any) -> dict[str, Any]:
        raw = parse_contract_address(address)
        return _contract_json(raw, await contract(raw))

    async def rpc_contracts_by_code(code_id: Any) -> list[str]:
        return [to_bech32(a) for a in await contracts_by_code(parse_code_id(code_id))]

    async def rpc_smart_query(address: Any, query: Any) -> Any:
        raw = parse_contract_address(address)
        return await smart(raw, query_bytes(query))

    async def rpc_raw_query(address: Any, key: Any) -> str | None:
        raw = parse_contract_address(address)
        value = await raw_query(raw, decode_hex(key, "key"))
        return None if value is None else "0x" + value.hex()

    async def rpc_contract_state(address: Any) -> list[dict[str, str]]:
        return _models(await state(parse_contract_address(address)))

    api.rpc_method("qor", "wasmCodes", rpc_codes)
    api.rpc_method("qor", "wasmCode", rpc_code)
    api.rpc_method("qor", "wasmContract", rpc_contract)
    api.rpc_method("qor", "wasmContractsByCode", rpc_contracts_by_code)
    api.rpc_method("qor", "wasmSmartQuery", rpc_smart_query)
    api.rpc_method("qor", "wasmRawQuery", rpc_raw_query)
    api.rpc_method("qor", "wasmContractState", rpc_contract_state)
