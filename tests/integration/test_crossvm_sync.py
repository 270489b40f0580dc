"""x/crossvm's synchronous path on a real node over real sockets: Solidity calls CosmWasm.

The CosmWasm counter (native/cosmwasm/build/counter.wasm; execute {"increment": {}}, query
{"get_count": {}} -> {"count": N}) is stored and instantiated with the CLI (``qorenode tx wasm``,
in-process against the node's JSON-RPC); CrossCounter (native/solidity/CrossCounter.sol) is
deployed with web3.py and calls it through the precompile at 0x…0901 (DESIGN.md §5,
crossvm/ICrossVM.sol). Clients: web3.py over HTTP, a WebSocket for ``eth_subscribe``, raw
JSON-RPC, and Foundry's cast. The node runs in instant mode: a block as soon as a transaction
arrives, so web3's and cast's receipt waits work as against any chain.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from websockets.sync.client import connect

from qorenode.client import RpcClient, send_native, wait_for_native
from qorenode.testing import Devnet
from tests.fixtures.contracts import (
    REPO_ROOT,
    load_contract,
)
from tests.integration._support import (
    DEV0,
    DEV1,
    Cli,
    WsClient,
    cast_path,
    deploy_with_web3,
    dev_key_hex,
    rpc,
    rpc_error,
    send_call,
)

CROSSVM = "0x0000000000000000000000000000000000000901"
COUNTER_WASM = REPO_ROOT / "native" / "cosmwasm" / "build" / "counter.wasm"

INCREMENT = b'{"increment":{}}'
GET_COUNT = b'{"get_count":{}}'
BAD_MESSAGE = b'{"decrement":{}}'  # CrossCounter.BAD_MESSAGE: not a counter ExecuteMsg
# The counter's own error for BAD_MESSAGE (as a native MsgExecuteContract reports it too).
COUNTER_ERROR = (
    "Error parsing into type counter::ExecuteMsg: unknown variant, "
    "expected one of `increment`, `reset`"
)
BAD_MESSAGE_REASON = f"crossvm: execute wasm contract failed: {COUNTER_ERROR}"

COSMWASM_EVENT_TOPIC = "0x" + keccak(text="CosmWasmEvent(string,string,string[],string[])").hex()
ERROR_SELECTOR = keccak(text="Error(string)")[:4]

# Gas (DESIGN §5): 50,000 base + the CosmWasm call's SDK gas 1:1, of which wasmd's 60,000 per
# contract instance; the EVM transaction's own 21,000 on top.
CROSSVM_BASE_GAS = 50_000
WASM_INSTANCE_GAS = 60_000
TX_BASE_GAS = 21_000

RECV_TIMEOUT = 15.0
CAST_TIMEOUT = 60.0


def topic(text: str) -> str:
    return "0x" + keccak(text=text).hex()


def counter_events(counter: str, count: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """The events one counter ``increment`` emits (wasmd's ``execute``, then the contract's)."""
    return [
        ("execute", [("_contract_address", counter)]),
        (
            "wasm",
            [("_contract_address", counter), ("action", "increment"), ("count", str(count))],
        ),
    ]


def error_reason(data: bytes) -> str:
    assert data[:4] == ERROR_SELECTOR, data.hex()
    (reason,) = abi_decode(["string"], data[4:])
    return str(reason)


# -- the setup: a counter on CosmWasm, CrossCounter on the EVM ---------------------------------


@dataclass
class Cross:
    devnet: Devnet
    w3: Web3
    cli: Cli
    counter: str  # the CosmWasm counter's bech32 address
    cross: Contract  # CrossCounter, bound to the counter
    icrossvm: Contract  # ICrossVM at 0x…0901

    @property
    def url(self) -> str:
        return self.devnet.eth_url

    def count(self) -> int:
        """The counter's count, read on the CosmWasm side (qor_wasmSmartQuery)."""
        answer = rpc(self.url, "qor_wasmSmartQuery", self.counter, {"get_count": {}})
        return int(answer["count"])

    def transact(self, fn: Any, *, gas: int | None = None, value: int = 0) -> Any:
        """Sign ``fn`` (a bound contract function) with dev0, send it raw, wait for the receipt."""
        return send_call(self.w3, fn, value=value, gas=gas)


def deploy_cross_counter(w3: Web3, counter: str) -> Contract:
    contract: Contract = deploy_with_web3(w3, "CrossCounter", counter)
    return contract


@pytest.fixture
def cross(instant_devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cross:
    cli = Cli(instant_devnet.eth_url, tmp_path / "cli-home", capsys)
    stored = cli.json("tx", "wasm", "store", str(COUNTER_WASM), "--from", "dev0")
    assert stored["status"] == "success" and stored["code"] == 0, stored
    made = cli.json(
        "tx",
        "wasm",
        "instantiate",
        str(stored["code_id"]),
        '{"count": 0}',
        "--label",
        "counter",
        "--from",
        "dev0",
        "--no-admin",
    )
    counter = str(made["contract_address"])
    assert counter.startswith("qor1")
    w3 = Web3(Web3.HTTPProvider(instant_devnet.eth_url, request_kwargs={"timeout": 30}))
    cross_counter = deploy_cross_counter(w3, counter)
    assert cross_counter.functions.counter().call() == counter
    icrossvm = w3.eth.contract(
        address=Web3.to_checksum_address(CROSSVM), abi=load_contract("ICrossVM").abi
    )
    return Cross(instant_devnet, w3, cli, counter, cross_counter, icrossvm)


def decoded_events(c: Cross, receipt: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The receipt's CosmWasmEvent logs decoded with the ICrossVM ABI, as (type, attributes).

    ``eventType`` is an indexed string, so the log carries only its keccak256: the type is
    recovered by matching it against the event types a counter call emits.
    """
    known = {keccak(text=name): name for name in ("execute", "wasm", "transfer", "message")}
    events = c.icrossvm.events.CosmWasmEvent().process_receipt(receipt, errors=DISCARD)
    out = []
    for event in events:
        assert event["address"] == Web3.to_checksum_address(CROSSVM)
        args = event["args"]
        assert args["eventType"] in known, args["eventType"].hex()
        attributes = list(zip(args["keys"], args["values"], strict=True))
        assert args["contractAddr"] == dict(attributes).get("_contract_address", "")
        out.append((known[args["eventType"]], attributes))
    return out


# -- the happy path: web3, logs, eth_getLogs, eth_subscribe ------------------------------------


def test_increment_through_web3(cross: Cross) -> None:
    c = cross
    assert c.count() == 0
    receipt = c.transact(c.cross.functions.increment())
    assert receipt["status"] == 1, receipt
    assert receipt["to"] == c.cross.address
    # Gas: the 50,000 base and the CosmWasm call's SDK gas (60,000 for the instance alone) are
    # both in the receipt, on top of the transaction's own 21,000.
    assert receipt["gasUsed"] > TX_BASE_GAS + CROSSVM_BASE_GAS + WASM_INSTANCE_GAS, receipt
    assert receipt["gasUsed"] < 1_000_000
    assert receipt["cumulativeGasUsed"] == receipt["gasUsed"]
    assert receipt["effectiveGasPrice"] > 0
    assert c.count() == 1
    # The counter's response data is null: execute returned empty bytes, stored in lastData.
    assert c.cross.functions.lastData().call() == b""

    # Logs: one CosmWasmEvent per CosmWasm event of the call, from 0x901, in order.
    logs = receipt["logs"]
    assert len(logs) == 2
    for index, log in enumerate(logs):
        assert log["address"] == Web3.to_checksum_address(CROSSVM)
        assert log["topics"][0].to_0x_hex() == COSMWASM_EVENT_TOPIC
        assert log["logIndex"] == index
        assert log["transactionHash"] == receipt["transactionHash"]
        assert log["blockNumber"] == receipt["blockNumber"]
    assert [log["topics"][1].to_0x_hex() for log in logs] == [topic("execute"), topic("wasm")]
    assert decoded_events(c, receipt) == counter_events(c.counter, 1)

    # A native MsgExecuteContract of the same message emits the same events (count 2 now).
    chain_id = str(rpc(c.url, "qor_nodeInfo")["chain_id"])
    client = RpcClient(c.url)
    msg = {
        "@type": "/cosmwasm.wasm.v1.MsgExecuteContract",
        "sender": DEV1.bech32_address,
        "contract": c.counter,
        "msg": {"increment": {}},
        "funds": [],
    }
    record = wait_for_native(client, send_native(client, DEV1, chain_id, [msg]), timeout=30)
    assert record["success"] is True, record
    native = [
        (e["type"], [(a["key"], a["value"]) for a in e["attributes"]]) for e in record["events"]
    ]
    assert native == counter_events(c.counter, 2)
    assert c.count() == 2

    # And again through the EVM: the count the CosmWasm side reports keeps rising.
    again = c.transact(c.cross.functions.increment())
    assert again["status"] == 1
    assert decoded_events(c, again) == counter_events(c.counter, 3)
    assert c.count() == 3


def test_cosmwasm_event_logs_are_found_by_eth_get_logs(cross: Cross) -> None:
    c = cross
    first = c.transact(c.cross.functions.increment())
    second = c.transact(c.cross.functions.increment())
    assert first["status"] == second["status"] == 1

    logs = rpc(c.url, "eth_getLogs", {"address": CROSSVM, "fromBlock": "0x0"})
    assert [(log["transactionHash"], int(log["logIndex"], 16)) for log in logs] == [
        (first["transactionHash"].to_0x_hex(), 0),
        (first["transactionHash"].to_0x_hex(), 1),
        (second["transactionHash"].to_0x_hex(), 0),
        (second["transactionHash"].to_0x_hex(), 1),
    ]
    for log, from_receipt in zip(logs, [*first["logs"], *second["logs"]], strict=True):
        assert log["address"] == CROSSVM
        assert log["topics"] == [t.to_0x_hex() for t in from_receipt["topics"]]
        assert log["data"] == from_receipt["data"].to_0x_hex()
        assert log["blockHash"] == from_receipt["blockHash"].to_0x_hex()
        assert log["removed"] is False

    # Filtered by topics: the contract's own `wasm` events only, in the second block only.
    wasm_only = rpc(
        c.url,
        "eth_getLogs",
        {"address": CROSSVM, "fromBlock": "0x0", "topics": [COSMWASM_EVENT_TOPIC, topic("wasm")]},
    )
    assert [log["transactionHash"] for log in wasm_only] == [
        first["transactionHash"].to_0x_hex(),
        second["transactionHash"].to_0x_hex(),
    ]
    block = hex(second["blockNumber"])
    in_block = rpc(c.url, "eth_getLogs", {"address": CROSSVM, "fromBlock": block, "toBlock": block})
    assert len(in_block) == 2
    assert {log["transactionHash"] for log in in_block} == {second["transactionHash"].to_0x_hex()}
    # Another address: none of them.
    assert rpc(c.url, "eth_getLogs", {"address": c.cross.address, "fromBlock": "0x0"}) == []

    # web3: eth_getLogs by topics, each log decoded with the ICrossVM ABI. (web3 8's
    # argument_filters would ABI-encode the indexed string instead of hashing it, which any node
    # refuses as a topic, so the topic is given as keccak256 here.)
    found = c.w3.eth.get_logs(
        {
            "address": Web3.to_checksum_address(CROSSVM),
            "fromBlock": 0,
            "topics": [COSMWASM_EVENT_TOPIC, topic("wasm")],
        }
    )
    event = c.icrossvm.events.CosmWasmEvent()
    counts = []
    for log in found:
        args = event.process_log(log)["args"]
        assert args["eventType"] == keccak(text="wasm")
        counts.append(dict(zip(args["keys"], args["values"], strict=True))["count"])
    assert counts == ["1", "2"]


@pytest.fixture
def ws(instant_devnet: Devnet) -> Iterator[WsClient]:
    with connect(instant_devnet.ws_url, open_timeout=10, close_timeout=5) as conn:
        yield WsClient(conn)


def test_cosmwasm_event_logs_reach_a_logs_subscription(cross: Cross, ws: WsClient) -> None:
    c = cross
    every = ws.call("eth_subscribe", "logs", {"address": CROSSVM})
    wasm_only = ws.call(
        "eth_subscribe",
        "logs",
        {"address": [CROSSVM], "topics": [COSMWASM_EVENT_TOPIC, topic("wasm")]},
    )
    elsewhere = ws.call("eth_subscribe", "logs", {"address": c.cross.address})
    assert len({every, wasm_only, elsewhere}) == 3

    receipt = c.transact(c.cross.functions.increment())
    assert receipt["status"] == 1
    got: dict[str, list[dict[str, Any]]] = {every: [], wasm_only: [], elsewhere: []}
    for _ in range(3):  # 2 for `every`, 1 for `wasm_only`, in whatever order they are pushed
        message = ws.notification()
        got[message["params"]["subscription"]].append(message["params"]["result"])
    tx_hash = receipt["transactionHash"].to_0x_hex()
    assert [log["logIndex"] for log in got[every]] == ["0x0", "0x1"]
    for log, from_receipt in zip(got[every], receipt["logs"], strict=True):
        assert log["address"] == CROSSVM
        assert log["transactionHash"] == tx_hash
        assert log["topics"] == [t.to_0x_hex() for t in from_receipt["topics"]]
        assert log["data"] == from_receipt["data"].to_0x_hex()
        assert int(log["blockNumber"], 16) == receipt["blockNumber"]
        assert log["removed"] is False
    (wasm_log,) = got[wasm_only]
    assert wasm_log == got[every][1]
    contract, keys, values = abi_decode(
        ["string", "string[]", "string[]"], bytes.fromhex(wasm_log["data"][2:])
    )
    assert (contract, list(keys), list(values)) == (
        c.counter,
        ["_contract_address", "action", "count"],
        [c.counter, "increment", "1"],
    )

    # Nothing is owed to the CrossCounter-address subscription, nor more to the others: a
    # sentinel newHeads subscription sees the next block's head first (blocks publish in order).
    sentinel = ws.call("eth_subscribe", "newHeads")
    (notice,) = c.devnet.mine()
    message = ws.notification()
    assert message["params"]["subscription"] == sentinel, message
    assert int(message["params"]["result"]["number"], 16) == notice.record.height
    assert got[elsewhere] == []
    for sub in (every, wasm_only, elsewhere, sentinel):
        assert ws.call("eth_unsubscribe", sub) is True


def test_value_reaches_the_counter_as_funds(cross: Cross) -> None:
    c = cross
    value = 12_345
    sender_before = c.w3.eth.get_balance(DEV0.hex_address)
    receipt = c.transact(c.cross.functions.incrementWithValue(), value=value)
    assert receipt["status"] == 1, receipt
    assert c.count() == 1
    # The value moved once: dev0 paid it and the fee, CrossCounter passed it on, the counter
    # holds it (one ledger: the bank's view of the 32-byte account).
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert c.w3.eth.get_balance(DEV0.hex_address) == sender_before - value - fee
    assert c.w3.eth.get_balance(c.cross.address) == 0
    assert int(rpc(c.url, "qor_getBalance", c.counter)) == value
    # The logs are the events a native MsgExecuteContract with funds emits (this node's keeper
    # emits no bank event for attached funds, natively or here).
    assert decoded_events(c, receipt) == counter_events(c.counter, 1)


# -- reads: eth_call ----------------------------------------------------------------------------


def test_count_and_query_through_eth_call(cross: Cross) -> None:
    c = cross
    assert c.cross.functions.count().call() == b'{"count":0}'
    for _ in range(2):
        assert c.transact(c.cross.functions.increment())["status"] == 1
    # count() is a view calling query(counter, {"get_count":{}}) under STATICCALL: the raw JSON.
    assert c.cross.functions.count().call() == b'{"count":2}'
    assert json.loads(c.cross.functions.count().call()) == {"count": c.count()}
    # An explicit STATICCALL of query works too.
    assert c.cross.functions.staticQuery().call() == [True, b'{"count":2}']
    # 0x901 itself, by raw eth_call: the ABI-encoded bytes.
    data = (
        "0x"
        + (
            keccak(text="query(string,bytes)")[:4]
            + abi_encode(["string", "bytes"], [c.counter, GET_COUNT])
        ).hex()
    )
    raw = rpc(c.url, "eth_call", {"to": CROSSVM, "data": data}, "latest")
    assert abi_decode(["bytes"], bytes.fromhex(raw[2:])) == (b'{"count":2}',)
    assert c.icrossvm.functions.query(c.counter, GET_COUNT).call() == b'{"count":2}'
    # An eth_call of execute runs it and answers, but changes nothing.
    assert (
        c.icrossvm.functions.execute(c.counter, INCREMENT).call({"from": DEV0.hex_address}) == b""
    )
    assert c.cross.functions.increment().call({"from": DEV0.hex_address}) == b""
    assert c.count() == 2


def test_eth_call_at_an_earlier_block_is_refused_not_torn(cross: Cross) -> None:
    """CosmWasm keeps only the latest state: a call reaching 0x901 at an earlier block is refused
    with the reason, never answered with a mix of that block's EVM state and today's CosmWasm."""
    c = cross
    before = c.w3.eth.block_number  # CrossCounter deployed, count 0
    for _ in range(2):
        assert c.transact(c.cross.functions.increment())["status"] == 1
    latest = c.w3.eth.block_number
    assert latest == before + 2  # instant mode: one block per transaction
    assert c.cross.functions.count().call(block_identifier=latest) == b'{"count":2}'
    for n in (before, before + 1):
        with pytest.raises(ContractLogicError) as raised:
            c.cross.functions.count().call(block_identifier=n)
        assert "crossvm: CosmWasm state is kept for the latest block only" in raised.value.message


# -- failures: the CosmWasm error is the revert reason ------------------------------------------


def test_cosmwasm_error_is_the_revert_reason(cross: Cross) -> None:
    c = cross
    # execute on 0x901 directly with a message the counter refuses: web3 raises with the reason.
    with pytest.raises(ContractLogicError) as raised:
        c.icrossvm.functions.execute(c.counter, BAD_MESSAGE).call({"from": DEV0.hex_address})
    assert "crossvm: " in raised.value.message
    assert COUNTER_ERROR in raised.value.message
    assert raised.value.message == f"execution reverted: {BAD_MESSAGE_REASON}"
    assert error_reason(bytes.fromhex(str(raised.value.data)[2:])) == BAD_MESSAGE_REASON
    # eth_estimateGas says the same.
    with pytest.raises(ContractLogicError) as raised:
        c.icrossvm.functions.execute(c.counter, BAD_MESSAGE).estimate_gas(
            {"from": DEV0.hex_address}
        )
    assert BAD_MESSAGE_REASON in raised.value.message

    # The same as a raw eth_call: error 3, the Error(string) revert data.
    data = keccak(text="execute(string,bytes)")[:4] + abi_encode(
        ["string", "bytes"], [c.counter, BAD_MESSAGE]
    )
    error = rpc_error(
        c.url,
        "eth_call",
        {"from": DEV0.hex_address, "to": CROSSVM, "data": "0x" + data.hex()},
        "latest",
    )
    assert error["code"] == 3, error
    assert error["message"] == f"execution reverted: {BAD_MESSAGE_REASON}", error
    assert error_reason(bytes.fromhex(error["data"][2:])) == BAD_MESSAGE_REASON

    # A contract that is not there, and a message that is not JSON: reasons of their own.
    # (a well-formed 32-byte bech32 address with no contract: an SVM key's CosmWasm alias)
    nowhere = rpc(c.url, "qor_crossVMAlias", "cosmwasm", "svm", "0x" + "42" * 32)
    with pytest.raises(ContractLogicError) as raised:
        c.icrossvm.functions.execute(nowhere, INCREMENT).call({"from": DEV0.hex_address})
    assert raised.value.message == f"execution reverted: crossvm: no CosmWasm contract at {nowhere}"
    with pytest.raises(ContractLogicError) as raised:
        c.icrossvm.functions.execute(c.counter, b"{nope").call({"from": DEV0.hex_address})
    assert "crossvm: " in raised.value.message and "JSON" in raised.value.message

    # Through CrossCounter: incrementThenRevert's own reason comes back from eth_call ...
    with pytest.raises(ContractLogicError) as raised:
        c.cross.functions.incrementThenRevert().call({"from": DEV0.hex_address})
    assert raised.value.message == "execution reverted: CrossCounter: revert after increment"
    # ... and tryIncrement catches the precompile's revert: the call answers false.
    bad = c.cross.functions.tryIncrement(c.counter, BAD_MESSAGE)
    assert bad.call({"from": DEV0.hex_address}) is False
    assert c.cross.functions.tryIncrement(c.counter, INCREMENT).call({"from": DEV0.hex_address})
    assert c.count() == 0


def test_caught_failure_in_a_transaction(cross: Cross) -> None:
    c = cross
    receipt = c.transact(c.cross.functions.tryIncrement(c.counter, BAD_MESSAGE), gas=1_000_000)
    assert receipt["status"] == 1, receipt
    # No CosmWasm events (the call failed); CrossCounter's Attempted(false, revert data).
    assert decoded_events(c, receipt) == []
    (attempted,) = c.cross.events.Attempted().process_receipt(receipt)
    assert attempted["args"]["ok"] is False
    assert error_reason(attempted["args"]["result"]) == BAD_MESSAGE_REASON
    assert c.cross.functions.lastReason().call() == BAD_MESSAGE_REASON
    assert c.cross.functions.lastOk().call() is False
    assert (c.cross.functions.attempts().call(), c.cross.functions.failures().call()) == (1, 1)
    assert c.count() == 0
    # The good message through the same function: events, and the count moves.
    receipt = c.transact(c.cross.functions.tryIncrement(c.counter, INCREMENT))
    assert receipt["status"] == 1
    assert decoded_events(c, receipt) == counter_events(c.counter, 1)
    assert c.cross.functions.lastOk().call() is True
    assert c.count() == 1


def test_reverted_transaction_undoes_the_cosmwasm_write(cross: Cross) -> None:
    c = cross
    assert c.transact(c.cross.functions.increment())["status"] == 1
    receipt = c.transact(c.cross.functions.incrementThenRevert(), gas=1_000_000)
    assert receipt["status"] == 0, receipt
    assert receipt["logs"] == []
    assert c.count() == 1
    assert c.cross.functions.count().call() == b'{"count":1}'


# -- gas: eth_estimateGas --------------------------------------------------------------------


def test_estimate_gas_gives_a_limit_that_succeeds(cross: Cross) -> None:
    c = cross
    estimate = c.cross.functions.increment().estimate_gas({"from": DEV0.hex_address})
    assert estimate > TX_BASE_GAS + CROSSVM_BASE_GAS + WASM_INSTANCE_GAS
    receipt = c.transact(c.cross.functions.increment(), gas=estimate)
    assert receipt["status"] == 1, (estimate, receipt)
    assert receipt["gasUsed"] <= estimate
    assert c.count() == 1
    # Later increments cost about the same; the estimate at count 1 succeeds as well.
    estimate = c.cross.functions.increment().estimate_gas({"from": DEV0.hex_address})
    receipt = c.transact(c.cross.functions.increment(), gas=estimate)
    assert receipt["status"] == 1 and receipt["gasUsed"] <= estimate
    assert c.count() == 2
    # Well below what the CosmWasm side costs: out of gas, nothing written.
    short = c.transact(c.cross.functions.increment(), gas=TX_BASE_GAS + CROSSVM_BASE_GAS + 20_000)
    assert short["status"] == 0, short
    assert short["logs"] == []
    assert c.count() == 2


# -- cast --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cast() -> str:
    return cast_path()


def run_cast(cast: str, url: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """``cast <args[0]> --rpc-url URL <args[1:]>`` (the URL before greedy positionals)."""
    done = subprocess.run(
        [cast, args[0], "--rpc-url", url, *args[1:]],
        capture_output=True,
        text=True,
        timeout=CAST_TIMEOUT,
        check=False,
    )
    if ok:
        assert done.returncode == 0, (
            f"cast {' '.join(args)} exited {done.returncode}\n"
            f"stdout: {done.stdout}\nstderr: {done.stderr}"
        )
    return done


def test_cast_query_send_and_estimate(cross: Cross, cast: str) -> None:
    c = cross
    address = c.cross.address
    query = ("call", CROSSVM, "query(string,bytes)(bytes)", c.counter, "0x" + GET_COUNT.hex())
    out = run_cast(cast, c.url, *query).stdout.strip()
    assert bytes.fromhex(out.removeprefix("0x")) == b'{"count":0}', out

    estimate = int(
        run_cast(
            cast, c.url, "estimate", "--from", DEV0.hex_address, address, "increment()"
        ).stdout.strip()
    )
    assert estimate > TX_BASE_GAS + CROSSVM_BASE_GAS + WASM_INSTANCE_GAS
    sent = run_cast(
        cast,
        c.url,
        "send",
        "--private-key",
        dev_key_hex(0),
        "--gas-limit",
        str(estimate),
        address,
        "increment()",
        "--json",
    )
    receipt = json.loads(sent.stdout)
    assert receipt["status"] == "0x1", receipt
    assert receipt["from"].lower() == DEV0.hex_address.lower()
    assert int(receipt["gasUsed"], 16) <= estimate
    assert [log["address"] for log in receipt["logs"]] == [CROSSVM, CROSSVM]
    assert [log["topics"] for log in receipt["logs"]] == [
        [COSMWASM_EVENT_TOPIC, topic("execute")],
        [COSMWASM_EVENT_TOPIC, topic("wasm")],
    ]
    assert c.count() == 1

    # Without a gas limit cast estimates by itself; then the count through both reads.
    receipt = json.loads(
        run_cast(
            cast, c.url, "send", "--private-key", dev_key_hex(0), address, "increment()", "--json"
        ).stdout
    )
    assert receipt["status"] == "0x1", receipt
    assert c.count() == 2
    out = run_cast(cast, c.url, *query).stdout.strip()
    assert bytes.fromhex(out.removeprefix("0x")) == b'{"count":2}', out
    out = run_cast(cast, c.url, "call", address, "count()(bytes)").stdout.strip()
    assert bytes.fromhex(out.removeprefix("0x")) == b'{"count":2}', out
    receipt_again = json.loads(
        run_cast(cast, c.url, "receipt", receipt["transactionHash"], "--json").stdout
    )
    assert receipt_again["logs"] == receipt["logs"]

    # A refused message: cast shows the CosmWasm error as the revert reason.
    bad = run_cast(
        cast,
        c.url,
        "call",
        CROSSVM,
        "execute(string,bytes)(bytes)",
        c.counter,
        "0x" + BAD_MESSAGE.hex(),
        ok=False,
    )
    assert bad.returncode != 0
    assert BAD_MESSAGE_REASON in bad.stderr, bad.stderr


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_deploy_send_and_call(cross: Cross) -> None:
    c = cross
    artifact = REPO_ROOT / "native" / "solidity" / "build" / "CrossCounter.json"
    deployed = c.cli.json(
        "tx", "evm", "deploy", str(artifact), "--args", json.dumps([c.counter]), "--from", "dev0"
    )
    assert deployed["status"] == "success", deployed
    address = deployed["contract_address"]
    sent = c.cli.json("tx", "evm", "send", address, "increment()", "--from", "dev0")
    assert sent["status"] == "success", sent
    assert c.count() == 1
    called = c.cli.json("tx", "evm", "call", address, "count()", "--returns", "bytes")
    assert bytes.fromhex(called["decoded"][0].removeprefix("0x")) == b'{"count":1}', called
