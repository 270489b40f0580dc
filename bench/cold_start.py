"""Cold start: from spawning ``qorenode start`` to the first eth_blockNumber answer.

Two homes: a fresh one (the node writes genesis first) and one with existing state (the token
deployed and a block of transfers, written beforehand by an in-process node). Median of
``--repeat`` (default 3) spawns each. Baseline, in the same run:
``python -c "import qorenode.node"`` (the interpreter and the node's imports). Target: <= 2 s.

    python -m bench.cold_start [--repeat 3] [--transfers 200]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import (
    REPO_ROOT,
    Figure,
    RpcClient,
    RpcError,
    chunks,
    free_port,
    make_workload,
    report,
    submit_batch,
)
from qorenode.testing import free_port_pair

TARGET_SECONDS = 2.0
METHOD_NOT_FOUND = -32601


class ColdStartError(RuntimeError):
    pass


def start_command(home: Path, ports: dict[str, int]) -> list[str]:
    """``python -m qorenode start ...`` (or through ``qorenode.cli.main`` without __main__)."""
    if importlib.util.find_spec("qorenode.__main__") is not None:
        prefix = [sys.executable, "-m", "qorenode"]
    else:
        prefix = [sys.executable, "-c", "from qorenode.cli import main; raise SystemExit(main())"]
    return [
        *prefix,
        "start",
        "--home",
        str(home),
        "--eth-port",
        str(ports["eth"]),
        "--ws-port",
        str(ports["ws"]),
        "--svm-port",
        str(ports["svm"]),
        "--rest-port",
        str(ports["rest"]),
        "--block-time",
        "0",  # instant mode: no empty blocks written while we measure
        "--log-level",
        "WARNING",
    ]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def time_start(home: Path, timeout: float = 60.0) -> tuple[float, str]:
    """Seconds from spawn to the first answer to eth_blockNumber; the probe used, as a note."""
    ports = {name: free_port() for name in ("eth", "ws", "rest")}
    ports["svm"] = free_port_pair()  # its WebSocket listens on svm + 1
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(
            start_command(home, ports),
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=_env(),
            cwd=REPO_ROOT,
        )
        note = ""
        try:
            url = f"http://127.0.0.1:{ports['eth']}"
            while True:
                if proc.poll() is not None:
                    errors.seek(0)
                    tail = errors.read().decode(errors="replace")[-2000:]
                    raise ColdStartError(f"node exited with {proc.returncode}: {tail}")
                rpc = RpcClient(url, timeout=5.0)
                try:
                    rpc.call("eth_blockNumber")
                    break
                except RpcError as exc:
                    if exc.code != METHOD_NOT_FOUND:
                        raise
                    note = "eth_blockNumber not served yet: time to its JSON-RPC error answer"
                    break
                except OSError:
                    if time.perf_counter() - start > timeout:
                        raise ColdStartError(f"no answer within {timeout} s") from None
                    time.sleep(0.01)
                finally:
                    rpc.close()
            elapsed = time.perf_counter() - start
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return elapsed, note


def time_import() -> float:
    """Seconds for ``python -c "import qorenode.node"`` (interpreter start and imports)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import qorenode.node"], check=True, env=_env(), cwd=REPO_ROOT
    )
    return time.perf_counter() - start


def prepare_home(home: Path, transfers: int) -> None:
    """A home with state: the token deployed and ``transfers`` transfers, in blocks of 200."""
    from qorenode.node import Node, NodeConfig

    workload = make_workload(transfers)
    node = Node(NodeConfig(home=home, block_time=None))
    try:
        for raws in [[workload.deploy_raw], *chunks(workload.transfers, 200)]:
            submit_batch(node, raws)
            node.produce_block()
    finally:
        node.close()


def run(repeat: int = 3, transfers: int = 200) -> list[Figure]:
    workdir = Path(tempfile.mkdtemp(prefix="qorenode-bench-cold-"))
    try:
        existing = workdir / "existing"
        prepare_home(existing, transfers)
        imports: list[float] = []
        fresh: list[float] = []
        loaded: list[float] = []
        notes: set[str] = set()
        for i in range(max(repeat, 1)):  # interleaved, so drift hits all three alike
            imports.append(time_import())
            seconds, note = time_start(workdir / f"fresh-{i}")
            fresh.append(seconds)
            notes.add(note)
            seconds, note = time_start(existing)
            loaded.append(seconds)
            notes.add(note)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    baseline = statistics.median(imports)
    extra = "; ".join(n for n in sorted(notes) if n)
    figures = []
    for name, runs, what in (
        ("cold_start.fresh_home", fresh, "fresh home"),
        ("cold_start.existing_home", loaded, f"home with a token and {transfers} transfers"),
    ):
        value = statistics.median(runs)
        figures.append(
            Figure(
                name,
                value,
                "s",
                baseline=baseline,
                baseline_label="python -c 'import qorenode.node'",
                ratio=value / baseline,
                target=f"<= {TARGET_SECONDS:g} s",
                met=value <= TARGET_SECONDS,
                note="; ".join(p for p in (f"{what}, median of {len(runs)} spawns", extra) if p),
            )
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="spawns per home (median)")
    parser.add_argument(
        "--transfers", type=int, default=200, help="transfers in the existing home (200)"
    )
    args = parser.parse_args(argv)
    report(list(run(args.repeat, args.transfers)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
