"""Driving the CosmWasm module of an in-process chain: store, instantiate, execute, query.

Every step is a real native transaction in a real block (``Chain`` from tests/unit/core).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from qorenode.addresses import to_bech32
from qorenode.bech32 import decode as bech32_decode
from qorenode.interfaces import TxResult
from qorenode.keys import KeyPair, dev_key
from tests.unit.core.chainkit import Chain

BUILD = Path(__file__).resolve().parents[3] / "native" / "cosmwasm" / "build"
DEV0 = dev_key(0)
DEV1 = dev_key(1)

STORE = "/cosmwasm.wasm.v1.MsgStoreCode"
INSTANTIATE = "/cosmwasm.wasm.v1.MsgInstantiateContract"
EXECUTE = "/cosmwasm.wasm.v1.MsgExecuteContract"
MIGRATE = "/cosmwasm.wasm.v1.MsgMigrateContract"
UPDATE_ADMIN = "/cosmwasm.wasm.v1.MsgUpdateAdmin"
CLEAR_ADMIN = "/cosmwasm.wasm.v1.MsgClearAdmin"


def wasm(name: str) -> bytes:
    return (BUILD / f"{name}.wasm").read_bytes()


def response(result: TxResult, index: int = 0) -> Any:
    return json.loads(bytes.fromhex(result.details["msg_responses"][index]))


def run(chain: Chain, msg: dict[str, Any], key: KeyPair = DEV0, gas: int = 20_000_000) -> TxResult:
    """One native transaction with one message, in its own block."""
    notice = chain.mine(chain.native_tx(key, [msg], gas_limit=gas))
    return notice.results[0]


def ok(result: TxResult) -> TxResult:
    assert result.success, f"code {result.codespace}/{result.code}: {result.log}"
    return result


def store(chain: Chain, name: str, key: KeyPair = DEV0) -> int:
    msg = {
        "@type": STORE,
        "sender": to_bech32(key.address),
        "wasm_byte_code": base64.b64encode(wasm(name)).decode(),
    }
    return int(response(ok(run(chain, msg, key)))["code_id"])


def instantiate_msg(
    code_id: int,
    init: Any,
    key: KeyPair = DEV0,
    funds: int = 0,
    admin: KeyPair | None = DEV0,
    label: str = "test",
) -> dict[str, Any]:
    return {
        "@type": INSTANTIATE,
        "sender": to_bech32(key.address),
        "admin": to_bech32(admin.address) if admin else "",
        "code_id": str(code_id),
        "label": label,
        "msg": init,
        "funds": [{"denom": "aqor", "amount": str(funds)}] if funds else [],
    }


def instantiate(chain: Chain, code_id: int, init: Any, **kwargs: Any) -> bytes:
    result = ok(run(chain, instantiate_msg(code_id, init, **kwargs)))
    return bech32_decode(response(result)["address"])


def execute_msg(contract: bytes, msg: Any, key: KeyPair = DEV0, funds: int = 0) -> dict[str, Any]:
    return {
        "@type": EXECUTE,
        "sender": to_bech32(key.address),
        "contract": to_bech32(contract),
        "msg": msg,
        "funds": [{"denom": "aqor", "amount": str(funds)}] if funds else [],
    }


def execute(
    chain: Chain,
    contract: bytes,
    msg: Any,
    key: KeyPair = DEV0,
    funds: int = 0,
    gas: int = 20_000_000,
) -> TxResult:
    return run(chain, execute_msg(contract, msg, key, funds), key, gas)


def query(chain: Chain, contract: bytes, msg: Any) -> Any:
    keeper = chain.comp.wasm.keeper  # type: ignore[union-attr]
    block = chain.app.context(chain.app.height, chain.app.last_block.timestamp)
    return json.loads(keeper.query_smart(block, contract, json.dumps(msg).encode()))


def events(result: TxResult, kind: str) -> list[dict[str, str]]:
    return [dict(event.attributes) for event in result.events if event.type == kind]
