"""The committed SVM programs (native/svm/build/*.so) and our sBPF linker, in LiteSVM directly.

No node here: each test deploys the programs into a fresh ``LiteSVM`` with ``add_program`` and
sends real signed transactions. Covers every path of the CrossVM bridge (Submit and Deliver, each
refusal by its documented code), counter, cpi_pda, logger and alias_check, and the linker itself
on hand-made relocatable objects (relocations, syscall hashing, refusals, determinism). The SVM
adapter (vms/svm) and genesis deployment are tested elsewhere.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from native.svm import sbpf_link
from native.svm.sbpf_link import LinkError, link, link_object, murmur3_32

REPO = Path(__file__).resolve().parents[3]
SVM = REPO / "native" / "svm"
BUILD = SVM / "build"
PROGRAM_NAMES = ("alias_check", "bridge", "counter", "cpi_pda", "logger")
AUTHORITY = Keypair.from_bytes(bytes(json.loads((SVM / "authority.json").read_text())))

EVM, COSMWASM = 0, 1

Result = TransactionMetadata | FailedTransactionMetadata


# --- harness -----------------------------------------------------------------------------------


@dataclass
class Chain:
    svm: LiteSVM
    payer: Keypair
    ids: dict[str, Pubkey] = field(default_factory=dict)

    def send(self, ixs: Sequence[Instruction], signers: Sequence[Keypair] = ()) -> Result:
        all_signers = [self.payer, *[s for s in signers if s.pubkey() != self.payer.pubkey()]]
        blockhash = self.svm.latest_blockhash()
        msg = Message.new_with_blockhash(list(ixs), self.payer.pubkey(), blockhash)
        result = self.svm.send_transaction(Transaction(all_signers, msg, blockhash))
        self.svm.expire_blockhash()  # identical transactions stay distinct
        return result


def ok(result: Result) -> TransactionMetadata:
    assert isinstance(result, TransactionMetadata), f"transaction failed: {result}"
    return result


def custom_error(result: Result, instruction: int = 0) -> int:
    """The InstructionError::Custom code a failed transaction carries, for that instruction."""
    assert isinstance(result, FailedTransactionMetadata), f"transaction succeeded: {result}"
    err = result.err()
    assert isinstance(err, TransactionErrorInstructionError), err
    assert err.index == instruction, err
    assert isinstance(err.err, InstructionErrorCustom), err
    return int(err.err.code)


def program_logs(result: Result) -> list[str]:
    meta = result.meta() if isinstance(result, FailedTransactionMetadata) else result
    return [line.removeprefix("Program log: ") for line in meta.logs()]


def load_so(name: str) -> bytes:
    return (BUILD / f"{name}.so").read_bytes()


@pytest.fixture
def chain() -> Chain:
    svm = LiteSVM()
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 100 * 10**9)
    svm.airdrop(AUTHORITY.pubkey(), 10 * 10**9)
    c = Chain(svm, payer)
    for name in PROGRAM_NAMES:
        c.ids[name] = Pubkey.new_unique()
        svm.add_program(c.ids[name], load_so(name))
    return c


def test_every_program_is_committed_and_loads() -> None:
    assert sorted(p.stem for p in BUILD.glob("*.so")) == sorted(PROGRAM_NAMES)
    assert sorted(p.stem for p in (SVM / "programs").glob("*.c")) == sorted(PROGRAM_NAMES)
    svm = LiteSVM()
    for name in PROGRAM_NAMES:
        pid = Pubkey.new_unique()
        svm.add_program(pid, load_so(name))
        account = svm.get_account(pid)
        assert account is not None and account.executable


# --- bridge: Submit ----------------------------------------------------------------------------


def submit_data(target_vm: int, target: bytes, payload: bytes) -> bytes:
    return bytes([0, target_vm]) + struct.pack("<H", len(target)) + target + payload


def submit_ix(chain: Chain, data: bytes, sender: Pubkey, *, signer: bool = True) -> Instruction:
    return Instruction(chain.ids["bridge"], data, [AccountMeta(sender, signer, False)])


CW_TARGET = b"qor14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s4hmalr"
EVM_TARGET = b"0x5FbDB2315678afecb367f032d93F642f64180aa3"


@pytest.mark.parametrize(
    ("target_vm", "target", "payload"),
    [
        (COSMWASM, CW_TARGET, b'{"increment":{}}'),
        (EVM, EVM_TARGET, bytes.fromhex("d09de08a")),
        (EVM, EVM_TARGET, b""),
    ],
)
def test_submit_accepts_a_signed_envelope_and_logs_it(
    chain: Chain, target_vm: int, target: bytes, payload: bytes
) -> None:
    sender = Keypair()
    data = submit_data(target_vm, target, payload)
    result = ok(chain.send([submit_ix(chain, data, sender.pubkey())], [sender]))
    expected = (
        f"crossvm submit: target_vm={target_vm} target={target.decode()} payload_len={len(payload)}"
    )
    assert expected in program_logs(result)


def test_submit_by_the_fee_payer(chain: Chain) -> None:
    data = submit_data(COSMWASM, CW_TARGET, b"{}")
    ok(chain.send([submit_ix(chain, data, chain.payer.pubkey())]))


def test_submit_without_the_sender_signing_is_refused(chain: Chain) -> None:
    data = submit_data(COSMWASM, CW_TARGET, b"{}")
    ix = submit_ix(chain, data, Keypair().pubkey(), signer=False)
    assert custom_error(chain.send([ix])) == 1011


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", 1000),  # no instruction
        (b"\x07", 1001),  # unknown tag
        (b"\x00", 1012),  # no envelope header
        (b"\x00\x01\x05", 1012),  # header cut in target_len
        (submit_data(COSMWASM, CW_TARGET, b"")[:-1], 1012),  # target shorter than target_len
        (bytes([0, 1, 0xFF, 0xFF]) + b"qor1", 1012),  # target_len beyond the data
        (submit_data(2, b"program", b""), 1013),  # SVM to SVM
        (submit_data(9, CW_TARGET, b"{}"), 1013),
        (submit_data(EVM, b"", b"\x01\x02\x03\x04"), 1014),
        (submit_data(EVM, b"0x" + b"a" * 127, b""), 1015),
        (submit_data(COSMWASM, b"qor1 space", b"{}"), 1016),
        (submit_data(COSMWASM, b"qor1\xff", b"{}"), 1016),
    ],
)
def test_submit_refuses_a_malformed_envelope(chain: Chain, data: bytes, code: int) -> None:
    sender = Keypair()
    assert custom_error(chain.send([submit_ix(chain, data, sender.pubkey())], [sender])) == code


def test_submit_target_of_exactly_128_bytes_is_accepted(chain: Chain) -> None:
    sender = Keypair()
    data = submit_data(EVM, b"0x" + b"a" * 126, b"")
    ok(chain.send([submit_ix(chain, data, sender.pubkey())], [sender]))


def test_submit_without_accounts_is_refused(chain: Chain) -> None:
    ix = Instruction(chain.ids["bridge"], submit_data(COSMWASM, CW_TARGET, b"{}"), [])
    assert custom_error(chain.send([ix])) == 1010


# --- bridge: Deliver ---------------------------------------------------------------------------


def alias_of(chain: Chain, source_vm: int, sender: bytes) -> tuple[Pubkey, int]:
    return Pubkey.find_program_address([b"alias", bytes([source_vm]), sender], chain.ids["bridge"])


def deliver_data(source_vm: int, sender: bytes, bump: int, payload: bytes) -> bytes:
    return bytes([1, source_vm, len(sender)]) + sender + bytes([bump]) + payload


def alias_check_data(chain: Chain, source_vm: int, sender: bytes) -> bytes:
    return bytes(chain.ids["bridge"]) + bytes([source_vm, len(sender)]) + sender


def deliver_ix(
    chain: Chain,
    data: bytes,
    alias: Pubkey,
    target: Pubkey,
    *,
    authority: Pubkey | None = None,
    authority_signs: bool = True,
    extra: Sequence[AccountMeta] = (),
) -> Instruction:
    metas = [
        AccountMeta(authority or AUTHORITY.pubkey(), authority_signs, True),
        AccountMeta(alias, False, False),
        AccountMeta(target, False, False),
        *extra,
    ]
    return Instruction(chain.ids["bridge"], data, metas)


EVM_SENDER = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
CW_SENDER = bytes(range(1, 33))  # a 32-byte CosmWasm contract address


@pytest.mark.parametrize(
    ("source_vm", "sender"), [(EVM, EVM_SENDER), (COSMWASM, CW_SENDER)], ids=["evm", "cosmwasm"]
)
def test_deliver_invokes_the_target_with_the_alias_signing(
    chain: Chain, source_vm: int, sender: bytes
) -> None:
    alias, bump = alias_of(chain, source_vm, sender)
    data = deliver_data(source_vm, sender, bump, alias_check_data(chain, source_vm, sender))
    ix = deliver_ix(chain, data, alias, chain.ids["alias_check"])
    result = ok(chain.send([ix], [AUTHORITY]))
    logs = program_logs(result)
    assert (
        f"crossvm deliver: source_vm={source_vm} sender={sender.hex()} "
        f"payload_len={len(data) - 4 - len(sender)}"
    ) in logs
    assert "alias_check: ok" in logs
    assert str(alias) in logs
    assert f"Program {chain.ids['alias_check']} invoke [2]" in logs
    return_data = result.return_data()
    assert return_data.program_id == chain.ids["alias_check"]
    assert bytes(return_data.data) == bytes(alias)
    [inner] = result.inner_instructions()
    assert len(inner) == 1 and inner[0].stack_height() == 2


def test_deliver_paid_by_the_authority_alone(chain: Chain) -> None:
    """As the node sends it: the authority is the fee payer and the only signer."""
    alias, bump = alias_of(chain, EVM, EVM_SENDER)
    data = deliver_data(EVM, EVM_SENDER, bump, alias_check_data(chain, EVM, EVM_SENDER))
    ix = deliver_ix(chain, data, alias, chain.ids["alias_check"])
    blockhash = chain.svm.latest_blockhash()
    msg = Message.new_with_blockhash([ix], AUTHORITY.pubkey(), blockhash)
    ok(chain.svm.send_transaction(Transaction([AUTHORITY], msg, blockhash)))


def test_deliver_passes_the_remaining_accounts_through(chain: Chain) -> None:
    """The target gets [alias, accounts 3..]: logger counts them and echoes the payload."""
    counter = new_counter(chain, 41)
    alias, bump = alias_of(chain, COSMWASM, CW_SENDER)
    data = deliver_data(COSMWASM, CW_SENDER, bump, b"\x01\x02")
    extra = [AccountMeta(counter, False, True), AccountMeta(Keypair().pubkey(), False, False)]
    ix = deliver_ix(chain, data, alias, chain.ids["logger"], extra=extra)
    result = ok(chain.send([ix], [AUTHORITY]))
    # logger: data_len 2, 3 accounts (alias + 2 passed through), first u64 0
    assert "0x2, 0x3, 0x0, 0x51, 0x4f52" in program_logs(result)
    assert bytes(result.return_data().data) == b"\x01\x02"


def test_deliver_with_a_wrong_authority_is_refused(chain: Chain) -> None:
    impostor = Keypair()
    chain.svm.airdrop(impostor.pubkey(), 10**9)
    alias, bump = alias_of(chain, EVM, EVM_SENDER)
    data = deliver_data(EVM, EVM_SENDER, bump, alias_check_data(chain, EVM, EVM_SENDER))
    ix = deliver_ix(chain, data, alias, chain.ids["alias_check"], authority=impostor.pubkey())
    assert custom_error(chain.send([ix], [impostor])) == 1022


def test_deliver_without_the_authority_signing_is_refused(chain: Chain) -> None:
    alias, bump = alias_of(chain, EVM, EVM_SENDER)
    data = deliver_data(EVM, EVM_SENDER, bump, alias_check_data(chain, EVM, EVM_SENDER))
    ix = deliver_ix(chain, data, alias, chain.ids["alias_check"], authority_signs=False)
    assert custom_error(chain.send([ix])) == 1021


def test_deliver_with_a_wrong_alias_is_refused(chain: Chain) -> None:
    _alias, bump = alias_of(chain, EVM, EVM_SENDER)
    data = deliver_data(EVM, EVM_SENDER, bump, alias_check_data(chain, EVM, EVM_SENDER))
    ix = deliver_ix(chain, data, Keypair().pubkey(), chain.ids["alias_check"])
    assert custom_error(chain.send([ix], [AUTHORITY])) == 1026


def test_deliver_with_another_senders_alias_is_refused(chain: Chain) -> None:
    other, _ = alias_of(chain, COSMWASM, EVM_SENDER)  # same bytes, other VM
    _alias, bump = alias_of(chain, EVM, EVM_SENDER)
    data = deliver_data(EVM, EVM_SENDER, bump, b"")
    ix = deliver_ix(chain, data, other, chain.ids["alias_check"])
    assert custom_error(chain.send([ix], [AUTHORITY])) == 1026


@pytest.mark.parametrize("delta", [1, 2, 255])
def test_deliver_with_a_wrong_bump_is_refused(chain: Chain, delta: int) -> None:
    alias, bump = alias_of(chain, EVM, EVM_SENDER)
    data = deliver_data(EVM, EVM_SENDER, (bump + delta) % 256, b"")
    ix = deliver_ix(chain, data, alias, chain.ids["alias_check"])
    assert custom_error(chain.send([ix], [AUTHORITY])) == 1026


def test_deliver_propagates_the_target_failure(chain: Chain) -> None:
    alias, bump = alias_of(chain, EVM, EVM_SENDER)
    # alias_check is asked about another sender: the alias PDA signs but is not that alias
    payload = alias_check_data(chain, EVM, b"\x00" * 20)
    ix = deliver_ix(
        chain, deliver_data(EVM, EVM_SENDER, bump, payload), alias, chain.ids["alias_check"]
    )
    result = chain.send([ix], [AUTHORITY])
    assert custom_error(result) == 2004
    assert any(
        f"Program {chain.ids['alias_check']} failed" in line for line in program_logs(result)
    )


def test_deliver_to_a_target_that_is_not_a_program_is_refused(chain: Chain) -> None:
    alias, bump = alias_of(chain, EVM, EVM_SENDER)
    ix = deliver_ix(chain, deliver_data(EVM, EVM_SENDER, bump, b""), alias, Keypair().pubkey())
    assert custom_error(chain.send([ix], [AUTHORITY])) == 1027


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x01", 1023),
        (b"\x01\x00", 1023),
        (bytes([1, 0, 20]) + EVM_SENDER, 1023),  # no bump
        (bytes([1, 0, 21]) + EVM_SENDER + b"\xff", 1023),  # sender_len beyond the data
        (bytes([1, 2, 20]) + EVM_SENDER + b"\xff", 1024),  # source VM = SVM
        (bytes([1, 0, 0, 0xFF]), 1025),
        (bytes([1, 0, 33]) + b"\x01" * 33 + b"\xff", 1025),
    ],
)
def test_deliver_refuses_malformed_data(chain: Chain, data: bytes, code: int) -> None:
    alias, _ = alias_of(chain, EVM, EVM_SENDER)
    ix = deliver_ix(chain, data, alias, chain.ids["alias_check"])
    assert custom_error(chain.send([ix], [AUTHORITY])) == code


def test_deliver_with_too_few_accounts_is_refused(chain: Chain) -> None:
    ix = Instruction(
        chain.ids["bridge"],
        deliver_data(EVM, EVM_SENDER, 255, b""),
        [
            AccountMeta(AUTHORITY.pubkey(), True, True),
            AccountMeta(Keypair().pubkey(), False, False),
        ],
    )
    assert custom_error(chain.send([ix], [AUTHORITY])) == 1020


def test_deliver_checks_the_authority_before_the_data(chain: Chain) -> None:
    impostor = Keypair()
    ix = deliver_ix(
        chain, b"\x01", Keypair().pubkey(), chain.ids["alias_check"], authority=impostor.pubkey()
    )
    assert custom_error(chain.send([ix], [impostor])) == 1022


def test_alias_can_submit_back_through_the_bridge(chain: Chain) -> None:
    """A delivery whose target is the bridge's Submit: the alias PDA is the signing sender."""
    alias, bump = alias_of(chain, EVM, EVM_SENDER)
    reply = submit_data(COSMWASM, CW_TARGET, b'{"pong":{}}')
    ix = deliver_ix(chain, deliver_data(EVM, EVM_SENDER, bump, reply), alias, chain.ids["bridge"])
    result = ok(chain.send([ix], [AUTHORITY]))
    assert f"crossvm submit: target_vm=1 target={CW_TARGET.decode()} payload_len=11" in (
        program_logs(result)
    )


# --- alias_check directly ----------------------------------------------------------------------


def test_alias_check_refuses_a_key_that_is_not_the_alias(chain: Chain) -> None:
    someone = Keypair()
    ix = Instruction(
        chain.ids["alias_check"],
        alias_check_data(chain, EVM, EVM_SENDER),
        [AccountMeta(someone.pubkey(), True, False)],
    )
    assert custom_error(chain.send([ix], [someone])) == 2004


def test_alias_check_refuses_an_alias_that_did_not_sign(chain: Chain) -> None:
    alias, _ = alias_of(chain, EVM, EVM_SENDER)
    ix = Instruction(
        chain.ids["alias_check"],
        alias_check_data(chain, EVM, EVM_SENDER),
        [AccountMeta(alias, False, False)],
    )
    assert custom_error(chain.send([ix])) == 2003


@pytest.mark.parametrize(
    ("data", "accounts", "code"),
    [
        (b"\x00" * 40, 0, 2000),
        (b"\x00" * 33, 1, 2001),
        (b"\x00" * 32 + bytes([0, 21]) + b"\x01" * 20, 1, 2001),
        (b"\x00" * 32 + bytes([0, 0]), 1, 2002),
        (b"\x00" * 32 + bytes([0, 33]) + b"\x01" * 33, 1, 2002),
    ],
)
def test_alias_check_refuses_malformed_input(
    chain: Chain, data: bytes, accounts: int, code: int
) -> None:
    metas = [AccountMeta(chain.payer.pubkey(), True, True)][:accounts]
    assert custom_error(chain.send([Instruction(chain.ids["alias_check"], data, metas)])) == code


# --- counter -----------------------------------------------------------------------------------


def new_counter(
    chain: Chain, value: int = 0, *, owner: Pubkey | None = None, size: int = 8
) -> Pubkey:
    address = Keypair().pubkey()
    data = value.to_bytes(8, "little")[:size] + bytes(max(0, size - 8))
    chain.svm.set_account(
        address,
        Account(
            lamports=chain.svm.minimum_balance_for_rent_exemption(size),
            data=data,
            owner=owner or chain.ids["counter"],
            executable=False,
        ),
    )
    return address


def counter_value(chain: Chain, address: Pubkey) -> int:
    account = chain.svm.get_account(address)
    assert account is not None
    return int.from_bytes(bytes(account.data)[:8], "little")


def counter_ix(
    chain: Chain, address: Pubkey, data: bytes = b"", *, writable: bool = True
) -> Instruction:
    return Instruction(chain.ids["counter"], data, [AccountMeta(address, False, writable)])


def test_counter_increments(chain: Chain) -> None:
    address = new_counter(chain)
    for expected in (1, 2, 3):
        result = ok(chain.send([counter_ix(chain, address)]))
        assert f"counter: {expected}" in program_logs(result)
        assert bytes(result.return_data().data) == struct.pack("<Q", expected)
    assert counter_value(chain, address) == 3


def test_counter_adds_an_amount(chain: Chain) -> None:
    address = new_counter(chain, 10, size=16)
    ok(chain.send([counter_ix(chain, address, struct.pack("<Q", 2**40))]))
    assert counter_value(chain, address) == 10 + 2**40


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("not_owned", 3001),
        ("read_only", 3002),
        ("too_small", 3003),
        ("bad_data", 3004),
        ("overflow", 3005),
        ("no_account", 3000),
    ],
)
def test_counter_refusals(chain: Chain, setup: str, code: int) -> None:
    if setup == "no_account":
        ix = Instruction(chain.ids["counter"], b"", [])
    elif setup == "not_owned":
        ix = counter_ix(chain, new_counter(chain, owner=SYSTEM_PROGRAM))
    elif setup == "read_only":
        ix = counter_ix(chain, new_counter(chain), writable=False)
    elif setup == "too_small":
        ix = counter_ix(chain, new_counter(chain, size=7))
    elif setup == "bad_data":
        ix = counter_ix(chain, new_counter(chain), b"\x01\x02")
    else:
        ix = counter_ix(chain, new_counter(chain, 2**64 - 1))
    assert custom_error(chain.send([ix])) == code


# --- cpi_pda -----------------------------------------------------------------------------------


def vault_of(chain: Chain) -> tuple[Pubkey, int]:
    return Pubkey.find_program_address([b"vault"], chain.ids["cpi_pda"])


def test_cpi_pda_transfers_from_its_vault(chain: Chain) -> None:
    vault, bump = vault_of(chain)
    chain.svm.airdrop(vault, 10**9)
    recipient = Keypair().pubkey()
    ix = Instruction(
        chain.ids["cpi_pda"],
        b"\x00" + struct.pack("<Q", 5_000_000),
        [
            AccountMeta(vault, False, True),
            AccountMeta(recipient, False, True),
            AccountMeta(SYSTEM_PROGRAM, False, False),
        ],
    )
    result = ok(chain.send([ix]))
    assert f"cpi_pda: transfer via vault {bump}" in program_logs(result)
    assert chain.svm.get_balance(recipient) == 5_000_000
    assert chain.svm.get_balance(vault) == 10**9 - 5_000_000


def test_cpi_pda_refuses_an_account_that_is_not_its_vault(chain: Chain) -> None:
    other = Keypair()
    chain.svm.airdrop(other.pubkey(), 10**9)
    ix = Instruction(
        chain.ids["cpi_pda"],
        b"\x00" + struct.pack("<Q", 1),
        [
            AccountMeta(other.pubkey(), False, True),
            AccountMeta(Keypair().pubkey(), False, True),
            AccountMeta(SYSTEM_PROGRAM, False, False),
        ],
    )
    assert custom_error(chain.send([ix])) == 4003


def test_cpi_pda_submits_through_the_bridge(chain: Chain) -> None:
    """A program sending a cross-VM message: an inner Submit signed by its PDA."""
    vault, _ = vault_of(chain)
    envelope = submit_data(EVM, EVM_TARGET, b"\xd0\x9d\xe0\x8a")[1:]
    ix = Instruction(
        chain.ids["cpi_pda"],
        b"\x01" + envelope,
        [AccountMeta(vault, False, False), AccountMeta(chain.ids["bridge"], False, False)],
    )
    result = ok(chain.send([ix]))
    assert f"crossvm submit: target_vm=0 target={EVM_TARGET.decode()} payload_len=4" in (
        program_logs(result)
    )
    [inner] = result.inner_instructions()
    assert len(inner) == 1
    compiled = inner[0].instruction()
    keys = result_account_keys(chain, ix)
    assert keys[compiled.program_id_index] == chain.ids["bridge"]
    assert bytes(compiled.data) == b"\x00" + envelope
    assert keys[compiled.accounts[0]] == vault


def result_account_keys(chain: Chain, ix: Instruction) -> list[Pubkey]:
    msg = Message.new_with_blockhash([ix], chain.payer.pubkey(), chain.svm.latest_blockhash())
    return list(msg.account_keys)


def test_cpi_pda_submit_with_a_bad_envelope_fails_with_the_bridge_error(chain: Chain) -> None:
    vault, _ = vault_of(chain)
    ix = Instruction(
        chain.ids["cpi_pda"],
        b"\x01" + submit_data(2, b"x", b"")[1:],
        [AccountMeta(vault, False, False), AccountMeta(chain.ids["bridge"], False, False)],
    )
    assert custom_error(chain.send([ix])) == 1013


def test_cpi_pda_increments_a_counter(chain: Chain) -> None:
    vault, _ = vault_of(chain)
    counter = new_counter(chain, 7)
    ix = Instruction(
        chain.ids["cpi_pda"],
        b"\x02" + struct.pack("<Q", 5),
        [
            AccountMeta(vault, False, False),
            AccountMeta(chain.ids["counter"], False, False),
            AccountMeta(counter, False, True),
        ],
    )
    result = ok(chain.send([ix]))
    assert "counter: 12" in program_logs(result)
    assert counter_value(chain, counter) == 12


@pytest.mark.parametrize(
    ("data", "accounts", "code"),
    [(b"", 3, 4000), (b"\x09", 3, 4001), (b"\x00", 2, 4002), (b"\x00\x01", 3, 4004)],
)
def test_cpi_pda_refusals(chain: Chain, data: bytes, accounts: int, code: int) -> None:
    vault, _ = vault_of(chain)
    metas = [
        AccountMeta(vault, False, True),
        AccountMeta(Keypair().pubkey(), False, True),
        AccountMeta(SYSTEM_PROGRAM, False, False),
    ][:accounts]
    assert custom_error(chain.send([Instruction(chain.ids["cpi_pda"], data, metas)])) == code


# --- logger ------------------------------------------------------------------------------------


def test_logger_logs_and_returns_its_data(chain: Chain) -> None:
    data = struct.pack("<Q", 0x1122334455667788) + b"hello"
    ix = Instruction(chain.ids["logger"], data, [AccountMeta(chain.payer.pubkey(), True, True)])
    result = ok(chain.send([ix]))
    logs = program_logs(result)
    pid = chain.ids["logger"]
    assert logs[0] == f"Program {pid} invoke [1]"
    assert logs[1:6] == [
        "logger: hello from sbpf",
        "0xd, 0x1, 0x1122334455667788, 0x51, 0x4f52",
        f"logger: data={data.hex()}",
        str(pid),
        "Program data: iHdmVUQzIhFoZWxsbw==",
    ]
    return_data = result.return_data()
    assert return_data.program_id == pid
    assert bytes(return_data.data) == data
    assert f"Program return: {pid} iHdmVUQzIhFoZWxsbw==" in logs


def test_logger_refuses_data_above_the_return_data_limit(chain: Chain) -> None:
    ix = Instruction(chain.ids["logger"], b"\x00" * 1025, [])
    assert custom_error(chain.send([ix])) == 5000


# --- the linker --------------------------------------------------------------------------------


def test_murmur3_matches_the_syscall_keys_of_solana() -> None:
    assert murmur3_32(b"sol_log_") == 0x207559BD
    assert murmur3_32(b"sol_log_64_") == 0x5C2A3178
    assert murmur3_32(b"abort") == 0xB6FC1A11
    assert murmur3_32(b"sol_invoke_signed_c") == 0xA22B9C85
    assert murmur3_32(b"sol_create_program_address") == 0x9377323C
    assert murmur3_32(b"sol_try_find_program_address") == 0x48504A38
    assert murmur3_32(b"sol_set_return_data") == 0xA226D3EB
    assert murmur3_32(b"") == 0 and murmur3_32(b"a") == 0x3C2569B2


def insn(op: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", op, (src << 4) | dst, off, imm)


def lddw(dst: int, imm: int = 0) -> bytes:
    return insn(0x18, dst, imm=imm) + insn(0, 0)


MOV_IMM, CALL, EXIT, LDXDW = 0xB7, 0x85, 0x95, 0x79
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_REL = 1, 2, 3, 9
SHF_WRITE, SHF_ALLOC, SHF_EXEC = 1, 2, 4


@dataclass
class RawSection:
    name: str
    type: int
    flags: int = 0
    data: bytes = b""
    align: int = 1
    link: int = 0
    info: int = 0
    entsize: int = 0


@dataclass
class ObjectBuilder:
    """Writes a minimal ELF64 EM_BPF relocatable, laid out as clang/llvm-mc lay theirs out:
    the given sections, then .rel<section> for each relocated one, .symtab, .strtab, .shstrtab.
    Symbols: one STT_SECTION per section (named "§<section>" in `relocs`), then the globals."""

    # name -> (type, flags, data, align)
    sections: dict[str, tuple[int, int, bytes, int]] = field(default_factory=dict)
    # (name, defining section or "" if undefined, value, size, is_function)
    globals_: list[tuple[str, str, int, int, bool]] = field(default_factory=list)
    # section -> [(offset, symbol name or "§section", relocation type)]
    relocs: dict[str, list[tuple[int, str, int]]] = field(default_factory=dict)

    def build(self) -> bytes:
        index = {name: i + 1 for i, name in enumerate(self.sections)}
        symtab, strtab = bytearray(24), bytearray(b"\x00")
        sym_index: dict[str, int] = {}
        for name in self.sections:
            sym_index["§" + name] = len(symtab) // 24
            symtab += struct.pack("<IBBHQQ", 0, 3, 0, index[name], 0, 0)  # LOCAL SECTION
        first_global = len(symtab) // 24
        for name, section, value, size, is_function in self.globals_:
            sym_index[name] = len(symtab) // 24
            info = (1 << 4) | (2 if is_function else 0)  # GLOBAL FUNC / NOTYPE
            shndx = index[section] if section else 0
            symtab += struct.pack("<IBBHQQ", len(strtab), info, 0, shndx, value, size)
            strtab += name.encode() + b"\x00"

        symtab_index = len(self.sections) + len(self.relocs) + 1
        secs = [RawSection(n, t, f, d, a) for n, (t, f, d, a) in self.sections.items()]
        for section, rels in self.relocs.items():
            body = b"".join(struct.pack("<QQ", o, (sym_index[s] << 32) | t) for o, s, t in rels)
            secs.append(
                RawSection(".rel" + section, SHT_REL, 0, body, 8, symtab_index, index[section], 16)
            )
        secs.append(
            RawSection(
                ".symtab", SHT_SYMTAB, 0, bytes(symtab), 8, symtab_index + 1, first_global, 24
            )
        )
        secs.append(RawSection(".strtab", SHT_STRTAB, 0, bytes(strtab)))
        shstrtab = bytearray(b"\x00")
        name_offsets = []
        for sec in [*secs, RawSection(".shstrtab", SHT_STRTAB)]:
            name_offsets.append(len(shstrtab))
            shstrtab += sec.name.encode() + b"\x00"
        secs.append(RawSection(".shstrtab", SHT_STRTAB, 0, bytes(shstrtab)))

        out = bytearray(64)
        offsets = []
        for sec in secs:
            out += bytes(-len(out) % 8)
            offsets.append(len(out))
            out += sec.data
        out += bytes(-len(out) % 8)
        shoff = len(out)
        out += bytes(64)  # the null section header
        for sec, name_offset, offset in zip(secs, name_offsets, offsets, strict=True):
            out += struct.pack(
                "<IIQQQQIIQQ",
                name_offset,
                sec.type,
                sec.flags,
                0,
                offset,
                len(sec.data),
                sec.link,
                sec.info,
                sec.align,
                sec.entsize,
            )
        # e_type ET_REL, e_machine EM_BPF, no program headers, e_shstrndx the last section
        out[:16] = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
        out[16:64] = struct.pack(
            "<HHIQQQIHHHHHH", 1, 247, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(secs) + 1, len(secs)
        )
        return bytes(out)


HELLO = b"hello, linked world"
POINTED = b"reached through a pointer"


def hello_object() -> ObjectBuilder:
    """entrypoint: log HELLO (lddw .rodata+8), log POINTED through a pointer in .data.rel.ro,
    call the global `helper` (R_BPF_64_32 to a defined function), which logs five u64s."""
    text = b"".join(
        [
            lddw(1, 8),  # 0: r1 = .rodata + 8 (implicit addend)
            insn(MOV_IMM, 2, imm=len(HELLO)),  # 2
            insn(CALL, imm=-1),  # 3: sol_log_
            lddw(1, 0),  # 4: r1 = &table
            insn(LDXDW, 1, 1, 0),  # 6: r1 = table[0]
            insn(MOV_IMM, 2, imm=len(POINTED)),  # 7
            insn(CALL, imm=-1),  # 8: sol_log_
            insn(CALL, imm=-1),  # 9: helper
            insn(EXIT),  # 10
            # helper, at insn 11
            insn(MOV_IMM, 1, imm=1),
            insn(MOV_IMM, 2, imm=2),
            insn(MOV_IMM, 3, imm=3),
            insn(MOV_IMM, 4, imm=4),
            insn(MOV_IMM, 5, imm=5),
            insn(CALL, imm=-1),  # 16: sol_log_64_
            insn(MOV_IMM, 0, imm=0),
            insn(EXIT),
        ]
    )
    rodata = b"padding!" + HELLO + POINTED
    table = struct.pack("<Q", 8 + len(HELLO))  # implicit addend: offset of POINTED in .rodata
    return ObjectBuilder(
        sections={
            ".text": (SHT_PROGBITS, SHF_ALLOC | SHF_EXEC, text, 8),
            ".rodata.str1.1": (SHT_PROGBITS, SHF_ALLOC, rodata, 1),
            ".data.rel.ro": (SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, table, 8),
        },
        globals_=[
            ("entrypoint", ".text", 0, 11 * 8, True),
            ("helper", ".text", 11 * 8, 8 * 8, True),
            ("sol_log_", "", 0, 0, False),
            ("sol_log_64_", "", 0, 0, False),
        ],
        relocs={
            ".text": [
                (0, "§.rodata.str1.1", 1),
                (3 * 8, "sol_log_", 10),
                (4 * 8, "§.data.rel.ro", 1),
                (8 * 8, "sol_log_", 10),
                (9 * 8, "helper", 10),
                (16 * 8, "sol_log_64_", 10),
            ],
            ".data.rel.ro": [(0, "§.rodata.str1.1", 2)],
        },
    )


def test_linked_object_runs_with_every_relocation_kind() -> None:
    program = link_object(hello_object().build())
    assert program.syscalls == {"sol_log_": 0x207559BD, "sol_log_64_": 0x5C2A3178}
    assert program.syscall_sites == 3
    svm = LiteSVM()
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 10**9)
    pid = Pubkey.new_unique()
    svm.add_program(pid, program.so)
    blockhash = svm.latest_blockhash()
    msg = Message.new_with_blockhash([Instruction(pid, b"", [])], payer.pubkey(), blockhash)
    result = ok(svm.send_transaction(Transaction([payer], msg, blockhash)))
    assert program_logs(result)[1:4] == [
        HELLO.decode(),
        POINTED.decode(),
        "0x1, 0x2, 0x3, 0x4, 0x5",
    ]


def read_so(so: bytes) -> dict[str, tuple[int, int, int, int, int]]:
    """Section name -> (type, flags, addr, offset, size) of a linked .so."""
    (shoff,) = struct.unpack_from("<Q", so, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", so, 0x3C)
    raw = [struct.unpack_from("<IIQQQQIIQQ", so, shoff + 64 * i) for i in range(shnum)]
    strtab_off, strtab_size = raw[shstrndx][4], raw[shstrndx][5]
    strtab = so[strtab_off : strtab_off + strtab_size]
    out = {}
    for name, typ, flags, addr, off, size, *_ in raw[1:]:
        out[strtab[name : strtab.index(b"\x00", name)].decode()] = (typ, flags, addr, off, size)
    return out


@pytest.mark.parametrize("name", PROGRAM_NAMES)
def test_committed_programs_are_sbpfv0_with_syscall_relocations(name: str) -> None:
    so = load_so(name)
    e_type, e_machine = struct.unpack_from("<HH", so, 16)
    (e_flags,) = struct.unpack_from("<I", so, 48)
    assert (e_type, e_machine, e_flags) == (3, 247, 0)
    sections = read_so(so)
    assert list(sections) == [
        ".text",
        ".rodata",
        ".dynamic",
        ".dynsym",
        ".dynstr",
        ".rel.dyn",
        ".shstrtab",
    ]
    for _typ, flags, addr, off, _size in sections.values():
        if flags & SHF_ALLOC:
            assert addr == off
    _t, _f, text_addr, text_off, text_size = sections[".text"]
    _t, _f, _a, rel_off, rel_size = sections[".rel.dyn"]
    _t, _f, _a, dynsym_off, _s = sections[".dynsym"]
    _t, _f, _a, dynstr_off, dynstr_size = sections[".dynstr"]
    dynstr = so[dynstr_off : dynstr_off + dynstr_size]
    called = set()
    for at in range(rel_off, rel_off + rel_size, 16):
        r_offset, r_info = struct.unpack_from("<QQ", so, at)
        assert r_info & 0xFFFFFFFF == 10  # R_BPF_64_32
        st_name = struct.unpack_from("<I", so, dynsym_off + 24 * (r_info >> 32))[0]
        called.add(dynstr[st_name : dynstr.index(b"\x00", st_name)].decode())
        assert text_off <= r_offset < text_off + text_size
        assert so[r_offset] == 0x85 and struct.unpack_from("<i", so, r_offset + 4)[0] == -1
    assert called  # every program logs
    assert called <= sbpf_link.SOLANA_SYSCALLS
    (e_entry,) = struct.unpack_from("<Q", so, 24)
    assert text_addr <= e_entry < text_addr + text_size


def test_linking_is_deterministic() -> None:
    obj = hello_object().build()
    assert link(obj) == link(obj) == link(bytes(obj))


def test_linker_refuses_writable_data() -> None:
    b = hello_object()
    b.sections[".data"] = (SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, b"\x01\x00\x00\x00", 4)
    with pytest.raises(LinkError, match=r"writable section \.data"):
        link(b.build())


def test_linker_refuses_bss() -> None:
    b = hello_object()
    b.sections[".bss"] = (8, SHF_ALLOC | SHF_WRITE, b"", 4)  # SHT_NOBITS, size 0 in this builder
    link(b.build())  # an empty .bss is harmless
    b.sections[".bss"] = (SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, b"\x00" * 8, 8)
    with pytest.raises(LinkError, match="writable"):
        link(b.build())


def test_linker_refuses_calls_to_unknown_functions() -> None:
    b = hello_object()
    b.globals_.append(("memcpy", "", 0, 0, False))
    b.relocs[".text"][1] = (3 * 8, "memcpy", 10)
    with pytest.raises(LinkError, match=r"memcpy.*not a Solana syscall"):
        link(b.build())


def test_linker_refuses_function_pointers() -> None:
    b = hello_object()
    b.relocs[".text"][0] = (0, "helper", 1)
    with pytest.raises(LinkError, match="function pointers"):
        link(b.build())


def test_linker_refuses_direct_self_recursion() -> None:
    b = hello_object()
    b.globals_.append(("self", ".text", 9 * 8, 8, True))
    b.relocs[".text"][4] = (9 * 8, "self", 10)
    with pytest.raises(LinkError, match="self"):
        link(b.build())


def test_linker_requires_the_entrypoint() -> None:
    b = hello_object()
    b.globals_[0] = ("main", ".text", 0, 88, True)
    with pytest.raises(LinkError, match="entrypoint"):
        link(b.build())
    assert link_object(b.build(), entry="main").entry_offset == 0


def test_linker_refuses_what_is_not_a_bpf_relocatable() -> None:
    with pytest.raises(LinkError, match="relocatable"):
        link(load_so("logger"))
    with pytest.raises(LinkError, match="not an ELF"):
        link(b"MZ" + bytes(100))


@pytest.mark.skipif(shutil.which("clang-14") is None, reason="needs clang-14 (make contracts)")
def test_rebuild_matches_the_committed_outputs() -> None:
    spec = importlib.util.spec_from_file_location("svm_build", SVM / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    outputs = build.build_all()
    assert outputs == {name: load_so(name) for name in PROGRAM_NAMES}
