"""Genesis programs: the CrossVM bridge deployed at its fixed program id, the funded authority,
both surviving a restart, and a Submit to the bridge in a real block."""

from __future__ import annotations

import base64
import copy
import hashlib
import struct
from pathlib import Path
from typing import Any

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from qorenode.composition import compose
from qorenode.genesis import (
    BRIDGE_SO,
    REPO_ROOT,
    InvalidGenesis,
    bridge_program_id,
    build_devnet_genesis,
    crossvm_authority_keypair,
    load_genesis,
)
from qorenode.keys import solana_dev_keypair
from qorenode.store import Database
from tests.unit.core.chainkit import Chain
from tests.unit.svm import svmchain
from vms.svm.module import UPGRADEABLE_LOADER

ALICE = solana_dev_keypair(0)
BRIDGE = bridge_program_id()
AUTHORITY = Pubkey.from_string("GH2MU5h2re7Q9UCGCvzsSTUdWro4KuECMMh3PGoqeqrC")


def program_data(program_id: Pubkey) -> Pubkey:
    return Pubkey.find_program_address([bytes(program_id)], UPGRADEABLE_LOADER)[0]


def submit_ix(
    sender: Pubkey, target: bytes = b"0x" + b"11" * 20, payload: bytes = b""
) -> Instruction:
    data = bytes([0, 0]) + struct.pack("<H", len(target)) + target + payload
    return Instruction(BRIDGE, data, [AccountMeta(sender, True, False)])


def send(chain: Chain, instructions: list[Instruction], signer: Keypair) -> Any:
    return svmchain.send(chain, svmchain.signed(chain, instructions, [signer]))


def assert_bridge_deployed(chain: Chain) -> None:
    program = chain.svm.account(bytes(BRIDGE))
    assert program is not None and program.executable
    assert program.owner == UPGRADEABLE_LOADER
    data = chain.svm.account(bytes(program_data(BRIDGE)))
    assert data is not None and not data.executable
    assert bytes(data.data).endswith((REPO_ROOT / BRIDGE_SO).read_bytes())


def test_the_preset_records_the_bridge_and_the_authority() -> None:
    genesis = load_genesis()
    assert genesis == build_devnet_genesis()  # genesis/devnet.json is up to date (make genesis)
    section = genesis["svm"]
    assert section["bridge_program_id"] == str(BRIDGE)
    assert Pubkey(hashlib.sha256(b"qorenode/crossvm/bridge-program").digest()) == BRIDGE
    assert (
        section["crossvm_authority"] == str(AUTHORITY) == str(crossvm_authority_keypair().pubkey())
    )
    assert section["programs"] == [
        {
            "program_id": str(BRIDGE),
            "so": BRIDGE_SO,
            "sha256": hashlib.sha256((REPO_ROOT / BRIDGE_SO).read_bytes()).hexdigest(),
        }
    ]
    funded = {e["pubkey"]: int(e["lamports"]) for e in section["accounts"]}
    assert funded[str(AUTHORITY)] > 0


def test_the_bridge_is_executable_at_genesis_and_the_authority_funded(chain: Chain) -> None:
    assert_bridge_deployed(chain)
    assert chain.svm.bridge_program_id == BRIDGE
    assert chain.svm.crossvm_authority == AUTHORITY
    authority = chain.svm.account(bytes(AUTHORITY))
    assert authority is not None and authority.lamports == 1_000 * 10**9


def test_the_bridge_survives_a_restart(chain: Chain) -> None:
    chain.mine()
    chain.restart()
    assert_bridge_deployed(chain)
    assert chain.svm.bridge_program_id == BRIDGE
    result = send(chain, [submit_ix(ALICE.pubkey())], ALICE)
    assert result.success, result.log


def test_a_submit_to_the_bridge_succeeds_in_a_block(chain: Chain) -> None:
    result = send(chain, [submit_ix(ALICE.pubkey(), payload=b"\xab\xcd\xef\x01")], ALICE)
    assert result.success, result.log
    logs = result.details["logs"]
    line = "Program log: crossvm submit: target_vm=0 target=0x" + "11" * 20 + " payload_len=4"
    assert line in logs
    assert f"Program {BRIDGE} success" in logs


def test_a_bad_submit_fails_with_the_bridge_error(chain: Chain) -> None:
    ix = submit_ix(ALICE.pubkey())
    unsigned = Instruction(BRIDGE, bytes(ix.data), [AccountMeta(AUTHORITY, False, False)])
    result = send(chain, [unsigned], ALICE)
    assert not result.success
    assert "Custom(1011)" in result.log


def test_a_program_from_so_base64(tmp_path: Path) -> None:
    genesis = copy.deepcopy(load_genesis())
    counter = (REPO_ROOT / "native/svm/build/counter.so").read_bytes()
    program_id = Pubkey(hashlib.sha256(b"test/counter").digest())
    genesis["svm"]["programs"].append(
        {"program_id": str(program_id), "so_base64": base64.b64encode(counter).decode()}
    )
    chain = Chain(tmp_path / "db", genesis=genesis)
    try:
        account = chain.svm.account(bytes(program_id))
        assert account is not None and account.executable
    finally:
        chain.close()


@pytest.mark.parametrize(
    "entry",
    [
        {"so": BRIDGE_SO, "sha256": "00" * 32},
        {"so": "native/svm/build/missing.so"},
        {"so_base64": base64.b64encode(b"not an elf").decode()},
        {},
    ],
)
def test_a_bad_genesis_program_is_refused(tmp_path: Path, entry: dict[str, str]) -> None:
    genesis = copy.deepcopy(load_genesis())
    genesis["svm"]["programs"] = [{"program_id": str(BRIDGE), **entry}]
    database = Database(tmp_path / "db")
    try:
        app = compose(database, genesis).app
        with pytest.raises(InvalidGenesis):
            app.start(genesis)
    finally:
        database.close()
