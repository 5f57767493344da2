"""Parsing ``go tool objdump`` text into functions and instruction rows, and normalising rows
so that two listings can be compared.

Format (Go ≥1.17): a header ``TEXT <symbol>(SB) <file>`` per function, then one row per
instruction: two spaces, ``BASE:LINE``, the PC, the hex bytes and the Go-syntax instruction,
separated by one or more tabs.  Symbols may contain spaces (generics), so the header is
matched greedily up to the last ``(SB)``.
"""

from __future__ import annotations

import gc
import re
from pathlib import PurePosixPath

from ..model.result import Function, Instruction

_HEADER = re.compile(r"^TEXT (?P<sym>.+)\(SB\) ?(?P<file>.*)$", re.M)
# BASE:LINE, PC, hex bytes, instruction; columns are runs of tabs (tabwriter alignment).
_ROW = re.compile(r"^  ([^\t\n]*):(-?\d+)\t+0x([0-9a-f]+)\t+([0-9a-f]+)\t+([^\t\n]*)", re.M)


def parse(text: str) -> list[Function]:
    """All functions of an objdump listing, in order.  Rows keep objdump's basename as file."""
    functions: list[Function] = []
    heads = list(_HEADER.finditer(text))
    # A whole binary is ~150k rows: the cyclic GC would rescan them many times while they are built.
    paused = gc.isenabled()
    gc.disable()
    try:
        for i, m in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            fn = Function(m.group("sym"), m.group("file").strip())
            fn.instructions = [
                Instruction(base, int(line), int(pc, 16), hexbytes, asm)
                for base, line, pc, hexbytes, asm in _ROW.findall(text, m.end(), end)
            ]
            functions.append(fn)
    finally:
        if paused:
            gc.enable()
    return functions


def workspace_path(path: str, module_dir: str, module_files, module: str | None = None,
                   module_root: str = ".") -> str | None:
    """A listed source path as the workspace names it, or None when it lies outside.

    ``module_dir`` is the absolute folder the workspace's files were written to.  A build with
    ``-trimpath`` names a module file ``MODULE/REL`` instead (REL from the module root, which is
    ``module_root`` within the workspace); such a path counts only when that file exists.
    """
    prefix = module_dir.rstrip("/") + "/"
    if path.startswith(prefix):
        return path[len(prefix):]
    if module and path.startswith(module + "/"):
        rel = path[len(module) + 1:]
        rel = rel if module_root in (".", "") else f"{module_root.rstrip('/')}/{rel}"
        if rel in module_files:
            return rel
    return None


def relate_to_module(functions: list[Function], module_dir: str, module_files: list[str], module: str | None = None,
                     module_root: str = ".") -> list[Function]:
    """Make file paths relative to the workspace and mark code from outside it.

    ``module_dir``, ``module`` and ``module_root`` as for :func:`workspace_path`; ``module_files``
    the files' paths relative to ``module_dir``.  A row's basename is resolved to the function's own file
    when the names agree, otherwise to the only module file with that basename; rows that stay
    unresolved came from outside the module (inlined standard-library code, for instance).
    """
    by_base: dict[str, list[str]] = {}
    known = set(module_files)
    for rel in module_files:
        by_base.setdefault(PurePosixPath(rel).name, []).append(rel)
    for fn in functions:
        rel = workspace_path(fn.file, module_dir, known, module, module_root)
        fn.in_module = rel is not None
        if rel is not None:
            fn.file = rel
        own_base = PurePosixPath(fn.file).name
        for row in fn.instructions:
            if fn.in_module and row.file == own_base:
                row.file = fn.file
            elif len(by_base.get(row.file, ())) == 1 and row.line > 0:
                row.file = by_base[row.file][0]
            else:
                row.external = True
    return functions


def select(functions: list[Function], in_module: bool = True) -> list[Function]:
    """Functions whose source file lies in the module (or all, with ``in_module=False``)."""
    return [fn for fn in functions if fn.in_module] if in_module else list(functions)


_ABS_JUMP = re.compile(r"\b0x[0-9a-f]+\b(?!\()")
_PC_REL = re.compile(r"-?0x[0-9a-f]+\(IP\)")
_SP_FREE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """An instruction's text with addresses and PC-relative offsets replaced by placeholders.

    ``JMP 0x49a1e0`` and ``LEAQ 0xc0d93(IP), AX`` differ between any two builds; symbolic
    operands such as ``main.add(SB)`` and immediates written as ``$0xa`` are kept.
    """
    text = _PC_REL.sub("ADDR(IP)", text)
    text = _ABS_JUMP.sub(lambda m: "ADDR" if not text[: m.start()].endswith("$") else m.group(0), text)
    return _SP_FREE.sub(" ", text).strip()


_OPERAND_SPLIT = re.compile(r",\s*(?![^()]*\))")


def operands(text: str) -> list[str]:
    """An instruction split into mnemonic and operands: ``MOVQ a(SB), CX`` → ``[MOVQ, a(SB), CX]``.

    Prefixes such as ``REP;`` stay with the mnemonic.
    """
    text = text.strip()
    head, sep, rest = text.partition(" ")
    while head.endswith(";") and rest:  # "REP; MOVSQ" style prefixes
        nxt, sep, rest = rest.partition(" ")
        head = f"{head} {nxt}"
    if not rest:
        return [head]
    return [head] + [op for op in _OPERAND_SPLIT.split(rest.strip()) if op]


def symbol_of(operand: str) -> str | None:
    """The symbol an operand names (``full/hello.privInt64`` in ``full/hello.privInt64+8(SB)``)."""
    m = re.match(r"^\$?([^\s$()]+?)(?:[+-]0x[0-9a-f]+|[+-]\d+)?\(SB\)$", operand)
    return m.group(1) if m else None
