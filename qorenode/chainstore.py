"""Committed blocks and the transaction index, under the ``chain/`` prefix.

Keys:

    chain/height                 latest committed height (8 bytes, big-endian)
    chain/block/<height:8>       block record (JSON)
    chain/hash/<hash>            height of the block with that hash (8 bytes)
    chain/tx/<hash>              transaction record: height, index, kind, result (JSON)
"""

from __future__ import annotations

import json
from typing import Any

from qorenode import jsonenc
from qorenode.interfaces import BlockRecord, Event, KVStore, TxKind, TxResult

HEIGHT_KEY = b"height"


def _height_key(height: int) -> bytes:
    return b"block/" + height.to_bytes(8, "big")


def event_from_json(data: dict[str, Any]) -> Event:
    return Event(data["type"], tuple((a["key"], a["value"]) for a in data["attributes"]))


def result_to_json(result: TxResult) -> dict[str, Any]:
    return {
        "hash": "0x" + result.tx_hash.hex(),
        "kind": result.kind.value,
        "success": result.success,
        "gas_used": result.gas_used,
        "code": result.code,
        "codespace": result.codespace,
        "log": result.log,
        "data": result.data.hex(),
        "events": [e.to_json() for e in result.events],
        "details": result.details,
    }


def result_from_json(data: dict[str, Any]) -> TxResult:
    return TxResult(
        tx_hash=bytes.fromhex(data["hash"][2:]),
        kind=TxKind(data["kind"]),
        success=data["success"],
        gas_used=data["gas_used"],
        code=data["code"],
        codespace=data["codespace"],
        log=data["log"],
        data=bytes.fromhex(data["data"]),
        events=[event_from_json(e) for e in data["events"]],
        details=data["details"],
    )


class ChainStore:
    """Reads and writes the node-level chain records through a KV view of ``chain/``."""

    def __init__(self, store: KVStore) -> None:
        self._store = store

    def height(self) -> int | None:
        raw = self._store.get(HEIGHT_KEY)
        return None if raw is None else int.from_bytes(raw, "big")

    def put_block(
        self, record: BlockRecord, results: list[TxResult], raws: dict[bytes, bytes]
    ) -> None:
        """Write a block, its transactions' records, and advance the height."""
        store = self._store
        block_json = {
            "height": record.height,
            "hash": record.hash.hex(),
            "parent_hash": record.parent_hash.hex(),
            "timestamp": record.timestamp,
            "txs": [h.hex() for h in record.tx_hashes],
            "events": [e.to_json() for e in record.events],
        }
        store.set(_height_key(record.height), jsonenc.dumps(block_json))
        store.set(b"hash/" + record.hash, record.height.to_bytes(8, "big"))
        for index, result in enumerate(results):
            tx_json = {
                "height": record.height,
                "index": index,
                "raw": raws[result.tx_hash].hex(),
                "result": result_to_json(result),
            }
            store.set(b"tx/" + result.tx_hash, jsonenc.dumps(tx_json))
        store.set(HEIGHT_KEY, record.height.to_bytes(8, "big"))

    def block(self, height: int) -> BlockRecord | None:
        raw = self._store.get(_height_key(height))
        if raw is None:
            return None
        data = json.loads(raw)
        return BlockRecord(
            height=data["height"],
            hash=bytes.fromhex(data["hash"]),
            parent_hash=bytes.fromhex(data["parent_hash"]),
            timestamp=data["timestamp"],
            tx_hashes=[bytes.fromhex(h) for h in data["txs"]],
            events=[event_from_json(e) for e in data["events"]],
        )

    def height_of(self, block_hash: bytes) -> int | None:
        raw = self._store.get(b"hash/" + block_hash)
        return None if raw is None else int.from_bytes(raw, "big")

    def tx(self, tx_hash: bytes) -> dict[str, Any] | None:
        """The stored record of a transaction: height, index, raw bytes (hex), result."""
        raw = self._store.get(b"tx/" + tx_hash)
        return None if raw is None else dict(json.loads(raw))
