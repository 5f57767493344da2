"""What the linker saw, as plain data: the linked program's symbols (``go tool nm``), and per
module package its compiled object before the link — what it defines, what it leaves for the
linker to supply, and each function's instructions with their relocations and the compiler's
own ``-S`` text.  Also the ``--expect-sym`` and ``--expect-reloc`` checks on them.

``//go:linkname`` acts on these names: a pull writes another package's symbol into the
object's relocations, a push gives a local definition another package's name, and the
linker joins the names.  Everything converts to and from JSON-ready dicts with the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KINDS = {"T": "text", "t": "text", "D": "data", "d": "data", "B": "bss", "b": "bss", "R": "rodata",
         "r": "rodata", "C": "constant", "U": "undefined", "?": "other", "": "not in the binary"}


@dataclass
class Symbol:
    """One symbol as ``go tool nm -size -type`` lists it: its name, its one-letter code (``T``
    text, ``D`` data, ``B`` bss, ``R`` read-only data, ``U`` referenced but not defined here;
    lower case: local to its object), its size in bytes and its address (None when it has none).

    A name the source declares but the binary does not hold — the local name of a pull — has
    the code ``""`` and ``became``: the symbol the directive made of it."""

    name: str
    code: str
    size: int = 0
    address: int | None = None
    became: str = ""

    @property
    def kind(self) -> str:
        """``text``, ``data``, ``bss``, ``rodata``, ``undefined`` … or ``not in the binary``."""
        return KINDS.get(self.code, "other")

    @property
    def held(self) -> bool:
        """Whether the file listed holds this symbol (defined or, in an object, referenced)."""
        return self.code != ""


@dataclass
class Reloc:
    """One relocation of an instruction in a compiled object: where in the function it sits
    (``offset``, bytes from the function's start, ``size`` bytes long), its type (``R_PCREL``,
    ``R_CALL`` …), the symbol it names and the addend as ``go tool objdump`` prints it."""

    offset: int
    size: int
    type: str
    target: str
    addend: int = 0


@dataclass
class ObjectRow:
    """One instruction of a function in its package's compiled object: its offset from the
    function's start, its bytes as the object holds them (zeros where a relocation goes), its
    text as objdump prints it, its relocations and the compiler's ``-S`` text at that offset."""

    offset: int
    hex: str
    text: str
    relocs: list[Reloc] = field(default_factory=list)
    asm: str = ""


@dataclass
class ObjectFunction:
    """A function of a compiled object: its symbol, source file and instruction rows."""

    symbol: str
    file: str
    rows: list[ObjectRow] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "ObjectFunction":
        """Inverse of the result's ``to_dict`` for this part."""
        rows = [ObjectRow(**{**r, "relocs": [Reloc(**x) for x in r.get("relocs", [])]}) for r in data.get("rows", [])]
        return cls(data["symbol"], data.get("file", ""), rows)


@dataclass
class PackageObject:
    """One module package's compiled object (its archive in the build cache), before the link:
    the symbols it defines, the names it references without defining (``U``: the linker must
    find them in another object), its functions with their relocations, and the compiler's
    ``-S`` text of the package (``asm``, kept whole only in the JSON)."""

    package: str
    archive: str
    defined: list[Symbol] = field(default_factory=list)
    undefined: list[str] = field(default_factory=list)
    functions: list[ObjectFunction] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> "PackageObject":
        """Inverse of the result's ``to_dict`` for this part."""
        return cls(data["package"], data.get("archive", ""), [Symbol(**s) for s in data.get("defined", [])],
                   list(data.get("undefined", [])), [ObjectFunction.from_dict(f) for f in data.get("functions", [])],
                   list(data.get("notes", [])))

    def references(self, target: str) -> list[tuple[str, Reloc]]:
        """(function, relocation) of every relocation in this object naming ``target``."""
        return [(fn.symbol, r) for fn in self.functions for row in fn.rows for r in row.relocs if r.target == target]


_SYM_SPEC = re.compile(r"(?P<name>.+?) (?P<code>[A-Za-z])(?: (?P<size>\d+))?")


def parse_sym_spec(spec: str) -> tuple[bool, str, str | None, int | None]:
    """``[!]NAME [CODE [SIZE]]`` → (negated, name, nm code or None, size or None):
    ``course/hello.years D 8`` also checks that the symbol is data of 8 bytes."""
    negate, body = spec.startswith("!"), spec.lstrip("!").strip()
    m = _SYM_SPEC.fullmatch(body)
    if m is None:
        return negate, body, None, None
    return negate, m["name"], m["code"], int(m["size"]) if m["size"] else None


def symbol_problem(spec: str, symbols: list[Symbol]) -> str | None:
    """``--expect-sym [!]NAME [CODE [SIZE]]``: None when the linked program holds (or, with
    ``!``, lacks) the symbol — of that nm code and size when given — else one line saying what
    it holds instead."""
    negate, name, code, size = parse_sym_spec(spec)
    held = [s for s in symbols if s.held and s.name == name]
    if negate:
        return f"expected the program not to hold {name}, got {held[0].code} {name} ({held[0].size} bytes)" if held else None
    if held:
        got = held[0]
        if (code is None or got.code == code) and (size is None or got.size == size):
            return None
        return f"expected {name} to be {code}{f' {size}' if size is not None else ''}, got {got.code} {got.size}"
    local = next((s for s in symbols if s.name == name and s.became), None)
    if local is not None:
        return f"expected the program to hold {name}, got none: the directive made it {local.became}"
    near = [s.name for s in symbols if s.held and s.name.rpartition(".")[2] == name.rpartition(".")[2]]
    said = f"; symbols of that name: {', '.join(near[:4])}" if near else ""
    return f"expected the program to hold {name}, got none{said}"


def parse_ref(spec: str) -> tuple[bool, str | None, str]:
    """``[!][FUNC:]SYMBOL`` → (negated, function or None, symbol), for ``--expect-ref`` and
    ``--expect-reloc``.  The function part must look like a symbol (it holds a dot), so
    ``type:int`` stays one symbol."""
    negate = spec.startswith("!")
    body = spec.lstrip("!").strip()
    func, sep, symbol = body.partition(":")
    if sep and "." in func and symbol:
        return negate, func, symbol
    return negate, None, body


def reloc_problem(spec: str, objects: list[PackageObject]) -> str | None:
    """``--expect-reloc [!]FUNC:TARGET``: None when FUNC's compiled object relocates (or, with
    ``!``, does not relocate) to TARGET, else one line saying what FUNC relocates to."""
    negate, func, target = parse_ref(spec)
    if not objects:
        return f"expected {func}'s object to be listed, got no compiled objects (the build failed before them?)"
    fns = [fn for obj in objects for fn in obj.functions if fn.symbol == func]
    if not fns:
        names = [fn.symbol for obj in objects for fn in obj.functions][:6]
        return f"expected a function {func} in the compiled objects, got {', '.join(names) or 'none'}"
    name, _, add = re.fullmatch(r"(.+?)(([+-]\d+)?)", target).groups()
    hits = [r for fn in fns for row in fn.rows for r in row.relocs
            if r.target == target or (add and r.target == name and r.addend == int(add))]
    if negate:
        return (f"expected {func}'s object not to relocate to {target}, got {hits[0].type} at +{hits[0].offset}"
                if hits else None)
    if hits:
        return None
    seen = sorted({r.target for fn in fns for row in fn.rows for r in row.relocs if not r.target.startswith(("type:", "go:"))})
    return (f"expected {func}'s object to relocate to {target}, got "
            + (", ".join(seen[:8]) + (" …" if len(seen) > 8 else "") if seen else "no relocations"))


_REFUSED = (r"relocation target (\S+) not defined", r"invalid reference to (\S+)",
            r"duplicated definition of symbol (\S+)")


def link_failures(build_output: str, objects: list[PackageObject]) -> list[str]:
    """One line per symbol a failed link names (not defined, refused, defined twice), saying
    which compiled objects of the module reference or define it."""
    out = []
    for pattern in _REFUSED:
        for name in dict.fromkeys(re.findall(pattern, build_output)):
            refs = sorted({f"{fn} ({r.type})" for obj in objects for fn, r in obj.references(name)})
            defs = [f"{obj.package} ({s.code})" for obj in objects for s in obj.defined if s.name == name]
            said = [f"{', '.join(refs)} relocate{'s' if len(refs) == 1 else ''} to it"] if refs else []
            said += [f"defined in the object of {', '.join(defs)}"] if defs else []
            left = [obj.package for obj in objects if name in obj.undefined]
            said += [f"the object of {', '.join(left)} leaves it undefined (U)"] if left else []
            out.append(f"{name}, named by the linker: " + ("; ".join(said) if said else "no compiled object of the module names it"))
    return out
