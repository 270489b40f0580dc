"""x/crossvm's queue on a running node (instant mode) between the EVM and CosmWasm, driven by
the clients users have: the CLI, web3.py, raw JSON-RPC, REST and a WebSocket subscription.

Instant mode builds the next block straight after one that queued a message, so a message
reaches its terminal state without anyone mining; the tests wait on the ``crossvm``
subscription's notifications, never on a clock.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract
from websockets.sync.client import connect

from qorenode import bech32
from qorenode.testing import Devnet
from tests.fixtures.contracts import REPO_ROOT, load_contract
from tests.integration._support import (
    DEV0,
    Cli,
    WsClient,
    deploy_with_web3,
    get_json,
    instantiate_with_cli,
    rpc,
    rpc_error,
    send_signed_call,
)

CROSSVM = "0x0000000000000000000000000000000000000901"
COUNTER_WASM = REPO_ROOT / "native" / "cosmwasm" / "build" / "counter.wasm"
DISPATCHER_WASM = REPO_ROOT / "native" / "cosmwasm" / "build" / "dispatcher.wasm"
RESPONSE_TOPIC = "0x" + keccak(text="CrossVMResponse(uint64,uint8,bytes)").hex()
REQUEST_TOPIC = "0x" + keccak(text="CrossVMRequest(uint64,uint8,uint8,string,string)").hex()


@dataclass
class Setup:
    devnet: Devnet
    cli: Cli
    w3: Web3
    ws: WsClient
    counter: str
    dispatcher: str
    receiver: Contract
    submitter: Contract

    @property
    def url(self) -> str:
        return self.devnet.eth_url

    def count(self) -> int:
        return int(rpc(self.url, "qor_wasmSmartQuery", self.counter, {"get_count": {}})["count"])

    def transact(self, fn: Any, value: int = 0) -> Any:
        return send_signed_call(self.w3, fn, value)

    def until_terminal(self, message_id: int) -> dict[str, Any]:
        """Notifications of the ``crossvm`` subscription until ``message_id`` is terminal."""
        while True:
            item = self.ws.notification()["params"]["result"]
            if item["message_id"] == message_id and item["type"] in (
                "crossvm_response",
                "crossvm_timeout",
            ):
                return dict(item)


@pytest.fixture
def setup(
    instant_devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Setup]:
    cli = Cli(instant_devnet.eth_url, tmp_path / "cli-home", capsys)
    counter = instantiate_with_cli(cli, COUNTER_WASM, '{"count": 0}')
    dispatcher = instantiate_with_cli(cli, DISPATCHER_WASM, "{}")
    w3 = Web3(Web3.HTTPProvider(instant_devnet.eth_url, request_kwargs={"timeout": 30}))
    receiver = deploy_with_web3(w3, "CrossReceiver")
    submitter = deploy_with_web3(w3, "CrossSubmitter")
    with connect(instant_devnet.ws_url, open_timeout=10, close_timeout=5) as conn:
        ws = WsClient(conn)
        ws.call("qor_subscribe", "crossvm", {})
        yield Setup(instant_devnet, cli, w3, ws, counter, dispatcher, receiver, submitter)


def test_a_user_message_to_cosmwasm_seen_through_every_interface(setup: Setup) -> None:
    s = setup
    sent = s.cli.json(
        "tx", "crossvm", "call", "cosmwasm", s.counter, '{"increment":{}}', "--from", "dev0",
        "--funds", "3aqor",
    )  # fmt: skip
    message_id = int(sent["message_id"])
    final = s.until_terminal(message_id)
    assert final["type"] == "crossvm_response"
    assert final["attributes"]["status"] == "executed"
    assert final["message"]["status"] == "executed"
    assert s.count() == 1
    # JSON-RPC, REST and the CLI agree on the record
    record = rpc(s.url, "qor_getCrossVMMessage", message_id)
    assert record == final["message"]
    assert record["funds"] == [{"denom": "aqor", "amount": "3"}]
    assert record["sender"] == DEV0.hex_address.lower()
    status, body = get_json(s.devnet.rest_url, f"/qorechain/crossvm/v1/message/{message_id}")
    assert status == 200 and body["message"] == record
    assert s.cli.json("query", "crossvm", "message", str(message_id)) == record
    listed = s.cli.json("query", "crossvm", "list", "--status", "executed")
    assert [r["id"] for r in listed] == [message_id]
    assert rpc(s.url, "qor_getPendingCrossVMMessages") == []
    status, body = get_json(s.devnet.rest_url, "/qorechain/crossvm/v1/pending")
    assert status == 200 and body == {"messages": []}
    error = rpc_error(s.url, "qor_getCrossVMMessage", 999)
    assert error["data"]["codespace"] == "crossvm" and error["data"]["code"] == 18


def test_an_evm_contract_message_and_its_logs(setup: Setup) -> None:
    s = setup
    receipt = s.transact(
        s.submitter.functions.sendToCosmWasm(s.counter, b'{"increment":{}}'), value=5
    )
    assert receipt["status"] == 1
    (request,) = [log for log in receipt["logs"] if log["topics"][0].to_0x_hex() == REQUEST_TOPIC]
    message_id = int.from_bytes(request["topics"][1], "big")
    assert s.submitter.functions.lastId().call() == message_id
    final = s.until_terminal(message_id)
    assert final["attributes"]["status"] == "executed" and s.count() == 1
    # the EndBlocker's response is a log an EVM client finds with eth_getLogs
    logs = s.w3.eth.get_logs(
        {"fromBlock": 0, "address": Web3.to_checksum_address(CROSSVM), "topics": [RESPONSE_TOPIC]}
    )
    (response,) = [log for log in logs if int.from_bytes(log["topics"][1], "big") == message_id]
    assert abi_decode(["uint8", "bytes"], bytes(response["data"]))[0] == 3
    status = s.submitter.functions.statusOf(message_id).call()
    assert status[0] == 3


def test_a_cosmwasm_contract_message_to_the_evm(setup: Setup) -> None:
    s = setup
    ping = s.receiver.functions.ping(42)._encode_transaction_data()
    body = {
        "crossvm_call": {
            "target_vm": "evm",
            "target_contract": s.receiver.address.lower(),
            "payload": base64.b64encode(bytes.fromhex(ping[2:])).decode(),
        }
    }
    executed = s.cli.json(
        "tx", "wasm", "execute", s.dispatcher, json.dumps({"custom": body}), "--from", "dev0"
    )
    assert executed["code"] == 0, executed
    (pending,) = rpc(s.url, "qor_listCrossVMMessages", {"source_vm": "cosmwasm"})
    final = s.until_terminal(pending["id"])
    assert final["attributes"]["status"] == "executed"
    assert s.receiver.functions.count().call() == 1
    alias = rpc(s.url, "qor_crossVMAlias", "evm", "cosmwasm", s.dispatcher)
    assert s.receiver.functions.lastSender().call().lower() == alias
    # 0x901's aliasOf answers the same address an EVM contract would check
    icrossvm = s.w3.eth.contract(
        address=Web3.to_checksum_address(CROSSVM), abi=load_contract("ICrossVM").abi
    )
    on_chain = icrossvm.functions.aliasOf(1, bech32.decode(s.dispatcher)).call()
    assert on_chain.lower() == alias


def test_a_failing_message_and_the_subscription_filter(setup: Setup) -> None:
    s = setup
    with connect(s.devnet.ws_url, open_timeout=10, close_timeout=5) as conn:
        failed_only = WsClient(conn)
        failed_only.call("qor_subscribe", "crossvm", {"status": "failed"})
        good = s.cli.json(
            "tx", "crossvm", "call", "cosmwasm", s.counter, '{"increment":{}}', "--from", "dev0"
        )
        bad = s.cli.json(
            "tx", "crossvm", "call", "cosmwasm", s.counter, '{"decrement":{}}', "--from", "dev0"
        )
        s.until_terminal(int(good["message_id"]))
        final = s.until_terminal(int(bad["message_id"]))
        assert final["attributes"]["status"] == "failed"
        assert "unknown variant" in final["message"]["error"]
        notice = failed_only.notification()["params"]["result"]
        assert notice["message_id"] == int(bad["message_id"])
        assert notice["message"]["status"] == "failed"


def test_the_authority_updates_params_with_the_cli(setup: Setup) -> None:
    s = setup
    before = s.cli.json("query", "crossvm", "params")
    assert before["authority"] == bech32.encode(DEV0.address)
    updated = s.cli.json(
        "tx", "crossvm", "update-params", "--max-queue-size", "7", "--from", "dev0"
    )
    assert updated["code"] == 0 and updated["params"]["max_queue_size"] == "7"
    after = s.cli.json("query", "crossvm", "params")["params"]
    assert after == {**before["params"], "max_queue_size": "7"}
    refused = s.cli.error(
        "tx", "crossvm", "update-params", "--max-queue-size", "9", "--from", "dev1"
    )
    assert "authority" in refused["message"]
    assert s.cli.json("query", "crossvm", "params")["params"]["max_queue_size"] == "7"
    alias = s.cli.json("query", "crossvm", "alias", "evm", "svm", "dev0")
    assert alias["alias"] == rpc(s.url, "qor_crossVMAlias", "evm", "svm", alias["sender"])


def test_instant_mode_delivers_what_a_restart_finds_queued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A message queued before a stop is delivered after the restart without any transaction
    arriving to wake the block loop."""
    home = tmp_path / "home"
    with Devnet(home, block_time=None) as paused:  # blocks only when asked
        cli = Cli(paused.eth_url, tmp_path / "cli-home", capsys)
        counter = _instantiate_paused(paused, cli)
        cli.json(
            "tx", "crossvm", "call", "cosmwasm", counter, '{"increment":{}}', "--from", "dev0",
            "--no-wait",
        )  # fmt: skip
        paused.mine()  # the block that queues it; its delivery would come with the next one
        (record,) = rpc(paused.eth_url, "qor_getPendingCrossVMMessages")
        assert record["status"] == "pending"
    with Devnet(home, block_time=0) as instant:
        deadline = time.monotonic() + 30
        while rpc(instant.eth_url, "qor_getCrossVMMessage", record["id"])["status"] != "executed":
            assert time.monotonic() < deadline, "the queued message was not delivered"
            time.sleep(0.02)
        count = rpc(instant.eth_url, "qor_wasmSmartQuery", counter, {"get_count": {}})["count"]
        assert int(count) == 1


def _instantiate_paused(devnet: Devnet, cli: Cli) -> str:
    """Store and instantiate the counter on a node that mines only when asked."""
    stored = cli.json("tx", "wasm", "store", str(COUNTER_WASM), "--from", "dev0", "--no-wait")
    devnet.mine()
    receipt = rpc(devnet.eth_url, "qor_getTransaction", stored["txhash"])
    code_id = json.loads(bytes.fromhex(receipt["data"][0]))["code_id"]
    made = cli.json(
        "tx", "wasm", "instantiate", str(code_id), '{"count": 0}', "--label", "counter",
        "--from", "dev0", "--no-admin", "--no-wait",
    )  # fmt: skip
    devnet.mine()
    receipt = rpc(devnet.eth_url, "qor_getTransaction", made["txhash"])
    return str(json.loads(bytes.fromhex(receipt["data"][0]))["address"])
