"""Every failure mode is a clean error with a stable code, and leaves nothing behind.

Store-time rejections, unknown ids, malformed messages, contract errors, traps, out of gas, memory
and response limits: each is a failed transaction (a value, with its gas), the nonce advances, no
state changes, and the chain goes on building blocks.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest

from qorenode.addresses import to_bech32
from qorenode.interfaces import TxResult
from tests.unit.core.chainkit import Chain
from tests.unit.cosmwasm.wasmkit import (
    DEV0,
    DEV1,
    STORE,
    execute,
    execute_msg,
    instantiate,
    instantiate_msg,
    ok,
    query,
    run,
    store,
    wasm,
)


def _store_raw(chain: Chain, code: bytes) -> TxResult:
    msg = {
        "@type": STORE,
        "sender": to_bech32(DEV0.address),
        "wasm_byte_code": base64.b64encode(code).decode(),
    }
    return run(chain, msg)


def _failed(result: TxResult, codespace: str, code: int, text: str = "") -> None:
    assert not result.success
    assert (result.codespace, result.code) == (codespace, code), result.log
    assert text in result.log


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("no_interface", "interface_version"),
        ("old_interface", "interface_version_7"),
        ("missing_allocate", "allocate"),
        ("unknown_capability", "teleport"),
        ("unknown_import", "env.teleport"),
    ],
)
def test_store_rejects_bad_modules(chain: Chain, name: str, text: str) -> None:
    _failed(_store_raw(chain, wasm(name)), "wasm", 2, text)
    assert chain.comp.wasm.keeper.codes() == []  # type: ignore[union-attr]


def test_store_rejects_invalid_wasm_and_oversize_code(chain: Chain) -> None:
    _failed(_store_raw(chain, b"\x00asm\x01\x00\x00\x00garbage"), "wasm", 2, "invalid wasm")
    _failed(_store_raw(chain, os.urandom(1000)), "wasm", 2, "not a wasm binary")
    _failed(_store_raw(chain, b"\x00asm" + bytes(800 * 1024)), "wasm", 13, "over the limit")
    assert chain.comp.wasm.keeper.codes() == []  # type: ignore[union-attr]
    assert store(chain, "minimal") == 1  # the chain goes on


def test_unknown_code_and_contract(chain: Chain) -> None:
    _failed(run(chain, instantiate_msg(42, {})), "wasm", 28, "no such code")
    nowhere = bytes(32)
    _failed(execute(chain, nowhere, {"increment": {}}), "wasm", 22, "no such contract")


def test_messages_that_are_not_json_or_malformed(chain: Chain) -> None:
    address = instantiate(chain, store(chain, "counter"), {})
    msg: dict[str, Any] = execute_msg(address, "{not json")
    _failed(run(chain, msg), "wasm", 14, "not valid JSON")
    msg = {**execute_msg(address, {}), "contract": "qor1notanaddress"}
    _failed(run(chain, msg), "wasm", 14, "invalid contract")
    msg = {**execute_msg(address, {}), "funds": [{"denom": "uatom", "amount": "1"}]}
    _failed(run(chain, msg), "wasm", 10, "unknown denom")
    msg = {**instantiate_msg(1, {}), "label": ""}
    _failed(run(chain, msg), "wasm", 12, "label")


def test_sender_must_be_the_signer(chain: Chain) -> None:
    address = instantiate(chain, store(chain, "counter"), {})
    msg = execute_msg(address, {"increment": {}}, key=DEV1)
    _failed(run(chain, msg, key=DEV0), "sdk", 4, "not the signer")


def test_contract_error_reverts_the_transaction(chain: Chain) -> None:
    address = instantiate(chain, store(chain, "counter"), {"count": 5})
    nonce = chain.evm.get_nonce(DEV0.address)
    result = execute(chain, address, {"no_such_variant": {}})
    _failed(result, "wasm", 5, "execute wasm contract failed")
    assert result.gas_used > 0
    assert chain.evm.get_nonce(DEV0.address) == nonce + 1  # the sequence still advances
    assert query(chain, address, {"get_count": {}}) == {"count": 5}


def test_out_of_gas_ends_cleanly_with_no_state_change(chain: Chain) -> None:
    address = instantiate(chain, store(chain, "counter"), {"count": 1}, funds=0)
    before = chain.evm.get_balance(DEV0.address)
    result = execute(chain, address, {"increment": {}}, funds=10, gas=81_000)
    _failed(result, "node", 30, "out of gas")
    assert result.gas_used == 81_000
    assert query(chain, address, {"get_count": {}}) == {"count": 1}
    assert chain.evm.get_balance(DEV0.address) == before
    assert chain.bank.balance(address) == 0


def _failure_contract(chain: Chain, name: str) -> bytes:
    return instantiate(chain, store(chain, name), {})


def test_panic_is_an_execute_failure(chain: Chain) -> None:
    address = _failure_contract(chain, "panic")
    _failed(execute(chain, address, {}), "wasm", 5, "unreachable")


def test_infinite_loop_runs_out_of_gas(chain: Chain) -> None:
    address = _failure_contract(chain, "loop")
    result = execute(chain, address, {}, gas=81_000)
    _failed(result, "node", 30, "out of gas")
    assert result.gas_used == 81_000


def test_infinite_loop_with_ample_gas_hits_the_compute_limit(chain: Chain) -> None:
    chain.comp.wasm.host.max_call_operations = 50_000_000  # type: ignore[union-attr]
    address = _failure_contract(chain, "loop")
    result = execute(chain, address, {}, gas=2_000_000)
    _failed(result, "wasm", 6, "compute limit exceeded")
    # charged for what ran: the operations at 320 CosmWasm gas each, not the whole limit
    assert 80_000 + 50_000_000 * 320 // 140_000_000 <= result.gas_used < 2_000_000


def test_storage_loop_runs_out_of_gas_and_writes_nothing(chain: Chain) -> None:
    address = _failure_contract(chain, "storage_loop")
    keeper = chain.comp.wasm.keeper  # type: ignore[union-attr]
    before = keeper.contract_state(address)
    _failed(execute(chain, address, {}, gas=5_000_000), "node", 30, "out of gas")
    assert keeper.contract_state(address) == before


def test_memory_bomb_fails_at_the_memory_cap(chain: Chain) -> None:
    address = _failure_contract(chain, "membomb")
    result = execute(chain, address, {}, gas=30_000_000)
    assert not result.success and result.codespace in ("wasm", "node")


def test_huge_response_is_refused(chain: Chain) -> None:
    address = _failure_contract(chain, "huge_response")
    _failed(execute(chain, address, {}, gas=30_000_000), "wasm", 5, "exceeds limit")


def test_result_that_is_not_json_is_a_vm_error(chain: Chain) -> None:
    address = _failure_contract(chain, "bad_result")
    _failed(execute(chain, address, {}), "wasm", 29, "not JSON")


def test_chain_keeps_going_after_every_failure(chain: Chain) -> None:
    panic = _failure_contract(chain, "panic")
    counter = instantiate(chain, store(chain, "counter"), {})
    notice = chain.mine(
        chain.native_tx(DEV0, [execute_msg(panic, {})], gas_limit=5_000_000),
        chain.native_tx(DEV1, [execute_msg(counter, {"increment": {}}, key=DEV1)]),
    )
    assert [r.success for r in notice.results] == [False, True]
    assert query(chain, counter, {"get_count": {}}) == {"count": 1}
    ok(execute(chain, counter, {"increment": {}}))
