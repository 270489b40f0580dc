"""The API registry: names, duplicates, route matching, subscription lookups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from qorenode.interfaces import Subscription, SubscriptionSink
from qorenode.rpc.registry import ApiRegistry, DuplicateRegistration


async def rpc_handler(*args: Any) -> Any:
    return args


async def rest_handler(
    path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
) -> Any:
    return dict(path)


async def factory(params: Any, sink: SubscriptionSink) -> Subscription:
    raise NotImplementedError


def test_rpc_method_is_namespaced_and_duplicates_raise() -> None:
    reg = ApiRegistry()
    reg.rpc_method("eth", "chainId", rpc_handler)
    entry = reg.method("eth_chainId")
    assert entry is not None and entry.handler is rpc_handler
    assert reg.method("chainId") is None
    with pytest.raises(DuplicateRegistration):
        reg.rpc_method("eth", "chainId", rpc_handler)


def test_empty_namespace_registers_bare_names() -> None:
    reg = ApiRegistry()
    reg.rpc_method("", "getBalance", rpc_handler)  # Solana-style JSON-RPC
    assert reg.method("getBalance") is not None
    assert reg.method_names() == ["getBalance"]


@pytest.mark.parametrize("namespace, name", [("e_th", "x"), ("eth", ""), ("1eth", "x")])
def test_bad_names_raise(namespace: str, name: str) -> None:
    with pytest.raises(ValueError):
        ApiRegistry().rpc_method(namespace, name, rpc_handler)


def test_subscriptions_reserve_subscribe_methods() -> None:
    reg = ApiRegistry()
    reg.subscription("eth", "newHeads", factory)
    reg.subscription("eth", "logs", factory)
    assert reg.subscription_method("eth_subscribe") == ("eth", "subscribe")
    assert reg.subscription_method("eth_unsubscribe") == ("eth", "unsubscribe")
    assert reg.subscription_method("qor_subscribe") is None
    assert reg.subscription_factory("eth", "logs") is factory
    assert reg.subscription_factory("eth", "nope") is None
    assert reg.subscription_names("eth") == ["logs", "newHeads"]
    with pytest.raises(DuplicateRegistration):
        reg.subscription("eth", "logs", factory)
    with pytest.raises(DuplicateRegistration):
        reg.rpc_method("eth", "subscribe", rpc_handler)
    other = ApiRegistry()
    other.rpc_method("qor", "unsubscribe", rpc_handler)
    with pytest.raises(DuplicateRegistration):
        other.subscription("qor", "crossvm", factory)


def test_route_matching_with_params_and_precedence() -> None:
    reg = ApiRegistry()
    reg.rest_route("GET", "/cosmos/bank/v1beta1/balances/{addr}", rest_handler)
    reg.rest_route("GET", "/blocks/{height}", rest_handler)
    reg.rest_route("GET", "/blocks/latest", rest_handler)
    reg.rest_route("post", "/qorechain/tx/v1/txs", rest_handler)
    reg.rest_route("GET", "/denoms_metadata/{denom=**}", rest_handler)

    m = reg.match_route("GET", "/cosmos/bank/v1beta1/balances/qor1abc%2Fx/")
    assert m is not None and m.params == {"addr": "qor1abc/x"}
    m = reg.match_route("GET", "/blocks/latest")
    assert m is not None and m.route.pattern == "/blocks/latest" and m.params == {}
    m = reg.match_route("GET", "/blocks/12")
    assert m is not None and m.params == {"height": "12"}
    m = reg.match_route("GET", "/denoms_metadata/ibc/ABCD")
    assert m is not None and m.params == {"denom": "ibc/ABCD"}
    assert reg.match_route("GET", "/blocks/12/extra") is None
    assert reg.match_route("GET", "/blocks") is None
    assert reg.match_route("GET", "/qorechain/tx/v1/txs") is None
    assert reg.allowed_methods("/qorechain/tx/v1/txs") == ["POST"]
    assert reg.match_route("POST", "/qorechain/tx/v1/txs") is not None


def test_ambiguous_routes_raise() -> None:
    reg = ApiRegistry()
    reg.rest_route("GET", "/a/{x}", rest_handler)
    with pytest.raises(DuplicateRegistration):
        reg.rest_route("GET", "/a/{y}", rest_handler)
    reg.rest_route("POST", "/a/{y}", rest_handler)  # another method is fine
    with pytest.raises(ValueError):
        reg.rest_route("GET", "/b/{x}/{x}", rest_handler)
    with pytest.raises(ValueError):
        reg.rest_route("GET", "no-slash", rest_handler)
