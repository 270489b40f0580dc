"""The node as a real process: a clean restart keeps everything; SIGKILL under load loses nothing
committed and leaves no torn block (README: every block is one atomic LevelDB write batch).

Waiting here is bounded polling of a subprocess (it mines on its own clock).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from eth_account import Account
from web3 import Web3

from tests.fixtures.contracts import load_contract
from tests.integration._support import (
    CHAIN_ID,
    DEV0,
    DEV1,
    DEV2,
    DEV3,
    GWEI,
    TOKEN_SUPPLY,
    TRANSFER_TOPIC,
    NodeProcess,
    deploy_calldata,
    eip1559,
    rpc,
    sign,
    token_balance,
    transfer_calldata,
    wait_for_receipt,
)


def _web3(node: NodeProcess) -> Web3:
    return Web3(Web3.HTTPProvider(node.eth_url, request_kwargs={"timeout": 30}))


def _chain_links(url: str, height: int) -> list[dict[str, Any]]:
    """Blocks 0..height; asserts each is retrievable and parentHash links them."""
    blocks = [rpc(url, "eth_getBlockByNumber", hex(n), False) for n in range(height + 1)]
    for number, block in enumerate(blocks):
        assert block is not None, f"block {number} missing (height {height})"
        assert int(block["number"], 16) == number
        if number:
            assert block["parentHash"] == blocks[number - 1]["hash"], f"block {number} unlinked"
            assert int(block["timestamp"], 16) > int(blocks[number - 1]["timestamp"], 16)
        by_hash = rpc(url, "eth_getBlockByHash", block["hash"], False)
        assert by_hash == block
    assert rpc(url, "eth_getBlockByNumber", hex(height + 1), False) is None
    return blocks


# -- (a) a clean restart -------------------------------------------------------------------------


def test_sigterm_and_restart_keeps_everything(tmp_path: Path) -> None:
    node = NodeProcess(home=tmp_path / "home", block_time=0, log_path=tmp_path / "node.log")
    artifact = load_contract("QorToken")
    with node.running():
        node.start()
        w3 = _web3(node)
        assert w3.eth.chain_id == CHAIN_ID
        factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        deploy_hash = factory.constructor(TOKEN_SUPPLY).transact({"from": DEV0.hex_address})
        deploy = w3.eth.wait_for_transaction_receipt(deploy_hash, timeout=30, poll_latency=0.05)
        assert deploy["status"] == 1
        token = w3.eth.contract(address=deploy["contractAddress"], abi=artifact.abi)
        transfer_hashes = []
        for to, amount in ((DEV1, 100), (DEV2, 250)):
            nonce = w3.eth.get_transaction_count(DEV0.hex_address, "pending")
            tx = token.functions.transfer(to.hex_address, amount).build_transaction(
                {
                    "from": DEV0.hex_address,
                    "nonce": nonce,
                    "chainId": CHAIN_ID,
                    "gas": 100_000,
                    "maxFeePerGas": 10 * GWEI,
                    "maxPriorityFeePerGas": GWEI,
                }
            )
            signed = Account.sign_transaction(tx, DEV0.private_key)
            transfer_hashes.append(w3.eth.send_raw_transaction(signed.raw_transaction))
        receipts_before = [
            w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.05)
            for h in [deploy_hash, *transfer_hashes]
        ]
        assert all(r["status"] == 1 for r in receipts_before)
        # Value transfer to a fresh address too, so a plain balance must survive.
        fresh = Account.create().address
        value_hash = w3.eth.send_transaction(
            {"from": DEV1.hex_address, "to": fresh, "value": 12345}
        )
        receipts_before.append(
            w3.eth.wait_for_transaction_receipt(value_hash, timeout=30, poll_latency=0.05)
        )

        def observe() -> dict[str, Any]:
            url = node.eth_url
            height = int(rpc(url, "eth_blockNumber"), 16)
            return {
                "height": height,
                "blocks": _chain_links(url, height),
                "receipts": [
                    rpc(url, "eth_getTransactionReceipt", r["transactionHash"].to_0x_hex())
                    for r in receipts_before
                ],
                "txs": [
                    rpc(url, "eth_getTransactionByHash", r["transactionHash"].to_0x_hex())
                    for r in receipts_before
                ],
                "logs": rpc(url, "eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest"}),
                "token_logs": rpc(
                    url,
                    "eth_getLogs",
                    {"fromBlock": "0x0", "address": token.address, "topics": [TRANSFER_TOPIC]},
                ),
                "code": rpc(url, "eth_getCode", token.address, "latest"),
                "storage0": rpc(url, "eth_getStorageAt", token.address, "0x0", "latest"),
                "balances": [
                    rpc(url, "eth_getBalance", a, "latest")
                    for a in (DEV0.hex_address, DEV1.hex_address, fresh)
                ],
                "nonces": [
                    rpc(url, "eth_getTransactionCount", a, "latest")
                    for a in (DEV0.hex_address, DEV1.hex_address)
                ],
                "tokens": [
                    token_balance(url, token.address, a.hex_address) for a in (DEV0, DEV1, DEV2)
                ],
                "past_token": token_balance(
                    url, token.address, DEV1.hex_address, hex(receipts_before[1]["blockNumber"] - 1)
                ),
            }

        before = observe()
        assert before["height"] == 4
        assert len(before["token_logs"]) == 3
        assert before["tokens"] == [TOKEN_SUPPLY - 350, 100, 250]
        assert before["code"] == "0x" + artifact.deployed_bytecode.hex()
        assert before["past_token"] == 0

        assert node.stop(signal.SIGTERM) == 0, node.log()
        assert "Traceback" not in node.log() and " ERROR " not in node.log(), node.log()
        node.start()
        after = observe()
        assert after == before

        # New transactions still work; nonces continue where they were.
        w3 = _web3(node)
        token = w3.eth.contract(address=token.address, abi=artifact.abi)
        nonce = w3.eth.get_transaction_count(DEV0.hex_address, "pending")
        assert nonce == int(before["nonces"][0], 16) == 3
        tx_hash = token.functions.transfer(DEV3.hex_address, 7).transact({"from": DEV0.hex_address})
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
        assert receipt["status"] == 1
        assert receipt["blockNumber"] == before["height"] + 1
        assert w3.eth.get_transaction(tx_hash)["nonce"] == 3
        assert token.functions.balanceOf(DEV3.hex_address).call() == 7
        block = w3.eth.get_block(receipt["blockNumber"])
        assert block["parentHash"].to_0x_hex() == before["blocks"][-1]["hash"]
        assert node.stop(signal.SIGTERM) == 0
    log = (tmp_path / "node.log").read_text()
    assert log.count("Listening;") == 2
    assert "Traceback" not in log and " ERROR " not in log, log[-4000:]


# -- (b) SIGKILL under load ----------------------------------------------------------------------


class Sender(threading.Thread):
    """Sends pre-signed raw transactions one after another until the node stops answering."""

    def __init__(self, url: str, raws: list[str], notify_at: int) -> None:
        super().__init__(name="tx-sender", daemon=True)
        self.url = url
        self.raws = raws
        self.accepted: list[str] = []
        self.failure: str | None = None
        self.notify_at = notify_at
        self.reached = threading.Event()
        self.done = threading.Event()

    def run(self) -> None:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            for i, raw in enumerate(self.raws):
                body = json.dumps(
                    {"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": [raw]}
                )
                try:
                    conn.request("POST", "/", body, {"Content-Type": "application/json"})
                    response = json.loads(conn.getresponse().read())
                except (OSError, http.client.HTTPException, ValueError):
                    return  # the node is gone
                if "error" in response:
                    self.failure = f"tx {i} refused: {response['error']}"
                    return
                self.accepted.append(response["result"])
                if len(self.accepted) >= self.notify_at:
                    self.reached.set()
        finally:
            conn.close()
            self.reached.set()
            self.done.set()


@pytest.mark.slow
def test_sigkill_under_load_resumes_at_last_commit(tmp_path: Path) -> None:
    seed = int(os.environ.get("QORENODE_KILL_SEED", "20240611"))
    rng = random.Random(seed)
    started = time.monotonic()
    node = NodeProcess(home=tmp_path / "home", block_time=0.2, log_path=tmp_path / "node.log")
    bytecode = load_contract("QorToken").bytecode
    recipients = [DEV1.hex_address, DEV2.hex_address, DEV3.hex_address]
    with node.running():
        node.start()
        url = node.eth_url
        deploy_hash = rpc(
            url,
            "eth_sendRawTransaction",
            sign(eip1559(0, data=deploy_calldata(bytecode), gas=2_000_000)),
        )
        deploy = wait_for_receipt(url, deploy_hash)
        assert deploy["status"] == "0x1"
        token = deploy["contractAddress"]
        base_nonce = 1

        count = 600
        amounts = [rng.randint(1, 10**6) for _ in range(count)]
        raws = [
            sign(
                eip1559(
                    base_nonce + i,
                    to=token,
                    data=transfer_calldata(recipients[i % 3], amounts[i]),
                    gas=80_000,
                )
            )
            for i in range(count)
        ]
        kill_after = rng.randint(40, 300)
        sender = Sender(url, raws, kill_after)
        sender.start()
        assert sender.reached.wait(30), "the sender stalled"
        assert sender.failure is None, sender.failure + "\n" + node.log()
        assert node.stop(signal.SIGKILL) == -signal.SIGKILL
        assert sender.done.wait(30)
        sender.join(10)
        assert sender.failure is None, sender.failure
        accepted = list(sender.accepted)
        assert len(accepted) >= kill_after

        node.start()
        url = node.eth_url
        height = int(rpc(url, "eth_blockNumber"), 16)
        assert height >= int(deploy["blockNumber"], 16)
        blocks = _chain_links(url, height)

        # Receipts: the included transactions are exactly a prefix of those sent (one sender,
        # consecutive nonces), every one in a committed block, with its logs retrievable.
        included = 0
        by_block: dict[int, list[str]] = {}
        for i, tx_hash in enumerate(accepted):
            receipt = rpc(url, "eth_getTransactionReceipt", tx_hash)
            if receipt is None:
                break
            included = i + 1
            number = int(receipt["blockNumber"], 16)
            assert number <= height
            assert receipt["status"] == "0x1"
            assert receipt["blockHash"] == blocks[number]["hash"]
            by_block.setdefault(number, []).append(tx_hash)
            (log,) = receipt["logs"]
            logs = rpc(
                url,
                "eth_getLogs",
                {
                    "fromBlock": hex(number),
                    "toBlock": hex(number),
                    "address": token,
                    "topics": [TRANSFER_TOPIC],
                },
            )
            assert log in logs
        for tx_hash in accepted[included:]:
            assert rpc(url, "eth_getTransactionReceipt", tx_hash) is None
            assert rpc(url, "eth_getTransactionByHash", tx_hash) is None  # mempool is not kept
        for number, hashes in by_block.items():  # only dev0 sent, in nonce order
            assert blocks[number]["transactions"] == hashes

        print(
            f"seed {seed}: killed after {kill_after} sent; {len(accepted)} accepted,"
            f" {included} committed in blocks up to {height}"
        )
        nonce = int(rpc(url, "eth_getTransactionCount", DEV0.hex_address, "latest"), 16)
        assert nonce == base_nonce + included
        assert int(rpc(url, "eth_getTransactionCount", DEV0.hex_address, "pending"), 16) == nonce
        holders = [DEV0.hex_address, *recipients]
        balances = [token_balance(url, token, h) for h in holders]
        assert sum(balances) == TOKEN_SUPPLY
        sent_to = [sum(amounts[i] for i in range(included) if i % 3 == k) for k in range(3)]
        assert balances == [TOKEN_SUPPLY - sum(sent_to), *sent_to]
        # The token's own log history agrees with the balances.
        all_logs = rpc(url, "eth_getLogs", {"fromBlock": "0x0", "address": token})
        assert len(all_logs) == 1 + included

        # Sending resumes from the nonce the node reports.
        tail = [
            sign(eip1559(nonce + k, to=token, data=transfer_calldata(DEV2.hex_address, 1)))
            for k in range(3)
        ]
        tail_hashes = [rpc(url, "eth_sendRawTransaction", raw) for raw in tail]
        for tx_hash in tail_hashes:
            assert wait_for_receipt(url, tx_hash)["status"] == "0x1"
        assert int(rpc(url, "eth_getTransactionCount", DEV0.hex_address, "latest"), 16) == (
            nonce + 3
        )
        assert token_balance(url, token, DEV2.hex_address) == sent_to[1] + 3
        assert node.stop(signal.SIGTERM) == 0
    log = (tmp_path / "node.log").read_text()
    assert "Traceback" not in log and " ERROR " not in log, log[-4000:]
    assert time.monotonic() - started < 60, f"took {time.monotonic() - started:.1f}s (seed {seed})"
