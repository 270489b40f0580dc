"""Run every benchmark, each in a process of its own, and print a summary of their figures.

    python -m bench [--n 2000] [--repeat 3] [--memory-n 10000] [--cold-repeat 3] [--wasm-n 200]
                    [--crossvm-n 200] [--svm-n 2000] [--svm-memory-n 50000] [--async-n 1000]
                    [--async-submit-n 1000] [--only NAME]

About five minutes on a 2-core machine with the defaults (crossvm_async alone takes about two).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench._common import REPO_ROOT

BENCHES = (
    "evm_throughput",
    "cold_start",
    "memory",
    "cosmwasm",
    "crossvm_sync",
    "svm",
    "crossvm_async",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="evm_throughput transfers (2000)")
    parser.add_argument("--block", type=int, default=200, help="transactions per block (200)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of the benches that repeat (3)"
    )
    parser.add_argument("--memory-n", type=int, default=10_000, help="memory transfers (10,000)")
    parser.add_argument("--cold-repeat", type=int, default=3, help="cold_start spawns (median)")
    parser.add_argument("--wasm-n", type=int, default=200, help="cosmwasm calls per figure (200)")
    parser.add_argument(
        "--crossvm-n", type=int, default=200, help="crossvm_sync transactions per workload (200)"
    )
    parser.add_argument("--svm-n", type=int, default=2000, help="svm transactions per figure")
    parser.add_argument(
        "--svm-memory-n", type=int, default=50_000, help="svm transfers before its RSS (50,000)"
    )
    parser.add_argument(
        "--async-n", type=int, default=1000, help="crossvm_async queued messages per target"
    )
    parser.add_argument(
        "--async-submit-n",
        type=int,
        default=1000,
        help="crossvm_async submissions per source per round (1000)",
    )
    parser.add_argument("--no-anvil", action="store_true", help="skip anvil")
    parser.add_argument("--only", choices=BENCHES, action="append", help="run only these")
    args = parser.parse_args(argv)

    flags = {
        "evm_throughput": [
            f"--n={args.n}",
            f"--block={args.block}",
            f"--repeat={args.repeat}",
            *(["--no-anvil"] if args.no_anvil else []),
        ],
        "cold_start": [f"--repeat={args.cold_repeat}"],
        "memory": [f"--n={args.memory_n}", f"--block={args.block}"],
        "cosmwasm": [f"--n={args.wasm_n}", f"--repeat={args.repeat}", f"--block={args.block}"],
        "crossvm_sync": [
            f"--n={args.crossvm_n}",
            f"--repeat={args.repeat}",
            f"--block={args.block}",
        ],
        "svm": [
            f"--n={args.svm_n}",
            f"--repeat={args.repeat}",
            f"--block={args.block}",
            f"--memory-n={args.svm_memory_n}",
        ],
        "crossvm_async": [
            f"--n={args.async_n}",
            f"--submit-n={args.async_submit_n}",
            f"--repeat={args.repeat}",
            f"--block={args.block}",
        ],
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    summary: list[str] = []
    failures = 0
    started = time.perf_counter()
    for name in args.only or BENCHES:
        print(f"== bench.{name} {' '.join(flags[name])}", flush=True)
        proc = subprocess.Popen(
            [sys.executable, "-m", f"bench.{name}", *flags[name]],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO_ROOT,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.startswith(f"{name}."):
                summary.append(line.rstrip("\n"))
        if proc.wait() != 0:
            failures += 1
            summary.append(f"{name}: FAILED (exit status {proc.returncode})")
    print(f"\n== summary ({time.perf_counter() - started:.0f} s)")
    for line in summary:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
