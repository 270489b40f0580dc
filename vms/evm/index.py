"""The EVM's own index of transactions, receipts and logs, under ``evm/ix/``.

py-evm keeps headers and state; this index keeps what the JSON-RPC serves per transaction, written
once at the block's commit, in the block's write batch:

    evm/ix/tx/<hash>             transaction record (JSON): block, index, raw bytes, receipt, logs
    evm/ix/block/<number:8>      the block's transaction hashes in order (JSON list of hex)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from qorenode.interfaces import KVStore


@dataclass(frozen=True)
class LogRecord:
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes


@dataclass
class TxRecord:
    """One EVM transaction as executed: what eth_getTransactionByHash and receipts serve."""

    hash: bytes
    raw: bytes  # signed RLP, or the system transaction's encoding
    sender: bytes
    block_number: int
    index: int
    status: int
    gas_used: int
    cumulative_gas_used: int
    effective_gas_price: int
    contract_address: bytes | None
    logs: list[LogRecord] = field(default_factory=list)
    revert_data: bytes = b""
    block_hash: bytes = b""
    log_index_start: int = 0  # index of this transaction's first log within its block

    def to_json(self) -> str:
        # built field by field: asdict deep-copies every log first (a system receipt of the
        # x/crossvm EndBlocker carries one log per delivered message)
        data: dict[str, Any] = {
            "hash": self.hash.hex(),
            "raw": self.raw.hex(),
            "sender": self.sender.hex(),
            "block_number": self.block_number,
            "index": self.index,
            "status": self.status,
            "gas_used": self.gas_used,
            "cumulative_gas_used": self.cumulative_gas_used,
            "effective_gas_price": self.effective_gas_price,
            "contract_address": self.contract_address.hex() if self.contract_address else None,
            "revert_data": self.revert_data.hex(),
            "block_hash": self.block_hash.hex(),
            "log_index_start": self.log_index_start,
        }
        data["logs"] = [
            {
                "address": lg.address.hex(),
                "topics": [t.hex() for t in lg.topics],
                "data": lg.data.hex(),
            }
            for lg in self.logs
        ]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: bytes) -> TxRecord:
        data: dict[str, Any] = json.loads(text)
        for key in ("hash", "raw", "sender", "revert_data", "block_hash"):
            data[key] = bytes.fromhex(data[key])
        ca = data["contract_address"]
        data["contract_address"] = bytes.fromhex(ca) if ca else None
        data["logs"] = [
            LogRecord(
                bytes.fromhex(lg["address"]),
                tuple(bytes.fromhex(t) for t in lg["topics"]),
                bytes.fromhex(lg["data"]),
            )
            for lg in data["logs"]
        ]
        return cls(**data)


class EvmIndex:
    def __init__(self, store: KVStore) -> None:
        self._store = store

    def put_block(self, number: int, records: list[TxRecord]) -> None:
        for record in records:
            self._store.set(b"tx/" + record.hash, record.to_json().encode())
        hashes = [r.hash.hex() for r in records]
        self._store.set(b"block/" + number.to_bytes(8, "big"), json.dumps(hashes).encode())

    def tx(self, tx_hash: bytes) -> TxRecord | None:
        raw = self._store.get(b"tx/" + tx_hash)
        return None if raw is None else TxRecord.from_json(raw)

    def block_tx_hashes(self, number: int) -> list[bytes]:
        raw = self._store.get(b"block/" + number.to_bytes(8, "big"))
        return [] if raw is None else [bytes.fromhex(h) for h in json.loads(raw)]

    def block_txs(self, number: int) -> list[TxRecord]:
        records = []
        for tx_hash in self.block_tx_hashes(number):
            record = self.tx(tx_hash)
            if record is not None:
                records.append(record)
        return records
