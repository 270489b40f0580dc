"""Helpers for x/crossvm's synchronous path (the 0x901 precompile) over an in-process chain.

``World`` holds a ``Chain`` with a CosmWasm ``counter`` and a ``CrossCounter`` driving it, plus
an ``EthApi`` built on the same application (its ``eth_call`` / ``eth_estimateGas`` run inside
the application's sandbox, as the node runs them) for reading view functions and receipts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_hash.auto import keccak

from qorenode.addresses import to_bech32
from qorenode.interfaces import PendingTx, TxResult
from qorenode.keys import KeyPair, dev_key
from tests.unit.core.chainkit import Chain, calldata, selector
from tests.unit.cosmwasm.wasmkit import instantiate, query, store
from vms.evm.rpc import (
    LATEST,
    BlockOverrides,
    EthApi,
    parse_call,
    parse_log_filter,
)

DEV0, DEV1, DEV2 = dev_key(0), dev_key(1), dev_key(2)
CROSSVM = bytes(18) + b"\x09\x01"
EVENT_TOPIC = bytes(keccak(b"CosmWasmEvent(string,string,string[],string[])"))
ERROR_SELECTOR = selector("Error(string)")
INCREMENT = b'{"increment":{}}'
BAD_MESSAGE = b'{"decrement":{}}'
BASE_GAS = 50_000
INSTANCE_GAS = 60_000

# CrossCounter's storage layout (constants take no slot): counter 0, lastData 1, attempts 2,
# failures 3, lastOk 4, lastRevertData 5, lastReason 6
SLOT_ATTEMPTS, SLOT_FAILURES = 2, 3
# CrossDepth's
SLOT_HOPS = 0


def hx(data: bytes) -> str:
    return "0x" + data.hex()


def reason_of(revert_data: bytes) -> str:
    """The reason of ABI ``Error(string)`` revert data."""
    assert revert_data[:4] == ERROR_SELECTOR, revert_data.hex()
    (text,) = abi_decode(["string"], revert_data[4:])
    return str(text)


class StubNode:
    """NodeServices for the EthApi: the caller is the worker; nothing is submitted."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    async def run(self, fn: Any) -> Any:
        return fn()

    async def submit(self, tx: PendingTx) -> bytes:
        return self.submit_sync(tx)

    def submit_sync(self, tx: PendingTx) -> bytes:
        raise AssertionError("these tests send transactions through the Chain")

    def pending_nonce(self, address: bytes) -> int:
        return int(self.chain.evm.get_nonce(address))


def eth_api(chain: Chain) -> EthApi:
    return EthApi(StubNode(chain), chain.evm, client_version="test", sandbox=chain.app.sandbox)


class World:
    """A chain with a CosmWasm counter (count 0) and a CrossCounter pointing at it."""

    def __init__(self, path: Path) -> None:
        self.chain = Chain(path)
        self.codes: dict[str, int] = {}
        self.counter = instantiate(self.chain, self.code("counter"), {"count": 0})
        self.counter_text = to_bech32(self.counter)
        self.cc = self.chain.deploy(
            "CrossCounter", args=abi_encode(["string"], [self.counter_text])
        )
        self.eth = eth_api(self.chain)

    def close(self) -> None:
        self.chain.close()

    def restart(self) -> None:
        """Close and reopen the chain over the same database (a node restart)."""
        self.chain.restart()
        self.eth = eth_api(self.chain)

    def code(self, name: str) -> int:
        if name not in self.codes:
            self.codes[name] = store(self.chain, name)
        return self.codes[name]

    def contract(self, name: str, init: Any, **kwargs: Any) -> bytes:
        return instantiate(self.chain, self.code(name), init, **kwargs)

    # -- transactions -------------------------------------------------------------------------

    def tx(
        self,
        to: bytes,
        data: bytes,
        value: int = 0,
        gas: int = 2_000_000,
        key: KeyPair = DEV0,
    ) -> PendingTx:
        return self.chain.evm_tx(key, to, data, value=value, gas=gas)

    def send(
        self,
        to: bytes,
        data: bytes,
        value: int = 0,
        gas: int = 2_000_000,
        key: KeyPair = DEV0,
    ) -> tuple[TxResult, Any]:
        """One EVM transaction in its own block: its result and its index record."""
        pending = self.tx(to, data, value, gas, key)
        (result,) = self.chain.mine(pending).results
        record = self.chain.evm.index.tx(pending.tx_hash)
        assert record is not None
        return result, record

    def cc_send(self, signature: str, *args: Any, **kwargs: Any) -> tuple[TxResult, Any]:
        return self.send(self.cc, calldata(signature, *args), **kwargs)

    # -- reads ----------------------------------------------------------------------------------

    def count(self, counter: bytes | None = None) -> int:
        return int(query(self.chain, counter or self.counter, {"get_count": {}})["count"])

    def storage(self, address: bytes, slot: int) -> int:
        return self.chain.storage(address, slot)

    def balance(self, address: bytes) -> int:
        return int(self.chain.bank.balance(address))

    def call(self, to: bytes, data: bytes, sender: bytes = DEV0.address, **fields: Any) -> bytes:
        """eth_call at the latest block (raises CallReverted / CallHalted on failure)."""
        req = parse_call({"from": hx(sender), "to": hx(to), "data": hx(data), **fields})
        return self.eth.call_sync(req, LATEST, {}, BlockOverrides())

    def view(self, to: bytes, signature: str, types: Sequence[str], *args: Any) -> Any:
        out = abi_decode(list(types), self.call(to, calldata(signature, *args)))
        return out[0] if len(types) == 1 else out

    def estimate(self, to: bytes, data: bytes, sender: bytes = DEV0.address, **fields: Any) -> int:
        req = parse_call({"from": hx(sender), "to": hx(to), "data": hx(data), **fields})
        return self.eth.estimate_sync(req, LATEST)

    def logs(self, **criteria: Any) -> list[dict[str, Any]]:
        return list(self.eth.get_logs_sync(parse_log_filter({"fromBlock": "0x0", **criteria})))

    def cc_state(self) -> dict[str, Any]:
        """CrossCounter's recorded attempts, read through its getters."""
        return {
            "attempts": self.view(self.cc, "attempts()", ["uint256"]),
            "failures": self.view(self.cc, "failures()", ["uint256"]),
            "lastOk": self.view(self.cc, "lastOk()", ["bool"]),
            "lastReason": self.view(self.cc, "lastReason()", ["string"]),
            "lastRevertData": self.view(self.cc, "lastRevertData()", ["bytes"]),
            "lastData": self.view(self.cc, "lastData()", ["bytes"]),
        }


def fee(record: Any) -> int:
    """What an EVM transaction's sender paid in fees."""
    return int(record.gas_used) * int(record.effective_gas_price)


def cosmwasm_logs(record: Any) -> list[tuple[str, str, list[str], list[str]]]:
    """The 0x901 CosmWasmEvent logs of a transaction: (topic1 hex, contract, keys, values)."""
    out = []
    for log in record.logs:
        if bytes(log.address) != CROSSVM:
            continue
        assert bytes(log.topics[0]) == EVENT_TOPIC
        contract, keys, values = abi_decode(["string", "string[]", "string[]"], bytes(log.data))
        out.append((bytes(log.topics[1]).hex(), contract, list(keys), list(values)))
    return out


def type_topic(event_type: str) -> str:
    return bytes(keccak(event_type.encode())).hex()
