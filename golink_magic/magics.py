"""IPython magics: argument parsing over :class:`golink_magic.api.Session`, nothing more.

User mistakes become a short :class:`UsageError` (no traceback); the kernel and the workspace
stay as they were.
"""

from __future__ import annotations

import atexit
import shlex
from contextlib import contextmanager

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display
from traitlets import Unicode, observe

from .api import CaseError, Session
from .result import OUTCOMES, Options
from .toolchain import ToolchainError
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
    return magic.parser.parse_args(words)


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
                 help="disassemble the symbols matching REGEX (repeatable); default: functions in the module"),
        argument("--no-objdump", action="store_true", help="skip the disassembly"),
        argument("--expect", choices=OUTCOMES, metavar="OUTCOME",
                 help="the outcome this cell should show: " + ", ".join(OUTCOMES)),
    ]):
        func = decorator(func)
    return func


def _options(args) -> Options:
    opts = Options(
        target=getattr(args, "target", None) or ".",
        gcflags=args.gcflags, ldflags=args.ldflags, tags=args.tags,
        objdump=list(args.objdump), no_objdump=args.no_objdump, expect=args.expect,
    )
    if args.timeout is not None:
        opts.timeout = args.timeout
    goarches = _split(args.goarch)
    if len(goarches) == 1:
        opts.goarch = goarches[0]
    return opts


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@magics_class
class GoLinkMagics(Magics):
    """``%%gofile``, ``%%gotxtar``, ``%gorun``, ``%gocase``, ``%gocompare``, ``%goreset``, ``%gofiles``."""

    go = Unicode(None, allow_none=True, config=True,
                 help="Default Go toolchain: a version (1.23) or a path to go; None is the embedded one.")

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.session = Session()
        atexit.register(self.session.close)
        self.last_result = None

    @observe("go")
    def _go_changed(self, change):
        with _short_errors():
            self.session.set_toolchain(change["new"])

    # -- files -------------------------------------------------------------------------------
    @magic_arguments()
    @argument("path", help="file path relative to the module root, e.g. hello/hello.go")
    @no_var_expand
    @cell_magic
    def gofile(self, line, cell):
        """Write the cell, verbatim, to PATH in the Go module (overwriting it)."""
        args = _parse(self.gofile, line)
        with _short_errors():
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
            if args.reset:
                self.session.reset()
            archive = self.session.write_txtar(cell, case=args.case)
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
        with _short_errors():
            opts = _options(args)
            gos, goarches = _split(args.go), _split(args.goarch)
            if len(gos) > 1 or len(goarches) > 1:
                return self._matrix(args, opts, gos, goarches)
            result = self.session.run(opts, case=args.case, toolchain=gos[0] if gos else None)
        self.last_result = result
        return self._verdict(result)

    def _verdict(self, result):
        failure = result.expectation_failure()
        if failure is None and not result.options.expect and result.outcome != "ok":
            failure = (f"{result.outcome}" + (f" ({result.signal})" if result.signal else "")
                       + f": add --expect {result.outcome} if this is what the cell should show")
        if failure:
            display(result)
            raise UsageError(failure)
        return result

    def _matrix(self, args, opts, gos, goarches):
        raise UsageError("several toolchains or GOARCHes at once are not supported yet")

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


_LOADED: dict[int, GoLinkMagics] = {}


def load(ipython) -> None:
    """Register the magics on ``ipython`` (once per shell)."""
    if id(ipython) in _LOADED:
        return
    magics = GoLinkMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.configurables.append(magics)
    _LOADED[id(ipython)] = magics


def unload(ipython) -> None:
    """Remove the magics' workspace."""
    magics = _LOADED.pop(id(ipython), None)
    if magics is not None:
        magics.session.close()

