"""A cw20-like token on the chain: balances, transfers, minting, burning, and ``send`` into a
contract (a WasmMsg whose failure fails the whole transfer)."""

from __future__ import annotations

import base64

import pytest

from qorenode.addresses import to_bech32
from qorenode.keys import dev_key
from tests.unit.core.chainkit import Chain
from tests.unit.cosmwasm.wasmkit import DEV0, DEV1, events, execute, instantiate, ok, query, store

DEV2 = dev_key(2)


@pytest.fixture
def token(chain: Chain) -> bytes:
    init = {
        "name": "Qore Test",
        "symbol": "QTST",
        "decimals": 6,
        "initial_balances": [{"address": DEV0.bech32_address, "amount": "1000000"}],
        "mint": {"minter": DEV0.bech32_address},
    }
    return instantiate(chain, store(chain, "cw20"), init)


def balance(chain: Chain, token: bytes, who: str) -> int:
    return int(query(chain, token, {"balance": {"address": who}})["balance"])


def test_transfer_moves_tokens_and_reports_cw20_attributes(chain: Chain, token: bytes) -> None:
    result = ok(
        execute(chain, token, {"transfer": {"recipient": DEV1.bech32_address, "amount": "2500"}})
    )
    assert balance(chain, token, DEV0.bech32_address) == 997_500
    assert balance(chain, token, DEV1.bech32_address) == 2500
    (attrs,) = events(result, "wasm")
    assert attrs["action"] == "transfer" and attrs["amount"] == "2500"
    assert attrs["from"] == DEV0.bech32_address and attrs["to"] == DEV1.bech32_address


def test_overdraft_and_bad_recipient_fail_without_change(chain: Chain, token: bytes) -> None:
    result = execute(
        chain, token, {"transfer": {"recipient": DEV1.bech32_address, "amount": "5"}}, key=DEV2
    )
    assert not result.success and "Overflow" in result.log
    result = execute(chain, token, {"transfer": {"recipient": "cosmos1xyz", "amount": "5"}})
    assert not result.success and "addr_validate" in result.log
    assert balance(chain, token, DEV0.bech32_address) == 1_000_000


def test_mint_by_the_minter_only_and_burn(chain: Chain, token: bytes) -> None:
    ok(execute(chain, token, {"mint": {"recipient": DEV2.bech32_address, "amount": "40"}}))
    assert not execute(
        chain, token, {"mint": {"recipient": DEV2.bech32_address, "amount": "1"}}, key=DEV2
    ).success
    ok(execute(chain, token, {"burn": {"amount": "10"}}, key=DEV2))
    assert balance(chain, token, DEV2.bech32_address) == 30
    assert query(chain, token, {"token_info": {}})["total_supply"] == "1000030"


def test_send_to_a_contract_calls_its_receive_and_fails_atomically(
    chain: Chain, token: bytes
) -> None:
    counter = instantiate(chain, store(chain, "counter"), {})
    msg = base64.b64encode(b"{}").decode()
    result = execute(
        chain, token, {"send": {"contract": to_bech32(counter), "amount": "100", "msg": msg}}
    )
    # the counter has no `receive`: its error fails the send, and the tokens stay put
    assert not result.success and "execute wasm contract failed" in result.log
    assert balance(chain, token, DEV0.bech32_address) == 1_000_000
    assert balance(chain, token, to_bech32(counter)) == 0
