"""``qorenode keys list|show|add``: the dev keys dev0..dev9 and keys stored under ``<home>/keys``."""

from __future__ import annotations

import argparse
from typing import Any

from qorenode.cli import common_options
from qorenode.errors import InvalidParams
from qorenode.keys import KeyPair, Keyring


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="manage local keys (dev0..dev9 are built in)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)

    list_ = keys_sub.add_parser("list", help="list the keys")
    common_options(list_)
    list_.set_defaults(handler=run_list)

    show = keys_sub.add_parser("show", help="show a key's addresses (0x and qor1)")
    common_options(show)
    show.add_argument("name", help="key name")
    show.add_argument("--private", action="store_true", help="include the private key")
    show.set_defaults(handler=run_show)

    add = keys_sub.add_parser("add", help="add a key (a new random one, or --private-key)")
    common_options(add)
    add.add_argument("name", help="key name (letters, digits, - and _)")
    add.add_argument("--private-key", default=None, help="import this key (hex, 32 bytes)")
    add.set_defaults(handler=run_add)


def _public(key: KeyPair, private: bool = False) -> dict[str, str]:
    data = key.to_json()
    if not private:
        del data["private_key"]
    return data


def run_list(args: argparse.Namespace) -> Any:
    keys = [_public(key) for key in Keyring(args.home).list()]
    if args.output == "json":
        return keys
    return "\n".join(f"{k['name']:<12} {k['address']}  {k['bech32']}" for k in keys)


def run_show(args: argparse.Namespace) -> Any:
    return _public(Keyring(args.home).get(args.name), args.private)


def run_add(args: argparse.Namespace) -> Any:
    private_key = None
    if args.private_key is not None:
        try:
            private_key = bytes.fromhex(args.private_key.removeprefix("0x"))
        except ValueError:
            raise InvalidParams("--private-key must be hex") from None
        if len(private_key) != 32:
            raise InvalidParams(f"--private-key must be 32 bytes, got {len(private_key)}")
        try:
            KeyPair("check", private_key).address  # noqa: B018  (rejects 0 and keys >= n)
        except Exception:
            raise InvalidParams("--private-key is not a valid secp256k1 key") from None
    key = Keyring(args.home).add(args.name, private_key)
    return {**_public(key), "home": str(args.home / "keys")}
