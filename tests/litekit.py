"""Driving the JupyterLite course in Debian's Chromium: build the site (``make lite``'s script),
serve it from loopback, open pages with every request outside loopback blocked and counted, run
a notebook's cells, and run code in the browser's own kernel with its answer sent back to the
test (a BroadcastChannel: the kernel's worker and the page share the site's origin).

Used by tests/test_lite.py and benchmarks/lite_load.py."""

from __future__ import annotations

import functools
import re
import http.server
import json
import shutil
import subprocess
import sys
import threading
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "build" / "lite"
WORK = ROOT / "build" / "lite-work"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                 "--disable-features=AutofillServerCommunication"]


def build_site(out: Path = SITE, work: Path = WORK) -> Path:
    """``python scripts/build_lite.py`` (its tools and downloads are kept in ``work``)."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_lite.py"), "--out", str(out), "--work", str(work)],
                   check=True, stdout=subprocess.DEVNULL)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript",
                      ".wasm": "application/wasm", ".js": "text/javascript", ".json": "application/json"}

    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(site: Path):
    """The site on a free loopback port: yields its base URL and the list of paths asked for."""
    asked: list[str] = []

    class Handler(_Quiet):
        def do_GET(self):
            asked.append(urllib.parse.urlsplit(self.path).path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Outside:
    """Blocks and counts every request that leaves loopback."""

    def __init__(self):
        self.blocked: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        host = urllib.parse.urlsplit(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


def open_context(browser, outside: Outside):
    context = browser.new_context(viewport={"width": 1680, "height": 1000}, device_scale_factor=1)
    context.route("**/*", outside.route)
    return context


def run_all(page, base: str, notebook: str, timeout: float = 600) -> None:
    """Open ``notebook`` in JupyterLite's lab, run all cells and wait until every cell ran; an
    AssertionError with each cell's first line and error when Run All stopped (a cell failed)."""
    page.goto(f"{base}/lab/index.html?path={notebook}")
    # (JupyterLite reopens the tabs of an earlier visit: only the visible panel counts)
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", state="visible", timeout=120_000)
    page.wait_for_function(
        "() => { const s = document.querySelector('#jp-main-statusbar');"
        " return s && /\\|\\s*Idle/.test(s.innerText); }", timeout=120_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).first.click()
    state = page.wait_for_function(
        """() => {
             const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
             if (prompts.length && prompts.every(p => /\\[\\d+\\]/.test(p.innerText))) return "done";
             const busy = prompts.some(p => /\\[\\*\\]/.test(p.innerText));
             const idle = /\\|\\s*Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText || '');
             if (!busy && idle) { window.golinkIdleSince = window.golinkIdleSince || Date.now(); }
             else { window.golinkIdleSince = 0; }
             return window.golinkIdleSince && Date.now() - window.golinkIdleSince > 10000 ? "stopped" : false;
           }""", timeout=timeout * 1000, polling=500).json_value()
    if state != "done":
        raise AssertionError(f"{notebook}: Run All stopped:\n" + "\n".join(cell_report(page)))


def cell_report(page) -> list[str]:
    """Per code cell: its prompt, first line, and the start of an error it printed."""
    return page.evaluate("""() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')].map(c =>
        (c.querySelector('.jp-InputPrompt')?.innerText || '').trim() + ' ' +
        (c.querySelector('.jp-InputArea-editor')?.innerText || '').split('\\n')[0].slice(0, 90) + ' → ' +
        (c.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')?.innerText || '')
          .replace(/\\s+/g, ' ').slice(0, 300))""")


def in_kernel(page, base: str, code: str, timeout: float = 900):
    """Run ``code`` in a fresh browser kernel (JupyterLite's REPL) and return the JSON value it
    sends with ``answer(value)`` (defined for it)."""
    channel = "golink-answer"
    prelude = ("import js, json\n"
               f"def answer(value):\n    js.BroadcastChannel.new({channel!r}).postMessage(json.dumps(value))\n")
    page.goto(f"{base}/golink/manifest.json")  # a page of the same origin, to listen before the kernel starts
    page.evaluate(f"""() => {{ window.golinkAnswer = undefined;
        const ch = new BroadcastChannel({channel!r});
        ch.onmessage = (e) => {{ window.golinkAnswer = e.data; }}; }}""")
    url = f"{base}/repl/index.html?kernel=python&toolbar=1&code=" + urllib.parse.quote(prelude + code)
    page.evaluate("(url) => { const f = document.createElement('iframe'); f.style.width = '1200px';"
                  " f.style.height = '800px'; f.src = url; document.body.appendChild(f); }", url)
    page.wait_for_function("() => window.golinkAnswer !== undefined", timeout=timeout * 1000)
    return json.loads(page.evaluate("() => window.golinkAnswer"))


def same_output(expect_stdout: list[str], a: str, b: str) -> bool:
    """Whether two runs printed the same; a case whose expectation is a /regex/ prints a stale
    word that changes from run to run, so long numbers count as one."""
    if any(e.startswith("/") for e in expect_stdout):
        a, b = (re.sub(r"-?\d{6,}", "N", x) for x in (a, b))
    return a == b


def _cell(text: str, limit: int = 70) -> str:
    shown = text.strip().replace("\n", " ⏎ ").replace("|", "\\|")
    return f"`{shown[:limit]}{'…' if len(shown) > limit else ''}`" if shown else "(nothing)"


def readme_table(rows: list[tuple[str, str, str, str, bool]]) -> str:
    """The README's table: (case, target, native stdout, browser stdout, same) per course case."""
    lines = ["| case | output | native build (linux) | browser (wasip1/wasm) |", "|---|---|---|---|"]
    for name, target, native, browser, same in rows:
        limit = 70 if same else 400
        lines.append(f"| `{name}` | {'same' if same else '**differs**'} | {target}: {_cell(native, limit)} | "
                     f"{_cell(browser, limit)} |")
    return "\n".join(lines)


CASES = sorted((ROOT / "notebooks" / "cases").glob("*.txtar"))
_PROVE = """
import hashlib, pathlib
from golink_magic.engine import browser
from golink_magic.engine.wasi import _fetch_text
from golink_magic.model.case import case_from_text
tc = browser.toolchain()
found = {}
for name in NAMES:
    case = case_from_text(name, _fetch_text(browser.site().base + "../files/cases/" + name + ".txtar"))
    work = pathlib.Path("/tmp/proof") / name
    r = browser.run_files(case.files, case.options, tc, work)
    prog = work / "bin" / "prog"
    found[name] = {"outcome": r.outcome, "build": r.build_output, "stdout": r.stdout, "notes": r.notes,
                   "rows": [[f.symbol, [[x.text, x.file, x.line] for x in f.instructions]] for f in r.functions],
                   "symbols": [[s.name, s.code, s.size, s.address] for s in r.symbols],
                   "binary": hashlib.sha256(prog.read_bytes()).hexdigest() if prog.exists() else ""}
answer(found)
"""


def prove_code(names: list[str] | None = None) -> str:
    """Kernel code that builds every course case (or ``names``) in the browser and answers with
    what each build gave (see :func:`in_kernel`)."""
    return _PROVE.replace("NAMES", repr(names or [p.stem for p in CASES]))


def native_table(found: dict) -> str:
    """The README's table from the browser's answers and a native build of each case now."""
    import tempfile

    from golink_magic.engine import runner
    from golink_magic.engine.catalog import default_toolchain
    from golink_magic.model.case import load_case

    tc, rows = default_toolchain(), []
    for path in CASES:
        case = load_case(path)
        with tempfile.TemporaryDirectory() as tmp:
            want = runner.run_files(case.files, case.options, tc, Path(tmp), use_cache=False)
        if want.outcome in ("compile-error", "link-error") or path.stem not in found:
            continue
        got = found[path.stem]["stdout"]
        rows.append((path.stem, case.options.goarch or "amd64", want.stdout, got,
                     same_output(case.options.expect_stdout, got, want.stdout)))
    return readme_table(rows)
