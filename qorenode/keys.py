"""Dev keys from the well-known mnemonic, and the local keyring under ``--home``."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from eth_account import Account
from eth_keys import keys
from solders.keypair import Keypair

from qorenode.addresses import to_bech32, to_hex
from qorenode.errors import InvalidParams

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNT_COUNT = 10

Account.enable_unaudited_hdwallet_features()


class UnknownKey(InvalidParams):
    code = 26


@dataclass(frozen=True)
class KeyPair:
    """A secp256k1 key: one user on the EVM (0x) and on the Cosmos side (qor1)."""

    name: str
    private_key: bytes

    @property
    def address(self) -> bytes:
        return _address_of(self.private_key)

    @property
    def hex_address(self) -> str:
        return to_hex(self.address)

    @property
    def bech32_address(self) -> str:
        return to_bech32(self.address)

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "address": self.hex_address,
            "bech32": self.bech32_address,
            "private_key": "0x" + self.private_key.hex(),
        }


@cache
def _address_of(private_key: bytes) -> bytes:
    return bytes(keys.PrivateKey(private_key).public_key.to_canonical_address())


@cache
def dev_key(index: int, mnemonic: str = DEV_MNEMONIC) -> KeyPair:
    """The i-th dev key on Ethereum's path m/44'/60'/0'/0/i (anvil's and Hardhat's accounts)."""
    account = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")
    return KeyPair(f"dev{index}", bytes(account.key))


def dev_keys(count: int = DEV_ACCOUNT_COUNT, mnemonic: str = DEV_MNEMONIC) -> list[KeyPair]:
    return [dev_key(i, mnemonic) for i in range(count)]


class Keyring:
    """Named keys: dev0..dev9 built in, others stored as JSON files under ``<home>/keys``.

    A devnet keyring: keys are stored unencrypted, as anvil prints its dev keys.
    """

    def __init__(self, home: Path) -> None:
        self._dir = home / "keys"

    def list(self) -> list[KeyPair]:
        stored = []
        if self._dir.is_dir():
            for path in sorted(self._dir.glob("*.json")):
                stored.append(self._read(path))
        return dev_keys() + stored

    def get(self, name: str) -> KeyPair:
        if name.startswith("dev") and name[3:].isdigit() and int(name[3:]) < DEV_ACCOUNT_COUNT:
            return dev_key(int(name[3:]))
        path = self._dir / f"{name}.json"
        if not path.is_file():
            raise UnknownKey(f"no key named {name!r} (dev0..dev9 or a key added with keys add)")
        return self._read(path)

    def add(self, name: str, private_key: bytes | None = None) -> KeyPair:
        if not name.replace("-", "").replace("_", "").isalnum() or name.startswith("dev"):
            raise InvalidParams(f"invalid key name {name!r} (letters, digits, - and _; not dev*)")
        path = self._dir / f"{name}.json"
        if path.exists():
            raise InvalidParams(f"key {name!r} already exists")
        key = KeyPair(name, private_key or os.urandom(32))
        self._dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"name": name, "private_key": key.private_key.hex()}))
        path.chmod(0o600)
        return key

    @staticmethod
    def _read(path: Path) -> KeyPair:
        data = json.loads(path.read_text())
        return KeyPair(data["name"], bytes.fromhex(data["private_key"]))


def mnemonic_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """BIP-39: the 64-byte seed of ``mnemonic``."""
    salt = ("mnemonic" + passphrase).encode()
    return hashlib.pbkdf2_hmac("sha512", mnemonic.encode(), salt, 2048)


@cache
def solana_dev_keypair(index: int, mnemonic: str = DEV_MNEMONIC) -> Keypair:
    """The i-th Solana dev keypair, on Solana's path m/44'/501'/i'/0' (as solana-keygen derives)."""
    return Keypair.from_seed_and_derivation_path(mnemonic_seed(mnemonic), f"m/44'/501'/{index}'/0'")
