"""A linked ELF program's symbol table read the way ``go tool nm`` reads it
(``cmd/internal/objfile/elf.go`` over ``debug/elf``), without starting nm: every entry of
``.symtab`` but the first, its code from its section (``U`` undefined, ``B`` common, ``T``
alloc+exec, ``R`` alloc, ``D`` alloc+write with content, ``B`` alloc+write without — where the
toolchain's nm tells the two apart —, ``?`` otherwise), shifted to lower case when the binding is local (``?`` becomes ``_``).  tests/test_linker.py keeps it equal to
``go tool nm -size -type`` on every course case and three Go versions.
"""

from __future__ import annotations

import struct

from ..model.linkage import Symbol

_SHT_SYMTAB, _SHT_NOBITS = 2, 8
_SHF_WRITE, _SHF_ALLOC, _SHF_EXECINSTR = 1, 2, 4
_SHN_UNDEF, _SHN_COMMON = 0, 0xFFF2
_STB_LOCAL = 0


def read_symbols(path, heads: tuple[str, ...] | None = None, nobits_as_bss: bool = True) -> list[Symbol] | None:
    """The symbols of the ELF file at ``path`` (with ``heads``, only those whose name starts
    with one of them: a program has thousands, a view shows a handful), or None when it is not
    ELF (Mach-O, PE: ask ``go tool nm``).  ``nobits_as_bss``: the toolchain's nm calls writable
    data without content ``B`` (newer nm) rather than ``D`` (Go 1.19 and 1.22 do the latter)."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        return None
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    if wide:
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
        section = struct.Struct(order + "IIQQQQIIQQ")  # name type flags addr offset size link info align entsize
    else:
        shoff, = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x2E)
        section = struct.Struct(order + "IIIIIIIIII")
    sections = [section.unpack_from(data, shoff + i * shentsize) for i in range(shnum)]
    symtab = next((s for s in sections if s[1] == _SHT_SYMTAB), None)
    if symtab is None:
        return []
    strtab = sections[symtab[6]]
    strings = data[strtab[4]:strtab[4] + strtab[5]]
    body = data[symtab[4]:symtab[4] + symtab[5]]
    if wide:
        entries = ((n, i, x, v, s) for n, i, _, x, v, s in struct.iter_unpack(order + "IBBHQQ", body))
    else:
        entries = ((n, i, x, v, s) for n, v, s, i, _, x in struct.iter_unpack(order + "IIIBBH", body))
    codes = [_code(s[1] if nobits_as_bss else 0, s[2]) for s in sections]
    wanted = tuple(h.encode() for h in heads) if heads is not None else None
    out = []
    for k, (name, info, shndx, value, size) in enumerate(entries):
        if k == 0:
            continue  # the first entry is all zeros
        if wanted is not None and not strings.startswith(wanted, name):
            continue
        end = strings.find(b"\0", name)
        text = strings[name:end if end >= 0 else len(strings)].decode("utf-8", "replace")
        if shndx == _SHN_UNDEF:
            code = "U"
        elif shndx == _SHN_COMMON:
            code = "B"
        else:
            code = codes[shndx] if shndx < len(codes) else "?"
        if info >> 4 == _STB_LOCAL:
            code = chr(ord(code) + 32)  # as nm does: 'T' → 't', and '?' → '_'

        out.append(Symbol(text, code, size, None if code == "U" else value))
    return out


def _code(kind: int, flags: int) -> str:
    mask = flags & (_SHF_WRITE | _SHF_ALLOC | _SHF_EXECINSTR)
    if mask == _SHF_ALLOC | _SHF_EXECINSTR:
        return "T"
    if mask == _SHF_ALLOC:
        return "R"
    if mask == _SHF_ALLOC | _SHF_WRITE:
        return "B" if kind == _SHT_NOBITS else "D"
    return "?"
