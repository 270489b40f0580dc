"""programSubscribe and rootSubscribe on Solana's PubSub WebSocket of an in-process devnet (real
servers on free ports, blocks mined by the test); every message is also parsed by solders."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import trio
from solders.instruction import Instruction
from solders.keypair import Keypair

from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.solanakit import MEMO_PROGRAM, create_account_instruction, system_transfer
from tests.solanapubsub import PubSubClient, run_pubsub
from tests.unit.svm.svmrpc import result, send_transaction
from vms.svm.rpc import b58encode

ALICE = solana_dev_keypair(0)
SYSTEM = "11111111111111111111111111111111"
OWNER = MEMO_PROGRAM  # any program id


@pytest.fixture
def devnet() -> Iterator[Devnet]:
    with Devnet() as net:  # no automatic blocks: the test mines
        yield net


async def send_and_mine(
    devnet: Devnet, instructions: list[Instruction], signers: list[Keypair]
) -> int:
    """Send a transaction and mine its block; the block's slot."""

    def work() -> int:  # a thread of its own: the node's JSON-RPC layer is called in-process
        node = devnet.node
        send_transaction(node, instructions, signers)
        (notice,) = devnet.mine()
        slot: int = result(node, "getSlot")
        assert notice.record.height == slot
        return slot

    slot: int = await trio.to_thread.run_sync(work)
    return slot


def test_program_subscription_sees_the_accounts_of_its_program(devnet: Devnet) -> None:
    small, large = Keypair(), Keypair()
    fresh = Keypair().pubkey()

    async def scenario(client: PubSubClient) -> None:
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
                create_account_instruction(ALICE.pubkey(), kp.pubkey(), rent, size, OWNER)
                for kp, size in ((small, 8), (large, 160))
            ]
            + [system_transfer(ALICE.pubkey(), fresh, 10**9)],
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

    run_pubsub(devnet.svm_ws_url, scenario)


def test_root_subscription_follows_every_block(devnet: Devnet) -> None:
    async def scenario(client: PubSubClient) -> None:
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

    run_pubsub(devnet.svm_ws_url, scenario)


def test_program_subscribe_refuses_bad_input(devnet: Devnet) -> None:
    async def scenario(client: PubSubClient) -> None:
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

    run_pubsub(devnet.svm_ws_url, scenario)
