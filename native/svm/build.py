"""Build the SVM programs into native/svm/build/<name>.so, byte for byte.

Run from anywhere with the project's Python (it needs `solders` to read the authority keypair):

    .venv/bin/python native/svm/build.py

Each native/svm/programs/<name>.c is compiled by clang-14 for BPF (fixed flags, relative paths, no
debug information) and linked by our own linker, native/svm/sbpf_link.py, into an SBPFv0 shared
object. The CrossVM authority's public key, read from native/svm/authority.json (a Solana keypair
file, committed: it is a devnet key), reaches the sources as -DQORE_CROSSVM_AUTHORITY=<32 bytes>.
Outputs are identical run to run and checkout to checkout; outputs of deleted sources are removed.

Toolchain (Debian/Ubuntu): apt-get install -y clang-14
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BUILD = HERE / "build"
PROGRAMS = HERE / "programs"
AUTHORITY_FILE = HERE / "authority.json"
REL = HERE.relative_to(REPO)  # native/svm

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from native.svm.sbpf_link import LinkError, link_object  # noqa: E402

CLANG = "clang-14"
INSTALL_HINT = "apt-get install -y clang-14"

CLANG_FLAGS = [
    # the fixed flags of the toolchain (DESIGN.md section 8)
    "-target",
    "bpf",
    "-O2",
    "-fno-builtin",
    "-ffreestanding",
    "-nostdlib",
    "-c",
    # pinned so a newer default cannot change the code: v2 = v1 plus jlt/jle/jslt/jsle, all SBPFv0
    "-mcpu=v2",
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Werror",
    # determinism: nothing from the host or the checkout's path
    "-g0",
    "-fno-ident",
    f"-ffile-prefix-map={REPO}=.",
    "-I",
    str(REL / "include"),
]


class ToolchainMissing(RuntimeError):
    pass


def check_toolchain() -> None:
    if shutil.which(CLANG) is None:
        raise ToolchainMissing(
            f"cannot build the SVM programs: {CLANG} is missing\ninstall with: {INSTALL_HINT}"
        )
    proc = subprocess.run(
        [CLANG, "-print-targets"], capture_output=True, text=True, check=False, cwd=REPO
    )
    if proc.returncode == 0 and "bpf" not in proc.stdout:
        raise ToolchainMissing(f"{CLANG} was built without the BPF target")


def authority_pubkey() -> bytes:
    """The public key of native/svm/authority.json, checked against its secret key."""
    try:
        from solders.keypair import Keypair
    except ImportError as exc:
        raise ToolchainMissing(
            "the Python package `solders` is missing; run me with the project's Python: "
            f"make install && .venv/bin/python {REL / 'build.py'}"
        ) from exc
    raw = json.loads(AUTHORITY_FILE.read_text())
    keypair = Keypair.from_bytes(bytes(raw))  # raises if the public half does not match
    return bytes(keypair.pubkey())


def run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"build failed: {' '.join(cmd)}")


def build_program(source: Path, defines: list[str], tmp: Path) -> bytes:
    obj = tmp / f"{source.stem}.o"
    run([CLANG, *CLANG_FLAGS, *defines, str(source.relative_to(REPO)), "-o", str(obj)])
    try:
        program = link_object(obj.read_bytes())
    except LinkError as exc:
        raise SystemExit(f"link failed: {source.relative_to(REPO)}: {exc}") from exc
    return program.so


def build_all() -> dict[str, bytes]:
    key = authority_pubkey()
    defines = ["-DQORE_CROSSVM_AUTHORITY=" + ",".join(str(b) for b in key)]
    outputs: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="svm-build-") as tmpdir:
        for source in sorted(PROGRAMS.glob("*.c")):
            outputs[source.stem] = build_program(source, defines, Path(tmpdir))
    for name, so in outputs.items():
        if str(REPO).encode() in so:
            raise SystemExit(f"{name}.so embeds the absolute path {REPO}")
    return outputs


def main() -> int:
    try:
        check_toolchain()
        outputs = build_all()
    except ToolchainMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    BUILD.mkdir(exist_ok=True)
    for stale in sorted(BUILD.glob("*.so")):
        if stale.stem not in outputs:
            stale.unlink()
            print(f"removed {stale.relative_to(REPO)}")
    for name in sorted(outputs):
        target = BUILD / f"{name}.so"
        data = outputs[name]
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        print(f"{name + '.so':<20} {len(data):>7} bytes  sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
