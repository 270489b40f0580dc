"""Ethereum JSON-RPC shapes of blocks, transactions, receipts and logs (as geth returns them).

Small pure functions over py-evm headers and the EVM index's ``TxRecord``: the HTTP methods and
the WebSocket subscriptions share them. Quantities are minimal hex (``0x0``), data is ``0x``-hex,
addresses are lowercase hex, as geth answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import rlp
from eth.abc import BlockHeaderAPI, SignedTransactionAPI, TransactionBuilderAPI
from eth.vm.forks.cancun.constants import MIN_BLOB_BASE_FEE
from eth.vm.forks.cancun.state import fake_exponential
from eth.vm.forks.prague.constants import BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
from eth_bloom import BloomFilter

from vms.evm.index import LogRecord, TxRecord
from vms.evm.machine import SYSTEM_TX_TYPE, SystemTransaction

__all__ = [
    "address",
    "blob_base_fee",
    "block_size",
    "data",
    "decode_raw",
    "format_block",
    "format_header",
    "format_log",
    "format_pending_transaction",
    "format_receipt",
    "format_transaction",
    "hash_hex",
    "logs_bloom",
    "quantity",
    "record_logs",
    "tx_type",
]

AnyTx = SignedTransactionAPI | SystemTransaction


# -- scalars ---------------------------------------------------------------------------------


def quantity(value: int) -> str:
    """A JSON-RPC quantity: minimal hex, ``0x0`` for zero."""
    return hex(int(value))


def data(value: bytes) -> str:
    """Unformatted data: ``0x`` and two hex digits per byte."""
    return "0x" + bytes(value).hex()


def hash_hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def address(value: bytes | None) -> str | None:
    """A 20-byte address in lowercase hex (None, e.g. the ``to`` of a contract creation)."""
    if value is None or len(value) == 0:
        return None
    return "0x" + bytes(value).hex()


def blob_base_fee(excess_blob_gas: int) -> int:
    """The blob base fee (EIP-4844, Prague's update fraction) for a block's excess blob gas."""
    return int(
        fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE)
    )


# -- transactions ----------------------------------------------------------------------------


def decode_raw(raw: bytes, builder: type[TransactionBuilderAPI]) -> AnyTx:
    """Decode a stored transaction: signed RLP (any type), or the node's system transaction."""
    if raw and raw[0] == SYSTEM_TX_TYPE:
        return SystemTransaction.decode(raw)
    return builder.decode(raw)


def tx_type(tx: AnyTx) -> int:
    """The EIP-2718 type: 0 for legacy, 0x7e for system transactions."""
    if isinstance(tx, SystemTransaction):
        return SYSTEM_TX_TYPE
    return int(tx.type_id or 0)


def _access_list(tx: SignedTransactionAPI) -> list[dict[str, Any]]:
    return [
        {
            "address": address(entry[0]),
            "storageKeys": [hash_hex(int(key).to_bytes(32, "big")) for key in entry[1]],
        }
        for entry in tx.access_list
    ]


def _authorization_list(tx: SignedTransactionAPI) -> list[dict[str, Any]]:
    return [
        {
            "chainId": quantity(auth.chain_id),
            "address": address(auth.address),
            "nonce": quantity(auth.nonce),
            "yParity": quantity(auth.y_parity),
            "r": quantity(auth.r),
            "s": quantity(auth.s),
        }
        for auth in tx.authorization_list
    ]


def format_transaction(record: TxRecord, tx: AnyTx) -> dict[str, Any]:
    """A mined transaction as eth_getTransactionByHash returns it."""
    mined: dict[str, Any] = {
        "blockHash": hash_hex(record.block_hash),
        "blockNumber": quantity(record.block_number),
        "transactionIndex": quantity(record.index),
        "hash": hash_hex(record.hash),
        "from": address(record.sender),
    }
    return _transaction(mined, tx, record.effective_gas_price)


def format_pending_transaction(tx_hash: bytes, sender: bytes, tx: AnyTx) -> dict[str, Any]:
    """A transaction still waiting in the mempool: no block, no index (``gasPrice`` of a
    dynamic-fee transaction is its max fee, as geth shows it)."""
    pending: dict[str, Any] = {
        "blockHash": None,
        "blockNumber": None,
        "transactionIndex": None,
        "hash": hash_hex(tx_hash),
        "from": address(sender),
    }
    return _transaction(pending, tx, None)


def _transaction(
    position: dict[str, Any], tx: AnyTx, effective_gas_price: int | None
) -> dict[str, Any]:
    mined = position
    if isinstance(tx, SystemTransaction):
        return {
            **mined,
            "type": quantity(SYSTEM_TX_TYPE),
            "sourceHash": data(tx.source),
            "to": address(tx.to),
            "value": quantity(tx.value),
            "gas": quantity(tx.gas),
            "gasPrice": "0x0",
            "input": data(tx.data),
            "nonce": "0x0",
            "v": "0x0",
            "r": "0x0",
            "s": "0x0",
        }
    kind = tx_type(tx)
    out: dict[str, Any] = {
        **mined,
        "type": quantity(kind),
        "nonce": quantity(tx.nonce),
        "to": address(tx.to),
        "value": quantity(tx.value),
        "gas": quantity(tx.gas),
        "input": data(tx.data),
    }
    if kind == 0:
        out["gasPrice"] = quantity(tx.gas_price)
        chain_id = getattr(tx, "chain_id", None)
        if chain_id is not None:
            out["chainId"] = quantity(chain_id)
        out["v"] = quantity(tx.v)  # type: ignore[attr-defined]
    else:
        out["chainId"] = quantity(tx.chain_id or 0)
        out["accessList"] = _access_list(tx)
        if kind == 1:
            out["gasPrice"] = quantity(tx.gas_price)
        else:
            out["maxFeePerGas"] = quantity(tx.max_fee_per_gas)
            out["maxPriorityFeePerGas"] = quantity(tx.max_priority_fee_per_gas)
            out["gasPrice"] = quantity(
                tx.max_fee_per_gas if effective_gas_price is None else effective_gas_price
            )
        if kind == 3:
            out["maxFeePerBlobGas"] = quantity(tx.max_fee_per_blob_gas)
            out["blobVersionedHashes"] = [hash_hex(h) for h in tx.blob_versioned_hashes]
        if kind == 4:
            out["authorizationList"] = _authorization_list(tx)
        out["v"] = quantity(tx.y_parity)
        out["yParity"] = quantity(tx.y_parity)
    out["r"] = quantity(tx.r)
    out["s"] = quantity(tx.s)
    return out


# -- logs and receipts -----------------------------------------------------------------------


def format_log(
    log: LogRecord, record: TxRecord, log_index: int, timestamp: int | None = None
) -> dict[str, Any]:
    """One log with its position, as eth_getLogs and receipts return it."""
    out: dict[str, Any] = {
        "address": address(log.address),
        "topics": [hash_hex(t) for t in log.topics],
        "data": data(log.data),
        "blockNumber": quantity(record.block_number),
        "transactionHash": hash_hex(record.hash),
        "transactionIndex": quantity(record.index),
        "blockHash": hash_hex(record.block_hash),
        "logIndex": quantity(log_index),
        "removed": False,
    }
    if timestamp is not None:
        out["blockTimestamp"] = quantity(timestamp)
    return out


def record_logs(record: TxRecord, timestamp: int | None = None) -> list[dict[str, Any]]:
    """A transaction's logs, indexed within the block."""
    return [
        format_log(log, record, record.log_index_start + i, timestamp)
        for i, log in enumerate(record.logs)
    ]


def logs_bloom(logs: Iterable[LogRecord]) -> bytes:
    """The 2048-bit bloom of a receipt's logs (addresses and topics)."""
    bloom = BloomFilter()
    for log in logs:
        bloom.add(log.address)
        for topic in log.topics:
            bloom.add(topic)
    return int(bloom).to_bytes(256, "big")


def format_receipt(record: TxRecord, tx: AnyTx, header: BlockHeaderAPI) -> dict[str, Any]:
    """eth_getTransactionReceipt's object (``cumulativeGasUsed`` within the block)."""
    kind = tx_type(tx)
    out: dict[str, Any] = {
        "blockHash": hash_hex(record.block_hash),
        "blockNumber": quantity(record.block_number),
        "contractAddress": address(record.contract_address),
        "cumulativeGasUsed": quantity(record.cumulative_gas_used),
        "effectiveGasPrice": quantity(record.effective_gas_price),
        "from": address(record.sender),
        "gasUsed": quantity(record.gas_used),
        "logs": record_logs(record, header.timestamp),
        "logsBloom": data(logs_bloom(record.logs)),
        "status": quantity(record.status),
        "to": address(tx.to),
        "transactionHash": hash_hex(record.hash),
        "transactionIndex": quantity(record.index),
        "type": quantity(kind),
    }
    if kind == 3 and not isinstance(tx, SystemTransaction):
        out["blobGasUsed"] = quantity(131072 * len(tx.blob_versioned_hashes))
        out["blobGasPrice"] = quantity(blob_base_fee(int(header.excess_blob_gas or 0)))
    return out


# -- blocks ----------------------------------------------------------------------------------


def _rlp_list(items: Sequence[bytes]) -> bytes:
    payload = b"".join(items)
    if len(payload) < 56:
        return bytes([0xC0 + len(payload)]) + payload
    length = len(payload).to_bytes((len(payload).bit_length() + 7) // 8, "big")
    return bytes([0xF7 + len(length)]) + length + payload


def block_size(header: BlockHeaderAPI, raws: Iterable[bytes]) -> int:
    """Bytes of the RLP block (header, transactions, no uncles, no withdrawals).

    System transactions are not part of the EVM block body, so they do not count.
    """
    txs = [
        raw if raw[0] >= 0xC0 else rlp.encode(raw)  # legacy is an RLP list; typed is a string
        for raw in raws
        if raw and raw[0] != SYSTEM_TX_TYPE
    ]
    return len(_rlp_list([rlp.encode(header), _rlp_list(txs), b"\xc0", b"\xc0"]))


def format_header(header: BlockHeaderAPI) -> dict[str, Any]:
    """A post-Prague header's fields, geth's names, plus ``hash``."""
    out: dict[str, Any] = {
        "hash": hash_hex(header.hash),
        "parentHash": hash_hex(header.parent_hash),
        "sha3Uncles": hash_hex(header.uncles_hash),
        "miner": address(header.coinbase),
        "stateRoot": hash_hex(header.state_root),
        "transactionsRoot": hash_hex(header.transaction_root),
        "receiptsRoot": hash_hex(header.receipt_root),
        "logsBloom": data(int(header.bloom).to_bytes(256, "big")),
        "difficulty": quantity(header.difficulty),
        "number": quantity(header.block_number),
        "gasLimit": quantity(header.gas_limit),
        "gasUsed": quantity(header.gas_used),
        "timestamp": quantity(header.timestamp),
        "extraData": data(header.extra_data),
        "mixHash": hash_hex(header.mix_hash),
        "nonce": data(header.nonce),
    }
    optional = (
        ("baseFeePerGas", "base_fee_per_gas", quantity),
        ("withdrawalsRoot", "withdrawals_root", hash_hex),
        ("blobGasUsed", "blob_gas_used", quantity),
        ("excessBlobGas", "excess_blob_gas", quantity),
        ("parentBeaconBlockRoot", "parent_beacon_block_root", hash_hex),
        ("requestsHash", "requests_hash", hash_hex),
    )
    for key, attr, fmt in optional:
        value = getattr(header, attr, None)
        if value is not None:
            out[key] = fmt(value)
    return out


def format_block(
    header: BlockHeaderAPI,
    records: Sequence[TxRecord],
    full_transactions: bool = False,
    builder: type[TransactionBuilderAPI] | None = None,
) -> dict[str, Any]:
    """eth_getBlockByNumber's object: transaction hashes, or full objects (needs ``builder``)."""
    transactions: list[Any]
    if full_transactions:
        if builder is None:
            raise ValueError("full transactions need a transaction builder to decode them")
        transactions = [format_transaction(r, decode_raw(r.raw, builder)) for r in records]
    else:
        transactions = [hash_hex(r.hash) for r in records]
    out = format_header(header)
    out.update(
        {
            "size": quantity(block_size(header, (r.raw for r in records))),
            "totalDifficulty": "0x0",
            "transactions": transactions,
            "uncles": [],
            "withdrawals": [],
        }
    )
    return out
