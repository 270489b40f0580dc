"""The state-machine worker: one thread runs every job, in order; trio awaits without blocking."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import trio

from qorenode.worker import StateWorker


@pytest.fixture
def worker() -> Iterator[StateWorker]:
    w = StateWorker(name="test-state-worker")
    yield w
    w.stop()


def test_call_runs_on_the_one_worker_thread(worker: StateWorker) -> None:
    threads = {worker.call(threading.current_thread) for _ in range(5)}
    assert len(threads) == 1
    (thread,) = threads
    assert thread is not threading.current_thread()
    assert thread.name == "test-state-worker"
    assert not worker.on_worker
    assert worker.call(lambda: worker.on_worker) is True


def test_jobs_run_one_at_a_time_in_order(worker: StateWorker) -> None:
    seen: list[int] = []
    futures = [worker.submit(lambda i=i: seen.append(i)) for i in range(50)]
    for future in futures:
        future.result()
    assert seen == list(range(50))


def test_exceptions_propagate(worker: StateWorker) -> None:
    def boom() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        worker.call(boom)
    assert worker.call(lambda: 41 + 1) == 42  # the worker survives


def test_call_from_the_worker_runs_inline(worker: StateWorker) -> None:
    # a nested call would deadlock if it were queued behind the running job
    assert worker.call(lambda: worker.call(lambda: "inner")) == "inner"


async def test_run_awaits_without_blocking_trio(worker: StateWorker) -> None:
    release = threading.Event()
    started = threading.Event()

    def job() -> str:
        started.set()
        if not release.wait(timeout=10):
            return "timed out"
        return threading.current_thread().name

    async def unblock() -> None:
        # runs on the trio loop while the worker is busy: proves the loop is free
        await trio.to_thread.run_sync(started.wait)
        release.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(unblock)
        assert await worker.run(job) == "test-state-worker"


async def test_run_propagates_exceptions(worker: StateWorker) -> None:
    def boom() -> None:
        raise ValueError("from the worker")

    with pytest.raises(ValueError, match="from the worker"):
        await worker.run(boom)


def test_stop_ends_the_thread() -> None:
    worker = StateWorker()
    thread = worker.call(threading.current_thread)
    worker.stop()
    assert not thread.is_alive()


def test_stop_from_the_worker_does_not_deadlock() -> None:
    worker = StateWorker()
    thread = worker.call(threading.current_thread)
    worker.call(worker.stop)
    thread.join(timeout=10)
    assert not thread.is_alive()
