"""The WebSocket transport's extension point: a dialect of its own (ids, methods, notifications)."""

from __future__ import annotations

import itertools
import json
from functools import partial
from typing import Any

import pytest
import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from qorenode.errors import InvalidParams
from qorenode.rpc.registry import ApiRegistry
from qorenode.rpc.ws import SubscriptionId, WsConnection, WsDialect, WsSubscription, serve_websocket


class TickDialect(WsDialect):
    """Integer ids, ``<topic>Event`` notifications with ``result`` first, methods per connection."""

    name = "Tick WebSocket"

    def __init__(self) -> None:
        self._ids = itertools.count(100)
        self.live: dict[SubscriptionId, WsSubscription] = {}

    def methods(self, connection: WsConnection) -> ApiRegistry:
        registry = ApiRegistry()
        registry.rpc_method("", "tickSubscribe", partial(self._subscribe, connection))
        registry.rpc_method("", "tickUnsubscribe", partial(self._unsubscribe, connection))
        registry.rpc_method("", "onceSubscribe", partial(self._once, connection))
        registry.rpc_method("", "slow", self._slow)
        registry.rpc_method("", "ping", self._ping)
        return registry

    def new_id(self) -> int:
        return next(self._ids)

    def notification(
        self, topic: str, subscription_id: SubscriptionId, result: Any
    ) -> dict[str, Any]:
        return {"method": f"{topic}Event", "params": {"result": result, "id": subscription_id}}

    async def _subscribe(self, connection: WsConnection, eager: bool = False) -> SubscriptionId:
        sink = connection.open("tick")
        self.live[sink.id] = sink
        sink.on_end = partial(self.live.pop, sink.id)
        if eager:
            sink.notify("first")  # before the response carrying the id exists
        return sink.id

    async def _once(self, connection: WsConnection, deliver_pending: bool) -> SubscriptionId:
        sink = connection.open("once")
        sink.notify("only")
        sink.end(deliver_pending=deliver_pending)
        return sink.id

    async def _unsubscribe(self, connection: WsConnection, subscription_id: Any) -> bool:
        sink = connection.subscription(subscription_id)
        if sink is None:
            raise InvalidParams("unknown subscription")
        sink.end()
        return True

    async def _slow(self) -> str:
        await trio.sleep(0.2)
        return "slow"

    async def _ping(self) -> str:
        return "pong"


@pytest.fixture
def dialect() -> TickDialect:
    return TickDialect()


async def start(nursery: trio.Nursery, dialect: WsDialect, **kwargs: Any) -> str:
    port: int = await nursery.start(partial(serve_websocket, "127.0.0.1", 0, dialect, **kwargs))
    return f"ws://127.0.0.1:{port}/"


async def send(ws: WebSocketConnection, method: str, params: list[Any], id: int = 1) -> None:
    await ws.send_message(
        json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
    )


async def receive_text(ws: WebSocketConnection) -> str:
    with trio.fail_after(10):
        text = await ws.get_message()
    assert isinstance(text, str)
    return text


async def rpc(ws: WebSocketConnection, method: str, params: list[Any], id: int = 1) -> Any:
    await send(ws, method, params, id)
    return json.loads(await receive_text(ws))


async def test_ids_and_notifications_come_from_the_dialect(
    nursery: trio.Nursery, dialect: TickDialect
) -> None:
    url = await start(nursery, dialect)
    async with open_websocket_url(url) as ws:
        first = await rpc(ws, "tickSubscribe", [], id=1)
        second = await rpc(ws, "tickSubscribe", [], id=2)
        assert (first["result"], second["result"]) == (100, 101)
        dialect.live[101].notify({"n": 1})
        assert (
            await receive_text(ws) == '{"method":"tickEvent","params":{"result":{"n":1},"id":101}}'
        )
        assert (await rpc(ws, "tickUnsubscribe", [101], id=3))["result"] is True
        assert 101 not in dialect.live
        assert (await rpc(ws, "tickUnsubscribe", [101], id=4))["error"]["code"] == -32602


async def test_notifications_wait_for_the_response_with_the_id(
    nursery: trio.Nursery, dialect: TickDialect
) -> None:
    url = await start(nursery, dialect)
    async with open_websocket_url(url) as ws:
        response = await rpc(ws, "tickSubscribe", [True], id=7)
        assert response == {"jsonrpc": "2.0", "id": 7, "result": 100}
        note = json.loads(await receive_text(ws))
        assert note == {"method": "tickEvent", "params": {"result": "first", "id": 100}}


async def test_ending_before_the_id_is_sent_drops_or_delivers_what_is_pending(
    nursery: trio.Nursery, dialect: TickDialect
) -> None:
    url = await start(nursery, dialect)
    async with open_websocket_url(url) as ws:
        kept = await rpc(ws, "onceSubscribe", [True], id=1)
        note = json.loads(await receive_text(ws))
        assert note["params"] == {"result": "only", "id": kept["result"]}
        await rpc(ws, "onceSubscribe", [False], id=2)
        # The next message answers a later request: the pending notification was dropped.
        assert await rpc(ws, "ping", [], id=3) == {"jsonrpc": "2.0", "id": 3, "result": "pong"}


async def test_one_request_in_flight_answers_in_order(
    nursery: trio.Nursery, dialect: TickDialect
) -> None:
    url = await start(nursery, dialect, max_in_flight=1)
    async with open_websocket_url(url) as ws:
        await send(ws, "slow", [], id=1)
        await send(ws, "ping", [], id=2)
        assert [json.loads(await receive_text(ws))["id"] for _ in range(2)] == [1, 2]


async def test_closing_the_connection_ends_its_subscriptions(
    nursery: trio.Nursery, dialect: TickDialect
) -> None:
    url = await start(nursery, dialect)
    async with open_websocket_url(url) as ws:
        await rpc(ws, "tickSubscribe", [], id=1)
        assert list(dialect.live) == [100]
    with trio.fail_after(10):
        while dialect.live:
            await trio.sleep(0.01)
