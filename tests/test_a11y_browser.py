"""Keyboard and screen-reader access to the views inside JupyterLab, in real Chromium.

- Saved course notebooks, opened without running anything (single views of every outcome, a case
  table, a matrix): axe-core audits the views in their outputs, in the light and the dark theme,
  and finds no serious or critical violation.  JupyterLab's own interface is not ours to audit:
  the audit is scoped to the views.
- After Run All (live widget views), the keyboard alone: Tab reaches a source line, ArrowDown
  moves to the next line (the JupyterLab extension's roving focus: JupyterLab runs no script of an
  output) instead of JupyterLab moving to the next cell, a focused line lights its assembly rows
  as hovering does, and a focused assembly row shows its instruction's help (the tooltip).

The JupyterLab server, browser and notebook helpers are tests/test_browser.py's (its ``lab``
fixture copies the course notebooks and trusts them, as ``make notebooks`` does).  Run alone with
``pytest tests/test_a11y_browser.py``; without a browser the tests are skipped, loudly.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from tests.test_browser import (  # noqa: F401 (fixtures)
    NOTEBOOKS,
    _kernel_idle,
    _notebook_with,
    _skip_loudly,
    browser,
    lab,
    linked_pair,
    open_and_run_all,
    page,
    set_theme,
    style,
    widgets_rendered,
)

pytestmark = pytest.mark.browser

EXTENSION = "golink-magic-highlight"
VIEWS = ".jp-OutputArea-output .glm"
FOCUSED = """() => { const e = document.activeElement;
  return {cls: e.className, src: e.dataset.src || null, label: e.getAttribute('aria-label'),
          region: e.closest('[role=region]')?.getAttribute('aria-label') || null,
          stops: e.closest('.glm-scroll, .glm-cell, .glm-pane')?.querySelectorAll('[role=listitem][tabindex="0"]').length}; }"""


def _saved_with(markup: str) -> str:
    """The first course notebook whose saved outputs hold ``markup``."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        outputs = [o for c in nbformat.read(path, as_version=4).cells for o in c.get("outputs", ())]
        if any(markup in str(o.get("data", {}).get("text/html", "")) for o in outputs):
            return path.name
    pytest.fail(f"no course notebook has a saved view with {markup!r}")


SAVED = {
    "single": lambda: "02-linkname-basics.ipynb",  # single views of every outcome
    "table": lambda: _saved_with('<table class="glm-table"'),
    "matrix": lambda: _saved_with('class="glm-pane glm-col"'),
}


@pytest.fixture(scope="module")
def installed():
    listed = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True)
    if EXTENSION not in listed.stdout + listed.stderr:
        _skip_loudly(f"the {EXTENSION} JupyterLab extension is not installed here (`make setup` links it)")


def _views_rendered(page) -> None:
    """The saved views are on the page and every widget (restored from the saved state) rendered."""
    page.locator(VIEWS).first.wait_for(state="attached", timeout=60_000)
    try:  # a cold start (first kernel, first widget manager) can take longer than widgets_rendered waits
        page.wait_for_function("() => !/Loading widget/.test(document.querySelector('.jp-Notebook').innerText)",
                               timeout=120_000)
    except Exception:
        pass  # widgets_rendered says what is wrong
    widgets_rendered(page)


@pytest.mark.parametrize("kind", sorted(SAVED))
def test_axe_audit_of_saved_views_in_jupyterlab(page, lab, kind):
    from axe_playwright_python.sync_playwright import Axe

    name = SAVED[kind]()
    url, token = lab
    page.goto(f"{url}/lab/tree/{name}?reset&token={token}")  # opened, not run
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible", timeout=60_000)
    _kernel_idle(page, 60)
    _views_rendered(page)
    marker = {"single": ".glm-panes .glm-asm", "table": "table.glm-table", "matrix": ".glm-col"}[kind]
    assert page.locator(f"{VIEWS} {marker}").count() >= 1, f"{name}: no saved {kind} view rendered"
    assert page.locator(f'{VIEWS} [role="region"][aria-label]').count() >= 2
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            set_theme(page, theme)
            results = Axe().run(page, context={"include": [[VIEWS]]})  # the views only, not JupyterLab's UI
            assert results.response["passes"], "axe checked nothing"
            bad = [(v["id"], v["impact"], len(v["nodes"]), [n["target"][-1] for n in v["nodes"][:3]])
                   for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
            assert not bad, f"{name} ({theme}): {bad}"
    finally:
        set_theme(page, "JupyterLab Light")


def _tab_to(page, selector: str, presses: int) -> dict:
    """Press Tab (at most ``presses`` times) until the focused element matches ``selector``;
    what is focused then (:data:`FOCUSED`)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches('{selector}')"):
            break
    return page.evaluate(FOCUSED)


def test_keyboard_alone_in_jupyterlab(page, lab, installed):
    nb = _notebook_with("%gorun", without=("%gocompare", "--go "))
    assert nb, "no single-case notebook (one using %gorun) in notebooks/"
    open_and_run_all(page, lab, nb.name)
    widgets_rendered(page)
    view = page.locator(".jp-OutputArea-output .widget-html .glm:has(.glm-panes)").first
    view.scroll_into_view_if_needed()
    key, _, rows, _ = linked_pair(view)
    page.mouse.move(0, 0)
    idle_row = style(rows.first)

    # one click on the view's (unfocusable) title selects its cell; from there only keys.  Pure Tab
    # works in JupyterLab: the cell, its toolbar, the widget's controls, then the source pane's stop.
    view.locator(".glm-source .glm-title").first.click()
    page.mouse.move(0, 0)  # no hover from here on
    here = _tab_to(page, ".glm-source .glm-line", 15)
    assert "glm-line" in here["cls"].split(), f"Tab did not reach a source line: {here}"
    assert here["region"] == "Source" and here["stops"] == 1
    first = here["src"]

    # ArrowDown: the next line of the pane (without the extension JupyterLab would select the next cell)
    page.keyboard.press("ArrowDown")
    here = page.evaluate(FOCUSED)
    assert "glm-line" in here["cls"].split() and here["src"] != first, f"ArrowDown left the pane: {here}"
    assert here["stops"] == 1, "the pane's one Tab stop did not move along"
    assert page.evaluate("document.querySelector('.jp-Notebook').classList.contains('jp-mod-commandMode')")
    page.keyboard.press("ArrowUp")
    assert page.evaluate(FOCUSED)["src"] == first

    # down to the line with linked assembly rows: focus lights them as hovering does
    for _ in range(200):
        if page.evaluate(FOCUSED)["src"] == key:
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate(FOCUSED)["src"] == key, f"ArrowDown never reached source line {key}"
    assert style(rows.first) != idle_row, f"focusing source line {key} left its assembly row unchanged"

    # on to the assembly pane's stop; its rows' instruction help shows on focus (no mouse)
    here = _tab_to(page, ".glm-asm .glm-row", 20)
    assert "glm-row" in here["cls"].split(), f"Tab did not reach the assembly pane: {here}"
    assert here["region"].startswith("Assembly of "), here
    for _ in range(50):
        if page.evaluate("!!document.activeElement.querySelector('.glm-op[title]')"):
            break
        page.keyboard.press("ArrowDown")
    title, shown = page.evaluate("""() => { const op = document.activeElement.querySelector('.glm-op[title]');
        return [op.getAttribute('title'), getComputedStyle(op, '::after').content]; }""")
    assert title, "no focused assembly row has an instruction with help"
    assert shown.startswith('"') and shown[1:-1].replace('\\"', '"').replace("\\\\", "\\") == title, \
        f"the tooltip is not shown on focus: {shown!r} (title {title!r})"
