"""Plain data passed between the stages: a case's options, its result and its assembly listing.

Everything here converts to and from JSON-ready dicts, so the CLI, the result cache and the
tests share one shape.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace

# A compiler message in ``Result.build_output``: ``./main.go:9:14: undefined: x``.
BUILD_MESSAGE = re.compile(r"^(?P<path>[^\s:]+\.(?:go|s|mod)):(?P<line>\d+)(?::\d+)?: ", re.M)

OUTCOMES = ("ok", "compile-error", "link-error", "exit-nonzero", "panic", "crash", "timeout")


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


@dataclass
class Options:
    """How a case is built and run."""

    target: str = "."
    gcflags: str | None = None
    ldflags: str | None = None
    tags: str | None = None
    goarch: str | None = None
    timeout: float = 10.0
    objdump: list[str] = field(default_factory=list)  # symbol regexes; empty: functions in the module
    no_objdump: bool = False
    no_run: bool = False  # build and disassemble only (e.g. for a GOARCH this machine cannot run)
    expect: str | None = None

    def copy(self) -> "Options":
        """An independent copy (the objdump list included)."""
        return replace(self, objdump=list(self.objdump))

    def build_key(self) -> dict:
        """The options that change the binary or its listing (for the result cache)."""
        return {k: getattr(self, k) for k in ("target", "gcflags", "ldflags", "tags", "goarch", "objdump", "no_objdump")}

    @classmethod
    def from_dict(cls, data: dict) -> "Options":
        """Build from a dict, ignoring unknown keys."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Result:
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
    functions: list[Function] = field(default_factory=list)
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
        """JSON-ready dict (the CLI's ``--json`` shape)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Result":
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["functions"] = [Function.from_dict(f) for f in data.get("functions", [])]
        data["options"] = Options.from_dict(data.get("options", {}))
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def target_label(self) -> str:
        """Exact Go version and target, e.g. ``go1.22.10 linux/386`` (a matrix column's name)."""
        return self.go_version.removeprefix("go version ")

    @property
    def met_expectation(self) -> bool:
        """Whether the outcome is the expected one (``ok`` when nothing was expected)."""
        return self.outcome == (self.options.expect or "ok")

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
        """None when ``options.expect`` is unset or met, else a one-sentence explanation."""
        want = self.options.expect
        if not want or want == self.outcome:
            return None
        detail = self.signal or (self.build_output or self.stderr).strip().splitlines()[-1:] or [""]
        detail = detail if isinstance(detail, str) else detail[0]
        label = f"{self.name}: " if self.name else ""
        return f"{label}expected {want}, got {self.outcome}" + (f" ({detail.strip()})" if detail.strip() else "")

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .view import display_bundle  # noqa: PLC0415 - rendering is optional for the data

        return display_bundle(self)
