"""The ``qorenode`` CLI against a real in-process node in instant mode (keys, tx, query)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from qorenode.keys import dev_key
from qorenode.testing import Devnet
from tests.integration._support import Cli

ROOT = Path(__file__).resolve().parents[2]
COUNTER = ROOT / "native" / "solidity" / "build" / "Counter.json"
TOKEN = ROOT / "native" / "solidity" / "build" / "QorToken.json"


@pytest.fixture
def cli(instant_devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(instant_devnet.eth_url, tmp_path / "cli-home", capsys)


def balance(cli: Cli, who: str) -> int:
    result = cli.json("query", "bank", "balances", who)
    return int(result["balances"][0]["amount"])


# -- keys ---------------------------------------------------------------------------------------


def test_keys_list_show_add(cli: Cli) -> None:
    keys = cli.json("keys", "list")
    assert [k["name"] for k in keys] == [f"dev{i}" for i in range(10)]
    assert keys[0]["address"] == dev_key(0).hex_address
    assert "private_key" not in keys[0]

    shown = cli.json("keys", "show", "dev1")
    assert shown == {
        "name": "dev1",
        "address": dev_key(1).hex_address,
        "bech32": dev_key(1).bech32_address,
    }
    private = cli.json("keys", "show", "dev1", "--private")
    assert private["private_key"] == "0x" + dev_key(1).private_key.hex()

    added = cli.json("keys", "add", "alice")
    assert added["bech32"].startswith("qor1")
    assert (cli.home / "keys" / "alice.json").is_file()
    imported = cli.json("keys", "add", "bob", "--private-key", "0x" + "11" * 32)
    assert imported["address"] == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
    assert [k["name"] for k in cli.json("keys", "list")][-2:] == ["alice", "bob"]
    assert cli.json("keys", "show", "bob")["address"] == imported["address"]

    code, out, _ = cli.run("keys", "show", "dev2")
    assert code == 0 and dev_key(2).hex_address in out and "private_key" not in out


def test_key_errors(cli: Cli) -> None:
    error = cli.error("keys", "show", "nobody")
    assert (error["codespace"], error["code"]) == ("rpc", 26)
    assert "nobody" in error["message"]
    cli.json("keys", "add", "carol")
    assert "already exists" in cli.error("keys", "add", "carol")["message"]
    assert cli.error("keys", "add", "bad", "--private-key", "zz")["code"] == 5

    code, _, err = cli.run("tx", "bank", "send", "nobody", "dev1", "1aqor")
    assert code == 1
    assert err.startswith("Error [rpc:26]: no key named 'nobody'")


# -- bank ---------------------------------------------------------------------------------------


def test_bank_send_then_balances(cli: Cli) -> None:
    sender, recipient = dev_key(0), dev_key(1)
    before_from = balance(cli, "dev0")
    before_to = balance(cli, recipient.bech32_address)
    assert balance(cli, recipient.hex_address) == before_to

    result = cli.json("tx", "bank", "send", "dev0", recipient.bech32_address, "1000aqor")
    assert result["status"] == "success"
    assert result["tx_hash"].startswith("0x") and len(result["tx_hash"]) == 66
    assert result["block_number"] >= 1 and result["gas_used"] > 0
    assert balance(cli, sender.bech32_address) == before_from - 1000  # no fees on the devnet
    assert balance(cli, "dev1") == before_to + 1000

    # without the denom suffix, to a key name; the nonce follows the account
    cli.json("tx", "bank", "send", "dev0", "dev1", "234")
    assert balance(cli, "dev1") == before_to + 1234

    record = cli.json("query", "tx", result["tx_hash"])
    assert record["kind"] == "native" and record["status"] == "success"
    assert record["tx"]["msgs"][0]["amount"] == [{"denom": "aqor", "amount": "1000"}]

    code, out, _ = cli.run("query", "bank", "balances", "dev1")
    assert code == 0 and out.strip() == f"{before_to + 1234}aqor"


def test_bank_send_insufficient_funds(cli: Cli) -> None:
    cli.json("keys", "add", "poor")
    poor = cli.json("keys", "show", "poor")
    cli.json("tx", "bank", "send", "dev0", "poor", "5aqor")
    assert balance(cli, "poor") == 5

    error = cli.error("tx", "bank", "send", "poor", "dev1", "10aqor")
    assert (error["codespace"], error["code"]) == ("bank", 5)
    assert "insufficient funds" in error["message"]
    assert poor["bech32"] in error["message"]
    assert balance(cli, "poor") == 5

    code, _, err = cli.run("tx", "bank", "send", "poor", "dev1", "10aqor")
    assert code == 1 and err.startswith("Error [bank:5]:") and "insufficient funds" in err

    assert "unknown denom" in cli.error("tx", "bank", "send", "dev0", "dev1", "10uatom")["message"]


def test_bank_send_no_wait(cli: Cli, instant_devnet: Devnet) -> None:
    result = cli.json("tx", "bank", "send", "dev2", "dev3", "7aqor", "--no-wait")
    assert result["status"] == "pending"
    from qorenode.client import RpcClient, check_native, wait_for_native

    record = check_native(wait_for_native(RpcClient(instant_devnet.eth_url), result["tx_hash"]))
    assert record["success"] is True


# -- EVM ----------------------------------------------------------------------------------------


def test_evm_deploy_send_call(cli: Cli) -> None:
    deployed = cli.json("tx", "evm", "deploy", str(COUNTER), "--from", "dev0")
    assert deployed["status"] == "success"
    address = deployed["contract_address"]
    assert address.startswith("0x") and len(address) == 42
    assert deployed["gas_used"] > 0 and deployed["block_number"] >= 1

    code = cli.json("query", "evm", "code", address)["code"]
    assert len(code) > 2

    called = cli.json("tx", "evm", "call", address, "count()", "--returns", "uint256")
    assert called["decoded"] == [0]

    sent = cli.json("tx", "evm", "send", address, "increment()", "--from", "dev1")
    assert sent["status"] == "success" and sent["to"] == address
    called = cli.json("tx", "evm", "call", address, "count()", "--returns", "uint256")
    assert called["decoded"] == [1]

    cli.json("tx", "evm", "send", address, "add(uint256)", "41", "--from", "dev1")
    exit_code, out, _ = cli.run("tx", "evm", "call", address, "count()(uint256)")
    assert exit_code == 0 and out.strip() == "42"
    assert cli.json("query", "evm", "storage", address, "0")["value"].endswith("2a")

    # query tx on an EVM transaction
    record = cli.json("query", "tx", sent["tx_hash"])
    assert record["kind"] == "evm" and record["status"] == "success"
    assert record["receipt"]["transactionHash"] == sent["tx_hash"]
    assert int(record["tx"]["blockNumber"], 16) == sent["block_number"]

    # a reverting transaction: a coded error, exit code 1
    error = cli.error("tx", "evm", "send", address, "fail()", "--from", "dev1", "--gas", "100000")
    assert error["codespace"] == "evm" and "revert" in error["message"]
    error = cli.error("tx", "evm", "call", address, "fail()")
    assert (error["codespace"], error["code"]) == ("node", 11)


def test_evm_deploy_with_constructor_args(cli: Cli) -> None:
    deployed = cli.json(
        "tx", "evm", "deploy", str(TOKEN), "--args", '["1000000"]', "--from", "dev0"
    )
    token = deployed["contract_address"]
    supply = cli.json("tx", "evm", "call", token, "totalSupply()", "--returns", "uint256")
    assert supply["decoded"] == [1_000_000]
    sent = cli.json(
        "tx", "evm", "send", token, "transfer(address,uint256)", "dev2", "250", "--from", "dev0"
    )
    assert sent["status"] == "success"
    code, out, _ = cli.run("tx", "evm", "call", token, "balanceOf(address)(uint256)", "dev2")
    assert code == 0 and out.strip() == "250"
    error = cli.error("tx", "evm", "call", "dev2", "count()", "--returns", "uint256")
    assert "returned no data" in error["message"]
    error = cli.error("tx", "evm", "deploy", str(TOKEN), "--args", "[1, 2]", "--from", "dev0")
    assert "expected 1 arguments" in error["message"]


def test_evm_send_value_and_balance(cli: Cli) -> None:
    cli.json("keys", "add", "dave")
    sent = cli.json("tx", "evm", "send", "dave", "--from", "dev4", "--value", "1gwei")
    assert sent["status"] == "success" and sent["gas_used"] == 21000
    assert cli.json("query", "evm", "balance", "dave")["balance"] == str(10**9)
    assert balance(cli, "dave") == 10**9
    assert cli.json("query", "evm", "nonce", "dev4")["nonce"] == "1"


def test_evm_insufficient_funds(cli: Cli) -> None:
    cli.json("keys", "add", "erin")
    error = cli.error("tx", "evm", "send", "dev1", "--from", "erin", "--value", "1ether")
    assert "insufficient funds" in error["message"].lower()
    assert isinstance(error["code"], int) and error["codespace"]


def test_query_block(cli: Cli) -> None:
    sent = cli.json("tx", "bank", "send", "dev5", "dev6", "1")
    block = cli.json("query", "block", str(sent["block_number"]))
    assert int(block["number"], 16) == sent["block_number"]
    latest = cli.json("query", "block")
    assert int(latest["number"], 16) >= sent["block_number"]
    genesis = cli.json("query", "block", "0")
    assert int(genesis["number"], 16) == 0
    assert cli.error("query", "block", "999999")["codespace"] == "rpc"
    code, out, _ = cli.run("query", "block", "latest")
    assert code == 0 and "number:" in out


def test_query_tx_unknown(cli: Cli) -> None:
    error = cli.error("query", "tx", "0x" + "ab" * 32)
    assert (error["codespace"], error["code"]) == ("rpc", 7)


# -- no node ------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_node_not_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    cli = Cli(url, tmp_path, capsys)
    error = cli.error("query", "bank", "balances", "dev0")
    assert (error["codespace"], error["code"]) == ("client", 1)
    assert error["message"].startswith(f"no node at {url}: start one with `qorenode start`")
    code, _, err = cli.run("tx", "bank", "send", "dev0", "dev1", "1aqor")
    assert code == 1 and "no node at" in err and "qorenode start" in err


# -- the real entry point -----------------------------------------------------------------------


def test_python_m_qorenode(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "qorenode",
            "keys",
            "list",
            "--output",
            "json",
            "--home",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["address"] == dev_key(0).hex_address

    failed = subprocess.run(
        [sys.executable, "-m", "qorenode", "keys", "show", "nobody", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert failed.returncode == 1 and "Error [rpc:26]" in failed.stderr
