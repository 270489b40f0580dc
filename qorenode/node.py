"""The node: the application on its worker thread, the mempool, block production and the servers.

Layers, as anvil separates them: transports (``qorenode.rpc.http``, ``qorenode.rpc.ws``), the JSON-RPC
protocol (``qorenode.rpc.jsonrpc``), and the node API that modules register (``register_api``).
The node implements ``NodeServices`` for those handlers: ``run`` hands work to the state-machine
worker, ``submit`` admits a transaction into the mempool.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import trio

from qorenode import __version__
from qorenode.app import BlockBuildError
from qorenode.composition import Composition, compose
from qorenode.errors import InvalidParams
from qorenode.genesis import load_genesis
from qorenode.interfaces import BlockNotice, PendingTx
from qorenode.mempool import Mempool
from qorenode.rpc.hub import SubscriptionHub
from qorenode.rpc.registry import ApiRegistry
from qorenode.store import Database
from qorenode.worker import StateWorker

log = logging.getLogger(__name__)
T = TypeVar("T")

CLIENT_VERSION = f"qorenode/v{__version__}/python"
DEFAULT_HOME = Path.home() / ".qorenode"


@dataclass
class NodeConfig:
    """How to run a node. ``block_time``: seconds between blocks; 0 = a block as soon as
    transactions arrive (instant mode); None = only when asked (``mine``), for tests."""

    home: Path = DEFAULT_HOME
    genesis_file: Path | None = None
    block_time: float | None = 1.0
    host: str = "127.0.0.1"
    eth_port: int = 8545
    ws_port: int = 8546
    svm_port: int = 8899
    rest_port: int = 1317
    clock: Callable[[], float] = field(default=time.time)


def init_home(home: Path, genesis_file: Path | None = None, overwrite: bool = False) -> Path:
    """Create ``home`` with its genesis file (the preset unless one is given); returns its path."""
    target = home / "genesis.json"
    if target.exists() and not overwrite:
        return target
    genesis = load_genesis(genesis_file)  # validates
    home.mkdir(parents=True, exist_ok=True)
    if genesis_file is not None:
        shutil.copyfile(genesis_file, target)
    else:
        target.write_text(json.dumps(genesis, indent=2) + "\n")
    return target


class Node:
    """One devnet node. Construct, then ``await serve()`` (servers and blocks) or ``mine()``."""

    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        genesis_path = init_home(config.home, config.genesis_file)
        self.genesis = load_genesis(genesis_path)
        self.worker = StateWorker()
        self.database = Database(config.home / "data")
        try:
            self.composition: Composition = self.worker.call(
                lambda: compose(self.database, self.genesis, config.home / "wasm-cache")
            )
            self.worker.call(lambda: self.app.start(self.genesis))
        except BaseException:
            self.close()
            raise
        self.mempool = Mempool()
        self.registry = ApiRegistry()
        self.hub = SubscriptionHub()
        for module in self.app.modules:
            module.register_api(self.registry, self)
        self._register_node_api()
        self.ports: dict[str, int] = {}
        self._trio_token: trio.lowlevel.TrioToken | None = None
        self._notices_in, self._notices_out = trio.open_memory_channel[BlockNotice](math.inf)
        self._wake = trio.Event()

    @property
    def app(self) -> Any:
        return self.composition.app

    # -- NodeServices ---------------------------------------------------------------------------

    async def run(self, fn: Callable[[], T]) -> T:
        return await self.worker.run(fn)

    async def submit(self, tx: PendingTx) -> bytes:
        tx_hash = await self.worker.run(lambda: self.submit_sync(tx))
        self._wake.set()
        return tx_hash

    def submit_sync(self, tx: PendingTx) -> bytes:
        self.app.check_tx(tx)
        self.mempool.add(tx, self.composition.sequenced_nonce(tx))
        return tx.tx_hash

    def pending_nonce(self, address: bytes) -> int:
        return self.composition.account_nonce(address) + self.mempool.pending_count(address)

    def bound_address(self, server: str) -> str | None:
        port = self.ports.get(server)
        return None if port is None else f"{self.config.host}:{port}"

    # -- blocks ---------------------------------------------------------------------------------

    def produce_block(self, timestamp: int | None = None) -> BlockNotice:
        """Build the next block from the mempool (worker thread); publish it to subscribers.
        Its time is the clock's (at least a second after its parent's) unless ``timestamp``.

        If a transaction makes the block fail to build (a bug, not a failed transaction), the
        state is restored, that transaction is dropped and logged, and the block is built again.
        """
        if not self.worker.on_worker:
            return self.worker.call(lambda: self.produce_block(timestamp))
        txs = self.mempool.take(self.composition.evm.block_gas_limit)
        while True:
            if timestamp is None:
                timestamp = self.app.next_timestamp(int(self.config.clock()))
            try:
                notice: BlockNotice = self.app.build_block(txs, timestamp)
                break
            except BlockBuildError as exc:
                if exc.tx_hash is None:
                    self.mempool.put_back(txs)
                    raise
                log.error("dropping transaction 0x%s: %s", exc.tx_hash.hex(), exc)
                txs = [tx for tx in txs if tx.tx_hash != exc.tx_hash]
        if self._trio_token is not None:
            with contextlib.suppress(trio.RunFinishedError):
                self._trio_token.run_sync_soon(self._notices_in.send_nowait, notice)
        return notice

    def _block_wanted(self) -> bool:
        """Instant mode: transactions wait, or the cross-VM queue holds messages."""
        return bool(len(self.mempool)) or self.app.has_pending_work()

    def mine(
        self, blocks: int = 1, *, first_timestamp: int | None = None, interval: int | None = None
    ) -> list[BlockNotice]:
        """Produce ``blocks`` blocks now (from any thread). ``first_timestamp``: the first one's
        time (after the latest block's, else ``InvalidParams``); ``interval``: seconds between
        the blocks' times (else each takes the clock's)."""
        if not self.worker.on_worker:
            return self.worker.call(
                lambda: self.mine(blocks, first_timestamp=first_timestamp, interval=interval)
            )
        latest = self.app.last_block
        if first_timestamp is not None and latest and first_timestamp <= latest.timestamp:
            raise InvalidParams(
                f"timestamp {first_timestamp} is not after the latest block's {latest.timestamp}"
            )
        if interval is not None and interval < 1:
            raise InvalidParams("interval must be at least 1 second (block times only increase)")
        start = first_timestamp
        if interval is not None and start is None:
            start = self.app.next_timestamp(int(self.config.clock()))
        notices: list[BlockNotice] = []
        for index in range(blocks):
            if interval is not None:
                assert start is not None
                timestamp: int | None = start + index * interval
            else:
                timestamp = first_timestamp if index == 0 else None
            notices.append(self.produce_block(timestamp))
        return notices

    async def _block_loop(self) -> None:
        block_time = self.config.block_time
        if block_time is None:
            await trio.sleep_forever()
        elif block_time == 0:
            while True:
                # first round at once: a restart may find cross-VM messages waiting
                while await self.worker.run(self._block_wanted):
                    await self.worker.run(self.produce_block)
                await self._wake.wait()
                self._wake = trio.Event()
        else:
            deadline = trio.current_time()
            while True:
                deadline += block_time
                await trio.sleep_until(deadline)
                await self.worker.run(self.produce_block)

    async def _publish_loop(self) -> None:
        async for notice in self._notices_out:
            await self.hub.publish(notice)

    # -- node-level API -------------------------------------------------------------------------

    def _register_node_api(self) -> None:
        async def anvil_mine(blocks: Any = None, interval: Any = None) -> str:
            """anvil_mine(count?, interval?): ``count`` blocks (default 1), their times
            ``interval`` seconds apart when given."""
            count = _block_count(blocks)
            seconds = None if interval is None else _quantity(interval, "interval")
            await self.worker.run(lambda: self.mine(count, interval=seconds))
            return "0x0"

        async def evm_mine(options: Any = None) -> str:
            """evm_mine(timestamp? | {timestamp?, blocks?}): one block (or ``blocks``), the
            first at ``timestamp`` when given."""
            timestamp: Any = options
            blocks: Any = None
            if isinstance(options, dict):
                unknown = set(options) - {"timestamp", "blocks"}
                if unknown:
                    raise InvalidParams(f"unknown evm_mine options: {', '.join(sorted(unknown))}")
                timestamp, blocks = options.get("timestamp"), options.get("blocks")
            count = _block_count(blocks)
            first = None if timestamp is None else _quantity(timestamp, "timestamp")
            await self.worker.run(lambda: self.mine(count, first_timestamp=first))
            return "0x0"

        async def node_info() -> dict[str, Any]:
            return {
                "version": CLIENT_VERSION,
                "chain_id": self.genesis["chain_id"],
                "evm_chain_id": self.genesis["evm_chain_id"],
                "height": await self.worker.run(lambda: self.app.height),
                "ports": self.ports,
            }

        self.registry.rpc_method("evm", "mine", evm_mine)
        self.registry.rpc_method("anvil", "mine", anvil_mine)
        self.registry.rpc_method("qor", "nodeInfo", node_info)

    # -- servers --------------------------------------------------------------------------------

    async def serve(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Run the servers and block production until cancelled; reports the bound ports."""
        from qorenode.rpc.http import jsonrpc_app, rest_app, serve_http
        from qorenode.rpc.ws import serve_ws

        cfg = self.config
        self._trio_token = trio.lowlevel.current_trio_token()
        try:
            async with trio.open_nursery() as nursery:
                self.ports["eth"] = await nursery.start(
                    serve_http, cfg.host, cfg.eth_port, jsonrpc_app(self.registry)
                )
                self.ports["ws"] = await nursery.start(
                    serve_ws, cfg.host, cfg.ws_port, self.registry, self.hub
                )
                self.ports["svm"] = await nursery.start(
                    serve_http, cfg.host, cfg.svm_port, jsonrpc_app(self.registry)
                )
                # Solana's PubSub WebSocket on the next port (8900), as solana-test-validator
                svm_ws_port = cfg.svm_port + 1 if cfg.svm_port else 0
                self.ports["svm_ws"] = await nursery.start(
                    self.composition.svm.serve_pubsub, cfg.host, svm_ws_port, self, self.hub
                )
                self.ports["rest"] = await nursery.start(
                    serve_http, cfg.host, cfg.rest_port, rest_app(self.registry)
                )
                nursery.start_soon(self._publish_loop)
                nursery.start_soon(self._block_loop)
                task_status.started(dict(self.ports))
        finally:
            self._trio_token = None

    def urls(self) -> dict[str, str]:
        host = self.config.host
        return {
            "eth": f"http://{host}:{self.ports.get('eth', self.config.eth_port)}",
            "ws": f"ws://{host}:{self.ports.get('ws', self.config.ws_port)}",
            "rest": f"http://{host}:{self.ports.get('rest', self.config.rest_port)}",
            "svm": f"http://{host}:{self.ports.get('svm', self.config.svm_port)}",
            "svm_ws": f"ws://{host}:{self.ports.get('svm_ws', self.config.svm_port + 1)}",
        }

    def close(self) -> None:
        """Stop the worker and close the database (plyvel must be closed before exit)."""
        self.worker.stop()
        self.database.close()


MAX_MINED_BLOCKS = 100_000
"""The most blocks one evm_mine/anvil_mine call produces (the call holds the state worker)."""

MAX_QUANTITY = 2**63 - 1
"""The largest block count, time or interval a mining call takes (block times are signed 64-bit)."""


def _quantity(value: Any, what: str) -> int:
    """A JSON-RPC quantity as anvil takes it: a number or a 0x-hex string, not negative."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value[:2] in ("0x", "0X"):
        with contextlib.suppress(ValueError):
            number = int(value[2:], 16)
    if number is None or not 0 <= number <= MAX_QUANTITY:
        raise InvalidParams(f"invalid {what} {value!r}: a quantity (0x-hex or number) expected")
    return number


def _block_count(value: Any) -> int:
    """A mining call's block count: 1 when absent, else 1 to ``MAX_MINED_BLOCKS``."""
    count = 1 if value is None else _quantity(value, "block count")
    if not 1 <= count <= MAX_MINED_BLOCKS:
        raise InvalidParams(f"block count must be 1 to {MAX_MINED_BLOCKS}, got {count}")
    return count


def banner(node: Node) -> str:
    """What ``qorenode start`` prints, as anvil does: accounts, keys, endpoints."""
    from qorenode.keys import dev_keys, solana_dev_keypair

    keys = dev_keys()
    lines = [
        f"QoreNode {__version__}",
        "",
        "Available Accounts",
        "==================",
    ]
    balance = {e["address"].lower(): int(e["amount"]) for e in node.genesis["bank"]["balances"]}
    for i, key in enumerate(keys):
        qor = balance.get(key.hex_address.lower(), 0) / 10**18
        lines.append(f"({i}) {key.hex_address} / {key.bech32_address} ({qor:g} QOR)")
    lines += ["", "Solana Dev Keypairs (m/44'/501'/i'/0' of the mnemonic; CLI names dev0..dev9)"]
    lines += ["=================="]
    lines += [f"({i}) {solana_dev_keypair(i).pubkey()}" for i in range(len(keys))]
    lines += ["", "Private Keys", "=================="]
    lines += [f"({i}) 0x{key.private_key.hex()}" for i, key in enumerate(keys)]
    lines += [
        "",
        "Wallet",
        "==================",
        f"Mnemonic:          {node.genesis.get('dev_mnemonic', '')}",
        "Derivation path:   m/44'/60'/0'/0/",
        "",
        f"Chain ID:          {node.genesis['chain_id']} (EVM chain id {node.genesis['evm_chain_id']})",
        f"Home:              {node.config.home}",
        f"Height:            {node.app.height}",
        "",
    ]
    urls = node.urls()
    lines += [
        f"Ethereum JSON-RPC: {urls['eth']}",
        f"Ethereum WebSocket: {urls['ws']}",
        f"REST:              {urls['rest']}",
        f"Solana JSON-RPC:   {urls['svm']}",
        f"Solana WebSocket:  {urls['svm_ws']}",
        f"CrossVM bridge program: {node.genesis.get('svm', {}).get('bridge_program_id', '-')}",
        "",
    ]
    return "\n".join(lines)
