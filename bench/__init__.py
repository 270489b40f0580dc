"""QoreNode benchmarks. Each prints its figure and the ratio to a baseline measured in the same run.

    python -m bench                    # all of them (a few minutes on 2 cores)
    python -m bench.evm_throughput     # ERC20 transfers: raw py-evm, node, node over HTTP, anvil
    python -m bench.cold_start         # spawn to first eth_blockNumber answer
    python -m bench.memory             # RSS after 10,000 ERC20 transfers

Machines are noisy: compare the ratios, not the absolute figures. See bench/README.md.
"""
