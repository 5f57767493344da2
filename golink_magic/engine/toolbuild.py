"""A case built from a plan made without the go command (:mod:`.goplan`), every tool run
through a :class:`~.tools.ToolHost`: compile, asm, pack and link, then objdump and nm.  One thread,
no go command — what a browser can do.  On a native host it is the reference the browser's run is
compared with; a desktop or hub keeps building with :mod:`.runner`.

The program itself runs where the host can run it: natively, the linked binary (as
:mod:`.runner` runs it); in a browser, which cannot run an amd64 binary, a ``wasip1/wasm`` build
of the same files, and the result says so.
"""

from __future__ import annotations

import os
import shlex
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..listing import nm, objdump, objects
from ..listing.objdump import workspace_path
from ..listing.symbols import linkname_bindings
from ..model.gosource import DEFAULT_MODULE
from ..model.options import Options
from ..model.result import Result
from . import goplan
from .linker import with_renamed
from .outcome import build_hint, classify_build, classify_run, decode_capped
from .plan import Plan, link_flags, make_plan
from .procs import OUTPUT_CAP
from .stdlib import StdLib
from .toolchain import Toolchain
from .tools import ToolHost
from .workspace import materialize

LISTING_TIMEOUT = 120


@dataclass
class Targets:
    """The standard libraries a tool build uses: ``listing`` for the program that is listed, and
    ``running`` (or None: the listed binary itself runs) for the program that runs."""

    listing: StdLib
    running: StdLib | None = None


def run_files(files: dict[str, str], options: Options, toolchain: Toolchain, workdir: Path, host: ToolHost,
              targets: Targets, name: str = "", main_hint: str | None = None,
              run_native=None) -> Result:
    """Build, list and run the module made of ``files`` in ``workdir`` with ``host``'s tools.
    ``run_native(plan, result)`` runs the listed binary when ``targets.running`` is None."""
    workdir = Path(workdir)
    plan = make_plan(files, options, toolchain, main_hint, workdir)
    materialize(plan.files, plan.src)
    plan.binary.parent.mkdir(parents=True, exist_ok=True)
    std = targets.listing
    goarch = plan.options.goarch or std.goarch
    result = Result(outcome="ok", go_version=f"go version {std.version} {std.goos}/{goarch}", goos=std.goos,
                    goarch=goarch, files=dict(files), module=plan.module, module_root=plan.module_root, name=name,
                    options=plan.options, notes=list(plan.notes))
    if host.label != "native":
        result.notes.append(f"built with {host.label}: Go {std.version.removeprefix('go')}'s own compile, link, "
                            "objdump and nm, from a plan made without the go command")
    result.commands.append(plan.shown)
    compiler: list[str] | None = [] if plan.options.wants_objects else None
    archives = build(plan, std, host, plan.binary, result, "build", compiler)
    if archives is None:
        if result.outcome == "link-error" and compiler is not None:  # which object references what is missing
            list_objects(plan, host, result, _compiled(plan, std), "".join(compiler))
        return result
    if targets.running is None:
        if run_native is not None and not plan.options.no_run:
            run_native(plan, result)
    elif not plan.options.no_run:
        _run_elsewhere(plan, targets.running, host, result)
    if not plan.options.no_objdump:
        disassemble(plan, host, result)
    list_symbols(plan, host, result)
    if compiler is not None:
        list_objects(plan, host, result, archives, "".join(compiler))
    return result


def build(plan: Plan, std: StdLib, host: ToolHost, output: Path, result: Result, timing: str,
          compiler: list[str] | None = None) -> dict[str, str] | None:
    """Plan and run the steps that link ``output``: the module's archives by import path, or None
    when it failed — classified into ``result``, its messages headed ``# package`` as the go
    command heads them.  Given a ``compiler`` list, the compiler also prints its listing
    (``-S``), which goes there (headed ``# package``, as ``go list`` prints it) for
    :func:`list_objects`."""
    start = time.perf_counter()
    target = PurePosixPath(plan.program)
    root = PurePosixPath(plan.module_root)
    folder = target.relative_to(root).as_posix() if root != PurePosixPath(".") else target.as_posix()
    work = plan.workdir / "tools" / f"{std.goos}_{std.goarch}"
    linked = work / "exe" / "a.out"
    try:
        steps = goplan.plan_steps(plan.files, plan.module_root, plan.module, str(plan.module_dir), folder, std,
                                  str(work), str(linked), str(plan.toolchain.goroot), plan.options.gcflags or "",
                                  link_flags(plan.options.ldflags), plan.options.tags or "")
    except goplan.NotPlanned as exc:
        result.outcome = "compile-error"
        result.build_output = f"{exc}\n"
        result.notes.append("this build needs the go command, which a browser does not have")
        return None
    env = {"GOOS": std.goos, "GOARCH": std.goarch, "GOROOT": str(plan.toolchain.goroot)}
    linked.parent.mkdir(parents=True, exist_ok=True)
    archives: dict[str, str] = {}
    for step in steps:
        for path, text in step.writes.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text)
        argv = step.argv
        listing = compiler is not None and step.tool == "compile"
        if listing:
            argv = [*argv[:4], "-S", *argv[4:]]  # after -o and -trimpath, where -gcflags go
        # A tool is handed the files it reads: the sources and what earlier steps wrote.
        reads = [str(work)] if step.tool == "link" else [str(plan.src), str(work)]
        done = host.run(step.tool, argv, step.cwd, {**env, "PWD": step.cwd, **step.env}, reads=reads)
        said = done.text("stderr") + ("" if listing else done.text())
        if listing and done.returncode == 0:
            compiler.append(f"# {step.package}\n{done.text()}")
        if done.returncode != 0 or said:
            result.build_output += f"# {step.package if step.tool != 'link' else plan.module}\n{said}"
        if done.returncode != 0:
            result.outcome = classify_build(result.build_output) if step.tool != "link" else "link-error"
            hint = build_hint(result.build_output)
            if hint:
                result.notes.append(hint)
            result.timings[timing] = round(time.perf_counter() - start, 4)
            return None
        if step.tool == "compile":
            archives[step.package] = argv[argv.index("-o") + 1]
    output.parent.mkdir(parents=True, exist_ok=True)
    os.replace(linked, output)
    result.timings[timing] = round(time.perf_counter() - start, 4)
    return archives


def _run_elsewhere(plan: Plan, running: StdLib, host: ToolHost, result: Result) -> None:
    """Build the same files for ``running``'s target and run that program with the host."""
    program = plan.workdir / "tools" / f"{running.goos}_{running.goarch}" / "prog.wasm"
    aside = Result(outcome="ok", go_version="", goos=running.goos, goarch=running.goarch, options=plan.options)
    if build(plan, running, host, program, aside, "build-run") is None:
        result.notes.append(f"the {running.goos}/{running.goarch} build that would run in the browser failed:\n"
                            + aside.build_output.strip())
        result.outcome = "exit-nonzero"
        return
    done = host.run_program(str(program), [program.name], str(plan.module_dir), {}, plan.options.timeout)
    result.timings["build-run"] = aside.timings.get("build-run", 0.0)
    result.timings["run"] = round(done.seconds, 4)
    result.commands.append(f"GOOS={running.goos} GOARCH={running.goarch} go build && ./{program.name}  # in the browser")
    result.stdout = decode_capped(done.stdout, done.stdout_cut, "stdout", OUTPUT_CAP)
    result.stderr = decode_capped(done.stderr, done.stderr_cut, "stderr", OUTPUT_CAP)
    result.exit_code = done.returncode
    result.outcome, result.signal = classify_run(done.returncode, result.stderr, done.timed_out)
    result.notes.append(f"the output is that of a {running.goos}/{running.goarch} build of the same files, run in "
                        f"the browser; the listing is of the {plan.options.goarch or 'amd64'} build")


def disassemble(plan: Plan, host: ToolHost, result: Result) -> bool:
    """objdump the program through the host and parse its listing into ``result``."""
    done = host.run("objdump", ["-s", plan.objdump_regex, str(plan.binary)], str(plan.module_dir), {},
                    LISTING_TIMEOUT, reads=[str(plan.binary.parent)])
    result.timings["objdump"] = round(done.seconds, 4)
    result.commands.append(shlex.join(["go", "tool", "objdump", "-s", plan.objdump_regex, plan.binary.name]))
    if done.returncode != 0:
        result.notes.append("objdump failed: " + (done.text("stderr").strip() or f"exit status {done.returncode}"))
        return False
    functions = objdump.parse(done.text())
    objdump.relate_to_module(functions, str(plan.src.resolve()), list(plan.files), plan.module, plan.module_root)
    result.functions = functions if plan.options.objdump else objdump.select(functions)
    return True


def list_symbols(plan: Plan, host: ToolHost, result: Result) -> bool:
    """``go tool nm -size -type`` of the program through the host, as the view shows it."""
    module, root = plan.module or DEFAULT_MODULE, plan.module_root or "."
    named = set(linkname_bindings(plan.files, module, root))
    done = host.run("nm", ["-size", "-type", str(plan.binary)], str(plan.module_dir), {}, LISTING_TIMEOUT,
                    reads=[str(plan.binary.parent)])
    result.timings["symbols"] = round(done.seconds, 4)
    result.commands.append(shlex.join(["go", "tool", "nm", "-size", "-type", plan.binary.name]))
    if done.returncode != 0:
        result.notes.append("nm failed: " + (done.text("stderr").strip() or f"exit status {done.returncode}"))
        return False
    result.symbols = with_renamed(nm.shown_program_symbols(done.text(), module, named), plan.files, module, root)
    return True


def _compiled(plan: Plan, std: StdLib) -> dict[str, str]:
    """The module's archives a failed link left (for the objects' view of what was undefined)."""
    work = plan.workdir / "tools" / f"{std.goos}_{std.goarch}"
    found = {}
    for cfg in sorted(work.glob("b*/importcfg")):
        archive = cfg.with_name("_pkg_.a")
        if archive.exists():
            found[cfg.parent.name] = str(archive)
    link = work / "b001" / "importcfg.link"
    if link.exists():  # name them by import path, as the link's configuration does
        by_path = {line.split("=", 1)[1]: line.split()[1].split("=", 1)[0]
                   for line in link.read_text().splitlines() if line.startswith("packagefile ")}
        return {by_path.get(a, b): a for b, a in found.items()}
    return {}


def list_objects(plan: Plan, host: ToolHost, result: Result, archives: dict[str, str], listing: str) -> bool:
    """Fill ``result.objects`` as ``--objects`` does natively: per module package its archive's
    symbols, undefined names and relocations, with the compiler's ``-S`` rows (``listing``)."""
    compiler = objects.parse_compiler_listing(listing)
    found = []
    for package, archive in archives.items():
        reads = [str(Path(archive).parent)]
        listed = host.run("nm", ["-size", "-type", archive], str(plan.module_dir), {}, LISTING_TIMEOUT, reads=reads)
        dumped = host.run("objdump", [archive], str(plan.module_dir), {}, LISTING_TIMEOUT, reads=reads)
        if listed.returncode != 0 or dumped.returncode != 0:
            continue
        shown = "$WORK/" + Path(archive).relative_to(plan.workdir / "tools").as_posix()
        found.append(objects.package_object(package, shown, listed.text(), dumped.text(), compiler.get(package)))
    src, known = str(plan.src.resolve()), set(plan.files)
    for obj in found:
        for fn in obj.functions:
            fn.file = workspace_path(fn.file, src, known, plan.module, plan.module_root) or fn.file
    result.objects = found
    result.commands.append("go tool nm -size -type ARCHIVE; go tool objdump ARCHIVE  # each module package")
    return len(found) == len(archives)
