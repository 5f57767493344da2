"""Which linker symbols each line of a Go workspace declares or binds.

``go tool objdump`` names globals by their linker symbol: a package-level ``var x`` of the
package in folder ``hello`` of module ``full`` is ``full/hello.x``; a method is
``full/hello.T.M`` (value receiver) or ``full/hello.(*T).M`` (pointer receiver); everything of
``package main`` is ``main.NAME`` whatever its folder.  A two-argument ``//go:linkname local
target`` makes the compiler use ``target`` as the symbol of ``local``, whether the declaration
pulls (no body, no initializer) or pushes (has a body or an initializer): either way the
listing shows ``target`` wherever the code uses ``local``, and ``local``'s own symbol never
appears.  The one-argument form ``//go:linkname local`` only marks ``local``'s own symbol as
reachable by name.

What each file declares and binds is read by :mod:`golink_magic.model.gosource` (a directive
in a string or a comment is none).  Constants, types and generic functions have no symbol of
their own here, and neither do ``init`` functions or ``_``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..model import gosource
from ..model.gosource import GoFile

__all__ = ["line_symbols", "linkname_bindings", "renamed_symbols", "symbol_package", "symbol_sources"]

def _module_files(files: dict[str, str], module_root: str) -> list[tuple[str, str]]:
    """(workspace path, path relative to the module root) of the module's non-test Go files."""
    root = module_root.strip("/").removeprefix("./")
    root = "" if root in ("", ".") else root + "/"
    out = []
    for path in files:
        rel = path.removeprefix("./")
        if not rel.endswith(".go") or rel.endswith("_test.go") or not rel.startswith(root):
            continue
        out.append((path, rel[len(root):]))
    return out


def _analyse(files: dict[str, str], module: str, module_root: str):
    """Declarations and directives of the module: ``decls`` are (path, line, folder, local,
    own symbol); ``directives`` are (path, line, folder, local, target or None, local's symbol)."""
    read: dict[str, tuple[str, GoFile]] = {}
    names: dict[str, str] = {}
    for path, rel in _module_files(files, module_root):
        folder = PurePosixPath(rel).parent.as_posix()
        source = gosource.read(files[path])
        read[path] = (folder, source)
        if source.package and folder not in names:
            names[folder] = source.package
    for folder, source in read.values():  # fragments without a package clause
        if folder not in names and source.has_main:
            names[folder] = "main"
    prefixes = {folder: "main" if names.get(folder) == "main" else module if folder == "." else f"{module}/{folder}"
                for folder, _ in read.values()}
    decls, directives = [], []
    for path, (folder, source) in read.items():
        prefix = prefixes[folder]
        decls += [(path, line, folder, local, f"{prefix}.{local}") for line, local in source.declarations]
        directives += [(path, ln.line, folder, ln.local, ln.target, f"{prefix}.{ln.local}") for ln in source.linknames]
    return decls, directives


def _add(table: dict[str, dict[int, list[str]]], path: str, line: int, symbol: str) -> None:
    """Record ``symbol`` for ``path:line`` once."""
    row = table.setdefault(path, {}).setdefault(line, [])
    if symbol not in row:
        row.append(symbol)


def line_symbols(files: dict[str, str], module: str, module_root: str = ".") -> dict[str, dict[int, list[str]]]:
    """Workspace path → 1-based line → every linker symbol the line declares or binds.

    ``files`` maps workspace paths to file texts; ``module`` is the module path and
    ``module_root`` the folder holding ``go.mod`` (files outside it are ignored; the keys stay
    the workspace paths).  A declaration renamed by a two-argument ``//go:linkname`` lists the
    target instead of its own symbol, and so does the directive's line; a one-argument directive
    lists the local symbol.  The directive may sit in any file of the declaring package.
    """
    decls, directives = _analyse(files, module, module_root)
    renamed: dict[tuple[str, str], list[str]] = {}
    for _, _, folder, local, target, _ in directives:
        if target:
            renamed.setdefault((folder, local), []).append(target)
    table: dict[str, dict[int, list[str]]] = {}
    for path, line, folder, local, own in decls:
        for symbol in renamed.get((folder, local), [own]):
            _add(table, path, line, symbol)
    for path, line, _, _, target, own in directives:
        _add(table, path, line, target or own)
    return {path: dict(sorted(lines.items())) for path, lines in table.items()}


def linkname_bindings(files: dict[str, str], module: str, module_root: str = ".") -> dict[str, list[tuple[str, int]]]:
    """Symbol → [(workspace path, line)] of each ``//go:linkname`` directive naming it: the
    target of a two-argument directive, or the local symbol a one-argument directive marks.
    For tooltips such as "bound by //go:linkname at ciao/ciao.go:7"."""
    _, directives = _analyse(files, module, module_root)
    found: dict[str, list[tuple[str, int]]] = {}
    for path, line, _, _, target, own in directives:
        found.setdefault(target or own, []).append((path, line))
    return found


def renamed_symbols(files: dict[str, str], module: str, module_root: str = ".") -> dict[str, str]:
    """Own symbol → the symbol a two-argument ``//go:linkname`` makes of it (``main.stolen`` →
    ``course/hello.secret``): the names the source declares that the binary should not hold."""
    _, directives = _analyse(files, module, module_root)
    return {own: target for _, _, _, _, target, own in directives if target and target != own}


def symbol_sources(files: dict[str, str], module: str, module_root: str = ".") -> dict[str, list[tuple[str, int]]]:
    """Symbol → [(workspace path, line)] of every line that declares or binds it: the
    inverse of :func:`line_symbols`, for going from an operand to its Go source."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path, lines in line_symbols(files, module, module_root).items():
        for line, symbols in lines.items():
            for symbol in symbols:
                found.setdefault(symbol, []).append((path, line))
    return found


def symbol_package(symbol: str) -> str:
    """The import path part of a linker symbol: ``runtime.convT64`` → ``runtime``,
    ``full/hello.(*T).M`` → ``full/hello``, ``main.main`` → ``main``.  Compiler-made symbols
    (``type:int``, ``go:string.*``, ``go.itab.*``, ``$f64.*``) and names without a package
    give ``''``."""
    head = re.split(r"[\[(]", symbol, maxsplit=1)[0]
    if not head or head.startswith("$") or re.match(r"^(type|go)[:.]", head) or ":" in head.split(".")[0]:
        return ""
    slash = head.rfind("/")
    dot = head.find(".", slash + 1)
    return head[:dot] if dot > 0 else ""
