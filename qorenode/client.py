"""A small synchronous JSON-RPC client for a running node, and helpers to send transactions.

    client = RpcClient("http://127.0.0.1:8545")
    height = int(client.call("eth_blockNumber"), 16)
    tx_hash = send_native(client, dev_key(0), None, [msg])
    record = wait_for_native(client, tx_hash)

The server's errors come back as ``RemoteError`` carrying the JSON-RPC code and message and, when
the server sent them, the node's stable code and codespace (``error.data``), so the CLI prints the
same coded message the node produced. Only the standard library speaks HTTP here.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from qorenode.addresses import to_hex
from qorenode.interfaces import NodeError
from qorenode.keys import KeyPair
from qorenode.native_tx import DEFAULT_GAS_LIMIT, build_native_tx, sign_native_tx

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
POLL_INTERVAL = 0.05
GAS_MARGIN = 1.2


class ClientError(NodeError):
    """Errors of the client itself (codespace ``client``): the node could not be asked."""

    codespace = "client"


class NodeUnreachable(ClientError):
    code = 1


class BadResponse(ClientError):
    code = 2


class WaitTimeout(ClientError):
    code = 3


class RemoteError(NodeError):
    """An error the node answered with: its JSON-RPC code, message and stable code/codespace.

    A revert (JSON-RPC code 3, ``data`` the revert bytes as hex, as anvil answers) is reported as
    the node's ``ExecutionReverted`` (node:11) with the revert bytes in ``revert_data``.
    """

    def __init__(self, rpc_code: int, message: str, data: Any = None) -> None:
        super().__init__(message, data)
        self.rpc_code = rpc_code
        self.revert_data = b""
        if isinstance(data, dict) and isinstance(data.get("code"), int):
            self.code = data["code"]
            self.codespace = str(data.get("codespace", "node"))
        elif rpc_code == 3:
            self.code, self.codespace = 11, "node"
            if isinstance(data, str) and data.startswith("0x"):
                with contextlib.suppress(ValueError):
                    self.revert_data = bytes.fromhex(data[2:])
        else:
            self.code, self.codespace = rpc_code, "jsonrpc"


class TxFailed(NodeError):
    """A transaction included in a block whose execution failed, with the node's code for it."""

    def __init__(self, message: str, code: int, codespace: str, record: Any = None) -> None:
        super().__init__(message, record)
        self.code = code
        self.codespace = codespace or "node"


class RpcClient:
    """Synchronous JSON-RPC 2.0 over HTTP: ``RpcClient(url).call(method, *params)``."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        self._ids = itertools.count(1)

    def call(self, method: str, *params: Any) -> Any:
        request_id = next(self._ids)
        body = json.dumps(
            {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}
        ).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:  # the body may still be a JSON-RPC error
            raw = exc.read()
            if not raw:
                raise BadResponse(f"{self.url} answered HTTP {exc.code} to {method}") from None
        except urllib.error.URLError as exc:
            raise NodeUnreachable(
                f"no node at {self.url}: start one with `qorenode start` ({exc.reason})"
            ) from None
        except (ConnectionError, TimeoutError) as exc:
            raise NodeUnreachable(
                f"no node at {self.url}: start one with `qorenode start` ({exc})"
            ) from None
        try:
            reply = json.loads(raw)
        except ValueError:
            raise BadResponse(f"{self.url} did not answer JSON-RPC to {method}") from None
        if not isinstance(reply, dict):
            raise BadResponse(f"unexpected JSON-RPC reply to {method}: {reply!r}")
        error = reply.get("error")
        if error is not None:
            if not isinstance(error, dict):
                raise BadResponse(f"malformed JSON-RPC error to {method}: {error!r}")
            raise RemoteError(
                int(error.get("code", -32000)), str(error.get("message", "")), error.get("data")
            )
        return reply.get("result")


# -- waiting -------------------------------------------------------------------------------------


def wait_for(
    client: RpcClient,
    fn: Callable[[RpcClient], T | None],
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = POLL_INTERVAL,
    what: str = "the result",
) -> T:
    """Poll ``fn(client)`` until it returns something other than None; WaitTimeout after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = fn(client)
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def wait_for_native(
    client: RpcClient, tx_hash: str, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """The ``qor_getTransaction`` record of ``tx_hash`` once it is in a block."""
    return wait_for(
        client,
        lambda c: c.call("qor_getTransaction", tx_hash),
        timeout,
        what=f"transaction {tx_hash} to be included",
    )


def wait_for_receipt(
    client: RpcClient, tx_hash: str, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """The ``eth_getTransactionReceipt`` of ``tx_hash`` once it is in a block."""
    return wait_for(
        client,
        lambda c: c.call("eth_getTransactionReceipt", tx_hash),
        timeout,
        what=f"the receipt of {tx_hash}",
    )


def check_native(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """Raise ``TxFailed`` (with the transaction's own code) if a native transaction failed."""
    if not record.get("success"):
        raise TxFailed(
            f"transaction {record['txhash']} failed at height {record['height']}: "
            f"{record.get('raw_log') or 'failed'}",
            int(record.get("code") or 1),
            str(record.get("codespace") or "node"),
            dict(record),
        )
    return record


def check_receipt(client: RpcClient, receipt: Mapping[str, Any]) -> Mapping[str, Any]:
    """Raise ``TxFailed`` if an EVM receipt has status 0, with the node's reason when it has one."""
    if int(str(receipt.get("status", "0x1")), 16) == 1:
        return receipt
    tx_hash = str(receipt["transactionHash"])
    reason, code, codespace = "execution reverted", 2, "evm"
    try:
        record = client.call("qor_getTransaction", tx_hash)
    except NodeError:
        record = None
    if isinstance(record, dict):
        reason = record.get("raw_log") or reason
        code = int(record.get("code") or code)
        codespace = str(record.get("codespace") or codespace)
    block = int(str(receipt.get("blockNumber", "0x0")), 16)
    raise TxFailed(
        f"transaction {tx_hash} failed in block {block}: {reason}", code, codespace, dict(receipt)
    )


# -- sending -------------------------------------------------------------------------------------


def pending_nonce(client: RpcClient, address: bytes) -> int:
    return int(client.call("eth_getTransactionCount", to_hex(address), "pending"), 16)


def native_chain_id(client: RpcClient) -> str:
    return str(client.call("qor_nodeInfo")["chain_id"])


def send_native(
    client: RpcClient,
    key: KeyPair,
    chain_id: str | None,
    msgs: Sequence[Mapping[str, Any]],
    gas_limit: int = DEFAULT_GAS_LIMIT,
    memo: str = "",
) -> str:
    """Build, sign and broadcast a native transaction; its hash (0x hex).

    The nonce is the account's pending EVM nonce; ``chain_id`` None asks the node for it.
    """
    if chain_id is None:
        chain_id = native_chain_id(client)
    nonce = pending_nonce(client, key.address)
    tx = build_native_tx(chain_id, key.address, nonce, msgs, gas_limit, memo)
    return str(client.call("qor_sendTransaction", sign_native_tx(tx, key.private_key)))


def evm_fees(client: RpcClient) -> tuple[int, int]:
    """(maxFeePerGas, maxPriorityFeePerGas) from the node's suggestions, with head-room."""
    gas_price = int(client.call("eth_gasPrice"), 16)
    priority = int(client.call("eth_maxPriorityFeePerGas"), 16)
    return 2 * gas_price + priority, priority


def send_evm(
    client: RpcClient,
    key: KeyPair,
    to: bytes | None,
    data: bytes = b"",
    value: int = 0,
    gas: int | None = None,
) -> str:
    """Sign a type-2 transaction locally (eth_account) and ``eth_sendRawTransaction`` it.

    ``to`` None deploys ``data`` as init code. Chain id from ``eth_chainId``, nonce from the
    pending count, gas from ``eth_estimateGas`` x 1.2 unless given, fees from the node.
    """
    from eth_account import Account

    chain_id = int(client.call("eth_chainId"), 16)
    call: dict[str, Any] = {"from": key.hex_address, "data": "0x" + data.hex()}
    if value:
        call["value"] = hex(value)
    if to is not None:
        call["to"] = to_hex(to)
    if gas is None:
        gas = int(int(client.call("eth_estimateGas", call), 16) * GAS_MARGIN)
    max_fee, priority = evm_fees(client)
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": chain_id,
        "nonce": pending_nonce(client, key.address),
        "value": value,
        "data": "0x" + data.hex(),
        "gas": gas,
        "maxFeePerGas": max_fee,
        "maxPriorityFeePerGas": priority,
    }
    if to is not None:
        tx["to"] = to_hex(to)
    signed = Account.sign_transaction(tx, key.private_key)
    return str(client.call("eth_sendRawTransaction", "0x" + bytes(signed.raw_transaction).hex()))
