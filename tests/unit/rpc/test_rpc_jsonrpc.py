"""The JSON-RPC 2.0 protocol layer, without any transport."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from qorenode.errors import ExecutionReverted, NonceTooLow, NotFound
from qorenode.interfaces import Subscription, SubscriptionSink
from qorenode.rpc.jsonrpc import handle_request_body
from qorenode.rpc.registry import ApiRegistry


class Calls:
    """Records what handlers were called with."""

    def __init__(self) -> None:
        self.log: list[tuple[str, tuple[Any, ...]]] = []


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def registry(calls: Calls) -> ApiRegistry:
    reg = ApiRegistry()

    async def add(a: int, b: int) -> int:
        calls.log.append(("add", (a, b)))
        return a + b

    async def balance(address: str, block: str = "latest") -> dict[str, str]:
        calls.log.append(("balance", (address, block)))
        return {"address": address, "block": block}

    async def note(value: Any) -> None:
        calls.log.append(("note", (value,)))

    async def reverts() -> None:
        raise ExecutionReverted("execution reverted", bytes.fromhex("08c379a0deadbeef"))

    async def nonce_low() -> None:
        raise NonceTooLow("nonce too low: next nonce 5, tx nonce 3")

    async def missing() -> None:
        raise NotFound("block not found")

    async def broken() -> None:
        raise RuntimeError("secret database path /home/user/.qorenode")

    async def inner_type_error(x: int) -> int:
        return x + "1"  # type: ignore[operator]  # a bug inside the handler, not bad params

    async def not_json() -> object:
        return object()

    reg.rpc_method("test", "add", add)
    reg.rpc_method("eth", "getBalance", balance)
    reg.rpc_method("test", "note", note)
    reg.rpc_method("test", "reverts", reverts)
    reg.rpc_method("test", "nonceLow", nonce_low)
    reg.rpc_method("test", "missing", missing)
    reg.rpc_method("test", "broken", broken)
    reg.rpc_method("test", "innerTypeError", inner_type_error)
    reg.rpc_method("test", "notJson", not_json)

    class Nop(Subscription):
        async def on_block(self, notice: Any) -> None:
            pass

    async def factory(params: Any, sink: SubscriptionSink) -> Subscription:
        return Nop()

    reg.subscription("eth", "newHeads", factory)
    return reg


def req(method: str, params: Any = None, id: Any = 1) -> dict[str, Any]:
    out: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        out["params"] = params
    if id is not None:
        out["id"] = id
    return out


async def call(registry: ApiRegistry, payload: Any) -> Any:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    out = await handle_request_body(raw, registry)
    return None if out is None else json.loads(out)


async def test_single_request_positional_params(registry: ApiRegistry) -> None:
    out = await handle_request_body(json.dumps(req("test_add", [2, 3], id=7)).encode(), registry)
    assert out == b'{"jsonrpc":"2.0","id":7,"result":5}'  # compact separators


async def test_single_request_keyword_params_and_defaults(registry: ApiRegistry) -> None:
    resp = await call(registry, req("eth_getBalance", {"address": "0xab"}, id="x"))
    assert resp == {"jsonrpc": "2.0", "id": "x", "result": {"address": "0xab", "block": "latest"}}
    resp = await call(registry, req("eth_getBalance", ["0xab", "0x1"], id=0))
    assert resp["result"] == {"address": "0xab", "block": "0x1"}
    assert resp["id"] == 0


async def test_batch_keeps_order_and_skips_notifications(
    registry: ApiRegistry, calls: Calls
) -> None:
    batch = [
        req("test_add", [1, 1], id=1),
        req("test_note", ["hi"], id=None),
        req("nope_method", [], id=2),
        req("test_add", [2, 2], id=3),
    ]
    resp = await call(registry, batch)
    assert isinstance(resp, list)
    assert [r["id"] for r in resp] == [1, 2, 3]
    assert resp[0]["result"] == 2
    assert resp[1]["error"]["code"] == -32601
    assert resp[2]["result"] == 4
    assert ("note", ("hi",)) in calls.log


async def test_notification_runs_but_gets_no_response(registry: ApiRegistry, calls: Calls) -> None:
    assert (
        await handle_request_body(json.dumps(req("test_note", [1], id=None)).encode(), registry)
        is None
    )
    assert calls.log == [("note", (1,))]
    # Failing notifications are silent too.
    assert await call(registry, req("test_broken", [], id=None)) is None
    assert await call(registry, req("no_such", [], id=None)) is None


async def test_batch_of_notifications_only_returns_none(
    registry: ApiRegistry, calls: Calls
) -> None:
    batch = [req("test_note", [1], id=None), req("test_note", [2], id=None)]
    assert await handle_request_body(json.dumps(batch).encode(), registry) is None
    assert calls.log == [("note", (1,)), ("note", (2,))]


@pytest.mark.parametrize("body", [b"{bad json", b'{"jsonrpc": "2.0",', b"\xff\xfe\x00garbage", b""])
async def test_parse_error(registry: ApiRegistry, body: bytes) -> None:
    resp = await call(registry, body)
    assert resp["id"] is None
    assert resp["error"]["code"] == -32700
    assert resp["error"]["data"] == {"codespace": "rpc", "code": 2}


@pytest.mark.parametrize(
    "payload, expected_id",
    [
        (1, None),
        ("eth_blockNumber", None),
        ({"jsonrpc": "2.0", "method": 5, "id": 4}, 4),
        ({"jsonrpc": "1.0", "method": "test_add", "params": [1, 2], "id": 5}, 5),
        ({"method": "test_add", "params": [1, 2], "id": 6}, 6),
        ({"jsonrpc": "2.0", "method": "test_add", "params": "1,2", "id": 8}, 8),
        ({"jsonrpc": "2.0", "method": "test_add", "params": [1, 2], "id": {"a": 1}}, None),
        ({"jsonrpc": "2.0", "method": "test_add", "params": [1, 2], "id": True}, None),
    ],
)
async def test_invalid_request(registry: ApiRegistry, payload: Any, expected_id: Any) -> None:
    resp = await call(registry, payload)
    assert resp["error"]["code"] == -32600
    assert resp["id"] == expected_id
    assert "result" not in resp


async def test_invalid_request_without_id_is_still_answered(registry: ApiRegistry) -> None:
    resp = await call(registry, {"jsonrpc": "2.0", "method": 1, "params": "bar"})
    assert resp["error"]["code"] == -32600
    assert resp["id"] is None


async def test_empty_batch_is_a_single_invalid_request(registry: ApiRegistry) -> None:
    resp = await call(registry, [])
    assert isinstance(resp, dict)
    assert resp["error"]["code"] == -32600
    assert resp["id"] is None


async def test_batch_of_invalid_entries(registry: ApiRegistry) -> None:
    resp = await call(registry, [1, 2, req("test_add", [1, 2], id=9)])
    assert [r.get("error", {}).get("code") for r in resp] == [-32600, -32600, None]
    assert resp[2]["result"] == 3


async def test_batch_too_large(registry: ApiRegistry, calls: Calls) -> None:
    batch = [req("test_add", [i, i], id=i + 100) for i in range(4)]
    out = await handle_request_body(json.dumps(batch).encode(), registry, max_batch=3)
    assert out is not None
    resp = json.loads(out)
    assert isinstance(resp, list) and len(resp) == 1
    assert resp[0]["error"]["code"] == -32600
    assert resp[0]["error"]["data"] == {"codespace": "rpc", "code": 6}
    assert "batch too large" in resp[0]["error"]["message"]
    assert resp[0]["id"] == 100
    assert calls.log == []  # nothing ran
    ok = await handle_request_body(json.dumps(batch[:3]).encode(), registry, max_batch=3)
    assert ok is not None and len(json.loads(ok)) == 3


async def test_unknown_method(registry: ApiRegistry) -> None:
    resp = await call(registry, req("eth_noSuchThing", [], id=3))
    assert resp["id"] == 3
    assert resp["error"]["code"] == -32601
    assert "eth_noSuchThing" in resp["error"]["message"]


@pytest.mark.parametrize(
    "params",
    [[1], [1, 2, 3], [], {"a": 1}, {"a": 1, "b": 2, "c": 3}],
)
async def test_wrong_arity_is_invalid_params(
    registry: ApiRegistry, calls: Calls, params: Any
) -> None:
    resp = await call(registry, req("test_add", params, id=1))
    assert resp["error"]["code"] == -32602
    assert calls.log == []  # checked before calling


async def test_type_error_inside_handler_is_internal_not_invalid_params(
    registry: ApiRegistry,
) -> None:
    resp = await call(registry, req("test_innerTypeError", [1]))
    assert resp["error"]["code"] == -32603


async def test_node_error_mapping(registry: ApiRegistry) -> None:
    resp = await call(registry, req("test_nonceLow", []))
    assert resp["error"] == {
        "code": -32003,
        "message": "nonce too low: next nonce 5, tx nonce 3",
        "data": {"codespace": "node", "code": 15},
    }
    resp = await call(registry, req("test_missing", []))
    assert resp["error"]["code"] == -32001
    assert resp["error"]["data"] == {"codespace": "rpc", "code": 7}


async def test_execution_reverted_carries_hex_data(registry: ApiRegistry) -> None:
    resp = await call(registry, req("test_reverts", [], id=11))
    assert resp["id"] == 11
    assert resp["error"] == {
        "code": 3,
        "message": "execution reverted",
        "data": "0x08c379a0deadbeef",
    }


async def test_internal_error_is_hidden_and_logged(
    registry: ApiRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="qorenode.rpc.jsonrpc"):
        out = await handle_request_body(json.dumps(req("test_broken", [])).encode(), registry)
    assert out is not None
    resp = json.loads(out)
    assert resp["error"]["code"] == -32603
    assert resp["error"]["message"] == "internal error"
    assert b"secret" not in out
    assert any(r.exc_info and "secret database path" in str(r.exc_info[1]) for r in caplog.records)


async def test_unserialisable_result_is_internal_error(registry: ApiRegistry) -> None:
    resp = await call(registry, req("test_notJson", []))
    assert resp["error"]["code"] == -32603


async def test_subscribe_without_connection_is_refused(registry: ApiRegistry) -> None:
    resp = await call(registry, req("eth_subscribe", ["newHeads"]))
    assert resp["error"]["code"] == -32601
    assert "notifications not supported" in resp["error"]["message"]
