"""Gas for CosmWasm: one budget in CosmWasm gas, metered by wasmtime fuel.

Units (as wasmd counts them):

    1 SDK gas        = 140,000,000 CosmWasm gas   (wasmd's DefaultGasMultiplier)
    1 wasmtime fuel  = GAS_PER_FUEL CosmWasm gas  (calibrated against cosmwasm-vm's own figures)

A call's budget is set as fuel on its wasmtime store; every host-side cost (region reads and
writes, storage, address functions, crypto, nested queries) is burnt from the same fuel, so a
contract that loops over storage runs out as surely as one that loops in wasm.

Host costs follow cosmwasm-vm 2.x's ``GasConfig``; storage costs follow cosmos-sdk's
``KVGasConfig`` (the SDK charges them in wasmd, converted here to CosmWasm gas); wasmd's
per-instance and per-byte compile costs are SDK gas charged by the keeper.
"""

from __future__ import annotations

from dataclasses import dataclass

# CosmWasm gas per SDK gas (wasmd DefaultGasMultiplier).
GAS_MULTIPLIER = 140_000_000

# CosmWasm gas per unit of wasmtime fuel. wasmtime charges one fuel per operator; cosmwasm-vm
# charges 115 gas per plain operator and 1,610 per branch, call or end, which averages to
# 309..332 gas per operator on cosmwasm's hackatom reference (instantiate and execute); 320 sits
# in that range.
GAS_PER_FUEL = 320

# wasmd: SDK gas charged when a contract instance is created, and per byte of stored code.
INSTANCE_COST_SDK = 60_000
COMPILE_COST_PER_BYTE_SDK = 3

GAS_PER_US = 1_000_000  # cosmwasm-vm: 10^12 gas per second


@dataclass(frozen=True)
class LinearCost:
    base: int
    per_item: int

    def total(self, items: int) -> int:
        return self.base + self.per_item * items


# cosmwasm-vm 2.x GasConfig (CosmWasm gas).
HOST_CALL = 18_000
READ_REGION_SMALL = LinearCost(200_000, 115)  # payloads up to 8 KiB
READ_REGION_LARGE = LinearCost(0, 520)
READ_REGION_SMALL_LIMIT = 8 * 1024
WRITE_REGION = LinearCost(230_000, 570)
STRING_FROM_BYTES = LinearCost(28_700, 1_400)
SECP256K1_VERIFY = 96 * GAS_PER_US
SECP256K1_RECOVER_PUBKEY = 194 * GAS_PER_US
SECP256R1_VERIFY = 279 * GAS_PER_US
SECP256R1_RECOVER_PUBKEY = 592 * GAS_PER_US
ED25519_VERIFY = 35 * GAS_PER_US
ED25519_BATCH_VERIFY = LinearCost(24 * GAS_PER_US, 21 * GAS_PER_US)
ED25519_BATCH_VERIFY_ONE_PUBKEY = LinearCost(36 * GAS_PER_US, 10 * GAS_PER_US)
BLS12_381_AGGREGATE_G1 = LinearCost(136 * GAS_PER_US, 24 * GAS_PER_US)
BLS12_381_AGGREGATE_G2 = LinearCost(207 * GAS_PER_US, 49 * GAS_PER_US)
BLS12_381_HASH_TO_G1 = 563 * GAS_PER_US
BLS12_381_HASH_TO_G2 = 871 * GAS_PER_US
BLS12_381_PAIRING_EQUALITY = LinearCost(2_112 * GAS_PER_US, 163 * GAS_PER_US)

# wasmd's address costs (SDK gas), charged through the API backend.
HUMANIZE_ADDRESS_SDK = 5
CANONICALIZE_ADDRESS_SDK = 4
VALIDATE_ADDRESS_SDK = HUMANIZE_ADDRESS_SDK + CANONICALIZE_ADDRESS_SDK

# cosmos-sdk KVGasConfig (SDK gas).
KV_READ_FLAT_SDK = 1_000
KV_READ_PER_BYTE_SDK = 3
KV_WRITE_FLAT_SDK = 2_000
KV_WRITE_PER_BYTE_SDK = 30
KV_DELETE_SDK = 1_000
KV_ITER_NEXT_FLAT_SDK = 30


def sdk_to_cw(sdk_gas: int) -> int:
    return sdk_gas * GAS_MULTIPLIER


def cw_to_sdk(cw_gas: int) -> int:
    """CosmWasm gas to SDK gas, rounded up (wasmd rounds so that any use costs at least 1)."""
    return -(-cw_gas // GAS_MULTIPLIER)


def read_region_cost(length: int) -> int:
    if length <= READ_REGION_SMALL_LIMIT:
        return READ_REGION_SMALL.total(length)
    return READ_REGION_LARGE.total(length)


def kv_read_cost(key: bytes, value: bytes | None) -> int:
    size = len(key) + (len(value) if value is not None else 0)
    return sdk_to_cw(KV_READ_FLAT_SDK + KV_READ_PER_BYTE_SDK * size)


def kv_write_cost(key: bytes, value: bytes) -> int:
    return sdk_to_cw(KV_WRITE_FLAT_SDK + KV_WRITE_PER_BYTE_SDK * (len(key) + len(value)))


def kv_delete_cost() -> int:
    return sdk_to_cw(KV_DELETE_SDK)


def kv_next_cost(key: bytes, value: bytes) -> int:
    """One iterator step: the flat cost plus the read cost of what it returns."""
    return sdk_to_cw(KV_ITER_NEXT_FLAT_SDK + KV_READ_PER_BYTE_SDK * (len(key) + len(value)))
