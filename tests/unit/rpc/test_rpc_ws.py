"""JSON-RPC over WebSocket and subscriptions fed by the hub, over real sockets on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import pytest
import trio
import trio.testing
from trio_websocket import ConnectionClosed, WebSocketConnection, open_websocket_url

from qorenode.errors import InvalidParams
from qorenode.interfaces import BlockNotice, BlockRecord, Subscription, SubscriptionSink
from qorenode.rpc.hub import SubscriptionHub
from qorenode.rpc.registry import ApiRegistry
from qorenode.rpc.ws import serve_ws


def notice(height: int, extras: dict[str, Any] | None = None) -> BlockNotice:
    record = BlockRecord(
        height=height,
        hash=height.to_bytes(32, "big"),
        parent_hash=(height - 1).to_bytes(32, "big"),
        timestamp=1_700_000_000 + height,
        tx_hashes=[],
        events=[],
    )
    return BlockNotice(record=record, results=(), extras=extras or {})


class HeadsSubscription(Subscription):
    """Sends each block's number (and a padding extra, if the notice carries one)."""

    def __init__(self, sink: SubscriptionSink, params: Sequence[Any]) -> None:
        self.sink = sink
        self.params = list(params)

    async def on_block(self, notice: BlockNotice) -> None:
        result: dict[str, Any] = {"number": hex(notice.record.height)}
        if "padding" in notice.extras:
            result["padding"] = notice.extras["padding"]
        await self.sink.send(result)


class EagerSubscription(Subscription):
    async def on_block(self, notice: BlockNotice) -> None:
        pass


@pytest.fixture
def hub() -> SubscriptionHub:
    return SubscriptionHub()


@pytest.fixture
def created() -> list[HeadsSubscription]:
    return []


@pytest.fixture
def registry(created: list[HeadsSubscription]) -> ApiRegistry:
    reg = ApiRegistry()

    async def add(a: int, b: int) -> int:
        return a + b

    async def refuse() -> None:
        raise InvalidParams("bad block tag")

    async def new_heads(params: Sequence[Any], sink: SubscriptionSink) -> Subscription:
        sub = HeadsSubscription(sink, params)
        created.append(sub)
        return sub

    async def logs(params: Sequence[Any], sink: SubscriptionSink) -> Subscription:
        if not params or not isinstance(params[0], dict):
            raise InvalidParams("logs subscription needs a filter object")
        return HeadsSubscription(sink, params)

    async def eager(params: Sequence[Any], sink: SubscriptionSink) -> Subscription:
        await sink.send("hello")  # before the subscribe response exists
        return EagerSubscription()

    reg.rpc_method("test", "add", add)
    reg.rpc_method("test", "refuse", refuse)
    reg.subscription("eth", "newHeads", new_heads)
    reg.subscription("eth", "logs", logs)
    reg.subscription("qor", "eager", eager)
    return reg


async def start_ws(
    nursery: trio.Nursery, registry: ApiRegistry, hub: SubscriptionHub, **kwargs: Any
) -> int:
    port: int = await nursery.start(partial(serve_ws, "127.0.0.1", 0, registry, hub, **kwargs))
    return port


@pytest.fixture
async def ws_port(nursery: trio.Nursery, registry: ApiRegistry, hub: SubscriptionHub) -> int:
    return await start_ws(nursery, registry, hub)


def url(port: int) -> str:
    return f"ws://127.0.0.1:{port}/"


async def rpc(ws: WebSocketConnection, method: str, params: list[Any], id: int = 1) -> Any:
    await ws.send_message(
        json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
    )
    return await receive(ws)


async def receive(ws: WebSocketConnection) -> Any:
    with trio.fail_after(10):
        return json.loads(await ws.get_message())


async def wait_until(predicate: Callable[[], bool]) -> None:
    """Let every task run until ``predicate`` holds (no sleeping: waits for quiescence)."""
    with trio.fail_after(10):
        while not predicate():
            await trio.testing.wait_all_tasks_blocked()


async def test_plain_request_over_ws(ws_port: int) -> None:
    async with open_websocket_url(url(ws_port)) as ws:
        assert await rpc(ws, "test_add", [2, 3], id=5) == {"jsonrpc": "2.0", "id": 5, "result": 5}
        err = await rpc(ws, "test_refuse", [], id=6)
        assert err["id"] == 6 and err["error"]["code"] == -32602
        assert (await rpc(ws, "nope_nope", []))["error"]["code"] == -32601
        await ws.send_message("{broken")
        assert (await receive(ws))["error"]["code"] == -32700


async def test_batch_over_ws_and_binary_frames(ws_port: int) -> None:
    async with open_websocket_url(url(ws_port)) as ws:
        batch = [
            {"jsonrpc": "2.0", "id": 1, "method": "test_add", "params": [1, 1]},
            {"jsonrpc": "2.0", "method": "test_add", "params": [0, 0]},
            {"jsonrpc": "2.0", "id": 2, "method": "test_add", "params": [2, 2]},
        ]
        await ws.send_message(json.dumps(batch).encode())
        resp = await receive(ws)
        assert [(r["id"], r["result"]) for r in resp] == [(1, 2), (2, 4)]


async def test_subscribe_publish_unsubscribe(
    ws_port: int, hub: SubscriptionHub, created: list[HeadsSubscription]
) -> None:
    async with open_websocket_url(url(ws_port)) as ws:
        resp = await rpc(ws, "eth_subscribe", ["newHeads"], id=1)
        sub_id = resp["result"]
        assert isinstance(sub_id, str) and sub_id.startswith("0x") and len(sub_id) == 34
        int(sub_id, 16)
        assert len(hub) == 1 and sub_id in hub

        await hub.publish(notice(7))
        note = await receive(ws)
        assert note == {
            "jsonrpc": "2.0",
            "method": "eth_subscription",
            "params": {"subscription": sub_id, "result": {"number": "0x7"}},
        }

        assert (await rpc(ws, "eth_unsubscribe", [sub_id], id=2))["result"] is True
        assert len(hub) == 0
        await hub.publish(notice(8))
        # The next message is the answer to a later request, not a notification of block 8.
        assert (await rpc(ws, "test_add", [1, 2], id=3)) == {"jsonrpc": "2.0", "id": 3, "result": 3}
        assert (await rpc(ws, "eth_unsubscribe", [sub_id], id=4))["result"] is False


async def test_subscription_params_reach_the_factory(
    ws_port: int, created: list[HeadsSubscription]
) -> None:
    async with open_websocket_url(url(ws_port)) as ws:
        resp = await rpc(ws, "eth_subscribe", ["newHeads", {"includeTransactions": True}])
        assert "result" in resp
        assert created[0].params == [{"includeTransactions": True}]
        refused = await rpc(ws, "eth_subscribe", ["logs", "not-a-filter"], id=2)
        assert refused["error"]["code"] == -32602
        unknown = await rpc(ws, "eth_subscribe", ["nonsense"], id=3)
        assert unknown["error"]["code"] == -32602
        assert "nonsense" in unknown["error"]["message"]


async def test_unsubscribe_is_per_connection_and_namespace(
    ws_port: int, hub: SubscriptionHub
) -> None:
    async with open_websocket_url(url(ws_port)) as a, open_websocket_url(url(ws_port)) as b:
        sub_id = (await rpc(a, "eth_subscribe", ["newHeads"]))["result"]
        assert (await rpc(b, "eth_unsubscribe", [sub_id]))["result"] is False
        assert (await rpc(a, "qor_unsubscribe", [sub_id]))["result"] is False
        assert sub_id in hub
        assert (await rpc(a, "eth_unsubscribe", [sub_id]))["result"] is True


async def test_notifications_never_precede_the_subscribe_response(ws_port: int) -> None:
    async with open_websocket_url(url(ws_port)) as ws:
        resp = await rpc(ws, "qor_subscribe", ["eager"], id=9)
        assert resp["id"] == 9
        note = await receive(ws)
        assert note["method"] == "qor_subscription"
        assert note["params"] == {"subscription": resp["result"], "result": "hello"}


async def test_subscriptions_are_dropped_when_the_connection_closes(
    ws_port: int, hub: SubscriptionHub
) -> None:
    async with open_websocket_url(url(ws_port)) as ws:
        await rpc(ws, "eth_subscribe", ["newHeads"], id=1)
        await rpc(ws, "eth_subscribe", ["newHeads"], id=2)
        assert len(hub) == 2
    await wait_until(lambda: len(hub) == 0)
    await hub.publish(notice(1))  # nothing left to feed, nothing raises


async def test_slow_client_is_dropped_without_blocking_others(
    nursery: trio.Nursery, registry: ApiRegistry, hub: SubscriptionHub
) -> None:
    port = await start_ws(nursery, registry, hub, send_queue=2)
    padding = "p" * 256 * 1024
    async with (
        open_websocket_url(url(port), message_queue_size=1) as slow,
        open_websocket_url(url(port), max_message_size=2 * 1024 * 1024) as fast,
    ):
        slow_id = (await rpc(slow, "eth_subscribe", ["newHeads"]))["result"]
        fast_id = (await rpc(fast, "eth_subscribe", ["newHeads"]))["result"]
        received = 0
        # `slow` never reads again: once the socket buffers fill, its queue overflows.
        for height in range(1, 400):
            await hub.publish(notice(height, {"padding": padding}))
            note = await receive(fast)
            assert note["params"]["subscription"] == fast_id
            assert note["params"]["result"]["number"] == hex(height)
            received += 1
            if slow_id not in hub:
                break
        assert slow_id not in hub, "the slow client was never dropped"
        assert fast_id in hub
        await hub.publish(notice(1000))
        assert (await receive(fast))["params"]["result"]["number"] == hex(1000)
        assert received > 1, received
        with trio.fail_after(10), pytest.raises(ConnectionClosed):
            while True:
                await slow.get_message()  # drains what was buffered, then sees the close


async def test_failing_subscription_is_dropped_alone(
    nursery: trio.Nursery, hub: SubscriptionHub
) -> None:
    reg = ApiRegistry()

    class Failing(Subscription):
        async def on_block(self, notice: BlockNotice) -> None:
            raise RuntimeError("bug in a module's subscription")

    async def failing(params: Sequence[Any], sink: SubscriptionSink) -> Subscription:
        return Failing()

    async def heads(params: Sequence[Any], sink: SubscriptionSink) -> Subscription:
        return HeadsSubscription(sink, params)

    reg.subscription("eth", "failing", failing)
    reg.subscription("eth", "newHeads", heads)
    port = await start_ws(nursery, reg, hub)
    async with open_websocket_url(url(port)) as ws:
        bad = (await rpc(ws, "eth_subscribe", ["failing"], id=1))["result"]
        good = (await rpc(ws, "eth_subscribe", ["newHeads"], id=2))["result"]
        await hub.publish(notice(3))
        assert (await receive(ws))["params"] == {"subscription": good, "result": {"number": "0x3"}}
        assert bad not in hub and good in hub
        # The connection forgot it too: unsubscribing it now says false.
        assert (await rpc(ws, "eth_unsubscribe", [bad], id=3))["result"] is False


async def test_garbage_handshake_does_not_kill_the_server(ws_port: int) -> None:
    stream = await trio.open_tcp_stream("127.0.0.1", ws_port)
    async with stream:
        await stream.send_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # not an upgrade
        with trio.fail_after(10):
            reply = await stream.receive_some(65536)
        assert reply.startswith(b"HTTP/1.1 4")
    stream = await trio.open_tcp_stream("127.0.0.1", ws_port)
    await stream.send_all(b"\x00\xff garbage \r\n\r\n")
    await stream.aclose()
    async with open_websocket_url(url(ws_port)) as ws:
        assert (await rpc(ws, "test_add", [1, 1]))["result"] == 2
