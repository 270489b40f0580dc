"""The ``qorenode`` command line: ``init``, ``start``, ``keys``, ``tx``, ``query``.

Every command takes ``--node URL``, ``--home DIR`` and ``--output json|text``. Each group of
commands lives in its own module and adds itself to the parser through ``register(subparsers)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qorenode.interfaces import NodeError

Command = Callable[[argparse.Namespace], Any]


def common_options(parser: argparse.ArgumentParser) -> None:
    """The options every command takes."""
    from qorenode.node import DEFAULT_HOME

    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="node home directory")
    parser.add_argument(
        "--node", default="http://127.0.0.1:8545", help="JSON-RPC endpoint of a running node"
    )
    parser.add_argument("--output", choices=("json", "text"), default="text", help="output format")


def emit(args: argparse.Namespace, result: Any) -> None:
    """Print a command's result as JSON (``--output json``) or readable text."""
    if result is None:
        return
    if args.output == "json" or not isinstance(result, (str, dict, list)):
        print(json.dumps(result, indent=2, default=str))
    elif isinstance(result, str):
        print(result)
    else:
        print(_as_text(result))


def _as_text(value: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.append(_as_text(item, indent + 1))
            else:
                lines.append(f"{pad}{key}: {item}")
        return "\n".join(lines)
    if isinstance(value, list):
        return "\n".join(
            (f"{pad}-\n" + _as_text(v, indent + 1))
            if isinstance(v, (dict, list))
            else f"{pad}- {v}"
            for v in value
        )
    return f"{pad}{value}"


def build_parser() -> argparse.ArgumentParser:
    from qorenode.cli import keys_commands, node_commands, query_commands, tx_commands

    parser = argparse.ArgumentParser(
        prog="qorenode", description="QoreNode: a devnet node for EVM, CosmWasm and SVM."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (node_commands, keys_commands, tx_commands, query_commands):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        emit(args, args.handler(args))
    except NodeError as exc:
        error = {"error": {"code": exc.code, "codespace": exc.codespace, "message": exc.message}}
        if getattr(args, "output", "text") == "json":
            print(json.dumps(error, indent=2), file=sys.stderr)
        else:
            print(f"Error [{exc.codespace}:{exc.code}]: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
