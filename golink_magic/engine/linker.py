"""The linker's view of a build, from the toolchain's own tools: the linked program's symbols
(``go tool nm -size -type``), and with ``--objects`` each module package's compiled object
before the link — its archive named by ``go list -export``, read with ``go tool nm`` and
``go tool objdump``, beside the compiler's ``-S`` rows (the same ``go list`` compiles with
``-S`` added for the module's packages; the go command caches that output with the archive)."""

from __future__ import annotations

import shlex
from pathlib import Path

from ..listing import nm, objects
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
    """Fill ``result.symbols`` from ``go tool nm -size -type`` of the program: the module's
    symbols, every symbol a directive names, and a record for each name a directive renamed
    that the program does not hold.  True when nm worked."""
    plan = run.plan
    tool = plan.toolchain.tool("nm", watch=run.watch("nm"))
    done = procs.spawn([str(tool), "-size", "-type", str(plan.binary)], plan.module_dir, plan.env,
                       timeout=NM_TIMEOUT, cap=NM_CAP)
    result.timings["nm"] = round(done.seconds, 4)
    result.commands.append(shlex.join(["go", "tool", "nm", "-size", "-type", plan.binary.name]))
    if done.returncode != 0 or procs.interrupted_since(run.mark):
        result.notes.append("nm failed: " + (done.text("stderr").strip() or f"exit status {done.returncode}"))
        return False
    module, root = plan.module or DEFAULT_MODULE, plan.module_root or "."
    listed = nm.parse(done.text())
    shown = nm.program_symbols(listed, module, set(linkname_bindings(plan.files, module, root)))
    held = {s.name for s in listed if s.code != "U"}
    shown += [Symbol(own, "", became=target) for own, target in sorted(renamed_symbols(plan.files, module, root).items())
              if own not in held]
    result.symbols = shown
    return True


def compiler_flags(command: list[str], module: str) -> list[str]:
    """The build flags of ``go build -o BIN [flags] TARGET`` for a ``go list -export`` that
    compiles the same objects, with ``-S`` added for the module's packages (a later
    ``-gcflags`` wins for the packages it matches, so the user's own flags are repeated)."""
    flags = [f for f in command[4:-1] if f.startswith(("-gcflags=", "-tags="))]
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
    src = str(plan.src.resolve()) + "/"
    for obj in result.objects:
        for fn in obj.functions:
            fn.file = fn.file.removeprefix(src)
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
