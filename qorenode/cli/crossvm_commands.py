"""``qorenode tx crossvm ...`` and ``qorenode query crossvm ...``: x/crossvm's asynchronous queue.

Transaction (signed locally with ``--from``, sent in the node's native envelope, waited for
unless ``--no-wait``), as QoreChain's CLI:

    tx crossvm call TARGET_VM TARGET_CONTRACT PAYLOAD --from KEY [--source-vm evm|cosmwasm]
        [--funds 100aqor] [--svm-account PUBKEY[:w]]... [--gas-limit N]

``TARGET_VM`` is ``evm``, ``cosmwasm`` or ``svm`` (or 0, 1, 2). ``PAYLOAD`` is hex (``0x``
optional, ``''`` for none) for EVM targets (ABI calldata) and SVM targets (instruction data), and
JSON text for CosmWasm targets (the execute message). ``TARGET_CONTRACT`` is a 0x address (EVM),
a ``qor1`` address (CosmWasm) or a base58 program id (SVM); a key name stands for its address.
``--svm-account`` (SVM targets only) lists the instruction's accounts in order, ``:w`` marking a
writable one. ``--gas-limit`` is the delivery's own gas limit (default: the module's
``max_delivery_gas``), distinct from ``--gas``, the transaction's. The message is
``/qorechain.crossvm.v1.MsgCrossVMCall`` in the Cosmos SDK's JSON form (payload base64, funds a
coin list, uint64 as a decimal string); its response (``data[0]``) is ``{"message_id": "N"}``.

The CLI checks the shape of its arguments (VM names, hex, JSON, base58, amounts); the module's own
rules (sizes, the queue, funds towards the SVM, gas budgets) are the node's, so their stable error
codes reach the user unchanged.

Queries (the node's JSON-RPC):

    query crossvm message ID          qor_getCrossVMMessage(id)
    query crossvm pending             qor_getPendingCrossVMMessages()
    query crossvm params              qor_getCrossVMParams()
    query crossvm list [--sender S] [--status ST] [--source-vm VM] [--target-vm VM] [--limit N]
                                      qor_listCrossVMMessages(filter)
    query crossvm alias TARGET_VM SOURCE_VM SENDER
                                      qor_crossVMAlias(target_vm, source_vm, sender)
"""

from __future__ import annotations

import argparse
import base64
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qorenode.addresses import parse_address, to_bech32
from qorenode.cli import common_options
from qorenode.cli.svm_commands import resolve_pubkey
from qorenode.cli.tx_commands import _wait_options
from qorenode.cli.wasm_commands import (
    event_attribute,
    msg_response,
    parse_funds,
    parse_json_arg,
    tx_summary,
)
from qorenode.client import BadResponse, RpcClient, check_native, send_native, wait_for_native
from qorenode.errors import InvalidParams, NotFound
from qorenode.interfaces import NodeError
from qorenode.keys import Keyring
from qorenode.native_tx import DEFAULT_GAS_LIMIT

MSG_CROSSVM_CALL = "/qorechain.crossvm.v1.MsgCrossVMCall"
MSG_UPDATE_PARAMS = "/qorechain.crossvm.v1.MsgUpdateParams"

VM_NAMES = ("evm", "cosmwasm", "svm")
"""VM ids 0, 1, 2 (DESIGN §5), as x/crossvm's JSON names them."""

SOURCE_VMS = ("evm", "cosmwasm")
"""What a native transaction's ``source_vm`` may be: both name the signer's 20-byte account."""

STATUSES = ("submitted", "pending", "executed", "failed", "timed_out")
"""Message statuses 1..5, as x/crossvm's JSON names them."""

PARAM_NAMES = (
    "max_message_size",
    "max_queue_size",
    "queue_timeout_blocks",
    "max_delivery_gas",
    "max_block_delivery_gas",
)
"""x/crossvm's params (MsgUpdateParams sets all of them: the others keep their current value)."""

MAX_UINT64 = 2**64 - 1
EVM_SELECTOR_BYTES = 4
SVM_PUBKEY_BYTES = 32


# -- registration ----------------------------------------------------------------------------------


def register_tx(tx_sub: Any) -> None:
    """``tx crossvm ...`` (called from ``tx_commands.register``)."""
    crossvm = tx_sub.add_parser("crossvm", help="cross-VM messages (MsgCrossVMCall)")
    sub = crossvm.add_subparsers(dest="crossvm_command", required=True)

    call = sub.add_parser(
        "call", help="queue a message towards another VM, delivered by a later block"
    )
    common_options(call)
    call.add_argument("target_vm", help="target VM: evm, cosmwasm or svm (or 0, 1, 2)")
    call.add_argument(
        "target_contract",
        help="target: 0x address (evm), qor1 address (cosmwasm), base58 program id (svm)",
    )
    call.add_argument(
        "payload",
        help="hex calldata / instruction data for evm and svm ('' for none); JSON for cosmwasm",
    )
    call.add_argument(
        "--source-vm",
        default=None,
        metavar="VM",
        help="the VM the signer's account sends from: evm or cosmwasm "
        "(default: cosmwasm for EVM targets, evm otherwise)",
    )
    call.add_argument(
        "--funds",
        default=None,
        metavar="AMOUNT",
        help="funds to escrow and deliver, e.g. 100aqor (as --amount)",
    )
    call.add_argument(
        "--svm-account",
        dest="svm_accounts",
        metavar="PUBKEY[:w]",
        action="append",
        default=[],
        help="an account of the SVM instruction, in order: PUBKEY (read-only) or PUBKEY:w",
    )
    call.add_argument(
        "--gas-limit",
        default=None,
        metavar="N",
        help="the delivery's gas limit (default: the module's max_delivery_gas)",
    )
    call.add_argument("--from", dest="from_key", required=True, help="key name of the signer")
    call.add_argument(
        "--gas", type=int, default=DEFAULT_GAS_LIMIT, help="the transaction's gas limit"
    )
    call.add_argument("--memo", default="", help="memo")
    _wait_options(call)
    call.set_defaults(handler=run_call)

    update = sub.add_parser(
        "update-params", help="change x/crossvm's params (MsgUpdateParams; the authority only)"
    )
    common_options(update)
    for name in PARAM_NAMES:
        update.add_argument(
            "--" + name.replace("_", "-"), default=None, metavar="N", help=f"new {name}"
        )
    update.add_argument("--from", dest="from_key", required=True, help="the authority's key")
    update.add_argument(
        "--gas", type=int, default=DEFAULT_GAS_LIMIT, help="the transaction's gas limit"
    )
    update.add_argument("--memo", default="", help="memo")
    _wait_options(update)
    update.set_defaults(handler=run_update_params)


def register_query(query_sub: Any) -> None:
    """``query crossvm ...`` (called from ``query_commands.register``)."""
    crossvm = query_sub.add_parser("crossvm", help="x/crossvm queries (the message queue)")
    sub = crossvm.add_subparsers(dest="crossvm_query", required=True)

    message = sub.add_parser("message", help="a message's record (qor_getCrossVMMessage)")
    common_options(message)
    message.add_argument("id", help="message id")
    message.set_defaults(handler=run_query_message)

    pending = sub.add_parser("pending", help="messages waiting for delivery")
    common_options(pending)
    pending.set_defaults(handler=run_query_pending)

    params = sub.add_parser("params", help="the module's params and authority")
    common_options(params)
    params.set_defaults(handler=run_query_params)

    list_ = sub.add_parser("list", help="messages matching a filter (qor_listCrossVMMessages)")
    common_options(list_)
    list_.add_argument("--sender", default=None, help="sender, as its source VM writes it")
    list_.add_argument("--status", default=None, choices=STATUSES, help="status")
    list_.add_argument(
        "--source-vm", default=None, metavar="VM", help="source VM: evm, cosmwasm, svm (0-2)"
    )
    list_.add_argument(
        "--target-vm", default=None, metavar="VM", help="target VM: evm, cosmwasm, svm (0-2)"
    )
    list_.add_argument("--limit", default=None, metavar="N", help="at most this many records")
    list_.set_defaults(handler=run_query_list)

    alias = sub.add_parser(
        "alias", help="the address under which a sender of one VM appears on another"
    )
    common_options(alias)
    alias.add_argument("target_vm", help="the VM it appears on: evm, cosmwasm, svm (0-2)")
    alias.add_argument("source_vm", help="the sender's VM: evm, cosmwasm, svm (0-2)")
    alias.add_argument(
        "sender",
        help="the sender's address as its VM writes it, or a key name (dev0..dev9: for svm, "
        "the Solana dev keypair)",
    )
    alias.set_defaults(handler=run_query_alias)


# -- arguments -------------------------------------------------------------------------------------


def parse_vm(text: str, what: str = "VM") -> str:
    """``evm``/``cosmwasm``/``svm`` (any case) or ``0``/``1``/``2``: the VM's name."""
    value = text.strip().lower()
    if value.isascii() and value.isdigit() and int(value) < len(VM_NAMES):
        return VM_NAMES[int(value)]
    if value in VM_NAMES:
        return value
    raise InvalidParams(f"unknown {what} {text!r}: use evm, cosmwasm or svm (or 0, 1, 2)")


def parse_source_vm(text: str) -> str:
    """A native transaction's ``source_vm``: evm or cosmwasm (the signer's 20-byte account)."""
    vm = parse_vm(text, "source VM")
    if vm not in SOURCE_VMS:
        raise InvalidParams(
            f"source VM {vm} is refused: a native transaction is signed by a 20-byte account, "
            "which sends as evm or cosmwasm; SVM keys and programs queue messages through the "
            "CrossVM bridge program's Submit instruction"
        )
    return vm


def parse_hex_payload(text: str, what: str = "payload") -> bytes:
    """Hex, ``0x`` optional; ``''`` or ``0x`` is empty."""
    try:
        return bytes.fromhex(text.strip().removeprefix("0x").removeprefix("0X"))
    except ValueError:
        raise InvalidParams(f"{what} must be hex (0x optional): {text!r}") from None


def encode_payload(target_vm: str, text: str) -> bytes:
    """The payload's bytes: hex for EVM and SVM targets, JSON text (compacted) for CosmWasm."""
    if target_vm == "cosmwasm":
        msg = parse_json_arg(text, "the payload (a CosmWasm execute message)")
        return json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if target_vm == "evm":
        data = parse_hex_payload(text, "the payload (EVM calldata)")
        if 0 < len(data) < EVM_SELECTOR_BYTES:
            raise InvalidParams(
                f"the payload (EVM calldata) is {len(data)} bytes: empty or at least a "
                "4-byte selector"
            )
        return data
    return parse_hex_payload(text, "the payload (SVM instruction data)")


def parse_target(target_vm: str, text: str, home: Path | None = None) -> str:
    """The target in its VM's text form: 0x hex (EVM), qor1 bech32 (CosmWasm), base58 (SVM).

    EVM and CosmWasm targets may be given as 0x or qor1 addresses, or (with ``home``) as key
    names; SVM targets as base58, dev0..dev9 (the Solana dev keypairs) or a keypair file.
    """
    text = text.strip()
    if target_vm == "svm":
        return str(resolve_pubkey(text))
    if text.startswith(("0x", "0X", "qor1")):
        raw = parse_address(text)
    elif home is not None:
        raw = Keyring(home).get(text).address
    else:
        raise InvalidParams(f"invalid target {text!r}: expected a 0x or qor1 address")
    if target_vm == "evm":
        if len(raw) != 20:
            raise InvalidParams(f"{text} is a 32-byte address: EVM contracts are 20 bytes")
        return "0x" + raw.hex()
    return to_bech32(raw)


def parse_svm_account(text: str) -> dict[str, Any]:
    """``PUBKEY`` (read-only) or ``PUBKEY:w`` (writable): ``{"pubkey": base58, "writable": ...}``.

    PUBKEY is base58 (32 bytes), dev0..dev9 or a Solana keypair file.
    """
    key, sep, flag = text.strip().rpartition(":")
    if not sep:  # no flag: the whole text is the key
        key, flag = flag, ""
    if not key or (sep and flag != "w"):
        raise InvalidParams(f"invalid --svm-account {text!r}: PUBKEY or PUBKEY:w (writable)")
    return {"pubkey": str(resolve_pubkey(key)), "writable": flag == "w"}


def parse_gas_limit(text: str | None) -> int | None:
    if text is None:
        return None
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_UINT64:
        raise InvalidParams(f"invalid --gas-limit {text!r}: a positive integer")
    return int(value)


def parse_message_id(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_UINT64:
        raise InvalidParams(f"invalid message id {text!r}: expected a positive integer, e.g. 1")
    return int(value)


def parse_limit(text: str | None) -> int | None:
    if text is None:
        return None
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or int(value) == 0:
        raise InvalidParams(f"invalid --limit {text!r}: a positive integer")
    return int(value)


# -- messages --------------------------------------------------------------------------------------


def crossvm_call_msg(
    sender: str,
    target_vm: str,
    target_contract: str,
    payload: bytes,
    funds: Sequence[Mapping[str, str]] = (),
    svm_accounts: Sequence[Mapping[str, Any]] = (),
    gas_limit: int | None = None,
    source_vm: str = "evm",
) -> dict[str, Any]:
    """``MsgCrossVMCall`` in its JSON form, from parsed values."""
    msg: dict[str, Any] = {
        "@type": MSG_CROSSVM_CALL,
        "sender": sender,
        "source_vm": source_vm,
        "target_vm": target_vm,
        "target_contract": target_contract,
        "payload": base64.b64encode(payload).decode("ascii"),
        "funds": [dict(c) for c in funds],
        "svm_accounts": [
            {"pubkey": str(a["pubkey"]), "writable": bool(a["writable"])} for a in svm_accounts
        ],
    }
    if gas_limit is not None:
        msg["gas_limit"] = str(gas_limit)
    return msg


def build_call_msg(
    sender: str,
    target_vm: str,
    target_contract: str,
    payload: str,
    *,
    source_vm: str | None = None,
    funds: str | None = None,
    svm_accounts: Sequence[str] = (),
    gas_limit: str | None = None,
    home: Path | None = None,
) -> dict[str, Any]:
    """``MsgCrossVMCall`` from the command line's texts (every argument checked here)."""
    target = parse_vm(target_vm, "target VM")
    if source_vm is None:  # the signer's account is the same on both sides
        source_vm = "cosmwasm" if target == "evm" else "evm"
    source = parse_source_vm(source_vm)
    if svm_accounts and target != "svm":
        raise InvalidParams(f"--svm-account is for SVM targets only (the target VM is {target})")
    return crossvm_call_msg(
        sender,
        target,
        parse_target(target, target_contract, home),
        encode_payload(target, payload),
        parse_funds(funds),
        [parse_svm_account(a) for a in svm_accounts],
        parse_gas_limit(gas_limit),
        source,
    )


def list_filter(
    sender: str | None = None,
    status: str | None = None,
    source_vm: str | None = None,
    target_vm: str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    """``qor_listCrossVMMessages``'s filter: only the keys given."""
    query: dict[str, Any] = {}
    if sender is not None:
        query["sender"] = sender.strip()
    if status is not None:
        if status not in STATUSES:
            raise InvalidParams(f"unknown status {status!r}: one of {', '.join(STATUSES)}")
        query["status"] = status
    if source_vm is not None:
        query["source_vm"] = parse_vm(source_vm, "source VM")
    if target_vm is not None:
        query["target_vm"] = parse_vm(target_vm, "target VM")
    parsed_limit = parse_limit(limit)
    if parsed_limit is not None:
        query["limit"] = parsed_limit
    return query


# -- results ---------------------------------------------------------------------------------------


def call_result(record: Mapping[str, Any]) -> dict[str, Any]:
    """A ``MsgCrossVMCall`` transaction's summary, with its message id as an integer."""
    message_id = msg_response(record).get("message_id")
    if message_id is None:
        message_id = event_attribute(record, "crossvm_request", "message_id")
    try:
        parsed = None if message_id is None else int(str(message_id))
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadResponse(
            f"transaction {record['txhash']} queued no message: no message_id in its result"
        )
    return {**tx_summary(record), "message_id": parsed, "events": record.get("events") or []}


# -- handlers --------------------------------------------------------------------------------------


def run_call(args: argparse.Namespace) -> Any:
    key = Keyring(args.home).get(args.from_key)
    msg = build_call_msg(
        key.bech32_address,
        args.target_vm,
        args.target_contract,
        args.payload,
        source_vm=args.source_vm,
        funds=args.funds,
        svm_accounts=args.svm_accounts,
        gas_limit=args.gas_limit,
        home=args.home,
    )
    client = RpcClient(args.node)
    tx_hash = send_native(client, key, None, [msg], args.gas, args.memo)
    if args.no_wait:
        return {"txhash": tx_hash, "status": "pending"}
    return call_result(check_native(wait_for_native(client, tx_hash, args.timeout)))


def run_query_message(args: argparse.Namespace) -> Any:
    message_id = parse_message_id(args.id)
    record = RpcClient(args.node).call("qor_getCrossVMMessage", message_id)
    if record is None:
        raise NotFound(f"message {message_id} not found")
    return record


def run_query_pending(args: argparse.Namespace) -> Any:
    records = RpcClient(args.node).call("qor_getPendingCrossVMMessages")
    if args.output != "json" and not records:
        return "(no pending messages)"
    return records


def run_query_params(args: argparse.Namespace) -> Any:
    return RpcClient(args.node).call("qor_getCrossVMParams")


def run_query_list(args: argparse.Namespace) -> Any:
    query = list_filter(args.sender, args.status, args.source_vm, args.target_vm, args.limit)
    records = RpcClient(args.node).call("qor_listCrossVMMessages", query)
    if args.output != "json" and not records:
        return "(no messages)"
    return records


def update_params_msg(
    authority: str, current: Mapping[str, Any], changes: Mapping[str, str | None]
) -> dict[str, Any]:
    """``MsgUpdateParams`` with every param: ``changes`` over the ``current`` ones."""
    params = {name: str(current[name]) for name in PARAM_NAMES}
    for name, value in changes.items():
        if value is not None:
            number = value.strip()
            if not (number.isascii() and number.isdigit()) or not 0 < int(number) <= MAX_UINT64:
                flag = "--" + name.replace("_", "-")
                raise InvalidParams(f"invalid {flag} {value!r}: a positive integer")
            params[name] = str(int(number))
    return {"@type": MSG_UPDATE_PARAMS, "authority": authority, "params": params}


def run_update_params(args: argparse.Namespace) -> Any:
    key = Keyring(args.home).get(args.from_key)
    client = RpcClient(args.node)
    current = client.call("qor_getCrossVMParams")["params"]
    changes = {name: getattr(args, name) for name in PARAM_NAMES}
    if all(value is None for value in changes.values()):
        raise InvalidParams("give at least one param to change, e.g. --max-queue-size 10")
    msg = update_params_msg(key.bech32_address, current, changes)
    tx_hash = send_native(client, key, None, [msg], args.gas, args.memo)
    if args.no_wait:
        return {"txhash": tx_hash, "status": "pending"}
    record = check_native(wait_for_native(client, tx_hash, args.timeout))
    return {**tx_summary(record), "params": msg["params"]}


def resolve_sender(source_vm: str, text: str, home: Path | None) -> str:
    """A sender as its VM writes it; key names resolve (dev0..dev9 on the SVM are the Solana
    dev keypairs, elsewhere the keyring's accounts)."""
    text = text.strip()
    if source_vm == "svm":
        return str(resolve_pubkey(text))
    if text.startswith(("0x", "0X", "qor1")) or home is None:
        return text
    try:
        address = Keyring(home).get(text).address
    except NodeError:
        return text  # not a key name: the node says what is wrong with it
    return "0x" + address.hex() if source_vm == "evm" else to_bech32(address)


def run_query_alias(args: argparse.Namespace) -> Any:
    target = parse_vm(args.target_vm, "target VM")
    source = parse_vm(args.source_vm, "source VM")
    sender = resolve_sender(source, args.sender, args.home)
    alias = RpcClient(args.node).call("qor_crossVMAlias", target, source, sender)
    if args.output == "json":
        return {"target_vm": target, "source_vm": source, "sender": sender, "alias": alias}
    return str(alias)
