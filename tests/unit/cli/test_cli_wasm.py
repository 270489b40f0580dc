"""qorenode/cli/wasm_commands.py: argument parsing, message building and result shaping.

No node: the commands run through ``qorenode.cli.main`` against a fake JSON-RPC client that checks
each native transaction as the node would (``decode_native_tx``: envelope, chain id, signature) and
answers with a canned ``qor_getTransaction`` record. The end-to-end tests against a real node are in
tests/integration.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from qorenode.addresses import to_bech32
from qorenode.cli import build_parser
from qorenode.cli import wasm_commands as wc
from qorenode.errors import InvalidParams
from qorenode.keys import dev_key
from qorenode.native_tx import MAX_TX_BYTES
from tests.unit.cli.fakenode import FakeNode, Run, hexjson, install, tx_record

DEV0, DEV1 = dev_key(0), dev_key(1)
CONTRACT = to_bech32(bytes(range(32)))
WASM = b"\x00asm\x01\x00\x00\x00" + bytes(range(256)) * 4
CHECKSUM = hashlib.sha256(WASM).hexdigest()
TX_HASH = "0x" + "ab" * 32


def event(kind: str, **attributes: str) -> dict[str, Any]:
    return {"type": kind, "attributes": [{"key": k, "value": v} for k, v in attributes.items()]}


def record(data: list[str], events: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return tx_record(TX_HASH, 12, 123456, data, events) | extra


@pytest.fixture
def node(monkeypatch: pytest.MonkeyPatch) -> FakeNode:
    return install(monkeypatch, wc, nonce=5, tx_hash=TX_HASH)


def json_error(err: str) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(err)["error"]
    return error


# -- parsing ------------------------------------------------------------------------------------


def test_every_command_parses_to_its_handler() -> None:
    parser = build_parser()
    cases = {
        ("tx", "wasm", "store", "c.wasm", "--from", "dev0"): wc.run_store,
        ("tx", "wasm", "instantiate", "1", "{}", "--label", "l", "--from", "dev0", "--no-admin"): (
            wc.run_instantiate
        ),
        ("tx", "wasm", "instantiate2", "1", "{}", "s", "--label", "l", "--from", "dev0"): (
            wc.run_instantiate
        ),
        ("tx", "wasm", "execute", CONTRACT, "{}", "--from", "dev0"): wc.run_execute,
        ("tx", "wasm", "migrate", CONTRACT, "2", "{}", "--from", "dev0"): wc.run_migrate,
        ("tx", "wasm", "set-contract-admin", CONTRACT, "dev1", "--from", "dev0"): wc.run_set_admin,
        ("tx", "wasm", "clear-contract-admin", CONTRACT, "--from", "dev0"): wc.run_clear_admin,
        ("query", "wasm", "contract-state", "smart", CONTRACT, "{}"): wc.run_query_smart,
        ("query", "wasm", "contract-state", "raw", CONTRACT, "00"): wc.run_query_raw,
        ("query", "wasm", "contract-state", "all", CONTRACT): wc.run_query_state,
        ("query", "wasm", "code", "1"): wc.run_query_code,
        ("q", "wasm", "code", "1", "out.wasm"): wc.run_query_code,
        ("query", "wasm", "contract", CONTRACT): wc.run_query_contract,
        ("query", "wasm", "list-code"): wc.run_list_code,
        ("query", "wasm", "list-contract-by-code", "1"): wc.run_list_contract_by_code,
    }
    for argv, handler in cases.items():
        assert parser.parse_args(argv).handler is handler, argv


def test_defaults_and_options() -> None:
    parser = build_parser()
    store = parser.parse_args(["tx", "wasm", "store", "c.wasm", "--from", "dev0"])
    assert store.gas == wc.DEFAULT_STORE_GAS and not store.no_wait and store.memo == ""
    execute = parser.parse_args(
        ["tx", "wasm", "execute", CONTRACT, "{}", "--from", "dev0", "--gas", "777", "--no-wait"]
    )
    assert execute.gas == 777 and execute.no_wait and execute.amount is None
    raw = parser.parse_args(["query", "wasm", "contract-state", "raw", CONTRACT, "6b"])
    assert raw.encoding == "hex"
    raw = parser.parse_args(["query", "wasm", "contract-state", "raw", CONTRACT, "k", "--ascii"])
    assert raw.encoding == "utf8"
    salted = parser.parse_args(
        ["tx", "wasm", "instantiate2", "1", "{}", "s", "--label", "l", "--from", "dev0"]
    )
    assert salted.encoding == "utf8" and salted.salted and not salted.fix_msg


def test_required_options_are_enforced_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for argv in (
        ["tx", "wasm", "store", "c.wasm"],  # no --from
        ["tx", "wasm", "instantiate", "1", "{}", "--from", "dev0"],  # no --label
        ["query", "wasm", "contract-state", "raw", CONTRACT, "k", "--hex", "--b64"],
    ):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)
    capsys.readouterr()


@pytest.mark.parametrize("text", ["0", "-1", "x", "1.0", "", str(2**64)])
def test_bad_code_ids(text: str) -> None:
    with pytest.raises(InvalidParams, match="invalid code id"):
        wc.parse_code_id(text)


def test_code_ids() -> None:
    assert wc.parse_code_id("1") == 1
    assert wc.parse_code_id(" 42 ") == 42
    assert wc.parse_code_id(str(2**64 - 1)) == 2**64 - 1


def test_json_arguments() -> None:
    assert wc.parse_json_arg('{"a": [1, "x"]}', "msg") == {"a": [1, "x"]}
    assert wc.parse_json_arg("{}", "msg") == {}
    for bad in ("{a: 1}", "", "NaN", "{'a': 1}"):
        with pytest.raises(InvalidParams, match="not valid JSON"):
            wc.parse_json_arg(bad, "the execute message")


def test_funds() -> None:
    assert wc.parse_funds(None) == []
    assert wc.parse_funds("100aqor") == [{"denom": "aqor", "amount": "100"}]
    assert wc.parse_funds("250") == [{"denom": "aqor", "amount": "250"}]
    assert wc.parse_funds("0aqor") == []
    with pytest.raises(InvalidParams, match="unknown denom"):
        wc.parse_funds("5uatom")
    with pytest.raises(InvalidParams, match="invalid amount"):
        wc.parse_funds("1.5aqor")


def test_key_and_salt_encodings() -> None:
    assert wc.decode_arg("0x636f756e74", "hex", "key") == b"count"
    assert wc.decode_arg("636F756E74", "hex", "key") == b"count"
    assert wc.decode_arg("Y291bnQ=", "b64", "key") == b"count"
    assert wc.decode_arg("count", "utf8", "key") == b"count"
    with pytest.raises(InvalidParams, match="hex"):
        wc.decode_arg("xyz", "hex", "key")
    with pytest.raises(InvalidParams, match="base64"):
        wc.decode_arg("***", "b64", "salt")


def test_read_wasm(tmp_path: Path) -> None:
    plain = tmp_path / "c.wasm"
    plain.write_bytes(WASM)
    assert wc.read_wasm(str(plain)) == WASM
    zipped = tmp_path / "c.wasm.gz"
    zipped.write_bytes(gzip.compress(WASM))
    assert wc.read_wasm(str(zipped)) == WASM  # unzipped here, as wasmd accepts gzip
    text = tmp_path / "c.txt"
    text.write_text("hello")
    with pytest.raises(InvalidParams, match="not a wasm binary"):
        wc.read_wasm(str(text))
    with pytest.raises(InvalidParams, match="cannot read"):
        wc.read_wasm(str(tmp_path / "missing.wasm"))
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(WASM)[:20])
    with pytest.raises(InvalidParams, match="gzip"):
        wc.read_wasm(str(broken))
    big = tmp_path / "big.wasm"
    big.write_bytes(b"\x00asm" + bytes(wc.MAX_WASM_BYTES))
    with pytest.raises(InvalidParams, match="over"):
        wc.read_wasm(str(big))


def test_an_800_kib_wasm_fits_a_native_transaction() -> None:
    wasm = b"\x00asm\x01\x00\x00\x00" + bytes(800 * 1024)
    assert len(wasm) <= wc.MAX_WASM_BYTES
    msg = wc.store_msg(DEV0.bech32_address, wasm)
    assert len(json.dumps(msg)) < MAX_TX_BYTES - 1024


# -- messages -----------------------------------------------------------------------------------


def test_message_shapes() -> None:
    sender = DEV0.bech32_address
    funds = [{"denom": "aqor", "amount": "100"}]
    assert wc.store_msg(sender, b"\x00asm") == {
        "@type": "/cosmwasm.wasm.v1.MsgStoreCode",
        "sender": sender,
        "wasm_byte_code": "AGFzbQ==",
    }
    assert wc.instantiate_msg(sender, 3, {"count": 1}, "lbl", "", funds) == {
        "@type": "/cosmwasm.wasm.v1.MsgInstantiateContract",
        "sender": sender,
        "admin": "",
        "code_id": "3",
        "label": "lbl",
        "msg": {"count": 1},
        "funds": funds,
    }
    assert wc.instantiate_msg(sender, 3, {}, "l", sender, [], b"salt", True) == {
        "@type": "/cosmwasm.wasm.v1.MsgInstantiateContract2",
        "sender": sender,
        "admin": sender,
        "code_id": "3",
        "label": "l",
        "msg": {},
        "funds": [],
        "salt": "c2FsdA==",
        "fix_msg": True,
    }
    assert wc.execute_msg(sender, CONTRACT, {"increment": {}}, []) == {
        "@type": "/cosmwasm.wasm.v1.MsgExecuteContract",
        "sender": sender,
        "contract": CONTRACT,
        "msg": {"increment": {}},
        "funds": [],
    }
    assert wc.migrate_msg(sender, CONTRACT, 2, {}) == {
        "@type": "/cosmwasm.wasm.v1.MsgMigrateContract",
        "sender": sender,
        "contract": CONTRACT,
        "code_id": "2",
        "msg": {},
    }
    assert wc.update_admin_msg(sender, CONTRACT, DEV1.bech32_address) == {
        "@type": "/cosmwasm.wasm.v1.MsgUpdateAdmin",
        "sender": sender,
        "new_admin": DEV1.bech32_address,
        "contract": CONTRACT,
    }
    assert wc.clear_admin_msg(sender, CONTRACT) == {
        "@type": "/cosmwasm.wasm.v1.MsgClearAdmin",
        "sender": sender,
        "contract": CONTRACT,
    }


# -- results ------------------------------------------------------------------------------------


def test_results_from_the_message_response() -> None:
    stored = wc.store_result(record([hexjson({"code_id": "4", "checksum": CHECKSUM})], []))
    assert stored["code_id"] == 4 and stored["checksum"] == CHECKSUM
    assert stored["txhash"] == TX_HASH and stored["height"] == 12 and stored["gas_used"] == 123456
    assert stored["code"] == 0 and stored["status"] == "success"
    events = [event("instantiate", _contract_address=CONTRACT, code_id="4")]
    made = wc.instantiate_result(record([hexjson({"address": CONTRACT, "data": None})], events))
    assert made["contract_address"] == CONTRACT and made["code_id"] == 4 and made["data"] is None
    assert made["events"] == events
    called = wc.call_result(record([hexjson({"data": "aGk="})], [event("execute")]))
    assert called["data"] == "aGk=" and called["events"] == [event("execute")]
    assert wc.call_result(record([hexjson({})], []))["data"] is None


def test_results_fall_back_to_events() -> None:
    events = [
        event("message", module="wasm"),
        event("store_code", code_checksum=CHECKSUM.upper(), code_id="9"),
    ]
    stored = wc.store_result(record([""], events))
    assert (stored["code_id"], stored["checksum"]) == (9, CHECKSUM)
    events = [event("instantiate", _contract_address=CONTRACT, code_id="9")]
    made = wc.instantiate_result(record(["zz-not-hex"], events))
    assert (made["contract_address"], made["code_id"]) == (CONTRACT, 9)
    with pytest.raises(wc.BadResponse, match="no code_id"):
        wc.store_result(record([], []))
    with pytest.raises(wc.BadResponse, match="no contract address"):
        wc.instantiate_result(record([], []))


# -- commands against a fake node ---------------------------------------------------------------


def test_store(node: FakeNode, run: Run, tmp_path: Path) -> None:
    path = tmp_path / "counter.wasm"
    path.write_bytes(WASM)
    node.answers["qor_getTransaction"] = record(
        [hexjson({"code_id": "1", "checksum": CHECKSUM})],
        [event("store_code", code_checksum=CHECKSUM, code_id="1")],
    )
    code, out, err = run("tx", "wasm", "store", str(path), "--from", "dev0")
    assert code == 0, err
    assert out["code_id"] == 1 and out["checksum"] == CHECKSUM and out["txhash"] == TX_HASH
    assert node.msg == wc.store_msg(DEV0.bech32_address, WASM)
    assert base64.b64decode(node.msg["wasm_byte_code"]) == WASM
    assert node.sent[0]["gas_limit"] == str(wc.DEFAULT_STORE_GAS)

    code, text, _ = run("tx", "wasm", "store", str(path), "--from", "dev0", output="text")
    assert code == 0 and "code_id: 1" in text and f"checksum: {CHECKSUM}" in text


def test_instantiate(node: FakeNode, run: Run) -> None:
    node.answers["qor_getTransaction"] = record(
        [hexjson({"address": CONTRACT, "data": None})],
        [event("instantiate", _contract_address=CONTRACT, code_id="1")],
    )
    code, out, err = run(
        "tx",
        "wasm",
        "instantiate",
        "1",
        '{"count": 0}',
        "--label",
        "my counter",
        "--admin",
        "dev1",
        "--amount",
        "100aqor",
        "--from",
        "dev0",
        "--gas",
        "300000",
        "--memo",
        "hello",
    )
    assert code == 0, err
    assert out["contract_address"] == CONTRACT and out["code_id"] == 1
    assert node.msg == wc.instantiate_msg(
        DEV0.bech32_address,
        1,
        {"count": 0},
        "my counter",
        DEV1.bech32_address,
        [{"denom": "aqor", "amount": "100"}],
    )
    assert node.sent[0]["gas_limit"] == "300000" and node.sent[0]["memo"] == "hello"


def test_instantiate_admin_rule(node: FakeNode, run: Run) -> None:
    base = ("tx", "wasm", "instantiate", "1", "{}", "--label", "l", "--from", "dev0")
    code, _, err = run(*base)
    assert code == 1 and "--no-admin" in json_error(err)["message"]
    code, _, err = run(*base, "--no-admin", "--admin", "dev1")
    error = json_error(err)
    assert code == 1 and (error["codespace"], error["code"]) == ("rpc", 5)
    assert "cannot both" in error["message"]
    assert node.sent == []

    node.answers["qor_getTransaction"] = record([hexjson({"address": CONTRACT})], [])
    code, _, err = run(*base, "--no-admin")
    assert code == 0, err
    assert node.msg["admin"] == "" and node.msg["funds"] == []


def test_instantiate_refuses_bad_input(node: FakeNode, run: Run) -> None:
    tail = ("--label", "l", "--from", "dev0", "--no-admin")
    for argv, message in (
        (("x", "{}"), "invalid code id"),
        (("1", "{nope"), "not valid JSON"),
        (("1", "{}", "--amount", "3uatom"), "unknown denom"),
    ):
        code, _, err = run("tx", "wasm", "instantiate", *argv, *tail)
        assert code == 1 and message in json_error(err)["message"], argv
    code, _, err = run("tx", "wasm", "instantiate", "1", "{}", "--label", " ", "--from", "dev0")
    assert code == 1 and "--label" in json_error(err)["message"]
    assert node.sent == []


def test_instantiate2(node: FakeNode, run: Run) -> None:
    node.answers["qor_getTransaction"] = record([hexjson({"address": CONTRACT})], [])
    argv = ("tx", "wasm", "instantiate2", "1", "{}", "00ff", "--label", "l", "--from", "dev0")
    code, out, err = run(*argv, "--no-admin", "--hex", "--fix-msg")
    assert code == 0, err
    assert out["contract_address"] == CONTRACT
    assert node.msg["@type"] == wc.MSG_INSTANTIATE2
    assert node.msg["salt"] == base64.b64encode(b"\x00\xff").decode() and node.msg["fix_msg"]
    code, _, err = run(*argv[:5], "", *argv[6:], "--no-admin")
    assert code == 1 and "salt" in json_error(err)["message"]


def test_execute_and_migrate(node: FakeNode, run: Run) -> None:
    data = base64.b64encode(b'{"ok":true}').decode()
    events = [event("execute", _contract_address=CONTRACT), event("wasm", action="increment")]
    node.answers["qor_getTransaction"] = record([hexjson({"data": data})], events)
    code, out, err = run(
        "tx", "wasm", "execute", CONTRACT, '{"increment":{}}', "--amount", "7", "--from", "dev0"
    )
    assert code == 0, err
    assert out["data"] == data and out["events"] == events
    assert node.msg == wc.execute_msg(
        DEV0.bech32_address, CONTRACT, {"increment": {}}, [{"denom": "aqor", "amount": "7"}]
    )
    node.sent.clear()
    node.answers["qor_getTransaction"] = record([hexjson({"data": None})], [])
    code, out, err = run("tx", "wasm", "migrate", CONTRACT, "2", '{"v": 2}', "--from", "dev0")
    assert code == 0, err
    assert out["data"] is None
    assert node.msg == wc.migrate_msg(DEV0.bech32_address, CONTRACT, 2, {"v": 2})


def test_admin_commands(node: FakeNode, run: Run) -> None:
    node.answers["qor_getTransaction"] = record([hexjson({})], [])
    code, _, err = run(
        "tx", "wasm", "set-contract-admin", CONTRACT, DEV1.hex_address, "--from", "dev0"
    )
    assert code == 0, err
    assert node.msg == wc.update_admin_msg(DEV0.bech32_address, CONTRACT, DEV1.bech32_address)
    node.sent.clear()
    code, _, err = run("tx", "wasm", "clear-contract-admin", CONTRACT, "--from", "dev0")
    assert code == 0, err
    assert node.msg == wc.clear_admin_msg(DEV0.bech32_address, CONTRACT)


def test_no_wait(node: FakeNode, run: Run) -> None:
    code, out, err = run("tx", "wasm", "execute", CONTRACT, "{}", "--from", "dev0", "--no-wait")
    assert code == 0, err
    assert out == {"txhash": TX_HASH, "status": "pending"}
    assert "qor_getTransaction" not in [m for m, _ in node.calls]


def test_failed_transaction_is_a_coded_error(node: FakeNode, run: Run) -> None:
    node.answers["qor_getTransaction"] = record(
        [],
        [],
        success=False,
        code=5,
        codespace="wasm",
        raw_log="message 0: execute wasm contract failed: Generic error: nope",
    )
    code, _, err = run("tx", "wasm", "execute", CONTRACT, "{}", "--from", "dev0")
    error = json_error(err)
    assert code == 1 and (error["codespace"], error["code"]) == ("wasm", 5)
    assert "Generic error: nope" in error["message"]
    code, _, err = run("tx", "wasm", "execute", CONTRACT, "{}", "--from", "dev0", output="text")
    assert code == 1 and err.startswith("Error [wasm:5]:")


def test_query_smart_raw_and_all(node: FakeNode, run: Run) -> None:
    node.answers["qor_wasmSmartQuery"] = {"count": 3}
    code, out, _ = run("query", "wasm", "contract-state", "smart", CONTRACT, '{"get_count":{}}')
    assert (code, out) == (0, {"data": {"count": 3}})
    assert node.calls[-1] == ("qor_wasmSmartQuery", (CONTRACT, {"get_count": {}}))
    code, text, _ = run("query", "wasm", "contract-state", "smart", CONTRACT, "{}", output="text")
    assert code == 0 and json.loads(text) == {"count": 3}
    code, _, err = run("query", "wasm", "contract-state", "smart", CONTRACT, "{bad")
    assert code == 1 and "not valid JSON" in json_error(err)["message"]

    node.answers["qor_wasmRawQuery"] = lambda address, key: (
        "0x" + b"7".hex() if key == "0x" + b"count".hex() else None
    )
    code, out, _ = run("query", "wasm", "contract-state", "raw", CONTRACT, b"count".hex())
    assert (code, out) == (0, {"data": base64.b64encode(b"7").decode()})
    code, out, _ = run("query", "wasm", "contract-state", "raw", CONTRACT, "count", "--ascii")
    assert (code, out) == (0, {"data": base64.b64encode(b"7").decode()})
    code, text, _ = run(
        "query", "wasm", "contract-state", "raw", CONTRACT, "Y291bnQ=", "--b64", output="text"
    )
    assert (code, text.strip()) == (0, "7")
    code, out, _ = run("query", "wasm", "contract-state", "raw", CONTRACT, "00")
    assert (code, out) == (0, {"data": None})

    models = [{"key": "636F756E74", "value": base64.b64encode(b"7").decode()}]
    node.answers["qor_wasmContractState"] = models
    code, out, _ = run("query", "wasm", "contract-state", "all", CONTRACT)
    assert (code, out) == (0, {"models": models})
    code, text, _ = run("query", "wasm", "contract-state", "all", CONTRACT, output="text")
    assert text.strip() == "636F756E74: 7"


def test_query_code_writes_the_wasm(node: FakeNode, run: Run, tmp_path: Path) -> None:
    info = {
        "code_id": "1",
        "creator": DEV0.bech32_address,
        "data_hash": CHECKSUM.upper(),
        "instantiate_permission": {"permission": "Everybody", "addresses": []},
    }
    node.answers["qor_wasmCode"] = {"code_info": info, "data": base64.b64encode(WASM).decode()}
    outfile = tmp_path / "out.wasm"
    code, out, err = run("query", "wasm", "code", "1", str(outfile))
    assert code == 0, err
    assert outfile.read_bytes() == WASM
    assert out["checksum"] == CHECKSUM and out["size"] == len(WASM) and out["code_id"] == 1
    assert out["output"] == str(outfile)
    code, out, _ = run("query", "wasm", "code", "1")
    assert code == 0 and "output" not in out

    node.answers["qor_wasmCode"] = {"code_info": info, "data": base64.b64encode(b"x").decode()}
    code, _, err = run("query", "wasm", "code", "1", str(tmp_path / "bad.wasm"))
    error = json_error(err)
    assert code == 1 and (error["codespace"], error["code"]) == ("client", 2)
    assert not (tmp_path / "bad.wasm").exists()


def test_query_contract_and_lists(node: FakeNode, run: Run) -> None:
    node.answers["qor_wasmContract"] = {"address": CONTRACT, "contract_info": {"code_id": "1"}}
    code, out, _ = run("query", "wasm", "contract", CONTRACT)
    assert (code, out["address"]) == (0, CONTRACT)
    infos = [{"code_id": "1", "creator": DEV0.bech32_address, "data_hash": CHECKSUM.upper()}]
    node.answers["qor_wasmCodes"] = infos
    code, out, _ = run("query", "wasm", "list-code")
    assert (code, out) == (0, {"code_infos": infos})
    code, text, _ = run("query", "wasm", "list-code", output="text")
    assert text.startswith(f"1  {CHECKSUM}")
    node.answers["qor_wasmContractsByCode"] = [CONTRACT]
    code, out, _ = run("query", "wasm", "list-contract-by-code", "1")
    assert (code, out) == (0, {"contracts": [CONTRACT]})
    assert node.calls[-1] == ("qor_wasmContractsByCode", (1,))
    code, _, err = run("query", "wasm", "list-contract-by-code", "zero")
    assert code == 1 and json_error(err)["code"] == 5
