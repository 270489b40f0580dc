"""``qorenode tx svm ...`` and ``qorenode query svm ...``: Solana programs and accounts.

Every command talks Solana JSON-RPC to ``--svm-node URL`` (default http://127.0.0.1:8899).
Signers (``--from``, ``--program-keypair``, signing ``--account``) are dev0..dev9 (the Solana dev
keypairs, ``qorenode.keys.solana_dev_keypair``) or a keypair file in the Solana CLI format (a JSON
array of 64 bytes). Transactions are waited for (``getSignatureStatuses``) unless ``--no-wait``.

    tx svm transfer TO LAMPORTS --from dev0
    tx svm deploy PROGRAM.so --from dev0 [--program-keypair FILE] [--max-len N]
    tx svm invoke PROGRAM_ID DATA_HEX [--account PUBKEY[:w][:s] ...] --from dev0
    query svm account PUBKEY | balance PUBKEY | tx SIGNATURE

``deploy`` follows ``solana program deploy``: a buffer account (system CreateAccount of
``37 + len`` bytes owned by the upgradeable loader, then ``InitializeBuffer``), the ELF written in
``Write`` chunks that keep every transaction within 1,232 bytes, then the program account
(CreateAccount of 36 bytes) and ``DeployWithMaxDataLen`` in one transaction signed by the program
keypair. The signer of ``--from`` pays and is the upgrade authority.
"""

from __future__ import annotations

import argparse
import base64
import json
import struct
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import Transaction

from qorenode.cli import common_options
from qorenode.client import (
    DEFAULT_TIMEOUT,
    POLL_INTERVAL,
    RemoteError,
    RpcClient,
    TxFailed,
    WaitTimeout,
)
from qorenode.errors import InvalidParams, NotFound
from qorenode.keys import DEV_ACCOUNT_COUNT, solana_dev_keypair

DEFAULT_SVM_NODE = "http://127.0.0.1:8899"
MAX_TRANSACTION_SIZE = 1232
UPGRADEABLE_LOADER = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
RENT_SYSVAR = Pubkey.from_string("SysvarRent111111111111111111111111111111111")
CLOCK_SYSVAR = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")
BUFFER_METADATA_SIZE = 37  # UpgradeableLoaderState::Buffer: tag u32 + Option<Pubkey>
PROGRAM_ACCOUNT_SIZE = 36  # UpgradeableLoaderState::Program: tag u32 + Pubkey
ELF_MAGIC = b"\x7fELF"
SVM_CODESPACE = "svm"
TX_FAILED_CODE = 6  # the adapter's "transaction failed in the SVM"


# -- registration ----------------------------------------------------------------------------------


def _svm_options(parser: argparse.ArgumentParser) -> None:
    common_options(parser)
    parser.add_argument(
        "--svm-node", default=DEFAULT_SVM_NODE, help="Solana JSON-RPC endpoint of a running node"
    )


def _tx_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="from_key", required=True, help="payer: dev0..dev9 or a keypair file"
    )
    parser.add_argument("--no-wait", action="store_true", help="do not wait for confirmation")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds to wait for confirmation"
    )


def register_tx(tx_sub: Any) -> None:
    """``tx svm ...`` (called from ``tx_commands.register``)."""
    svm = tx_sub.add_parser("svm", help="Solana transactions (transfer, deploy, invoke)")
    sub = svm.add_subparsers(dest="svm_command", required=True)

    transfer_cmd = sub.add_parser("transfer", help="send lamports (system Transfer)")
    _svm_options(transfer_cmd)
    transfer_cmd.add_argument("to", help="recipient: base58 pubkey, dev0..dev9 or a keypair file")
    transfer_cmd.add_argument("lamports", help="amount in lamports")
    _tx_options(transfer_cmd)
    transfer_cmd.set_defaults(handler=run_transfer)

    deploy = sub.add_parser("deploy", help="deploy a program (upgradeable loader)")
    _svm_options(deploy)
    deploy.add_argument("program", help="the program's .so (an sBPF ELF)")
    deploy.add_argument(
        "--program-keypair", default=None, help="keypair file of the program id (default: new)"
    )
    deploy.add_argument(
        "--max-len", type=int, default=None, help="maximum program size (default: the ELF's)"
    )
    _tx_options(deploy)
    deploy.set_defaults(handler=run_deploy)

    invoke = sub.add_parser("invoke", help="send one instruction to a program")
    _svm_options(invoke)
    invoke.add_argument("program_id", help="program id (base58)")
    invoke.add_argument("data", help="instruction data as hex (0x optional; '' for none)")
    invoke.add_argument(
        "--account",
        action="append",
        default=[],
        help="PUBKEY[:w][:s], in order (w writable, s signer: a dev key name or keypair file)",
    )
    _tx_options(invoke)
    invoke.set_defaults(handler=run_invoke)


def register_query(query_sub: Any) -> None:
    """``query svm ...`` (called from ``query_commands.register``)."""
    svm = query_sub.add_parser("svm", help="Solana queries")
    sub = svm.add_subparsers(dest="svm_query", required=True)

    account = sub.add_parser("account", help="an account (getAccountInfo)")
    _svm_options(account)
    account.add_argument("pubkey", help="base58 pubkey, dev0..dev9 or a keypair file")
    account.set_defaults(handler=run_query_account)

    balance = sub.add_parser("balance", help="lamports of an account (getBalance)")
    _svm_options(balance)
    balance.add_argument("pubkey", help="base58 pubkey, dev0..dev9 or a keypair file")
    balance.set_defaults(handler=run_query_balance)

    tx = sub.add_parser("tx", help="a transaction by signature (getTransaction)")
    _svm_options(tx)
    tx.add_argument("signature", help="transaction signature (base58)")
    tx.set_defaults(handler=run_query_tx)


# -- keys and arguments ----------------------------------------------------------------------------


def _dev_index(name: str) -> int | None:
    if name.startswith("dev") and name[3:].isdigit() and int(name[3:]) < DEV_ACCOUNT_COUNT:
        return int(name[3:])
    return None


def resolve_keypair(text: str) -> Keypair:
    """dev0..dev9, or a Solana CLI keypair file (a JSON array of 64 bytes)."""
    index = _dev_index(text)
    if index is not None:
        return solana_dev_keypair(index)
    path = Path(text).expanduser()
    if not path.is_file():
        raise InvalidParams(f"no Solana key {text!r}: dev0..dev9 or a keypair file (JSON array)")
    try:
        values = json.loads(path.read_text())
        return Keypair.from_bytes(bytes(values))
    except (OSError, ValueError, TypeError) as exc:
        raise InvalidParams(f"{text} is not a Solana keypair file: {exc}") from None


def resolve_pubkey(text: str) -> Pubkey:
    """A base58 pubkey, dev0..dev9, or the pubkey of a keypair file."""
    if _dev_index(text) is not None or Path(text).expanduser().is_file():
        return resolve_keypair(text).pubkey()
    try:
        return Pubkey.from_string(text)
    except ValueError:
        raise InvalidParams(
            f"invalid public key {text!r}: base58 (32 bytes), dev0..dev9 or a keypair file"
        ) from None


def parse_lamports(text: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**64:
        raise InvalidParams(f"invalid amount {text!r}: a positive number of lamports")
    return int(text)


def parse_hex(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text.strip().removeprefix("0x"))
    except ValueError:
        raise InvalidParams(f"{what} must be hex: {text!r}") from None


def parse_account(text: str) -> tuple[AccountMeta, Keypair | None]:
    """``PUBKEY[:w][:s]``: the account's meta, and its keypair when it signs."""
    key, *flags = text.split(":")
    unknown = [f for f in flags if f not in ("w", "s")]
    if unknown or not key:
        raise InvalidParams(f"invalid --account {text!r}: PUBKEY[:w][:s]")
    signer = "s" in flags
    keypair = resolve_keypair(key) if signer else None
    pubkey = keypair.pubkey() if keypair is not None else resolve_pubkey(key)
    return AccountMeta(pubkey, signer, "w" in flags), keypair


def read_program(path: str) -> bytes:
    try:
        elf = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidParams(f"cannot read {path}: {exc.strerror or exc}") from None
    if not elf.startswith(ELF_MAGIC):
        raise InvalidParams(f"{path} is not an ELF file (a compiled Solana program .so)")
    return elf


# -- sending ---------------------------------------------------------------------------------------


def _blockhash(client: RpcClient) -> Hash:
    return Hash.from_string(client.call("getLatestBlockhash")["value"]["blockhash"])


def build_tx(
    instructions: Sequence[Instruction], payer: Keypair, signers: Sequence[Keypair], recent: Hash
) -> Transaction:
    unique = {bytes(payer.pubkey()): payer}
    for signer in signers:
        unique.setdefault(bytes(signer.pubkey()), signer)
    message = Message.new_with_blockhash(list(instructions), payer.pubkey(), recent)
    return Transaction(list(unique.values()), message, recent)


def send_tx(client: RpcClient, tx: Transaction) -> str:
    raw = bytes(tx)
    if len(raw) > MAX_TRANSACTION_SIZE:
        raise InvalidParams(
            f"the transaction is {len(raw)} bytes, over Solana's {MAX_TRANSACTION_SIZE}"
        )
    encoded = base64.b64encode(raw).decode()
    try:
        return str(client.call("sendTransaction", encoded, {"encoding": "base64"}))
    except RemoteError as exc:
        logs = exc.data.get("logs") if isinstance(exc.data, dict) else None
        if not logs:
            raise
        shown = "\n  ".join(str(line) for line in logs)
        raise RemoteError(exc.rpc_code, f"{exc.message}\n  {shown}", exc.data) from None


def wait_confirmed(
    client: RpcClient, signatures: Sequence[str], timeout: float = DEFAULT_TIMEOUT
) -> list[dict[str, Any]]:
    """Wait until every signature has a status; fail with the first failed one's logs."""
    deadline = time.monotonic() + timeout
    statuses: list[Any] = [None] * len(signatures)
    while True:
        missing = [i for i, s in enumerate(statuses) if s is None]
        for start in range(0, len(missing), 256):
            batch = missing[start : start + 256]
            found = client.call("getSignatureStatuses", [signatures[i] for i in batch])["value"]
            for i, status in zip(batch, found, strict=True):
                statuses[i] = status
        if all(s is not None for s in statuses):
            break
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for {signatures[missing[0]]}")
        time.sleep(POLL_INTERVAL)
    for signature, status in zip(signatures, statuses, strict=True):
        if status.get("err") is not None:
            details = transaction_details(client, signature)
            logs = "\n  ".join(details.get("logs") or [])
            raise TxFailed(
                f"transaction {signature} failed: {json.dumps(status['err'])}"
                + (f"\n  {logs}" if logs else ""),
                TX_FAILED_CODE,
                SVM_CODESPACE,
                details,
            )
    return list(statuses)


def transaction_details(client: RpcClient, signature: str) -> dict[str, Any]:
    """What the CLI prints of a transaction: status, slot, fee, logs, return data."""
    tx = client.call("getTransaction", signature, {"encoding": "json", "commitment": "confirmed"})
    if tx is None:
        raise NotFound(f"transaction {signature} not found")
    meta = tx.get("meta") or {}
    return_data = meta.get("returnData")
    return {
        "signature": signature,
        "status": "success" if meta.get("err") is None else "failed",
        "slot": tx.get("slot"),
        "block_time": tx.get("blockTime"),
        "err": meta.get("err"),
        "fee": meta.get("fee"),
        "compute_units": meta.get("computeUnitsConsumed"),
        "logs": meta.get("logMessages") or [],
        "return_data": None
        if not return_data
        else {
            "program_id": return_data["programId"],
            "data_hex": base64.b64decode(return_data["data"][0]).hex(),
        },
    }


def _send_one(
    args: argparse.Namespace,
    instructions: Sequence[Instruction],
    payer: Keypair,
    signers: Sequence[Keypair] = (),
) -> dict[str, Any]:
    client = RpcClient(args.svm_node)
    signature = send_tx(client, build_tx(instructions, payer, signers, _blockhash(client)))
    if args.no_wait:
        return {"signature": signature, "status": "pending"}
    wait_confirmed(client, [signature], args.timeout)
    return transaction_details(client, signature)


# -- the upgradeable loader ------------------------------------------------------------------------


def initialize_buffer_ix(buffer: Pubkey, authority: Pubkey) -> Instruction:
    return Instruction(
        UPGRADEABLE_LOADER,
        struct.pack("<I", 0),
        [AccountMeta(buffer, False, True), AccountMeta(authority, False, False)],
    )


def write_ix(buffer: Pubkey, authority: Pubkey, offset: int, chunk: bytes) -> Instruction:
    data = struct.pack("<IIQ", 1, offset, len(chunk)) + chunk
    return Instruction(
        UPGRADEABLE_LOADER,
        data,
        [AccountMeta(buffer, False, True), AccountMeta(authority, True, False)],
    )


def deploy_with_max_data_len_ix(
    payer: Pubkey, program: Pubkey, buffer: Pubkey, authority: Pubkey, max_data_len: int
) -> Instruction:
    program_data = program_data_address(program)
    return Instruction(
        UPGRADEABLE_LOADER,
        struct.pack("<IQ", 2, max_data_len),
        [
            AccountMeta(payer, True, True),
            AccountMeta(program_data, False, True),
            AccountMeta(program, False, True),
            AccountMeta(buffer, False, True),
            AccountMeta(RENT_SYSVAR, False, False),
            AccountMeta(CLOCK_SYSVAR, False, False),
            AccountMeta(SYSTEM_PROGRAM, False, False),
            AccountMeta(authority, True, False),
        ],
    )


def program_data_address(program: Pubkey) -> Pubkey:
    return Pubkey.find_program_address([bytes(program)], UPGRADEABLE_LOADER)[0]


def write_chunk_size(payer: Keypair, buffer: Pubkey, recent: Hash) -> int:
    """The largest Write chunk whose transaction stays within 1,232 bytes."""
    empty = len(bytes(build_tx([write_ix(buffer, payer.pubkey(), 0, b"")], payer, [], recent)))
    # the data length (a compact-u16 in the message) grows by up to 2 bytes with the chunk
    return MAX_TRANSACTION_SIZE - empty - 2


def run_deploy(args: argparse.Namespace) -> Any:
    elf = read_program(args.program)
    payer = resolve_keypair(args.from_key)
    program = (
        resolve_keypair(args.program_keypair) if args.program_keypair is not None else Keypair()
    )
    max_len = len(elf) if args.max_len is None else int(args.max_len)
    if max_len < len(elf):
        raise InvalidParams(f"--max-len {max_len} is below the program's size {len(elf)}")
    client = RpcClient(args.svm_node)
    existing = client.call("getAccountInfo", str(program.pubkey()), {"encoding": "base64"})
    if existing.get("value") is not None:
        raise InvalidParams(f"account {program.pubkey()} already exists: use a new program keypair")
    buffer = Keypair()
    authority = payer.pubkey()
    rent = client.call("getMinimumBalanceForRentExemption", BUFFER_METADATA_SIZE + len(elf))
    program_rent = client.call("getMinimumBalanceForRentExemption", PROGRAM_ACCOUNT_SIZE)
    recent = _blockhash(client)

    create_buffer = [
        create_account(
            CreateAccountParams(
                from_pubkey=payer.pubkey(),
                to_pubkey=buffer.pubkey(),
                lamports=int(rent),
                space=BUFFER_METADATA_SIZE + len(elf),
                owner=UPGRADEABLE_LOADER,
            )
        ),
        initialize_buffer_ix(buffer.pubkey(), authority),
    ]
    signatures = [send_tx(client, build_tx(create_buffer, payer, [buffer], recent))]
    wait_confirmed(client, signatures, args.timeout)

    chunk = write_chunk_size(payer, buffer.pubkey(), recent)
    writes = []
    for offset in range(0, len(elf), chunk):
        ix = write_ix(buffer.pubkey(), authority, offset, elf[offset : offset + chunk])
        writes.append(send_tx(client, build_tx([ix], payer, [], recent)))
    wait_confirmed(client, writes, args.timeout)

    deploy = [
        create_account(
            CreateAccountParams(
                from_pubkey=payer.pubkey(),
                to_pubkey=program.pubkey(),
                lamports=int(program_rent),
                space=PROGRAM_ACCOUNT_SIZE,
                owner=UPGRADEABLE_LOADER,
            )
        ),
        deploy_with_max_data_len_ix(
            payer.pubkey(), program.pubkey(), buffer.pubkey(), authority, max_len
        ),
    ]
    final = send_tx(client, build_tx(deploy, payer, [program], _blockhash(client)))
    wait_confirmed(client, [final], args.timeout)
    return {
        "program_id": str(program.pubkey()),
        "program_data": str(program_data_address(program.pubkey())),
        "upgrade_authority": str(authority),
        "buffer": str(buffer.pubkey()),
        "size": len(elf),
        "max_data_len": max_len,
        "write_transactions": len(writes),
        "signature": final,
    }


# -- tx handlers -----------------------------------------------------------------------------------


def run_transfer(args: argparse.Namespace) -> Any:
    payer = resolve_keypair(args.from_key)
    to = resolve_pubkey(args.to)
    lamports = parse_lamports(args.lamports)
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=lamports))
    return {
        "from": str(payer.pubkey()),
        "to": str(to),
        "lamports": lamports,
        **_send_one(args, [ix], payer),
    }


def run_invoke(args: argparse.Namespace) -> Any:
    payer = resolve_keypair(args.from_key)
    program = resolve_pubkey(args.program_id)
    data = parse_hex(args.data, "instruction data")
    metas, signers = [], []
    for text in args.account:
        meta, keypair = parse_account(text)
        metas.append(meta)
        if keypair is not None:
            signers.append(keypair)
    ix = Instruction(program, data, metas)
    return {"program_id": str(program), **_send_one(args, [ix], payer, signers)}


# -- query handlers --------------------------------------------------------------------------------


def run_query_account(args: argparse.Namespace) -> Any:
    pubkey = resolve_pubkey(args.pubkey)
    reply = RpcClient(args.svm_node).call("getAccountInfo", str(pubkey), {"encoding": "base64"})
    value = reply.get("value")
    if value is None:
        raise NotFound(f"account {pubkey} not found")
    data = base64.b64decode(value["data"][0])
    return {
        "pubkey": str(pubkey),
        "lamports": int(value["lamports"]),
        "owner": value["owner"],
        "executable": bool(value["executable"]),
        "rent_epoch": value["rentEpoch"],
        "space": len(data),
        "data_hex": data.hex(),
        "data_base64": base64.b64encode(data).decode(),
    }


def run_query_balance(args: argparse.Namespace) -> Any:
    pubkey = resolve_pubkey(args.pubkey)
    lamports = int(RpcClient(args.svm_node).call("getBalance", str(pubkey))["value"])
    if args.output == "json":
        return {"pubkey": str(pubkey), "lamports": lamports, "sol": lamports / 10**9}
    return f"{lamports} lamports"


def run_query_tx(args: argparse.Namespace) -> Any:
    try:
        signature = str(Signature.from_string(args.signature.strip()))
    except ValueError:
        raise InvalidParams(f"invalid signature {args.signature!r}: base58, 64 bytes") from None
    return transaction_details(RpcClient(args.svm_node), signature)
