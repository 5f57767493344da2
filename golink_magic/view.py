"""Rendering a :class:`Result` as HTML and plain text (pure functions: result in, string out)."""

from __future__ import annotations

from html import escape

from .result import Result


def render_text(result: Result) -> str:
    """A readable plain-text summary: outcome, output and the assembly listing."""
    lines = [f"{result.name + ': ' if result.name else ''}{result.outcome}  ({result.go_version})"]
    if result.exit_code not in (None, 0) or result.signal:
        lines.append(f"exit code {result.exit_code}" + (f", signal {result.signal}" if result.signal else ""))
    if result.build_output.strip():
        lines += ["--- build ---", result.build_output.rstrip()]
    if result.stdout:
        lines += ["--- stdout ---", result.stdout.rstrip("\n")]
    if result.stderr:
        lines += ["--- stderr ---", result.stderr.rstrip("\n")]
    for note in result.notes:
        lines.append(f"note: {note}")
    for fn in result.functions:
        lines.append(f"TEXT {fn.symbol}(SB) {fn.file}")
        for row in fn.instructions:
            lines.append(f"  {row.file}:{row.line}\t{row.text}")
    return "\n".join(lines)


def render_html(result: Result) -> str:
    """A self-contained HTML rendering of one result."""
    parts = [
        '<div class="golink-result">',
        f'<div><b class="golink-outcome">{escape(result.outcome)}</b> <code>{escape(result.go_version)}</code></div>',
    ]
    for title, text in (("build", result.build_output), ("stdout", result.stdout), ("stderr", result.stderr)):
        if text.strip():
            parts.append(f"<div>{title}</div><pre>{escape(text)}</pre>")
    for fn in result.functions:
        rows = "\n".join(f"{escape(r.file)}:{r.line}\t{escape(r.text)}" for r in fn.instructions)
        parts.append(f"<div><code>TEXT {escape(fn.symbol)}(SB) {escape(fn.file)}</code></div><pre>{rows}</pre>")
    parts.append("</div>")
    return "\n".join(parts)


def display_bundle(result: Result) -> dict:
    """The mimebundle a notebook shows for a result."""
    return {"text/plain": render_text(result), "text/html": render_html(result)}
