"""The mempool: arrival order, per-sender nonce sequencing, gas-bounded take, put_back."""

from __future__ import annotations

import pytest

from qorenode.errors import AlreadyKnown, MempoolFull, NonceTooHigh, NonceTooLow
from qorenode.interfaces import PendingTx, TxKind
from qorenode.mempool import Mempool

ALICE = b"\xaa" * 20
BOB = b"\xbb" * 20


def ptx(sender: bytes, nonce: int, gas: int = 21_000, tag: bytes = b"") -> PendingTx:
    return PendingTx(
        kind=TxKind.EVM,
        tx_hash=sender[:1] + nonce.to_bytes(8, "big") + tag,
        raw=b"",
        decoded=None,
        sender=sender,
        nonce=nonce,
        gas_limit=gas,
    )


def test_add_keeps_arrival_order_and_counts_per_sender() -> None:
    pool = Mempool()
    txs = [ptx(ALICE, 0), ptx(BOB, 5), ptx(ALICE, 1)]
    pool.add(txs[0], committed_nonce=0)
    pool.add(txs[1], committed_nonce=5)
    pool.add(txs[2], committed_nonce=0)
    assert len(pool) == 3
    assert txs[1].tx_hash in pool
    assert pool.pending_count(ALICE) == 2
    assert pool.pending_count(BOB) == 1
    assert pool.pending_count(b"\x00" * 20) == 0
    assert pool.take(10**9) == txs
    assert len(pool) == 0
    assert pool.pending_count(ALICE) == 0


def test_nonce_must_be_the_next_expected() -> None:
    pool = Mempool()
    with pytest.raises(NonceTooLow, match="next nonce 3, tx nonce 2"):
        pool.add(ptx(ALICE, 2), committed_nonce=3)
    with pytest.raises(NonceTooHigh, match="next nonce 3, tx nonce 4"):
        pool.add(ptx(ALICE, 4), committed_nonce=3)
    pool.add(ptx(ALICE, 3), committed_nonce=3)
    # the next expected counts the sender's waiting transactions
    with pytest.raises(NonceTooLow):
        pool.add(ptx(ALICE, 3, tag=b"other"), committed_nonce=3)
    with pytest.raises(NonceTooHigh):
        pool.add(ptx(ALICE, 5), committed_nonce=3)
    pool.add(ptx(ALICE, 4), committed_nonce=3)
    assert pool.pending_count(ALICE) == 2
    assert len(pool) == 2


def test_duplicate_is_already_known() -> None:
    pool = Mempool()
    tx = ptx(ALICE, 0)
    pool.add(tx, 0)
    with pytest.raises(AlreadyKnown):
        pool.add(tx, 0)
    assert len(pool) == 1


def test_full_pool_refuses() -> None:
    pool = Mempool(max_size=2)
    pool.add(ptx(ALICE, 0), 0)
    pool.add(ptx(BOB, 0), 0)
    with pytest.raises(MempoolFull):
        pool.add(ptx(ALICE, 1), 0)
    assert pool.pending_count(ALICE) == 1


def test_take_stops_at_the_first_transaction_over_budget() -> None:
    pool = Mempool()
    a0, a1, b0 = ptx(ALICE, 0, gas=40), ptx(ALICE, 1, gas=50), ptx(BOB, 0, gas=5)
    for tx in (a0, a1, b0):
        pool.add(tx, committed_nonce=0)
    assert pool.take(80) == [a0]  # a1 does not fit; b0 must not jump ahead of it
    assert pool.pending_count(ALICE) == 1
    assert pool.take(55) == [a1, b0]
    assert len(pool) == 0


def test_solana_compute_units_have_their_own_budget() -> None:
    pool = Mempool()
    evm = ptx(ALICE, 0, gas=60)
    solana = [
        PendingTx(TxKind.SOLANA, bytes([i]) * 64, b"", None, b"\x01" * 32, 0, 200_000)
        for i in range(3)
    ]
    pool.add(evm, 0)
    for tx in solana:
        pool.add(tx, None)
    # 600,000 compute units do not count against a gas budget of 100
    assert pool.take(100, compute_budget=1_000_000) == [evm, *solana]
    for tx in solana:
        pool.add(tx, None)
    assert pool.take(100, compute_budget=450_000) == solana[:2]
    assert pool.take(100, compute_budget=450_000) == solana[2:]


def test_take_always_takes_one_even_over_budget() -> None:
    pool = Mempool()
    big = ptx(ALICE, 0, gas=1_000)
    pool.add(big, 0)
    assert pool.take(10) == [big]
    assert pool.take(10) == []


def test_put_back_goes_ahead_of_later_arrivals() -> None:
    pool = Mempool()
    a0, a1 = ptx(ALICE, 0), ptx(ALICE, 1)
    pool.add(a0, 0)
    pool.add(a1, 0)
    taken = pool.take(10**9)
    assert pool.pending_count(ALICE) == 0
    b0 = ptx(BOB, 0)
    pool.add(b0, 0)
    pool.put_back(taken)
    assert pool.pending_count(ALICE) == 2
    assert pool.take(10**9) == [a0, a1, b0]
    # the sender's sequencing continues after a put_back
    pool.put_back([a0, a1])
    pool.add(ptx(ALICE, 2), committed_nonce=0)
    assert pool.pending_count(ALICE) == 3
