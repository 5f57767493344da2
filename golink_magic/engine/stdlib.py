"""The standard library as a build without the go command sees it: for one target, each package's
compiled archive, its imports and every package it depends on, plus the settings the go command
derives for a program (the ``DefaultGODEBUG`` of each ``go`` line of go.mod).

:func:`collect` asks the go command once (``go list -export -deps -json``); the result is plain
data that :mod:`.goplan` plans builds from, natively or in a browser that has only the
archives (``save``/``load`` as JSON, archive paths relative to the file).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..model.errors import ToolchainError
from . import procs
from .toolchain import Toolchain, version_key

LIST_TIMEOUT = 900
FIRST_GO_LINE = 16  # DefaultGODEBUG is recorded for go.mod lines go1.16 … the toolchain's own


@dataclass
class Package:
    """One standard package: its archive (export data and code), direct imports and all deps."""

    archive: str
    imports: list[str]
    deps: list[str]


@dataclass
class StdLib:
    """The standard library of one toolchain for one target."""

    version: str                      # go1.27.3
    goos: str
    goarch: str
    arch_env: dict[str, str]          # GOAMD64=v1 / GO386=sse2 …: what asm's -D and modinfo name
    packages: dict[str, Package]
    godebug: dict[str, str] = field(default_factory=dict)  # "1.19" → DefaultGODEBUG of a go 1.19 main module
    root: str = ""                    # where relative archive paths start

    def archive(self, path: str) -> str:
        """The file of package ``path``'s archive."""
        found = self.packages[path].archive
        return found if os.path.isabs(found) or not self.root else os.path.join(self.root, found)

    def closure(self, imports: list[str]) -> list[str]:
        """Every standard package a program importing ``imports`` links, in a stable order."""
        seen: dict[str, None] = {}
        for imp in imports:
            if imp in self.packages:
                for dep in [imp, *self.packages[imp].deps]:
                    if dep in self.packages:  # unsafe has no archive
                        seen.setdefault(dep, None)
        return sorted(seen)

    def default_godebug(self, go_line: str) -> str | None:
        """The DefaultGODEBUG for a main module whose go.mod says ``go go_line``; None when not recorded."""
        parts = go_line.split(".")
        return self.godebug.get(".".join(parts[:2]))

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("root")
        return json.dumps(data, indent=0, sort_keys=True)

    def save(self, path: Path) -> None:
        """Write as JSON (archives relative to ``path``'s folder when they lie below it)."""
        base = path.parent.resolve()
        for pkg in self.packages.values():
            p = Path(pkg.archive)
            if p.is_absolute() and p.is_relative_to(base):
                pkg.archive = p.relative_to(base).as_posix()
        path.write_text(self.to_json())


def load(path: Path | str) -> StdLib:
    """A :class:`StdLib` saved by :meth:`StdLib.save` (relative archives start at its folder)."""
    return from_json(Path(path).read_text(), str(Path(path).parent))


def from_json(text: str, root: str = "") -> StdLib:
    """A :class:`StdLib` from its JSON (:meth:`StdLib.to_json`); relative archives start at ``root``."""
    data = json.loads(text)
    data["packages"] = {k: Package(**v) for k, v in data["packages"].items()}
    return StdLib(**data, root=root)


def collect(toolchain: Toolchain, goos: str, goarch: str, packages: list[str] = ("std",)) -> StdLib:
    """Ask ``toolchain`` for the standard ``packages`` (and their deps) built for goos/goarch:
    compiles what its build cache lacks; archives are named where the cache keeps them."""
    env = {**toolchain.env(), "GOOS": goos, "GOARCH": goarch}
    fields = "-f={{.ImportPath}}\t{{.Export}}\t{{join .Imports \",\"}}\t{{join .Deps \",\"}}\t{{.Standard}}"
    done = procs.spawn([str(toolchain.go), "list", "-trimpath", "-export", "-deps", fields, *packages], None, env,
                       timeout=LIST_TIMEOUT)
    if done.returncode != 0:
        raise ToolchainError(f"go list of the standard library for {goos}/{goarch} failed: {done.text('stderr')[-400:]}")
    found: dict[str, Package] = {}
    for line in done.text().splitlines():
        path, export, imports, deps, standard = line.split("\t")
        if standard == "true" and export:
            found[path] = Package(export, [i for i in imports.split(",") if i], [d for d in deps.split(",") if d])
    arch = _arch_env(toolchain, env)
    return StdLib(toolchain.version, goos, goarch, arch, found, _godebug_table(toolchain, env))


def _arch_env(toolchain: Toolchain, env: dict) -> dict[str, str]:
    key = {"amd64": "GOAMD64", "386": "GO386", "arm": "GOARM", "arm64": "GOARM64", "wasm": "GOWASM"}.get(env["GOARCH"])
    if not key:
        return {}
    done = procs.spawn([str(toolchain.go), "env", key], None, env, timeout=60)
    value = done.text().strip()
    return {key: value} if value else {}


def _godebug_table(toolchain: Toolchain, env: dict) -> dict[str, str]:
    """DefaultGODEBUG of a main module for every go line from 1.16 to the toolchain's (one ``go
    list`` over as many little modules)."""
    last = version_key(toolchain.version)[1]
    table: dict[str, str] = {}
    work = Path(tempfile.mkdtemp(prefix="golink-godebug-"))
    try:
        dirs = []
        for minor in range(FIRST_GO_LINE, last + 1):
            d = work / f"m{minor}"
            d.mkdir()
            (d / "go.mod").write_text(f"module m{minor}\n\ngo 1.{minor}\n")
            (d / "main.go").write_text("package main\n\nfunc main() {}\n")
            dirs.append((minor, d))
        for minor, d in dirs:
            done = procs.spawn([str(toolchain.go), "list", "-f", "{{.DefaultGODEBUG}}", "."], d, env, timeout=60)
            if done.returncode == 0:
                table[f"1.{minor}"] = done.text().strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return table
