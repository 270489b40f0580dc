"""Solana PubSub over WebSocket (svm port + 1) of a real in-process devnet: raw JSON-RPC over
trio-websocket (solana-py 0.41 has no ``connect``); every message is also parsed by solders."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import trio
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction import Transaction

from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.integration._support import rpc, svm_blockhash, svm_wait_status
from tests.solanakit import MEMO_PROGRAM, signed_transaction, system_transfer
from tests.solanapubsub import PubSubClient, run_pubsub

ALICE = solana_dev_keypair(0)
SOL = 10**9


@pytest.fixture(scope="module")
def devnet() -> Iterator[Devnet]:
    with Devnet(block_time=0) as net:
        yield net


def signed(devnet: Devnet, instructions: list[Instruction]) -> Transaction:
    return signed_transaction(instructions, [ALICE], svm_blockhash(devnet.svm_url))


def pay(to: Pubkey, lamports: int) -> Instruction:
    return system_transfer(ALICE.pubkey(), to, lamports)


async def submit(devnet: Devnet, tx: Transaction) -> str:
    raw = base64.b64encode(bytes(tx)).decode()
    signature: str = await trio.to_thread.run_sync(
        lambda: rpc(devnet.svm_url, "sendTransaction", raw, {"encoding": "base64"})
    )
    return signature


def test_the_port_follows_the_solana_port(devnet: Devnet) -> None:
    assert devnet.svm_ws_url.startswith("ws://127.0.0.1:")
    assert devnet.svm_ws_url != devnet.ws_url


def test_signature_and_account_subscriptions_see_a_transfer(devnet: Devnet) -> None:
    recipient = Keypair().pubkey()

    async def scenario(client: PubSubClient) -> None:
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

    run_pubsub(devnet.svm_ws_url, scenario)


def test_signature_already_committed_is_notified_at_once(devnet: Devnet) -> None:
    tx = signed(devnet, [pay(Keypair().pubkey(), SOL)])

    async def scenario(client: PubSubClient) -> None:
        signature = await submit(devnet, tx)
        await trio.to_thread.run_sync(lambda: svm_wait_status(devnet, signature))
        subscription = await client.subscribe("signatureSubscribe", signature)
        done = await client.notification(subscription)
        assert done["params"]["result"]["value"] == {"err": None}

    run_pubsub(devnet.svm_ws_url, scenario)


def test_logs_subscriptions_see_a_memo(devnet: Devnet) -> None:
    async def scenario(client: PubSubClient) -> None:
        everything = await client.subscribe("logsSubscribe", "all")
        mentions = await client.subscribe("logsSubscribe", {"mentions": [str(MEMO_PROGRAM)]})
        tx = signed(devnet, [Instruction(MEMO_PROGRAM, b"hello pubsub", [])])
        signature = await submit(devnet, tx)
        for subscription in (everything, mentions):
            note = await client.notification(
                subscription, lambda r: r["value"]["signature"] == signature
            )
            assert note["method"] == "logsNotification"
            value = note["params"]["result"]["value"]
            assert value["err"] is None
            assert any("hello pubsub" in line for line in value["logs"]), value["logs"]
        bad = await client.request(
            "logsSubscribe", {"mentions": [str(MEMO_PROGRAM), str(MEMO_PROGRAM)]}
        )
        assert bad["error"]["code"] == -32602
        assert (await client.request("logsUnsubscribe", mentions))["result"] is True

    run_pubsub(devnet.svm_ws_url, scenario)


def test_slot_subscription_sees_new_slots(devnet: Devnet) -> None:
    async def scenario(client: PubSubClient) -> None:
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

    run_pubsub(devnet.svm_ws_url, scenario)


def test_history_methods_over_http(devnet: Devnet) -> None:
    recipient = Keypair().pubkey()
    tx = signed(devnet, [pay(recipient, SOL)])
    signature = rpc(
        devnet.svm_url,
        "sendTransaction",
        base64.b64encode(bytes(tx)).decode(),
        {"encoding": "base64"},
    )
    svm_wait_status(devnet, signature)
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
