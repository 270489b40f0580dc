"""x/crossvm's keeper: its params and authority now; the asynchronous queue's records next.

State (prefix ``crossvm/`` of the node's LevelDB):

    params      Params as compact JSON
    authority   the 20-byte account allowed to change the params
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from crossvm.errors import InvalidInput, NotAllowed
from crossvm.params import Params
from qorenode import bech32
from qorenode.interfaces import KVStore


class CrossVmKeeper:
    def __init__(self, store: KVStore) -> None:
        self._store = store
        self._parsed: tuple[bytes | None, Params] = (None, Params())

    def init_genesis(self, section: Mapping[str, Any], default_authority: bytes) -> None:
        params = Params.from_json(section.get("params", {}))
        authority_text = section.get("authority")
        authority = _address(authority_text) if authority_text else default_authority
        self._store.set(b"authority", authority)
        self.set_params(params)

    def export_genesis(self) -> dict[str, Any]:
        return {"authority": bech32.encode(self.authority()), "params": self.params().to_json()}

    def params(self) -> Params:
        # read through the working state every time, so a reverted update never lingers; parse
        # only when the stored bytes change (every call through 0x901 asks)
        raw = self._store.get(b"params")
        if raw != self._parsed[0]:
            self._parsed = (raw, Params.from_json(json.loads(raw)) if raw else Params())
        return self._parsed[1]

    def set_params(self, params: Params) -> None:
        params.validate()
        self._store.set(b"params", json.dumps(params.to_json(), sort_keys=True).encode())

    def authority(self) -> bytes:
        return self._store.get(b"authority") or b""

    def update_params(self, signer: bytes, authority_text: Any, params_json: Any) -> Params:
        """``MsgUpdateParams``: only the authority, all params at once (as cosmos-sdk does)."""
        if _address(authority_text) != signer:
            raise NotAllowed("authority must be the signer")
        if signer != self.authority():
            raise NotAllowed(
                f"{bech32.encode(signer)} is not the crossvm authority "
                f"{bech32.encode(self.authority())}"
            )
        params = Params.from_json(params_json)
        self.set_params(params)
        return params


def _address(text: Any) -> bytes:
    if not isinstance(text, str):
        raise InvalidInput("an address must be a bech32 or 0x string")
    try:
        raw = bytes.fromhex(text[2:]) if text.startswith("0x") else bech32.decode(text)
    except (ValueError, bech32.Bech32Error) as exc:
        raise InvalidInput(f"invalid address {text!r}: {exc}") from None
    if len(raw) not in (20, 32):
        raise InvalidInput(f"invalid address {text!r}")
    return raw
