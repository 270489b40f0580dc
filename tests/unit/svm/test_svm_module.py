"""The SVM adapter in real blocks: genesis funding, transfers, the blockhash window, replays,
failures as values, slots and clock, persistence across restarts and failed blocks."""

from __future__ import annotations

import pytest
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from qorenode.app import BlockBuildError
from qorenode.interfaces import BlockContext, Module, PendingTx, TxKind, TxResult
from qorenode.keys import solana_dev_keypair
from tests.solanakit import MEMO_PROGRAM, system_transfer
from tests.unit.core.chainkit import Chain
from tests.unit.svm.svmchain import send, signed
from vms.svm.errors import AlreadyProcessed, BlockhashNotFound, InvalidTransaction, SignatureFailure
from vms.svm.module import BLOCKHASH_WINDOW

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
SOL = 10**9


def pay(to: Pubkey, lamports: int, sender: Keypair = ALICE) -> Instruction:
    return system_transfer(sender.pubkey(), to, lamports)


def balance(chain: Chain, who: Pubkey) -> int:
    account = chain.svm.account(bytes(who))
    return 0 if account is None else int(account.lamports)


def test_dev_keypairs_are_funded_at_genesis(chain: Chain) -> None:
    assert str(ALICE.pubkey()) == chain.genesis["svm"]["accounts"][0]["pubkey"]
    assert balance(chain, ALICE.pubkey()) == 1_000 * SOL


def test_transfer_moves_lamports_and_charges_the_fee(chain: Chain) -> None:
    fresh = Keypair().pubkey()
    result = send(chain, signed(chain, [pay(fresh, 2 * SOL)], [ALICE]))
    assert result.success, result.log
    assert balance(chain, fresh) == 2 * SOL
    fee = result.details["fee"]
    assert fee == 5000
    assert balance(chain, ALICE.pubkey()) == 1_000 * SOL - 2 * SOL - fee
    record = chain.svm.transaction(result.tx_hash)
    assert record["err"] is None and record["slot"] == chain.app.height


def test_memo_logs_are_kept(chain: Chain) -> None:
    memo = Instruction(MEMO_PROGRAM, b"hello triple-vm", [AccountMeta(ALICE.pubkey(), True, False)])
    result = send(chain, signed(chain, [memo], [ALICE]))
    assert result.success
    assert any("hello triple-vm" in line for line in result.details["logs"])


def test_replayed_signature_is_refused(chain: Chain) -> None:
    raw = signed(chain, [pay(BOB.pubkey(), 1)], [ALICE])
    assert send(chain, raw).success
    with pytest.raises(AlreadyProcessed):
        chain.app.check_tx(chain.svm.pending_tx(raw))
    # and twice in one block: the second is a failed result, not a second transfer
    raw = signed(chain, [pay(BOB.pubkey(), 7)], [ALICE])
    before = balance(chain, BOB.pubkey())
    first = chain.svm.pending_tx(raw)
    second = chain.svm.pending_tx(raw)
    results = chain.mine(first, second).results
    assert [r.success for r in results] == [True, False]
    assert results[1].code == AlreadyProcessed.code
    assert balance(chain, BOB.pubkey()) == before + 7


def test_unknown_and_expired_blockhashes_are_refused(chain: Chain) -> None:
    with pytest.raises(BlockhashNotFound):
        chain.app.check_tx(
            chain.svm.pending_tx(signed(chain, [pay(BOB.pubkey(), 1)], [ALICE], Hash.new_unique()))
        )
    old = Hash(chain.svm.latest_blockhash[0])
    chain.mine()
    assert chain.svm.blockhash_valid(bytes(old))
    for _ in range(BLOCKHASH_WINDOW):
        chain.mine()
    assert not chain.svm.blockhash_valid(bytes(old))
    with pytest.raises(BlockhashNotFound):
        chain.app.check_tx(
            chain.svm.pending_tx(signed(chain, [pay(BOB.pubkey(), 1)], [ALICE], old))
        )


def test_malformed_and_badly_signed_transactions_are_refused(chain: Chain) -> None:
    with pytest.raises(InvalidTransaction):
        chain.svm.pending_tx(b"\x01garbage")
    with pytest.raises(InvalidTransaction, match="too large"):
        chain.svm.pending_tx(bytes(1233))
    raw = bytearray(signed(chain, [pay(BOB.pubkey(), 1)], [ALICE]))
    raw[-1] ^= 0xFF  # the last byte of the message: the signature no longer matches
    with pytest.raises(SignatureFailure):
        chain.svm.pending_tx(bytes(raw))


def test_a_failing_transaction_is_a_value_with_its_logs(chain: Chain) -> None:
    poor = Keypair()
    assert send(chain, signed(chain, [pay(poor.pubkey(), SOL // 100)], [ALICE])).success
    result = send(chain, signed(chain, [pay(BOB.pubkey(), SOL, sender=poor)], [poor]))
    assert not result.success and (result.codespace, result.code) == ("svm", 6)
    assert result.details["logs"] and "insufficient" in " ".join(result.details["logs"]).lower()
    assert balance(chain, poor.pubkey()) == SOL // 100 - 5000  # only the fee went


def test_slot_and_clock_follow_the_node(chain: Chain) -> None:
    chain.mine()
    clock = chain.svm.svm.get_clock()
    assert clock.slot == chain.app.height
    assert clock.unix_timestamp == chain.app.last_block.timestamp


def test_accounts_survive_a_restart(chain: Chain) -> None:
    fresh = Keypair().pubkey()
    assert send(chain, signed(chain, [pay(fresh, 3 * SOL)], [ALICE])).success
    alice = balance(chain, ALICE.pubkey())
    blockhash = chain.svm.latest_blockhash
    chain.restart()
    assert balance(chain, fresh) == 3 * SOL
    assert balance(chain, ALICE.pubkey()) == alice
    assert chain.svm.latest_blockhash == blockhash
    assert send(chain, signed(chain, [pay(fresh, 1)], [ALICE])).success
    assert balance(chain, fresh) == 3 * SOL + 1


class _Exploder(Module):
    """Routes native transactions and fails on delivery: the block cannot be built."""

    name = "exploder"

    def tx_kinds(self) -> tuple[TxKind, ...]:
        return (TxKind.NATIVE,)

    def deliver_tx(self, ctx: BlockContext, tx: PendingTx) -> TxResult:
        raise RuntimeError("boom")


def test_a_block_that_fails_to_build_leaves_no_svm_trace(chain: Chain) -> None:
    fresh = Keypair().pubkey()
    good = chain.svm.pending_tx(signed(chain, [pay(fresh, SOL)], [ALICE]))
    app = chain.app
    native = next(m for m in app.modules if m.name == "tx")
    app.set_modules([*(m for m in app.modules if m is not native), _Exploder()])
    bad = PendingTx(TxKind.NATIVE, b"\x02" * 32, b"x", None, b"", 0, 0)
    with pytest.raises(BlockBuildError):
        chain.mine(good, bad)
    assert balance(chain, fresh) == 0
    app.set_modules([*(m for m in app.modules if m.name != "exploder"), native])
    again = chain.svm.pending_tx(signed(chain, [pay(fresh, SOL)], [ALICE]))
    assert chain.mine(again).results[0].success
    assert balance(chain, fresh) == SOL


def test_committed_transactions_are_counted_across_restarts(chain: Chain) -> None:
    assert chain.svm.transaction_count() == 0
    assert send(chain, signed(chain, [pay(Keypair().pubkey(), 10**9)], [ALICE])).success
    too_much = pay(Keypair().pubkey(), balance(chain, ALICE.pubkey()) * 2)
    assert not send(chain, signed(chain, [too_much], [ALICE])).success
    assert chain.svm.transaction_count() == 2  # a failed transaction is counted too
    chain.restart()
    assert chain.svm.transaction_count() == 2
