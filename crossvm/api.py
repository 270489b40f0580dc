"""x/crossvm's API: JSON-RPC ``qor_*`` methods, REST routes, the ``crossvm`` subscription.

    qor_getCrossVMMessage(id)           the record (error 18 if unknown)
    qor_getPendingCrossVMMessages()     submitted and pending records, FIFO
    qor_listCrossVMMessages(filter)     records newest first: sender, status, source_vm,
                                        target_vm, limit
    qor_getCrossVMParams()              {authority, params}
    qor_crossVMAlias(target_vm, source_vm, sender)
    GET /qorechain/crossvm/v1/params | /pending | /message/{id}
    qor_subscribe("crossvm", filter)    each event of a matching message (WebSocket)

Every read runs on the state-machine worker, so it sees committed state (or the block being
built while one is), never a torn mix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crossvm.errors import InvalidInput
from crossvm.msgs import parse_sender, parse_vm, record_filter
from crossvm.types import CrossVmNotice, MessageRecord
from qorenode.interfaces import (
    ApiRegistry,
    BlockNotice,
    NodeServices,
    Subscription,
    SubscriptionSink,
)

if TYPE_CHECKING:
    from crossvm.module import CrossVmModule


def register_crossvm_api(api: ApiRegistry, node: NodeServices, module: CrossVmModule) -> None:
    async def alias(target_vm: Any, source_vm: Any, sender: Any) -> str:
        target, source = parse_vm(target_vm), parse_vm(source_vm)
        raw = parse_sender(sender)
        result: str = await node.run(lambda: module.alias(target, source, raw))
        return result

    async def get_params() -> dict[str, Any]:
        result: dict[str, Any] = await node.run(module.params_json)
        return result

    async def get_message(message_id: Any) -> dict[str, Any]:
        result: dict[str, Any] = await node.run(lambda: module.message_json(message_id))
        return result

    async def get_pending() -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await node.run(module.pending_json)
        return result

    async def list_messages(query: Any = None) -> list[dict[str, Any]]:
        if query is None:
            query = {}
        if not isinstance(query, dict):
            raise InvalidInput("the filter is an object: sender, status, source_vm, target_vm")
        result: list[dict[str, Any]] = await node.run(lambda: module.list_json(query))
        return result

    async def subscribe(params: Sequence[Any], sink: SubscriptionSink) -> Subscription:
        query = params[0] if params else {}
        if query is None:
            query = {}
        if not isinstance(query, dict) or "limit" in query:
            raise InvalidInput(
                "the filter is an object: message_id, sender, status, source_vm, target_vm"
            )
        return CrossVmSubscription(sink, record_filter(query))

    async def rest_params(path: Mapping[str, str], query: Mapping[str, str], body: Any) -> Any:
        return await get_params()

    async def rest_pending(path: Mapping[str, str], query: Mapping[str, str], body: Any) -> Any:
        return {"messages": await get_pending()}

    async def rest_message(path: Mapping[str, str], query: Mapping[str, str], body: Any) -> Any:
        return {"message": await get_message(path["id"])}

    api.rpc_method("qor", "crossVMAlias", alias)
    api.rpc_method("qor", "getCrossVMParams", get_params)
    api.rpc_method("qor", "getCrossVMMessage", get_message)
    api.rpc_method("qor", "getPendingCrossVMMessages", get_pending)
    api.rpc_method("qor", "listCrossVMMessages", list_messages)
    api.subscription("qor", "crossvm", subscribe)
    api.rest_route("GET", "/qorechain/crossvm/v1/params", rest_params)
    api.rest_route("GET", "/qorechain/crossvm/v1/pending", rest_pending)
    api.rest_route("GET", "/qorechain/crossvm/v1/message/{id}", rest_message)


class CrossVmSubscription(Subscription):
    """``qor_subscribe("crossvm", filter)``: each x/crossvm event of each new block whose
    message matches the filter, with the message's record as of that block."""

    def __init__(self, sink: SubscriptionSink, match: Callable[[MessageRecord], bool]) -> None:
        self.sink = sink
        self.match = match

    async def on_block(self, notice: BlockNotice) -> None:
        part = notice.extras.get("crossvm") or {}
        item: CrossVmNotice
        for item in part.get("events", []):
            message = item.message()
            if message is not None and self.match(message):
                await self.sink.send(item.to_json())
