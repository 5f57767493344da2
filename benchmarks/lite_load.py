"""The course in the browser (JupyterLite + Go's tools as WebAssembly), measured in Debian's
Chromium on this machine, every request outside loopback blocked:

* what a first visit downloads: every file the site serves while start-here opens and runs all
  its cells in a fresh browser (raw, and as gzip would send it: ``http.server`` does not compress);
* time to the first result after the page starts loading: cold (empty browser cache) and warm
  (the same browser again, its HTTP cache kept);
* edit to result in the browser's kernel: one line of main.go changed, then build, link, run (the
  wasip1 build), objdump and nm again (median of ``--edits``), beside the first build of the kernel;
* peak memory of Chromium's processes (resident, sampled every 0.2 s) over the whole visit;
* for scale, the raw ``go build && go tool objdump`` of the same edit natively, in the same run.

    python benchmarks/lite_load.py [--site build/lite] [--edits 5] [--table]

``--table`` also prints the README's table of native versus browser output for every course case.
Goals (issue 26): edit to result ≤ 1.5 s, first result ≤ 10 s after load with a warm browser cache,
first visit ≤ 60 MB gzipped.  Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from golink_magic.engine.catalog import default_toolchain  # noqa: E402
from tests import litekit  # noqa: E402

GOALS = "goals: edit to result ≤ 1.5 s, first result ≤ 10 s after load (warm browser cache), first visit ≤ 60 MB gzipped"
MAIN = """package main

import (
\t"fmt"

\t"course/hello"
\t_ "unsafe"
)

//go:linkname secret course/hello.motto
var secret string

func main() {
\tfmt.Println(hello.Motto, %d)
\tfmt.Println(secret)
}
"""
HELLO = 'package hello\n\nvar motto = "only hello may read this"\n\nvar Motto = "anyone may read this"\n'
EDITS = """
import time, statistics
from golink_magic import Session
s = Session()
s.write("go.mod", "module course\\n\\ngo 1.27\\n")
s.write("hello/hello.go", HELLO)
s.write("main.go", MAIN % 0)
t0 = time.perf_counter(); first = s.run(); first_s = time.perf_counter() - t0
times, steps = [], []
for n in range(1, EDITS + 1):
    t0 = time.perf_counter()
    s.write("main.go", MAIN % n)
    r = s.run()
    times.append(time.perf_counter() - t0)
    steps.append(r.timings)
    assert str(n) in r.stdout, r.stdout
answer({"first": first_s, "first_timings": first.timings, "edits": times, "steps": steps, "stdout": r.stdout})
"""


class Memory:
    """Peak resident memory of Chromium's processes, sampled in a thread."""

    def __init__(self):
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            total = 0
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    name = Path(f"/proc/{pid}/comm").read_text().strip()
                    if "chrom" in name:
                        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                            if line.startswith("VmRSS:"):
                                total += int(line.split()[1]) * 1024
                except OSError:
                    continue
            self.peak = max(self.peak, total)


def first_result(page, base: str) -> float:
    """Seconds from navigation to start-here's first view (its %gorun, after Run All)."""
    start = time.perf_counter()
    litekit.run_all(page, base, "00-start-here.ipynb")
    page.locator(".jp-OutputArea-output .glm:has(.glm-panes)").first.wait_for(state="visible")
    return time.perf_counter() - start


def downloaded(site: Path, asked: list[str]) -> tuple[int, int, int]:
    """(requests, raw bytes, gzipped bytes) of the files served."""
    raw = packed = 0
    for path in asked:
        file = site / path.lstrip("/")
        if file.is_dir():
            file = file / "index.html"
        if file.is_file():
            data = file.read_bytes()
            raw += len(data)
            packed += len(gzip.compress(data, 6))
    return len(asked), raw, packed


def native_edit(edits: int) -> float:
    """Median seconds of ``go build && go tool objdump`` natively after the same one-line edit."""
    tc = default_toolchain()
    env = tc.env()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "hello").mkdir()
        (root / "go.mod").write_text("module course\n\ngo 1.27\n")
        (root / "hello" / "hello.go").write_text(HELLO)
        for n in range(edits + 1):
            (root / "main.go").write_text(MAIN % n)
            start = time.perf_counter()
            subprocess.run([str(tc.go), "build", "-trimpath", "-o", "prog", "."], cwd=root, env=env, check=True)
            subprocess.run([str(root / "prog")], check=True, capture_output=True)
            subprocess.run([str(tc.go), "tool", "objdump", "-s", "main.main", "prog"], cwd=root, env=env, check=True,
                           capture_output=True)
            if n:
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=litekit.SITE)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--build", action="store_true", help="build the site first (make lite)")
    parser.add_argument("--table", action="store_true", help="print the README's native-versus-browser table")
    args = parser.parse_args()
    if args.build or not (args.site / "golink" / "manifest.json").exists():
        litekit.build_site(args.site)
    from playwright.sync_api import sync_playwright

    outside = litekit.Outside()
    report = {}
    with sync_playwright() as p, litekit.served(args.site) as (base, asked), Memory() as memory:
        browser = p.chromium.launch(executable_path=litekit.chromium(), args=litekit.CHROMIUM_ARGS, headless=True)
        context = litekit.open_context(browser, outside)
        page = context.new_page()
        report["cold"] = first_result(page, base)
        report["visit"] = downloaded(args.site, list(asked))
        page.close()
        page = context.new_page()  # the same browser: its HTTP cache is warm
        report["warm"] = first_result(page, base)
        code = EDITS.replace("HELLO", repr(HELLO)).replace("MAIN", repr(MAIN)).replace("EDITS", str(args.edits))
        report["edit"] = litekit.in_kernel(page, base, code)
        if args.table:
            report["cases"] = litekit.in_kernel(page, base, litekit.prove_code(), timeout=1800)
        browser.close()
    native = native_edit(args.edits)
    requests, raw, packed = report["visit"]
    edit = statistics.median(report["edit"]["edits"])
    print(f"go version: {default_toolchain().version}; Chromium {subprocess.run([litekit.chromium(), '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"first visit (start-here, run all): {requests} requests, {raw / 1e6:.1f} MB raw, {packed / 1e6:.1f} MB gzipped")
    print(f"first result after load: cold {report['cold']:.1f} s, warm browser cache {report['warm']:.1f} s")
    print(f"first build in a fresh kernel (tools fetched and compiled): {report['edit']['first']:.2f} s")
    print(f"edit to result (median of {args.edits}): {edit:.2f} s in the browser; native go build + run + objdump "
          f"{native:.2f} s (ratio {edit / native:.1f}×)")
    steps = report["edit"]["steps"]
    for key in ("build", "build-run", "run", "objdump", "symbols"):
        values = [s.get(key, 0.0) for s in steps]
        print(f"  {key:9s} median {statistics.median(values):.2f} s")
    print(f"peak resident memory of Chromium: {memory.peak / 1e6:.0f} MB")
    print(f"requests outside loopback: {len(outside.blocked)}")
    print(GOALS)
    if args.table:
        print(litekit.native_table(report["cases"]))
    json.dump({k: v for k, v in report.items() if k != "cases"}, sys.stderr)


if __name__ == "__main__":
    main()
