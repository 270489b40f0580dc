"""HTTP/1.1 transport on trio and httptools, and the two HTTP apps (JSON-RPC, REST).

``serve_http`` accepts connections (one task each), parses requests with httptools (llhttp, the
parser of Node.js: ~1 us a request where h11 took ~95), keeps connections alive (pipelined
requests are answered in order), bounds request bodies, answers CORS preflights, and hands each
request to an ``HttpApp``.
The transport knows nothing about JSON-RPC; ``jsonrpc_app`` and ``rest_app`` adapt the registry.
A misbehaving connection (malformed HTTP, oversize body, reset, idle) only ever closes itself.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

import httptools
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


@dataclass(frozen=True)
class _Request:
    """One complete request as the parser read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    keep_alive: bool


class _RequestReader:
    """httptools' callbacks for one connection: complete requests queue up in ``ready`` (pipelined
    ones too); a malformed or oversize request sets ``error`` or ``too_large``, and nothing after
    it is read. Callbacks never raise (httptools would wrap the exception)."""

    def __init__(self, max_body: int) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.max_body = max_body
        self.ready: deque[_Request] = deque()
        self.error: str | None = None
        self.too_large = False
        self.waiting_for_continue = False  # headers asked for 100-continue, the body is not in
        self.upgraded = False  # the rest of the stream is another protocol: close after answering
        self._url = b""
        self._headers: dict[str, str] = {}
        self._chunks: list[bytes] = []
        self._size = 0

    @property
    def stopped(self) -> bool:
        return self.error is not None or self.too_large

    def feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.upgraded = True
        except httptools.HttpParserError as exc:
            if not self.stopped:
                self.error = str(exc) or type(exc).__name__

    # -- httptools callbacks --------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url, self._headers, self._chunks, self._size = b"", {}, [], 0

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        headers = self._headers
        headers[key] = f"{headers[key]}, {text}" if key in headers else text

    def on_headers_complete(self) -> None:
        if self.stopped:
            return
        headers = self._headers
        if self.parser.get_http_version() == "1.1" and "host" not in headers:
            self.error = "HTTP/1.1 request without a Host header"
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            self.too_large = True
            return
        self.waiting_for_continue = headers.get("expect", "").lower() == "100-continue"

    def on_body(self, body: bytes) -> None:
        self.waiting_for_continue = False
        if self.stopped:
            return
        self._size += len(body)
        if self._size > self.max_body:
            self.too_large = True
        else:
            self._chunks.append(bytes(body))

    def on_message_complete(self) -> None:
        self.waiting_for_continue = False
        if self.stopped:
            return
        parser = self.parser
        self.ready.append(
            _Request(
                method=parser.get_method().decode("ascii", "replace").upper(),
                target=self._url.decode("latin-1"),
                headers=self._headers,
                body=b"".join(self._chunks),
                keep_alive=parser.should_keep_alive(),
            )
        )


class _HttpConnection:
    """The request/response cycle of one connection, requests parsed by httptools (llhttp)."""

    def __init__(
        self, stream: trio.SocketStream, app: HttpApp, max_body: int, idle_timeout: float
    ) -> None:
        self._stream = stream
        self._app = app
        self._max_body = max_body
        self._idle_timeout = idle_timeout
        self._reader = _RequestReader(max_body)

    async def run(self) -> None:
        """Serve requests until the client or the protocol says to close."""
        while True:
            request = await self._next_request()
            if request is None:
                return
            keep_alive = request.keep_alive and not self._reader.upgraded
            await self._answer(request, keep_alive)
            if not keep_alive:
                return

    async def _next_request(self) -> _Request | None:
        """The next complete request; None once the connection is to close (the client closed,
        sent something malformed or too large: answered here)."""
        reader = self._reader
        deadline = trio.current_time() + self._idle_timeout
        while True:
            if reader.ready:
                return reader.ready.popleft()
            if reader.error is not None:
                await self._refuse(400, InvalidRequest(f"malformed HTTP request: {reader.error}"))
                return None
            if reader.too_large:
                error = RequestTooLarge(f"request body too large: limit {self._max_body} bytes")
                await self._refuse(413, error)
                return None
            if reader.upgraded:
                return None
            if reader.waiting_for_continue:
                reader.waiting_for_continue = False
                await self._stream.send_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            with trio.fail_at(deadline):
                data = await self._stream.receive_some(_RECEIVE_SIZE)
            if not data:
                return None
            reader.feed(data)

    async def _answer(self, request: _Request, keep_alive: bool) -> None:
        method = request.method
        if method == "OPTIONS":
            response = _preflight(request.headers)
        else:
            parts = urlsplit(request.target)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            app_method = "GET" if method == "HEAD" else method
            try:
                response = await self._app(
                    app_method, parts.path or "/", query, request.headers, request.body
                )
            except Exception:
                logger.exception("HTTP app failed on %s %s", method, parts.path)
                response = HttpResponse(500, _json_error_body(InternalError("internal error")))
        await self._stream.send_all(
            _encode_response(response, head=method == "HEAD", close=not keep_alive)
        )

    async def _refuse(self, status: int, error: NodeError) -> None:
        """Send an error response, then close gracefully."""
        response = HttpResponse(status, _json_error_body(error))
        await self._stream.send_all(_encode_response(response, head=False, close=True))
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


def _encode_response(response: HttpResponse, *, head: bool, close: bool) -> bytes:
    """``response`` as HTTP/1.1 bytes; a HEAD answer keeps the length of the body it omits."""
    status = response.status
    has_body = status not in _NO_BODY_STATUSES and status >= 200
    lines = [
        f"HTTP/1.1 {status} {_reason(status)}",
        "server: qorenode",
        "access-control-allow-origin: *",
    ]
    if has_body:
        lines.append(f"content-type: {response.content_type}")
        lines.append(f"content-length: {len(response.body)}")
    lines.extend(f"{name}: {value}" for name, value in response.headers)
    if close:
        lines.append("connection: close")
    head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if has_body and not head:
        return head_bytes + response.body
    return head_bytes


@lru_cache(maxsize=64)
def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


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
