"""Solana PubSub over WebSocket (svm port + 1) of a real in-process devnet: raw JSON-RPC over
trio-websocket (solana-py 0.41 has no ``connect``); every message is also parsed by solders."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import trio
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.responses import parse_websocket_message
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction
from trio_websocket import WebSocketConnection, open_websocket_url

from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.integration._support import rpc

ALICE = solana_dev_keypair(0)
MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
SOL = 10**9
TIMEOUT = 20


@pytest.fixture(scope="module")
def devnet() -> Iterator[Devnet]:
    with Devnet(block_time=0) as net:
        yield net


def signed(devnet: Devnet, instructions: list[Instruction]) -> Transaction:
    recent = Hash.from_string(rpc(devnet.svm_url, "getLatestBlockhash")["value"]["blockhash"])
    message = Message.new_with_blockhash(instructions, ALICE.pubkey(), recent)
    return Transaction([ALICE], message, recent)


def pay(to: Pubkey, lamports: int) -> Instruction:
    return transfer(TransferParams(from_pubkey=ALICE.pubkey(), to_pubkey=to, lamports=lamports))


async def submit(devnet: Devnet, tx: Transaction) -> str:
    raw = base64.b64encode(bytes(tx)).decode()
    signature: str = await trio.to_thread.run_sync(
        lambda: rpc(devnet.svm_url, "sendTransaction", raw, {"encoding": "base64"})
    )
    return signature


class Client:
    """Raw Solana PubSub: requests answered in order, notifications collected by subscription."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self.next_id = 0
        self.held: list[dict[str, Any]] = []  # notifications not asked for yet

    async def request(self, method: str, *params: Any) -> dict[str, Any]:
        self.next_id += 1
        body = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)}
        await self.ws.send_message(json.dumps(body))
        while True:
            message = await self.receive()
            if message.get("id") == self.next_id:
                return message
            self.held.append(message)

    async def receive(self) -> dict[str, Any]:
        text = await self.ws.get_message()
        assert isinstance(text, str)
        parse_websocket_message(text)  # solders understands every message
        return dict(json.loads(text))

    async def subscribe(self, method: str, *params: Any) -> int:
        response = await self.request(method, *params)
        subscription: int = response["result"]
        assert isinstance(subscription, int)
        return subscription

    async def notification(
        self, subscription: int, accept: Callable[[Any], bool] = lambda _: True
    ) -> dict[str, Any]:
        """The next notification of ``subscription`` that ``accept`` takes (those of other
        subscriptions are held for later; those ``accept`` refuses are skipped)."""
        while True:
            for i, held in enumerate(self.held):
                if held["params"]["subscription"] == subscription:
                    del self.held[i]
                    if accept(held["params"]["result"]):
                        return held
                    break
            else:
                self.held.append(await self.receive())


def run(devnet: Devnet, test: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        with trio.fail_after(TIMEOUT):
            async with open_websocket_url(devnet.svm_ws_url) as ws:
                await test(Client(ws))

    trio.run(main)


def test_the_port_follows_the_solana_port(devnet: Devnet) -> None:
    assert devnet.svm_ws_url.startswith("ws://127.0.0.1:")
    assert devnet.svm_ws_url != devnet.ws_url


def test_signature_and_account_subscriptions_see_a_transfer(devnet: Devnet) -> None:
    recipient = Keypair().pubkey()

    async def scenario(client: Client) -> None:
        account = await client.subscribe("accountSubscribe", str(recipient), {"encoding": "base64"})
        tx = signed(devnet, [pay(recipient, 2 * SOL)])
        signature = await client.subscribe("signatureSubscribe", str(tx.signatures[0]))
        assert await submit(devnet, tx) == str(tx.signatures[0])
        done = await client.notification(signature)
        assert done["method"] == "signatureNotification"
        result = done["params"]["result"]
        assert result["value"] == {"err": None} and result["context"]["slot"] > 0
        changed = await client.notification(account)
        assert changed["method"] == "accountNotification"
        value = changed["params"]["result"]["value"]
        assert value["lamports"] == 2 * SOL and value["data"] == ["", "base64"]
        assert value["owner"] == "11111111111111111111111111111111"
        # a signature subscription ends after its notification
        gone = await client.request("signatureUnsubscribe", signature)
        assert gone["error"] == {"code": -32602, "message": "Invalid subscription id."}
        assert (await client.request("accountUnsubscribe", account))["result"] is True

    run(devnet, scenario)


def test_signature_already_committed_is_notified_at_once(devnet: Devnet) -> None:
    tx = signed(devnet, [pay(Keypair().pubkey(), SOL)])

    async def scenario(client: Client) -> None:
        signature = await submit(devnet, tx)
        await trio.to_thread.run_sync(lambda: wait_landed(devnet, signature))
        subscription = await client.subscribe("signatureSubscribe", signature)
        done = await client.notification(subscription)
        assert done["params"]["result"]["value"] == {"err": None}

    run(devnet, scenario)


def wait_landed(devnet: Devnet, signature: str) -> None:
    for _ in range(200):
        (status,) = rpc(devnet.svm_url, "getSignatureStatuses", [signature])["value"]
        if status is not None:
            return
        devnet.mine()
    raise AssertionError(f"{signature} never landed")


def test_logs_subscriptions_see_a_memo(devnet: Devnet) -> None:
    async def scenario(client: Client) -> None:
        everything = await client.subscribe("logsSubscribe", "all")
        mentions = await client.subscribe("logsSubscribe", {"mentions": [str(MEMO)]})
        tx = signed(devnet, [Instruction(MEMO, b"hello pubsub", [])])
        signature = await submit(devnet, tx)
        for subscription in (everything, mentions):
            note = await client.notification(
                subscription, lambda r: r["value"]["signature"] == signature
            )
            assert note["method"] == "logsNotification"
            value = note["params"]["result"]["value"]
            assert value["err"] is None
            assert any("hello pubsub" in line for line in value["logs"]), value["logs"]
        bad = await client.request("logsSubscribe", {"mentions": [str(MEMO), str(MEMO)]})
        assert bad["error"]["code"] == -32602
        assert (await client.request("logsUnsubscribe", mentions))["result"] is True

    run(devnet, scenario)


def test_slot_subscription_sees_new_slots(devnet: Devnet) -> None:
    async def scenario(client: Client) -> None:
        subscription = await client.subscribe("slotSubscribe")
        start = await trio.to_thread.run_sync(lambda: rpc(devnet.svm_url, "getSlot"))
        await trio.to_thread.run_sync(lambda: devnet.mine(2))
        seen = []
        while len(seen) < 2:
            note = await client.notification(subscription, lambda r: r["slot"] > start)
            assert note["method"] == "slotNotification"
            seen.append(note["params"]["result"])
        assert seen[0]["slot"] == start + 1 and seen[1]["slot"] == start + 2
        assert seen[1]["parent"] == start + 1 and seen[1]["root"] == start + 2
        assert (await client.request("slotUnsubscribe", subscription))["result"] is True
        assert (await client.request("slotUnsubscribe", subscription))["error"]["code"] == -32602

    run(devnet, scenario)


def test_history_methods_over_http(devnet: Devnet) -> None:
    recipient = Keypair().pubkey()
    tx = signed(devnet, [pay(recipient, SOL)])
    signature = rpc(
        devnet.svm_url,
        "sendTransaction",
        base64.b64encode(bytes(tx)).decode(),
        {"encoding": "base64"},
    )
    wait_landed(devnet, signature)
    (item,) = rpc(devnet.svm_url, "getSignaturesForAddress", str(recipient))
    assert item["signature"] == signature and item["confirmationStatus"] == "finalized"
    block = rpc(devnet.svm_url, "getBlock", item["slot"], {"transactionDetails": "signatures"})
    assert signature in block["signatures"] and block["parentSlot"] == item["slot"] - 1
    owned = rpc(
        devnet.svm_url,
        "getProgramAccounts",
        "11111111111111111111111111111111",
        {"filters": [{"dataSize": 0}], "encoding": "base64"},
    )
    assert str(recipient) in {entry["pubkey"] for entry in owned}
