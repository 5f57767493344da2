"""Rendering results as HTML and plain text — pure functions, result in, string out.

The single-case view has three panes: **Source** (every workspace file, Go highlighted by
Pygments, line numbers), **Output** (outcome badge, exit status, stdout/stderr, build messages)
and **Assembly** (per function, rows of source line + instruction).  A source line that produced
instructions and its rows share a colour; hovering either highlights both.  That linking is
CSS only (``:has()`` rules in a ``<style>`` block, no JavaScript), so it survives JupyterLab's
sanitiser, nbconvert, nbviewer and GitHub.  Source lines and in-module rows carry
``data-src="PATH:LINE"`` (PATH as in :attr:`Result.files`); rows inlined from outside the module
carry ``data-origin`` instead and are folded.

Themes come from JupyterLab's ``--jp-*`` variables (with light fallbacks elsewhere).  A view
stays under :data:`PAYLOAD_LIMIT` bytes: long texts and listings are cut with a note saying how
much was left out.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from html import escape

from ..listing.compare import CaseTable, Diff, diff_rows
from .listing import (
    AsmStyle,
    JUMP_HOVER,
    LISTING_CSS,
    Links,
    SYM_HOVER,
    Symbols,
    count,
    cut_note,
    function_block,
    reading_guide,
    row_key,
    segments,
    select_functions,
)
from ..model.result import BUILD_MESSAGE, Function, Result
from .linker import LINKER_CSS, objects_block, symbol_changes, symbols_block
from ..model.gosource import linknames
from .assets import asset
from .source import SOURCE_CAP, highlight_lines, line_key, source_block, source_files, line_keys, source_order
from .text import (TEXT_CAP, build_head, cut, render_diff_text, render_matrix_text, render_table_text,  # noqa: F401 - re-exported
                   render_text)

PAYLOAD_LIMIT = 250_000   # bytes of HTML per view

_CSS = "\n" + asset("view.css") + LISTING_CSS + LINKER_CSS  # the frame, source, output; assembly rows; symbols

# Appended to the per-view rules `.ROOT:has(.KEY:hover) .KEY` (one per linked source line).
_HOVER = "{background:hsla(var(--glm-h,45),85%,55%,.42);outline:1px solid hsla(var(--glm-h,45),70%,45%,.9)}"



# ---------------------------------------------------------------------------------------------
# building blocks


def _link_rows(links: Links, source_keys: set[str], functions: list[Function]) -> None:
    """Colour, in source order, every source line that produced a listed instruction."""
    wanted = {row_key(r) for fn in functions for r in fn.instructions} & source_keys
    order = {k: i for i, k in enumerate(sorted(source_keys, key=source_order))}
    for key in sorted(wanted, key=order.__getitem__):
        links.add(key)


def _capped(text: str, cap: int = TEXT_CAP) -> tuple[str, str]:
    shown, more, note = cut(text, cap)
    if not more:
        return text, ""
    extra = f" · {escape(note.strip('[]'))}" if note else ""
    return shown, f'<div class="glm-more">… {more:,} more characters not shown{extra}</div>'


def _badge(outcome: str) -> str:
    return f'<span class="glm-badge glm-b-{escape(outcome)}">{escape(outcome)}</span>'




def _message_key(result: Result, path: str, line: str) -> str:
    path = path[2:] if path.startswith("./") else path
    if result.module_root not in (".", ""):
        path = f"{result.module_root}/{path}"
    return line_key(path, int(line))


def _build_errors(result: Result) -> dict[str, list[str]]:
    """Source key → build messages pointing at it."""
    found: dict[str, list[str]] = {}
    for line in result.build_output.splitlines():
        m = BUILD_MESSAGE.match(line)
        if m:
            found.setdefault(_message_key(result, m["path"], m["line"]), []).append(line)
    return found


def _stream(title: str, text: str, extra_cls: str = "") -> str:
    if not text.strip():
        return ""
    shown, more = _capped(text)
    return f'<div class="glm-sec">{title}</div><pre class="glm-pre{extra_cls}">{escape(shown)}</pre>{more}'


def _output_block(result: Result, links: Links, changed: bool = False) -> str:
    """Badge, exit status, stdout/stderr, build messages (file:line linked), notes, commands."""
    status = []
    if result.exit_code not in (None, 0):
        status.append(f"exit code {result.exit_code}")
    if result.signal:
        status.append(f"signal {escape(result.signal)}")
    timing = " · ".join(f"{k} {v:.2f} s" for k, v in result.timings.items() if k in ("build", "run"))
    meta = " · ".join(x for x in [*status, escape(result.go_version), timing, "cached build" if result.cached else ""] if x)
    parts = [f'<div class="glm-meta">{_badge(result.outcome)} {meta}</div>']
    out_cls = " glm-changed" if changed else ""
    parts.append(_stream("stdout", result.stdout, out_cls))
    parts.append(_stream("stderr", result.stderr, out_cls))
    if result.build_output.strip():
        shown, more = _capped(result.build_output)
        head, rest = build_head(shown)
        lines = []
        for line in head.splitlines():
            m = BUILD_MESSAGE.match(line)
            key = _message_key(result, m["path"], m["line"]) if m else None
            cls = links.classes(key) if key else ""
            lines.append(f'<span class="glm-msg{cls}"{f" data-src={escape(key)!r}" if key and cls else ""}>{escape(line)}</span>')
        folded = "" if not rest else (f'<details class="glm-fold"><summary>{len(rest.splitlines())} more lines of '
                                      f'the build\'s output</summary><pre class="glm-pre">{escape(rest)}</pre></details>')
        parts.append(f'<div class="glm-sec">build</div><pre class="glm-pre">{"".join(lines)}</pre>{folded}{more}')
    for note in result.notes:
        parts.append(f'<div class="glm-meta">note: {escape(note)}</div>')
    if result.commands:
        cmds = escape("\n".join(result.commands))
        parts.append(f'<details class="glm-fold"><summary>commands</summary><pre class="glm-pre">{cmds}</pre></details>')
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# assembly


def _directive_lines(files: dict[str, str]) -> dict[str, set[int]]:
    """Path → numbers of its ``//go:linkname`` lines."""
    found: dict[str, set[int]] = {}
    for ln in linknames(files):
        found.setdefault(ln.path, set()).add(ln.line)
    return found


# ---------------------------------------------------------------------------------------------
# whole views


def _root(kind: str, *parts: str) -> str:
    digest = hashlib.sha1("".join(parts).encode("utf-8", "replace")).hexdigest()[:7]
    return f"glm-{kind}{digest}"


def _page(root: str, links: Links, body: str, extra_css: str = "", styles: tuple[AsmStyle, ...] = ()) -> str:
    rules = [links.rules(root) + _HOVER if links.hover else ""]
    symbols = ",".join(dict.fromkeys(r for r in (st.symbols.rules(root) for st in styles) if r))
    jumps = ",".join(r for r in (st.jump_rules() for st in styles) if r)
    helps = "".join(dict.fromkeys(st.help_rules() for st in styles))
    rules += [symbols + SYM_HOVER if symbols else "", jumps + JUMP_HOVER if jumps else "", helps]
    return f'<div class="glm {root}"><style>{_CSS}{"".join(rules)}{extra_css}</style>{body}</div>'


def _no_listing(result: Result, fns: list[Function], function: str | None) -> str:
    if not result.functions:
        why = ("no function matched --objdump " + ", ".join(result.options.objdump)
               if result.options.objdump and result.outcome not in ("compile-error", "link-error")
               else "no listing (the build failed, or --no-objdump)")
        return f'<div class="glm-meta">{escape(why)}</div>'
    if not fns:
        return f'<div class="glm-meta">no function matches {escape(function or "")}</div>'
    return ""


def _sources(result: Result, links: Links, errors: dict, symbols: Symbols) -> tuple[list[str], int]:
    """The source pane's file blocks, within :data:`SOURCE_CAP`; (blocks, bytes)."""
    directives = _directive_lines(result.files)
    source, size = [], 0
    for path, text in source_files(result.files):
        if size > SOURCE_CAP:
            source.append(f'<div class="glm-more">… {escape(path)} not shown (view size limit)</div>')
            continue
        err_lines = {int(k.rpartition(":")[2]) for k in errors if k.rpartition(":")[0] == path}
        block = source_block(path, text, links, errors=err_lines, directives=directives.get(path, set()),
                              budget=SOURCE_CAP - size, symbols=symbols)
        size += len(block)
        source.append(block)
    return source, size


def render_html(result: Result, function: str | None = None, show_pc: bool = False, unfold: bool | None = None,
                objects: bool | None = None) -> str:
    """The three-pane view of one result.

    ``function`` is a regex choosing the functions shown (default all); ``show_pc`` adds the
    PC and instruction bytes; ``unfold`` opens the folds (stack check, morestack tail, code
    inlined from outside the module; default: the result's ``--unfold`` option); ``objects``
    shows the compiled objects before the link under the listing (default: ``--objects``).
    """
    unfold = result.options.unfold if unfold is None else unfold
    objects = result.options.objects if objects is None else objects
    fns = select_functions(result, function)
    root = _root("v", result.go_version, str(result.files), str(len(fns)))
    links = Links()
    source_keys = line_keys(result.files)
    _link_rows(links, source_keys, fns)
    errors = _build_errors(result)
    for key in errors:
        if key in source_keys:
            links.add(key, coloured=False)
    st = AsmStyle(links, Symbols.of(result), result.goarch, root, show_pc, unfold)
    for fn in fns:
        st.anchor(fn)
    source, size = _sources(result, links, errors, st.symbols)
    output = _output_block(result, links)
    symbols = symbols_block(result, st.symbols)
    budget = [PAYLOAD_LIMIT - 32_000 - size - len(output) - len(symbols.encode()) - (2 * len(root) + 70) * len(links.hover)
              - len(st.symbols.hover) * (3 * len(root) + 110)]
    asm, cut = [], 0
    for fn in fns:
        html, c = function_block(fn, st, budget)
        asm.append(html)
        cut += c
    asm.append(_no_listing(result, fns, function))
    asm.append(symbols)
    if objects:
        asm.append(objects_block(result, st, budget))
    title = f'{escape(result.name)} · ' if result.name else ""
    n_rows = sum(len(f.instructions) for f in fns)
    guide = reading_guide(result.goarch) if fns else ""
    body = (
        '<div class="glm-panes">'
        f'<div class="glm-pane glm-source" role="region" aria-label="Source"><div class="glm-title">{title}Source '
        f'<span class="glm-dim">{count(len(result.files), "file")}</span></div>'
        f'<div class="glm-scroll">{first_stop("".join(source))}</div></div>'
        f'<div class="glm-pane glm-output" role="region" aria-label="Output: {escape(result.outcome)}">'
        f'<div class="glm-title">Output {_badge(result.outcome)}</div><div class="glm-scroll">{output}</div></div>'
        f'<div class="glm-pane glm-asm" role="region" aria-label="{escape(_asm_label(fns))}"><div class="glm-title">'
        f'Assembly <span class="glm-dim">{count(len(fns), "function")} · {count(n_rows)}'
        f'{" · " + count(len(result.symbols), "symbol") + " below" if result.symbols else ""}</span></div>'
        f'<div class="glm-scroll">{guide}{first_stop("".join(asm))}{cut_note(cut)}</div></div>'
        "</div>"
    )
    return _page(root, links, body, _label_width(fns), (st,))


def _asm_label(fns: list[Function]) -> str:
    if not fns:
        return "Assembly"
    if len(fns) == 1:
        return f"Assembly of {fns[0].symbol}"
    return f"Assembly of {', '.join(f.symbol for f in fns[:3])}" + (f" and {len(fns) - 3} more" if len(fns) > 3 else "")


_STOP_TOKENS = re.compile(r'<details|</details>|tabindex="-1"')


def first_stop(html: str) -> str:
    """Make the first row of a pane that is not inside a fold its one Tab stop (roving tabindex:
    the keyboard script of the JupyterLab extension or a static page moves it with the arrow keys)."""
    depth = 0
    for m in _STOP_TOKENS.finditer(html):
        if m.group() == "<details":
            depth += 1
        elif m.group() == "</details>":
            depth -= 1
        elif depth == 0:
            return html[:m.start()] + 'tabindex="0"' + html[m.end():]
    return html.replace('tabindex="-1"', 'tabindex="0"', 1)


def _label_width(fns: list[Function]) -> str:
    width = max((len(f"{r.file}:{r.line}") for f in fns for r in f.instructions), default=8)
    return f".glm .glm-lab{{width:{min(width, 28) + 1}ch}}"


def render_diff_html(d: Diff, show_pc: bool = False) -> str:
    """Result ``b``'s listing with the rows and operands that differ from ``a`` marked."""
    root = _root("d", d.a.go_version, d.b.go_version, str(d.b.files))
    links = Links()
    _link_rows(links, line_keys(d.b.files), d.b.functions)
    st = AsmStyle(links, Symbols.of(d.b), d.b.goarch, root, show_pc)
    for fn in d.b.functions:
        st.anchor(fn)
    budget = [PAYLOAD_LIMIT - 30_000]
    by_symbol = {f.symbol: f for f in d.b.functions}
    parts, cut = [], 0
    for fd in d.functions:
        fn = by_symbol.get(fd.symbol) or Function(fd.symbol, "", [])
        html, c = function_block(fn, st, budget, fd.rows)
        parts.append(html)
        cut += c
    files = "".join(source_block(p, d.b.files[p], links, marks=lines, only=lines, symbols=st.symbols)
                    for p, lines in d.changed_files.items())
    head = (f'<div class="glm-meta">{escape(d.a.name or "a")} {_badge(d.a.outcome)} → {escape(d.b.name or "b")} '
            f'{_badge(d.b.outcome)}{"" if d.same_output else " · output differs"}</div>')
    changes = symbol_changes(d.a, d.b)
    gone = [s.name for s in d.a.symbols if s.name not in {t.name for t in d.b.symbols}]
    syms = symbols_block(d.b, st.symbols, changes) + (
        f'<div class="glm-meta">symbols gone: {escape(", ".join(gone))}</div>' if gone else "")
    body = (f'<div class="glm-pane" role="region" aria-label="Differences from {escape(d.a.name or "a")} to '
            f'{escape(d.b.name or "b")}">{head}{_stream("stdout", d.b.stdout, "" if d.same_output else " glm-changed")}'
            f'{first_stop(files + "".join(parts) + syms)}{cut_note(cut)}</div>')
    return _page(root, links, body, _label_width(d.b.functions), (st,))


def _table_row(i: int, row, table: CaseTable, root: str, unfold: bool, per_row_budget: int,
               helps: dict[str, str]) -> tuple[str, AsmStyle]:
    """One ``<tr>`` of the case table and the style whose hover rules it needs."""
    r = row.result
    links = Links(prefix=f"{i}_")
    fns = [row.function] if row.function else []
    _link_rows(links, {k for k in line_keys(r.files) if k.rpartition(":")[0] in table.columns}, fns)
    st = AsmStyle(links, Symbols.of(r, prefix=f"{i}_"), r.goarch, root, table.show_pc, unfold, short_labels=True,
                  scope=f"{i}_", helps=helps)
    directives = _directive_lines(r.files)
    cells = []
    for path in table.columns:
        text = r.files.get(path)
        cells.append('<td class="glm-src"><div class="glm-cell">' + (
            first_stop(source_block(path, text, links, marks=row.changed_lines.get(path, set()),
                                     directives=directives.get(path, set()), symbols=st.symbols))
            if text is not None else '<div class="glm-meta">—</div>') + "</div></td>")
    out = _output_block(r, links, changed=row.output_changed)
    spent = sum(len(c.encode()) for c in cells) + len(out.encode()) + 600  # the row's own cells come first
    asm, cut = function_block(row.function, st, [per_row_budget - spent], row.rows, header=False) if row.function \
        else ('<div class="glm-meta">no such function</div>', 0)
    asm += symbols_block(r, st.symbols, compact=True)
    base = ' <span class="glm-base">(baseline)</span>' if row.is_baseline else ""
    html = (f'<tr class="glm-trow" data-case="{escape(row.label)}"><th scope="row" class="glm-label">{escape(row.label)}'
            f"{base}<br>{_badge(r.outcome)}</th>{''.join(cells)}<td class=\"glm-otd\"><div class=\"glm-cell\">{out}</div></td>"
            f'<td class="glm-atd"><div class="glm-cell glm-asm">{first_stop(asm)}{cut_note(cut)}</div></td></tr>')
    return html, st


def render_table(table: CaseTable, unfold: bool | None = None) -> str:
    """The case table: one row per result with the chosen file columns, the output and the
    chosen function's assembly, differences from the baseline row marked."""
    unfold = any(r.options.unfold for r in table.results) if unfold is None else unfold
    rows = table.rows()
    root = _root("t", *(r.go_version + str(r.files) for r in table.results), str(table.baseline))
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    fn_name = next((r.function.symbol for r in rows if r.function), table.function or "main.main")
    head_row = (f'<tr><th scope="col">case</th>{head}<th scope="col">output</th>'
                f'<th scope="col">assembly of {escape(fn_name)}</th></tr>')
    html = _table_page(rows, table, root, unfold, head_row, fn_name, None)
    if len(html.encode()) > PAYLOAD_LIMIT:  # too big whole: each row spends a share of the limit
        html = _table_page(rows, table, root, unfold, head_row, fn_name, PAYLOAD_LIMIT - 8_000 - len(_CSS))
    return html


def _table_page(rows, table: CaseTable, root: str, unfold: bool, head_row: str, fn_name: str, limit: int | None) -> str:
    """The table's page; with ``limit``, each row may spend its share of what the rows before it
    left (a failed build spends little), else every row is whole."""
    body = [head_row]
    all_links, styles, helps = Links(), [], {}
    left = limit if limit is not None else 1 << 40
    for i, row in enumerate(rows):
        known = len(helps)
        html, st = _table_row(i, row, table, root, unfold, max(4_000, left // (len(rows) - i)), helps)
        left -= len(html.encode()) + len(st.symbols.rules(root)) + len(st.links.rules(root)) + len(st.jump_rules()) \
            + (len(helps) - known) * (2 * len(root) + 150)
        body.append(html)
        styles.append(st)
        all_links.hover.update(st.links.hover)
    return _page(root, all_links, f'<div class="glm-twrap" role="region" aria-label="Case table" tabindex="0">'
                 f'<table class="glm-table" aria-label="Case table: assembly of {escape(fn_name)}">{"".join(body)}</table></div>',
                 ".glm .glm-lab{width:5ch}", tuple(styles))


def render_matrix(results: list[Result], function: str | None = None, baseline: int = 0, show_pc: bool = False,
                  unfold: bool | None = None) -> str:
    """One case over several toolchains/GOARCHes: the source once, then output and assembly per
    column, each column's listing compared (after normalisation) with the ``baseline`` column."""
    if not results:
        return '<div class="glm"><div class="glm-meta">no results</div></div>'
    unfold = any(r.options.unfold for r in results) if unfold is None else unfold
    base = results[baseline]
    root = _root("m", *(r.go_version + str(r.files) for r in results))
    links = Links()
    _link_rows(links, line_keys(base.files), [f for r in results for f in select_functions(r, function)])
    symbols = Symbols.of(base)
    source = "".join(source_block(p, t, links, symbols=symbols) for p, t in source_files(base.files))
    columns = [f'<div class="glm-pane glm-source" role="region" aria-label="Source"><div class="glm-title">Source</div>'
               f'<div class="glm-scroll">{first_stop(source)}</div></div>']
    budget = [PAYLOAD_LIMIT - 30_000 - len(source)]
    base_fns = {f.symbol: f for f in select_functions(base, function)}
    styles, helps = [], {}
    for i, r in enumerate(results):
        # One set of symbol classes: hovering a source line lights every column; ids stay per column.
        st = AsmStyle(links, symbols, r.goarch, root, show_pc, unfold, short_labels=True, scope=f"c{i}_", helps=helps)
        styles.append(st)
        asm, cut = [], 0
        shown = select_functions(r, function)
        for fn in shown:
            st.anchor(fn)
        for fn in shown:
            old = base_fns.get(fn.symbol)
            diffs = None if i == baseline else diff_rows(old.instructions if old else [], fn.instructions)
            html, c = function_block(fn, st, budget, diffs)
            asm.append(html)
            cut += c
        same = (r.outcome, r.stdout, r.stderr) == (base.outcome, base.stdout, base.stderr)
        tag = " (baseline)" if i == baseline else ""
        columns.append(
            f'<div class="glm-pane glm-col" data-go="{escape(r.go_version)}" role="region" '
            f'aria-label="{escape(r.target_label)}: {escape(r.outcome)}, {escape(_asm_label(shown))}"><div class="glm-title">'
            f'{escape(r.target_label)}<span class="glm-dim">{tag}</span> {_badge(r.outcome)}</div>'
            f'<div class="glm-scroll">{_output_block(r, links, changed=not same)}{first_stop("".join(asm) + symbols_block(r, symbols))}'
            f'{cut_note(cut)}</div></div>')
    return _page(root, links, f'<div class="glm-panes">{"".join(columns)}</div>', ".glm .glm-lab{width:5ch}",
                 tuple(styles))


__all__ = [
    "PAYLOAD_LIMIT", "render_diff_html", "render_diff_text", "render_html",
    "render_matrix", "render_matrix_text", "render_table", "render_table_text", "render_text", "segments",
    "select_functions",
]
