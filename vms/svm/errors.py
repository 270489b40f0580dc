"""Errors of the SVM adapter (codespace ``svm``), stable codes never reused.

The Solana JSON-RPC layer maps them to Solana's error shapes (``-32002`` preflight failures with
their logs, ``-32003`` signature failures, ...).

    2   invalid transaction: bytes that do not deserialize or sanitize, over 1,232 bytes
    3   signature verification failure
    4   blockhash not found (unknown, or older than the 150-block window)
    5   already processed (a replayed signature)
    6   the transaction failed in the SVM (an instruction error, insufficient funds for the fee, ...)
    7   a Solana JSON-RPC error in Solana's own shape (``vms.svm.rpc.SolanaRpcError``: -32002, -32003, ...)
"""

from __future__ import annotations

from qorenode.errors import TxRejected
from qorenode.interfaces import NodeError


class SvmError(NodeError):
    codespace = "svm"


class InvalidTransaction(SvmError, TxRejected):
    code, codespace = 2, "svm"


class SignatureFailure(SvmError, TxRejected):
    code, codespace = 3, "svm"


class BlockhashNotFound(SvmError, TxRejected):
    code, codespace = 4, "svm"


class AlreadyProcessed(SvmError, TxRejected):
    code, codespace = 5, "svm"


class TransactionFailed(SvmError):
    code = 6
