"""Database, WorkingState (pending writes, journal checkpoints, merged iteration), PrefixedStore."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qorenode.store import Database, PrefixedStore, WorkingState, prefix_end


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "db")
    yield database
    database.close()


@pytest.fixture
def ws(db: Database) -> WorkingState:
    db.write({b"a": b"disk-a", b"c": b"disk-c", b"e": b"disk-e"})
    return WorkingState(db)


# -- Database ---------------------------------------------------------------------------------


def test_database_write_is_one_batch_of_puts_and_deletes(db: Database) -> None:
    db.write({b"k1": b"v1", b"k2": b"v2"})
    db.write({b"k1": None, b"k3": b"v3"})
    assert db.get(b"k1") is None
    assert db.get(b"k2") == b"v2"
    assert list(db.iterate()) == [(b"k2", b"v2"), (b"k3", b"v3")]


def test_database_write_failure_leaves_nothing(db: Database) -> None:
    db.write({b"keep": b"1"})
    with pytest.raises(TypeError):
        db.write({b"new": b"x", b"bad": 5})  # type: ignore[dict-item]
    assert db.get(b"new") is None
    assert db.get(b"keep") == b"1"


def test_database_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "reopen"
    first = Database(path)
    first.write({b"x": b"1", b"y": b"2"})
    first.close()
    assert first.closed
    first.close()  # idempotent
    second = Database(path)
    try:
        assert second.get(b"x") == b"1"
        assert list(second.iterate()) == [(b"x", b"1"), (b"y", b"2")]
    finally:
        second.close()


def test_database_iterate_bounds_and_reverse(db: Database) -> None:
    db.write({bytes([c]): bytes([c]) for c in b"abcde"})
    assert [k for k, _ in db.iterate(b"b", b"d")] == [b"b", b"c"]
    assert [k for k, _ in db.iterate(b"b", b"d", reverse=True)] == [b"c", b"b"]
    assert [k for k, _ in db.iterate(reverse=True)] == [b"e", b"d", b"c", b"b", b"a"]


# -- WorkingState: reads and writes ---------------------------------------------------------


def test_reads_through_to_disk_and_pending_shadows(ws: WorkingState, db: Database) -> None:
    assert ws.get(b"a") == b"disk-a"
    assert ws.get(b"zz") is None
    assert not ws.dirty
    ws.set(b"a", b"new-a")
    ws.delete(b"c")
    ws.set(b"b", b"new-b")
    assert ws.get(b"a") == b"new-a"
    assert ws.get(b"c") is None
    assert ws.get(b"b") == b"new-b"
    assert ws.dirty
    # nothing reached the disk
    assert db.get(b"a") == b"disk-a"
    assert db.get(b"c") == b"disk-c"
    assert db.get(b"b") is None


def test_take_writes_hands_over_and_empties(ws: WorkingState, db: Database) -> None:
    ws.set(b"a", b"1")
    ws.delete(b"c")
    writes = ws.take_writes()
    assert writes == {b"a": b"1", b"c": None}
    assert not ws.dirty
    assert ws.take_writes() == {}
    db.write(writes)
    assert ws.get(b"a") == b"1"
    assert ws.get(b"c") is None


def test_take_writes_refuses_with_open_checkpoint(ws: WorkingState) -> None:
    ws.set(b"a", b"1")
    cp = ws.checkpoint()
    with pytest.raises(RuntimeError, match="open checkpoints"):
        ws.take_writes()
    ws.commit_checkpoint(cp)
    assert ws.take_writes() == {b"a": b"1"}


def test_discard_drops_writes_and_checkpoints(ws: WorkingState) -> None:
    ws.set(b"a", b"1")
    cp = ws.checkpoint()
    ws.set(b"b", b"2")
    ws.discard()
    assert not ws.dirty
    assert ws.get(b"a") == b"disk-a"
    assert ws.get(b"b") is None
    with pytest.raises(RuntimeError, match="not open"):
        ws.revert_to(cp)
    assert ws.take_writes() == {}  # no checkpoint is left open


# -- WorkingState: checkpoints --------------------------------------------------------------


def test_revert_restores_previous_pending_values_and_absence(ws: WorkingState) -> None:
    ws.set(b"a", b"before")
    cp = ws.checkpoint()
    ws.set(b"a", b"x1")
    ws.set(b"a", b"x2")
    ws.delete(b"c")
    ws.set(b"new", b"n")
    ws.revert_to(cp)
    assert ws.get(b"a") == b"before"
    assert ws.get(b"c") == b"disk-c"
    assert ws.get(b"new") is None
    assert ws.take_writes() == {b"a": b"before"}


def test_commit_checkpoint_keeps_writes(ws: WorkingState) -> None:
    cp = ws.checkpoint()
    ws.set(b"k", b"v")
    ws.commit_checkpoint(cp)
    assert ws.get(b"k") == b"v"
    assert ws.take_writes() == {b"k": b"v"}


def test_revert_inner_keeps_outer(ws: WorkingState) -> None:
    outer = ws.checkpoint()
    ws.set(b"o", b"outer")
    inner = ws.checkpoint()
    ws.set(b"i", b"inner")
    ws.set(b"o", b"overwritten-inside")
    ws.revert_to(inner)
    assert ws.get(b"i") is None
    assert ws.get(b"o") == b"outer"
    ws.commit_checkpoint(outer)
    assert ws.take_writes() == {b"o": b"outer"}


def test_revert_outer_after_committing_inner_undoes_both(ws: WorkingState) -> None:
    outer = ws.checkpoint()
    ws.set(b"o", b"outer")
    inner = ws.checkpoint()
    ws.set(b"i", b"inner")
    ws.delete(b"a")
    ws.commit_checkpoint(inner)
    assert ws.get(b"i") == b"inner"
    ws.revert_to(outer)
    assert ws.get(b"o") is None
    assert ws.get(b"i") is None
    assert ws.get(b"a") == b"disk-a"
    assert not ws.dirty


def test_revert_of_outer_id_closes_inner_ones_left_open(ws: WorkingState) -> None:
    outer = ws.checkpoint()
    ws.set(b"x", b"1")
    inner = ws.checkpoint()
    ws.set(b"y", b"2")
    innermost = ws.checkpoint()
    ws.set(b"z", b"3")
    ws.revert_to(outer)
    assert (ws.get(b"x"), ws.get(b"y"), ws.get(b"z")) == (None, None, None)
    for closed in (inner, innermost, outer):
        with pytest.raises(RuntimeError, match="not open"):
            ws.commit_checkpoint(closed)
    assert ws.take_writes() == {}


def test_commit_of_outer_id_closes_inner_ones_and_keeps_their_writes(ws: WorkingState) -> None:
    outer = ws.checkpoint()
    inner = ws.checkpoint()
    ws.set(b"y", b"2")
    ws.commit_checkpoint(outer)
    with pytest.raises(RuntimeError, match="not open"):
        ws.revert_to(inner)
    assert ws.take_writes() == {b"y": b"2"}


def test_sibling_checkpoints_after_commit(ws: WorkingState) -> None:
    block = ws.checkpoint()
    tx1 = ws.checkpoint()
    ws.set(b"t1", b"1")
    ws.commit_checkpoint(tx1)
    tx2 = ws.checkpoint()
    ws.set(b"t2", b"2")
    ws.set(b"t1", b"changed")
    ws.revert_to(tx2)
    assert ws.get(b"t1") == b"1"
    assert ws.get(b"t2") is None
    ws.revert_to(block)
    assert ws.get(b"t1") is None


def test_checkpoint_ids_are_unique(ws: WorkingState) -> None:
    first = ws.checkpoint()
    ws.commit_checkpoint(first)
    second = ws.checkpoint()
    assert second != first
    with pytest.raises(RuntimeError):
        ws.revert_to(first)
    ws.revert_to(second)


def test_writes_before_any_checkpoint_survive_a_later_revert(ws: WorkingState) -> None:
    ws.set(b"early", b"1")
    cp = ws.checkpoint()
    ws.set(b"late", b"2")
    ws.revert_to(cp)
    assert ws.get(b"early") == b"1"
    assert ws.get(b"late") is None


# -- WorkingState: iteration ----------------------------------------------------------------


def test_iterate_merges_pending_over_disk_in_order(ws: WorkingState) -> None:
    ws.set(b"b", b"new-b")  # between disk keys
    ws.set(b"c", b"new-c")  # overrides disk
    ws.delete(b"e")  # deletes a disk key
    ws.set(b"0", b"first")  # before every disk key
    ws.set(b"z", b"last")  # after every disk key
    ws.delete(b"q")  # deleting an absent key yields nothing
    expected = [
        (b"0", b"first"),
        (b"a", b"disk-a"),
        (b"b", b"new-b"),
        (b"c", b"new-c"),
        (b"z", b"last"),
    ]
    assert list(ws.iterate()) == expected
    assert list(ws.iterate(reverse=True)) == expected[::-1]


def test_iterate_bounds_apply_to_pending_and_disk(ws: WorkingState) -> None:
    ws.set(b"b", b"new-b")
    ws.set(b"d", b"new-d")
    ws.delete(b"c")
    assert [k for k, _ in ws.iterate(b"b", b"e")] == [b"b", b"d"]
    assert [k for k, _ in ws.iterate(b"b", b"e", reverse=True)] == [b"d", b"b"]
    assert [k for k, _ in ws.iterate(b"a", b"b")] == [b"a"]  # end is exclusive
    assert [k for k, _ in ws.iterate(b"d")] == [b"d", b"e"]
    assert list(ws.iterate(b"x", b"y")) == []


def test_iterate_only_pending_and_only_disk(db: Database) -> None:
    only_pending = WorkingState(db)
    only_pending.set(b"p2", b"2")
    only_pending.set(b"p1", b"1")
    assert list(only_pending.iterate()) == [(b"p1", b"1"), (b"p2", b"2")]
    assert list(only_pending.iterate(reverse=True)) == [(b"p2", b"2"), (b"p1", b"1")]
    db.write({b"d1": b"x"})
    only_disk = WorkingState(db)
    assert list(only_disk.iterate()) == [(b"d1", b"x")]


def test_iterate_sees_reverted_state(ws: WorkingState) -> None:
    cp = ws.checkpoint()
    ws.set(b"b", b"new-b")
    ws.delete(b"a")
    ws.revert_to(cp)
    assert [k for k, _ in ws.iterate()] == [b"a", b"c", b"e"]


# -- PrefixedStore ----------------------------------------------------------------------------


def test_prefix_end() -> None:
    assert prefix_end(b"bank/") == b"bank0"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"\xff\xff") is None
    assert prefix_end(b"") is None


def test_prefixed_store_isolation(db: Database) -> None:
    ws = WorkingState(db)
    bank = ws.prefixed(b"bank/")
    evm = ws.prefixed(b"evm/")
    bank.set(b"k", b"bank-value")
    evm.set(b"k", b"evm-value")
    assert bank.get(b"k") == b"bank-value"
    assert evm.get(b"k") == b"evm-value"
    assert ws.get(b"bank/k") == b"bank-value"
    bank.delete(b"k")
    assert bank.get(b"k") is None
    assert evm.get(b"k") == b"evm-value"


def test_prefixed_store_iteration_stays_inside_prefix(db: Database) -> None:
    db.write({b"bank/b": b"2", b"bank0": b"neighbour", b"ban": b"short", b"bank/\xff": b"ff"})
    ws = WorkingState(db)
    bank = ws.prefixed(b"bank/")
    bank.set(b"a", b"1")
    bank.set(b"c", b"3")
    ws.set(b"bank1", b"outside")
    assert list(bank.iterate()) == [(b"a", b"1"), (b"b", b"2"), (b"c", b"3"), (b"\xff", b"ff")]
    assert [k for k, _ in bank.iterate(reverse=True)] == [b"\xff", b"c", b"b", b"a"]
    assert [k for k, _ in bank.iterate(b"b", b"c")] == [b"b"]
    assert [k for k, _ in bank.iterate(b"b")] == [b"b", b"c", b"\xff"]


def test_nested_prefixed_store(db: Database) -> None:
    ws = WorkingState(db)
    inner = ws.prefixed(b"wasm/").prefixed(b"code/")
    assert isinstance(inner, PrefixedStore)
    inner.set(b"1", b"one")
    ws.set(b"wasm/coda", b"not inside")
    ws.set(b"wasm/code0", b"not inside either")
    assert ws.get(b"wasm/code/1") == b"one"
    assert list(inner.iterate()) == [(b"1", b"one")]


def test_prefixed_writes_follow_checkpoints(db: Database) -> None:
    ws = WorkingState(db)
    store = ws.prefixed(b"m/")
    cp = ws.checkpoint()
    store.set(b"k", b"v")
    ws.revert_to(cp)
    assert store.get(b"k") is None
    assert list(store.iterate()) == []
