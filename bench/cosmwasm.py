"""CosmWasm on the node: execute and instantiate latency, compile against cached load, gas.

All figures come from one process and one run, each against a baseline measured in the same run:

* execute:     the median latency of one ``execute`` (counter ``increment``, cw20 ``transfer`` to
               a fresh address) through the node's keeper: ``WasmKeeper.execute`` called inside an
               open block of the composed application (``app.begin_block``; the block is abandoned
               afterwards), which is the whole wasm path of a ``MsgExecuteContract`` (contract and
               code records, env, the host call with its gas metering, the response's events)
               without the native transaction around it. Baseline: the same export of the same
               contract on a bare wasmtime host written here (same engine configuration, a fresh
               store and instance per call as the node does, dict storage, every import a trivial
               function, fuel set once and never checked). Target: node / bare <= 1.5.
* native_tx:   the same message as a signed native transaction (one message each, signed
               beforehand), per transaction: admission (``pending_tx`` recovers the signer,
               ``check_tx``) plus ``app.build_block`` in blocks of ``--block``. For the record.
* compile:     ``WasmHost.check_code`` of cw20.wasm (validate, compile, analyse, write the module
               cache) against ``ensure_loaded`` of the same code by a fresh ``WasmHost`` over that
               cache directory (read, verify, deserialize, analyse).
* instantiate: the median latency of ``WasmKeeper.instantiate`` of counter and cw20 (in an open
               block, as above) against the bare host's ``instantiate`` export, with its SDK gas.
* gas:         SDK gas of one message (the keeper's gas meter) and the CosmWasm gas of its host
               call, split into wasm operations (fuel) and host work (``CallOutcome.host_gas``).

    python -m bench.cosmwasm [--n 200] [--repeat 3] [--block 200] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import shutil
import statistics
import struct
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from ctypes import byref, c_uint64
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench._common import REPO_ROOT, BenchError, Figure, Skipped, report, spread_us

BUILD = REPO_ROOT / "native" / "cosmwasm" / "build"
EXECUTE_TARGET = 1.5
MSG_GAS_LIMIT = 2_000_000  # SDK gas for one keeper call (the meter a native tx would give it)
TX_GAS_LIMIT = 2_000_000
BARE_FUEL = 10**12  # the bare host's fuel: never runs out, never checked
COUNTER_INIT = {"count": 0}
INCREMENT = b'{"increment":{}}'


def wasm_bytes(name: str) -> bytes:
    return (BUILD / f"{name}.wasm").read_bytes()


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _median_us(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1e6


# -- the bare wasmtime host (the baseline) -------------------------------------------------------


def _engine_config() -> Any:
    """The node's engine configuration (vms/cosmwasm/host.py), so both run the same machine code."""
    import wasmtime as wt

    config = wt.Config()
    config.consume_fuel = True
    config.cranelift_nan_canonicalization = True
    config.wasm_threads = False
    config.wasm_memory64 = False
    config.wasm_multi_memory = False
    config.wasm_relaxed_simd = False
    config.max_wasm_stack = 512 * 1024
    config.parallel_compilation = False
    return config


class BareHost:
    """A minimal CosmWasm host on wasmtime: the region ABI over dict storage, nothing else.

    Every import the node defines is defined here with the same signature; the ones the contracts
    use do the least they can (``db_read``/``db_write`` on a dict, ``addr_validate`` accepts
    everything), the rest return 0. Exports are called through wasmtime's C API directly (as the
    node's host does: the public ``Func.__call__`` costs tens of microseconds more per call).
    """

    def __init__(self) -> None:
        import wasmtime as wt

        self.wt = wt
        self.engine = wt.Engine(_engine_config())
        self.linker = wt.Linker(self.engine)
        self._frames: list[tuple[Any, Any, dict[bytes, bytes]]] = []  # memory, allocate, storage
        i32, i64 = wt.ValType.i32(), wt.ValType.i64()
        handlers: dict[str, Callable[..., Any]] = {
            "db_read": self._db_read,
            "db_write": self._db_write,
            "abort": self._abort,
        }
        from vms.cosmwasm.host import IMPORTS  # names and signatures only

        for name, (params, result) in IMPORTS.items():
            func_type = wt.FuncType([i32] * params, [result] if result else [])
            handler = handlers.get(name) or (_zero_i64 if result == i64 else _zero)
            self.linker.define_func("env", name, func_type, handler, access_caller=True)

    def load(self, wasm: bytes) -> Any:
        """Compile ``wasm``; the instance-pre to instantiate per call."""
        return self.linker.instantiate_pre(self.wt.Module(self.engine, wasm))

    def call(
        self, pre: Any, entry_point: str, args: Sequence[bytes], storage: dict[bytes, bytes]
    ) -> tuple[bytes, int]:
        """Run ``entry_point`` of a fresh instance; its output and the fuel (wasm operations)."""
        from wasmtime import _ffi as ffi

        store = self.wt.Store(self.engine)
        ffi.wasmtime_context_set_fuel(store._context(), BARE_FUEL)
        instance = pre.instantiate(store)
        memory = _bare_export(store, instance, "memory")
        allocate = _bare_export(store, instance, "allocate")
        self._frames.append((memory, allocate, storage))
        try:
            pointers = [self._write_new(store, memory, allocate, arg) for arg in args]
            result = _bare_call(store, _bare_export(store, instance, entry_point), pointers)
            output = _read_region(store, memory, result)
        finally:
            self._frames.pop()
        left = c_uint64(0)
        ffi.wasmtime_context_get_fuel(store._context(), byref(left))
        return output, BARE_FUEL - int(left.value)

    @staticmethod
    def _write_new(context: Any, memory: Any, allocate: Any, data: bytes) -> int:
        pointer = _bare_call(context, allocate, [len(data)])
        offset = struct.unpack("<I", bytes(memory.read(context, pointer, pointer + 4)))[0]
        memory.write(context, data, offset)
        memory.write(context, struct.pack("<I", len(data)), pointer + 8)
        return pointer

    def _db_read(self, caller: Any, key_ptr: int) -> int:
        memory, allocate, storage = self._frames[-1]
        value = storage.get(_read_region(caller, memory, key_ptr))
        if value is None:
            return 0
        return self._write_new(caller, memory, allocate, value)

    def _db_write(self, caller: Any, key_ptr: int, value_ptr: int) -> None:
        memory, _, storage = self._frames[-1]
        storage[_read_region(caller, memory, key_ptr)] = _read_region(caller, memory, value_ptr)

    @staticmethod
    def _abort(caller: Any, message_ptr: int) -> None:
        raise RuntimeError("contract aborted")


def _zero(caller: Any, *args: int) -> int:
    return 0


def _zero_i64(caller: Any, *args: int) -> int:
    return 0


def _read_region(context: Any, memory: Any, pointer: int) -> bytes:
    offset, _, length = struct.unpack("<III", bytes(memory.read(context, pointer, pointer + 12)))
    return bytes(memory.read(context, offset, offset + length))


def _bare_export(store: Any, instance: Any, name: str) -> Any:
    from wasmtime import _ffi as ffi
    from wasmtime._extern import wrap_extern

    item = ffi.wasmtime_extern_t()
    encoded = name.encode()
    if not ffi.wasmtime_instance_export_get(
        store._context(), byref(instance._instance), encoded, len(encoded), byref(item)
    ):
        raise BenchError(f"missing export {name}")
    return wrap_extern(item)


def _bare_call(context: Any, func: Any, args: Sequence[int]) -> int:
    import wasmtime as wt
    from wasmtime import _ffi as ffi
    from wasmtime._func import enter_wasm

    params = (ffi.wasmtime_val_t * len(args))()
    for index, arg in enumerate(args):
        params[index].kind = 0  # type: ignore[assignment]  # WASMTIME_I32
        params[index].of.i32 = arg
    out = (ffi.wasmtime_val_t * 1)()
    with enter_wasm(context) as trap:
        error = ffi.wasmtime_func_call(
            context._context(), byref(func._func), params, len(args), out, 1, trap
        )
        if error:
            raise wt.WasmtimeError._from_ptr(error)
    return int(out[0].of.i32) & 0xFFFFFFFF


def _check_ok(output: bytes, what: str) -> None:
    result = json.loads(output)
    if not isinstance(result, dict) or "ok" not in result:
        raise BenchError(f"{what}: {output[:200]!r}")


# -- the node: the composed application over LevelDB --------------------------------------------


class NodeChain:
    """The node's composed application on a fresh home (as ``Node`` builds it), block by block."""

    def __init__(self, home: Path) -> None:
        from qorenode.composition import compose
        from qorenode.genesis import load_genesis
        from qorenode.keys import dev_key
        from qorenode.store import Database

        self.genesis = load_genesis()
        self.database = Database(home / "data")
        self.comp = compose(self.database, self.genesis, home / "wasm-cache")
        self.comp.app.start(self.genesis)
        self.key = dev_key(0)
        self.sender = self.key.address
        self._next_nonce: int | None = None

    @property
    def app(self) -> Any:
        return self.comp.app

    @property
    def keeper(self) -> Any:
        return self.comp.wasm.keeper

    def close(self) -> None:
        self.database.close()

    # -- transactions ---------------------------------------------------------------------------

    def sign(self, msgs: list[dict[str, Any]], gas_limit: int = TX_GAS_LIMIT) -> dict[str, Any]:
        from qorenode.native_tx import build_native_tx, sign_native_tx

        if self._next_nonce is None:
            self._next_nonce = self.comp.evm.get_nonce(self.sender)
        body = build_native_tx(
            self.genesis["chain_id"], self.sender, self._next_nonce, msgs, gas_limit=gas_limit
        )
        self._next_nonce += 1
        return sign_native_tx(body, self.key.private_key)

    def admit(self, signed: dict[str, Any]) -> Any:
        pending = self.comp.native.pending_tx(signed)
        self.app.check_tx(pending)
        return pending

    def mine(self, pendings: list[Any]) -> Any:
        notice = self.app.build_block(pendings, self.app.next_timestamp(int(time.time())))
        failed = [r for r in notice.results if not r.success]
        if failed:
            raise BenchError(f"{len(failed)} transactions failed, first: {failed[0].log}")
        return notice

    def run_msg(self, msg: dict[str, Any]) -> Any:
        """One message in one transaction in its own block; its response JSON."""
        notice = self.mine([self.admit(self.sign([msg]))])
        return json.loads(bytes.fromhex(notice.results[0].details["msg_responses"][0]))

    def store(self, name: str) -> int:
        import base64

        msg = {
            "@type": "/cosmwasm.wasm.v1.MsgStoreCode",
            "sender": self.bech32(self.sender),
            "wasm_byte_code": base64.b64encode(wasm_bytes(name)).decode(),
        }
        return int(self.run_msg(msg)["code_id"])

    def instantiate(self, code_id: int, init: Any) -> bytes:
        from qorenode.bech32 import decode

        return decode(self.run_msg(self.instantiate_msg(code_id, init))["address"])

    def instantiate_msg(self, code_id: int, init: Any) -> dict[str, Any]:
        return {
            "@type": "/cosmwasm.wasm.v1.MsgInstantiateContract",
            "sender": self.bech32(self.sender),
            "admin": "",
            "code_id": str(code_id),
            "label": "bench",
            "msg": init,
            "funds": [],
        }

    def execute_msg(self, contract: bytes, msg: bytes) -> dict[str, Any]:
        return {
            "@type": "/cosmwasm.wasm.v1.MsgExecuteContract",
            "sender": self.bech32(self.sender),
            "contract": self.bech32(contract),
            "msg": json.loads(msg),
            "funds": [],
        }

    @staticmethod
    def bech32(raw: bytes) -> str:
        from qorenode.bech32 import encode

        return encode(raw)

    # -- an open block --------------------------------------------------------------------------

    @contextmanager
    def open_block(self) -> Iterator[Any]:
        """The next block begun (every module's ``begin_block``), abandoned on exit."""
        app = self.app
        ctx = app.context(app.height + 1, app.next_timestamp(int(time.time())))
        app.begin_block(ctx)
        try:
            yield ctx
        finally:
            app.abandon_block()

    def exec_ctx(self, block: Any, index: int) -> Any:
        from qorenode.interfaces import GasMeter
        from vms.cosmwasm.keeper import ExecContext

        return ExecContext(replace(block, tx_index=index), GasMeter(MSG_GAS_LIMIT))


def env_json(block: Any, index: int, contract: bytes) -> bytes:
    """The ``Env`` the keeper passes (same shape and sizes), for the bare host."""
    return _json(
        {
            "block": {
                "height": block.height,
                "time": str(block.timestamp * 1_000_000_000),
                "chain_id": block.chain_id,
            },
            "transaction": {"index": index},
            "contract": {"address": NodeChain.bech32(contract)},
        }
    )


def info_json(sender: bytes) -> bytes:
    return _json({"sender": NodeChain.bech32(sender), "funds": []})


# -- the workloads -------------------------------------------------------------------------------


@dataclass
class Contract:
    """One contract on the node and its twin on the bare host, and how to call them."""

    name: str
    code_id: int
    address: bytes
    sender: bytes
    pre: Any  # the bare host's instance-pre
    bare_storage: dict[bytes, bytes]
    init: Any
    messages: Callable[[int, int], list[bytes]]  # (round, n) -> execute messages
    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.samples.setdefault(key, []).append(value)


def counter_messages(round_: int, n: int) -> list[bytes]:
    return [INCREMENT] * n


def cw20_init(sender: bytes) -> dict[str, Any]:
    holder = NodeChain.bech32(sender)
    return {
        "name": "Bench Token",
        "symbol": "BENCH",
        "decimals": 6,
        "initial_balances": [{"address": holder, "amount": str(10**30)}],
        "mint": {"minter": holder},
    }


def cw20_messages(round_: int, n: int) -> list[bytes]:
    """Transfers to fresh random addresses (a new balance key each, as an airdrop writes)."""
    rng = random.Random(round_ * 1_000_003 + n)
    return [
        _json({"transfer": {"recipient": NodeChain.bech32(rng.randbytes(20)), "amount": "1"}})
        for _ in range(n)
    ]


def time_bare_execute(bare: BareHost, contract: Contract, block: Any, msgs: list[bytes]) -> float:
    """Median seconds of one bare ``execute``."""
    info = info_json(contract.sender)
    samples = []
    for index, msg in enumerate(msgs):
        args = [env_json(block, index, contract.address), info, msg]
        start = time.perf_counter()
        output, _ = bare.call(contract.pre, "execute", args, contract.bare_storage)
        samples.append(time.perf_counter() - start)
        _check_ok(output, f"bare {contract.name} execute")
    return statistics.median(samples)


def time_keeper_execute(
    chain: NodeChain, contract: Contract, msgs: list[bytes], profile: cProfile.Profile | None
) -> float:
    """Median seconds of one ``WasmKeeper.execute`` inside an open block."""
    keeper = chain.keeper
    samples = []
    with chain.open_block() as block:
        for index, msg in enumerate(msgs):
            ctx = chain.exec_ctx(block, index)
            if profile is not None:
                profile.enable()
            start = time.perf_counter()
            keeper.execute(ctx, chain.sender, contract.address, msg, 0)
            samples.append(time.perf_counter() - start)
            if profile is not None:
                profile.disable()
    return statistics.median(samples)


def time_native_txs(
    chain: NodeChain, contract: Contract, msgs: list[bytes], block: int
) -> tuple[float, float]:
    """Seconds per transaction: admission (decode, recover, check) + build_block, and admission."""
    signed = [chain.sign([chain.execute_msg(contract.address, msg)]) for msg in msgs]
    admit_seconds = 0.0
    start = time.perf_counter()
    for i in range(0, len(signed), block):
        begin = time.perf_counter()
        pendings = [chain.admit(tx) for tx in signed[i : i + block]]
        admit_seconds += time.perf_counter() - begin
        chain.mine(pendings)
    elapsed = time.perf_counter() - start
    return elapsed / len(msgs), admit_seconds / len(msgs)


def time_instantiates(
    chain: NodeChain, bare: BareHost, contract: Contract, n: int
) -> tuple[float, float, int]:
    """Median seconds of a keeper instantiate and of a bare one, and the SDK gas of one."""
    init = _json(contract.init)
    keeper = chain.keeper
    node_samples, bare_samples, gas_used = [], [], 0
    with chain.open_block() as block:
        info = info_json(chain.sender)
        for index in range(n):
            args = [env_json(block, index, contract.address), info, init]
            storage: dict[bytes, bytes] = {}
            start = time.perf_counter()
            output, _ = bare.call(contract.pre, "instantiate", args, storage)
            bare_samples.append(time.perf_counter() - start)
            _check_ok(output, f"bare {contract.name} instantiate")
            ctx = chain.exec_ctx(block, index)
            start = time.perf_counter()
            keeper.instantiate(ctx, chain.sender, contract.code_id, init, 0, "bench", None)
            node_samples.append(time.perf_counter() - start)
            gas_used = ctx.gas.used
    return statistics.median(node_samples), statistics.median(bare_samples), gas_used


# -- gas ---------------------------------------------------------------------------------------


@dataclass
class GasReport:
    sdk_gas: int  # the keeper's meter for one message
    tx_gas: int  # the native transaction's gas_used (adds the base cost)
    cw_gas: int  # the host call's CosmWasm gas
    host_gas: int  # of which host work (regions, storage, addresses)
    bare_fuel: int  # wasm operations of the same call on the bare host


def measure_gas(chain: NodeChain, bare: BareHost, contract: Contract, msg: bytes) -> GasReport:
    """One message through the keeper (recording its host call), as a native tx, and bare."""
    host = chain.keeper.host
    outcomes: list[Any] = []
    real_call = host.call

    def recording_call(*args: Any, **kwargs: Any) -> Any:
        outcome = real_call(*args, **kwargs)
        outcomes.append(outcome)
        return outcome

    host.call = recording_call  # instance attribute: this measurement only
    try:
        with chain.open_block() as block:
            ctx = chain.exec_ctx(block, 0)
            chain.keeper.execute(ctx, chain.sender, contract.address, msg, 0)
            storage = dict(contract.bare_storage)
            args = [env_json(block, 0, contract.address), info_json(chain.sender), msg]
            _, fuel = bare.call(contract.pre, "execute", args, storage)
    finally:
        del host.call
    (outcome,) = outcomes
    notice = chain.mine([chain.admit(chain.sign([chain.execute_msg(contract.address, msg)]))])
    tx_gas = notice.results[0].gas_used
    return GasReport(ctx.gas.used, tx_gas, outcome.gas_used, outcome.host_gas, fuel)


# -- compile vs cached load ----------------------------------------------------------------------


def time_compile(wasm: bytes, workdir: Path) -> tuple[float, float]:
    """Seconds of ``check_code`` (fresh host, empty cache) and of ``ensure_loaded`` from the disk
    cache by a fresh host over the same cache directory."""
    from vms.cosmwasm.host import WasmHost

    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=workdir))
    compiling = WasmHost(cache)
    start = time.perf_counter()
    analysis = compiling.check_code(wasm)
    compile_seconds = time.perf_counter() - start
    loading = WasmHost(cache)

    def no_source() -> bytes:
        raise BenchError("the module cache was not used")

    start = time.perf_counter()
    loading.ensure_loaded(analysis.checksum, no_source)
    load_seconds = time.perf_counter() - start
    if loading.compilations:
        raise BenchError("ensure_loaded compiled instead of loading the cache")
    shutil.rmtree(cache, ignore_errors=True)
    return compile_seconds, load_seconds


# -- the whole bench -----------------------------------------------------------------------------


def setup(chain: NodeChain, bare: BareHost) -> list[Contract]:
    """Store and instantiate counter and cw20 on the node (real blocks) and on the bare host."""
    contracts = []
    for name, init, messages in (
        ("counter", COUNTER_INIT, counter_messages),
        ("cw20", cw20_init(chain.sender), cw20_messages),
    ):
        code_id = chain.store(name)
        address = chain.instantiate(code_id, init)
        pre = bare.load(wasm_bytes(name))
        contract = Contract(name, code_id, address, chain.sender, pre, {}, init, messages)
        with chain.open_block() as block:
            args = [env_json(block, 0, address), info_json(chain.sender), _json(init)]
        output, _ = bare.call(contract.pre, "instantiate", args, contract.bare_storage)
        _check_ok(output, f"bare {name} instantiate")
        contracts.append(contract)
    return contracts


def run(
    n: int = 200, *, repeat: int = 3, block: int = 200, profile: bool = False
) -> list[Figure | Skipped]:
    """Measure everything; return the figures (ratios to baselines measured in this run)."""
    missing = [name for name in ("counter", "cw20") if not (BUILD / f"{name}.wasm").exists()]
    if missing:
        reason = f"{', '.join(missing)}.wasm not built (python native/cosmwasm/build.py)"
        return [Skipped("cosmwasm", reason)]
    workdir = Path(tempfile.mkdtemp(prefix="qorenode-bench-wasm-"))
    prof = cProfile.Profile() if profile else None
    try:
        chain = NodeChain(workdir / "home")
        try:
            return _run(chain, workdir, n, max(repeat, 1), block, prof)
        finally:
            chain.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if prof is not None:
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(45)
            print(out.getvalue())


def _run(
    chain: NodeChain,
    workdir: Path,
    n: int,
    repeat: int,
    block: int,
    prof: cProfile.Profile | None,
) -> list[Figure | Skipped]:
    bare = BareHost()
    contracts = setup(chain, bare)
    instantiate_n = max(n // 4, 3)
    wasm = wasm_bytes("cw20")
    compile_runs: list[float] = []
    load_runs: list[float] = []
    instantiate_gas: dict[str, int] = {}
    # Untimed warm-up: the first calls in a process are slower (imports, caches, page faults).
    for contract in contracts:
        warm = contract.messages(-1, 5)
        with chain.open_block() as open_block:
            time_bare_execute(bare, contract, open_block, warm)
        time_keeper_execute(chain, contract, warm, None)
    for round_ in range(repeat):
        for contract in contracts:
            msgs = contract.messages(round_, n)
            with chain.open_block() as open_block:
                contract.add("bare", time_bare_execute(bare, contract, open_block, msgs))
            contract.add("node", time_keeper_execute(chain, contract, msgs, prof))
            per_tx, admit = time_native_txs(chain, contract, msgs, block)
            contract.add("tx", per_tx)
            contract.add("admit", admit)
            node_i, bare_i, gas_i = time_instantiates(chain, bare, contract, instantiate_n)
            contract.add("inst_node", node_i)
            contract.add("inst_bare", bare_i)
            instantiate_gas[contract.name] = gas_i
        compile_s, load_s = time_compile(wasm, workdir)
        compile_runs.append(compile_s)
        load_runs.append(load_s)

    rounds = f"median of {repeat} rounds" if repeat > 1 else "1 round"
    figures: list[Figure | Skipped] = []
    for contract, what in zip(contracts, ("increment", "transfer"), strict=True):
        s = contract.samples
        node_us = _median_us(s["node"])
        bare_us = _median_us(s["bare"])
        ratio = node_us / bare_us
        figures.append(
            Figure(
                f"cosmwasm.execute_{contract.name}",
                node_us,
                "us/call",
                baseline=bare_us,
                baseline_label="bare wasmtime",
                ratio=ratio,
                target=f"<= {EXECUTE_TARGET}",
                met=ratio <= EXECUTE_TARGET,
                note=f"{what} via WasmKeeper.execute in an open block; median per call, n={n}, "
                f"{rounds} ({spread_us(s['node'])} us)",
            )
        )
    for contract in contracts:
        s = contract.samples
        tx_us = _median_us(s["tx"])
        node_us = _median_us(s["node"])
        figures.append(
            Figure(
                f"cosmwasm.native_tx_{contract.name}",
                tx_us,
                "us/tx",
                baseline=node_us,
                baseline_label="keeper execute",
                ratio=tx_us / node_us,
                target="none (for the record)",
                note=f"signed tx: admission {_median_us(s['admit']):.0f} us + build_block, "
                f"blocks of {block}, n={n}, {rounds}",
            )
        )
    compile_ms = statistics.median(compile_runs) * 1e3
    load_ms = statistics.median(load_runs) * 1e3
    figures.append(
        Figure(
            "cosmwasm.cached_load_cw20",
            load_ms,
            "ms",
            baseline=compile_ms,
            baseline_label="check_code (compile)",
            ratio=load_ms / compile_ms,
            target="none (for the record)",
            note=f"ensure_loaded from the disk cache in a fresh WasmHost, "
            f"{compile_ms / load_ms:.0f}x faster (ratio {load_ms / compile_ms:.4f}); cw20.wasm "
            f"{len(wasm):,} bytes; {rounds}",
        )
    )
    for contract in contracts:
        s = contract.samples
        node_us = _median_us(s["inst_node"])
        bare_us = _median_us(s["inst_bare"])
        figures.append(
            Figure(
                f"cosmwasm.instantiate_{contract.name}",
                node_us,
                "us",
                baseline=bare_us,
                baseline_label="bare wasmtime",
                ratio=node_us / bare_us,
                target="none (for the record)",
                note=f"WasmKeeper.instantiate, {instantiate_gas[contract.name]:,} SDK gas each; "
                f"median of {instantiate_n} per round, {rounds}",
                extra={"sdk_gas": instantiate_gas[contract.name]},
            )
        )
    for contract in contracts:
        msg = contract.messages(10**6, 1)[0]  # a round of its own: a fresh cw20 recipient
        figures.append(_gas_figure(contract.name, measure_gas(chain, bare, contract, msg)))
    return figures


def _gas_figure(name: str, g: GasReport) -> Figure:
    from vms.cosmwasm import gas

    wasm_cw = g.cw_gas - g.host_gas
    call_sdk = gas.cw_to_sdk(g.cw_gas)
    events_sdk = g.sdk_gas - gas.INSTANCE_COST_SDK - call_sdk
    label = {"counter": "counter increment", "cw20": "cw20 transfer"}[name]
    return Figure(
        f"cosmwasm.gas_{name}",
        g.sdk_gas,
        "SDK gas",
        target="none (for the record)",
        note=f"{label} = {gas.INSTANCE_COST_SDK:,} instance + {call_sdk:,} host call + "
        f"{events_sdk:,} events (tx gas_used {g.tx_gas:,} with the tx base cost); host call "
        f"{g.cw_gas:,} CosmWasm gas: wasm {wasm_cw:,} ({wasm_cw // gas.GAS_PER_FUEL:,} "
        f"operations, bare host fuel {g.bare_fuel:,}; {100 * wasm_cw / g.cw_gas:.4f} %), "
        f"host work {g.host_gas:,}",
        extra={
            "sdk_gas": g.sdk_gas,
            "tx_gas": g.tx_gas,
            "cw_gas": g.cw_gas,
            "host_gas": g.host_gas,
            "wasm_gas": wasm_cw,
            "bare_fuel": g.bare_fuel,
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cosmwasm", description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="calls per figure per round (200)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--block", type=int, default=200, help="native txs per block (200)")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the keeper execute path, print hotspots"
    )
    args = parser.parse_args(argv)
    report(run(args.n, repeat=args.repeat, block=args.block, profile=args.profile))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
