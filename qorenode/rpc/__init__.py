"""The node's servers, in layers: transport (HTTP, WebSocket), protocol (JSON-RPC 2.0), node API.

- ``registry.ApiRegistry``: where modules register JSON-RPC methods, REST routes, subscriptions.
- ``jsonrpc.handle_request_body``: the JSON-RPC 2.0 protocol, independent of any transport.
- ``http.serve_http`` with ``http.jsonrpc_app`` or ``http.rest_app``: HTTP/1.1 servers.
- ``ws.serve_ws``: JSON-RPC over WebSocket with subscriptions fed by ``hub.SubscriptionHub``.
"""

from qorenode.rpc.http import HttpApp, HttpResponse, jsonrpc_app, rest_app, serve_http
from qorenode.rpc.hub import SubscriptionHub
from qorenode.rpc.jsonrpc import RpcConnection, handle_request_body
from qorenode.rpc.registry import ApiRegistry, DuplicateRegistration
from qorenode.rpc.ws import serve_ws

__all__ = [
    "ApiRegistry",
    "DuplicateRegistration",
    "HttpApp",
    "HttpResponse",
    "RpcConnection",
    "SubscriptionHub",
    "handle_request_body",
    "jsonrpc_app",
    "rest_app",
    "serve_http",
    "serve_ws",
]
