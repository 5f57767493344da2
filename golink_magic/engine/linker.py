"""The linker's view of a build, from the toolchain's own tools: the linked program's symbols
(``go tool nm -size -type``), and with ``--objects`` each module package's compiled object
before the link — its archive named by ``go list -export``, read with ``go tool nm`` and
``go tool objdump``, beside the compiler's ``-S`` rows (the same ``go list`` compiles with
``-S`` added for the module's packages; the go command caches that output with the archive)."""

from __future__ import annotations

import functools
import shlex
import struct
import time
from pathlib import Path

from ..listing import elf, nm, objects
from ..listing.objdump import workspace_path
from ..listing.symbols import linkname_bindings, renamed_symbols
from ..model.gosource import DEFAULT_MODULE
from ..model.linkage import PackageObject, Symbol
from ..model.result import Result
from . import procs
from .background import in_thread
from .job import Run

NM_TIMEOUT = 60
LIST_TIMEOUT = 600      # go list -export may compile the module's packages (a replayed build left none in GOCACHE)
NM_CAP = 64 << 20       # bytes of nm text kept (a large program lists ~10 MB)
_TEMPLATE = '{{if .Module}}{{if .Module.Main}}{{.ImportPath}}{{"\\t"}}{{.Export}}{{end}}{{end}}'


def list_symbols(run: Run, result: Result) -> bool:
    """Fill ``result.symbols`` with the program's symbols as ``go tool nm -size -type`` lists
    them: the module's, every symbol a directive names, and a record for each name a directive
    renamed that the program does not hold.  An ELF program's table is read directly, by nm's
    own rules (:mod:`golink_magic.listing.elf`: no process to start beside the run); any other
    format asks nm.  True when it worked."""
    plan = run.plan
    module, root = plan.module or DEFAULT_MODULE, plan.module_root or "."
    named = set(linkname_bindings(plan.files, module, root))
    t0 = time.perf_counter()
    rule = nm_marks_bss(plan.toolchain.goroot)
    try:
        read = None if rule is None else elf.read_symbols(plan.binary, ("main.", f"{module}.", f"{module}/",
                                                                        *sorted(named)), rule)
    except (OSError, ValueError, struct.error, IndexError):
        read = None  # a table this reader does not know: nm's own word
    if read is not None:
        shown = nm.program_symbols(read, module, named)
        result.timings["symbols"] = round(time.perf_counter() - t0, 4)
        result.commands.append(f"go tool nm -size -type {plan.binary.name}  # read from its ELF symbol table")
    else:
        tool = plan.toolchain.tool("nm", watch=run.watch("nm"))
        done = procs.spawn([str(tool), "-size", "-type", str(plan.binary)], plan.module_dir, plan.env,
                           timeout=NM_TIMEOUT, cap=NM_CAP)
        result.timings["symbols"] = round(done.seconds, 4)
        result.commands.append(shlex.join(["go", "tool", "nm", "-size", "-type", plan.binary.name]))
        if done.returncode != 0 or procs.interrupted_since(run.mark):
            result.notes.append("nm failed: " + (done.text("stderr").strip() or f"exit status {done.returncode}"))
            return False
        shown = nm.shown_program_symbols(done.text(), module, named)
    result.symbols = with_renamed(shown, plan.files, module, root)
    return True


def with_renamed(shown: list[Symbol], files: dict[str, str], module: str, root: str) -> list[Symbol]:
    """``shown`` and a record for each local name a directive renamed that the program does not
    hold (``main.secret`` → ``course/hello.motto``)."""
    held = {s.name for s in shown}  # a renamed local name is the module's: held, it would be shown
    return shown + [Symbol(own, "", became=target) for own, target in sorted(renamed_symbols(files, module, root).items())
                    if own not in held]


@functools.cache
def nm_marks_bss(goroot: Path) -> bool | None:
    """Whether this toolchain's nm calls writable data without content ``B`` (not ``D``), read
    from its own source (``cmd/internal/objfile/elf.go``); None when the source is not there
    (then nm itself is asked)."""
    try:
        source = (Path(goroot) / "src" / "cmd" / "internal" / "objfile" / "elf.go").read_text()
    except OSError:
        return None
    return "SHT_NOBITS" in source


def compiler_flags(command: list[str], module: str) -> list[str]:
    """The build flags of ``go build -o BIN [flags] TARGET`` for a ``go list -export`` that
    compiles the same objects, with ``-S`` added for the module's packages (a later
    ``-gcflags`` wins for the packages it matches, so the user's own flags are repeated)."""
    flags = [f for f in command[4:-1] if f.startswith(("-gcflags=", "-tags=")) or f == "-trimpath"]
    user = next((f.split("=", 1)[1] for f in flags if f.startswith("-gcflags=")), "")
    out = [f for f in flags if not f.startswith("-gcflags=")]
    pattern, _, own = user.partition("=") if user and not user.startswith("-") else ("", "", user)
    if not pattern:  # no pattern: the named package only
        out += [f"-gcflags={module}/...=-S", f"-gcflags={own} -S".replace("= ", "=")]
    elif pattern == "all":
        out += [f"-gcflags={user}", f"-gcflags={module}/...={own} -S"]
    else:  # another pattern: its packages keep exactly the user's flags (and show no -S rows)
        out += [f"-gcflags={module}/...=-S", f"-gcflags={user}"]
    return out


def list_objects(run: Run, result: Result) -> bool:
    """Fill ``result.objects``: per module package its archive's symbols, undefined names and
    relocations, with the compiler's ``-S`` rows.  True when it worked."""
    plan = run.plan
    module = plan.module or DEFAULT_MODULE
    cmd = [str(plan.toolchain.go), "list", "-export", "-deps", *compiler_flags(plan.command, module),
           "-f", _TEMPLATE, plan.command[-1]]
    done = procs.spawn(cmd, plan.module_dir, plan.env, timeout=LIST_TIMEOUT, cap=NM_CAP, watch=run.watch("go list"))
    result.timings["objects"] = round(done.seconds, 4)
    result.commands.append(shlex.join(["go", *cmd[1:]]))
    if done.returncode != 0 or procs.interrupted_since(run.mark):
        said = done.text("stderr").strip().splitlines()
        result.notes.append("compiled objects not listed: " + (said[-1] if said else f"exit status {done.returncode}"))
        return False
    packages = [line.split("\t", 1) for line in done.text().splitlines() if "\t" in line]
    compiler = objects.parse_compiler_listing(done.text("stderr"))
    waits = [in_thread(_one_object, run, pkg, Path(archive), compiler.get(pkg)) for pkg, archive in packages if archive]
    found = [wait() for wait in waits]
    result.objects = [obj for obj in found if obj is not None]
    src, known = str(plan.src.resolve()), set(plan.files)
    for obj in result.objects:
        for fn in obj.functions:
            fn.file = workspace_path(fn.file, src, known, plan.module, plan.module_root) or fn.file
    return len(result.objects) == len(waits)


def _one_object(run: Run, package: str, archive: Path, compiler: dict | None) -> PackageObject | None:
    plan = run.plan
    argv = [[str(plan.toolchain.tool("nm")), "-size", "-type", str(archive)],
            [str(plan.toolchain.tool("objdump")), str(archive)]]
    listed, dumped = (procs.spawn(a, plan.module_dir, plan.env, timeout=NM_TIMEOUT, cap=NM_CAP) for a in argv)
    if listed.returncode != 0 or dumped.returncode != 0:
        return None
    gocache = plan.env.get("GOCACHE", "")
    shown = f"$GOCACHE/{archive.relative_to(gocache)}" if gocache and archive.is_relative_to(gocache) else str(archive)
    return objects.package_object(package, shown, listed.text(), dumped.text(), compiler)
