"""The subscription hub: the node publishes each committed block; live subscriptions receive it.

The node calls ``await hub.publish(notice)`` from the trio side after each commit (from a worker
thread: ``trio.from_thread.run(hub.publish, notice)``). Every live ``Subscription.on_block`` runs
concurrently; a subscription pushes its notifications into its connection's bounded send queue
without waiting (see ``qorenode.rpc.ws``), so a slow or closed client never holds up the others: a
client whose queue overflows is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import trio

from qorenode.interfaces import BlockNotice, Subscription

__all__ = ["SubscriptionHub"]

logger = logging.getLogger(__name__)


@dataclass
class _Entry:
    subscription: Subscription
    on_error: Callable[[str], None] | None


class SubscriptionHub:
    """Fans block notices out to every live subscription, in commit order."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = trio.Lock()
        self._published = 0

    def add(
        self,
        subscription_id: str,
        subscription: Subscription,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Feed ``subscription``; should it raise, it is dropped and ``on_error(id)`` called."""
        if subscription_id in self._entries:
            raise ValueError(f"subscription {subscription_id} is already live")
        self._entries[subscription_id] = _Entry(subscription, on_error)

    def remove(self, subscription_id: str) -> bool:
        """Stop feeding a subscription; False if it was not live."""
        return self._entries.pop(subscription_id, None) is not None

    def __contains__(self, subscription_id: object) -> bool:
        return subscription_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def published(self) -> int:
        """How many notices have been published (for diagnostics)."""
        return self._published

    async def publish(self, notice: BlockNotice) -> None:
        """Deliver ``notice`` to every live subscription; returns when all have taken it.

        Publishes are serialised, so each subscription sees blocks in commit order. A subscription
        whose ``on_block`` raises is logged and dropped; the others are not affected.
        """
        async with self._lock:
            self._published += 1
            entries = list(self._entries.items())
            if not entries:
                return
            async with trio.open_nursery() as nursery:
                for subscription_id, entry in entries:
                    nursery.start_soon(self._deliver, subscription_id, entry, notice)

    async def _deliver(self, subscription_id: str, entry: _Entry, notice: BlockNotice) -> None:
        if self._entries.get(subscription_id) is not entry:
            return  # removed while this publish was starting
        try:
            await entry.subscription.on_block(notice)
        except Exception:
            logger.exception(
                "subscription %s failed on block %d; dropping it",
                subscription_id,
                notice.record.height,
            )
            if self._entries.get(subscription_id) is entry:
                del self._entries[subscription_id]
            if entry.on_error is not None:
                try:
                    entry.on_error(subscription_id)
                except Exception:
                    logger.exception("on_error callback of subscription %s failed", subscription_id)
