"""qorenode/cli/crossvm_commands.py: argument parsing, MsgCrossVMCall building, result shaping.

No node: the pure helpers are tested directly, and the commands run through ``qorenode.cli.main``
against a fake JSON-RPC client that checks each native transaction as the node would
(``decode_native_tx``: envelope, chain id, signature) and answers with canned records.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from qorenode.addresses import to_bech32
from qorenode.cli import build_parser
from qorenode.cli import crossvm_commands as cc
from qorenode.client import BadResponse, RemoteError
from qorenode.errors import InvalidParams
from qorenode.keys import dev_key, solana_dev_keypair
from qorenode.native_tx import DEFAULT_GAS_LIMIT
from tests.unit.cli import fakenode
from tests.unit.cli.fakenode import FakeNode, Run, hexjson, install

DEV0, DEV1 = dev_key(0), dev_key(1)
EVM_TARGET = "0x" + "ab" * 20
WASM_TARGET = to_bech32(bytes(range(32)))
PROGRAM = "BPFLoaderUpgradeab1e11111111111111111111111"
SOL_DEV0 = str(solana_dev_keypair(0).pubkey())
TX_HASH = "0x" + "cd" * 32
PING_7 = "773acdef" + (7).to_bytes(32, "big").hex()  # CrossReceiver.ping(7)


def tx_record(data: list[str], events: list[dict[str, Any]] | None = None, **extra: Any) -> Any:
    return fakenode.tx_record(TX_HASH, 7, 54321, data, events or []) | extra


def record_json(**extra: Any) -> dict[str, Any]:
    """A message record as qor_getCrossVMMessage returns it."""
    return {
        "id": 1,
        "source_vm": "evm",
        "target_vm": "cosmwasm",
        "sender": "0x" + DEV0.address.hex(),
        "source_contract": "",
        "target_contract": WASM_TARGET,
        "payload_hex": "0x" + b'{"increment":{}}'.hex(),
        "funds": [],
        "svm_accounts": [],
        "gas_limit": 2_000_000,
        "status": "pending",
        "status_code": 2,
        "created_height": 5,
        "executed_height": None,
        "timeout_height": 105,
        "result_hex": "0x",
        "error": "",
        "gas_used": 0,
        "delivery_tx": None,
        **extra,
    }


# -- VM names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "vm"),
    [
        ("evm", "evm"),
        ("0", "evm"),
        ("cosmwasm", "cosmwasm"),
        ("CosmWasm", "cosmwasm"),
        ("1", "cosmwasm"),
        ("svm", "svm"),
        (" 2 ", "svm"),
    ],
)
def test_vm_names_and_numbers(text: str, vm: str) -> None:
    assert cc.parse_vm(text) == vm


@pytest.mark.parametrize("text", ["3", "-1", "wasm", "", "solana", "1.0", "٢"])
def test_unknown_vms(text: str) -> None:
    with pytest.raises(InvalidParams, match=r"unknown target VM .*evm, cosmwasm or svm"):
        cc.parse_vm(text, "target VM")


def test_source_vm() -> None:
    assert cc.parse_source_vm("evm") == "evm"
    assert cc.parse_source_vm("1") == "cosmwasm"
    for svm in ("svm", "2", "SVM"):
        with pytest.raises(InvalidParams, match=r"source VM svm is refused.*bridge program"):
            cc.parse_source_vm(svm)
    with pytest.raises(InvalidParams, match="unknown source VM"):
        cc.parse_source_vm("bitcoin")


# -- payloads ---------------------------------------------------------------------------------


def test_hex_payloads_for_evm_and_svm() -> None:
    ping = bytes.fromhex(PING_7)
    assert cc.encode_payload("evm", PING_7) == ping
    assert cc.encode_payload("evm", "0x" + PING_7) == ping
    assert cc.encode_payload("evm", "0X" + PING_7.upper()) == ping
    assert cc.encode_payload("evm", "") == b""  # a plain value transfer
    assert cc.encode_payload("evm", "0x") == b""
    assert cc.encode_payload("evm", "0xdeadbeef") == b"\xde\xad\xbe\xef"
    assert cc.encode_payload("svm", "0x0102") == b"\x01\x02"  # any instruction data
    assert cc.encode_payload("svm", "ff") == b"\xff"
    assert cc.encode_payload("svm", "") == b""


@pytest.mark.parametrize("vm", ["evm", "svm"])
@pytest.mark.parametrize("bad", ["0xabc", "xyz", "0x12 34g", '{"increment":{}}'])
def test_bad_hex_payloads(vm: str, bad: str) -> None:
    with pytest.raises(InvalidParams, match="must be hex"):
        cc.encode_payload(vm, bad)


def test_evm_payload_is_empty_or_has_a_selector() -> None:
    for short in ("0x01", "0x0102", "0x010203"):
        with pytest.raises(InvalidParams, match="at least a 4-byte selector"):
            cc.encode_payload("evm", short)


def test_json_payloads_for_cosmwasm() -> None:
    assert cc.encode_payload("cosmwasm", '{"increment":{}}') == b'{"increment":{}}'
    assert cc.encode_payload("cosmwasm", ' { "add" : { "n" : [1, 2] } } ') == b'{"add":{"n":[1,2]}}'
    assert cc.encode_payload("cosmwasm", '{"say":{"text":"héllo"}}') == (
        '{"say":{"text":"héllo"}}'.encode()
    )
    # JSON, not hex: a hex string is no execute message
    for bad in ("0xdeadbeef", "", "{increment: {}}", "{'a': 1}", "NaN", '{"a":1'):
        with pytest.raises(InvalidParams, match="not valid JSON"):
            cc.encode_payload("cosmwasm", bad)


# -- targets ----------------------------------------------------------------------------------


def test_evm_targets(tmp_path: Path) -> None:
    assert cc.parse_target("evm", EVM_TARGET) == EVM_TARGET
    checksummed = "0x" + DEV1.address.hex().upper()
    assert cc.parse_target("evm", checksummed) == "0x" + DEV1.address.hex()
    assert cc.parse_target("evm", DEV1.bech32_address) == "0x" + DEV1.address.hex()
    assert cc.parse_target("evm", "dev1", tmp_path) == "0x" + DEV1.address.hex()
    with pytest.raises(InvalidParams, match="32-byte address"):
        cc.parse_target("evm", WASM_TARGET)
    with pytest.raises(InvalidParams, match="hex address"):
        cc.parse_target("evm", "0x1234")
    with pytest.raises(InvalidParams, match="expected a 0x or qor1 address"):
        cc.parse_target("evm", "dev1")  # no home: key names are not resolved


def test_cosmwasm_targets(tmp_path: Path) -> None:
    assert cc.parse_target("cosmwasm", WASM_TARGET) == WASM_TARGET
    assert cc.parse_target("cosmwasm", DEV1.bech32_address) == DEV1.bech32_address
    assert cc.parse_target("cosmwasm", "0x" + DEV1.address.hex()) == DEV1.bech32_address
    assert cc.parse_target("cosmwasm", "dev1", tmp_path) == DEV1.bech32_address
    with pytest.raises(InvalidParams, match="invalid address"):
        bad_checksum = WASM_TARGET[:-1] + ("p" if WASM_TARGET[-1] != "p" else "q")
        cc.parse_target("cosmwasm", bad_checksum)
    with pytest.raises(InvalidParams, match="no key named"):
        cc.parse_target("cosmwasm", "nobody", tmp_path)


def test_svm_targets() -> None:
    assert cc.parse_target("svm", PROGRAM) == PROGRAM
    assert cc.parse_target("svm", "dev0") == SOL_DEV0  # the Solana dev keypair
    for bad in ("0OIl", "not-base58!", "1111", EVM_TARGET):
        with pytest.raises(InvalidParams, match="invalid public key"):
            cc.parse_target("svm", bad)


# -- SVM accounts -----------------------------------------------------------------------------


def test_svm_accounts() -> None:
    assert cc.parse_svm_account(PROGRAM) == {"pubkey": PROGRAM, "writable": False}
    assert cc.parse_svm_account(PROGRAM + ":w") == {"pubkey": PROGRAM, "writable": True}
    assert cc.parse_svm_account("dev0:w") == {"pubkey": SOL_DEV0, "writable": True}
    for bad in (PROGRAM + ":s", PROGRAM + ":w:s", PROGRAM + ":", ":w", ""):
        with pytest.raises(InvalidParams, match=r"PUBKEY or PUBKEY:w"):
            cc.parse_svm_account(bad)
    for bad_key in ("0OIl:w", "abc", "I" * 44):  # 0, O, I, l are not base58
        with pytest.raises(InvalidParams, match="invalid public key"):
            cc.parse_svm_account(bad_key)


# -- other arguments --------------------------------------------------------------------------


def test_gas_limit_and_ids() -> None:
    assert cc.parse_gas_limit(None) is None
    assert cc.parse_gas_limit("500000") == 500_000
    assert cc.parse_message_id(" 12 ") == 12
    assert cc.parse_message_id(str(2**64 - 1)) == 2**64 - 1
    for bad in ("0", "-5", "1e6", "x", str(2**64)):
        with pytest.raises(InvalidParams, match="gas-limit"):
            cc.parse_gas_limit(bad)
        with pytest.raises(InvalidParams, match="invalid message id"):
            cc.parse_message_id(bad)


def test_list_filter_has_only_the_keys_given() -> None:
    assert cc.list_filter() == {}
    assert cc.list_filter(status="timed_out") == {"status": "timed_out"}
    assert cc.list_filter("0xabc", "pending", "0", "CosmWasm", "10") == {
        "sender": "0xabc",
        "status": "pending",
        "source_vm": "evm",
        "target_vm": "cosmwasm",
        "limit": 10,
    }
    with pytest.raises(InvalidParams, match="unknown status"):
        cc.list_filter(status="done")
    with pytest.raises(InvalidParams, match="unknown target VM"):
        cc.list_filter(target_vm="4")
    with pytest.raises(InvalidParams, match="--limit"):
        cc.list_filter(limit="0")


# -- messages ---------------------------------------------------------------------------------


def test_message_shape() -> None:
    sender = DEV0.bech32_address
    assert cc.crossvm_call_msg(sender, "evm", EVM_TARGET, b"\x01\x02\x03\x04") == {
        "@type": "/qorechain.crossvm.v1.MsgCrossVMCall",
        "sender": sender,
        "source_vm": "evm",
        "target_vm": "evm",
        "target_contract": EVM_TARGET,
        "payload": "AQIDBA==",
        "funds": [],
        "svm_accounts": [],
    }
    msg = cc.crossvm_call_msg(
        sender,
        "svm",
        PROGRAM,
        b"",
        svm_accounts=[{"pubkey": SOL_DEV0, "writable": True}],
        gas_limit=300_000,
        source_vm="cosmwasm",
    )
    assert msg["source_vm"] == "cosmwasm" and msg["payload"] == ""
    assert msg["svm_accounts"] == [{"pubkey": SOL_DEV0, "writable": True}]
    assert msg["gas_limit"] == "300000"  # uint64 as a decimal string


def test_build_call_msg_per_target(tmp_path: Path) -> None:
    sender = DEV0.bech32_address
    wasm = cc.build_call_msg(
        sender, "1", WASM_TARGET, '{"increment": {}}', funds="100aqor", gas_limit="250000"
    )
    assert wasm == {
        "@type": cc.MSG_CROSSVM_CALL,
        "sender": sender,
        "source_vm": "evm",
        "target_vm": "cosmwasm",
        "target_contract": WASM_TARGET,
        "payload": base64.b64encode(b'{"increment":{}}').decode(),
        "funds": [{"denom": "aqor", "amount": "100"}],
        "svm_accounts": [],
        "gas_limit": "250000",
    }
    evm = cc.build_call_msg(
        sender, "evm", "dev1", "0x" + PING_7, source_vm="cosmwasm", funds="5", home=tmp_path
    )
    assert evm["target_contract"] == "0x" + DEV1.address.hex()
    assert base64.b64decode(evm["payload"]) == bytes.fromhex(PING_7)
    assert evm["source_vm"] == "cosmwasm"
    assert evm["funds"] == [{"denom": "aqor", "amount": "5"}]
    assert "gas_limit" not in evm
    svm = cc.build_call_msg(sender, "2", PROGRAM, "0a0b", svm_accounts=[SOL_DEV0 + ":w", PROGRAM])
    assert svm["target_vm"] == "svm" and base64.b64decode(svm["payload"]) == b"\x0a\x0b"
    assert svm["svm_accounts"] == [
        {"pubkey": SOL_DEV0, "writable": True},
        {"pubkey": PROGRAM, "writable": False},
    ]


def test_build_call_msg_refusals() -> None:
    sender = DEV0.bech32_address
    with pytest.raises(InvalidParams, match="source VM svm is refused"):
        cc.build_call_msg(sender, "evm", EVM_TARGET, "", source_vm="svm")
    with pytest.raises(InvalidParams, match="--svm-account is for SVM targets only"):
        cc.build_call_msg(sender, "evm", EVM_TARGET, "", svm_accounts=[PROGRAM])
    with pytest.raises(InvalidParams, match="unknown target VM"):
        cc.build_call_msg(sender, "near", EVM_TARGET, "")
    with pytest.raises(InvalidParams, match="unknown denom"):
        cc.build_call_msg(sender, "cosmwasm", WASM_TARGET, "{}", funds="5uatom")
    with pytest.raises(InvalidParams, match="invalid amount"):
        cc.build_call_msg(sender, "cosmwasm", WASM_TARGET, "{}", funds="1.5aqor")
    with pytest.raises(InvalidParams, match="not valid JSON"):
        cc.build_call_msg(sender, "cosmwasm", WASM_TARGET, "0x01020304")
    with pytest.raises(InvalidParams, match="must be hex"):
        cc.build_call_msg(sender, "svm", PROGRAM, '{"a":1}')


def test_zero_funds_send_none() -> None:
    msg = cc.build_call_msg(DEV0.bech32_address, "cosmwasm", WASM_TARGET, "{}", funds="0aqor")
    assert msg["funds"] == []


# -- results ----------------------------------------------------------------------------------


def test_call_result_reads_the_message_id() -> None:
    result = cc.call_result(tx_record([hexjson({"message_id": "42"})]))
    assert result == {
        "txhash": TX_HASH,
        "status": "success",
        "height": 7,
        "code": 0,
        "gas_used": 54321,
        "message_id": 42,
        "events": [],
    }
    # without a response, from the crossvm_request event
    events = [
        {
            "type": "crossvm_request",
            "attributes": [{"key": "message_id", "value": "9"}],
        }
    ]
    assert cc.call_result(tx_record([], events))["message_id"] == 9
    with pytest.raises(BadResponse, match="queued no message"):
        cc.call_result(tx_record([hexjson({})]))


# -- commands through main(), against a fake node ---------------------------------------------


@pytest.fixture
def node(monkeypatch: pytest.MonkeyPatch) -> FakeNode:
    return install(monkeypatch, cc, nonce=3, tx_hash=TX_HASH)


def test_every_command_parses_to_its_handler() -> None:
    parser = build_parser()
    cases = {
        ("tx", "crossvm", "call", "evm", EVM_TARGET, "", "--from", "dev0"): cc.run_call,
        ("query", "crossvm", "message", "1"): cc.run_query_message,
        ("q", "crossvm", "pending"): cc.run_query_pending,
        ("query", "crossvm", "params"): cc.run_query_params,
        ("query", "crossvm", "list", "--status", "failed"): cc.run_query_list,
        ("query", "crossvm", "alias", "evm", "svm", PROGRAM): cc.run_query_alias,
    }
    for argv, handler in cases.items():
        assert parser.parse_args(argv).handler is handler, argv
    svm_call = ["tx", "crossvm", "call", "svm", PROGRAM, "00", "--from", "dev0"]
    args = parser.parse_args(
        [*svm_call, "--svm-account", PROGRAM, "--svm-account", SOL_DEV0 + ":w"]
    )
    assert args.svm_accounts == [PROGRAM, SOL_DEV0 + ":w"]
    assert args.source_vm is None and args.funds is None and args.gas_limit is None
    assert args.gas == DEFAULT_GAS_LIMIT and not args.no_wait


def test_parser_refusals(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for argv in (
        ["tx", "crossvm", "call", "evm", EVM_TARGET, ""],  # no --from
        ["tx", "crossvm", "call", "evm", EVM_TARGET, "--from", "dev0"],  # no payload
        ["query", "crossvm", "list", "--status", "done"],
        ["query", "crossvm", "message"],
    ):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)
    capsys.readouterr()


def test_call_sends_one_signed_message(node: FakeNode, run: Run) -> None:
    node.answers["qor_getTransaction"] = tx_record([hexjson({"message_id": "3"})])
    code, out, _ = run(
        "tx",
        "crossvm",
        "call",
        "cosmwasm",
        WASM_TARGET,
        '{"increment": {}}',
        "--from",
        "dev0",
        "--funds",
        "100aqor",
        "--gas-limit",
        "400000",
    )
    assert code == 0
    assert out["message_id"] == 3 and out["txhash"] == TX_HASH and out["height"] == 7
    assert out["status"] == "success" and out["code"] == 0
    assert node.msg == {
        "@type": "/qorechain.crossvm.v1.MsgCrossVMCall",
        "sender": DEV0.bech32_address,
        "source_vm": "evm",
        "target_vm": "cosmwasm",
        "target_contract": WASM_TARGET,
        "payload": base64.b64encode(b'{"increment":{}}').decode(),
        "funds": [{"denom": "aqor", "amount": "100"}],
        "svm_accounts": [],
        "gas_limit": "400000",
    }
    assert node.sent[0]["gas_limit"] == str(DEFAULT_GAS_LIMIT)  # the transaction's own


def test_call_no_wait(node: FakeNode, run: Run) -> None:
    code, out, _ = run(
        "tx", "crossvm", "call", "0", EVM_TARGET, PING_7, "--from", "dev0", "--no-wait"
    )
    assert code == 0 and out == {"txhash": TX_HASH, "status": "pending"}
    assert node.msg["target_vm"] == "evm"
    assert "qor_getTransaction" not in [m for m, _ in node.calls]


def test_failed_call_prints_the_error(node: FakeNode, run: Run) -> None:
    node.answers["qor_getTransaction"] = tx_record(
        [], success=False, code=4, codespace="crossvm", raw_log="crossvm: queue is full"
    )
    code, out, err = run("tx", "crossvm", "call", "evm", EVM_TARGET, "", "--from", "dev0")
    assert code == 1 and out == ""
    error = json.loads(err)["error"]
    assert error["code"] == 4 and error["codespace"] == "crossvm"
    assert "queue is full" in error["message"]
    code, _, err = run(
        "tx", "crossvm", "call", "evm", EVM_TARGET, "", "--from", "dev0", output="text"
    )
    assert code == 1 and err.startswith("Error [crossvm:4]: ") and "queue is full" in err


def test_bad_arguments_send_nothing(node: FakeNode, run: Run) -> None:
    code, _, err = run(
        "tx", "crossvm", "call", "evm", EVM_TARGET, "", "--from", "dev0", "--source-vm", "svm"
    )
    assert code == 1 and "source VM svm is refused" in json.loads(err)["error"]["message"]
    code, _, err = run(
        "tx", "crossvm", "call", "svm", PROGRAM, "00", "--from", "dev0", "--svm-account", "0OIl"
    )
    assert code == 1 and "invalid public key" in json.loads(err)["error"]["message"]
    assert node.sent == []


def test_query_message(node: FakeNode, run: Run) -> None:
    node.answers["qor_getCrossVMMessage"] = lambda i: record_json(id=i) if i == 1 else None
    code, out, _ = run("query", "crossvm", "message", "1")
    assert code == 0 and out == record_json()
    assert node.calls[-1] == ("qor_getCrossVMMessage", (1,))
    code, out, _ = run("query", "crossvm", "message", "1", output="text")
    assert code == 0 and "status: pending" in out and f"target_contract: {WASM_TARGET}" in out
    code, out, err = run("query", "crossvm", "message", "8")
    assert code == 1 and out == ""
    assert json.loads(err)["error"]["message"] == "message 8 not found"
    code, _, err = run("query", "crossvm", "message", "abc")
    assert code == 1 and "invalid message id" in err

    # a node that answers an unknown id with x/crossvm's error (crossvm:18): shown as it came
    not_found = {"code": 18, "codespace": "crossvm"}

    def unknown(i: int) -> Any:
        raise RemoteError(-32000, f"no cross-VM message {i}", not_found)

    node.answers["qor_getCrossVMMessage"] = unknown
    code, _, err = run("query", "crossvm", "message", "9", output="text")
    assert code == 1 and err.strip() == "Error [crossvm:18]: no cross-VM message 9"


def test_query_pending_params_list_alias(node: FakeNode, run: Run) -> None:
    node.answers["qor_getPendingCrossVMMessages"] = [record_json()]
    code, out, _ = run("query", "crossvm", "pending")
    assert code == 0 and out == [record_json()]
    node.answers["qor_getPendingCrossVMMessages"] = []
    assert run("query", "crossvm", "pending", output="text")[1].strip() == "(no pending messages)"

    params = {"authority": DEV0.bech32_address, "params": {"max_queue_size": 1000}}
    node.answers["qor_getCrossVMParams"] = params
    assert run("query", "crossvm", "params")[1] == params

    node.answers["qor_listCrossVMMessages"] = [record_json(status="failed", status_code=4)]
    code, out, _ = run(
        "query", "crossvm", "list", "--status", "failed", "--target-vm", "1", "--limit", "5"
    )
    assert code == 0 and out[0]["status"] == "failed"
    assert node.calls[-1] == (
        "qor_listCrossVMMessages",
        ({"status": "failed", "target_vm": "cosmwasm", "limit": 5},),
    )
    run("query", "crossvm", "list")
    assert node.calls[-1] == ("qor_listCrossVMMessages", ({},))

    alias = "0x" + "12" * 20
    node.answers["qor_crossVMAlias"] = alias
    code, out, _ = run("query", "crossvm", "alias", "0", "SVM", PROGRAM)
    assert code == 0
    assert out == {"target_vm": "evm", "source_vm": "svm", "sender": PROGRAM, "alias": alias}
    assert node.calls[-1] == ("qor_crossVMAlias", ("evm", "svm", PROGRAM))
    assert (
        run("query", "crossvm", "alias", "evm", "svm", PROGRAM, output="text")[1].strip() == alias
    )


def test_the_source_vm_defaults_to_the_side_that_is_not_the_target() -> None:
    sender = "qor1" + "q" * 38
    to_evm = cc.build_call_msg(sender, "evm", "0x" + "11" * 20, "0x12345678")
    to_wasm = cc.build_call_msg(sender, "cosmwasm", "0x" + "11" * 20, "{}")
    assert (to_evm["source_vm"], to_wasm["source_vm"]) == ("cosmwasm", "evm")


def test_update_params_changes_only_what_is_given() -> None:
    current = {name: "100" for name in cc.PARAM_NAMES}
    msg = cc.update_params_msg(
        "qor1auth", current, {"max_queue_size": "7", "max_message_size": None}
    )
    assert msg["@type"] == "/qorechain.crossvm.v1.MsgUpdateParams"
    assert msg["authority"] == "qor1auth"
    assert msg["params"] == {**current, "max_queue_size": "7"}
    with pytest.raises(InvalidParams, match="--max-queue-size"):
        cc.update_params_msg("qor1auth", current, {"max_queue_size": "-1"})


def test_alias_senders_resolve_key_names(tmp_path: Path) -> None:
    from qorenode.keys import dev_key, solana_dev_keypair

    assert cc.resolve_sender("evm", "dev0", tmp_path) == "0x" + dev_key(0).address.hex()
    assert cc.resolve_sender("cosmwasm", "dev1", tmp_path) == to_bech32(dev_key(1).address)
    assert cc.resolve_sender("svm", "dev2", tmp_path) == str(solana_dev_keypair(2).pubkey())
    assert cc.resolve_sender("evm", "0xabc", tmp_path) == "0xabc"  # the node checks it
