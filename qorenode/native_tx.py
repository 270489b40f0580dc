"""Native transactions: the node's signed JSON envelope for bank, wasm and crossvm messages.

    {"chain_id": "qorenode-devnet-1", "sender": "qor1...", "nonce": "0", "gas_limit": "200000",
     "msgs": [{"@type": "/cosmos.bank.v1beta1.MsgSend", ...}], "memo": "", "signature": "0x..."}

Sign bytes are keccak256 of the canonical JSON (sorted keys, no whitespace, UTF-8) of the object
without ``signature``; the signature is 65 bytes (r, s, v) of a recoverable secp256k1 signature; the
sender is the recovered address and must match ``sender``. The nonce is the account's EVM nonce:
one counter per account across both kinds of transaction. The hash is keccak256 of the canonical
JSON of the signed object. Message fields use the Cosmos SDK's JSON form of their protobuf.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_hash.auto import keccak
from eth_keys import keys
from eth_keys.exceptions import BadSignature, ValidationError

from qorenode.addresses import parse_address, to_bech32
from qorenode.errors import (
    InvalidParams,
    InvalidSignature,
    MalformedTransaction,
    NonceTooHigh,
    NonceTooLow,
    NotFound,
    WrongChainId,
)
from qorenode.interfaces import (
    AccountLedger,
    ApiRegistry,
    BlockContext,
    GasMeter,
    Module,
    MsgContext,
    MsgHandler,
    NodeError,
    NodeServices,
    PendingTx,
    TxKind,
    TxResult,
)

ENVELOPE_FIELDS = {"chain_id", "sender", "nonce", "gas_limit", "msgs", "memo", "signature"}
MAX_TX_BYTES = 3 << 20  # 3 MiB: room for an 800 KiB wasm as base64 in a MsgStoreCode
MAX_GAS_LIMIT = 30_000_000
BASE_GAS = 20_000
DEFAULT_GAS_LIMIT = 2_000_000


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes that are hashed and signed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_bytes(tx: Mapping[str, Any]) -> bytes:
    unsigned = {k: v for k, v in tx.items() if k != "signature"}
    return bytes(keccak(canonical_json(unsigned)))


def tx_hash(tx: Mapping[str, Any]) -> bytes:
    return bytes(keccak(canonical_json(tx)))


def sign_native_tx(tx: Mapping[str, Any], private_key: bytes) -> dict[str, Any]:
    """Return ``tx`` with its signature (hex r||s||v, v in {0, 1})."""
    signature = keys.PrivateKey(private_key).sign_msg_hash(sign_bytes(tx))
    return {**tx, "signature": "0x" + signature.to_bytes().hex()}


def build_native_tx(
    chain_id: str,
    sender: bytes,
    nonce: int,
    msgs: Sequence[Mapping[str, Any]],
    gas_limit: int = DEFAULT_GAS_LIMIT,
    memo: str = "",
) -> dict[str, Any]:
    return {
        "chain_id": chain_id,
        "sender": to_bech32(sender),
        "nonce": str(nonce),
        "gas_limit": str(gas_limit),
        "msgs": [dict(m) for m in msgs],
        "memo": memo,
    }


@dataclass(frozen=True)
class NativeTx:
    body: dict[str, Any]
    signer: bytes
    nonce: int
    gas_limit: int
    msgs: list[dict[str, Any]]
    hash: bytes


def _uint(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise MalformedTransaction(f"{name} must be an unsigned integer")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise MalformedTransaction(f"{name} must be an unsigned integer (decimal string)")


def decode_native_tx(tx: Any, chain_id: str) -> NativeTx:
    """Validate the envelope, recover the signer; every defect is a clear, coded error."""
    if not isinstance(tx, dict):
        raise MalformedTransaction("a native transaction is a JSON object")
    unknown = set(tx) - ENVELOPE_FIELDS
    if unknown:
        raise MalformedTransaction(f"unknown envelope fields: {', '.join(sorted(unknown))}")
    for required in ("chain_id", "sender", "nonce", "msgs", "signature"):
        if required not in tx:
            raise MalformedTransaction(f"native transaction lacks {required!r}")
    if len(canonical_json(tx)) > MAX_TX_BYTES:
        raise MalformedTransaction(f"native transaction over {MAX_TX_BYTES} bytes")
    if tx["chain_id"] != chain_id:
        raise WrongChainId(f"invalid chain id {tx['chain_id']!r}: this chain is {chain_id!r}")
    nonce = _uint(tx["nonce"], "nonce")
    gas_limit = _uint(tx.get("gas_limit", DEFAULT_GAS_LIMIT), "gas_limit")
    msgs = tx["msgs"]
    if not isinstance(msgs, list) or not msgs:
        raise MalformedTransaction("msgs must be a non-empty list")
    for msg in msgs:
        if not isinstance(msg, dict) or not isinstance(msg.get("@type"), str):
            raise MalformedTransaction("every message is an object with an '@type'")
    if not isinstance(tx.get("memo", ""), str):
        raise MalformedTransaction("memo must be a string")
    if not isinstance(tx["sender"], str):
        raise MalformedTransaction("sender must be an address string")
    try:
        claimed = parse_address(tx["sender"])
    except NodeError as exc:
        raise MalformedTransaction(f"invalid sender: {exc.message}") from None
    signature_hex = tx["signature"]
    if not isinstance(signature_hex, str):
        raise InvalidSignature("signature must be a hex string")
    try:
        raw_sig = bytes.fromhex(signature_hex.removeprefix("0x"))
        if len(raw_sig) != 65:
            raise ValueError("signature must be 65 bytes")
        v = raw_sig[64]
        if v >= 27:
            raw_sig = raw_sig[:64] + bytes([v - 27])
        signature = keys.Signature(raw_sig)
        signer = signature.recover_public_key_from_msg_hash(sign_bytes(tx)).to_canonical_address()
    except (ValueError, BadSignature, ValidationError) as exc:
        raise InvalidSignature(f"invalid signature: {exc}") from None
    if bytes(signer) != claimed:
        raise InvalidSignature(
            f"signature is by {to_bech32(bytes(signer))}, not the sender {tx['sender']}"
        )
    return NativeTx(tx, bytes(signer), nonce, gas_limit, msgs, tx_hash(tx))


class NativeTxModule(Module):
    """Delivers native transactions: the nonce, then each message through its handler.

    A failing message reverts every message of the transaction (the nonce still advances, as a
    Cosmos sequence does); the failure is a result value with the handler's stable code.
    """

    name = "tx"

    def __init__(self, chain_id: str, ledger: AccountLedger) -> None:
        self.chain_id = chain_id
        self._ledger = ledger
        self._router: Callable[[str], MsgHandler] | None = None
        self._lookup: Callable[[bytes], dict[str, Any] | None] | None = None

    def bind(
        self,
        router: Callable[[str], MsgHandler],
        lookup: Callable[[bytes], dict[str, Any] | None],
    ) -> None:
        """Wire the application's message router and transaction lookup (composition root)."""
        self._router = router
        self._lookup = lookup

    def tx_kinds(self) -> Sequence[TxKind]:
        return (TxKind.NATIVE,)

    def pending_tx(self, tx_json: Any) -> PendingTx:
        tx = decode_native_tx(tx_json, self.chain_id)
        return PendingTx(
            kind=TxKind.NATIVE,
            tx_hash=tx.hash,
            raw=canonical_json(tx.body),
            decoded=tx,
            sender=tx.signer,
            nonce=tx.nonce,
            gas_limit=tx.gas_limit,
        )

    def check_tx(self, tx: PendingTx) -> None:
        native: NativeTx = tx.decoded
        if native.gas_limit > MAX_GAS_LIMIT:
            raise MalformedTransaction(f"gas_limit over {MAX_GAS_LIMIT}")
        assert self._router is not None
        for msg in native.msgs:
            self._router(msg["@type"])  # unknown types are refused at admission

    def deliver_tx(self, ctx: BlockContext, tx: PendingTx) -> TxResult:
        native: NativeTx = tx.decoded
        assert self._router is not None
        expected = self._ledger.get_nonce(native.signer)
        if native.nonce != expected:
            # the mempool sequences nonces; this catches a transaction included twice
            error = NonceTooLow if native.nonce < expected else NonceTooHigh
            return TxResult(
                tx.tx_hash,
                TxKind.NATIVE,
                False,
                code=error.code,
                codespace=error.codespace,
                log=f"nonce {native.nonce} is not the account's next nonce {expected}",
            )
        self._ledger.increment_nonce(native.signer)
        meter = GasMeter(native.gas_limit)
        msg_ctx = MsgContext(block=ctx, signer=native.signer, gas=meter)
        token = self._ledger.snapshot()
        data: list[str] = []
        try:
            meter.consume(BASE_GAS, "transaction base cost")
            for index, msg in enumerate(native.msgs):
                payload = {k: v for k, v in msg.items() if k != "@type"}
                try:
                    data.append(self._router(msg["@type"])(msg_ctx, payload).hex())
                except NodeError as exc:
                    exc.message = f"message {index}: {exc.message}"
                    raise
        except NodeError as exc:
            self._ledger.revert_snapshot(token)
            return TxResult(
                tx.tx_hash,
                TxKind.NATIVE,
                False,
                gas_used=meter.used,
                code=exc.code,
                codespace=exc.codespace,
                log=exc.message,
            )
        self._ledger.commit_snapshot(token)
        return TxResult(
            tx.tx_hash,
            TxKind.NATIVE,
            True,
            gas_used=meter.used,
            events=msg_ctx.events,
            details={"msg_responses": data},
        )

    def register_api(self, api: ApiRegistry, node: NodeServices) -> None:
        async def send(tx: Any) -> str:
            pending = self.pending_tx(tx)
            return "0x" + (await node.submit(pending)).hex()

        async def get(hash_hex: str) -> Any:
            if not isinstance(hash_hex, str):  # a JSON-RPC parameter can be anything
                raise InvalidParams(f"invalid hash {hash_hex!r}: not a hex string")
            try:
                tx_hash = bytes.fromhex(hash_hex.removeprefix("0x"))
            except ValueError:
                raise InvalidParams(f"invalid hash {hash_hex!r}") from None
            assert self._lookup is not None
            lookup = self._lookup
            record = await node.run(lambda: lookup(tx_hash))
            return None if record is None else tx_response(record)

        async def rest_broadcast(
            path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
        ) -> Any:
            try:
                payload = json.loads(body or b"")
            except ValueError:
                raise MalformedTransaction("request body is not JSON") from None
            tx = payload.get("tx", payload) if isinstance(payload, dict) else payload
            tx_hash_hex = await send(tx)
            return {"tx_response": {"txhash": tx_hash_hex, "code": 0, "height": "0"}}

        async def rest_get(
            path: Mapping[str, str], query: Mapping[str, str], body: bytes | None
        ) -> Any:
            record = await get(path["hash"])
            if record is None:
                raise NotFound(f"transaction {path['hash']} not found")
            return {"tx_response": record}

        api.rpc_method("qor", "sendTransaction", send)
        api.rpc_method("qor", "getTransaction", get)
        api.rest_route("POST", "/qorechain/tx/v1/txs", rest_broadcast)
        api.rest_route("GET", "/qorechain/tx/v1/txs/{hash}", rest_get)


def tx_response(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored transaction as JSON-RPC and REST return it (close to cosmos-sdk's TxResponse)."""
    result = record["result"]
    raw = bytes.fromhex(record["raw"])
    tx: Any = json.loads(raw) if result["kind"] == TxKind.NATIVE.value else "0x" + raw.hex()
    return {
        "txhash": result["hash"],
        "height": str(record["height"]),
        "index": record["index"],
        "kind": result["kind"],
        "code": result["code"],
        "codespace": result["codespace"],
        "success": result["success"],
        "raw_log": result["log"],
        "gas_used": str(result["gas_used"]),
        "events": result["events"],
        "data": result["details"].get("msg_responses", []),
        "tx": tx,
    }
