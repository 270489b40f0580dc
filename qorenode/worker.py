"""The state-machine worker: one thread owns the VMs; everything that touches them runs there.

The VMs are synchronous and not thread-safe (LiteSVM objects are bound to the thread that made
them), so block building, calls, queries and deliveries are queued to this one thread, one at a
time. The trio side only does I/O and awaits the result.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import trio

T = TypeVar("T")


class StateWorker:
    def __init__(self, name: str = "qorenode-state") -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

    @property
    def on_worker(self) -> bool:
        return threading.current_thread() is self._thread

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((fn, future))
        return future

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the worker and wait (from any thread; directly if already on it)."""
        if self.on_worker:
            return fn()
        return self.submit(fn).result()

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the worker from trio without blocking the event loop."""
        token = trio.lowlevel.current_trio_token()
        done = trio.Event()
        future = self.submit(fn)
        future.add_done_callback(lambda _: _wake(token, done))
        await done.wait()
        return future.result()

    def stop(self) -> None:
        self._jobs.put(None)
        if not self.on_worker:
            self._thread.join()


def _wake(token: trio.lowlevel.TrioToken, done: trio.Event) -> None:
    """Tell the waiting trio task its job finished; if trio has already exited (the task was
    cancelled at shutdown while its job ran), there is no one left to tell."""
    with contextlib.suppress(trio.RunFinishedError):
        token.run_sync_soon(done.set)
