"""The subscription hub on its own: fan-out, isolation, ordering."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from qorenode.interfaces import BlockNotice, BlockRecord, Subscription
from qorenode.rpc.hub import SubscriptionHub


def notice(height: int) -> BlockNotice:
    record = BlockRecord(height, b"\x01" * 32, b"\x00" * 32, 1_700_000_000 + height, [], [])
    return BlockNotice(record=record, results=(), extras={})


class Recorder(Subscription):
    def __init__(self) -> None:
        self.heights: list[int] = []

    async def on_block(self, notice: BlockNotice) -> None:
        self.heights.append(notice.record.height)


class Stuck(Subscription):
    def __init__(self) -> None:
        self.release = trio.Event()
        self.entered = False

    async def on_block(self, notice: BlockNotice) -> None:
        self.entered = True
        await self.release.wait()


class Exploding(Subscription):
    async def on_block(self, notice: BlockNotice) -> None:
        raise ValueError("boom")


async def test_publish_reaches_every_subscription_in_order() -> None:
    hub = SubscriptionHub()
    a, b = Recorder(), Recorder()
    hub.add("0xa", a)
    hub.add("0xb", b)
    for height in (1, 2, 3):
        await hub.publish(notice(height))
    assert a.heights == b.heights == [1, 2, 3]
    assert hub.remove("0xa") is True
    assert hub.remove("0xa") is False
    await hub.publish(notice(4))
    assert a.heights == [1, 2, 3] and b.heights == [1, 2, 3, 4]
    assert hub.published == 4


async def test_a_slow_subscription_does_not_hold_up_the_others() -> None:
    hub = SubscriptionHub()
    stuck, fast = Stuck(), Recorder()
    hub.add("0x1", stuck)
    hub.add("0x2", fast)
    done = trio.Event()

    async def publish() -> None:
        await hub.publish(notice(1))
        done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(publish)
        await trio.testing.wait_all_tasks_blocked()
        assert stuck.entered and fast.heights == [1]
        assert not done.is_set()
        stuck.release.set()
    assert done.is_set()


async def test_failing_subscription_is_dropped_and_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = SubscriptionHub()
    dropped: list[str] = []
    good = Recorder()
    hub.add("0xbad", Exploding(), on_error=dropped.append)
    hub.add("0xgood", good)
    await hub.publish(notice(1))
    await hub.publish(notice(2))
    assert dropped == ["0xbad"]
    assert "0xbad" not in hub and "0xgood" in hub
    assert good.heights == [1, 2]
    assert any("0xbad" in r.getMessage() for r in caplog.records)


def test_duplicate_id_is_refused() -> None:
    hub = SubscriptionHub()
    hub.add("0x1", Recorder())
    with pytest.raises(ValueError):
        hub.add("0x1", Recorder())
