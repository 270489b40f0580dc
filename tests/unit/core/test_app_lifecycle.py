"""The application's block lifecycle through a test module that implements every hook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_hash.auto import keccak

from qorenode.app import BlockBuildError
from qorenode.errors import InternalError, UnknownMessageType
from qorenode.interfaces import Module, TxKind
from qorenode.keys import dev_key
from qorenode.store import Database
from tests.unit.core.chainkit import Chain, calldata, error_string
from tests.unit.core.recorder import (
    MSG_RECORD,
    PRECOMPILE,
    InlineServices,
    Recorder,
    RecordFailed,
    RegistryStub,
    commit_key,
    solana_tx,
)

DEV0 = dev_key(0)
DEV1 = dev_key(1)


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    c = Chain(tmp_path / "data", extra=[Recorder])
    yield c
    c.close()


def recorder(chain: Chain) -> Recorder:
    module = chain.extra[0]
    assert isinstance(module, Recorder)
    return module


def block_calls(rec: Recorder, height: int) -> list[str]:
    """The recorder's block hooks from ``begin_block(height)`` on, by name."""
    start = rec.calls.index(("begin_block", height))
    return [c[0] for c in rec.calls[start:]]


# -- composition --------------------------------------------------------------------------------


def test_module_is_installed_last_and_routes_its_kind(chain: Chain) -> None:
    rec = recorder(chain)
    assert chain.app.modules[-1] is rec
    assert [m.name for m in chain.app.modules[:4]] == ["evm", "bank", "wasm", "tx"]
    assert chain.app.route(TxKind.SOLANA) is rec
    assert chain.app.route(TxKind.EVM) is chain.evm
    assert chain.app.msg_handler(MSG_RECORD).__self__ is rec  # type: ignore[attr-defined]
    with pytest.raises(UnknownMessageType):
        chain.app.msg_handler("/nope.v1.Msg")


def test_set_modules_again_replaces_routes(chain: Chain) -> None:
    app = chain.app
    app.set_modules(app.modules[:3])  # without the recorder
    assert len(app.modules) == 3
    with pytest.raises(InternalError):
        app.route(TxKind.SOLANA)
    with pytest.raises(UnknownMessageType):
        app.msg_handler(MSG_RECORD)


def test_two_modules_routing_one_kind_are_refused(chain: Chain) -> None:
    class Clash(Module):
        name = "clash"

        def tx_kinds(self) -> Any:
            return (TxKind.EVM,)

    before = list(chain.app.modules)
    with pytest.raises(ValueError, match="two modules route"):
        chain.app.set_modules([*before, Clash()])
    assert chain.app.modules == before  # a refused set leaves the installed one as it was
    assert chain.app.route(TxKind.SOLANA) is recorder(chain)


def test_check_tx_is_routed(chain: Chain) -> None:
    ok, refused = solana_tx(b"fine"), solana_tx(b"refuse")
    chain.app.check_tx(ok)
    with pytest.raises(RecordFailed):
        chain.app.check_tx(refused)
    assert ("check_tx", ok.tx_hash) in recorder(chain).calls


# -- genesis ------------------------------------------------------------------------------------


def test_genesis_writes_at_height_zero(chain: Chain) -> None:
    rec = recorder(chain)
    assert chain.app.height == 0
    assert rec.calls[:3] == [("init_genesis", 0), ("commit", 0), ("after_commit", 0)]
    assert not any(c[0] in ("begin_block", "end_block", "load") for c in rec.calls)
    assert chain.db.get(b"rec/genesis") == str(chain.genesis["genesis_time"]).encode()
    assert chain.db.get(commit_key(0)) == b"sealed"
    assert chain.app.chain_store.height() == 0
    genesis_block = chain.app.chain_store.block(0)
    assert genesis_block is not None
    assert genesis_block.hash == bytes(chain.evm.head.hash)
    assert genesis_block.parent_hash == b"\x00" * 32
    assert genesis_block.timestamp == chain.genesis["genesis_time"]
    assert not chain.app.state.dirty


# -- a block ------------------------------------------------------------------------------------


def test_hook_order_within_a_block(chain: Chain) -> None:
    rec = recorder(chain)
    tx = solana_tx(b"hello")
    notice = chain.mine(tx)
    assert notice.record.height == 1
    assert block_calls(rec, 1) == [
        "begin_block",
        "deliver_tx",
        "end_block",
        "commit",
        "after_commit",
    ]
    assert ("deliver_tx", tx.tx_hash) in rec.calls
    assert notice.extras["recorder"] == {"height": 1}
    assert set(notice.extras) == {"evm", "bank", "wasm", "tx", "crossvm", "recorder"}


def test_block_events_and_tx_results_are_stored(chain: Chain) -> None:
    tx = solana_tx(b"payload-1")
    notice = chain.mine(tx)
    stored = chain.app.chain_store.block(1)
    assert stored is not None
    assert stored.tx_hashes == [tx.tx_hash]
    assert [e.type for e in stored.events] == ["recorder_end_block"]
    assert stored.events[0].attribute("height") == "1"
    assert stored == notice.record
    assert stored.parent_hash == chain.app.chain_store.block(0).hash
    assert chain.app.chain_store.height_of(stored.hash) == 1
    record = chain.app.chain_store.tx(tx.tx_hash)
    assert record is not None
    assert record["height"] == 1 and record["index"] == 0
    assert bytes.fromhex(record["raw"]) == b"payload-1"
    assert record["result"]["success"] is True
    assert record["result"]["gas_used"] == 7
    assert record["result"]["events"] == [
        {"type": "recorded", "attributes": [{"key": "payload", "value": "payload-1"}]}
    ]


def test_commit_writes_land_in_one_batch_after_the_block(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = recorder(chain)
    batches: list[dict[bytes, bytes | None]] = []
    real_write = Database.write

    def spy(self: Database, writes: dict[bytes, bytes | None]) -> None:
        batches.append(dict(writes))
        real_write(self, writes)

    monkeypatch.setattr(Database, "write", spy)
    tx = solana_tx(b"batch")
    assert chain.db.get(commit_key(1)) is None
    chain.mine(tx)
    assert len(batches) == 1
    batch = batches[0]
    assert batch[commit_key(1)] == b"sealed"
    assert b"rec/tx/" + tx.tx_hash in batch
    assert b"chain/height" in batch
    assert any(k.startswith(b"evm/") for k in batch)  # the EVM's sealed block too
    assert rec.disk_during_commit is None  # not on disk while modules commit
    assert rec.disk_after_commit == b"sealed"  # on disk when after_commit runs
    assert chain.db.get(commit_key(1)) == b"sealed"
    assert not chain.app.state.dirty


def test_native_message_handled_by_the_test_module(chain: Chain) -> None:
    rec = recorder(chain)
    tx = chain.native_tx(DEV0, [{"@type": MSG_RECORD, "key": "k1", "value": "v1"}])
    nonce = chain.evm.get_nonce(DEV0.address)
    notice = chain.mine(tx)
    result = notice.results[0]
    assert result.success, result.log
    assert result.details["msg_responses"] == [b"recorded:k1".hex()]
    assert [e.type for e in result.events] == ["record"]
    assert result.events[0].attribute("signer") == DEV0.address.hex()
    assert chain.db.get(b"rec/msg/k1") == b"v1"
    assert rec.side[b"msg/k1"] == b"v1"
    assert chain.evm.get_nonce(DEV0.address) == nonce + 1


def test_failing_native_message_reverts_kv_and_side_store(chain: Chain) -> None:
    rec = recorder(chain)
    tx = chain.native_tx(
        DEV0,
        [
            {"@type": MSG_RECORD, "key": "first", "value": "1"},
            {"@type": MSG_RECORD, "key": "second", "value": "2", "fail": True},
        ],
    )
    nonce = chain.evm.get_nonce(DEV0.address)
    notice = chain.mine(tx)
    result = notice.results[0]
    assert not result.success
    assert (result.code, result.codespace) == (7, "recorder")
    assert result.log.startswith("message 1: asked to fail")
    assert chain.db.get(b"rec/msg/first") is None
    assert chain.db.get(b"rec/msg/second") is None
    assert b"msg/first" not in rec.side and b"msg/second" not in rec.side
    assert chain.evm.get_nonce(DEV0.address) == nonce + 1  # the nonce still advances
    assert any(kind == "revert" for kind, _ in rec.frames)


def test_native_tx_with_unknown_message_is_refused_at_admission(chain: Chain) -> None:
    with pytest.raises(UnknownMessageType):
        chain.native_tx(DEV0, [{"@type": "/unknown.v1.Msg"}])


def test_register_api_with_a_registry_stub(chain: Chain) -> None:
    registry = RegistryStub()
    for module in chain.app.modules:
        module.register_api(registry, InlineServices())  # type: ignore[arg-type]
    assert "rec_count" in registry.rpc
    assert ("GET", "/recorder/{key}") in registry.rest
    assert "rec_blocks" in registry.subscriptions
    # the other modules registered theirs alongside
    assert "qor_sendTransaction" in registry.rpc
    assert ("GET", "/cosmos/bank/v1beta1/supply") in registry.rest


async def test_registered_handlers_answer(chain: Chain) -> None:
    registry = RegistryStub()
    recorder(chain).register_api(registry, InlineServices())  # type: ignore[arg-type]
    chain.mine(solana_tx(b"one"), solana_tx(b"two"))
    assert await registry.rpc["rec_count"]() == 2
    answer = await registry.rest[("GET", "/recorder/{key}")]({"key": "genesis"}, {}, None)
    assert answer == {"value": str(chain.genesis["genesis_time"])}


# -- a failing block ----------------------------------------------------------------------------


def test_failing_deliver_abandons_the_block(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = recorder(chain)
    reverted: list[str] = []
    for module in chain.app.modules[:4]:

        def spy(module: Any = module, original: Any = module.revert_block) -> None:
            reverted.append(module.name)
            original()

        monkeypatch.setattr(module, "revert_block", spy)

    head = chain.evm.head
    last = chain.app.last_block
    balance0 = chain.evm.get_balance(DEV0.address)
    nonce0 = chain.evm.get_nonce(DEV0.address)
    transfer = chain.evm_tx(DEV0, DEV1.address, value=10**18, gas=21_000)
    good = solana_tx(b"fine")
    bad = solana_tx(b"boom")

    with pytest.raises(BlockBuildError) as info:
        chain.mine(transfer, good, bad)
    assert info.value.tx_hash == bad.tx_hash
    assert "recorder exploded" in str(info.value)
    assert isinstance(info.value.__cause__, RuntimeError)

    assert reverted == ["evm", "bank", "wasm", "tx"]
    assert rec.calls[-1] == ("revert_block",)
    assert "commit" not in block_calls(rec, 1)
    assert not chain.app.state.dirty
    assert chain.app.height == 0
    assert chain.app.last_block is last
    assert chain.app.chain_store.height() == 0
    assert chain.evm.head.hash == head.hash
    assert not chain.evm.building
    assert chain.evm.get_balance(DEV0.address) == balance0
    assert chain.evm.get_nonce(DEV0.address) == nonce0
    assert chain.app.chain_store.tx(transfer.tx_hash) is None
    assert chain.db.get(b"rec/tx/" + good.tx_hash) is None
    assert b"tx/" + good.tx_hash not in rec.side  # revert_block restored the side store
    assert chain.db.get(commit_key(1)) is None

    # the node carries on: the same transactions without the bad one build height 1
    notice = chain.mine(transfer, good)
    assert notice.record.height == 1
    assert notice.record.parent_hash == last.hash
    assert [r.success for r in notice.results] == [True, True]
    assert chain.evm.get_nonce(DEV0.address) == nonce0 + 1


def test_failure_outside_a_transaction_names_none(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = recorder(chain)

    def explode(ctx: Any) -> Any:
        raise RuntimeError("end block exploded")

    monkeypatch.setattr(rec, "end_block", explode)
    with pytest.raises(BlockBuildError) as info:
        chain.mine(solana_tx(b"x"))
    assert info.value.tx_hash is None
    assert chain.app.height == 0
    assert not chain.app.state.dirty


# -- restart ------------------------------------------------------------------------------------


def test_restart_loads_committed_state(chain: Chain) -> None:
    counter = chain.deploy("Counter")
    chain.mine(
        chain.evm_tx(DEV0, counter, calldata("increment()")),
        solana_tx(b"kept"),
        chain.native_tx(DEV1, [{"@type": MSG_RECORD, "key": "r", "value": "v"}]),
    )
    height, block_hash = chain.app.height, chain.app.last_block.hash
    nonce0, nonce1 = chain.evm.get_nonce(DEV0.address), chain.evm.get_nonce(DEV1.address)
    balance1 = chain.evm.get_balance(DEV1.address)

    chain.restart()
    rec = recorder(chain)
    assert rec.calls[0] == ("load", chain.genesis["chain_id"])
    assert not any(c[0] == "init_genesis" for c in rec.calls)
    assert chain.app.height == height == 2
    assert chain.app.last_block.hash == block_hash
    assert bytes(chain.evm.head.hash) == block_hash
    assert chain.storage(counter, 0) == 1
    assert chain.evm.get_nonce(DEV0.address) == nonce0
    assert chain.evm.get_nonce(DEV1.address) == nonce1
    assert chain.evm.get_balance(DEV1.address) == balance1
    assert rec.side[b"msg/r"] == b"v"
    assert rec.store.get(b"genesis") == str(chain.genesis["genesis_time"]).encode()

    # and the chain goes on from there
    notice = chain.mine(chain.evm_tx(DEV0, counter, calldata("increment()")))
    assert notice.record.height == 3
    assert notice.record.parent_hash == block_hash
    assert chain.storage(counter, 0) == 2


# -- EVM call frames and a Python precompile ----------------------------------------------------


@pytest.fixture
def contracts(chain: Chain) -> tuple[bytes, bytes]:
    counter = chain.deploy("Counter")
    caller = chain.deploy("Caller")
    return counter, caller


def frames_in_block(rec: Recorder, start: int) -> list[tuple[str, int]]:
    return rec.frames[start:]


def test_frame_hooks_follow_a_reverted_inner_call(
    chain: Chain, contracts: tuple[bytes, bytes]
) -> None:
    rec = recorder(chain)
    counter, caller = contracts
    start = len(rec.frames)
    inner = calldata("setAndRevert(uint256)", 99)
    tx = chain.evm_tx(DEV0, caller, calldata("tryCall(address,bytes)", counter, inner))
    notice = chain.mine(tx)
    assert notice.results[0].success, notice.results[0].log
    frames = frames_in_block(rec, start)
    snapshots = [t for kind, t in frames if kind == "snapshot"]
    reverts = [t for kind, t in frames if kind == "revert"]
    commits = [t for kind, t in frames if kind == "commit"]
    assert reverts, frames
    assert set(reverts) | set(commits) == set(snapshots)  # every frame closed exactly once
    assert len(reverts) + len(commits) == len(snapshots)
    # the reverted frame opened after the outer (committed) frame and closed before it
    outer = min(snapshots)
    assert outer in commits
    assert frames.index(("revert", reverts[0])) < frames.index(("commit", outer))
    assert chain.storage(counter, 0) == 0  # Counter's write was undone
    assert chain.storage(caller, 0) == 1  # Caller's tries += 1 kept


def test_precompile_write_kept_after_successful_call(
    chain: Chain, contracts: tuple[bytes, bytes]
) -> None:
    rec = recorder(chain)
    _, caller = contracts
    tx = chain.evm_tx(DEV0, caller, calldata("callOrRevert(address,bytes)", PRECOMPILE, b"a|1"))
    notice = chain.mine(tx)
    result = notice.results[0]
    assert result.success, result.log
    (returned,) = abi_decode(["bytes"], result.data)
    assert returned == b"1"
    assert rec.precompile_calls == 1
    assert chain.db.get(b"rec/pc/a") == b"1"
    assert rec.side[b"pc/a"] == b"1"


def test_precompile_write_undone_when_the_outer_frame_reverts(
    chain: Chain, contracts: tuple[bytes, bytes]
) -> None:
    rec = recorder(chain)
    _, caller = contracts
    tx = chain.evm_tx(
        DEV0, caller, calldata("callThenRevert(address,bytes)", PRECOMPILE, b"b|2"), gas=200_000
    )
    notice = chain.mine(tx)
    result = notice.results[0]
    assert not result.success
    assert result.log == "execution reverted: Caller: revert after call"
    assert rec.precompile_calls == 1  # it ran and succeeded...
    assert chain.db.get(b"rec/pc/b") is None  # ...and its write went with the outer frame
    assert b"pc/b" not in rec.side
    record = chain.evm.index.tx(tx.tx_hash)
    assert record is not None and record.status == 0
    assert record.revert_data == error_string("Caller: revert after call")


def test_precompile_write_undone_in_a_nested_reverted_frame(
    chain: Chain, contracts: tuple[bytes, bytes]
) -> None:
    """tryCall(caller, callThenRevert(precompile)): the inner frame reverts, the outer keeps."""
    rec = recorder(chain)
    _, caller = contracts
    inner = calldata("callThenRevert(address,bytes)", PRECOMPILE, b"c|3")
    tx = chain.evm_tx(DEV0, caller, calldata("tryCall(address,bytes)", caller, inner))
    notice = chain.mine(tx)
    assert notice.results[0].success, notice.results[0].log
    assert rec.precompile_calls == 1
    assert chain.db.get(b"rec/pc/c") is None
    assert b"pc/c" not in rec.side
    assert chain.storage(caller, 0) == 1


def test_precompile_revert_caught_by_try_keeps_outer_effects(
    chain: Chain, contracts: tuple[bytes, bytes]
) -> None:
    rec = recorder(chain)
    _, caller = contracts
    tx = chain.evm_tx(DEV0, caller, calldata("tryCall(address,bytes)", PRECOMPILE, b"revert:d|4"))
    other = chain.evm_tx(DEV0, caller, calldata("callOrRevert(address,bytes)", PRECOMPILE, b"e|5"))
    notice = chain.mine(tx, other)
    assert [r.success for r in notice.results] == [True, True], notice.results[0].log
    assert rec.precompile_calls == 2
    # the precompile's own write was reverted with its frame
    assert chain.db.get(b"rec/pc/d") is None
    assert b"pc/d" not in rec.side
    # the outer transaction's other effects stay: tries += 1 and its CallResult log
    assert chain.storage(caller, 0) == 1
    record = chain.evm.index.tx(tx.tx_hash)
    assert record is not None and record.status == 1
    (log,) = record.logs
    assert log.address == caller
    assert log.topics[0] == bytes(keccak(b"CallResult(address,bool,bytes)"))
    assert log.topics[1] == PRECOMPILE.rjust(32, b"\x00")
    ok, ret = abi_decode(["bool", "bytes"], log.data)
    assert ok is False
    assert ret == error_string("recorder: d")
    # the next transaction in the block is unaffected
    assert chain.db.get(b"rec/pc/e") == b"5"


def test_precompile_revert_bubbles_its_reason(chain: Chain, contracts: tuple[bytes, bytes]) -> None:
    _, caller = contracts
    tx = chain.evm_tx(
        DEV0,
        caller,
        calldata("callOrRevert(address,bytes)", PRECOMPILE, b"revert:f|6"),
        gas=200_000,
    )
    notice = chain.mine(tx)
    result = notice.results[0]
    assert not result.success
    assert result.log == "execution reverted: recorder: f"
    assert chain.db.get(b"rec/pc/f") is None
    assert chain.app.height == 3  # the block itself committed


def test_precompile_called_directly_by_a_transaction(chain: Chain) -> None:
    rec = recorder(chain)
    tx = chain.evm_tx(DEV0, PRECOMPILE, b"direct|7", gas=100_000)
    notice = chain.mine(tx)
    result = notice.results[0]
    assert result.success, result.log
    assert result.data == b"7"
    assert chain.db.get(b"rec/pc/direct") == b"7"
    # 21000 intrinsic + calldata + the precompile's own charge
    assert result.gas_used >= 21_000 + 1_000
    assert rec.side[b"pc/direct"] == b"7"


def test_precompile_registry_refuses_a_second_registration(chain: Chain) -> None:
    with pytest.raises(ValueError, match="already registered"):
        chain.evm.precompiles.register(PRECOMPILE, lambda computation: computation)
    with pytest.raises(ValueError, match="already registered"):
        chain.evm.precompiles.register("0x0000000000000000000000000000000000000001", len)
    assert PRECOMPILE in chain.evm.precompiles
