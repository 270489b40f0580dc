"""x/crossvm's params and authority; a block that fails to build leaves no CosmWasm trace."""

from __future__ import annotations

import json
from typing import Any

import pytest

from crossvm.precompile import CROSSVM_ADDRESS
from qorenode.app import BlockBuildError
from qorenode.interfaces import BlockContext, Module, PendingTx, TxKind, TxResult
from qorenode.keys import dev_key
from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.crosskit import World, reason_of

DEV0, DEV1 = dev_key(0), dev_key(1)
UPDATE = "/qorechain.crossvm.v1.MsgUpdateParams"


def _update(world: World, key: Any, params: dict[str, Any]) -> TxResult:
    msg = {"@type": UPDATE, "authority": key.bech32_address, "params": params}
    (result,) = world.chain.mine(world.chain.native_tx(key, [msg])).results
    return result


def test_genesis_params_and_authority(world: World) -> None:
    keeper = world.chain.comp.crossvm.keeper  # type: ignore[union-attr]
    assert keeper.authority() == DEV0.address
    assert keeper.params().to_json() == world.chain.genesis["crossvm"]["params"]


def test_only_the_authority_updates_params(world: World) -> None:
    keeper = world.chain.comp.crossvm.keeper  # type: ignore[union-attr]
    result = _update(world, DEV1, {"max_message_size": "100"})
    assert (result.success, result.codespace, result.code) == (False, "crossvm", 5)
    assert keeper.params().max_message_size == 65_536
    result = _update(world, DEV0, {"max_message_size": "0"})
    assert (result.success, result.code) == (False, 2)
    assert _update(world, DEV0, {"max_message_size": "100"}).success
    assert keeper.params().max_message_size == 100


def test_max_message_size_bounds_the_sync_call(world: World) -> None:
    assert _update(world, DEV0, {"max_message_size": "20"}).success
    small = b'{"increment":{}}'
    big = json.dumps({"increment": {}, "padding": "x" * 40}).encode()
    for message, ok in ((small, True), (big, False)):
        data = calldata("execute(string,bytes)", world.counter_text, message)
        result, record = world.send(CROSSVM_ADDRESS, data)
        assert result.success is ok
        if not ok:
            assert "over max_message_size 20" in reason_of(record.revert_data)
    assert world.count() == 1


class _Exploder(Module):
    """Routes Solana transactions and fails on delivery: the block cannot be built."""

    name = "exploder"

    def tx_kinds(self) -> tuple[TxKind, ...]:
        return (TxKind.SOLANA,)

    def deliver_tx(self, ctx: BlockContext, tx: PendingTx) -> TxResult:
        raise RuntimeError("boom")


def test_a_block_that_fails_to_build_leaves_no_cosmwasm_trace(world: World) -> None:
    app = world.chain.app
    svm = next(m for m in app.modules if m.name == "svm")
    app.set_modules([*(m for m in app.modules if m is not svm), _Exploder()])
    cross = world.tx(world.cc, calldata("increment()"))
    native = world.chain.native_tx(
        DEV1,
        [
            {
                "@type": "/cosmwasm.wasm.v1.MsgExecuteContract",
                "sender": DEV1.bech32_address,
                "contract": world.counter_text,
                "msg": {"increment": {}},
                "funds": [],
            }
        ],
    )
    bad = PendingTx(TxKind.SOLANA, b"\x01" * 32, b"x", None, b"", 0, 0)
    with pytest.raises(BlockBuildError):
        world.chain.mine(cross, native, bad)
    assert world.count() == 0
    assert not app.state.dirty
    # and the chain goes on from the last commit
    app.set_modules([*(m for m in app.modules if m.name != "exploder"), svm])
    result, _ = world.cc_send("increment()")
    assert result.success and world.count() == 1


def test_params_over_json_rpc_and_rest(world: World) -> None:
    import trio

    from qorenode.rpc.registry import ApiRegistry
    from tests.unit.crossvm.crosskit import StubNode

    registry = ApiRegistry()
    world.chain.comp.crossvm.register_api(registry, StubNode(world.chain))  # type: ignore[union-attr]

    async def main() -> tuple[Any, Any]:
        method = registry.method("qor_getCrossVMParams")
        route = registry.match_route("GET", "/qorechain/crossvm/v1/params")
        assert method is not None and route is not None
        return await method.handler(), await route.route.handler({}, {}, None)

    rpc, rest = trio.run(main)
    assert rpc == rest
    assert rpc["authority"] == DEV0.bech32_address
    assert rpc["params"]["queue_timeout_blocks"] == "100"
