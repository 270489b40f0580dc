"""Genesis: the devnet preset and validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qorenode.genesis import (
    DEV_BALANCE,
    PRESET_PATH,
    InvalidGenesis,
    build_devnet_genesis,
    load_genesis,
    validate_genesis,
)
from qorenode.keys import dev_keys


def test_preset_is_the_devnet_genesis() -> None:
    genesis = load_genesis()
    assert PRESET_PATH.is_file()
    assert genesis["chain_id"] == "qorenode-devnet-1"
    assert genesis["evm_chain_id"] == 31337
    balances = {e["address"]: int(e["amount"]) for e in genesis["bank"]["balances"]}
    for key in dev_keys():
        assert balances[key.hex_address] == DEV_BALANCE
    assert genesis["dev_mnemonic"] == "test test test test test test test test test test test junk"
    built = build_devnet_genesis()
    for field in ("chain_id", "evm_chain_id", "genesis_time", "dev_accounts", "bank"):
        assert genesis[field] == built[field]


def test_load_from_a_file(tmp_path: Path) -> None:
    genesis = build_devnet_genesis()
    genesis["chain_id"] = "custom-1"
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(genesis))
    assert load_genesis(path)["chain_id"] == "custom-1"


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidGenesis, match="cannot read"):
        load_genesis(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InvalidGenesis, match="cannot read"):
        load_genesis(bad)


def mutate(change: Any) -> dict[str, Any]:
    genesis = build_devnet_genesis()
    change(genesis)
    return genesis


@pytest.mark.parametrize(
    ("genesis", "message"),
    [
        ([], "JSON object"),
        (mutate(lambda g: g.pop("bank")), "lacks bank"),
        (mutate(lambda g: g.pop("evm") and g.pop("chain_id")), "lacks chain_id, evm"),
        (mutate(lambda g: g.update(evm_chain_id=0)), "evm_chain_id"),
        (mutate(lambda g: g.update(evm_chain_id="31337")), "evm_chain_id"),
        (
            mutate(lambda g: g["bank"]["balances"][0].update(amount="-1")),
            "negative genesis balance",
        ),
    ],
)
def test_validation(genesis: Any, message: str) -> None:
    with pytest.raises(InvalidGenesis, match=message):
        validate_genesis(genesis)


def test_bad_address_in_balances() -> None:
    genesis = mutate(lambda g: g["bank"]["balances"][0].update(address="0x1234"))
    with pytest.raises(Exception, match="20 bytes"):
        validate_genesis(genesis)
