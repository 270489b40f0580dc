"""Ledger layers over the EVM state: py-evm's snapshot is taken only before the first EVM write
under a layer, outermost first, and a reverted layer undoes EVM state and side stores alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qorenode.keys import dev_key
from tests.unit.core.chainkit import Chain, calldata
from vms.evm.machine import SystemTransaction

DEV0, DEV1 = dev_key(0), dev_key(1)
SIDE_KEY = b"crossvm/test-layer"


@pytest.fixture
def block(tmp_path: Path) -> Iterator[Chain]:
    """A chain with a block open (begun, not committed)."""
    chain = Chain(tmp_path / "db")
    app = chain.app
    app.begin_block(app.context(app.height + 1, chain.next_timestamp()))
    try:
        yield chain
    finally:
        app.abandon_block()
        chain.close()


def _evm(chain: Chain) -> Any:
    return chain.evm


def test_a_layer_without_evm_writes_takes_no_evm_snapshot(block: Chain) -> None:
    evm, state = _evm(block), block.app.state
    outer = evm.snapshot()
    inner = evm.snapshot()
    state.set(SIDE_KEY, b"1")
    evm.commit_snapshot(inner)
    assert outer.evm_snapshot is None and inner.evm_snapshot is None
    evm.revert_snapshot(outer)
    assert state.get(SIDE_KEY) is None  # the side store follows the layer


def test_the_first_evm_write_snapshots_every_open_layer(block: Chain) -> None:
    evm = _evm(block)
    before = (evm.get_balance(DEV0.address), evm.get_balance(DEV1.address))
    outer = evm.snapshot()
    block.bank.send(DEV0.address, DEV1.address, 5)  # outer's first EVM write
    inner = evm.snapshot()
    assert outer.evm_snapshot is not None and inner.evm_snapshot is None
    block.bank.send(DEV0.address, DEV1.address, 7)
    assert inner.evm_snapshot is not None
    evm.revert_snapshot(inner)
    assert evm.get_balance(DEV1.address) == before[1] + 5
    evm.revert_snapshot(outer)
    assert (evm.get_balance(DEV0.address), evm.get_balance(DEV1.address)) == before


def test_an_inner_write_is_undone_by_an_outer_revert(block: Chain) -> None:
    evm = _evm(block)
    before = evm.get_balance(DEV1.address)
    outer = evm.snapshot()
    inner = evm.snapshot()
    block.bank.send(DEV0.address, DEV1.address, 9)  # both layers get their snapshot here
    evm.commit_snapshot(inner)
    assert evm.get_balance(DEV1.address) == before + 9
    evm.revert_snapshot(outer)
    assert evm.get_balance(DEV1.address) == before


def test_evm_execution_under_a_layer_is_undone_with_it(tmp_path: Path) -> None:
    chain = Chain(tmp_path / "db")
    try:
        counter = chain.deploy("Counter")
        app, evm = chain.app, chain.evm
        app.begin_block(app.context(app.height + 1, chain.next_timestamp()))
        evm.close_transaction()
        layer = evm.snapshot()
        stx = SystemTransaction(
            source=b"\x01", sender=DEV0.address, to=counter, value=0,
            data=calldata("increment()"), gas=200_000,
        )  # fmt: skip
        result = evm.apply_system_transaction(stx)
        assert result.success and chain.storage(counter, 0) == 1
        assert layer.evm_snapshot is not None  # py-evm's own snapshot materialised it first
        evm.revert_snapshot(layer)
        assert chain.storage(counter, 0) == 0
        app.abandon_block()
    finally:
        chain.close()


def test_layers_close_innermost_first(block: Chain) -> None:
    evm = _evm(block)
    outer = evm.snapshot()
    evm.snapshot()
    with pytest.raises(RuntimeError, match="innermost first"):
        evm.commit_snapshot(outer)
