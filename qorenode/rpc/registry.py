"""The node API registry: JSON-RPC methods, REST routes and WebSocket subscriptions.

Modules register their API here (``Module.register_api``); the protocol layers look it up. This is
the node-API layer of the servers, in the spirit of anvil's split between transport (HTTP, WS),
protocol (JSON-RPC 2.0) and the node's API.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from qorenode import interfaces
from qorenode.interfaces import RestHandler, RpcHandler, SubscriptionFactory

__all__ = [
    "ApiRegistry",
    "DuplicateRegistration",
    "RestRoute",
    "RouteMatch",
    "RpcMethod",
    "SubscriptionAction",
]

_NAMESPACE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_HTTP_METHOD = re.compile(r"^[A-Z]+$")
_PARAM = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)(=\*\*)?\}$")

SubscriptionAction = Literal["subscribe", "unsubscribe"]


class DuplicateRegistration(ValueError):
    """A method, route or subscription was registered twice (a programming error)."""


@dataclass(frozen=True)
class RpcMethod:
    """A registered JSON-RPC method; ``signature`` is None when it cannot be introspected."""

    name: str
    handler: RpcHandler
    signature: inspect.Signature | None


@dataclass(frozen=True)
class _Segment:
    """One path segment of a route pattern: a literal, a ``{param}`` or a final ``{param=**}``."""

    kind: Literal["literal", "param", "rest"]
    value: str  # the literal text, or the parameter name

    @property
    def rank(self) -> int:
        """Literals beat parameters, which beat a rest-of-path wildcard."""
        return {"literal": 0, "param": 1, "rest": 2}[self.kind]


@dataclass(frozen=True)
class RestRoute:
    """A registered REST route."""

    method: str
    pattern: str
    handler: RestHandler
    segments: tuple[_Segment, ...]

    @property
    def shape(self) -> tuple[str, ...]:
        """The pattern with parameter names erased: two routes with one shape are ambiguous."""
        return tuple(s.value if s.kind == "literal" else "{" + s.kind + "}" for s in self.segments)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """Path parameters if the (still percent-encoded) path segments match, else None."""
        params: dict[str, str] = {}
        for i, seg in enumerate(self.segments):
            if seg.kind == "rest":
                if i >= len(parts):
                    return None
                params[seg.value] = "/".join(unquote(p) for p in parts[i:])
                return params
            if i >= len(parts):
                return None
            part = unquote(parts[i])
            if seg.kind == "literal":
                if part != seg.value:
                    return None
            else:
                if not part:
                    return None
                params[seg.value] = part
        return params if len(parts) == len(self.segments) else None


@dataclass(frozen=True)
class RouteMatch:
    """The route a request path resolved to, and its path parameters (percent-decoded)."""

    route: RestRoute
    params: dict[str, str]

    @property
    def handler(self) -> RestHandler:
        return self.route.handler


def _split_path(path: str) -> list[str]:
    """Path segments without empty leading/trailing parts (``/a/b/`` -> ``["a", "b"]``)."""
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


def _parse_pattern(pattern: str) -> tuple[_Segment, ...]:
    if not pattern.startswith("/"):
        raise ValueError(f"route pattern must start with '/': {pattern!r}")
    segments: list[_Segment] = []
    names: set[str] = set()
    parts = _split_path(pattern)
    for i, part in enumerate(parts):
        m = _PARAM.match(part)
        if m is None:
            if "{" in part or "}" in part:
                raise ValueError(f"bad path parameter {part!r} in route {pattern!r}")
            segments.append(_Segment("literal", part))
            continue
        name = m.group(1)
        if name in names:
            raise ValueError(f"path parameter {name!r} repeated in route {pattern!r}")
        names.add(name)
        if m.group(2):
            if i != len(parts) - 1:
                raise ValueError(f"{{{name}=**}} must be the last segment of {pattern!r}")
            segments.append(_Segment("rest", name))
        else:
            segments.append(_Segment("param", name))
    return tuple(segments)


def _signature(handler: RpcHandler) -> inspect.Signature | None:
    try:
        return inspect.signature(handler)
    except (TypeError, ValueError):
        return None


class ApiRegistry:
    """Concrete registry satisfying ``qorenode.interfaces.ApiRegistry``, with lookups for servers.

    JSON-RPC methods are named ``{namespace}_{name}``. A namespace with at least one subscription
    gets ``{namespace}_subscribe(name, *params)`` and ``{namespace}_unsubscribe(id)``, served by the
    WebSocket layer.
    """

    def __init__(self) -> None:
        self._methods: dict[str, RpcMethod] = {}
        self._routes: list[RestRoute] = []
        self._subscriptions: dict[str, dict[str, SubscriptionFactory]] = {}

    # --- registration (the interfaces.ApiRegistry surface) -------------------------------------

    def rpc_method(self, namespace: str, name: str, handler: RpcHandler) -> None:
        """Register the JSON-RPC method ``{namespace}_{name}`` (just ``name`` if namespace is "").

        The empty namespace is for APIs without namespaces, such as Solana's JSON-RPC.
        """
        if namespace:
            _check_name("namespace", namespace, _NAMESPACE)
        _check_name("method name", name, _NAME)
        full = f"{namespace}_{name}" if namespace else name
        if not callable(handler):
            raise TypeError(f"handler of {full} is not callable")
        if full in self._methods:
            raise DuplicateRegistration(f"JSON-RPC method {full} is already registered")
        if namespace in self._subscriptions and name in ("subscribe", "unsubscribe"):
            raise DuplicateRegistration(f"{full} is reserved by the {namespace} subscriptions")
        self._methods[full] = RpcMethod(full, handler, _signature(handler))

    def rest_route(self, method: str, pattern: str, handler: RestHandler) -> None:
        """Register a REST route such as ``GET /cosmos/bank/v1beta1/balances/{addr}``."""
        method = method.upper()
        if not _HTTP_METHOD.match(method):
            raise ValueError(f"bad HTTP method {method!r}")
        if not callable(handler):
            raise TypeError(f"handler of {method} {pattern} is not callable")
        route = RestRoute(method, pattern, handler, _parse_pattern(pattern))
        for other in self._routes:
            if other.method == method and other.shape == route.shape:
                raise DuplicateRegistration(
                    f"REST route {method} {pattern} clashes with {other.method} {other.pattern}"
                )
        self._routes.append(route)

    def subscription(self, namespace: str, name: str, factory: SubscriptionFactory) -> None:
        """Register the WebSocket subscription ``{namespace}_subscribe("{name}", ...)``."""
        _check_name("namespace", namespace, _NAMESPACE)
        if not name:
            raise ValueError("subscription name must not be empty")
        if not callable(factory):
            raise TypeError(f"factory of subscription {namespace}/{name} is not callable")
        for reserved in (f"{namespace}_subscribe", f"{namespace}_unsubscribe"):
            if reserved in self._methods:
                raise DuplicateRegistration(f"{reserved} is already a plain JSON-RPC method")
        by_name = self._subscriptions.setdefault(namespace, {})
        if name in by_name:
            raise DuplicateRegistration(f"subscription {namespace}/{name} is already registered")
        by_name[name] = factory

    # --- lookups (for the protocol and transport layers) ---------------------------------------

    def method(self, full_name: str) -> RpcMethod | None:
        """The plain JSON-RPC method registered under ``full_name``, if any."""
        return self._methods.get(full_name)

    def method_names(self) -> list[str]:
        """Every plain JSON-RPC method name, sorted."""
        return sorted(self._methods)

    def subscription_method(self, full_name: str) -> tuple[str, SubscriptionAction] | None:
        """``(namespace, "subscribe" | "unsubscribe")`` if ``full_name`` manages subscriptions."""
        namespace, sep, action = full_name.rpartition("_")
        if not sep or namespace not in self._subscriptions:
            return None
        if action == "subscribe":
            return namespace, "subscribe"
        if action == "unsubscribe":
            return namespace, "unsubscribe"
        return None

    def subscription_factory(self, namespace: str, name: str) -> SubscriptionFactory | None:
        """The factory registered for ``{namespace}_subscribe(name)``, if any."""
        return self._subscriptions.get(namespace, {}).get(name)

    def subscription_names(self, namespace: str) -> list[str]:
        """Subscription names of a namespace, sorted."""
        return sorted(self._subscriptions.get(namespace, {}))

    def routes(self) -> Iterator[RestRoute]:
        """Every registered REST route, in registration order."""
        return iter(self._routes)

    def match_route(self, method: str, path: str) -> RouteMatch | None:
        """The most specific route for ``method`` and ``path`` (literals beat parameters)."""
        parts = _split_path(path)
        method = method.upper()
        best: RouteMatch | None = None
        best_key: tuple[int, ...] = ()
        for route in self._routes:
            if route.method != method:
                continue
            params = route.match(parts)
            if params is None:
                continue
            key = tuple(s.rank for s in route.segments)
            if best is None or key < best_key:
                best, best_key = RouteMatch(route, params), key
        return best

    def allowed_methods(self, path: str) -> list[str]:
        """HTTP methods that have a route matching ``path`` (for 405 responses)."""
        parts = _split_path(path)
        return sorted({r.method for r in self._routes if r.match(parts) is not None})


def _check_name(what: str, value: str, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError(f"bad {what} {value!r}: expected {pattern.pattern}")


def _conforms(registry: ApiRegistry) -> interfaces.ApiRegistry:
    """Static check (mypy) that the concrete registry satisfies the interface protocol."""
    return registry
