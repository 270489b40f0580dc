"""The integration harness's node subprocess: a start that loses a port race is retried, and its
output is set aside so log checks judge the node's real starts."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest

from tests.integration import _support
from tests.integration._support import NodeProcess


def test_a_start_that_lost_a_port_is_retried_and_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    real_free_ports = _support.free_ports
    calls: list[int] = []

    def first_port_taken(count: int) -> list[int]:
        ports = list(real_free_ports(count))
        calls.append(count)
        if len(calls) == 1:
            ports[0] = taken.getsockname()[1]  # the Ethereum port is already someone's
        return ports

    monkeypatch.setattr(_support, "free_ports", first_port_taken)
    node = NodeProcess(home=tmp_path / "home", block_time=0, log_path=tmp_path / "node.log")
    try:
        with node.running():
            node.start()
            assert node.starts == 2
            assert node.stop(signal.SIGTERM) == 0, node.log()
    finally:
        taken.close()
    log = node.log_path.read_text()
    assert "Traceback" not in log and "in use" not in log
    assert log.count("=== start #") == 1 and "=== start #2" in log
    aside = (tmp_path / "node.log.port-retries").read_text()
    assert "=== start #1" in aside and "in use" in aside
