"""``qorenode init`` and ``qorenode start``: create a home, run the devnet."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from pathlib import Path
from typing import Any

import trio

from qorenode.cli import common_options


def register(sub: Any) -> None:
    init = sub.add_parser("init", help="create a node home from a genesis file (the preset)")
    common_options(init)
    init.add_argument("--genesis", type=Path, default=None, help="genesis file (default: preset)")
    init.add_argument("--overwrite", action="store_true", help="replace an existing genesis")
    init.set_defaults(handler=run_init)

    start = sub.add_parser("start", help="start the devnet (initialises an empty home)")
    common_options(start)
    start.add_argument("--genesis", type=Path, default=None, help="genesis file for a new home")
    start.add_argument(
        "--block-time",
        type=float,
        default=None,
        help="seconds between blocks; 0 = a block as soon as transactions arrive (default: genesis)",
    )
    start.add_argument("--host", default="127.0.0.1", help="address the servers bind")
    start.add_argument("--eth-port", type=int, default=8545, help="Ethereum JSON-RPC over HTTP")
    start.add_argument("--ws-port", type=int, default=8546, help="Ethereum JSON-RPC over WebSocket")
    start.add_argument("--svm-port", type=int, default=8899, help="Solana JSON-RPC (WS: next port)")
    start.add_argument("--rest-port", type=int, default=1317, help="REST (Cosmos-style) API")
    start.add_argument("--log-level", default="INFO", help="logging level")
    start.set_defaults(handler=run_start)


def run_init(args: argparse.Namespace) -> Any:
    from qorenode.node import init_home

    path = init_home(args.home, args.genesis, overwrite=args.overwrite)
    return {"home": str(args.home), "genesis": str(path)}


def run_start(args: argparse.Namespace) -> Any:
    from qorenode.node import Node, NodeConfig, banner

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = NodeConfig(
        home=args.home,
        genesis_file=args.genesis,
        host=args.host,
        eth_port=args.eth_port,
        ws_port=args.ws_port,
        svm_port=args.svm_port,
        rest_port=args.rest_port,
    )
    node = Node(config)
    # What start-up made (py-evm's state and caches, the modules, the loaded programs) lives as
    # long as the process: out of the cyclic collector's full passes, which otherwise walk it all.
    gc.freeze()
    config.block_time = (
        args.block_time if args.block_time is not None else float(node.genesis["block_time"])
    )

    async def main() -> None:
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with trio.open_nursery() as nursery:
                await nursery.start(node.serve)
                print(banner(node), flush=True)
                mode = "instant" if config.block_time == 0 else f"every {config.block_time:g}s"
                print(f"Listening; blocks {mode}. Ctrl-C to stop.", flush=True)
                async for _ in signals:
                    nursery.cancel_scope.cancel()
                    break

    try:
        trio.run(main)
    except OSError as exc:
        print(f"Error: cannot start servers: {exc}", file=sys.stderr)
        return None
    finally:
        node.close()
    return None
