"""The committed Solidity build outputs load, and their bytecode runs on a raw py-evm Prague chain."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth.abc import ComputationAPI, ReceiptAPI
from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.vm.forks.prague import PragueVM
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak, to_canonical_address

from tests.fixtures.contracts import (
    REPO_ROOT,
    SOLIDITY_BUILD_DIR,
    Contract,
    ToolchainMissingError,
    anvil_binary,
    available_contracts,
    cast_binary,
    load_contract,
)

CHAIN_ID = 31337
# anvil's / Hardhat's dev account 0 (mnemonic "test test ... junk")
DEV0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
RECIPIENT = to_canonical_address("0x70997970C51812dc3A65C118d9F2aad5f7e2E4d5")
ERROR_STRING = keccak(text="Error(string)")[:4]

EXPECTED_FUNCTIONS: dict[str, set[str]] = {
    "QorToken": {
        "name",
        "symbol",
        "decimals",
        "totalSupply",
        "balanceOf",
        "transfer",
        "approve",
        "transferFrom",
        "allowance",
    },
    "Counter": {"count", "increment", "add", "fail", "failCustom", "setAndRevert"},
    "Caller": {
        "doCall",
        "doStaticCall",
        "doDelegateCall",
        "doCallCode",
        "doCallWithGas",
        "tryCall",
        "callOrRevert",
        "callThenRevert",
        "readPrecompile",
    },
    "CrossCounter": {
        "counter",
        "increment",
        "incrementLegacy",
        "incrementWithValue",
        "incrementThenRevert",
        "count",
        "tryIncrement",
        "incrementTimes",
        "staticQuery",
        "staticExecute",
        "delegateExecute",
        "attempts",
        "failures",
        "lastOk",
        "lastData",
        "lastRevertData",
        "lastReason",
    },
    "CrossDepth": {"run", "hop", "hops", "lastData", "caught"},
    "CrossToken": {"transfer", "balanceOf", "transferMessage", "balanceMessage", "toDecimal"},
}

# crossvm/ICrossVM.sol, as DESIGN.md §5 gives it (plus QoreChain's executeCrossVMCall)
ICROSSVM_FUNCTIONS: dict[str, tuple[str, str]] = {
    "execute(string,bytes)": ("payable", "bytes"),
    "query(string,bytes)": ("view", "bytes"),
    "submit(uint8,string,bytes)": ("payable", "uint64"),
    "submitSvm(bytes32,(bytes32,bool)[],bytes)": ("nonpayable", "uint64"),
    "messageStatus(uint64)": ("view", "uint8,bytes"),
    "aliasOf(uint8,bytes)": ("view", "address"),
    "executeCrossVMCall(uint8,string,bytes)": ("payable", "bytes"),
}


def calldata(
    signature: str, types: list[str] | None = None, args: list[Any] | None = None
) -> bytes:
    """4-byte selector of ``signature`` followed by the ABI-encoded arguments."""
    return keccak(text=signature)[:4] + abi_encode(types or [], args or [])


def error_string(reason: str) -> bytes:
    return ERROR_STRING + abi_encode(["string"], [reason])


# ---------------------------------------------------------------------------------------------
# Build outputs
# ---------------------------------------------------------------------------------------------


def test_every_expected_contract_is_built() -> None:
    assert set(EXPECTED_FUNCTIONS) <= set(available_contracts())


@pytest.mark.parametrize("name", sorted(EXPECTED_FUNCTIONS))
def test_abi_and_bytecode(name: str) -> None:
    contract = load_contract(name)
    assert isinstance(contract, Contract)
    assert contract.name == name
    assert EXPECTED_FUNCTIONS[name] <= contract.function_names()
    assert contract.bytecode and contract.deployed_bytecode
    # no immutables: the runtime code is embedded verbatim in the creation code
    assert contract.deployed_bytecode in contract.bytecode
    # the output file is exactly what build.js writes (2-space JSON + newline)
    path = SOLIDITY_BUILD_DIR / f"{name}.json"
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2) + "\n"


def test_abi_details() -> None:
    token = load_contract("QorToken")
    (ctor,) = [i for i in token.abi if i["type"] == "constructor"]
    assert [i["type"] for i in ctor["inputs"]] == ["uint256"]
    assert {e["name"] for e in token.abi if e["type"] == "event"} == {"Transfer", "Approval"}
    counter = load_contract("Counter")
    assert [i["type"] for i in counter.abi_item("CounterError", "error")["inputs"]] == ["uint256"]
    incremented = counter.abi_item("Incremented", "event")
    assert [(i["type"], i["indexed"]) for i in incremented["inputs"]] == [
        ("address", True),
        ("uint256", False),
    ]
    caller = load_contract("Caller")
    read = caller.abi_item("readPrecompile")
    assert read["stateMutability"] == "view"
    assert [o["type"] for o in caller.abi_item("tryCall")["outputs"]] == ["bool", "bytes"]


def _abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][len('tuple') :]}"
    return str(item["type"])


def test_icrossvm_interface() -> None:
    iface = load_contract("ICrossVM")
    assert iface.bytecode == b"" and iface.deployed_bytecode == b""
    found = {
        f"{i['name']}({','.join(_abi_type(x) for x in i['inputs'])})": (
            i["stateMutability"],
            ",".join(_abi_type(x) for x in i["outputs"]),
        )
        for i in iface.abi
        if i["type"] == "function"
    }
    assert found == ICROSSVM_FUNCTIONS
    assert "0x" + keccak(text="executeCrossVMCall(uint8,string,bytes)")[:4].hex() == "0x3c11078c"


def test_missing_contract_says_how_to_rebuild() -> None:
    with pytest.raises(ToolchainMissingError, match=r"npm ci && node native/solidity/build\.js"):
        load_contract("NoSuchContract")


@pytest.mark.parametrize(
    ("tool", "locate"), [("cast", cast_binary), ("anvil", anvil_binary)], ids=["cast", "anvil"]
)
def test_foundry_binary(tool: str, locate: Callable[[], Path]) -> None:
    """The npm-installed binary is the pinned version, or the error says to run `npm ci`."""
    try:
        path = locate()
    except ToolchainMissingError as exc:
        assert "npm ci" in str(exc)
        pytest.skip(f"{tool} not installed (npm ci not run)")
    package = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    pinned = package["devDependencies"][f"@foundry-rs/{tool}-linux-amd64"]
    out = subprocess.run(
        [path, "--version"], capture_output=True, text=True, check=True, timeout=60
    )
    assert f"{tool} Version: {pinned}" in out.stdout


# ---------------------------------------------------------------------------------------------
# A raw py-evm Prague chain
# ---------------------------------------------------------------------------------------------

PragueChain = MiningChain.configure(
    __name__="PragueTestChain", vm_configuration=((0, PragueVM),), chain_id=CHAIN_ID
)
GENESIS_PARAMS: dict[str, Any] = {
    "difficulty": 0,
    "gas_limit": 30_000_000,
    "timestamp": 1_700_000_000,
    "base_fee_per_gas": 1_000_000_000,
    "coinbase": b"\x00" * 20,
}


class Devnet:
    """A fresh Prague chain (py-evm, in memory) with one funded account signing type-2 txs."""

    def __init__(self) -> None:
        self.account = Account.from_key(DEV0_KEY)
        self.sender = to_canonical_address(self.account.address)
        genesis_state: dict[Any, Any] = {
            self.sender: {"balance": 10**24, "nonce": 0, "code": b"", "storage": {}},
        }
        self.chain: Any = PragueChain.from_genesis(AtomicDB(), GENESIS_PARAMS, genesis_state)

    def send(
        self, to: bytes | None, data: bytes, gas: int = 3_000_000, value: int = 0
    ) -> tuple[ReceiptAPI, ComputationAPI]:
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": CHAIN_ID,
            "nonce": self.chain.get_vm().state.get_nonce(self.sender),
            "value": value,
            "gas": gas,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 10**9,
            "data": data,
        }
        if to is not None:
            tx["to"] = to
        raw = bytes(self.account.sign_transaction(tx).raw_transaction)
        evm_tx = self.chain.get_vm().get_transaction_builder().decode(raw)
        _block, receipt, computation = self.chain.apply_transaction(evm_tx)
        return receipt, computation

    def deploy(self, contract: Contract, args: bytes = b"") -> bytes:
        _receipt, computation = self.send(None, contract.bytecode + args)
        assert computation.is_success, computation.error
        address = computation.msg.storage_address
        assert self.chain.get_vm().state.get_code(address) == contract.deployed_bytecode
        return address

    def call(self, to: bytes, data: bytes) -> bytes:
        """Run ``data`` against ``to`` in a transaction and return the output (must succeed)."""
        _receipt, computation = self.send(to, data)
        assert computation.is_success, (computation.error, computation.output)
        return computation.output


def test_prague_is_the_fork() -> None:
    assert Devnet().chain.get_vm().fork == "prague"


def test_qortoken_transfer_on_prague() -> None:
    net = Devnet()
    supply = 1_000_000 * 10**18
    token = net.deploy(load_contract("QorToken"), abi_encode(["uint256"], [supply]))

    def balance_of(who: bytes) -> int:
        out = net.call(token, calldata("balanceOf(address)", ["address"], [who]))
        return int(abi_decode(["uint256"], out)[0])

    assert abi_decode(["string"], net.call(token, calldata("symbol()")))[0] == "QTK"
    assert abi_decode(["uint8"], net.call(token, calldata("decimals()")))[0] == 18
    assert balance_of(net.sender) == supply

    receipt, computation = net.send(
        token, calldata("transfer(address,uint256)", ["address", "uint256"], [RECIPIENT, 123])
    )
    assert computation.is_success
    assert abi_decode(["bool"], computation.output) == (True,)
    (log,) = receipt.logs
    assert log.address == token
    assert log.topics[0] == int.from_bytes(keccak(text="Transfer(address,address,uint256)"), "big")
    assert log.topics[1] == int.from_bytes(net.sender, "big")
    assert log.topics[2] == int.from_bytes(RECIPIENT, "big")
    assert abi_decode(["uint256"], log.data) == (123,)
    assert balance_of(RECIPIENT) == 123
    assert balance_of(net.sender) == supply - 123

    # the recipient has nothing to spend on our behalf: insufficient allowance
    _r, computation = net.send(
        token,
        calldata(
            "transferFrom(address,address,uint256)",
            ["address", "address", "uint256"],
            [RECIPIENT, net.sender, 1],
        ),
    )
    assert computation.is_error
    assert computation.output == error_string("ERC20: insufficient allowance")
    _r, computation = net.send(
        token,
        calldata("transfer(address,uint256)", ["address", "uint256"], [RECIPIENT, supply]),
    )
    assert computation.output == error_string("ERC20: insufficient balance")


def test_counter_increment_and_failures_on_prague() -> None:
    net = Devnet()
    counter = net.deploy(load_contract("Counter"))

    def count() -> int:
        return int(abi_decode(["uint256"], net.call(counter, calldata("count()")))[0])

    receipt, computation = net.send(counter, calldata("increment()"))
    assert computation.is_success
    (log,) = receipt.logs
    assert log.topics == (
        int.from_bytes(keccak(text="Incremented(address,uint256)"), "big"),
        int.from_bytes(net.sender, "big"),
    )
    assert abi_decode(["uint256"], log.data) == (1,)
    net.call(counter, calldata("add(uint256)", ["uint256"], [41]))
    assert count() == 42

    _r, computation = net.send(counter, calldata("fail()"))
    assert computation.is_error
    assert computation.output == error_string("Counter: always fails")

    _r, computation = net.send(counter, calldata("failCustom()"))
    assert computation.is_error
    assert computation.output == calldata("CounterError(uint256)", ["uint256"], [42])

    receipt, computation = net.send(counter, calldata("setAndRevert(uint256)", ["uint256"], [7]))
    assert computation.is_error
    assert computation.output == error_string("Counter: set and revert")
    assert receipt.logs == ()
    assert count() == 42


def test_caller_frames_on_prague() -> None:
    net = Devnet()
    counter = net.deploy(load_contract("Counter"))
    caller = net.deploy(load_contract("Caller"))
    increment = calldata("increment()")
    fail_custom = calldata("failCustom()")

    def count() -> int:
        return int(abi_decode(["uint256"], net.call(counter, calldata("count()")))[0])

    def caller_call(signature: str, target: bytes, data: bytes) -> tuple[bool, bytes]:
        out = net.call(caller, calldata(signature, ["address", "bytes"], [target, data]))
        ok, ret = abi_decode(["bool", "bytes"], out)
        return ok, ret

    # plain call succeeds, the counter sees the Caller as msg.sender
    assert caller_call("doCall(address,bytes)", counter, increment) == (True, b"")
    assert count() == 1

    # tryCall: the inner revert is reported, the outer frame's write persists
    ok, ret = caller_call("tryCall(address,bytes)", counter, fail_custom)
    assert (ok, ret) == (False, calldata("CounterError(uint256)", ["uint256"], [42]))
    assert abi_decode(["uint256"], net.call(caller, calldata("tries()"))) == (1,)

    # callOrRevert bubbles the inner revert data verbatim
    _r, computation = net.send(
        caller,
        calldata("callOrRevert(address,bytes)", ["address", "bytes"], [counter, fail_custom]),
    )
    assert computation.is_error
    assert computation.output == calldata("CounterError(uint256)", ["uint256"], [42])

    # nested: tryCall(caller -> callThenRevert(counter.increment())): the increment is undone
    inner = calldata("callThenRevert(address,bytes)", ["address", "bytes"], [counter, increment])
    ok, ret = caller_call("tryCall(address,bytes)", caller, inner)
    assert (ok, ret) == (False, error_string("Caller: revert after call"))
    assert count() == 1

    # a staticcall that writes fails
    ok, _ret = caller_call("doStaticCall(address,bytes)", counter, increment)
    assert not ok
    assert count() == 1

    # delegatecall / callcode run Counter's code on the Caller's storage: slot 0 is `tries`
    for signature in ("doDelegateCall(address,bytes)", "doCallCode(address,bytes)"):
        before = abi_decode(["uint256"], net.call(caller, calldata("tries()")))[0]
        receipt, computation = net.send(
            caller, calldata(signature, ["address", "bytes"], [counter, increment])
        )
        assert abi_decode(["bool", "bytes"], computation.output) == (True, b"")
        assert [log.address for log in receipt.logs] == [caller]
        assert abi_decode(["uint256"], net.call(caller, calldata("tries()"))) == (before + 1,)
    assert count() == 1

    # readPrecompile reaches a precompile at a fixed address (SHA-256 at 0x02)
    out = net.call(
        caller,
        calldata(
            "readPrecompile(address,bytes)", ["address", "bytes"], [b"\x00" * 19 + b"\x02", b"abc"]
        ),
    )
    assert abi_decode(["bytes"], out) == (hashlib.sha256(b"abc").digest(),)

    # readPrecompile bubbles a failure's revert data
    _r, computation = net.send(
        caller,
        calldata("readPrecompile(address,bytes)", ["address", "bytes"], [counter, fail_custom]),
    )
    assert computation.is_error
    assert computation.output == calldata("CounterError(uint256)", ["uint256"], [42])


def test_crosstoken_json_on_prague() -> None:
    """CrossToken's cw20 messages (built in Solidity) are the exact JSON the cw20 expects."""
    net = Devnet()
    token = net.deploy(load_contract("CrossToken"))

    def out(signature: str, types: list[str], args: list[Any], kind: str) -> Any:
        return abi_decode([kind], net.call(token, calldata(signature, types, args)))[0]

    for value in (0, 7, 10, 1_000_000, 2**128 - 1, 2**256 - 1):
        assert out("toDecimal(uint256)", ["uint256"], [value], "string") == str(value)
    assert (
        out("transferMessage(string,uint256)", ["string", "uint256"], ["qor1bob", 100], "bytes")
        == b'{"transfer":{"recipient":"qor1bob","amount":"100"}}'
    )
    assert (
        out("balanceMessage(string)", ["string"], ["qor1bob"], "bytes")
        == b'{"balance":{"address":"qor1bob"}}'
    )
    counter = net.deploy(load_contract("CrossCounter"), abi_encode(["string"], ["qor1counter"]))
    assert abi_decode(["string"], net.call(counter, calldata("counter()"))) == ("qor1counter",)
    assert abi_decode(["bytes"], net.call(counter, calldata("INCREMENT()"))) == (
        b'{"increment":{}}',
    )
