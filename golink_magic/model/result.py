"""Plain data passed between the stages: a case's options, its result and its assembly listing.

Everything here converts to and from JSON-ready dicts, so the CLI, the result cache and the
tests share one shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Callable

from .errors import UserError
from .linkage import PackageObject, Symbol, parse_ref, reloc_problem, symbol_problem
from .options import OUTCOMES, Options

# A compiler message in ``Result.build_output``: ``./main.go:9:14: undefined: x``.
BUILD_MESSAGE = re.compile(r"^(?P<path>[^\s:]+\.(?:go|s|mod)):(?P<line>\d+)(?::\d+)?: ", re.M)

__all__ = ["BUILD_MESSAGE", "OUTCOMES", "Displayable", "Function", "Instruction", "Options", "Result",
           "register_display"]

_BUNDLES: dict[type, tuple[Callable, Callable | None, Callable | None]] = {}


def register_display(cls: type, bundle: Callable[[object], dict], text: Callable[[object], str] | None = None,
                     page: Callable[[object], str] | None = None) -> None:
    """Let the display layer show ``cls`` values: ``bundle(value)`` gives the notebook's mime
    bundle, ``text(value)`` its ``str``, ``page(value)`` a self-contained HTML page.  The data
    classes here never import that layer."""
    _BUNDLES[cls] = (bundle, text, page)


class Displayable:
    """A value that shows itself through what :func:`register_display` registered for it."""

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = _BUNDLES.get(type(self), (None, None, None))[0]
        return bundle(self) if bundle else None

    def shown_text(self) -> str | None:
        """The registered plain-text rendering, or None when no display layer is loaded."""
        text = _BUNDLES.get(type(self), (None, None, None))[1]
        return text(self) if text else None

    def save_html(self, path) -> str:
        """Write this value as one self-contained HTML page (styles and script inline, nothing
        fetched) to ``path``; returns the path written."""
        page = _BUNDLES.get(type(self), (None, None, None))[2]
        if page is None:
            raise UserError("no page renderer is loaded: import golink_magic first")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(page(self))
        return str(path)



_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value):
    """What ``dataclasses.asdict`` gives for these JSON-shaped values, without its deep copy of
    every string and number (a whole listing holds thousands of rows)."""
    names = _FIELD_NAMES.get(type(value))
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value  # str, int, float, bool, None: immutable


@dataclass
class Instruction:
    """One disassembled instruction.

    ``file`` is the source file relative to the module root when it lies in the module,
    otherwise the path objdump/addr2line gave (``fmt/print.go``-style after resolution, or just
    the basename).  ``external`` marks code inlined from outside the module.
    """

    file: str
    line: int
    pc: int
    hex: str
    text: str
    external: bool = False


@dataclass
class Function:
    """One function of the listing: its symbol, its source file and its instructions."""

    symbol: str
    file: str
    instructions: list[Instruction] = field(default_factory=list)
    in_module: bool = True

    @classmethod
    def from_dict(cls, data: dict) -> "Function":
        """Inverse of :func:`dataclasses.asdict`."""
        data = dict(data)
        data["instructions"] = [Instruction(**row) for row in data.get("instructions", [])]
        return cls(**data)


@dataclass(repr=False)
class Result(Displayable):
    """Everything one build + run + disassembly produced."""

    outcome: str
    go_version: str
    goos: str
    goarch: str
    exit_code: int | None = None
    signal: str | None = None
    stdout: str = ""
    stderr: str = ""
    build_output: str = ""
    vet_output: str | None = None  # what go vet printed (--vet); None: not run
    vet_status: int | None = None
    functions: list[Function] = field(default_factory=list)
    symbols: list[Symbol] = field(default_factory=list)         # the linked program's (go tool nm)
    objects: list[PackageObject] = field(default_factory=list)  # before the link (--objects)
    timings: dict[str, float] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    module: str = ""
    module_root: str = "."
    notes: list[str] = field(default_factory=list)
    name: str = ""
    options: Options = field(default_factory=Options)
    cached: bool = False

    def to_dict(self) -> dict:
        """JSON-ready dict (the CLI's ``--json`` shape), sharing nothing mutable with the result."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Result":
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["functions"] = [Function.from_dict(f) for f in data.get("functions", [])]
        data["symbols"] = [Symbol(**s) for s in data.get("symbols", [])]
        data["objects"] = [PackageObject.from_dict(o) for o in data.get("objects", [])]
        data["options"] = Options.from_dict(data.get("options", {}))
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def target_label(self) -> str:
        """Exact Go version and target, e.g. ``go1.22.10 linux/386`` (a matrix column's name)."""
        return self.go_version.removeprefix("go version ")

    def __repr__(self) -> str:
        return f"<Result {self.name + ' ' if self.name else ''}{self.outcome} ({self.target_label})>"

    @property
    def met_expectation(self) -> bool:
        """Whether the outcome is the expected one (``ok`` when nothing was expected) and every
        value check holds."""
        return not self.expectation_failures()

    @property
    def ok(self) -> bool:
        """Whether the program built and exited 0."""
        return self.outcome == "ok"

    def function(self, pattern: str) -> Function | None:
        """The first function whose symbol equals or ends with ``pattern``."""
        for fn in self.functions:
            if fn.symbol == pattern or fn.symbol.endswith(pattern):
                return fn
        return None

    def expectation_failure(self) -> str | None:
        """None when every expectation holds, else one line: what was expected, what came."""
        failures = self.expectation_failures()
        return failures[0] if failures else None

    def expectation_failures(self) -> list[str]:
        """One line per expectation that does not hold: the outcome (``ok`` when none is set),
        then each ``expect_stdout``, ``expect_build``, ``expect_ref``, ``expect_sym`` and ``expect_reloc`` check.  The one place expectations are judged."""
        label = f"{self.name}: " if self.name else ""
        want = self.options.expect
        if self.outcome != (want or "ok"):
            said = [n for n in self.notes if "(--max-" in n or "timeout" in n] if self.outcome in ("limit", "timeout") else []
            detail = said[0] if said else self.signal or next(
                iter((self.build_output or self.stderr).strip().splitlines()[-1:]), "")
            detail = f" ({detail.strip()})" if detail.strip() else ""
            if want:
                return [f"{label}expected {want}, got {self.outcome}{detail}"]
            return [f"{label}{self.outcome}{detail}: add --expect {self.outcome} if this is what it should show"]
        problems = [*(text_problem("stdout", want, self.stdout) for want in self.options.expect_stdout),
                    *(text_problem("the build output", want, self.build_output) for want in self.options.expect_build),
                    *map(self._ref_problem, self.options.expect_ref),
                    *(symbol_problem(spec, self.symbols) for spec in self.options.expect_sym),
                    *(reloc_problem(spec, self.objects) for spec in self.options.expect_reloc),
                    *(self._vet_problem(want) for want in self.options.expect_vet)]
        return [f"{label}{problem}" for problem in problems if problem]

    def symbol(self, name: str) -> Symbol | None:
        """The linked program's symbol ``name`` (or the record of a local name it does not hold)."""
        return next((s for s in self.symbols if s.name == name), None)

    def _vet_problem(self, want: str) -> str | None:
        if self.vet_output is None:
            return "expected a go vet report, got none (go vet did not run)"
        if want == "clean":
            if self.vet_status == 0 and not self.vet_output.strip():
                return None
            said = self.vet_output.strip().splitlines()
            return f"expected go vet to report nothing, got exit status {self.vet_status}" + (f": {said[-1]}" if said else "")
        return text_problem("go vet's report", want, self.vet_output)

    def _ref_problem(self, spec: str) -> str | None:
        negate, func, symbol = parse_ref(spec)
        fns = [f for f in self.functions if func is None or f.symbol == func or f.symbol.endswith(func)]
        where = func or "the listing"
        if func is not None and not fns:
            return f"expected a function {func} in the listing, got {', '.join(f.symbol for f in self.functions[:6]) or 'no listing'}"
        pattern = re.compile(r"(?:^|[\s,$])" + re.escape(symbol) + r"(?:[+-](?:0x[0-9a-f]+|\d+))?\(SB\)")
        hits = [row.text for fn in fns for row in fn.instructions if pattern.search(row.text)]
        if negate:
            return f"expected {where} not to reference {symbol}(SB), got {hits[0]!r}" if hits else None
        if hits:
            return None
        seen = sorted({m for fn in fns for row in fn.instructions for m in re.findall(r"([^\s,$]+?)(?:[+-]\w+)?\(SB\)", row.text)})
        return (f"expected {where} to reference {symbol}(SB), got "
                + (", ".join(seen[:8]) + (" …" if len(seen) > 8 else "") if seen else "no symbol references"))


def text_problem(what: str, want: str, text: str) -> str | None:
    """None when ``text`` contains ``want`` (or matches ``/REGEX/``), else what came instead."""
    if len(want) > 1 and want.startswith("/") and want.endswith("/"):
        if re.search(want[1:-1], text, re.M):
            return None
        wanted = f"{what} to match {want}"
    elif want in text:
        return None
    else:
        wanted = f"{what} to contain {want!r}"
    came = text.strip()
    came = repr(came[:160] + ("…" if len(came) > 160 else "")) if came else "nothing"
    return f"expected {wanted}, got {came}"
