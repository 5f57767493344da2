"""The Go source pane: files in display order, each line highlighted (Pygments' Go lexer, short
classes) and keyed ``path:line`` so that listing rows, symbols and directives link to it."""

from __future__ import annotations

from html import escape

from pygments.lexers import GoLexer
from pygments.token import Token

from .listing import Links, Symbols

SOURCE_CAP = 60_000       # bytes of highlighted source per view

_LEXER = GoLexer(stripnl=False, ensurenl=False)
_TOKEN_CLASSES = (
    (Token.Comment, "tc"), (Token.Keyword.Type, "tt"), (Token.Keyword, "tk"), (Token.Literal.String, "ts"),
    (Token.Literal.Number, "tn"), (Token.Name.Builtin, "tb"), (Token.Name.Function, "tf"), (Token.Operator, "to"),
)


def line_key(path: str, line: int) -> str:
    """The key that links a source line to what it produced: ``path:line``."""
    return f"{path}:{line}"


def source_order(key: str):
    """Sort key of a ``path:line`` key: by path, then by line number."""
    path, _, line = key.rpartition(":")
    return (path, int(line))


def line_keys(files: dict[str, str]) -> set[str]:
    """Every ``path:line`` key of ``files``."""
    return {line_key(p, n) for p, text in files.items() for n in range(1, len(text.splitlines()) + 1)}


def highlight_lines(path: str, text: str) -> list[str]:
    """The file's lines as HTML, Go tokens wrapped in short classes (multi-line tokens split per line)."""
    if not path.endswith(".go"):
        return [escape(line) for line in text.splitlines()]
    lines = [""]
    for ttype, value in _LEXER.get_tokens(text):
        cls = next((c for t, c in _TOKEN_CLASSES if ttype in t), None)
        for i, piece in enumerate(value.split("\n")):
            if i:
                lines.append("")
            if piece:
                lines[-1] += f'<span class="glm-{cls}">{escape(piece)}</span>' if cls else escape(piece)
    if lines and lines[-1] == "" and text.endswith("\n"):
        lines.pop()
    return lines


def source_block(path: str, text: str, links: Links, marks: set[int] = frozenset(), errors: set[int] = frozenset(),
                  directives: set[int] = frozenset(), only: set[int] | None = None,
                  budget: int | None = None, symbols: Symbols | None = None) -> str:
    """One file's pane: each line highlighted, numbered, keyed, and marked when it changed
    (``marks``), has a build error, holds a directive, or declares a symbol."""
    rows, size = [], 0
    lines = highlight_lines(path, text)
    for n, html in enumerate(lines, 1):
        if only is not None and n not in only:
            continue
        if budget is not None and size > budget:
            rows.append(f'<div class="glm-more">… {len(lines) - n + 1} more lines not shown (view size limit)</div>')
            break
        key = line_key(path, n)
        cls = "glm-line" + links.classes(key)
        cls += " glm-add" if n in marks else ""
        cls += " glm-err" if n in errors else ""
        cls += " glm-lnkline" if n in directives else ""
        sym_cls, syms = symbols.line_attrs(path, n) if symbols else ("", "")
        # No aria-label: the line reads as its number and its code, inside a list named by its path.
        rows.append(f'<div class="{cls}{sym_cls}" data-src="{escape(key)}"{syms} role="listitem" tabindex="-1">'
                    f'<span class="glm-ln">{n}</span><span class="glm-tx">{html}</span></div>')
        size += len(rows[-1])
    return (f'<div class="glm-file"><div class="glm-path">{escape(path)}</div>'
            f'<div role="list" aria-label="{escape(path)}">{"".join(rows)}</div></div>')


def source_files(files: dict[str, str]) -> list[tuple[str, str]]:
    """Files in display order: Go and assembly sources as written, go.mod and the rest last."""
    return sorted(files.items(), key=lambda kv: not kv[0].endswith((".go", ".s")))
