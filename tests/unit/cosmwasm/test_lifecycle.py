"""Contract lifecycle through native transactions in real blocks: store, instantiate, execute,
query, migrate, admin; funds through the one ledger; restart and the module cache."""

from __future__ import annotations

import base64
import hashlib

from qorenode.addresses import to_bech32
from tests.unit.core.chainkit import Chain
from tests.unit.cosmwasm.wasmkit import (
    CLEAR_ADMIN,
    DEV0,
    DEV1,
    MIGRATE,
    UPDATE_ADMIN,
    events,
    execute,
    instantiate,
    instantiate_msg,
    ok,
    query,
    response,
    run,
    store,
    wasm,
)


def test_store_code_records_checksum_and_creator(chain: Chain) -> None:
    code_id = store(chain, "counter")
    assert code_id == 1
    info = chain.comp.wasm.keeper.code_info(1)  # type: ignore[union-attr]
    assert info.checksum == hashlib.sha256(wasm("counter")).digest()
    assert info.creator == DEV0.address
    assert info.size == len(wasm("counter"))
    assert store(chain, "counter") == 2  # the same wasm again gets a new id, as in wasmd


def test_first_contract_has_wasmds_classic_address(chain: Chain) -> None:
    code_id = store(chain, "counter")
    address = instantiate(chain, code_id, {"count": 7})
    # wasmd's first contract of code 1 (wasm14hj2tavq8...) under this chain's prefix
    assert to_bech32(address) == "qor14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s93uuqt"
    assert query(chain, address, {"get_count": {}}) == {"count": 7}


def test_execute_changes_state_and_emits_wasmd_events(chain: Chain) -> None:
    address = instantiate(chain, store(chain, "counter"), {})
    result = ok(execute(chain, address, {"increment": {}}))
    assert events(result, "execute") == [{"_contract_address": to_bech32(address)}]
    (wasm_event,) = [e for e in result.events if e.type == "wasm"]
    assert wasm_event.attributes[0] == ("_contract_address", to_bech32(address))
    ok(execute(chain, address, {"increment": {}}))
    assert query(chain, address, {"get_count": {}}) == {"count": 2}
    ok(execute(chain, address, {"reset": {"count": 40}}))
    assert query(chain, address, {"get_count": {}}) == {"count": 40}


def test_funds_move_through_the_one_ledger(chain: Chain) -> None:
    before = chain.evm.get_balance(DEV0.address)
    address = instantiate(chain, store(chain, "counter"), {}, funds=1000)
    assert chain.bank.balance(address) == 1000
    assert chain.evm.get_balance(DEV0.address) == before - 1000  # no fees on the devnet
    ok(execute(chain, address, {"increment": {}}, key=DEV1, funds=5))
    assert chain.bank.balance(address) == 1005


def test_funds_beyond_the_balance_fail_without_state_change(chain: Chain) -> None:
    code_id = store(chain, "counter")
    balance = chain.evm.get_balance(DEV1.address)
    result = run(chain, instantiate_msg(code_id, {}, key=DEV1, funds=balance + 1), DEV1)
    assert not result.success and result.codespace == "bank"
    assert chain.comp.wasm.keeper.contracts_by_code(code_id) == []  # type: ignore[union-attr]
    assert chain.evm.get_balance(DEV1.address) == balance


def test_contract_info_and_listing(chain: Chain) -> None:
    code_id = store(chain, "counter")
    first = instantiate(chain, code_id, {}, label="first")
    second = instantiate(chain, code_id, {}, admin=None, label="second")
    keeper = chain.comp.wasm.keeper  # type: ignore[union-attr]
    assert sorted(keeper.contracts_by_code(code_id)) == sorted([first, second])
    info = keeper.contract_info(first)
    assert (info.code_id, info.creator, info.admin, info.label) == (
        code_id,
        DEV0.address,
        DEV0.address,
        "first",
    )
    assert info.created_height == chain.app.height - 1
    assert keeper.contract_info(second).admin is None


def _migrate(chain: Chain, contract: bytes, code_id: int, key=DEV0):  # type: ignore[no-untyped-def]
    msg = {
        "@type": MIGRATE,
        "sender": to_bech32(key.address),
        "contract": to_bech32(contract),
        "code_id": str(code_id),
        "msg": {},
    }
    return run(chain, msg, key)


def test_migrate_by_admin_switches_code_and_keeps_state(chain: Chain) -> None:
    v1 = store(chain, "counter")
    v2 = store(chain, "counter_v2")
    address = instantiate(chain, v1, {"count": 10})
    result = ok(_migrate(chain, address, v2))
    assert events(result, "migrate") == [
        {"code_id": str(v2), "_contract_address": to_bech32(address)}
    ]
    keeper = chain.comp.wasm.keeper  # type: ignore[union-attr]
    assert keeper.contract_info(address).code_id == v2
    assert keeper.contracts_by_code(v1) == [] and keeper.contracts_by_code(v2) == [address]
    ok(execute(chain, address, {"increment": {}}))
    assert query(chain, address, {"get_count": {}})["count"] == 12  # v2 adds two


def test_migrate_by_someone_else_is_unauthorized(chain: Chain) -> None:
    v1 = store(chain, "counter")
    v2 = store(chain, "counter_v2")
    address = instantiate(chain, v1, {"count": 1})
    result = _migrate(chain, address, v2, key=DEV1)
    assert (result.success, result.codespace, result.code) == (False, "sdk", 4)
    assert chain.comp.wasm.keeper.contract_info(address).code_id == v1  # type: ignore[union-attr]


def test_update_and_clear_admin(chain: Chain) -> None:
    v1 = store(chain, "counter")
    v2 = store(chain, "counter_v2")
    address = instantiate(chain, v1, {})
    update = {
        "@type": UPDATE_ADMIN,
        "sender": to_bech32(DEV0.address),
        "new_admin": to_bech32(DEV1.address),
        "contract": to_bech32(address),
    }
    result = ok(run(chain, update))
    assert events(result, "update_contract_admin")[0]["new_admin_address"] == to_bech32(
        DEV1.address
    )
    assert not _migrate(chain, address, v2, key=DEV0).success  # no longer the admin
    clear = {
        "@type": CLEAR_ADMIN,
        "sender": to_bech32(DEV1.address),
        "contract": to_bech32(address),
    }
    ok(run(chain, clear, key=DEV1))
    result = _migrate(chain, address, v2, key=DEV1)
    assert (result.success, result.code) == (False, 4)
    assert "no admin" in result.log


def test_store_response_and_events(chain: Chain) -> None:
    msg = {
        "@type": "/cosmwasm.wasm.v1.MsgStoreCode",
        "sender": to_bech32(DEV0.address),
        "wasm_byte_code": base64.b64encode(wasm("counter")).decode(),
    }
    result = ok(run(chain, msg))
    checksum = hashlib.sha256(wasm("counter")).hexdigest()
    assert response(result) == {"code_id": "1", "checksum": checksum}
    assert events(result, "store_code") == [{"code_checksum": checksum, "code_id": "1"}]
    assert result.gas_used > 3 * len(wasm("counter"))  # wasmd's compile cost per byte


def test_state_and_compiled_modules_survive_a_restart(chain: Chain) -> None:
    address = instantiate(chain, store(chain, "counter"), {"count": 3})
    ok(execute(chain, address, {"increment": {}}))
    chain.restart()
    host = chain.comp.wasm.host  # type: ignore[union-attr]
    assert query(chain, address, {"get_count": {}}) == {"count": 4}
    ok(execute(chain, address, {"increment": {}}))
    assert query(chain, address, {"get_count": {}}) == {"count": 5}
    assert host.compilations == 1  # no disk cache in this chain: compiled once per process


def test_gas_is_deterministic(chain: Chain) -> None:
    code_id = store(chain, "counter")
    first = instantiate(chain, code_id, {})
    second = instantiate(chain, code_id, {})
    a = ok(execute(chain, first, {"increment": {}}))
    b = ok(execute(chain, second, {"increment": {}}))
    assert a.gas_used == b.gas_used > 60_000  # at least wasmd's instance cost


def test_instantiate2_gives_wasmds_predictable_address(chain: Chain) -> None:
    code_id = store(chain, "counter")
    salt = b"my salt"
    msg = {
        **instantiate_msg(code_id, {"count": 1}),
        "@type": "/cosmwasm.wasm.v1.MsgInstantiateContract2",
        "salt": base64.b64encode(salt).decode(),
        "fix_msg": False,
    }
    result = ok(run(chain, msg))
    # address.Module("wasm", len||checksum || len||creator || len||salt || len||msg(empty))
    checksum = hashlib.sha256(wasm("counter")).digest()
    key = b"".join(len(p).to_bytes(8, "big") + p for p in (checksum, DEV0.address, salt, b""))
    expected = hashlib.sha256(hashlib.sha256(b"module").digest() + b"wasm\x00" + key).digest()
    assert response(result)["address"] == to_bech32(expected)
    assert query(chain, expected, {"get_count": {}}) == {"count": 1}
    again = run(chain, msg)  # same creator, code and salt: the address is taken
    assert (again.success, again.codespace, again.code) == (False, "wasm", 3)
