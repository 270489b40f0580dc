"""py-evm Prague configured for the node: precompile registry, frame hooks, system transactions.

py-evm is configured by subclassing (its own idiom): each node gets a computation class whose
precompile table is the node's ``PrecompileRegistry``, and a state class whose call-frame
snapshots are fanned out to the application's ``FrameHooks`` so side stores (CosmWasm, the bank's
32-byte accounts, x/crossvm) follow the EVM's journal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rlp
from eth.abc import ComputationAPI, StateAPI
from eth.constants import CREATE_CONTRACT_ADDRESS
from eth.exceptions import OutOfGas, Revert, VMError
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.computation import PragueComputation
from eth.vm.forks.prague.state import PragueState
from eth.vm.message import Message
from eth_hash.auto import keccak
from eth_typing import Address
from eth_utils import to_canonical_address

from qorenode.interfaces import FrameHooks, PrecompileCall, PrecompileHandler

Precompile = Callable[[ComputationAPI], ComputationAPI]

SYSTEM_TX_TYPE = 0x7E  # as the OP Stack's deposit transaction


class PrecompileRegistry:
    """The extension point where modules (x/crossvm's 0x901) add Python precompiles.

    The registry's table is the computation class's own ``_precompiles``, so a precompile
    registered at composition time is live for every VM instance built afterwards.
    """

    def __init__(self) -> None:
        self.table: dict[bytes, Precompile] = {
            bytes(address): fn for address, fn in PragueComputation.get_precompiles().items()
        }

    def register(self, address: bytes | str, precompile: Precompile) -> None:
        canonical = to_canonical_address(address)
        if canonical in self.table:
            raise ValueError(f"a precompile is already registered at 0x{canonical.hex()}")
        self.table[canonical] = precompile

    def __contains__(self, address: bytes) -> bool:
        return address in self.table


def python_precompile(
    address: bytes, handler: PrecompileHandler, frame_states: list[StateAPI]
) -> Precompile:
    """A py-evm precompile that hands the frame to ``handler`` and applies its answer.

    While the handler runs, the frame's state is pushed on ``frame_states`` so that the account
    ledger (the bank, funds of CosmWasm calls) reads and writes the state this frame runs on: the
    block's, or an ``eth_call``'s. The handler's writes elsewhere (the working KV state) follow the
    EVM's journal through the frame hooks, so a revert at any depth above undoes them.
    """

    def run(computation: ComputationAPI) -> ComputationAPI:
        message = computation.msg
        state = computation.state
        call = PrecompileCall(
            caller=bytes(message.sender),
            value=int(message.value),
            data=bytes(message.data_as_bytes),
            gas=int(message.gas),
            static=bool(message.is_static),
            delegated=bytes(message.storage_address) != bytes(message.code_address),
            block_number=int(state.block_number),
            timestamp=int(state.timestamp),
        )
        frame_states.append(state)
        try:
            result = handler(call)
        finally:
            frame_states.pop()
        if result.out_of_gas:
            computation.consume_gas(call.gas + 1, reason="precompile out of gas")
            raise OutOfGas("precompile out of gas")  # unreachable: consume_gas raises first
        computation.consume_gas(min(result.gas_used, call.gas), reason="precompile")
        if result.gas_used > call.gas:
            raise OutOfGas(f"precompile at 0x{address.hex()} needs {result.gas_used} gas")
        computation.output = result.output
        if not result.success:
            raise Revert(result.output)
        for log in result.logs:
            computation.add_log_entry(
                Address(address), tuple(int.from_bytes(t, "big") for t in log.topics), log.data
            )
        return computation

    return run


@dataclass
class LedgerLayer:
    """A layer other modules open over the EVM state (a cross-VM delivery, a native transaction,
    a CosmWasm submessage): the frame hooks' part at once, py-evm's snapshot only before the
    first EVM write under it (most such layers never write EVM state)."""

    state: QoreState
    hooks_token: Any
    evm_snapshot: Any = None


class QoreState(PragueState):
    """Prague state whose snapshots, commits, reverts and locks reach the frame hooks, and
    which keeps the ledger layers of other modules (``open_layer``)."""

    frame_hooks: FrameHooks

    def _layers(self) -> list[LedgerLayer]:
        layers: list[LedgerLayer] | None = self.__dict__.get("_ledger_layers")
        if layers is None:
            layers = self.__dict__["_ledger_layers"] = []
        return layers

    def snapshot(self) -> Any:
        self.materialize_layers()  # EVM execution may write from here on
        root, checkpoint = super().snapshot()
        return root, checkpoint, self.frame_hooks.snapshot()

    def commit(self, snapshot: Any) -> None:
        root, checkpoint, token = snapshot
        super().commit((root, checkpoint))
        self.frame_hooks.commit(token)

    def revert(self, snapshot: Any) -> None:
        root, checkpoint, token = snapshot
        super().revert((root, checkpoint))
        self.frame_hooks.revert(token)

    def lock_changes(self) -> None:
        super().lock_changes()
        self.frame_hooks.lock()

    # -- ledger layers ------------------------------------------------------------------------

    def open_layer(self) -> LedgerLayer:
        layer = LedgerLayer(self, self.frame_hooks.snapshot())
        self._layers().append(layer)
        return layer

    def materialize_layers(self) -> None:
        """Before an EVM write: give every open layer its py-evm snapshot, outermost first (no
        EVM write happened since any of them opened, so each snapshot is the layer's start)."""
        for layer in self._layers():
            if layer.evm_snapshot is None:
                layer.evm_snapshot = super().snapshot()

    def close_layer(self, layer: LedgerLayer, keep: bool) -> None:
        layers = self._layers()
        if not layers or layers[-1] is not layer:
            raise RuntimeError("ledger layers close innermost first")
        layers.pop()
        if layer.evm_snapshot is not None:
            if keep:
                super().commit(layer.evm_snapshot)
            else:
                super().revert(layer.evm_snapshot)
        if keep:
            self.frame_hooks.commit(layer.hooks_token)
        else:
            self.frame_hooks.revert(layer.hooks_token)


def build_vm_class(registry: PrecompileRegistry, hooks: FrameHooks) -> type[PragueVM]:
    """A Prague VM class bound to this node's precompiles and frame hooks."""
    computation_class = PragueComputation.configure(
        __name__="QoreComputation", _precompiles=registry.table
    )
    state_class = type(
        "QoreNodeState",
        (QoreState,),
        {"computation_class": computation_class, "frame_hooks": hooks},
    )
    vm_class: type[PragueVM] = PragueVM.configure(__name__="QoreVM", _state_class=state_class)
    return vm_class


@dataclass(frozen=True)
class SystemTransaction:
    """An unsigned transaction the node itself applies (cross-VM deliveries to the EVM).

    In the spirit of the OP Stack's deposit transaction: it runs from ``sender`` with no signature,
    no nonce and no fee checks, its gas bounded by ``gas``; ``source`` makes its hash unique and
    deterministic (x/crossvm uses the message id).
    """

    source: bytes
    sender: bytes
    to: bytes
    value: int
    data: bytes
    gas: int

    @functools.cached_property
    def hash(self) -> bytes:
        return bytes(keccak(self.encode()))

    def encode(self) -> bytes:
        return self._encoded

    @functools.cached_property
    def _encoded(self) -> bytes:
        body: list[bytes | int] = [
            self.source,
            self.sender,
            self.to,
            self.value,
            self.gas,
            self.data,
        ]
        return bytes([SYSTEM_TX_TYPE]) + _rlp_list(body)

    @classmethod
    def decode(cls, encoded: bytes) -> SystemTransaction:
        if not encoded or encoded[0] != SYSTEM_TX_TYPE:
            raise ValueError("not a system transaction")
        source, sender, to, value, gas, data = rlp.decode(encoded[1:])
        return cls(
            source=source,
            sender=sender,
            to=to,
            value=int.from_bytes(value, "big"),
            data=data,
            gas=int.from_bytes(gas, "big"),
        )


def _rlp_length(length: int, offset: int) -> bytes:
    if length <= 55:
        return bytes([offset + length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(encoded)]) + encoded


def _rlp_list(items: list[bytes | int]) -> bytes:
    """RLP of a flat list of byte strings and unsigned integers (``rlp.encode`` infers the same
    thing far more slowly; a system transaction is encoded once per cross-VM delivery)."""
    payload = bytearray()
    for item in items:
        raw = item.to_bytes((item.bit_length() + 7) // 8, "big") if isinstance(item, int) else item
        if len(raw) == 1 and raw[0] < 0x80:
            payload += raw
        else:
            payload += _rlp_length(len(raw), 0x80) + raw
    return _rlp_length(len(payload), 0xC0) + bytes(payload)


def apply_system_transaction(state: StateAPI, tx: SystemTransaction) -> ComputationAPI:
    """Run a system transaction on ``state``: no signature, nonce or fee.

    The sender must already hold ``value`` (x/crossvm releases escrow to it first). The caller
    closes the journal around it (x/crossvm runs each delivery in a layer of its own). A failing
    execution is a computation with ``is_error`` set, never an exception, unless py-evm itself
    fails.
    """
    if tx.to == CREATE_CONTRACT_ADDRESS:
        raise ValueError("system transactions cannot create contracts")
    message = Message(
        gas=tx.gas,
        to=Address(tx.to),
        sender=Address(tx.sender),
        value=tx.value,
        data=tx.data,
        code=state.get_code(Address(tx.to)),
    )
    context = state.get_transaction_context_class()(gas_price=0, origin=Address(tx.sender))
    computation = state.computation_class.apply_message(state, message, context)
    if computation.is_error and not isinstance(computation.error, VMError):
        raise computation.error
    state.clear_transient_storage()  # type: ignore[attr-defined]
    return computation
