"""The HTTP transport and its JSON-RPC and REST apps, over real sockets on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import h11
import pytest
import trio

from qorenode.errors import InsufficientFunds, NotFound
from qorenode.rpc.http import HttpResponse, jsonrpc_app, rest_app, serve_http
from qorenode.rpc.registry import ApiRegistry

SMALL_BODY_LIMIT = 4096


@pytest.fixture
def registry() -> ApiRegistry:
    reg = ApiRegistry()

    async def add(a: int, b: int) -> int:
        return a + b

    async def echo(value: Any) -> Any:
        return value

    reg.rpc_method("test", "add", add)
    reg.rpc_method("test", "echo", echo)

    async def balance(path: Mapping[str, str], query: Mapping[str, str], body: bytes | None) -> Any:
        if path["addr"] == "missing":
            raise NotFound("account missing not found")
        if path["addr"] == "poor":
            raise InsufficientFunds("insufficient funds: 0aqor < 5aqor")
        if path["addr"] == "crash":
            raise RuntimeError("secret internals")
        return {"address": path["addr"], "query": dict(query), "body": body}

    async def broadcast(
        path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
    ) -> Any:
        assert body is not None
        return {"received": json.loads(body)}

    reg.rest_route("GET", "/cosmos/bank/v1beta1/balances/{addr}", balance)
    reg.rest_route("POST", "/qorechain/tx/v1/txs", broadcast)
    return reg


async def start_server(nursery: trio.Nursery, app: Any, **kwargs: Any) -> int:
    port: int = await nursery.start(partial(serve_http, "127.0.0.1", 0, app, **kwargs))
    return port


@pytest.fixture
async def rpc_port(nursery: trio.Nursery, registry: ApiRegistry) -> int:
    return await start_server(nursery, jsonrpc_app(registry), max_body=SMALL_BODY_LIMIT)


@pytest.fixture
async def rest_port(nursery: trio.Nursery, registry: ApiRegistry) -> int:
    return await start_server(nursery, rest_app(registry))


def blocking_request(
    port: int, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}
) -> tuple[int, dict[str, str], bytes]:
    """A stdlib client request (run in a thread)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=dict(headers))
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


async def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}
) -> tuple[int, dict[str, str], bytes]:
    return await trio.to_thread.run_sync(
        partial(blocking_request, port, method, path, body, headers)
    )


async def raw_exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes, return everything the server sends until it closes the connection."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(data)
        received = bytearray()
        with trio.fail_after(10):
            while chunk := await stream.receive_some(65536):
                received += chunk
    return bytes(received)


class H11Client:
    """A keep-alive client over one TCP stream, parsing responses with h11."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.conn = h11.Connection(h11.CLIENT)

    async def request(
        self, method: str, target: str, body: bytes = b"", headers: Sequence[tuple[str, str]] = ()
    ) -> tuple[h11.Response, bytes]:
        if self.conn.our_state is h11.DONE:
            self.conn.start_next_cycle()
        all_headers = [("host", "127.0.0.1"), ("content-length", str(len(body))), *headers]
        await self._send(h11.Request(method=method, target=target, headers=all_headers))
        if body:
            await self._send(h11.Data(data=body))
        await self._send(h11.EndOfMessage())
        response: h11.Response | None = None
        chunks: list[bytes] = []
        with trio.fail_after(10):
            while True:
                event = self.conn.next_event()
                if event is h11.NEED_DATA:
                    self.conn.receive_data(await self.stream.receive_some(65536))
                elif isinstance(event, h11.Response):
                    response = event
                elif isinstance(event, h11.Data):
                    chunks.append(bytes(event.data))
                elif isinstance(event, h11.EndOfMessage):
                    break
        assert response is not None
        return response, b"".join(chunks)

    async def _send(self, event: Any) -> None:
        data = self.conn.send(event)
        if data:
            await self.stream.send_all(data)


def headers_of(response: h11.Response) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in response.headers}


def rpc(method: str, params: list[Any], id: int = 1) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).encode()


# --- JSON-RPC over HTTP ------------------------------------------------------------------------


async def test_post_single_request(rpc_port: int) -> None:
    status, headers, body = await request(
        rpc_port, "POST", "/", rpc("test_add", [20, 22]), {"Content-Type": "application/json"}
    )
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"
    assert json.loads(body) == {"jsonrpc": "2.0", "id": 1, "result": 42}


async def test_post_batch_and_notification(rpc_port: int) -> None:
    batch = b"[" + rpc("test_add", [1, 2], 1) + b"," + rpc("test_echo", ["x"], 2) + b"]"
    status, _, body = await request(rpc_port, "POST", "/", batch)
    assert status == 200
    assert [r["result"] for r in json.loads(body)] == [3, "x"]
    note = json.dumps({"jsonrpc": "2.0", "method": "test_echo", "params": [1]}).encode()
    status, _, body = await request(rpc_port, "POST", "/", note)
    assert (status, body) == (204, b"")


async def test_parse_error_over_http(rpc_port: int) -> None:
    status, _, body = await request(rpc_port, "POST", "/", b"{not json")
    assert status == 200
    assert json.loads(body)["error"]["code"] == -32700


async def test_health_and_method_not_allowed(rpc_port: int) -> None:
    status, _, body = await request(rpc_port, "GET", "/")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, headers, _ = await request(rpc_port, "PUT", "/", b"{}")
    assert status == 405
    assert "POST" in headers["allow"]
    status, _, _ = await request(rpc_port, "GET", "/nope")
    assert status == 404


async def test_keep_alive_two_requests_on_one_connection(rpc_port: int) -> None:
    stream = await trio.open_tcp_stream("127.0.0.1", rpc_port)
    async with stream:
        client = H11Client(stream)
        first, body1 = await client.request("POST", "/", rpc("test_add", [1, 2], 1))
        assert first.status_code == 200
        assert b"connection" not in dict(first.headers)
        second, body2 = await client.request("POST", "/", rpc("test_add", [3, 4], 2))
        assert second.status_code == 200
        assert json.loads(body1)["result"] == 3
        assert json.loads(body2) == {"jsonrpc": "2.0", "id": 2, "result": 7}


async def test_pipelined_requests_are_answered_in_order(rpc_port: int) -> None:
    one = rpc("test_echo", ["a"], 1)
    two = rpc("test_echo", ["b"], 2)
    data = b"".join(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n%s\r\n%s"
        % (len(body), b"Connection: close\r\n" if i == 1 else b"", body)
        for i, body in enumerate((one, two))
    )
    raw = await raw_exchange(rpc_port, data)
    assert raw.count(b"HTTP/1.1 200") == 2
    assert raw.index(b'"result":"a"') < raw.index(b'"result":"b"')


async def test_cors_preflight(rpc_port: int) -> None:
    status, headers, body = await request(
        rpc_port,
        "OPTIONS",
        "/",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status == 204
    assert body == b""
    assert headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]
    assert headers["access-control-allow-headers"] == "content-type"


async def test_oversized_body_declared_length_gets_413(rpc_port: int) -> None:
    body = b"x" * (SMALL_BODY_LIMIT + 1)
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    raw = await raw_exchange(rpc_port, head + body)
    assert raw.startswith(b"HTTP/1.1 413 ")
    payload = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    assert payload["error"]["code"] == -32600
    assert payload["error"]["data"] == {"codespace": "rpc", "code": 6}


async def test_oversized_chunked_body_gets_413(rpc_port: int) -> None:
    chunk = b"y" * 1000
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
    head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    raw = await raw_exchange(rpc_port, head + chunks)
    assert raw.startswith(b"HTTP/1.1 413 ")
    # A body at the limit is fine.
    ok = rpc("test_echo", ["z" * (SMALL_BODY_LIMIT - 100)])
    status, _, _ = await request(rpc_port, "POST", "/", ok)
    assert status == 200


@pytest.mark.parametrize(
    "garbage",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",  # HTTP/1.1 without Host
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
    ],
)
async def test_malformed_http_gets_400_and_server_survives(rpc_port: int, garbage: bytes) -> None:
    raw = await raw_exchange(rpc_port, garbage)
    assert raw.startswith(b"HTTP/1.1 400 ")
    assert json.loads(raw.split(b"\r\n\r\n", 1)[1])["error"]["code"] == -32600
    status, _, body = await request(rpc_port, "POST", "/", rpc("test_add", [1, 1]))
    assert status == 200 and json.loads(body)["result"] == 2


async def test_abrupt_disconnects_do_not_kill_the_server(rpc_port: int) -> None:
    for data in (b"", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", b"\x00" * 10):
        stream = await trio.open_tcp_stream("127.0.0.1", rpc_port)
        if data:
            await stream.send_all(data)
        await stream.aclose()
    status, _, _ = await request(rpc_port, "POST", "/", rpc("test_add", [1, 1]))
    assert status == 200


async def test_app_exception_becomes_500_and_connection_survives(nursery: trio.Nursery) -> None:
    async def app(
        method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> HttpResponse:
        if path == "/boom":
            raise RuntimeError("secret")
        return HttpResponse(200, b'{"ok":true}')

    port = await start_server(nursery, app)
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        client = H11Client(stream)
        resp, body = await client.request("GET", "/boom")
        assert resp.status_code == 500
        assert b"secret" not in body
        assert json.loads(body)["error"]["code"] == -32603
        resp, body = await client.request("GET", "/fine")
        assert (resp.status_code, body) == (200, b'{"ok":true}')


async def test_head_request_has_no_body(rpc_port: int) -> None:
    stream = await trio.open_tcp_stream("127.0.0.1", rpc_port)
    async with stream:
        client = H11Client(stream)
        resp, body = await client.request("HEAD", "/")
        assert resp.status_code == 200 and body == b""
        resp, body = await client.request("GET", "/")
        assert int(headers_of(resp)["content-length"]) == len(body) > 0


# --- REST ----------------------------------------------------------------------------------------


async def test_rest_route_with_path_and_query_params(rest_port: int) -> None:
    status, headers, body = await request(
        rest_port, "GET", "/cosmos/bank/v1beta1/balances/qor1abc?pagination.limit=5&x="
    )
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "address": "qor1abc",
        "query": {"pagination.limit": "5", "x": ""},
        "body": None,
    }


async def test_rest_post_passes_body(rest_port: int) -> None:
    status, _, body = await request(rest_port, "POST", "/qorechain/tx/v1/txs", b'{"tx": 1}')
    assert status == 200
    assert json.loads(body) == {"received": {"tx": 1}}


async def test_rest_unknown_route_is_404_json(rest_port: int) -> None:
    status, _, body = await request(rest_port, "GET", "/cosmos/nothing/here")
    assert status == 404
    payload = json.loads(body)
    assert payload["code"] == 7 and payload["codespace"] == "rpc"
    assert "/cosmos/nothing/here" in payload["message"]


async def test_rest_wrong_method_is_405(rest_port: int) -> None:
    status, headers, _ = await request(rest_port, "GET", "/qorechain/tx/v1/txs")
    assert status == 405
    assert headers["allow"] == "POST"


async def test_rest_node_errors(rest_port: int) -> None:
    status, _, body = await request(rest_port, "GET", "/cosmos/bank/v1beta1/balances/poor")
    assert status == 400
    assert json.loads(body) == {
        "code": 17,
        "codespace": "node",
        "message": "insufficient funds: 0aqor < 5aqor",
        "details": [],
    }
    status, _, body = await request(rest_port, "GET", "/cosmos/bank/v1beta1/balances/missing")
    assert status == 404
    assert json.loads(body)["code"] == 7
    status, _, body = await request(rest_port, "GET", "/cosmos/bank/v1beta1/balances/crash")
    assert status == 500
    assert b"secret" not in body


async def test_expect_100_continue(rpc_port: int) -> None:
    body = rpc("test_add", [5, 6])
    stream = await trio.open_tcp_stream("127.0.0.1", rpc_port)
    async with stream:
        await stream.send_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n"
            % len(body)
        )
        with trio.fail_after(10):
            interim = await stream.receive_some(65536)
        assert interim.startswith(b"HTTP/1.1 100 ")
        await stream.send_all(body)
        received = b""
        with trio.fail_after(10):
            while b'"result"' not in received:
                received += await stream.receive_some(65536)
        assert received.startswith(b"HTTP/1.1 200 ")
        assert json.loads(received.split(b"\r\n\r\n", 1)[1])["result"] == 11
