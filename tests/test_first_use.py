"""The first build on a cold machine, through a real kernel: the standard library compiles for
several seconds, and the cell says what it is compiling meanwhile, then tidies the line away."""

from __future__ import annotations

import os
import re

from tests.test_faults import Kernel

# go/parser and what it needs (go/token, go/scanner, go/ast, go/build/constraint) are compiled by
# this build alone: the %load_ext warm-up, building the objdump tool from the same empty cache
# meanwhile, shares the rest of the standard library with it, and with that any count.
MAIN = """package main

import (
	"go/parser"
	"go/token"
)

func main() {
	_, err := parser.ParseExpr("1 + 2")
	println("first", err == nil, token.ADD.String())
}
"""


def test_cold_build_shows_what_it_compiles_and_leaves_no_trace(tmp_path):
    env = {**os.environ, "GOLINK_CACHE_DIR": str(tmp_path / "empty-cache"), "GOLINK_NO_SUPERVISOR": "1"}
    kernel = Kernel(tmp_path, env=env)
    try:
        kernel.run(f"%%gofile main.go\n{MAIN}")
        kernel.updates.clear()
        shown = kernel.run("%gorun --no-objdump", timeout=600)
        version = kernel.run("from golink_magic import magics\n"
                             "print(magics._LOADED[id(get_ipython())].session.toolchain.version)").strip()
    finally:
        kernel.shutdown()
    assert "first true +" in shown and "ok" in shown
    status = [(i, t) for i, t in kernel.updates if t.startswith("building: ")]
    assert status, f"no progress line while the standard library compiled: {kernel.updates[:5]}"
    counts = [int(m.group(1)) for _, t in status if (m := re.search(r"(\d+) packages? compiled", t))]
    assert counts and max(counts) >= 4, status[-1]
    assert counts == sorted(counts), "the count of compiled packages went backwards"
    assert any(re.search(r", now .*\bgo/(ast|parser|scanner|token)\b", t) for _, t in status), status
    assert f"The first build with {version} on this machine compiles the standard library" in status[-1][1]
    # The line is emptied once the run ends: nothing of it stays in a saved notebook.
    line_id = status[0][0]
    assert line_id and [t for i, t in kernel.updates if i == line_id][-1] == ""
