"""The course in a real browser: JupyterLab + Debian's chromium driven by Playwright.

Starts JupyterLab on loopback (token, temp copies of the notebooks, its own settings), opens the
case-table notebook and a single-case notebook, runs all cells, and checks the rendered widget DOM
the way a learner would look at it: the panes are there, widgets rendered (no "Error displaying
widget"), hovering a source line highlights its assembly rows and back, the widget controls talk
to the kernel, and the dark theme stays readable.  Screenshots go to ``test-artifacts/browser/``.

Run alone with ``pytest -m browser``.  Without a browser the tests are skipped, loudly.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RUN_ALL_TIMEOUT = 240  # seconds; a cold Go cache compiles the standard library first
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Light"},
}


def _skip_loudly(reason: str):
    message = f"BROWSER TEST SKIPPED: {reason}"
    print(f"\n{'!' * 8} {message}", file=sys.stderr)
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    _skip_loudly("no chromium found; install it with `bash scripts/install-browser.sh` (apt-get install chromium)")


def _notebook_with(text: str, without: tuple[str, ...] = ()) -> Path | None:
    """The first course notebook whose code contains ``text`` and none of ``without``."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        if text in code and not any(w in code for w in without):
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a temp copy of notebooks/; yields (base URL, token)."""
    base = tmp_path_factory.mktemp("lab")
    work, settings = base / "notebooks", base / "settings"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # As `make notebooks` and Binder's postBuild do: trusted, the saved views keep their styles.
    subprocess.run([sys.executable, "-m", "jupyter", "trust", *sorted(map(str, work.glob("*.ipynb")))],
                   check=True, capture_output=True)
    for name, values in SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(base / "ws"))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.open_browser=False", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
           "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(base / "lab.log", "w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start:\n{(base / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.3)
    yield url, token
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, through Playwright."""
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_loudly("Python playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, lab, request):
    """A fresh page; its last state is saved as a full-page screenshot (for failures)."""
    page = browser.new_page(viewport={"width": 1680, "height": 1000}, device_scale_factor=1)
    page.set_default_timeout(30_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"last-{request.node.name}.png"), full_page=True)
    page.close()


# --- driving JupyterLab --------------------------------------------------------------------------

def _menu(page, *labels: str) -> None:
    """Click through the main menu, e.g. ("Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=labels[0]).first.click()
    for label in labels[1:]:
        page.locator(".lm-Menu-itemLabel").get_by_text(label, exact=True).first.click()


def _kernel_idle(page, timeout: float) -> None:
    """Wait for the status bar's "… | Idle" (the toolbar says idle before the kernel is ready)."""
    page.wait_for_function(
        "() => { const s = document.querySelector('#jp-main-statusbar');"
        " return s && /\\|\\s*Idle/.test(s.innerText); }", timeout=timeout * 1000)


def open_and_run_all(page, lab, name: str) -> None:
    """Open a notebook, wait for its kernel, run all cells and wait until every cell has run."""
    url, token = lab
    page.goto(f"{url}/lab/tree/{name}?reset&token={token}")  # reset: no tabs restored from earlier tests
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible", timeout=60_000)
    _kernel_idle(page, 60)
    open_tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if open_tab.count():  # fold the file browser away: room for the wide views
        open_tab.first.click()
    _menu(page, "Run", "Run All Cells")
    try:
        page.wait_for_function(
            """() => {
                 const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
                 return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.innerText));
               }""", timeout=RUN_ALL_TIMEOUT * 1000)
    except Exception as exc:  # a cell failed (Run All stops) or the kernel hung: say which
        raise AssertionError(f"{name}: not every cell ran:\n{_cell_report(page)}") from exc
    _kernel_idle(page, 60)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    texts = [t for t in errors.all_inner_texts() if "Error" in t or "Traceback" in t]
    assert not texts, f"{name}: error output:\n" + "\n---\n".join(texts)


def _cell_report(page) -> str:
    return page.evaluate("""() => [...document.querySelectorAll('.jp-CodeCell')].map(c =>
        (c.querySelector('.jp-InputPrompt')?.innerText || '') + ' ' +
        (c.querySelector('.jp-InputArea-editor')?.innerText || '').split('\\n')[0] + ' → ' +
        (c.querySelector('.jp-OutputArea')?.innerText || '').slice(0, 300)).join('\\n')""")


def widgets_rendered(page) -> None:
    """Every widget output finished rendering, none failed."""
    page.wait_for_function(
        "() => !/Loading widget|Error displaying widget/.test(document.querySelector('.jp-Notebook').innerText)",
        timeout=30_000)
    text = page.locator(".jp-Notebook").inner_text()
    assert "Error displaying widget" not in text and "Loading widget" not in text


def set_theme(page, theme: str) -> None:
    """Switch JupyterLab's theme through its Settings menu and wait until it is applied."""
    if page.evaluate("() => document.body.dataset.jpThemeName") == theme:
        return
    _menu(page, "Settings", "Theme", theme)
    page.wait_for_function(f"() => document.body.dataset.jpThemeName === {json.dumps(theme)}", timeout=30_000)
    page.wait_for_timeout(500)  # let the theme's CSS variables settle before reading colours


# --- reading the rendered views -------------------------------------------------------------------

_STYLE_JS = """el => { const s = getComputedStyle(el);
  return ['background-color', 'outline-style', 'outline-color', 'box-shadow', 'color', 'font-weight']
         .map(p => p + ': ' + s.getPropertyValue(p)).join('; '); }"""

# WCAG contrast of an element's text colour against the background it is painted on (the
# translucent backgrounds of its ancestors composited over the page).
_CONTRAST_JS = """el => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c.a > 0) layers.push(c);
    if (c.a >= 1) break;
  }
  let bg = {r: 255, g: 255, b: 255};
  for (const c of layers.reverse()) bg = {r: c.r * c.a + bg.r * (1 - c.a), g: c.g * c.a + bg.g * (1 - c.a), b: c.b * c.a + bg.b * (1 - c.a)};
  const fg = parse(getComputedStyle(el).color);
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                     return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return {ratio: (hi + 0.05) / (lo + 0.05), bg: lum(bg), text: el.innerText.slice(0, 40)};
}"""


def style(locator) -> str:
    return locator.evaluate(_STYLE_JS)


def lowest_contrast(page, scope, selector: str, limit: int = 40) -> dict:
    """The least readable of the first ``limit`` elements matching ``selector`` inside ``scope``."""
    found = [e.evaluate(_CONTRAST_JS) for e in scope.locator(selector).all()[:limit]]
    found = [f for f in found if f["text"].strip()]
    return min(found, key=lambda f: f["ratio"]) if found else None


def linked_pair(scope):
    """A visible source line, its visible assembly rows (same data-src) and another visible row."""
    key = scope.evaluate("""s => {
        const shown = sel => [...s.querySelectorAll(sel)].filter(e => e.getClientRects().length > 0);
        const lines = new Set(shown('.glm-line[data-src]').map(l => l.dataset.src));
        return shown('.glm-row[data-src]').map(r => r.dataset.src).find(k => lines.has(k)) || null; }""")
    assert key, "no visible source line has visible assembly rows"
    line = scope.locator(f'.glm-line[data-src="{key}"]:visible').first
    rows = scope.locator(f'.glm-row[data-src="{key}"]:visible')
    unrelated = scope.locator(f'.glm-row:not([data-src="{key}"]):visible').first
    return key, line, rows, unrelated


def check_hover_links(page, scope) -> None:
    """Hovering a source line restyles its assembly rows (only those), and the other way round."""
    key, line, rows, unrelated = linked_pair(scope)
    page.mouse.move(0, 0)
    has_other = unrelated.count() > 0
    row_before, line_before = style(rows.first), style(line)
    other_before = style(unrelated) if has_other else None
    line.scroll_into_view_if_needed()
    line.hover()
    assert style(rows.first) != row_before, f"hovering source line {key} left its assembly row unchanged"
    if has_other:
        assert style(unrelated) == other_before, f"hovering source line {key} also restyled an unrelated row"
    page.mouse.move(0, 0)
    assert style(rows.first) == row_before
    rows.last.scroll_into_view_if_needed()
    rows.last.hover()
    assert style(line) != line_before, f"hovering an assembly row of {key} left its source line unchanged"
    page.mouse.move(0, 0)


def check_symbol_links(page, scope, shot: str | None = None) -> None:
    """Hovering a NAME(SB) operand restyles the source lines declaring or binding NAME, and back;
    with ``shot``, a screenshot is taken while the operand is hovered."""
    sym = scope.evaluate("""s => {
        const shown = sel => [...s.querySelectorAll(sel)].filter(e => e.getClientRects().length > 0);
        const declared = new Set(shown('[data-syms]').flatMap(l => l.dataset.syms.split(' ')));
        const pick = sel => shown(sel).map(o => o.dataset.sym).find(n => declared.has(n));
        return pick('.glm-asm .glm-row .glm-lnk[data-sym]') || pick('.glm-asm .glm-row [data-sym]')
            || pick('.glm-asm [data-sym]') || null; }""")
    assert sym, "no visible operand names a symbol declared in a visible source line"
    operand = scope.locator(f'.glm-asm .glm-row [data-sym="{sym}"]:visible, .glm-asm [data-sym="{sym}"]:visible').first
    decl = scope.locator(f'.glm-line[data-syms~="{sym}"]:visible').first
    page.mouse.move(0, 0)
    decl_before, operand_before = style(decl), style(operand)
    operand.scroll_into_view_if_needed()
    operand.hover()
    assert style(decl) != decl_before, f"hovering operand {sym}(SB) left its declaration unchanged"
    if shot:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        scope.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
    page.mouse.move(0, 0)
    decl.hover()
    assert style(operand) != operand_before, f"hovering the declaration of {sym} left its operand unchanged"
    page.mouse.move(0, 0)


def check_readable(page, scope, theme: str) -> None:
    """Text in every pane keeps WCAG AA contrast (4.5:1) against what it is painted on."""
    for selector in (".glm-line .glm-tx", ".glm-row .glm-ins", ".glm-pre", ".glm-title", ".glm-meta"):
        worst = lowest_contrast(page, scope, selector)
        assert worst or selector not in (".glm-line .glm-tx", ".glm-row .glm-ins"), f"no text in {selector}"
        assert not worst or worst["ratio"] >= 4.5, f"{theme}: {selector} {worst['text']!r} has contrast {worst['ratio']:.2f}"
    # the hover highlight must stay readable too
    key, line, rows, _ = linked_pair(scope)
    line.scroll_into_view_if_needed()
    line.hover()
    worst = lowest_contrast(page, scope, f'.glm-row[data-src="{key}"] .glm-ins')
    page.mouse.move(0, 0)
    assert worst["ratio"] >= 4.5, f"{theme}: highlighted row {worst['text']!r} has contrast {worst['ratio']:.2f}"
    if theme.endswith("Dark"):
        assert worst["bg"] < 0.2, f"{theme}: the view keeps a light background ({worst})"


def shoot(page, locator, name: str) -> Path:
    """Screenshot of ``locator`` scrolled to its top, cut at the bottom of the notebook panel."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    locator.evaluate("e => { e.scrollIntoView({block: 'start'});"
                     " e.querySelectorAll('.glm-twrap, .glm-scroll').forEach(x => { x.scrollLeft = 0; }); }")
    page.mouse.move(0, 0)
    box = locator.bounding_box()
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer, "
                         ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.bounding_box()
    bottom = min(box["y"] + box["height"], panel["y"] + panel["height"])
    page.screenshot(path=str(path), clip={"x": box["x"], "y": box["y"], "width": box["width"],
                                          "height": bottom - box["y"]})
    return path


# --- the tests ------------------------------------------------------------------------------------

def test_single_case_view_in_jupyterlab(page, lab):
    nb = _notebook_with("%gorun", without=("%gocompare", "--go "))
    assert nb, "no single-case notebook (one using %gorun) in notebooks/"
    open_and_run_all(page, lab, nb.name)
    widgets_rendered(page)
    views = page.locator(".jp-OutputArea-output .widget-html .glm:has(.glm-panes)")
    assert views.count() >= 1, "no single-case widget view rendered"
    view = views.first
    for pane in (".glm-pane.glm-source", ".glm-pane.glm-output", ".glm-pane.glm-asm"):
        box = view.locator(pane).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 30, f"pane {pane} is not visible: {box}"
    assert view.locator(".glm-source .glm-line[data-src]").count() > 0
    assert view.locator(".glm-output .glm-badge").first.inner_text().strip() == "ok"
    assert view.locator(".glm-asm .glm-row[data-src]").count() > 0
    check_hover_links(page, view)
    check_symbol_links(page, view, shot="operand-hovered")

    # the widget's controls are live: ticking "pc / hex" makes the kernel re-render the listing
    widget = page.locator(".jp-OutputArea-output:has(.glm-panes) .widget-vbox").first
    assert widget.locator(".glm-pc").count() == 0
    widget.locator(".widget-checkbox", has_text="pc / hex").locator("input").check()
    widget.locator(".glm-asm .glm-pc").first.wait_for(state="attached", timeout=15_000)
    assert all(re.fullmatch(r"[0-9a-f]+", pc) for pc in widget.locator(".glm-asm .glm-pc:visible").all_inner_texts())
    widget.locator(".widget-checkbox", has_text="pc / hex").locator("input").uncheck()
    widget.locator(".glm-pc").first.wait_for(state="detached", timeout=15_000)

    check_readable(page, widget.locator(".glm").first, "JupyterLab Light")
    shoot(page, widget, "single-case-light")
    set_theme(page, "JupyterLab Dark")
    check_readable(page, widget.locator(".glm").first, "JupyterLab Dark")
    check_hover_links(page, widget.locator(".glm").first)
    shoot(page, widget, "single-case-dark")
    set_theme(page, "JupyterLab Light")


def test_case_table_in_jupyterlab(page, lab):
    nb = _notebook_with("%gocompare")
    assert nb, "no case-table notebook (one using %gocompare) in notebooks/"
    open_and_run_all(page, lab, nb.name)
    widgets_rendered(page)
    tables = page.locator(".jp-OutputArea-output .widget-html .glm table.glm-table")
    assert tables.count() >= 1, f"no case table rendered as a widget:\n{_cell_report(page)}"
    table = tables.first
    rows = table.locator("tr.glm-trow")
    assert rows.count() >= 2
    for i in range(rows.count()):
        row = rows.nth(i)
        label = row.get_attribute("data-case")
        for cell in ("td.glm-src", "td.glm-otd", "td.glm-atd"):
            assert row.locator(cell).count() >= 1, f"row {label}: no {cell}"
        assert row.locator(".glm-badge").first.inner_text().strip(), f"row {label}: no outcome badge"
    widget = page.locator(".jp-OutputArea-output:has(table.glm-table) .widget-vbox").first
    # main.main's file is no column, yet its operands link to the declarations in the columns
    linked_rows = [i for i in range(rows.count()) if rows.nth(i).evaluate(
        "tr => [...tr.querySelectorAll('.glm-asm [data-sym]')].some(o => tr.querySelector("
        "`.glm-line[data-syms~=\"${o.dataset.sym}\"]`))")]
    assert linked_rows, "no table row links an operand of main.main to a declaration in its columns"
    check_symbol_links(page, rows.nth(linked_rows[0]), shot="case-table-operand-hovered")
    shoot(page, widget, "case-table-light")
    set_theme(page, "JupyterLab Dark")
    shoot(page, widget, "case-table-dark")

    # main.main's rows all come from main.go, which is no column here: the widget's function picker
    # (a kernel round trip per choice) finds a function whose rows link to a source column
    picker = widget.locator(".widget-dropdown", has_text="function").locator("select")
    has_link = """w => [...w.querySelectorAll('tr.glm-trow')].findIndex(tr => {
        const lines = new Set([...tr.querySelectorAll('.glm-line[data-src]')].map(l => l.dataset.src));
        return [...tr.querySelectorAll('.glm-row[data-src]')].some(r => lines.has(r.dataset.src)); })"""
    index = widget.evaluate(has_link)
    for option in picker.locator("option").all_inner_texts():
        if index >= 0:
            break
        if option == picker.evaluate("s => s.options[s.selectedIndex].text"):
            continue
        before = widget.locator(".glm").first.inner_html()
        picker.select_option(label=option)
        page.wait_for_function("([w, h]) => w.querySelector('.glm').innerHTML !== h",
                               arg=[widget.element_handle(), before], timeout=15_000)
        index = widget.evaluate(has_link)
    assert index >= 0, "no function in the picker has assembly rows linked to a source column"
    linked = widget.locator("tr.glm-trow").nth(index)
    check_readable(page, linked, "JupyterLab Dark")
    check_hover_links(page, linked)
    set_theme(page, "JupyterLab Light")
    check_readable(page, linked, "JupyterLab Light")
    check_hover_links(page, linked)


def test_saved_notebook_reads_before_anything_runs(page, lab):
    """A learner opening the course sees the saved views, styled and colour-linked, before running
    anything.  That needs the notebooks trusted (`make notebooks` and Binder's postBuild do it):
    JupyterLab strips the <style> block from an untrusted notebook's saved HTML."""
    url, token = lab
    page.goto(f"{url}/lab/tree/00-start-here.ipynb?reset&token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible", timeout=60_000)
    _kernel_idle(page, 60)
    asm = page.locator(".jp-NotebookPanel .glm-asm").first
    asm.wait_for(state="attached", timeout=30_000)
    widgets_rendered(page)
    assert page.locator(".jp-NotebookPanel .glm-row").count() > 10
    assert "course/hello.motto(SB)" in asm.inner_text()
    hover_class = page.evaluate("""() => { const line = [...document.querySelectorAll('.jp-NotebookPanel .glm-line')]
        .find(l => [...l.classList].some(c => /^glm-k/.test(c)));
        return line ? [...line.classList].find(c => /^glm-k/.test(c)) : null; }""")
    assert hover_class, "no source line carries a link class"
    line = page.locator(f".jp-NotebookPanel .glm-line.{hover_class}").first
    row = page.locator(f".jp-NotebookPanel .glm-row.{hover_class}").first
    page.mouse.move(0, 0)
    before = style(row)
    line.scroll_into_view_if_needed()
    line.hover()
    assert style(row) != before, "hovering a source line of the saved view left its assembly row unchanged"
    shoot(page, asm, "saved-before-run")
