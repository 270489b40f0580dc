"""State storage: one LevelDB, the block's pending writes over it, and journal checkpoints.

Layering, from the disk up:

* ``Database``: the plyvel handle. Only a block's commit writes to it, in one write batch.
* ``WorkingState``: the writes of the block being built, over the database, with an undo journal.
  A checkpoint is a position in the journal: transactions and EVM call frames take one and either
  keep their writes (commit) or roll them back (revert). Dropping the whole block is ``discard()``.
* ``PrefixedStore``: a module's view of its own key prefix (``evm/``, ``bank/``, ``wasm/``, ...).

Between two blocks the working state holds nothing, so a query through it reads committed state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plyvel

from qorenode.interfaces import KVStore

_ABSENT = object()  # journal marker: the key had no pending write before


class Database:
    """The node's one LevelDB. Closed explicitly: plyvel complains if finalised at exit."""

    def __init__(self, path: str | Path) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        self._db: Any = plyvel.DB(str(path), create_if_missing=True)
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._db is None

    def get(self, key: bytes) -> bytes | None:
        value: bytes | None = self._db.get(key)
        return value

    def iterate(
        self, start: bytes = b"", end: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        kwargs: dict[str, Any] = {"reverse": reverse}
        if start:
            kwargs["start"] = start
        if end is not None:
            kwargs["stop"] = end
        yield from self._db.iterator(**kwargs)

    def write(self, writes: dict[bytes, bytes | None]) -> None:
        """Apply ``writes`` (None deletes) atomically: all of them reach the disk or none."""
        with self._lock, self._db.write_batch(transaction=True, sync=False) as batch:
            for key, value in writes.items():
                if value is None:
                    batch.delete(key)
                else:
                    batch.put(key, value)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class WorkingState:
    """The block's pending writes over the database, journaled for checkpoints.

    Every module's key-value state goes through here, so one checkpoint covers the bank, the wasm
    store and x/crossvm at once, and one ``flush`` puts them all in the block's write batch.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._pending: dict[bytes, bytes | None] = {}
        self._journal: list[tuple[bytes, Any]] = []
        self._checkpoints: list[tuple[int, int]] = []  # (id, journal position), innermost last
        self._next_id = 0

    # -- KVStore --------------------------------------------------------------------------------

    def get(self, key: bytes) -> bytes | None:
        if key in self._pending:
            return self._pending[key]
        return self._database.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self._record(key)
        self._pending[key] = value

    def delete(self, key: bytes) -> None:
        self._record(key)
        self._pending[key] = None

    def iterate(
        self, start: bytes = b"", end: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """Keys in [start, end) in order, pending writes merged over the database."""
        pending = sorted(k for k in self._pending if k >= start and (end is None or k < end))
        if reverse:
            pending.reverse()
        disk = self._database.iterate(start, end, reverse)
        yield from _merge(pending, self._pending, disk, reverse)

    def _record(self, key: bytes) -> None:
        if self._checkpoints:
            self._journal.append((key, self._pending.get(key, _ABSENT)))

    # -- Journal --------------------------------------------------------------------------------

    def checkpoint(self) -> int:
        """Open a layer; the id closes it (and any layer opened inside it and left open)."""
        self._next_id += 1
        self._checkpoints.append((self._next_id, len(self._journal)))
        return self._next_id

    def commit_checkpoint(self, checkpoint: int) -> None:
        self._pop_to(checkpoint)
        if not self._checkpoints:
            self._journal.clear()

    def revert_to(self, checkpoint: int) -> None:
        position = self._pop_to(checkpoint)
        journal = self._journal
        while len(journal) > position:
            key, previous = journal.pop()
            if previous is _ABSENT:
                self._pending.pop(key, None)
            else:
                self._pending[key] = previous
        if not self._checkpoints:
            journal.clear()

    def _pop_to(self, checkpoint: int) -> int:
        if all(ident != checkpoint for ident, _ in self._checkpoints):
            # refuse before popping: a stale id must not close the layers that are open
            raise RuntimeError(f"checkpoint {checkpoint} is not open")
        while self._checkpoints:
            ident, position = self._checkpoints.pop()
            if ident == checkpoint:
                return position
        raise RuntimeError(f"checkpoint {checkpoint} is not open")

    # -- Block level ----------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return bool(self._pending)

    def take_writes(self) -> dict[bytes, bytes | None]:
        """Hand the block's writes to the commit and start the next block empty."""
        if self._checkpoints:
            raise RuntimeError("commit with open checkpoints")
        writes, self._pending = self._pending, {}
        return writes

    def discard(self) -> None:
        """Drop everything the block wrote: the block failed to build."""
        self._pending.clear()
        self._journal.clear()
        self._checkpoints.clear()

    def prefixed(self, prefix: bytes) -> PrefixedStore:
        return PrefixedStore(self, prefix)


def _merge(
    pending_keys: list[bytes],
    pending: dict[bytes, bytes | None],
    disk: Iterator[tuple[bytes, bytes]],
    reverse: bool,
) -> Iterator[tuple[bytes, bytes]]:
    i = 0
    for key, value in disk:
        while i < len(pending_keys) and (
            pending_keys[i] > key if reverse else pending_keys[i] < key
        ):
            pk = pending_keys[i]
            i += 1
            pv = pending[pk]
            if pv is not None:
                yield pk, pv
        if i < len(pending_keys) and pending_keys[i] == key:
            i += 1
            pv = pending[key]
            if pv is not None:
                yield key, pv
            continue
        yield key, value
    for pk in pending_keys[i:]:
        pv = pending[pk]
        if pv is not None:
            yield pk, pv


def prefix_end(prefix: bytes) -> bytes | None:
    """The first key after every key that starts with ``prefix`` (None: no upper bound)."""
    as_list = bytearray(prefix)
    while as_list and as_list[-1] == 0xFF:
        as_list.pop()
    if not as_list:
        return None
    as_list[-1] += 1
    return bytes(as_list)


class PrefixedStore:
    """A module's view of its key prefix in the working state (or in any view of it)."""

    def __init__(self, parent: KVStore, prefix: bytes) -> None:
        self._parent = parent
        self._prefix = prefix

    def get(self, key: bytes) -> bytes | None:
        return self._parent.get(self._prefix + key)

    def set(self, key: bytes, value: bytes) -> None:
        self._parent.set(self._prefix + key, value)

    def delete(self, key: bytes) -> None:
        self._parent.delete(self._prefix + key)

    def iterate(
        self, start: bytes = b"", end: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        p = self._prefix
        stop = p + end if end is not None else prefix_end(p)
        n = len(p)
        for key, value in self._parent.iterate(p + start, stop, reverse):
            yield key[n:], value

    def prefixed(self, prefix: bytes) -> PrefixedStore:
        return PrefixedStore(self, prefix)
