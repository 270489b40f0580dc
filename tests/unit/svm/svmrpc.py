"""Calling the Solana JSON-RPC API of a node built in-process (no servers, no block loop): the
request goes through the node's own JSON-RPC layer, blocks are mined by the test."""

from __future__ import annotations

from typing import Any

from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair

from qorenode.node import Node
from tests.solanakit import signed_transaction
from tests.unit.nodekit import call
from vms.svm.rpc import b58encode


def result(node: Node, method: str, *params: Any) -> Any:
    """The ``result`` of one request, which must succeed."""
    response = call(node, method, *params)
    assert "error" not in response, response
    return response["result"]


def error(node: Node, method: str, *params: Any) -> dict[str, Any]:
    """The ``error`` of one request, which must fail, without its ``data`` (the node's own
    ``{code, codespace}``)."""
    response = call(node, method, *params)
    assert "error" in response, response
    failure = dict(response["error"])
    failure.pop("data", None)
    return failure


def latest_blockhash(node: Node) -> Hash:
    return Hash.from_string(result(node, "getLatestBlockhash")["value"]["blockhash"])


def send_transaction(node: Node, instructions: list[Instruction], signers: list[Keypair]) -> str:
    """Sign over the latest blockhash (the first signer pays) and send (base58, with preflight);
    the signature. Nothing is mined."""
    tx = signed_transaction(instructions, signers, latest_blockhash(node))
    signature: str = result(node, "sendTransaction", b58encode(bytes(tx)))
    return signature


def send_and_confirm(node: Node, instructions: list[Instruction], signers: list[Keypair]) -> str:
    """Send, mine a block and check the transaction succeeded in it; its signature."""
    signature = send_transaction(node, instructions, signers)
    node.mine()
    (status,) = result(node, "getSignatureStatuses", [signature])["value"]
    assert status is not None and status["err"] is None, status
    return signature
