"""Watch x/crossvm messages over the node's WebSocket (qor_subscribe "crossvm").

    .venv/bin/python docs/crossvm/watch.py [FILTER_JSON] [--url ws://127.0.0.1:8546] [--count N]

FILTER_JSON keys (all optional): message_id, sender, status, source_vm, target_vm, e.g.
'{"target_vm": "cosmwasm"}'. Prints one line per event (crossvm_request, crossvm_response,
crossvm_timeout) with the message's status as of that block; exits after N terminal events
(executed, failed, timed_out) when --count is given.
"""

import argparse
import asyncio
import json

import websockets


async def watch(url: str, query: dict[str, object], count: int | None) -> None:
    async with websockets.connect(url) as ws:
        request = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "qor_subscribe",
            "params": ["crossvm", query],
        }
        await ws.send(json.dumps(request))
        print("subscribed:", json.loads(await ws.recv())["result"], flush=True)
        terminal = 0
        async for raw in ws:
            event = json.loads(raw)["params"]["result"]
            m = event["message"]
            if event["type"] == "crossvm_request":
                detail = f"sender={m['sender']} target={m['target_contract']}"
            elif event["type"] == "crossvm_timeout":
                detail = f"timeout_height={m['timeout_height']} (any escrow refunded)"
            elif m["error"]:
                detail = f"error={m['error']}"
            else:
                detail = f"result={m['result_hex']}"
            print(
                f"height={event['height']} {event['type']} id={m['id']} "
                f"{m['source_vm']}->{m['target_vm']} status={m['status']} {detail}",
                flush=True,
            )
            if m["status"] in ("executed", "failed", "timed_out"):
                terminal += 1
                if count is not None and terminal >= count:
                    return


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("filter", nargs="?", default="{}", help="subscription filter as JSON")
    parser.add_argument("--url", default="ws://127.0.0.1:8546", help="the node's WebSocket")
    parser.add_argument("--count", type=int, default=None, help="exit after N terminal events")
    args = parser.parse_args()
    asyncio.run(watch(args.url, json.loads(args.filter), args.count))
