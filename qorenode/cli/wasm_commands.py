"""``qorenode tx wasm ...`` and ``qorenode query wasm ...``: CosmWasm contracts, as wasmd's CLI.

Transactions (signed locally, sent in the node's native envelope, waited for unless ``--no-wait``):

    tx wasm store FILE --from KEY
    tx wasm instantiate CODE_ID JSON --label L --from KEY (--admin ADDR | --no-admin) [--amount 100aqor]
    tx wasm instantiate2 CODE_ID JSON SALT --label L --from KEY (--admin ADDR | --no-admin) [--fix-msg]
    tx wasm execute CONTRACT JSON --from KEY [--amount 100aqor]
    tx wasm migrate CONTRACT NEW_CODE_ID JSON --from KEY
    tx wasm set-contract-admin CONTRACT NEW_ADMIN --from KEY
    tx wasm clear-contract-admin CONTRACT --from KEY

Queries (the node's ``qor_wasm*`` JSON-RPC methods):

    query wasm contract-state smart CONTRACT JSON | raw CONTRACT KEY | all CONTRACT
    query wasm code CODE_ID [OUTFILE]     (the wasm goes to OUTFILE, checked against its checksum)
    query wasm contract CONTRACT | list-code | list-contract-by-code CODE_ID

Messages carry wasmd's protobuf JSON (``/cosmwasm.wasm.v1.Msg...``): uint64 as decimal strings,
bytes as base64, a contract message as the JSON value itself, funds as a coin list. A transaction's
result is read back from ``qor_getTransaction``: the message's response (``data[0]``, hex of compact
JSON: ``{"code_id", "checksum"}`` for a store, ``{"address", "data"}`` for an instantiate,
``{"data"}`` for execute and migrate) and wasmd's events, which also name the code id and the
contract address.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qorenode.addresses import to_bech32
from qorenode.bank import coins
from qorenode.cli import common_options
from qorenode.cli.tx_commands import _wait_options, parse_bank_amount, resolve_address
from qorenode.client import BadResponse, RpcClient, check_native, send_native, wait_for_native
from qorenode.errors import InvalidParams
from qorenode.keys import Keyring
from qorenode.native_tx import DEFAULT_GAS_LIMIT, MAX_TX_BYTES

MSG_STORE_CODE = "/cosmwasm.wasm.v1.MsgStoreCode"
MSG_INSTANTIATE = "/cosmwasm.wasm.v1.MsgInstantiateContract"
MSG_INSTANTIATE2 = "/cosmwasm.wasm.v1.MsgInstantiateContract2"
MSG_EXECUTE = "/cosmwasm.wasm.v1.MsgExecuteContract"
MSG_MIGRATE = "/cosmwasm.wasm.v1.MsgMigrateContract"
MSG_UPDATE_ADMIN = "/cosmwasm.wasm.v1.MsgUpdateAdmin"
MSG_CLEAR_ADMIN = "/cosmwasm.wasm.v1.MsgClearAdmin"

DEFAULT_WASM_GAS = DEFAULT_GAS_LIMIT
DEFAULT_STORE_GAS = 20_000_000
"""A store pays for every byte of the wasm; there are no fees on the devnet, so the default is ample."""

WASM_MAGIC = b"\x00asm"
GZIP_MAGIC = b"\x1f\x8b"
MAX_WASM_BYTES = MAX_TX_BYTES * 3 // 4 - 4096
"""The largest wasm whose base64 still fits a native transaction (with room for the envelope)."""
MAX_CODE_ID = 2**64 - 1


# -- registration ----------------------------------------------------------------------------------


def register_tx(tx_sub: Any) -> None:
    """``tx wasm ...`` (called from ``tx_commands.register``)."""
    wasm = tx_sub.add_parser(
        "wasm", help="CosmWasm transactions (store, instantiate, execute, ...)"
    )
    sub = wasm.add_subparsers(dest="wasm_command", required=True)

    store = sub.add_parser("store", help="upload a wasm code (MsgStoreCode)")
    common_options(store)
    store.add_argument("file", help="the contract's .wasm (or gzipped .wasm) file")
    _tx_options(store, DEFAULT_STORE_GAS)
    store.set_defaults(handler=run_store)

    for name, salted in (("instantiate", False), ("instantiate2", True)):
        what = "with a predictable address (MsgInstantiateContract2)" if salted else ""
        cmd = sub.add_parser(name, help=f"instantiate a contract from a code {what}".strip())
        common_options(cmd)
        cmd.add_argument("code_id", help="code id")
        cmd.add_argument("msg", help="instantiate message (JSON)")
        if salted:
            cmd.add_argument("salt", help="salt of the address (UTF-8 unless --hex or --b64)")
            _encoding_options(cmd, "salt")
            cmd.add_argument(
                "--fix-msg", action="store_true", help="include the message in the address"
            )
        cmd.add_argument("--label", required=True, help="a human-readable name for the contract")
        cmd.add_argument("--admin", default=None, help="admin: qor1, 0x or a key name")
        cmd.add_argument("--no-admin", action="store_true", help="instantiate without an admin")
        cmd.add_argument("--amount", default=None, help="funds to send, e.g. 100aqor")
        _tx_options(cmd, DEFAULT_WASM_GAS)
        cmd.set_defaults(handler=run_instantiate, salted=salted)

    execute = sub.add_parser("execute", help="execute a contract (MsgExecuteContract)")
    common_options(execute)
    execute.add_argument("contract", help="contract address (qor1...)")
    execute.add_argument("msg", help="execute message (JSON)")
    execute.add_argument("--amount", default=None, help="funds to send, e.g. 100aqor")
    _tx_options(execute, DEFAULT_WASM_GAS)
    execute.set_defaults(handler=run_execute)

    migrate = sub.add_parser("migrate", help="migrate a contract to a new code (admin only)")
    common_options(migrate)
    migrate.add_argument("contract", help="contract address (qor1...)")
    migrate.add_argument("code_id", help="the new code id")
    migrate.add_argument("msg", help="migrate message (JSON)")
    _tx_options(migrate, DEFAULT_WASM_GAS)
    migrate.set_defaults(handler=run_migrate)

    set_admin = sub.add_parser("set-contract-admin", help="set a new admin (MsgUpdateAdmin)")
    common_options(set_admin)
    set_admin.add_argument("contract", help="contract address (qor1...)")
    set_admin.add_argument("new_admin", help="new admin: qor1, 0x or a key name")
    _tx_options(set_admin, DEFAULT_WASM_GAS)
    set_admin.set_defaults(handler=run_set_admin)

    clear_admin = sub.add_parser("clear-contract-admin", help="remove the admin (MsgClearAdmin)")
    common_options(clear_admin)
    clear_admin.add_argument("contract", help="contract address (qor1...)")
    _tx_options(clear_admin, DEFAULT_WASM_GAS)
    clear_admin.set_defaults(handler=run_clear_admin)


def register_query(query_sub: Any) -> None:
    """``query wasm ...`` (called from ``query_commands.register``)."""
    wasm = query_sub.add_parser("wasm", help="CosmWasm queries")
    sub = wasm.add_subparsers(dest="wasm_query", required=True)

    state = sub.add_parser("contract-state", help="query a contract's state")
    state_sub = state.add_subparsers(dest="state_query", required=True)
    smart = state_sub.add_parser("smart", help="a smart query: the contract answers a JSON message")
    common_options(smart)
    smart.add_argument("contract", help="contract address (qor1...)")
    smart.add_argument("query", help="query message (JSON)")
    smart.set_defaults(handler=run_query_smart)
    raw = state_sub.add_parser("raw", help="the raw value under a key of the contract's storage")
    common_options(raw)
    raw.add_argument("contract", help="contract address (qor1...)")
    raw.add_argument("key", help="the key (hex unless --ascii or --b64)")
    _encoding_options(raw, "key", default="hex")
    raw.set_defaults(handler=run_query_raw)
    all_ = state_sub.add_parser("all", help="every key and value of the contract's storage")
    common_options(all_)
    all_.add_argument("contract", help="contract address (qor1...)")
    all_.set_defaults(handler=run_query_state)

    code = sub.add_parser("code", help="a code's info; its wasm goes to OUTFILE if given")
    common_options(code)
    code.add_argument("code_id", help="code id")
    code.add_argument("outfile", nargs="?", default=None, help="file to write the wasm to")
    code.set_defaults(handler=run_query_code)

    contract = sub.add_parser("contract", help="a contract's info")
    common_options(contract)
    contract.add_argument("contract", help="contract address (qor1...)")
    contract.set_defaults(handler=run_query_contract)

    list_code = sub.add_parser("list-code", help="every stored code")
    common_options(list_code)
    list_code.set_defaults(handler=run_list_code)

    by_code = sub.add_parser("list-contract-by-code", help="the contracts of a code")
    common_options(by_code)
    by_code.add_argument("code_id", help="code id")
    by_code.set_defaults(handler=run_list_contract_by_code)


def _tx_options(parser: argparse.ArgumentParser, default_gas: int) -> None:
    parser.add_argument("--from", dest="from_key", required=True, help="key name of the signer")
    parser.add_argument("--gas", type=int, default=default_gas, help="gas limit")
    parser.add_argument("--memo", default="", help="memo")
    _wait_options(parser)


def _encoding_options(parser: argparse.ArgumentParser, what: str, default: str = "utf8") -> None:
    """--ascii / --hex / --b64, as wasmd's CLI chooses the encoding of a key or a salt."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--ascii", dest="encoding", action="store_const", const="utf8", help=f"{what} is text"
    )
    group.add_argument(
        "--hex", dest="encoding", action="store_const", const="hex", help=f"{what} is hex"
    )
    group.add_argument(
        "--b64", dest="encoding", action="store_const", const="b64", help=f"{what} is base64"
    )
    parser.set_defaults(encoding=default)


# -- arguments -------------------------------------------------------------------------------------


def parse_code_id(text: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_CODE_ID:
        raise InvalidParams(f"invalid code id {text!r}: expected a positive integer, e.g. 1")
    return int(text)


def parse_json_arg(text: str, what: str) -> Any:
    """A contract message given on the command line: JSON text."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise InvalidParams(f"{what} is not valid JSON ({exc}): {text!r}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_arg(text: str, encoding: str, what: str) -> bytes:
    """A key or salt in the chosen encoding: utf8, hex (0x optional) or base64."""
    if encoding == "hex":
        try:
            return bytes.fromhex(text.strip().removeprefix("0x"))
        except ValueError:
            raise InvalidParams(f"{what} must be hex: {text!r}") from None
    if encoding == "b64":
        try:
            return base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidParams(f"{what} must be base64: {text!r}") from None
    return text.encode("utf-8")


def parse_funds(text: str | None) -> list[dict[str, str]]:
    """``--amount``: '100aqor' or '100' (aqor); none or zero sends no funds."""
    return [] if text is None else coins(parse_bank_amount(text))


def read_wasm(path: str) -> bytes:
    """The wasm of FILE: a .wasm, or a gzipped one (as wasmd accepts), unzipped here."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidParams(f"cannot read {path}: {exc.strerror or exc}") from None
    if data.startswith(GZIP_MAGIC):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(MAX_WASM_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise InvalidParams(f"{path} is not a valid gzip file: {exc}") from None
    if not data.startswith(WASM_MAGIC):
        raise InvalidParams(f"{path} is not a wasm binary (nor a gzipped one)")
    if len(data) > MAX_WASM_BYTES:
        raise InvalidParams(
            f"{path}: the wasm is {len(data)} bytes, over the {MAX_WASM_BYTES} bytes a native "
            f"transaction ({MAX_TX_BYTES} bytes) can carry as base64"
        )
    return data


def resolve_admin(args: argparse.Namespace) -> str:
    """wasmd's rule: exactly one of --admin and --no-admin; "" means no admin."""
    if args.no_admin and args.admin is not None:
        raise InvalidParams("you set an admin and passed --no-admin: those cannot both be true")
    if not args.no_admin and args.admin is None:
        raise InvalidParams(
            "you must set an admin (--admin ADDR) or explicitly pass --no-admin to make the "
            "contract immutable"
        )
    return "" if args.no_admin else to_bech32(resolve_address(args.admin, args.home))


def _contract(text: str, home: Path) -> str:
    return to_bech32(resolve_address(text, home))


# -- messages --------------------------------------------------------------------------------------


def store_msg(sender: str, wasm: bytes) -> dict[str, Any]:
    return {
        "@type": MSG_STORE_CODE,
        "sender": sender,
        "wasm_byte_code": base64.b64encode(wasm).decode("ascii"),
    }


def instantiate_msg(
    sender: str,
    code_id: int,
    msg: Any,
    label: str,
    admin: str,
    funds: Sequence[Mapping[str, str]],
    salt: bytes | None = None,
    fix_msg: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "@type": MSG_INSTANTIATE if salt is None else MSG_INSTANTIATE2,
        "sender": sender,
        "admin": admin,
        "code_id": str(code_id),
        "label": label,
        "msg": msg,
        "funds": [dict(c) for c in funds],
    }
    if salt is not None:
        body["salt"] = base64.b64encode(salt).decode("ascii")
        body["fix_msg"] = fix_msg
    return body


def execute_msg(
    sender: str, contract: str, msg: Any, funds: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    return {
        "@type": MSG_EXECUTE,
        "sender": sender,
        "contract": contract,
        "msg": msg,
        "funds": [dict(c) for c in funds],
    }


def migrate_msg(sender: str, contract: str, code_id: int, msg: Any) -> dict[str, Any]:
    return {
        "@type": MSG_MIGRATE,
        "sender": sender,
        "contract": contract,
        "code_id": str(code_id),
        "msg": msg,
    }


def update_admin_msg(sender: str, contract: str, new_admin: str) -> dict[str, Any]:
    return {
        "@type": MSG_UPDATE_ADMIN,
        "sender": sender,
        "new_admin": new_admin,
        "contract": contract,
    }


def clear_admin_msg(sender: str, contract: str) -> dict[str, Any]:
    return {"@type": MSG_CLEAR_ADMIN, "sender": sender, "contract": contract}


# -- sending and results ---------------------------------------------------------------------------


def msg_response(record: Mapping[str, Any]) -> dict[str, Any]:
    """The first message's response: the handler's compact JSON (``data[0]`` is its hex)."""
    data = record.get("data") or []
    if not data or not data[0]:
        return {}
    try:
        decoded = json.loads(bytes.fromhex(str(data[0])))
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def event_attribute(record: Mapping[str, Any], event_type: str, key: str) -> str | None:
    """The first value of ``key`` in an event of ``event_type``."""
    for event in record.get("events") or []:
        if event.get("type") != event_type:
            continue
        for attribute in event.get("attributes") or []:
            if attribute.get("key") == key:
                return str(attribute.get("value"))
    return None


def tx_summary(record: Mapping[str, Any]) -> dict[str, Any]:
    """What every wasm transaction prints: as wasmd's TxResponse, numbers as numbers."""
    return {
        "txhash": record["txhash"],
        "status": "success" if record.get("success") else "failed",
        "height": int(record["height"]),
        "code": int(record.get("code") or 0),
        "gas_used": int(record["gas_used"]),
    }


def store_result(record: Mapping[str, Any]) -> dict[str, Any]:
    response = msg_response(record)
    code_id = response.get("code_id") or event_attribute(record, "store_code", "code_id")
    checksum = response.get("checksum") or event_attribute(record, "store_code", "code_checksum")
    if code_id is None:
        raise BadResponse(
            f"transaction {record['txhash']} stored no code: no code_id in its result"
        )
    return {
        **tx_summary(record),
        "code_id": int(code_id),
        "checksum": None if checksum is None else str(checksum).lower(),
        "events": record.get("events") or [],
    }


def instantiate_result(record: Mapping[str, Any]) -> dict[str, Any]:
    response = msg_response(record)
    address = response.get("address") or event_attribute(record, "instantiate", "_contract_address")
    if address is None:
        raise BadResponse(
            f"transaction {record['txhash']} instantiated nothing: no contract address in its result"
        )
    code_id = event_attribute(record, "instantiate", "code_id")
    return {
        **tx_summary(record),
        "contract_address": address,
        "code_id": None if code_id is None else int(code_id),
        "data": response.get("data"),
        "events": record.get("events") or [],
    }


def call_result(record: Mapping[str, Any]) -> dict[str, Any]:
    """execute, migrate and the admin messages: the contract's data (base64) and the events."""
    return {
        **tx_summary(record),
        "data": msg_response(record).get("data"),
        "events": record.get("events") or [],
    }


def _send(args: argparse.Namespace, build: Any, result: Any) -> Any:
    """Sign ``build(sender_bech32)`` with --from, send it, wait, and shape the record."""
    key = Keyring(args.home).get(args.from_key)
    msg = build(key.bech32_address)
    client = RpcClient(args.node)
    tx_hash = send_native(client, key, None, [msg], args.gas, args.memo)
    if args.no_wait:
        return {"txhash": tx_hash, "status": "pending"}
    return result(check_native(wait_for_native(client, tx_hash, args.timeout)))


# -- tx handlers -----------------------------------------------------------------------------------


def run_store(args: argparse.Namespace) -> Any:
    wasm = read_wasm(args.file)
    return _send(args, lambda sender: store_msg(sender, wasm), store_result)


def run_instantiate(args: argparse.Namespace) -> Any:
    code_id = parse_code_id(args.code_id)
    msg = parse_json_arg(args.msg, "the instantiate message")
    label = args.label.strip()
    if not label:
        raise InvalidParams("--label must not be empty")
    admin = resolve_admin(args)
    funds = parse_funds(args.amount)
    salt = None
    if args.salted:
        salt = decode_arg(args.salt, args.encoding, "salt")
        if not salt:
            raise InvalidParams("the salt must not be empty")
    return _send(
        args,
        lambda sender: instantiate_msg(
            sender, code_id, msg, label, admin, funds, salt, bool(getattr(args, "fix_msg", False))
        ),
        instantiate_result,
    )


def run_execute(args: argparse.Namespace) -> Any:
    contract = _contract(args.contract, args.home)
    msg = parse_json_arg(args.msg, "the execute message")
    funds = parse_funds(args.amount)
    return _send(args, lambda sender: execute_msg(sender, contract, msg, funds), call_result)


def run_migrate(args: argparse.Namespace) -> Any:
    contract = _contract(args.contract, args.home)
    code_id = parse_code_id(args.code_id)
    msg = parse_json_arg(args.msg, "the migrate message")
    return _send(args, lambda sender: migrate_msg(sender, contract, code_id, msg), call_result)


def run_set_admin(args: argparse.Namespace) -> Any:
    contract = _contract(args.contract, args.home)
    new_admin = to_bech32(resolve_address(args.new_admin, args.home))
    return _send(args, lambda sender: update_admin_msg(sender, contract, new_admin), call_result)


def run_clear_admin(args: argparse.Namespace) -> Any:
    contract = _contract(args.contract, args.home)
    return _send(args, lambda sender: clear_admin_msg(sender, contract), call_result)


# -- query handlers --------------------------------------------------------------------------------


def run_query_smart(args: argparse.Namespace) -> Any:
    contract = _contract(args.contract, args.home)
    query = parse_json_arg(args.query, "the query")
    data = RpcClient(args.node).call("qor_wasmSmartQuery", contract, query)
    if args.output == "json":
        return {"data": data}
    return json.dumps(data, indent=2)


def run_query_raw(args: argparse.Namespace) -> Any:
    contract = _contract(args.contract, args.home)
    key = decode_arg(args.key, args.encoding, "key")
    value_hex = RpcClient(args.node).call("qor_wasmRawQuery", contract, "0x" + key.hex())
    value = None if value_hex is None else _hex(str(value_hex), "qor_wasmRawQuery result")
    if args.output == "json":
        return {"data": None if value is None else base64.b64encode(value).decode("ascii")}
    if value is None:
        return "(no value)"
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + value.hex()


def run_query_state(args: argparse.Namespace) -> Any:
    contract = _contract(args.contract, args.home)
    models = RpcClient(args.node).call("qor_wasmContractState", contract)
    if args.output == "json":
        return {"models": models}
    lines = []
    for model in models:
        value = base64.b64decode(model["value"])
        try:
            shown = value.decode("utf-8")
        except UnicodeDecodeError:
            shown = "0x" + value.hex()
        lines.append(f"{model['key']}: {shown}")
    return "\n".join(lines) if lines else "(empty)"


def run_query_code(args: argparse.Namespace) -> Any:
    code_id = parse_code_id(args.code_id)
    result = RpcClient(args.node).call("qor_wasmCode", code_id)
    info = result["code_info"]
    wasm = base64.b64decode(result["data"])
    checksum = hashlib.sha256(wasm).hexdigest()
    if checksum != str(info["data_hash"]).lower():
        raise BadResponse(
            f"code {code_id}: the wasm does not match its checksum {info['data_hash']}"
        )
    out: dict[str, Any] = {
        "code_id": int(info["code_id"]),
        "creator": info["creator"],
        "checksum": checksum,
        "size": len(wasm),
        "instantiate_permission": info.get("instantiate_permission"),
    }
    if args.outfile is not None:
        try:
            Path(args.outfile).write_bytes(wasm)
        except OSError as exc:
            raise InvalidParams(f"cannot write {args.outfile}: {exc.strerror or exc}") from None
        out["output"] = str(args.outfile)
    return out


def run_query_contract(args: argparse.Namespace) -> Any:
    contract = _contract(args.contract, args.home)
    return RpcClient(args.node).call("qor_wasmContract", contract)


def run_list_code(args: argparse.Namespace) -> Any:
    infos = RpcClient(args.node).call("qor_wasmCodes")
    if args.output == "json":
        return {"code_infos": infos}
    lines = [
        f"{i['code_id']}  {str(i['data_hash']).lower()}  creator {i['creator']}" for i in infos
    ]
    return "\n".join(lines) if lines else "(no codes)"


def run_list_contract_by_code(args: argparse.Namespace) -> Any:
    code_id = parse_code_id(args.code_id)
    contracts = RpcClient(args.node).call("qor_wasmContractsByCode", code_id)
    if args.output == "json":
        return {"contracts": contracts}
    return "\n".join(contracts) if contracts else "(no contracts)"


def _hex(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raise BadResponse(f"{what} is not hex: {text!r}") from None
