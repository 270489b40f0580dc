"""x/crossvm: cross-VM calls between the EVM, CosmWasm and the SVM."""
