"""Memory: RSS of a node process after N (default 10,000) ERC20 transfers.

An in-process ``Node`` (as in ``evm_throughput``'s node run) on a fresh home: the transfers are
signed first, then the node is created and its RSS taken (the baseline), then the token is
deployed and the transfers submitted and mined in blocks of 200, and RSS taken again (VmRSS
after a garbage collection; the peak from getrusage is shown too). Growth over the second half of
the run is reported per 1,000 transfers, which is what a leak would show as.

Run it in a process of its own (``python -m bench.memory``, as ``python -m bench`` does): RSS is
the whole process's.

    python -m bench.memory [--n 10000] [--block 200]
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
from pathlib import Path

from bench._common import (
    MIB,
    Figure,
    chunks,
    make_workload,
    peak_rss_bytes,
    report,
    rss_bytes,
    submit_batch,
)


class MemoryBenchError(RuntimeError):
    pass


def run(n: int = 10_000, block: int = 200) -> list[Figure]:
    from qorenode.node import Node, NodeConfig

    workload = make_workload(n)
    workdir = Path(tempfile.mkdtemp(prefix="qorenode-bench-mem-"))
    try:
        node = Node(NodeConfig(home=workdir / "home", block_time=None))
        try:
            gc.collect()
            created = rss_bytes()
            batches = [[workload.deploy_raw], *chunks(workload.transfers, block)]
            half = len(batches) // 2
            midway = created
            included = 0
            for i, raws in enumerate(batches):
                submit_batch(node, raws)
                notice = node.produce_block()
                failed = [r for r in notice.results if not r.success]
                if failed:
                    raise MemoryBenchError(f"{len(failed)} transactions failed: {failed[0].log}")
                included += len(notice.results)
                if i + 1 == half:
                    gc.collect()
                    midway = rss_bytes()
            gc.collect()
            after = rss_bytes()
            if included != n + 1:
                raise MemoryBenchError(f"{included} transactions included, expected {n + 1}")
        finally:
            node.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    peak = peak_rss_bytes()
    second_half = n - (half - 1) * block  # transfers mined after the midway reading
    per_1k = (after - midway) / MIB / max(second_half, 1) * 1000
    return [
        Figure(
            "memory.rss_after_transfers",
            after / MIB,
            "MiB",
            baseline=created / MIB,
            baseline_label="RSS after creating the node",
            ratio=after / created,
            target="none set (reported)",
            note=(
                f"n={n}, block={block}; growth {(after - created) / MIB:.1f} MiB, "
                f"second half {per_1k:.2f} MiB per 1,000 transfers; peak {peak / MIB:.0f} MiB"
            ),
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="ERC20 transfers (default 10,000)")
    parser.add_argument("--block", type=int, default=200, help="transfers per block (200)")
    args = parser.parse_args(argv)
    report(list(run(args.n, args.block)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
