"""``qorenode query block|tx|bank|evm|wasm|svm|crossvm``: read the chain through JSON-RPC."""

from __future__ import annotations

import argparse
from typing import Any

from qorenode.addresses import to_bech32, to_hex
from qorenode.bank import DENOM
from qorenode.cli import common_options, crossvm_commands, svm_commands, wasm_commands
from qorenode.cli.tx_commands import resolve_address, resolve_evm_address
from qorenode.client import RpcClient
from qorenode.errors import InvalidParams, NotFound

_QUANTITIES = (
    "number",
    "timestamp",
    "gasUsed",
    "gasLimit",
    "baseFeePerGas",
    "size",
    "blockNumber",
    "cumulativeGasUsed",
    "effectiveGasPrice",
    "status",
    "nonce",
    "value",
    "gas",
    "gasPrice",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "transactionIndex",
    "chainId",
    "type",
    "difficulty",
    "totalDifficulty",
    "blobGasUsed",
    "excessBlobGas",
    "yParity",
    "v",
)


def register(sub: Any) -> None:
    query = sub.add_parser("query", aliases=["q"], help="query the chain")
    query_sub = query.add_subparsers(dest="query_module", required=True)

    block = query_sub.add_parser("block", help="a block (eth_getBlockByNumber)")
    common_options(block)
    block.add_argument("height", nargs="?", default="latest", help="number or tag (latest)")
    block.add_argument("--full", action="store_true", help="include full transactions")
    block.set_defaults(handler=run_block)

    tx = query_sub.add_parser("tx", help="a transaction by hash (EVM or native)")
    common_options(tx)
    tx.add_argument("hash", help="transaction hash (0x...)")
    tx.set_defaults(handler=run_tx)

    bank = query_sub.add_parser("bank", help="bank queries")
    bank_sub = bank.add_subparsers(dest="bank_query", required=True)
    balances = bank_sub.add_parser("balances", help="balances of an address or key")
    common_options(balances)
    balances.add_argument("address", help="qor1, 0x or a key name")
    balances.set_defaults(handler=run_bank_balances)

    evm = query_sub.add_parser("evm", help="EVM state queries")
    evm_sub = evm.add_subparsers(dest="evm_query", required=True)
    for name, help_text in (
        ("balance", "balance in wei (eth_getBalance)"),
        ("code", "contract code (eth_getCode)"),
        ("nonce", "transaction count (eth_getTransactionCount)"),
    ):
        cmd = evm_sub.add_parser(name, help=help_text)
        common_options(cmd)
        cmd.add_argument("address", help="0x, qor1 (20 bytes) or a key name")
        cmd.add_argument("--block", default="latest", help="block number or tag")
        cmd.set_defaults(handler=run_evm_account, evm_query=name)
    storage = evm_sub.add_parser("storage", help="a storage slot (eth_getStorageAt)")
    common_options(storage)
    storage.add_argument("address", help="0x, qor1 (20 bytes) or a key name")
    storage.add_argument("slot", help="slot number (decimal or 0x hex)")
    storage.add_argument("--block", default="latest", help="block number or tag")
    storage.set_defaults(handler=run_evm_storage)

    wasm_commands.register_query(query_sub)
    svm_commands.register_query(query_sub)
    crossvm_commands.register_query(query_sub)


def _block_tag(text: str) -> str:
    text = text.strip()
    if text.isdigit():
        return hex(int(text))
    if text in ("latest", "earliest", "pending", "safe", "finalized") or text.startswith("0x"):
        return text
    raise InvalidParams(f"invalid block {text!r}: a number, 0x number or a tag like latest")


def _readable(obj: dict[str, Any]) -> dict[str, Any]:
    """Hex quantities as decimal, for text output."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key in _QUANTITIES and isinstance(value, str) and value.startswith("0x"):
            out[key] = int(value, 16)
        elif isinstance(value, dict):
            out[key] = _readable(value)
        elif isinstance(value, list):
            out[key] = [_readable(v) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


def run_block(args: argparse.Namespace) -> Any:
    tag = _block_tag(args.height)
    block = RpcClient(args.node).call("eth_getBlockByNumber", tag, bool(args.full))
    if block is None:
        raise NotFound(f"block {args.height} not found")
    return block if args.output == "json" else _readable(block)


def run_tx(args: argparse.Namespace) -> Any:
    tx_hash = args.hash.strip()
    if not tx_hash.startswith("0x"):
        tx_hash = "0x" + tx_hash
    client = RpcClient(args.node)
    tx = client.call("eth_getTransactionByHash", tx_hash)
    if tx is not None:
        receipt = client.call("eth_getTransactionReceipt", tx_hash)
        if receipt is None:
            status = "pending"
        else:
            status = "success" if int(receipt["status"], 16) == 1 else "failed"
        result = {"kind": "evm", "tx_hash": tx_hash, "status": status, "tx": tx, "receipt": receipt}
        return result if args.output == "json" else _readable(result)
    record = client.call("qor_getTransaction", tx_hash)
    if record is None:
        raise NotFound(f"transaction {tx_hash} not found")
    return {
        "kind": record.get("kind", "native"),
        "tx_hash": tx_hash,
        "status": "success" if record.get("success") else "failed",
        **record,
    }


def run_bank_balances(args: argparse.Namespace) -> Any:
    address = resolve_address(args.address, args.home)
    amount = int(RpcClient(args.node).call("qor_getBalance", to_bech32(address)))
    result: dict[str, Any] = {
        "address": to_bech32(address),
        "balances": [{"denom": DENOM, "amount": str(amount)}],
    }
    if len(address) == 20:
        result["hex_address"] = to_hex(address)
    if args.output == "json":
        return result
    return f"{amount}{DENOM}"


def run_evm_account(args: argparse.Namespace) -> Any:
    address = to_hex(resolve_evm_address(args.address, args.home))
    client = RpcClient(args.node)
    block = _block_tag(args.block)
    if args.evm_query == "code":
        code = str(client.call("eth_getCode", address, block))
        return {"address": address, "code": code} if args.output == "json" else code
    method = "eth_getBalance" if args.evm_query == "balance" else "eth_getTransactionCount"
    value = int(client.call(method, address, block), 16)
    if args.output == "json":
        return {"address": address, args.evm_query: str(value)}
    return str(value)


def run_evm_storage(args: argparse.Namespace) -> Any:
    address = to_hex(resolve_evm_address(args.address, args.home))
    slot_text = args.slot.strip()
    try:
        slot = int(slot_text, 16) if slot_text.startswith("0x") else int(slot_text)
    except ValueError:
        raise InvalidParams(f"invalid slot {args.slot!r}") from None
    value = str(
        RpcClient(args.node).call("eth_getStorageAt", address, hex(slot), _block_tag(args.block))
    )
    if args.output == "json":
        return {"address": address, "slot": hex(slot), "value": value}
    return value
