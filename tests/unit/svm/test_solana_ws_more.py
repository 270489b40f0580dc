"""programSubscribe and rootSubscribe on Solana's PubSub WebSocket of an in-process devnet (real
servers on free ports, blocks mined by the test); every message is also parsed by solders."""

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
from solders.system_program import (
    CreateAccountParams,
    TransferParams,
    create_account,
    transfer,
)
from solders.transaction import Transaction
from trio_websocket import WebSocketConnection, open_websocket_url

from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.unit.svm.svmrpc import result
from vms.svm.rpc import b58encode

ALICE = solana_dev_keypair(0)
SYSTEM = "11111111111111111111111111111111"
OWNER = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")  # any program id
TIMEOUT = 20


@pytest.fixture
def devnet() -> Iterator[Devnet]:
    with Devnet() as net:  # no automatic blocks: the test mines
        yield net


class Client:
    """Raw Solana PubSub: requests answered in order, notifications kept in arrival order."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self.next_id = 0
        self.notes: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        text = await self.ws.get_message()
        assert isinstance(text, str)
        parse_websocket_message(text)  # solders understands every message
        return dict(json.loads(text))

    async def request(self, method: str, *params: Any) -> dict[str, Any]:
        self.next_id += 1
        body = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)}
        await self.ws.send_message(json.dumps(body))
        while True:
            message = await self.receive()
            if message.get("id") == self.next_id:
                return message
            self.notes.append(message)

    async def subscribe(self, method: str, *params: Any) -> int:
        response = await self.request(method, *params)
        assert "result" in response, response
        subscription: int = response["result"]
        return subscription

    async def notifications(self, subscription: int, count: int) -> list[dict[str, Any]]:
        """The next ``count`` notifications of ``subscription`` (others stay kept)."""
        out: list[dict[str, Any]] = []
        while len(out) < count:
            for note in list(self.notes):
                if note["params"]["subscription"] == subscription and len(out) < count:
                    self.notes.remove(note)
                    out.append(note)
            if len(out) < count:
                self.notes.append(await self.receive())
        return out

    async def quiet(self, subscription: int) -> bool:
        """No notification of ``subscription`` arrives within a short while."""
        with trio.move_on_after(0.3):
            while True:
                self.notes.append(await self.receive())
        return all(n["params"]["subscription"] != subscription for n in self.notes)


def run(devnet: Devnet, test: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        with trio.fail_after(TIMEOUT):
            async with open_websocket_url(devnet.svm_ws_url) as ws:
                await test(Client(ws))

    trio.run(main)


async def send_and_mine(
    devnet: Devnet, instructions: list[Instruction], signers: list[Keypair]
) -> int:
    """Send a transaction and mine its block; the block's slot."""

    def work() -> int:  # a thread of its own: the node's JSON-RPC layer is called in-process
        node = devnet.node
        recent = Hash.from_string(result(node, "getLatestBlockhash")["value"]["blockhash"])
        message = Message.new_with_blockhash(instructions, signers[0].pubkey(), recent)
        raw = b58encode(bytes(Transaction(signers, message, recent)))
        result(node, "sendTransaction", raw)
        (notice,) = devnet.mine()
        slot: int = result(node, "getSlot")
        assert notice.record.height == slot
        return slot

    slot: int = await trio.to_thread.run_sync(work)
    return slot


def test_program_subscription_sees_the_accounts_of_its_program(devnet: Devnet) -> None:
    small, large = Keypair(), Keypair()
    fresh = Keypair().pubkey()

    async def scenario(client: Client) -> None:
        everything = await client.subscribe("programSubscribe", str(OWNER), {"encoding": "base64"})
        sized = await client.subscribe(
            "programSubscribe", str(OWNER), {"encoding": "base64", "filters": [{"dataSize": 160}]}
        )
        marked = await client.subscribe(
            "programSubscribe",
            str(OWNER),
            {
                "encoding": "base58",
                "filters": [{"memcmp": {"offset": 0, "bytes": b58encode(b"\x01")}}],
            },
        )
        binary = await client.subscribe("programSubscribe", str(OWNER))  # the default encoding
        system = await client.subscribe(
            "programSubscribe", SYSTEM, {"encoding": "base64", "filters": [{"dataSize": 0}]}
        )
        rent = 10**7
        slot = await send_and_mine(
            devnet,
            [
                create_account(
                    CreateAccountParams(
                        from_pubkey=ALICE.pubkey(),
                        to_pubkey=kp.pubkey(),
                        lamports=rent,
                        space=size,
                        owner=OWNER,
                    )
                )
                for kp, size in ((small, 8), (large, 160))
            ]
            + [
                transfer(
                    TransferParams(from_pubkey=ALICE.pubkey(), to_pubkey=fresh, lamports=10**9)
                )
            ],
            [ALICE, small, large],
        )
        both = await client.notifications(everything, 2)
        assert all(n["method"] == "programNotification" for n in both)
        values = {n["params"]["result"]["value"]["pubkey"]: n["params"]["result"] for n in both}
        assert set(values) == {str(small.pubkey()), str(large.pubkey())}
        for pubkey, size in ((small.pubkey(), 8), (large.pubkey(), 160)):
            note = values[str(pubkey)]
            assert note["context"] == {"slot": slot}
            assert note["value"]["account"] == {
                "data": [base64.b64encode(bytes(size)).decode(), "base64"],
                "executable": False,
                "lamports": rent,
                "owner": str(OWNER),
                "rentEpoch": note["value"]["account"]["rentEpoch"],
                "space": size,
            }
        # base58 over 128 bytes is refused by getAccountInfo, yet notified, as Solana does
        legacy = await client.notifications(binary, 2)
        data = {
            n["params"]["result"]["value"]["pubkey"]: n["params"]["result"]["value"]["account"][
                "data"
            ]
            for n in legacy
        }
        assert data == {str(small.pubkey()): "1" * 8, str(large.pubkey()): "1" * 160}
        (only_large,) = await client.notifications(sized, 1)
        assert only_large["params"]["result"]["value"]["pubkey"] == str(large.pubkey())
        # the system program's subscription sees the payer and the recipient, not the new accounts
        payer_and_fresh = await client.notifications(system, 2)
        keys = {n["params"]["result"]["value"]["pubkey"] for n in payer_and_fresh}
        assert keys == {str(ALICE.pubkey()), str(fresh)}
        fresh_note = next(
            n for n in payer_and_fresh if n["params"]["result"]["value"]["pubkey"] == str(fresh)
        )
        assert fresh_note["params"]["result"]["value"]["account"]["lamports"] == 10**9
        assert fresh_note["params"]["result"]["value"]["account"]["owner"] == SYSTEM
        assert await client.quiet(marked)  # no account of the program starts with a 1 byte
        assert await client.quiet(sized)  # one notification per written account, no more
        for subscription in (everything, sized, marked, binary, system):
            gone = await client.request("programUnsubscribe", subscription)
            assert gone["result"] is True
        again = await client.request("programUnsubscribe", everything)
        assert again["error"] == {"code": -32602, "message": "Invalid subscription id."}

    run(devnet, scenario)


def test_root_subscription_follows_every_block(devnet: Devnet) -> None:
    async def scenario(client: Client) -> None:
        root = await client.subscribe("rootSubscribe")
        slot = await client.subscribe("slotSubscribe")
        notices = await trio.to_thread.run_sync(lambda: devnet.mine(3))
        heights = [n.record.height for n in notices]
        roots = await client.notifications(root, 3)
        assert all(n["method"] == "rootNotification" for n in roots)
        assert [n["params"]["result"] for n in roots] == heights  # genesis slot 0: slot = height
        slots = await client.notifications(slot, 3)
        assert [n["params"]["result"]["root"] for n in slots] == heights
        # a root id is not a slot subscription's, and the other way round
        wrong = await client.request("slotUnsubscribe", root)
        assert wrong["error"]["code"] == -32602
        assert (await client.request("rootUnsubscribe", root))["result"] is True
        await trio.to_thread.run_sync(devnet.mine)
        assert await client.quiet(root)
        assert (await client.request("rootUnsubscribe", root))["error"]["code"] == -32602

    run(devnet, scenario)


def test_program_subscribe_refuses_bad_input(devnet: Devnet) -> None:
    async def scenario(client: Client) -> None:
        bad = [
            ("nope",),
            (str(OWNER), {"filters": [{"nope": 1}]}),
            (str(OWNER), {"filters": [{"memcmp": {"offset": -1, "bytes": "1"}}]}),
            (str(OWNER), {"encoding": "xml"}),
            (str(OWNER), "base64"),
        ]
        for params in bad:
            response = await client.request("programSubscribe", *params)
            assert response["error"]["code"] == -32602, (params, response)
        assert "result" in await client.request("programSubscribe", str(OWNER))

    run(devnet, scenario)
