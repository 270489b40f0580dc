"""Driving a node built in-process (no servers, no block loop): its JSON-RPC called through the
node's own JSON-RPC layer, and a wall clock the test moves."""

from __future__ import annotations

import json
from typing import Any

import trio

from qorenode.node import Node
from qorenode.rpc.jsonrpc import handle_request_body


class ManualClock:
    """A node's wall clock (``NodeConfig.clock``) that stands still until the test moves it."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def call(node: Node, method: str, *params: Any) -> dict[str, Any]:
    """The whole JSON-RPC response (``result`` or ``error``) to one request."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})

    async def main() -> bytes | None:
        return await handle_request_body(body.encode(), node.registry)

    out = trio.run(main)
    assert out is not None
    return dict(json.loads(out))
