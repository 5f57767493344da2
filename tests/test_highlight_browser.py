"""Go highlighting of ``%%gofile`` / ``%%gotxtar`` cells, in a real JupyterLab and a real browser.

The extension (source in ``labextension/``, prebuilt assets in ``golink_magic/labextension/``)
must be installed in the environment JupyterLab runs from: ``make setup`` links it into the dev
venv, ``pip install`` puts it in ``share/jupyter/labextensions``.  The test writes a notebook with
a ``%%gofile`` cell holding a ``//go:linkname`` directive, a ``%%gotxtar`` cell with both marker
forms and a plain Python cell, and compares the computed colours CodeMirror paints:

- with the extension disabled (``jupyter labextension disable --level=user``, the test's own
  config dir): the directive reads as Python (``//`` floor division) -- ``docs/highlight-before.png``;
- enabled, when the saved notebook opens: the directive has the colour of a Python ``#`` comment,
  ``func`` the colour of ``def``, the Python cell is painted exactly as before, the txtar markers
  are headings on a shaded band -- ``docs/highlight-after.png``;
- while typing: ``%%gofile x.go`` typed as a new cell's first line switches it to Go, deleting
  the magic line switches it back;
- "Format Go" (cell context menu) runs gofmt on the Go files and leaves the magic line alone.

Run alone with ``pytest -m browser tests/test_highlight_browser.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from tests.test_browser import ROOT, _kernel_idle, _skip_loudly, browser, lab, page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

DOCS = ROOT / "docs"
EXTENSION = "golink-magic-highlight"
NOTEBOOK = "highlight.ipynb"

GOFILE = """%%gofile main.go
package main

import _ "unsafe"

//go:linkname secret course/hello.motto
var secret string

func main() {
\tprintln(secret, 42)
}"""

GOTXTAR = """%%gotxtar
-- hello/hello.go --
package hello

var motto = "only hello may read this"
// -- main.go --
package main

func main() {}"""

PYTHON = """# a Python comment
def half(n):
    return n // 2  # floor division"""

CELLS = (GOFILE, GOTXTAR, PYTHON)

# The colour (and weight, style, line background) of the character where ``token`` starts, in the
# first editor line of cell ``index`` that starts with ``line``; null when there is no such line.
_PAINT_JS = """([index, start, token]) => {
  const cell = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')[index];
  const line = cell && [...cell.querySelectorAll('.cm-line')].find(l => l.textContent.startsWith(start));
  if (!line) return null;
  const at = line.textContent.indexOf(token);
  if (at < 0) return null;
  const walk = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(), seen = 0; node; seen += node.length, node = walk.nextNode()) {
    if (seen + node.length > at) {
      const s = getComputedStyle(node.parentElement);
      return {color: s.color, weight: s.fontWeight, style: s.fontStyle,
              background: getComputedStyle(line).backgroundColor, marker: line.classList.contains('glm-txtar-marker')};
    }
  }
  return null;
}"""

# Every painted piece of text in cell ``index``: [text, colour, weight] (a fingerprint of its highlighting).
_FINGERPRINT_JS = """index => {
  const cell = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')[index];
  return [...cell.querySelectorAll('.cm-line')].flatMap(line => {
    const walk = document.createTreeWalker(line, NodeFilter.SHOW_TEXT), out = [];
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const s = getComputedStyle(n.parentElement);
      out.push([n.data, s.color, s.fontWeight]);
    }
    return out;
  });
}"""


def paint(page, index: int, line: str, token: str | None = None) -> dict | None:
    return page.evaluate(_PAINT_JS, [index, line, token or line])


def default_colour(page, index: int) -> str:
    return page.evaluate("i => getComputedStyle(document.querySelectorAll("
                         "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')[i].querySelector('.cm-content')).color",
                         index)


def until(check, what: str, timeout: float = 15):
    """Poll ``check()`` until it returns something truthy; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            assert found, f"timed out waiting for: {what}"
            return found
        time.sleep(0.2)


def upload_notebook(lab, name: str, sources: tuple[str, ...]) -> None:
    """Save a notebook of code cells into the server's root through the contents API."""
    url, token = lab
    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    body = json.dumps({"type": "notebook", "format": "json", "content": nb}).encode()
    request = urllib.request.Request(f"{url}/api/contents/{name}", data=body, method="PUT",
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()


def open_notebook(page, lab, name: str) -> None:
    url, token = lab
    page.goto(f"{url}/lab/tree/{name}?reset&token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell .cm-line", state="visible", timeout=60_000)
    _kernel_idle(page, 60)  # the kernel's language_info arrives: the notebook resets every cell's language
    open_tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if open_tab.count():
        open_tab.first.click()
    page.mouse.move(0, 0)


def shoot_cells(page, count: int, name: str) -> None:
    """A screenshot of the first ``count`` cells, for the README."""
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    first, last = cells.nth(0).bounding_box(), cells.nth(count - 1).bounding_box()
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / name), clip={"x": first["x"], "y": first["y"], "width": first["width"],
                                                 "height": last["y"] + last["height"] - first["y"]})


def labextension(action: str) -> None:
    """``jupyter labextension enable/disable`` at user level: the test's own JUPYTER_CONFIG_DIR
    (tests/conftest.py), which the JupyterLab server reads again on every page load."""
    done = subprocess.run([sys.executable, "-m", "jupyter", "labextension", action, "--level=user", EXTENSION],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed():
    listed = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True)
    if EXTENSION not in listed.stdout + listed.stderr:
        _skip_loudly(f"the {EXTENSION} JupyterLab extension is not installed here (`make setup` links it)")


def test_saved_notebook_before_and_after(page, lab, installed):
    upload_notebook(lab, NOTEBOOK, CELLS)
    page.set_viewport_size({"width": 900, "height": 1000})
    gofile, txtar, python = 0, 1, 2

    # before: the extension disabled, everything is Python
    labextension("disable")
    try:
        open_notebook(page, lab, NOTEBOOK)
        comment = paint(page, python, "# a Python comment", "#")
        directive = paint(page, gofile, "//go:linkname")
        assert directive["color"] != comment["color"], "without the extension the directive should read as Python"
        python_before = page.evaluate(_FINGERPRINT_JS, python)
        dirty_before = page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count()
        shoot_cells(page, 3, "highlight-before.png")
    finally:
        labextension("enable")

    # after: the saved notebook opens with Go in the magic cells
    open_notebook(page, lab, NOTEBOOK)
    comment = paint(page, python, "# a Python comment", "#")
    keyword = paint(page, python, "def half", "def")
    text = default_colour(page, gofile)
    assert comment["color"] != text and keyword["color"] != text
    directive = until(lambda: (p := paint(page, gofile, "//go:linkname")) and p["color"] == comment["color"] and p,
                      "the //go:linkname line painted as a comment")
    assert paint(page, gofile, "//go:linkname", "course/hello.motto")["color"] == comment["color"], "the whole line"
    assert directive["style"] == comment["style"] == "italic"
    assert paint(page, gofile, "func main", "func")["color"] == keyword["color"], "func is not painted as def"
    assert paint(page, gofile, "import", "import")["color"] == keyword["color"]
    assert paint(page, gofile, "\tprintln", "42")["color"] != text, "Go numbers are not painted"
    # the magic line is no Go: one colour from %% to the file name
    magic = {paint(page, gofile, "%%gofile", t)["color"] for t in ("%%", "gofile", "main.go")}
    assert len(magic) == 1 and magic != {comment["color"]}, magic

    # opening did not mark the notebook modified any more than without the extension
    assert page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count() == dirty_before
    # the plain Python cell is painted exactly as without the extension
    assert page.evaluate(_FINGERPRINT_JS, python) == python_before
    assert paint(page, python, "    return", "//")["color"] != comment["color"], "Python's // is no comment"

    # txtar: both marker forms stand out, the files in between are Go
    plain = paint(page, txtar, "package hello", "hello")
    for marker in ("-- hello/hello.go --", "// -- main.go --"):
        got = paint(page, txtar, marker)
        assert got["marker"], f"{marker}: no marker band"
        assert got["background"] != plain["background"], f"{marker}: same background as code"
        assert got["color"] not in (plain["color"], comment["color"]), f"{marker}: painted as code or comment"
        assert int(got["weight"]) >= 600, f"{marker}: not bold"
    assert paint(page, txtar, "func main", "func")["color"] == keyword["color"]
    assert paint(page, txtar, "var motto", '"only')["color"] != text, "Go strings in txtar files are not painted"
    shoot_cells(page, 3, "highlight-after.png")


def test_typing_a_magic_line_switches_the_language(page, lab, installed):
    upload_notebook(lab, "typing.ipynb", (PYTHON,))
    open_notebook(page, lab, "typing.ipynb")
    comment = paint(page, 0, "# a Python comment", "#")["color"]
    keyword = paint(page, 0, "def half", "def")["color"]
    page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt").click()  # command mode
    page.keyboard.press("b")  # a new cell below
    new = page.locator(".jp-Notebook .jp-Cell").nth(1)
    new.wait_for()
    page.keyboard.press("Enter")  # edit it
    page.keyboard.type("%%gofile x.go\n//go:linkname a b\nfunc f()", delay=10)
    until(lambda: (p := paint(page, 1, "//go:linkname")) and p["color"] == comment, "Go highlighting while typing")
    assert paint(page, 1, "func f", "func")["color"] == keyword

    # delete the magic line: back to Python
    page.keyboard.press("Control+Home")
    page.keyboard.press("Shift+End")
    page.keyboard.press("Delete")
    page.keyboard.press("Delete")
    until(lambda: not paint(page, 1, "%%gofile"), "the magic line deleted")
    until(lambda: (p := paint(page, 1, "//go:linkname")) and p["color"] != comment, "back to Python highlighting")
    assert paint(page, 1, "func f", "func")["color"] != keyword
    # and typed back: Go again
    page.keyboard.type("%%gofile x.go\n", delay=10)
    until(lambda: (p := paint(page, 1, "//go:linkname")) and p["color"] == comment, "Go again")
    page.keyboard.press("Escape")


def _cell_text(page, index: int) -> str:
    return page.evaluate("i => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')[i]"
                         ".querySelectorAll('.cm-line')].map(l => l.textContent).join('\\n')", index)


def test_format_go(page, lab, installed):
    messy_file = "%%gofile  fmt.go\npackage main\nfunc  main( ){\nprintln( 1 )\n}"
    messy_txtar = "%%gotxtar\n-- a/a.go --\npackage a\nvar  X=1\n// -- b.s --\nTEXT ·f(SB),$0\n"
    broken = "%%gofile bad.go\npackage main\nfunc {"
    upload_notebook(lab, "format.ipynb", (messy_file, messy_txtar, PYTHON, broken))
    open_notebook(page, lab, "format.ipynb")
    cells = page.locator(".jp-Notebook .jp-Cell")

    def format_cell(index: int) -> None:
        cells.nth(index).locator(".jp-InputArea-editor").click(button="right")  # the cell under the mouse
        page.locator(".lm-Menu-itemLabel").get_by_text("Format Go", exact=True).click()

    format_cell(0)
    until(lambda: _cell_text(page, 0) == "%%gofile  fmt.go\npackage main\n\nfunc main() {\n\tprintln(1)\n}",
          f"gofmt of the %%gofile cell (now {_cell_text(page, 0)!r})", timeout=60)
    format_cell(1)
    until(lambda: _cell_text(page, 1) == "%%gotxtar\n-- a/a.go --\npackage a\n\nvar X = 1\n// -- b.s --\nTEXT ·f(SB),$0\n",
          f"gofmt of the .go file of the %%gotxtar cell (now {_cell_text(page, 1)!r})", timeout=60)
    # Go that gofmt cannot parse: the cell stays as it is and gofmt's message is shown
    format_cell(3)
    until(lambda: page.locator(".jp-toast-message", has_text="gofmt").count(), "gofmt's error shown")
    assert "line 3" in page.locator(".jp-toast-message", has_text="gofmt").first.inner_text()
    assert _cell_text(page, 3) == broken
    # no Format Go for a Python cell
    page.keyboard.press("Escape")
    cells.nth(2).locator(".jp-InputArea-editor").click(button="right")
    until(lambda: page.locator(".lm-Menu-itemLabel:visible", has_text="Cut Cell").count(), "the cell context menu")
    assert page.locator(".lm-Menu-itemLabel:visible", has_text="Format Go").count() == 0
    page.keyboard.press("Escape")
