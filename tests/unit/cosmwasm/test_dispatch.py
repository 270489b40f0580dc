"""Messages a contract returns: bank and wasm messages, submessages with every ``reply_on``, replies,
the call and query depth caps, and ``query_chain``. Driven through the dispatcher test contract."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from qorenode.addresses import to_bech32
from qorenode.keys import dev_key
from tests.unit.core.chainkit import Chain
from tests.unit.cosmwasm.wasmkit import (
    DEV0,
    events,
    execute,
    instantiate,
    ok,
    query,
    response,
    store,
)

DEV5 = dev_key(5)


def b64json(obj: Any) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def wasm_execute(contract: bytes, msg: Any, funds: int = 0) -> dict[str, Any]:
    coins = [{"denom": "aqor", "amount": str(funds)}] if funds else []
    return {
        "wasm": {
            "execute": {"contract_addr": to_bech32(contract), "msg": b64json(msg), "funds": coins}
        }
    }


@pytest.fixture
def dispatcher(chain: Chain) -> bytes:
    return instantiate(chain, store(chain, "dispatcher"), {}, funds=10**6)


@pytest.fixture
def counter(chain: Chain) -> bytes:
    return instantiate(chain, store(chain, "counter"), {"count": 0})


def replies(chain: Chain, dispatcher: bytes) -> list[dict[str, Any]]:
    return list(query(chain, dispatcher, {"replies": {}})["replies"])


def stored(chain: Chain, contract: bytes, key: str) -> Any:
    return query(chain, contract, {"stored": {"key": key}})["value"]


def test_bank_send_to_a_user_moves_the_evm_balance(chain: Chain, dispatcher: bytes) -> None:
    before = chain.evm.get_balance(DEV5.address)
    msg = {
        "bank_send": {
            "to_address": to_bech32(DEV5.address),
            "amount": [{"denom": "aqor", "amount": "250"}],
        }
    }
    result = ok(execute(chain, dispatcher, msg))
    assert chain.evm.get_balance(DEV5.address) == before + 250
    assert chain.bank.balance(dispatcher) == 10**6 - 250
    assert events(result, "transfer")[0]["amount"] == "250aqor"


def test_bank_send_beyond_the_contract_balance_fails_the_message(
    chain: Chain, dispatcher: bytes
) -> None:
    msg = {
        "bank_send": {
            "to_address": to_bech32(DEV5.address),
            "amount": [{"denom": "aqor", "amount": str(10**7)}],
        }
    }
    result = execute(chain, dispatcher, msg)
    assert not result.success and result.codespace == "bank"
    assert chain.bank.balance(dispatcher) == 10**6


def test_wasm_execute_message_calls_another_contract(
    chain: Chain, dispatcher: bytes, counter: bytes
) -> None:
    msg = {
        "execute": {
            "contract_addr": to_bech32(counter),
            "msg": {"increment": {}},
            "funds": [{"denom": "aqor", "amount": "7"}],
        }
    }
    result = ok(execute(chain, dispatcher, msg))
    assert query(chain, counter, {"get_count": {}}) == {"count": 1}
    assert chain.bank.balance(counter) == 7
    contracts = [e["_contract_address"] for e in events(result, "execute")]
    assert contracts == [to_bech32(dispatcher), to_bech32(counter)]
    assert events(result, "wasm-dispatched")[0]["variant"] == "execute"


def test_wasm_instantiate_and_migrate_messages(chain: Chain, dispatcher: bytes) -> None:
    v1 = store(chain, "counter")
    v2 = store(chain, "counter_v2")
    msg = {
        "instantiate": {
            "code_id": v1,
            "msg": {"count": 3},
            "label": "child",
            "admin": to_bech32(dispatcher),
        }
    }
    result = ok(execute(chain, dispatcher, msg))
    (made,) = events(result, "instantiate")
    child = made["_contract_address"]
    keeper = chain.comp.wasm.keeper  # type: ignore[union-attr]
    from qorenode.bech32 import decode

    info = keeper.contract_info(decode(child))
    assert (info.creator, info.admin, info.code_id) == (dispatcher, dispatcher, v1)
    ok(
        execute(
            chain, dispatcher, {"migrate": {"contract_addr": child, "new_code_id": v2, "msg": {}}}
        )
    )
    assert keeper.contract_info(decode(child)).code_id == v2


def test_submessage_success_replies_with_events_and_proto_data(
    chain: Chain, dispatcher: bytes
) -> None:
    code_id = store(chain, "counter")
    inner = {
        "wasm": {
            "instantiate": {
                "admin": None,
                "code_id": code_id,
                "msg": b64json({}),
                "funds": [],
                "label": "sub",
            }
        }
    }
    result = ok(
        execute(
            chain,
            dispatcher,
            {
                "sub": {
                    "id": 7,
                    "reply_on": "success",
                    "msg": inner,
                    "payload": b64json({"note": 1}),
                }
            },
        )
    )
    (reply,) = replies(chain, dispatcher)
    assert (reply["id"], reply["result"], reply["msg_responses"]) == (7, "ok", 1)
    assert "instantiate" in reply["event_types"] and reply["gas_used"] > 0
    assert base64.b64decode(reply["payload"]) == json.dumps({"note": 1}).encode()
    # data: MsgInstantiateContractResponse {address = 1}: tag 0x0a, length, bech32 address
    address = events(result, "instantiate")[0]["_contract_address"]
    data = base64.b64decode(reply["data"])
    assert data == b"\x0a" + bytes([len(address)]) + address.encode()
    assert events(result, "reply") == [{"_contract_address": to_bech32(dispatcher)}]


def test_failed_submessage_with_reply_on_error_reverts_only_itself(
    chain: Chain, dispatcher: bytes
) -> None:
    # the submessage writes a key, then fails; the parent writes its own key first
    failing = wasm_execute(
        dispatcher,
        {"all": [{"write": {"key": "inner", "value": "x"}}, {"fail": {"reason": "boom"}}]},
    )
    msg = {
        "all": [
            {"write": {"key": "outer", "value": "y"}},
            {"sub": {"id": 3, "reply_on": "error", "msg": failing}},
        ]
    }
    result = ok(execute(chain, dispatcher, msg))
    (reply,) = replies(chain, dispatcher)
    assert reply["result"] == "error" and "boom" in reply["error"]
    assert "codespace: wasm, code: 5" in reply["error"]
    assert stored(chain, dispatcher, "outer") == "y"
    assert stored(chain, dispatcher, "inner") is None
    assert "wasm-dispatched" in [e.type for e in result.events]


def test_failed_submessage_without_error_reply_fails_everything(
    chain: Chain, dispatcher: bytes
) -> None:
    failing = wasm_execute(dispatcher, {"fail": {"reason": "no reply for you"}})
    for reply_on in ("never", "success"):
        msg = {
            "all": [
                {"write": {"key": "outer", "value": reply_on}},
                {"sub": {"id": 1, "reply_on": reply_on, "msg": failing}},
            ]
        }
        result = execute(chain, dispatcher, msg)
        assert not result.success and "no reply for you" in result.log
        assert stored(chain, dispatcher, "outer") is None
    assert replies(chain, dispatcher) == []


def test_successful_submessage_with_reply_on_error_gets_no_reply(
    chain: Chain, dispatcher: bytes, counter: bytes
) -> None:
    ok(
        execute(
            chain,
            dispatcher,
            {
                "sub": {
                    "id": 4,
                    "reply_on": "error",
                    "msg": wasm_execute(counter, {"increment": {}}),
                }
            },
        )
    )
    assert replies(chain, dispatcher) == []
    assert query(chain, counter, {"get_count": {}}) == {"count": 1}


def test_a_failing_reply_fails_the_transaction(
    chain: Chain, dispatcher: bytes, counter: bytes
) -> None:
    msg = {
        "sub": {"id": 666, "reply_on": "always", "msg": wasm_execute(counter, {"increment": {}})}
    }
    result = execute(chain, dispatcher, msg)
    assert not result.success and "reply failed on purpose" in result.log
    assert query(chain, counter, {"get_count": {}}) == {"count": 0}
    assert replies(chain, dispatcher) == []


def test_reply_data_replaces_the_response_data(
    chain: Chain, dispatcher: bytes, counter: bytes
) -> None:
    payload = b64json({"data": base64.b64encode(b"from reply").decode()})
    msg = {
        "all": [
            {"set_data": {"data": base64.b64encode(b"original").decode()}},
            {
                "sub": {
                    "id": 1,
                    "reply_on": "success",
                    "msg": wasm_execute(counter, {"increment": {}}),
                    "payload": payload,
                }
            },
        ]
    }
    result = ok(execute(chain, dispatcher, msg))
    assert base64.b64decode(response(result)["data"]) == b"from reply"


def test_submessage_gas_limit_bounds_it_and_the_reply_sees_the_error(
    chain: Chain, dispatcher: bytes
) -> None:
    loop = instantiate(chain, store(chain, "loop"), {})
    msg = {
        "sub": {"id": 9, "reply_on": "error", "gas_limit": 62_000, "msg": wasm_execute(loop, {})}
    }
    result = ok(execute(chain, dispatcher, msg, gas=3_000_000))
    (reply,) = replies(chain, dispatcher)
    assert reply["result"] == "error" and "out of gas" in reply["error"]
    assert reply["gas_used"] == 62_000
    assert result.gas_used > 62_000


def test_call_depth_is_capped(chain: Chain, dispatcher: bytes) -> None:
    ok(execute(chain, dispatcher, {"recurse": {"depth": 5}}, gas=29_000_000))
    result = execute(chain, dispatcher, {"recurse": {"depth": 40}}, gas=29_000_000)
    assert (result.success, result.codespace, result.code) == (False, "wasm", 30)


def test_query_chain_bank_balance_and_smart_query(
    chain: Chain, dispatcher: bytes, counter: bytes
) -> None:
    result = ok(execute(chain, dispatcher, {"query_balance": {"address": to_bech32(DEV0.address)}}))
    balance = json.loads(base64.b64decode(response(result)["data"]))
    assert balance == {
        "amount": {"denom": "aqor", "amount": str(chain.evm.get_balance(DEV0.address))}
    }
    answer = query(
        chain,
        dispatcher,
        {"query_smart": {"contract_addr": to_bech32(counter), "msg": {"get_count": {}}}},
    )
    assert answer == {"count": 0}


def test_query_depth_is_capped(chain: Chain, dispatcher: bytes) -> None:
    assert query(chain, dispatcher, {"query_recurse": {"depth": 5}}) == {"depth": 5, "levels": 6}
    keeper = chain.comp.wasm.keeper  # type: ignore[union-attr]
    block = chain.app.context(chain.app.height, chain.app.last_block.timestamp)
    from vms.cosmwasm.errors import QueryFailed

    with pytest.raises(QueryFailed, match="query stack size"):
        keeper.query_smart(block, dispatcher, json.dumps({"query_recurse": {"depth": 12}}).encode())


def test_custom_and_unsupported_messages_are_refused(chain: Chain, dispatcher: bytes) -> None:
    result = execute(chain, dispatcher, {"custom": {"anything": 1}})
    assert (result.success, result.codespace, result.code) == (False, "crossvm", 6)
    crossvm_call = {"crossvm_call": {"target_vm": "evm", "target_contract": "0x00", "payload": ""}}
    result = execute(chain, dispatcher, {"custom": crossvm_call})
    # a malformed target address is refused with x/crossvm's code for it
    assert (result.success, result.codespace, result.code) == (False, "crossvm", 13)
    ok(
        execute(
            chain, dispatcher, {"sub": {"id": 2, "reply_on": "error", "msg": {"custom": {"x": 1}}}}
        )
    )
    (reply,) = replies(chain, dispatcher)
    assert "codespace: crossvm, code: 6" in reply["error"]
    staking = {
        "staking": {"delegate": {"validator": "v", "amount": {"denom": "aqor", "amount": "1"}}}
    }
    ok(execute(chain, dispatcher, {"sub": {"id": 3, "reply_on": "error", "msg": staking}}))
    assert "code: 20" in replies(chain, dispatcher)[1]["error"]
