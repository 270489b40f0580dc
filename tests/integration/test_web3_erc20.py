"""web3.py against a real node over HTTP: an ERC20 (QorToken) from deployment to logs and filters.

Blocks are mined by hand (``devnet.mine()``), so every assertion sees a known height.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from qorenode.testing import Devnet
from tests.fixtures.contracts import load_contract
from tests.integration._support import (
    CHAIN_ID,
    DEV0,
    DEV1,
    DEV2,
    GWEI,
    TOKEN_SUPPLY,
    TRANSFER_TOPIC,
    post,
)

REVERT_REASON = "ERC20: insufficient balance"


@pytest.fixture
def w3(devnet: Devnet) -> Web3:
    return Web3(Web3.HTTPProvider(devnet.eth_url, request_kwargs={"timeout": 30}))


def _topic_address(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


def _send_signed(w3: Web3, tx: dict[str, Any], key: bytes = DEV0.private_key) -> bytes:
    signed = Account.sign_transaction(tx, key)
    return bytes(w3.eth.send_raw_transaction(signed.raw_transaction))


def _mined_receipt(w3: Web3, devnet: Devnet, tx_hash: bytes) -> Any:
    devnet.mine()
    return w3.eth.get_transaction_receipt(tx_hash)


def _deploy_signed(w3: Web3, devnet: Devnet) -> Contract:
    """Deploy QorToken with a locally signed type-2 transaction."""
    artifact = load_contract("QorToken")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = factory.constructor(TOKEN_SUPPLY).build_transaction(
        {
            "from": DEV0.hex_address,
            "nonce": w3.eth.get_transaction_count(DEV0.hex_address),
            "chainId": CHAIN_ID,
            "maxFeePerGas": 10 * GWEI,
            "maxPriorityFeePerGas": GWEI,
        }
    )
    assert "maxFeePerGas" in tx and "gasPrice" not in tx  # a type-2 (EIP-1559) transaction
    assert tx["gas"] > 21_000
    tx_hash = _send_signed(w3, tx)
    receipt = _mined_receipt(w3, devnet, tx_hash)
    assert receipt["status"] == 1
    assert receipt["type"] == 2
    assert receipt["from"] == DEV0.hex_address
    assert receipt["to"] is None
    address = receipt["contractAddress"]
    assert address is not None
    assert w3.eth.get_code(address) == load_contract("QorToken").deployed_bytecode
    return w3.eth.contract(address=address, abi=artifact.abi)


def test_deploy_with_signed_type2_and_transfer(w3: Web3, devnet: Devnet) -> None:
    assert w3.eth.chain_id == CHAIN_ID
    token = _deploy_signed(w3, devnet)
    assert token.functions.totalSupply().call() == TOKEN_SUPPLY
    assert token.functions.symbol().call() == "QTK"
    assert token.functions.decimals().call() == 18
    assert token.functions.balanceOf(DEV0.hex_address).call() == TOKEN_SUPPLY

    nonce = w3.eth.get_transaction_count(DEV0.hex_address)
    tx = token.functions.transfer(DEV1.hex_address, 1234).build_transaction(
        {"from": DEV0.hex_address, "nonce": nonce, "chainId": CHAIN_ID}
    )
    tx_hash = _send_signed(w3, tx)
    # Pending: the nonce counts it, the chain does not have it yet.
    assert w3.eth.get_transaction_count(DEV0.hex_address, "pending") == nonce + 1
    assert w3.eth.get_transaction_count(DEV0.hex_address) == nonce
    receipt = _mined_receipt(w3, devnet, tx_hash)
    assert receipt["status"] == 1
    assert receipt["to"] == token.address
    assert w3.eth.get_transaction_count(DEV0.hex_address) == nonce + 1

    assert token.functions.balanceOf(DEV1.hex_address).call() == 1234
    assert token.functions.balanceOf(DEV0.hex_address).call() == TOKEN_SUPPLY - 1234
    # Historical reads: before the transfer's block dev1 had nothing.
    before = receipt["blockNumber"] - 1
    assert token.functions.balanceOf(DEV1.hex_address).call(block_identifier=before) == 0

    (log,) = receipt["logs"]
    assert log["address"] == token.address
    assert log["topics"][0].to_0x_hex() == TRANSFER_TOPIC
    (event,) = token.events.Transfer().process_receipt(receipt)
    assert event["args"] == {"from": DEV0.hex_address, "to": DEV1.hex_address, "value": 1234}
    assert event["transactionHash"] == receipt["transactionHash"]
    assert event["blockHash"] == receipt["blockHash"]


def test_deploy_and_transfer_with_eth_send_transaction(w3: Web3, devnet: Devnet) -> None:
    artifact = load_contract("QorToken")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx_hash = factory.constructor(TOKEN_SUPPLY).transact({"from": DEV0.hex_address})
    receipt = _mined_receipt(w3, devnet, tx_hash)
    assert receipt["status"] == 1
    token = w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)

    tx_hash = token.functions.transfer(DEV1.hex_address, 10**18).transact(
        {"from": DEV0.hex_address}
    )
    transaction = w3.eth.get_transaction(tx_hash)  # pending: no block yet
    assert transaction["from"] == DEV0.hex_address
    assert transaction["blockNumber"] is None
    receipt = _mined_receipt(w3, devnet, tx_hash)
    assert receipt["status"] == 1
    transaction = w3.eth.get_transaction(tx_hash)
    assert transaction["blockNumber"] == receipt["blockNumber"]
    assert transaction["blockHash"] == receipt["blockHash"]
    assert transaction["transactionIndex"] == 0
    assert transaction["nonce"] == 1

    assert token.functions.balanceOf(DEV1.hex_address).call() == 10**18
    assert token.functions.balanceOf(DEV0.hex_address).call() == TOKEN_SUPPLY - 10**18


def test_transfer_events_by_get_logs(w3: Web3, devnet: Devnet) -> None:
    token = _deploy_signed(w3, devnet)
    deploy_block = w3.eth.block_number
    hashes = []
    for to, amount in ((DEV1, 5), (DEV2, 7), (DEV1, 11)):
        hashes.append(
            token.functions.transfer(to.hex_address, amount).transact({"from": DEV0.hex_address})
        )
        devnet.mine()
    last = w3.eth.block_number
    assert last == deploy_block + 3

    # eth_getLogs: address + event topic.
    logs = w3.eth.get_logs(
        {
            "fromBlock": deploy_block,
            "toBlock": last,
            "address": token.address,
            "topics": [TRANSFER_TOPIC],
        }
    )
    assert len(logs) == 4  # the mint in the constructor, then three transfers
    assert [log["blockNumber"] for log in logs] == list(range(deploy_block, last + 1))
    assert [log["transactionHash"] for log in logs[1:]] == hashes
    assert all(log["removed"] is False for log in logs)

    # Topic filter on the indexed "to": only dev1's two transfers.
    to_dev1 = w3.eth.get_logs(
        {
            "fromBlock": 0,
            "toBlock": "latest",
            "address": token.address,
            "topics": [TRANSFER_TOPIC, None, _topic_address(DEV1.hex_address)],
        }
    )
    assert [log["transactionHash"] for log in to_dev1] == [hashes[0], hashes[2]]

    # OR in a topic position: dev1 or dev2.
    either = w3.eth.get_logs(
        {
            "fromBlock": 0,
            "address": [token.address],
            "topics": [
                TRANSFER_TOPIC,
                None,
                [_topic_address(DEV1.hex_address), _topic_address(DEV2.hex_address)],
            ],
        }
    )
    assert [log["transactionHash"] for log in either] == hashes

    # A different address sees nothing; so does a block range without transfers.
    assert w3.eth.get_logs({"fromBlock": 0, "address": DEV2.hex_address}) == []
    assert w3.eth.get_logs({"fromBlock": 0, "toBlock": deploy_block - 1}) == []

    # By block hash.
    receipt = w3.eth.get_transaction_receipt(hashes[1])
    by_hash = w3.eth.get_logs({"blockHash": receipt["blockHash"]})
    assert [log["transactionHash"] for log in by_hash] == [hashes[1]]
    assert by_hash[0]["logIndex"] == receipt["logs"][0]["logIndex"]

    # contract.events.Transfer.get_logs with argument filters.
    events = token.events.Transfer.get_logs(from_block=deploy_block)
    assert [(e["args"]["from"], e["args"]["to"], e["args"]["value"]) for e in events] == [
        ("0x" + "00" * 20, DEV0.hex_address, TOKEN_SUPPLY),
        (DEV0.hex_address, DEV1.hex_address, 5),
        (DEV0.hex_address, DEV2.hex_address, 7),
        (DEV0.hex_address, DEV1.hex_address, 11),
    ]
    to_dev2 = token.events.Transfer.get_logs(
        argument_filters={"to": DEV2.hex_address}, from_block=0
    )
    assert [e["args"]["value"] for e in to_dev2] == [7]


def test_reverted_transfer(w3: Web3, devnet: Devnet) -> None:
    token = _deploy_signed(w3, devnet)
    too_much = TOKEN_SUPPLY + 1
    transfer = token.functions.transfer(DEV1.hex_address, too_much)

    # eth_call and eth_estimateGas: web3 raises ContractLogicError with the decoded reason.
    with pytest.raises(ContractLogicError) as call_error:
        transfer.call({"from": DEV0.hex_address})
    assert REVERT_REASON in str(call_error.value)
    assert call_error.value.data is not None and str(call_error.value.data).startswith("0x08c379a0")
    with pytest.raises(ContractLogicError) as estimate_error:
        transfer.estimate_gas({"from": DEV0.hex_address})
    assert REVERT_REASON in str(estimate_error.value)

    # Sent anyway (fixed gas): mined with status 0, no logs, nonce used, balances unchanged.
    nonce = w3.eth.get_transaction_count(DEV0.hex_address)
    tx = transfer.build_transaction(
        {
            "from": DEV0.hex_address,
            "nonce": nonce,
            "gas": 100_000,
            "chainId": CHAIN_ID,
            "maxFeePerGas": 10 * GWEI,
            "maxPriorityFeePerGas": GWEI,
        }
    )
    tx_hash = _send_signed(w3, tx)
    receipt = _mined_receipt(w3, devnet, tx_hash)
    assert receipt["status"] == 0
    assert receipt["logs"] == []
    assert 21_000 < receipt["gasUsed"] < 100_000
    assert w3.eth.get_transaction_count(DEV0.hex_address) == nonce + 1
    assert token.functions.balanceOf(DEV0.hex_address).call() == TOKEN_SUPPLY
    assert token.functions.balanceOf(DEV1.hex_address).call() == 0

    # Through eth_sendTransaction with an explicit gas limit: the same.
    tx_hash = transfer.transact({"from": DEV0.hex_address, "gas": 100_000})
    receipt = _mined_receipt(w3, devnet, tx_hash)
    assert receipt["status"] == 0

    # eth_sendTransaction without gas estimates it, which reverts: the error says why.
    with pytest.raises(ContractLogicError) as send_error:
        transfer.transact({"from": DEV0.hex_address})
    assert REVERT_REASON in str(send_error.value)


def test_get_block_with_full_transactions(w3: Web3, devnet: Devnet) -> None:
    token = _deploy_signed(w3, devnet)
    nonce = w3.eth.get_transaction_count(DEV0.hex_address)
    hashes = []
    for i in range(3):
        tx = token.functions.transfer(DEV1.hex_address, i + 1).build_transaction(
            {
                "from": DEV0.hex_address,
                "nonce": nonce + i,
                "chainId": CHAIN_ID,
                "gas": 80_000,
                "maxFeePerGas": 10 * GWEI,
                "maxPriorityFeePerGas": GWEI,
            }
        )
        hashes.append(_send_signed(w3, tx))
    (notice,) = devnet.mine()
    number = w3.eth.block_number
    assert number == notice.record.height

    block = w3.eth.get_block(number, full_transactions=True)
    assert block["number"] == number
    assert block["hash"] == bytes(notice.record.hash)
    assert block["parentHash"] == w3.eth.get_block(number - 1)["hash"]
    assert block["gasLimit"] == 30_000_000
    assert block["baseFeePerGas"] > 0
    txs = block["transactions"]
    assert [bytes(tx["hash"]) for tx in txs] == hashes
    for i, tx in enumerate(txs):
        assert tx["from"] == DEV0.hex_address
        assert tx["to"] == token.address
        assert tx["nonce"] == nonce + i
        assert tx["blockNumber"] == number
        assert tx["blockHash"] == block["hash"]
        assert tx["transactionIndex"] == i
        assert tx["type"] == 2
        assert tx["gas"] == 80_000
        assert tx["chainId"] == CHAIN_ID
        assert bytes(tx["input"])[:4] == bytes.fromhex("a9059cbb")
    assert sum(w3.eth.get_transaction_receipt(h)["gasUsed"] for h in hashes) == block["gasUsed"]

    by_hash = w3.eth.get_block(block["hash"])
    assert [bytes(h) for h in by_hash["transactions"]] == hashes
    assert w3.eth.get_block_transaction_count(number) == 3
    assert w3.eth.get_transaction_by_block(number, 1)["hash"] == txs[1]["hash"]


def test_filters_see_new_logs_and_blocks(w3: Web3, devnet: Devnet) -> None:
    token = _deploy_signed(w3, devnet)
    log_filter = w3.eth.filter({"address": token.address, "topics": [TRANSFER_TOPIC]})
    block_filter = w3.eth.filter("latest")
    assert log_filter.get_new_entries() == []
    assert block_filter.get_new_entries() == []

    tx_hash = token.functions.transfer(DEV1.hex_address, 42).transact({"from": DEV0.hex_address})
    (notice,) = devnet.mine()

    (entry,) = log_filter.get_new_entries()
    assert entry["transactionHash"] == tx_hash
    assert entry["address"] == token.address
    assert entry["blockNumber"] == notice.record.height
    assert log_filter.get_new_entries() == []  # each change is reported once
    assert [bytes(h) for h in block_filter.get_new_entries()] == [bytes(notice.record.hash)]

    # eth_getFilterLogs returns everything the filter matches, not only the changes.
    assert [e["transactionHash"] for e in log_filter.get_all_entries()] == [tx_hash]

    # An empty block: no log changes, one block change.
    (empty,) = devnet.mine()
    assert log_filter.get_new_entries() == []
    assert [bytes(h) for h in block_filter.get_new_entries()] == [bytes(empty.record.hash)]

    assert w3.eth.uninstall_filter(log_filter.filter_id) is True
    assert w3.eth.uninstall_filter(log_filter.filter_id) is False


def test_legacy_and_eip2930_transactions_accepted(w3: Web3, devnet: Devnet) -> None:
    token = _deploy_signed(w3, devnet)
    nonce = w3.eth.get_transaction_count(DEV0.hex_address)
    gas_price = w3.eth.gas_price
    assert gas_price >= GWEI // 2
    data = token.encode_abi("transfer", args=[DEV1.hex_address, 3])
    legacy = {
        "nonce": nonce,
        "gasPrice": gas_price * 2,
        "gas": 100_000,
        "to": token.address,
        "value": 0,
        "data": data,
        "chainId": CHAIN_ID,
    }
    access_list = {
        **legacy,
        "nonce": nonce + 1,
        "type": 1,
        "accessList": [{"address": token.address, "storageKeys": ["0x" + "00" * 32]}],
    }
    plain_value = {
        "nonce": nonce + 2,
        "gasPrice": gas_price * 2,
        "gas": 21_000,
        "to": DEV2.hex_address,
        "value": 10**15,
        "chainId": CHAIN_ID,
    }
    hashes = [_send_signed(w3, tx) for tx in (legacy, access_list, plain_value)]
    dev2_before = w3.eth.get_balance(DEV2.hex_address)
    devnet.mine()
    receipts = [w3.eth.get_transaction_receipt(h) for h in hashes]
    assert [r["status"] for r in receipts] == [1, 1, 1]
    assert [r["type"] for r in receipts] == [0, 1, 0]
    assert receipts[2]["gasUsed"] == 21_000
    for receipt in receipts:
        assert receipt["effectiveGasPrice"] == gas_price * 2
    assert [w3.eth.get_transaction(h)["type"] for h in hashes] == [0, 1, 0]
    assert w3.eth.get_transaction(hashes[1])["accessList"][0]["address"] == token.address
    assert token.functions.balanceOf(DEV1.hex_address).call() == 6
    assert w3.eth.get_balance(DEV2.hex_address) == dev2_before + 10**15


def test_batch_request_answered_in_order(w3: Web3, devnet: Devnet) -> None:
    devnet.mine(2)
    batch = [
        {"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": "b", "method": "eth_blockNumber", "params": []},
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "eth_getBalance",
            "params": [DEV1.hex_address, "latest"],
        },
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_getTransactionCount",
            "params": [DEV0.hex_address, "latest"],
        },
        {"jsonrpc": "2.0", "id": 99, "method": "net_version", "params": []},
    ]
    status, body = post(devnet.eth_url, json.dumps(batch).encode())
    assert status == 200
    answers = json.loads(body)
    assert isinstance(answers, list)
    assert [a["id"] for a in answers] == [7, "b", 3, 1, 99]
    assert all(a["jsonrpc"] == "2.0" and "result" in a for a in answers)
    assert int(answers[0]["result"], 16) == CHAIN_ID
    assert int(answers[1]["result"], 16) == 2
    assert int(answers[2]["result"], 16) == w3.eth.get_balance(DEV1.hex_address)
    assert int(answers[3]["result"], 16) == 0
    assert answers[4]["result"] == str(CHAIN_ID)

    # web3's own batching goes through the same path.
    with w3.batch_requests() as requests:
        requests.add(w3.eth.get_block(1))
        requests.add(w3.eth.get_block(2))
        requests.add(w3.eth.get_balance(DEV0.hex_address))
        blocks_and_balance = requests.execute()
    assert [blocks_and_balance[0]["number"], blocks_and_balance[1]["number"]] == [1, 2]
    assert blocks_and_balance[1]["parentHash"] == blocks_and_balance[0]["hash"]
    assert blocks_and_balance[2] == w3.eth.get_balance(DEV0.hex_address)
