"""Error categories, the node's stable error codes, and the one table that maps them to JSON-RPC.

Every error a module can return is a ``NodeError`` subclass with a stable numeric ``code`` within
its ``codespace`` (never reused, as cosmos-sdk does). Each subclasses one of the categories below;
``RPC_CODES`` maps the category to the JSON-RPC error code clients see (as anvil does), and
``rpc_error_object`` builds the error object. Codes by codespace are listed in the README.
"""

from __future__ import annotations

from typing import Any

from qorenode.interfaces import NodeError

# --- categories ------------------------------------------------------------------------------


class ParseError(NodeError):
    code, codespace = 2, "rpc"


class InvalidRequest(NodeError):
    code, codespace = 3, "rpc"


class MethodNotFound(NodeError):
    code, codespace = 4, "rpc"


class InvalidParams(NodeError):
    code, codespace = 5, "rpc"


class RequestTooLarge(NodeError):
    code, codespace = 6, "rpc"


class NotFound(NodeError):
    code, codespace = 7, "rpc"


class Unsupported(NodeError):
    code, codespace = 8, "rpc"


class InternalError(NodeError):
    code, codespace = 1, "node"


class TxRejected(NodeError):
    """A transaction refused at admission: nothing about it reaches the chain."""

    code, codespace = 10, "node"


class ExecutionReverted(NodeError):
    """A call or estimate whose execution reverted; ``data`` carries the revert bytes."""

    code, codespace = 11, "node"

    def __init__(self, message: str, revert_data: bytes = b"") -> None:
        super().__init__(message, data=revert_data)
        self.revert_data = revert_data


class ShapedRpcError(NodeError):
    """An error that carries its own JSON-RPC ``code`` and ``data``, sent as they are.

    For APIs that copy another chain's error shapes (Solana's ``-32002`` preflight failures with
    their simulation result): ``rpc_error_object`` emits ``rpc_code``, the message and ``data``
    verbatim (no codespace wrapper). Subclasses keep a stable ``code`` in their codespace.
    """

    code, codespace = 9, "rpc"

    def __init__(self, message: str, *, rpc_code: int, data: Any = None) -> None:
        super().__init__(message, data=data)
        self.rpc_code = rpc_code


# --- core transaction rejections (codespace "node") ------------------------------------------


class MalformedTransaction(TxRejected):
    code = 12


class InvalidSignature(TxRejected):
    code = 13


class WrongChainId(TxRejected):
    code = 14


class NonceTooLow(TxRejected):
    code = 15


class NonceTooHigh(TxRejected):
    code = 16


class InsufficientFunds(TxRejected):
    code = 17


class GasLimitExceeded(TxRejected):
    code = 18


class AlreadyKnown(TxRejected):
    code = 19


class UnknownMessageType(TxRejected):
    code = 20


class MempoolFull(TxRejected):
    code = 21


class IntrinsicGasTooLow(TxRejected):
    code = 22


class FeeTooLow(TxRejected):
    code = 23


class UnknownAccount(InvalidParams):
    code = 24


# --- the one table ---------------------------------------------------------------------------

RPC_CODES: dict[type[NodeError], int] = {
    ParseError: -32700,
    InvalidRequest: -32600,
    RequestTooLarge: -32600,
    MethodNotFound: -32601,
    InvalidParams: -32602,
    InternalError: -32603,
    TxRejected: -32003,
    ExecutionReverted: 3,
    NotFound: -32001,
    Unsupported: -32004,
}


def rpc_code_for(error: NodeError) -> int:
    for cls in type(error).__mro__:
        if cls in RPC_CODES:
            return RPC_CODES[cls]
    return -32000


def rpc_error_object(error: NodeError) -> dict[str, Any]:
    """The JSON-RPC ``error`` member for a node error.

    A revert carries its data as a hex string, as anvil and geth return it (clients decode it);
    every other error carries its stable code and codespace.
    """
    if isinstance(error, ShapedRpcError):
        shaped: dict[str, Any] = {"code": error.rpc_code, "message": error.message}
        if error.data is not None:
            shaped["data"] = error.data
        return shaped
    obj: dict[str, Any] = {"code": rpc_code_for(error), "message": error.message}
    if isinstance(error, ExecutionReverted):
        obj["data"] = "0x" + error.revert_data.hex()
    else:
        data: dict[str, Any] = {"codespace": error.codespace, "code": error.code}
        if error.data is not None:
            data["details"] = error.data
        obj["data"] = data
    return obj
