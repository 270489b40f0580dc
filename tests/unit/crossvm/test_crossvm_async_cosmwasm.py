"""x/crossvm's queue from CosmWasm contracts: the Stargate/Any ``MsgCrossVMCall`` in QoreChain's
protobuf layout (replies carry the response), spoofing, and a contract's message towards the SVM."""

from __future__ import annotations

import base64
from typing import Any

from crossvm.proto import CrossVmCallProto, decode_cross_vm_call, encode_cross_vm_call
from qorenode.addresses import to_bech32
from tests.unit.cosmwasm.wasmkit import execute, query
from tests.unit.crossvm.asynckit import ESCROW, AsyncWorld
from tests.unit.crossvm.crosskit import DEV1, INCREMENT, hx

MSG_TYPE = "/qorechain.crossvm.v1.MsgCrossVMCall"


def _stargate(msg: CrossVmCallProto) -> dict[str, Any]:
    value = base64.b64encode(encode_cross_vm_call(msg)).decode()
    return {"stargate": {"type_url": MSG_TYPE, "value": value}}


def _emit(aw: AsyncWorld, cosmos_msg: dict[str, Any]) -> Any:
    """The dispatcher returns ``cosmos_msg`` as a plain message (a SubMsg replying never)."""
    sub = {"sub": {"id": 0, "reply_on": "never", "msg": cosmos_msg}}
    return execute(aw.chain, aw.dispatcher, sub)


def _replies(aw: AsyncWorld) -> list[dict[str, Any]]:
    return list(query(aw.chain, aw.dispatcher, {"replies": {}})["replies"])


def test_the_protobuf_layout_round_trips() -> None:
    msg = CrossVmCallProto(
        sender="qor1x",
        source_vm="cosmwasm",
        target_vm="evm",
        target_contract="0x" + "ab" * 20,
        payload=b"\x01" * 300,  # a length over 127 takes a two-byte varint
        funds=[("aqor", "5"), ("aqor", "7")],
    )
    assert decode_cross_vm_call(encode_cross_vm_call(msg)) == msg


def test_a_stargate_message_is_queued_and_its_reply_has_the_id(aw: AsyncWorld) -> None:
    call = CrossVmCallProto(
        sender=to_bech32(aw.dispatcher),
        source_vm="cosmwasm",
        target_vm="evm",
        target_contract=hx(aw.receiver),
        payload=aw.ping(3),
        funds=[("aqor", "6")],
    )
    sub = {"sub": {"id": 9, "reply_on": "success", "msg": _stargate(call)}}
    result = execute(aw.chain, aw.dispatcher, sub, funds=6)
    assert result.success, result.log
    (reply,) = _replies(aw)
    assert reply["result"] == "ok" and reply["msg_responses"] == 1
    # MsgCrossVMCallResponse {message_id = 1 (string)}: field 1, length 1, "1"
    assert base64.b64decode(reply["data"]) == b"\x0a\x011"
    record = aw.record(1)
    assert record["source_vm"] == "cosmwasm" and record["sender"] == to_bech32(aw.dispatcher)
    assert aw.balance(ESCROW) == 6
    aw.mine()
    assert aw.status(1) == "executed" and aw.receiver_view("received") == 6


def test_a_stargate_message_cannot_forge_its_sender(aw: AsyncWorld) -> None:
    forged = CrossVmCallProto(
        sender=to_bech32(DEV1.address),
        target_vm="evm",
        target_contract=hx(aw.receiver),
        payload=aw.ping(1),
    )
    result = _emit(aw, _stargate(forged))
    assert (result.success, result.codespace, result.code) == (False, "crossvm", 5)
    claims_evm = CrossVmCallProto(
        source_vm="evm", target_vm="evm", target_contract=hx(aw.receiver), payload=aw.ping(1)
    )
    result = _emit(aw, _stargate(claims_evm))
    assert (result.success, result.code) == (False, 12)
    assert aw.crossvm.pending_json() == []


def test_a_contract_message_to_cosmwasm_is_refused_as_the_same_vm(aw: AsyncWorld) -> None:
    body = {
        "crossvm_call": {
            "target_vm": "cosmwasm",
            "target_contract": aw.counter_text,
            "payload": base64.b64encode(INCREMENT).decode(),
        }
    }
    result = aw.dispatch_custom(body)
    assert (result.success, result.codespace, result.code) == (False, "crossvm", 11)


def test_a_contract_without_the_funds_is_refused(aw: AsyncWorld) -> None:
    body = {
        "crossvm_call": {
            "target_vm": "evm",
            "target_contract": hx(aw.receiver),
            "payload": base64.b64encode(aw.ping(1)).decode(),
            "funds": [{"denom": "aqor", "amount": "10"}],
        }
    }
    result = aw.dispatch_custom(body)  # the dispatcher holds nothing
    assert (result.success, result.codespace, result.code) == (False, "crossvm", 16)


def test_a_failing_submessage_keeps_no_message(aw: AsyncWorld) -> None:
    """A reply_on error submessage whose crossvm_call is refused: the contract goes on, the queue
    holds nothing of it."""
    bad = {
        "custom": {
            "crossvm_call": {
                "target_vm": "evm",
                "target_contract": "0xnothex",
                "payload": "",
            }
        }
    }
    result = execute(aw.chain, aw.dispatcher, {"sub": {"id": 4, "reply_on": "error", "msg": bad}})
    assert result.success, result.log
    (reply,) = _replies(aw)
    assert reply["result"] == "error" and "code: 13" in reply["error"]
    assert aw.crossvm.keeper.last_id() == 0
