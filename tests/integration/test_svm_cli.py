"""``qorenode tx svm`` / ``query svm`` against a real node over its Solana JSON-RPC: deploying
programs through the upgradeable loader (buffer, Write chunks, DeployWithMaxDataLen), invoking
them, transfers, balances, accounts and transactions, and a refused deployment."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction

from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.integration._support import Cli, rpc_raw

ROOT = Path(__file__).resolve().parents[2]
COUNTER_SO = ROOT / "native" / "svm" / "build" / "counter.so"
LOADER = "BPFLoaderUpgradeab1e11111111111111111111111"
DEV0, DEV1 = solana_dev_keypair(0), solana_dev_keypair(1)


class SvmCli:
    def __init__(self, cli: Cli, svm_url: str) -> None:
        self.cli, self.svm_url = cli, svm_url

    def json(self, *argv: str) -> Any:
        return self.cli.json(*argv, "--svm-node", self.svm_url)

    def error(self, *argv: str) -> dict[str, Any]:
        return self.cli.error(*argv, "--svm-node", self.svm_url)


@pytest.fixture
def svm_cli(instant_devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> SvmCli:
    return SvmCli(
        Cli(instant_devnet.eth_url, tmp_path / "cli-home", capsys), instant_devnet.svm_url
    )


def rpc(url: str, method: str, *params: Any) -> Any:
    reply = rpc_raw(url, method, list(params))
    assert "error" not in reply, reply
    return reply["result"]


def create_counter_account(url: str, program_id: Pubkey) -> Pubkey:
    """An 8-byte account owned by the counter, created by a system CreateAccount sent over RPC."""
    account = Keypair()
    rent = rpc(url, "getMinimumBalanceForRentExemption", 8)
    ix = create_account(
        CreateAccountParams(
            from_pubkey=DEV0.pubkey(),
            to_pubkey=account.pubkey(),
            lamports=rent,
            space=8,
            owner=program_id,
        )
    )
    recent = Hash.from_string(rpc(url, "getLatestBlockhash")["value"]["blockhash"])
    tx = Transaction(
        [DEV0, account], Message.new_with_blockhash([ix], DEV0.pubkey(), recent), recent
    )
    signature = rpc(
        url, "sendTransaction", base64.b64encode(bytes(tx)).decode(), {"encoding": "base64"}
    )
    status = rpc(url, "getSignatureStatuses", [signature])["value"][0]
    assert status is not None and status["err"] is None, status
    return account.pubkey()


def test_deploy_and_invoke_the_counter(svm_cli: SvmCli, instant_devnet: Devnet) -> None:
    deployed = svm_cli.json("tx", "svm", "deploy", str(COUNTER_SO), "--from", "dev0")
    program_id = deployed["program_id"]
    assert deployed["size"] == COUNTER_SO.stat().st_size
    assert deployed["write_transactions"] >= 3  # 3,616 bytes in chunks of about 1,000

    program = svm_cli.json("query", "svm", "account", program_id)
    assert program["executable"] and program["owner"] == LOADER and program["space"] == 36
    program_data = svm_cli.json("query", "svm", "account", deployed["program_data"])
    assert program_data["data_hex"].endswith(COUNTER_SO.read_bytes().hex())

    counter = create_counter_account(instant_devnet.svm_url, Pubkey.from_string(program_id))
    first = svm_cli.json(
        "tx", "svm", "invoke", program_id, "", "--account", f"{counter}:w", "--from", "dev0"
    )
    assert first["status"] == "success"
    assert "Program log: counter: 1" in first["logs"]
    assert first["return_data"] == {
        "program_id": program_id,
        "data_hex": struct.pack("<Q", 1).hex(),
    }

    second = svm_cli.json(
        "tx", "svm", "invoke", program_id, struct.pack("<Q", 41).hex(),
        "--account", f"{counter}:w", "--from", "dev1",
    )  # fmt: skip
    assert "Program log: counter: 42" in second["logs"]
    account = svm_cli.json("query", "svm", "account", str(counter))
    assert account["owner"] == program_id
    assert bytes.fromhex(account["data_hex"]) == struct.pack("<Q", 42)

    shown = svm_cli.json("query", "svm", "tx", second["signature"])
    assert shown["status"] == "success" and shown["logs"] == second["logs"]

    # a failing instruction: the counter refuses an account it does not own (3001)
    error = svm_cli.error(
        "tx", "svm", "invoke", program_id, "", "--account", f"{DEV1.pubkey()}:w", "--from", "dev0"
    )
    assert "custom program error: 0xbb9" in error["message"]  # 3001
    assert f"Program {program_id} failed: custom program error: 0xbb9" in error["message"]


def test_deploy_with_a_program_keypair_file(svm_cli: SvmCli, tmp_path: Path) -> None:
    program = Keypair()
    path = tmp_path / "program.json"
    path.write_text(json.dumps(list(bytes(program))))
    deployed = svm_cli.json(
        "tx", "svm", "deploy", str(COUNTER_SO), "--from", "dev2", "--program-keypair", str(path)
    )
    assert deployed["program_id"] == str(program.pubkey())
    again = svm_cli.error(
        "tx", "svm", "deploy", str(COUNTER_SO), "--from", "dev2", "--program-keypair", str(path)
    )
    assert "already exists" in again["message"]


def test_transfer_and_balance(svm_cli: SvmCli) -> None:
    to = Keypair().pubkey()
    before = svm_cli.json("query", "svm", "balance", "dev3")["lamports"]
    sent = svm_cli.json("tx", "svm", "transfer", str(to), "1500000", "--from", "dev3")
    assert sent["status"] == "success" and sent["to"] == str(to)
    assert svm_cli.json("query", "svm", "balance", str(to)) == {
        "pubkey": str(to),
        "lamports": 1_500_000,
        "sol": 0.0015,
    }
    after = svm_cli.json("query", "svm", "balance", "dev3")["lamports"]
    assert after == before - 1_500_000 - sent["fee"]
    assert svm_cli.error("tx", "svm", "transfer", str(to), "-5", "--from", "dev3")["code"] > 0
    missing = svm_cli.error("query", "svm", "account", str(Keypair().pubkey()))
    assert "not found" in missing["message"]


def test_an_invalid_program_is_refused_and_the_node_keeps_serving(
    svm_cli: SvmCli, instant_devnet: Devnet, tmp_path: Path
) -> None:
    not_elf = tmp_path / "not_elf.so"
    not_elf.write_bytes(b"hello, not a program" * 10)
    error = svm_cli.error("tx", "svm", "deploy", str(not_elf), "--from", "dev4")
    assert "not an ELF" in error["message"]

    broken = tmp_path / "broken.so"
    broken.write_bytes(b"\x7fELF" + bytes(range(256)) * 8)  # an ELF magic, then garbage
    error = svm_cli.error("tx", "svm", "deploy", str(broken), "--from", "dev4")
    assert "Transaction simulation failed" in error["message"], error
    assert "InvalidAccountData" in error["message"] or "invalid" in error["message"].lower()

    assert rpc(instant_devnet.svm_url, "getHealth") == "ok"
    sent = svm_cli.json("tx", "svm", "transfer", "dev5", "1000", "--from", "dev4")
    assert sent["status"] == "success"
    deployed = svm_cli.json("tx", "svm", "deploy", str(COUNTER_SO), "--from", "dev4")
    assert svm_cli.json("query", "svm", "account", deployed["program_id"])["executable"]


SPL_NOOP_SO = (
    ROOT / "node_modules" / "@lightprotocol" / "zk-compression-cli" / "bin" / "spl_noop.so"
)


def test_deploy_and_invoke_a_program_compiled_by_others(svm_cli: SvmCli) -> None:
    """spl_noop.so from the npm package @lightprotocol/zk-compression-cli (package.json)."""
    assert SPL_NOOP_SO.is_file(), "run `npm ci` (make install): @lightprotocol/zk-compression-cli"
    deployed = svm_cli.json("tx", "svm", "deploy", str(SPL_NOOP_SO), "--from", "dev6")
    program_id = deployed["program_id"]
    assert deployed["size"] == SPL_NOOP_SO.stat().st_size
    assert deployed["write_transactions"] >= 19  # about 1,000 bytes per Write
    invoked = svm_cli.json("tx", "svm", "invoke", program_id, "0xdeadbeef", "--from", "dev6")
    assert invoked["status"] == "success"
    assert f"Program {program_id} success" in invoked["logs"]
