"""Build the CosmWasm test contracts into native/cosmwasm/build/<name>.wasm, byte for byte.

Run from anywhere with the project's Python (it needs the `wasmtime` package for WAT):

    .venv/bin/python native/cosmwasm/build.py

Toolchain (Debian/Ubuntu): apt-get install -y clang-14 lld-14 rustc libstd-rust-dev-wasm32
  - C contracts:    clang-14 --target=wasm32 (freestanding) + wasm-ld-14 --no-entry
  - Rust contracts: Debian's /usr/bin/rustc (1.63, target wasm32-unknown-unknown, std only; never
                    the rustup rustc that may come first on PATH)
  - WAT contracts:  wasmtime.wat2wasm
Every compiler runs from the repository root on relative paths with fixed flags, so the outputs
are identical run to run and checkout to checkout. Outputs of deleted sources are removed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BUILD = HERE / "build"
REL = HERE.relative_to(REPO)  # native/cosmwasm

RUSTC = "/usr/bin/rustc"
CLANG = "clang-14"
WASM_LD = "wasm-ld-14"
INSTALL_HINT = "apt-get install -y clang-14 lld-14 rustc libstd-rust-dev-wasm32"

# Contract name -> source, relative to native/cosmwasm.
C_CONTRACTS = {"counter": "counter/counter.c"}
RUST_CONTRACTS = {
    "counter_v2": "counter_v2/contract.rs",
    "cw20": "cw20/contract.rs",
    "dispatcher": "dispatcher/contract.rs",
    "imports": "imports/contract.rs",
}
WAT_DIR = "failures"

CLANG_FLAGS = [
    "--target=wasm32",
    "-Os",
    "-ffreestanding",
    "-fno-builtin",
    "-nostdlib",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-fno-ident",
    f"-ffile-prefix-map={REPO}=.",
]
WASM_LD_FLAGS = ["--no-entry", "--strip-all", "--gc-sections"]
RUSTC_FLAGS = [
    "--edition=2021",
    "--crate-type=cdylib",
    "--target=wasm32-unknown-unknown",
    "-C",
    "opt-level=z",
    "-C",
    "panic=abort",
    "-C",
    "lto=fat",
    "-C",
    "codegen-units=1",
    "-C",
    "strip=symbols",
    "-C",
    "debuginfo=0",
    "-D",
    "warnings",
    f"--remap-path-prefix={REPO}=.",
]


class ToolchainMissing(RuntimeError):
    pass


def check_toolchain() -> None:
    """Fail with one clear message naming every missing tool and how to get it."""
    missing = []
    if not os.access(RUSTC, os.X_OK):
        missing.append(f"{RUSTC} (Debian's rustc; a rustup rustc on PATH is not used)")
    else:
        sysroot = subprocess.run(
            [RUSTC, "--print", "sysroot"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if not (Path(sysroot) / "lib/rustlib/wasm32-unknown-unknown/lib").is_dir():
            missing.append(f"the wasm32-unknown-unknown std of {RUSTC} (libstd-rust-dev-wasm32)")
    missing += [tool for tool in (CLANG, WASM_LD) if shutil.which(tool) is None]
    hints = [f"install with: {INSTALL_HINT}"] if missing else []
    try:
        import wasmtime  # noqa: F401
    except ImportError:
        missing.append("the Python package `wasmtime`")
        hints.append(
            "run me with the project's Python: make install && .venv/bin/python "
            + str(REL / "build.py")
        )
    if missing:
        raise ToolchainMissing(
            "cannot build the CosmWasm contracts, missing:\n  - "
            + "\n  - ".join(missing)
            + "\n"
            + "\n".join(hints)
        )


def run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"build failed: {' '.join(cmd)}")


def build_c(name: str, source: str, tmp: Path) -> bytes:
    obj = tmp / f"{name}.o"
    out = tmp / f"{name}.wasm"
    run([CLANG, *CLANG_FLAGS, "-c", str(REL / source), "-o", str(obj)])
    run([WASM_LD, *WASM_LD_FLAGS, str(obj), "-o", str(out)])
    return out.read_bytes()


def build_rust(name: str, source: str, tmp: Path) -> bytes:
    out = tmp / f"{name}.wasm"
    run([RUSTC, *RUSTC_FLAGS, f"--crate-name={name}", "-o", str(out), str(REL / source)])
    return out.read_bytes()


def build_wat(path: Path) -> bytes:
    import wasmtime

    return bytes(wasmtime.wat2wasm(path.read_text()))


def build_all() -> dict[str, bytes]:
    outputs: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="cosmwasm-build-") as tmpdir:
        tmp = Path(tmpdir)
        for name, source in sorted(C_CONTRACTS.items()):
            outputs[name] = build_c(name, source, tmp)
        for name, source in sorted(RUST_CONTRACTS.items()):
            outputs[name] = build_rust(name, source, tmp)
    for path in sorted((HERE / WAT_DIR).glob("*.wat")):
        if path.stem in outputs:
            raise SystemExit(f"duplicate contract name: {path.stem}")
        outputs[path.stem] = build_wat(path)
    for name, wasm in outputs.items():
        if str(REPO).encode() in wasm:
            raise SystemExit(f"{name}.wasm embeds the absolute path {REPO}")
    return outputs


def main() -> int:
    try:
        check_toolchain()
    except ToolchainMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    outputs = build_all()
    BUILD.mkdir(exist_ok=True)
    for stale in sorted(BUILD.glob("*.wasm")):
        if stale.stem not in outputs:
            stale.unlink()
            print(f"removed {stale.relative_to(REPO)}")
    for name in sorted(outputs):
        target = BUILD / f"{name}.wasm"
        data = outputs[name]
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        print(f"{name + '.wasm':<24} {len(data):>7} bytes  sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
