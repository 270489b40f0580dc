"""Dev keys (anvil's accounts from the dev mnemonic) and the keyring under --home."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from qorenode.errors import InvalidParams
from qorenode.keys import DEV_ACCOUNT_COUNT, KeyPair, Keyring, UnknownKey, dev_key, dev_keys

ANVIL = [
    (
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    ),
    (
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    ),
    (
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    ),
]


def test_dev_keys_are_anvils() -> None:
    for index, (address, private_key) in enumerate(ANVIL):
        key = dev_key(index)
        assert key.name == f"dev{index}"
        assert key.hex_address == address
        assert key.private_key.hex() == private_key
        assert key.address == bytes.fromhex(address[2:])
    assert dev_key(9).hex_address == "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"
    assert dev_key(0).bech32_address == "qor17w0adeg64ky0daxwd2ugyuneellmjgnxhkv37z"


def test_dev_keys_list() -> None:
    keys = dev_keys()
    assert len(keys) == DEV_ACCOUNT_COUNT == 10
    assert [k.name for k in keys] == [f"dev{i}" for i in range(10)]
    assert len({k.address for k in keys}) == 10


def test_key_json() -> None:
    data = dev_key(1).to_json()
    assert data == {
        "name": "dev1",
        "address": ANVIL[1][0],
        "bech32": dev_key(1).bech32_address,
        "private_key": "0x" + ANVIL[1][1],
    }


def test_keyring_add_get_list(tmp_path: Path) -> None:
    ring = Keyring(tmp_path)
    assert [k.name for k in ring.list()] == [f"dev{i}" for i in range(10)]
    secret = bytes.fromhex(ANVIL[2][1])
    added = ring.add("alice", secret)
    assert added == KeyPair("alice", secret)
    assert added.hex_address == ANVIL[2][0]
    assert ring.get("alice") == added
    bob = ring.add("bob_2")
    assert len(bob.private_key) == 32
    assert [k.name for k in ring.list()][10:] == ["alice", "bob_2"]
    # stored on disk, private to the user, read back by another keyring over the same home
    path = tmp_path / "keys" / "alice.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Keyring(tmp_path).get("bob_2") == bob
    assert ring.get("dev3") == dev_key(3)


def test_keyring_refuses_duplicates_and_bad_names(tmp_path: Path) -> None:
    ring = Keyring(tmp_path)
    ring.add("carol", b"\x01" * 32)
    with pytest.raises(InvalidParams, match="already exists"):
        ring.add("carol", b"\x02" * 32)
    assert ring.get("carol").private_key == b"\x01" * 32  # the original is kept
    for name in ("dev0", "dev11", "with space", "../escape", "a/b", ""):
        with pytest.raises(InvalidParams):
            ring.add(name)


def test_keyring_unknown_key(tmp_path: Path) -> None:
    ring = Keyring(tmp_path)
    with pytest.raises(UnknownKey, match="no key named 'nobody'"):
        ring.get("nobody")
    with pytest.raises(UnknownKey):
        ring.get("dev10")  # only dev0..dev9 are built in
