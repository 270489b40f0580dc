"""Solana's PubSub API: JSON-RPC over WebSocket (trio-websocket) on the Solana port + 1 (8900).

Methods, with Solana's shapes (subscription ids are integers; every notification is
``{"jsonrpc": "2.0", "method": "<kind>Notification", "params": {"result": ..., "subscription":
id}}``):

    signatureSubscribe(signature, config?)   one ``{"context": {"slot"}, "value": {"err"}}`` when
                                             the signature is in a committed block (at once if it
                                             already is), then the subscription ends
    accountSubscribe(pubkey, config?)        ``{"context": {"slot"}, "value": <getAccountInfo's
                                             value>}`` for each block that wrote the account
                                             (``encoding``, ``dataSlice`` as getAccountInfo)
    logsSubscribe("all" | {"mentions": [pubkey]}, config?)
                                             ``{"context": {"slot"}, "value": {"signature", "err",
                                             "logs"}}`` per transaction
    slotSubscribe()                          ``{"parent", "root", "slot"}`` per block (a devnet
                                             block is final at once: root = slot)

and ``<kind>Unsubscribe(id)`` answering true (an unknown id: -32602 "Invalid subscription id.").

The server registers one subscription in the node's hub and fans each block out to its clients
from the SVM's commit extras (``SvmModule.commit``: signatures, errors, logs, account keys of the
block's transactions and the bytes of every account it wrote). Each connection has one bounded
send queue drained by one writer; a notification never waits: a client whose queue is full is
dropped. Notifications of a new subscription wait until the response with its id is queued.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import trio
from solders.account import Account
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    WebSocketRequest,
    wrap_server_stream,
)

from qorenode.interfaces import BlockNotice, NodeServices, Subscription
from qorenode.rpc.hub import SubscriptionHub
from qorenode.rpc.jsonrpc import dumps, handle_request_body
from qorenode.rpc.listen import open_listeners
from qorenode.rpc.registry import ApiRegistry
from vms.svm.module import SYSTEM_PROGRAM, SvmModule
from vms.svm.rpc import (
    SolanaRpcError,
    encode_account,
    invalid_params,
    parse_config,
    parse_pubkey,
    parse_signature,
)

__all__ = ["serve_solana_ws"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE = 1024 * 1024
DEFAULT_SEND_QUEUE = 1024
DEFAULT_HANDSHAKE_TIMEOUT = 30.0
_CLOSE_TIMEOUT = 5.0
_POLICY_VIOLATION = 1008
_KINDS = ("signature", "account", "logs", "slot")
_EMPTY = Account(lamports=0, data=b"", owner=SYSTEM_PROGRAM, executable=False, rent_epoch=0)


@dataclass
class _Sub:
    """One client subscription; notifications wait in ``backlog`` until it is active."""

    id: int
    kind: str
    connection: _Connection
    match: Any = None  # signature bytes, pubkey string, logs filter (None: all)
    config: dict[str, Any] = field(default_factory=dict)
    active: bool = False
    closed: bool = False
    backlog: list[str] = field(default_factory=list)

    def notify(self, result: Any) -> None:
        if self.closed:
            return
        text = dumps(
            {
                "jsonrpc": "2.0",
                "method": f"{self.kind}Notification",
                "params": {"result": result, "subscription": self.id},
            }
        )
        if self.active:
            self.connection.push(text)
        elif len(self.backlog) < self.connection.queue_size:
            self.backlog.append(text)
        else:
            self.connection.drop("subscription backlog overflow")

    def activate(self) -> None:
        """Its id has been sent: release the backlog (even if it has ended since: a signature
        already committed is notified at once), deliver directly from now on."""
        if self.active:
            return
        self.active = True
        backlog, self.backlog = self.backlog, []
        for text in backlog:
            self.connection.push(text)


class _PubSub(Subscription):
    """Every live Solana subscription of the server; the hub feeds it each committed block."""

    def __init__(self, node: NodeServices, svm: SvmModule) -> None:
        self.node = node
        self.svm = svm
        self.subs: dict[int, _Sub] = {}
        self._ids = itertools.count()

    def new_id(self) -> int:
        return next(self._ids)

    async def on_block(self, notice: BlockNotice) -> None:
        extras = notice.extras.get("svm")
        if not extras:
            return
        for sub in list(self.subs.values()):
            try:
                self._dispatch(sub, extras)
            except Exception:  # one bad subscription must not end the others (or this feed)
                logger.exception("Solana subscription %d failed; ending it", sub.id)
                self.end(sub)

    def end(self, sub: _Sub) -> None:
        sub.closed = True
        self.subs.pop(sub.id, None)
        sub.connection.subs.pop(sub.id, None)

    def _dispatch(self, sub: _Sub, extras: dict[str, Any]) -> None:
        slot = int(extras["slot"])
        context = {"slot": slot}
        if sub.kind == "slot":
            sub.notify({"parent": extras.get("parent_slot", slot), "root": slot, "slot": slot})
        elif sub.kind == "signature":
            for tx in extras.get("transactions", ()):
                if tx["signature"] == sub.match:
                    sub.notify({"context": context, "value": {"err": tx["err"]}})
                    self.end(sub)
                    return
        elif sub.kind == "account":
            accounts = extras.get("accounts", {})
            if sub.match in accounts:
                sub.notify({"context": context, "value": account_value(accounts[sub.match], sub)})
        elif sub.kind == "logs":
            for tx in extras.get("transactions", ()):
                if sub.match is None or sub.match in tx["accounts"]:
                    value = {"signature": tx["signature"], "err": tx["err"], "logs": tx["logs"]}
                    sub.notify({"context": context, "value": value})


def account_value(raw: bytes | None, sub: _Sub) -> dict[str, Any] | None:
    """A written account as ``getAccountInfo`` shows it; a closed one as Solana notifies it:
    zero lamports, no data, owned by the system program."""
    return encode_account(_EMPTY if raw is None else Account.from_bytes(raw), sub.config)


async def serve_solana_ws(
    host: str | None,
    port: int,
    node: NodeServices,
    svm: SvmModule,
    hub: SubscriptionHub,
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    max_message: int = DEFAULT_MAX_MESSAGE,
    send_queue: int = DEFAULT_SEND_QUEUE,
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
) -> None:
    """Serve Solana's PubSub API until cancelled; reports the bound port via ``task_status``."""
    listeners, bound_port = await open_listeners(host, port)
    pubsub = _PubSub(node, svm)
    hub_id = f"svm-pubsub:{id(pubsub):x}"
    hub.add(hub_id, pubsub)
    handler = partial(
        _serve_connection,
        pubsub=pubsub,
        max_message=max_message,
        send_queue=send_queue,
        handshake_timeout=handshake_timeout,
    )
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(trio.serve_listeners, handler, listeners)
            logger.info("Solana WebSocket server listening on %s:%d", host, bound_port)
            task_status.started(bound_port)
    finally:
        hub.remove(hub_id)


async def _serve_connection(
    stream: trio.SocketStream,
    *,
    pubsub: _PubSub,
    max_message: int,
    send_queue: int,
    handshake_timeout: float,
) -> None:
    try:
        async with trio.open_nursery() as nursery:
            request: WebSocketRequest | None = None
            with trio.move_on_after(handshake_timeout):
                request = await wrap_server_stream(
                    nursery, stream, message_queue_size=1, max_message_size=max_message
                )
            if request is None:
                nursery.cancel_scope.cancel()
                return
            try:
                ws = await request.accept()
            except ConnectionClosed:
                nursery.cancel_scope.cancel()
                return
            connection = _Connection(ws, pubsub, send_queue)
            try:
                await connection.run()
            finally:
                connection.detach()
                with trio.move_on_after(_CLOSE_TIMEOUT):
                    await ws.aclose()
    except Exception:
        logger.exception("Solana WebSocket connection failed")
    finally:
        await trio.aclose_forcefully(stream)


class _Connection:
    """One client: requests handled in order, one writer, its subscriptions."""

    def __init__(self, ws: WebSocketConnection, pubsub: _PubSub, queue_size: int) -> None:
        self._ws = ws
        self._pubsub = pubsub
        self.queue_size = queue_size
        self._send, self._receive = trio.open_memory_channel[str](queue_size)
        self._cancel = trio.CancelScope()
        self.subs: dict[int, _Sub] = {}
        self._created: list[_Sub] = []
        self._closed = False
        self._drop_reason: str | None = None
        self._registry = self._build_registry()

    def _build_registry(self) -> ApiRegistry:
        registry = ApiRegistry()
        methods: dict[str, Callable[..., Any]] = {
            "signatureSubscribe": self._signature_subscribe,
            "accountSubscribe": self._account_subscribe,
            "logsSubscribe": self._logs_subscribe,
            "slotSubscribe": self._slot_subscribe,
        }
        for kind in _KINDS:
            methods[f"{kind}Unsubscribe"] = partial(self._unsubscribe, kind)
        for name, handler in methods.items():
            registry.rpc_method("", name, handler)
        return registry

    # -- methods --------------------------------------------------------------------------------

    def _add(self, kind: str, match: Any, config: dict[str, Any]) -> _Sub:
        sub = _Sub(self._pubsub.new_id(), kind, self, match, config)
        self.subs[sub.id] = sub
        self._pubsub.subs[sub.id] = sub
        self._created.append(sub)
        return sub

    async def _signature_subscribe(self, signature: Any, config: Any = None) -> int:
        parse_config(config)
        key = bytes(parse_signature(signature))
        sub = self._add("signature", str(parse_signature(signature)), {})
        svm = self._pubsub.svm
        record = await self._pubsub.node.run(lambda: svm.transaction(key))
        if record is not None and not sub.closed:  # already committed: notify at once
            err = record.get("err_json") if record.get("err") is not None else None
            sub.notify({"context": {"slot": record["slot"]}, "value": {"err": err}})
            self._pubsub.end(sub)
        return sub.id

    async def _account_subscribe(self, pubkey: Any, config: Any = None) -> int:
        cfg = parse_config(config)
        key = parse_pubkey(pubkey)
        encode_account(_EMPTY, cfg)  # refuses a bad encoding now
        return self._add("account", str(key), cfg).id

    async def _logs_subscribe(self, filter_: Any, config: Any = None) -> int:
        parse_config(config)
        match: str | None
        if filter_ in ("all", "allWithVotes"):
            match = None
        elif isinstance(filter_, dict) and isinstance(filter_.get("mentions"), list):
            mentions = filter_["mentions"]
            if len(mentions) != 1:
                raise invalid_params("Invalid Request: Only 1 address supported")
            match = str(parse_pubkey(mentions[0]))
        else:
            raise invalid_params(
                'Invalid params: the filter must be "all" or {"mentions": [pubkey]}'
            )
        return self._add("logs", match, {}).id

    async def _slot_subscribe(self) -> int:
        return self._add("slot", None, {}).id

    async def _unsubscribe(self, kind: str, subscription_id: Any) -> bool:
        sub = self.subs.get(subscription_id) if isinstance(subscription_id, int) else None
        if sub is None or sub.kind != kind:
            raise SolanaRpcError("Invalid subscription id.", rpc_code=-32602)
        self._pubsub.end(sub)
        return True

    # -- transport ------------------------------------------------------------------------------

    async def run(self) -> None:
        with self._cancel:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._writer)
                await self._reader()
                nursery.cancel_scope.cancel()
        self.detach()
        if self._drop_reason is not None:
            with trio.move_on_after(_CLOSE_TIMEOUT):
                await self._ws.aclose(code=_POLICY_VIOLATION, reason=self._drop_reason)

    async def _reader(self) -> None:
        while True:
            try:
                message = await self._ws.get_message()
            except ConnectionClosed:
                return
            body = message.encode() if isinstance(message, str) else message
            self._created = []
            out = await handle_request_body(body, self._registry)
            created, self._created = self._created, []
            if out is not None:
                try:
                    await self._send.send(out.decode())
                except (trio.ClosedResourceError, trio.BrokenResourceError):
                    return
            for sub in created:
                sub.activate()

    async def _writer(self) -> None:
        async with self._receive:
            async for text in self._receive:
                try:
                    await self._ws.send_message(text)
                except ConnectionClosed:
                    self._cancel.cancel()
                    return

    def push(self, text: str) -> None:
        """Queue a notification without waiting; drop the client if its queue is full."""
        if self._closed:
            return
        try:
            self._send.send_nowait(text)
        except trio.WouldBlock:
            self.drop("send queue overflow")
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            pass

    def drop(self, reason: str) -> None:
        if self._closed:
            return
        logger.warning("dropping Solana WebSocket client: %s", reason)
        self._drop_reason = reason
        self.detach()
        self._cancel.cancel()

    def detach(self) -> None:
        """End every subscription of this connection (idempotent)."""
        self._closed = True
        for sub in list(self.subs.values()):
            self._pubsub.end(sub)
        self._send.close()
