"""The benchmarks still run: each bench's core function at tiny sizes returns well-formed figures.

No timing is asserted (machines are noisy); only that each figure exists and is positive.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench import cold_start, cosmwasm, crossvm_async, crossvm_sync, evm_throughput, memory, svm
from bench._common import Figure, Skipped


def _by_name(items: Sequence[Figure | Skipped]) -> dict[str, Figure | Skipped]:
    return {item.name: item for item in items}


def _positive(item: Figure | Skipped, *, with_ratio: bool = True) -> Figure:
    assert isinstance(item, Figure), item.line()
    assert item.value > 0
    if with_ratio:
        assert item.baseline is not None and item.baseline > 0
        assert item.ratio is not None and item.ratio > 0
    assert item.line().startswith(f"{item.name}: ")
    return item


def test_evm_throughput_runs() -> None:
    items = _by_name(evm_throughput.run(n=20, block=10, repeat=1))
    _positive(items["evm_throughput.raw_pyevm"], with_ratio=False)
    for name in ("evm_throughput.node_inprocess", "evm_throughput.node_http"):
        figure = _positive(items[name])
        assert figure.met is not None  # held to a target
    anvil = items["evm_throughput.anvil_http"]  # a figure, or skipped without the npm toolchain
    if isinstance(anvil, Figure):
        _positive(anvil)


def test_cold_start_runs() -> None:
    items = _by_name(cold_start.run(repeat=1, transfers=5))
    for name in ("cold_start.fresh_home", "cold_start.existing_home"):
        _positive(items[name])


def test_memory_runs() -> None:
    items = _by_name(memory.run(n=20, block=10))
    figure = _positive(items["memory.rss_after_transfers"])
    assert figure.unit == "MiB"


def test_cosmwasm_runs() -> None:
    result = cosmwasm.run(n=4, repeat=1, block=2)
    items = _by_name(result)  # the contracts are committed: nothing may be skipped
    for name in ("cosmwasm.execute_counter", "cosmwasm.execute_cw20"):
        figure = _positive(items[name])
        assert figure.met is not None  # held to a target
    for name in ("cosmwasm.native_tx_counter", "cosmwasm.native_tx_cw20"):
        _positive(items[name])
    _positive(items["cosmwasm.cached_load_cw20"])
    for name in ("cosmwasm.instantiate_counter", "cosmwasm.instantiate_cw20"):
        assert _positive(items[name]).extra["sdk_gas"] > 0
    for name in ("cosmwasm.gas_counter", "cosmwasm.gas_cw20"):
        gas = _positive(items[name], with_ratio=False)
        assert gas.unit == "SDK gas"
        assert 0 < gas.extra["host_gas"] < gas.extra["cw_gas"]
        assert gas.extra["wasm_gas"] > 0 and gas.extra["bare_fuel"] > 0
        assert gas.extra["tx_gas"] > gas.extra["sdk_gas"]


def test_crossvm_sync_runs() -> None:
    result = crossvm_sync.run(n=3, repeat=1, block=2)
    items = _by_name(result)  # the contracts are committed: nothing may be skipped
    figure = _positive(items["crossvm_sync.to_precompile"])
    assert figure.met is not None  # held to a target
    for name in ("crossvm_sync.crosscall_build_block", "crossvm_sync.crosscall"):
        _positive(items[name])
    for name in ("crossvm_sync.cosmwasm_direct", "crossvm_sync.plain_evm"):
        _positive(items[name], with_ratio=False)
    gas = _positive(items["crossvm_sync.gas_crosscall"], with_ratio=False)
    assert gas.unit == "EVM gas"
    # 0x901 charges the 50,000 base plus the CosmWasm call's SDK gas 1:1, plus the byte costs.
    g = gas.extra
    assert g["base_gas"] == 50_000 and g["sdk_gas"] > 60_000  # wasmd's 60,000 per instance
    assert g["unexplained_gas"] == 0
    assert g["precompile_gas"] == g["base_gas"] + g["sdk_gas"] + g["input_gas"] + g["output_gas"]
    assert g["direct_sdk_gas"] == g["sdk_gas"]  # the same message costs the same SDK gas
    assert g["cross_tx_gas"] > g["precompile_gas"] + 21_000


def test_svm_runs() -> None:
    items = _by_name(svm.run(n=12, repeat=1, block=5, http_n=8, accounts=45, memory_n=10))
    for name in ("svm.node_transfers", "svm.node_memos", "svm.http_transfers"):
        figure = _positive(items[name])
        assert figure.met is not None  # held to a target
    _positive(items["svm.http_transfers_no_preflight"])
    startup = _positive(items["svm.startup_10k"])
    assert startup.extra["accounts"] - startup.extra["baseline_accounts"] >= 45
    rss = _positive(items["svm.rss_after_transfers"])
    assert rss.unit == "MiB" and rss.extra["n"] == 10


def test_crossvm_async_runs() -> None:
    result = crossvm_async.run(n=3, submit_n=3, repeat=1, block=2)
    items = _by_name(result)  # the contracts and programs are committed: nothing may be skipped
    for target in ("evm", "cosmwasm", "svm"):
        figure = _positive(items[f"crossvm_async.drain_{target}"])
        assert figure.met is not None  # held to a target
        assert figure.extra["n"] == 3 and figure.extra["blocks"] >= 1
        assert 0 < figure.extra["adapter_us"] < figure.value
    for name in ("crossvm_async.evm_ping_tx", "crossvm_async.svm_raw_deliver"):
        _positive(items[name])
    for source in ("native", "evm", "cosmwasm", "svm"):
        figure = _positive(items[f"crossvm_async.submit_{source}"])
        assert figure.unit == "msg/s"
