"""``qorenode tx evm deploy|send|call`` and ``qorenode tx bank send``.

EVM transactions are signed locally (eth_account, type 2) and sent with ``eth_sendRawTransaction``;
bank sends travel in the node's native envelope (``qor_sendTransaction``). Both wait for inclusion
unless ``--no-wait``. Function signatures and arguments work as in Foundry's cast:
``tx evm send 0x... "transfer(address,uint256)" 0x... 1000``. ``tx wasm ...`` lives in
``qorenode.cli.wasm_commands``.
"""

from __future__ import annotations

import argparse
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from qorenode.addresses import parse_address, to_bech32, to_hex
from qorenode.bank import DENOM, MSG_SEND
from qorenode.cli import common_options
from qorenode.client import (
    DEFAULT_TIMEOUT,
    RpcClient,
    check_native,
    check_receipt,
    send_evm,
    send_native,
    wait_for_native,
    wait_for_receipt,
)
from qorenode.errors import InvalidParams
from qorenode.keys import Keyring

DEFAULT_NATIVE_GAS = 200_000


def register(sub: Any) -> None:
    tx = sub.add_parser("tx", help="sign and send transactions")
    tx_sub = tx.add_subparsers(dest="tx_module", required=True)

    evm = tx_sub.add_parser("evm", help="EVM transactions and calls")
    evm_sub = evm.add_subparsers(dest="evm_command", required=True)

    deploy = evm_sub.add_parser("deploy", help="deploy a contract (artifact JSON or 0x bytecode)")
    common_options(deploy)
    deploy.add_argument("artifact", help="JSON file with abi and bytecode, or 0x init code")
    deploy.add_argument("--args", default=None, help="constructor arguments as a JSON list")
    _tx_options(deploy)
    deploy.set_defaults(handler=run_evm_deploy)

    send = evm_sub.add_parser("send", help="send a transaction (cast send style)")
    common_options(send)
    send.add_argument("to", help="recipient: 0x, qor1 (20 bytes) or a key name")
    send.add_argument(
        "sig", nargs="?", default=None, help="function, e.g. 'transfer(address,uint256)'"
    )
    send.add_argument("args", nargs="*", help="function arguments")
    send.add_argument("--data", default=None, help="raw calldata (hex) instead of SIG and ARGS")
    _tx_options(send)
    send.set_defaults(handler=run_evm_send)

    call = evm_sub.add_parser("call", help="read-only call (eth_call), cast call style")
    common_options(call)
    call.add_argument("to", help="contract: 0x, qor1 (20 bytes) or a key name")
    call.add_argument("sig", help="function, e.g. 'balanceOf(address)' or 'count()(uint256)'")
    call.add_argument("args", nargs="*", help="function arguments")
    call.add_argument("--returns", default=None, help="return types to decode, e.g. uint256")
    call.add_argument("--from", dest="sender", default=None, help="caller (address or key name)")
    call.add_argument("--value", default="0", help="value in wei")
    call.add_argument("--block", default="latest", help="block number or tag (default latest)")
    call.set_defaults(handler=run_evm_call)

    bank = tx_sub.add_parser("bank", help="bank transactions")
    bank_sub = bank.add_subparsers(dest="bank_command", required=True)
    bank_send = bank_sub.add_parser("send", help="send aqor: tx bank send FROM_KEY TO AMOUNT")
    common_options(bank_send)
    bank_send.add_argument("from_key", help="key name of the sender")
    bank_send.add_argument("to", help="recipient: qor1, 0x or a key name")
    bank_send.add_argument("amount", help="amount, e.g. 100aqor or 100")
    bank_send.add_argument("--gas", type=int, default=DEFAULT_NATIVE_GAS, help="gas limit")
    bank_send.add_argument("--memo", default="", help="memo")
    _wait_options(bank_send)
    bank_send.set_defaults(handler=run_bank_send)

    from qorenode.cli import wasm_commands  # it builds on this module's helpers

    wasm_commands.register_tx(tx_sub)

    from qorenode.cli import svm_commands

    svm_commands.register_tx(tx_sub)

    from qorenode.cli import crossvm_commands

    crossvm_commands.register_tx(tx_sub)


def _tx_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="from_key", required=True, help="key name of the signer")
    parser.add_argument("--value", default="0", help="value in wei (or e.g. 1ether, 5gwei)")
    parser.add_argument("--gas", type=int, default=None, help="gas limit (default: estimate x1.2)")
    _wait_options(parser)


def _wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-wait", action="store_true", help="do not wait for inclusion")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds to wait for inclusion"
    )


# -- addresses, amounts ---------------------------------------------------------------------------


def resolve_address(text: str, home: Path) -> bytes:
    """An address given as 0x hex, qor1 bech32, or the name of a key."""
    if text.startswith(("0x", "0X", "qor1")):
        return parse_address(text)
    return Keyring(home).get(text).address


def resolve_evm_address(text: str, home: Path) -> bytes:
    raw = resolve_address(text, home)
    if len(raw) != 20:
        raise InvalidParams(f"{text} is a 32-byte address: EVM addresses are 20 bytes")
    return raw


_UNITS = {"wei": 1, "gwei": 10**9, "ether": 10**18, "eth": 10**18, "qor": 10**18, "aqor": 1}


def parse_amount(text: str, what: str = "amount") -> int:
    """Wei from '1000', '0x3e8', '1e18', '1.5ether', '5gwei', '100aqor'."""
    text = text.strip()
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        return int(text, 16)
    match = re.fullmatch(r"(\d+(?:\.\d*)?(?:[eE]\+?\d+)?)\s*([a-zA-Z]*)", text)
    if match is None:
        raise InvalidParams(f"invalid {what} {text!r}")
    number, unit = match.groups()
    scale = _UNITS.get(unit.lower()) if unit else 1
    if scale is None:
        raise InvalidParams(f"invalid {what} {text!r}: unknown unit {unit!r}")
    exact = Decimal(number) * scale
    if exact != exact.to_integral_value():
        raise InvalidParams(f"invalid {what} {text!r}: not a whole number of wei")
    return int(exact)


def parse_bank_amount(text: str) -> int:
    """'100aqor' or '100' (a whole number of aqor)."""
    match = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z][a-zA-Z0-9/]*)?\s*", text)
    if match is None:
        raise InvalidParams(f"invalid amount {text!r}: expected e.g. 100{DENOM}")
    amount, denom = match.groups()
    if denom is not None and denom != DENOM:
        raise InvalidParams(f"unknown denom {denom!r}: this chain's token is {DENOM}")
    return int(amount)


# -- ABI ---------------------------------------------------------------------------------------


def split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets and parentheses: 'a,(b,c),[d,e]' -> 3 parts."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip() or parts:
        parts.append(current.strip())
    return parts


def parse_types(text: str) -> list[str]:
    """'uint256' or 'uint256,bool' or '(uint256,bool)' -> ['uint256', 'bool']."""
    text = text.strip()
    if text.startswith("(") and _matching_paren(text, 0) == len(text) - 1:
        text = text[1:-1]
    return [t.replace(" ", "") for t in split_top_level(text)]


def _matching_paren(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise InvalidParams(f"unbalanced parentheses in {text!r}")


def parse_signature(sig: str) -> tuple[str, list[str], list[str] | None]:
    """'transfer(address,uint256)' -> (canonical signature, input types, None);
    'balanceOf(address)(uint256)' (cast style) also gives the return types."""
    sig = sig.strip()
    open_at = sig.find("(")
    if open_at <= 0 or not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", sig[:open_at]):
        raise InvalidParams(f"invalid function signature {sig!r}: expected e.g. 'count()'")
    close_at = _matching_paren(sig, open_at)
    inputs = parse_types(sig[open_at : close_at + 1])
    rest = sig[close_at + 1 :].strip()
    returns = parse_types(rest) if rest else None
    canonical = f"{sig[:open_at]}({','.join(inputs)})"
    return canonical, inputs, returns


def coerce(abi_type: str, value: Any, home: Path) -> Any:
    """A value for ``abi_type`` from a CLI string (cast style) or a JSON value."""
    array = re.fullmatch(r"(.+)\[(\d*)\]", abi_type)
    if array is not None:
        items = value
        if isinstance(value, str):
            text = value.strip()
            try:
                items = json.loads(text)
            except ValueError:
                if not (text.startswith("[") and text.endswith("]")):
                    raise InvalidParams(f"{abi_type} argument must be a list: {value!r}") from None
                items = split_top_level(text[1:-1])
        if not isinstance(items, list):
            raise InvalidParams(f"{abi_type} argument must be a list: {value!r}")
        return [coerce(array.group(1), item, home) for item in items]
    if abi_type.startswith("("):
        inner = parse_types(abi_type)
        items = value
        if isinstance(value, str):
            text = value.strip()
            if not (text.startswith("(") and text.endswith(")")):
                raise InvalidParams(f"{abi_type} argument must look like (a,b): {value!r}")
            items = split_top_level(text[1:-1])
        if not isinstance(items, list) or len(items) != len(inner):
            raise InvalidParams(f"{abi_type} argument needs {len(inner)} fields: {value!r}")
        return tuple(coerce(t, v, home) for t, v in zip(inner, items, strict=True))
    if abi_type.startswith(("uint", "int")):
        if isinstance(value, bool):
            raise InvalidParams(f"{abi_type} argument must be a number: {value!r}")
        if isinstance(value, int):
            return value
        text = str(value).strip()
        negative = text.startswith("-")
        magnitude = parse_amount(text.removeprefix("-"), f"{abi_type} argument")
        return -magnitude if negative else magnitude
    if abi_type == "address":
        return to_checksum_address(resolve_evm_address(str(value).strip(), home))
    if abi_type == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise InvalidParams(f"bool argument must be true or false: {value!r}")
    if abi_type == "string":
        return str(value)
    if abi_type.startswith("bytes"):
        text = str(value).strip()
        try:
            return bytes.fromhex(text.removeprefix("0x"))
        except ValueError:
            raise InvalidParams(f"{abi_type} argument must be hex: {value!r}") from None
    raise InvalidParams(f"unsupported ABI type {abi_type!r}")


def encode_args(types: list[str], values: list[Any], home: Path) -> bytes:
    if len(types) != len(values):
        raise InvalidParams(
            f"expected {len(types)} arguments ({', '.join(types)}), got {len(values)}"
        )
    coerced = [coerce(t, v, home) for t, v in zip(types, values, strict=True)]
    try:
        return bytes(abi_encode(types, coerced))
    except (EncodingError, TypeError, ValueError, OverflowError) as exc:
        raise InvalidParams(f"cannot ABI-encode arguments: {exc}") from None


def encode_call(sig: str, values: list[Any], home: Path) -> tuple[bytes, list[str] | None]:
    canonical, inputs, returns = parse_signature(sig)
    selector = bytes(function_signature_to_4byte_selector(canonical))
    return selector + encode_args(inputs, values, home), returns


def to_json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value


def _hex_bytes(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text.strip().removeprefix("0x"))
    except ValueError:
        raise InvalidParams(f"{what} must be hex: {text!r}") from None


# -- results -----------------------------------------------------------------------------------


def _evm_result(
    client: RpcClient, args: argparse.Namespace, tx_hash: str, extra: dict[str, Any]
) -> dict[str, Any]:
    if args.no_wait:
        return {"tx_hash": tx_hash, "status": "pending", **extra}
    receipt = check_receipt(client, wait_for_receipt(client, tx_hash, args.timeout))
    result: dict[str, Any] = {
        "tx_hash": tx_hash,
        "status": "success",
        "block_number": int(receipt["blockNumber"], 16),
        "gas_used": int(receipt["gasUsed"], 16),
        **extra,
    }
    if receipt.get("contractAddress"):
        result["contract_address"] = to_checksum_address(receipt["contractAddress"])
    return result


def _signer(args: argparse.Namespace) -> Any:
    return Keyring(args.home).get(args.from_key)


# -- handlers ------------------------------------------------------------------------------------


def load_artifact(spec: str) -> tuple[bytes, list[dict[str, Any]] | None]:
    """Init code and ABI from an artifact (solc/Hardhat/Foundry JSON) or from 0x hex."""
    path = Path(spec)
    if not path.is_file():
        if spec.startswith("0x"):
            return _hex_bytes(spec, "bytecode"), None
        raise InvalidParams(f"no artifact file {spec!r} (give a JSON artifact or 0x bytecode)")
    try:
        artifact = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidParams(f"cannot read artifact {spec}: {exc}") from None
    if not isinstance(artifact, dict):
        raise InvalidParams(f"artifact {spec} is not a JSON object")
    bytecode = artifact.get("bytecode")
    if isinstance(bytecode, dict):  # Foundry: {"object": "0x..."}
        bytecode = bytecode.get("object")
    if not isinstance(bytecode, str) or not bytecode.removeprefix("0x"):
        raise InvalidParams(f"artifact {spec} has no bytecode")
    abi = artifact.get("abi")
    return _hex_bytes(bytecode, "bytecode"), abi if isinstance(abi, list) else None


def _constructor_types(abi: list[dict[str, Any]] | None) -> list[str]:
    for entry in abi or []:
        if entry.get("type") == "constructor":
            return [_abi_type(i) for i in entry.get("inputs", [])]
    return []


def _abi_type(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def run_evm_deploy(args: argparse.Namespace) -> Any:
    code, abi = load_artifact(args.artifact)
    values: list[Any] = []
    if args.args is not None:
        try:
            values = json.loads(args.args)
        except ValueError:
            raise InvalidParams("--args must be a JSON list, e.g. '[1, \"0x...\"]'") from None
        if not isinstance(values, list):
            raise InvalidParams("--args must be a JSON list")
    types = _constructor_types(abi)
    if values and abi is None:
        raise InvalidParams("constructor arguments need an artifact with an ABI")
    data = code + (encode_args(types, values, args.home) if types or values else b"")
    key = _signer(args)
    client = RpcClient(args.node)
    tx_hash = send_evm(client, key, None, data, parse_amount(args.value, "value"), args.gas)
    return _evm_result(client, args, tx_hash, {"from": key.hex_address})


def run_evm_send(args: argparse.Namespace) -> Any:
    to = resolve_evm_address(args.to, args.home)
    if args.data is not None:
        if args.sig is not None:
            raise InvalidParams("give either SIG [ARGS...] or --data, not both")
        data = _hex_bytes(args.data, "--data")
    elif args.sig is not None:
        data, _ = encode_call(args.sig, args.args, args.home)
    else:
        data = b""
    key = _signer(args)
    client = RpcClient(args.node)
    tx_hash = send_evm(client, key, to, data, parse_amount(args.value, "value"), args.gas)
    return _evm_result(client, args, tx_hash, {"from": key.hex_address, "to": to_hex(to)})


def run_evm_call(args: argparse.Namespace) -> Any:
    to = resolve_evm_address(args.to, args.home)
    data, returns = encode_call(args.sig, args.args, args.home)
    if args.returns is not None:
        returns = parse_types(args.returns)
    call: dict[str, Any] = {"to": to_hex(to), "data": "0x" + data.hex()}
    if args.sender is not None:
        call["from"] = to_hex(resolve_evm_address(args.sender, args.home))
    value = parse_amount(args.value, "value")
    if value:
        call["value"] = hex(value)
    block = args.block if not args.block.isdigit() else hex(int(args.block))
    raw_hex = str(RpcClient(args.node).call("eth_call", call, block))
    raw = _hex_bytes(raw_hex, "eth_call result")
    if returns is None:
        return {"raw": raw_hex} if args.output == "json" else raw_hex
    if not raw and returns:
        raise InvalidParams(
            f"the call returned no data: is {to_hex(to)} a contract with {args.sig}?"
        )
    try:
        decoded = to_json_value(list(abi_decode(returns, raw)))
    except (DecodingError, ValueError, OverflowError) as exc:
        raise InvalidParams(f"cannot decode {raw_hex} as ({', '.join(returns)}): {exc}") from None
    if args.output == "json":
        return {"raw": raw_hex, "types": returns, "decoded": decoded}
    return "\n".join(json.dumps(v) if isinstance(v, list) else str(v) for v in decoded)


def run_bank_send(args: argparse.Namespace) -> Any:
    key = Keyring(args.home).get(args.from_key)
    recipient = resolve_address(args.to, args.home)
    amount = parse_bank_amount(args.amount)
    msg = {
        "@type": MSG_SEND,
        "from_address": key.bech32_address,
        "to_address": to_bech32(recipient),
        "amount": [{"denom": DENOM, "amount": str(amount)}],
    }
    client = RpcClient(args.node)
    tx_hash = send_native(client, key, None, [msg], args.gas, args.memo)
    result: dict[str, Any] = {
        "tx_hash": tx_hash,
        "from": key.bech32_address,
        "to": to_bech32(recipient),
        "amount": f"{amount}{DENOM}",
    }
    if args.no_wait:
        return {**result, "status": "pending"}
    record = check_native(wait_for_native(client, tx_hash, args.timeout))
    return {
        **result,
        "status": "success",
        "block_number": int(record["height"]),
        "gas_used": int(record["gas_used"]),
    }
