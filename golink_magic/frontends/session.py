"""The plain Python API the magics and the CLI share (no IPython here).

>>> s = Session()
>>> s.write("hello/hello.go", "package hello\\n\\nvar msg = \\"hi\\"\\n")
>>> s.write("main.go", MAIN_GO)
>>> result = s.run()                # build once, run, disassemble
>>> result.outcome, result.stdout
"""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from ..engine import procs
from ..engine import runner
from ..model import txtar
from ..model.case import Case, case_from_archive, load_case
from ..engine.catalog import resolve, resolve_many
from ..listing.compare import CaseTable
from ..model.errors import CaseError
from ..model.options import Options, check_options, merge
from ..model.result import Result
from ..engine.toolchain import TOOLS, Toolchain
from ..engine.workspace import Workspace, check_case_name, check_path
from ..model.gosource import package_of
from ..model.wording import how



def refuse_several_files(text: str) -> None:
    """:class:`CaseError` when ``text`` is a multi-file paste (two or more file markers)."""
    names = list(txtar.parse(text).files)
    if len(names) > 1:
        raise CaseError(
            f"this cell holds {len(names)} files ({', '.join(names)}) marked by `-- path --` lines: "
            f"use {how('write-files')} to write them all; nothing was written"
        )


@contextmanager
def _stopping_children():
    """An interrupt (Ctrl-C, Kernel → Interrupt) stops every child, the warm-up's included."""
    try:
        yield
    except KeyboardInterrupt:
        procs.stop_all()
        raise


class Session:
    """One live module plus named cases: what a kernel (or a script) works with."""

    def __init__(self, toolchain: Toolchain | str | None = None, base_dir: str | None = None,
                 replay: bool | None = None):
        self.workspace = Workspace(base_dir)
        self._toolchain_spec = toolchain
        self._cases: dict[str, Case] = {}
        # Whether builds may replay the go command's plan (None: yes unless GOLINK_NO_REPLAY is
        # set); False makes every build a plain `go build`.
        self.replay = replay

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def toolchain(self) -> Toolchain:
        """The session's default toolchain (resolved on first use)."""
        if not isinstance(self._toolchain_spec, Toolchain):
            self._toolchain_spec = resolve(self._toolchain_spec)
        return self._toolchain_spec

    def set_toolchain(self, spec: str | Toolchain | None) -> Toolchain:
        """Choose the default toolchain by version, path, or None for the embedded one."""
        self._toolchain_spec = spec if isinstance(spec, Toolchain) else resolve(spec)
        return self._toolchain_spec

    # -- files -------------------------------------------------------------------------------
    def write(self, path: str, text: str) -> Path:
        """Write one file of the module verbatim."""
        return self.workspace.write(path, text)

    def write_txtar(self, text: str, case: str | None = None, reset: bool = False) -> txtar.Archive:
        """Write every file of an archive (txtar or blog-style markers); optionally start a fresh
        module first and save the files as a case.  Bad input changes nothing."""
        archive = txtar.parse(text)
        parsed = case_from_archive(case or "", archive, where="this cell")
        if case:
            check_case_name(case)
        for rel in parsed.files:
            check_path(self.workspace.root, rel)
        if reset:
            self.reset()
        self.workspace.write_many(parsed.files)
        if case:
            self.save_case(case, files=parsed.files, options=parsed.options)
        return archive

    def files(self) -> dict[str, str]:
        """The module's files, path → text."""
        return self.workspace.files()

    def reset(self, cases: bool = False) -> None:
        """Start a fresh, empty module (the build folders of earlier runs go too); with
        ``cases``, forget the saved cases as well."""
        runner.finish_background(self.workspace.base)
        self.workspace.reset()
        shutil.rmtree(self.workspace.base / "runs", ignore_errors=True)
        if cases:
            self._cases.clear()

    # -- cases -------------------------------------------------------------------------------
    def save_case(self, name: str, files: dict[str, str] | None = None, options: Options | None = None) -> Case:
        """Snapshot the module (or the given files) as case ``name``, replacing one of that name."""
        check_case_name(name)
        if files is None:
            files = self.files()
            if not files:
                raise CaseError(f"the workspace is empty: write files with {how('write-file', path='main.go')} first")
        self._cases[name] = Case(name, dict(files), options.copy() if options else Options())
        return self._cases[name]

    def case(self, name: str) -> Case:
        """Saved case ``name``, or :class:`CaseError` naming the known ones."""
        if name not in self._cases:
            known = ", ".join(sorted(self._cases)) or f"none saved yet (use {how('save-case')})"
            raise CaseError(f"no case named {name!r}; cases: {known}")
        return self._cases[name]

    @property
    def cases(self) -> dict[str, dict[str, str]]:
        """Saved cases, name → files (a copy: change cases with :meth:`save_case`)."""
        return {name: c.files for name, c in self._cases.items()}

    def case_names(self, specs: list[str]) -> list[str]:
        """Names of saved cases (``.txtar`` paths are loaded and saved under their file names);
        :class:`CaseError` for a name that is not saved."""
        names = []
        for spec in specs:
            if spec.endswith(".txtar"):
                loaded = load_case(spec)
                self.save_case(loaded.name, loaded.files, loaded.options)
                spec = loaded.name
            names.append(self.case(spec).name)
        return names

    # -- running -----------------------------------------------------------------------------
    def _workdir(self, label: str) -> Path:
        return self.workspace.base / "runs" / re.sub(r"[^\w.+-]", "_", label)

    def _live_case(self) -> Case:
        files = self.files()
        if not files:
            raise CaseError(f"the workspace is empty: write a file first with {how('write-file', path='main.go')}")
        return Case("", files, Options())

    def run(self, options: Options | None = None, case: str | None = None, toolchain: Toolchain | str | None = None,
            progress=None) -> Result:
        """Build, run and disassemble the live module (or saved ``case``, with the options it
        was saved with filling in what ``options`` leaves at its defaults).  ``progress(line)``
        hears now and then what a slow build compiles (the first build on a machine)."""
        chosen = self.case(case) if case is not None else self._live_case()
        options = merge(chosen.options if case else None, options or Options())
        check_options(options)
        tc = resolve(toolchain) if isinstance(toolchain, str) else (toolchain or self.toolchain)
        hint = None if case else self._main_hint(chosen.files, options)
        with _stopping_children():
            return runner.run_files(chosen.files, options, tc, self._workdir(self._label(case, tc, options)),
                                    name=case or "", main_hint=hint, progress=progress, background=True,
                                    replay=self.replay)

    @staticmethod
    def _label(case: str | None, tc: Toolchain, options: Options) -> str:
        return f"{case or 'live module'}-{tc.version}-{options.goarch or tc.goarch}"

    def _main_hint(self, files: dict[str, str], options: Options) -> str | None:
        """Which program to build when the module holds several: the target, else the
        ``package main`` file written last (a learner pasting blog examples one after the other
        means the one just pasted)."""
        if options.target not in ("", "."):
            return options.target
        mains = [p for p, t in files.items() if p.endswith(".go") and package_of(t) == "main"]
        return self.workspace.latest(mains)

    def jobs(self, cases: list[Case], options: Options, toolchains: list[Toolchain] | None = None,
             goarches: list[str | None] | None = None) -> list[runner.Job]:
        """The fan-out of cases × toolchains × GOARCHes (in that nesting), each case's own
        options filling what ``options`` leaves at defaults; per-column option lists are split
        across the toolchain × GOARCH columns."""
        tcs = toolchains or [self.toolchain]
        arches = list(goarches or [None])
        # Only the values given for this run are split per column; a case's own header values
        # (a printed line with a comma in it, say) hold as written in every column.
        given = options.for_columns(len(tcs) * len(arches))
        out = []
        for case in cases:
            columns = [merge(case.options, col) for col in given]
            for k, (tc, goarch) in enumerate((tc, a) for tc in tcs for a in arches):
                opts = columns[k]
                opts.goarch = goarch or opts.goarch
                check_options(opts)
                workdir = self._workdir(self._label(case.name or None, tc, opts))
                out.append(runner.Job(case.name, case.files, opts, tc, workdir))
        return out

    def run_cases(self, names: list[str | None], options: Options | None = None,
                  toolchains: list[Toolchain] | None = None, goarches: list[str | None] | None = None,
                  progress=None, build_progress=None, background: bool = False) -> list[Result]:
        """Run several saved cases (× toolchains × GOARCHes) in parallel; results in order.
        ``progress(done, total, name)`` as each ends, ``build_progress(name, line)`` while a
        slow build compiles; with ``background``, bookkeeping finishes after the results are
        returned (``runner.run_files``).  A name of None stands for the live module."""
        options = options or Options()
        check_options(options, columns=len(toolchains or [None]) * len(goarches or [None]))
        cases = [self._live_case() if n is None else self.case(n) for n in names]
        jobs = self.jobs(cases, options, toolchains, goarches)
        with _stopping_children():
            return runner.run_many(jobs, progress=progress, build_progress=build_progress, background=background,
                                   replay=self.replay)

    def run_matrix(self, options: Options, case: str | None = None, gos: list[str] = (), goarches: list[str] = (),
                   progress=None, build_progress=None) -> list[Result]:
        """One case (None: the live module) on each toolchain × GOARCH, in parallel, in column
        order (versions outer, GOARCHes inner).  Options such as ``expect`` may give one value
        for every column or a comma-separated list with one per column."""
        tcs = resolve_many(list(gos)) if gos else [self.toolchain]
        arches = list(dict.fromkeys(goarches)) or [options.goarch]
        return self.run_cases([case], options, toolchains=tcs, goarches=arches, progress=progress,
                              build_progress=build_progress, background=True)

    def compare(self, specs: list[str], options: Options, gos: list[str] = (), goarches: list[str] = (),
                columns: list[str] = (), function: str | None = None, baseline: str | None = None,
                progress=None, build_progress=None) -> CaseTable:
        """The case table: saved cases (or ``.txtar`` paths, saved under their file names) run in
        parallel, one row each, compared with the ``baseline`` row."""
        if function:
            try:
                re.compile(function)
            except re.error as exc:
                raise CaseError(f"--function {function!r} is not a valid regular expression ({exc})") from None
        names = self.case_names(specs)
        if baseline and baseline not in names:
            raise CaseError(f"--baseline {baseline}: not one of the cases ({', '.join(names)})")
        tcs = resolve_many(list(gos)) if gos else None
        results = self.run_cases(names, options, toolchains=tcs,
                                 goarches=list(goarches) if len(goarches) > 1 else None, progress=progress,
                                 build_progress=build_progress, background=True)
        known = {p for r in results for p in r.files}
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise CaseError(f"--columns {', '.join(unknown)}: no such file; the cases have {', '.join(sorted(known))}")
        table = CaseTable(results, list(columns), function)
        table.baseline = table.baseline_index(baseline)
        return table

    def prepare(self) -> None:
        """Do the one-time work of a first run ahead of time: find the toolchain, its objdump and
        addr2line tools and the process supervisor.  Errors (an interrupt included) are left
        for the first real run to report."""
        try:
            spec = self._toolchain_spec  # resolved without fixing the choice: GOLINK_GO may still change
            tc = spec if isinstance(spec, Toolchain) else resolve(spec)
            for name in TOOLS:
                tc.tool(name)
            tc.supervisor()
        except (Exception, KeyboardInterrupt):  # noqa: BLE001
            pass

    def close(self) -> None:
        """Remove the workspace from disk (once no plan is being recorded in it)."""
        runner.finish_background(self.workspace.base)
        self.workspace.close()


__all__ = ["CaseError", "Session", "load_case", "refuse_several_files"]
