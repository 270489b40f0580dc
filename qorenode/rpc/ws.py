"""JSON-RPC over WebSocket (trio-websocket), with eth-style subscriptions.

Every text (or binary) message is a JSON-RPC request or batch handled by the protocol layer; up to
``max_in_flight`` of one connection's requests run concurrently. ``{ns}_subscribe(name, *params)``
creates a subscription through the registered factory and answers its id; the subscription then
pushes notifications ``{"jsonrpc": "2.0", "method": "{ns}_subscription", "params":
{"subscription": id, "result": ...}}``. ``{ns}_unsubscribe(id)`` answers true or false.

Each connection has one bounded send queue drained by one writer task. Responses wait for room in
it (a client that does not read only slows itself); notifications never wait: a connection whose
queue is full when a notification arrives is dropped, so a slow client cannot hold up the hub. A
subscription's first notifications are held back until the response carrying its id is queued.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import trio
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    WebSocketRequest,
    wrap_server_stream,
)

from qorenode.errors import Unsupported
from qorenode.interfaces import SubscriptionFactory
from qorenode.rpc.hub import SubscriptionHub
from qorenode.rpc.jsonrpc import MAX_BATCH, dumps, handle_request_body
from qorenode.rpc.listen import open_listeners
from qorenode.rpc.registry import ApiRegistry

__all__ = ["DEFAULT_MAX_MESSAGE", "DEFAULT_SEND_QUEUE", "new_subscription_id", "serve_ws"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE = 10 * 1024 * 1024
"""Largest incoming message (bytes); trio-websocket closes the connection (1009) beyond it."""

DEFAULT_SEND_QUEUE = 1024
"""Outgoing messages a connection may have queued before a notification overflows it."""

DEFAULT_MAX_IN_FLIGHT = 16
"""Requests of one connection handled concurrently."""

DEFAULT_HANDSHAKE_TIMEOUT = 30.0
"""Seconds a new connection has to complete the WebSocket handshake."""

_CLOSE_TIMEOUT = 5.0
_RECEIVE_SIZE = 64 * 1024
_POLICY_VIOLATION = 1008


def new_subscription_id() -> str:
    """A fresh random subscription id, 16 bytes in 0x-hex (as geth and anvil show them)."""
    return "0x" + secrets.token_hex(16)


async def serve_ws(
    host: str | None,
    port: int,
    registry: ApiRegistry,
    hub: SubscriptionHub,
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    max_message: int = DEFAULT_MAX_MESSAGE,
    send_queue: int = DEFAULT_SEND_QUEUE,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    max_batch: int = MAX_BATCH,
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
) -> None:
    """Serve JSON-RPC over WebSocket until cancelled; reports the bound port via ``task_status``.

    Use ``port = await nursery.start(serve_ws, "127.0.0.1", 8546, registry, hub)``; port 0 picks
    a free port.
    """
    listeners, bound_port = await open_listeners(host, port)
    settings = _Settings(registry, hub, max_message, send_queue, max_in_flight, max_batch)
    handler = partial(_serve_connection, settings=settings, handshake_timeout=handshake_timeout)
    async with trio.open_nursery() as nursery:
        await nursery.start(trio.serve_listeners, handler, listeners)
        logger.info("WebSocket server listening on %s:%d", host, bound_port)
        task_status.started(bound_port)


@dataclass(frozen=True)
class _Settings:
    registry: ApiRegistry
    hub: SubscriptionHub
    max_message: int
    send_queue: int
    max_in_flight: int
    max_batch: int


async def _serve_connection(
    stream: trio.SocketStream, *, settings: _Settings, handshake_timeout: float
) -> None:
    """One TCP connection: the handshake, then the JSON-RPC session; nothing escapes it."""
    try:
        async with trio.open_nursery() as nursery:  # holds trio-websocket's reader task
            request: WebSocketRequest | None = None
            with trio.move_on_after(handshake_timeout):
                request = await wrap_server_stream(
                    nursery,
                    stream,
                    message_queue_size=1,
                    max_message_size=settings.max_message,
                    receive_buffer_size=_RECEIVE_SIZE,
                )
            if request is None:  # no (valid) handshake in time
                nursery.cancel_scope.cancel()
                return
            try:
                ws = await request.accept()
            except ConnectionClosed:
                nursery.cancel_scope.cancel()
                return
            connection = _WsConnection(ws, settings)
            try:
                await connection.run()
            finally:
                connection.detach()
                with trio.move_on_after(_CLOSE_TIMEOUT):
                    await ws.aclose()  # also ends the reader task
    except Exception:
        logger.exception("WebSocket connection failed")
    finally:
        await trio.aclose_forcefully(stream)


class _Sink:
    """One subscription's ``SubscriptionSink``: wraps results as notifications for its connection.

    Inactive until the response carrying the subscription id has been queued; what it is sent
    before that waits in a backlog (bounded by the connection's queue size).
    """

    def __init__(self, connection: _WsConnection, namespace: str, subscription_id: str) -> None:
        self._connection = connection
        self._method = f"{namespace}_subscription"
        self.subscription_id = subscription_id
        self.active = False
        self.closed = False
        self._backlog: list[str] = []

    async def send(self, result: Any) -> None:
        """Queue a notification carrying ``result``; never waits for the client."""
        if self.closed:
            return
        text = dumps(
            {
                "jsonrpc": "2.0",
                "method": self._method,
                "params": {"subscription": self.subscription_id, "result": result},
            }
        )
        if self.active:
            self._connection.push_notification(text)
        elif len(self._backlog) < self._connection.send_queue_size:
            self._backlog.append(text)
        else:
            self._connection.drop("subscription backlog overflow")

    def activate(self) -> None:
        """The subscription id has been sent: release the backlog, deliver directly from now on."""
        if self.active or self.closed:
            return
        self.active = True
        backlog, self._backlog = self._backlog, []
        for text in backlog:
            self._connection.push_notification(text)


class _RequestScope:
    """The ``RpcConnection`` one request sees: remembers the subscriptions it creates."""

    def __init__(self, connection: _WsConnection) -> None:
        self._connection = connection
        self.created: list[_Sink] = []

    async def subscribe(
        self, namespace: str, name: str, factory: SubscriptionFactory, params: Sequence[Any]
    ) -> str:
        sink = await self._connection.subscribe(namespace, name, factory, params)
        self.created.append(sink)
        return sink.subscription_id

    async def unsubscribe(self, namespace: str, subscription_id: str) -> bool:
        return self._connection.unsubscribe(namespace, subscription_id)


class _WsConnection:
    """One WebSocket client: its reader, its writer, its send queue and its subscriptions."""

    def __init__(self, ws: WebSocketConnection, settings: _Settings) -> None:
        self._ws = ws
        self._registry = settings.registry
        self._hub = settings.hub
        self.send_queue_size = settings.send_queue
        self._max_batch = settings.max_batch
        self._send, self._receive = trio.open_memory_channel[str](settings.send_queue)
        self._in_flight = trio.Semaphore(settings.max_in_flight)
        self._cancel = trio.CancelScope()
        self._subs: dict[str, tuple[str, _Sink]] = {}
        self._closed = False
        self._drop_reason: str | None = None
        self._writing = False  # the writer is inside send_message
        self._abort = False  # dropped while a frame was half sent

    async def run(self) -> None:
        """Read requests and write responses/notifications until either side closes."""
        with self._cancel:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._writer)
                await self._reader(nursery)
                nursery.cancel_scope.cancel()
        self.detach()
        if self._drop_reason is None:
            return
        if self._abort:
            # A frame was half sent when the writer was cancelled: no clean close is possible.
            # aclose() in a cancelled scope just closes the TCP stream (the client sees 1006).
            with trio.CancelScope() as scope:
                scope.cancel()
                await self._ws.aclose(code=_POLICY_VIOLATION, reason=self._drop_reason)
        else:
            with trio.move_on_after(_CLOSE_TIMEOUT):
                await self._ws.aclose(code=_POLICY_VIOLATION, reason=self._drop_reason)

    async def _reader(self, nursery: trio.Nursery) -> None:
        while True:
            try:
                message = await self._ws.get_message()
            except ConnectionClosed:
                return
            await self._in_flight.acquire()
            nursery.start_soon(self._handle, message)

    async def _handle(self, message: str | bytes) -> None:
        try:
            body = message.encode() if isinstance(message, str) else message
            scope = _RequestScope(self)
            out = await handle_request_body(
                body, self._registry, connection=scope, max_batch=self._max_batch
            )
            if out is not None:
                try:
                    await self._send.send(out.decode())
                except (trio.ClosedResourceError, trio.BrokenResourceError):
                    return
            for sink in scope.created:
                sink.activate()
        finally:
            self._in_flight.release()

    async def _writer(self) -> None:
        async with self._receive:
            async for text in self._receive:
                self._writing = True
                try:
                    await self._ws.send_message(text)
                except ConnectionClosed:
                    self._cancel.cancel()
                    return
                finally:
                    self._writing = False

    # --- subscriptions ------------------------------------------------------------------------

    async def subscribe(
        self, namespace: str, name: str, factory: SubscriptionFactory, params: Sequence[Any]
    ) -> _Sink:
        """Create a subscription through ``factory`` and make it live in the hub."""
        if self._closed:
            raise Unsupported("connection is closing")
        subscription_id = new_subscription_id()
        sink = _Sink(self, namespace, subscription_id)
        try:
            subscription = await factory(params, sink)
        except BaseException:
            sink.closed = True
            raise
        if self._closed:
            sink.closed = True
            raise Unsupported("connection is closing")
        self._subs[subscription_id] = (namespace, sink)
        self._hub.add(subscription_id, subscription, on_error=self._forget)
        logger.debug("subscription %s (%s/%s) created", subscription_id, namespace, name)
        return sink

    def unsubscribe(self, namespace: str, subscription_id: str) -> bool:
        """Cancel one of this connection's subscriptions in ``namespace``."""
        entry = self._subs.get(subscription_id)
        if entry is None or entry[0] != namespace:
            return False
        self._forget(subscription_id)
        return True

    def _forget(self, subscription_id: str) -> None:
        entry = self._subs.pop(subscription_id, None)
        if entry is not None:
            entry[1].closed = True
        self._hub.remove(subscription_id)

    def push_notification(self, text: str) -> None:
        """Queue a notification without waiting; drop the connection if its queue is full."""
        if self._closed:
            return
        try:
            self._send.send_nowait(text)
        except trio.WouldBlock:
            self.drop("send queue overflow")
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            pass

    def drop(self, reason: str) -> None:
        """Disconnect a client that cannot keep up; its subscriptions end now."""
        if self._closed:
            return
        logger.warning("dropping WebSocket client: %s", reason)
        self._drop_reason = reason
        self._abort = self._writing
        self.detach()
        self._cancel.cancel()

    def detach(self) -> None:
        """End every subscription of this connection and refuse new notifications (idempotent)."""
        self._closed = True
        for subscription_id in list(self._subs):
            self._forget(subscription_id)
        self._send.close()
