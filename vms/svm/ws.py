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
    programSubscribe(program, config?)       ``{"context": {"slot"}, "value": {"pubkey",
                                             "account"}}`` for each account owned by ``program``
                                             that a block wrote (``encoding``, ``dataSlice`` as
                                             getAccountInfo; ``filters`` ``dataSize``/``memcmp`` as
                                             getProgramAccounts); a closed account is not notified
                                             (its owner is no longer the program)
    slotSubscribe()                          ``{"parent", "root", "slot"}`` per block (a devnet
                                             block is final at once: root = slot)
    rootSubscribe()                          the new root slot (an integer) per block: every
                                             committed block of this single-node devnet is final
    blockSubscribe("all" | {"mentionsAccountOrProgram": pubkey}, config?)
                                             ``{"context": {"slot"}, "value": {"slot", "err":
                                             null, "block": <getBlock's answer>}}`` per block
                                             (config: ``encoding``, ``transactionDetails``,
                                             ``showRewards``, ``maxSupportedTransactionVersion``,
                                             as getBlock's, but defaulting as Solana's validator
                                             does to base64 without rewards; a ``processed``
                                             commitment is refused);
                                             with the mentions filter only the blocks with a
                                             transaction naming the account (static or loaded
                                             keys), showing only those transactions; a v0
                                             transaction without ``maxSupportedTransactionVersion``
                                             is ``"err": {"UnsupportedTransactionVersion": 0}``,
                                             ``"block": null``
    slotsUpdatesSubscribe()                  per block, the four updates of a slot created, frozen,
                                             confirmed and rooted at once: ``createdBank``
                                             (``parent``), ``frozen`` (``stats``),
                                             ``optimisticConfirmation``, ``root``; ``timestamp``:
                                             the wall clock (ms) when the node announces the block
    voteSubscribe()                          accepted, never notifies: the devnet has no votes

and ``<kind>Unsubscribe(id)`` answering true (an unknown id: -32602 "Invalid subscription id.").

The server registers one subscription in the node's hub and fans each block out to its clients
from the SVM's commit extras (``SvmModule.commit``: signatures, errors, logs, account keys of the
block's transactions and the bytes of every account it wrote). Block subscriptions also need the
block's record and its transactions' (``vms.svm.rpc.load_block``, getBlock's reader): one worker
call per block, made only when a block subscription wants that block. This module is only the
dialect (``_PubSub``: the methods, ids, notifications and the fan-out); the transport is the node's
(``qorenode.rpc.ws.serve_websocket``): each connection's requests are handled in order, it has one
bounded send queue drained by one writer, a notification never waits (a client whose queue is full
is dropped), and notifications of a new subscription wait until the response with its id is
queued.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import trio
from solders.account import Account
from solders.pubkey import Pubkey

from qorenode.interfaces import BlockNotice, NodeServices, Subscription
from qorenode.rpc.hub import SubscriptionHub
from qorenode.rpc.registry import ApiRegistry
from qorenode.rpc.ws import (
    DEFAULT_HANDSHAKE_TIMEOUT,
    DEFAULT_SEND_QUEUE,
    SubscriptionId,
    WsConnection,
    WsDialect,
    WsSubscription,
    serve_websocket,
)
from vms.svm.module import SYSTEM_PROGRAM, SvmModule
from vms.svm.rpc import (
    BlockOptions,
    LoadedBlock,
    SolanaRpcError,
    account_filters,
    at_least_confirmed,
    block_json,
    encode_account,
    invalid_params,
    load_block,
    parse_config,
    parse_pubkey,
    parse_signature,
)

__all__ = ["serve_solana_ws"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE = 1024 * 1024
_KINDS = (
    "signature",
    "account",
    "logs",
    "slot",
    "program",
    "root",
    "block",
    "slotsUpdates",
    "vote",
)
UNSUPPORTED_TRANSACTION_VERSION = -32015  # getBlock's code for a v0 transaction it may not show
_EMPTY = Account(lamports=0, data=b"", owner=SYSTEM_PROGRAM, executable=False, rent_epoch=0)


@dataclass
class _Sub:
    """One client subscription: what it matches, and its transport side (``sink``)."""

    sink: WsSubscription  # topic: the kind (one of ``_KINDS``)
    match: Any = None  # signature, pubkey, logs or block filter (None: all), program id
    config: dict[str, Any] = field(default_factory=dict)
    filters: list[Callable[[bytes], bool]] = field(default_factory=list)  # programSubscribe's
    block_options: BlockOptions = field(default_factory=BlockOptions)  # blockSubscribe's

    @property
    def id(self) -> SubscriptionId:
        return self.sink.id

    @property
    def kind(self) -> str:
        return self.sink.topic

    @property
    def closed(self) -> bool:
        return self.sink.closed

    def notify(self, result: Any) -> None:
        self.sink.notify(result)


class _PubSub(WsDialect, Subscription):
    """Solana's PubSub dialect, and the one hub subscription that feeds every Solana subscription
    of the server, in the order they were made (the hub feeds each block)."""

    name = "Solana WebSocket"

    def __init__(self, node: NodeServices, svm: SvmModule) -> None:
        self.node = node
        self.svm = svm
        self.subs: dict[SubscriptionId, _Sub] = {}
        self._ids = itertools.count()

    # -- the dialect ----------------------------------------------------------------------------

    def methods(self, connection: WsConnection) -> ApiRegistry:
        registry = ApiRegistry()
        methods: dict[str, Callable[..., Any]] = {
            "signatureSubscribe": self._signature_subscribe,
            "accountSubscribe": self._account_subscribe,
            "logsSubscribe": self._logs_subscribe,
            "slotSubscribe": self._slot_subscribe,
            "programSubscribe": self._program_subscribe,
            "rootSubscribe": self._root_subscribe,
            "blockSubscribe": self._block_subscribe,
            "slotsUpdatesSubscribe": self._slots_updates_subscribe,
            "voteSubscribe": self._vote_subscribe,
        }
        for kind in _KINDS:
            methods[f"{kind}Unsubscribe"] = partial(self._unsubscribe, kind)
        for name, handler in methods.items():
            registry.rpc_method("", name, partial(handler, connection))
        return registry

    def new_id(self) -> int:
        return next(self._ids)

    def notification(
        self, topic: str, subscription_id: SubscriptionId, result: Any
    ) -> dict[str, Any]:
        return {
            "jsonrpc": "2.0",
            "method": f"{topic}Notification",
            "params": {"result": result, "subscription": subscription_id},
        }

    # -- methods --------------------------------------------------------------------------------

    def _add(self, connection: WsConnection, kind: str, match: Any, config: dict[str, Any]) -> _Sub:
        sink = connection.open(kind)
        sub = _Sub(sink, match, config)
        self.subs[sink.id] = sub
        sink.on_end = partial(self.subs.pop, sink.id, None)
        return sub

    async def _signature_subscribe(
        self, connection: WsConnection, signature: Any, config: Any = None
    ) -> SubscriptionId:
        parse_config(config)
        key = bytes(parse_signature(signature))
        sub = self._add(connection, "signature", str(parse_signature(signature)), {})
        svm = self.svm
        record = await self.node.run(lambda: svm.transaction(key))
        if record is not None and not sub.closed:  # already committed: notify at once
            err = record.get("err_json") if record.get("err") is not None else None
            sub.notify({"context": {"slot": record["slot"]}, "value": {"err": err}})
            self.end(sub)
        return sub.id

    async def _account_subscribe(
        self, connection: WsConnection, pubkey: Any, config: Any = None
    ) -> SubscriptionId:
        cfg = parse_config(config)
        key = parse_pubkey(pubkey)
        encode_account(_EMPTY, cfg)  # refuses a bad encoding now
        return self._add(connection, "account", str(key), cfg).id

    async def _logs_subscribe(
        self, connection: WsConnection, filter_: Any, config: Any = None
    ) -> SubscriptionId:
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
        return self._add(connection, "logs", match, {}).id

    async def _slot_subscribe(self, connection: WsConnection) -> SubscriptionId:
        return self._add(connection, "slot", None, {}).id

    async def _root_subscribe(self, connection: WsConnection) -> SubscriptionId:
        return self._add(connection, "root", None, {}).id

    async def _program_subscribe(
        self, connection: WsConnection, program: Any, config: Any = None
    ) -> SubscriptionId:
        cfg = parse_config(config)
        key = parse_pubkey(program)
        filters = account_filters(cfg.get("filters"))
        encode_account(_EMPTY, cfg)  # refuses a bad encoding now
        sub = self._add(connection, "program", key, cfg)
        sub.filters = filters
        return sub.id

    async def _block_subscribe(
        self, connection: WsConnection, filter_: Any, config: Any = None
    ) -> SubscriptionId:
        cfg = parse_config(config)
        at_least_confirmed(cfg)  # as Solana: blocks are notified once confirmed
        match: str | None
        if filter_ == "all":
            match = None
        elif isinstance(filter_, dict) and list(filter_) == ["mentionsAccountOrProgram"]:
            key = filter_["mentionsAccountOrProgram"]
            try:
                match = str(Pubkey.from_string(key))
            except Exception:
                raise invalid_params(
                    "Invalid Request: Invalid mentions_account_or_program provided"
                ) from None
        else:
            raise invalid_params(
                'Invalid params: the filter must be "all" or {"mentionsAccountOrProgram": pubkey}'
            )
        # Solana's validator defaults for block notifications, not getBlock's: base64, no rewards
        defaults = {"encoding": "base64", "showRewards": False}
        options = BlockOptions.parse(
            defaults | {key: value for key, value in cfg.items() if value is not None},
            rewards_key="showRewards",
        )
        sub = self._add(connection, "block", match, {})
        sub.block_options = options
        return sub.id

    async def _slots_updates_subscribe(self, connection: WsConnection) -> SubscriptionId:
        return self._add(connection, "slotsUpdates", None, {}).id

    async def _vote_subscribe(self, connection: WsConnection) -> SubscriptionId:
        return self._add(connection, "vote", None, {}).id  # the devnet has no votes to notify

    async def _unsubscribe(self, kind: str, connection: WsConnection, subscription_id: Any) -> bool:
        sink = (
            connection.subscription(subscription_id) if isinstance(subscription_id, int) else None
        )
        if sink is None or sink.topic != kind:
            raise SolanaRpcError("Invalid subscription id.", rpc_code=-32602)
        self.end(self.subs[sink.id])
        return True

    # -- the feed -------------------------------------------------------------------------------

    def end(self, sub: _Sub) -> None:
        """End ``sub``; what it has notified is still delivered, even before its id is sent (a
        signature already committed is notified at once, then its subscription ends)."""
        sub.sink.end(deliver_pending=True)

    async def on_block(self, notice: BlockNotice) -> None:
        extras = notice.extras.get("svm")
        if not extras:
            return
        block_subs: list[_Sub] = []
        announced_ms = time.time_ns() // 1_000_000  # slotsUpdates' timestamp of this block
        for sub in list(self.subs.values()):
            if sub.kind == "block":  # needs the block's records: notified after the others
                block_subs.append(sub)
                continue
            try:
                self._dispatch(sub, extras, announced_ms)
            except Exception:  # one bad subscription must not end the others (or this feed)
                logger.exception("Solana subscription %d failed; ending it", sub.id)
                self.end(sub)
        if block_subs:
            await self._notify_blocks(block_subs, extras)

    async def _notify_blocks(self, subs: list[_Sub], extras: dict[str, Any]) -> None:
        """Notify each block subscription that wants this block getBlock's answer for it (one
        worker call reads the block; none when no subscription wants it). The hub publishes one
        block at a time, so waiting here keeps the blocks in order."""
        slot = int(extras["slot"])
        wanted: list[tuple[_Sub, frozenset[str] | None]] = []  # signatures shown (None: all)
        for sub in subs:
            if sub.match is None:
                wanted.append((sub, None))
                continue
            mentioning = frozenset(
                tx["signature"]
                for tx in extras.get("transactions", ())
                if sub.match in tx["accounts"]  # static and loaded keys
            )
            if mentioning:
                wanted.append((sub, mentioning))
        if not wanted:
            return
        with_transactions = any(sub.block_options.with_transactions for sub, _ in wanted)
        svm = self.svm
        block: LoadedBlock | None = await self.node.run(
            lambda: load_block(svm, slot, with_transactions)
        )
        if block is None:  # committed blocks are recorded; never expected
            logger.error("Solana block subscriptions: no record of slot %d", slot)
            return
        answers: dict[tuple[BlockOptions, frozenset[str] | None], dict[str, Any]] = {}
        for sub, signatures in wanted:
            if sub.closed:  # unsubscribed while the block was read
                continue
            try:
                key = (sub.block_options, signatures)
                if key not in answers:
                    shown = block if signatures is None else block.only(signatures)
                    answers[key] = block_update(slot, shown, sub.block_options)
                sub.notify({"context": {"slot": slot}, "value": answers[key]})
            except Exception:  # one bad subscription must not end the others (or this feed)
                logger.exception("Solana subscription %d failed; ending it", sub.id)
                self.end(sub)

    def _dispatch(self, sub: _Sub, extras: dict[str, Any], announced_ms: int) -> None:
        slot = int(extras["slot"])
        context = {"slot": slot}
        if sub.kind == "slot":
            sub.notify({"parent": extras.get("parent_slot", slot), "root": slot, "slot": slot})
        elif sub.kind == "root":
            sub.notify(slot)
        elif sub.kind == "slotsUpdates":
            for update in slot_updates(extras, announced_ms):
                sub.notify(update)
        elif sub.kind == "program":
            for pubkey, raw in extras.get("accounts", {}).items():
                if raw is None:  # closed: no longer the program's
                    continue
                account = Account.from_bytes(raw)
                data = bytes(account.data)
                if account.owner != sub.match or not all(f(data) for f in sub.filters):
                    continue
                value = {"pubkey": pubkey, "account": encode_account(account, sub.config, False)}
                sub.notify({"context": context, "value": value})
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


def block_update(slot: int, block: LoadedBlock, options: BlockOptions) -> dict[str, Any]:
    """A ``blockNotification``'s value (Solana's ``RpcBlockUpdate``): getBlock's answer, or the
    error Solana notifies instead of a block holding a v0 transaction the client did not say it
    reads."""
    try:
        return {"slot": slot, "err": None, "block": block_json(block, options)}
    except SolanaRpcError as exc:
        if exc.rpc_code != UNSUPPORTED_TRANSACTION_VERSION:
            raise
        return {"slot": slot, "err": {"UnsupportedTransactionVersion": 0}, "block": None}


def slot_updates(extras: dict[str, Any], timestamp: int) -> list[dict[str, Any]]:
    """Solana's ``SlotUpdate``s for a committed block, which on this devnet is created, frozen,
    optimistically confirmed and rooted at once (all at ``timestamp``, in ms). The block's
    transactions run as one batch: one entry holding them all (none for an empty block)."""
    slot = int(extras["slot"])
    transactions = list(extras.get("transactions", ()))
    failed = sum(1 for tx in transactions if tx["err"] is not None)
    stats = {
        "numTransactionEntries": 1 if transactions else 0,
        "numSuccessfulTransactions": len(transactions) - failed,
        "numFailedTransactions": failed,
        "maxTransactionsPerEntry": len(transactions),
    }
    parent = int(extras.get("parent_slot", slot))
    return [
        {"type": "createdBank", "slot": slot, "parent": parent, "timestamp": timestamp},
        {"type": "frozen", "slot": slot, "timestamp": timestamp, "stats": stats},
        {"type": "optimisticConfirmation", "slot": slot, "timestamp": timestamp},
        {"type": "root", "slot": slot, "timestamp": timestamp},
    ]


def account_value(raw: bytes | None, sub: _Sub) -> dict[str, Any] | None:
    """A written account as ``getAccountInfo`` shows it; a closed one as Solana notifies it:
    zero lamports, no data, owned by the system program."""
    account = _EMPTY if raw is None else Account.from_bytes(raw)
    return encode_account(account, sub.config, False)


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
    pubsub = _PubSub(node, svm)
    hub_id = f"svm-pubsub:{id(pubsub):x}"
    hub.add(hub_id, pubsub)
    try:
        await serve_websocket(
            host,
            port,
            pubsub,
            task_status=task_status,
            max_message=max_message,
            send_queue=send_queue,
            max_in_flight=1,  # requests are answered in order
            handshake_timeout=handshake_timeout,
        )
    finally:
        hub.remove(hub_id)
