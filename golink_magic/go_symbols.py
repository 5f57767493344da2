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

This is a light line scanner (comments and string contents are blanked, brackets counted), not
a Go parser.  Constants, types and generic functions have no symbol of their own here, and
neither do ``init`` functions or ``_``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

__all__ = ["line_symbols", "linkname_bindings", "symbol_package", "symbol_sources"]

_ID = r"[^\W\d]\w*"
_NAMES = rf"{_ID}(?:\s*,\s*{_ID})*"
_LINKNAME = re.compile(r"^go:linkname[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*$")
_PACKAGE = re.compile(rf"^\s*package\s+({_ID})")
_FUNC = re.compile(rf"^\s*func\s+(?P<name>{_ID})\s*(?P<generic>\[)?")
_METHOD = re.compile(rf"^\s*func\s*\(\s*(?:{_ID}\s+)?(?P<star>\*)?\s*(?P<type>{_ID})\s*(?P<generic>\[)?[^)]*\)"
                     rf"\s*(?P<name>{_ID})")
_GROUP = re.compile(r"^\s*(var|const|type|import)\s*\(")
# A var spec: names, then "=" or a type (after a space).  A continuation line such as "y)" fails.
_SPEC = rf"(?P<names>{_NAMES})(?:\s*=(?!=)|\s+[*\[(<]|\s+[^\W\d])"
_VAR = re.compile(rf"^\s*var\s+{_SPEC}")
_ENTRY = re.compile(rf"^\s*{_SPEC}")


def _scan(text: str) -> tuple[list[str], dict[int, str]]:
    """The file's lines with comments blanked and string contents replaced by ``x`` (so that
    brackets and keywords inside them do not count), and the text of each line comment that
    starts its line (``//`` stripped), by 1-based line number."""
    out: list[str] = []
    comments: dict[int, str] = {}
    line, i, n = 1, 0, len(text)
    state, line_start = "code", 0  # line_start: index in out where the current line begins
    while i < n:
        c = text[i]
        if c == "\n":
            out.append("\n")
            line, line_start = line + 1, len(out)
            if state in ("string", "rune", "line"):  # an unterminated string ends with its line
                state = "code"
            i += 1
            continue
        two = text[i:i + 2]
        if state == "code":
            if two == "//":
                end = text.find("\n", i)
                end = n if end < 0 else end
                if not "".join(out[line_start:]).strip():
                    comments[line] = text[i + 2:end].rstrip()
                out.append(" " * (end - i))
                i = end
                continue
            if two == "/*":
                state, i = "block", i + 2
                out.append("  ")
                continue
            state = {'"': "string", "`": "raw", "'": "rune"}.get(c, "code")
            out.append(c)
        elif state == "block":
            if two == "*/":
                state, i = "code", i + 2
                out.append("  ")
                continue
            out.append(" ")
        elif state in ("string", "rune") and c == "\\":
            out.append("xx" if i + 1 < n and text[i + 1] != "\n" else "x")
            i += 2 if i + 1 < n and text[i + 1] != "\n" else 1
            continue
        elif (state, c) in (("string", '"'), ("rune", "'"), ("raw", "`")):
            state = "code"
            out.append(c)
        else:
            out.append("x")
        i += 1
    return "".join(out).split("\n"), comments


def _declarations(code: list[str]) -> list[tuple[int, str]]:
    """(line, local name) of every package-level var, func and method with a symbol.

    Methods are named ``T.M`` or ``(*T).M`` as the linker writes them after the package."""
    found: list[tuple[int, str]] = []
    braces = parens = 0
    group = None
    for number, text in enumerate(code, 1):
        if parens == 0:
            group = None
        if braces == 0 and parens == 0:
            g = _GROUP.match(text)
            if g:
                group = g.group(1)
            elif m := _METHOD.match(text):
                if not m.group("generic") and m.group("name") != "_":
                    recv = f"(*{m.group('type')})" if m.group("star") else m.group("type")
                    found.append((number, f"{recv}.{m.group('name')}"))
            elif m := _FUNC.match(text):
                if not m.group("generic") and m.group("name") not in ("_", "init"):
                    found.append((number, m.group("name")))
            elif m := _VAR.match(text):
                found += [(number, v) for v in re.split(r"\s*,\s*", m.group("names")) if v != "_"]
        elif braces == 0 and parens == 1 and group == "var" and (m := _ENTRY.match(text)):
            found += [(number, v) for v in re.split(r"\s*,\s*", m.group("names")) if v != "_"]
        braces += text.count("{") - text.count("}")
        parens += text.count("(") - text.count(")") + text.count("[") - text.count("]")
        braces, parens = max(braces, 0), max(parens, 0)
    return found


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
    scanned = {}
    names: dict[str, str] = {}
    for path, rel in _module_files(files, module_root):
        folder = PurePosixPath(rel).parent.as_posix()
        code, comments = _scan(files[path])
        scanned[path] = (folder, code, comments)
        pkg = next((m.group(1) for t in code if (m := _PACKAGE.match(t))), None)
        if pkg and folder not in names:
            names[folder] = pkg
    for path, (folder, code, _) in scanned.items():  # fragments without a package clause
        if folder not in names and any(_FUNC.match(t) and _FUNC.match(t).group("name") == "main" for t in code):
            names[folder] = "main"
    prefixes = {folder: "main" if names.get(folder) == "main" else module if folder == "." else f"{module}/{folder}"
                for folder, _, _ in scanned.values()}
    decls, directives = [], []
    for path, (folder, code, comments) in scanned.items():
        prefix = prefixes[folder]
        decls += [(path, line, folder, local, f"{prefix}.{local}") for line, local in _declarations(code)]
        for line, comment in sorted(comments.items()):
            m = _LINKNAME.match(comment)
            if m:
                directives.append((path, line, folder, m.group(1), m.group(2), f"{prefix}.{m.group(1)}"))
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
