"""A raw Solana PubSub client over trio-websocket for the tests (solana-py 0.41 has no
``connect``): JSON-RPC requests answered in order, notifications held by subscription, every
message also parsed by solders."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import trio
from solders.rpc.responses import parse_websocket_message
from trio_websocket import WebSocketConnection, open_websocket_url

TIMEOUT = 20.0


class PubSubClient:
    """Requests answered in order; notifications that arrive meanwhile are held (in arrival
    order) until a test asks for those of their subscription."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self.next_id = 0
        self.held: list[dict[str, Any]] = []  # notifications not asked for yet

    async def receive(self) -> dict[str, Any]:
        text = await self.ws.get_message()
        assert isinstance(text, str)
        parse_websocket_message(text)  # solders understands every message
        return dict(json.loads(text))

    async def request(self, method: str, *params: Any) -> dict[str, Any]:
        """The whole response (``result`` or ``error``) to one request."""
        self.next_id += 1
        body = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)}
        await self.ws.send_message(json.dumps(body))
        while True:
            message = await self.receive()
            if message.get("id") == self.next_id:
                return message
            self.held.append(message)

    async def subscribe(self, method: str, *params: Any) -> int:
        """Subscribe, which must succeed; the subscription id."""
        response = await self.request(method, *params)
        assert "result" in response, response
        subscription = response["result"]
        assert isinstance(subscription, int), response
        return subscription

    async def notification(
        self, subscription: int, accept: Callable[[Any], bool] = lambda _: True
    ) -> dict[str, Any]:
        """The next notification of ``subscription`` that ``accept`` takes (those of other
        subscriptions are held for later; those ``accept`` refuses are skipped)."""
        while True:
            for i, held in enumerate(self.held):
                if held["params"]["subscription"] == subscription:
                    del self.held[i]
                    if accept(held["params"]["result"]):
                        return held
                    break
            else:
                self.held.append(await self.receive())

    async def notifications(self, subscription: int, count: int) -> list[dict[str, Any]]:
        """The next ``count`` notifications of ``subscription`` (others stay held)."""
        out: list[dict[str, Any]] = []
        while len(out) < count:
            for note in list(self.held):
                if note["params"]["subscription"] == subscription and len(out) < count:
                    self.held.remove(note)
                    out.append(note)
            if len(out) < count:
                self.held.append(await self.receive())
        return out

    async def quiet(self, subscription: int) -> bool:
        """No notification of ``subscription`` arrives within a short while."""
        with trio.move_on_after(0.3):
            while True:
                self.held.append(await self.receive())
        return all(n["params"]["subscription"] != subscription for n in self.held)


def run_pubsub(
    url: str, scenario: Callable[[PubSubClient], Awaitable[None]], timeout: float = TIMEOUT
) -> None:
    """Run ``scenario`` with a client connected to the PubSub WebSocket at ``url``, within
    ``timeout`` seconds."""

    async def main() -> None:
        with trio.fail_after(timeout):
            async with open_websocket_url(url) as ws:
                await scenario(PubSubClient(ws))

    trio.run(main)
