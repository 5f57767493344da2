"""The linker's view as HTML — pure functions used by every view: the linked program's symbols
(a compact list in the output pane), and with ``--objects`` each module package's compiled
object before the link: what it defines, what it leaves for the linker, and each function's
rows by offset — the object's bytes with the relocation's hole marked, the relocation, the
compiler's ``-S`` text and the linked instruction that fills the hole.

A symbol row carries the symbol's hover class (:class:`~golink_magic.render.listing.Symbols`),
so hovering or focusing it lights the source lines that declare or bind the name and every
operand naming it, and the other way round.
"""

from __future__ import annotations

from html import escape

from ..model.linkage import ObjectFunction, PackageObject, Reloc, Symbol
from ..model.result import Function, Result
from .assets import asset
from .listing import AsmStyle, Symbols, count, fold

LINKER_CSS = asset("linker.css")  # the symbol and object rows' look, beside the HTML made here


def _symbol_row(sym: Symbol, symbols: Symbols, compact: bool = False) -> str:
    """One focusable row: code, size, address, name; its title says what the symbol is and
    where the source declares or binds it.  Kept small: a table repeats it per row."""
    if not sym.held:
        cls = f"{symbols.css_class(sym.name)} {symbols.css_class(sym.became)}"
        return (f'<div class="glm-symrow glm-absent {cls}" data-sym="{escape(sym.name)}" role="listitem" '
                f'tabindex="-1" title="{escape(symbols.title(sym.became))}"><span class="glm-code">–</span>'
                f'<span class="glm-size"></span><span class="glm-addr"></span><span class="glm-sname">'
                f'{escape(sym.name)} <span class="glm-dim">not in the program → {escape(sym.became)}</span></span></div>')
    where = f"{sym.address:x}" if sym.address is not None else ""
    title = "" if compact else \
        f' title="{escape(symbols.title(sym.name).replace(" — ", f" — {sym.kind}, {sym.size} bytes; ", 1))}"'
    return (f'<div class="glm-symrow {symbols.css_class(sym.name)}" data-sym="{escape(sym.name)}" '
            f'role="listitem" tabindex="-1"{title}><span class="glm-code">{escape(sym.code)}</span>'
            f'<span class="glm-size">{sym.size}</span><span class="glm-addr">{where}</span>'
            f'<span class="glm-sname">{escape(sym.name)}</span></div>')


def symbols_block(result: Result, symbols: Symbols, marks: dict[str, str] | None = None, compact: bool = False) -> str:
    """The linked program's symbols (``go tool nm``): the module's, those a directive names and
    the local names a directive renamed, one focusable row each; ``marks`` (name → why) flags
    rows that differ from another result; ``compact`` (a case table's rows) leaves out each
    row's tooltip."""
    if not result.symbols:
        return ""
    rows = []
    for sym in result.symbols:
        html = _symbol_row(sym, symbols, compact)
        if marks and sym.name in marks:
            html = html.replace('class="glm-symrow ', 'class="glm-symrow glm-changed ', 1).replace(
                '</span></div>', f' <span class="glm-dim">({escape(marks[sym.name])})</span></span></div>', 1)
        rows.append(html)
    return (f'<div class="glm-sec" title="go tool nm of the program: code, size, address, name">'
            f'symbols after the link <span class="glm-dim">{len(result.symbols)}</span></div><div class="glm-syms" '
            f'role="list" aria-label="Symbols of the linked program">{"".join(rows)}</div>')


def symbol_changes(a: Result, b: Result) -> dict[str, str]:
    """Name → how ``b``'s symbol differs from ``a``'s (new, gone, other kind or size)."""
    old = {s.name: s for s in a.symbols}
    out = {}
    for s in b.symbols:
        o = old.get(s.name)
        if o is None:
            out[s.name] = "new"
        elif (o.code, o.size) != (s.code, s.size):
            out[s.name] = f"was {o.code or '–'} {o.size}"
    return out


# -- before the link ----------------------------------------------------------------------------

def _hex_with_holes(row_hex: str, offset: int, relocs: list[Reloc]) -> str:
    """The object's bytes, the ones a relocation fills marked."""
    holes = {i for r in relocs for i in range(r.offset - offset, r.offset - offset + r.size)}
    pairs = [row_hex[i:i + 2] for i in range(0, len(row_hex), 2)]
    return " ".join(f'<mark class="glm-hole">{p}</mark>' if i in holes else p for i, p in enumerate(pairs))


def _reloc_text(r: Reloc) -> str:
    add = f"{r.addend:+d}" if r.addend else ""
    return f"{r.type} {r.target}{add}"


def _object_row(row, linked, symbols: Symbols, noted: set[str]) -> str:
    relocs = [r for r in row.relocs if r.size]  # R_USEIFACE and friends mark, they fill no bytes
    classes = "".join(f" {symbols.css_class(r.target)}" for r in relocs if r.target in noted)
    rel = "; ".join(f"[{r.offset - row.offset}:{r.offset - row.offset + r.size}] {_reloc_text(r)}" for r in relocs)
    after = linked.text if linked is not None else ""
    label = f"+{row.offset}: object {row.text}" + (f", relocation {rel}" if rel else "") \
        + (f", compiler {row.asm}" if row.asm else "") + (f", linked {after}" if after else "")
    return (f'<div class="glm-row glm-orow{" glm-lnrow" if classes else ""}{classes}" role="listitem" tabindex="-1" '
            f'aria-label="{escape(label)}"><span class="glm-off">+{row.offset}</span>'
            f'<span class="glm-hex">{_hex_with_holes(row.hex, row.offset, relocs)}</span>'
            f'<span class="glm-rel">{escape(rel)}</span><span class="glm-cmp">{escape(row.asm)}</span>'
            f'<span class="glm-ins">{escape(after)}</span></div>')


def _function_table(fn: ObjectFunction, linked: Function | None, symbols: Symbols, noted: set[str],
                    budget: list[int]) -> str:
    start = linked.instructions[0].pc if linked and linked.instructions else 0
    by_offset = {r.pc - start: r for r in linked.instructions} if linked else {}
    rows = []
    for row in fn.rows:
        if budget[0] <= 0:
            rows.append(f'<div class="glm-more">… {len(fn.rows) - len(rows)} more rows not shown (view size limit)</div>')
            break
        html = _object_row(row, by_offset.get(row.offset), symbols, noted)
        budget[0] -= len(html.encode())
        rows.append(html)
    head = ('<div class="glm-ohead" aria-hidden="true"><span>offset</span><span>object bytes (holes marked)</span>'
            '<span>relocation</span><span>compiler -S</span><span>linked</span></div>')
    where = "" if linked else " · not in the linked program"
    return fold(f"{fn.symbol} · {count(len(fn.rows))}{where}",
                f'{head}<div role="list" aria-label="{escape(fn.symbol)} by offset: object, compiler, linked">'
                f'{"".join(rows)}</div>', open_=any(r.target in noted for row in fn.rows for r in row.relocs))


def _names(title: str, names: list[str], symbols: Symbols, noted: set[str]) -> str:
    first = [n for n in names if n in noted]
    rest = len(names) - len(first)
    shown = "".join(f'<span class="glm-sy {symbols.css_class(n)}" data-sym="{escape(n)}" title="{escape(symbols.title(n))}">'
                    f'{escape(n)}</span> ' for n in first)
    more = f'<span class="glm-dim">{"and " if first else ""}{rest} more</span>' if rest else ""
    return f'<div class="glm-meta">{escape(title)}: {shown}{more}</div>' if names else ""


def _defined(obj: PackageObject, symbols: Symbols, noted: set[str]) -> str:
    """The object's own definitions: the ones the view is about named with their code and size."""
    first = [s for s in obj.defined if s.name in noted]
    shown = "".join(f'<span class="glm-sy {symbols.css_class(s.name)}" data-sym="{escape(s.name)}" '
                    f'title="{escape(s.kind)}, {s.size} bytes">{escape(s.code)} {escape(s.name)}</span> ' for s in first)
    rest = len(obj.defined) - len(first)
    more = f'<span class="glm-dim">{"and " if first else ""}{rest} made by the compiler</span>' if rest else ""
    return f'<div class="glm-meta">defines: {shown}{more}</div>'


def objects_block(result: Result, st: AsmStyle, budget: list[int]) -> str:
    """Per module package, its compiled object before the link (``--objects``)."""
    if not result.objects:
        return ""
    symbols = st.symbols
    noted = {s.name for s in result.symbols} | set(symbols.bound) | set(symbols.declared)
    linked = {f.symbol: f for f in result.functions}
    parts = []
    for obj in result.objects:
        body = (_defined(obj, symbols, noted)
                + _names("leaves to the linker (U)", obj.undefined, symbols, noted)
                + "".join(_function_table(fn, linked.get(fn.symbol), symbols, noted, budget) for fn in obj.functions)
                + "".join(f'<div class="glm-meta">note: {escape(n)}</div>' for n in obj.notes))
        parts.append(f'<div class="glm-obj" role="region" aria-label="Compiled object of {escape(obj.package)}">'
                     f'<div class="glm-fnh">object of <span class="glm-sym">{escape(obj.package)}</span> '
                     f'<span class="glm-dim">{escape(obj.archive)}</span></div>{body}</div>')
    return (f'<div class="glm-sec">before the link <span class="glm-dim">compiled objects · go list -export, '
            f'go tool nm, go tool objdump, -gcflags=-S</span></div>{"".join(parts)}')
