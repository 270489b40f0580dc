"""Compact JSON encoding for the node's hot paths (stored records, RPC responses).

orjson encodes several times faster than the standard library; it refuses what it cannot
represent exactly (integers beyond 64 bits, which EVM amounts reach; non-string keys), and for
those values the standard library's encoder answers instead, with the same compact separators.
Decoding stays with the standard library: orjson reads integers beyond 64 bits as floats.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: a big integer or a non-string key
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def dumps_text(value: Any) -> str:
    """``dumps`` as text."""
    return dumps(value).decode()
