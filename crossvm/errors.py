"""Errors of x/crossvm (codespace ``crossvm``), each with a stable code that is never reused.

2   invalid input: ABI that does not decode, a payload that is not JSON, a bad address
3   unknown target: no contract at the target address
4   target failed: the target VM's execution returned an error
5   not allowed in this context: execute under STATICCALL, DELEGATECALL/CALLCODE, value to
    a function that takes none
6   unsupported target VM or function
7   out of gas

Refusals of an asynchronous message at submission (DESIGN §5):

8   payload over ``max_message_size``
9   queue full (``max_queue_size`` messages submitted or pending)
10  unknown target VM
11  target VM is the source VM
12  source VM not allowed for this sender (a user claiming ``svm``)
13  target address malformed for its VM
14  payload not valid for its target (EVM: empty or at least 4 bytes; CosmWasm: JSON)
15  gas limit above ``max_delivery_gas``
16  funds the sender lacks
17  funds towards the SVM (it has its own lamports)

Queries:

18  no message with that id
"""

from __future__ import annotations

from qorenode.interfaces import NodeError


class CrossVmError(NodeError):
    codespace = "crossvm"


class InvalidInput(CrossVmError):
    code = 2


class UnknownTarget(CrossVmError):
    code = 3


class TargetFailed(CrossVmError):
    code = 4


class NotAllowed(CrossVmError):
    code = 5


class Unsupported(CrossVmError):
    code = 6


class CrossVmOutOfGas(CrossVmError):
    code = 7


class MessageTooLarge(CrossVmError):
    code = 8


class QueueFull(CrossVmError):
    code = 9


class UnknownVm(CrossVmError):
    code = 10


class SameVm(CrossVmError):
    code = 11


class SourceNotAllowed(CrossVmError):
    code = 12


class InvalidTarget(CrossVmError):
    code = 13


class InvalidPayload(CrossVmError):
    code = 14


class GasLimitTooHigh(CrossVmError):
    code = 15


class InsufficientFunds(CrossVmError):
    code = 16


class FundsNotAccepted(CrossVmError):
    code = 17


class MessageNotFound(CrossVmError):
    code = 18
