"""The SVM side of a real node process across SIGKILL: Solana activity (transfers to fresh accounts,
an SPL token mint with token accounts, a failed transaction), kill -9, restart on the same home.
Every account is identical, earlier transactions still answer, the latest blockhash is still valid,
replays are refused and new transactions work.

Waiting here is bounded polling of a subprocess (it mines on its own clock).
"""

from __future__ import annotations

import base64
import signal
import time
from pathlib import Path
from typing import Any

from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.token.state import Mint, TokenAccount
from spl.token.constants import TOKEN_PROGRAM_ID

from qorenode.keys import solana_dev_keypair
from tests.integration._support import NodeProcess, rpc, rpc_error, svm_blockhash
from tests.solanakit import (
    MEMO_PROGRAM,
    MINT_LEN,
    create_ata_instruction,
    create_mint_instructions,
    mint_to_instruction,
    signed_transaction,
    system_transfer,
)

ALICE = solana_dev_keypair(0)
BOB = solana_dev_keypair(1)
SOL = 10**9


def svm_url(node: NodeProcess) -> str:
    return f"http://127.0.0.1:{node.ports['svm']}"


def sign(
    instructions: list[Instruction], signers: list[Keypair], recent: Hash
) -> tuple[bytes, str]:
    tx = signed_transaction(instructions, signers, recent)
    return bytes(tx), str(tx.signatures[0])


def send_raw(url: str, raw: bytes, *, skip_preflight: bool = False) -> str:
    config = {"encoding": "base64", "skipPreflight": skip_preflight}
    return str(rpc(url, "sendTransaction", base64.b64encode(raw).decode(), config))


def wait_landed(url: str, signature: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        (status,) = rpc(url, "getSignatureStatuses", [signature])["value"]
        if status is not None:
            return dict(status)
        if time.monotonic() > deadline:
            raise AssertionError(f"{signature} did not land within {timeout}s")
        time.sleep(0.02)


def send_ok(url: str, instructions: list[Instruction], signers: list[Keypair]) -> tuple[bytes, str]:
    raw, signature = sign(instructions, signers, svm_blockhash(url))
    assert send_raw(url, raw) == signature
    status = wait_landed(url, signature)
    assert status["err"] is None, status
    return raw, signature


def pay(sender: Keypair, to: Pubkey, lamports: int) -> Instruction:
    return system_transfer(sender.pubkey(), to, lamports)


def test_sigkill_restart_keeps_svm_state(tmp_path: Path) -> None:
    node = NodeProcess(home=tmp_path / "home", block_time=0, log_path=tmp_path / "node.log")
    with node.running():
        node.start()
        url = svm_url(node)

        # -- activity: transfers to fresh accounts, a token mint, a failed transaction ----------
        fresh = [Keypair() for _ in range(4)]
        signed: list[tuple[bytes, str]] = []
        for index, keypair in enumerate(fresh):
            sender = ALICE if index % 2 == 0 else BOB
            signed.append(
                send_ok(url, [pay(sender, keypair.pubkey(), (index + 1) * SOL)], [sender])
            )
        # a fresh account spends: its own signature, a transfer to another fresh account
        signed.append(send_ok(url, [pay(fresh[0], fresh[1].pubkey(), SOL // 2)], [fresh[0]]))

        mint = Keypair()
        rent = int(rpc(url, "getMinimumBalanceForRentExemption", MINT_LEN))
        mint_instructions = create_mint_instructions(
            ALICE.pubkey(), mint.pubkey(), rent, 9, authority=ALICE.pubkey()
        )
        signed.append(send_ok(url, mint_instructions, [ALICE, mint]))
        atas: dict[Pubkey, Pubkey] = {}
        for owner in (ALICE.pubkey(), fresh[2].pubkey()):
            atas[owner], create_ata = create_ata_instruction(ALICE.pubkey(), owner, mint.pubkey())
            signed.append(send_ok(url, [create_ata], [ALICE]))
        for owner, amount in zip(atas, (7_000, 3_000), strict=True):
            mint_to = mint_to_instruction(mint.pubkey(), atas[owner], ALICE.pubkey(), amount)
            signed.append(send_ok(url, [mint_to], [ALICE]))
        # a transaction that fails inside the SVM (sent without preflight): fee charged, kept
        too_much = pay(fresh[3], Keypair().pubkey(), 100 * SOL)
        failed_raw, failed_sig = sign([too_much], [fresh[3]], svm_blockhash(url))
        assert send_raw(url, failed_raw, skip_preflight=True) == failed_sig
        failed_status = wait_landed(url, failed_sig)
        assert failed_status["err"] is not None

        accounts = [
            ALICE.pubkey(),
            BOB.pubkey(),
            *(k.pubkey() for k in fresh),
            mint.pubkey(),
            *atas.values(),
            TOKEN_PROGRAM_ID,
            MEMO_PROGRAM,
        ]
        signatures = [sig for _, sig in signed] + [failed_sig]

        def observe() -> dict[str, Any]:
            latest = rpc(url, "getLatestBlockhash")["value"]
            return {
                "slot": rpc(url, "getSlot"),
                "height": rpc(url, "getBlockHeight"),
                "genesis": rpc(url, "getGenesisHash"),
                "latest": latest,
                "valid": rpc(url, "isBlockhashValid", latest["blockhash"])["value"],
                "accounts": [
                    rpc(url, "getAccountInfo", str(key), {"encoding": "base64"})["value"]
                    for key in accounts
                ],
                "balances": [rpc(url, "getBalance", str(key))["value"] for key in accounts],
                "statuses": rpc(url, "getSignatureStatuses", signatures)["value"],
                "txs": [
                    rpc(url, "getTransaction", sig, {"encoding": "base64"}) for sig in signatures
                ],
            }

        before = observe()
        # the state is what the activity made
        assert before["valid"] is True
        assert before["balances"][2:6] == [
            SOL // 2 - 5000,
            2 * SOL + SOL // 2,
            3 * SOL,
            4 * SOL - 5000,
        ]
        token_data = [base64.b64decode(before["accounts"][i]["data"][0]) for i in (7, 8)]
        assert [TokenAccount.from_bytes(d).amount for d in token_data] == [7_000, 3_000]
        assert Mint.from_bytes(base64.b64decode(before["accounts"][6]["data"][0])).supply == 10_000
        assert all(a is not None for a in before["accounts"])
        assert all(tx is not None for tx in before["txs"])
        assert before["txs"][-1]["meta"]["err"] is not None and before["txs"][-1]["meta"]["fee"]

        assert node.stop(signal.SIGKILL) == -signal.SIGKILL
        node.start()
        url = svm_url(node)
        after = observe()
        for key, one, two in zip(accounts, before["accounts"], after["accounts"], strict=True):
            assert one == two, f"account {key} changed across the restart"
        assert after == before

        # -- replays of earlier signed transactions are refused --------------------------------
        for raw, _ in (signed[0], signed[-1], (failed_raw, failed_sig)):
            for skip in (False, True):
                config = {"encoding": "base64", "skipPreflight": skip}
                error = rpc_error(url, "sendTransaction", base64.b64encode(raw).decode(), config)
                assert error["code"] == -32002, error
                assert error["data"]["err"] == "AlreadyProcessed", error

        # -- the pre-kill blockhash still signs new transactions, and new ones work -------------
        old_hash = Hash.from_string(before["latest"]["blockhash"])
        newcomer = Keypair().pubkey()
        raw, signature = sign([pay(ALICE, newcomer, SOL)], [ALICE], old_hash)
        assert send_raw(url, raw) == signature
        assert wait_landed(url, signature)["err"] is None
        assert rpc(url, "getBalance", str(newcomer))["value"] == SOL
        _, signature = send_ok(url, [pay(fresh[1], fresh[0].pubkey(), SOL)], [fresh[1]])
        assert rpc(url, "getBalance", str(fresh[0].pubkey()))["value"] == SOL // 2 - 5000 + SOL
        assert rpc(url, "getBlockHeight") > after["height"]
        assert rpc(url, "getLatestBlockhash")["value"]["blockhash"] != before["latest"]["blockhash"]
        assert rpc(url, "getTransaction", signature)["meta"]["err"] is None

        # a second SIGKILL right after: the post-restart block survives too
        balances = [rpc(url, "getBalance", str(k))["value"] for k in (*accounts, newcomer)]
        assert node.stop(signal.SIGKILL) == -signal.SIGKILL
        node.start()
        url = svm_url(node)
        assert [rpc(url, "getBalance", str(k))["value"] for k in (*accounts, newcomer)] == balances
        assert rpc(url, "getTransaction", signature)["meta"]["err"] is None
