"""Foundry's cast (from npm) against a real node in instant mode.

cast is strict about response shapes (it deserialises every block, transaction and receipt into
alloy types), so a passing run here is evidence the JSON-RPC output is what Ethereum clients expect.
When cast fails, the assertion message shows its stderr: that names the JSON it choked on.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest

from qorenode.testing import Devnet
from tests.fixtures.contracts import load_contract
from tests.integration._support import (
    CHAIN_ID,
    DEV0,
    DEV1,
    DEV2,
    TOKEN_SUPPLY,
    TRANSFER_TOPIC,
    cast_path,
    dev_key_hex,
    rpc,
    token_balance,
)

CAST_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def cast() -> str:
    return cast_path()


def run_cast(cast: str, devnet: Devnet, *args: str) -> str:
    """Run ``cast args... --rpc-url <node>``; its stdout, stripped. Fails the test on error."""
    # The URL goes right after the subcommand: trailing positionals (constructor args) are greedy.
    command = [cast, args[0], "--rpc-url", devnet.eth_url, *args[1:]]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=CAST_TIMEOUT, check=False
    )
    assert done.returncode == 0, (
        f"cast {' '.join(args)} exited {done.returncode}\n"
        f"stdout: {done.stdout}\nstderr: {done.stderr}"
    )
    return done.stdout.strip()


def run_cast_json(cast: str, devnet: Devnet, *args: str) -> Any:
    return json.loads(run_cast(cast, devnet, *args, "--json"))


def send(cast: str, devnet: Devnet, *args: str, key: int = 0) -> dict[str, Any]:
    """``cast send --private-key ...``: waits for the receipt (instant mode mines at once)."""
    receipt = run_cast_json(cast, devnet, "send", "--private-key", dev_key_hex(key), *args)
    assert isinstance(receipt, dict), receipt
    return receipt


def deploy_token(cast: str, devnet: Devnet) -> str:
    bytecode = "0x" + load_contract("QorToken").bytecode.hex()
    receipt = send(cast, devnet, "--create", bytecode, "constructor(uint256)", str(TOKEN_SUPPLY))
    assert receipt["status"] == "0x1", receipt
    address = receipt["contractAddress"]
    assert isinstance(address, str) and len(address) == 42
    return address


def test_chain_id_block_number_balance(cast: str, instant_devnet: Devnet) -> None:
    devnet = instant_devnet
    assert run_cast(cast, devnet, "chain-id") == str(CHAIN_ID)
    assert run_cast(cast, devnet, "block-number") == "0"
    assert run_cast(cast, devnet, "balance", DEV0.hex_address) == str(10_000 * 10**18)
    assert run_cast(cast, devnet, "balance", "--ether", DEV1.hex_address).startswith("10000")
    assert run_cast(cast, devnet, "nonce", DEV0.hex_address) == "0"
    assert run_cast(cast, devnet, "client")  # web3_clientVersion
    assert int(run_cast(cast, devnet, "gas-price")) > 0
    assert int(run_cast(cast, devnet, "base-fee")) > 0


def test_send_value_and_read_it_back(cast: str, instant_devnet: Devnet) -> None:
    devnet = instant_devnet
    before0 = int(run_cast(cast, devnet, "balance", DEV0.hex_address))
    before1 = int(run_cast(cast, devnet, "balance", DEV1.hex_address))
    receipt = send(cast, devnet, DEV1.hex_address, "--value", "1ether")
    assert receipt["status"] == "0x1"
    assert receipt["from"].lower() == DEV0.hex_address.lower()
    assert receipt["to"].lower() == DEV1.hex_address.lower()
    gas_cost = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    assert int(run_cast(cast, devnet, "balance", DEV1.hex_address)) == before1 + 10**18
    assert int(run_cast(cast, devnet, "balance", DEV0.hex_address)) == before0 - 10**18 - gas_cost
    assert run_cast(cast, devnet, "nonce", DEV0.hex_address) == "1"
    assert run_cast(cast, devnet, "block-number") == "1"

    tx_hash = receipt["transactionHash"]
    # cast receipt / cast tx / cast block, in JSON and in cast's own text rendering.
    again = run_cast_json(cast, devnet, "receipt", tx_hash)
    assert again["transactionHash"] == tx_hash
    assert again["blockHash"] == receipt["blockHash"]
    assert run_cast(cast, devnet, "receipt", tx_hash, "status") in ("1", "1 (success)", "true")
    assert "blockHash" in run_cast(cast, devnet, "receipt", tx_hash)
    tx = run_cast_json(cast, devnet, "tx", tx_hash)
    assert tx["hash"] == tx_hash
    assert int(tx["value"], 16) == 10**18
    block = run_cast_json(cast, devnet, "block", "latest")
    assert int(block["number"], 16) == 1
    assert block["transactions"] == [tx_hash]
    assert run_cast(cast, devnet, "block", "1", "--field", "hash") == receipt["blockHash"]
    full = run_cast_json(cast, devnet, "block", "1", "--full")
    assert full["transactions"][0]["hash"] == tx_hash
    assert run_cast(cast, devnet, "age", "latest")

    # Legacy transaction too.
    legacy = send(cast, devnet, DEV2.hex_address, "--value", "1gwei", "--legacy")
    assert legacy["status"] == "0x1"
    assert int(legacy["type"], 16) == 0


def test_token_with_cast(cast: str, instant_devnet: Devnet) -> None:
    devnet = instant_devnet
    token = deploy_token(cast, devnet)
    code = run_cast(cast, devnet, "code", token)
    assert code == "0x" + load_contract("QorToken").deployed_bytecode.hex()
    assert run_cast(cast, devnet, "codesize", token) == str(
        len(load_contract("QorToken").deployed_bytecode)
    )
    assert run_cast(cast, devnet, "code", DEV1.hex_address) == "0x"

    def balance(owner: str) -> int:
        out = run_cast(cast, devnet, "call", token, "balanceOf(address)(uint256)", owner)
        return int(out.split()[0])  # cast prints "1000 [1e3]" for larger numbers

    assert balance(DEV0.hex_address) == TOKEN_SUPPLY
    assert balance(DEV1.hex_address) == 0
    assert run_cast(cast, devnet, "call", token, "symbol()(string)") == '"QTK"'

    receipt = send(cast, devnet, token, "transfer(address,uint256)", DEV1.hex_address, "2500")
    assert receipt["status"] == "0x1"
    (log,) = receipt["logs"]
    assert log["address"].lower() == token.lower()
    assert log["topics"][0] == TRANSFER_TOPIC
    assert balance(DEV1.hex_address) == 2500
    assert balance(DEV0.hex_address) == TOKEN_SUPPLY - 2500
    assert token_balance(devnet.eth_url, token, DEV1.hex_address) == 2500

    # cast receipt on the token transfer: logs and status come back the same.
    again = run_cast_json(cast, devnet, "receipt", receipt["transactionHash"])
    assert again["logs"] == receipt["logs"]
    assert again["status"] == "0x1"
    logs = run_cast_json(
        cast,
        devnet,
        "logs",
        "--from-block",
        "0",
        "--address",
        token,
        "Transfer(address indexed,address indexed,uint256)",
    )
    assert [entry["transactionHash"] for entry in logs][-1] == receipt["transactionHash"]
    assert len(logs) == 2  # the mint, then the transfer

    # dev1 sends some on: a second key through cast.
    receipt = send(cast, devnet, token, "transfer(address,uint256)", DEV2.hex_address, "500", key=1)
    assert receipt["status"] == "0x1"
    assert balance(DEV2.hex_address) == 500
    assert balance(DEV1.hex_address) == 2000


def test_cast_reports_reverts(cast: str, instant_devnet: Devnet) -> None:
    devnet = instant_devnet
    token = deploy_token(cast, devnet)
    args: Sequence[str] = (
        "call",
        "--from",
        DEV1.hex_address,
        token,
        "transfer(address,uint256)(bool)",
        DEV2.hex_address,
        "1",
    )
    done = subprocess.run(
        [cast, *args, "--rpc-url", devnet.eth_url],
        capture_output=True,
        text=True,
        timeout=CAST_TIMEOUT,
        check=False,
    )
    assert done.returncode != 0
    assert "ERC20: insufficient balance" in done.stderr, done.stderr
    # cast estimate says the same; nothing was mined.
    done = subprocess.run(
        [
            cast,
            "estimate",
            "--from",
            DEV1.hex_address,
            token,
            "transfer(address,uint256)",
            DEV2.hex_address,
            "1",
            "--rpc-url",
            devnet.eth_url,
        ],
        capture_output=True,
        text=True,
        timeout=CAST_TIMEOUT,
        check=False,
    )
    assert done.returncode != 0
    assert "ERC20: insufficient balance" in done.stderr, done.stderr
    assert rpc(devnet.eth_url, "eth_blockNumber") == "0x1"
