"""The SVM on the node: system transfers and memos per second, start-up with 10k accounts, RSS.

All figures come from one process and one run, each against a baseline measured in the same run:

* node_transfers, node_memos: system transfers (1,000,000 lamports each to a fresh random account,
             so each creates a rent-exempt account) and Memo transactions (a distinct text each),
             signed beforehand by Solana dev key 0 (signing is not timed), through the node
             in-process: the composed application over LevelDB on a fresh home, ``svm.pending_tx``
             (decode, sanitize, verify signatures) + ``app.check_tx`` + ``app.build_block`` in
             blocks of ``--block`` (200). Baseline: raw LiteSVM on the same signed bytes in the
             same round: a fresh ``LiteSVM()`` (blockhash check off, signature check on, as the
             node's) holding the same funded payer, ``VersionedTransaction.from_bytes`` +
             ``send_transaction`` per transaction. Target: node / raw >= 0.7.
* http_transfers: the same kind of transfers through a ``Devnet``: one client thread sends
             ``sendTransaction`` (base64, preflight on, as clients default to) over one
             keep-alive connection while this thread mines every ``--block`` sent, until all are
             included. Baseline: the raw LiteSVM figure. Target: http / raw >= 0.3.
             ``http_transfers_no_preflight``: the same with ``skipPreflight`` (for the record).
* startup_10k: ``Database`` + ``compose`` + ``app.start`` on a home holding ``--accounts``
             (10,000) accounts beyond genesis (made by real transactions, 20 transfers each),
             against the same on a home holding genesis only; median of ``--repeat`` interleaved
             starts. For the record.
* rss:       in a child process: RSS (VmRSS) after ``--memory-n`` transfers through the in-process
             node (blocks of ``--block``, signed per block just before it), against the RSS right
             after creating the node. For the record.

    python -m bench.svm [--n 2000] [--repeat 3] [--block 200] [--http-n 1000] [--accounts 10000]
                        [--memory-n 50000] [--profile] [--breakdown]

``--breakdown`` prints, after the figures, where a node transfer's time goes (microseconds per
transaction, from timers around the application's steps in one extra untimed round).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import io
import json
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import (
    MIB,
    REPO_ROOT,
    BenchError,
    Figure,
    chunks,
    peak_rss_bytes,
    report,
    rss_bytes,
    send_and_mine,
)

THROUGHPUT_TARGET = 0.7
HTTP_TARGET = 0.3
TRANSFER_LAMPORTS = 1_000_000  # above the rent-exempt minimum of an empty account (890,880)
TRANSFERS_PER_FUNDING_TX = 20  # system transfers in one transaction when filling a home
MEMO = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"


# -- signing --------------------------------------------------------------------------------------


def payer() -> Any:
    from qorenode.keys import solana_dev_keypair

    return solana_dev_keypair(0)


def sign_transfers(
    keypair: Any, blockhash: bytes, n: int, rng: random.Random, per_tx: int = 1
) -> list[bytes]:
    """``n`` signed transactions, each with ``per_tx`` system transfers to fresh random accounts."""
    from solders.hash import Hash
    from solders.message import Message
    from solders.pubkey import Pubkey
    from solders.system_program import TransferParams, transfer
    from solders.transaction import Transaction

    recent = Hash(blockhash)
    raws = []
    for _ in range(n):
        instructions = [
            transfer(
                TransferParams(
                    from_pubkey=keypair.pubkey(),
                    to_pubkey=Pubkey(rng.randbytes(32)),
                    lamports=TRANSFER_LAMPORTS,
                )
            )
            for _ in range(per_tx)
        ]
        message = Message.new_with_blockhash(instructions, keypair.pubkey(), recent)
        raws.append(bytes(Transaction([keypair], message, recent)))
    return raws


def sign_memos(keypair: Any, blockhash: bytes, n: int, tag: str) -> list[bytes]:
    """``n`` signed Memo transactions with distinct texts (so distinct signatures)."""
    from solders.hash import Hash
    from solders.instruction import Instruction
    from solders.message import Message
    from solders.pubkey import Pubkey
    from solders.transaction import Transaction

    recent = Hash(blockhash)
    program = Pubkey.from_string(MEMO)
    raws = []
    for i in range(n):
        memo = Instruction(program, f"qorenode bench memo {tag} {i}".encode(), [])
        message = Message.new_with_blockhash([memo], keypair.pubkey(), recent)
        raws.append(bytes(Transaction([keypair], message, recent)))
    return raws


# -- the node in-process --------------------------------------------------------------------------


class NodeChain:
    """The node's composed application on a home (as ``Node`` builds it), block by block."""

    def __init__(self, home: Path, genesis: dict[str, Any] | None = None) -> None:
        from qorenode.composition import compose
        from qorenode.genesis import load_genesis
        from qorenode.store import Database

        self.genesis = genesis if genesis is not None else load_genesis()
        self.database = Database(home / "data")
        self.comp = compose(self.database, self.genesis, home / "wasm-cache")
        self.comp.app.start(self.genesis)

    @property
    def app(self) -> Any:
        return self.comp.app

    @property
    def svm(self) -> Any:
        return self.comp.svm

    def blockhash(self) -> bytes:
        return bytes(self.svm.latest_blockhash[0])

    def close(self) -> None:
        self.database.close()

    def run_block(self, raws: list[bytes]) -> int:
        """Admit ``raws`` (decode, verify, check) and build one block of them; the count."""
        pendings = []
        for raw in raws:
            pending = self.svm.pending_tx(raw)
            self.app.check_tx(pending)
            pendings.append(pending)
        notice = self.app.build_block(pendings, self.app.next_timestamp(int(time.time())))
        failed = [r for r in notice.results if not r.success]
        if failed:
            raise BenchError(f"node: {len(failed)} transactions failed, first: {failed[0].log}")
        return len(notice.results)


def time_node(chain: NodeChain, raws: list[bytes], block: int, prof: Any = None) -> float:
    """Transactions per second through the node, in blocks of ``block``."""
    included = 0
    if prof is not None:
        prof.enable()
    start = time.perf_counter()
    for chunk in chunks(raws, block):
        included += chain.run_block(chunk)
    elapsed = time.perf_counter() - start
    if prof is not None:
        prof.disable()
    if included != len(raws):
        raise BenchError(f"node: {included} included, expected {len(raws)}")
    return len(raws) / elapsed


# -- raw LiteSVM (the baseline) -------------------------------------------------------------------


def time_raw(accounts: dict[bytes, Any], raws: list[bytes]) -> float:
    """Transactions per second of a fresh LiteSVM holding ``accounts`` on the same signed bytes."""
    from solders.litesvm import LiteSVM
    from solders.pubkey import Pubkey
    from solders.transaction import VersionedTransaction
    from solders.transaction_metadata import FailedTransactionMetadata

    svm = LiteSVM().with_blockhash_check(False).with_sigverify(True)
    for key, account in accounts.items():
        svm.set_account(Pubkey.from_bytes(key), account)
    failed = 0
    start = time.perf_counter()
    for raw in raws:
        outcome = svm.send_transaction(VersionedTransaction.from_bytes(raw))
        if isinstance(outcome, FailedTransactionMetadata):
            failed += 1
    elapsed = time.perf_counter() - start
    if failed:
        raise BenchError(f"raw LiteSVM: {failed} of {len(raws)} transactions failed")
    return len(raws) / elapsed


# -- over HTTP ------------------------------------------------------------------------------------


def time_http(workdir: Path, n: int, block: int, rng: random.Random, skip_preflight: bool) -> float:
    """Transfers per second through ``sendTransaction`` on a Devnet, mined every ``block``."""
    from qorenode.testing import Devnet

    home = Path(tempfile.mkdtemp(prefix="http-home-", dir=workdir))
    with Devnet(home, block_time=None) as devnet:
        node = devnet.node
        blockhash = devnet.call(lambda: bytes(node.composition.svm.latest_blockhash[0]))
        raws = sign_transfers(payer(), blockhash, n, rng)
        included = 0

        def mine() -> None:
            nonlocal included
            for notice in devnet.mine():
                failed = [r for r in notice.results if not r.success]
                if failed:
                    raise BenchError(f"http: {len(failed)} failed, first: {failed[0].log}")
                included += len(notice.results)

        config = {"encoding": "base64", "skipPreflight": skip_preflight}
        requests = [("sendTransaction", [base64.b64encode(raw).decode(), config]) for raw in raws]
        elapsed = send_and_mine(
            devnet.svm_url,
            requests,
            block,
            mine,
            lambda: devnet.call(lambda: len(node.mempool)) == 0,
            settle_blocks=len(raws) // 50 + 10,
        )
    shutil.rmtree(home, ignore_errors=True)
    if included != n:
        raise BenchError(f"http: {included} included, expected {n}")
    return n / elapsed


# -- start-up with persisted accounts -------------------------------------------------------------


def fill_home(home: Path, accounts: int, block: int, rng: random.Random) -> int:
    """Write genesis on ``home``, then ``accounts`` new accounts by real transactions; the count of
    persisted SVM accounts."""
    chain = NodeChain(home)
    try:
        txs = (accounts + TRANSFERS_PER_FUNDING_TX - 1) // TRANSFERS_PER_FUNDING_TX
        for start in range(0, txs, block):
            count = min(block, txs - start)
            per_tx = TRANSFERS_PER_FUNDING_TX
            raws = sign_transfers(payer(), chain.blockhash(), count, rng, per_tx)
            chain.run_block(raws)
        return count_accounts(chain)
    finally:
        chain.close()


def count_accounts(chain: NodeChain) -> int:
    from qorenode.store import prefix_end

    store = chain.svm._store  # the bench counts what the module persisted
    return sum(1 for _ in store.iterate(b"acct/", prefix_end(b"acct/")))


def time_start(home: Path) -> tuple[float, int]:
    """Seconds of Database + compose + app.start on an existing home, and its account count."""
    start = time.perf_counter()
    chain = NodeChain(home)
    elapsed = time.perf_counter() - start
    try:
        return elapsed, count_accounts(chain)
    finally:
        chain.close()


# -- RSS (in a child process) ---------------------------------------------------------------------


def memory_child(n: int, block: int) -> dict[str, Any]:
    """In this process: RSS after ``n`` transfers through a fresh in-process node."""
    workdir = Path(tempfile.mkdtemp(prefix="qorenode-bench-svm-rss-"))
    try:
        chain = NodeChain(workdir / "home")
        try:
            keypair = payer()
            rng = random.Random(7)
            gc.collect()
            baseline = rss_bytes()
            half = baseline
            done = 0
            start = time.perf_counter()
            while done < n:
                count = min(block, n - done)
                chain.run_block(sign_transfers(keypair, chain.blockhash(), count, rng))
                done += count
                if done == n // 2 or (done >= n // 2 and half == baseline):
                    gc.collect()
                    half = rss_bytes()
            elapsed = time.perf_counter() - start
            gc.collect()
            after = rss_bytes()
        finally:
            chain.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "n": n,
        "baseline": baseline,
        "half": half,
        "after": after,
        "peak": peak_rss_bytes(),
        "seconds": elapsed,
    }


def run_memory(n: int, block: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.svm", "--memory-child", str(n), "--block", str(block)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise BenchError(f"memory child failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# -- where the time goes -------------------------------------------------------------------------


def breakdown(n: int, block: int) -> list[tuple[str, float]]:
    """Microseconds per transfer in each step of the node in-process (timers around the
    application's steps; a fresh home, ``n`` transfers in blocks of ``block``), with the raw
    LiteSVM figure and the ed25519 check alone on the same transactions."""
    from solders.transaction import VersionedTransaction

    workdir = Path(tempfile.mkdtemp(prefix="qorenode-bench-svm-breakdown-"))
    spent: dict[str, float] = {}

    def timed(obj: Any, name: str, label: str) -> None:
        inner = getattr(obj, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        setattr(obj, name, wrapper)

    try:
        chain = NodeChain(workdir / "home")
        try:
            keypair, rng = payer(), random.Random(4)
            key = bytes(keypair.pubkey())
            chain.run_block(sign_transfers(keypair, chain.blockhash(), block, rng))  # warm-up
            raws = sign_transfers(keypair, chain.blockhash(), n, rng)
            raw_rate = time_raw({key: chain.svm.account(key)}, raws)
            txs = [VersionedTransaction.from_bytes(raw) for raw in raws]
            start = time.perf_counter()
            for tx in txs:
                tx.verify_with_results()
            verify = time.perf_counter() - start
            app, svm = chain.app, chain.svm
            timed(svm, "pending_tx", "svm.pending_tx")
            timed(app, "check_tx", "app.check_tx")
            timed(app, "build_block", "app.build_block")
            timed(svm, "deliver_tx", "svm.deliver_tx")
            timed(svm.svm, "send_transaction", "LiteSVM.send_transaction")
            for module in app.modules:
                for step in ("begin_block", "end_block", "commit", "after_commit"):
                    timed(module, step, "svm." + step if module is svm else "other modules")
            timed(app.chain_store, "put_block", "chain store put_block")
            timed(app.database, "write", "LevelDB write")
            start = time.perf_counter()
            for chunk in chunks(raws, block):
                chain.run_block(chunk)
            total = time.perf_counter() - start
        finally:
            chain.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    per = {label: seconds * 1e6 / n for label, seconds in spent.items()}
    hooks = ["svm.begin_block", "svm.end_block", "svm.after_commit"]
    steps = ["svm.deliver_tx", "svm.commit", *hooks, "other modules"]
    steps += ["chain store put_block", "LevelDB write"]
    module = ["svm.pending_tx", "app.check_tx", "svm.deliver_tx", "svm.commit", *hooks]
    in_module = sum(per.get(label, 0.0) for label in module)
    return [
        ("node in-process, in all", total * 1e6 / n),
        ("raw LiteSVM (from_bytes + send_transaction, sigverify on)", 1e6 / raw_rate),
        ("  ed25519 check alone (verify_with_results)", verify * 1e6 / n),
        ("admission: svm.pending_tx (decode, sanitize, ed25519)", per.get("svm.pending_tx", 0.0)),
        ("admission: app.check_tx (blockhash window, replay)", per.get("app.check_tx", 0.0)),
        ("app.build_block", per.get("app.build_block", 0.0)),
        ("  svm.deliver_tx", per.get("svm.deliver_tx", 0.0)),
        ("    LiteSVM.send_transaction (sigverify off)", per.get("LiteSVM.send_transaction", 0.0)),
        ("  svm.commit (records, address index, accounts)", per.get("svm.commit", 0.0)),
        ("  svm.begin_block, end_block, after_commit", sum(per.get(h, 0.0) for h in hooks)),
        ("  other modules' begin/end/commit (the EVM's block, ...)", per.get("other modules", 0.0)),
        ("  chain store put_block (results as JSON)", per.get("chain store put_block", 0.0)),
        ("  LevelDB write (the block's batch)", per.get("LevelDB write", 0.0)),
        (
            "  the rest of build_block (routing, contexts, results)",
            per.get("app.build_block", 0.0) - sum(per.get(label, 0.0) for label in steps),
        ),
        ("the SVM module in all (admission, svm.* steps)", in_module),
        ("  of which beyond raw LiteSVM", in_module - 1e6 / raw_rate),
        ("the rest of the node", total * 1e6 / n - in_module),
    ]


def print_breakdown(rows: list[tuple[str, float]], n: int, block: int) -> None:
    print(f"\nwhere the time goes: system transfers, node in-process, n={n}, blocks of {block}")
    for label, micros in rows:
        print(f"  {label:<78} {micros:8.1f} us/tx")


# -- the whole bench ------------------------------------------------------------------------------


def run(
    n: int = 2000,
    *,
    repeat: int = 3,
    block: int = 200,
    http_n: int = 1000,
    accounts: int = 10_000,
    memory_n: int = 50_000,
    profile: bool = False,
) -> list[Figure]:
    workdir = Path(tempfile.mkdtemp(prefix="qorenode-bench-svm-"))
    prof = cProfile.Profile() if profile else None
    try:
        return _run(workdir, n, max(repeat, 1), block, http_n, accounts, memory_n, prof)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if prof is not None:
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)
            print(out.getvalue())


def _run(
    workdir: Path,
    n: int,
    repeat: int,
    block: int,
    http_n: int,
    accounts: int,
    memory_n: int,
    prof: cProfile.Profile | None,
) -> list[Figure]:
    rng = random.Random(2026_11_24)
    keypair = payer()
    key = bytes(keypair.pubkey())
    samples: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        samples.setdefault(name, []).append(value)

    chain = NodeChain(workdir / "home")
    try:
        # untimed warm-up: the first transactions in a process are slower (imports, caches)
        warm = sign_transfers(keypair, chain.blockhash(), 20, rng)
        time_raw({key: chain.svm.account(key)}, warm)
        chain.run_block(warm)
        for round_ in range(repeat):
            for kind in ("transfers", "memos"):
                blockhash = chain.blockhash()
                if kind == "transfers":
                    raws = sign_transfers(keypair, blockhash, n, rng)
                else:
                    raws = sign_memos(keypair, blockhash, n, f"r{round_}")
                funded = {key: chain.svm.account(key)}  # the payer as the node holds it now
                add(f"raw_{kind}", time_raw(funded, raws))
                add(f"node_{kind}", time_node(chain, raws, block, prof))
    finally:
        chain.close()
    for skip in (False, True):
        for _ in range(repeat):
            add(f"http_{skip}", time_http(workdir, http_n, block, rng, skip))

    # start-up: a home with `accounts` more accounts against a home with genesis only
    full, empty = workdir / "home-10k", workdir / "home-empty"
    persisted = fill_home(full, accounts, block, rng)
    NodeChain(empty).close()
    counts: dict[str, int] = {}
    for _ in range(repeat):
        for name, home in (("empty", empty), ("full", full)):
            seconds, count = time_start(home)
            add(f"start_{name}", seconds)
            counts[name] = count
    if counts["full"] != persisted or counts["full"] - counts["empty"] < accounts:
        raise BenchError(f"start-up: loaded {counts} accounts, persisted {persisted}")

    memory = run_memory(memory_n, block)

    med = {name: statistics.median(values) for name, values in samples.items()}
    rounds = f"median of {repeat} rounds" if repeat > 1 else "1 round"

    def spread(name: str) -> str:
        values = samples[name]
        return f"{min(values):,.0f}-{max(values):,.0f}"

    figures: list[Figure] = []
    for kind, what in (("transfers", "system transfers"), ("memos", "Memo transactions")):
        node, raw = med[f"node_{kind}"], med[f"raw_{kind}"]
        ratio = node / raw
        figures.append(
            Figure(
                f"svm.node_{kind}",
                node,
                "tx/s",
                baseline=raw,
                baseline_label="raw LiteSVM",
                ratio=ratio,
                target=f">= {THROUGHPUT_TARGET}",
                met=ratio >= THROUGHPUT_TARGET,
                note=f"{what}, pending_tx + check_tx + build_block in blocks of {block}, n={n}, "
                f"{rounds} (node {spread(f'node_{kind}')}, raw {spread(f'raw_{kind}')})",
            )
        )
    raw = med["raw_transfers"]
    for skip, target in ((False, HTTP_TARGET), (True, None)):
        value = med[f"http_{skip}"]
        ratio = value / raw
        figures.append(
            Figure(
                "svm.http_transfers_no_preflight" if skip else "svm.http_transfers",
                value,
                "tx/s",
                baseline=raw,
                baseline_label="raw LiteSVM",
                ratio=ratio,
                target=f">= {target}" if target else "none (for the record)",
                met=None if target is None else ratio >= target,
                note=f"sendTransaction (base64, skipPreflight {str(skip).lower()}) from one "
                f"client thread, mined every {block} sent; n={http_n}, {rounds} "
                f"({spread(f'http_{skip}')})",
            )
        )
    start_full, start_empty = med["start_full"] * 1e3, med["start_empty"] * 1e3
    figures.append(
        Figure(
            "svm.startup_10k",
            start_full,
            "ms",
            baseline=start_empty,
            baseline_label="genesis-only home",
            ratio=start_full / start_empty,
            target="none (for the record)",
            note=f"Database + compose + app.start; {counts['full']:,} SVM accounts against "
            f"{counts['empty']:,} (+{counts['full'] - counts['empty']:,}); {rounds} "
            f"(+{start_full - start_empty:.0f} ms: "
            f"{(start_full - start_empty) * 1e3 / max(accounts, 1):.1f} us per account)",
            extra={"accounts": counts["full"], "baseline_accounts": counts["empty"]},
        )
    )
    after, base = memory["after"] / MIB, memory["baseline"] / MIB
    growth = (memory["after"] - memory["half"]) / MIB / max(memory["n"] - memory["n"] // 2, 1)
    figures.append(
        Figure(
            "svm.rss_after_transfers",
            after,
            "MiB",
            baseline=base,
            baseline_label="after creating the node",
            ratio=after / base,
            target="none (for the record)",
            note=f"{memory['n']:,} transfers to fresh accounts in blocks of {block} "
            f"({memory['n'] / memory['seconds']:,.0f} tx/s, signing included), child process; "
            f"second half {growth * 1000:.2f} MiB per 1,000; peak {memory['peak'] / MIB:.0f} MiB",
            extra={"n": memory["n"], "growth_per_1000_mib": growth * 1000},
        )
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.svm", description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="transactions per figure per round")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--block", type=int, default=200, help="transactions per block (200)")
    parser.add_argument("--http-n", type=int, default=1000, help="transfers over HTTP per round")
    parser.add_argument("--accounts", type=int, default=10_000, help="accounts for start-up")
    parser.add_argument("--memory-n", type=int, default=50_000, help="transfers before RSS")
    parser.add_argument("--memory-child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help="cProfile the node's blocks")
    parser.add_argument(
        "--breakdown", action="store_true", help="print where a node transfer's time goes"
    )
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        print(json.dumps(memory_child(args.memory_child, args.block)), flush=True)
        return 0
    report(
        list[Any](
            run(
                args.n,
                repeat=args.repeat,
                block=args.block,
                http_n=args.http_n,
                accounts=args.accounts,
                memory_n=args.memory_n,
                profile=args.profile,
            )
        )
    )
    if args.breakdown:
        print_breakdown(breakdown(args.n, args.block), args.n, args.block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
