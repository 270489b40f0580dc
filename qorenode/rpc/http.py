"""HTTP/1.1 transport on trio and h11, and the two HTTP apps (JSON-RPC, REST).

``serve_http`` accepts connections (one task each), parses requests with h11, keeps connections
alive, bounds request bodies, answers CORS preflights, and hands each request to an ``HttpApp``.
The transport knows nothing about JSON-RPC; ``jsonrpc_app`` and ``rest_app`` adapt the registry.
A misbehaving connection (malformed HTTP, oversize body, reset, idle) only ever closes itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import h11
import trio

from qorenode.errors import (
    InternalError,
    InvalidRequest,
    NotFound,
    RequestTooLarge,
    Unsupported,
)
from qorenode.interfaces import NodeError
from qorenode.rpc.jsonrpc import MAX_BATCH, dumps, error_response, handle_request_body
from qorenode.rpc.listen import open_listeners
from qorenode.rpc.registry import ApiRegistry

__all__ = [
    "DEFAULT_MAX_BODY",
    "HttpApp",
    "HttpResponse",
    "jsonrpc_app",
    "rest_app",
    "serve_http",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 10 * 1024 * 1024
"""Largest request body accepted (bytes); a larger one gets HTTP 413."""

DEFAULT_IDLE_TIMEOUT = 300.0
"""Seconds a connection may take to deliver its next complete request."""

_RECEIVE_SIZE = 64 * 1024
_LINGER_SECONDS = 2.0  # after an error response, drain what the client still sends, so it reads it
_LINGER_MAX_BYTES = 64 * 1024 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})
_CORS_ALLOW_METHODS = "GET, POST, OPTIONS"
JSON = "application/json"


@dataclass(frozen=True)
class HttpResponse:
    """What an app answers: status, body, content type, and any extra headers."""

    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()


HttpApp = Callable[[str, str, dict[str, str], dict[str, str], bytes], Awaitable[HttpResponse]]
"""``app(method, path, query, headers, body)``; path is as sent (percent-encoded), header names are
lower case, HEAD requests reach the app as GET (the transport drops the body)."""


async def serve_http(
    host: str | None,
    port: int,
    app: HttpApp,
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    max_body: int = DEFAULT_MAX_BODY,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
) -> None:
    """Serve ``app`` over HTTP/1.1 until cancelled; reports the bound port via ``task_status``.

    Use ``port = await nursery.start(serve_http, "127.0.0.1", 8545, jsonrpc_app(registry))``;
    port 0 picks a free port.
    """
    listeners, bound_port = await open_listeners(host, port)
    handler = partial(_serve_connection, app=app, max_body=max_body, idle_timeout=idle_timeout)
    async with trio.open_nursery() as nursery:
        await nursery.start(trio.serve_listeners, handler, listeners)
        logger.info("HTTP server listening on %s:%d", host, bound_port)
        task_status.started(bound_port)


async def _serve_connection(
    stream: trio.SocketStream, *, app: HttpApp, max_body: int, idle_timeout: float
) -> None:
    """One connection's task; nothing it raises reaches the server."""
    connection = _HttpConnection(stream, app, max_body, idle_timeout)
    try:
        await connection.run()
    except (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError):
        pass  # reset by the peer, or idle for too long
    except Exception:
        logger.exception("HTTP connection failed")
    finally:
        await trio.aclose_forcefully(stream)


def _json_error_body(error: NodeError) -> bytes:
    return dumps(error_response(None, error)).encode()


class _HttpConnection:
    """The h11 state machine of one connection and the request/response cycle over it."""

    def __init__(
        self, stream: trio.SocketStream, app: HttpApp, max_body: int, idle_timeout: float
    ) -> None:
        self._stream = stream
        self._app = app
        self._max_body = max_body
        self._idle_timeout = idle_timeout
        self._conn = h11.Connection(h11.SERVER)
        self._deadline = 0.0

    async def run(self) -> None:
        """Serve requests until the client or the protocol says to close."""
        while True:
            self._deadline = trio.current_time() + self._idle_timeout
            try:
                keep_alive = await self._cycle()
            except h11.RemoteProtocolError as exc:
                status = exc.error_status_hint or 400
                await self._refuse(status, InvalidRequest(f"malformed HTTP request: {exc}"))
                return
            if not keep_alive:
                return
            if self._conn.our_state is h11.DONE and self._conn.their_state is h11.DONE:
                self._conn.start_next_cycle()
            else:
                return  # MUST_CLOSE: the client asked to close, or HTTP/1.0

    async def _next_event(self) -> Any:
        while True:
            event = self._conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            with trio.fail_at(self._deadline):
                data = await self._stream.receive_some(_RECEIVE_SIZE)
            self._conn.receive_data(data)

    async def _send(self, event: Any) -> None:
        data = self._conn.send(event)
        if data:
            await self._stream.send_all(data)

    async def _cycle(self) -> bool:
        """Read one request, answer it; whether the connection may be kept open."""
        event = await self._next_event()
        if not isinstance(event, h11.Request):
            return False  # ConnectionClosed (or PAUSED, which our cycle never leaves us in)
        method = event.method.decode("ascii", "replace").upper()
        target = event.target.decode("latin-1")
        headers: dict[str, str] = {}
        for raw_name, raw_value in event.headers:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value

        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_body:  # h11 has validated it
            await self._refuse_too_large()
            return False
        if self._conn.they_are_waiting_for_100_continue:
            await self._send(h11.InformationalResponse(status_code=100, headers=[]))
        body = await self._read_body()
        if body is None:
            await self._refuse_too_large()
            return False

        if method == "OPTIONS":
            await self._send_response(_preflight(headers), head=False)
            return True
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        app_method = "GET" if method == "HEAD" else method
        try:
            response = await self._app(app_method, parts.path or "/", query, headers, body)
        except Exception:
            logger.exception("HTTP app failed on %s %s", method, parts.path)
            response = HttpResponse(500, _json_error_body(InternalError("internal error")))
        await self._send_response(response, head=method == "HEAD")
        return True

    async def _read_body(self) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                size += len(event.data)
                if size > self._max_body:
                    return None
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            else:  # pragma: no cover - h11 only yields Data/EndOfMessage inside a body
                raise h11.RemoteProtocolError(f"unexpected {type(event).__name__} in body")

    async def _send_response(
        self, response: HttpResponse, *, head: bool, close: bool = False
    ) -> None:
        status = response.status
        has_body = status not in _NO_BODY_STATUSES and status >= 200
        headers: list[tuple[str, str]] = [
            ("server", "qorenode"),
            ("access-control-allow-origin", "*"),
        ]
        if has_body:
            headers.append(("content-type", response.content_type))
            headers.append(("content-length", str(len(response.body))))
        headers.extend(response.headers)
        if close:
            headers.append(("connection", "close"))
        try:
            reason = HTTPStatus(status).phrase.encode()
        except ValueError:
            reason = b""
        await self._send(h11.Response(status_code=status, headers=headers, reason=reason))
        if has_body and not head and response.body:
            await self._send(h11.Data(data=response.body))
        await self._send(h11.EndOfMessage())

    async def _refuse_too_large(self) -> None:
        error = RequestTooLarge(f"request body too large: limit {self._max_body} bytes")
        await self._refuse(413, error)

    async def _refuse(self, status: int, error: NodeError) -> None:
        """Send an error response (if h11 still allows one), then close gracefully."""
        if self._conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            response = HttpResponse(status, _json_error_body(error))
            try:
                await self._send_response(response, head=False, close=True)
            except h11.LocalProtocolError:
                logger.debug("could not send HTTP %d", status, exc_info=True)
                return
        # Let the client read the error: stop sending, drain what it still sends, then close
        # (closing with unread data would reset the connection and lose the response).
        with trio.move_on_after(_LINGER_SECONDS):
            await self._stream.send_eof()
            drained = 0
            while drained < _LINGER_MAX_BYTES:
                data = await self._stream.receive_some(_RECEIVE_SIZE)
                if not data:
                    break
                drained += len(data)


def _preflight(headers: dict[str, str]) -> HttpResponse:
    allow_headers = headers.get("access-control-request-headers") or "*"
    return HttpResponse(
        204,
        b"",
        headers=(
            ("access-control-allow-methods", _CORS_ALLOW_METHODS),
            ("access-control-allow-headers", allow_headers),
            ("access-control-max-age", "86400"),
        ),
    )


# --- apps --------------------------------------------------------------------------------------


def jsonrpc_app(registry: ApiRegistry, *, max_batch: int = MAX_BATCH) -> HttpApp:
    """JSON-RPC over HTTP: POST (any path) carries a request or batch; GET / is a health check."""

    async def app(
        method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> HttpResponse:
        if method == "POST":
            out = await handle_request_body(body, registry, max_batch=max_batch)
            return HttpResponse(204, b"") if out is None else HttpResponse(200, out)
        if method == "GET":
            if path.rstrip("/") == "":
                return HttpResponse(200, dumps({"status": "ok", "service": "qorenode"}).encode())
            return HttpResponse(404, _json_error_body(NotFound(f"no resource at {path}")))
        error = Unsupported(f"method {method} not allowed: POST JSON-RPC requests")
        return HttpResponse(405, _json_error_body(error), headers=(("allow", "GET, POST"),))

    return app


def _rest_error(status: int, error: NodeError) -> HttpResponse:
    body = {"code": error.code, "codespace": error.codespace, "message": error.message}
    body["details"] = []
    return HttpResponse(status, dumps(body).encode())


def rest_app(registry: ApiRegistry) -> HttpApp:
    """REST routes of the registry, with errors as cosmos-sdk's grpc-gateway renders them."""

    async def app(
        method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> HttpResponse:
        match = registry.match_route(method, path)
        if match is None:
            allowed = registry.allowed_methods(path)
            if allowed:
                response = _rest_error(405, Unsupported(f"method {method} not allowed on {path}"))
                return HttpResponse(
                    response.status, response.body, headers=(("allow", ", ".join(allowed)),)
                )
            return _rest_error(404, NotFound(f"no route for {method} {path}"))
        try:
            result = await match.handler(match.params, query, None if method == "GET" else body)
        except NotFound as exc:
            return _rest_error(404, exc)
        except NodeError as exc:
            return _rest_error(400, exc)
        except Exception:
            logger.exception("REST handler for %s %s failed", method, match.route.pattern)
            return _rest_error(500, InternalError("internal error"))
        if isinstance(result, HttpResponse):
            return result
        try:
            return HttpResponse(200, dumps(result).encode())
        except (TypeError, ValueError, RecursionError):
            logger.exception("REST handler for %s %s returned non-JSON", method, path)
            return _rest_error(500, InternalError("internal error"))

    return app
