"""The assembly listing as HTML, explained — pure functions used by every view.

Each row shows its source line label and the instruction, and explains itself without a
script, so the same HTML works live, in saved notebooks and in static pages:

- the mnemonic is ``<span data-op="MOVQ" title="…">`` with one line of help (:mod:`asm_help`);
- every ``NAME(SB)`` operand is ``<span data-sym="NAME">`` sharing a hover class with the source
  lines that declare or bind ``NAME`` (``data-syms`` on those lines, :mod:`go_symbols`), so hovering
  either lights the other; a symbol outside the module says which package it belongs to;
- a CALL to a function shown in the same view is a link to that function's block, and a jump
  inside a function is a link to its target row, which lights up while the jump is hovered;
- a row that reads, writes or calls a symbol bound by a ``//go:linkname`` of the module is
  marked, and its operand's tooltip names the directive (file:line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from ..listing.instructions import chip_help, explain_instruction, explain_operand
from ..listing.compare import RowDiff
from ..listing.symbols import line_symbols, linkname_bindings, symbol_package, symbol_sources
from ..listing.objdump import operands, symbol_of
from ..model.result import Function, Instruction, Result
from .assets import asset
from ..model.gosource import DEFAULT_MODULE

LISTING_CSS = asset("listing.css")  # the rows' look: static/listing.css, beside the HTML made here
# Appended to the rules lighting a symbol's operands and declaring lines, and a jump with its target.
SYM_HOVER = ("{background:rgba(25,118,210,.22);outline:2px solid var(--jp-brand-color1,#1976d2);"
             "outline-offset:-1px;font-weight:700}")
JUMP_HOVER = "{background:rgba(255,193,7,.4);outline:1px dashed #b35900}"

PALETTE = (210, 30, 130, 280, 0, 170, 55, 320, 95, 250)  # hues, far apart in order
_CALLS = re.compile(r"^(CALL|JMP|RET|BL|B|J[A-Z]+|C?BN?Z|TBN?Z|B\.?(?:EQ|NE|CS|HS|CC|LO|MI|PL|VS|VC|HI|LS|GE|LT|GT|LE))\b")
_ADDRESS = re.compile(r"^0x([0-9a-f]+)$")


@dataclass
class Links:
    """Colour and hover classes for source keys (``PATH:LINE``) within one view."""

    prefix: str = ""
    colour: dict[str, int] = field(default_factory=dict)
    hover: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, coloured: bool = True) -> None:
        """Give ``key`` a hover class (and a colour unless ``coloured`` is False)."""
        if key not in self.hover:
            self.hover[key] = f"glm-k{self.prefix}{len(self.hover)}"
        if coloured and key not in self.colour:
            self.colour[key] = len(self.colour) % len(PALETTE)

    def classes(self, key: str | None) -> str:
        """The classes an element linked to ``key`` carries (leading space), or ``""``."""
        if key is None or key not in self.hover:
            return ""
        out = f" {self.hover[key]}"
        if key in self.colour:
            out += f" glm-lk glm-c{self.colour[key]}"
        return out

    def rules(self, root: str) -> str:
        """The CSS selectors lighting every element of a key while one of them is hovered or has
        the keyboard focus."""
        return ",".join(f".{root}:has(.{k}:hover) .{k},.{root}:has(.{k}:focus) .{k}" for k in self.hover.values())


@dataclass
class Symbols:
    """Linker symbols of one view (or one table row): which source lines declare or bind each,
    which ``//go:linkname`` binds it, and the hover class shared by its operands and lines."""

    module: str = ""
    prefix: str = ""
    lines: dict[str, dict[int, list[str]]] = field(default_factory=dict)   # path → line → symbols
    declared: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # symbol → its lines
    bound: dict[str, list[tuple[str, int]]] = field(default_factory=dict)     # symbol → its directives' lines
    files: dict[str, str] = field(default_factory=dict)
    hover: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, result: Result, prefix: str = "") -> "Symbols":
        """The symbols of ``result``'s Go files."""
        module, root = result.module or DEFAULT_MODULE, result.module_root or "."
        return cls(result.module, prefix, line_symbols(result.files, module, root),
                   symbol_sources(result.files, module, root), linkname_bindings(result.files, module, root),
                   result.files)

    def css_class(self, symbol: str) -> str:
        """The hover class of ``symbol`` (made on first use)."""
        if symbol not in self.hover:
            self.hover[symbol] = f"glm-s{self.prefix}{len(self.hover)}"
        return self.hover[symbol]

    def line_attrs(self, path: str, line: int) -> tuple[str, str]:
        """(extra classes, ``data-syms`` attribute) for a source line; empty when it declares nothing."""
        syms = self.lines.get(path, {}).get(line)
        if not syms:
            return "", ""
        classes = "".join(f" {self.css_class(s)}" for s in syms)
        return classes + " glm-decl", f' data-syms="{escape(" ".join(syms))}"'

    def title(self, symbol: str) -> str:
        """One line about ``symbol``: where it is declared, which directive binds it, or which
        package outside the module it belongs to."""
        directives = self.bound.get(symbol, [])
        parts = ["bound by " + "; ".join(_directive(self.files, p, n) for p, n in directives)] if directives else []
        places = [f"{p}:{n}" for p, n in self.declared.get(symbol, []) if (p, n) not in directives]
        if places:
            parts.append("declared at " + ", ".join(places))
        if not parts:
            pkg = symbol_package(symbol)
            if not pkg:
                parts.append("made by the compiler or linker")
            elif pkg == self.module or pkg.startswith(self.module + "/"):
                parts.append("not declared in the shown files")
            else:
                parts.append(f"in package {pkg}, outside this module")
        return f"{symbol} — " + "; ".join(parts)

    def rules(self, root: str) -> str:
        """CSS selectors lighting a symbol's operands and lines while one of them is hovered, or
        a line declaring it or a row using it has the keyboard focus."""
        return ",".join(f".{root}:has(.{k}:hover) .{k},.{root}:has(.{k}:focus) .{k},.{root}:has(.glm-row:focus .{k}) .{k}"
                        for k in self.hover.values())


def _directive(files: dict[str, str], path: str, line: int) -> str:
    """``//go:linkname a b (path:line)``: the directive's own text and where it is."""
    lines = files.get(path, "").splitlines()
    text = lines[line - 1].strip() if 0 < line <= len(lines) else "//go:linkname"
    return f"{text} ({path}:{line})"


@dataclass
class AsmStyle:
    """How one view draws its listing: its links, symbols, anchors and toggles."""

    links: Links
    symbols: Symbols
    goarch: str = "amd64"
    root: str = "glm"                     # the view's root class: ids and hover rules are scoped by it
    show_pc: bool = False
    unfold: bool = False
    short_labels: bool = False            # narrow table cells: `:13` for lines of the function's own file
    scope: str = ""                       # sets apart the ids and jump classes of a table row or matrix column
    anchors: dict[str, str] = field(default_factory=dict)   # symbol of a shown function → its block id
    jumps: dict[str, str] = field(default_factory=dict)     # hover class of a jump target → ""
    helps: dict[str, str] = field(default_factory=dict)     # operand help text → its class (one CSS rule each)
    _made: int = 0

    def help_class(self, text: str) -> str:
        """The class showing ``text`` on hover; each distinct help is written once, in the view's
        style, not on every operand (registers repeat on nearly every row)."""
        if text not in self.helps:  # one dict may be shared by all the rows or columns of a view
            self.helps[text] = f"glm-oh{len(self.helps)}"
        return self.helps[text]

    def help_rules(self) -> str:
        """The ``::after`` content rules of the operand help classes."""
        def css(text: str) -> str:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ") + '"'
        return "".join(f".{self.root} .{k}:hover::after,.{self.root} .glm-row:focus .glm-sy.{k}::after,"
                       f".{self.root} .glm-row:focus .glm-op.{k}::after{{content:{css(t)}}}"
                       for t, k in self.helps.items())

    def anchor(self, fn: Function) -> str:
        """The id of ``fn``'s block, registered so CALLs to it become links."""
        if fn.symbol not in self.anchors:
            self.anchors[fn.symbol] = f"{self.root}-{self.scope}f{self._made}"
            self._made += 1
        return self.anchors[fn.symbol]

    def jump_rules(self) -> str:
        """CSS selectors lighting a jump and its target row together (hover, or focus on the
        jumping row)."""
        return ",".join(f".{self.root}:has(.{k}:hover) .{k},.{self.root}:has(.glm-row:focus .{k}) .{k}"
                        for k in self.jumps)


def row_key(row: Instruction) -> str | None:
    """``PATH:LINE`` of a row whose source lies in the module, else None."""
    return None if row.external or row.line <= 0 or not row.file else f"{row.file}:{row.line}"


def segments(fn: Function) -> list[tuple[str, list[Instruction]]]:
    """The function's rows in runs of one kind: ``check`` (stack-check prologue), ``body``,
    ``inlined`` (code inlined from outside the module), ``tail`` (the ``morestack`` call and the
    jump back) and ``padding`` (``INT $0x3``, or arm64's ``?`` words)."""
    rows = fn.instructions
    kinds = ["inlined" if r.external else "body" for r in rows]
    for i, r in enumerate(rows):
        if r.text.strip() in ("INT $0x3", "?"):
            kinds[i] = "padding"
    for i, r in enumerate(rows[:8]):
        m = re.match(r"^(?:J(?:BE|LS|CS)|BLS|B\.LS)\s+0x([0-9a-f]+)$", r.text.strip())
        if not m:
            continue
        target = next((k for k, x in enumerate(rows) if x.pc == int(m.group(1), 16)), None)
        if target is not None and any(x.text.startswith("CMP") for x in rows[:i]) and \
                any("morestack" in x.text for x in rows[target:]):
            kinds[: i + 1] = ["check"] * (i + 1)
            kinds[target:] = ["padding" if k == "padding" else "tail" for k in kinds[target:]]
        break
    out: list[tuple[str, list[Instruction]]] = []
    for kind, row in zip(kinds, rows):
        if out and out[-1][0] == kind:
            out[-1][1].append(row)
        else:
            out.append((kind, [row]))
    return out


def _operand_html(op: str, first: str, st: AsmStyle, targets: dict[int, str]) -> tuple[str, bool]:
    """(HTML of one operand, whether it names a symbol bound by a linkname)."""
    piece = escape(op)
    sym = symbol_of(op)
    if sym is not None:
        bound = sym in st.symbols.bound
        cls = f"glm-sy glm-oh {st.help_class(st.symbols.title(sym))} {st.symbols.css_class(sym)}" + (" glm-lnk" if bound else "")
        html = f'<span class="{cls}" data-sym="{escape(sym)}">{piece}</span>'
        if first in ("CALL", "BL", "JMP", "B") and sym in st.anchors:
            html = f'<a class="glm-to" href="#{st.anchors[sym]}" tabindex="-1">{html}</a>'
        return html, bound
    m = _ADDRESS.match(op)
    if m and _CALLS.match(first) and int(m.group(1), 16) in targets:
        ident, cls = targets[int(m.group(1), 16)]
        return (f'<a class="glm-jmp {cls}" href="#{ident}" tabindex="-1" title="jumps to the row marked ◂ in this '
                f'function">{piece}</a>'), False
    help_text = explain_operand(op, st.goarch)
    return (f'<span class="glm-oh {st.help_class(help_text)}">{piece}</span>' if help_text else piece), False


def instruction_html(text: str, marks: tuple[int, ...], st: AsmStyle,
                     targets: dict[int, tuple[str, str]] | None = None) -> tuple[str, bool]:
    """(HTML of one instruction, whether it uses a linkname-bound symbol)."""
    ops = operands(text)
    help_text = explain_instruction(text, st.goarch)
    call = " glm-call" if _CALLS.match(ops[0]) else ""
    if help_text and st.short_labels:  # tables and matrices repeat each mnemonic's help: one CSS rule each
        call += f" glm-oh {st.help_class(help_text)}"
        help_text = ""
    title = f' title="{escape(help_text)}"' if help_text else ""
    html = [f'<span class="glm-op{call}" data-op="{escape(ops[0])}"{title}>{escape(ops[0])}</span>']
    linked = False
    for op in ops[1:]:
        piece, bound = _operand_html(op, ops[0], st, targets or {})
        linked |= bound
        html.append(piece)
    for i in marks:
        if i < len(html):
            html[i] = f'<mark class="glm-chg">{html[i]}</mark>'
    return html[0] + (" " + ", ".join(html[1:]) if len(html) > 1 else ""), linked


def _row_html(row: Instruction, st: AsmStyle, kind: str = "same", marks: tuple[int, ...] = (),
              targets: dict[int, tuple[str, str]] | None = None) -> str:
    key = row_key(row)
    label = f"{row.file}:{row.line}" if row.line > 0 else (row.file or "?")
    shown = f":{row.line}" if st.short_labels and not row.external and row.line > 0 else label
    ins, linked = instruction_html(row.text, marks, st, targets)
    cls = "glm-row" + st.links.classes(key)
    cls += " glm-ext" if row.external else ""
    cls += " glm-lnrow" if linked else ""
    cls += {"added": " glm-add", "changed": " glm-changed"}.get(kind, "")
    attr = f' data-src="{escape(key)}"' if key else f' data-origin="{escape(label)}"'
    target = (targets or {}).get(row.pc)
    if target:
        cls += f" glm-target {target[1]}"
        attr += f' id="{target[0]}"'
    pc = f'<span class="glm-pc">{row.pc:x}</span><span class="glm-hex">{row.hex}</span>' if st.show_pc else ""
    name = f"{label} {row.text.strip()}" + (" (changed)" if kind == "changed" else " (added)" if kind == "added" else "")
    if st.short_labels and kind == "same":
        # a table cell or matrix column repeats its rows many times: the row's own text is its name
        full = f' title="{escape(label)}"' if shown != label else ""
        return (f'<div class="{cls}"{attr} role="listitem" tabindex="-1">{pc}<span class="glm-lab"{full}>{escape(shown)}'
                f'</span><span class="glm-ins">{ins}</span></div>')
    return (f'<div class="{cls}"{attr} role="listitem" tabindex="-1" aria-label="{escape(name)}">{pc}'
            f'<span class="glm-lab" title="{escape(label)}" aria-hidden="true">{escape(shown)}</span>'
            f'<span class="glm-ins">{ins}</span></div>')


def _jump_targets(fn: Function, st: AsmStyle) -> dict[int, tuple[str, str]]:
    """PC → (row id, hover class) of every row a jump in ``fn`` lands on."""
    pcs = {r.pc for r in fn.instructions}
    out: dict[int, tuple[str, str]] = {}
    for r in fn.instructions:
        ops = operands(r.text)
        if len(ops) < 2 or not _CALLS.match(ops[0]) or ops[0] in ("CALL", "BL"):
            continue
        m = _ADDRESS.match(ops[-1])
        if m and int(m.group(1), 16) in pcs and int(m.group(1), 16) not in out:
            cls = f"glm-j{st.scope}{len(st.jumps)}"
            st.jumps[cls] = ""
            out[int(m.group(1), 16)] = (f"{st.root}-{st.scope}p{int(m.group(1), 16):x}", cls)
    return out


def fold(summary: str, body: str, open_: bool = False) -> str:
    """A ``<details>`` fold whose summary is a chip (with its help as a tooltip)."""
    help_text = chip_help(summary)
    title = f' title="{escape(help_text)}"' if help_text else ""
    return (f'<details class="glm-fold"{" open" if open_ else ""}><summary><span class="glm-chip"{title}>'
            f"{escape(summary)}</span></summary>{body}</details>")


def origins(rows: list[Instruction]) -> str:
    """Where a run of inlined rows came from: its first FILE:LINE, and how many more places."""
    seen: list[str] = []
    for r in rows:
        label = f"{r.file}:{r.line}"
        if label not in seen:
            seen.append(label)
    return seen[0] + (f" +{len(seen) - 1} more" if len(seen) > 1 else "")


SUMMARY = {"check": "stack check", "tail": "morestack tail", "padding": "padding", "body": "body",
            "inlined": "inlined"}


def count(n: int, word: str = "row") -> str:
    """``1 row``, ``3 rows``."""
    return f"{n} {word}" + ("s" if n != 1 else "")


def _removed_before(diffs: list[RowDiff] | None) -> dict[int, int]:
    """id(new row) → how many baseline rows were removed just before it (-1: at the end)."""
    out: dict[int, int] = {}
    pending = 0
    for d in diffs or []:
        if d.kind == "removed":
            pending += 1
        elif pending:
            out[id(d.new)] = pending
            pending = 0
    if pending:
        out[-1] = pending
    return out


def _removed(n: int) -> str:
    return f'<div class="glm-removed" role="listitem">− {count(n)} of the baseline not here</div>'


def function_rows(fn: Function, st: AsmStyle, budget: list[int], diffs: list[RowDiff] | None = None) -> tuple[str, int]:
    """HTML of a function's rows (folded segments), spending ``budget[0]`` bytes; returns (html, rows cut)."""
    if budget[0] <= 0:  # nothing more fits: no rows, and no hover rules for them either
        return "", len(fn.instructions)
    info = {id(d.new): d for d in diffs or [] if d.new is not None}
    removed_before = _removed_before(diffs)
    jumps = len(st.jumps)
    targets = _jump_targets(fn, st)
    budget[0] -= (len(st.jumps) - jumps) * (2 * len(st.root) + 90)  # the jump rules
    parts: list[str] = []
    cut = 0
    for kind, rows in segments(fn):
        body = []
        for r in rows:
            if budget[0] <= 0:
                cut += 1
                continue
            d = info.get(id(r))
            classes, helps = len(st.symbols.hover), len(st.helps)
            html = _removed(removed_before[id(r)]) if id(r) in removed_before else ""
            html += _row_html(r, st, d.kind if d else "same", d.marks if d else (), targets)
            # the row's bytes, and the hover/focus rules of the symbols and helps it used first
            budget[0] -= len(html.encode()) + (len(st.symbols.hover) - classes) * (3 * len(st.root) + 110) \
                + (len(st.helps) - helps) * (len(st.root) + 150)
            body.append(html)
        if not body:
            continue
        html = f'<div role="list" aria-label="{escape(SUMMARY.get(kind, kind))} rows">{"".join(body)}</div>'
        if kind == "body":
            parts.append(html)
        elif kind == "inlined":
            parts.append(fold(f"inlined from {origins(rows)} · {count(len(rows))}", html, st.unfold))
        else:
            parts.append(fold(f"{SUMMARY[kind]} · {count(len(rows))}", html, st.unfold and kind != "padding"))
    if -1 in removed_before:
        parts.append(f'<div role="list">{_removed(removed_before[-1])}</div>')
    return "".join(parts), cut


def function_block(fn: Function, st: AsmStyle, budget: list[int], diffs: list[RowDiff] | None = None,
                   header: bool = True) -> tuple[str, int]:
    """A function's header (its symbol, file and row count) and its rows; returns (html, rows cut)."""
    ident = st.anchor(fn)
    linked = budget[0] > 0
    body, cut = function_rows(fn, st, budget, diffs)
    head = ""
    if header:
        where = escape(fn.file) if fn.file else "?"
        hover = f" {st.symbols.css_class(fn.symbol)}" if linked else ""
        head = (f'<div class="glm-fnh"><span class="glm-sym glm-sy{hover}" '
                f'data-sym="{escape(fn.symbol)}">{escape(fn.symbol)}</span> '
                f'<span class="glm-dim">{where} · {count(len(fn.instructions))}</span></div>')
    return f'<div class="glm-fn" id="{ident}">{head}{body}</div>', cut


def cut_note(cut: int) -> str:
    """The note under a listing that had to be cut, or ``""``."""
    if not cut:
        return ""
    return (f'<div class="glm-more">… {cut:,} more rows not shown (view size limit): pick a function or '
            "narrow the listing with --objdump REGEX</div>")


def select_functions(result: Result, function: str | None) -> list[Function]:
    """The result's functions whose symbol matches regex ``function`` (all when None)."""
    if not function:
        return list(result.functions)
    rx = re.compile(function)
    return [f for f in result.functions if rx.search(f.symbol)]


def reading_guide(goarch: str) -> str:
    """A folded "how to read this listing" note for ``goarch``: notation, registers, chips,
    relocations — in a sentence each."""
    items = [
        ("Go syntax", "operands run source first, destination last (Intel's order is the reverse); "
                      "the size is in the mnemonic: MOVB 1, MOVW 2, MOVL 4, MOVQ 8 bytes."),
        ("NAME(SB)", "a global symbol. SB (static base) is a pseudo-register: addresses of globals and "
                     "functions are written relative to it, and the linker fills in the real address."),
        ("$0x5", "an immediate constant; $NAME(SB) is the symbol's address as a value."),
        ("0x8(SP)", "memory 8 bytes above the stack pointer; off(REG) is memory at REG + off."),
        ("0x1c(IP)", "PC-relative: an address counted from the next instruction (data the linker placed)."),
        ("FP, PC", "FP names arguments in hand-written Go assembly; PC is the program counter."),
    ]
    if goarch == "amd64":
        items += [("R14, X15", "Go's register ABI keeps the current goroutine g in R14 and zero in X15; "
                               "arguments and results travel in AX, BX, CX, DI, SI, R8–R11.")]
    elif goarch == "386":
        items += [("386", "no register ABI: arguments and results live in the caller's frame, read as "
                          "off(SP) after the call; g is found through thread-local storage.")]
    elif goarch == "arm64":
        items += [("arm64", "R28 holds g, RSP is the stack pointer, ZR reads as zero, R30 holds the return "
                            "address; globals are reached with ADRP plus an offset, not NAME(SB).")]
    items += [
        ("stack check", "the prologue compares SP with g's stack guard and branches to the morestack "
                        "tail when the stack must grow; the tail calls runtime.morestack and starts again."),
        ("relocation", "a hole the compiler leaves for an address it does not know; the linker fills it "
                       "with the symbol's address, or fails with “relocation target X not defined”."),
    ]
    rows = "".join(f'<div class="glm-guide"><span class="glm-gk">{escape(k)}</span> {escape(v)}</div>' for k, v in items)
    return (f'<details class="glm-fold glm-help"><summary><span class="glm-chip">how to read this listing</span>'
            f"</summary>{rows}</details>")
