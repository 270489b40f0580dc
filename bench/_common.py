"""Shared pieces of the benchmarks: the ERC20 workload, figures and their report line, a small
JSON-RPC client over one keep-alive connection, free ports, RSS, and a plyvel-backed atomic
database for the raw py-evm baseline."""

from __future__ import annotations

import http.client
import json
import os
import queue
import random
import resource
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # tests.fixtures.contracts lives under the repository root
    sys.path.insert(0, str(REPO_ROOT))

CHAIN_ID = 31337  # the devnet's EVM chain id, and anvil's default
TOKEN_SUPPLY = 10**30
TRANSFER_GAS = 100_000
DEPLOY_GAS = 3_000_000
MAX_FEE = 10 * 10**9
PRIORITY_FEE = 10**9


# -- figures ------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One measured figure, its baseline from the same run, and the target it is held to."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    baseline_unit: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None  # None: no pass/fail target (reported for the record)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        parts = []
        if self.baseline is not None:
            label = f"{self.baseline_label} " if self.baseline_label else ""
            parts.append(f"baseline: {label}{fmt(self.baseline)} {self.baseline_unit or self.unit}")
        if self.ratio is not None:
            parts.append(f"ratio {self.ratio:.2f}")
        if self.target:
            parts.append(f"target {self.target}")
        text = f"{self.name}: {fmt(self.value)} {self.unit}"
        if parts:
            text += f" ({', '.join(parts)})"
        if self.met is True:
            text += " [met]"
        elif self.met is False:
            text += " [MISSED]"
        if self.note:
            text += f"  -- {self.note}"
        return text


@dataclass
class Skipped:
    """A measurement that could not run here (a missing tool), with the reason."""

    name: str
    reason: str

    def line(self) -> str:
        return f"{self.name}: skipped ({self.reason})"


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def report(items: list[Figure | Skipped]) -> None:
    for item in items:
        print(item.line(), flush=True)


# -- the ERC20 workload -------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """A QorToken deployment from dev0 (nonce 0) and ``n`` signed type-2 transfers after it."""

    chain_id: int
    sender: bytes
    private_key: bytes
    token: bytes
    deploy_raw: bytes
    transfers: list[bytes]

    @property
    def n(self) -> int:
        return len(self.transfers)


def create_address(sender: bytes, nonce: int) -> bytes:
    import rlp
    from eth_hash.auto import keccak

    return bytes(keccak(rlp.encode([sender, nonce])))[12:]


def sign_evm_call(
    private: Any, nonce: int, to: bytes, data: bytes, gas: int, chain_id: int = CHAIN_ID
) -> bytes:
    """A signed EIP-1559 call (no value) at the benches' fees; ``to`` empty deploys."""
    from eth.vm.forks.prague import PragueVM

    unsigned = PragueVM.get_transaction_builder().new_unsigned_dynamic_fee_transaction(
        chain_id=chain_id,
        nonce=nonce,
        max_priority_fee_per_gas=PRIORITY_FEE,
        max_fee_per_gas=MAX_FEE,
        gas=gas,
        to=to,
        value=0,
        data=data,
        access_list=[],
    )
    return bytes(unsigned.as_signed_transaction(private).encode())


def make_workload(n: int, *, seed: int = 1, chain_id: int = CHAIN_ID) -> Workload:
    """Sign the deployment and ``n`` transfers to random addresses (not timed by the benches)."""
    from eth_abi import encode as abi_encode
    from eth_hash.auto import keccak
    from eth_keys import keys

    from qorenode.keys import dev_key
    from tests.fixtures.contracts import load_contract

    key = dev_key(0)
    private = keys.PrivateKey(key.private_key)
    sender = key.address

    def sign(nonce: int, to: bytes, data: bytes, gas: int) -> bytes:
        return sign_evm_call(private, nonce, to, data, gas, chain_id)

    token_contract = load_contract("QorToken")
    deploy = sign(
        0, b"", token_contract.bytecode + abi_encode(["uint256"], [TOKEN_SUPPLY]), DEPLOY_GAS
    )
    token = create_address(sender, 0)
    selector = bytes(keccak(b"transfer(address,uint256)"))[:4]
    rng = random.Random(seed)
    transfers = [
        sign(
            i + 1,
            token,
            selector + abi_encode(["address", "uint256"], [rng.randbytes(20), 1000 + i]),
            TRANSFER_GAS,
        )
        for i in range(n)
    ]
    return Workload(chain_id, sender, key.private_key, token, deploy, transfers)


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def submit_batch(node: Any, raws: list[bytes]) -> None:
    """Admit ``raws`` into an in-process node's mempool, in one job on its state worker."""
    evm = node.composition.evm

    def submit_all() -> None:
        for raw in raws:
            node.submit_sync(evm.pending_tx(raw))

    node.worker.call(submit_all)


# -- JSON-RPC over one keep-alive HTTP connection -----------------------------------------------


class RpcError(Exception):
    def __init__(self, method: str, error: dict[str, Any]) -> None:
        super().__init__(f"{method}: {error}")
        self.code = error.get("code")
        self.error = error


class RpcClient:
    """A minimal JSON-RPC client: one ``http.client`` connection, kept alive across calls."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parsed = urlparse(url)
        self._conn = http.client.HTTPConnection(
            parsed.hostname or "127.0.0.1", parsed.port, timeout=timeout
        )
        self._path = parsed.path or "/"
        self._id = 0

    def call(self, method: str, *params: Any) -> Any:
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        self._conn.request(
            "POST", self._path, body=body, headers={"Content-Type": "application/json"}
        )
        response = self._conn.getresponse()
        data = json.loads(response.read())
        if "error" in data:
            raise RpcError(method, data["error"])
        return data["result"]

    def close(self) -> None:
        self._conn.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- memory -------------------------------------------------------------------------------------


def rss_bytes() -> int:
    """The process's resident set size now (VmRSS), in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return peak_rss_bytes()


def peak_rss_bytes() -> int:
    """The process's peak resident set size (ru_maxrss, KiB on Linux), in bytes."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


MIB = 1024 * 1024


# -- a plyvel-backed py-evm database for the raw baseline ---------------------------------------


def _eth_db_classes() -> tuple[type, type]:
    from eth.db.atomic import AtomicDBWriteBatch
    from eth.db.backends.base import BaseAtomicDB

    class PlyvelAtomicDB(BaseAtomicDB):  # type: ignore[misc]
        """py-evm's AtomicDatabaseAPI over plyvel; each atomic batch is one LevelDB write batch."""

        def __init__(self, path: str | os.PathLike[str]) -> None:
            import plyvel

            Path(path).mkdir(parents=True, exist_ok=True)
            self.db: Any = plyvel.DB(str(path), create_if_missing=True)

        def __getitem__(self, key: bytes) -> bytes:
            value = self.db.get(key)
            if value is None:
                raise KeyError(key)
            return bytes(value)

        def __setitem__(self, key: bytes, value: bytes) -> None:
            self.db.put(key, value)

        def __delitem__(self, key: bytes) -> None:
            if self.db.get(key) is None:
                raise KeyError(key)
            self.db.delete(key)

        def _exists(self, key: bytes) -> bool:
            return self.db.get(key) is not None

        @contextmanager
        def atomic_batch(self) -> Iterator[Any]:
            with _PlyvelWriteBatch._commit_unless_raises(self) as batch:
                yield batch

        def close(self) -> None:
            if self.db is not None:
                self.db.close()
                self.db = None

    class _BatchTarget:
        def __init__(self, batch: Any) -> None:
            self.batch = batch

        def __setitem__(self, key: bytes, value: bytes) -> None:
            self.batch.put(key, value)

        def __delitem__(self, key: bytes) -> None:
            self.batch.delete(key)

    class _PlyvelWriteBatch(AtomicDBWriteBatch):  # type: ignore[misc]
        def _commit(self) -> None:
            target: Any = self._write_target_db
            with target.db.write_batch(transaction=True, sync=False) as batch:
                diff: Any = self._diff()
                diff.apply_to(_BatchTarget(batch), apply_deletes=True)

    return PlyvelAtomicDB, _PlyvelWriteBatch


def plyvel_atomic_db(path: str | os.PathLike[str]) -> Any:
    """A fresh plyvel-backed ``AtomicDatabaseAPI`` at ``path`` (close it when done)."""
    cls, _ = _eth_db_classes()
    return cls(path)


def spread_us(samples: list[float]) -> str:
    """The range of ``samples`` (seconds) in microseconds, as the figures' notes print it."""
    if len(samples) == 1:
        return fmt(samples[0] * 1e6)
    return f"{fmt(min(samples) * 1e6)}-{fmt(max(samples) * 1e6)}"


class BenchError(RuntimeError):
    """A workload did not run as intended (a failed or missing transaction): no figure."""


def send_and_mine(
    url: str,
    requests: list[tuple[str, list[Any]]],
    block: int,
    mine: Callable[[], None],
    all_included: Callable[[], bool],
    settle_blocks: int,
) -> float:
    """Seconds to send ``requests`` (JSON-RPC method and params, one per transaction) from one
    client thread over one keep-alive connection while this thread mines a block each time
    ``block`` more were sent, then up to ``settle_blocks`` more until all are included."""
    sent: queue.SimpleQueue[int | None] = queue.SimpleQueue()
    errors: list[BaseException] = []

    def client() -> None:
        rpc = RpcClient(url)
        try:
            for i, (method, params) in enumerate(requests, 1):
                rpc.call(method, *params)
                if i % block == 0 or i == len(requests):
                    sent.put(i)
        except BaseException as exc:
            errors.append(exc)
            sent.put(None)
        finally:
            rpc.close()

    thread = threading.Thread(target=client, name="bench-client", daemon=True)
    start = time.perf_counter()
    thread.start()
    done = 0
    while done < len(requests):
        count = sent.get()
        if count is None:
            thread.join()
            raise BenchError(f"client failed: {errors[0]!r}") from errors[0]
        mine()
        done = count
    thread.join()
    for _ in range(settle_blocks):  # what arrived after the last mine
        if all_included():
            break
        mine()
    else:
        raise BenchError("transactions still pending after mining")
    return time.perf_counter() - start
