"""The JSON-RPC 2.0 protocol layer: bytes in, bytes out, no transport.

``handle_request_body`` parses a request or a batch, dispatches each call to the registry's
handlers and encodes the response. The HTTP and WebSocket servers both use it; subscriptions need a
connection (``RpcConnection``), which only the WebSocket layer provides.

Error mapping (one table, ``qorenode.errors``): malformed JSON -> -32700, a request that is not a
valid request object -> -32600, unknown method -> -32601, wrong number or names of parameters ->
-32602 (checked against the handler's signature before calling it), a ``NodeError`` ->
``rpc_error_object``, anything else -> -32603 with a generic message (the traceback is logged).
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import trio

from qorenode import jsonenc
from qorenode.errors import (
    InternalError,
    InvalidParams,
    InvalidRequest,
    MethodNotFound,
    ParseError,
    RequestTooLarge,
    rpc_error_object,
)
from qorenode.interfaces import NodeError, SubscriptionFactory
from qorenode.rpc.registry import ApiRegistry, RpcMethod

__all__ = [
    "MAX_BATCH",
    "RpcConnection",
    "dumps",
    "error_response",
    "handle_request_body",
    "handle_request_object",
]

logger = logging.getLogger(__name__)

MAX_BATCH = 1000
"""Most entries a batch may hold; a larger batch is refused as a whole."""

JsonId = str | int | float | None


class RpcConnection(Protocol):
    """What the protocol layer needs from a connection that can carry subscriptions."""

    async def subscribe(
        self, namespace: str, name: str, factory: SubscriptionFactory, params: Sequence[Any]
    ) -> str:
        """Create a subscription through ``factory``; return its id."""
        ...

    async def unsubscribe(self, namespace: str, subscription_id: str) -> bool:
        """Cancel one of this connection's subscriptions; False if it has no such one."""
        ...


def dumps(value: Any) -> str:
    """Compact JSON (``jsonenc``: orjson, the standard library for big integers)."""
    return jsonenc.dumps_text(value)


def error_response(request_id: JsonId, error: NodeError) -> dict[str, Any]:
    """A JSON-RPC response object carrying ``error``."""
    return {"jsonrpc": "2.0", "id": request_id, "error": rpc_error_object(error)}


def _internal_error() -> InternalError:
    return InternalError("internal error")


def _encode_error(request_id: JsonId, error: NodeError) -> str:
    try:
        return dumps(error_response(request_id, error))
    except (TypeError, ValueError, RecursionError):
        logger.exception("error data of %r is not JSON-serialisable", error)
        return dumps(error_response(request_id, _internal_error()))


def _encode_result(request_id: JsonId, result: Any, method: str) -> str:
    try:
        return dumps({"jsonrpc": "2.0", "id": request_id, "result": result})
    except (TypeError, ValueError, RecursionError):
        logger.exception("result of %s is not JSON-serialisable", method)
        return dumps(error_response(request_id, _internal_error()))


def _is_fatal(exc: BaseException) -> bool:
    """BaseExceptions that must propagate (cancellation, shutdown) rather than become errors."""
    return isinstance(
        exc, KeyboardInterrupt | SystemExit | GeneratorExit | trio.Cancelled | BaseExceptionGroup
    )


def _valid_id(value: Any) -> bool:
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


async def handle_request_body(
    body: bytes,
    registry: ApiRegistry,
    *,
    connection: RpcConnection | None = None,
    max_batch: int = MAX_BATCH,
) -> bytes | None:
    """Handle one JSON-RPC request or batch; the encoded response, or None if nothing is owed.

    A batch answers with an array holding one entry per call that is not a notification, in request
    order; a batch of notifications only, like a single notification, answers None.
    """
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        return _encode_error(None, ParseError(f"parse error: {_short(exc)}")).encode()
    if isinstance(payload, list):
        if not payload:
            return _encode_error(None, InvalidRequest("empty batch")).encode()
        if len(payload) > max_batch:
            # As geth does: one error, carrying the first call's id, in an array.
            first_id = next(
                (e["id"] for e in payload if isinstance(e, dict) and _valid_id(e.get("id"))), None
            )
            error = RequestTooLarge(f"batch too large: {len(payload)} entries, limit {max_batch}")
            return ("[" + _encode_error(first_id, error) + "]").encode()
        parts: list[str] = []
        for entry in payload:
            part = await handle_request_object(entry, registry, connection=connection)
            if part is not None:
                parts.append(part)
        return ("[" + ",".join(parts) + "]").encode() if parts else None
    single = await handle_request_object(payload, registry, connection=connection)
    return single.encode() if single is not None else None


async def handle_request_object(
    request: Any, registry: ApiRegistry, *, connection: RpcConnection | None = None
) -> str | None:
    """Handle one decoded request object; its encoded response, or None for a notification."""
    if not isinstance(request, dict):
        return _encode_error(None, InvalidRequest("invalid request: not a JSON object"))
    is_notification = "id" not in request
    request_id = request.get("id")
    if not _valid_id(request_id):
        return _encode_error(None, InvalidRequest("invalid request: bad id"))
    if request.get("jsonrpc") != "2.0":
        return _encode_error(request_id, InvalidRequest('invalid request: jsonrpc must be "2.0"'))
    method = request.get("method")
    if not isinstance(method, str) or not method:
        return _encode_error(request_id, InvalidRequest("invalid request: method must be a string"))
    params = request.get("params", [])
    args: list[Any]
    kwargs: dict[str, Any]
    if isinstance(params, list):
        args, kwargs = params, {}
    elif isinstance(params, dict):
        args, kwargs = [], params
    elif params is None:
        args, kwargs = [], {}
    else:
        return _encode_error(
            request_id, InvalidRequest("invalid request: params must be an array or an object")
        )

    try:
        result = await _dispatch(method, args, kwargs, registry, connection)
    except NodeError as exc:
        return None if is_notification else _encode_error(request_id, exc)
    except Exception:
        logger.exception("JSON-RPC method %s failed", method)
        return None if is_notification else _encode_error(request_id, _internal_error())
    except BaseException as exc:
        if _is_fatal(exc):
            raise
        # e.g. a pyo3 PanicException, which derives from BaseException.
        logger.exception("JSON-RPC method %s failed", method)
        return None if is_notification else _encode_error(request_id, _internal_error())
    if is_notification:
        return None
    return _encode_result(request_id, result, method)


async def _dispatch(
    method: str,
    args: list[Any],
    kwargs: dict[str, Any],
    registry: ApiRegistry,
    connection: RpcConnection | None,
) -> Any:
    sub = registry.subscription_method(method)
    if sub is not None:
        namespace, action = sub
        if connection is None:
            raise MethodNotFound("notifications not supported")
        if kwargs:
            raise InvalidParams(f"{method} takes positional params")
        if action == "subscribe":
            return await _subscribe(namespace, args, registry, connection)
        if len(args) != 1 or not isinstance(args[0], str):
            raise InvalidParams(f"{method} takes one param: the subscription id")
        return await connection.unsubscribe(namespace, args[0])

    entry = registry.method(method)
    if entry is None:
        raise MethodNotFound(f"the method {method} does not exist/is not available")
    _check_arity(entry, args, kwargs)
    result = entry.handler(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _subscribe(
    namespace: str, args: list[Any], registry: ApiRegistry, connection: RpcConnection
) -> str:
    if not args or not isinstance(args[0], str):
        raise InvalidParams(f"{namespace}_subscribe: the first param must be a subscription name")
    name = args[0]
    factory = registry.subscription_factory(namespace, name)
    if factory is None:
        known = ", ".join(registry.subscription_names(namespace))
        raise InvalidParams(f'no "{name}" subscription in {namespace} namespace (known: {known})')
    return await connection.subscribe(namespace, name, factory, args[1:])


def _check_arity(entry: RpcMethod, args: list[Any], kwargs: dict[str, Any]) -> None:
    if entry.signature is None:
        return
    try:
        entry.signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise InvalidParams(f"invalid params for {entry.name}: {exc}") from None


def _short(exc: BaseException, limit: int = 200) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."
