"""x/crossvm's queue from and to the EVM: 0x901 submit/messageStatus, system transactions,
receipts and logs of deliveries and of the EndBlocker."""

from __future__ import annotations

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from crossvm.events import REQUEST_TOPIC, RESPONSE_TOPIC
from qorenode.addresses import to_bech32
from tests.unit.core.chainkit import calldata
from tests.unit.crossvm.asynckit import ESCROW, AsyncWorld, call_msg, message_id
from tests.unit.crossvm.crosskit import BAD_MESSAGE, CROSSVM, DEV0, INCREMENT, hx, reason_of
from vms.evm.machine import SystemTransaction


def _submitter_ids(aw: AsyncWorld) -> list[int]:
    return list(aw.view(aw.submitter, "allIds()", ["uint64[]"]))


def test_an_evm_contract_submits_and_reads_the_status_in_its_block(aw: AsyncWorld) -> None:
    data = calldata("sendAndCheck(string,bytes)", aw.counter_text, INCREMENT)
    result, record = aw.send(aw.submitter, data)
    assert result.success, result.log
    assert aw.view(aw.submitter, "lastStatus()", ["uint8"]) == 1  # submitted, in its own tx
    (mid,) = _submitter_ids(aw)
    message = aw.record(mid)
    assert message["sender"] == hx(aw.submitter) and message["source_contract"] == hx(aw.submitter)
    assert message["status"] == "pending"
    # the request is a log of the transaction that raised it
    (request,) = [log for log in record.logs if bytes(log.topics[0]) == REQUEST_TOPIC]
    assert bytes(request.address) == CROSSVM
    assert int.from_bytes(bytes(request.topics[1]), "big") == mid
    source, target, contract, sender = abi_decode(
        ["uint8", "uint8", "string", "string"], bytes(request.data)
    )
    assert (source, target, contract, sender) == (0, 1, aw.counter_text, hx(aw.submitter))
    # messageStatus through a STATICCALL (a view function) reads pending, then executed
    assert aw.view(aw.submitter, "statusOf(uint64)", ["uint8", "bytes"], mid) == (2, b"")
    aw.mine()
    assert aw.view(aw.submitter, "statusOf(uint64)", ["uint8", "bytes"], mid) == (3, b"")
    assert aw.count() == 1


def test_a_reverted_submit_leaves_no_message(aw: AsyncWorld) -> None:
    data = calldata("sendThenRevert(string,bytes)", aw.counter_text, INCREMENT)
    result, _ = aw.send(aw.submitter, data)
    assert not result.success
    assert aw.crossvm.keeper.last_id() == 0 and aw.crossvm.pending_json() == []
    # the next message takes id 1: the reverted one never existed
    result, _ = aw.send(
        aw.submitter, calldata("sendTwice(string,bytes)", aw.counter_text, INCREMENT)
    )
    assert result.success and _submitter_ids(aw) == [1, 2]


def test_submit_escrows_the_value_and_refuses_bad_targets(aw: AsyncWorld) -> None:
    data = calldata("sendToCosmWasm(string,bytes)", aw.counter_text, INCREMENT)
    result, _ = aw.send(aw.submitter, data, value=1000)
    assert result.success and aw.balance(ESCROW) == 1000
    aw.mine()
    assert aw.balance(aw.counter) == 1000 and aw.balance(ESCROW) == 0
    for target_vm, target, payload, words in [
        (0, aw.counter_text, INCREMENT, "EVM itself"),
        (2, aw.counter_text, INCREMENT, "submitSvm"),
        (7, aw.counter_text, INCREMENT, "unknown target VM"),
        (1, "qor1notanaddress", INCREMENT, "invalid CosmWasm address"),
        (1, aw.counter_text, b"not json", "JSON"),
    ]:
        with pytest.raises(Exception) as refused:
            aw.call(
                aw.submitter, calldata("sendTo(uint8,string,bytes)", target_vm, target, payload)
            )
        assert words in reason_of(refused.value.revert_data)  # type: ignore[attr-defined]


def test_a_user_message_to_the_evm_is_a_system_transaction(aw: AsyncWorld) -> None:
    before = aw.balance(DEV0.address)
    mid = aw.queue_call("evm", hx(aw.receiver), aw.ping(9), funds=25)
    notice = aw.mine()
    record = aw.record(mid)
    assert record["status"] == "executed"
    assert abi_decode(["uint256"], bytes.fromhex(record["result_hex"][2:])) == (1,)
    assert aw.receiver_view("count") == 1 and aw.receiver_view("total") == 9
    assert aw.receiver_view("received") == 25 and aw.balance(aw.receiver) == 25
    assert aw.view(aw.receiver, "lastSender()", ["address"]).lower() == hx(DEV0.address)
    assert aw.balance(DEV0.address) == before - 25 and aw.balance(ESCROW) == 0
    # a receipt under a deterministic hash, with the target's logs
    tx_hash = bytes.fromhex(record["delivery_tx"][2:])
    expected = SystemTransaction(
        source=mid.to_bytes(8, "big"),
        sender=DEV0.address,
        to=aw.receiver,
        value=25,
        data=aw.ping(9),
        gas=record["gas_limit"],
    ).hash
    assert tx_hash == expected
    receipt = aw.chain.evm.index.tx(tx_hash)
    assert receipt is not None and receipt.status == 1
    assert receipt.block_number == notice.record.height
    assert any(bytes(log.address) == aw.receiver for log in receipt.logs)
    # the EndBlocker's response is a log of the per-block system receipt from 0x901
    logs = aw.logs(address=hx(CROSSVM), topics=[hx(RESPONSE_TOPIC)])
    (response,) = [entry for entry in logs if int(entry["topics"][1], 16) == mid]
    status, result = abi_decode(["uint8", "bytes"], bytes.fromhex(response["data"][2:]))
    assert status == 3 and result == abi_encode(["uint256"], [1])
    assert int(response["blockNumber"], 16) == notice.record.height


def test_a_reverting_evm_target_fails_the_message_and_refunds(aw: AsyncWorld) -> None:
    before = aw.balance(DEV0.address)
    mid = aw.queue_call("evm", hx(aw.receiver), calldata("fail(string)", "no thanks"), funds=8)
    aw.mine()
    record = aw.record(mid)
    assert record["status"] == "failed" and "no thanks" in record["error"]
    receipt = aw.chain.evm.index.tx(bytes.fromhex(record["delivery_tx"][2:]))
    assert receipt is not None and receipt.status == 0
    assert aw.balance(DEV0.address) == before and aw.balance(ESCROW) == 0
    assert aw.balance(aw.receiver) == 0


def test_an_evm_target_out_of_gas_fails_within_its_limit(aw: AsyncWorld) -> None:
    mid = aw.queue_call("evm", hx(aw.receiver), calldata("burnGas()"), gas_limit="300000")
    second = aw.queue_call("evm", hx(aw.receiver), aw.ping(1))
    record = aw.record(mid)
    assert record["status"] == "failed" and record["gas_used"] == 300_000
    aw.mine()
    assert aw.status(second) == "executed" and aw.receiver_view("count") == 1


def test_payload_checks_for_evm_targets(aw: AsyncWorld) -> None:
    result = aw.submit(call_msg("evm", hx(aw.receiver), b"\x01\x02"))
    assert (result.success, result.codespace, result.code) == (False, "crossvm", 14)
    result = aw.submit(call_msg("evm", "0x1234", aw.ping(1)))
    assert (result.code, result.codespace) == (13, "crossvm")
    # empty calldata is a plain call (the receive path): accepted
    message_id(aw.submit(call_msg("evm", hx(aw.receiver), b"")))


def test_spoofing_the_sender_is_refused(aw: AsyncWorld) -> None:
    forged = call_msg("cosmwasm", aw.counter_text, INCREMENT)
    forged["sender"] = to_bech32(bytes(20))
    result = aw.submit(forged)
    assert (result.success, result.codespace, result.code) == (False, "crossvm", 5)
    result = aw.submit(call_msg("evm", hx(aw.receiver), aw.ping(1), source_vm="svm"))
    assert (result.success, result.code) == (False, 12)
    assert aw.crossvm.pending_json() == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"target_vm": "evm", "target_contract": "0x" + "11" * 20, "source_vm": "evm"}, 11),
        ({"target_vm": "tron"}, 10),
        ({"gas_limit": "2000001"}, 15),
        ({"funds": [{"denom": "aqor", "amount": str(10**40)}]}, 16),
        ({"payload": "%%%"}, 14),
        ({"payload": "bm90IGpzb24="}, 14),  # "not json"
        ({"svm_accounts": [{"pubkey": "11111111111111111111111111111111"}]}, 14),
    ],
)
def test_submission_refusals_have_stable_codes(
    aw: AsyncWorld, fields: dict[str, object], code: int
) -> None:
    msg = {**call_msg("cosmwasm", aw.counter_text, INCREMENT), **fields}
    result = aw.submit(msg)
    assert (result.success, result.codespace, result.code) == (False, "crossvm", code), result.log
    assert aw.crossvm.pending_json() == []


def test_an_oversize_payload_is_refused(aw: AsyncWorld) -> None:
    payload = b'{"increment":{},"pad":"' + b"x" * 65_536 + b'"}'
    result = aw.submit(call_msg("cosmwasm", aw.counter_text, payload))
    assert (result.success, result.code) == (False, 8)


def test_funds_towards_the_svm_are_refused(aw: AsyncWorld) -> None:
    program = "11111111111111111111111111111111"
    result = aw.submit(call_msg("svm", program, b"\x00", funds=1))
    assert (result.success, result.codespace, result.code) == (False, "crossvm", 17)


def test_a_failed_cosmwasm_delivery_emits_a_failed_response_log(aw: AsyncWorld) -> None:
    mid = aw.queue_call("cosmwasm", aw.counter_text, BAD_MESSAGE)
    aw.mine()
    logs = aw.logs(address=hx(CROSSVM), topics=[hx(RESPONSE_TOPIC)])
    (entry,) = [e for e in logs if int(e["topics"][1], 16) == mid]
    status, result = abi_decode(["uint8", "bytes"], bytes.fromhex(entry["data"][2:]))
    assert status == 4 and b"unknown variant" in result
