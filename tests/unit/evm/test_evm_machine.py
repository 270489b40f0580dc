"""vms/evm/machine.py: system transactions (encoding, hash, application inside a block), the
precompile registry, and the frame hooks of the node's py-evm state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rlp
from eth_abi import decode as abi_decode
from eth_hash.auto import keccak

from qorenode.composition import Composition
from qorenode.interfaces import BlockContext, Module, PendingTx, TxKind, TxResult
from qorenode.keys import dev_key
from tests.unit.core.chainkit import Chain, calldata, error_string
from vms.evm.machine import (
    SYSTEM_TX_TYPE,
    PrecompileRegistry,
    SystemTransaction,
)

DEV0 = dev_key(0)
SOURCE = b"crossvm/message/1"
STRANGER = bytes.fromhex("00000000000000000000000000000000deadbeef")
INCREMENTED = bytes(keccak(b"Incremented(address,uint256)"))


def stx(**overrides: Any) -> SystemTransaction:
    fields: dict[str, Any] = {
        "source": SOURCE,
        "sender": STRANGER,
        "to": b"\x11" * 20,
        "value": 0,
        "data": calldata("increment()"),
        "gas": 200_000,
    }
    fields.update(overrides)
    return SystemTransaction(**fields)


# -- encoding -----------------------------------------------------------------------------------


def test_encode_decode_roundtrip() -> None:
    for tx in (
        stx(),
        stx(value=0, data=b""),
        stx(value=10**18, gas=1, source=b""),
        stx(data=b"\x00" * 300, gas=30_000_000),
    ):
        encoded = tx.encode()
        assert encoded[0] == SYSTEM_TX_TYPE == 0x7E
        assert SystemTransaction.decode(encoded) == tx


def test_encoding_is_typed_rlp_of_the_fields() -> None:
    tx = stx(value=5, gas=21_000)
    body = rlp.decode(tx.encode()[1:])
    assert body == [SOURCE, STRANGER, b"\x11" * 20, b"\x05", (21_000).to_bytes(2, "big"), tx.data]


def test_hash_is_deterministic_and_covers_every_field() -> None:
    tx = stx()
    assert tx.hash == stx().hash == bytes(keccak(tx.encode()))
    assert len(tx.hash) == 32
    variants = [
        stx(source=b"crossvm/message/2"),
        stx(sender=b"\x22" * 20),
        stx(to=b"\x33" * 20),
        stx(value=1),
        stx(data=calldata("add(uint256)", 1)),
        stx(gas=200_001),
    ]
    hashes = {v.hash for v in variants}
    assert len(hashes) == len(variants)
    assert tx.hash not in hashes


@pytest.mark.parametrize("encoded", [b"", b"\x02" + rlp.encode([b"a"]), b"\x7f\xc0"])
def test_decode_refuses_other_types(encoded: bytes) -> None:
    with pytest.raises(ValueError, match="not a system transaction"):
        SystemTransaction.decode(encoded)


# -- the precompile registry --------------------------------------------------------------------


def test_registry_holds_pragues_precompiles_and_adds_new_ones() -> None:
    registry = PrecompileRegistry()
    ecrecover = bytes.fromhex("0000000000000000000000000000000000000001")
    assert ecrecover in registry
    address = "0x0000000000000000000000000000000000000901"
    assert bytes.fromhex(address[2:]) not in registry

    def fn(computation: Any) -> Any:
        return computation

    registry.register(address, fn)
    assert registry.table[bytes.fromhex(address[2:])] is fn
    with pytest.raises(ValueError, match="already registered"):
        registry.register(bytes.fromhex(address[2:]), fn)
    # registries are independent: one node's precompile is not another's
    assert bytes.fromhex(address[2:]) not in PrecompileRegistry()


# -- applying system transactions inside a block ------------------------------------------------


class SystemTxModule(Module):
    """Delivers ``TxKind.SOLANA`` items whose ``decoded`` is a SystemTransaction, through
    ``EvmModule.apply_system_transaction``, as x/crossvm delivers to the EVM."""

    name = "systx"

    def __init__(self, comp: Composition) -> None:
        self.evm = comp.evm

    def tx_kinds(self) -> Any:
        return (TxKind.SOLANA,)

    def deliver_tx(self, ctx: BlockContext, tx: PendingTx) -> TxResult:
        result: TxResult = self.evm.apply_system_transaction(tx.decoded)
        return result


def system_item(tx: SystemTransaction) -> PendingTx:
    return PendingTx(
        kind=TxKind.SOLANA,
        tx_hash=tx.hash,
        raw=tx.encode(),
        decoded=tx,
        sender=tx.sender,
        nonce=0,
        gas_limit=tx.gas,
    )


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    c = Chain(tmp_path / "data", extra=[SystemTxModule])
    yield c
    c.close()


@pytest.fixture
def counter(chain: Chain) -> bytes:
    return chain.deploy("Counter")


def test_system_tx_runs_from_any_sender_without_signature_or_nonce(
    chain: Chain, counter: bytes
) -> None:
    tx = stx(to=counter)
    assert chain.evm.get_nonce(STRANGER) == 0
    assert chain.evm.get_balance(STRANGER) == 0  # no funds needed: no fee
    notice = chain.mine(system_item(tx))
    result = notice.results[0]
    assert result.success, result.log
    assert result.tx_hash == tx.hash
    assert chain.storage(counter, 0) == 1
    assert chain.evm.get_nonce(STRANGER) == 0  # the sender's nonce is untouched

    record = chain.evm.index.tx(tx.hash)
    assert record is not None
    assert record.status == 1
    assert 0 < record.gas_used < tx.gas
    assert record.gas_used == result.gas_used
    assert record.sender == STRANGER
    assert record.raw == tx.encode()
    assert record.block_number == 2
    assert record.block_hash == notice.record.hash
    assert record.effective_gas_price == 0
    (log,) = record.logs
    assert log.address == counter
    assert log.topics == (INCREMENTED, STRANGER.rjust(32, b"\x00"))
    assert abi_decode(["uint256"], log.data) == (1,)
    assert chain.evm.index.block_tx_hashes(2) == [tx.hash]
    # the node's transaction index has it too
    assert chain.app.chain_store.tx(tx.hash)["result"]["success"] is True


def test_system_tx_from_a_funded_account_leaves_its_nonce_and_balance(
    chain: Chain, counter: bytes
) -> None:
    nonce = chain.evm.get_nonce(DEV0.address)
    balance = chain.evm.get_balance(DEV0.address)
    tx = stx(sender=DEV0.address, to=counter, source=b"from-dev0")
    assert chain.mine(system_item(tx)).results[0].success
    assert chain.evm.get_nonce(DEV0.address) == nonce
    assert chain.evm.get_balance(DEV0.address) == balance


def test_system_tx_carries_value(chain: Chain) -> None:
    recipient = b"\x44" * 20
    tx = stx(sender=DEV0.address, to=recipient, value=12345, data=b"", gas=50_000)
    before = chain.evm.get_balance(DEV0.address)
    assert chain.mine(system_item(tx)).results[0].success
    assert chain.evm.get_balance(recipient) == 12345
    assert chain.evm.get_balance(DEV0.address) == before - 12345


def test_reverting_system_tx_is_a_failed_result_not_a_failed_block(
    chain: Chain, counter: bytes
) -> None:
    failing = stx(to=counter, data=calldata("setAndRevert(uint256)", 7), source=b"fails")
    ok = stx(to=counter, source=b"works")
    notice = chain.mine(system_item(failing), system_item(ok))
    assert notice.record.height == 2
    bad, good = notice.results
    assert not bad.success
    assert bad.log == "execution reverted: Counter: set and revert"
    assert good.success
    assert chain.storage(counter, 0) == 1  # only the second one's increment
    record = chain.evm.index.tx(failing.hash)
    assert record is not None
    assert record.status == 0
    assert record.logs == []  # the reverted Incremented event is gone
    assert record.revert_data == error_string("Counter: set and revert")
    assert record.gas_used > 0
    second = chain.evm.index.tx(ok.hash)
    assert second is not None and second.index == 1
    assert second.cumulative_gas_used == record.gas_used + second.gas_used


def test_out_of_gas_system_tx_fails_without_failing_the_block(chain: Chain, counter: bytes) -> None:
    tx = stx(to=counter, gas=100)
    notice = chain.mine(system_item(tx))
    assert not notice.results[0].success
    assert "OutOfGas" in notice.results[0].log
    assert chain.evm.index.tx(tx.hash).status == 0
    assert chain.storage(counter, 0) == 0


def test_system_and_signed_transactions_share_the_block(chain: Chain, counter: bytes) -> None:
    signed = chain.evm_tx(DEV0, counter, calldata("increment()"))
    system = stx(to=counter)
    signed_after = chain.evm_tx(DEV0, counter, calldata("increment()"))
    notice = chain.mine(signed, system_item(system), signed_after)
    assert [r.success for r in notice.results] == [True, True, True]
    assert chain.storage(counter, 0) == 3
    records = chain.evm.index.block_txs(2)
    assert [r.hash for r in records] == [signed.tx_hash, system.hash, signed_after.tx_hash]
    assert [r.index for r in records] == [0, 1, 2]
    assert [r.log_index_start for r in records] == [0, 1, 2]
    cumulative = 0
    for r in records:
        cumulative += r.gas_used
        assert r.cumulative_gas_used == cumulative
    assert int(chain.evm.head.gas_used) == cumulative


def test_system_tx_cannot_create_contracts(chain: Chain) -> None:
    from qorenode.app import BlockBuildError

    tx = stx(to=b"")
    with pytest.raises(BlockBuildError) as info:
        chain.mine(system_item(tx))
    assert info.value.tx_hash == tx.hash
    assert "cannot create contracts" in str(info.value.__cause__)
    assert chain.app.height == 0
    assert not chain.app.state.dirty


def test_system_tx_whose_sender_lacks_the_value_fails_the_block_cleanly(chain: Chain) -> None:
    """A documented precondition (x/crossvm releases escrow to the sender first): breaking it
    is a bug, so the block is abandoned and nothing of it remains."""
    from qorenode.app import BlockBuildError

    head = chain.evm.head
    tx = stx(to=b"\x44" * 20, value=1, data=b"")
    with pytest.raises(BlockBuildError):
        chain.mine(system_item(tx))
    assert chain.evm.head == head
    assert not chain.app.state.dirty
    # and the next block builds
    assert chain.mine(system_item(stx(to=b"\x44" * 20, data=b""))).results[0].success


def test_system_tx_outside_a_block_is_refused(chain: Chain, counter: bytes) -> None:
    with pytest.raises(RuntimeError, match="no block is being built"):
        chain.evm.apply_system_transaction(stx(to=counter))
