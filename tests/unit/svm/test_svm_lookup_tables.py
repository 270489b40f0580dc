"""v0 transactions that load accounts from an address lookup table: the loaded accounts are
persisted, balanced, indexed by address and recorded as loaded addresses, as Solana's ledger has
them (static keys, then the loaded writable, then the loaded readonly)."""

from __future__ import annotations

import base64
import copy
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from solders.address_lookup_table_account import ID as LOOKUP_TABLE_PROGRAM
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import ID as SYSTEM_PROGRAM
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

from qorenode.genesis import load_genesis
from qorenode.keys import solana_dev_keypair
from tests.unit.core.chainkit import Chain
from vms.svm.module import SvmModule

ALICE = solana_dev_keypair(0)
TABLE = Keypair().pubkey()
RECIPIENT = Keypair().pubkey()  # loaded writable
WITNESS = Keypair().pubkey()  # loaded readonly: an extra account of the transfer
LAMPORTS = 2_000_000


def lookup_table_data(addresses: Sequence[Pubkey]) -> bytes:
    """An active address lookup table (no authority, extended at slot 0)."""
    meta = struct.pack("<IQQB", 1, 2**64 - 1, 0, 0) + b"\x00"
    return meta.ljust(56, b"\x00") + b"".join(bytes(a) for a in addresses)


def genesis() -> dict[str, Any]:
    out = copy.deepcopy(load_genesis())
    out["svm"]["accounts"] += [
        {
            "pubkey": str(TABLE),
            "lamports": str(10_000_000),
            "owner": str(LOOKUP_TABLE_PROGRAM),
            "data": base64.b64encode(lookup_table_data([RECIPIENT, WITNESS])).decode(),
        },
        {"pubkey": str(WITNESS), "lamports": "5000000", "owner": str(SYSTEM_PROGRAM)},
    ]
    return out


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    chain = Chain(tmp_path / "db", genesis=genesis())
    yield chain
    chain.close()


def send_v0(chain: Chain) -> bytes:
    """Alice pays RECIPIENT, both RECIPIENT and WITNESS loaded from TABLE; the signature."""
    module: SvmModule = chain.svm
    pay = transfer(
        TransferParams(from_pubkey=ALICE.pubkey(), to_pubkey=RECIPIENT, lamports=LAMPORTS)
    )
    pay = Instruction(pay.program_id, pay.data, [*pay.accounts, AccountMeta(WITNESS, False, False)])
    table = AddressLookupTableAccount(TABLE, [RECIPIENT, WITNESS])
    message = MessageV0.try_compile(
        ALICE.pubkey(), [pay], [table], Hash(module.latest_blockhash[0])
    )
    assert RECIPIENT not in message.account_keys and WITNESS not in message.account_keys
    pending = module.pending_tx(bytes(VersionedTransaction(message, [ALICE])))
    chain.app.check_tx(pending)
    (result,) = chain.mine(pending).results
    assert result.success, result.log
    return pending.tx_hash


def test_loaded_accounts_are_balanced_and_recorded_in_solanas_order(chain: Chain) -> None:
    signature = send_v0(chain)
    record = chain.svm.transaction(signature)
    assert record is not None
    assert record["loaded_addresses"] == {"writable": [str(RECIPIENT)], "readonly": [str(WITNESS)]}
    # static keys: Alice, the system program; then RECIPIENT (writable), WITNESS (readonly)
    assert record["pre_balances"][2:] == [0, 5_000_000]
    assert record["post_balances"][2:] == [LAMPORTS, 5_000_000]
    assert record["pre_balances"][0] - record["post_balances"][0] == LAMPORTS + record["fee"]


def test_loaded_accounts_persist_and_are_indexed_by_address(chain: Chain) -> None:
    signature = send_v0(chain)
    chain.restart()  # the recipient was written to LevelDB through the loaded writable address
    account = chain.svm.account(bytes(RECIPIENT))
    assert account is not None and account.lamports == LAMPORTS
    for address in (RECIPIENT, WITNESS):
        (found,) = chain.svm.signatures_for_address(bytes(address), 10)
        assert found["signature"] == str(Signature.from_bytes(signature))


def test_a_legacy_transaction_loads_nothing(chain: Chain) -> None:
    module: SvmModule = chain.svm
    recent = Hash(module.latest_blockhash[0])
    message = Message.new_with_blockhash(
        [
            transfer(
                TransferParams(from_pubkey=ALICE.pubkey(), to_pubkey=RECIPIENT, lamports=LAMPORTS)
            )
        ],
        ALICE.pubkey(),
        recent,
    )
    pending = module.pending_tx(bytes(Transaction([ALICE], message, recent)))
    (result,) = chain.mine(pending).results
    assert result.success, result.log
    record = module.transaction(pending.tx_hash)
    assert record is not None
    assert "loaded_addresses" not in record
    assert len(record["pre_balances"]) == 3
