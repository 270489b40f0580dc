"""A transaction that makes block building raise is dropped; the block is built without it."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from qorenode.interfaces import BlockContext, PendingTx, TxResult
from qorenode.testing import Devnet


def _transfer(devnet: Devnet, sender_index: int, nonce: int) -> bytes:
    sender, recipient = devnet.dev_keys[sender_index], devnet.dev_keys[9]
    tx = {
        "type": 2,
        "chainId": 31337,
        "nonce": nonce,
        "to": recipient.hex_address,
        "value": 1,
        "gas": 21_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**9,
    }
    return bytes(Account.sign_transaction(tx, sender.private_key).raw_transaction)


def test_faulty_transaction_is_dropped_and_block_built_without_it(
    devnet: Devnet, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = devnet.node
    evm = node.composition.evm
    good = devnet.call(lambda: node.submit_sync(evm.pending_tx(_transfer(devnet, 0, 0))))
    bad = devnet.call(lambda: node.submit_sync(evm.pending_tx(_transfer(devnet, 1, 0))))
    original = evm.deliver_tx

    def deliver(ctx: BlockContext, tx: PendingTx) -> TxResult:
        if tx.tx_hash == bad:
            raise RuntimeError("a bug in delivery")
        return original(ctx, tx)

    monkeypatch.setattr(evm, "deliver_tx", deliver)
    height = devnet.height
    (notice,) = devnet.mine()

    assert notice.record.height == height + 1
    assert [r.tx_hash for r in notice.results] == [good]
    assert devnet.call(lambda: len(node.mempool)) == 0
    nonces: Any = devnet.call(
        lambda: (
            evm.get_nonce(devnet.dev_keys[0].address),
            evm.get_nonce(devnet.dev_keys[1].address),
        )
    )
    assert nonces == (1, 0)  # the good transfer applied once; nothing of the faulty one
    assert devnet.call(lambda: node.app.chain_store.tx(bad)) is None
