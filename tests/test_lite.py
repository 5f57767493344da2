"""The course in the browser (JupyterLite, Go's own tools as WebAssembly), in Debian's Chromium
with every request outside loopback blocked and counted:

* start-here runs all its cells in the browser's own kernel: the view, its value checks (a
  ``--expect`` that failed would stop Run All), the line saying where it was built;
* every course case built in Chromium through the wasm tools equals the native build of the same
  plan (tests/test_toolbuild.py proves that one equals ``go build``): outcome, build messages,
  listing rows, symbols, and the binary byte for byte (the plan fixes the build IDs);
* the README's table of native versus browser output says what the browser really printed.

Run alone with ``pytest -m browser tests/test_lite.py``; the site is built once per session.
"""

from __future__ import annotations

import hashlib
import re

import pytest

from golink_magic.engine import stdlib, toolbuild
from golink_magic.engine.tools import NativeTools
from golink_magic.model.case import load_case
from tests import litekit
from tests.litekit import CASES

pytestmark = [pytest.mark.browser, pytest.mark.go]
README = litekit.ROOT / "README.md"


@pytest.fixture(scope="module")
def site():
    if litekit.chromium() is None:
        pytest.skip("no chromium: install it with `bash scripts/install-browser.sh`")
    return litekit.build_site()


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=litekit.chromium(), args=litekit.CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    outside = litekit.Outside()
    context = litekit.open_context(browser, outside)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page, outside
    context.close()
    assert outside.blocked == [], f"requests outside loopback: {outside.blocked[:5]}"


def test_start_here_runs_in_the_browser(site, page):
    page, outside = page
    with litekit.served(site) as (base, asked):
        litekit.run_all(page, base, "00-start-here.ipynb")
        errors = [t for t in page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
                  .all_inner_texts() if "Error" in t or "Traceback" in t]
        assert not errors, errors
        view = page.locator(".jp-OutputArea-output .glm:has(.glm-panes)").first
        view.wait_for(state="visible")
        text = view.inner_text()
        assert "only hello may read this" in text and "anyone may read this" in text
        assert "built with WebAssembly in the browser" in text
        assert "go1.27.3" in text
        assert view.locator(".glm-output .glm-badge").first.inner_text().strip() == "ok"
        assert view.locator(".glm-asm .glm-row[data-src]").count() > 0
        assert "course/hello.motto" in view.locator(".glm-asm").inner_text()
        assert any(p.endswith("/golink/tools/link.wasm") for p in asked)
    assert outside.blocked == []




@pytest.fixture(scope="module")
def in_browser(browser, site):
    outside = litekit.Outside()
    context = litekit.open_context(browser, outside)
    page = context.new_page()
    with litekit.served(site) as (base, _):
        names = [p.stem for p in CASES]
        found = litekit.in_kernel(page, base, litekit.prove_code(names), timeout=1800)
    context.close()
    assert outside.blocked == []
    return found


@pytest.fixture(scope="module")
def native(toolchain, tmp_path_factory):
    stds = {arch: stdlib.collect(toolchain, "linux", arch) for arch in ("amd64", "386")}
    found = {}
    for path in CASES:
        case = load_case(path)
        work = tmp_path_factory.mktemp(path.stem)
        r = toolbuild.run_files(case.files, case.options, toolchain, work, NativeTools(toolchain),
                                toolbuild.Targets(stds[case.options.goarch or "amd64"]), run_native=_native_run)
        prog = work / "bin" / "prog"
        found[path.stem] = (r, hashlib.sha256(prog.read_bytes()).hexdigest() if prog.exists() else "")
    return found


def _native_run(plan, result):
    from golink_magic.engine import procs
    from golink_magic.engine.execute import run_program
    from golink_magic.engine.job import Run

    run_program(Run(plan, procs.generation()), result)


@pytest.mark.parametrize("name", [p.stem for p in CASES])
def test_case_builds_in_chromium_as_natively(name, in_browser, native):
    got = in_browser[name]
    want, digest = native[name]
    failed = ("compile-error", "link-error")
    if want.outcome in failed:
        assert got["outcome"] == want.outcome, got["build"]
    else:  # built: how the wasip1 program ran is the README table's business
        assert got["outcome"] not in failed, got["build"]
    assert got["build"] == want.build_output
    assert got["rows"] == [[f.symbol, [[x.text, x.file, x.line] for x in f.instructions]] for f in want.functions]
    assert got["symbols"] == [[s.name, s.code, s.size, s.address] for s in want.symbols]
    if want.outcome not in ("compile-error", "link-error"):
        assert got["binary"] == digest, "the browser linked another binary"


def test_readme_table_says_what_the_browser_printed(in_browser, native):
    """Every course case has a README row, and its verdict (same output or not) is the measured one."""
    table = README.read_text().split("<!-- browser-table -->")[1]
    for name in in_browser:
        if native[name][0].outcome in ("compile-error", "link-error"):
            continue  # nothing ran: the build messages are compared above
        row = re.search(rf"^\| `{re.escape(name)}` \|(.*)$", table, re.M)
        assert row, f"README's browser table has no row for {name}"
        want, _ = native[name]
        same = litekit.same_output(want.options.expect_stdout, in_browser[name]["stdout"], want.stdout)
        assert (row.group(1).split("|")[0].strip() == "same") == same, f"{name}: the table says otherwise"


@pytest.mark.parametrize("chapter, said", [
    ("06-methods-and-abi.ipynb", "not checked in the browser: --expect-stdout 'c.Get()=10' is about the linux/amd64"),
    ("08-go123-lockdown.ipynb", "Not run in the browser: this cell builds with Go 1.22, 1.23, and the page carries Go 1.27.3"),
])
def test_a_chapter_runs_all_and_says_what_the_browser_could_not_check(site, page, chapter, said):
    """Run All goes through a chapter whose cells need what a browser lacks (the amd64 program's
    own output, other Go releases): each such cell says so, and nothing fails."""
    page, outside = page
    with litekit.served(site) as (base, _):
        litekit.run_all(page, base, chapter, timeout=900)
        text = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").inner_text()
    assert said in text
    assert "Traceback" not in text and "UsageError" not in text
