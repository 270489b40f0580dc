"""ERC20 (QorToken) transfer throughput: raw py-evm, the node in-process, the node over HTTP, anvil.

All four run the same pre-signed type-2 transfers (signing is not timed) from dev0 to random
addresses, in blocks of ``--block`` (default 200), after deploying the token:

* raw:     py-evm's ``MiningChain`` (plain ``PragueVM``) over a plyvel-backed atomic database,
           decoding the raw transactions and ``mine_all`` per block; the baseline.
* node:    an in-process ``Node``: ``submit_sync(evm.pending_tx(raw))`` on the worker, then
           ``produce_block()`` per block. Target: node / raw >= 0.85.
* http:    a ``Devnet`` with one client thread sending ``eth_sendRawTransaction`` over one
           keep-alive connection while this thread mines every ``--block`` transactions.
           Target: http / raw >= 0.5.
* anvil:   the same raw transactions over HTTP to anvil (``--no-mining``, ``evm_mine`` every
           ``--block``), for the record: the ratio node-over-HTTP / anvil.

Each round runs raw, node and http in turn (anvil after them); figures are medians of the rounds,
ratios are ratios of those medians. An untimed warm-up block on raw py-evm comes first.

    python -m bench.evm_throughput [--n 2000] [--block 200] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench._common import (
    CHAIN_ID,
    BenchError,
    Figure,
    RpcClient,
    RpcError,
    Skipped,
    Workload,
    chunks,
    fmt,
    free_port,
    make_workload,
    plyvel_atomic_db,
    report,
    send_and_mine,
    submit_batch,
)

NODE_TARGET = 0.85
HTTP_TARGET = 0.5


def clear_pyevm_caches() -> None:
    """Empty py-evm's process-wide caches before a timed run.

    ``eth.db.trie._make_trie_root_and_nodes`` is an ``lru_cache(128)`` keyed on a block's encoded
    transactions (and receipts): meant for import-then-validate, it would let the second run of
    the same workload skip building the transaction and receipt tries that the first one built.
    """
    from eth.db import trie as eth_trie
    from trie.hexary import HexaryTrie

    eth_trie._make_trie_root_and_nodes.cache_clear()
    HexaryTrie._cached_create_node_to_db_mapping.cache_clear()


# -- (a) raw py-evm -----------------------------------------------------------------------------


def run_raw(workload: Workload, block: int, workdir: Path) -> float:
    """tx/s of raw py-evm: decode + ``mine_all`` per block over LevelDB (plyvel)."""
    from eth.chains.base import MiningChain
    from eth.vm.forks.prague import PragueVM

    from qorenode.addresses import parse_address
    from qorenode.genesis import load_genesis

    genesis = load_genesis()
    alloc = {
        parse_address(entry["address"]): {
            "balance": int(entry["amount"]),
            "nonce": 0,
            "code": b"",
            "storage": {},
        }
        for entry in genesis["bank"]["balances"]
    }
    params: dict[str, Any] = {
        "difficulty": 0,
        "gas_limit": int(genesis["evm"]["block_gas_limit"]),
        "timestamp": int(genesis["genesis_time"]),
        "base_fee_per_gas": int(genesis["evm"]["initial_base_fee"]),
        "coinbase": b"\x00" * 20,
        "extra_data": b"qorenode",
        "nonce": b"\x00" * 8,
    }
    chain_class = MiningChain.configure(
        __name__="RawBenchChain", vm_configuration=((0, PragueVM),), chain_id=CHAIN_ID
    )
    db = plyvel_atomic_db(workdir / "raw-leveldb")
    try:
        chain: Any = chain_class.from_genesis(db, params, alloc)  # type: ignore[arg-type]
        builder = chain.get_vm().get_transaction_builder()
        _, _, (deployed,) = chain.mine_all([builder.decode(workload.deploy_raw)])
        if deployed.is_error or not chain.get_vm().state.get_code(workload.token):
            raise BenchError(f"raw py-evm: token deployment failed: {deployed.error!r}")
        failed = 0
        clear_pyevm_caches()
        start = time.perf_counter()
        for chunk in chunks(workload.transfers, block):
            txs = [builder.decode(raw) for raw in chunk]
            _, _, computations = chain.mine_all(txs)
            failed += sum(1 for c in computations if c.is_error)
        elapsed = time.perf_counter() - start
        if failed:
            raise BenchError(f"raw py-evm: {failed} transfers failed")
        nonce = chain.get_vm().state.get_nonce(workload.sender)
        if nonce != workload.n + 1:
            raise BenchError(f"raw py-evm: sender nonce {nonce}, expected {workload.n + 1}")
    finally:
        db.close()
    return workload.n / elapsed


# -- (b) the node in-process --------------------------------------------------------------------


def _check_notice(notice: Any, what: str) -> int:
    failed = [r for r in notice.results if not r.success]
    if failed:
        raise BenchError(f"{what}: {len(failed)} transactions failed, first: {failed[0].log}")
    return len(notice.results)


def run_node(
    workload: Workload, block: int, workdir: Path, profile: cProfile.Profile | None = None
) -> float:
    """tx/s of an in-process node: ``submit_sync(pending_tx(raw))`` + ``produce_block``."""
    from qorenode.node import Node, NodeConfig

    node = Node(NodeConfig(home=workdir / "node-home", block_time=None))
    try:
        submit_batch(node, [workload.deploy_raw])
        _check_notice(node.produce_block(), "node: token deployment")
        included = 0
        if profile is not None:
            node.worker.call(profile.enable)  # cProfile profiles the thread that enables it
        clear_pyevm_caches()
        start = time.perf_counter()
        for chunk in chunks(workload.transfers, block):
            submit_batch(node, chunk)
            included += _check_notice(node.produce_block(), "node")
        elapsed = time.perf_counter() - start
        if profile is not None:
            node.worker.call(profile.disable)
        if included != workload.n:
            raise BenchError(f"node: {included} transfers included, expected {workload.n}")
    finally:
        node.close()
    return workload.n / elapsed


# -- (c, d) over HTTP ---------------------------------------------------------------------------


def _raw_requests(raws: list[bytes]) -> list[tuple[str, list[Any]]]:
    return [("eth_sendRawTransaction", ["0x" + raw.hex()]) for raw in raws]


def _ensure_send_raw(devnet: Any) -> str:
    """Register a minimal eth_sendRawTransaction if the node does not serve one yet (bench only)."""
    node = devnet.node
    if node.registry.method("eth_sendRawTransaction") is not None:
        return ""

    async def send_raw_transaction(data: str) -> str:
        raw = bytes.fromhex(data[2:] if data.startswith("0x") else data)
        tx_hash = await node.run(lambda: node.submit_sync(node.composition.evm.pending_tx(raw)))
        return "0x" + tx_hash.hex()

    node.registry.rpc_method("eth", "sendRawTransaction", send_raw_transaction)
    return "node has no eth_sendRawTransaction yet: the bench registered a minimal one"


def run_http(workload: Workload, block: int, workdir: Path) -> tuple[float, str]:
    """tx/s of a Devnet fed over HTTP by one client thread; mined here every ``block`` txs."""
    from qorenode.testing import Devnet

    with Devnet(workdir / "http-home", block_time=None) as devnet:
        note = _ensure_send_raw(devnet)
        rpc = RpcClient(devnet.eth_url)
        try:
            rpc.call("eth_sendRawTransaction", "0x" + workload.deploy_raw.hex())
        finally:
            rpc.close()
        for notice in devnet.mine():
            _check_notice(notice, "http: token deployment")
        included = 0

        def mine() -> None:
            nonlocal included
            for notice in devnet.mine():
                included += _check_notice(notice, "http")

        node = devnet.node
        clear_pyevm_caches()
        elapsed = send_and_mine(
            devnet.eth_url,
            _raw_requests(workload.transfers),
            block,
            mine,
            lambda: devnet.call(lambda: len(node.mempool)) == 0,
            settle_blocks=len(workload.transfers) // 100 + 10,
        )
        if included != workload.n:
            raise BenchError(f"http: {included} transfers included, expected {workload.n}")
    return workload.n / elapsed, note


def run_anvil(workload: Workload, block: int) -> float | str:
    """tx/s of anvil fed the same raw transactions; a string says why it could not run."""
    from tests.fixtures.contracts import ToolchainMissingError, anvil_binary

    try:
        anvil = anvil_binary()
    except ToolchainMissingError as exc:
        return str(exc)
    port = free_port()
    proc = subprocess.Popen(
        [str(anvil), "--port", str(port), "--no-mining", "--silent", "--chain-id", str(CHAIN_ID)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        control = _wait_for_rpc(url, proc, timeout=30.0)
        try:
            sender = "0x" + workload.sender.hex()
            deploy_hash = control.call("eth_sendRawTransaction", "0x" + workload.deploy_raw.hex())
            control.call("evm_mine")
            receipt = control.call("eth_getTransactionReceipt", deploy_hash)
            if not receipt or receipt["status"] != "0x1":
                raise BenchError(f"anvil: token deployment failed: {receipt}")

            def included() -> bool:
                count = control.call("eth_getTransactionCount", sender, "latest")
                return int(count, 16) == workload.n + 1

            elapsed = send_and_mine(
                url,
                _raw_requests(workload.transfers),
                block,
                lambda: control.call("evm_mine"),
                included,
                settle_blocks=len(workload.transfers) // 100 + 10,
            )
            last = control.call(
                "eth_getTransactionReceipt",
                "0x" + _tx_hash(workload.transfers[-1]).hex(),
            )
            if not last or last["status"] != "0x1":
                raise BenchError(f"anvil: last transfer failed: {last}")
        finally:
            control.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return workload.n / elapsed


def _tx_hash(raw: bytes) -> bytes:
    from eth_hash.auto import keccak

    return bytes(keccak(raw))


def _wait_for_rpc(url: str, proc: subprocess.Popen[bytes], timeout: float) -> RpcClient:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise BenchError(f"{url}: process exited with {proc.returncode}")
        rpc = RpcClient(url, timeout=5.0)
        try:
            rpc.call("eth_blockNumber")
            return rpc
        except (OSError, RpcError):
            rpc.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# -- the whole bench ----------------------------------------------------------------------------


def run(
    n: int = 2000,
    block: int = 200,
    *,
    repeat: int = 3,
    http: bool = True,
    anvil: bool = True,
    profile: bool = False,
) -> list[Figure | Skipped]:
    """Measure all four; return the figures (ratios to raw py-evm measured in this run)."""
    workload = make_workload(n)
    raw_runs: list[float] = []
    node_runs: list[float] = []
    http_runs: list[float] = []
    anvil_runs: list[float] = []
    notes: set[str] = set()
    skipped: list[Skipped] = []
    prof = cProfile.Profile() if profile else None
    for round_ in range(max(repeat, 1)):
        workdir = Path(tempfile.mkdtemp(prefix="qorenode-bench-"))
        try:
            if round_ == 0:  # untimed warm-up: the first block run in a process is slower
                warm = replace(workload, transfers=workload.transfers[:block])
                run_raw(warm, block, workdir / "warm-up")
            raw_runs.append(run_raw(workload, block, workdir))
            node_runs.append(run_node(workload, block, workdir, prof))
            if http:
                rate, note = run_http(workload, block, workdir)
                http_runs.append(rate)
                if note:
                    notes.add(note)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if anvil and not skipped:
            result = run_anvil(workload, block)
            if isinstance(result, str):
                skipped.append(Skipped("evm_throughput.anvil_http", result))
            else:
                anvil_runs.append(result)

    raw = statistics.median(raw_runs)
    size = f"n={n}, block={block}"

    def runs(values: list[float]) -> str:
        if len(values) == 1:
            return size
        return f"{size}, median of {len(values)} runs ({fmt(min(values))}-{fmt(max(values))})"

    figures: list[Figure | Skipped] = [
        Figure("evm_throughput.raw_pyevm", raw, "tx/s", note=f"the baseline; {runs(raw_runs)}"),
        _against(
            "evm_throughput.node_inprocess",
            statistics.median(node_runs),
            raw,
            NODE_TARGET,
            runs(node_runs),
        ),
    ]
    if http_runs:
        note = "; ".join([runs(http_runs), *sorted(notes)])
        figures.append(
            _against(
                "evm_throughput.node_http", statistics.median(http_runs), raw, HTTP_TARGET, note
            )
        )
    if anvil_runs:
        anvil_rate = statistics.median(anvil_runs)
        figure = Figure(
            "evm_throughput.anvil_http",
            anvil_rate,
            "tx/s",
            target="none (for the record)",
            note=f"anvil / raw py-evm {anvil_rate / raw:.2f}; {runs(anvil_runs)}",
        )
        if http_runs:
            figure.baseline = statistics.median(http_runs)
            figure.baseline_label = "node over HTTP"
            figure.ratio = figure.baseline / anvil_rate
            figure.note = "ratio = node HTTP / anvil; " + figure.note
        figures.append(figure)
    figures.extend(skipped)
    if prof is not None:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
    return figures


def _against(name: str, value: float, raw: float, threshold: float, note: str) -> Figure:
    ratio = value / raw
    return Figure(
        name,
        value,
        "tx/s",
        baseline=raw,
        baseline_label="raw py-evm",
        ratio=ratio,
        target=f">= {threshold}",
        met=ratio >= threshold,
        note=note,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.evm_throughput", description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="ERC20 transfers (default 2000)")
    parser.add_argument("--block", type=int, default=200, help="transfers per block (200)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--no-http", action="store_true", help="skip the node over HTTP")
    parser.add_argument("--no-anvil", action="store_true", help="skip anvil")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the node's worker and print hotspots"
    )
    args = parser.parse_args(argv)
    report(
        run(
            args.n,
            args.block,
            repeat=args.repeat,
            http=not args.no_http,
            anvil=not args.no_anvil,
            profile=args.profile,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
