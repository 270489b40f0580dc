"""JSON-RPC over WebSocket (trio-websocket): one transport, and the dialects of the APIs it serves.

Every text (or binary) message is a JSON-RPC request or batch handled by the protocol layer; up to
``max_in_flight`` of one connection's requests run concurrently (1: in order). What differs between
the APIs served this way is a ``WsDialect``: which methods a connection answers (among them those
that create and cancel subscriptions), how subscription ids are made and how a notification is
shaped. ``serve_ws`` serves the node's own API with ``EthDialect``: ``{ns}_subscribe(name,
*params)`` creates a subscription through the registered factory and answers its id (16 random
bytes in 0x-hex); the subscription, fed by the hub, then pushes notifications ``{"jsonrpc": "2.0",
"method": "{ns}_subscription", "params": {"subscription": id, "result": ...}}``;
``{ns}_unsubscribe(id)`` answers true or false. ``serve_websocket`` serves any dialect (Solana's
PubSub is one: ``vms.svm.ws``).

Each connection has one bounded send queue drained by one writer task. Responses wait for room in
it (a client that does not read only slows itself); notifications never wait: a connection whose
queue is full when a notification arrives is dropped, so a slow client cannot hold up the hub. A
subscription's first notifications are held back until the response carrying its id is queued.
"""

from __future__ import annotations

import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextvars import ContextVar
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
from qorenode.rpc.jsonrpc import MAX_BATCH, RpcConnection, dumps, handle_request_body
from qorenode.rpc.listen import open_listeners
from qorenode.rpc.registry import ApiRegistry

__all__ = [
    "DEFAULT_HANDSHAKE_TIMEOUT",
    "DEFAULT_MAX_IN_FLIGHT",
    "DEFAULT_MAX_MESSAGE",
    "DEFAULT_SEND_QUEUE",
    "EthDialect",
    "SubscriptionId",
    "WsConnection",
    "WsDialect",
    "WsSubscription",
    "new_subscription_id",
    "serve_websocket",
    "serve_ws",
]

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

SubscriptionId = str | int
"""A subscription id as its dialect makes it (and as the client sees it in JSON)."""


def new_subscription_id() -> str:
    """A fresh random subscription id, 16 bytes in 0x-hex (as geth and anvil show them)."""
    return "0x" + secrets.token_hex(16)


class WsDialect(ABC):
    """What one API served over this transport decides; the transport does the rest.

    The dialect names the subscription methods (``methods``, ``subscriptions``), makes the ids
    (``new_id``) and shapes the notifications (``notification``). Its methods create subscriptions
    with ``WsConnection.open`` and feed them as they like (the hub, a fan-out of their own).
    """

    name = "WebSocket"
    """The server's name in log messages."""

    @abstractmethod
    def methods(self, connection: WsConnection) -> ApiRegistry:
        """The methods ``connection`` answers (asked once per connection, when it opens)."""

    def subscriptions(self, connection: WsConnection) -> RpcConnection | None:
        """What the protocol layer hands the registry's ``{ns}_subscribe``/``{ns}_unsubscribe``
        methods on ``connection`` (see ``ApiRegistry.subscription``); None if there are none."""
        return None

    @abstractmethod
    def new_id(self) -> SubscriptionId:
        """A fresh subscription id, unique among the live subscriptions of the server."""

    @abstractmethod
    def notification(
        self, topic: str, subscription_id: SubscriptionId, result: Any
    ) -> dict[str, Any]:
        """The message that pushes ``result`` to the subscription ``subscription_id`` of ``topic``
        (the ``topic`` it was opened with)."""


class EthDialect(WsDialect):
    """The node's own API (``serve_ws``), Ethereum style: the registry's methods; a namespace's
    ``{ns}_subscribe(name, *params)`` makes a subscription through the factory registered for
    ``name`` and the hub feeds it; ids are 0x-hex; notifications are ``{ns}_subscription``."""

    def __init__(self, registry: ApiRegistry, hub: SubscriptionHub) -> None:
        self._registry = registry
        self._hub = hub

    def methods(self, connection: WsConnection) -> ApiRegistry:
        return self._registry

    def subscriptions(self, connection: WsConnection) -> RpcConnection:
        return _HubSubscriptions(connection, self._hub)

    def new_id(self) -> str:
        return new_subscription_id()

    def notification(
        self, topic: str, subscription_id: SubscriptionId, result: Any
    ) -> dict[str, Any]:
        return {
            "jsonrpc": "2.0",
            "method": f"{topic}_subscription",
            "params": {"subscription": subscription_id, "result": result},
        }


class _HubSubscriptions:
    """``EthDialect``'s ``RpcConnection`` for one connection: factory-made subscriptions, one hub
    entry each (topic: the namespace)."""

    def __init__(self, connection: WsConnection, hub: SubscriptionHub) -> None:
        self._connection = connection
        self._hub = hub

    async def subscribe(
        self, namespace: str, name: str, factory: SubscriptionFactory, params: Sequence[Any]
    ) -> str:
        """Create a subscription through ``factory`` and make it live in the hub."""
        sink = self._connection.open(namespace)
        subscription_id = str(sink.id)  # EthDialect's ids are strings already
        try:
            subscription = await factory(params, sink)
        except BaseException:
            sink.end()
            raise
        if sink.closed:  # the connection closed while the factory ran
            raise Unsupported("connection is closing")
        self._hub.add(subscription_id, subscription, on_error=self._failed)
        sink.on_end = partial(self._hub.remove, subscription_id)
        logger.debug("subscription %s (%s/%s) created", subscription_id, namespace, name)
        return subscription_id

    async def unsubscribe(self, namespace: str, subscription_id: str) -> bool:
        """Cancel one of this connection's subscriptions in ``namespace``."""
        sink = self._connection.subscription(subscription_id)
        if sink is None or sink.topic != namespace:
            return False
        sink.end()
        return True

    def _failed(self, subscription_id: str) -> None:
        """The hub dropped the subscription (its ``on_block`` raised): the connection forgets it."""
        sink = self._connection.subscription(subscription_id)
        if sink is not None:
            sink.end()


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
    """Serve the node's JSON-RPC API over WebSocket (``EthDialect``) until cancelled; reports the
    bound port via ``task_status``.

    Use ``port = await nursery.start(serve_ws, "127.0.0.1", 8546, registry, hub)``; port 0 picks
    a free port.
    """
    await serve_websocket(
        host,
        port,
        EthDialect(registry, hub),
        task_status=task_status,
        max_message=max_message,
        send_queue=send_queue,
        max_in_flight=max_in_flight,
        max_batch=max_batch,
        handshake_timeout=handshake_timeout,
    )


async def serve_websocket(
    host: str | None,
    port: int,
    dialect: WsDialect,
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    max_message: int = DEFAULT_MAX_MESSAGE,
    send_queue: int = DEFAULT_SEND_QUEUE,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    max_batch: int = MAX_BATCH,
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
) -> None:
    """Serve ``dialect``'s API over WebSocket until cancelled; reports the bound port via
    ``task_status`` (port 0 picks a free port)."""
    listeners, bound_port = await open_listeners(host, port)
    settings = _Settings(dialect, max_message, send_queue, max_in_flight, max_batch)
    handler = partial(_serve_connection, settings=settings, handshake_timeout=handshake_timeout)
    async with trio.open_nursery() as nursery:
        await nursery.start(trio.serve_listeners, handler, listeners)
        logger.info("%s server listening on %s:%d", dialect.name, host, bound_port)
        task_status.started(bound_port)


@dataclass(frozen=True)
class _Settings:
    dialect: WsDialect
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
            connection = WsConnection(ws, settings)
            try:
                await connection.run()
            finally:
                connection.detach()
                with trio.move_on_after(_CLOSE_TIMEOUT):
                    await ws.aclose()  # also ends the reader task
    except Exception:
        logger.exception("%s connection failed", settings.dialect.name)
    finally:
        await trio.aclose_forcefully(stream)


_OPENED: ContextVar[list[WsSubscription]] = ContextVar("qorenode_ws_opened")
"""The subscriptions opened by the request being handled (each request runs in its own task, so
in its own context): they become active once its response is queued."""


class WsSubscription:
    """One subscription of a connection, as the transport sees it; the ``SubscriptionSink`` its
    source sends results to, each shaped into a notification by the dialect.

    Inactive until the response carrying its id has been queued; what it is sent before that waits
    in a backlog (bounded by the connection's queue size).
    """

    def __init__(
        self, connection: WsConnection, topic: str, subscription_id: SubscriptionId
    ) -> None:
        self._connection = connection
        self.topic = topic
        self.id = subscription_id
        self.active = False
        self.closed = False
        self.on_end: Callable[[], object] | None = None
        """Called once when the subscription ends (to stop feeding it)."""
        self._backlog: list[str] = []

    def notify(self, result: Any) -> None:
        """Queue a notification carrying ``result``; never waits for the client."""
        if self.closed:
            return
        text = dumps(self._connection.dialect.notification(self.topic, self.id, result))
        if self.active:
            self._connection.push_notification(text)
        elif len(self._backlog) < self._connection.send_queue_size:
            self._backlog.append(text)
        else:
            self._connection.drop("subscription backlog overflow")

    async def send(self, result: Any) -> None:
        """``SubscriptionSink.send``: ``notify``."""
        self.notify(result)

    def activate(self) -> None:
        """The subscription id has been sent: release the backlog, deliver directly from now on."""
        if self.active:
            return
        self.active = True
        backlog, self._backlog = self._backlog, []
        for text in backlog:
            self._connection.push_notification(text)

    def end(self, *, deliver_pending: bool = False) -> None:
        """End the subscription (idempotent): it notifies nothing more, its connection forgets it
        and ``on_end`` runs. Notifications held back while its id is not sent yet are dropped, or,
        with ``deliver_pending``, still delivered once it is."""
        if self.closed:
            return
        self.closed = True
        if not deliver_pending:
            self._backlog.clear()
        self._connection._forget(self)
        if self.on_end is not None:
            self.on_end()


class WsConnection:
    """One WebSocket client: its reader, its writer, its send queue and its subscriptions.

    The transport makes one per client; the dialect's methods use ``open`` and ``subscription``.
    """

    def __init__(self, ws: WebSocketConnection, settings: _Settings) -> None:
        self._ws = ws
        self.dialect = settings.dialect
        self.send_queue_size = settings.send_queue
        self._max_batch = settings.max_batch
        self._send, self._receive = trio.open_memory_channel[str](settings.send_queue)
        self._in_flight = trio.Semaphore(settings.max_in_flight)
        self._cancel = trio.CancelScope()
        self._subs: dict[SubscriptionId, WsSubscription] = {}
        self._closed = False
        self._drop_reason: str | None = None
        self._writing = False  # the writer is inside send_message
        self._abort = False  # dropped while a frame was half sent
        self._registry = self.dialect.methods(self)
        self._rpc_connection = self.dialect.subscriptions(self)

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
            opened: list[WsSubscription] = []
            _OPENED.set(opened)  # this task's context only; it ends with the task
            out = await handle_request_body(
                body, self._registry, connection=self._rpc_connection, max_batch=self._max_batch
            )
            if out is not None:
                try:
                    await self._send.send(out.decode())
                except (trio.ClosedResourceError, trio.BrokenResourceError):
                    return
            for sink in opened:
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

    # --- subscriptions (for the dialect's methods) --------------------------------------------

    def open(self, topic: str) -> WsSubscription:
        """A new subscription of ``topic`` on this connection, with a fresh id from the dialect.

        Opened by a request, it stays inactive until that request's response is queued (outside
        any request: active at once). Raises ``Unsupported`` once the connection is closing.
        """
        if self._closed:
            raise Unsupported("connection is closing")
        sink = WsSubscription(self, topic, self.dialect.new_id())
        self._subs[sink.id] = sink
        opened = _OPENED.get(None)
        if opened is None:
            sink.activate()
        else:
            opened.append(sink)
        return sink

    def subscription(self, subscription_id: SubscriptionId) -> WsSubscription | None:
        """This connection's live subscription ``subscription_id``, if any."""
        return self._subs.get(subscription_id)

    def _forget(self, sink: WsSubscription) -> None:
        """Remove an ended subscription (``WsSubscription.end`` calls this)."""
        if self._subs.get(sink.id) is sink:
            del self._subs[sink.id]

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
        logger.warning("dropping %s client: %s", self.dialect.name, reason)
        self._drop_reason = reason
        self._abort = self._writing
        self.detach()
        self._cancel.cancel()

    def detach(self) -> None:
        """End every subscription of this connection and refuse new notifications (idempotent)."""
        self._closed = True
        for sink in list(self._subs.values()):
            sink.end()
        self._send.close()
