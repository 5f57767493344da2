"""Comparing results: row alignment of two listings after normalisation, operand-level marks,
linkname directives, and the case-table model (pure data; :mod:`view` turns it into HTML).

Two builds never agree on addresses, so instructions are compared after
:func:`golink_magic.objdump.normalize` (absolute jump targets and PC-relative offsets become
placeholders); what still differs is a real difference, e.g. the symbol a load names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ..model.errors import CaseError
from .objdump import normalize, operands
from ..model.result import Displayable, Function, Instruction, Result

# ---------------------------------------------------------------------------------------------
# row alignment


@dataclass
class RowDiff:
    """One aligned row: ``kind`` is ``same``, ``changed``, ``added`` (only in the new listing) or
    ``removed`` (only in the baseline).  ``marks`` are indexes into :func:`operands` of the new
    row's text that differ from the baseline row."""

    kind: str
    new: Instruction | None
    old: Instruction | None
    marks: tuple[int, ...] = ()


@dataclass
class FunctionDiff:
    """The aligned rows of one function present in either listing."""

    symbol: str
    rows: list[RowDiff]

    @property
    def changed(self) -> bool:
        """Whether anything but ``same`` rows is present."""
        return any(r.kind != "same" for r in self.rows)

    def changed_operands(self) -> list[tuple[str, str]]:
        """(baseline operand, new operand) for every marked operand of a changed row."""
        pairs = []
        for r in self.rows:
            if r.kind == "changed":
                old_ops, new_ops = operands(r.old.text), operands(r.new.text)
                for i in r.marks:
                    pairs.append((old_ops[i] if i < len(old_ops) else "", new_ops[i]))
        return pairs


def _key(row: Instruction) -> str:
    return normalize(row.text)


def _operand_marks(old: str, new: str) -> tuple[int, ...]:
    a = [normalize(o) for o in operands(old)]
    b = [normalize(o) for o in operands(new)]
    return tuple(i for i, op in enumerate(b) if i >= len(a) or a[i] != op)


def diff_rows(old: list[Instruction], new: list[Instruction]) -> list[RowDiff]:
    """Align two instruction lists on their normalised text."""
    out: list[RowDiff] = []
    sm = SequenceMatcher(None, [_key(r) for r in old], [_key(r) for r in new], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            out += [RowDiff("same", new[j], old[i]) for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            o, n = old[i1 + k], new[j1 + k]
            out.append(RowDiff("changed", n, o, _operand_marks(o.text, n.text)))
        out += [RowDiff("removed", None, old[i]) for i in range(i1 + paired, i2)]
        out += [RowDiff("added", new[j], None) for j in range(j1 + paired, j2)]
    return out


def diff_functions(old: list[Function], new: list[Function]) -> list[FunctionDiff]:
    """Per-symbol alignment: functions of ``new`` in order, then those only in ``old``."""
    by_symbol = {f.symbol: f for f in old}
    seen = set()
    out = []
    for fn in new:
        seen.add(fn.symbol)
        base = by_symbol.get(fn.symbol)
        out.append(FunctionDiff(fn.symbol, diff_rows(base.instructions if base else [], fn.instructions)))
    for fn in old:
        if fn.symbol not in seen:
            out.append(FunctionDiff(fn.symbol, diff_rows(fn.instructions, [])))
    return out


def diff_lines(old: str, new: str) -> set[int]:
    """1-based numbers of the lines of ``new`` that are not in ``old`` (inserted or replaced)."""
    a, b = old.splitlines(), new.splitlines()
    changed: set[int] = set()
    for tag, _i1, _i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            changed.update(range(j1 + 1, j2 + 1))
    return changed


# ---------------------------------------------------------------------------------------------
# two results


@dataclass(repr=False)
class Diff(Displayable):
    """What changed from result ``a`` (baseline) to result ``b``: outcome, output, files, assembly."""

    a: Result
    b: Result
    functions: list[FunctionDiff] = field(default_factory=list)

    @property
    def same_output(self) -> bool:
        """Whether outcome, stdout and stderr agree."""
        return (self.a.outcome, self.a.stdout, self.a.stderr) == (self.b.outcome, self.b.stdout, self.b.stderr)

    @property
    def changed_files(self) -> dict[str, set[int]]:
        """Workspace path → changed line numbers of ``b`` (files added in ``b``: every line)."""
        out = {}
        for path, text in self.b.files.items():
            lines = diff_lines(self.a.files.get(path, ""), text)
            if lines:
                out[path] = lines
        return out

    def changed_operands(self) -> list[tuple[str, str, str]]:
        """(symbol, baseline operand, new operand) for every operand that differs after normalising."""
        return [(f.symbol, old, new) for f in self.functions for old, new in f.changed_operands()]

    def __repr__(self) -> str:
        return f"<Diff {self.a.name or 'a'} → {self.b.name or 'b'}>"

    def __str__(self) -> str:
        return self.shown_text() or repr(self)


def diff(a: Result, b: Result) -> Diff:
    """Compare result ``b`` against baseline ``a`` (listing rows aligned after normalisation)."""
    return Diff(a, b, diff_functions(a.functions, b.functions))


# ---------------------------------------------------------------------------------------------
# the case table


def pick_function(result: Result, pattern: str | None) -> Function | None:
    """The function a table shows: the first whose symbol matches ``pattern`` (a regex searched
    in the symbol), by default ``main.main`` or else the first one listed."""
    if pattern:
        rx = re.compile(pattern)
        return next((f for f in result.functions if rx.search(f.symbol)), None)
    return result.function("main.main") or (result.functions[0] if result.functions else None)


@dataclass
class Row:
    """One table row: a result, its label, and its differences from the baseline row."""

    label: str
    result: Result
    function: Function | None
    rows: list[RowDiff]                  # the chosen function's rows against the baseline's
    changed_lines: dict[str, set[int]]   # column path → changed lines
    output_changed: bool
    is_baseline: bool = False


@dataclass(repr=False)
class CaseTable(Displayable):
    """Several results side by side: chosen file columns, output and one function's assembly,
    each row compared with the baseline row."""

    results: list[Result]
    columns: list[str] = field(default_factory=list)
    function: str | None = None
    baseline: int = 0
    show_pc: bool = False

    def __post_init__(self):
        if not self.results:
            raise CaseError("a table needs at least one result")
        if not self.columns:
            self.columns = default_columns(self.results)
        self._rows: dict[tuple, list[Row]] = {}

    def __repr__(self) -> str:
        return f"<CaseTable of {len(self.results)} rows>"

    @property
    def labels(self) -> list[str]:
        """Row labels: the case names, with toolchain and GOARCH when those vary."""
        versions = {r.go_version for r in self.results}
        labels = []
        for i, r in enumerate(self.results):
            label = r.name or f"#{i + 1}"
            if len(versions) > 1:
                label += f" · {r.go_version.split()[2] if len(r.go_version.split()) > 2 else r.go_version}"
            labels.append(label)
        return labels

    def baseline_index(self, name: str | None) -> int:
        """Index of the row labelled or named ``name`` (None: the first row)."""
        if name is None:
            return 0
        for i, (label, r) in enumerate(zip(self.labels, self.results)):
            if name in (label, r.name):
                return i
        raise CaseError(f"baseline {name!r} is not one of the rows ({', '.join(self.labels)})")

    def rows(self) -> list[Row]:
        """The table's rows, each compared with the baseline row (computed once per baseline,
        function and columns, however often the table is shown)."""
        key = (self.baseline, self.function, tuple(self.columns))
        if key not in self._rows:
            self._rows[key] = self._compute_rows()
        return self._rows[key]

    def _compute_rows(self) -> list[Row]:
        base = self.results[self.baseline]
        base_fn = pick_function(base, self.function)
        out = []
        for i, (label, r) in enumerate(zip(self.labels, self.results)):
            fn = pick_function(r, self.function)
            old_rows = base_fn.instructions if base_fn and fn and base_fn.symbol == fn.symbol else []
            if i == self.baseline:
                rows = [RowDiff("same", row, row) for row in (fn.instructions if fn else [])]
            elif base_fn is None or fn is None or base_fn.symbol != fn.symbol:
                rows = [RowDiff("added", row, None) for row in (fn.instructions if fn else [])]
            else:
                rows = diff_rows(old_rows, fn.instructions)
            lines = {} if i == self.baseline else {
                p: diff_lines(base.files.get(p, ""), r.files.get(p, "")) for p in self.columns
            }
            same_out = (base.outcome, base.stdout, base.stderr) == (r.outcome, r.stdout, r.stderr)
            out.append(Row(label, r, fn, rows, lines, not same_out, i == self.baseline))
        return out

    def failures(self) -> list[str]:
        """One sentence per row whose outcome misses its case's expectation (default: ok)."""
        return [r.expectation_failure() for r in self.results if not r.met_expectation]


def table(results: list[Result], columns: list[str] | None = None, function: str | None = None,
          baseline: str | int | None = None) -> CaseTable:
    """A case table of ``results`` (e.g. from :meth:`Session.run_cases`): ``columns`` are
    workspace files shown per row, ``function`` a regex choosing the listed function, ``baseline``
    the row (index, case name or label) the others are compared with."""
    t = CaseTable(list(results), list(columns or []), function)
    t.baseline = baseline if isinstance(baseline, int) else t.baseline_index(baseline)
    return t


def default_columns(results: list[Result]) -> list[str]:
    """File columns worth showing: the ``.go`` files whose text differs between the results,
    else every ``.go`` file."""
    paths: list[str] = []
    for r in results:
        paths += [p for p in r.files if p.endswith(".go") and p not in paths]
    varying = [p for p in paths if len({r.files.get(p) for r in results}) > 1]
    return varying or paths
