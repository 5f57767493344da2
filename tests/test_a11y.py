"""Keyboard and screen-reader access to the views, on self-contained pages in real Chromium:
an axe-core audit with no serious or critical violation, panes as labelled regions, rows with
names, one Tab stop per pane, arrow keys moving inside it, and focus lighting what hover lights."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from . import saved

KEYBOARD = (Path(__file__).resolve().parent.parent / "golink_magic" / "render" / "static" / "keyboard.js").read_text()


_views = saved.views


def _page(html: str) -> str:
    return (f'<!doctype html><html lang="en"><meta charset=utf-8><title>view</title><body><main>{html}</main>'
            f"<script>{KEYBOARD}</script></body></html>")


def test_structure_for_assistive_technology():
    page = BeautifulSoup(_views()["single"], "html.parser")
    regions = {r["aria-label"] for r in page.select('[role="region"]')}
    assert {"Source", "Output: ok", "Assembly of main.main"} <= regions
    row = page.select_one('.glm-asm [role="listitem"][data-src="main.go:13"]')
    assert row["aria-label"] == "main.go:13 MOVQ full/hello.privInt64(SB), CX"
    line = page.select_one('.glm-source [data-src="main.go:13"]')
    assert " ".join(line.get_text().split()) == "13 a = hello.GetPrivInt64()"  # number and code, read as they show
    assert line.find_parent(role="list")["aria-label"] == "main.go"
    assert page.select_one(".glm-badge").get_text() == "ok"  # the outcome is text, not only a colour
    stops = page.select('[tabindex="0"]')
    assert [s.find_parent(role="region")["aria-label"] for s in stops] == ["Source", "Assembly of main.main"]


@pytest.fixture(scope="module")
def tab(static_browser):
    return static_browser.new_page(viewport={"width": 1600, "height": 900})


@pytest.mark.parametrize("name", ["single", "table", "matrix", "diff"])
def test_axe_finds_no_serious_violation(tab, tmp_path, name):
    from axe_playwright_python.sync_playwright import Axe

    page_file = tmp_path / f"{name}.html"
    page_file.write_text(_page(_views()[name]))
    tab.goto(page_file.as_uri())
    results = Axe().run(tab, context=".glm")
    bad = [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def test_keyboard_alone_reaches_links_and_help(tab, tmp_path):
    page_file = tmp_path / "single.html"
    page_file.write_text(_page(_views()["single"]))
    tab.goto(page_file.as_uri())
    row13 = '.glm-asm [data-src="main.go:13"]'
    idle = tab.eval_on_selector(row13, "e => getComputedStyle(e).backgroundColor")
    tab.keyboard.press("Tab")  # the source pane's one stop: its first line
    assert tab.evaluate("document.activeElement.dataset.src") == "main.go:1"
    for _ in range(12):
        tab.keyboard.press("ArrowDown")
    assert tab.evaluate("document.activeElement.dataset.src") == "main.go:13"
    assert tab.eval_on_selector(row13, "e => getComputedStyle(e).backgroundColor") != idle
    region = "document.activeElement.closest('[role=region]').getAttribute('aria-label')"
    for _ in range(4):  # past the output pane's and the guide's folds: the assembly pane's first row
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.getAttribute('role')") == "listitem":
            break
    assert tab.evaluate(region) == "Assembly of main.main"
    help_text = tab.evaluate("""() => { const op = document.activeElement.querySelector('.glm-op[title]');
        return [op.getAttribute('title'), getComputedStyle(op, '::after').content]; }""")
    assert help_text[0] and help_text[1].strip('"') == help_text[0]  # the tooltip is shown on focus
    while tab.evaluate("document.activeElement.dataset.src") != "main.go:13":
        tab.keyboard.press("ArrowDown")  # to the row loading the pulled symbol: its declaration lights up
    decl = '.glm-source [data-src="hello/hello.go:5"]'
    assert tab.eval_on_selector(decl, "e => getComputedStyle(e).outlineStyle") == "solid"
    symbol = tab.evaluate("getComputedStyle(document.activeElement.querySelector('.glm-sy'), '::after').content")
    assert "bound by //go:linkname linkedInt64 full/hello.privInt64 (ciao/ciao.go:9)" in symbol
