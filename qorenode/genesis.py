"""Genesis files: the devnet preset and its validation."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from qorenode.addresses import parse_address
from qorenode.errors import InvalidParams
from qorenode.keys import DEV_ACCOUNT_COUNT, DEV_MNEMONIC, dev_keys, solana_dev_keypair

REPO_ROOT = Path(__file__).resolve().parents[1]
PRESET_PATH = REPO_ROOT / "genesis" / "devnet.json"
BRIDGE_SO = "native/svm/build/bridge.so"  # relative to the repository root
BRIDGE_LABEL = b"qorenode/crossvm/bridge-program"
CROSSVM_AUTHORITY_FILE = REPO_ROOT / "native" / "svm" / "authority.json"
AUTHORITY_LAMPORTS = 1_000 * 10**9  # pays delivery fees
DEV_BALANCE = 10_000 * 10**18  # 10,000 QOR per dev account, as anvil funds its accounts
DEV_LAMPORTS = 1_000 * 10**9  # 1,000 SOL per Solana dev keypair
SOLANA_FAUCET_INDEX = 1000  # the faucet of requestAirdrop: solana_dev_keypair(1000)
FAUCET_LAMPORTS = 500_000_000 * 10**9  # 500 million SOL
NATIVE_MINT = "So11111111111111111111111111111111111111112"
NATIVE_MINT_DECIMALS = 9
NATIVE_MINT_LAMPORTS = 1_461_600  # rent-exempt for the 82 bytes of a mint
TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"

REQUIRED_FIELDS = ("chain_id", "evm_chain_id", "genesis_time", "block_time", "bank", "evm")


class InvalidGenesis(InvalidParams):
    code = 27


def build_devnet_genesis() -> dict[str, Any]:
    """The preset, as ``genesis/devnet.json`` holds it (regenerate with ``make genesis``)."""
    keys = dev_keys(DEV_ACCOUNT_COUNT, DEV_MNEMONIC)
    return {
        "chain_id": "qorenode-devnet-1",
        "evm_chain_id": 31337,
        "genesis_time": 1_767_225_600,  # 2026-01-01T00:00:00Z
        "block_time": 1,
        "dev_mnemonic": DEV_MNEMONIC,
        "dev_accounts": [
            {"name": k.name, "address": k.hex_address, "bech32": k.bech32_address} for k in keys
        ],
        "bank": {
            "denom": "aqor",
            "balances": [{"address": k.hex_address, "amount": str(DEV_BALANCE)} for k in keys],
        },
        "evm": {
            "block_gas_limit": 30_000_000,
            "initial_base_fee": "1000000000",
            "coinbase": "0x0000000000000000000000000000000000000000",
            "alloc": {},
        },
        "svm": {
            "genesis_slot": 0,
            "accounts": [
                {"pubkey": str(solana_dev_keypair(i).pubkey()), "lamports": str(DEV_LAMPORTS)}
                for i in range(DEV_ACCOUNT_COUNT)
            ]
            + [
                {
                    "pubkey": str(solana_faucet_keypair().pubkey()),
                    "lamports": str(FAUCET_LAMPORTS),
                },
                {
                    "pubkey": str(crossvm_authority_keypair().pubkey()),
                    "lamports": str(AUTHORITY_LAMPORTS),
                },
                native_mint_account(),
            ],
            "bridge_program_id": str(bridge_program_id()),
            "crossvm_authority": str(crossvm_authority_keypair().pubkey()),
            "programs": [
                {
                    "program_id": str(bridge_program_id()),
                    "so": BRIDGE_SO,
                    "sha256": hashlib.sha256((REPO_ROOT / BRIDGE_SO).read_bytes()).hexdigest(),
                }
            ],
        },
        "crossvm": {
            "authority": keys[0].bech32_address,
            "params": {
                "max_message_size": "65536",
                "max_queue_size": "1000",
                "queue_timeout_blocks": "100",
                "max_delivery_gas": "2000000",
                "max_block_delivery_gas": "20000000",
            },
        },
    }


def native_mint_account() -> dict[str, str]:
    """SPL Token's native mint (wrapped SOL), as Solana's clusters hold it: 9 decimals, no mint
    or freeze authority, supply 0 (a wrapped-SOL account's amount follows its lamports)."""
    data = (
        bytes(4 + 32)  # mint authority: none
        + (0).to_bytes(8, "little")  # supply
        + bytes([NATIVE_MINT_DECIMALS, 1])  # decimals, initialized
        + bytes(4 + 32)  # freeze authority: none
    )
    return {
        "pubkey": NATIVE_MINT,
        "lamports": str(NATIVE_MINT_LAMPORTS),
        "owner": TOKEN_PROGRAM,
        "data": base64.b64encode(data).decode(),
    }


def solana_faucet_keypair() -> Keypair:
    """The keypair that signs ``requestAirdrop`` transfers (funded by the preset genesis)."""
    return solana_dev_keypair(SOLANA_FAUCET_INDEX)


def bridge_program_id() -> Pubkey:
    """The CrossVM bridge's fixed program id: ``sha256("qorenode/crossvm/bridge-program")``.

    No keypair holds it (vanity-free, reproducible); genesis deploys the bridge there."""
    return Pubkey(hashlib.sha256(BRIDGE_LABEL).digest())


def crossvm_authority_keypair(path: Path = CROSSVM_AUTHORITY_FILE) -> Keypair:
    """The CrossVM authority (``native/svm/authority.json``, compiled into the bridge): it signs
    every Deliver; genesis funds it."""
    try:
        return Keypair.from_bytes(bytes(json.loads(path.read_text())))
    except (OSError, ValueError) as exc:
        raise InvalidGenesis(f"cannot read the CrossVM authority keypair {path}: {exc}") from exc


def load_genesis(path: Path | None = None) -> dict[str, Any]:
    """Read and validate a genesis file (the preset when no path is given)."""
    source = path or PRESET_PATH
    try:
        genesis = json.loads(source.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidGenesis(f"cannot read genesis {source}: {exc}") from exc
    validate_genesis(genesis)
    return genesis


def validate_genesis(genesis: Any) -> None:
    if not isinstance(genesis, dict):
        raise InvalidGenesis("genesis must be a JSON object")
    missing = [f for f in REQUIRED_FIELDS if f not in genesis]
    if missing:
        raise InvalidGenesis(f"genesis lacks {', '.join(missing)}")
    if not isinstance(genesis["evm_chain_id"], int) or genesis["evm_chain_id"] <= 0:
        raise InvalidGenesis("evm_chain_id must be a positive integer")
    for entry in genesis["bank"].get("balances", []):
        parse_address(entry["address"])
        if int(entry["amount"]) < 0:
            raise InvalidGenesis(f"negative genesis balance for {entry['address']}")
