"""QoreNode: a single-process devnet node for a triple-VM chain (EVM, CosmWasm, SVM)."""

__version__ = "0.1.0"
