"""What to build before anything runs, computed once and carried as data: which program, the
module root and its go.mod, the build folder, the environment, the go build command line (and
how it is shown), the objdump symbol filter and what the module reads from outside the
workspace.  Pure except for reading GOROOT's folders and the user's go env file.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from ..model.gosource import linknames
from ..model.options import Options
from ..model.wording import how
from .toolchain import Toolchain
from .workspace import program_folder, program_folders, with_go_mod


@dataclass
class Plan:
    """One build: the files to write (go.mod included), where the module is, what to build,
    and every command line and setting the build, run and listing steps use."""

    files: dict[str, str]
    module_root: str
    module: str
    options: Options
    program: str
    notes: list[str] = field(default_factory=list)
    toolchain: Toolchain | None = None
    workdir: Path = Path(".")
    env: dict = field(default_factory=dict)
    command: list[str] = field(default_factory=list)   # go build -o BINARY [flags] TARGET
    shown: str = ""                                     # the command as the view shows it
    objdump_regex: str = ""
    outside: list[Path] = field(default_factory=list)  # folders a go.mod `replace` points to, outside

    @property
    def src(self) -> Path:
        """The folder the files are mirrored into."""
        return self.workdir / "src"

    @property
    def module_dir(self) -> Path:
        """The module root on disk (where go build runs)."""
        return (self.src / self.module_root).resolve()

    @property
    def binary(self) -> Path:
        """Where the program is built."""
        return self.workdir / "bin" / "prog"


def make_plan(files: dict[str, str], options: Options, toolchain: Toolchain, main_hint: str | None = None,
              workdir: Path | None = None) -> Plan:
    """Choose the program (``main_hint``, else the shallowest), infer go.mod where none is
    given (declaring the toolchain's language version, as ``go mod init`` does), aim the
    build target at the program, and work out the command lines for a build in ``workdir``."""
    language = ".".join(toolchain.short_version.split(".")[:2])
    with_mod, root, module, inferred = with_go_mod(files, toolchain.goroot, main_hint, language)
    program, root_path = PurePosixPath(program_folder(with_mod, main_hint)), PurePosixPath(root)
    if options.target in ("", ".") and root_path in program.parents:
        # The module root sits above the program (its imports reach sibling folders).
        options = replace(options, target="./" + program.relative_to(root_path).as_posix())
    plan = Plan(with_mod, root, module, options, program.as_posix(), toolchain=toolchain,
                workdir=Path(workdir) if workdir is not None else Path("."))
    if inferred:
        plan.notes.append(f"go.mod inferred: module {module}, go {language}" + (f", in {root}/" if root != "." else ""))
    programs = program_folders(with_mod)
    if len(programs) > 1:
        plan.notes.append(f"the workspace holds {len(programs)} programs ({', '.join(programs)}); built "
                          f"{plan.program} — name another with {how('build-target', target='FOLDER')}, or start over with "
                          f"{how('start-over')}")
    plan.env = toolchain.env(goarch=options.goarch)
    plan.command = build_command(toolchain, options, plan.binary, local_target(options.target, with_mod, root))
    plan.shown = shown_command(plan.command, options.goarch, plan.workdir)
    plan.objdump_regex = ("|".join(f"(?:{r})" for r in options.objdump) if options.objdump
                          else objdump_regex(module, with_mod))
    plan.outside = outside_replacements(with_mod, plan.src)
    return plan


def outside_replacements(files: dict[str, str], src: Path) -> list[Path]:
    """The folders outside ``src`` that a ``replace … => PATH`` of a go.mod among ``files``
    points to (the go command reads them; nothing in the workspace says when they change)."""
    found = set()
    inside = Path(os.path.abspath(src))
    for rel, text in files.items():
        if PurePosixPath(rel).name != "go.mod":
            continue
        base = inside / PurePosixPath(rel).parent
        for line in text.splitlines():
            m = re.search(r"=>\s*(\S+)", line.split("//", 1)[0])
            target = m.group(1) if m else ""
            if target in (".", "..") or target.startswith(("./", "../", "/")):
                path = Path(os.path.normpath(base / target))
                if path != inside and inside not in path.parents:
                    found.add(path)
    return sorted(found)


def local_target(target: str, files: dict[str, str], module_root: str) -> str:
    """``target`` as go build wants it from the module root.

    Users name files and folders as the workspace lists them (``example1/main.go``, ``cmd``);
    go needs them relative to the module root and folders prefixed with ``./`` (a bare ``cmd``
    would be an import path).  Read from the file set, not the disk.
    """
    if not target or target == "." or target.startswith(("../", "/")) or "..." in target:
        return target or "."
    root = PurePosixPath(module_root)
    name = target.removeprefix("./").rstrip("/")
    for base in (root, PurePosixPath(".")):
        candidate = PurePosixPath(os.path.normpath((base / name).as_posix()))
        exists = any(p == candidate.as_posix() or p.startswith(candidate.as_posix() + "/") for p in files) \
            or candidate == root
        if exists and (candidate == root or root == PurePosixPath(".") or root in candidate.parents):
            rel = candidate.relative_to(root).as_posix() if root != PurePosixPath(".") else candidate.as_posix()
            return "." if rel == "." else "./" + rel
    return target


def link_flags(user: str | None) -> str:
    """The ``-ldflags`` golink builds with: ``-w`` (no DWARF, which the listing never reads —
    objdump and addr2line take file:line from the pcln table, and the link is faster) ahead of
    the user's own flags, unless those already decide about ``-w`` or name a package pattern
    (``pattern=flags``), which golink leaves exactly as given."""
    user = (user or "").strip()
    if any(re.fullmatch(r"--?w(=.*)?", word) for word in user.split()) or (user and not user.startswith("-")):
        return user
    return f"-w {user}".strip()


def build_command(toolchain: Toolchain, options: Options, binary: Path, target: str | None = None) -> list[str]:
    """``go build -o BINARY -trimpath [flags] TARGET``, with ``-w`` in the link flags (:func:`link_flags`).

    ``-trimpath`` keeps where the workspace, GOROOT and the cache live out of the binary: the
    file names it embeds shift its data, so without it the ``LEAQ …(IP)`` offsets of a listing
    change with the machine and two authors' saved notebooks would differ."""
    cmd = [str(toolchain.go), "build", "-o", str(binary), "-trimpath"]
    for flag in ("gcflags", "ldflags", "tags"):
        value = link_flags(options.ldflags) if flag == "ldflags" else getattr(options, flag)
        if value:
            cmd.append(f"-{flag}={value}")
    cmd.append(target or options.target or ".")
    return cmd


def objdump_regex(module: str, files: dict[str, str], module_root: str = ".") -> str:
    """Symbol regex covering the module's packages and every linkname target in its files."""
    parts = [r"main\.", re.escape(module) + r"(/[^.]*)?\."]
    # Code pushed under another package's name is ours too; pulls of foreign symbols match here
    # but are dropped by the file filter afterwards (their source is not in the module).
    parts += [re.escape(t) + "$" for t in sorted({ln.target for ln in linknames(files)})]
    return "^(" + "|".join(parts) + ")"


def shown_command(cmd: list[str], goarch: str | None, workdir: Path) -> str:
    """A command as the view shows it: ``go`` for the toolchain's path, the run's folder as
    ``$WORK`` (as ``go build -x`` does), so saved notebooks do not change with every run."""
    words = ["go" if i == 0 else w for i, w in enumerate(cmd)]
    prefix = f"GOARCH={goarch} " if goarch else ""
    return prefix + shlex.join(words).replace(str(workdir), "$WORK")
