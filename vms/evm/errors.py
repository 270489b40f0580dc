"""Errors of the EVM module's JSON-RPC (codespace ``evm``).

Each class has a stable code within the ``evm`` codespace that is never reused, and subclasses one
of the categories of ``qorenode.errors`` (which maps it to a JSON-RPC code), except the execution
failures that geth reports with the generic server error -32000 (no category maps them, so
``rpc_code_for`` falls back to -32000, as geth and anvil answer).

Codes of the ``evm`` codespace:

    2   a delivered EVM transaction failed (TxResult of ``EvmModule.deliver_tx``)
    12  a transaction was admitted but not applied to the block (``EvmModule.deliver_tx``)
    30  header not found (a block a state query names does not exist)
    31  filter not found
    32  eth_call / eth_estimateGas reverted (carries the revert data)
    33  eth_call / eth_estimateGas halted (out of gas, invalid opcode, ...)       -> -32000
    34  eth_estimateGas: gas required exceeds the allowance                        -> -32000
    35  eth_call / eth_estimateGas refused before execution (funds, intrinsic gas) -> -32000
    36  eth_getLogs: block range too large
"""

from __future__ import annotations

from qorenode.errors import ExecutionReverted, InvalidParams, NotFound
from qorenode.interfaces import NodeError


class HeaderNotFound(NotFound):
    code, codespace = 30, "evm"


class FilterNotFound(NotFound):
    code, codespace = 31, "evm"


class CallReverted(ExecutionReverted):
    code, codespace = 32, "evm"


class CallHalted(NodeError):
    """Execution stopped with a VM error other than REVERT (JSON-RPC -32000, as geth)."""

    code, codespace = 33, "evm"


class GasAllowanceExceeded(NodeError):
    """eth_estimateGas: the transaction fails even at the highest gas limit allowed."""

    code, codespace = 34, "evm"


class CallRejected(NodeError):
    """The call could not start: the sender cannot pay the value, or the gas is below intrinsic."""

    code, codespace = 35, "evm"


class BlockRangeTooLarge(InvalidParams):
    code, codespace = 36, "evm"
