"""What x/crossvm expects of the other modules, in the spirit of cosmos-sdk's expected_keepers.go.

x/crossvm imports no VM adapter: the composition root hands it objects with these shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from qorenode.interfaces import BlockContext, DeliveryResult, Event, GasMeter, PrecompileLog


class WasmExecutor(Protocol):
    """The CosmWasm keeper as a synchronous cross-VM call uses it.

    Both run in the caller's current layer (a failure raises a ``NodeError`` and the caller's
    frame reverts) and charge SDK gas to ``gas``.
    """

    def execute_for_caller(
        self,
        block: BlockContext,
        gas: GasMeter,
        sender: bytes,
        contract: bytes,
        msg: bytes,
        funds: int,
        payer: bytes,
    ) -> tuple[bytes | None, list[Event]]:
        """Execute ``msg`` on ``contract`` as ``sender`` with ``funds`` taken from ``payer``;
        the response data and the events the call emitted."""

    def query_for_caller(
        self, block: BlockContext, gas: GasMeter, contract: bytes, msg: bytes
    ) -> bytes:
        """A smart query; the contract's answer."""

    def contract_exists(self, contract: bytes) -> bool: ...


class EvmExecutor(Protocol):
    """The EVM adapter as x/crossvm's EndBlocker uses it."""

    def deliver_call(
        self,
        block: BlockContext,
        message_id: int,
        sender: bytes,
        target: bytes,
        value: int,
        data: bytes,
        gas_limit: int,
    ) -> DeliveryResult:
        """Apply a system transaction from ``sender`` (which already holds ``value``) to
        ``target`` in the block being built: a receipt and logs, a deterministic hash."""

    def add_system_receipt(
        self, block: BlockContext, source: bytes, logs: list[PrecompileLog]
    ) -> bytes:
        """A receipt from 0x901 carrying ``logs`` (the EndBlocker's events); its hash."""

    def has_code(self, address: bytes) -> bool: ...

    def close_transaction(self) -> None:
        """Close the journal of what ran last, as the EVM does between transactions, so the
        next delivery's layer starts on settled state."""


class SvmExecutor(Protocol):
    """The SVM adapter as x/crossvm uses it (deliveries go through the bridge's ``Deliver``)."""

    def deliver_call(
        self,
        block: BlockContext,
        message_id: int,
        source_vm: int,
        sender: bytes,
        program: bytes,
        accounts: Sequence[tuple[bytes, bool]],
        data: bytes,
        compute_limit: int,
    ) -> DeliveryResult: ...

    def alias(self, source_vm: int, sender: bytes) -> bytes:
        """The sender's alias PDA (32 bytes) under the bridge program."""

    def program_exists(self, program: bytes) -> bool: ...
