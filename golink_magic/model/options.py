"""How a case is built, run and checked: the :class:`Options` value and the one table of options
that the magics' parser, the CLI's argparse and the txtar header keys are all made from.

Each row of :data:`TABLE` names an option once: its flag (``--expect-stdout``), its txtar key
(``expect-stdout:``), its help text, its type, whether it may repeat and whether a matrix run
takes one value per column (``--expect ok,link-error``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields, replace

from .errors import CaseError

OUTCOMES = ("ok", "compile-error", "link-error", "exit-nonzero", "panic", "crash", "timeout", "limit")

# GOARCH values Go knows (`go tool dist list`); checked here so a typo is a usage error.
GOARCHES = {"386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc64",
            "ppc64le", "riscv64", "s390x", "wasm"}


@dataclass
class Options:
    """How a case is built and run, and what it is expected to show."""

    target: str = "."
    gcflags: str | None = None
    ldflags: str | None = None
    tags: str | None = None
    goarch: str | None = None
    timeout: float = 10.0
    objdump: list[str] = field(default_factory=list)  # symbol regexes; empty: functions in the module
    no_objdump: bool = False
    no_run: bool = False  # build and disassemble only (e.g. for a GOARCH this machine cannot run)
    unfold: bool = False  # show the stack check, morestack tail and inlined code open
    objects: bool = False  # list each module package's compiled object (before the link) too
    vet: bool = False      # also run go vet on the module's packages
    max_tasks: int = 512        # processes and threads the program may run at once
    max_file_mb: int = 100      # the largest file it may write
    max_memory_mb: int = 4096   # its address space
    expect: str | None = None
    expect_stdout: list[str] = field(default_factory=list)  # TEXT (substring) or /REGEX/
    expect_build: list[str] = field(default_factory=list)   # TEXT or /REGEX/ in the compiler's and linker's output
    expect_ref: list[str] = field(default_factory=list)     # [!][FUNC:]SYMBOL
    expect_sym: list[str] = field(default_factory=list)     # [!]NAME the linked program holds
    expect_reloc: list[str] = field(default_factory=list)   # [!]FUNC:TARGET in FUNC's object
    expect_vet: list[str] = field(default_factory=list)     # "clean", TEXT or /REGEX/ in go vet's report

    def copy(self) -> "Options":
        """An independent copy (lists included)."""
        return replace(self, objdump=list(self.objdump), expect_stdout=list(self.expect_stdout),
                       expect_build=list(self.expect_build),
                       expect_ref=list(self.expect_ref), expect_sym=list(self.expect_sym),
                       expect_reloc=list(self.expect_reloc), expect_vet=list(self.expect_vet))

    @property
    def wants_objects(self) -> bool:
        """Whether the run lists the compiled objects (asked for, or an ``--expect-reloc`` needs them)."""
        return self.objects or bool(self.expect_reloc)

    @property
    def wants_vet(self) -> bool:
        """Whether the run also runs ``go vet`` (asked for, or an ``--expect-vet`` needs it)."""
        return self.vet or bool(self.expect_vet)

    def build_key(self) -> dict:
        """The options that change the binary or its listing (for the result cache)."""
        return {k: getattr(self, k) for k in ("target", "gcflags", "ldflags", "tags", "goarch", "objdump", "no_objdump")} | {
            "objects": self.wants_objects}

    @classmethod
    def from_dict(cls, data: dict) -> "Options":
        """Build from a dict, ignoring unknown keys."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def for_columns(self, count: int) -> list["Options"]:
        """One copy per matrix column, with per-column lists (``ok,link-error``) split out.

        A single value holds for every column; a list must give one item per column (an empty
        item checks nothing in that column).  With one column nothing is split.
        """
        if count <= 1:
            return [self.copy()]
        out = [self.copy() for _ in range(count)]
        if self.expect:
            for opts, want in zip(out, _per_column("expect", self.expect, count)):
                opts.expect = want or None
        for name in LIST_CHECKS:
            for opts in out:
                setattr(opts, name, [])
            for value in getattr(self, name):
                for opts, item in zip(out, _per_column(name, value, count)):
                    if item:
                        getattr(opts, name).append(item)
        return out


LIST_CHECKS = ("expect_stdout", "expect_build", "expect_ref", "expect_sym", "expect_reloc", "expect_vet")  # repeatable, per column


def _per_column(name: str, value: str, count: int) -> list[str]:
    items = [v.strip() for v in value.split(",")]
    if len(items) == 1:
        return items * count
    if len(items) != count:
        what = "outcomes" if name == "expect" else "values"
        comma = "" if name == "expect" else " (a comma inside one value: write it as /REGEX/ with \\x2c)"
        raise CaseError(f"--{flag_of(name)} gives {len(items)} {what} for {count} columns: give one for all, "
                        f"or one per column{comma}")
    return items


@dataclass(frozen=True)
class Spec:
    """One option: its ``Options`` field (or ``go``, the toolchain), how it is read and explained."""

    name: str
    help: str
    kind: str = "text"       # text, number, flag, list
    columns: bool = False    # a matrix takes one value per column (or is its axis: go, goarch)
    header: bool = True      # also a txtar header key
    metavar: str | None = None

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. ``--expect-stdout``."""
        return "--" + flag_of(self.name)


def flag_of(name: str) -> str:
    """``expect_stdout`` → ``expect-stdout`` (flags and header keys use dashes)."""
    return name.replace("_", "-")


TABLE: tuple[Spec, ...] = (
    Spec("gcflags", "flags for the compiler, e.g. --gcflags='-N -l'"),
    Spec("ldflags", "flags for the linker, e.g. --ldflags=-checklinkname=0"),
    Spec("tags", "build tags, comma separated"),
    Spec("goarch", "target architecture(s), e.g. 386 or amd64,386 (one column each)", columns=True),
    Spec("go", "toolchain(s): version(s) like 1.23 or 1.22,1.27 (one column each), or a path to go",
         columns=True, header=False),
    Spec("timeout", "seconds the program may run (default 10)", kind="number"),
    Spec("max_tasks", "processes and threads the program may run at once (default 512)", kind="int", metavar="N"),
    Spec("max_file_mb", "the largest file the program may write, in MiB (default 100)", kind="int", metavar="MIB"),
    Spec("max_memory_mb", "the program's address space, in MiB (default 4096)", kind="int", metavar="MIB"),
    Spec("objdump", "disassemble the symbols matching REGEX (Go regexp syntax; repeatable); "
         "default: functions in the module", kind="list", metavar="REGEX"),
    Spec("no_objdump", "skip the disassembly", kind="flag"),
    Spec("no_run", "build and disassemble without running (e.g. --goarch arm64 on an amd64 machine)", kind="flag"),
    Spec("unfold", "show the folded rows open: stack check, morestack tail and inlined code", kind="flag"),
    Spec("objects", "also show each module package's compiled object before the link: the symbols it defines "
         "and leaves undefined, every relocation, the compiler's -S rows beside the linked ones", kind="flag"),
    Spec("vet", "also run go vet on the module's packages and show what it reports", kind="flag"),
    Spec("expect", "the outcome this run should show: " + ", ".join(OUTCOMES)
         + "; with several columns one for all, or one per column (ok,link-error)", columns=True, metavar="OUTCOME"),
    Spec("expect_stdout", "text the program's stdout must contain, or /REGEX/ it must match (repeatable; "
         "per column: a,b)", kind="list", columns=True, metavar="TEXT"),
    Spec("expect_build", "text the build's messages (compiler, assembler, linker) must contain, or /REGEX/ they "
         "must match: the error a failing build shows (repeatable; per column: a,b)", kind="list", columns=True,
         metavar="TEXT"),
    Spec("expect_ref", "a symbol a shown function must reference as SYMBOL(SB): SYMBOL, FUNC:SYMBOL, or "
         "!FUNC:SYMBOL for must-not (repeatable; per column: a,b)", kind="list", columns=True, metavar="SYMBOL"),
    Spec("expect_sym", "a symbol the linked program must hold (go tool nm): NAME, or 'NAME CODE [SIZE]' to "
         "check its nm code and size too ('main.total B 8'), or !NAME for must-not (repeatable; per column: a,b)",
         kind="list", columns=True, metavar="NAME"),
    Spec("expect_reloc", "FUNC:TARGET: FUNC's compiled object must relocate to TARGET (TARGET-4: with that "
         "addend), or !FUNC:TARGET for must-not (repeatable; per column: a,b)", kind="list", columns=True, metavar="FUNC:TARGET"),
    Spec("expect_vet", "what go vet must report: 'clean' (nothing, exit status 0), TEXT it must contain, or /REGEX/ "
         "(runs go vet; repeatable; per column: a,b)", kind="list", columns=True, metavar="TEXT"),
)
BY_NAME = {spec.name: spec for spec in TABLE}


def arguments() -> list[tuple[tuple, dict]]:
    """``(args, kwargs)`` of ``add_argument`` for each option: what argparse and IPython's
    ``@argument`` decorator both take.  Values default to None (or []) so that a front end can
    tell "not given" from a default and let a case's own header fill it."""
    out = []
    for spec in TABLE:
        kwargs: dict = {"help": spec.help, "dest": spec.name}
        if spec.kind == "flag":
            kwargs.update(action="store_true", default=False)
        elif spec.kind == "list":
            kwargs.update(action="append", default=[])
        elif spec.kind == "number":
            kwargs.update(type=float, default=None)
        elif spec.kind == "int":
            kwargs.update(type=int, default=None)
        else:
            kwargs["default"] = None
        if spec.metavar and spec.kind != "flag":
            kwargs["metavar"] = spec.metavar
        out.append(((spec.flag,), kwargs))
    return out


def from_arguments(parsed, target: str | None = None) -> Options:
    """The :class:`Options` of parsed arguments (``go`` and a multi-column ``goarch`` stay
    with the caller: they choose the columns, not the options of one run)."""
    opts = Options(target=target or ".")
    for spec in TABLE:
        value = getattr(parsed, spec.name, None)
        if spec.name == "go" or value is None or value is False or value == []:
            continue
        if spec.name == "goarch":
            arches = split_list(value)
            value = arches[0] if len(arches) == 1 else None
        setattr(opts, spec.name, list(value) if spec.kind == "list" else value)
    return opts


def split_list(value: str | None) -> list[str]:
    """The items of a comma-separated option such as ``--go 1.22,1.27`` or ``--goarch amd64,386``."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


_TRUE, _FALSE = {"true", "yes", "on", "1", ""}, {"false", "no", "off", "0"}


HEADER_KEYS = tuple(flag_of(spec.name) for spec in TABLE if spec.header)


def apply_header(lines: list[tuple[int, str, str]], base: Options | None = None, where: str = "txtar header") -> Options:
    """``base`` updated with a txtar comment's ``(line, key, value)`` lines
    (:func:`golink_magic.txtar.header_lines`); repeatable keys accumulate; an unknown key is a
    :class:`CaseError` naming the file, the line and the known keys."""
    opts = base.copy() if base else Options()
    for line, key, value in lines:
        spec = BY_NAME.get(key.replace("-", "_"))
        if spec is None or not spec.header:
            raise CaseError(f"{where} line {line}: unknown header key {key!r}; the keys are {', '.join(HEADER_KEYS)}")
        try:
            if spec.kind == "list":
                getattr(opts, spec.name).append(value)
            elif spec.kind == "flag":
                if value.lower() not in _TRUE | _FALSE:
                    raise ValueError(value)
                setattr(opts, spec.name, value.lower() in _TRUE)
            else:
                setattr(opts, spec.name, {"number": float, "int": int}.get(spec.kind, str)(value))
        except ValueError:
            raise CaseError(f"{where} {key}: {value!r} is not valid") from None
    return opts


def check_options(opts: Options, columns: int = 1, where: str | None = None) -> None:
    """Raise :class:`CaseError` for an option value no run could use.  ``where`` names a txtar
    file whose header gave the options (the message then names its keys, not flags)."""
    def name(option: str) -> str:
        return f"{where} {flag_of(option)}:" if where else f"--{flag_of(option)}"

    if columns <= 1 and opts.expect and "," in opts.expect:
        raise CaseError(f"{name('expect')} takes one outcome here; a list such as ok,link-error is for "
                        "several --go/--goarch columns")
    wants = [w for w in (_per_column("expect", opts.expect, columns) if opts.expect else []) if w]
    for want in wants:
        if want not in OUTCOMES:
            raise CaseError(f"{name('expect')} {want}: choose one of {', '.join(OUTCOMES)}")
    if opts.goarch and opts.goarch not in GOARCHES:
        raise CaseError(f"{name('goarch')} {opts.goarch}: not a Go architecture; choose one of "
                        f"{', '.join(sorted(GOARCHES))}")
    if opts.timeout is not None and not (0 < opts.timeout < math.inf):
        raise CaseError(f"{name('timeout')} must be a positive number of seconds")
    for limit in ("max_tasks", "max_file_mb", "max_memory_mb"):
        if not 0 < getattr(opts, limit) < 1 << 40:
            raise CaseError(f"{name(limit)} must be a positive whole number")
    for regex in opts.objdump:
        _check_regex(name("objdump"), regex)
    for check in ("expect_stdout", "expect_build", "expect_vet"):
        for text in getattr(opts, check):
            if len(text) > 1 and text.startswith("/") and text.endswith("/"):
                _check_regex(name(check), text[1:-1])
    for ref in opts.expect_ref:
        if not ref.lstrip("!").strip():
            raise CaseError(f"{name('expect_ref')} needs a symbol, e.g. main.main:course/hello.secret")
    for spec in opts.expect_sym:
        if not spec.lstrip("!").strip():
            raise CaseError(f"{name('expect_sym')} needs a symbol name, e.g. course/hello.secret or !main.stolen")
    for spec in opts.expect_reloc:
        body = spec.lstrip("!").strip()
        func, sep, target = body.partition(":")
        if not (sep and "." in func and target):
            raise CaseError(f"{name('expect_reloc')} {spec!r}: give FUNC:TARGET, e.g. main.main:course/hello.secret")
    if columns > 1:
        for name in LIST_CHECKS:
            for value in getattr(opts, name):
                _per_column(name, value, columns)


def _check_regex(name: str, regex: str) -> None:
    try:
        re.compile(regex)
    except re.error as exc:
        raise CaseError(f"{name} {regex!r} is not a valid regular expression ({exc})") from None


def merge(case: Options | None, given: Options) -> Options:
    """``given`` with the case's own header options filling what ``given`` leaves at defaults."""
    if case is None:
        return given.copy()
    default = Options()
    merged = {key: value if value != getattr(default, key) else getattr(case, key)
              for key, value in vars(given).items()}
    return Options(**merged).copy()
