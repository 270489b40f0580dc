"""CosmWasm adapter on wasmtime (DESIGN §1); its modules arrive with the CosmWasm issue."""
