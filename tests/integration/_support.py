"""Helpers shared by the integration tests: raw JSON-RPC over HTTP, signing, node subprocesses.

Everything here talks to a real node over real sockets; nothing reaches into the node's objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from solana.rpc.async_api import AsyncClient
from solders.hash import Hash

from qorenode.keys import dev_keys
from qorenode.testing import Devnet, free_port_pair
from tests.fixtures.contracts import REPO_ROOT, ToolchainMissingError, cast_binary

CHAIN_ID = 31337
TOKEN_SUPPLY = 1_000_000 * 10**18
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
GWEI = 10**9

DEV = dev_keys()
DEV0, DEV1, DEV2, DEV3 = DEV[0], DEV[1], DEV[2], DEV[3]


def dev_key_hex(index: int) -> str:
    return "0x" + DEV[index].private_key.hex()


# -- raw HTTP ------------------------------------------------------------------------------------


def post(url: str, body: bytes, *, timeout: float = 30.0) -> tuple[int, bytes]:
    """POST ``body`` as JSON to ``url``; the status and the response body."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", parts.path or "/", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def rpc_raw(
    url: str, method: str, params: Sequence[Any] | dict[str, Any] = (), rid: int = 1
) -> Any:
    """Call ``method``; the whole decoded response object (result or error)."""
    request = {"jsonrpc": "2.0", "id": rid, "method": method, "params": list(params)}
    if isinstance(params, dict):
        request["params"] = params
    status, body = post(url, json.dumps(request).encode())
    assert status == 200, (status, body)
    return json.loads(body)


def get_json(base_url: str, path: str, *, timeout: float = 30.0) -> tuple[int, Any]:
    """GET ``path`` (sent as given: percent-encode it yourself); the status and the JSON body."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def rpc(url: str, method: str, *params: Any) -> Any:
    """Call ``method`` and return its result; fail the test on an error response."""
    response = rpc_raw(url, method, params)
    assert "error" not in response, f"{method}{params!r} -> {response['error']!r}"
    return response["result"]


def rpc_error(url: str, method: str, *params: Any) -> dict[str, Any]:
    """Call ``method``, which must fail; return its ``error`` object."""
    response = rpc_raw(url, method, params)
    assert "error" in response, f"{method}{params!r} unexpectedly answered {response!r}"
    assert "result" not in response
    error: dict[str, Any] = response["error"]
    assert isinstance(error["code"], int) and isinstance(error["message"], str), error
    return error


def wait_for_receipt(url: str, tx_hash: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll eth_getTransactionReceipt (a node subprocess mines on its own clock)."""
    deadline = time.monotonic() + timeout
    while True:
        receipt = rpc(url, "eth_getTransactionReceipt", tx_hash)
        if receipt is not None:
            return dict(receipt)
        if time.monotonic() > deadline:
            raise AssertionError(f"no receipt for {tx_hash} within {timeout}s")
        time.sleep(0.02)


# -- Solana over HTTP ----------------------------------------------------------------------------


def svm_blockhash(url: str) -> Hash:
    """The latest blockhash of the Solana JSON-RPC at ``url``."""
    return Hash.from_string(rpc(url, "getLatestBlockhash")["value"]["blockhash"])


def svm_wait_status(devnet: Devnet, signature: str) -> dict[str, Any]:
    """The status of ``signature`` on ``devnet``, mining a block between polls until it has one."""
    for _ in range(200):
        (status,) = rpc(devnet.svm_url, "getSignatureStatuses", [signature])["value"]
        if status is not None:
            return dict(status)
        devnet.mine()
    raise AssertionError(f"{signature} never landed")


def svm_client_call(devnet: Devnet, method: str, *args: Any, **kwargs: Any) -> Any:
    """One call of solana-py's ``AsyncClient`` against ``devnet``'s Solana JSON-RPC."""

    async def main() -> Any:
        async with AsyncClient(devnet.svm_url) as client:
            return await getattr(client, method)(*args, **kwargs)

    return asyncio.run(main())


# -- signing -------------------------------------------------------------------------------------


def sign(tx: dict[str, Any], key_index: int = 0) -> str:
    """Sign ``tx`` with dev key ``key_index``; the raw transaction as 0x-hex."""
    signed = Account.sign_transaction(tx, DEV[key_index].private_key)
    return "0x" + bytes(signed.raw_transaction).hex()


def eip1559(
    nonce: int,
    *,
    to: str | None = None,
    value: int = 0,
    data: bytes = b"",
    gas: int = 100_000,
    chain_id: int = CHAIN_ID,
    max_fee: int = 10 * GWEI,
    tip: int = GWEI,
) -> dict[str, Any]:
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "maxFeePerGas": max_fee,
        "maxPriorityFeePerGas": tip,
        "gas": gas,
        "value": value,
        "data": "0x" + data.hex(),
    }
    if to is not None:
        tx["to"] = to_checksum_address(to)
    return tx


def transfer_calldata(to: str, amount: int) -> bytes:
    from eth_abi import encode

    return bytes.fromhex("a9059cbb") + encode(["address", "uint256"], [to, amount])


def balance_of_calldata(owner: str) -> str:
    from eth_abi import encode

    return "0x70a08231" + encode(["address"], [owner]).hex()


def token_balance(url: str, token: str, owner: str, block: str = "latest") -> int:
    out = rpc(url, "eth_call", {"to": token, "data": balance_of_calldata(owner)}, block)
    return int(out, 16)


def deploy_calldata(bytecode: bytes, supply: int = TOKEN_SUPPLY) -> bytes:
    from eth_abi import encode

    return bytecode + encode(["uint256"], [supply])


# -- ports and node subprocesses -----------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (bind port 0, note it, close)."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def node_command() -> list[str]:
    """How to run the CLI: ``python -m qorenode`` if it has a ``__main__``, else via ``main()``."""
    if (REPO_ROOT / "qorenode" / "__main__.py").is_file():
        return [sys.executable, "-m", "qorenode"]
    return [sys.executable, "-c", "from qorenode.cli import main; raise SystemExit(main())"]


@dataclass
class NodeProcess:
    """A ``qorenode start`` subprocess on fresh free ports; its output goes to a log file."""

    home: Path
    block_time: float
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    ports: dict[str, int] = field(default_factory=dict)
    starts: int = 0

    @property
    def eth_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['eth']}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ports['ws']}"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['rest']}"

    def start(self, timeout: float = 60.0) -> None:
        """Start on fresh free ports; retried if another process took a port in the meantime.

        A start that lost a port race is cut out of the log (kept beside it, in
        ``<log>.port-retries``), so the log holds the node's real starts only and checks such
        as "no Traceback in the log" judge the node, not the race.
        """
        assert self.process is None or self.process.poll() is not None, "already running"
        for attempt in range(3):
            log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
            self._spawn()
            try:
                self.wait_ready(timeout)
                return
            except AssertionError:
                output = self.log_path.read_bytes()[log_start:].decode(errors="replace")
                port_taken = "cannot start servers" in output or "in use" in output
                if not port_taken or attempt == 2:
                    raise
                assert self.process is not None
                if self.process.poll() is None:
                    self.process.kill()
                self.process.wait(10)
                self._set_aside_failed_start(log_start)

    def _set_aside_failed_start(self, log_start: int) -> None:
        with self.log_path.open("r+b") as log:
            log.seek(log_start)
            failed = log.read()
            log.truncate(log_start)
        with self.log_path.with_name(self.log_path.name + ".port-retries").open("ab") as aside:
            aside.write(failed)

    def _spawn(self) -> None:
        eth, ws, rest = free_ports(3)
        svm = free_port_pair()  # its WebSocket listens on svm + 1
        self.ports = {"eth": eth, "ws": ws, "rest": rest, "svm": svm}
        self.starts += 1
        args = [
            *node_command(),
            "start",
            "--home",
            str(self.home),
            "--block-time",
            str(self.block_time),
            "--eth-port",
            str(eth),
            "--ws-port",
            str(ws),
            "--rest-port",
            str(rest),
            "--svm-port",
            str(svm),
        ]
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start #{self.starts}: {' '.join(args)}\n".encode())
            log.flush()
            env = dict(os.environ, PYTHONUNBUFFERED="1")
            self.process = subprocess.Popen(
                args, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env
            )

    def wait_ready(self, timeout: float) -> None:
        """Poll until eth_blockNumber answers and every other server accepts connections (they
        start one after another), bounded; failing early if the node exits."""
        deadline = time.monotonic() + timeout
        others = [self.ports["ws"], self.ports["rest"], self.ports["svm"], self.ports["svm"] + 1]
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"node exited with {self.process.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, body = post(self.eth_url, _BLOCK_NUMBER, timeout=2.0)
                if status == 200 and "result" in json.loads(body):
                    for port in others:
                        socket.create_connection(("127.0.0.1", port), timeout=2.0).close()
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"node not answering after {timeout}s:\n{self.log()}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Send ``sig`` and wait (bounded) for the process to exit; its return code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                raise AssertionError(
                    f"node ignored signal {sig} for {timeout}s:\n{self.log()}"
                ) from None
        return int(self.process.returncode)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    @contextlib.contextmanager
    def running(self) -> Iterator[NodeProcess]:
        try:
            yield self
        finally:
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)


_BLOCK_NUMBER = json.dumps(
    {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
).encode()


class Cli:
    """Runs ``qorenode`` in-process against one node and home; parses ``--output json``."""

    def __init__(self, url: str, home: Path, capsys: Any) -> None:
        self.url = url
        self.home = home
        self.capsys = capsys  # pytest's CaptureFixture[str]

    def run(self, *argv: str) -> tuple[int, str, str]:
        from qorenode.cli import main

        self.capsys.readouterr()
        code = main([*argv, "--node", self.url, "--home", str(self.home)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *argv: str) -> Any:
        code, out, err = self.run(*argv, "--output", "json")
        assert code == 0, err
        return json.loads(out)

    def error(self, *argv: str) -> dict[str, Any]:
        code, out, err = self.run(*argv, "--output", "json")
        assert code == 1, out
        error: dict[str, Any] = json.loads(err)["error"]
        return error


class WsClient:
    """JSON-RPC over one WebSocket: requests by id, notifications queued apart."""

    def __init__(self, ws: Any, timeout: float = 15.0) -> None:
        self.ws = ws  # a websockets.sync ClientConnection
        self.timeout = timeout
        self.next_id = 0
        self.notifications: list[dict[str, Any]] = []

    def _recv(self) -> Any:
        return json.loads(self.ws.recv(timeout=self.timeout))

    def call(self, method: str, *params: Any) -> Any:
        self.next_id += 1
        rid = self.next_id
        self.ws.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}))
        while True:
            message = self._recv()
            if str(message.get("method", "")).endswith("_subscription"):
                self.notifications.append(message)
                continue
            assert message["id"] == rid, message
            assert "error" not in message, message
            return message["result"]

    def notification(self) -> dict[str, Any]:
        """The next subscription notification (bounded wait)."""
        if self.notifications:
            return self.notifications.pop(0)
        message = self._recv()
        assert str(message.get("method", "")).endswith("_subscription"), message
        return dict(message)


def cast_path() -> str:
    """Foundry's ``cast`` from node_modules; the test fails (not skips) when it is missing."""
    try:
        return str(cast_binary())
    except ToolchainMissingError as exc:  # pragma: no cover - `make test` runs npm ci first
        pytest.fail(str(exc))


# -- contracts through the clients users have ----------------------------------------------------


def send_call(w3: Any, fn: Any, value: int = 0, gas: int | None = 1_000_000) -> Any:
    """Sign a web3 contract call or constructor as dev0 (EIP-1559 at the devnet's fees), send it
    raw and wait for its receipt (which may be a failure); ``gas`` None lets web3 estimate it."""
    params: dict[str, Any] = {
        "from": DEV0.hex_address,
        "nonce": w3.eth.get_transaction_count(DEV0.hex_address, "pending"),
        "chainId": CHAIN_ID,
        "maxFeePerGas": 10 * GWEI,
        "maxPriorityFeePerGas": GWEI,
        "value": value,
    }
    if gas is not None:
        params["gas"] = gas
    signed = Account.sign_transaction(fn.build_transaction(params), DEV0.private_key)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.02)


def send_signed_call(w3: Any, fn: Any, value: int = 0, gas: int | None = 1_000_000) -> Any:
    """``send_call``, whose receipt must succeed."""
    receipt = send_call(w3, fn, value=value, gas=gas)
    assert receipt["status"] == 1, receipt
    return receipt


def deploy_with_web3(w3: Any, name: str, *args: Any) -> Any:
    """Deploy a compiled contract of native/solidity as dev0; the web3 contract bound to it."""
    from tests.fixtures.contracts import load_contract

    artifact = load_contract(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = send_signed_call(w3, factory.constructor(*args), gas=None)
    address = receipt["contractAddress"]
    assert w3.eth.get_code(address) == artifact.deployed_bytecode
    return w3.eth.contract(address=address, abi=artifact.abi)


def instantiate_with_cli(cli: Cli, wasm: Path, init: str) -> str:
    """Store and instantiate a CosmWasm contract with the CLI as dev0 (no admin); its address."""
    stored = cli.json("tx", "wasm", "store", str(wasm), "--from", "dev0")
    made = cli.json(
        "tx", "wasm", "instantiate", str(stored["code_id"]), init, "--label", wasm.stem,
        "--from", "dev0", "--no-admin",
    )  # fmt: skip
    return str(made["contract_address"])
