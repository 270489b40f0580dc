"""ChainStore: blocks, the hash index and transaction records under chain/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qorenode.chainstore import ChainStore, result_from_json, result_to_json
from qorenode.interfaces import BlockRecord, Event, TxKind, TxResult
from qorenode.store import Database, WorkingState


@pytest.fixture
def state(tmp_path: Path) -> Iterator[WorkingState]:
    db = Database(tmp_path / "db")
    yield WorkingState(db)
    db.close()


def test_empty_store(state: WorkingState) -> None:
    store = ChainStore(state.prefixed(b"chain/"))
    assert store.height() is None
    assert store.block(0) is None
    assert store.height_of(b"\x00" * 32) is None
    assert store.tx(b"\x01" * 32) is None


def test_put_and_read_back(state: WorkingState) -> None:
    store = ChainStore(state.prefixed(b"chain/"))
    result = TxResult(
        tx_hash=b"\x0a" * 32,
        kind=TxKind.NATIVE,
        success=False,
        gas_used=123,
        code=5,
        codespace="bank",
        log="insufficient funds",
        data=b"\x01\x02",
        events=[Event("transfer", (("amount", "1aqor"),))],
        details={"msg_responses": []},
    )
    record = BlockRecord(
        height=4,
        hash=b"\xbb" * 32,
        parent_hash=b"\xaa" * 32,
        timestamp=1_700_000_000,
        tx_hashes=[result.tx_hash],
        events=[Event("end", (("k", "v"), ("k2", "v2")))],
    )
    store.put_block(record, [result], {result.tx_hash: b'{"raw":1}'})
    assert store.height() == 4
    assert store.block(4) == record
    assert store.height_of(record.hash) == 4
    tx = store.tx(result.tx_hash)
    assert tx is not None
    assert (tx["height"], tx["index"]) == (4, 0)
    assert bytes.fromhex(tx["raw"]) == b'{"raw":1}'
    assert result_from_json(tx["result"]) == result
    # everything lives under the prefix
    assert all(key.startswith(b"chain/") for key, _ in state.iterate())
    assert state.get(b"chain/height") == (4).to_bytes(8, "big")


def test_result_json_roundtrip() -> None:
    result = TxResult(b"\x01" * 32, TxKind.EVM, True, gas_used=21_000, data=b"\xff")
    data = result_to_json(result)
    assert data["hash"] == "0x" + "01" * 32
    assert data["kind"] == "evm"
    assert result_from_json(data) == result
