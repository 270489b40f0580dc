"""Who CosmWasm sees: info.sender is the bech32 of 0x901's immediate caller (the contract, not
the signer); aliasOf maps other VMs' senders onto the EVM (DESIGN §5, "Identity delivered")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_hash.auto import keccak

from qorenode.addresses import to_bech32
from qorenode.rpc.registry import ApiRegistry
from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.crosskit import (
    CROSSVM,
    DEV0,
    DEV1,
    StubNode,
    World,
    cosmwasm_logs,
    reason_of,
    type_topic,
)
from vms.evm.errors import CallReverted


def token_init(*holders: tuple[str, int]) -> dict[str, Any]:
    return {
        "name": "Cross Token",
        "symbol": "XTK",
        "decimals": 6,
        "initial_balances": [{"address": a, "amount": str(n)} for a, n in holders],
        "mint": None,
    }


def cw20_balance(world: World, token: bytes, who: str) -> int:
    from tests.unit.cosmwasm.wasmkit import query

    return int(query(world.chain, token, {"balance": {"address": who}})["balance"])


def transfer_msg(recipient: str, amount: int) -> bytes:
    return json.dumps(
        {"transfer": {"recipient": recipient, "amount": str(amount)}}, separators=(",", ":")
    ).encode()


def test_cross_token_spends_its_own_cw20_balance(world: World) -> None:
    xt = world.chain.deploy("CrossToken")
    xt_text = to_bech32(xt)
    token = world.contract("cw20", token_init((xt_text, 1000), (DEV0.bech32_address, 500)))
    token_text = to_bech32(token)
    # signed by dev0, but the cw20 sees CrossToken as the sender
    result, record = world.send(
        xt, calldata("transfer(string,string,uint256)", token_text, DEV1.bech32_address, 300)
    )
    assert result.success, result.log
    assert cw20_balance(world, token, xt_text) == 700
    assert cw20_balance(world, token, DEV1.bech32_address) == 300
    assert cw20_balance(world, token, DEV0.bech32_address) == 500
    (wasm,) = [log for log in cosmwasm_logs(record) if log[0] == type_topic("wasm")]
    attrs = dict(zip(wasm[2], wasm[3], strict=True))
    assert attrs["from"] == xt_text and attrs["to"] == DEV1.bech32_address
    # balanceOf through query
    raw = world.view(xt, "balanceOf(string,string)", ["bytes"], token_text, xt_text)
    assert json.loads(raw) == {"balance": "700"}
    # more than CrossToken holds: the cw20's own error, after the crossvm prefix
    result, record = world.send(
        xt, calldata("transfer(string,string,uint256)", token_text, DEV1.bech32_address, 701)
    )
    assert not result.success
    reason = reason_of(record.revert_data)
    assert reason.startswith("crossvm: ") and "Overflow" in reason
    assert cw20_balance(world, token, xt_text) == 700


def test_an_account_calling_0x901_is_itself(world: World) -> None:
    token = world.contract("cw20", token_init((DEV1.bech32_address, 50)))
    data = calldata(
        "execute(string,bytes)", to_bech32(token), transfer_msg(DEV0.bech32_address, 20)
    )
    result, _ = world.send(CROSSVM, data, key=DEV1)
    assert result.success, result.log
    assert cw20_balance(world, token, DEV1.bech32_address) == 30
    assert cw20_balance(world, token, DEV0.bech32_address) == 20
    # dev0 holds 20 now, so dev0's own call works, and dev0 cannot spend dev1's
    result, _ = world.send(
        CROSSVM,
        calldata("execute(string,bytes)", to_bech32(token), transfer_msg(DEV1.bech32_address, 21)),
    )
    assert not result.success
    assert cw20_balance(world, token, DEV0.bech32_address) == 20


def test_sender_is_the_immediate_caller_at_depth(world: World) -> None:
    a, b, c = (world.chain.deploy("CrossDepth") for _ in range(3))
    token = world.contract("cw20", token_init((to_bech32(c), 100)))
    token_text = to_bech32(token)

    def run(chain: list[bytes], catch_at: int) -> Any:
        data = calldata(
            "run(address[],uint256,uint256,string,bytes)",
            chain,
            0,
            catch_at,
            token_text,
            transfer_msg(DEV1.bech32_address, 40),
        )
        return world.send(a, data)

    # C executes (A -> B -> C): C's tokens move
    result, _ = run([b, c], 0)
    assert result.success, result.log
    assert cw20_balance(world, token, to_bech32(c)) == 60
    assert cw20_balance(world, token, DEV1.bech32_address) == 40
    # B executes (A -> B): B holds nothing; A catches the failure
    result, _ = run([b], 1)
    assert result.success, result.log
    caught = world.view(a, "caught()", ["bytes"])
    assert "Overflow" in reason_of(caught)
    assert cw20_balance(world, token, to_bech32(c)) == 60


# -- aliasOf ------------------------------------------------------------------------------------


def alias_of(world: World, source_vm: int, sender: bytes) -> bytes:
    out = world.call(CROSSVM, calldata("aliasOf(uint8,bytes)", source_vm, sender))
    (address,) = abi_decode(["address"], out)
    return bytes.fromhex(address[2:])


def expected_alias(source_vm: int, sender: bytes) -> bytes:
    return bytes(keccak(b"qorechain/crossvm/alias" + bytes([source_vm]) + sender))[12:]


def test_alias_of_an_evm_sender_is_itself(world: World) -> None:
    assert alias_of(world, 0, DEV0.address) == DEV0.address
    assert alias_of(world, 0, world.cc) == world.cc


def test_alias_of_a_cosmwasm_contract(world: World) -> None:
    assert len(world.counter) == 32
    alias = alias_of(world, 1, world.counter)
    assert alias == expected_alias(1, world.counter)
    assert alias == bytes(keccak(b"qorechain/crossvm/alias" + b"\x01" + world.counter))[12:]
    # a 20-byte CosmWasm account is the same key as on the EVM
    assert alias_of(world, 1, DEV1.address) == DEV1.address


def test_alias_of_an_svm_key(world: World) -> None:
    key = bytes(range(1, 33))
    assert alias_of(world, 2, key) == expected_alias(2, key)
    assert alias_of(world, 2, key) != alias_of(world, 1, key)


@pytest.mark.parametrize(
    ("source_vm", "sender"),
    [(0, bytes(32)), (0, bytes(19)), (1, bytes(31)), (2, b""), (3, bytes(20))],
)
def test_alias_of_refuses_bad_input(world: World, source_vm: int, sender: bytes) -> None:
    with pytest.raises(CallReverted) as reverted:
        world.call(CROSSVM, calldata("aliasOf(uint8,bytes)", source_vm, sender))
    assert reason_of(reverted.value.revert_data).startswith("crossvm: ")


def test_alias_of_works_under_staticcall(world: World) -> None:
    caller = world.chain.deploy("Caller")
    inner = calldata("aliasOf(uint8,bytes)", 1, world.counter)
    ok, ret = abi_decode(
        ["bool", "bytes"],
        world.call(caller, calldata("doStaticCall(address,bytes)", CROSSVM, inner)),
    )
    assert ok is True
    (address,) = abi_decode(["address"], ret)
    assert bytes.fromhex(address[2:]) == expected_alias(1, world.counter)


async def test_json_rpc_alias_agrees_with_the_precompile(world: World) -> None:
    registry = ApiRegistry()
    world.chain.comp.crossvm.register_api(registry, StubNode(world.chain))
    entry = registry.method("qor_crossVMAlias")
    assert entry is not None
    answer = await entry.handler("evm", "cosmwasm", world.counter_text)
    assert answer == "0x" + alias_of(world, 1, world.counter).hex()
    answer = await entry.handler(0, 0, "0x" + DEV0.address.hex())
    assert answer == "0x" + DEV0.address.hex()
