"""Plain-text renderings of results, diffs, case tables and matrices (what a terminal, a log and
a notebook's text/plain fallback show), and the cap on how much of a stream is shown."""

from __future__ import annotations

from difflib import unified_diff

from ..listing.compare import CaseTable, Diff
from ..model.result import Function, Result
from .listing import SUMMARY, count, origins, segments

TEXT_CAP = 16_000         # characters of stdout/stderr/build output shown per stream


def cut(text: str, cap: int = TEXT_CAP) -> tuple[str, int, str]:
    """(the first ``cap`` characters, how many more there are, the runner's own cut note if the
    text ends with one — it says how much the program printed beyond what was kept)."""
    if len(text) <= cap:
        return text, 0, ""
    tail = text.rstrip("\n").rpartition("\n")[2]
    note = tail if tail.startswith("[… ") and " cut; golink_magic keeps " in tail else ""
    return text[:cap], len(text) - cap, note


def capped_text(text: str) -> str:
    shown, more, note = cut(text)
    return shown if not more else f"{shown}\n[… {more:,} more characters not shown]" + (f"\n{note}" if note else "")


BUILD_HEAD_LINES = 8  # lines of a long build output shown before the fold (the usage text a bad flag prints)


def build_head(text: str) -> tuple[str, str]:
    """A build output's first lines and the rest, when the rest is long enough to fold
    (a mistyped linker flag prints the linker's whole usage, ~100 lines)."""
    lines = text.splitlines(keepends=True)
    if len(lines) <= BUILD_HEAD_LINES + 4:
        return text, ""
    return "".join(lines[:BUILD_HEAD_LINES]), "".join(lines[BUILD_HEAD_LINES:])


def render_text(result: Result) -> str:
    """A readable plain-text summary: outcome, output and the assembly listing."""
    lines = [f"{result.name + ': ' if result.name else ''}{result.outcome}  ({result.go_version})"]
    if result.exit_code not in (None, 0) or result.signal:
        lines.append(f"exit code {result.exit_code}" + (f", signal {result.signal}" if result.signal else ""))
    if result.build_output.strip():
        head, rest = build_head(capped_text(result.build_output.rstrip()))
        lines += ["--- build ---", head.rstrip("\n")]
        if rest:
            lines.append(f"[… {len(rest.splitlines())} more lines of the build's output, folded]")
    if result.stdout:
        lines += ["--- stdout ---", capped_text(result.stdout.rstrip("\n"))]
    if result.stderr:
        lines += ["--- stderr ---", capped_text(result.stderr.rstrip("\n"))]
    for note in result.notes:
        lines.append(f"note: {note}")
    if not result.functions and result.options.objdump and result.outcome not in ("compile-error", "link-error"):
        lines.append("note: no function matched --objdump " + ", ".join(result.options.objdump))
    lines += symbols_text(result)
    for fn in result.functions:
        lines.append(f"TEXT {fn.symbol}(SB) {fn.file}")
        lines += function_rows_text(fn, result.options.unfold)
    if result.options.objects:
        lines += objects_text(result)
    return "\n".join(lines)


def function_rows_text(fn: Function, unfold: bool = False) -> list[str]:
    """A function's rows, one per line.  As the view folds them, unless ``unfold``: a run of rows
    inlined from outside the module (fmt's printing code, mostly) is one line saying where it came
    from, and the stack check and the ``morestack`` tail are one line each."""
    out = []
    for kind, rows in segments(fn):
        if kind == "inlined" and not unfold:
            out.append(f"  … {count(len(rows))} inlined from {origins(rows)} (folded; --unfold shows them)")
            continue
        if kind in ("check", "tail") and not unfold:
            out.append(f"  … {SUMMARY[kind]}: {count(len(rows))} (folded; --unfold shows them)")
            continue
        out += [f"  {row.file}:{row.line}\t{row.text}" + ("  (inlined)" if row.external else "") for row in rows]
    return out


def symbols_text(result: Result) -> list[str]:
    """The linked program's symbols as ``go tool nm`` prints them (and the renamed local names)."""
    if not result.symbols:
        return []
    out = ["--- symbols (after the link) ---"]
    for s in result.symbols:
        if s.held:
            out.append(f"{s.address or 0:10x} {s.size:10d} {s.code} {s.name}" if s.address is not None
                       else f"{'':10} {s.size:10d} {s.code} {s.name}")
        else:
            out.append(f"{'':10} {'':10} - {s.name}  (not in the program: the directive made it {s.became})")
    return out


def objects_text(result: Result) -> list[str]:
    """Each module package's compiled object: undefined names and each relocating row, with the
    compiler's -S text beside it."""
    out = []
    for obj in result.objects:
        out.append(f"--- object of {obj.package} (before the link) ---")
        out += [f"  defines {s.code} {s.name} ({s.size} bytes)" for s in obj.defined
                if not s.name.startswith(("go:", "go.", "type:", "type.", "runtime.gcbits"))]
        out += [f"  undefined {name}" for name in obj.undefined if not name.startswith(("type:", "type.", "go:", "go."))]
        for fn in obj.functions:
            out.append(f"  TEXT {fn.symbol}")
            for row in fn.rows:
                relocs = "  ".join(f"[{r.offset - row.offset}:{r.offset - row.offset + r.size}]{r.type}:{r.target}"
                                   f"{f'{r.addend:+d}' if r.addend else ''}"
                                   for r in row.relocs if r.size)
                if relocs:
                    out.append(f"    +{row.offset:<5d} {row.hex:<16} {relocs}    -S: {row.asm}")
    return out


def render_diff_text(d: Diff) -> str:
    """A unified-diff-like text of two results' listings, after normalisation."""
    out = [f"--- {d.a.name or 'a'} ({d.a.outcome})", f"+++ {d.b.name or 'b'} ({d.b.outcome})"]
    if d.a.stdout != d.b.stdout:
        out += [f"-stdout {line}" for line in d.a.stdout.splitlines()]
        out += [f"+stdout {line}" for line in d.b.stdout.splitlines()]
    for path in sorted(set(d.a.files) | set(d.b.files)):
        old, new = d.a.files.get(path, "").splitlines(), d.b.files.get(path, "").splitlines()
        hunks = list(unified_diff(old, new, n=0, lineterm=""))[2:]
        out += [f"=== {path}", *hunks] if hunks else []
    for fd in d.functions:
        if not fd.changed:
            continue
        out.append(f"@@ {fd.symbol}")
        for r in fd.rows:
            if r.kind == "same":
                continue
            if r.old is not None:
                out.append(f"-  {r.old.file}:{r.old.line}\t{r.old.text}")
            if r.new is not None:
                out.append(f"+  {r.new.file}:{r.new.line}\t{r.new.text}")
    if len(out) == 2:
        out.append("(no differences after normalising addresses)")
    return "\n".join(out)


def render_table_text(table: CaseTable) -> str:
    """Plain-text summary of a case table: outcome, stdout and changed operands per row."""
    out = []
    for row in table.rows():
        base = " (baseline)" if row.is_baseline else ""
        out.append(f"{row.label}{base}: {row.result.outcome}  {row.result.stdout.strip()[:200]}")
        problem = [ln for ln in row.result.build_output.splitlines() if ln.strip() and not ln.startswith("#")]
        if problem:
            out.append(f"    {problem[0][:200]}")
        for d in row.rows:
            if d.kind == "changed":
                out.append(f"    {d.old.text}  →  {d.new.text}")
            elif d.kind == "added":
                out.append(f"    + {d.new.text}")
            elif d.kind == "removed":
                out.append(f"    - {d.old.text}")
    return "\n".join(out)


def render_matrix_text(results: list[Result]) -> str:
    """Plain-text summary of a toolchain/GOARCH matrix."""
    return "\n".join(f"{r.go_version}: {r.outcome}  {r.stdout.strip()[:200]}" for r in results)
