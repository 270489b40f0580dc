"""Errors of the CosmWasm module (codespace ``wasm``), numbered as wasmd's ``x/wasm/types/errors.go``.

Each class keeps wasmd's code, so a client that knows wasmd's errors reads ours the same way. The
codes are stable and never reused. A class that the JSON-RPC or REST layer must answer in a particular
way also subclasses one of the categories of ``qorenode.errors`` (which maps it to a JSON-RPC code):
the not-found errors answer -32001 (REST 404) and the bad-input ones -32602 (REST 400); the others
fall back to the generic server error -32000, as geth reports execution failures (REST 400). Inside
a transaction the code and codespace go to the transaction result.

Codes of the ``wasm`` codespace (wasmd's names in brackets):

    2   create (store) failed                         [ErrCreateFailed]
    3   contract account already exists               [ErrAccountExists]
    4   instantiate failed                            [ErrInstantiateFailed]
    5   execute failed                                [ErrExecuteFailed]
    6   insufficient gas                              [ErrGasLimit]
    7   invalid genesis                               [ErrInvalidGenesis]      -> -32602
    8   not found                                     [ErrNotFound]            -> -32001
    9   smart query failed                            [ErrQueryFailed]
    10  invalid CosmosMsg from the contract           [ErrInvalidMsg]
    11  migrate failed                                [ErrMigrationFailed]
    12  empty                                         [ErrEmpty]               -> -32602
    13  exceeds limit                                 [ErrLimit]               -> -32602
    14  invalid                                       [ErrInvalid]             -> -32602
    15  duplicate                                     [ErrDuplicate]
    16  max IBC channels                              [ErrMaxIBCChannels]
    17  unsupported for this contract                 [ErrUnsupportedForContract]
    18  pinning contract failed                       [ErrPinContractFailed]
    19  unpinning contract failed                     [ErrUnpinContractFailed]
    20  unknown message from the contract             [ErrUnknownMsg]
    21  invalid event                                 [ErrInvalidEvent]
    22  no such contract                              [ErrNoSuchContractFn]    -> -32001
    23-26 unused (wasmd used them for its JSON parser)
    27  max query stack size exceeded                 [ErrExceedMaxQueryStackSize]
    28  no such code                                  [ErrNoSuchCodeFn]        -> -32001
    29  wasmvm (host) error                           [ErrVMError]
    30  max call depth exceeded                       [ErrExceedMaxCallDepth]
"""

from __future__ import annotations

from qorenode.errors import InvalidParams, NotFound
from qorenode.interfaces import NodeError


class WasmError(NodeError):
    """Base of every error of the CosmWasm module."""

    codespace = "wasm"


class CreateFailed(WasmError):
    code = 2


class AccountExists(WasmError):
    code = 3


class InstantiateFailed(WasmError):
    code = 4


class ExecuteFailed(WasmError):
    code = 5


class GasLimit(WasmError):
    """Insufficient gas (wasmd's ErrGasLimit)."""

    code = 6


class InvalidGenesis(WasmError, InvalidParams):
    code, codespace = 7, "wasm"


class WasmNotFound(WasmError, NotFound):
    """An entry not found in the store (wasmd's generic ErrNotFound)."""

    code, codespace = 8, "wasm"


class QueryFailed(WasmError):
    """A smart query the contract answered with an error."""

    code = 9


class InvalidMsg(WasmError):
    """A CosmosMsg returned by the contract that cannot be processed."""

    code = 10


class MigrationFailed(WasmError):
    code = 11


class Empty(WasmError, InvalidParams):
    code, codespace = 12, "wasm"


class LimitExceeded(WasmError, InvalidParams):
    """Content over a limit (wasmd's ErrLimit), e.g. a wasm blob too large."""

    code, codespace = 13, "wasm"


class Invalid(WasmError, InvalidParams):
    """Content invalid in this context (wasmd's ErrInvalid)."""

    code, codespace = 14, "wasm"


class Duplicate(WasmError):
    code = 15


class MaxIBCChannels(WasmError):
    code = 16


class UnsupportedForContract(WasmError):
    code = 17


class PinContractFailed(WasmError):
    code = 18


class UnpinContractFailed(WasmError):
    code = 19


class UnknownMsg(WasmError):
    """A message from the contract that no handler is responsible for."""

    code = 20


class InvalidEvent(WasmError):
    """An event or attribute from the contract that is invalid."""

    code = 21


class ContractNotFound(WasmError, NotFound):
    """No contract at this address (wasmd's ErrNoSuchContractFn)."""

    code, codespace = 22, "wasm"


class ExceedMaxQueryStackSize(WasmError):
    code = 27


class CodeNotFound(WasmError, NotFound):
    """No code with this id (wasmd's ErrNoSuchCodeFn)."""

    code, codespace = 28, "wasm"


class VMError(WasmError):
    """An error of the wasm host itself, not of the contract (wasmd's ErrVMError)."""

    code = 29


class ExceedMaxCallDepth(WasmError):
    code = 30


class Unauthorized(NodeError):
    """The sender may not do this (wasmd returns cosmos-sdk's ErrUnauthorized: sdk, 4)."""

    code, codespace = 4, "sdk"
