"""The CLI tests' stand-in for a node: a fake JSON-RPC client that checks each native transaction
as the node would (``decode_native_tx``: envelope, chain id, signature) and answers the rest with
canned answers; and a runner of ``qorenode.cli.main`` that captures what it prints."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qorenode.cli import main
from qorenode.keys import dev_key
from qorenode.native_tx import decode_native_tx

CHAIN = "qorenode-devnet-1"
DEV0 = dev_key(0)

Run = Callable[..., tuple[int, Any, str]]


def hexjson(obj: Any) -> str:
    """``obj`` as compact JSON, hex-encoded (as a transaction record's ``data`` holds it)."""
    return json.dumps(obj, separators=(",", ":")).encode().hex()


def tx_record(
    tx_hash: str, height: int, gas_used: int, data: list[str], events: list[dict[str, Any]]
) -> dict[str, Any]:
    """A successful native transaction's record as ``qor_getTransaction`` returns it."""
    return {
        "txhash": tx_hash,
        "height": str(height),
        "index": 0,
        "kind": "native",
        "code": 0,
        "codespace": "",
        "success": True,
        "raw_log": "",
        "gas_used": str(gas_used),
        "events": events,
        "data": data,
    }


class FakeNode:
    """What the CLI asks of the node, recorded; answers are canned per method. Transactions must
    come from dev0 at ``nonce``; each is answered with ``tx_hash``."""

    def __init__(self, nonce: int, tx_hash: str) -> None:
        self.nonce = nonce
        self.tx_hash = tx_hash
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.sent: list[dict[str, Any]] = []
        self.answers: dict[str, Any] = {}

    def client(self, url: str) -> FakeNode:
        return self

    def call(self, method: str, *params: Any) -> Any:
        self.calls.append((method, params))
        if method == "qor_nodeInfo":
            return {"chain_id": CHAIN}
        if method == "eth_getTransactionCount":
            return hex(self.nonce)
        if method == "qor_sendTransaction":
            tx = decode_native_tx(params[0], CHAIN)  # what the node checks at admission
            assert tx.signer == DEV0.address and tx.nonce == self.nonce
            self.sent.append(params[0])
            return self.tx_hash
        answer = self.answers[method]
        return answer(*params) if callable(answer) else answer

    @property
    def msg(self) -> dict[str, Any]:
        """The one message of the one transaction sent."""
        assert len(self.sent) == 1
        msgs: list[dict[str, Any]] = self.sent[0]["msgs"]
        assert len(msgs) == 1
        return msgs[0]


def install(monkeypatch: pytest.MonkeyPatch, module: Any, nonce: int, tx_hash: str) -> FakeNode:
    """A fake node that ``module``'s commands reach in place of their ``RpcClient``."""
    fake = FakeNode(nonce, tx_hash)
    monkeypatch.setattr(module, "RpcClient", fake.client)
    return fake


def cli_runner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """``run(*argv, output="json")``: the CLI's exit code, its output (parsed when JSON) and its
    stderr, with a home under ``tmp_path``."""

    def go(*argv: str, output: str = "json") -> tuple[int, Any, str]:
        capsys.readouterr()
        code = main([*argv, "--home", str(tmp_path / "home"), "--output", output])
        out, err = capsys.readouterr()
        parsed = json.loads(out) if output == "json" and out.strip() else out
        return code, parsed, err

    return go
