"""In-process devnet for tests, in the spirit of anvil's spawn and LiteSVM.

    from qorenode.testing import Devnet

    with Devnet() as devnet:                       # temporary home, free ports, no automatic blocks
        w3 = Web3(Web3.HTTPProvider(devnet.eth_url))
        tx_hash = w3.eth.send_transaction({...})
        devnet.mine()                               # one block, now
        receipt = w3.eth.get_transaction_receipt(tx_hash)

``Devnet(block_time=0)`` mines a block as soon as transactions arrive (instant mode), so clients
that wait for receipts work without calling ``mine``. The servers run on a background thread;
``mine`` and ``call`` run on the node's state-machine worker.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import trio

from qorenode.interfaces import BlockNotice
from qorenode.keys import KeyPair, dev_keys
from qorenode.node import Node, NodeConfig

T = TypeVar("T")


def free_port_pair(host: str = "127.0.0.1", attempts: int = 50) -> int:
    """A free port ``p`` whose next port is free too: the Solana JSON-RPC and its WebSocket
    (DESIGN §6: the WebSocket listens on the next port) for a node spawned on free ports."""
    for _ in range(attempts):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as first:
            first.bind((host, 0))
            port = int(first.getsockname()[1])
            if port >= 65535:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as second:
                try:
                    second.bind((host, port + 1))
                except OSError:
                    continue
                return port
    raise OSError("no free pair of consecutive ports")


class Devnet:
    """A running node with a temporary (or given) home and its servers on free local ports."""

    def __init__(
        self,
        home: Path | None = None,
        *,
        block_time: float | None = None,
        genesis_file: Path | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._own_home = home is None
        self.home = home or Path(tempfile.mkdtemp(prefix="qorenode-"))
        config = NodeConfig(
            home=self.home,
            genesis_file=genesis_file,
            block_time=block_time,
            eth_port=0,
            ws_port=0,
            svm_port=0,
            rest_port=0,
        )
        if clock is not None:
            config.clock = clock
        self.node = Node(config)
        self._thread: threading.Thread | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._cancel: trio.CancelScope | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._start_servers()

    def _start_servers(self) -> None:
        async def main() -> None:
            self._token = trio.lowlevel.current_trio_token()
            with trio.CancelScope() as scope:
                self._cancel = scope
                async with trio.open_nursery() as nursery:
                    await nursery.start(self.node.serve)
                    self._ready.set()

        def thread_main() -> None:
            try:
                trio.run(main)
            except BaseException as exc:
                self._error = exc
            finally:
                self._ready.set()

        self._thread = threading.Thread(target=thread_main, name="qorenode-servers", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self.node.close()
            raise RuntimeError(f"devnet failed to start: {self._error!r}") from self._error

    # -- URLs and keys --------------------------------------------------------------------------

    @property
    def eth_url(self) -> str:
        return self.node.urls()["eth"]

    @property
    def ws_url(self) -> str:
        return self.node.urls()["ws"]

    @property
    def svm_url(self) -> str:
        """Solana JSON-RPC (``getBalance``, ``sendTransaction``, ...)."""
        return self.node.urls()["svm"]

    @property
    def svm_ws_url(self) -> str:
        """Solana PubSub over WebSocket (``signatureSubscribe``, ``accountSubscribe``, ...)."""
        return self.node.urls()["svm_ws"]

    @property
    def rest_url(self) -> str:
        return self.node.urls()["rest"]

    @property
    def dev_keys(self) -> list[KeyPair]:
        return dev_keys()

    @property
    def height(self) -> int:
        return int(self.call(lambda: self.node.app.height))

    # -- control --------------------------------------------------------------------------------

    def mine(self, blocks: int = 1) -> list[BlockNotice]:
        """Produce ``blocks`` blocks now; returns their notices."""
        return self.node.mine(blocks)

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the state-machine worker (the only thread that may touch the VMs)."""
        return self.node.worker.call(fn)

    def stop(self) -> None:
        if self._thread is not None and self._token is not None and self._cancel is not None:
            cancel = self._cancel
            with contextlib.suppress(trio.RunFinishedError):
                self._token.run_sync_soon(cancel.cancel)
            self._thread.join()
            self._thread = None
        self.node.close()
        if self._own_home:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> Devnet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Devnet(home={self.home}, eth={self.eth_url})"
