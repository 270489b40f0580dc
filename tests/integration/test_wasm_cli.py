"""``qorenode tx wasm`` / ``query wasm`` and the CosmWasm REST routes against a real node.

The contract is
native/cosmwasm/counter/counter.c:

    instantiate {"count": N?}   execute {"increment": {}} | {"reset": {"count": N}}
    query {"get_count": {}} -> {"count": N}   migrate {} | {"count": N} (writes key "migrated")
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from qorenode import bech32
from qorenode.keys import dev_key
from qorenode.testing import Devnet
from tests.integration._support import Cli, get_json

ROOT = Path(__file__).resolve().parents[2]
COUNTER_WASM = ROOT / "native" / "cosmwasm" / "build" / "counter.wasm"
DEV0, DEV1 = dev_key(0), dev_key(1)


@pytest.fixture
def cli(instant_devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(instant_devnet.eth_url, tmp_path / "cli-home", capsys)


def with_custom_section(wasm: bytes, size: int) -> bytes:
    """``wasm`` plus a custom section of ``size`` bytes (ignored by every wasm engine)."""
    name = b"qorenode-padding"
    payload = bytes([len(name)]) + name + bytes(size)
    length = len(payload)
    leb = bytearray()
    while True:
        byte = length & 0x7F
        length >>= 7
        leb.append(byte | (0x80 if length else 0))
        if not length:
            break
    return wasm + b"\x00" + bytes(leb) + payload


def store(cli: Cli, path: Path = COUNTER_WASM) -> dict[str, Any]:
    stored: dict[str, Any] = cli.json("tx", "wasm", "store", str(path), "--from", "dev0")
    assert stored["status"] == "success" and stored["code"] == 0
    return stored


def instantiate(cli: Cli, code_id: int, *extra: str, msg: str = '{"count": 0}') -> str:
    made = cli.json(
        "tx",
        "wasm",
        "instantiate",
        str(code_id),
        msg,
        "--label",
        "counter",
        "--from",
        "dev0",
        *extra,
    )
    address: str = made["contract_address"]
    assert made["code_id"] == code_id
    assert len(bech32.decode(address)) == 32
    return address


def count(cli: Cli, contract: str) -> int:
    result = cli.json("query", "wasm", "contract-state", "smart", contract, '{"get_count": {}}')
    return int(result["data"]["count"])


# -- store, instantiate, execute, query ---------------------------------------------------------


def test_store_and_query_code(cli: Cli, tmp_path: Path) -> None:
    wasm = COUNTER_WASM.read_bytes()
    stored = store(cli)
    assert stored["code_id"] >= 1
    assert stored["checksum"] == hashlib.sha256(wasm).hexdigest()
    assert stored["height"] >= 1 and stored["gas_used"] > 0

    codes = cli.json("query", "wasm", "list-code")["code_infos"]
    assert any(c["code_id"] == str(stored["code_id"]) for c in codes)
    out = tmp_path / "back.wasm"
    code = cli.json("query", "wasm", "code", str(stored["code_id"]), str(out))
    assert out.read_bytes() == wasm
    assert code["checksum"] == stored["checksum"] and code["creator"] == DEV0.bech32_address
    error = cli.error("query", "wasm", "code", "999999")
    assert (error["codespace"], error["code"]) == ("wasm", 28)


def test_instantiate_execute_query(cli: Cli, instant_devnet: Devnet) -> None:
    code_id = store(cli)["code_id"]
    contract = instantiate(cli, code_id, "--admin", "dev0", "--amount", "100aqor")
    info = cli.json("query", "wasm", "contract", contract)
    assert info["address"] == contract
    assert info["contract_info"]["code_id"] == str(code_id)
    assert info["contract_info"]["admin"] == DEV0.bech32_address
    assert info["contract_info"]["label"] == "counter"
    assert contract in cli.json("query", "wasm", "list-contract-by-code", str(code_id))["contracts"]
    balance = cli.json("query", "bank", "balances", contract)["balances"]
    assert balance == [{"denom": "aqor", "amount": "100"}]

    assert count(cli, contract) == 0
    executed = cli.json("tx", "wasm", "execute", contract, '{"increment": {}}', "--from", "dev1")
    assert executed["status"] == "success"
    kinds = [e["type"] for e in executed["events"]]
    assert "execute" in kinds and "wasm" in kinds
    wasm_event = next(e for e in executed["events"] if e["type"] == "wasm")
    attributes = {a["key"]: a["value"] for a in wasm_event["attributes"]}
    assert attributes["_contract_address"] == contract and attributes["action"] == "increment"
    assert count(cli, contract) == 1

    raw = cli.json("query", "wasm", "contract-state", "raw", contract, "count", "--ascii")
    assert base64.b64decode(raw["data"]) == b"1"
    assert cli.json("query", "wasm", "contract-state", "raw", contract, "00")["data"] is None
    models = cli.json("query", "wasm", "contract-state", "all", contract)["models"]
    assert {"key": b"count".hex().upper(), "value": base64.b64encode(b"1").decode()} in models
    code, out, _ = cli.run("query", "wasm", "contract-state", "smart", contract, '{"get_count":{}}')
    assert code == 0 and json.loads(out) == {"count": 1}

    # the REST routes see the same state
    query = base64.b64encode(b'{"get_count":{}}').decode()
    status, body = get_json(
        instant_devnet.rest_url, f"/cosmwasm/wasm/v1/contract/{contract}/smart/{query}"
    )
    assert (status, body) == (200, {"data": {"count": 1}})
    status, body = get_json(instant_devnet.rest_url, f"/cosmwasm/wasm/v1/contract/{contract}")
    assert status == 200 and body["contract_info"]["code_id"] == str(code_id)
    status, body = get_json(instant_devnet.rest_url, f"/cosmwasm/wasm/v1/code/{code_id}/contracts")
    assert status == 200 and contract in body["contracts"]


def test_migrate_and_admin(cli: Cli) -> None:
    code_id = store(cli)["code_id"]
    contract = instantiate(cli, code_id, "--admin", "dev0", msg='{"count": 5}')
    migrated = cli.json(
        "tx", "wasm", "migrate", contract, str(code_id), '{"count": 10}', "--from", "dev0"
    )
    assert migrated["status"] == "success"
    assert any(e["type"] == "migrate" for e in migrated["events"])
    assert count(cli, contract) == 10
    raw = cli.json("query", "wasm", "contract-state", "raw", contract, "migrated", "--ascii")
    assert base64.b64decode(raw["data"]) == b"counter"

    cli.json("tx", "wasm", "set-contract-admin", contract, "dev1", "--from", "dev0")
    info = cli.json("query", "wasm", "contract", contract)["contract_info"]
    assert info["admin"] == DEV1.bech32_address
    error = cli.error("tx", "wasm", "migrate", contract, str(code_id), "{}", "--from", "dev0")
    assert "unauthorized" in error["message"].lower() or error["codespace"] == "sdk"

    cli.json("tx", "wasm", "clear-contract-admin", contract, "--from", "dev1")
    assert cli.json("query", "wasm", "contract", contract)["contract_info"]["admin"] == ""
    error = cli.error("tx", "wasm", "migrate", contract, str(code_id), "{}", "--from", "dev1")
    assert error["codespace"] in ("sdk", "wasm")


def test_no_admin_rule_and_bad_input(cli: Cli) -> None:
    code_id = store(cli)["code_id"]
    base = ("tx", "wasm", "instantiate", str(code_id), "{}", "--label", "x", "--from", "dev0")
    error = cli.error(*base)
    assert (error["codespace"], error["code"]) == ("rpc", 5) and "--no-admin" in error["message"]
    error = cli.error(*base, "--admin", "dev0", "--no-admin")
    assert (error["codespace"], error["code"]) == ("rpc", 5)
    contract = instantiate(cli, code_id, "--no-admin")
    assert cli.json("query", "wasm", "contract", contract)["contract_info"]["admin"] == ""

    error = cli.error("query", "wasm", "contract-state", "smart", contract, "{nope")
    assert (error["codespace"], error["code"]) == ("rpc", 5)
    error = cli.error("tx", "wasm", "execute", contract, '{"unknown": {}}', "--from", "dev0")
    assert (error["codespace"], error["code"]) == ("wasm", 5)
    unknown = bech32.encode(b"\x42" * 32)
    error = cli.error("query", "wasm", "contract", unknown)
    assert (error["codespace"], error["code"]) == ("wasm", 22)
    error = cli.error("tx", "wasm", "execute", unknown, "{}", "--from", "dev0")
    assert error["codespace"] == "wasm"


def test_store_a_large_wasm(cli: Cli, tmp_path: Path) -> None:
    """An 800 KiB wasm (about 1.1 MB of base64) fits a native transaction and the HTTP body."""
    wasm = COUNTER_WASM.read_bytes()
    padding = 800 * 1024 - len(wasm) - 32
    big = with_custom_section(wasm, padding)
    big = with_custom_section(wasm, padding + 800 * 1024 - len(big))
    assert len(big) == 800 * 1024  # wasmd's default MaxWasmSize, exactly
    path = tmp_path / "big.wasm"
    path.write_bytes(big)
    stored = store(cli, path)
    assert stored["checksum"] == hashlib.sha256(big).hexdigest()
    out = tmp_path / "big-back.wasm"
    cli.json("query", "wasm", "code", str(stored["code_id"]), str(out))
    assert out.read_bytes() == big
    contract = instantiate(cli, stored["code_id"], "--no-admin")
    assert count(cli, contract) == 0
