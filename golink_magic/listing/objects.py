"""A module package's compiled object before the link, read from the toolchain's own output:
``go tool nm`` of its archive (what it defines, what it leaves undefined), ``go tool objdump``
of its archive (each instruction with its relocations, e.g. ``[3:7]R_PCREL:course/hello.motto``)
and the compiler's ``-S`` text (``0x0012 00018 (main.go:14)  MOVQ course/hello.motto(SB), AX``),
joined by each instruction's offset from its function's start.
"""

from __future__ import annotations

import re

from ..model.linkage import ObjectFunction, ObjectRow, PackageObject, Reloc
from . import nm
from .objdump import _HEADER

# An objdump row of an object: BASE:LINE, offset, bytes, instruction, then relocations.
_ROW = re.compile(r"^  [^\t\n]*:-?\d+\t+0x([0-9a-f]+)\t+([0-9a-f]+)\t+([^\t\n]*)\t?([^\n]*)$", re.M)
_RELOC = re.compile(r"\[(\d+):(\d+)\]([^:\s]+):(.+?)(?=\s+\[\d+:\d+\]|\s*$)")
_ADDEND = re.compile(r"^(.*?)(?:<\d+>)?(\+-?\d+|-\d+)?$")  # NAME, its ABI mark (<1>: ABIInternal), the addend
# -S: "name STEXT ..." starts a function; "\t0x0012 00018 (file:line)\tOP\targs" is one instruction.
_S_FUNC = re.compile(r"^(\S.*?) STEXT\b")
_S_ROW = re.compile(r"^\t0x[0-9a-f]+ (\d+) \(([^)]*)\)\t(\S+)(?:\t(.*))?$")
_PSEUDO = {"TEXT", "FUNCDATA", "PCDATA"}


def parse_relocs(text: str) -> list[tuple[int, int, str, str, int]]:
    """``[3:7]R_PCREL:course/hello.motto+8 …`` → [(start, end, type, target, addend)]."""
    out = []
    for start, end, kind, rest in _RELOC.findall(text.strip()):
        m = _ADDEND.match(rest.strip())
        out.append((int(start), int(end), kind, m.group(1), int((m.group(2) or "0").replace("+-", "-"))))
    return out


def parse_object_listing(text: str) -> list[ObjectFunction]:
    """The functions of ``go tool objdump ARCHIVE``, offsets counted from each function's start."""
    heads = list(_HEADER.finditer(text))
    functions = []
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        fn = ObjectFunction(m.group("sym"), m.group("file").strip())
        start = None
        for pc, hexbytes, asm, relocs in _ROW.findall(text, m.end(), end):
            at = int(pc, 16)
            start = at if start is None else start
            offset = at - start
            fn.rows.append(ObjectRow(offset, hexbytes, asm.strip(),
                                     [Reloc(offset + a, b - a, kind, target, add)
                                      for a, b, kind, target, add in parse_relocs(relocs)]))
        functions.append(fn)
    return functions


def parse_compiler_listing(text: str) -> dict[str, dict[str, dict[int, str]]]:
    """The compiler's ``-S`` output as printed by the go command (``# PACKAGE`` heads): package →
    function → offset → instruction text (pseudo-instructions such as PCDATA left out)."""
    out: dict[str, dict[str, dict[int, str]]] = {}
    package, function = "", None
    for line in text.splitlines():
        if line.startswith("# "):
            package, function = line[2:].strip(), None
            continue
        m = _S_FUNC.match(line)
        if m:
            function = out.setdefault(package, {}).setdefault(m.group(1), {})
            continue
        if function is None:
            continue
        m = _S_ROW.match(line)
        if m and m.group(3) not in _PSEUDO:
            offset = int(m.group(1))
            text_ = f"{m.group(3)} {m.group(4) or ''}".strip()
            function[offset] = f"{function[offset]}; {text_}" if offset in function else text_
        elif not line.startswith("\t"):
            function = None  # a data symbol's block, or the next function's head
    return out


def package_object(package: str, archive: str, nm_text: str, objdump_text: str,
                   compiler: dict[str, dict[int, str]] | None) -> PackageObject:
    """One package's :class:`PackageObject` from its tools' texts (``compiler``: its ``-S`` rows
    per function, or None when they were not made)."""
    symbols = [s for s in nm.parse(nm_text) if not nm.is_noise(s.name)]
    obj = PackageObject(package, archive, [s for s in symbols if s.code != "U"],
                        sorted({s.name for s in symbols if s.code == "U"}), parse_object_listing(objdump_text))
    if compiler is None:
        obj.notes.append("no compiler -S rows for this package")
        return obj
    for fn in obj.functions:
        rows = compiler.get(fn.symbol, {})
        for row in fn.rows:
            row.asm = rows.get(row.offset, "")
    return obj
