"""The benchmarks still run: each bench's core function at tiny sizes returns well-formed figures.

No timing is asserted (machines are noisy); only that each figure exists and is positive.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench import cold_start, evm_throughput, memory
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
