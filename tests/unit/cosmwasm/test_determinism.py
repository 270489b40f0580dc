"""Determinism of the engine: NaNs are canonicalised, so float results do not depend on the CPU."""

from __future__ import annotations

import wasmtime as wt

from vms.cosmwasm.host import WasmHost

# f32.add of a NaN with a non-canonical payload: without canonicalisation the payload may survive
# (its bits depend on the hardware); with it, the result is the canonical quiet NaN 0x7fc00000.
NAN_WAT = """
(module
  (func (export "nan_bits") (result i32)
    (i32.reinterpret_f32
      (f32.add (f32.reinterpret_i32 (i32.const 0x7fa00001)) (f32.const 1))))
  (func (export "nan_bits64") (result i64)
    (i64.reinterpret_f64
      (f64.mul (f64.reinterpret_i64 (i64.const 0x7ff4000000000001)) (f64.const 2)))))
"""


def test_nan_results_are_canonical() -> None:
    host = WasmHost(None)
    store = wt.Store(host.engine)
    store.set_fuel(10_000)
    instance = wt.Instance(store, wt.Module(host.engine, NAN_WAT), [])
    exports = instance.exports(store)
    assert exports["nan_bits"](store) & 0xFFFFFFFF == 0x7FC00000
    assert exports["nan_bits64"](store) & 0xFFFFFFFFFFFFFFFF == 0x7FF8000000000000


def test_without_canonicalisation_the_payload_can_leak() -> None:
    """The check above can fail: a plain engine keeps the signalling payload (quieted) on x86-64."""
    config = wt.Config()
    engine = wt.Engine(config)
    store = wt.Store(engine)
    exports = wt.Instance(store, wt.Module(engine, NAN_WAT), []).exports(store)
    assert exports["nan_bits"](store) & 0xFFFFFFFF != 0x7FC00000
