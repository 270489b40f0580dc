"""The state worker at shutdown: a job that finishes after trio has exited is not an error."""

from __future__ import annotations

import logging
import threading

import pytest
import trio

from qorenode.worker import StateWorker


def test_job_finishing_after_trio_exits_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    worker = StateWorker()
    release = threading.Event()
    started = threading.Event()

    def job() -> int:
        started.set()
        release.wait(10)
        return 1

    async def main() -> None:
        with trio.CancelScope() as scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(worker.run, job)
                await trio.to_thread.run_sync(started.wait)
                scope.cancel()

    with caplog.at_level(logging.ERROR):
        trio.run(main)
        release.set()  # the job finishes now, after trio.run has returned
        worker.stop()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
