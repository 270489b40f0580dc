"""Solana transactions straight into the SVM adapter of a ``tests.unit.core.chainkit.Chain`` (no
JSON-RPC): signed over the adapter's latest blockhash, admitted as the mempool admits them and
run in blocks built by the test."""

from __future__ import annotations

from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair

from qorenode.interfaces import TxResult
from tests.solanakit import signed_transaction
from tests.unit.core.chainkit import Chain


def signed(
    chain: Chain,
    instructions: list[Instruction],
    signers: list[Keypair],
    blockhash: Hash | None = None,
) -> bytes:
    """A signed legacy transaction (the first signer pays) over ``blockhash``, by default the
    SVM's latest."""
    recent = blockhash or Hash(chain.svm.latest_blockhash[0])
    return bytes(signed_transaction(instructions, signers, recent))


def send(chain: Chain, raw: bytes) -> TxResult:
    """Admit ``raw`` (the SVM's decode, the application's check) and run it in a block of its
    own; its result."""
    pending = chain.svm.pending_tx(raw)
    chain.app.check_tx(pending)
    (result,) = chain.mine(pending).results
    return result
