"""EvmModule: admission checks, block building, receipts and the account ledger."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_utils import to_checksum_address

from qorenode.errors import (
    FeeTooLow,
    GasLimitExceeded,
    InsufficientFunds,
    IntrinsicGasTooLow,
    InvalidSignature,
    MalformedTransaction,
    WrongChainId,
)
from qorenode.interfaces import TxKind
from qorenode.keys import dev_key
from tests.unit.core.chainkit import Chain, calldata
from vms.evm.module import revert_reason

DEV0, DEV1 = dev_key(0), dev_key(1)
POOR = "0x" + "11" * 32  # a key with no funds


def raw_tx(key: Any = DEV0, **overrides: Any) -> bytes:
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": 31337,
        "nonce": 0,
        "to": to_checksum_address(DEV1.address),
        "value": 1,
        "gas": 21_000,
        "maxFeePerGas": 2 * 10**9,
        "maxPriorityFeePerGas": 10**9,
    }
    tx.update(overrides)
    private_key = key if isinstance(key, str) else key.private_key
    return bytes(Account.sign_transaction(tx, private_key).raw_transaction)


def test_pending_tx_decodes_sender_nonce_gas(chain: Chain) -> None:
    pending = chain.evm.pending_tx(raw_tx(nonce=4, gas=30_000))
    assert pending.kind is TxKind.EVM
    assert pending.sender == DEV0.address
    assert pending.nonce == 4
    assert pending.gas_limit == 30_000
    assert len(pending.tx_hash) == 32


def test_legacy_transaction_is_accepted(chain: Chain) -> None:
    raw = bytes(
        Account.sign_transaction(
            {
                "nonce": 0,
                "to": to_checksum_address(DEV1.address),
                "value": 1,
                "gas": 21_000,
                "gasPrice": 2 * 10**9,
                "chainId": 31337,
            },
            DEV0.private_key,
        ).raw_transaction
    )
    pending = chain.evm.pending_tx(raw)
    chain.evm.check_tx(pending)
    assert chain.mine(pending).results[0].success


@pytest.mark.parametrize("raw", [b"", b"\x02", b"\xc0", b"\x02\xc3\x01\x02\x03", b"garbage"])
def test_malformed_encoding(chain: Chain, raw: bytes) -> None:
    with pytest.raises((MalformedTransaction, InvalidSignature)):
        chain.evm.pending_tx(raw)


def test_wrong_chain_id(chain: Chain) -> None:
    with pytest.raises(WrongChainId, match="invalid chain id 1"):
        chain.evm.pending_tx(raw_tx(chainId=1))


def test_admission_checks(chain: Chain) -> None:
    evm = chain.evm
    with pytest.raises(GasLimitExceeded):
        evm.check_tx(evm.pending_tx(raw_tx(gas=30_000_001)))
    with pytest.raises(IntrinsicGasTooLow):
        evm.check_tx(evm.pending_tx(raw_tx(gas=20_999)))
    with pytest.raises(FeeTooLow):
        evm.check_tx(evm.pending_tx(raw_tx(maxFeePerGas=1, maxPriorityFeePerGas=1)))
    with pytest.raises(InsufficientFunds):
        evm.check_tx(evm.pending_tx(raw_tx(POOR)))
    evm.check_tx(evm.pending_tx(raw_tx()))  # and a good one passes


def test_base_fee_and_header_follow_the_node_block(chain: Chain) -> None:
    assert chain.evm.next_base_fee() <= 10**9
    notice = chain.mine()
    header = chain.evm.head
    assert header.block_number == notice.record.height == 1
    assert header.timestamp == notice.record.timestamp
    assert bytes(header.hash) == notice.record.hash
    assert header.parent_hash == chain.app.chain_store.block(0).hash
    assert header.gas_limit == 30_000_000


def test_tx_invalid_in_the_block_is_left_out(chain: Chain) -> None:
    first = chain.evm_tx(DEV0, DEV1.address, value=1, gas=21_000)
    replay = chain.evm_tx(DEV0, DEV1.address, value=2, gas=21_000, nonce=0)  # nonce reused
    notice = chain.mine(first, replay)
    ok, left_out = notice.results
    assert ok.success
    assert not left_out.success
    assert left_out.log.startswith("transaction not applied")
    assert chain.evm.index.block_tx_hashes(1) == [first.tx_hash]
    assert chain.evm.get_nonce(DEV0.address) == 1
    assert chain.evm.get_balance(DEV1.address) == 10_000 * 10**18 + 1
    assert chain.app.chain_store.tx(replay.tx_hash)["result"]["success"] is False


def test_deploy_call_and_revert_records(chain: Chain) -> None:
    counter = chain.deploy("Counter")
    assert chain.evm.read_state().get_code(counter)
    good = chain.evm_tx(DEV0, counter, calldata("add(uint256)", 5))
    bad = chain.evm_tx(DEV0, counter, calldata("fail()"), gas=100_000)
    custom = chain.evm_tx(DEV0, counter, calldata("failCustom()"), gas=100_000)
    notice = chain.mine(good, bad, custom)
    assert [r.success for r in notice.results] == [True, False, False]
    assert notice.results[1].log == "execution reverted: Counter: always fails"
    assert notice.results[2].log.startswith("execution reverted: 0x")
    assert chain.storage(counter, 0) == 5
    records = chain.evm.index.block_txs(2)
    assert [r.status for r in records] == [1, 0, 0]
    assert records[0].effective_gas_price == notice.extras["evm"]["header"].base_fee_per_gas + 10**9
    assert all(r.block_hash == notice.record.hash for r in records)
    assert [r.hash for r in notice.extras["evm"]["records"]] == [r.hash for r in records]


def test_revert_reason() -> None:
    from tests.unit.core.chainkit import error_string

    assert revert_reason(error_string("nope")) == "nope"
    assert revert_reason(b"") == ""
    assert revert_reason(b"\x12\x34") == "0x1234"
    assert revert_reason(bytes.fromhex("08c379a0") + b"\x00") == "0x08c379a000"


def test_ledger_writes_need_a_block(chain: Chain) -> None:
    with pytest.raises(RuntimeError, match="no block is being built"):
        chain.evm.set_balance(DEV0.address, 1)
    with pytest.raises(RuntimeError, match="no block is being built"):
        chain.evm.increment_nonce(DEV0.address)


def test_a_transaction_record_round_trips_through_its_stored_form() -> None:
    from dataclasses import fields

    from vms.evm.index import LogRecord, TxRecord

    record = TxRecord(
        hash=b"\x01" * 32,
        raw=b"\x7e\x02",
        sender=b"\x03" * 20,
        block_number=4,
        index=5,
        status=1,
        gas_used=6,
        cumulative_gas_used=7,
        effective_gas_price=8,
        contract_address=b"\x09" * 20,
        logs=[LogRecord(b"\x0a" * 20, (b"\x0b" * 32,), b"\x0c")],
        revert_data=b"\x0d",
        block_hash=b"\x0e" * 32,
        log_index_start=15,
    )
    assert all(getattr(record, f.name) not in (None, b"", [], 0) for f in fields(TxRecord))
    assert TxRecord.from_json(record.to_json().encode()) == record
