"""The mempool: admitted transactions in arrival order, with per-sender nonce sequencing."""

from __future__ import annotations

from collections import OrderedDict, defaultdict

from qorenode.errors import AlreadyKnown, MempoolFull, NonceTooHigh, NonceTooLow
from qorenode.interfaces import PendingTx, TxKind

MAX_BLOCK_COMPUTE_UNITS = 48_000_000  # Solana's compute-unit limit per block


class Mempool:
    """Transactions wait here until the next block takes them, in the order they arrived.

    A sender's transactions must come with consecutive nonces: the next one expected is its
    committed nonce plus the number it has waiting (anvil would queue a gap; a devnet user is better
    served by an immediate, clear error).
    """

    def __init__(self, max_size: int = 10_000) -> None:
        self._txs: OrderedDict[bytes, PendingTx] = OrderedDict()
        self._per_sender: defaultdict[bytes, int] = defaultdict(int)
        self.max_size = max_size

    def __len__(self) -> int:
        return len(self._txs)

    def __contains__(self, tx_hash: bytes) -> bool:
        return tx_hash in self._txs

    def pending_count(self, sender: bytes) -> int:
        return self._per_sender.get(sender, 0)

    def add(self, tx: PendingTx, committed_nonce: int | None) -> None:
        """Admit ``tx``; ``committed_nonce`` None means the kind has no nonces (Solana: its
        recent blockhash and signature do that job)."""
        if tx.tx_hash in self._txs:
            raise AlreadyKnown("already known")
        if len(self._txs) >= self.max_size:
            raise MempoolFull(f"mempool full ({self.max_size} transactions)")
        if committed_nonce is None:
            self._txs[tx.tx_hash] = tx
            self._per_sender[tx.sender] += 1
            return
        expected = committed_nonce + self.pending_count(tx.sender)
        if tx.nonce < expected:
            raise NonceTooLow(f"nonce too low: next nonce {expected}, tx nonce {tx.nonce}")
        if tx.nonce > expected:
            raise NonceTooHigh(f"nonce too high: next nonce {expected}, tx nonce {tx.nonce}")
        self._txs[tx.tx_hash] = tx
        self._per_sender[tx.sender] += 1

    def take(
        self, gas_budget: int, compute_budget: int = MAX_BLOCK_COMPUTE_UNITS
    ) -> list[PendingTx]:
        """Remove and return, in arrival order, the transactions that fit the block's budgets.

        EVM and native transactions count their gas limit against ``gas_budget``, Solana
        transactions their compute units against ``compute_budget`` (Solana's own block limit):
        one VM's traffic does not crowd out the other's. The first transaction that does not fit
        ends the block (later ones must not jump ahead of it); the first one is always taken.
        """
        taken: list[PendingTx] = []
        used = {False: 0, True: 0}  # keyed by "is a Solana transaction"
        budget = {False: gas_budget, True: compute_budget}
        for tx in self._txs.values():
            solana = tx.kind is TxKind.SOLANA
            if used[solana] + tx.gas_limit > budget[solana] and taken:
                break
            taken.append(tx)
            used[solana] += tx.gas_limit
        for tx in taken:
            self._remove(tx)
        return taken

    def put_back(self, txs: list[PendingTx]) -> None:
        """Return transactions a failed block took, ahead of those that arrived since."""
        rest = list(self._txs.values())
        self._txs.clear()
        for tx in [*txs, *rest]:
            self._txs[tx.tx_hash] = tx
        for tx in txs:
            self._per_sender[tx.sender] += 1

    def _remove(self, tx: PendingTx) -> None:
        del self._txs[tx.tx_hash]
        self._per_sender[tx.sender] -= 1
        if not self._per_sender[tx.sender]:
            del self._per_sender[tx.sender]
