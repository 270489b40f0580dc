"""The bank through the composed application: one ledger with the EVM, MsgSend in native txs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qorenode.bank import DENOM, MSG_SEND, InvalidCoins, coins, parse_coins
from qorenode.bech32 import encode as bech32_encode
from qorenode.genesis import DEV_BALANCE, load_genesis
from qorenode.keys import dev_key
from tests.unit.core.chainkit import Chain

DEV0, DEV1, DEV2 = dev_key(0), dev_key(1), dev_key(2)
CONTRACT = bytes(range(100, 132))  # a 32-byte account (a CosmWasm contract's address)


def send(sender: Any, to: str, amount: str | int, **overrides: Any) -> dict[str, Any]:
    msg = {
        "@type": MSG_SEND,
        "from_address": sender.bech32_address,
        "to_address": to,
        "amount": [{"denom": DENOM, "amount": str(amount)}],
    }
    msg.update(overrides)
    return msg


def test_total_supply_at_genesis(chain: Chain) -> None:
    assert chain.bank.total_supply() == 10 * DEV_BALANCE
    assert chain.db.get(b"bank/supply") == str(10 * DEV_BALANCE).encode()
    for i in range(10):
        assert chain.bank.balance(dev_key(i).address) == DEV_BALANCE
    assert chain.bank.balance(CONTRACT) == 0


def test_genesis_balance_of_a_32_byte_account(tmp_path: Path) -> None:
    genesis = load_genesis()
    genesis["bank"]["balances"].append({"address": bech32_encode(CONTRACT), "amount": "777"})
    chain = Chain(tmp_path / "g32", genesis=genesis)
    try:
        assert chain.bank.balance(CONTRACT) == 777
        assert chain.db.get(b"bank/balance/" + CONTRACT) == b"777"
        assert chain.bank.total_supply() == 10 * DEV_BALANCE + 777
    finally:
        chain.close()


def test_msg_send_moves_evm_balances_of_20_byte_accounts(chain: Chain) -> None:
    amount = 3 * 10**18 + 5
    nonce = chain.evm.get_nonce(DEV0.address)
    tx = chain.native_tx(DEV0, [send(DEV0, DEV1.bech32_address, amount)])
    notice = chain.mine(tx)
    result = notice.results[0]
    assert result.success, result.log
    assert result.gas_used == 30_000  # base 20,000 + send 10,000
    assert chain.evm.get_balance(DEV0.address) == DEV_BALANCE - amount  # no fees
    assert chain.evm.get_balance(DEV1.address) == DEV_BALANCE + amount
    assert chain.bank.balance(DEV1.address) == chain.evm.get_balance(DEV1.address)
    assert chain.evm.get_nonce(DEV0.address) == nonce + 1
    (event,) = result.events
    assert event.type == "transfer"
    assert event.attribute("sender") == DEV0.bech32_address
    assert event.attribute("recipient") == DEV1.bech32_address
    assert event.attribute("amount") == f"{amount}{DENOM}"
    assert chain.bank.total_supply() == 10 * DEV_BALANCE
    stored = chain.app.chain_store.tx(tx.tx_hash)
    assert stored["result"]["events"][0]["type"] == "transfer"


def test_msg_send_to_hex_address(chain: Chain) -> None:
    tx = chain.native_tx(DEV0, [send(DEV0, DEV2.hex_address, 9)])
    assert chain.mine(tx).results[0].success
    assert chain.bank.balance(DEV2.address) == DEV_BALANCE + 9


def test_msg_send_to_a_32_byte_address_is_stored_under_bank(chain: Chain) -> None:
    tx = chain.native_tx(DEV0, [send(DEV0, bech32_encode(CONTRACT), 1234)])
    result = chain.mine(tx).results[0]
    assert result.success, result.log
    assert chain.db.get(b"bank/balance/" + CONTRACT) == b"1234"
    assert chain.bank.balance(CONTRACT) == 1234
    assert chain.evm.get_balance(DEV0.address) == DEV_BALANCE - 1234
    # a second send adds to it
    chain.mine(chain.native_tx(DEV1, [send(DEV1, bech32_encode(CONTRACT), 6)]))
    assert chain.bank.balance(CONTRACT) == 1240


def test_insufficient_funds_fails_with_no_state_change_but_nonce_advances(chain: Chain) -> None:
    nonce = chain.evm.get_nonce(DEV0.address)
    tx = chain.native_tx(DEV0, [send(DEV0, DEV1.bech32_address, DEV_BALANCE + 1)])
    notice = chain.mine(tx)
    result = notice.results[0]
    assert not result.success
    assert result.codespace == "bank"
    assert result.code == 5
    assert "insufficient funds" in result.log
    assert result.events == []
    assert chain.evm.get_balance(DEV0.address) == DEV_BALANCE
    assert chain.evm.get_balance(DEV1.address) == DEV_BALANCE
    assert chain.evm.get_nonce(DEV0.address) == nonce + 1
    assert chain.app.chain_store.tx(tx.tx_hash)["result"]["success"] is False


def test_failing_second_message_reverts_the_first(chain: Chain) -> None:
    tx = chain.native_tx(
        DEV0,
        [
            send(DEV0, bech32_encode(CONTRACT), 50),
            send(DEV0, DEV1.bech32_address, 20),
            send(DEV0, DEV1.bech32_address, DEV_BALANCE),  # more than is left
        ],
    )
    result = chain.mine(tx).results[0]
    assert not result.success
    assert result.log.startswith("message 2:")
    assert chain.bank.balance(CONTRACT) == 0
    assert chain.db.get(b"bank/balance/" + CONTRACT) is None
    assert chain.evm.get_balance(DEV0.address) == DEV_BALANCE
    assert chain.evm.get_balance(DEV1.address) == DEV_BALANCE


def test_from_address_not_the_signer_is_unauthorized(chain: Chain) -> None:
    tx = chain.native_tx(DEV0, [send(DEV1, DEV0.bech32_address, 1)])
    result = chain.mine(tx).results[0]
    assert not result.success
    assert (result.codespace, result.code) == ("bank", 4)
    assert "is not the signer" in result.log
    assert chain.evm.get_balance(DEV1.address) == DEV_BALANCE


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ([{"denom": "uatom", "amount": "1"}], 2),
        ([{"denom": DENOM, "amount": "-1"}], 2),
        ([{"denom": DENOM, "amount": "²"}], 2),
        ([{"denom": DENOM, "amount": 1}], 2),
        ({"denom": DENOM, "amount": "1"}, 2),
    ],
)
def test_invalid_coins_fail_the_transaction_not_the_block(
    chain: Chain, amount: Any, code: int
) -> None:
    msg = {**send(DEV0, DEV1.bech32_address, 0), "amount": amount}
    tx = chain.native_tx(DEV0, [msg])
    notice = chain.mine(tx)
    result = notice.results[0]
    assert not result.success
    assert (result.codespace, result.code) == ("bank", code)
    assert chain.app.height == 1


def test_invalid_recipient(chain: Chain) -> None:
    tx = chain.native_tx(DEV0, [send(DEV0, "qor1invalid", 1)])
    result = chain.mine(tx).results[0]
    assert not result.success
    assert (result.codespace, result.code) == ("bank", 3)


def test_missing_field(chain: Chain) -> None:
    msg = send(DEV0, DEV1.bech32_address, 1)
    del msg["to_address"]
    result = chain.mine(chain.native_tx(DEV0, [msg])).results[0]
    assert not result.success
    assert "lacks to_address" in result.log


def test_out_of_gas_fails_the_transaction(chain: Chain) -> None:
    tx = chain.native_tx(DEV0, [send(DEV0, DEV1.bech32_address, 1)], gas_limit=25_000)
    result = chain.mine(tx).results[0]
    assert not result.success
    assert result.gas_used == 25_000
    assert "out of gas" in result.log
    assert chain.evm.get_balance(DEV1.address) == DEV_BALANCE


def test_send_to_self_and_zero(chain: Chain) -> None:
    tx = chain.native_tx(
        DEV0, [send(DEV0, DEV0.bech32_address, 10), send(DEV0, DEV1.bech32_address, 0)]
    )
    assert chain.mine(tx).results[0].success
    assert chain.evm.get_balance(DEV0.address) == DEV_BALANCE
    assert chain.evm.get_balance(DEV1.address) == DEV_BALANCE


def test_native_and_evm_transactions_share_one_nonce(chain: Chain) -> None:
    native = chain.native_tx(DEV0, [send(DEV0, DEV1.bech32_address, 1)])
    evm = chain.evm_tx(DEV0, DEV1.address, value=2, gas=21_000)
    assert (native.nonce, evm.nonce) == (0, 1)
    notice = chain.mine(native, evm)
    assert [r.success for r in notice.results] == [True, True]
    assert chain.evm.get_nonce(DEV0.address) == 2
    assert chain.bank.balance(DEV1.address) == DEV_BALANCE + 3


def test_parse_coins_and_coins() -> None:
    assert parse_coins([]) == 0
    assert parse_coins([{"denom": DENOM, "amount": "2"}, {"denom": DENOM, "amount": "3"}]) == 5
    for bad in (
        None,
        [{"denom": DENOM}],
        [{"denom": DENOM, "amount": "1", "extra": 1}],
        [{"denom": DENOM, "amount": "1.5"}],
        [{"denom": DENOM, "amount": "\u0661"}],
    ):
        with pytest.raises(InvalidCoins):
            parse_coins(bad)
    assert coins(0) == []
    assert coins(7) == [{"denom": DENOM, "amount": "7"}]
