"""vms/evm/rpc.py: the Ethereum JSON-RPC handlers over a real composed application.

The handlers are registered on the real ``ApiRegistry`` with a minimal in-test ``NodeServices``
(``run`` calls the function directly; ``submit`` checks and collects; blocks are built by hand).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth.abc import ComputationAPI
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from qorenode.errors import ExecutionReverted, InvalidParams, UnknownAccount
from qorenode.interfaces import BlockNotice, PendingTx
from qorenode.keys import dev_key, dev_keys
from qorenode.rpc.jsonrpc import handle_request_body
from qorenode.rpc.registry import ApiRegistry
from tests.fixtures.contracts import load_contract
from tests.unit.core.chainkit import Chain, calldata, error_string, selector
from tests.unit.nodekit import ManualClock
from vms.evm.errors import (
    BlockRangeTooLarge,
    CallHalted,
    CallReverted,
    FilterNotFound,
    HeaderNotFound,
)
from vms.evm.rpc import register_eth_api

DEV0, DEV1, DEV2 = dev_key(0), dev_key(1), dev_key(2)
INCREMENTED = "0x" + keccak(b"Incremented(address,uint256)").hex()
TRANSFER = "0x" + keccak(b"Transfer(address,address,uint256)").hex()
SIDE_PRECOMPILE = bytes.fromhex("00000000000000000000000000000000000009ff")


def hx(data: bytes) -> str:
    return "0x" + data.hex()


def topic_of(address: bytes) -> str:
    return "0x" + address.rjust(32, b"\x00").hex()


class StubNode:
    """NodeServices for tests: the worker is the caller; the mempool is a list."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.pool: list[PendingTx] = []

    async def run(self, fn: Any) -> Any:
        return fn()

    async def submit(self, tx: PendingTx) -> bytes:
        return self.submit_sync(tx)

    def submit_sync(self, tx: PendingTx) -> bytes:
        self.chain.app.check_tx(tx)
        self.pool.append(tx)
        return tx.tx_hash

    def pending_nonce(self, address: bytes) -> int:
        return int(self.chain.evm.get_nonce(address)) + sum(
            1 for tx in self.pool if tx.sender == address
        )

    def mine(self) -> BlockNotice:
        txs, self.pool = self.pool, []
        return self.chain.mine(*txs)


class Rpc:
    def __init__(self, tmp_path: Path) -> None:
        self.chain = Chain(tmp_path / "data")
        self.node = StubNode(self.chain)
        self.registry = ApiRegistry()
        self.clock = ManualClock(1000.0)
        register_eth_api(
            self.registry,
            self.node,
            self.chain.evm,
            client_version="qorenode/test",
            sandbox=self.chain.app.sandbox,
            clock=self.clock,
        )

    async def __call__(self, method: str, *params: Any) -> Any:
        entry = self.registry.method(method)
        assert entry is not None, f"{method} is not registered"
        result = await entry.handler(*params)
        json.dumps(result)  # every result must be JSON
        return result

    async def send(self, sender: bytes = DEV0.address, **tx: Any) -> str:
        return str(await self("eth_sendTransaction", {"from": hx(sender), **tx}))

    async def send_and_mine(self, sender: bytes = DEV0.address, **tx: Any) -> dict[str, Any]:
        tx_hash = await self.send(sender, **tx)
        self.node.mine()
        receipt = await self("eth_getTransactionReceipt", tx_hash)
        assert receipt is not None
        return dict(receipt)

    async def deploy(self, name: str, args: bytes = b"") -> str:
        receipt = await self.send_and_mine(data=hx(load_contract(name).bytecode + args))
        assert receipt["status"] == "0x1"
        return str(receipt["contractAddress"])

    async def call(self, to: str, data: bytes, block: Any = "latest", **extra: Any) -> str:
        return str(await self("eth_call", {"to": to, "data": hx(data), **extra}, block))


@pytest.fixture
def rpc(tmp_path: Path) -> Iterator[Rpc]:
    harness = Rpc(tmp_path)
    try:
        yield harness
    finally:
        harness.chain.close()


def uint(result: str) -> int:
    return int(result, 16)


# -- chain and node info ------------------------------------------------------------------------


async def test_identity_methods(rpc: Rpc) -> None:
    assert await rpc("eth_chainId") == "0x7a69"
    assert await rpc("net_version") == "31337"
    assert await rpc("web3_clientVersion") == "qorenode/test"
    assert await rpc("eth_blockNumber") == "0x0"
    assert await rpc("eth_syncing") is False
    assert await rpc("web3_sha3", "0x68656c6c6f") == "0x" + keccak(b"hello").hex()
    accounts = await rpc("eth_accounts")
    assert accounts == ["0x" + k.address.hex() for k in dev_keys()]
    assert all(a == a.lower() for a in accounts)
    rpc.node.mine()
    assert await rpc("eth_blockNumber") == "0x1"


async def test_param_validation(rpc: Rpc) -> None:
    with pytest.raises(InvalidParams, match="20-byte"):
        await rpc("eth_getBalance", "0x1234")
    with pytest.raises(InvalidParams, match="block number"):
        await rpc("eth_getBalance", hx(DEV0.address), "newest")
    with pytest.raises(InvalidParams, match="block number or one of latest"):
        await rpc("eth_getBlockByNumber", "12", False)
    with pytest.raises(InvalidParams, match=r"data.*input"):
        await rpc("eth_call", {"to": hx(DEV1.address), "data": "0x01", "input": "0x02"})


async def test_unknown_blocks(rpc: Rpc) -> None:
    with pytest.raises(HeaderNotFound, match="header not found"):
        await rpc("eth_getBalance", hx(DEV0.address), "0x5")
    with pytest.raises(HeaderNotFound):
        await rpc("eth_call", {"to": hx(DEV1.address)}, {"blockHash": "0x" + "ab" * 32})
    assert await rpc("eth_getBlockByNumber", "0x5", False) is None
    assert await rpc("eth_getBlockByHash", "0x" + "ab" * 32, False) is None
    assert await rpc("eth_getTransactionByHash", "0x" + "ab" * 32) is None
    assert await rpc("eth_getTransactionReceipt", "0x" + "ab" * 32) is None


# -- accounts and transactions ------------------------------------------------------------------


async def test_balances_nonces_and_pending_count(rpc: Rpc) -> None:
    start = uint(await rpc("eth_getBalance", hx(DEV1.address), "latest"))
    assert start == 10_000 * 10**18
    await rpc.send(to=hx(DEV1.address), value=hex(5))
    # the mempool is counted only for "pending"
    assert await rpc("eth_getTransactionCount", hx(DEV0.address), "latest") == "0x0"
    assert await rpc("eth_getTransactionCount", hx(DEV0.address), "pending") == "0x1"
    # a second send picks the next nonce while the first still waits
    await rpc.send(to=hx(DEV1.address), value=hex(7))
    assert [tx.nonce for tx in rpc.node.pool] == [0, 1]
    rpc.node.mine()
    assert uint(await rpc("eth_getBalance", hx(DEV1.address))) == start + 12
    assert await rpc("eth_getTransactionCount", hx(DEV0.address)) == "0x2"
    # historical state at block 0, by number and by EIP-1898 object
    assert uint(await rpc("eth_getBalance", hx(DEV1.address), "0x0")) == start
    assert uint(await rpc("eth_getBalance", hx(DEV1.address), {"blockNumber": "0x0"})) == start
    assert await rpc("eth_getTransactionCount", hx(DEV0.address), "earliest") == "0x0"


async def test_send_transaction_unknown_sender(rpc: Rpc) -> None:
    stranger = "0x" + "42" * 20
    with pytest.raises(UnknownAccount, match="unknown account"):
        await rpc("eth_sendTransaction", {"from": stranger, "to": hx(DEV1.address)})
    assert rpc.node.pool == []


async def test_send_raw_transaction_and_transaction_json(rpc: Rpc) -> None:
    signed = Account.sign_transaction(
        {
            "type": 2,
            "chainId": 31337,
            "nonce": 0,
            "to": to_checksum_address(DEV1.address),
            "value": 12345,
            "gas": 21000,
            "maxFeePerGas": 3 * 10**9,
            "maxPriorityFeePerGas": 10**9,
        },
        DEV0.private_key,
    )
    tx_hash = await rpc("eth_sendRawTransaction", hx(bytes(signed.raw_transaction)))
    assert tx_hash == hx(bytes(signed.hash))
    notice = rpc.node.mine()
    tx = await rpc("eth_getTransactionByHash", tx_hash)
    base_fee = notice.extras["evm"]["header"].base_fee_per_gas
    assert tx["type"] == "0x2"
    assert tx["from"] == hx(DEV0.address)
    assert tx["to"] == hx(DEV1.address)
    assert tx["value"] == hex(12345)
    assert tx["maxFeePerGas"] == hex(3 * 10**9)
    assert tx["gasPrice"] == hex(base_fee + 10**9)  # the effective price once mined
    assert tx["blockNumber"] == "0x1"
    assert tx["blockHash"] == hx(notice.record.hash)
    assert tx["chainId"] == "0x7a69"
    assert uint(tx["r"]) == signed.r and uint(tx["s"]) == signed.s
    assert tx["yParity"] == hex(signed.v) and tx["accessList"] == []
    receipt = await rpc("eth_getTransactionReceipt", tx_hash)
    assert receipt["effectiveGasPrice"] == tx["gasPrice"]
    assert receipt["gasUsed"] == "0x5208" and receipt["status"] == "0x1"
    assert receipt["contractAddress"] is None
    # a refused transaction carries the evm module's coded error and reaches no mempool
    with pytest.raises(InvalidParams):
        await rpc("eth_sendRawTransaction", "zz")


async def test_legacy_send_transaction_shape(rpc: Rpc) -> None:
    receipt = await rpc.send_and_mine(to=hx(DEV1.address), value="0x1", gasPrice=hex(5 * 10**9))
    tx = await rpc("eth_getTransactionByHash", receipt["transactionHash"])
    assert tx["type"] == "0x0" and receipt["type"] == "0x0"
    assert tx["gasPrice"] == hex(5 * 10**9)
    assert uint(tx["v"]) in (31337 * 2 + 35, 31337 * 2 + 36)  # EIP-155
    assert receipt["effectiveGasPrice"] == hex(5 * 10**9)


# -- contracts, calls, estimates ---------------------------------------------------------------


async def test_deploy_call_and_historical_state(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    assert await rpc("eth_getCode", counter) == hx(load_contract("Counter").deployed_bytecode)
    assert uint(await rpc.call(counter, calldata("count()"))) == 0
    receipt = await rpc.send_and_mine(to=counter, data=hx(calldata("increment()")))
    assert receipt["status"] == "0x1"
    assert uint(await rpc.call(counter, calldata("count()"))) == 1
    assert uint(await rpc.call(counter, calldata("count()"), "0x1")) == 0  # before increment
    slot = await rpc("eth_getStorageAt", counter, "0x0")
    assert slot == "0x" + "00" * 31 + "01"
    assert await rpc("eth_getStorageAt", counter, "0x0", "0x1") == "0x" + "00" * 32
    # a call that writes keeps nothing
    await rpc.call(counter, calldata("increment()"))
    assert uint(await rpc.call(counter, calldata("count()"))) == 1


async def test_call_sees_block_context_and_sender(rpc: Rpc) -> None:
    rpc.node.mine()
    rpc.node.mine()
    # CALLER; NUMBER; GASPRICE -> returned as three words
    code = bytes.fromhex("33600052436020523a60405260606000f3")
    target = "0x" + "77" * 20
    out = await rpc(
        "eth_call",
        {"from": hx(DEV2.address), "to": target, "gasPrice": hex(7)},
        "0x1",
        {target: {"code": hx(code)}},
    )
    caller, number, price = abi_decode(["address", "uint256", "uint256"], bytes.fromhex(out[2:]))
    assert caller.lower() == hx(DEV2.address)
    assert number == 1  # the block the call names, not the head
    assert price == 7


async def test_call_revert_data_and_messages(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    with pytest.raises(CallReverted) as reverted:
        await rpc.call(counter, calldata("fail()"))
    assert reverted.value.message == "execution reverted: Counter: always fails"
    assert reverted.value.revert_data == error_string("Counter: always fails")
    assert isinstance(reverted.value, ExecutionReverted)
    with pytest.raises(CallReverted) as custom:
        await rpc.call(counter, calldata("failCustom()"))
    assert custom.value.revert_data == selector("CounterError(uint256)") + abi_encode(
        ["uint256"], [42]
    )
    # the JSON-RPC error object: code 3 and the revert data as hex, as geth and anvil answer
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_call",
            "params": [{"to": counter, "data": hx(calldata("fail()"))}, "latest"],
        }
    ).encode()
    response = await handle_request_body(body, rpc.registry)
    assert response is not None
    error = json.loads(response)["error"]
    assert error["code"] == 3
    assert error["message"] == "execution reverted: Counter: always fails"
    assert error["data"] == hx(error_string("Counter: always fails"))
    # estimateGas of a reverting transaction: the same error
    with pytest.raises(CallReverted) as estimated:
        await rpc("eth_estimateGas", {"to": counter, "data": hx(calldata("fail()"))})
    assert estimated.value.revert_data == error_string("Counter: always fails")


async def test_call_out_of_gas_is_a_halt(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    with pytest.raises(CallHalted, match="out of gas"):
        await rpc.call(counter, calldata("increment()"), gas=hex(30_000))


async def test_estimate_gas_is_the_smallest_limit_that_succeeds(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    tx = {"from": hx(DEV0.address), "to": counter, "data": hx(calldata("increment()"))}
    estimate = uint(await rpc("eth_estimateGas", tx))
    # below the estimate, the same transaction fails on chain; at it, it succeeds
    low = await rpc.send_and_mine(**tx, gas=hex(estimate - 1))
    assert low["status"] == "0x0"
    # (the failed transaction did not change count, so the estimate still holds)
    assert uint(await rpc("eth_estimateGas", tx)) == estimate
    ok = await rpc.send_and_mine(**tx, gas=hex(estimate))
    assert ok["status"] == "0x1"


async def test_estimate_gas_with_refunds(rpc: Rpc) -> None:
    token = await rpc.deploy("QorToken", abi_encode(["uint256"], [10**21]))
    spender = DEV1.address
    approve = await rpc.send_and_mine(
        to=token, data=hx(calldata("approve(address,uint256)", spender, 100))
    )
    assert approve["status"] == "0x1"
    # clearing the allowance refunds gas: the limit needed exceeds the gas finally used
    data = calldata("approve(address,uint256)", spender, 0)
    tx = {"from": hx(DEV0.address), "to": token, "data": hx(data)}
    estimate = uint(await rpc("eth_estimateGas", tx))
    ok = await rpc("eth_call", {**tx, "gas": hex(estimate)})
    assert abi_decode(["bool"], bytes.fromhex(ok[2:])) == (True,)
    receipt = await rpc.send_and_mine(**tx, gas=hex(estimate))
    assert receipt["status"] == "0x1"
    assert uint(receipt["gasUsed"]) < estimate  # the refund came back after execution


async def test_estimate_plain_transfer_and_funds_cap(rpc: Rpc) -> None:
    transfer = {"from": hx(DEV0.address), "to": hx(DEV1.address), "value": "0x1"}
    assert await rpc("eth_estimateGas", transfer) == hex(21000)
    poor = "0x" + "31" * 20
    with pytest.raises(Exception, match="insufficient funds"):
        await rpc("eth_estimateGas", {"from": poor, "to": hx(DEV1.address), "gasPrice": "0x1"})
    # with a state override the same sender can pay
    overrides = {poor: {"balance": hex(10**18)}}
    tx = {"from": poor, "to": hx(DEV1.address), "gasPrice": "0x1"}
    assert await rpc("eth_estimateGas", tx, "latest", overrides) == hex(21000)


async def test_state_overrides(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    count = calldata("count()")
    seven = "0x" + (7).to_bytes(32, "big").hex()
    assert (
        uint(
            await rpc(
                "eth_call",
                {"to": counter, "data": hx(count)},
                "latest",
                {counter: {"stateDiff": {"0x0": seven}}},
            )
        )
        == 7
    )
    # code and full state at an address that holds nothing
    elsewhere = "0x" + "99" * 20
    runtime = hx(load_contract("Counter").deployed_bytecode)
    slot0 = "0x" + "00" * 32
    over = {elsewhere: {"code": runtime, "state": {slot0: seven}}}
    assert uint(await rpc("eth_call", {"to": elsewhere, "data": hx(count)}, "latest", over)) == 7
    # a value the sender cannot pay is refused, unless its balance is overridden
    poor = "0x" + "32" * 20
    call = {"from": poor, "to": hx(DEV1.address), "value": hex(10**18)}
    with pytest.raises(Exception, match="insufficient funds"):
        await rpc("eth_call", call)
    assert await rpc("eth_call", call, "latest", {poor: {"balance": hex(2 * 10**18)}}) == "0x"
    # nothing of an override stays
    assert await rpc("eth_getCode", elsewhere) == "0x"
    assert uint(await rpc.call(counter, count)) == 0
    with pytest.raises(InvalidParams, match="both 'state' and 'stateDiff'"):
        await rpc("eth_call", {"to": counter}, "latest", {counter: {"state": {}, "stateDiff": {}}})


async def test_call_side_store_writes_are_sandboxed(rpc: Rpc) -> None:
    """A precompile writing to the application's state (as x/crossvm's does) keeps nothing."""
    state = rpc.chain.app.state

    def side_write(computation: ComputationAPI) -> ComputationAPI:
        state.set(b"test/side", b"written")
        return computation

    rpc.chain.evm.precompiles.register(SIDE_PRECOMPILE, side_write)
    await rpc("eth_call", {"to": hx(SIDE_PRECOMPILE), "data": "0x01"})
    await rpc("eth_estimateGas", {"to": hx(SIDE_PRECOMPILE), "data": "0x01"})
    assert state.get(b"test/side") is None


# -- receipts, blocks ---------------------------------------------------------------------------


async def test_receipts_in_one_block(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    h1 = await rpc.send(to=counter, data=hx(calldata("increment()")))
    h2 = await rpc.send(DEV1.address, to=counter, data=hx(calldata("add(uint256)", 5)))
    notice = rpc.node.mine()
    r1 = await rpc("eth_getTransactionReceipt", h1)
    r2 = await rpc("eth_getTransactionReceipt", h2)
    assert (r1["transactionIndex"], r2["transactionIndex"]) == ("0x0", "0x1")
    assert uint(r1["cumulativeGasUsed"]) == uint(r1["gasUsed"])
    assert uint(r2["cumulativeGasUsed"]) == uint(r1["gasUsed"]) + uint(r2["gasUsed"])
    header = notice.extras["evm"]["header"]
    assert uint(r2["cumulativeGasUsed"]) == header.gas_used
    assert r1["blockHash"] == r2["blockHash"] == hx(notice.record.hash)
    assert r2["from"] == hx(DEV1.address) and r2["to"] == counter
    [log1], [log2] = r1["logs"], r2["logs"]
    assert (log1["logIndex"], log2["logIndex"]) == ("0x0", "0x1")
    assert log2["transactionIndex"] == "0x1" and log2["transactionHash"] == h2
    assert log2["topics"] == [INCREMENTED, topic_of(DEV1.address)]
    assert abi_decode(["uint256"], bytes.fromhex(log2["data"][2:])) == (6,)
    assert log2["removed"] is False and log2["blockNumber"] == "0x2"
    # the receipt's bloom holds its log's address and topics; the header's holds both
    from eth_bloom import BloomFilter

    bloom = BloomFilter(int(r2["logsBloom"], 16))
    assert bytes.fromhex(counter[2:]) in bloom
    assert DEV1.address.rjust(32, b"\x00") in bloom
    assert DEV2.address.rjust(32, b"\x00") not in bloom
    assert await rpc("eth_getBlockReceipts", "0x2") == [r1, r2]


async def test_block_json(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    tx_hash = await rpc.send(to=counter, data=hx(calldata("increment()")))
    notice = rpc.node.mine()
    block = await rpc("eth_getBlockByNumber", "latest", False)
    header = notice.extras["evm"]["header"]
    assert block["hash"] == hx(notice.record.hash) == hx(header.hash)
    assert block["number"] == "0x2"
    assert block["transactions"] == [tx_hash]
    for key in (
        "baseFeePerGas",
        "withdrawalsRoot",
        "blobGasUsed",
        "excessBlobGas",
        "parentBeaconBlockRoot",
        "requestsHash",
        "mixHash",
        "nonce",
        "size",
        "stateRoot",
        "receiptsRoot",
        "transactionsRoot",
        "logsBloom",
        "sha3Uncles",
        "miner",
        "extraData",
    ):
        assert key in block, key
    assert block["totalDifficulty"] == "0x0"
    assert block["uncles"] == [] and block["withdrawals"] == []
    assert block["nonce"] == "0x0000000000000000"
    assert block["difficulty"] == "0x0"
    assert block["baseFeePerGas"] == hex(header.base_fee_per_gas)
    assert block["timestamp"] == hex(notice.record.timestamp)
    assert len(block["logsBloom"]) == 2 + 512
    assert block["parentHash"] == (await rpc("eth_getBlockByNumber", "0x1", False))["hash"]
    # size is the RLP block's: the header alone is smaller
    import rlp

    assert uint(block["size"]) > len(rlp.encode(header))
    # the same block by hash, by EIP-1898 and with full transactions
    assert await rpc("eth_getBlockByHash", block["hash"], False) == block
    assert await rpc("eth_getBlockByNumber", "pending", False) == block
    full = await rpc("eth_getBlockByNumber", "0x2", True)
    assert full["transactions"] == [await rpc("eth_getTransactionByHash", tx_hash)]
    assert await rpc("eth_getBlockTransactionCountByNumber", "0x2") == "0x1"
    assert await rpc("eth_getBlockTransactionCountByHash", block["hash"]) == "0x1"
    assert (
        await rpc("eth_getTransactionByBlockNumberAndIndex", "0x2", "0x0")
        == full["transactions"][0]
    )
    assert (
        await rpc("eth_getTransactionByBlockHashAndIndex", block["hash"], "0x0")
        == full["transactions"][0]
    )
    assert await rpc("eth_getTransactionByBlockNumberAndIndex", "0x2", "0x1") is None
    assert (await rpc("eth_getBlockByNumber", "earliest", False))["number"] == "0x0"
    assert await rpc("eth_getUncleCountByBlockNumber", "0x2") == "0x0"


async def test_fees(rpc: Rpc) -> None:
    for _ in range(3):
        await rpc.send(to=hx(DEV1.address), value="0x1", maxPriorityFeePerGas=hex(2 * 10**9))
        await rpc.send(to=hx(DEV2.address), value="0x1", maxPriorityFeePerGas=hex(10**9))
        rpc.node.mine()
    head = rpc.chain.evm.head
    next_base = rpc.chain.evm.next_base_fee()
    assert await rpc("eth_gasPrice") == hex(next_base + 10**9)
    assert await rpc("eth_maxPriorityFeePerGas") == hex(10**9)
    history = await rpc("eth_feeHistory", "0x2", "latest", [10, 90])
    assert history["oldestBlock"] == "0x2"
    assert len(history["baseFeePerGas"]) == 3 and len(history["gasUsedRatio"]) == 2
    assert len(history["baseFeePerBlobGas"]) == 3 and len(history["blobGasUsedRatio"]) == 2
    assert history["baseFeePerGas"][1] == hex(head.base_fee_per_gas)
    assert history["baseFeePerGas"][-1] == hex(next_base)
    assert history["gasUsedRatio"][1] == pytest.approx(42000 / head.gas_limit)
    # two transactions of equal gas: the 10th percentile pays 1 gwei, the 90th 2 gwei
    assert history["reward"] == [[hex(10**9), hex(2 * 10**9)]] * 2
    # more blocks than exist: from genesis; no percentiles, no reward
    everything = await rpc("eth_feeHistory", 100, "latest")
    assert everything["oldestBlock"] == "0x0" and len(everything["gasUsedRatio"]) == 4
    assert "reward" not in everything
    with pytest.raises(InvalidParams, match="increasing"):
        await rpc("eth_feeHistory", "0x1", "latest", [50, 10])


# -- logs and filters ---------------------------------------------------------------------------


async def test_get_logs_filters(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")  # block 1
    other = await rpc.deploy("Counter")  # block 2
    await rpc.send_and_mine(to=counter, data=hx(calldata("increment()")))  # block 3, dev0
    for key, target in ((DEV1, counter), (DEV2, other)):  # block 4
        await rpc.send(key.address, to=target, data=hx(calldata("increment()")))
    rpc.node.mine()
    everything = await rpc("eth_getLogs", {"fromBlock": "earliest", "toBlock": "latest"})
    assert len(everything) == 3
    by_address = await rpc("eth_getLogs", {"fromBlock": "0x0", "address": counter})
    assert [log["blockNumber"] for log in by_address] == ["0x3", "0x4"]
    both = await rpc("eth_getLogs", {"fromBlock": "0x0", "address": [counter, other]})
    assert len(both) == 3
    dev1 = await rpc("eth_getLogs", {"fromBlock": "0x0", "topics": [None, topic_of(DEV1.address)]})
    assert [log["topics"][1] for log in dev1] == [topic_of(DEV1.address)]
    either = await rpc(
        "eth_getLogs",
        {
            "fromBlock": "0x0",
            "topics": [INCREMENTED, [topic_of(DEV1.address), topic_of(DEV2.address)]],
        },
    )
    assert len(either) == 2 and {log["address"] for log in either} == {counter, other}
    assert await rpc("eth_getLogs", {"fromBlock": "0x0", "topics": [TRANSFER]}) == []
    # a fifth topic position can never match a log with two topics
    assert (
        await rpc(
            "eth_getLogs", {"fromBlock": "0x0", "topics": [INCREMENTED, None, "0x" + "00" * 32]}
        )
        == []
    )
    block4 = await rpc("eth_getBlockByNumber", "0x4", False)
    in_block = await rpc("eth_getLogs", {"blockHash": block4["hash"]})
    assert len(in_block) == 2 and {log["logIndex"] for log in in_block} == {"0x0", "0x1"}
    assert await rpc("eth_getLogs", {"fromBlock": "0x3", "toBlock": "0x3"}) == by_address[:1]
    assert (
        by_address[0]["blockTimestamp"]
        == (await rpc("eth_getBlockByNumber", "0x3", False))["timestamp"]
    )
    with pytest.raises(InvalidParams, match="fromBlock 4 is after toBlock 3"):
        await rpc("eth_getLogs", {"fromBlock": "0x4", "toBlock": "0x3"})
    with pytest.raises(InvalidParams, match="blockHash cannot be combined"):
        await rpc("eth_getLogs", {"blockHash": block4["hash"], "fromBlock": "0x1"})
    with pytest.raises(HeaderNotFound):
        await rpc("eth_getLogs", {"blockHash": "0x" + "12" * 32})


async def test_get_logs_range_cap(rpc: Rpc, monkeypatch: pytest.MonkeyPatch) -> None:
    import vms.evm.rpc as eth_rpc

    monkeypatch.setattr(eth_rpc, "MAX_LOG_BLOCK_RANGE", 3)
    for _ in range(4):
        rpc.node.mine()
    assert await rpc("eth_getLogs", {"fromBlock": "0x2", "toBlock": "0x4"}) == []
    with pytest.raises(BlockRangeTooLarge, match="4 blocks"):
        await rpc("eth_getLogs", {"fromBlock": "0x1", "toBlock": "latest"})
    # beyond the head is clamped, not counted
    assert await rpc("eth_getLogs", {"fromBlock": "0x2", "toBlock": "0x100"}) == []


async def test_filters(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    log_filter = await rpc("eth_newFilter", {"address": counter, "topics": [INCREMENTED]})
    block_filter = await rpc("eth_newBlockFilter")
    pending_filter = await rpc("eth_newPendingTransactionFilter")
    assert await rpc("eth_getFilterChanges", log_filter) == []
    assert await rpc("eth_getFilterChanges", block_filter) == []
    await rpc.send_and_mine(to=counter, data=hx(calldata("increment()")))
    await rpc.send_and_mine(to=counter, data=hx(calldata("add(uint256)", 2)))
    changes = await rpc("eth_getFilterChanges", log_filter)
    assert [log["blockNumber"] for log in changes] == ["0x2", "0x3"]
    assert await rpc("eth_getFilterChanges", log_filter) == []  # reported once
    hashes = await rpc("eth_getFilterChanges", block_filter)
    assert hashes == [(await rpc("eth_getBlockByNumber", n, False))["hash"] for n in ("0x2", "0x3")]
    assert await rpc("eth_getFilterChanges", pending_filter) == []
    # getFilterLogs answers the whole query again (fromBlock defaults to latest)
    assert await rpc("eth_getFilterLogs", log_filter) == changes[1:]
    assert await rpc("eth_uninstallFilter", log_filter) is True
    assert await rpc("eth_uninstallFilter", log_filter) is False
    with pytest.raises(FilterNotFound):
        await rpc("eth_getFilterChanges", log_filter)
    # a filter not polled for 5 minutes expires; one polled stays
    rpc.clock.now += 200
    assert await rpc("eth_getFilterChanges", pending_filter) == []
    rpc.clock.now += 200
    assert await rpc("eth_getFilterChanges", pending_filter) == []
    with pytest.raises(FilterNotFound, match="filter not found"):
        await rpc("eth_getFilterChanges", block_filter)


# -- subscriptions ------------------------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, result: Any) -> None:
        json.dumps(result)
        self.sent.append(result)


async def test_subscriptions(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    heads_factory = rpc.registry.subscription_factory("eth", "newHeads")
    logs_factory = rpc.registry.subscription_factory("eth", "logs")
    assert heads_factory is not None and logs_factory is not None
    heads, dev1_logs, all_logs = Sink(), Sink(), Sink()
    heads_sub = await heads_factory([], heads)
    dev1_sub = await logs_factory(
        [{"address": counter, "topics": [INCREMENTED, topic_of(DEV1.address)]}], dev1_logs
    )
    all_sub = await logs_factory([], all_logs)
    for key in (DEV0, DEV1):
        await rpc.send(key.address, to=counter, data=hx(calldata("increment()")))
    notice = rpc.node.mine()
    for sub in (heads_sub, dev1_sub, all_sub):
        await sub.on_block(notice)
    [head] = heads.sent
    block = await rpc("eth_getBlockByNumber", "latest", False)
    assert "transactions" not in head and "size" not in head  # a header, as geth sends
    assert head == {k: v for k, v in block.items() if k in head}
    assert head["hash"] == hx(notice.record.hash) and head["number"] == "0x2"
    assert {"baseFeePerGas", "stateRoot", "parentHash", "requestsHash"} <= set(head)
    assert [log["topics"][1] for log in dev1_logs.sent] == [topic_of(DEV1.address)]
    receipts = await rpc("eth_getBlockReceipts", "latest")
    assert all_logs.sent == [log for r in receipts for log in r["logs"]]
    with pytest.raises(InvalidParams):
        await logs_factory([{"topics": "nope"}], Sink())


async def test_pending_transaction_lookup(rpc: Rpc) -> None:
    tx_hash = await rpc.send(to=hx(DEV1.address), value="0x5")
    pending = await rpc("eth_getTransactionByHash", tx_hash)
    assert pending["hash"] == tx_hash and pending["from"] == hx(DEV0.address)
    assert pending["blockNumber"] is None and pending["blockHash"] is None
    assert pending["transactionIndex"] is None
    assert pending["gasPrice"] == pending["maxFeePerGas"]
    assert await rpc("eth_getTransactionReceipt", tx_hash) is None
    rpc.node.mine()
    mined = await rpc("eth_getTransactionByHash", tx_hash)
    assert mined["blockNumber"] == "0x1" and mined["transactionIndex"] == "0x0"
    assert {
        k: v
        for k, v in mined.items()
        if k not in ("blockHash", "blockNumber", "transactionIndex", "gasPrice")
    } == {
        k: v
        for k, v in pending.items()
        if k not in ("blockHash", "blockNumber", "transactionIndex", "gasPrice")
    }


async def test_access_list_estimate_and_send(rpc: Rpc) -> None:
    counter = await rpc.deploy("Counter")
    access = [{"address": counter, "storageKeys": ["0x" + "00" * 32]}]
    tx = {"to": counter, "data": hx(calldata("increment()")), "accessList": access}
    with_list = uint(await rpc("eth_estimateGas", {"from": hx(DEV0.address), **tx}))
    without = uint(
        await rpc("eth_estimateGas", {"from": hx(DEV0.address), **{**tx, "accessList": None}})
    )
    assert with_list != without  # the list is priced (intrinsic) and warms the slot
    low = await rpc.send_and_mine(**tx, gas=hex(with_list - 1))
    assert low["status"] == "0x0"
    ok = await rpc.send_and_mine(**tx, gas=hex(with_list))
    assert ok["status"] == "0x1" and ok["type"] == "0x2"
    sent = await rpc("eth_getTransactionByHash", ok["transactionHash"])
    assert sent["accessList"] == [{"address": counter, "storageKeys": ["0x" + "00" * 32]}]


async def test_call_block_overrides(rpc: Rpc) -> None:
    code = bytes.fromhex("436000524260205260406000f3")  # NUMBER, TIMESTAMP
    target = "0x" + "78" * 20
    out = await rpc(
        "eth_call",
        {"to": target},
        "latest",
        {target: {"code": hx(code)}},
        {"number": "0x64", "time": "0x1234"},
    )
    assert abi_decode(["uint256", "uint256"], bytes.fromhex(out[2:])) == (100, 0x1234)
