#!/usr/bin/env bash
# The compilers `make check-contracts` rebuilds the committed contract outputs with: clang-14 and
# lld-14 (CosmWasm C contracts, the sBPF programs), Debian's rustc with the wasm32 std (CosmWasm
# Rust contracts). Solidity needs only npm's solc. Installed with apt-get only when missing; sudo
# only when not root.
set -euo pipefail

missing=()
command -v clang-14 >/dev/null 2>&1 || missing+=(clang-14)
command -v wasm-ld-14 >/dev/null 2>&1 || missing+=(lld-14)
[ -x /usr/bin/rustc ] || missing+=(rustc)
if ! dpkg -s libstd-rust-dev-wasm32 >/dev/null 2>&1 \
    && [ ! -d /usr/lib/rustlib/wasm32-unknown-unknown/lib ]; then
  missing+=(libstd-rust-dev-wasm32)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
