"""What x/crossvm expects of the other modules, in the spirit of cosmos-sdk's expected_keepers.go.

x/crossvm imports no VM adapter: the composition root hands it objects with these shapes.
"""

from __future__ import annotations

from typing import Protocol

from qorenode.interfaces import BlockContext, Event, GasMeter


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
