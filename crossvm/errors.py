"""Errors of x/crossvm (codespace ``crossvm``), each with a stable code that is never reused.

2   invalid input: ABI that does not decode, a payload that is not JSON, a bad address
3   unknown target: no contract at the target address
4   target failed: the target VM's execution returned an error
5   not allowed in this context: execute under STATICCALL, DELEGATECALL/CALLCODE, value to
    a function that takes none
6   unsupported target VM or function (the asynchronous path is not available yet)
7   out of gas
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
