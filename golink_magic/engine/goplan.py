"""The go command's plan for a program, made without the go command: the compile, asm, pack and
link steps ``go build -trimpath`` runs for a module's packages, against a standard library that
is already compiled (:mod:`.stdlib`).

A browser has Go's tools as WebAssembly but no go command, so this is how a build is planned
there.  It covers what the course's cases use — Go files, assembly files, build constraints,
``//go:embed``, ``-gcflags``/``-ldflags``/``-tags`` — and refuses the rest with a sentence (cgo,
other modules, ``godebug`` settings).  Every argument matches the go command's own (version
1.27), which the differential tests prove: the binary these steps link equals ``go build``'s
but for build IDs.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..model import gosource
from .stdlib import StdLib

INFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")  # runtime/debug's modinfo markers
INFO_END = bytes.fromhex("f932433186182072008242104116d8f2")
_SUPPORTED = (".go", ".s")


class NotPlanned(Exception):
    """A module this planner cannot build without the go command (the message says why)."""


@dataclass
class Step:
    """One tool run: ``tool argv…`` in ``cwd`` after writing ``writes``; ``package`` heads its messages."""

    tool: str
    argv: list[str]
    cwd: str
    package: str
    writes: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # set for this step only


@dataclass
class LocalPackage:
    path: str            # import path (the module's own path for its root folder)
    folder: str          # relative to the module root ("." for the root)
    name: str            # package clause
    go_files: list[str]  # relative to the module root
    s_files: list[str]
    imports: list[str]
    embeds: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, pattern) of //go:embed


def go_quote(data: bytes) -> str:
    """``data`` as Go's strconv.Quote writes it (invalid UTF-8 as ``\\x`` escapes)."""
    out, i = ['"'], 0
    simple = {7: r"\a", 8: r"\b", 12: r"\f", 10: r"\n", 13: r"\r", 9: r"\t", 11: r"\v", 92: r"\\", 34: r"\""}
    while i < len(data):
        b = data[i]
        if b < 0x80:
            out.append(simple.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}"))
            i += 1
            continue
        n = 2 if b >> 5 == 6 else 3 if b >> 4 == 14 else 4 if b >> 3 == 30 else 0
        try:
            ch = data[i:i + n].decode() if n else ""
        except UnicodeDecodeError:
            ch = ""
        if len(ch) == 1 and ch.isprintable():
            out.append(ch)
            i += n
        elif len(ch) == 1:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
            i += n
        else:
            out.append(f"\\x{b:02x}")
            i += 1
    return "".join(out) + '"'


def _setting(key: str, value: str) -> str:
    if any(c in value for c in " \t\r\n\"`") or any(c in key for c in "= \t\r\n\"`"):
        value = go_quote(value.encode())
    return f"build\t{key}={value}\n"


def go_line(go_mod: str) -> str:
    """The ``go`` line of a go.mod ("1.19"), or "" when it has none."""
    m = re.search(r"(?m)^\s*go\s+(\d+\.\d+(?:\.\d+)?)\s*(?://.*)?$", go_mod)
    return m.group(1) if m else ""


def local_packages(files: dict[str, str], module_root: str, module: str, ctx: gosource.BuildContext
                   ) -> dict[str, LocalPackage]:
    """The module's packages that a build for ``ctx`` sees, by import path."""
    root = PurePosixPath(module_root)
    found: dict[str, LocalPackage] = {}
    for rel in sorted(files):
        p = PurePosixPath(rel)
        if root != PurePosixPath(".") and root not in p.parents:
            continue
        inner = p.relative_to(root) if root != PurePosixPath(".") else p
        folder = inner.parent.as_posix()
        if any(part in ("testdata", "vendor") or part.startswith(("_", ".")) for part in inner.parent.parts):
            continue
        name = inner.name
        if name == "go.mod" or name.startswith(("_", ".")):
            continue
        suffix = name[name.rfind("."):] if "." in name else ""
        if suffix in (".go",) and not gosource.in_build(rel, files[rel], ctx):
            continue
        if suffix not in _SUPPORTED:
            if suffix in (".c", ".h", ".cc", ".cpp", ".syso", ".S", ".sx", ".m", ".f", ".swig"):
                raise NotPlanned(f"{rel}: files other than Go and Go assembly need the go command")
            continue
        path = module if folder == "." else f"{module}/{folder}"
        pkg = found.setdefault(path, LocalPackage(path, folder, "", [], [], [], []))
        if suffix == ".s":
            if gosource.in_build(rel.removesuffix(".s") + ".go", files[rel], ctx):
                pkg.s_files.append(inner.as_posix())
            continue
        head = gosource.read_header(files[rel])
        directives = gosource.read(files[rel]).directives
        if any(d.name == "debug" for d in directives):
            raise NotPlanned(f"{rel}: //go:debug settings need the go command")
        pkg.embeds += [(inner.as_posix(), d.line, pattern) for d in directives if d.name == "embed"
                       for pattern in _embed_patterns(d.text)]
        if head.package and pkg.name and head.package != pkg.name:
            raise NotPlanned(f"found packages {pkg.name} and {head.package} in {folder}")
        pkg.name = head.package or pkg.name
        pkg.go_files.append(inner.as_posix())
        pkg.imports += [imp.path for imp in head.imports if imp.path not in pkg.imports]
    return {k: v for k, v in found.items() if v.go_files}


def plan_steps(files: dict[str, str], module_root: str, module: str, module_dir: str, target_folder: str,
               std: StdLib, work: str, output: str, goroot: str, gcflags: str = "", ldflags: str = "",
               tags: str = "", concurrency: int = 1) -> list[Step]:
    """The steps that build the program in ``target_folder`` (relative to the module root) of
    the module in ``module_dir`` into ``output``, with ``work`` for intermediate files (the go
    command's $WORK).  Raises :class:`NotPlanned` for what only the go command can build, and
    for imports that exist nowhere (with the go command's message)."""
    go_mod = files.get(f"{module_root}/go.mod" if module_root != "." else "go.mod", "")
    line = go_line(go_mod) or std.version.removeprefix("go")
    if re.search(r"(?m)^\s*(godebug|require|replace)\b", go_mod):
        raise NotPlanned("go.mod's godebug, require or replace lines need the go command")
    if tuple(map(int, line.split(".")[:2])) > tuple(map(int, std.version.removeprefix("go").split(".")[:2])):
        raise NotPlanned(f"go.mod requires go >= {line} (running go {std.version.removeprefix('go')}; "
                         "GOTOOLCHAIN=local)")
    lang = "go" + ".".join(line.split(".")[:2])
    ctx = gosource.BuildContext.of(std.goos, std.goarch, std.version, tags, std.arch_env.get("GOAMD64", "v1"))
    packages = local_packages(files, module_root, module, ctx)
    main_path = module if target_folder in ("", ".") else f"{module}/{target_folder}"
    if main_path not in packages:
        raise NotPlanned(f"no Go files in {target_folder}")
    order = _order(packages, main_path, std)
    steps: list[Step] = []
    archives: dict[str, str] = {}
    for n, path in enumerate(order):
        pkg = packages[path]
        bdir = f"{work}/b{n + 1:03d}"
        inside = [_within(rel, module_root) for rel in files]
        steps += _compile_steps(pkg, path == main_path, bdir, module_dir, lang, std, archives, goroot,
                                gcflags if path == main_path else "", concurrency, [r for r in inside if r])
        archives[path] = f"{bdir}/_pkg_.a"
    steps.append(_link_step(packages, order, main_path, module, archives, std, line, output, work,
                            gcflags, ldflags, tags))
    return steps


def _within(rel: str, module_root: str) -> str:
    """``rel`` relative to the module root, or "" when it lies outside it."""
    if module_root in ("", "."):
        return rel
    return rel[len(module_root) + 1:] if rel.startswith(module_root + "/") else ""


def _embed_patterns(text: str) -> list[str]:
    """The patterns of a ``//go:embed`` line (space-separated; Go-quoted or back-quoted ones may hold spaces)."""
    body = text.split("//go:embed", 1)[1] if "//go:embed" in text else ""
    found = re.findall(r'"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+)', body)
    return [a.encode().decode("unicode_escape") if a else b or c for a, b, c in found]


def _embedcfg(pkg: LocalPackage, folder: str, files_of: list[str]) -> str:
    """The ``-embedcfg`` file the go command writes: each pattern's files (relative to the
    package) and where each file is.  A folder brings every file below it but hidden ones
    (``.x``, ``_x``), unless the pattern starts with ``all:``."""
    base = "" if pkg.folder == "." else pkg.folder + "/"
    mine = [f[len(base):] for f in files_of if f.startswith(base)]
    folders = {"/".join(f.split("/")[:n]) for f in mine for n in range(1, f.count("/") + 1)}
    patterns: dict[str, list[str]] = {}
    for where, line, pattern in pkg.embeds:
        every = pattern.startswith("all:")
        glob = pattern.removeprefix("all:")
        parts = glob.split("/")
        chosen = []
        for candidate in sorted(set(mine) | folders):
            names = candidate.split("/")
            if len(names) != len(parts) or not all(fnmatch.fnmatchcase(n, p) for n, p in zip(names, parts)):
                continue
            if candidate in folders:
                chosen += [f for f in mine if f.startswith(candidate + "/") and
                           (every or not any(n.startswith((".", "_")) for n in f[len(candidate) + 1:].split("/")))]
            else:
                chosen.append(candidate)
        if not chosen:
            raise NotPlanned(f"{where}:{line}: pattern {pattern}: no matching files found")
        patterns[pattern] = sorted(set(chosen))
    used = sorted({f for fs in patterns.values() for f in fs})
    return json.dumps({"Patterns": patterns, "Files": {f: f"{folder}/{f}" for f in used}}, indent="\t", sort_keys=True)


def _order(packages: dict[str, LocalPackage], main_path: str, std: StdLib) -> list[str]:
    """The module packages the program needs, dependencies first (the program last)."""
    ordered: list[str] = []

    def visit(path: str, chain: tuple[str, ...]) -> None:
        if path in ordered:
            return
        if path in chain:
            cycle = " imports\n\t".join([*chain[chain.index(path):], path])
            raise NotPlanned(f"import cycle not allowed\npackage {cycle}")
        for imp in packages[path].imports:
            if imp in packages:
                visit(imp, chain + (path,))
            elif imp not in std.packages and imp not in ("unsafe", "C"):
                raise NotPlanned(_missing(imp, std))
            elif imp == "C":
                raise NotPlanned("cgo (import \"C\") needs the go command and a C compiler")
        ordered.append(path)

    if packages[main_path].name != "main":
        raise NotPlanned(f"{main_path} is package {packages[main_path].name}, not a program (package main)")
    visit(main_path, ())
    return ordered


def _missing(imp: str, std: StdLib) -> str:
    if "." not in imp.split("/", 1)[0]:
        return f"package {imp} is not in std (or not among the standard packages this build carries)"
    return f"no required module provides package {imp}: other modules need the go command and a network"


def _importcfg(imports: list[str], archives: dict[str, str], std: StdLib) -> str:
    lines = ["# import config\n"]
    for imp in sorted(set(imports) - {"unsafe", "C"}):
        lines.append(f"packagefile {imp}={archives.get(imp) or std.archive(imp)}\n")
    return "".join(lines)


def _action_id(*parts: str) -> str:
    digest = hashlib.sha256("\0".join(parts).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:20]


def _compile_steps(pkg: LocalPackage, is_main: bool, bdir: str, module_dir: str, lang: str, std: StdLib,
                   archives: dict[str, str], goroot: str, gcflags: str, concurrency: int,
                   files_of: list[str]) -> list[Step]:
    pkgpath = "main" if is_main else pkg.path
    folder = module_dir if pkg.folder == "." else f"{module_dir}/{pkg.folder}"
    trim = f"{folder}=>{pkg.path};{bdir}=>"
    imports = [*pkg.imports, *(["runtime"] if is_main else [])]
    steps = []
    asm_args = ["-p", pkgpath, "-trimpath", trim, "-I", f"{bdir}/", "-I", f"{goroot}/pkg/include",
                "-D", f"GOOS_{std.goos}", "-D", f"GOARCH_{std.goarch}",
                *[a for key, value in std.arch_env.items() if key in ("GOAMD64", "GO386")
                  for a in ("-D", f"{key}_{value}")]]
    s_names = [f"./{PurePosixPath(s).name}" for s in pkg.s_files]
    if pkg.s_files:
        steps.append(Step("asm", [*asm_args, "-gensymabis", "-o", f"{bdir}/symabis", *s_names], folder, pkg.path,
                          {f"{bdir}/go_asm.h": ""}))
    build_id = _action_id(pkg.path, *pkg.go_files)
    argv = ["-o", f"{bdir}/_pkg_.a", "-trimpath", trim, *gcflags.split(), "-p", pkgpath, f"-lang={lang}",
            *([] if pkg.s_files else ["-complete"]), "-buildid", f"{build_id}/{build_id}",
            "-goversion", std.version, *(["-symabis", f"{bdir}/symabis"] if pkg.s_files else []),
            f"-c={concurrency}", "-nolocalimports", "-importcfg", f"{bdir}/importcfg", "-pack",
            *(["-asmhdr", f"{bdir}/go_asm.h"] if pkg.s_files else []),
            *[f"./{f}" for f in pkg.go_files]]
    writes = {f"{bdir}/importcfg": _importcfg(imports, archives, std)}
    if pkg.embeds:
        writes[f"{bdir}/embedcfg"] = _embedcfg(pkg, folder, files_of)
        at = argv.index("-pack")
        argv[at:at] = ["-embedcfg", f"{bdir}/embedcfg"]
    steps.append(Step("compile", argv, module_dir, pkg.path, writes))
    if pkg.s_files:
        objects = []
        for name in s_names:
            obj = f"{bdir}/{name[2:].removesuffix('.s')}.o"
            steps.append(Step("asm", [*asm_args, "-o", obj, name], folder, pkg.path))
            objects.append(obj)
        steps.append(Step("pack", ["r", f"{bdir}/_pkg_.a", *objects], module_dir, pkg.path))
    return steps


def _link_step(packages: dict[str, LocalPackage], order: list[str], main_path: str, module: str,
               archives: dict[str, str], std: StdLib, line: str, output: str, work: str,
               gcflags: str, ldflags: str, tags: str) -> Step:
    imports = [imp for path in order for imp in packages[path].imports if imp not in packages]
    deps = std.closure([*imports, "runtime"])
    godebug = std.default_godebug(line)
    if godebug is None:
        raise NotPlanned(f"no DefaultGODEBUG recorded for go {line}")
    info = f"path\t{main_path}\nmod\t{module}\t(devel)\t\n" + _setting("-buildmode", "exe") + _setting("-compiler", "gc")
    if gcflags:
        info += _setting("-gcflags", gcflags)
    if tags:
        info += _setting("-tags", ",".join(tags.replace(",", " ").split()))
    info += _setting("-trimpath", "true")
    if godebug:
        info += _setting("DefaultGODEBUG", godebug)
    info += _setting("CGO_ENABLED", "0") + _setting("GOARCH", std.goarch) + _setting("GOOS", std.goos)
    for key, value in std.arch_env.items():
        info += _setting(key, value)
    cfg = [f"packagefile {main_path}={archives[main_path]}\n"]
    cfg += [f"packagefile {p}={archives[p]}\n" for p in order if p != main_path]
    cfg += [f"packagefile {p}={std.archive(p)}\n" for p in deps]
    cfg.append(f"modinfo {go_quote(INFO_START + info.encode() + INFO_END)}\n")
    build_id = _action_id("link", main_path, *order)
    argv = ["-o", output, "-importcfg", f"{work}/b001/importcfg.link",
            *([f"-X=runtime.godebugDefault={godebug}"] if godebug else []), "-buildmode=exe",
            f"-buildid={build_id}/{build_id}/{build_id}/{build_id}", *ldflags.split(), "-extld=gcc",
            archives[main_path]]
    # GOROOT='' as the go command sets it under -trimpath: the program keeps no GOROOT of this machine.
    return Step("link", argv, ".", main_path, {f"{work}/b001/importcfg.link": "".join(cfg)}, {"GOROOT": ""})
