"""Self-contained case pages: save_html on a result, a case table and a diff writes one file that
works from file:// with every other request blocked (and counted)."""

from __future__ import annotations

import re
import shutil

import pytest

from golink_magic import diff, table

from . import saved


def _values():
    rows = [saved.load(n) for n in ("table-row01", "table-row02", "table-row03")]
    return {"result": rows[1], "table": table(rows, ["hello/hello.go", "ciao/ciao.go"]), "diff": diff(rows[0], rows[1])}


@pytest.mark.parametrize("kind", ["result", "table", "diff"])
def test_a_saved_page_fetches_nothing(kind, tmp_path):
    path = tmp_path / f"{kind}.html"
    assert _values()[kind].save_html(path) == str(path)
    page = path.read_text()
    assert page.startswith("<!doctype html>") and "<style>" in page and "<script>" in page
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)
    assert not re.search(r"@import|url\(", page)


@pytest.mark.browser
def test_a_case_page_works_offline_in_a_real_browser(tmp_path):
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("SKIPPED LOUDLY: chromium is missing (scripts/install-browser.sh installs it)")
    from playwright.sync_api import sync_playwright

    path = _values()["result"].save_html(tmp_path / "case.html")
    outside = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            tab = browser.new_page(viewport={"width": 1600, "height": 900})

            def block(route):
                if not route.request.url.startswith("file://"):
                    outside.append(route.request.url)
                    return route.abort()
                return route.continue_()

            tab.route("**/*", block)
            tab.goto(f"file://{path}")
            rows = '.glm-asm [data-src="main.go:13"]'
            idle = tab.eval_on_selector(rows, "e => getComputedStyle(e).backgroundColor")
            tab.hover('.glm-source [data-src="main.go:13"]')
            assert tab.eval_on_selector(rows, "e => getComputedStyle(e).backgroundColor") != idle
            title = tab.get_attribute('.glm-asm [data-op="MOVQ"]', "title")
            assert title
        finally:
            browser.close()
    assert outside == []
