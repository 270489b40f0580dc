"""What the CosmWasm module knows about a stored code and an instantiated contract.

``to_json`` gives wasmd's JSON shapes (``CodeInfoResponse`` and ``ContractInfo`` of
``cosmwasm.wasm.v1``, as its REST gateway renders them: uint64 as decimal strings, addresses as
bech32, the checksum as upper-case hex); ``encode``/``decode`` give the compact JSON the keeper
stores (sorted keys, no whitespace, bytes as lower-case hex).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from qorenode.addresses import to_bech32


def _compact(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _load(data: bytes, what: str, fields: set[str]) -> dict[str, Any]:
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise ValueError(f"stored {what} is not JSON: {exc}") from None
    if not isinstance(obj, dict) or set(obj) != fields:
        raise ValueError(f"stored {what} has the wrong fields: {obj!r}")
    return obj


def _int(obj: dict[str, Any], name: str, what: str) -> int:
    value = obj[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"stored {what}: {name} must be a non-negative integer, got {value!r}")
    return value


def _bytes(obj: dict[str, Any], name: str, what: str) -> bytes:
    value = obj[name]
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise ValueError(f"stored {what}: {name} must be hex, got {value!r}") from None


@dataclass(frozen=True)
class CodeInfo:
    """A stored wasm code."""

    code_id: int
    creator: bytes  # 20-byte account
    checksum: bytes  # sha256 of the wasm, 32 bytes
    size: int  # wasm bytes

    def to_json(self) -> dict[str, Any]:
        """wasmd's ``CodeInfoResponse``."""
        return {
            "code_id": str(self.code_id),
            "creator": to_bech32(self.creator),
            "data_hash": self.checksum.hex().upper(),
            # wasmd's AccessConfig: the devnet lets everyone instantiate every code
            "instantiate_permission": {"permission": "Everybody", "addresses": []},
        }

    def encode(self) -> bytes:
        return _compact(
            {
                "code_id": self.code_id,
                "creator": self.creator.hex(),
                "checksum": self.checksum.hex(),
                "size": self.size,
            }
        )

    @classmethod
    def decode(cls, data: bytes) -> CodeInfo:
        what = "code info"
        obj = _load(data, what, {"code_id", "creator", "checksum", "size"})
        return cls(
            code_id=_int(obj, "code_id", what),
            creator=_bytes(obj, "creator", what),
            checksum=_bytes(obj, "checksum", what),
            size=_int(obj, "size", what),
        )


@dataclass(frozen=True)
class ContractInfo:
    """An instantiated contract."""

    address: bytes  # 32 bytes
    code_id: int
    creator: bytes
    admin: bytes | None
    label: str
    created_height: int
    created_tx_index: int

    def to_json(self) -> dict[str, Any]:
        """wasmd's ``ContractInfo`` (the address is beside it, in ``QueryContractInfoResponse``)."""
        return {
            "code_id": str(self.code_id),
            "creator": to_bech32(self.creator),
            "admin": "" if self.admin is None else to_bech32(self.admin),
            "label": self.label,
            "created": {
                "block_height": str(self.created_height),
                "tx_index": str(self.created_tx_index),
            },
            "ibc_port_id": "",
            "extension": None,
        }

    def encode(self) -> bytes:
        return _compact(
            {
                "address": self.address.hex(),
                "code_id": self.code_id,
                "creator": self.creator.hex(),
                "admin": None if self.admin is None else self.admin.hex(),
                "label": self.label,
                "created_height": self.created_height,
                "created_tx_index": self.created_tx_index,
            }
        )

    @classmethod
    def decode(cls, data: bytes) -> ContractInfo:
        what = "contract info"
        obj = _load(
            data,
            what,
            {
                "address",
                "code_id",
                "creator",
                "admin",
                "label",
                "created_height",
                "created_tx_index",
            },
        )
        label = obj["label"]
        if not isinstance(label, str):
            raise ValueError(f"stored {what}: label must be a string, got {label!r}")
        return cls(
            address=_bytes(obj, "address", what),
            code_id=_int(obj, "code_id", what),
            creator=_bytes(obj, "creator", what),
            admin=None if obj["admin"] is None else _bytes(obj, "admin", what),
            label=label,
            created_height=_int(obj, "created_height", what),
            created_tx_index=_int(obj, "created_tx_index", what),
        )
