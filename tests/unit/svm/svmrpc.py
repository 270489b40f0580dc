"""Calling the Solana JSON-RPC API of a node built in-process (no servers, no block loop): the
request goes through the node's own JSON-RPC layer, blocks are mined by the test."""

from __future__ import annotations

import json
from typing import Any

import trio

from qorenode.node import Node
from qorenode.rpc.jsonrpc import handle_request_body


def call(node: Node, method: str, *params: Any) -> dict[str, Any]:
    """The whole JSON-RPC response (``result`` or ``error``) to one request."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})

    async def main() -> bytes | None:
        return await handle_request_body(body.encode(), node.registry)

    out = trio.run(main)
    assert out is not None
    return dict(json.loads(out))


def result(node: Node, method: str, *params: Any) -> Any:
    """The ``result`` of one request, which must succeed."""
    response = call(node, method, *params)
    assert "error" not in response, response
    return response["result"]
