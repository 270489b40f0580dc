"""py-evm's atomic database over the node's working state (prefix ``evm/``).

py-evm 0.12 has no LevelDB backend. This one writes into the block's pending writes, so EVM state,
headers and trie nodes reach LevelDB in the block's one write batch, and a block that fails to build
leaves no trace on disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from eth.abc import AtomicWriteBatchAPI
from eth.db.atomic import AtomicDBWriteBatch
from eth.db.backends.base import BaseAtomicDB

from qorenode.interfaces import KVStore


class EvmDatabase(BaseAtomicDB):
    """An AtomicDatabaseAPI whose reads and writes go through a KV view of the working state."""

    def __init__(self, store: KVStore) -> None:
        self._store = store

    def __getitem__(self, key: bytes) -> bytes:
        value = self._store.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._store.set(key, value)

    def __delitem__(self, key: bytes) -> None:
        if self._store.get(key) is None:
            raise KeyError(key)
        self._store.delete(key)

    def _exists(self, key: bytes) -> bool:
        return self._store.get(key) is not None

    @contextmanager
    def atomic_batch(self) -> Iterator[AtomicWriteBatchAPI]:
        # The batch applies its diff to this database only if the block of code succeeds.
        with AtomicDBWriteBatch._commit_unless_raises(self) as batch:
            yield batch
