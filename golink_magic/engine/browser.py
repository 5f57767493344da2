"""Building in a browser: the course site's one toolchain (its version, its tools as
WebAssembly, its standard library per target) and a case's run through
:mod:`.toolbuild` with :class:`~.wasi.BrowserTools`.  :mod:`.runner` hands a case here when its
toolchain is the browser's; everything above the engine is the same as on a desktop."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from dataclasses import replace

from ..model.errors import ToolchainError
from ..model.options import Options
from ..model.result import Result, text_problem
from . import toolbuild
from .stdlib import StdLib
from .toolchain import Toolchain
from .wasi import SITE_ROOT, BrowserTools, Site, carry_sources, in_browser, load_site

SOURCE = "browser"


@functools.cache
def site() -> Site:
    """The course site this kernel was loaded from (read once)."""
    try:
        return load_site()
    except OSError as exc:
        raise ToolchainError(f"this page carries no Go toolchain for the browser ({exc})") from None


@functools.cache
def stdlib(target: str) -> StdLib:
    """The standard library of ``target`` (``linux_amd64``) as the site carries it."""
    return site().stdlib(target)


@functools.cache
def _goroot() -> Path:
    """The browser's GOROOT: the standard packages as folders (what the workspace's import rules
    look at), and the Go source the site carries, read from the site when first opened."""
    goroot = Path(SITE_ROOT) / "go"
    for package in stdlib("linux_amd64").packages:
        os.makedirs(goroot / "src" / package, exist_ok=True)
    try:
        carry_sources(site(), str(goroot))
    except Exception:  # noqa: BLE001 - builds need none of it; a cell that reads it says the file is missing
        pass
    return goroot


def version() -> str:
    """The site's Go version without ``go`` (``1.27.3``)."""
    return site().version.removeprefix("go")


def toolchain() -> Toolchain:
    """The site's toolchain; its tools and archives stay on the site."""
    goroot = _goroot()
    return Toolchain(goroot / "bin" / "go", goroot, site().version, "linux", "amd64", SOURCE)


FIRST_IMPORTS = ("fmt", "runtime")  # what nearly every first program links
FIRST_TOOLS = ("compile", "link", "objdump", "nm")  # asm and pack only for assembly files


def prefetch() -> None:
    """Start loading what a first build needs — every tool, and the archives a program importing
    fmt links for the listing and for the run — in the background (see :meth:`BrowserTools.prefetch`)."""
    found = site()
    urls = []
    for target in ("linux_amd64", found.running):
        std = stdlib(target)
        urls += [found.base + std.archive(p)[len(SITE_ROOT) + 1:] for p in std.closure(list(FIRST_IMPORTS))]
    BrowserTools(found).prefetch([t for t in found.tools if t in FIRST_TOOLS], urls)


def is_browser(tc: Toolchain) -> bool:
    """Whether ``tc`` is the browser's toolchain."""
    return tc.source == SOURCE


def available() -> bool:
    """Whether builds happen in this browser (Python in Pyodide)."""
    return in_browser()


def run_files(files: dict[str, str], options: Options, tc: Toolchain, workdir: Path, name: str = "",
              main_hint: str | None = None) -> Result:
    """Build, list and run a case in the browser (see :func:`golink_magic.engine.toolbuild.run_files`)."""
    target = f"linux_{options.goarch or 'amd64'}"
    if target not in site().targets:
        carried = ", ".join(t.replace("_", "/") for t in site().targets if t != site().running)
        raise ToolchainError(f"the browser carries the standard library for {carried}, not linux/{options.goarch}")
    targets = toolbuild.Targets(stdlib(target), stdlib(site().running))
    result = toolbuild.run_files(files, options, tc, workdir, BrowserTools(site()), targets, name=name,
                                 main_hint=main_hint)
    _judged_here(result, target)
    if options.wants_vet and not options.expect_vet:
        result.notes.append("go vet needs the go command: not run in the browser")
    if options.wants_objects:
        result.notes.append("the compiled objects (--objects) are listed with the go command: not in the browser")
    return result


def _judged_here(result: Result, target: str) -> None:
    """The program that ran is the wasip1/wasm build, not the listed one.  A check of how it
    ended or of what it printed that this run cannot confirm is not the listed program's failure:
    it is named in a note (so the view says which checks the browser could not make) and left out
    of this result's checks.  Checks of the build, the listing and the symbols stay."""
    if result.outcome in ("compile-error", "link-error"):
        return
    shown = target.replace("_", "/")
    opts, notes = result.options, []
    want = opts.expect or "ok"
    if result.outcome != want and want not in ("compile-error", "link-error"):
        notes.append(f"not checked in the browser: --expect {want} is about the {shown} program; its wasip1/wasm "
                     f"build ended {result.outcome}")
        opts = replace(opts, expect=result.outcome)
    kept = []
    for wanted in opts.expect_stdout:
        if text_problem("stdout", wanted, result.stdout):
            notes.append(f"not checked in the browser: --expect-stdout {wanted!r} is about the {shown} program's "
                         "output; its wasip1/wasm build printed what the output pane shows")
        else:
            kept.append(wanted)
    for wanted in opts.expect_vet:
        notes.append(f"not checked in the browser: --expect-vet {wanted!r} (go vet needs the go command)")
    result.options = replace(opts, expect_stdout=kept, expect_vet=[])
    result.notes += notes
