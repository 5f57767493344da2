"""The plain Python API the magics and the CLI share (no IPython here).

>>> s = Session()
>>> s.write("hello/hello.go", "package hello\\n\\nvar msg = \\"hi\\"\\n")
>>> s.write("main.go", MAIN_GO)
>>> result = s.run()                # build once, run, disassemble
>>> result.outcome, result.stdout
"""

from __future__ import annotations

import math
import os
import re
import shutil
from pathlib import Path

from . import runner, txtar
from .result import OUTCOMES, Options, Result
from .compare import CaseTable
from .toolchain import Toolchain
from .toolchains import resolve, resolve_many
from .workspace import Workspace, check_case_name, check_path, package_of

# txtar header keys that map onto Options, and how to read them.
_HEADER_KEYS = {
    "expect": str, "goarch": str, "gcflags": str, "ldflags": str, "tags": str, "target": str,
    "timeout": float,
}


class CaseError(ValueError):
    """Bad input from the user (unknown case, bad option value); the message says what to do."""


def options_from_header(comment: str, base: Options | None = None) -> Options:
    """``base`` updated with the ``key: value`` lines of a txtar comment."""
    opts = Options(**vars(base)) if base else Options()
    opts.objdump = list(opts.objdump)
    for key, value in txtar.header_options(comment).items():
        if key == "objdump":
            opts.objdump.append(value)
        elif key in _HEADER_KEYS:
            try:
                setattr(opts, key, _HEADER_KEYS[key](value))
            except ValueError as exc:
                raise CaseError(f"txtar header {key}: {value!r} is not valid") from exc
    check_options(opts)
    return opts


# GOARCH values Go knows (`go tool dist list`); checked here so a typo is a usage error.
GOARCHES = {"386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc64",
            "ppc64le", "riscv64", "s390x", "wasm"}


def check_options(opts: Options) -> None:
    """Raise :class:`CaseError` for an option value no run could use."""
    if opts.expect and opts.expect not in OUTCOMES:
        raise CaseError(f"--expect {opts.expect}: choose one of {', '.join(OUTCOMES)}")
    if opts.goarch and opts.goarch not in GOARCHES:
        raise CaseError(f"--goarch {opts.goarch}: not a Go architecture; choose one of {', '.join(sorted(GOARCHES))}")
    if opts.timeout is not None and not (0 < opts.timeout < math.inf):
        raise CaseError("--timeout must be a positive number of seconds")
    for regex in opts.objdump:
        try:
            re.compile(regex)
        except re.error as exc:
            raise CaseError(f"--objdump {regex!r} is not a valid regular expression ({exc})") from exc


def refuse_several_files(text: str) -> None:
    """:class:`CaseError` when ``text`` is a multi-file paste (two or more file markers)."""
    names = list(txtar.parse(text).files)
    if len(names) > 1:
        raise CaseError(
            f"this cell holds {len(names)} files ({', '.join(names)}) marked by `-- path --` lines: "
            "use %%gotxtar to write them all; nothing was written"
        )


def load_case(path: str | os.PathLike) -> tuple[dict[str, str], Options]:
    """Files and options of a ``.txtar`` file."""
    try:
        archive = txtar.parse(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CaseError(f"{path} is not UTF-8 text, so it cannot be a txtar case") from None
    if not archive.files:
        raise CaseError(f"{path}: no `-- file --` sections found")
    return archive.files, options_from_header(archive.comment)


class Session:
    """One live module plus named cases: what a kernel (or a script) works with."""

    def __init__(self, toolchain: Toolchain | str | None = None, base_dir: str | None = None):
        self.workspace = Workspace(base_dir)
        self._toolchain_spec = toolchain
        self.case_options: dict[str, Options] = {}

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
        if not archive.files:
            raise CaseError(
                "no files found: start each file with a marker line such as `-- main.go --` "
                "or `// -- main.go --`"
            )
        opts = options_from_header(archive.comment)
        if case:
            check_case_name(case)
        for rel in archive.files:
            check_path(self.workspace.root, rel)
        if reset:
            self.reset()
        self.workspace.write_many(archive.files)
        if case:
            self.save_case(case, files=archive.files, options=opts)
        return archive

    def files(self) -> dict[str, str]:
        """The module's files, path → text."""
        return self.workspace.files()

    def reset(self) -> None:
        """Start a fresh, empty module (the build folders of earlier runs go too)."""
        self.workspace.reset()
        shutil.rmtree(self.workspace.base / "runs", ignore_errors=True)

    def save_case(self, name: str, files: dict[str, str] | None = None, options: Options | None = None) -> dict[str, str]:
        """Snapshot the module (or the given files) as case ``name``."""
        if files is None:
            files = self.workspace.save_case(name)
        else:
            self.workspace.cases[check_case_name(name)] = dict(files)
        self.case_options[name] = options or Options()
        return self.workspace.cases[name]

    @property
    def cases(self) -> dict[str, dict[str, str]]:
        """Saved cases, name → files."""
        return self.workspace.cases

    # -- running -----------------------------------------------------------------------------
    def _workdir(self, label: str) -> Path:
        return self.workspace.base / "runs" / re.sub(r"[^\w.+-]", "_", label)

    def run(self, options: Options | None = None, case: str | None = None, toolchain: Toolchain | str | None = None) -> Result:
        """Build, run and disassemble the live module (or saved ``case``, with the options it
        was saved with filling in what ``options`` leaves at its defaults)."""
        options = merge_options(self.case_options.get(case) if case else None, options or Options())
        check_options(options)
        tc = resolve(toolchain) if isinstance(toolchain, str) else (toolchain or self.toolchain)
        if case is not None:
            files = self._case_files(case)
        else:
            files = self.files()
            if not files:
                raise CaseError("the workspace is empty: write a file first with %%gofile main.go")
        label = f"{case or 'live module'}-{tc.version}-{options.goarch or tc.goarch}"
        return runner.run_files(files, options, tc, self._workdir(label), name=case or "",
                                main_hint=None if case else self._main_hint(files, options))

    def _main_hint(self, files: dict[str, str], options: Options) -> str | None:
        """Which program to build when the module holds several: the target, else the
        ``package main`` file written last (a learner pasting blog examples one after the other
        means the one just pasted)."""
        if options.target not in ("", "."):
            return options.target
        mains = [p for p, t in files.items() if p.endswith(".go") and package_of(t) == "main"]
        return self.workspace.latest(mains)

    def _case_files(self, name: str) -> dict[str, str]:
        if name not in self.cases:
            known = ", ".join(sorted(self.cases)) or "none saved yet (use %gocase NAME)"
            raise CaseError(f"no case named {name!r}; cases: {known}")
        return self.cases[name]

    def run_cases(self, names: list[str], options: Options | None = None, toolchains: list[Toolchain] | None = None,
                  goarches: list[str | None] | None = None, progress=None) -> list[Result]:
        """Run several saved cases (× toolchains × GOARCHes) in parallel; results in order.

        A name of None stands for the live module."""
        options = options or Options()
        check_options(options)
        jobs = []
        for name in names:
            files = self.files() if name is None else self._case_files(name)
            case_opts = None if name is None else self.case_options.get(name)
            for tc in toolchains or [self.toolchain]:
                for goarch in goarches or [options.goarch]:
                    opts = merge_options(case_opts, options)
                    opts.goarch = goarch or opts.goarch
                    check_options(opts)
                    label = f"{name or 'live module'}-{tc.version}-{opts.goarch or tc.goarch}"
                    jobs.append((name or "", files, opts, tc, self._workdir(label)))
        return runner.run_many(jobs, progress=progress)

    def run_matrix(self, options: Options, case: str | None = None, gos: list[str] = (), goarches: list[str] = (),
                   expects: list[str] = (), progress=None) -> list[Result]:
        """One case (None: the live module) on each toolchain × GOARCH, in parallel, in column
        order (versions outer, GOARCHes inner).  ``expects`` is one outcome for every column or
        one per column."""
        tcs = resolve_many(list(gos)) if gos else [self.toolchain]
        arches = list(dict.fromkeys(goarches)) or [options.goarch]
        columns = len(tcs) * len(arches)
        if len(expects) not in (0, 1, columns):
            raise CaseError(f"--expect gives {len(expects)} outcomes for {columns} columns: "
                            "give one for all, or one per column")
        if case is None and not self.files():
            raise CaseError("the workspace is empty: write a file first with %%gofile main.go")
        opts = options.copy()
        if len(expects) == 1:
            opts.expect = expects[0]
        results = self.run_cases([case], opts, toolchains=tcs, goarches=arches, progress=progress)
        if len(expects) == columns > 1:
            for result, want in zip(results, expects):
                result.options.expect = want
        return results

    def compare(self, specs: list[str], options: Options, gos: list[str] = (), goarches: list[str] = (),
                columns: list[str] = (), function: str | None = None, baseline: str | None = None,
                progress=None) -> CaseTable:
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
                                 goarches=list(goarches) if len(goarches) > 1 else None, progress=progress)
        known = {p for r in results for p in r.files}
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise CaseError(f"--columns {', '.join(unknown)}: no such file; the cases have {', '.join(sorted(known))}")
        table = CaseTable(results, list(columns), function)
        table.baseline = table.baseline_index(baseline)
        return table

    def case_names(self, specs: list[str]) -> list[str]:
        """Names of saved cases (``.txtar`` paths are loaded and saved under their file names);
        :class:`CaseError` for a name that is not saved."""
        names = [self._case_from(spec) for spec in specs]
        for name in names:
            self._case_files(name)
        return names

    def _case_from(self, spec: str) -> str:
        if not spec.endswith(".txtar"):
            return spec
        files, options = load_case(spec)
        name = Path(spec).stem
        self.save_case(name, files=files, options=options)
        return name

    def prepare(self) -> None:
        """Do the one-time work of a first run ahead of time: find the toolchain and its objdump
        tool, load the renderer.  Errors are left for the first real run to report."""
        try:
            spec = self._toolchain_spec  # resolved without fixing the choice: GOLINK_GO may still change
            (spec if isinstance(spec, Toolchain) else resolve(spec)).tool("objdump")
            from . import view  # noqa: F401, PLC0415 - imports Pygments' Go lexer
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        """Remove the workspace from disk."""
        self.workspace.close()


def merge_options(case: Options | None, given: Options) -> Options:
    """``given`` with the case's own header options filling what ``given`` leaves at defaults."""
    if case is None:
        return given.copy()
    default = Options()
    merged = {key: value if value != getattr(default, key) else getattr(case, key)
              for key, value in vars(given).items()}
    return Options(**merged).copy()
