"""Self-contained HTML pages around the views (styles and the keyboard script inline, nothing
fetched), for ``save_html``, the CLI's ``--html`` and the course website's samples."""

from __future__ import annotations

import functools
from html import escape

from ..listing.compare import CaseTable, Diff
from ..model.result import Result
from .assets import asset
from .view import render_diff_html, render_html, render_matrix, render_table


@functools.cache
def _keyboard_js() -> str:
    """The keyboard script the self-contained pages carry inline (read once)."""
    return asset("keyboard.js")


_PAGE_CSS = asset("page.css")


def render_page(body_html: str, title: str) -> str:
    """A self-contained HTML page around a view: styles and the keyboard script inline, nothing
    fetched from anywhere, so it works from ``file://`` with the network off."""
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_PAGE_CSS}</style></head>"
            f"<body><main><h1>{escape(title)}</h1>{body_html}</main><script>{_keyboard_js()}</script></body></html>\n")


def result_page(result: Result) -> str:
    """One result as a self-contained page."""
    return render_page(render_html(result), f"{result.name or 'golink_magic'} — {result.target_label}")


def table_page(table: CaseTable) -> str:
    """A case table as a self-contained page."""
    return render_page(render_table(table), "golink_magic case table: " + ", ".join(r.name or "?" for r in table.results))


def diff_page(d: Diff) -> str:
    """A diff of two results as a self-contained page."""
    return render_page(render_diff_html(d), f"{d.a.name or 'a'} → {d.b.name or 'b'}")


def matrix_page(results: list[Result]) -> str:
    """A toolchain/GOARCH matrix as a self-contained page."""
    return render_page(render_matrix(results), f"{results[0].name or 'golink_magic'} on " +
                       ", ".join(r.target_label for r in results))
