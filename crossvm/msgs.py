"""How x/crossvm reads messages and queries from JSON: VMs, addresses in each VM's text form,
coins, SVM accounts, gas limits, message ids. Each refusal carries its stable code
(``crossvm.errors``)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

from crossvm.errors import InvalidInput, InvalidPayload, InvalidTarget, UnknownVm
from crossvm.types import MessageRecord, Status, SvmAccount
from qorenode import base58, bech32
from qorenode.interfaces import VmId


def parse_vm(value: Any) -> VmId:
    """A VM as JSON gives it: 0/1/2 or "evm"/"cosmwasm"/"svm"."""
    if isinstance(value, str) and not value.isdigit():
        for vm in VmId:
            if vm.label == value.lower():
                return vm
    elif not isinstance(value, bool):
        try:
            return VmId(int(value))
        except (TypeError, ValueError):
            pass
    raise UnknownVm(f"unknown VM {value!r}: use evm, cosmwasm or svm (0, 1, 2)")


def parse_sender(text: Any) -> bytes:
    """A sender as its VM writes it: bech32 ``qor1...``, 0x hex, or base58 (32 bytes)."""
    if not isinstance(text, str):
        raise InvalidInput("sender must be a string")
    try:
        if text.startswith(bech32.HRP + "1"):
            raw = bech32.decode(text)
        elif text.startswith("0x"):
            raw = bytes.fromhex(text[2:])
        else:
            try:
                raw = base58.decode(text, 32)
            except base58.Base58Error:
                raw = bytes.fromhex(text)
    except (ValueError, bech32.Bech32Error):
        raise InvalidInput(f"invalid sender {text!r}: expected bech32, 0x hex or base58") from None
    if len(raw) not in (20, 32):
        raise InvalidInput("a sender is 20 or 32 bytes")
    return raw


def parse_target(target_vm: VmId, text: Any) -> bytes:
    """A target address in its VM's text form: 0x hex (EVM), bech32 (CosmWasm), base58 (SVM)."""
    if not isinstance(text, str) or not text:
        raise InvalidTarget("target_contract must be a non-empty string")
    try:
        if target_vm == VmId.EVM:
            if not text.startswith("0x") or len(text) != 42:
                raise ValueError("expected 0x and 40 hex digits")
            return bytes.fromhex(text[2:])
        if target_vm == VmId.COSMWASM:
            return bech32.decode(text)
        return base58.decode(text, 32)
    except (ValueError, bech32.Bech32Error) as exc:
        raise InvalidTarget(f"invalid {target_vm.label} address {text!r}: {exc}") from None


def parse_funds(coins: Any) -> int:
    if coins is None:
        return 0
    if not isinstance(coins, list):
        raise InvalidInput("funds must be a list of coins")
    total = 0
    for coin in coins:
        if not isinstance(coin, dict) or set(coin) != {"denom", "amount"}:
            raise InvalidInput(f"invalid coin {coin!r}")
        amount = coin["amount"]
        if coin["denom"] != "aqor":
            raise InvalidInput(f"unknown denom {coin['denom']!r}: this chain's token is aqor")
        if not isinstance(amount, str) or not (amount.isascii() and amount.isdigit()):
            raise InvalidInput(f"coin amount must be a decimal string, got {amount!r}")
        total += int(amount)
    return total


def parse_svm_accounts(value: Any) -> tuple[SvmAccount, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidInput("svm_accounts must be a list of {pubkey, writable}")
    accounts = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("pubkey"), str):
            raise InvalidInput(f"invalid svm account {entry!r}")
        try:
            pubkey = base58.decode(entry["pubkey"], 32)
        except base58.Base58Error as exc:
            raise InvalidInput(f"invalid svm account {entry['pubkey']!r}: {exc}") from None
        writable = entry.get("writable", False)
        if not isinstance(writable, bool):
            raise InvalidInput("svm account writable must be true or false")
        accounts.append(SvmAccount(pubkey, writable))
    return tuple(accounts)


def parse_gas_limit(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InvalidInput(f"gas_limit must be an unsigned integer, got {value!r}")


def parse_base64(value: Any, what: str) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, str):
        raise InvalidPayload(f"{what} must be base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidPayload(f"{what} is not valid base64") from None


def parse_message_id(value: Any) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise InvalidInput(f"a message id is an unsigned integer, got {value!r}")


def record_filter(query: Mapping[str, Any]) -> Callable[[MessageRecord], bool]:
    """A predicate over records for ``qor_listCrossVMMessages`` and ``crossvm`` subscriptions."""
    unknown = set(query) - {"sender", "status", "source_vm", "target_vm", "limit", "message_id"}
    if unknown:
        raise InvalidInput(f"unknown filter keys: {', '.join(sorted(unknown))}")
    status = None
    if query.get("status") is not None:
        try:
            status = Status.parse(str(query["status"]))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    source = parse_vm(query["source_vm"]) if query.get("source_vm") is not None else None
    target = parse_vm(query["target_vm"]) if query.get("target_vm") is not None else None
    sender = parse_sender(query["sender"]) if query.get("sender") is not None else None
    message_id = (
        parse_message_id(query["message_id"]) if query.get("message_id") is not None else None
    )

    def match(record: MessageRecord) -> bool:
        return (
            (status is None or record.status == status)
            and (source is None or record.source_vm == source)
            and (target is None or record.target_vm == target)
            and (sender is None or record.sender == sender)
            and (message_id is None or record.id == message_id)
        )

    return match
