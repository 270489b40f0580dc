"""blockSubscribe, slotsUpdatesSubscribe and voteSubscribe on Solana's PubSub WebSocket of an
in-process devnet (real servers on free ports, blocks mined by the test): each block notification
is exactly getBlock's answer for its slot with the same options; every message is also parsed by
solders, and solana-py's WebSocket client receives them."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import struct
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import trio
from solana.rpc.websocket_api import SolanaWsClient
from solders.address_lookup_table_account import ID as LOOKUP_TABLE_PROGRAM
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.rpc.config import RpcBlockSubscribeFilterMentions
from solders.rpc.responses import (
    BlockNotification,
    SlotUpdateCreatedBank,
    SlotUpdateFrozen,
    SlotUpdateNotification,
    SlotUpdateOptimisticConfirmation,
    SlotUpdateRoot,
    parse_websocket_message,
)
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionDetails

import vms.svm.ws
from qorenode.genesis import load_genesis
from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.solanakit import signed_transaction, system_transfer
from tests.solanapubsub import PubSubClient, run_pubsub
from tests.unit.svm.svmrpc import call, latest_blockhash, result, send_transaction
from vms.svm.rpc import b58encode

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
SOL = 10**9
UNSUPPORTED_VERSION = -32015


@pytest.fixture
def devnet() -> Iterator[Devnet]:
    with Devnet() as net:  # no automatic blocks: the test mines
        yield net


# -- helpers ---------------------------------------------------------------------------------


def get_block(devnet: Devnet, slot: int, config: dict[str, Any] | None = None) -> Any:
    """getBlock's answer for ``slot`` with the options of a blockSubscribe ``config`` and its
    defaults (base64, no rewards; ``showRewards`` is getBlock's ``rewards``; the commitment is
    not an answer's option)."""
    given = {k: v for k, v in (config or {}).items() if k != "commitment" and v is not None}
    options = {"encoding": "base64", "showRewards": False} | given
    options["rewards"] = options.pop("showRewards")
    return result(devnet.node, "getBlock", slot, options)


async def in_thread(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` off the trio loop (the node's JSON-RPC layer is called in-process)."""
    return await trio.to_thread.run_sync(fn)


def mine_transfers(
    devnet: Devnet, transfers: list[tuple[Keypair, Pubkey, int]]
) -> tuple[int, list[str]]:
    """Send one transfer transaction per ``(payer, to, lamports)`` (a transfer below the rent
    exemption of a new account is sent without preflight: it fails in the block), then mine them
    into one block; its slot and the signatures, in order."""
    node = devnet.node
    signatures = []
    for payer, to, lamports in transfers:
        instruction = system_transfer(payer.pubkey(), to, lamports)
        if lamports >= SOL:
            signatures.append(send_transaction(node, [instruction], [payer]))
        else:
            tx = signed_transaction([instruction], [payer], latest_blockhash(node))
            raw = b58encode(bytes(tx))
            signatures.append(result(node, "sendTransaction", raw, {"skipPreflight": True}))
    (notice,) = devnet.mine()
    return notice.record.height, signatures  # genesis slot 0: slot = height


def block_notification(note: dict[str, Any]) -> BlockNotification:
    (parsed,) = parse_websocket_message(json.dumps(note))
    assert isinstance(parsed, BlockNotification)
    return parsed


def expected_update(slot: int, block: Any) -> dict[str, Any]:
    return {"context": {"slot": slot}, "value": {"slot": slot, "err": None, "block": block}}


def only(block: dict[str, Any], signatures: list[str]) -> dict[str, Any]:
    """getBlock's answer keeping only the transactions of ``signatures``."""
    kept = dict(block)
    if "transactions" in kept:
        kept["transactions"] = [
            t for t in block["transactions"] if t["transaction"]["signatures"][0] in signatures
        ]
    if "signatures" in kept:
        kept["signatures"] = [s for s in block["signatures"] if s in signatures]
    return kept


# -- blockSubscribe --------------------------------------------------------------------------

CONFIGS: list[dict[str, Any] | None] = [
    None,  # base64, full, no rewards: the validator's defaults for block notifications
    {"encoding": "json", "showRewards": True},
    {"encoding": "jsonParsed"},
    {"encoding": "base58", "showRewards": False},
    {"encoding": "base64", "transactionDetails": "accounts", "commitment": "finalized"},
    {"transactionDetails": "signatures"},
    {"transactionDetails": "none", "showRewards": False},
    {"maxSupportedTransactionVersion": 0, "showRewards": None, "commitment": "confirmed"},
]


def test_block_notifications_are_get_blocks_answers(devnet: Devnet) -> None:
    fresh = Keypair().pubkey()

    async def scenario(client: PubSubClient) -> None:
        subs = [
            await client.subscribe("blockSubscribe", "all", *([] if cfg is None else [cfg]))
            for cfg in CONFIGS
        ]
        # one block with a transfer and a transaction that fails in it, then an empty block
        slot, signatures = await in_thread(
            lambda: mine_transfers(devnet, [(ALICE, BOB.pubkey(), 2 * SOL), (ALICE, fresh, 7)])
        )
        (empty,) = [n.record.height for n in await in_thread(devnet.mine)]
        full = await in_thread(lambda: get_block(devnet, slot, {"encoding": "json"}))
        assert [t["transaction"]["signatures"][0] for t in full["transactions"]] == signatures
        assert full["transactions"][0]["meta"]["err"] is None
        assert full["transactions"][1]["meta"]["err"] is not None
        for sub, cfg in zip(subs, CONFIGS, strict=True):
            notes = await client.notifications(sub, 2)
            assert [n["method"] for n in notes] == ["blockNotification"] * 2
            for note, at in zip(notes, (slot, empty), strict=True):
                answer = await in_thread(partial(get_block, devnet, at, cfg))
                assert note["params"]["result"] == expected_update(at, answer), cfg
                parsed = block_notification(note)
                assert parsed.subscription == sub and parsed.result.value.slot == at
                block = parsed.result.value.block
                assert block is not None and block.block_height == at
            if cfg is None:  # the defaults, visibly: base64 transactions, no rewards
                shown = notes[0]["params"]["result"]["value"]["block"]
                assert shown["transactions"][0]["transaction"][1] == "base64"
                assert (
                    "rewards" not in shown and shown["transactions"][0]["meta"]["rewards"] is None
                )
        for sub in subs:
            assert (await client.request("blockUnsubscribe", sub))["result"] is True

    run_pubsub(devnet.svm_ws_url, scenario)


def test_the_mentions_filter_keeps_the_blocks_and_transactions_naming_the_account(
    devnet: Devnet,
) -> None:
    watched = Keypair().pubkey()
    other = Keypair().pubkey()

    async def scenario(client: PubSubClient) -> None:
        mentions = {"mentionsAccountOrProgram": str(watched)}
        everything = await client.subscribe(
            "blockSubscribe", "all", {"transactionDetails": "signatures"}
        )
        full = await client.subscribe("blockSubscribe", mentions, {"encoding": "json"})
        sigs_cfg = {"transactionDetails": "signatures", "showRewards": False}
        sigs = await client.subscribe("blockSubscribe", mentions, sigs_cfg)
        parsed_cfg = {"encoding": "jsonParsed", "transactionDetails": "accounts"}
        accounts = await client.subscribe("blockSubscribe", mentions, parsed_cfg)
        # a block that does not name the account, then one where one transaction of two does
        unrelated, _ = await in_thread(lambda: mine_transfers(devnet, [(ALICE, other, SOL)]))
        slot, (paid_other, paid_watched) = await in_thread(
            lambda: mine_transfers(devnet, [(ALICE, other, SOL), (BOB, watched, 3 * SOL)])
        )
        seen = await client.notifications(everything, 2)
        assert [n["params"]["result"]["context"]["slot"] for n in seen] == [unrelated, slot]
        # notifications go out block by block: the first of a mentions subscription is the
        # second block's, so the first block was not notified
        (note,) = await client.notifications(full, 1)
        answer = await in_thread(lambda: get_block(devnet, slot, {"encoding": "json"}))
        assert len(answer["transactions"]) == 2
        filtered = only(answer, [paid_watched])
        assert len(filtered["transactions"]) == 1
        assert note["params"]["result"] == expected_update(slot, filtered)
        parsed = block_notification(note).result.value.block
        assert parsed is not None and len(parsed.transactions or []) == 1
        (note,) = await client.notifications(sigs, 1)
        assert note["params"]["result"]["value"]["block"]["signatures"] == [paid_watched]
        answer = await in_thread(lambda: get_block(devnet, slot, sigs_cfg))
        assert note["params"]["result"] == expected_update(slot, only(answer, [paid_watched]))
        (note,) = await client.notifications(accounts, 1)
        answer = await in_thread(lambda: get_block(devnet, slot, parsed_cfg))
        assert note["params"]["result"] == expected_update(slot, only(answer, [paid_watched]))
        assert paid_other not in json.dumps(note)
        # a block without the account: no notification for the mentions subscriptions
        await in_thread(lambda: mine_transfers(devnet, [(ALICE, other, SOL)]))
        await client.notifications(everything, 1)
        for sub in (full, sigs, accounts):
            assert await client.quiet(sub)

    run_pubsub(devnet.svm_ws_url, scenario)


def test_no_worker_read_when_no_block_subscription_wants_the_block(
    devnet: Devnet, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[int] = []
    real_load_block = vms.svm.ws.load_block

    def counting_load_block(svm: Any, slot: int, with_transactions: bool) -> Any:
        loads.append(slot)
        return real_load_block(svm, slot, with_transactions)

    monkeypatch.setattr(vms.svm.ws, "load_block", counting_load_block)
    watched = Keypair().pubkey()

    async def scenario(client: PubSubClient) -> None:
        slots = await client.subscribe("slotSubscribe")
        mentions = await client.subscribe(
            "blockSubscribe", {"mentionsAccountOrProgram": str(watched)}
        )
        await in_thread(lambda: mine_transfers(devnet, [(ALICE, BOB.pubkey(), SOL)]))
        await client.notifications(slots, 1)
        # the hub delivers a block to this server before the next: once the slot of a later block
        # is notified, the earlier block's fan-out is over
        (notice,) = await in_thread(devnet.mine)
        await client.notifications(slots, 1)
        assert loads == []  # the block does not name the account: nothing read
        every = [
            await client.subscribe("blockSubscribe", "all", {"transactionDetails": "none"})
            for _ in range(3)
        ]
        slot, _ = await in_thread(lambda: mine_transfers(devnet, [(ALICE, watched, SOL)]))
        for sub in [*every, mentions]:  # notified once the block was read
            (note,) = await client.notifications(sub, 1)
            assert note["params"]["result"]["context"]["slot"] == slot
        assert slot == notice.record.height + 1
        assert loads == [slot]  # one read for the four subscriptions that want it
        assert (await client.request("blockUnsubscribe", mentions))["result"] is True

    run_pubsub(devnet.svm_ws_url, scenario)


def test_block_subscribe_refuses_bad_input(devnet: Devnet) -> None:
    async def scenario(client: PubSubClient) -> None:
        pubkey = str(Keypair().pubkey())
        bad: list[tuple[Any, ...]] = [
            ("nope",),
            ({"mentions": [pubkey]},),
            ({"mentionsAccountOrProgram": "nope"},),
            ({"mentionsAccountOrProgram": pubkey, "extra": 1},),
            ("all", {"encoding": "base64+zstd"}),
            ("all", {"encoding": "xml"}),
            ("all", {"transactionDetails": "some"}),
            ("all", {"showRewards": "yes"}),
            ("all", {"maxSupportedTransactionVersion": 256}),
            ("all", {"maxSupportedTransactionVersion": "0"}),
            ("all", {"commitment": "processed"}),
            ("all", "base64"),
        ]
        for params in bad:
            response = await client.request("blockSubscribe", *params)
            assert response["error"]["code"] == -32602, (params, response)
        invalid = await client.request("blockSubscribe", {"mentionsAccountOrProgram": "nope"})
        assert invalid["error"]["message"] == (
            "Invalid Request: Invalid mentions_account_or_program provided"
        )
        processed = await client.request("blockSubscribe", "all", {"commitment": "processed"})
        assert processed["error"]["message"] == (
            "Method does not support commitment below `confirmed`"
        )
        assert "result" in await client.request(
            "blockSubscribe", {"mentionsAccountOrProgram": pubkey}
        )

    run_pubsub(devnet.svm_ws_url, scenario)


def test_block_unsubscribe_stops_the_notifications(devnet: Devnet) -> None:
    async def scenario(client: PubSubClient) -> None:
        gone = await client.subscribe("blockSubscribe", "all")
        kept = await client.subscribe("blockSubscribe", "all", {"transactionDetails": "none"})
        slot = await client.subscribe("slotSubscribe")
        # a block id is not another kind's, and another kind's is not a block's
        assert (await client.request("slotUnsubscribe", gone))["error"]["code"] == -32602
        assert (await client.request("blockUnsubscribe", slot))["error"]["code"] == -32602
        assert (await client.request("blockUnsubscribe", gone))["result"] is True
        (notice,) = await in_thread(devnet.mine)
        (note,) = await client.notifications(kept, 1)
        assert note["params"]["result"]["context"]["slot"] == notice.record.height
        assert await client.quiet(gone)
        again = await client.request("blockUnsubscribe", gone)
        assert again["error"] == {"code": -32602, "message": "Invalid subscription id."}

    run_pubsub(devnet.svm_ws_url, scenario)


# -- v0 transactions and lookup tables -------------------------------------------------------

TABLE = Keypair().pubkey()
LOADED = Keypair().pubkey()  # only ever named through TABLE


def lookup_table_data(addresses: list[Pubkey]) -> bytes:
    """An active address lookup table (no authority, extended at slot 0) listing ``addresses``."""
    meta = struct.pack("<IQQB", 1, 2**64 - 1, 0, 0) + b"\x00"
    return meta.ljust(56, b"\x00") + b"".join(bytes(a) for a in addresses)


@pytest.fixture
def table_devnet(tmp_path: Path) -> Iterator[Devnet]:
    """A devnet whose genesis holds an active lookup table listing LOADED."""
    genesis = copy.deepcopy(load_genesis())
    genesis["svm"]["accounts"].append(
        {
            "pubkey": str(TABLE),
            "lamports": str(10_000_000),
            "owner": str(LOOKUP_TABLE_PROGRAM),
            "data": base64.b64encode(lookup_table_data([LOADED])).decode(),
        }
    )
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(genesis))
    with Devnet(tmp_path / "home", genesis_file=path) as net:
        net.mine()  # the table was extended at slot 0: its addresses load from slot 1 on
        yield net


def mine_v0_payment(devnet: Devnet) -> tuple[int, str]:
    """Alice pays LOADED in a v0 transaction that loads it from TABLE; the slot, the signature."""
    node = devnet.node
    message = MessageV0.try_compile(
        ALICE.pubkey(),
        [system_transfer(ALICE.pubkey(), LOADED, SOL)],
        [AddressLookupTableAccount(TABLE, [LOADED])],
        latest_blockhash(node),
    )
    assert LOADED not in message.account_keys
    tx = VersionedTransaction(message, [ALICE])
    signature: str = result(node, "sendTransaction", b58encode(bytes(tx)))
    (notice,) = devnet.mine()
    return notice.record.height, signature


def test_v0_transactions_loaded_addresses_and_versions(table_devnet: Devnet) -> None:
    devnet = table_devnet

    async def scenario(client: PubSubClient) -> None:
        versioned = {"maxSupportedTransactionVersion": 0}
        loaded = await client.subscribe(
            "blockSubscribe", {"mentionsAccountOrProgram": str(LOADED)}, versioned
        )
        legacy_only = await client.subscribe("blockSubscribe", "all")
        signatures_only = await client.subscribe(
            "blockSubscribe", "all", {"transactionDetails": "signatures"}
        )
        slot, signature = await in_thread(lambda: mine_v0_payment(devnet))
        (note,) = await client.notifications(loaded, 1)
        answer = await in_thread(lambda: get_block(devnet, slot, versioned))
        assert answer["transactions"][0]["meta"]["loadedAddresses"]["writable"] == [str(LOADED)]
        assert answer["transactions"][0]["version"] == 0
        assert note["params"]["result"] == expected_update(slot, answer)
        # without maxSupportedTransactionVersion getBlock refuses the block; the subscription is
        # told so, as Solana's RpcBlockUpdate error
        refused = await in_thread(lambda: call(devnet.node, "getBlock", slot))
        assert refused["error"]["code"] == UNSUPPORTED_VERSION
        (note,) = await client.notifications(legacy_only, 1)
        assert note["params"]["result"] == {
            "context": {"slot": slot},
            "value": {"slot": slot, "err": {"UnsupportedTransactionVersion": 0}, "block": None},
        }
        assert block_notification(note).result.value.block is None
        # signatures alone need no version: getBlock answers them, and so does the notification
        (note,) = await client.notifications(signatures_only, 1)
        assert note["params"]["result"]["value"]["block"]["signatures"] == [signature]
        answer = await in_thread(
            lambda: get_block(devnet, slot, {"transactionDetails": "signatures"})
        )
        assert note["params"]["result"] == expected_update(slot, answer)

    run_pubsub(devnet.svm_ws_url, scenario)


# -- slotsUpdatesSubscribe and voteSubscribe -------------------------------------------------


def test_slots_updates_tell_a_block_created_frozen_confirmed_and_rooted(devnet: Devnet) -> None:
    fresh = Keypair().pubkey()

    async def scenario(client: PubSubClient) -> None:
        updates = await client.subscribe("slotsUpdatesSubscribe")
        before = time.time_ns() // 1_000_000
        slot, _ = await in_thread(
            lambda: mine_transfers(
                devnet, [(ALICE, BOB.pubkey(), SOL), (ALICE, fresh, 7), (BOB, ALICE.pubkey(), SOL)]
            )
        )
        (empty,) = [n.record.height for n in await in_thread(devnet.mine)]
        notes = await client.notifications(updates, 8)
        after = time.time_ns() // 1_000_000
        assert all(n["method"] == "slotsUpdatesNotification" for n in notes)
        values = [n["params"]["result"] for n in notes]
        for at, group in ((slot, values[:4]), (empty, values[4:])):
            stamp = group[0]["timestamp"]
            assert before <= stamp <= after
            assert [list(v) for v in group] == [  # Solana's field order
                ["type", "slot", "parent", "timestamp"],
                ["type", "slot", "timestamp", "stats"],
                ["type", "slot", "timestamp"],
                ["type", "slot", "timestamp"],
            ]
            assert group[0] == {
                "type": "createdBank",
                "slot": at,
                "parent": at - 1,
                "timestamp": stamp,
            }
            assert group[2:] == [
                {"type": "optimisticConfirmation", "slot": at, "timestamp": stamp},
                {"type": "root", "slot": at, "timestamp": stamp},
            ]
            assert group[1]["type"] == "frozen" and group[1]["slot"] == at
            assert group[1]["timestamp"] == stamp
        assert values[1]["stats"] == {
            "numTransactionEntries": 1,
            "numSuccessfulTransactions": 2,
            "numFailedTransactions": 1,
            "maxTransactionsPerEntry": 3,
        }
        assert values[5]["stats"] == {
            "numTransactionEntries": 0,
            "numSuccessfulTransactions": 0,
            "numFailedTransactions": 0,
            "maxTransactionsPerEntry": 0,
        }
        parsed = [parse_websocket_message(json.dumps(n))[0] for n in notes[:4]]
        solders_updates = [p for p in parsed if isinstance(p, SlotUpdateNotification)]
        assert len(solders_updates) == 4 and all(p.subscription == updates for p in solders_updates)
        assert [type(p.result) for p in solders_updates] == [
            SlotUpdateCreatedBank,
            SlotUpdateFrozen,
            SlotUpdateOptimisticConfirmation,
            SlotUpdateRoot,
        ]
        frozen = solders_updates[1].result
        assert isinstance(frozen, SlotUpdateFrozen)
        assert frozen.stats.num_failed_transactions == 1 and frozen.slot == slot
        assert (await client.request("slotsUpdatesUnsubscribe", updates))["result"] is True
        await in_thread(devnet.mine)
        assert await client.quiet(updates)
        assert (await client.request("slotsUpdatesUnsubscribe", updates))["error"]["code"] == (
            -32602
        )

    run_pubsub(devnet.svm_ws_url, scenario)


def test_vote_subscription_is_accepted_and_never_notified(devnet: Devnet) -> None:
    async def scenario(client: PubSubClient) -> None:
        votes = await client.subscribe("voteSubscribe")
        roots = await client.subscribe("rootSubscribe")
        await in_thread(lambda: mine_transfers(devnet, [(ALICE, BOB.pubkey(), SOL)]))
        await client.notifications(roots, 1)
        assert await client.quiet(votes)
        assert (await client.request("rootUnsubscribe", votes))["error"]["code"] == -32602
        assert (await client.request("voteUnsubscribe", votes))["result"] is True
        assert (await client.request("voteUnsubscribe", votes))["error"]["code"] == -32602

    run_pubsub(devnet.svm_ws_url, scenario)


# -- solana-py's WebSocket client ------------------------------------------------------------


def test_solana_py_receives_block_and_slot_updates(devnet: Devnet) -> None:
    watched = Keypair().pubkey()

    async def main() -> None:
        async with asyncio.timeout(20), SolanaWsClient(devnet.svm_ws_url) as client:
            blocks = await client.block_subscribe(
                filter_=RpcBlockSubscribeFilterMentions(watched),
                encoding="base64",
                transaction_details=TransactionDetails.Full,
            )
            updates = await client.slots_updates_subscribe()
            slot, (signature,) = await asyncio.to_thread(
                lambda: mine_transfers(devnet, [(ALICE, watched, SOL)])
            )
            received = [await client.recv() for _ in range(5)]
            by_kind = {type(n): n for n in received}
            block_note = by_kind[BlockNotification]
            assert isinstance(block_note, BlockNotification)
            assert block_note.subscription == blocks.subscription_id
            block = block_note.result.value.block
            assert block is not None and block.block_height == slot
            (tx,) = block.transactions or []
            assert str(tx.transaction.signatures[0]) == signature
            slot_updates = [n for n in received if isinstance(n, SlotUpdateNotification)]
            assert [type(n.result) for n in slot_updates] == [
                SlotUpdateCreatedBank,
                SlotUpdateFrozen,
                SlotUpdateOptimisticConfirmation,
                SlotUpdateRoot,
            ]
            assert all(n.subscription == updates.subscription_id for n in slot_updates)
            assert all(n.result.slot == slot for n in slot_updates)
            await client.unsubscribe(blocks)
            await client.unsubscribe(updates)

    asyncio.run(main())
