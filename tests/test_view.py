"""The HTML views, parsed with a real HTML parser, over results of real Go builds."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from golink_magic import Options, diff, table
from golink_magic.render import view
from golink_magic.render.text import render_text

from . import saved
from .saved import ESCAPES

def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def source_lines(page) -> dict:
    return {el["data-src"]: el for el in page.select(".glm-source .glm-line")}


def asm_rows(page) -> list:
    return page.select(".glm-asm .glm-row")


def colour(el) -> set:
    return {c for c in el["class"] if re.fullmatch(r"glm-(c\d+|k\d+)", c)}


@pytest.fixture(scope="module")
def row02(table_results):
    return table_results[1]


def test_three_panes_with_titles_and_every_file(row02):
    page = soup(view.render_html(row02))
    panes = page.select(".glm-panes > .glm-pane")
    assert [p["class"][1] for p in panes] == ["glm-source", "glm-output", "glm-asm"]
    paths = [p.get_text() for p in page.select(".glm-source .glm-path")]
    assert sorted(paths) == sorted(row02.files) and paths[-1] == "go.mod"


def test_every_row_links_to_an_existing_source_line_with_the_same_colour(row02):
    html = view.render_html(row02)
    page = soup(html)
    lines = source_lines(page)
    rows = [r for r in asm_rows(page) if r.has_attr("data-src")]
    assert rows, "main.main has in-module rows"
    style = page.find("style").string
    for row in rows:
        line = lines[row["data-src"]]  # KeyError: a row pointing at no source line
        assert colour(row) == colour(line) and len(colour(row)) == 2
        hover = next(c for c in colour(row) if c.startswith("glm-k"))
        assert f":has(.{hover}:hover) .{hover}" in style
    # Different source lines get different colours where they are neighbours.
    coloured = [lines[k] for k in ("main.go:13", "main.go:14", "main.go:15")]
    assert len({frozenset(colour(c)) for c in coloured}) == 3
    # The printed line numbers are the ones in data-src.
    assert lines["main.go:14"].select_one(".glm-ln").get_text() == "14"


def test_inlined_code_is_labelled_with_its_origin_and_folded(row02):
    page = soup(view.render_html(row02))
    ext = [r for r in asm_rows(page) if "glm-ext" in r["class"]]
    assert ext and all(not r.has_attr("data-src") for r in ext)
    assert {r["data-origin"] for r in ext} == {"fmt/print.go:225"}  # fmt.Printf inlined, origin via addr2line
    fold = ext[0].find_parent("details")
    assert "inlined from fmt/print.go:225" in fold.summary.get_text() and not fold.has_attr("open")
    unfolded = soup(view.render_html(row02, unfold=True))
    ext_open = [r for r in asm_rows(unfolded) if "glm-ext" in r["class"]]
    assert ext_open[0].find_parent("details").has_attr("open")


def test_stack_check_and_morestack_tail_are_chips_not_hidden(row02):
    page = soup(view.render_html(row02))
    summaries = {s.get_text(): s.find_parent("details") for s in page.select(".glm-asm details > summary")}
    check = next(d for s, d in summaries.items() if s.startswith("stack check"))
    tail = next(d for s, d in summaries.items() if s.startswith("morestack tail"))
    assert check.select(".glm-ins")[0].get_text().startswith("CMPQ SP")
    assert any("runtime.morestack" in i.get_text() for i in tail.select(".glm-ins"))
    total = len(asm_rows(page))
    assert total == len(row02.function("main.main").instructions)


def test_linkname_operands_and_directives_are_marked(row02):
    html = view.render_html(row02)
    page = soup(html)
    marks = page.select(".glm-asm .glm-lnk")
    assert [m.get_text() for m in marks] == ["full/hello.privInt64(SB)"]
    assert "//go:linkname linkedInt64 full/hello.privInt64 (ciao/ciao.go:" in saved.tooltip(html, marks[0])
    directive = source_lines(page)["ciao/ciao.go:9"]
    assert "glm-lnkline" in directive["class"] and "//go:linkname" in directive.get_text()


def test_output_badge_stdout_and_pc_hex(row02):
    page = soup(view.render_html(row02, show_pc=True))
    assert page.select_one(".glm-output .glm-meta .glm-badge").get_text() == "ok"
    assert "hello.privInt64=5 ciao.linkedInt64=5" in page.select_one(".glm-output pre").get_text()
    first = row02.function("main.main").instructions[0]
    row = asm_rows(page)[0]
    assert row.select_one(".glm-pc").get_text() == f"{first.pc:x}" and row.select_one(".glm-hex").get_text() == first.hex
    assert not soup(view.render_html(row02)).select(".glm-pc")


def test_function_filter(row02):
    page = soup(view.render_html(row02, function="^nomatch$"))
    assert not asm_rows(page) and "no function matches" in page.select_one(".glm-asm").get_text()


@pytest.fixture(scope="module")
def small():
    """Three one-file programs (escaping, a compile error, a panic) as saved from real runs."""
    return {name: saved.load(name) for name in ("escapes", "broken", "panics")}


def test_go_source_and_output_are_escaped(small):
    r = small["escapes"]
    html = view.render_html(r)
    page = soup(html)
    lines = source_lines(page)
    # (bs4's html.parser turns a whitespace-only text node into one space: compare from "if")
    assert lines["main.go:7"].select_one(".glm-tx").get_text().strip() == "if a < b && b > 0 {"
    assert "a &lt; b &amp;&amp; b" in re.sub(r"<[^>]+>", "", html)
    out = page.select_one(".glm-output pre")
    assert out.get_text() == "<b>tags</b> & ampersands\n" and out.find("b") is None
    assert not page.select(".glm-pane b")


def test_compile_error_badge_and_message_linked_to_its_line(small):
    r = small["broken"]
    page = soup(view.render_html(r))
    assert page.select_one(".glm-output .glm-badge").get_text() == "compile-error"
    msgs = page.select(".glm-output .glm-msg[data-src]")
    assert {m["data-src"] for m in msgs} == {"main.go:4"}
    assert any("cannot use" in m.get_text() for m in msgs)
    msg = msgs[0]
    line = source_lines(page)["main.go:4"]
    assert "glm-err" in line["class"] and colour(line) & colour(msg)
    assert line.select_one(".glm-tx").get_text().strip() == 'var x int = "a < b & c"'
    assert "no listing" in page.select_one(".glm-asm").get_text()


def test_panic_badge_and_stderr(small):
    page = soup(view.render_html(small["panics"]))
    assert page.select_one(".glm-output .glm-badge").get_text() == "panic"
    assert "exit code 2" in page.select_one(".glm-output .glm-meta").get_text()
    assert any("panic: boom <here>" in p.get_text() for p in page.select(".glm-output pre"))


def test_long_listing_is_cut_below_the_payload_limit(session):
    session.write("main.go", ESCAPES)
    r = session.run(Options(objdump=[r"^(fmt|strconv|unicode/utf8)\."], expect="ok"))
    rows = sum(len(f.instructions) for f in r.functions)
    html = view.render_html(r)
    assert rows > 5000 and len(html.encode()) <= view.PAYLOAD_LIMIT
    page = soup(html)
    shown = len(asm_rows(page))
    note = page.select_one(".glm-asm .glm-more").get_text()
    assert f"{rows - shown:,} more rows not shown" in note


def test_text_rendering(row02):
    text = view.render_text(row02)
    assert text.startswith("table-row02: ok  (go version go1.27.3")
    assert "MOVQ full/hello.privInt64(SB), CX" in text and "fmt/print.go:225" in text


def test_matrix_shows_source_once_and_marks_differences_between_columns():
    results = [saved.load("table-row03"), saved.load("push-386")]
    page = soup(view.render_matrix(results))
    assert len(page.select(".glm-source")) == 1
    cols = page.select(".glm-col")
    assert [c["data-go"] for c in cols] == [r.go_version for r in results]
    assert "(baseline)" in cols[0].select_one(".glm-title").get_text()
    assert not cols[0].select("mark, .glm-add, .glm-removed")
    assert cols[1].select(".glm-add, .glm-changed")  # 386 code differs from amd64 code
    # The load still names the pushed symbol on both architectures.
    for col in cols:
        assert any("full/ciao.linkedInt64(SB)" in i.get_text() for i in col.select(".glm-ins"))
    lines = source_lines(page)
    for row in page.select(".glm-col .glm-row[data-src]"):
        assert row["data-src"] in lines


def test_link_rules_are_one_hover_and_one_focus_selector_per_linked_line(row02):
    page = soup(view.render_html(row02))
    css = page.find("style").string
    rules = css[css.rindex("}", 0, css.index(":has(")) + 1:]
    selectors = rules[: rules.index("{")].strip().split(",")
    linked = {c for el in page.select("[data-src]") for c in colour(el) if c.startswith("glm-k")}
    assert len(selectors) == 2 * len(linked)
    for sel in selectors:
        assert re.fullmatch(r"\.glm-v\w+:has\(\.(glm-k\d+):(hover|focus)\) \.\1", sel), sel


@pytest.mark.browser
def test_hovering_links_source_and_assembly_in_a_real_browser(row02, tmp_path):
    import shutil

    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("SKIPPED LOUDLY: chromium is missing (scripts/install-browser.sh installs it)")
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "view.html"
    page_file.write_text(f"<!doctype html><meta charset=utf-8><body>{view.render_html(row02)}</body>")
    bg = "e => getComputedStyle(e).backgroundColor"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            tab = browser.new_page(viewport={"width": 1600, "height": 900})
            tab.goto(page_file.as_uri())
            rows13 = '.glm-asm [data-src="main.go:13"]'
            idle = tab.eval_on_selector(rows13, bg)
            tab.hover('.glm-source [data-src="main.go:13"]')
            assert tab.eval_on_selector(rows13, bg) != idle
            assert tab.eval_on_selector('.glm-asm [data-src="main.go:14"]', bg).endswith("0.14)")
            line14 = '.glm-source [data-src="main.go:14"]'
            idle14 = tab.eval_on_selector(line14, bg)
            tab.hover('.glm-asm [data-src="main.go:14"]')
            assert tab.eval_on_selector(line14, bg) != idle14
        finally:
            browser.close()


def test_one_huge_source_file_stays_within_the_payload_limit(session):
    from golink_magic.render.view import PAYLOAD_LIMIT, render_html

    body = "".join(f"var v{i} = {i}\n" for i in range(30000))
    session.write("main.go", "package main\n\n" + body + "\nfunc main() { println(v1) }\n")
    html = render_html(session.run(Options(no_objdump=True)))
    assert len(html.encode()) <= PAYLOAD_LIMIT
    assert "more lines not shown" in html


# -- reading the listing: symbols, instruction help, control flow, linkname rows ---------------

_all_views = saved.views


def test_every_sb_operand_names_its_symbol_in_every_view():
    for name, html in _all_views().items():
        page = soup(html)
        ins = page.select(".glm-ins")
        assert ins, name
        for el in ins:
            for m in re.finditer(r"(\S+?)(?:[+-](?:0x[0-9a-f]+|\d+))?\(SB\)", el.get_text()):
                syms = [s["data-sym"] for s in el.select("[data-sym]")]
                assert m.group(1).lstrip("$") in syms, (name, el.get_text())
        assert len(html.encode()) <= view.PAYLOAD_LIMIT


def _shared_help(html: str, op) -> str:
    """The help a table or matrix gives a mnemonic through one shared CSS rule (its glm-ohN class)."""
    for cls in op.get("class", []):
        m = re.search(r"\." + re.escape(cls) + r"::after\{content:\"([^\"]*)\"\}", html) if re.fullmatch(r"glm-oh\d+", cls) else None
        if m:
            return m.group(1)
    return ""


def test_mnemonics_carry_help_on_nearly_every_row():
    for name, html in _all_views().items():
        ops = soup(html).select(".glm-ins > .glm-op, .glm-ins > mark > .glm-op")
        helped = [o for o in ops if o.get("title") or _shared_help(html, o)]
        assert ops and len(helped) >= 0.95 * len(ops), name
        assert all(o["data-op"] == o.get_text() for o in ops)
    movq = [o["title"] for o in soup(_all_views()["single"]).select('[data-op="MOVQ"]')]
    assert any("8 bytes" in t for t in movq) and any("frame pointer" in t for t in movq)


def test_a_pulled_symbol_links_operand_declaration_and_directive():
    html = view.render_html(saved.load("table-row02"))
    page = soup(html)
    decl = {el["data-src"]: el for el in page.select("[data-syms]")}
    target = "full/hello.privInt64"
    places = {src for src, el in decl.items() if target in el["data-syms"].split()}
    assert places == {"hello/hello.go:5", "ciao/ciao.go:9", "ciao/ciao.go:10"}
    operand = page.select_one(f'.glm-asm [data-sym="{target}"]')
    shared = set(operand["class"]) & set(decl["hello/hello.go:5"]["class"]) - {"glm-sy", "glm-lnk", "glm-decl"}
    assert shared and all(shared & set(decl[p]["class"]) for p in places)
    assert "//go:linkname linkedInt64 full/hello.privInt64 (ciao/ciao.go:9)" in saved.tooltip(html, operand)
    row = operand.find_parent(class_="glm-row")
    assert "glm-lnrow" in row["class"]
    outside = page.select_one('[data-sym="runtime.convT64"]')
    assert saved.tooltip(html, outside) == "runtime.convT64 — in package runtime, outside this module"


def test_calls_and_jumps_are_links_whose_targets_exist():
    for name, html in _all_views().items():
        page = soup(html)
        ids = {el["id"] for el in page.select("[id]")}
        assert len(ids) == len(page.select("[id]")), f"{name}: duplicate ids"
        for a in page.select("a[href]"):
            assert a["href"].startswith("#") and a["href"][1:] in ids, (name, a)
    page = soup(view.render_html(saved.load("escapes")))
    jumps = page.select("a.glm-jmp")
    assert jumps, "the stack check's jump is followed"
    for a in jumps:
        target = page.select_one(a["href"])
        assert "glm-target" in target["class"] and set(a["class"]) & set(target["class"]) - {"glm-jmp"}


def test_the_case_table_links_symbols_within_one_row_only():
    page = soup(_all_views()["table"])
    row2 = page.select("tr.glm-trow")[1]
    operand = row2.select_one('.glm-asm [data-sym="full/hello.privInt64"]')
    hover = [c for c in operand["class"] if re.fullmatch(r"glm-s\d+_\d+", c)]
    assert hover and row2.select(f'.glm-src .{hover[0]}')
    assert not page.select("tr.glm-trow")[0].select(f".{hover[0]}")


def test_chips_and_reading_guide_explain_themselves():
    page = soup(view.render_html(saved.load("table-row02")))
    chip = next(c for c in page.select(".glm-chip") if c.get_text().startswith("stack check"))
    assert "stack" in chip["title"] and "morestack" in chip["title"]
    guide = page.select_one(".glm-help").get_text()
    for term in ("SB", "R14", "X15", "0x8(SP)", "relocation", "stack check"):
        assert term in guide
    assert "thread-local" in soup(view.render_html(saved.load("push-386"))).select_one(".glm-help").get_text()


@pytest.mark.browser
def test_hovering_an_operand_restyles_its_declaration_in_a_real_browser(tmp_path):
    import shutil

    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("SKIPPED LOUDLY: chromium is missing (scripts/install-browser.sh installs it)")
    from playwright.sync_api import sync_playwright

    views = _all_views()
    outline = "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).fontWeight"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            tab = browser.new_page(viewport={"width": 1600, "height": 900})
            for name, scope in (("single", ".glm-asm"), ("table", "tr.glm-trow:nth-of-type(3) .glm-asm")):
                page_file = tmp_path / f"{name}.html"
                page_file.write_text(f"<!doctype html><meta charset=utf-8><body>{views[name]}</body>")
                tab.goto(page_file.as_uri())
                decl = ('[data-src="hello/hello.go:5"]' if name == "single"
                        else 'tr.glm-trow:nth-of-type(3) [data-src="hello/hello.go:5"]')
                idle = tab.eval_on_selector(decl, outline)
                tab.hover(f'{scope} [data-sym="full/hello.privInt64"]')
                assert tab.eval_on_selector(decl, outline) != idle, name
                tab.mouse.move(0, 0)
                tab.hover(decl)  # and back: the declaration lights the operand
                assert tab.eval_on_selector(f'{scope} [data-sym="full/hello.privInt64"]', outline).startswith("solid")
        finally:
            browser.close()


def test_text_listing_folds_inlined_rows_and_long_build_output():
    r = saved.load("table-row02")
    inlined = [row for fn in r.functions for row in fn.instructions if row.external]
    assert inlined, "the fixture inlines fmt's printing code into main.main"
    text = render_text(r)
    assert "(inlined)" not in text and re.search(r"^  … \d+ rows? inlined from \S+:\d+.* \(folded; --unfold shows them\)$",
                                                text, re.M)
    assert re.search(r"^  … stack check: \d rows \(folded; --unfold shows them\)$", text, re.M)
    assert "CMPQ SP, 0x10(R14)" not in text and "runtime.morestack" not in text
    r.options.unfold = True
    assert text.count("\n") < render_text(r).count("\n") and "(inlined)" in render_text(r)
    assert "CMPQ SP, 0x10(R14)" in render_text(r)
    usage = "# example\nflag provided but not defined: -checklinkname\nusage: link [options] main.o\n" + \
        "".join(f"  -flag{i}\n\tdoes {i}\n" for i in range(50))
    r.build_output = usage
    text = render_text(r)
    assert "flag provided but not defined: -checklinkname" in text and "-flag40" not in text
    assert "[… 95 more lines of the build's output, folded]" in text
    html = view.render_html(r)
    assert "95 more lines of the build&#x27;s output" in html or "95 more lines of the build's output" in html
