"""eth_subscribe over a real WebSocket (the ``websockets`` client library, and web3's provider).

Blocks are mined by hand; a notification is read with a bounded receive timeout (it is pushed from
the server's side after the commit, so it may arrive just after ``mine`` returns). That nothing
arrives is checked without a clock: see ``WsClient.assert_quiet``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from qorenode.testing import Devnet
from tests.fixtures.contracts import load_contract
from tests.integration._support import (
    DEV0,
    DEV1,
    DEV2,
    TRANSFER_TOPIC,
    deploy_calldata,
    eip1559,
    rpc,
    sign,
    transfer_calldata,
)

RECV_TIMEOUT = 15.0


class WsClient:
    """JSON-RPC over one WebSocket: requests by id, notifications queued apart."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.next_id = 0
        self.notifications: list[dict[str, Any]] = []

    def _recv(self) -> Any:
        return json.loads(self.ws.recv(timeout=RECV_TIMEOUT))

    def request(self, method: str, *params: Any) -> dict[str, Any]:
        self.next_id += 1
        rid = self.next_id
        self.ws.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}))
        while True:
            message = self._recv()
            if isinstance(message, dict) and message.get("method") == "eth_subscription":
                self.notifications.append(message)
                continue
            assert message["id"] == rid, message
            assert message["jsonrpc"] == "2.0"
            return dict(message)

    def call(self, method: str, *params: Any) -> Any:
        response = self.request(method, *params)
        assert "error" not in response, response
        return response["result"]

    def notification(self) -> dict[str, Any]:
        """The next subscription notification (bounded wait)."""
        if self.notifications:
            return self.notifications.pop(0)
        message = self._recv()
        assert message.get("method") == "eth_subscription", message
        return dict(message)

    def assert_quiet(self, devnet: Devnet) -> None:
        """Assert no notification is due for the blocks mined so far, without waiting on a clock.

        A sentinel newHeads subscription is opened and one more block mined: blocks are published
        in commit order, so anything owed for earlier blocks would arrive before the sentinel's
        head for the new block.
        """
        assert self.notifications == [], self.notifications
        sentinel = self.call("eth_subscribe", "newHeads")
        (notice,) = devnet.mine()
        message = self.notification()
        assert message["params"]["subscription"] == sentinel, f"unexpected: {message}"
        assert int(message["params"]["result"]["number"], 16) == notice.record.height
        assert self.call("eth_unsubscribe", sentinel) is True


@pytest.fixture
def ws(devnet: Devnet) -> Iterator[WsClient]:
    with connect(devnet.ws_url, open_timeout=10, close_timeout=5) as conn:
        yield WsClient(conn)


def _deploy_token(devnet: Devnet) -> str:
    bytecode = load_contract("QorToken").bytecode
    nonce = int(rpc(devnet.eth_url, "eth_getTransactionCount", DEV0.hex_address, "pending"), 16)
    tx_hash = rpc(
        devnet.eth_url,
        "eth_sendRawTransaction",
        sign(eip1559(nonce, data=deploy_calldata(bytecode), gas=2_000_000)),
    )
    devnet.mine()
    receipt = rpc(devnet.eth_url, "eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1"
    return str(receipt["contractAddress"])


def _send_transfer(devnet: Devnet, token: str, to: str, amount: int) -> str:
    nonce = int(rpc(devnet.eth_url, "eth_getTransactionCount", DEV0.hex_address, "pending"), 16)
    raw = sign(eip1559(nonce, to=token, data=transfer_calldata(to, amount)))
    return str(rpc(devnet.eth_url, "eth_sendRawTransaction", raw))


def test_block_number_and_chain_id_over_ws(devnet: Devnet, ws: WsClient) -> None:
    assert ws.call("eth_blockNumber") == "0x0"
    devnet.mine(3)
    assert ws.call("eth_blockNumber") == "0x3"
    assert int(ws.call("eth_chainId"), 16) == 31337
    balance = ws.call("eth_getBalance", DEV1.hex_address, "latest")
    assert balance == rpc(devnet.eth_url, "eth_getBalance", DEV1.hex_address, "latest")
    unknown = ws.request("eth_noSuchMethod")
    assert unknown["error"]["code"] == -32601


def test_new_heads_one_per_block(devnet: Devnet, ws: WsClient) -> None:
    sub_id = ws.call("eth_subscribe", "newHeads")
    assert isinstance(sub_id, str) and sub_id.startswith("0x")
    notices = devnet.mine(3)
    for notice in notices:
        message = ws.notification()
        assert message["jsonrpc"] == "2.0"
        assert message["params"]["subscription"] == sub_id
        head = message["params"]["result"]
        height = notice.record.height
        assert int(head["number"], 16) == height
        assert head["hash"] == "0x" + notice.record.hash.hex()
        block = rpc(devnet.eth_url, "eth_getBlockByNumber", hex(height), False)
        for key in ("hash", "parentHash", "stateRoot", "timestamp", "gasLimit", "baseFeePerGas"):
            assert head[key] == block[key], key
        assert "transactions" not in head  # a header, not a block
    # Blocks keep coming to the same subscription after requests on the connection.
    assert ws.call("eth_blockNumber") == hex(notices[-1].record.height)
    (fourth,) = devnet.mine()
    assert int(ws.notification()["params"]["result"]["number"], 16) == fourth.record.height

    assert ws.call("eth_unsubscribe", sub_id) is True
    assert ws.call("eth_unsubscribe", sub_id) is False
    devnet.mine()
    ws.assert_quiet(devnet)


def test_logs_subscription_with_address_filter(devnet: Devnet, ws: WsClient) -> None:
    token = _deploy_token(devnet)
    other = _deploy_token(devnet)
    sub_id = ws.call("eth_subscribe", "logs", {"address": token})
    topic_sub = ws.call(
        "eth_subscribe",
        "logs",
        {
            "address": [other],
            "topics": [TRANSFER_TOPIC, None, "0x" + "00" * 12 + DEV2.address.hex()],
        },
    )
    assert sub_id != topic_sub

    tx_hash = _send_transfer(devnet, token, DEV1.hex_address, 77)
    _send_transfer(devnet, other, DEV1.hex_address, 1)  # matches neither subscription
    (notice,) = devnet.mine()

    message = ws.notification()
    assert message["params"]["subscription"] == sub_id
    log = message["params"]["result"]
    assert log["address"].lower() == token.lower()
    assert log["transactionHash"] == tx_hash
    assert log["topics"] == [
        TRANSFER_TOPIC,
        "0x" + "00" * 12 + DEV0.address.hex(),
        "0x" + "00" * 12 + DEV1.address.hex(),
    ]
    assert int(log["data"], 16) == 77
    assert int(log["blockNumber"], 16) == notice.record.height
    assert log["blockHash"] == "0x" + notice.record.hash.hex()
    assert log["removed"] is False
    assert int(log["transactionIndex"], 16) == 0
    assert int(log["logIndex"], 16) == 0
    ws.assert_quiet(devnet)

    # The topic-filtered subscription fires for a transfer to dev2 on the other token only.
    tx2 = _send_transfer(devnet, other, DEV2.hex_address, 5)
    devnet.mine()
    message = ws.notification()
    assert message["params"]["subscription"] == topic_sub
    assert message["params"]["result"]["transactionHash"] == tx2

    assert ws.call("eth_unsubscribe", sub_id) is True
    assert ws.call("eth_unsubscribe", topic_sub) is True
    _send_transfer(devnet, token, DEV1.hex_address, 1)
    devnet.mine()
    ws.assert_quiet(devnet)


def test_subscriptions_are_per_connection(devnet: Devnet, ws: WsClient) -> None:
    sub_id = ws.call("eth_subscribe", "newHeads")
    with connect(devnet.ws_url, open_timeout=10) as conn:
        other = WsClient(conn)
        # Another connection cannot cancel it.
        assert other.call("eth_unsubscribe", sub_id) is False
        other_sub = other.call("eth_subscribe", "newHeads")
        (notice,) = devnet.mine()
        assert other.notification()["params"]["subscription"] == other_sub
    # The second connection is gone; the first still receives its heads.
    message = ws.notification()
    assert message["params"]["subscription"] == sub_id
    assert int(message["params"]["result"]["number"], 16) == notice.record.height
    bad = ws.request("eth_subscribe", "noSuchTopic")
    assert bad["error"]["code"] == -32602


def test_batch_and_bad_input_over_ws(devnet: Devnet, ws: WsClient) -> None:
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_subscribe", "params": ["newHeads"]},
        {"jsonrpc": "2.0", "id": 3, "method": "eth_noSuchMethod"},
    ]
    ws.ws.send(json.dumps(batch))
    answers = json.loads(ws.ws.recv(timeout=RECV_TIMEOUT))
    assert [a["id"] for a in answers] == [1, 2, 3]
    assert answers[0]["result"] == "0x0"
    sub_id = answers[1]["result"]
    assert answers[2]["error"]["code"] == -32601
    # Malformed JSON is answered, and the connection stays usable.
    ws.ws.send("{not json")
    error = json.loads(ws.ws.recv(timeout=RECV_TIMEOUT))
    assert error["id"] is None and error["error"]["code"] == -32700
    assert error["error"]["data"] == {"codespace": "rpc", "code": 2}
    bad_filter = ws.request("eth_subscribe", "logs", {"address": "0x12"})
    assert bad_filter["error"]["code"] == -32602
    # A binary frame carries JSON-RPC too.
    ws.ws.send(json.dumps({"jsonrpc": "2.0", "id": 9, "method": "eth_chainId"}).encode())
    assert json.loads(ws.ws.recv(timeout=RECV_TIMEOUT))["result"] == "0x7a69"
    # The subscription made inside the batch is live.
    (notice,) = devnet.mine()
    message = ws.notification()
    assert message["params"]["subscription"] == sub_id
    assert int(message["params"]["result"]["number"], 16) == notice.record.height


def test_web3_websocket_provider(devnet: Devnet) -> None:
    from web3 import AsyncWeb3, WebSocketProvider

    async def scenario() -> tuple[int, list[int]]:
        async with AsyncWeb3(WebSocketProvider(devnet.ws_url)) as w3:
            start = await w3.eth.block_number
            sub_id = await w3.eth.subscribe("newHeads")
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, devnet.mine, 2)
            numbers: list[int] = []
            async with asyncio.timeout(RECV_TIMEOUT):
                async for message in w3.socket.process_subscriptions():
                    assert message["subscription"] == sub_id
                    numbers.append(message["result"]["number"])
                    if len(numbers) == 2:
                        break
            assert await w3.eth.unsubscribe(sub_id) is True
            return start, numbers

    start, numbers = asyncio.run(scenario())
    assert numbers == [start + 1, start + 2]
