"""x/crossvm's synchronous path: an EVM transaction calling CosmWasm through 0x…0901, against doing
the two halves separately, in one process and one run.

All three workloads run on the node's composed application over LevelDB (``NodeChain`` of
bench/cosmwasm.py: ``compose`` on a fresh home), each transaction signed beforehand by dev0 (not
timed), then admitted (``pending_tx`` recovers the signer, ``check_tx``) and delivered by
``app.build_block`` in blocks of ``--block``; each figure is the time per transaction:

* crosscall:       an EVM transaction calling ``CrossCounter.increment()``, which executes
                   ``{"increment":{}}`` on the CosmWasm counter through the precompile
                   (native/solidity/CrossCounter.sol).
* cosmwasm_direct: the same execute as a native ``MsgExecuteContract`` transaction (one message
                   per transaction), on the same counter.
* plain_evm:       an EVM transaction calling the Solidity ``Counter.increment()``
                   (native/solidity/Counter.sol): an EVM call with a storage write and a log.
* to_precompile:   an EVM transaction calling 0x901's ``execute(counter, {"increment":{}})``:
                   the cross-VM call itself, with no Solidity contract around it.

Ratio = to_precompile / (cosmwasm_direct + plain_evm), target <= 1.3: an EVM transaction calling
``execute`` should cost little more than a plain EVM call plus the same CosmWasm execute run
directly. The crosscall through CrossCounter is reported beside it for the record: its ratio also
carries CrossCounter's own bytecode (~640 EVM operations a call against Counter.increment's ~100),
which the baseline does not pay. Also reported for the record: the same ratio on ``build_block`` alone (admission left out: the
baseline pays two signature recoveries against the crosscall's one), and the gas of one call:
the EVM gas 0x901 charges beside the CosmWasm SDK gas it converts (1:1) and the 50,000 base.

    python -m bench.crossvm_sync [--n 200] [--repeat 3] [--block 200] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._common import (
    REPO_ROOT,
    BenchError,
    Figure,
    Skipped,
    create_address,
    report,
    sign_evm_call,
    spread_us,
)
from bench.cosmwasm import BUILD, COUNTER_INIT, INCREMENT, NodeChain

RATIO_TARGET = 1.3
CROSS_GAS = 400_000  # the crosscall's gas limit (~145k used)
PLAIN_GAS = 100_000  # Counter.increment (~45k used)
DEPLOY_GAS = 3_000_000
SOLIDITY_BUILD = REPO_ROOT / "native" / "solidity" / "build"
CROSSVM_ADDRESS = bytes(18) + b"\x09\x01"
TO_PRECOMPILE_GAS = 200_000
WORKLOADS = ("crosscall", "cosmwasm_direct", "plain_evm", "to_precompile")


def _selector(signature: str) -> bytes:
    from eth_hash.auto import keccak

    return bytes(keccak(signature.encode()))[:4]


class CrossChain(NodeChain):
    """``NodeChain`` plus signed EVM transactions from the same account (one nonce sequence)."""

    def __init__(self, home: Path) -> None:
        super().__init__(home)
        from eth_keys import keys

        self._private = keys.PrivateKey(self.key.private_key)

    def nonce(self) -> int:
        if self._next_nonce is None:
            self._next_nonce = self.comp.evm.get_nonce(self.sender)
        return self._next_nonce

    def sign_evm(self, to: bytes, data: bytes, gas: int) -> bytes:
        nonce = self.nonce()
        self._next_nonce = nonce + 1
        return sign_evm_call(self._private, nonce, to, data, gas)

    def admit_evm(self, raw: bytes) -> Any:
        pending = self.comp.evm.pending_tx(raw)
        self.app.check_tx(pending)
        return pending

    def deploy(self, name: str, args: bytes = b"") -> bytes:
        from tests.fixtures.contracts import load_contract

        nonce = self.nonce()
        raw = self.sign_evm(b"", load_contract(name).bytecode + args, DEPLOY_GAS)
        self.mine([self.admit_evm(raw)])
        address = create_address(self.sender, nonce)
        if not self.comp.evm.read_state().get_code(address):
            raise BenchError(f"{name} was not deployed")
        return address


@dataclass
class Workloads:
    """The deployed contracts and how to sign ``n`` transactions of each workload."""

    chain: CrossChain
    counter: bytes  # the CosmWasm counter (32 bytes)
    cross: bytes  # CrossCounter
    plain: bytes  # Solidity Counter
    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.samples.setdefault(key, []).append(value)

    def sign(self, name: str, n: int) -> tuple[list[Any], Callable[[Any], Any]]:
        """``n`` signed transactions of workload ``name`` and its admission function."""
        chain = self.chain
        if name == "crosscall":
            data = _selector("increment()")
            return [chain.sign_evm(self.cross, data, CROSS_GAS) for _ in range(n)], chain.admit_evm
        if name == "plain_evm":
            data = _selector("increment()")
            return [chain.sign_evm(self.plain, data, PLAIN_GAS) for _ in range(n)], chain.admit_evm
        if name == "to_precompile":
            from eth_abi import encode as abi_encode

            data = _selector("execute(string,bytes)") + abi_encode(
                ["string", "bytes"], [chain.bech32(self.counter), INCREMENT]
            )
            txs = [chain.sign_evm(CROSSVM_ADDRESS, data, TO_PRECOMPILE_GAS) for _ in range(n)]
            return txs, chain.admit_evm
        if name == "cosmwasm_direct":
            msg = chain.execute_msg(self.counter, INCREMENT)
            return [chain.sign([msg]) for _ in range(n)], chain.admit
        raise ValueError(name)


def setup(chain: CrossChain) -> Workloads:
    """Store and instantiate the counter, deploy CrossCounter (bound to it) and Counter."""
    from eth_abi import encode as abi_encode

    code_id = chain.store("counter")
    counter = chain.instantiate(code_id, COUNTER_INIT)
    cross = chain.deploy("CrossCounter", abi_encode(["string"], [chain.bech32(counter)]))
    plain = chain.deploy("Counter")
    return Workloads(chain, counter, cross, plain)


def counter_count(chain: CrossChain, counter: bytes) -> int:
    with chain.open_block() as block:
        answer = chain.keeper.query_smart(block, counter, b'{"get_count":{}}')
    return int(json.loads(answer)["count"])


def plain_count(chain: CrossChain, plain: bytes) -> int:
    return int(chain.comp.evm.read_state().get_storage(plain, 0))


def time_txs(
    chain: CrossChain,
    txs: list[Any],
    admit: Callable[[Any], Any],
    block: int,
    profile: cProfile.Profile | None = None,
) -> tuple[float, float, float]:
    """Seconds per transaction: in all (admission + build_block), admission, build_block."""
    admit_seconds = build_seconds = 0.0
    for i in range(0, len(txs), block):
        begin = time.perf_counter()
        pendings = [admit(tx) for tx in txs[i : i + block]]
        middle = time.perf_counter()
        if profile is not None:
            profile.enable()
        chain.mine(pendings)
        if profile is not None:
            profile.disable()
        end = time.perf_counter()
        admit_seconds += middle - begin
        build_seconds += end - middle
    n = len(txs)
    return (admit_seconds + build_seconds) / n, admit_seconds / n, build_seconds / n


def run_round(
    w: Workloads, n: int, block: int, profile: cProfile.Profile | None, record: bool = True
) -> None:
    """``n`` transactions of each workload, each signed right before it is timed; checked."""
    chain = w.chain
    wasm_before = counter_count(chain, w.counter)
    plain_before = plain_count(chain, w.plain)
    for name in WORKLOADS:
        txs, admit = w.sign(name, n)
        per_tx, admit_s, build_s = time_txs(
            chain, txs, admit, block, profile if name == "crosscall" else None
        )
        if record:
            w.add(name, per_tx)
            w.add(f"{name}.admit", admit_s)
            w.add(f"{name}.build", build_s)
    # Every transaction did its work (chain.mine already refused failed ones).
    if counter_count(chain, w.counter) != wasm_before + 3 * n:
        raise BenchError("the CosmWasm counter did not count every increment")
    if plain_count(chain, w.plain) != plain_before + n:
        raise BenchError("the Solidity Counter did not count every increment")


# -- gas of one call -----------------------------------------------------------------------------


@dataclass
class GasReport:
    precompile_gas: int  # EVM gas the 0x901 frame consumed
    sdk_gas: int  # the CosmWasm execute's SDK gas inside it
    input_gas: int
    output_gas: int
    cross_tx_gas: int  # the crosscall transaction's gas_used
    direct_sdk_gas: int  # the same message through WasmKeeper.execute (keeper meter)
    direct_tx_gas: int  # the native MsgExecuteContract transaction's gas_used
    plain_tx_gas: int  # the Counter.increment transaction's gas_used


@contextmanager
def recording(chain: CrossChain) -> Iterator[dict[str, list[int]]]:
    """Record the 0x901 frame's gas and the SDK gas of the CosmWasm execute inside it."""
    seen: dict[str, list[int]] = {"precompile": [], "sdk": []}
    wasm = chain.comp.wasm
    real_execute = wasm.execute_for_caller

    def execute_for_caller(block: Any, gas: Any, *args: Any, **kwargs: Any) -> Any:
        before = gas.used
        out = real_execute(block, gas, *args, **kwargs)
        seen["sdk"].append(gas.used - before)
        return out

    table = chain.comp.evm.precompiles.table
    real_precompile = table[CROSSVM_ADDRESS]

    def precompile(computation: Any) -> Any:
        before = computation.get_gas_remaining()
        out = real_precompile(computation)
        seen["precompile"].append(before - computation.get_gas_remaining())
        return out

    wasm.execute_for_caller = execute_for_caller  # instance attribute: this measurement only
    table[CROSSVM_ADDRESS] = precompile
    try:
        yield seen
    finally:
        table[CROSSVM_ADDRESS] = real_precompile
        del wasm.execute_for_caller


def measure_gas(w: Workloads) -> GasReport:
    from eth_abi import encode as abi_encode

    from crossvm.precompile import INPUT_GAS_PER_BYTE, OUTPUT_GAS_PER_BYTE

    chain = w.chain
    # The same message through the keeper first, in a block abandoned afterwards: both see the
    # same count (the counter's gas grows a little as the count gains digits).
    with chain.open_block() as block:
        ctx = chain.exec_ctx(block, 0)
        chain.keeper.execute(ctx, chain.sender, w.counter, INCREMENT, 0)
        direct_sdk = ctx.gas.used
    with recording(chain) as seen:
        txs, admit = w.sign("crosscall", 1)
        cross = chain.mine([admit(txs[0])]).results[0]
    (precompile_gas,) = seen["precompile"]
    (sdk_gas,) = seen["sdk"]
    txs, admit = w.sign("cosmwasm_direct", 1)
    direct = chain.mine([admit(txs[0])]).results[0]
    txs, admit = w.sign("plain_evm", 1)
    plain = chain.mine([admit(txs[0])]).results[0]
    output = abi_encode(["bytes"], [b""])  # execute's answer: the counter's data is null
    return GasReport(
        precompile_gas,
        sdk_gas,
        INPUT_GAS_PER_BYTE * len(INCREMENT),
        OUTPUT_GAS_PER_BYTE * len(output),
        cross.gas_used,
        direct_sdk,
        direct.gas_used,
        plain.gas_used,
    )


# -- the whole bench -----------------------------------------------------------------------------


def run(
    n: int = 200, *, repeat: int = 3, block: int = 200, profile: bool = False
) -> list[Figure | Skipped]:
    """Measure everything; return the figures (ratios to baselines measured in this run)."""
    missing = [
        str(path.relative_to(REPO_ROOT))
        for path in (
            BUILD / "counter.wasm",
            SOLIDITY_BUILD / "CrossCounter.json",
            SOLIDITY_BUILD / "Counter.json",
        )
        if not path.exists()
    ]
    if missing:
        return [Skipped("crossvm_sync", f"not built: {', '.join(missing)}")]
    workdir = Path(tempfile.mkdtemp(prefix="qorenode-bench-crossvm-"))
    prof = cProfile.Profile() if profile else None
    try:
        chain = CrossChain(workdir / "home")
        try:
            return _run(chain, n, max(repeat, 1), max(block, 1), prof)
        finally:
            chain.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if prof is not None:
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(50)
            print(out.getvalue())


def _run(
    chain: CrossChain, n: int, repeat: int, block: int, prof: cProfile.Profile | None
) -> list[Figure | Skipped]:
    w = setup(chain)
    # Untimed warm-up: the first calls in a process are slower (imports, caches, page faults).
    run_round(w, min(n, 5), block, None, record=False)
    for _ in range(repeat):
        run_round(w, n, block, prof)
    gas = measure_gas(w)

    s = w.samples
    us = {key: statistics.median(values) * 1e6 for key, values in s.items()}
    rounds = f"median of {repeat} rounds" if repeat > 1 else "1 round"
    baseline = us["cosmwasm_direct"] + us["plain_evm"]
    ratio = us["crosscall"] / baseline
    build_baseline = us["cosmwasm_direct.build"] + us["plain_evm.build"]
    build_ratio = us["crosscall.build"] / build_baseline
    common = f"blocks of {block}, n={n}, {rounds}"
    figures: list[Figure | Skipped] = [
        Figure(
            "crossvm_sync.crosscall",
            us["crosscall"],
            "us/tx",
            baseline=baseline,
            baseline_label="cosmwasm direct + plain EVM",
            ratio=ratio,
            target="none (for the record: CrossCounter's own ~640 EVM operations are not in the "
            "baseline)",
            note=f"EVM tx CrossCounter.increment() -> 0x901 -> counter increment; admission "
            f"{us['crosscall.admit']:.0f} us + build_block {us['crosscall.build']:.0f} us; "
            f"{common} ({spread_us(s['crosscall'])} us)",
        ),
        Figure(
            "crossvm_sync.crosscall_build_block",
            us["crosscall.build"],
            "us/tx",
            baseline=build_baseline,
            baseline_label="cosmwasm direct + plain EVM",
            ratio=build_ratio,
            target="none (for the record)",
            note=f"build_block alone (admission left out); cosmwasm direct "
            f"{us['cosmwasm_direct.build']:.0f} us + plain EVM {us['plain_evm.build']:.0f} us",
        ),
    ]
    for name, what in (
        ("cosmwasm_direct", "native MsgExecuteContract {increment} tx"),
        ("plain_evm", "EVM tx Counter.increment()"),
    ):
        figures.append(
            Figure(
                f"crossvm_sync.{name}",
                us[name],
                "us/tx",
                target="none (for the record)",
                note=f"{what}; admission {us[f'{name}.admit']:.0f} us + build_block "
                f"{us[f'{name}.build']:.0f} us; {common} ({spread_us(s[name])} us)",
            )
        )
    to_pre = us["to_precompile"] / baseline
    figures.append(
        Figure(
            "crossvm_sync.to_precompile",
            us["to_precompile"],
            "us/tx",
            baseline=baseline,
            baseline_label="cosmwasm direct + plain EVM",
            ratio=to_pre,
            target=f"<= {RATIO_TARGET}",
            met=to_pre <= RATIO_TARGET,
            note=f"EVM tx calling 0x901 execute(counter, increment), no Solidity around it; "
            f"admission {us['to_precompile.admit']:.0f} us + build_block "
            f"{us['to_precompile.build']:.0f} us; {common} ({spread_us(s['to_precompile'])} us)",
        )
    )
    figures.append(_gas_figure(gas))
    return figures


def _gas_figure(g: GasReport) -> Figure:
    from crossvm.precompile import BASE_GAS

    rest = g.precompile_gas - BASE_GAS - g.sdk_gas - g.input_gas - g.output_gas
    return Figure(
        "crossvm_sync.gas_crosscall",
        g.precompile_gas,
        "EVM gas",
        baseline=g.sdk_gas,
        baseline_label="CosmWasm execute",
        baseline_unit="SDK gas",
        target="none (for the record)",
        note=f"0x901 charged {g.precompile_gas:,} = {BASE_GAS:,} base + {g.sdk_gas:,} SDK gas "
        f"(1:1) + {g.input_gas} input + {g.output_gas} output"
        + (f" + {rest:,} unexplained" if rest else "")
        + f"; crosscall tx gasUsed {g.cross_tx_gas:,}; the same message direct: "
        f"{g.direct_sdk_gas:,} SDK gas (native tx gas_used {g.direct_tx_gas:,}); plain EVM "
        f"Counter.increment tx {g.plain_tx_gas:,}",
        extra={
            "precompile_gas": g.precompile_gas,
            "base_gas": BASE_GAS,
            "sdk_gas": g.sdk_gas,
            "input_gas": g.input_gas,
            "output_gas": g.output_gas,
            "unexplained_gas": rest,
            "cross_tx_gas": g.cross_tx_gas,
            "direct_sdk_gas": g.direct_sdk_gas,
            "direct_tx_gas": g.direct_tx_gas,
            "plain_tx_gas": g.plain_tx_gas,
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crossvm_sync", description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="transactions per workload per round")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--block", type=int, default=200, help="transactions per block (200)")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the crosscall blocks, print hotspots"
    )
    args = parser.parse_args(argv)
    report(run(args.n, repeat=args.repeat, block=args.block, profile=args.profile))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
