"""A static linker for Solana programs: one ELF64 relocatable (EM_BPF) in, one SBPFv0 ``.so`` out.

Input: the object file of ``clang-14 -target bpf -O2 -c`` (or ``llvm-mc -triple bpfel
-filetype=obj``), little-endian, REL relocations. Output: an ``ET_DYN`` shared object in the layout
``cargo-build-sbf`` produces for SBPFv0 (``e_flags`` 0), which the lenient loader of solana-sbpf
(agave's, LiteSVM's) accepts with ``reject_broken_elfs`` on::

    ELF header | program headers | .text | .rodata | .dynamic | .dynsym | .dynstr | .rel.dyn
    | .shstrtab | section headers

Every allocated section has ``sh_addr == sh_offset``; the loader maps ``.text`` and ``.rodata``
read-only at ``MM_PROGRAM_START + sh_addr``, so every address is known at link time:

* ``.text*`` sections (everything executable) are concatenated, 8-byte aligned, into ``.text``;
  ``.rodata*`` and ``.data.rel.ro*`` into ``.rodata``, each at its own alignment.
* ``lddw`` of a data symbol (``R_BPF_64_64``) gets the absolute virtual address written into its
  two immediates; pointers stored in read-only data (``R_BPF_64_ABS64``) likewise.
* Local calls (``R_BPF_64_32`` against a defined function) become pc-relative immediates, which
  the loader turns into its own function keys, as it does for calls the assembler already fixed.
* Calls to undefined symbols are syscalls: the immediate becomes ``-1`` and a dynamic
  ``R_BPF_64_32`` relocation against an undefined ``.dynsym`` entry names the syscall; the loader
  writes ``murmur3_32(name)`` there and refuses names its runtime does not register.
* ``entrypoint`` (or ``--entry``) is exported in ``.dynsym`` and is ``e_entry``.

Refused with a :class:`LinkError` that says why: writable data (``.data``, ``.bss``, common
symbols: SBPFv0 has no writable globals), function pointers (an address of ``.text`` loaded or
stored as data), direct self-recursion (a pc-relative ``call -1`` is the syscall marker), calls to
names that are not Solana syscalls, and relocation types a BPF object should not contain.

The output is a pure function of the input bytes (no timestamps, paths or host data), so a
rebuild is byte for byte identical.

Library: :func:`link` (``bytes -> bytes``), :func:`link_object` (with a report), :func:`murmur3_32`.
CLI: ``python native/svm/sbpf_link.py program.o -o program.so [--entry NAME]``.
"""

from __future__ import annotations

import argparse
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "MM_PROGRAM_START",
    "SOLANA_SYSCALLS",
    "LinkError",
    "LinkedProgram",
    "link",
    "link_object",
    "murmur3_32",
    "parse_object",
    "syscall_hash",
]

# --- ELF constants -----------------------------------------------------------------------------

ELFMAG = b"\x7fELF"
ELFCLASS64 = 2
ELFDATA2LSB = 1
EV_CURRENT = 1
ELFOSABI_NONE = 0
ET_REL, ET_DYN = 1, 3
EM_BPF = 247

SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_RELA = 0, 1, 2, 3, 4
SHT_DYNAMIC, SHT_NOBITS, SHT_REL, SHT_DYNSYM = 6, 8, 9, 11
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4

SHN_UNDEF, SHN_ABS, SHN_COMMON = 0, 0xFFF1, 0xFFF2
STB_LOCAL, STB_GLOBAL = 0, 1
STT_NOTYPE, STT_FUNC, STT_SECTION = 0, 2, 3

PT_LOAD, PT_DYNAMIC = 1, 2
PF_X, PF_W, PF_R = 1, 2, 4

DT_NULL, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT = 0, 5, 6, 10, 11
DT_REL, DT_RELSZ, DT_RELENT, DT_FLAGS = 17, 18, 19, 30
DF_TEXTREL = 0x4

R_BPF_NONE = 0
R_BPF_64_64 = 1  # lddw: 64-bit address split over the two immediates, addend in the first
R_BPF_64_ABS64 = 2  # 64-bit address in data
R_BPF_64_ABS32 = 3  # 32-bit address in data (debug sections)
R_BPF_64_NODYLD32 = 4  # 32-bit value in .BTF / .BTF.ext
R_BPF_64_32 = 10  # call: pc-relative in the immediate (static) or syscall (dynamic)

EHDR_SIZE, PHDR_SIZE, SHDR_SIZE, SYM_SIZE, REL_SIZE, DYN_SIZE = 64, 56, 64, 24, 16, 16

# --- SBPF constants ----------------------------------------------------------------------------

INSN_SIZE = 8
OP_LDDW = 0x18
OP_CALL_IMM = 0x85
#: Where the loader maps the program image (text and read-only data) for SBPFv0.
MM_PROGRAM_START = 1 << 32

#: Names agave registers as syscalls for SBPFv0 programs (some behind features that are active on
#: mainnet and in LiteSVM). A call to any other undefined name fails to link.
SOLANA_SYSCALLS: frozenset[str] = frozenset(
    {
        "abort",
        "sol_panic_",
        "sol_log_",
        "sol_log_64_",
        "sol_log_pubkey",
        "sol_log_compute_units_",
        "sol_log_data",
        "sol_create_program_address",
        "sol_try_find_program_address",
        "sol_sha256",
        "sol_keccak256",
        "sol_secp256k1_recover",
        "sol_blake3",
        "sol_curve_validate_point",
        "sol_curve_group_op",
        "sol_curve_multiscalar_mul",
        "sol_get_clock_sysvar",
        "sol_get_epoch_schedule_sysvar",
        "sol_get_fees_sysvar",
        "sol_get_rent_sysvar",
        "sol_get_last_restart_slot",
        "sol_get_epoch_rewards_sysvar",
        "sol_get_sysvar",
        "sol_get_epoch_stake",
        "sol_memcpy_",
        "sol_memmove_",
        "sol_memcmp_",
        "sol_memset_",
        "sol_get_processed_sibling_instruction",
        "sol_get_stack_height",
        "sol_set_return_data",
        "sol_get_return_data",
        "sol_invoke_signed_c",
        "sol_invoke_signed_rust",
        "sol_alloc_free_",
        "sol_alt_bn128_group_op",
        "sol_alt_bn128_compression",
        "sol_big_mod_exp",
        "sol_poseidon",
        "sol_remaining_compute_units",
    }
)


class LinkError(Exception):
    """The object cannot be linked into an SBPFv0 program; the message says why."""


# --- murmur3 -----------------------------------------------------------------------------------


def _rotl32(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & 0xFFFFFFFF


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86_32, the hash solana-sbpf gives syscall names (``ebpf::hash_symbol_name``)."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & 0xFFFFFFFF
    n = len(data)
    body = n - n % 4
    for i in range(0, body, 4):
        (k,) = struct.unpack_from("<I", data, i)
        k = (_rotl32((k * c1) & 0xFFFFFFFF, 15) * c2) & 0xFFFFFFFF
        h = (_rotl32(h ^ k, 13) * 5 + 0xE6546B64) & 0xFFFFFFFF
    tail = data[body:]
    if tail:
        k = int.from_bytes(tail, "little")
        h ^= (_rotl32((k * c1) & 0xFFFFFFFF, 15) * c2) & 0xFFFFFFFF
    h ^= n
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def syscall_hash(name: str) -> int:
    """The 32-bit key the loader writes into a ``call`` to the syscall ``name``."""
    return murmur3_32(name.encode())


# --- reading the relocatable object ------------------------------------------------------------


@dataclass(frozen=True)
class InputSection:
    index: int
    name: str
    type: int
    flags: int
    size: int
    link: int
    info: int
    addralign: int
    entsize: int
    data: bytes  # empty for SHT_NOBITS

    @property
    def alloc(self) -> bool:
        return bool(self.flags & SHF_ALLOC)


@dataclass(frozen=True)
class InputSymbol:
    name: str
    value: int
    size: int
    bind: int
    type: int
    shndx: int


@dataclass(frozen=True)
class InputRelocation:
    offset: int
    symbol: int
    type: int
    addend: int | None  # None for REL (implicit addend in the relocated field)


@dataclass(frozen=True)
class ObjectFile:
    sections: tuple[InputSection, ...]
    symbols: tuple[InputSymbol, ...]
    #: target section index -> its relocations, in file order
    relocations: dict[int, tuple[InputRelocation, ...]]


def _cstr(table: bytes, offset: int) -> str:
    if offset >= len(table) and offset != 0:
        raise LinkError(f"string offset {offset} outside its string table")
    end = table.find(b"\x00", offset)
    return table[offset : end if end >= 0 else len(table)].decode("utf-8", "replace")


def parse_object(obj: bytes) -> ObjectFile:
    """Parse an ELF64 little-endian ``ET_REL`` object for ``EM_BPF``."""
    if len(obj) < EHDR_SIZE or obj[:4] != ELFMAG:
        raise LinkError("not an ELF file")
    if obj[4] != ELFCLASS64 or obj[5] != ELFDATA2LSB:
        raise LinkError("not a 64-bit little-endian ELF file (compile with -target bpf / bpfel)")
    (e_type, e_machine, _v, _entry, _phoff, e_shoff, _flags, _ehsize, _phes, _phn, e_shentsize,
     e_shnum, e_shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", obj, 16)  # fmt: skip
    if e_type != ET_REL:
        raise LinkError(f"not a relocatable object (e_type {e_type}); pass the output of -c")
    if e_machine != EM_BPF:
        raise LinkError(f"not a BPF object (e_machine {e_machine}, expected {EM_BPF})")
    if e_shentsize != SHDR_SIZE or e_shoff + e_shnum * SHDR_SIZE > len(obj):
        raise LinkError("truncated or malformed section header table")

    raw = [struct.unpack_from("<IIQQQQIIQQ", obj, e_shoff + i * SHDR_SIZE) for i in range(e_shnum)]

    def body(i: int) -> bytes:
        _n, typ, _f, _a, off, size, *_ = raw[i]
        if typ == SHT_NOBITS:
            return b""
        if off + size > len(obj):
            raise LinkError(f"section {i} extends past the end of the file")
        return obj[off : off + size]

    shstr = body(e_shstrndx) if e_shstrndx else b""
    sections = tuple(
        InputSection(i, _cstr(shstr, n), typ, flags, size, link, info, align, entsize, body(i))
        for i, (n, typ, flags, _a, _o, size, link, info, align, entsize) in enumerate(raw)
    )

    symtabs = [s for s in sections if s.type == SHT_SYMTAB]
    if len(symtabs) != 1:
        raise LinkError(f"expected one .symtab, found {len(symtabs)}")
    symtab = symtabs[0]
    strtab = sections[symtab.link].data
    symbols = []
    for off in range(0, len(symtab.data), SYM_SIZE):
        name, info, _other, shndx, value, size = struct.unpack_from("<IBBHQQ", symtab.data, off)
        symbols.append(InputSymbol(_cstr(strtab, name), value, size, info >> 4, info & 0xF, shndx))
    # Section symbols are unnamed: name them after their section, for error messages.
    symbols = [
        InputSymbol(sections[s.shndx].name, s.value, s.size, s.bind, s.type, s.shndx)
        if s.type == STT_SECTION and 0 < s.shndx < len(sections)
        else s
        for s in symbols
    ]

    relocations: dict[int, tuple[InputRelocation, ...]] = {}
    for sec in sections:
        if sec.type not in (SHT_REL, SHT_RELA):
            continue
        entsize = 16 if sec.type == SHT_REL else 24
        rels = []
        for off in range(0, len(sec.data), entsize):
            if sec.type == SHT_REL:
                r_offset, r_info = struct.unpack_from("<QQ", sec.data, off)
                addend: int | None = None
            else:
                r_offset, r_info, addend = struct.unpack_from("<QQq", sec.data, off)
            sym_index = r_info >> 32
            if sym_index >= len(symbols):
                raise LinkError(f"relocation in {sec.name} names symbol {sym_index}: out of range")
            rels.append(InputRelocation(r_offset, sym_index, r_info & 0xFFFFFFFF, addend))
        relocations[sec.info] = relocations.get(sec.info, ()) + tuple(rels)
    return ObjectFile(sections, tuple(symbols), relocations)


# --- layout ------------------------------------------------------------------------------------


def _align(x: int, a: int) -> int:
    return (x + a - 1) // a * a if a > 1 else x


@dataclass(frozen=True)
class _Layout:
    text_off: int  # file offset (= virtual address minus MM_PROGRAM_START) of .text
    rodata_off: int
    text: bytes
    rodata: bytes
    #: input section index -> ("text" | "rodata", offset inside that output section)
    placement: dict[int, tuple[str, int]]


# Program headers we emit; fixed so .text starts at a known offset.
_N_PHDRS = 4


def _is_rodata_name(name: str) -> bool:
    return name in (".rodata", ".data.rel.ro") or name.startswith((".rodata.", ".data.rel.ro."))


def _layout(obj: ObjectFile) -> _Layout:
    text = bytearray()
    text_off = _align(EHDR_SIZE + _N_PHDRS * PHDR_SIZE, 8)
    placement: dict[int, tuple[str, int]] = {}
    ro_sections: list[InputSection] = []
    for sec in obj.sections:
        if not sec.alloc or sec.type == SHT_NULL:
            continue
        if sec.flags & SHF_EXECINSTR:
            if sec.type != SHT_PROGBITS:
                raise LinkError(f"executable section {sec.name} is not PROGBITS")
            if sec.size % INSN_SIZE:
                raise LinkError(f"{sec.name} is {sec.size} bytes, not a whole number of insns")
            text += bytes(_align(len(text), INSN_SIZE) - len(text))
            placement[sec.index] = ("text", len(text))
            text += sec.data
        elif _is_rodata_name(sec.name) and sec.type == SHT_PROGBITS:
            ro_sections.append(sec)
        elif sec.size == 0:
            continue  # an empty .data / .bss costs nothing
        elif sec.flags & SHF_WRITE or sec.type == SHT_NOBITS:
            raise LinkError(
                f"writable section {sec.name} ({sec.size} bytes): SBPFv0 programs have no "
                "writable globals; make the data const or keep state in accounts"
            )
        else:
            raise LinkError(f"unsupported allocated section {sec.name} (type {sec.type})")
    if not placement:
        raise LinkError("no executable section (.text) in the object")

    rodata_off = text_off + len(text)
    rodata = bytearray()
    for sec in ro_sections:
        start = _align(rodata_off + len(rodata), max(1, sec.addralign)) - rodata_off
        rodata += bytes(start - len(rodata))
        placement[sec.index] = ("rodata", start)
        rodata += sec.data
    return _Layout(text_off, rodata_off, bytes(text), bytes(rodata), placement)


# --- relocation --------------------------------------------------------------------------------


@dataclass
class LinkedProgram:
    """The linked ``.so`` and what went into it."""

    so: bytes
    entry: str
    entry_offset: int  # byte offset of the entrypoint inside .text
    text_size: int
    rodata_size: int
    #: syscall name -> murmur3 key the loader writes into each call
    syscalls: dict[str, int] = field(default_factory=dict)
    #: number of calls per syscall (dynamic R_BPF_64_32 relocations)
    syscall_sites: int = 0

    def summary(self) -> str:
        names = ", ".join(f"{n} ({k:#010x})" for n, k in sorted(self.syscalls.items()))
        return (
            f"{len(self.so)} bytes: .text {self.text_size}, .rodata {self.rodata_size}, "
            f"{self.syscall_sites} syscall site(s): {names or 'none'}"
        )


class _Linker:
    def __init__(self, obj: ObjectFile, layout: _Layout) -> None:
        self.obj = obj
        self.layout = layout
        self.text = bytearray(layout.text)
        self.rodata = bytearray(layout.rodata)
        self.syscall_sites: list[tuple[int, str]] = []  # (offset in .text, name)

    # addresses

    def _where(self, sym: InputSymbol, what: str) -> tuple[str, int]:
        """(output section, offset inside it) of a defined symbol."""
        if sym.shndx == SHN_UNDEF:
            raise LinkError(f"{what}: undefined symbol {sym.name!r}")
        if sym.shndx == SHN_COMMON:
            raise LinkError(
                f"{what}: {sym.name!r} is a common (writable, zero-initialised) global, "
                "which SBPFv0 does not support"
            )
        if sym.shndx == SHN_ABS or sym.shndx not in self.layout.placement:
            name = self.obj.sections[sym.shndx].name if sym.shndx < len(self.obj.sections) else ""
            raise LinkError(f"{what}: symbol {sym.name!r} lives in unsupported section {name!r}")
        kind, base = self.layout.placement[sym.shndx]
        return kind, base + sym.value

    def _vaddr(self, kind: str, offset: int) -> int:
        base = self.layout.text_off if kind == "text" else self.layout.rodata_off
        return MM_PROGRAM_START + base + offset

    # text relocations

    def relocate_text(self, base: int, sec: InputSection, rels: Iterable[InputRelocation]) -> None:
        for rel in rels:
            at = base + rel.offset
            sym = self.obj.symbols[rel.symbol]
            where = f"{sec.name}+{rel.offset:#x}"
            if at % INSN_SIZE or at + INSN_SIZE > len(self.text):
                raise LinkError(f"{where}: relocation not on an instruction")
            opcode = self.text[at]
            if rel.type == R_BPF_64_64:
                if opcode != OP_LDDW or at + 2 * INSN_SIZE > len(self.text):
                    raise LinkError(f"{where}: R_BPF_64_64 on opcode {opcode:#04x}, not lddw")
                addend = (
                    rel.addend
                    if rel.addend is not None
                    else struct.unpack_from("<I", self.text, at + 4)[0]
                )
                kind, off = self._where(sym, where)
                if kind == "text":
                    raise LinkError(
                        f"{where}: address of code ({sym.name!r}) taken: function pointers are "
                        "not supported"
                    )
                addr = self._vaddr(kind, off + addend)
                struct.pack_into("<I", self.text, at + 4, addr & 0xFFFFFFFF)
                struct.pack_into("<I", self.text, at + 12, addr >> 32)
            elif rel.type == R_BPF_64_32:
                if opcode != OP_CALL_IMM:
                    raise LinkError(f"{where}: R_BPF_64_32 on opcode {opcode:#04x}, not call")
                if sym.shndx == SHN_UNDEF:
                    if not sym.name:
                        raise LinkError(f"{where}: call to an unnamed undefined symbol")
                    if sym.name not in SOLANA_SYSCALLS:
                        raise LinkError(
                            f"{where}: call to undefined function {sym.name!r}, which is not a "
                            "Solana syscall (a compiler builtin such as memcpy? keep copies "
                            "small or call sol_memcpy_)"
                        )
                    struct.pack_into("<i", self.text, at + 4, -1)
                    self.syscall_sites.append((at, sym.name))
                    continue
                kind, off = self._where(sym, where)
                if kind != "text":
                    raise LinkError(f"{where}: call to data symbol {sym.name!r}")
                if rel.addend is not None:
                    target = off + rel.addend
                else:  # REL: the assembler left (addend - 8) / 8 in the immediate
                    (imm,) = struct.unpack_from("<i", self.text, at + 4)
                    target = off + (imm + 1) * INSN_SIZE
                self._set_local_call(at, target, where)
            elif rel.type == R_BPF_NONE:
                continue
            else:
                raise LinkError(f"{where}: unsupported relocation type {rel.type} in code")

    def _set_local_call(self, at: int, target: int, where: str) -> None:
        if target % INSN_SIZE or not 0 <= target < len(self.text):
            raise LinkError(f"{where}: call target {target:#x} outside .text")
        imm = (target - at) // INSN_SIZE - 1
        if imm == -1:
            raise LinkError(
                f"{where}: a function calling itself directly encodes as `call -1`, the syscall "
                "marker of SBPFv0; make the recursion indirect or iterative"
            )
        struct.pack_into("<i", self.text, at + 4, imm)

    def check_calls(self) -> None:
        """Every ``call -1`` must be a syscall site; other calls must land inside .text."""
        sites = {at for at, _ in self.syscall_sites}
        n = len(self.text) // INSN_SIZE
        pc = 0
        while pc < n:
            at = pc * INSN_SIZE
            opcode = self.text[at]
            if opcode == OP_CALL_IMM:
                (imm,) = struct.unpack_from("<i", self.text, at + 4)
                if imm == -1 and at not in sites:
                    raise LinkError(
                        f".text insn {pc}: `call -1` without a syscall relocation (direct "
                        "self-recursion is not supported in SBPFv0)"
                    )
                if imm != -1 and not 0 <= pc + 1 + imm < n:
                    raise LinkError(f".text insn {pc}: call target outside .text")
            pc += 2 if opcode == OP_LDDW else 1

    # data relocations

    def relocate_rodata(
        self, base: int, sec: InputSection, rels: Iterable[InputRelocation]
    ) -> None:
        for rel in rels:
            at = base + rel.offset
            sym = self.obj.symbols[rel.symbol]
            where = f"{sec.name}+{rel.offset:#x}"
            if rel.type == R_BPF_NONE:
                continue
            if rel.type != R_BPF_64_ABS64:
                raise LinkError(f"{where}: unsupported relocation type {rel.type} in data")
            if at + 8 > len(self.rodata):
                raise LinkError(f"{where}: relocation past the end of the section")
            addend = (
                rel.addend
                if rel.addend is not None
                else struct.unpack_from("<q", self.rodata, at)[0]
            )
            kind, off = self._where(sym, where)
            if kind == "text":
                raise LinkError(
                    f"{where}: pointer to code ({sym.name!r}) in data: function pointers are "
                    "not supported"
                )
            struct.pack_into("<Q", self.rodata, at, self._vaddr(kind, off + addend))


def _find_entry(obj: ObjectFile, layout: _Layout, entry: str) -> tuple[int, int]:
    """(offset in .text, size) of the exported entry symbol."""
    found = [s for s in obj.symbols if s.name == entry and s.shndx != SHN_UNDEF]
    if not found:
        raise LinkError(f"no definition of the entry symbol {entry!r}")
    sym = found[0]
    if sym.bind == STB_LOCAL:
        raise LinkError(f"entry symbol {entry!r} is static; it must be a global function")
    kind, base = layout.placement.get(sym.shndx, ("", 0))
    if kind != "text":
        raise LinkError(f"entry symbol {entry!r} is not in an executable section")
    return base + sym.value, sym.size


# --- writing the shared object -----------------------------------------------------------------


def _write_so(
    layout: _Layout,
    text: bytes,
    rodata: bytes,
    syscall_sites: Sequence[tuple[int, str]],
    entry: str,
    entry_offset: int,
    entry_size: int,
) -> bytes:
    text_off, ro_off = layout.text_off, layout.rodata_off
    names = sorted({name for _, name in syscall_sites})

    dynstr = bytearray(b"\x00")
    name_at: dict[str, int] = {}
    for name in (entry, *names):
        name_at[name] = len(dynstr)
        dynstr += name.encode() + b"\x00"

    # .dynsym: null, the exported entry (GLOBAL FUNC in .text = section 1), the syscalls (UND).
    dynsym = bytearray(SYM_SIZE)
    dynsym += struct.pack(
        "<IBBHQQ",
        name_at[entry],
        (STB_GLOBAL << 4) | STT_FUNC,
        0,
        1,
        text_off + entry_offset,
        entry_size,
    )
    sym_index = {}
    for name in names:
        sym_index[name] = len(dynsym) // SYM_SIZE
        dynsym += struct.pack("<IBBHQQ", name_at[name], (STB_GLOBAL << 4) | STT_NOTYPE, 0, 0, 0, 0)

    rel_dyn = b"".join(
        struct.pack("<QQ", text_off + at, (sym_index[name] << 32) | R_BPF_64_32)
        for at, name in sorted(syscall_sites)
    )

    dyn_off = _align(ro_off + len(rodata), 8)
    dyn_entries = [(DT_FLAGS, DF_TEXTREL)]
    n_dyn = 8  # fixed size: the entries below plus DT_NULL padding
    dynamic_size = n_dyn * DYN_SIZE
    dynsym_off = _align(dyn_off + dynamic_size, 8)
    dynstr_off = dynsym_off + len(dynsym)
    rel_off = _align(dynstr_off + len(dynstr), 8)
    if rel_dyn:
        dyn_entries += [(DT_REL, rel_off), (DT_RELSZ, len(rel_dyn)), (DT_RELENT, REL_SIZE)]
    dyn_entries += [
        (DT_SYMTAB, dynsym_off),
        (DT_SYMENT, SYM_SIZE),
        (DT_STRTAB, dynstr_off),
        (DT_STRSZ, len(dynstr)),
    ]
    dyn_entries += [(DT_NULL, 0)] * (n_dyn - len(dyn_entries))
    dynamic = b"".join(struct.pack("<qQ", tag, val) for tag, val in dyn_entries)

    section_names = [".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"]
    shstrtab = bytearray(b"\x00")
    sh_name: dict[str, int] = {}
    for name in section_names:
        sh_name[name] = len(shstrtab)
        shstrtab += name.encode() + b"\x00"
    shstr_off = rel_off + len(rel_dyn)
    shdr_off = _align(shstr_off + len(shstrtab), 8)

    a, x, w = SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE
    # (name, type, flags, addr, offset, size, link, info, align, entsize); section indexes:
    # 1 .text 2 .rodata 3 .dynamic 4 .dynsym 5 .dynstr 6 .rel.dyn 7 .shstrtab
    shdrs = [
        (0, SHT_NULL, 0, 0, 0, 0, 0, 0, 0, 0),
        (sh_name[".text"], SHT_PROGBITS, a | x, text_off, text_off, len(text), 0, 0, 8, 0),
        (sh_name[".rodata"], SHT_PROGBITS, a, ro_off, ro_off, len(rodata), 0, 0, 8, 0),
        (sh_name[".dynamic"], SHT_DYNAMIC, a | w, dyn_off, dyn_off, dynamic_size, 5, 0, 8, 16),
        (sh_name[".dynsym"], SHT_DYNSYM, a, dynsym_off, dynsym_off, len(dynsym), 5, 1, 8, 24),
        (sh_name[".dynstr"], SHT_STRTAB, a, dynstr_off, dynstr_off, len(dynstr), 0, 0, 1, 0),
        (sh_name[".rel.dyn"], SHT_REL, a, rel_off, rel_off, len(rel_dyn), 4, 0, 8, REL_SIZE),
        (sh_name[".shstrtab"], SHT_STRTAB, 0, 0, shstr_off, len(shstrtab), 0, 0, 1, 0),
    ]
    image_end = ro_off + len(rodata)
    dynsyms_end = rel_off + len(rel_dyn)
    # (type, flags, offset = vaddr, size), PT_LOADs in ascending address order
    phdrs = [
        (PT_LOAD, PF_R | PF_X, text_off, image_end - text_off),
        (PT_LOAD, PF_R | PF_W, dyn_off, dynamic_size),
        (PT_LOAD, PF_R, dynsym_off, dynsyms_end - dynsym_off),
        (PT_DYNAMIC, PF_R | PF_W, dyn_off, dynamic_size),
    ]
    assert len(phdrs) == _N_PHDRS

    out = bytearray()
    out += ELFMAG + bytes([ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE]) + bytes(8)
    out += struct.pack(
        "<HHIQQQIHHHHHH",
        ET_DYN,
        EM_BPF,
        EV_CURRENT,
        text_off + entry_offset,
        EHDR_SIZE,
        shdr_off,
        0,  # e_flags 0: SBPFv0
        EHDR_SIZE,
        PHDR_SIZE,
        len(phdrs),
        SHDR_SIZE,
        len(shdrs),
        len(shdrs) - 1,
    )
    for typ, flags, off, size in phdrs:
        align = 8 if typ == PT_DYNAMIC else 0x1000
        out += struct.pack("<IIQQQQQQ", typ, flags, off, off, off, size, size, align)

    def put(offset: int, data: bytes | bytearray) -> None:
        if len(out) > offset:
            raise AssertionError(f"layout overlap at {offset:#x}")
        out.extend(bytes(offset - len(out)))
        out.extend(data)

    put(text_off, text)
    put(ro_off, rodata)
    put(dyn_off, dynamic)
    put(dynsym_off, dynsym)
    put(dynstr_off, dynstr)
    put(rel_off, rel_dyn)
    put(shstr_off, shstrtab)
    put(shdr_off, b"")
    for shdr in shdrs:
        out += struct.pack("<IIQQQQIIQQ", *shdr)
    return bytes(out)


# --- entry points ------------------------------------------------------------------------------


def link_object(obj_bytes: bytes, entry: str = "entrypoint") -> LinkedProgram:
    """Link a BPF relocatable object into an SBPFv0 shared object; see the module docstring."""
    obj = parse_object(obj_bytes)
    layout = _layout(obj)
    for sym in obj.symbols:
        if sym.shndx == SHN_COMMON:
            raise LinkError(
                f"{sym.name!r} is a common (writable) global, which SBPFv0 does not support"
            )
    linker = _Linker(obj, layout)
    for target, rels in sorted(obj.relocations.items()):
        if target >= len(obj.sections):
            raise LinkError(f"relocation section for missing section {target}")
        sec = obj.sections[target]
        if not sec.alloc:
            continue  # debug information and the like are not linked
        if target not in layout.placement:
            if sec.size == 0:
                continue
            raise LinkError(f"relocations against section {sec.name}, which is not linked")
        kind, base = layout.placement[target]
        if kind == "text":
            linker.relocate_text(base, sec, rels)
        else:
            linker.relocate_rodata(base, sec, rels)
    linker.check_calls()
    entry_offset, entry_size = _find_entry(obj, layout, entry)
    so = _write_so(
        layout,
        bytes(linker.text),
        bytes(linker.rodata),
        linker.syscall_sites,
        entry,
        entry_offset,
        entry_size,
    )
    names = {name for _, name in linker.syscall_sites}
    return LinkedProgram(
        so=so,
        entry=entry,
        entry_offset=entry_offset,
        text_size=len(linker.text),
        rodata_size=len(linker.rodata),
        syscalls={name: syscall_hash(name) for name in sorted(names)},
        syscall_sites=len(linker.syscall_sites),
    )


def link(obj_bytes: bytes, entry: str = "entrypoint") -> bytes:
    """Link a BPF relocatable object into SBPFv0 ``.so`` bytes."""
    return link_object(obj_bytes, entry).so


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sbpf_link.py",
        description="Link a clang/llvm-mc BPF object (.o) into a Solana SBPFv0 program (.so).",
    )
    parser.add_argument("object", type=Path, help="ELF64 relocatable from -target bpf -c")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .so to write")
    parser.add_argument("--entry", default="entrypoint", help="exported entry symbol")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    try:
        program = link_object(args.object.read_bytes(), args.entry)
    except (LinkError, OSError) as exc:
        print(f"sbpf_link: {args.object}: {exc}", file=sys.stderr)
        return 1
    args.output.write_bytes(program.so)
    if not args.quiet:
        print(f"{args.output}: {program.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
