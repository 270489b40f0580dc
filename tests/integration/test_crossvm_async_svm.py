"""x/crossvm's queue on a running node in the four directions that touch the SVM, with real
programs and contracts on both sides: the CrossVM bridge (deployed at genesis), the counter,
alias_check and cpi_pda programs (deployed here with ``qorenode tx svm deploy``), CrossSubmitter
and CrossReceiver on the EVM, the counter and dispatcher contracts on CosmWasm.

A delivered instruction sees ``[sender's alias PDA (signer), *svm_accounts]`` and the counter
program counts in its account 0, so a sender's counter lives at its alias: each sender makes it
with its own messages (system Allocate and Assign, the alias signing), as a dApp would.

Solana transactions are built with solders and sent over the Solana JSON-RPC; their landing is
awaited with ``signatureSubscribe`` and cross-VM messages with ``qor_subscribe("crossvm", {})``:
in instant mode a block follows every transaction and every queued message, so nothing sleeps.
The FIFO test uses the manual-mining devnet so that one block holds messages of three sources.
"""

from __future__ import annotations

import base64
import itertools
import json
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_typing import ChecksumAddress
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import (
    AllocateParams,
    AssignParams,
    TransferParams,
    allocate,
    assign,
    transfer,
)
from solders.transaction import Transaction
from web3 import Web3
from web3.contract import Contract
from websockets.sync.client import ClientConnection, connect

from qorenode import base58, bech32
from qorenode.client import RpcClient, send_native
from qorenode.genesis import bridge_program_id, crossvm_authority_keypair
from qorenode.keys import solana_dev_keypair
from qorenode.testing import Devnet
from tests.fixtures.contracts import REPO_ROOT, load_contract
from tests.integration._support import (
    CHAIN_ID,
    DEV0,
    DEV1,
    GWEI,
    Cli,
    WsClient,
    deploy_with_web3,
    instantiate_with_cli,
    rpc,
    rpc_raw,
    send_signed_call,
)

SVM_BUILD = REPO_ROOT / "native" / "svm" / "build"
COUNTER_WASM = REPO_ROOT / "native" / "cosmwasm" / "build" / "counter.wasm"
DISPATCHER_WASM = REPO_ROOT / "native" / "cosmwasm" / "build" / "dispatcher.wasm"
GENESIS = json.loads((REPO_ROOT / "genesis" / "devnet.json").read_text())
BRIDGE = Pubkey.from_string(GENESIS["svm"]["bridge_program_id"])
AUTHORITY = crossvm_authority_keypair()
ALICE, BOB = solana_dev_keypair(0), solana_dev_keypair(1)
EVM, COSMWASM = 0, 1
SUBMIT, DELIVER = 0, 1
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
DEV0_EVM = Web3.to_checksum_address(DEV0.hex_address)
# the bridge's and programs' custom errors (native/svm/README.md)
SUBMIT_NOT_SIGNED = 1011
DELIVER_NOT_SIGNED, DELIVER_NOT_AUTHORITY = 1021, 1022
ALIAS_MISMATCH = 2004
# x/crossvm's codes (crossvm/errors.py)
QUEUE_FULL, INVALID_TARGET, INVALID_PAYLOAD, FUNDS_NOT_ACCEPTED = 9, 13, 14, 17
MSG_UPDATE_PARAMS = "/qorechain.crossvm.v1.MsgUpdateParams"


# -- the bridge's instruction data (native/svm/README.md), built here from the documented layout --


def submit_data(target_vm: int, target: str, payload: bytes) -> bytes:
    """``0 | target_vm u8 | target_len u16 LE | target ascii | payload``."""
    raw = target.encode("ascii")
    return bytes([SUBMIT, target_vm]) + struct.pack("<H", len(raw)) + raw + payload


def submit_ix(sender: Pubkey, target_vm: int, target: str, payload: bytes) -> Instruction:
    """A bridge Submit; account 0, the sender, signs."""
    return Instruction(
        BRIDGE, submit_data(target_vm, target, payload), [AccountMeta(sender, True, False)]
    )


def alias_pda(source_vm: int, sender: bytes) -> tuple[Pubkey, int]:
    return Pubkey.find_program_address([b"alias", bytes([source_vm]), sender], BRIDGE)


def alias_check_data(source_vm: int, sender: bytes) -> bytes:
    """alias_check's data: ``bridge_program_id | source_vm u8 | sender_len u8 | sender``."""
    return bytes(BRIDGE) + bytes([source_vm, len(sender)]) + sender


def custom_error(code: int) -> dict[str, Any]:
    return {"InstructionError": [0, {"Custom": code}]}


SendSvm = Callable[[Pubkey, Sequence[tuple[Pubkey, bool]], bytes], int]
"""Queue a message towards an SVM program (program, accounts, data) as some sender; its id."""


# -- clients -----------------------------------------------------------------------------------


class Solana:
    """Solana JSON-RPC over HTTP, and PubSub to await signatures."""

    def __init__(self, url: str, ws: ClientConnection | None = None) -> None:
        self.url = url
        self.ws = ws
        self.next_id = 0

    def call(self, method: str, *params: Any) -> Any:
        return rpc(self.url, method, *params)

    def blockhash(self) -> Hash:
        return Hash.from_string(self.call("getLatestBlockhash")["value"]["blockhash"])

    def sign(self, instructions: Sequence[Instruction], signers: Sequence[Keypair]) -> bytes:
        recent = self.blockhash()
        message = Message.new_with_blockhash(list(instructions), signers[0].pubkey(), recent)
        return bytes(Transaction(list(signers), message, recent))

    def send_raw(self, raw: bytes, *, skip_preflight: bool = False) -> dict[str, Any]:
        """sendTransaction's whole response (result or error)."""
        config = {"encoding": "base64", "skipPreflight": skip_preflight}
        response: dict[str, Any] = rpc_raw(
            self.url, "sendTransaction", [base64.b64encode(raw).decode(), config]
        )
        return response

    def send(
        self,
        instructions: Sequence[Instruction],
        signers: Sequence[Keypair] = (ALICE,),
        *,
        skip_preflight: bool = False,
        err: Any = None,
    ) -> str:
        """Send and wait until it is in a committed block, with the error ``err`` (None: it
        succeeded); its signature."""
        response = self.send_raw(self.sign(instructions, signers), skip_preflight=skip_preflight)
        assert "error" not in response, response
        signature = str(response["result"])
        assert self.landed(signature)["err"] == err, self.transaction(signature)["meta"]
        return signature

    def landed(self, signature: str) -> dict[str, Any]:
        """``signatureSubscribe``'s one notification: its ``value`` (``{"err": ...}``)."""
        self.next_id += 1
        request = {
            "jsonrpc": "2.0",
            "id": self.next_id,
            "method": "signatureSubscribe",
            "params": [signature, {"commitment": "confirmed"}],
        }
        assert self.ws is not None, "no Solana PubSub connection"
        self.ws.send(json.dumps(request))
        # the response comes first, then the one notification (the subscription then ends)
        response = json.loads(self.ws.recv(timeout=30))
        assert response.get("id") == self.next_id and "result" in response, response
        notification = json.loads(self.ws.recv(timeout=30))
        assert notification["method"] == "signatureNotification", notification
        assert notification["params"]["subscription"] == response["result"], notification
        return dict(notification["params"]["result"]["value"])

    def transaction(self, signature: str) -> dict[str, Any]:
        result = self.call("getTransaction", signature, {"encoding": "json"})
        assert result is not None, f"no transaction {signature}"
        return dict(result)

    def data(self, account: Pubkey) -> bytes:
        value = self.call("getAccountInfo", str(account), {"encoding": "base64"})["value"]
        assert value is not None, f"no account {account}"
        return base64.b64decode(value["data"][0])

    def counter(self, account: Pubkey) -> int:
        return int(struct.unpack_from("<Q", self.data(account))[0])

    def lamports(self, account: Pubkey) -> int:
        return int(self.call("getBalance", str(account))["value"])


def evm_tx(w3: Web3, fn: Any) -> Any:
    """A contract call as DEV0 sends it, signed (not yet sent)."""
    tx = fn.build_transaction(
        {
            "from": DEV0.hex_address,
            "nonce": w3.eth.get_transaction_count(DEV0_EVM, "pending"),
            "chainId": CHAIN_ID,
            "maxFeePerGas": 10 * GWEI,
            "maxPriorityFeePerGas": GWEI,
            "gas": 1_000_000,
        }
    )
    return Account.sign_transaction(tx, DEV0.private_key)


def contract_at(w3: Web3, address: ChecksumAddress | None, name: str) -> Contract:
    assert address is not None, "no contract address"
    return w3.eth.contract(address=address, abi=load_contract(name).abi)


def deploy_tx(w3: Web3, name: str) -> Any:
    artifact = load_contract(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    return evm_tx(w3, factory.constructor())


@dataclass
class Chain:
    """An instant-mode node and the clients of its three VMs and of x/crossvm's subscription."""

    devnet: Devnet
    cli: Cli
    w3: Web3
    solana: Solana
    crossvm: WsClient

    @property
    def url(self) -> str:
        return self.devnet.eth_url

    # -- deployments ----------------------------------------------------------------------------

    def deploy_program(self, name: str) -> Pubkey:
        """``qorenode tx svm deploy native/svm/build/<name>.so`` (upgradeable loader)."""
        deployed = self.cli.json(
            "tx", "svm", "deploy", str(SVM_BUILD / f"{name}.so"), "--from", "dev0",
            "--svm-node", self.devnet.svm_url,
        )  # fmt: skip
        program = Pubkey.from_string(deployed["program_id"])
        assert self.solana.call("getAccountInfo", str(program))["value"]["executable"]
        return program

    def alias_counter(self, program: Pubkey, source_vm: str, sender: str, send: SendSvm) -> Pubkey:
        """A counter account at ``sender``'s alias PDA, made by ``sender``'s own messages.

        A delivered instruction sees ``[alias PDA (signer), *svm_accounts]``, and the counter
        counts in its account 0: the account must be the alias. Nobody holds the alias's key, so
        the sender makes it through the bridge: funded by a transfer, then system ``Allocate``
        and ``Assign`` delivered with the alias signing."""
        alias = Pubkey.from_string(rpc(self.url, "qor_crossVMAlias", "svm", source_vm, sender))
        rent = self.solana.call("getMinimumBalanceForRentExemption", 8)
        fund = transfer(TransferParams(from_pubkey=ALICE.pubkey(), to_pubkey=alias, lamports=rent))
        self.solana.send([fund])
        for instruction in (
            allocate(AllocateParams(pubkey=alias, space=8)),
            assign(AssignParams(pubkey=alias, owner=program)),
        ):
            record = self.until_terminal(
                send(SYSTEM_PROGRAM, [(alias, True)], bytes(instruction.data))
            )
            assert record["status"] == "executed", record["error"]
        account = self.solana.call("getAccountInfo", str(alias), {"encoding": "base64"})["value"]
        assert account["owner"] == str(program) and account["space"] == 8
        assert self.solana.counter(alias) == 0
        return alias

    def deploy_contract(self, name: str) -> Contract:
        contract: Contract = deploy_with_web3(self.w3, name)
        return contract

    def instantiate(self, wasm: Path, init: str) -> str:
        return instantiate_with_cli(self.cli, wasm, init)

    # -- transactions and messages --------------------------------------------------------------

    def transact(self, fn: Any) -> Any:
        return send_signed_call(self.w3, fn)

    def next_request(self) -> dict[str, Any]:
        """The next ``crossvm_request`` notification (a message was queued)."""
        while True:
            item = self.crossvm.notification()["params"]["result"]
            if item["type"] == "crossvm_request":
                return dict(item)

    def until_terminal(self, message_id: int) -> dict[str, Any]:
        """Notifications until ``message_id`` is delivered (or timed out); its record."""
        while True:
            item = self.crossvm.notification()["params"]["result"]
            if item["message_id"] == message_id and item["type"] in (
                "crossvm_response",
                "crossvm_timeout",
            ):
                record: dict[str, Any] = item["message"]
                assert record == rpc(self.url, "qor_getCrossVMMessage", message_id)
                return record

    def messages(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = rpc(self.url, "qor_listCrossVMMessages", {})
        return listed

    def wasm_count(self, contract: str) -> int:
        return int(rpc(self.url, "qor_wasmSmartQuery", contract, {"get_count": {}})["count"])


@pytest.fixture
def chain(
    instant_devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Chain]:
    cli = Cli(instant_devnet.eth_url, tmp_path / "cli-home", capsys)
    w3 = Web3(Web3.HTTPProvider(instant_devnet.eth_url, request_kwargs={"timeout": 30}))
    with (
        connect(instant_devnet.ws_url, open_timeout=10, close_timeout=5) as conn,
        connect(instant_devnet.svm_ws_url, open_timeout=10, close_timeout=5) as svm_ws,
    ):
        crossvm = WsClient(conn)
        crossvm.call("qor_subscribe", "crossvm", {})
        yield Chain(instant_devnet, cli, w3, Solana(instant_devnet.svm_url, svm_ws), crossvm)


@pytest.fixture
def counter_program(chain: Chain) -> Pubkey:
    return chain.deploy_program("counter")


@pytest.fixture
def submitter(chain: Chain) -> Contract:
    return chain.deploy_contract("CrossSubmitter")


@pytest.fixture
def receiver(chain: Chain) -> Contract:
    return chain.deploy_contract("CrossReceiver")


@pytest.fixture
def wasm_counter(chain: Chain) -> str:
    return chain.instantiate(COUNTER_WASM, '{"count": 0}')


def ping_calldata(receiver: Contract, amount: int) -> bytes:
    return bytes.fromhex(receiver.functions.ping(amount)._encode_transaction_data()[2:])


def contract_sender(chain: Chain, submitter: Contract) -> SendSvm:
    """Messages towards the SVM from CrossSubmitter (``submitSvm`` on 0x901)."""

    def send(program: Pubkey, accounts: Sequence[tuple[Pubkey, bool]], data: bytes) -> int:
        metas = [(bytes(key), writable) for key, writable in accounts]
        chain.transact(submitter.functions.sendToSvm(bytes(program), metas, data))
        return int(submitter.functions.lastId().call())

    return send


def dispatcher_sender(chain: Chain, dispatcher: str) -> SendSvm:
    """Messages towards the SVM from the CosmWasm dispatcher (its ``crossvm_call`` message),
    executed with ``qorenode tx wasm execute``."""

    def send(program: Pubkey, accounts: Sequence[tuple[Pubkey, bool]], data: bytes) -> int:
        body = {
            "crossvm_call": {
                "target_vm": "svm",
                "target_contract": str(program),
                "payload": base64.b64encode(data).decode(),
                "svm_accounts": [{"pubkey": str(k), "writable": w} for k, w in accounts],
            }
        }
        executed = chain.cli.json(
            "tx", "wasm", "execute", dispatcher, json.dumps({"custom": body}), "--from", "dev0"
        )
        assert executed["code"] == 0, executed
        return int(chain.next_request()["message_id"])

    return send


def user_sender(chain: Chain, key: str = "dev0") -> SendSvm:
    """A user's MsgCrossVMCall towards the SVM: ``qorenode tx crossvm call svm ...``."""

    def send(program: Pubkey, accounts: Sequence[tuple[Pubkey, bool]], data: bytes) -> int:
        flags = [f"{k}:w" if w else str(k) for k, w in accounts]
        options = [arg for flag in flags for arg in ("--svm-account", flag)]
        sent = chain.cli.json(
            "tx", "crossvm", "call", "svm", str(program), data.hex(), *options, "--from", key
        )
        return int(sent["message_id"])

    return send


# -- EVM -> SVM ---------------------------------------------------------------------------------


def test_the_bridge_is_deployed_at_genesis(chain: Chain) -> None:
    assert bridge_program_id() == BRIDGE
    bridge = chain.solana.call("getAccountInfo", str(BRIDGE))["value"]
    assert bridge["executable"] and bridge["owner"] == "BPFLoaderUpgradeab1e11111111111111111111111"
    assert GENESIS["svm"]["crossvm_authority"] == str(AUTHORITY.pubkey())
    assert chain.solana.lamports(AUTHORITY.pubkey()) > 0


def test_an_evm_contract_increments_an_svm_counter(
    chain: Chain, counter_program: Pubkey, submitter: Contract
) -> None:
    send = contract_sender(chain, submitter)
    counter = chain.alias_counter(counter_program, "evm", submitter.address.lower(), send)
    message_id = send(counter_program, [(counter, True)], struct.pack("<Q", 5))
    record = chain.until_terminal(message_id)
    assert record["status"] == "executed", record["error"]
    assert chain.solana.counter(counter) == 5
    assert record["source_vm"] == "evm" and record["target_vm"] == "svm"
    assert record["sender"] == record["source_contract"] == submitter.address.lower()
    assert record["target_contract"] == str(counter_program)
    assert record["svm_accounts"] == [{"pubkey": str(counter), "writable": True}]
    assert record["payload_hex"] == "0x" + struct.pack("<Q", 5).hex()
    assert record["result_hex"] == "0x" + struct.pack("<Q", 5).hex()  # the counter's return data
    assert record["executed_height"] > record["created_height"]
    assert record["gas_used"] > 0 and record["error"] == ""

    # the delivery is a Solana transaction of the authority, found by its signature
    delivery = record["delivery_tx"]
    assert len(base58.decode(delivery)) == 64
    tx = chain.solana.transaction(delivery)
    assert tx["transaction"]["signatures"] == [delivery]
    keys = tx["transaction"]["message"]["accountKeys"]
    assert keys[0] == str(AUTHORITY.pubkey()) and str(BRIDGE) in keys
    assert tx["meta"]["err"] is None
    logs = tx["meta"]["logMessages"]
    submitter_hex = submitter.address.lower()[2:]
    assert f"Program {BRIDGE} invoke [1]" in logs, logs
    assert f"Program log: crossvm deliver: source_vm=0 sender={submitter_hex} payload_len=8" in logs
    assert f"Program {counter_program} invoke [2]" in logs, logs
    assert "Program log: counter: 5" in logs
    assert logs[-1] == f"Program {BRIDGE} success"
    assert rpc(chain.url, "qor_getPendingCrossVMMessages") == []


def test_an_evm_contract_is_its_alias_pda_on_the_svm(chain: Chain, submitter: Contract) -> None:
    alias_check = chain.deploy_program("alias_check")
    send = contract_sender(chain, submitter)
    sender = bytes.fromhex(submitter.address[2:])
    record = chain.until_terminal(send(alias_check, [], alias_check_data(EVM, sender)))
    assert record["status"] == "executed", record["error"]
    alias = rpc(chain.url, "qor_crossVMAlias", "svm", "evm", submitter.address.lower())
    assert base58.decode(alias) == bytes(alias_pda(EVM, sender)[0])
    assert record["result_hex"] == "0x" + base58.decode(alias).hex()
    logs = chain.solana.transaction(record["delivery_tx"])["meta"]["logMessages"]
    assert "Program log: alias_check: ok" in logs

    # the contract cannot pass as someone else: the alias PDA that signs is its own, not DEV0's
    dev0 = bytes.fromhex(DEV0.hex_address[2:])
    record = chain.until_terminal(send(alias_check, [], alias_check_data(EVM, dev0)))
    assert record["status"] == "failed"
    assert f"custom program error: {hex(ALIAS_MISMATCH)}" in record["error"], record
    assert record["result_hex"] == "0x"


# -- CosmWasm -> SVM ----------------------------------------------------------------------------


def test_a_cosmwasm_contract_increments_an_svm_counter(
    chain: Chain, counter_program: Pubkey
) -> None:
    dispatcher = chain.instantiate(DISPATCHER_WASM, "{}")
    send = dispatcher_sender(chain, dispatcher)
    counter = chain.alias_counter(counter_program, "cosmwasm", dispatcher, send)
    record = chain.until_terminal(send(counter_program, [(counter, True)], b""))  # b"": add 1
    assert record["status"] == "executed", record["error"]
    assert chain.solana.counter(counter) == 1
    assert record["source_vm"] == "cosmwasm" and record["sender"] == dispatcher
    assert record["source_contract"] == dispatcher
    assert record["result_hex"] == "0x" + struct.pack("<Q", 1).hex()
    logs = chain.solana.transaction(record["delivery_tx"])["meta"]["logMessages"]
    sender_hex = bech32.decode(dispatcher).hex()
    assert f"Program log: crossvm deliver: source_vm=1 sender={sender_hex} payload_len=0" in logs
    assert "Program log: counter: 1" in logs


# -- SVM -> EVM ---------------------------------------------------------------------------------


def test_an_svm_key_pings_an_evm_contract(chain: Chain, receiver: Contract) -> None:
    target = receiver.address.lower()
    signature = chain.solana.send(
        [submit_ix(ALICE.pubkey(), EVM, target, ping_calldata(receiver, 7))]
    )
    landed = chain.solana.transaction(signature)
    assert (
        f"Program log: crossvm submit: target_vm=0 target={target} payload_len=36"
        in landed["meta"]["logMessages"]
    )
    request = chain.next_request()
    assert request["attributes"]["source_vm"] == "svm"
    record = chain.until_terminal(request["message_id"])
    assert record["status"] == "executed", record["error"]
    assert record["sender"] == str(ALICE.pubkey()) and record["source_contract"] == ""
    assert record["target_vm"] == "evm" and record["target_contract"] == target
    assert record["result_hex"] == "0x" + abi_encode(["uint256"], [1]).hex()
    assert receiver.functions.count().call() == 1
    assert receiver.functions.total().call() == 7
    alias = rpc(chain.url, "qor_crossVMAlias", "evm", "svm", str(ALICE.pubkey()))
    assert receiver.functions.lastSender().call().lower() == alias
    assert alias != DEV0.hex_address.lower()


def test_an_svm_program_submits_by_cpi(chain: Chain, receiver: Contract) -> None:
    cpi_pda = chain.deploy_program("cpi_pda")
    vault = Pubkey.find_program_address([b"vault"], cpi_pda)[0]
    target = receiver.address.lower()
    envelope = submit_data(EVM, target, ping_calldata(receiver, 9))[1:]  # without the tag
    instruction = Instruction(
        cpi_pda,
        bytes([1]) + envelope,
        [AccountMeta(vault, False, False), AccountMeta(BRIDGE, False, False)],
    )
    signature = chain.solana.send([instruction])
    logs = chain.solana.transaction(signature)["meta"]["logMessages"]
    assert f"Program {BRIDGE} invoke [2]" in logs, logs
    request = chain.next_request()
    record = chain.until_terminal(request["message_id"])
    assert record["status"] == "executed", record["error"]
    assert record["sender"] == str(vault)
    assert record["source_contract"] == str(cpi_pda)
    assert receiver.functions.count().call() == 1
    assert receiver.functions.total().call() == 9
    alias = rpc(chain.url, "qor_crossVMAlias", "evm", "svm", str(vault))
    assert receiver.functions.lastSender().call().lower() == alias
    # not the alias of the transaction's signer: the program is the immediate caller
    assert alias != rpc(chain.url, "qor_crossVMAlias", "evm", "svm", str(ALICE.pubkey()))


# -- SVM -> CosmWasm ----------------------------------------------------------------------------


def test_an_svm_key_increments_a_cosmwasm_counter(chain: Chain, wasm_counter: str) -> None:
    chain.solana.send([submit_ix(ALICE.pubkey(), COSMWASM, wasm_counter, b'{"increment":{}}')])
    request = chain.next_request()
    record = chain.until_terminal(request["message_id"])
    assert record["status"] == "executed", record["error"]
    assert record["source_vm"] == "svm" and record["target_vm"] == "cosmwasm"
    assert record["sender"] == str(ALICE.pubkey())
    assert record["target_contract"] == wasm_counter
    assert record["payload_hex"] == "0x" + b'{"increment":{}}'.hex()
    assert chain.wasm_count(wasm_counter) == 1


# -- spoofing and bad input ---------------------------------------------------------------------


def test_a_submit_whose_sender_did_not_sign_fails(chain: Chain, receiver: Contract) -> None:
    """Bob as account 0 without his signature: the bridge refuses (1011); nothing is queued."""
    spoof = Instruction(
        BRIDGE,
        submit_data(EVM, receiver.address.lower(), ping_calldata(receiver, 1)),
        [AccountMeta(BOB.pubkey(), False, False)],
    )
    refused = chain.solana.send_raw(chain.solana.sign([spoof], [ALICE]))
    assert refused["error"]["code"] == -32002, refused
    assert refused["error"]["data"]["err"] == custom_error(SUBMIT_NOT_SIGNED)
    assert "custom program error: 0x3f3" in refused["error"]["message"]
    # without the preflight it lands, fails in the bridge, and queues nothing
    signature = chain.solana.send([spoof], skip_preflight=True, err=custom_error(SUBMIT_NOT_SIGNED))
    tx = chain.solana.transaction(signature)
    assert tx["meta"]["err"] == custom_error(SUBMIT_NOT_SIGNED)
    assert chain.messages() == []
    assert rpc(chain.url, "qor_getPendingCrossVMMessages") == []
    assert receiver.functions.count().call() == 0


def _deliver_ix(
    authority: Pubkey, authority_signs: bool, program: Pubkey, sender: bytes
) -> Instruction:
    """A Deliver to the counter at ``sender``'s alias (canonical bump), ``authority`` first."""
    alias, bump = alias_pda(EVM, sender)
    data = bytes([DELIVER, EVM, len(sender)]) + sender + bytes([bump])  # no payload: add 1
    return Instruction(
        BRIDGE,
        data,
        [
            AccountMeta(authority, authority_signs, True),
            AccountMeta(alias, False, True),
            AccountMeta(program, False, False),
            AccountMeta(alias, False, True),
        ],
    )


def test_a_user_cannot_deliver(chain: Chain, counter_program: Pubkey) -> None:
    """Deliver instructions forged by a user for DEV0's alias (a real counter account, with the
    right bump): refused before the bridge looks at anything else, with no effect."""
    sender = bytes.fromhex(DEV0.hex_address[2:])
    counter = chain.alias_counter(counter_program, "evm", DEV0.hex_address, user_sender(chain))
    # the user signs as account 0: not the authority (1022)
    as_user = _deliver_ix(ALICE.pubkey(), True, counter_program, sender)
    refused = chain.solana.send_raw(chain.solana.sign([as_user], [ALICE]))
    assert refused["error"]["data"]["err"] == custom_error(DELIVER_NOT_AUTHORITY), refused
    chain.solana.send([as_user], skip_preflight=True, err=custom_error(DELIVER_NOT_AUTHORITY))
    # the authority's key as account 0 without its signature (1021)
    unsigned = _deliver_ix(AUTHORITY.pubkey(), False, counter_program, sender)
    refused = chain.solana.send_raw(chain.solana.sign([unsigned], [ALICE]))
    assert refused["error"]["data"]["err"] == custom_error(DELIVER_NOT_SIGNED), refused
    chain.solana.send([unsigned], skip_preflight=True, err=custom_error(DELIVER_NOT_SIGNED))
    assert chain.solana.counter(counter) == 0
    # only the two messages that made the alias's account were ever queued
    assert [m["target_contract"] for m in chain.messages()] == [str(SYSTEM_PROGRAM)] * 2


@pytest.mark.parametrize(
    ("target_vm", "target", "payload", "code", "reason"),
    [
        (EVM, "0x1234", bytes.fromhex("d09de08a"), INVALID_TARGET, "invalid evm address '0x1234'"),
        (COSMWASM, "wasm_counter", b"not json", INVALID_PAYLOAD, "JSON execute message"),
        (COSMWASM, "wasm_counter", b"[1, 2]", INVALID_PAYLOAD, "JSON object"),
    ],
)
def test_a_submit_the_queue_refuses_is_refused_at_admission(
    chain: Chain,
    wasm_counter: str,
    target_vm: int,
    target: str,
    payload: bytes,
    code: int,
    reason: str,
) -> None:
    if target == "wasm_counter":
        target = wasm_counter
    before = chain.solana.lamports(ALICE.pubkey())
    raw = chain.solana.sign([submit_ix(ALICE.pubkey(), target_vm, target, payload)], [ALICE])
    refused_signature = str(Transaction.from_bytes(raw).signatures[0])
    for skip_preflight in (False, True):  # the preflight, then admission to the mempool
        error = chain.solana.send_raw(raw, skip_preflight=skip_preflight)["error"]
        assert error["data"] == {"codespace": "crossvm", "code": code}, error
        assert reason in error["message"], error
    # a later block holds neither that transaction nor a message, and charged no fee
    good = chain.solana.send(
        [submit_ix(ALICE.pubkey(), COSMWASM, wasm_counter, b'{"increment":{}}')]
    )
    fee = chain.solana.transaction(good)["meta"]["fee"]
    assert chain.solana.lamports(ALICE.pubkey()) == before - fee
    statuses = chain.solana.call("getSignatureStatuses", [refused_signature])["value"]
    assert statuses == [None]
    request = chain.next_request()
    chain.until_terminal(request["message_id"])
    assert [m["id"] for m in chain.messages()] == [request["message_id"]]
    assert chain.wasm_count(wasm_counter) == 1


def test_funds_towards_the_svm_are_refused(chain: Chain, counter_program: Pubkey) -> None:
    send = user_sender(chain)
    counter = chain.alias_counter(counter_program, "evm", DEV0.hex_address, send)
    before = len(chain.messages())
    error = chain.cli.error(
        "tx", "crossvm", "call", "svm", str(counter_program), "",
        "--svm-account", f"{counter}:w", "--from", "dev0", "--funds", "1aqor",
    )  # fmt: skip
    assert error["code"] == FUNDS_NOT_ACCEPTED, error
    assert error["codespace"] == "crossvm"
    assert len(chain.messages()) == before
    # without funds the same call is delivered, to the user's alias
    record = chain.until_terminal(send(counter_program, [(counter, True)], b""))
    assert record["status"] == "executed", record["error"]
    assert record["sender"] == DEV0.hex_address.lower() and record["funds"] == []
    assert chain.solana.counter(counter) == 1


def test_a_submit_refused_inside_the_block_does_not_run(devnet: Devnet) -> None:
    """Two Solana transactions admitted while the queue has room for one (max_queue_size 1):
    in the block the second's Submit is refused by x/crossvm (queue full, 9), so it does not
    run: recorded as failed with Custom(9), no fee, nothing queued for it."""
    url = devnet.eth_url
    client = RpcClient(url)
    params = {**rpc(url, "qor_getCrossVMParams")["params"], "max_queue_size": "1"}
    update = {
        "@type": MSG_UPDATE_PARAMS,
        "authority": bech32.encode(DEV0.address),
        "params": params,
    }
    send_native(client, DEV0, None, [update])
    devnet.mine()
    assert rpc(url, "qor_getCrossVMParams")["params"]["max_queue_size"] == "1"
    target = "0x" + bytes(20).hex()  # any EVM address: this test is about the queue
    solana = Solana(devnet.svm_url)
    raws = [solana.sign([submit_ix(key.pubkey(), EVM, target, b"")], [key]) for key in (ALICE, BOB)]
    signatures = []
    for raw in raws:  # both admitted: the queue is empty
        response = solana.send_raw(raw)
        assert "result" in response, response
        signatures.append(response["result"])
    bob_before = solana.lamports(BOB.pubkey())
    devnet.mine()
    first, second = solana.call("getSignatureStatuses", signatures)["value"]
    assert first["err"] is None
    assert second["err"] == custom_error(QUEUE_FULL)
    refused = solana.transaction(signatures[1])
    assert refused["meta"]["fee"] == 0 and refused["meta"]["computeUnitsConsumed"] == 0
    (log,) = refused["meta"]["logMessages"]
    assert log.startswith(f"crossvm refused (crossvm {QUEUE_FULL}): ")
    assert solana.lamports(BOB.pubkey()) == bob_before
    (queued,) = rpc(url, "qor_getPendingCrossVMMessages")
    assert queued["sender"] == str(ALICE.pubkey())


# -- FIFO across source VMs ---------------------------------------------------------------------


def _apply(count: int, payload: bytes) -> int:
    message = json.loads(payload)
    if "reset" in message:
        return int(message["reset"]["count"])
    assert message == {"increment": {}}, message
    return count + 1


def test_one_block_of_messages_from_three_sources_is_delivered_in_id_order(
    devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Solana transaction with two Submits, an EVM contract's submit and a user's
    MsgCrossVMCall to one CosmWasm counter, all in one block; the next block delivers them by id."""
    url = devnet.eth_url
    cli = Cli(url, tmp_path / "cli-home", capsys)
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 30}))

    # setup, one mined block at a time
    cli.json("tx", "wasm", "store", str(COUNTER_WASM), "--from", "dev0", "--no-wait")
    devnet.mine()
    code_id = max(int(code["code_id"]) for code in rpc(url, "qor_wasmCodes"))
    cli.json(
        "tx", "wasm", "instantiate", str(code_id), '{"count": 0}', "--label", "counter",
        "--from", "dev0", "--no-admin", "--no-wait",
    )  # fmt: skip
    devnet.mine()
    (counter,) = rpc(url, "qor_wasmContractsByCode", code_id)
    signed = deploy_tx(w3, "CrossSubmitter")
    deploy_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    devnet.mine()
    submitter = contract_at(
        w3, w3.eth.get_transaction_receipt(deploy_hash)["contractAddress"], "CrossSubmitter"
    )
    solana = Solana(devnet.svm_url)

    with connect(devnet.ws_url, open_timeout=10, close_timeout=5) as conn:
        events = WsClient(conn)
        events.call("qor_subscribe", "crossvm", {})
        # one block: SVM (two Submits in one transaction), EVM contract, user
        raw = solana.sign(
            [
                submit_ix(ALICE.pubkey(), COSMWASM, counter, b'{"reset":{"count":10}}'),
                submit_ix(ALICE.pubkey(), COSMWASM, counter, b'{"increment":{}}'),
            ],
            [ALICE],
        )
        assert "result" in solana.send_raw(raw), "sendTransaction refused"
        signed = evm_tx(w3, submitter.functions.sendToCosmWasm(counter, b'{"reset":{"count":50}}'))
        w3.eth.send_raw_transaction(signed.raw_transaction)
        cli.json(
            "tx", "crossvm", "call", "cosmwasm", counter, '{"increment":{}}', "--from", "dev1",
            "--no-wait",
        )  # fmt: skip
        devnet.mine()
        submitted_at = devnet.height
        records = rpc(url, "qor_getPendingCrossVMMessages")
        senders = sorted((r["source_vm"], r["sender"]) for r in records)
        assert senders == sorted(
            [
                ("svm", str(ALICE.pubkey())),
                ("svm", str(ALICE.pubkey())),
                ("evm", submitter.address.lower()),
                ("evm", DEV1.hex_address.lower()),
            ]
        )
        assert {r["created_height"] for r in records} == {submitted_at}
        assert {r["status"] for r in records} == {"pending"}
        ids = [r["id"] for r in records]
        assert ids == sorted(ids) == list(range(ids[0], ids[0] + 4))
        devnet.mine()
        delivered: list[dict[str, Any]] = []
        while len(delivered) < len(ids):
            item = events.notification()["params"]["result"]
            if item["type"] == "crossvm_response":
                delivered.append(item["message"])

    assert [r["id"] for r in delivered] == ids  # FIFO by id
    assert all(r["status"] == "executed" for r in delivered), delivered
    assert {r["executed_height"] for r in delivered} == {submitted_at + 1}
    payloads = [bytes.fromhex(r["payload_hex"][2:]) for r in records]
    expected = 0
    for payload in payloads:
        expected = _apply(expected, payload)
    assert rpc(url, "qor_wasmSmartQuery", counter, {"get_count": {}}) == {"count": expected}
    # the order mattered: some other order of the same messages ends elsewhere
    outcomes = set()
    for order in itertools.permutations(payloads):
        count = 0
        for payload in order:
            count = _apply(count, payload)
        outcomes.add(count)
    assert len(outcomes) > 1
    # the Solana transaction's two Submits kept their instruction order
    svm_records = [r for r in records if r["source_vm"] == "svm"]
    assert [bytes.fromhex(r["payload_hex"][2:]) for r in svm_records] == [
        b'{"reset":{"count":10}}',
        b'{"increment":{}}',
    ]
    assert svm_records[1]["id"] == svm_records[0]["id"] + 1
