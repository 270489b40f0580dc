"""The compiled-module cache under the node's home: a restart loads, it does not recompile."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.unit.core.chainkit import Chain
from tests.unit.cosmwasm.wasmkit import execute, instantiate, ok, query, store, wasm
from vms.cosmwasm.host import CallEnv, WasmHost


def _never() -> bytes:
    raise AssertionError("the wasm was read: the module was compiled again")


def test_a_new_host_loads_the_cached_module_without_compiling(tmp_path: Path) -> None:
    code = wasm("counter")
    first = WasmHost(tmp_path)
    analysis = first.check_code(code)
    assert first.compilations == 1
    (cached,) = list(tmp_path.rglob("*.module"))
    assert cached.name == hashlib.sha256(code).hexdigest() + ".module"
    # the cache directory names the wasmtime version and the engine configuration
    assert cached.parent.name.startswith("wasmtime-50.0.1-")

    second = WasmHost(tmp_path)
    assert second.ensure_loaded(analysis.checksum, _never) == analysis
    assert second.compilations == 0


def test_a_corrupt_cache_entry_is_discarded_and_recompiled(tmp_path: Path) -> None:
    code = wasm("counter")
    analysis = WasmHost(tmp_path).check_code(code)
    (cached,) = list(tmp_path.rglob("*.module"))
    blob = bytearray(cached.read_bytes())
    blob[-100] ^= 0xFF
    cached.write_bytes(bytes(blob))

    host = WasmHost(tmp_path)
    assert host.ensure_loaded(analysis.checksum, lambda: code) == analysis
    assert host.compilations == 1
    # and the recompiled module works
    storage: dict[bytes, bytes] = {}

    class Store:
        def get(self, key: bytes) -> bytes | None:
            return storage.get(key)

        def set(self, key: bytes, value: bytes) -> None:
            storage[key] = value

        def delete(self, key: bytes) -> None:
            storage.pop(key, None)

        def iterate(self, start: bytes = b"", end: bytes | None = None, reverse: bool = False):  # type: ignore[no-untyped-def]
            return iter(())

    env = b'{"block":{"height":1,"time":"0","chain_id":"x"},"transaction":null,"contract":{"address":"qor1x"}}'
    info = b'{"sender":"qor1x","funds":[]}'
    outcome = host.call(
        analysis.checksum,
        "instantiate",
        [env, info, b'{"count":9}'],
        CallEnv(Store(), lambda request, limit: (b"", 0), readonly=False),
        10**13,
    )
    assert b'"ok"' in outcome.output and outcome.gas_used > 0
    assert storage  # the contract wrote its count


def test_wasm_that_does_not_match_its_checksum_is_refused(tmp_path: Path) -> None:
    from vms.cosmwasm.host import CodeRejected

    with pytest.raises(CodeRejected, match="checksum"):
        WasmHost(None).ensure_loaded(bytes(32), lambda: wasm("counter"))


def test_node_restart_uses_the_cache_under_its_home(tmp_path: Path) -> None:
    chain = Chain(tmp_path / "db", cache_dir=tmp_path / "wasm-cache")
    try:
        address = instantiate(chain, store(chain, "counter"), {"count": 1})
        assert chain.comp.wasm.host.compilations == 1  # type: ignore[union-attr]
        chain.restart()
        ok(execute(chain, address, {"increment": {}}))
        assert query(chain, address, {"get_count": {}}) == {"count": 2}
        assert chain.comp.wasm.host.compilations == 0  # type: ignore[union-attr]
    finally:
        chain.close()
