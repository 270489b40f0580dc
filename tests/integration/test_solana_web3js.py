"""@solana/web3.js 1.x (npm, pinned in package.json) against a real in-process devnet in instant mode.

``tests/integration/js/solana_web3.mjs`` makes the calls a dApp makes through web3.js's
``Connection`` (HTTP JSON-RPC and PubSub on the WebSocket): cluster info, an airdrop, transfers
confirmed by sendAndConfirmTransaction (as is, then by the WebSocket notification alone, then by
polling alone), a v0 transaction, simulations, account reads, the Memo program (with program and
root subscriptions), getParsedTransaction and getParsedBlock (jsonParsed), the supply, block
production, stake, inflation, vote and leader methods, a preflight refusal and a failed
transaction. web3.js checks every answer against its superstruct schemas, so
a shape the node gets wrong fails the script at that step, named in the assertion message. The
script prints one JSON object; the assertions here check the values it saw (lamports moved, fees,
signatures, slots, logs) against each other and against the node's raw JSON-RPC.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from solders.hash import Hash

from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.fixtures.contracts import NODE_MODULES, REPO_ROOT
from tests.integration._support import rpc

SCRIPT = REPO_ROOT / "tests" / "integration" / "js" / "solana_web3.mjs"
WEB3JS_PACKAGE = NODE_MODULES / "@solana" / "web3.js" / "package.json"
NODE_TIMEOUT = 45.0  # the script bounds itself at 30 s; a run takes about a second

DEV = solana_dev_keypair(0)
SYSTEM_PROGRAM = "11111111111111111111111111111111"
MEMO_PROGRAM = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"
MEMO_TEXT = "hello from @solana/web3.js"
SOL = 10**9
FEE = 5_000  # one signature at Solana's default lamports per signature
# The amounts of tests/integration/js/solana_web3.mjs.
AIRDROP = 2 * SOL
TRANSFER_RACE = 5_000_000
TRANSFER_WS = 1_000_000
TRANSFER_POLL = 1_500_000
TRANSFER_V0 = 2_000_000
RECEIVED = TRANSFER_RACE + TRANSFER_WS + TRANSFER_POLL + TRANSFER_V0
SYSTEM_LOGS = [f"Program {SYSTEM_PROGRAM} invoke [1]", f"Program {SYSTEM_PROGRAM} success"]
INSUFFICIENT = {"InstructionError": [0, {"Custom": 1}]}


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:  # pragma: no cover - make test needs Node.js and npm
        pytest.fail("Node.js (`node`) is not on PATH; it is needed with npm to run the tests")
    if not WEB3JS_PACKAGE.is_file():  # pragma: no cover - `make test` runs npm ci first
        pytest.fail(
            f"@solana/web3.js is not installed; run `npm ci` at the repo root ({REPO_ROOT})"
        )
    return path


def run_script(
    node: str, devnet: Devnet, scenario: str = "dapp", *, check: bool = True
) -> dict[str, Any]:
    """Run the script against ``devnet``; its JSON output. Fails with the step it stopped at
    unless ``check`` is false (then ``ok`` is false and ``step``, ``error`` say why)."""
    command = [node, str(SCRIPT), devnet.svm_url, devnet.svm_ws_url, bytes(DEV).hex(), scenario]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=NODE_TIMEOUT, check=False, cwd=REPO_ROOT
    )
    lines = done.stdout.strip().splitlines()
    try:
        out: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        pytest.fail(
            f"no JSON from the script (exit {done.returncode})\n{done.stdout}\n{done.stderr}"
        )
    if not check:
        return out
    assert done.returncode == 0 and out["ok"] is True, (
        f"web3.js failed at step {out.get('step')!r}: {out.get('error')}\n"
        f"logs: {json.dumps(out.get('logs'), indent=1)}\nstderr: {done.stderr}"
    )
    return out


def assert_transfer(tx: dict[str, Any], signature: str, payer: str, to: str, lamports: int) -> None:
    """A successful one-instruction system transfer as getTransaction shows it."""
    assert tx["signatures"] == [signature]
    assert tx["accountKeys"] == [payer, to, SYSTEM_PROGRAM]
    assert tx["err"] is None
    assert tx["fee"] == FEE
    assert tx["postBalances"][0] == tx["preBalances"][0] - lamports - FEE
    assert tx["postBalances"][1] == tx["preBalances"][1] + lamports
    assert tx["logMessages"] == SYSTEM_LOGS
    assert tx["computeUnitsConsumed"] > 0
    assert isinstance(tx["blockTime"], int) and tx["blockTime"] > 0


def test_web3js_dapp_flow(node: str, instant_devnet: Devnet) -> None:
    devnet = instant_devnet
    url = devnet.svm_url
    out = run_script(node, devnet)
    package = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    assert out["web3Version"] == package["devDependencies"]["@solana/web3.js"]
    # web3.js writes its own errors (a subscription refused, an unsubscribe failing) to
    # console.error; an unsubscribe racing the server's end of a signature subscription is benign.
    assert [line for line in out["logs"] if "Unsubscribe error" not in line] == []

    dev, fresh, recipient = out["dev"], out["fresh"], out["recipient"]
    assert dev == str(DEV.pubkey())

    # -- the cluster
    assert out["version"]["solana-core"] == rpc(url, "getVersion")["solana-core"]
    assert out["genesisHash"] == rpc(url, "getGenesisHash")
    assert bytes(Hash.from_string(out["genesisHash"])) != bytes(32)
    assert out["slotBefore"] == out["blockHeightBefore"] == 0
    latest = out["latestBlockhash"]
    assert latest["lastValidBlockHeight"] == out["blockHeightBefore"] + 150
    Hash.from_string(latest["blockhash"])
    assert out["rentExemptZero"] == 890_880
    assert out["devBalanceBefore"] == 1_000 * SOL

    # -- airdrop, then three transfers confirmed three ways
    assert out["airdropConfirmation"] == {"err": None}
    assert out["freshBalanceAfterAirdrop"] == AIRDROP
    assert out["feeForTransferMessage"] == FEE
    assert_transfer(out["transferTx"], out["transferSignature"], dev, recipient, TRANSFER_RACE)
    assert_transfer(out["transferWsTx"], out["transferWsSignature"], dev, recipient, TRANSFER_WS)
    assert_transfer(
        out["transferPollTx"], out["transferPollSignature"], dev, recipient, TRANSFER_POLL
    )
    assert out["transferTx"]["version"] == "legacy"
    assert out["transferTx"]["preBalances"][:2] == [1_000 * SOL, 0]
    # WebSocket only: the stubbed status lookup answered "not found", the notification confirmed.
    assert out["wsOnlyStatusCalls"] == 1
    assert out["pollOnlyStatusCalls"] >= 1
    slots = [out[key]["slot"] for key in ("transferTx", "transferWsTx", "transferPollTx", "v0Tx")]
    assert slots == sorted(set(slots)), slots  # instant mode: one block per transaction

    polled = out["polledStatus"]
    assert polled["err"] is None and polled["slot"] == out["transferPollTx"]["slot"]
    assert polled["confirmationStatus"] in ("confirmed", "finalized")
    statuses = out["signatureStatuses"]["value"]
    assert statuses[4] is None  # a signature never sent
    for status, key in zip(
        statuses[1:4], ("transferTx", "transferWsTx", "transferPollTx"), strict=True
    ):
        assert status["slot"] == out[key]["slot"] and status["err"] is None, (key, status)
        assert status["confirmationStatus"] in ("confirmed", "finalized")
    assert statuses[0]["err"] is None and statuses[0]["slot"] < slots[0]  # the airdrop

    # -- the v0 transaction, with its notifications subscribed before it was sent
    v0 = out["v0Tx"]
    assert v0["version"] == 0
    assert_transfer(v0, out["v0Signature"], fresh, recipient, TRANSFER_V0)
    assert v0["preBalances"][0] == AIRDROP
    assert out["v0Confirmation"] == {"err": None}
    assert out["v0SignatureNotification"] == {
        "result": {"err": None},
        "context": {"slot": v0["slot"]},
    }
    assert out["v0AccountNotification"] == {
        "lamports": RECEIVED,
        "owner": SYSTEM_PROGRAM,
        "executable": False,
        "dataLength": 0,
        "slot": v0["slot"],
    }

    # -- simulations (nothing they do is kept: the balances below do not count them)
    unsigned = out["simulateUnsigned"]
    assert unsigned["err"] is None and unsigned["logs"] == SYSTEM_LOGS
    assert unsigned["unitsConsumed"] > 0 and unsigned["contextSlot"] == v0["slot"]
    simulated = out["simulateAccounts"]  # web3.js reads the accounts the simulation left
    assert simulated["err"] is None and simulated["lamports"] == simulated["before"] + 1
    assert simulated["owner"] == "11111111111111111111111111111111"
    assert simulated["data"] == ["", "base64"]
    signed = out["simulateSignedLegacy"]
    assert signed["err"] is None and signed["logs"] == SYSTEM_LOGS
    failing = out["simulateFailing"]
    assert failing["err"] == INSUFFICIENT
    assert any("insufficient lamports" in line for line in failing["logs"]), failing["logs"]
    replaced = out["simulateReplaceBlockhash"]
    assert replaced["err"] is None and replaced["logs"] == SYSTEM_LOGS
    assert replaced["replacementBlockhash"]["lastValidBlockHeight"] == v0["slot"] + 150
    Hash.from_string(replaced["replacementBlockhash"]["blockhash"])

    # -- accounts
    assert out["recipientAccount"] == {
        "lamports": RECEIVED,
        "owner": SYSTEM_PROGRAM,
        "executable": False,
        "dataLength": 0,
        "rentEpoch": out["recipientAccount"]["rentEpoch"],
    }
    assert out["missingAccount"] is None
    fresh_after_v0 = AIRDROP - TRANSFER_V0 - FEE
    assert out["multipleAccounts"] == [RECEIVED, fresh_after_v0, None]
    owned = {account["pubkey"]: account for account in out["systemProgramAccounts"]}
    dev_after_transfers = 1_000 * SOL - TRANSFER_RACE - TRANSFER_WS - TRANSFER_POLL - 3 * FEE
    assert owned[recipient]["lamports"] == RECEIVED
    assert owned[fresh]["lamports"] == fresh_after_v0
    assert owned[dev]["lamports"] == dev_after_transfers
    assert all(a["dataLength"] == 0 and a["owner"] == SYSTEM_PROGRAM for a in owned.values())
    assert out["systemProgramAccountsDataSize1"] == 0

    # -- the Memo program
    memo = out["memoTx"]
    assert memo["signatures"] == [out["memoSignature"]] and memo["err"] is None
    assert memo["accountKeys"] == [dev, MEMO_PROGRAM]
    assert memo["fee"] == FEE and memo["postBalances"][0] == memo["preBalances"][0] - FEE
    logs = memo["logMessages"]
    assert logs[0] == f"Program {MEMO_PROGRAM} invoke [1]"
    assert logs[-1] == f"Program {MEMO_PROGRAM} success"
    assert any(MEMO_TEXT in line for line in logs), logs
    assert f"Program log: {dev}" in logs  # the memo program names its signers
    assert out["memoLogsNotification"] == {
        "signature": out["memoSignature"],
        "err": None,
        "logs": logs,
        "slot": memo["slot"],
    }

    # -- programSubscribe (system accounts, dataSize 0) and rootSubscribe saw the memo's block
    assert out["memoProgramNotification"] == {
        "pubkey": dev,
        "lamports": memo["postBalances"][0],
        "owner": SYSTEM_PROGRAM,
        "dataLength": 0,
        "slot": memo["slot"],
    }
    assert out["memoRootNotification"] == memo["slot"]

    # -- jsonParsed: getParsedTransaction, getParsedBlock (full and accounts)
    parsed_memo = out["memoParsed"]
    assert parsed_memo["signatures"] == [out["memoSignature"]]
    assert parsed_memo["slot"] == memo["slot"] and parsed_memo["version"] == "legacy"
    assert parsed_memo["accountKeys"] == [
        {"pubkey": dev, "signer": True, "writable": True, "source": "transaction"},
        {"pubkey": MEMO_PROGRAM, "signer": False, "writable": False, "source": "transaction"},
    ]
    assert parsed_memo["instructions"] == [
        {"program": "spl-memo", "programId": MEMO_PROGRAM, "parsed": MEMO_TEXT}
    ]
    assert parsed_memo["addressTableLookups"] is None  # legacy: none
    assert parsed_memo["logMessages"] == logs and parsed_memo["fee"] == FEE
    assert parsed_memo["err"] is None and parsed_memo["innerInstructions"] == []
    parsed_v0 = out["v0Parsed"]
    assert parsed_v0["version"] == 0 and parsed_v0["addressTableLookups"] == []
    assert parsed_v0["accountKeys"] == [
        {"pubkey": fresh, "signer": True, "writable": True, "source": "transaction"},
        {"pubkey": recipient, "signer": False, "writable": True, "source": "transaction"},
        {"pubkey": SYSTEM_PROGRAM, "signer": False, "writable": False, "source": "transaction"},
    ]
    assert parsed_v0["instructions"] == [
        {
            "program": "system",
            "programId": SYSTEM_PROGRAM,
            "parsed": {
                "type": "transfer",
                "info": {"source": fresh, "destination": recipient, "lamports": TRANSFER_V0},
            },
        }
    ]
    (in_block,) = out["memoParsedBlock"]["transactions"]
    assert in_block == parsed_memo | {"slot": None}  # a block's transactions carry no slot
    assert out["memoAccountsBlock"] == [
        {
            "signatures": [out["memoSignature"]],
            "accountKeys": parsed_memo["accountKeys"],
            "fee": FEE,
        }
    ]

    # -- the cluster: supply, largest accounts, block production, stake, inflation, votes
    supply = out["supply"]
    assert supply["circulating"] == supply["total"] and supply["nonCirculating"] == 0
    assert supply["nonCirculatingAccounts"] == []
    # only the failed transfer ran since: its fee is charged and burned, nothing else changed.
    # web3.js hands the supply over as a JS number (a double: exact below 2**53 only); at ~5e17
    # doubles are 64 apart, so the figure it saw is the exact one to within 64 lamports.
    now = rpc(url, "getSupply")["value"]["total"]
    assert abs(now - (supply["total"] - FEE)) <= 64
    largest = out["largestAccounts"]
    assert [a["lamports"] for a in largest] == sorted(
        (a["lamports"] for a in largest), reverse=True
    )
    assert {a["address"]: a["lamports"] for a in largest}[dev] == memo["postBalances"][0]
    identity = rpc(url, "getIdentity")["identity"]
    production = out["blockProduction"]
    produced = production["contextSlot"] + 1  # every slot from genesis (slot 0) is a block
    assert production["byIdentity"] == {identity: [produced, produced]}
    assert production["range"] == {"firstSlot": 0, "lastSlot": production["contextSlot"]}
    assert out["stakeMinimumDelegation"] == SOL  # the stake program's, with all features on
    assert out["inflationGovernor"] == dict.fromkeys(
        ("initial", "terminal", "taper", "foundation", "foundationTerm"), 0
    )
    assert out["inflationRate"] == {"total": 0, "validator": 0, "foundation": 0, "epoch": 0}
    assert out["voteAccounts"] == {"current": [], "delinquent": []}
    assert out["slotLeaders"] == [identity, identity]
    assert out["minimumLedgerSlot"] == 0

    # -- failures
    refused = out["preflightFailure"]
    assert "custom program error: 0x1" in refused["message"]
    assert any("insufficient lamports" in line for line in refused["logs"]), refused
    failed = out["failedTx"]
    assert failed["confirmationErr"] == failed["statusErr"] == INSUFFICIENT
    failed_tx = failed["tx"]
    assert failed_tx["err"] == INSUFFICIENT and failed_tx["fee"] == FEE
    assert failed_tx["accountKeys"] == [fresh, recipient, SYSTEM_PROGRAM]
    assert failed_tx["postBalances"][0] == failed_tx["preBalances"][0] - FEE  # the fee is charged
    assert failed_tx["postBalances"][1] == failed_tx["preBalances"][1] == RECEIVED

    # -- history and the end state, as web3.js and the raw JSON-RPC see it
    assert out["recipientSignatures"] == [
        failed["signature"],
        out["v0Signature"],
        out["transferPollSignature"],
        out["transferWsSignature"],
        out["transferSignature"],
    ]
    block = out["transferBlock"]
    assert block["signatures"] == [out["transferSignature"]]
    assert block["parentSlot"] == out["transferTx"]["slot"] - 1
    dev_after = dev_after_transfers - FEE  # the memo
    fresh_after = fresh_after_v0 - FEE  # the failed transfer
    assert out["devBalanceAfter"] == dev_after
    assert out["freshBalanceAfter"] == fresh_after
    assert out["recipientBalanceAfter"] == RECEIVED
    for key, lamports in ((dev, dev_after), (fresh, fresh_after), (recipient, RECEIVED)):
        assert rpc(url, "getBalance", key)["value"] == lamports, key
    assert out["slotAfter"] == out["blockHeightAfter"] == failed_tx["slot"] == rpc(url, "getSlot")


def test_web3js_get_epoch_info(node: str, instant_devnet: Devnet) -> None:
    out = run_script(node, instant_devnet, "epoch-info", check=False)
    assert out["ok"] is True, f"getEpochInfo: {out.get('error')}"
    info = out["epochInfo"]
    assert info["absoluteSlot"] == info["blockHeight"] == 0
    assert info["epoch"] == 0 and info["slotIndex"] == 0 and info["slotsInEpoch"] > 0
    assert info["transactionCount"] == rpc(instant_devnet.svm_url, "getTransactionCount") == 0
