"""x/crossvm's params (DESIGN §5): genesis values, changed only by the module's authority."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from crossvm.errors import InvalidInput

SVM_MAX_COMPUTE_UNITS = 1_400_000  # Solana's limit per transaction


@dataclass(frozen=True)
class Params:
    """Limits of cross-VM messages. Gas is EVM/SDK gas (1:1); SVM deliveries get compute units
    up to Solana's 1,400,000."""

    max_message_size: int = 65_536  # bytes of payload, sync calls included
    max_queue_size: int = 1_000  # pending asynchronous messages
    queue_timeout_blocks: int = 100
    max_delivery_gas: int = 2_000_000  # per asynchronous message
    max_block_delivery_gas: int = 20_000_000  # per EndBlocker

    def to_json(self) -> dict[str, str]:
        """uint64 as decimal strings, as cosmos-sdk renders params."""
        return {name: str(value) for name, value in asdict(self).items()}

    @classmethod
    def from_json(cls, obj: Any) -> Params:
        if not isinstance(obj, dict):
            raise InvalidInput("params must be an object")
        known = {f.name for f in fields(cls)}
        unknown = set(obj) - known
        if unknown:
            raise InvalidInput(f"unknown params: {', '.join(sorted(unknown))}")
        values: dict[str, int] = {}
        for name in known & set(obj):
            value = obj[name]
            if isinstance(value, str) and value.isascii() and value.isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidInput(f"param {name} must be a positive integer, got {value!r}")
            values[name] = value
        params = cls(**values)
        params.validate()
        return params

    def validate(self) -> None:
        if self.max_delivery_gas > self.max_block_delivery_gas:
            raise InvalidInput("max_delivery_gas cannot exceed max_block_delivery_gas")
