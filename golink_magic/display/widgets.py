"""The display layer: ipywidgets controls around the pure HTML views, the display bundles, and
their registration so that results, tables and diffs show themselves in a notebook.

Widgets only steer (function picker, pc/hex, unfolding the folded rows, baseline row); what they show
is always :mod:`golink_magic.view`'s HTML.  Every bundle also carries that HTML and a text
summary, so notebooks saved without widget state (GitHub, nbviewer, nbconvert) still show the
view.  Outside a kernel (plain IPython, scripts) no widget is made at all.
"""

from __future__ import annotations

import re

from ..listing import objdump
from ..render import page, view
from ..listing.compare import CaseTable, Diff, pick_function
from ..model.result import Result, register_display

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_ALL = "(all functions)"


def in_kernel() -> bool:
    """Whether a Jupyter kernel (and so possibly a widget frontend) is running this code."""
    try:
        from IPython import get_ipython  # noqa: PLC0415
    except ImportError:
        return False
    ip = get_ipython()
    return getattr(ip, "kernel", None) is not None


def _ipywidgets():
    try:
        import ipywidgets  # noqa: PLC0415
    except ImportError:
        return None
    return ipywidgets


def _want_widget(widget: bool | None):
    w = _ipywidgets()
    if w is None or widget is False or (widget is None and not in_kernel()):
        return None
    return w


class _View:
    """Controls plus one ``widgets.HTML`` re-rendered whenever a control changes."""

    def __init__(self, w, controls: dict, render, html: str | None = None):
        self._render = render
        self.controls = controls
        self.html = w.HTML(value=self.render() if html is None else html)
        for c in controls.values():
            c.observe(self._update, names="value")
        self.widget = w.VBox([w.HBox(list(controls.values())), self.html])

    def value(self, name: str):
        """A control's current value."""
        return self.controls[name].value

    def render(self) -> str:
        """The HTML for the controls' current values."""
        return self._render(self)

    def _update(self, _change=None) -> None:
        self.html.value = self.render()


def _toggles(w, unfold: bool = False) -> dict:
    return {
        "show_pc": w.Checkbox(value=False, description="pc / hex", indent=False, layout=w.Layout(width="auto")),
        "unfold": w.Checkbox(value=unfold, description="unfold (stack check, inlined code)", indent=False,
                             layout=w.Layout(width="auto")),
    }


def result_view(result: Result, w=None, html: str | None = None) -> _View:
    """Function picker + toggles over :func:`view.render_html` (``html``: the first rendering,
    when the caller already has it)."""
    w = w or _ipywidgets()
    symbols = [_ALL] + [f.symbol for f in result.functions]
    controls = {"function": w.Dropdown(options=symbols, value=_ALL, description="function",
                                       layout=w.Layout(width="auto")), **_toggles(w, result.options.unfold)}

    def render(v: _View) -> str:
        fn = v.value("function")
        return view.render_html(result, function=None if fn == _ALL else f"^{re.escape(fn)}$",
                                show_pc=v.value("show_pc"), unfold=v.value("unfold"))

    return _View(w, controls, render, html)


def _symbols(results: list[Result]) -> list[str]:
    """Every function symbol of the results, first appearance first."""
    return list(dict.fromkeys(f.symbol for r in results for f in r.functions))


def table_view(table: CaseTable, w=None, html: str | None = None) -> _View:
    """Baseline picker + function picker + toggles over :func:`view.render_table`."""
    w = w or _ipywidgets()
    symbols = _symbols(table.results)
    chosen = pick_function(table.results[table.baseline], table.function)
    controls = {
        "baseline": w.Dropdown(options=[(label, i) for i, label in enumerate(table.labels)],
                               value=table.baseline, description="baseline", layout=w.Layout(width="auto")),
        "function": w.Dropdown(options=symbols or ["main.main"], value=chosen.symbol if chosen else (symbols or ["main.main"])[0],
                               description="function", layout=w.Layout(width="auto")),
        **_toggles(w, any(r.options.unfold for r in table.results)),
    }

    shown = CaseTable(table.results, table.columns, table.function, table.baseline)  # keeps its row diffs

    def render(v: _View) -> str:
        shown.function = f"^{re.escape(v.value('function'))}$"
        shown.baseline, shown.show_pc = v.value("baseline"), v.value("show_pc")
        return view.render_table(shown, unfold=v.value("unfold"))

    return _View(w, controls, render, html)


def matrix_view(results: list[Result], function: str | None = None, w=None, html: str | None = None) -> _View:
    """Baseline-column picker + function picker + toggles over :func:`view.render_matrix`."""
    w = w or _ipywidgets()
    symbols = [_ALL, *_symbols(results)]
    labels = [(r.target_label, i) for i, r in enumerate(results)]
    controls = {
        "baseline": w.Dropdown(options=labels, value=0, description="baseline", layout=w.Layout(width="auto")),
        "function": w.Dropdown(options=symbols, value=_ALL, description="function", layout=w.Layout(width="auto")),
        **_toggles(w, any(r.options.unfold for r in results)),
    }

    def render(v: _View) -> str:
        fn = v.value("function")
        pattern = function if fn == _ALL else f"^{re.escape(fn)}$"
        return view.render_matrix(results, pattern, v.value("baseline"), v.value("show_pc"), v.value("unfold"))

    return _View(w, controls, render, html)


def _bundle(text: str, html: str, make_view, widget: bool | None) -> dict:
    """text/plain + text/html, plus the widget (in a kernel) whose first view is that same HTML:
    each display renders once."""
    bundle = {"text/plain": text, "text/html": html}
    w = _want_widget(widget)
    if w is not None:
        v = make_view(w, html)
        bundle[WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": v.widget.model_id}
    return bundle


def result_bundle(result: Result, widget: bool | None = None) -> dict:
    """Display bundle of one result: widget view (in a kernel, or ``widget=True``), HTML, text."""
    return _bundle(view.render_text(result), view.render_html(result), lambda w, h: result_view(result, w, h), widget)


def table_bundle(table: CaseTable, widget: bool | None = None) -> dict:
    """Display bundle of a case table."""
    return _bundle(view.render_table_text(table), view.render_table(table), lambda w, h: table_view(table, w, h), widget)


def matrix_bundle(results: list[Result], function: str | None = None, widget: bool | None = None) -> dict:
    """Display bundle of a toolchain/GOARCH matrix (one case, several results)."""
    return _bundle(view.render_matrix_text(results), view.render_matrix(results, function),
                   lambda w, h: matrix_view(results, function, w, h), widget)


def diff_bundle(d: Diff) -> dict:
    """Display bundle of a diff of two results (HTML and text; no controls)."""
    return {"text/plain": view.render_diff_text(d), "text/html": view.render_diff_html(d)}


class Columns(list):
    """The results of a toolchain × GOARCH matrix in column order, shown side by side."""

    def save_html(self, path) -> str:
        """Write the matrix as one self-contained HTML page; returns the path written."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(page.matrix_page(list(self)))
        return str(path)

    def _repr_pretty_(self, p, cycle):  # IPython's list printer would win over the bundle's text
        p.text("\n\n".join(view.render_text(r) for r in self))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return matrix_bundle(list(self))


_SAMPLE_GO = ('package main\n\nimport _ "unsafe"\n\n//go:linkname now runtime.nanotime\nfunc now() int64\n\n'
              'func main() { println(now()) }\n')
_SAMPLE_LISTING = ("TEXT main.main(SB) /m/main.go\n"
                   "  main.go:8\t\t0x401000\t\te800000000\t\tCALL runtime.nanotime(SB)\t\n"
                   "  main.go:8\t\t0x401005\t\tc3\t\tRET\t\n")


def warm_up() -> None:
    """Pay the first view's one-time costs now (importing ipywidgets in a kernel, compiling the
    views' patterns, loading the Go lexer), so the first result after ``%load_ext`` shows at
    the speed of the next ones.  For a background thread; rendering is pure."""
    if in_kernel():
        _ipywidgets()
    sample = Result(outcome="ok", go_version="go version go1 linux/amd64", goos="linux", goarch="amd64",
                    files={"main.go": _SAMPLE_GO}, stdout="1\n", functions=objdump.parse(_SAMPLE_LISTING))
    objdump.relate_to_module(sample.functions, "/m", ["main.go"])
    view.render_html(sample)
    view.render_text(sample)


register_display(Result, result_bundle, view.render_text, page.result_page)
register_display(CaseTable, table_bundle, view.render_table_text, page.table_page)
register_display(Diff, diff_bundle, view.render_diff_text, page.diff_page)
