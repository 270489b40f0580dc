"""x/crossvm's queries: message lookups, the list filter, aliases on every VM, and the refusals
of malformed queries (stable codes, nothing changed)."""

from __future__ import annotations

import pytest

from crossvm.errors import InvalidInput, MessageNotFound, UnknownVm
from crossvm.msgs import record_filter
from qorenode import base58
from qorenode.addresses import to_bech32
from qorenode.interfaces import VmId
from tests.unit.crossvm.asynckit import AsyncWorld, call_msg
from tests.unit.crossvm.crosskit import BAD_MESSAGE, DEV0, DEV1, INCREMENT, hx


def test_the_list_filters_and_orders_newest_first(aw: AsyncWorld) -> None:
    aw.submit(
        call_msg("cosmwasm", aw.counter_text, INCREMENT),
        call_msg("cosmwasm", aw.counter_text, BAD_MESSAGE),
    )
    aw.submit(call_msg("evm", hx(aw.receiver), aw.ping(1), key=DEV1), key=DEV1)
    aw.mine()
    crossvm = aw.crossvm
    assert [r["id"] for r in crossvm.list_json({})] == [3, 2, 1]
    assert [r["id"] for r in crossvm.list_json({"status": "failed"})] == [2]
    assert [r["id"] for r in crossvm.list_json({"target_vm": "evm"})] == [3]
    assert [r["id"] for r in crossvm.list_json({"sender": to_bech32(DEV1.address)})] == [3]
    assert [r["id"] for r in crossvm.list_json({"sender": hx(DEV0.address), "limit": 1})] == [2]
    assert [r["id"] for r in crossvm.list_json({"source_vm": "cosmwasm"})] == [3]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"color": "red"}, InvalidInput),
        ({"status": "lost"}, InvalidInput),
        ({"target_vm": "tron"}, UnknownVm),
        ({"sender": "0x1234"}, InvalidInput),
        ({"limit": 1001}, InvalidInput),
        ({"limit": "many"}, InvalidInput),
    ],
)
def test_a_malformed_list_filter_is_refused(
    aw: AsyncWorld, query: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        aw.crossvm.list_json(query)


def test_unknown_and_malformed_message_ids(aw: AsyncWorld) -> None:
    with pytest.raises(MessageNotFound):
        aw.crossvm.message_json(1)
    for bad in (-1, "x", True, 1.5):
        with pytest.raises(InvalidInput):
            aw.crossvm.message_json(bad)


def test_aliases_on_every_vm_and_the_refusals(aw: AsyncWorld) -> None:
    crossvm = aw.crossvm
    pubkey = bytes(range(32))
    # a 20-byte account is itself on the EVM and CosmWasm; an SVM key has an alias on both
    assert crossvm.alias(VmId.EVM, VmId.COSMWASM, DEV0.address) == hx(DEV0.address)
    assert crossvm.alias(VmId.COSMWASM, VmId.EVM, DEV0.address) == to_bech32(DEV0.address)
    assert crossvm.alias(VmId.EVM, VmId.SVM, pubkey).startswith("0x")
    # on the SVM: the bridge's PDA, the same the SVM adapter derives for deliveries
    pda = crossvm.alias(VmId.SVM, VmId.EVM, DEV0.address)
    assert base58.decode(pda, 32) == aw.chain.comp.svm.alias(0, DEV0.address)
    assert pda != crossvm.alias(VmId.SVM, VmId.COSMWASM, DEV0.address)
    with pytest.raises(InvalidInput, match="no alias on the SVM"):
        crossvm.alias(VmId.SVM, VmId.SVM, pubkey)


def test_a_subscription_filter_matches_what_the_list_filter_matches(aw: AsyncWorld) -> None:
    aw.submit(call_msg("cosmwasm", aw.counter_text, INCREMENT))
    (record,) = aw.crossvm.keeper.messages()
    assert record_filter({"message_id": 1, "status": "pending"})(record)
    assert not record_filter({"message_id": 2})(record)
    assert not record_filter({"target_vm": "svm"})(record)
