"""The CosmWasm host on wasmtime: store-time checks, the module cache, the region ABI, the imports.

One ``WasmHost`` per node. ``check_code`` validates and compiles a contract when it is stored;
``call`` runs one export of one contract instance against a ``CallEnv`` (the contract's storage,
the chain querier, read-only or not) with a budget in CosmWasm gas, and returns what the export
returned with the gas it used. Every call gets a fresh wasmtime store (fresh memory), as
cosmwasm-vm gives every call a fresh instance.

Which errors a contract sees follows cosmwasm-vm: a failed signature check or an invalid address is
a value returned to the contract; a broken region, a write in a query, out of gas or a trap ends
the call with a ``VmError`` (the keeper turns that into the message's failure).
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
from collections.abc import Callable, Iterator, Sequence
from ctypes import byref, c_uint64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wasmtime as wt
from wasmtime import _ffi as ffi
from wasmtime._extern import wrap_extern
from wasmtime._func import enter_wasm

from qorenode import bech32
from qorenode.interfaces import KVStore, NodeError
from vms.cosmwasm import crypto, gas

log = logging.getLogger(__name__)

WASMTIME_VERSION = "50.0.1"

MAX_WASM_SIZE = 800 * 1024  # wasmd MaxWasmSize
MEMORY_LIMIT = 32 * 1024 * 1024  # per instance, as wasmvm configures cosmwasm-vm
MAX_INITIAL_PAGES = MEMORY_LIMIT // 65536
MAX_IMPORTS = 100
MAX_FUNCTIONS = 20_000
MAX_WASM_STACK = 512 * 1024
# Wasm operations (fuel) one call may run, whatever its gas: about a second here. wasmd prices wasm
# so low (one SDK gas buys ~437,000 operations) that gas alone would let a loop run for an hour.
MAX_CALL_OPERATIONS = 1_500_000_000

# Region read limits (cosmwasm-vm imports.rs).
MAX_LENGTH_DB_KEY = 64 * 1024
MAX_LENGTH_DB_VALUE = 128 * 1024
MAX_LENGTH_CANONICAL_ADDRESS = 64
MAX_LENGTH_HUMAN_ADDRESS = 256
MAX_LENGTH_QUERY_CHAIN_REQUEST = 64 * 1024
MAX_LENGTH_DEBUG = 2 * 1024 * 1024
MAX_LENGTH_ABORT = 2 * 1024 * 1024
MAX_LENGTH_HASH = 32
MAX_LENGTH_SIGNATURE = 64
MAX_LENGTH_PUBKEY = 65
MAX_LENGTH_ED25519_MESSAGE = 128 * 1024
MAX_LENGTH_BLS_POINTS = 2 * 1024 * 1024
MAX_LENGTH_BLS_DST = 5 * 1024
MAX_LENGTH_BLS_MESSAGE = 5 * 1024 * 1024
# What an entry point may return (a Response with its messages and events, as JSON).
MAX_RESULT_LENGTH = 4 * 1024 * 1024

SUPPORTED_CAPABILITIES = frozenset(
    {"iterator", "stargate"}
    | {f"cosmwasm_1_{minor}" for minor in range(1, 5)}
    | {f"cosmwasm_2_{minor}" for minor in range(0, 3)}
)
ENTRY_POINTS = ("instantiate", "execute", "query", "migrate", "sudo", "reply")
_ENTRY_ARITY = {
    "instantiate": (3,),
    "execute": (3,),
    "query": (2,),
    "migrate": (2, 3),
    "sudo": (2,),
    "reply": (2,),
}

_I32 = wt.ValType.i32()
_I64 = wt.ValType.i64()

# name: (number of i32 params, result type or None)
IMPORTS: dict[str, tuple[int, wt.ValType | None]] = {
    "db_read": (1, _I32),
    "db_write": (2, None),
    "db_remove": (1, None),
    "db_scan": (3, _I32),
    "db_next": (1, _I32),
    "db_next_key": (1, _I32),
    "db_next_value": (1, _I32),
    "addr_validate": (1, _I32),
    "addr_canonicalize": (2, _I32),
    "addr_humanize": (2, _I32),
    "secp256k1_verify": (3, _I32),
    "secp256k1_recover_pubkey": (3, _I64),
    "secp256r1_verify": (3, _I32),
    "secp256r1_recover_pubkey": (3, _I64),
    "ed25519_verify": (3, _I32),
    "ed25519_batch_verify": (3, _I32),
    "bls12_381_aggregate_g1": (2, _I32),
    "bls12_381_aggregate_g2": (2, _I32),
    "bls12_381_pairing_equality": (4, _I32),
    "bls12_381_hash_to_g1": (4, _I32),
    "bls12_381_hash_to_g2": (4, _I32),
    "debug": (1, None),
    "abort": (1, None),
    "query_chain": (1, _I32),
}


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class CodeRejected(Exception):
    """Stored code failed a store-time check; the message says which."""


class VmError(Exception):
    """A call that ended without a contract result; ``gas_used`` is what it burnt (CosmWasm gas)."""

    def __init__(self, message: str, gas_used: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.gas_used = gas_used


class OutOfGasError(VmError):
    """The call's budget ran out (in wasm or in the host)."""


class ContractAborted(VmError):
    """The contract called ``abort`` (a Rust panic in cosmwasm-std) or hit a trap."""


class HostFunctionError(VmError):
    """The contract broke the host ABI: a bad region, a write in a query, a bad iterator."""


class ComputeLimitExceeded(VmError):
    """The call ran more wasm operations than one call may (a guard, not gas: wasmd's gas prices
    make wasm compute so cheap that a loop with an ordinary gas limit runs for many minutes)."""


# ---------------------------------------------------------------------------------------------
# What a call runs against
# ---------------------------------------------------------------------------------------------


# The chain as a contract queries it: (QueryRequest JSON, gas limit) -> (SystemResult JSON, gas
# used), in CosmWasm gas; like every backend call, it returns its gas with its result.
Querier = Callable[[bytes, int], tuple[bytes, int]]


@dataclass
class CallEnv:
    """One contract call's backend: its own storage (already in its cache layer) and the querier."""

    storage: KVStore
    querier: Querier
    readonly: bool
    debug_log: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CallOutcome:
    """What an export returned (JSON bytes), and the CosmWasm gas the call used, in and out of wasm."""

    output: bytes
    gas_used: int
    host_gas: int
    debug_log: tuple[str, ...]


@dataclass(frozen=True)
class CodeAnalysis:
    """What the store-time check learnt of a module."""

    checksum: bytes
    entry_points: frozenset[str]
    capabilities: frozenset[str]
    migrate_takes_info: bool


# ---------------------------------------------------------------------------------------------
# Low-level wasmtime helpers (the public Instance.exports() and Func.__call__ cost tens of µs)
# ---------------------------------------------------------------------------------------------


def _export(store: wt.Store, instance: wt.Instance, name: str) -> Any:
    item = ffi.wasmtime_extern_t()
    encoded = name.encode()
    found = ffi.wasmtime_instance_export_get(
        store._context(), byref(instance._instance), encoded, len(encoded), byref(item)
    )
    if not found:
        raise HostFunctionError(f"missing export {name}")
    return wrap_extern(item)


def _call_i32(store: Any, func: Any, args: Sequence[int], results: int) -> int:
    params = (ffi.wasmtime_val_t * max(len(args), 1))()
    for index, arg in enumerate(args):
        params[index].kind = 0  # type: ignore[assignment]  # WASMTIME_I32
        params[index].of.i32 = arg
    out = (ffi.wasmtime_val_t * max(results, 1))()
    with enter_wasm(store) as trap:
        error = ffi.wasmtime_func_call(
            store._context(), byref(func._func), params, len(args), out, results, trap
        )
        if error:
            raise wt.WasmtimeError._from_ptr(error)
    return int(out[0].of.i32) & 0xFFFFFFFF if results else 0


def _fuel_left(store: Any) -> int:
    left = c_uint64(0)
    ffi.wasmtime_context_get_fuel(store._context(), byref(left))
    return int(left.value)


def _set_fuel(store: Any, fuel: int) -> None:
    ffi.wasmtime_context_set_fuel(store._context(), fuel)


# ---------------------------------------------------------------------------------------------
# One call's live state
# ---------------------------------------------------------------------------------------------


class _Call:
    """A running instance: its store, memory and allocator, the env, its iterators, its gas.

    Two budgets, both in fuel: ``gas_fuel`` (the call's gas; wasm operations and host work both
    spend it) and ``compute_fuel`` (wasm operations only: the devnet's compute limit). wasmtime is
    armed with the smaller; every host call first settles what wasm spent since the last one.
    """

    def __init__(self, store: wt.Store, env: CallEnv, gas_fuel: int, compute_fuel: int) -> None:
        self.store = store
        self.env = env
        self.fuel_limit = gas_fuel
        self.gas_fuel = gas_fuel
        self.compute_fuel = compute_fuel
        self._armed = 0
        self.memory: Any = None
        self.allocate: Any = None
        self.iterators: list[Iterator[tuple[bytes, bytes]]] = []
        self.host_gas = 0
        self._arm(store)

    def _arm(self, context: Any) -> None:
        self._armed = max(min(self.gas_fuel, self.compute_fuel), 0)
        _set_fuel(context, self._armed)

    def settle(self, context: Any) -> None:
        """Account the fuel wasm spent since the last settlement."""
        spent = self._armed - _fuel_left(context)
        self.gas_fuel -= spent
        self.compute_fuel -= spent
        self._armed -= spent

    def burn(self, context: Any, cw_gas: int) -> None:
        """Charge host-side work to the call's gas; running out ends the call."""
        self.settle(context)
        fuel = -(-cw_gas // gas.GAS_PER_FUEL)
        self.host_gas += cw_gas
        if fuel > self.gas_fuel:
            self.gas_fuel = 0
            self._arm(context)
            raise OutOfGasError("out of gas")
        self.gas_fuel -= fuel
        self._arm(context)

    def gas_left(self, context: Any) -> int:
        self.settle(context)
        return self.gas_fuel * gas.GAS_PER_FUEL

    @property
    def gas_used(self) -> int:
        return (self.fuel_limit - self.gas_fuel) * gas.GAS_PER_FUEL

    # -- regions --------------------------------------------------------------------------------

    def read_region(self, context: Any, pointer: int, max_length: int) -> bytes:
        data = self._read(context, pointer, max_length)
        self.burn(context, gas.HOST_CALL + gas.read_region_cost(len(data)))
        return data

    def _read(self, context: Any, pointer: int, max_length: int) -> bytes:
        offset, capacity, length = self._region(context, pointer)
        if length > capacity:
            raise HostFunctionError(f"region length {length} exceeds capacity {capacity}")
        if length > max_length:
            raise HostFunctionError(f"region length {length} exceeds limit {max_length}")
        try:
            return bytes(self.memory.read(context, offset, offset + length))
        except (IndexError, wt.WasmtimeError) as exc:
            raise HostFunctionError(f"region out of bounds: {exc}") from None

    def _region(self, context: Any, pointer: int) -> tuple[int, int, int]:
        if pointer == 0:
            raise HostFunctionError("null region pointer")
        try:
            raw = bytes(self.memory.read(context, pointer, pointer + 12))
        except (IndexError, wt.WasmtimeError) as exc:
            raise HostFunctionError(f"region pointer out of bounds: {exc}") from None
        offset, capacity, length = struct.unpack("<III", raw)
        if offset + capacity > 0xFFFFFFFF:
            raise HostFunctionError("region wraps around memory")
        return offset, capacity, length

    def write_into(self, context: Any, pointer: int, data: bytes) -> None:
        """Write ``data`` into the contract-owned region at ``pointer``."""
        offset, capacity, _ = self._region(context, pointer)
        if len(data) > capacity:
            raise HostFunctionError(f"region too small: {capacity} < {len(data)}")
        try:
            self.memory.write(context, data, offset)
            self.memory.write(context, struct.pack("<I", len(data)), pointer + 8)
        except (IndexError, wt.WasmtimeError) as exc:
            raise HostFunctionError(f"region out of bounds: {exc}") from None

    def allocate_and_write(self, context: Any, data: bytes, charge: bool = True) -> int:
        """Ask the contract to allocate a region, fill it, return its pointer."""
        if charge:
            self.burn(context, gas.WRITE_REGION.total(len(data)))
        pointer = _call_i32(context, self.allocate, [len(data)], 1)
        self.write_into(context, pointer, data)
        return pointer


# ---------------------------------------------------------------------------------------------
# The host
# ---------------------------------------------------------------------------------------------


@dataclass
class _Compiled:
    module: wt.Module
    pre: Any  # wasmtime InstancePre
    analysis: CodeAnalysis


class WasmHost:
    """The wasmtime engine, its linker with every CosmWasm import, and the module cache."""

    def __init__(
        self,
        cache_dir: Path | None,
        bech32_prefix: str = bech32.HRP,
        max_call_operations: int = MAX_CALL_OPERATIONS,
    ) -> None:
        config = wt.Config()
        config.consume_fuel = True
        config.cranelift_nan_canonicalization = True
        config.wasm_threads = False
        config.wasm_memory64 = False
        config.wasm_multi_memory = False
        config.wasm_relaxed_simd = False
        config.max_wasm_stack = MAX_WASM_STACK
        config.parallel_compilation = False
        self.engine = wt.Engine(config)
        self.config_key = hashlib.sha256(
            json.dumps(
                {
                    "wasmtime": WASMTIME_VERSION,
                    "fuel": True,
                    "nan_canonicalization": True,
                    "features": "-threads -memory64 -multi_memory -relaxed_simd",
                    "max_wasm_stack": MAX_WASM_STACK,
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()[:16]
        self.cache_dir = (
            cache_dir / f"wasmtime-{WASMTIME_VERSION}-{self.config_key}" if cache_dir else None
        )
        if self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.prefix = bech32_prefix
        self.max_call_operations = max_call_operations
        self._compiled: dict[bytes, _Compiled] = {}
        self._calls: list[_Call] = []
        self.compilations = 0  # modules compiled from wasm (not loaded from the cache)
        self.linker = wt.Linker(self.engine)
        for name, handler in self._import_handlers().items():
            param_count, result = IMPORTS[name]
            func_type = wt.FuncType([_I32] * param_count, [result] if result else [])
            self.linker.define_func("env", name, func_type, handler, access_caller=True)

    # -- store time -----------------------------------------------------------------------------

    def check_code(self, wasm: bytes) -> CodeAnalysis:
        """Validate and compile ``wasm`` (store time); the compiled module joins the cache."""
        if not wasm:
            raise CodeRejected("empty wasm code")
        if len(wasm) > MAX_WASM_SIZE:
            raise CodeRejected(f"wasm code is {len(wasm)} bytes, over the limit of {MAX_WASM_SIZE}")
        if wasm[:4] != b"\x00asm":
            raise CodeRejected("not a wasm binary (bad magic number)")
        checksum = hashlib.sha256(wasm).digest()
        try:
            module = wt.Module(self.engine, wasm)
        except wt.WasmtimeError as exc:
            raise CodeRejected(f"invalid wasm: {_first_line(str(exc))}") from None
        self.compilations += 1
        analysis = analyze_module(module, checksum)
        self._remember(checksum, module, analysis)
        self._write_cache(checksum, module)
        return analysis

    def ensure_loaded(self, checksum: bytes, wasm_source: Callable[[], bytes]) -> CodeAnalysis:
        """The compiled code for ``checksum``: from memory, from the disk cache, or compiled."""
        compiled = self._compiled.get(checksum)
        if compiled is not None:
            return compiled.analysis
        module = self._read_cache(checksum)
        if module is None:
            wasm = wasm_source()
            if hashlib.sha256(wasm).digest() != checksum:
                raise CodeRejected("stored wasm does not match its checksum")
            module = wt.Module(self.engine, wasm)
            self.compilations += 1
            self._write_cache(checksum, module)
        analysis = analyze_module(module, checksum)
        self._remember(checksum, module, analysis)
        return analysis

    def _remember(self, checksum: bytes, module: wt.Module, analysis: CodeAnalysis) -> None:
        self._compiled[checksum] = _Compiled(module, self.linker.instantiate_pre(module), analysis)

    def _cache_path(self, checksum: bytes) -> Path | None:
        return self.cache_dir / f"{checksum.hex()}.module" if self.cache_dir else None

    def _write_cache(self, checksum: bytes, module: wt.Module) -> None:
        path = self._cache_path(checksum)
        if path is None or path.exists():
            return
        serialized = bytes(module.serialize())
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(hashlib.sha256(serialized).digest() + serialized)
        tmp.replace(path)

    def _read_cache(self, checksum: bytes) -> wt.Module | None:
        path = self._cache_path(checksum)
        if path is None or not path.exists():
            return None
        blob = path.read_bytes()
        digest, serialized = blob[:32], blob[32:]
        if hashlib.sha256(serialized).digest() != digest:
            log.warning("discarding corrupt module cache entry %s", path.name)
            path.unlink(missing_ok=True)
            return None
        try:
            return wt.Module.deserialize(self.engine, serialized)
        except wt.WasmtimeError:
            log.warning("discarding unloadable module cache entry %s", path.name)
            path.unlink(missing_ok=True)
            return None

    # -- calls ----------------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        return len(self._calls)

    def call(
        self, checksum: bytes, entry_point: str, args: Sequence[bytes], env: CallEnv, gas_limit: int
    ) -> CallOutcome:
        """Run ``entry_point`` of a fresh instance of ``checksum`` with ``gas_limit`` CosmWasm gas.

        Returns the export's JSON output with the gas used; raises a ``VmError`` (carrying the gas
        used) when the call ends without a result. The code must be loaded (``ensure_loaded``).
        """
        compiled = self._compiled[checksum]
        if entry_point not in compiled.analysis.entry_points:
            raise HostFunctionError(f"the contract has no {entry_point} entry point")
        store = wt.Store(self.engine)
        store.set_limits(memory_size=MEMORY_LIMIT, table_elements=100_000, instances=1)
        call = _Call(store, env, max(gas_limit // gas.GAS_PER_FUEL, 0), self.max_call_operations)
        self._calls.append(call)
        try:
            try:
                instance = compiled.pre.instantiate(store)
                call.memory = _export(store, instance, "memory")
                call.allocate = _export(store, instance, "allocate")
                pointers = [call.allocate_and_write(store, arg, charge=False) for arg in args]
                result_pointer = _call_i32(
                    store, _export(store, instance, entry_point), pointers, 1
                )
                output = call._read(store, result_pointer, MAX_RESULT_LENGTH)
            except VmError as exc:
                exc.gas_used = self._used(call)
                raise
            except wt.Trap as trap:
                raise self._trap_error(trap, call) from None
            except wt.WasmtimeError as exc:
                # Instantiation failures (memory over the limit at start) and host errors.
                raise ContractAborted(
                    f"wasm error: {_first_line(str(exc))}", self._used(call)
                ) from None
            except NodeError:
                raise  # the keeper's own errors from a nested call keep their code
            except Exception as exc:
                # A host function failed on input we did not foresee: the contract's call fails,
                # the chain goes on, and the log keeps the details.
                log.exception("host function failed during %s", entry_point)
                raise HostFunctionError(f"host function error: {exc!r}", self._used(call)) from None
        finally:
            self._calls.pop()
        return CallOutcome(output, self._used(call), call.host_gas, tuple(env.debug_log))

    @staticmethod
    def _used(call: _Call) -> int:
        call.settle(call.store)
        return call.gas_used

    def _trap_error(self, trap: wt.Trap, call: _Call) -> VmError:
        used = self._used(call)
        if trap.trap_code == wt.TrapCode.OUT_OF_FUEL:
            if call.gas_fuel <= 0:
                return OutOfGasError("out of gas", used)
            return ComputeLimitExceeded(
                f"compute limit exceeded: over {self.max_call_operations:,} wasm operations in one"
                " call (the devnet's guard against endless loops)",
                used,
            )
        code = trap.trap_code.name.lower().replace("_", " ") if trap.trap_code else "trap"
        return ContractAborted(f"wasm trap: {code}", used)

    # -- imports --------------------------------------------------------------------------------

    def _current(self) -> _Call:
        return self._calls[-1]

    def _import_handlers(self) -> dict[str, Callable[..., Any]]:
        host = self
        current = self._current

        def db_read(c: Any, key_ptr: int) -> int:
            call = current()
            key = call.read_region(c, key_ptr, MAX_LENGTH_DB_KEY)
            value = call.env.storage.get(key)
            call.burn(c, gas.kv_read_cost(key, value))
            if value is None:
                return 0
            return call.allocate_and_write(c, value)

        def db_write(c: Any, key_ptr: int, value_ptr: int) -> None:
            call = current()
            if call.env.readonly:
                raise HostFunctionError("write access denied: storage is read-only in a query")
            key = call.read_region(c, key_ptr, MAX_LENGTH_DB_KEY)
            value = call.read_region(c, value_ptr, MAX_LENGTH_DB_VALUE)
            call.burn(c, gas.kv_write_cost(key, value))
            call.env.storage.set(key, value)

        def db_remove(c: Any, key_ptr: int) -> None:
            call = current()
            if call.env.readonly:
                raise HostFunctionError("write access denied: storage is read-only in a query")
            key = call.read_region(c, key_ptr, MAX_LENGTH_DB_KEY)
            call.burn(c, gas.kv_delete_cost())
            call.env.storage.delete(key)

        def db_scan(c: Any, start_ptr: int, end_ptr: int, order: int) -> int:
            call = current()
            start = call.read_region(c, start_ptr, MAX_LENGTH_DB_KEY) if start_ptr else b""
            end = call.read_region(c, end_ptr, MAX_LENGTH_DB_KEY) if end_ptr else None
            if order not in (1, 2):
                raise HostFunctionError(f"invalid iteration order {order}")
            call.burn(c, gas.HOST_CALL)
            if end is not None and end <= start:
                call.iterators.append(iter(()))
            else:
                call.iterators.append(call.env.storage.iterate(start, end, reverse=order == 2))
            return len(call.iterators)  # ids start at 1

        def next_item(c: Any, iterator_id: int) -> tuple[bytes, bytes] | None:
            call = current()
            call.burn(c, gas.HOST_CALL)
            if not 1 <= iterator_id <= len(call.iterators):
                raise HostFunctionError(f"iterator {iterator_id} does not exist")
            item = next(call.iterators[iterator_id - 1], None)
            if item is None:
                call.burn(c, gas.sdk_to_cw(gas.KV_ITER_NEXT_FLAT_SDK))
                return None
            call.burn(c, gas.kv_next_cost(*item))
            return item

        def db_next(c: Any, iterator_id: int) -> int:
            item = next_item(c, iterator_id) or (b"", b"")
            return current().allocate_and_write(c, crypto.encode_sections(item))

        def db_next_key(c: Any, iterator_id: int) -> int:
            item = next_item(c, iterator_id)
            return 0 if item is None else current().allocate_and_write(c, item[0])

        def db_next_value(c: Any, iterator_id: int) -> int:
            item = next_item(c, iterator_id)
            return 0 if item is None else current().allocate_and_write(c, item[1])

        def error_to_contract(c: Any, message: str) -> int:
            return current().allocate_and_write(c, message.encode())

        def addr_validate(c: Any, source_ptr: int) -> int:
            call = current()
            source = call.read_region(c, source_ptr, MAX_LENGTH_HUMAN_ADDRESS)
            call.burn(c, gas.STRING_FROM_BYTES.total(len(source)))
            call.burn(c, gas.sdk_to_cw(gas.VALIDATE_ADDRESS_SDK))
            if not source:
                return error_to_contract(c, "Input is empty")
            try:
                text = source.decode()
                host._canonicalize(text)
            except (UnicodeDecodeError, ValueError) as exc:
                return error_to_contract(c, f"Invalid input: {exc}")
            if text != text.lower():  # bech32 decodes upper case too; cosmwasm wants it normalised
                return error_to_contract(c, "Invalid input: address not normalized")
            return 0

        def addr_canonicalize(c: Any, source_ptr: int, destination_ptr: int) -> int:
            call = current()
            source = call.read_region(c, source_ptr, MAX_LENGTH_HUMAN_ADDRESS)
            call.burn(c, gas.STRING_FROM_BYTES.total(len(source)))
            call.burn(c, gas.sdk_to_cw(gas.CANONICALIZE_ADDRESS_SDK))
            if not source:
                return error_to_contract(c, "Input is empty")
            try:
                raw = host._canonicalize(source.decode())
            except (UnicodeDecodeError, ValueError) as exc:
                return error_to_contract(c, f"Invalid input: {exc}")
            call.burn(c, gas.WRITE_REGION.total(len(raw)))
            call.write_into(c, destination_ptr, raw)
            return 0

        def addr_humanize(c: Any, source_ptr: int, destination_ptr: int) -> int:
            call = current()
            raw = call.read_region(c, source_ptr, MAX_LENGTH_CANONICAL_ADDRESS)
            call.burn(c, gas.sdk_to_cw(gas.HUMANIZE_ADDRESS_SDK))
            if not raw or len(raw) > 64:
                return error_to_contract(c, "Invalid input: canonical address length not correct")
            human = bech32.encode(raw, host.prefix).encode()
            call.burn(c, gas.WRITE_REGION.total(len(human)))
            call.write_into(c, destination_ptr, human)
            return 0

        def verify_result(c: Any, check: Callable[[], bool]) -> int:
            try:
                return 0 if check() else 1
            except crypto.CryptoError as exc:
                return exc.code

        def secp256k1_verify(c: Any, hash_ptr: int, sig_ptr: int, pubkey_ptr: int) -> int:
            call = current()
            message_hash = call.read_region(c, hash_ptr, MAX_LENGTH_HASH)
            signature = call.read_region(c, sig_ptr, MAX_LENGTH_SIGNATURE)
            pubkey = call.read_region(c, pubkey_ptr, MAX_LENGTH_PUBKEY)
            call.burn(c, gas.SECP256K1_VERIFY)
            return verify_result(
                c, lambda: crypto.secp256k1_verify(message_hash, signature, pubkey)
            )

        def secp256r1_verify(c: Any, hash_ptr: int, sig_ptr: int, pubkey_ptr: int) -> int:
            call = current()
            message_hash = call.read_region(c, hash_ptr, MAX_LENGTH_HASH)
            signature = call.read_region(c, sig_ptr, MAX_LENGTH_SIGNATURE)
            pubkey = call.read_region(c, pubkey_ptr, MAX_LENGTH_PUBKEY)
            call.burn(c, gas.SECP256R1_VERIFY)
            return verify_result(
                c, lambda: crypto.secp256r1_verify(message_hash, signature, pubkey)
            )

        def recover(
            c: Any,
            hash_ptr: int,
            sig_ptr: int,
            param: int,
            cost: int,
            fn: Callable[[bytes, bytes, int], bytes],
        ) -> int:
            call = current()
            message_hash = call.read_region(c, hash_ptr, MAX_LENGTH_HASH)
            signature = call.read_region(c, sig_ptr, MAX_LENGTH_SIGNATURE)
            call.burn(c, cost)
            try:
                pubkey = fn(message_hash, signature, param & 0xFFFFFFFF)
            except crypto.CryptoError as exc:
                return exc.code << 32
            return call.allocate_and_write(c, pubkey)

        def secp256k1_recover_pubkey(c: Any, hash_ptr: int, sig_ptr: int, param: int) -> int:
            return recover(
                c, hash_ptr, sig_ptr, param, gas.SECP256K1_RECOVER_PUBKEY,
                crypto.secp256k1_recover_pubkey,
            )  # fmt: skip

        def secp256r1_recover_pubkey(c: Any, hash_ptr: int, sig_ptr: int, param: int) -> int:
            return recover(
                c, hash_ptr, sig_ptr, param, gas.SECP256R1_RECOVER_PUBKEY,
                crypto.secp256r1_recover_pubkey,
            )  # fmt: skip

        def ed25519_verify(c: Any, msg_ptr: int, sig_ptr: int, pubkey_ptr: int) -> int:
            call = current()
            message = call.read_region(c, msg_ptr, MAX_LENGTH_ED25519_MESSAGE)
            signature = call.read_region(c, sig_ptr, MAX_LENGTH_SIGNATURE)
            pubkey = call.read_region(c, pubkey_ptr, 32)
            call.burn(c, gas.ED25519_VERIFY)
            return verify_result(c, lambda: crypto.ed25519_verify(message, signature, pubkey))

        def ed25519_batch_verify(c: Any, msgs_ptr: int, sigs_ptr: int, pubkeys_ptr: int) -> int:
            call = current()
            regions = (
                (msgs_ptr, crypto.MAX_LENGTH_ED25519_BATCH_MESSAGES),
                (sigs_ptr, crypto.MAX_LENGTH_ED25519_BATCH_SIGNATURES),
                (pubkeys_ptr, crypto.MAX_LENGTH_ED25519_BATCH_PUBKEYS),
            )
            try:
                messages, signatures, pubkeys = (
                    crypto.decode_sections(call.read_region(c, pointer, limit))
                    for pointer, limit in regions
                )
            except crypto.SectionsError as exc:
                raise HostFunctionError(f"ed25519_batch_verify: {exc}") from None
            cost = (
                gas.ED25519_BATCH_VERIFY_ONE_PUBKEY
                if len(pubkeys) == 1
                else gas.ED25519_BATCH_VERIFY
            )
            call.burn(c, cost.total(len(signatures)))
            return verify_result(
                c, lambda: crypto.ed25519_batch_verify(messages, signatures, pubkeys)
            )

        def bls_aggregate(
            c: Any,
            points_ptr: int,
            out_ptr: int,
            point_size: int,
            cost: gas.LinearCost,
            fn: Callable[[bytes], bytes],
        ) -> int:
            call = current()
            points = call.read_region(c, points_ptr, MAX_LENGTH_BLS_POINTS)
            call.burn(c, cost.total(len(points) // point_size))
            try:
                result = fn(points)
            except crypto.CryptoError as exc:
                return exc.code
            call.write_into(c, out_ptr, result)
            return 0

        def bls12_381_aggregate_g1(c: Any, points_ptr: int, out_ptr: int) -> int:
            return bls_aggregate(
                c, points_ptr, out_ptr, 48, gas.BLS12_381_AGGREGATE_G1,
                crypto.bls12_381_aggregate_g1,
            )  # fmt: skip

        def bls12_381_aggregate_g2(c: Any, points_ptr: int, out_ptr: int) -> int:
            return bls_aggregate(
                c, points_ptr, out_ptr, 96, gas.BLS12_381_AGGREGATE_G2,
                crypto.bls12_381_aggregate_g2,
            )  # fmt: skip

        def bls12_381_pairing_equality(
            c: Any, ps_ptr: int, qs_ptr: int, r_ptr: int, s_ptr: int
        ) -> int:
            call = current()
            ps = call.read_region(c, ps_ptr, MAX_LENGTH_BLS_POINTS)
            qs = call.read_region(c, qs_ptr, MAX_LENGTH_BLS_POINTS)
            r = call.read_region(c, r_ptr, 48)
            s = call.read_region(c, s_ptr, 96)
            call.burn(c, gas.BLS12_381_PAIRING_EQUALITY.total(len(ps) // 48 + 1))
            return verify_result(c, lambda: crypto.bls12_381_pairing_equality(ps, qs, r, s))

        def bls_hash(
            c: Any,
            hash_function: int,
            msg_ptr: int,
            dst_ptr: int,
            out_ptr: int,
            cost: int,
            fn: Callable[[int, bytes, bytes], bytes],
        ) -> int:
            call = current()
            message = call.read_region(c, msg_ptr, MAX_LENGTH_BLS_MESSAGE)
            dst = call.read_region(c, dst_ptr, MAX_LENGTH_BLS_DST)
            call.burn(c, cost)
            try:
                point = fn(hash_function, message, dst)
            except crypto.CryptoError as exc:
                return exc.code
            call.write_into(c, out_ptr, point)
            return 0

        def bls12_381_hash_to_g1(
            c: Any, hash_fn: int, msg_ptr: int, dst_ptr: int, out_ptr: int
        ) -> int:
            return bls_hash(
                c, hash_fn, msg_ptr, dst_ptr, out_ptr, gas.BLS12_381_HASH_TO_G1,
                crypto.bls12_381_hash_to_g1,
            )  # fmt: skip

        def bls12_381_hash_to_g2(
            c: Any, hash_fn: int, msg_ptr: int, dst_ptr: int, out_ptr: int
        ) -> int:
            return bls_hash(
                c, hash_fn, msg_ptr, dst_ptr, out_ptr, gas.BLS12_381_HASH_TO_G2,
                crypto.bls12_381_hash_to_g2,
            )  # fmt: skip

        def debug(c: Any, message_ptr: int) -> None:
            call = current()
            message = call.read_region(c, message_ptr, MAX_LENGTH_DEBUG)
            call.env.debug_log.append(message.decode("utf-8", "replace"))

        def abort(c: Any, message_ptr: int) -> None:
            call = current()
            message = call._read(c, message_ptr, MAX_LENGTH_ABORT)
            raise ContractAborted("Aborted: " + message.decode("utf-8", "replace"))

        def query_chain(c: Any, request_ptr: int) -> int:
            call = current()
            request = call.read_region(c, request_ptr, MAX_LENGTH_QUERY_CHAIN_REQUEST)
            response, used = call.env.querier(request, call.gas_left(c))
            call.burn(c, used)
            return call.allocate_and_write(c, response)

        handlers: dict[str, Callable[..., Any]] = {
            "db_read": db_read,
            "db_write": db_write,
            "db_remove": db_remove,
            "db_scan": db_scan,
            "db_next": db_next,
            "db_next_key": db_next_key,
            "db_next_value": db_next_value,
            "addr_validate": addr_validate,
            "addr_canonicalize": addr_canonicalize,
            "addr_humanize": addr_humanize,
            "secp256k1_verify": secp256k1_verify,
            "secp256k1_recover_pubkey": secp256k1_recover_pubkey,
            "secp256r1_verify": secp256r1_verify,
            "secp256r1_recover_pubkey": secp256r1_recover_pubkey,
            "ed25519_verify": ed25519_verify,
            "ed25519_batch_verify": ed25519_batch_verify,
            "bls12_381_aggregate_g1": bls12_381_aggregate_g1,
            "bls12_381_aggregate_g2": bls12_381_aggregate_g2,
            "bls12_381_pairing_equality": bls12_381_pairing_equality,
            "bls12_381_hash_to_g1": bls12_381_hash_to_g1,
            "bls12_381_hash_to_g2": bls12_381_hash_to_g2,
            "debug": debug,
            "abort": abort,
            "query_chain": query_chain,
        }
        return handlers

    def _canonicalize(self, text: str) -> bytes:
        try:
            raw = bech32.decode(text, self.prefix)
        except bech32.Bech32Error as exc:
            raise ValueError(str(exc)) from None
        if not 1 <= len(raw) <= MAX_LENGTH_CANONICAL_ADDRESS:
            raise ValueError("canonical address length not correct")
        return raw


# ---------------------------------------------------------------------------------------------
# Store-time analysis
# ---------------------------------------------------------------------------------------------


def analyze_module(module: wt.Module, checksum: bytes) -> CodeAnalysis:
    """The checks cosmwasm-vm makes before accepting code; each failure names its reason."""
    exports: dict[str, Any] = {export.name: export.type for export in module.exports}
    memories = [name for name, kind in exports.items() if isinstance(kind, wt.MemoryType)]
    if memories != ["memory"]:
        raise CodeRejected('wasm contract must export exactly one memory, named "memory"')
    memory_type = exports["memory"]
    if memory_type.limits.min > MAX_INITIAL_PAGES:
        raise CodeRejected(
            f"wasm contract memory's minimum must not exceed {MAX_INITIAL_PAGES} pages"
        )
    markers = sorted(name for name in exports if name.startswith("interface_version_"))
    if not markers:
        raise CodeRejected("wasm contract is missing the interface_version_* marker export")
    if len(markers) > 1:
        raise CodeRejected("wasm contract contains more than one interface_version_* marker")
    if markers[0] != "interface_version_8":
        raise CodeRejected(
            f"wasm contract has unknown {markers[0]} marker export (supported: interface_version_8)"
        )
    for required in ("allocate", "deallocate"):
        if not isinstance(exports.get(required), wt.FuncType):
            raise CodeRejected(f'wasm contract doesn\'t have required export: "{required}"')
    _check_signature(exports["allocate"], "allocate", 1, 1)
    _check_signature(exports["deallocate"], "deallocate", 1, 0)
    imports = list(module.imports)
    if len(imports) > MAX_IMPORTS:
        raise CodeRejected(f"import count exceeds limit of {MAX_IMPORTS}")
    for item in imports:
        if not isinstance(item.type, wt.FuncType):
            raise CodeRejected(f"wasm contract imports a non-function: {item.module}.{item.name}")
        if item.module != "env" or item.name not in IMPORTS:
            raise CodeRejected(
                f'wasm contract requires unsupported import: "{item.module}.{item.name}"'
            )
        param_count, result = IMPORTS[item.name]
        params = [str(p) for p in item.type.params]
        results = [str(r) for r in item.type.results]
        if params != ["i32"] * param_count or results != ([str(result)] if result else []):
            raise CodeRejected(f"wasm contract imports {item.name} with the wrong signature")
    function_count = sum(1 for kind in exports.values() if isinstance(kind, wt.FuncType))
    if function_count > MAX_FUNCTIONS:
        raise CodeRejected(f"wasm contract exports more than {MAX_FUNCTIONS} functions")
    capabilities = frozenset(
        name.removeprefix("requires_") for name in exports if name.startswith("requires_")
    )
    missing = sorted(capabilities - SUPPORTED_CAPABILITIES)
    if missing:
        raise CodeRejected("wasm contract requires unavailable capabilities: " + ", ".join(missing))
    entry_points = set()
    migrate_takes_info = False
    for name in ENTRY_POINTS:
        kind = exports.get(name)
        if kind is None:
            continue
        if not isinstance(kind, wt.FuncType):
            raise CodeRejected(f"export {name} is not a function")
        arity = len(kind.params)
        if arity not in _ENTRY_ARITY[name] or [str(r) for r in kind.results] != ["i32"]:
            raise CodeRejected(f"entry point {name} has the wrong signature")
        if any(str(p) != "i32" for p in kind.params):
            raise CodeRejected(f"entry point {name} has the wrong signature")
        entry_points.add(name)
        if name == "migrate":
            migrate_takes_info = arity == 3
    if "instantiate" not in entry_points:
        raise CodeRejected('wasm contract doesn\'t have required export: "instantiate"')
    return CodeAnalysis(checksum, frozenset(entry_points), capabilities, migrate_takes_info)


def _check_signature(kind: Any, name: str, params: int, results: int) -> None:
    if [str(p) for p in kind.params] != ["i32"] * params or [str(r) for r in kind.results] != [
        "i32"
    ] * results:
        raise CodeRejected(f"export {name} has the wrong signature")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
