"""The course website (`make site`): built here from the saved notebooks into a temporary folder
(about 5 s, nothing executed), then read as files and loaded in Debian's chromium with every request
outside file:// and loopback blocked and counted."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHAPTER5 = "05-exceptional-uses"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built by scripts/build_site.py (what `make site` runs) from the saved notebooks."""
    tmp = tmp_path_factory.mktemp("site")
    before = {nb: nb.read_bytes() for nb in NOTEBOOKS}
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_site.py"), "--out", str(tmp / "out"),
         "--stage", str(tmp / "src")],
        capture_output=True, text=True, timeout=300, env={**os.environ, "GOLINK_SITE_REPO": ""},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert {nb: nb.read_bytes() for nb in NOTEBOOKS} == before, "the build must not touch the notebooks"
    print(run.stdout)
    return tmp / "out"


def _page(site: Path, name: str) -> str:
    return (site / f"{name}.html").read_text(encoding="utf-8")


def _html_outputs(nb_path: Path) -> list[str]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return ["".join(out["data"]["text/html"]) for cell in nb["cells"] for out in cell.get("outputs", [])
            if "text/html" in out.get("data", {})]


# --- the built files ------------------------------------------------------------------------------


def test_every_saved_notebook_is_a_page_under_an_index(site):
    assert (site / "index.html").is_file() and (site / "search.html").is_file()
    assert (site / "searchindex.js").is_file() and (site / ".nojekyll").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    for nb in NOTEBOOKS:
        assert (site / f"{nb.stem}.html").is_file(), nb.stem
        assert f'href="{nb.stem}.html"' in index, f"{nb.stem} missing from the chapter list"


def test_chapters_have_previous_next_and_a_binder_button(site):
    names = [nb.stem for nb in NOTEBOOKS]
    for i, name in enumerate(names):
        page = _page(site, name)
        prev = names[i - 1] if i else "index"
        assert re.search(rf'<link rel="prev" [^>]*href="{prev}.html"', page), name
        if i + 1 < len(names):
            assert re.search(rf'<link rel="next" [^>]*href="{names[i + 1]}.html"', page), name
        binder = f"https://mybinder.org/v2/gh/OWNER/REPO/HEAD?urlpath=lab/tree/notebooks/{name}.ipynb"
        assert f'href="{binder}"' in page, f"{name}: no launch-on-Binder link"


def test_views_are_the_saved_css_only_html_verbatim_and_no_widget_code(site):
    """Each view's text/html rendering (its <style>, data-*, title, role, aria-*, tabindex) is in the
    page byte for byte; the widget bundle, its state and the embed manager are not."""
    seen = 0
    for nb in NOTEBOOKS:
        page = _page(site, nb.stem)
        for html in _html_outputs(nb):
            assert html.strip() in page, f"{nb.stem}: a view was altered on the way to the page"
            seen += 1
        assert "widget-state+json" not in page and WIDGET_VIEW not in page
        assert not re.search(r"require(\.min)?\.js|embed-amd|html-manager|jupyter-widgets", page)
        assert not re.search(r"mathjax", page, re.I)
    assert seen >= 20
    saved = "".join(_html_outputs(ROOT / "notebooks" / "00-start-here.ipynb"))
    start = _page(site, "00-start-here")
    kept = {a for a in re.findall(r"\s((?:data|aria)-[\w-]+|title|role|tabindex)=", saved)}
    assert {"data-src"} <= kept and "<style>" in saved and ":has(" in saved
    for attr in kept:
        assert saved.count(f" {attr}=") <= start.count(f" {attr}="), attr


def test_no_page_or_stylesheet_loads_anything_from_another_host(site):
    remote = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)
    for path in site.rglob("*.html"):
        for tag in re.findall(r"<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*>", path.read_text("utf-8")):
            if tag.startswith("<link") and not re.search(r'rel="?[^"]*(stylesheet|preload|icon|modulepreload|prefetch|manifest)', tag):
                continue
            assert not remote.search(tag), f"{path.name}: {tag}"
    for path in site.rglob("*.css"):
        for url in re.findall(r"""url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)""", path.read_text("utf-8")):
            target = url[0] or url[1]
            assert target.startswith(("data:", "../", "./")) or not re.match(r"(?:[a-z]+:)?//", target), f"{path.name}: {target}"


def test_go_cells_are_lexed_as_go():
    sys.path.insert(0, str(ROOT / "site"))
    try:
        from golink_lexer import GolinkCellLexer
    finally:
        sys.path.pop(0)
    from pygments.token import Comment, Generic, Keyword, Name

    def tokens(text):
        return [(t, v) for t, v in GolinkCellLexer().get_tokens(text) if v.strip()]

    gofile = tokens("%%gofile main.go\npackage main\n\nfunc main() {}\n")
    assert gofile[0] == (Comment.Preproc, "%%gofile main.go")
    assert (Keyword.Namespace, "package") in gofile and (Keyword.Declaration, "func") in gofile
    txtar = tokens("%%gotxtar\n-- a/a.go --\npackage a\n-- a/a.s --\nTEXT ·f(SB),0,$0 // asm\n")
    assert (Generic.Subheading, "-- a/a.go --") in txtar and (Generic.Subheading, "-- a/a.s --") in txtar
    assert (Keyword.Namespace, "package") in txtar and (Comment.Single, "// asm") in txtar
    assert not any(t in Keyword for t, v in txtar if v == "TEXT")  # assembly is not lexed as Go
    python = tokens("%load_ext golink_magic\nx = 1\n")
    assert any(t in Name or t in Keyword or t in Comment for t, _ in python)


# --- in a real browser ----------------------------------------------------------------------------


def _local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "file":  # a protocol-relative //host/x on a file:// page is file://host/x
        return parts.hostname in (None, "", "localhost")
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https") and parts.hostname in ("127.0.0.1", "localhost", "::1")


@pytest.fixture(scope="module")
def browser(static_browser):
    return static_browser


@pytest.fixture(scope="module")
def served(site):
    """The site over loopback http, as GitHub Pages serves it (search fetches pages for snippets)."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Tab:
    """A page whose requests outside file:// and loopback are aborted and counted."""

    def __init__(self, browser, **options):
        self.outside: list[str] = []
        self.local: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1500, "height": 1000}, **options)
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def _route(self, route):
        url = route.request.url
        if not _local(url):
            self.outside.append(url)
            return route.abort()
        self.local.append(url)
        return route.continue_()

    def close(self):
        self.page.close()


@pytest.fixture
def tab(browser):
    tab = Tab(browser)
    yield tab
    tab.close()


@pytest.mark.parametrize("name", ["index", CHAPTER5])
def test_site_pages_load_with_no_outside_request(site, tab, name):
    tab.page.goto((site / f"{name}.html").as_uri(), wait_until="load")
    tab.page.wait_for_load_state("networkidle")
    assert tab.outside == []
    assert len(tab.local) >= 10, tab.local  # the route saw the page's own assets
    assert tab.errors == []
    page = tab.page
    # navigation: the chapter list in the sidebar, and previous/next at the foot of the page
    chapters = page.eval_on_selector_all(".bd-sidebar-primary nav a.reference.internal", "els => els.map(e => e.getAttribute('href'))")
    here = f"{name}.html"
    chapters = [here if c == "#" else c for c in chapters]
    assert [c for c in chapters if c.startswith("0")] == [f"{nb.stem}.html" for nb in NOTEBOOKS]
    assert page.locator(".prev-next-area a").count() >= 1
    # every icon of the theme drawn (icons.css), none waiting for FontAwesome's kit or webfont
    assert all(u.rsplit("/", 1)[-1].split("?")[0] not in ("fa-solid-900.woff2", "fa-brands-400.woff2") for u in tab.local)
    if name == CHAPTER5:
        assert page.locator('a[href*="mybinder.org/v2/gh/OWNER/REPO/"]').count() == 1
        assert page.locator(".glm").count() >= 1
        assert "Error displaying widget" not in page.inner_text("body")


def test_hovering_a_source_line_lights_its_assembly_rows(site, tab):
    """Pure CSS (each view's :has() rules) on the static page: no kernel, no widget code."""
    page = tab.page
    page.goto((site / "02-linkname-basics.html").as_uri())
    line = page.evaluate("""() => {
        for (const view of document.querySelectorAll('.glm')) {
            for (const line of view.querySelectorAll('.glm-source [data-src], .glm-line[data-src]')) {
                const src = CSS.escape(line.dataset.src);
                const rows = view.querySelectorAll(`.glm-row[data-src="${src}"]`);
                const other = [...view.querySelectorAll('.glm-row[data-src]')].find(r => r.dataset.src !== line.dataset.src);
                if (rows.length && other) {
                    line.setAttribute('data-test', 'line'); rows[0].setAttribute('data-test', 'row');
                    other.setAttribute('data-test', 'other');
                    return line.dataset.src;
                }
            }
        }
        return null;
    }""")
    assert line, "no source line with linked assembly rows on the page"
    bg = "e => getComputedStyle(e).backgroundColor + ' ' + getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).boxShadow"
    row_idle = page.eval_on_selector('[data-test="row"]', bg)
    other_idle = page.eval_on_selector('[data-test="other"]', bg)
    page.locator('[data-test="line"]').scroll_into_view_if_needed()
    page.hover('[data-test="line"]')
    assert page.eval_on_selector('[data-test="row"]', bg) != row_idle, f"hovering {line} did not restyle its rows"
    assert page.eval_on_selector('[data-test="other"]', bg) == other_idle
    page.mouse.move(0, 0)
    assert page.eval_on_selector('[data-test="row"]', bg) == row_idle
    assert tab.outside == []


def _a_word_only_in_chapter_5(site: Path) -> str:
    """A prose word of chapter 5 (its source and its saved notebook) that no other chapter or page
    has, and whose search term the index gives to chapter 5 alone."""
    from sphinx.search.en import SearchEnglish

    text = (site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    doc = index["docnames"].index(CHAPTER5)
    nb = json.loads((ROOT / "notebooks" / f"{CHAPTER5}.ipynb").read_text(encoding="utf-8"))
    prose = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    source = (ROOT / "notebooks" / "src" / f"{CHAPTER5}.md").read_text(encoding="utf-8")
    others = " ".join(p.read_text(encoding="utf-8") for p in [*NOTEBOOKS, *(ROOT / "notebooks" / "src").glob("*.md"),
                                                               *(ROOT / "site").glob("*.md")]
                      if CHAPTER5 not in p.name).lower()
    stem = SearchEnglish({}).stem
    words = sorted({w for w in re.findall(r"\b[a-z]{6,}\b", prose) if re.search(rf"\b{w}\b", source)
                    and w not in others}, key=lambda w: (-len(w), w))
    for word in words:
        if index["terms"].get(stem(word)) in (doc, [doc]):
            return word
    pytest.fail(f"no word of {CHAPTER5} is in that chapter alone (candidates: {words})")


def test_search_finds_a_word_of_chapter_5(site, served, tab):
    word = _a_word_only_in_chapter_5(site)
    page = tab.page
    page.goto(f"{served}/index.html")
    page.click(".bd-sidebar-primary .search-button-field")
    box = "#pst-search-dialog input[name=q]"
    page.fill(box, word)
    page.press(box, "Enter")
    page.wait_for_url(f"**/search.html?q={word}*")
    page.wait_for_selector("#search-results ul.search li a")
    page.wait_for_function("() => /found/i.test(document.querySelector('#search-results').innerText)")
    hits = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.getAttribute('href').split('?')[0].split('#')[0])")
    assert set(hits) == {f"{CHAPTER5}.html"}, (word, hits)
    assert tab.outside == [] and tab.errors == []


def test_code_cells_are_highlighted(site, tab):
    page = tab.page
    page.goto((site / f"{CHAPTER5}.html").as_uri())
    cells = page.locator("div.cell_input div.highlight pre")
    assert cells.count() >= 10
    found = page.evaluate("""() => {
        const out = {magic: 0, go: 0, marker: 0, colours: new Set()};
        for (const pre of document.querySelectorAll('div.cell_input div.highlight pre')) {
            const plain = getComputedStyle(pre).color;
            for (const span of pre.querySelectorAll('span[class]')) {
                const colour = getComputedStyle(span).color;
                if (colour === plain) continue;
                out.colours.add(colour);
                if (span.classList.contains('cp') && /^%%go(file|txtar)/.test(span.textContent)) out.magic++;
                if (span.classList.contains('kn') && span.textContent === 'package') out.go++;
                if (span.classList.contains('gu') && /^-- .* --/.test(span.textContent)) out.marker++;
            }
        }
        return {magic: out.magic, go: out.go, marker: out.marker, colours: out.colours.size};
    }""")
    assert found["magic"] >= 5 and found["go"] >= 10 and found["marker"] >= 10, found
    assert found["colours"] >= 4, found
    assert tab.outside == []
