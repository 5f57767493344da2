"""Eight sessions at once, each running course cases and a four-toolchain matrix while sharing
the Go caches and the result cache: every session gets the same right answers, its own live
module's output, readable cache entries, and leaves no process or folder behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .test_faults import leftovers

ROOT = Path(__file__).resolve().parent.parent
CASES = ["table-row02", "table-row04", "rule-no-unsafe", "method-pull-no-receiver-386"]

WORKER = r"""
import json, sys
from golink_magic import Options, Session
wid, versions, base, cases = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4:]
out = {}
with Session(base_dir=base) as s:
    out["workspace"] = str(s.workspace.base)
    s.write("main.go", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("worker %s") }\n' % wid)
    out["live"] = s.run().stdout
    names = s.case_names(cases)
    out["cases"] = {r.name: [r.outcome, r.stdout if r.name != "method-pull-no-receiver-386" else "",
                             r.met_expectation] for r in s.run_cases(names)}
    out["matrix"] = [[r.target_label, r.outcome, r.stdout, r.met_expectation]
                     for r in s.run_matrix(Options(), case="table-row02", gos=versions)]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def versions(go122):
    from golink_magic.engine import catalog

    found = [catalog.resolve("1.27").version, go122.version, catalog.install("1.23").version]
    debian = [t for t in catalog.discover() if t.source == "debian"]
    found.append(debian[0].version if debian else catalog.install("1.24").version)
    found = [v.removeprefix("go") for v in found]
    # Each toolchain's standard library compiled once first (as `golink-magic warm` does at set-up):
    # the test is about eight sessions sharing warm caches, not about eight cold compiles of std.
    subprocess.run([sys.executable, "-m", "golink_magic", "warm", "--go", ",".join(found)], check=True,
                   capture_output=True, timeout=1200)
    return found


def test_eight_sessions_at_once_share_caches_without_cross_talk_or_leftovers(versions, tmp_path):
    from golink_magic.engine.toolchain import cache_root

    base = tmp_path / "sessions"
    base.mkdir()
    paths = [str(ROOT / "notebooks" / "cases" / f"{c}.txtar") for c in CASES]
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(i), ",".join(versions), str(base), *paths],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(8)]
    outs = []
    for w in workers:
        stdout, stderr = w.communicate(timeout=1200)
        assert w.returncode == 0, stderr[-2000:]
        outs.append(json.loads(stdout.splitlines()[-1]))

    # no cross-talk: each session ran its own live module
    assert [o["live"] for o in outs] == [f"worker {i}\n" for i in range(8)]
    # the same, right answers everywhere
    first = outs[0]
    assert all(ok for _, _, ok in first["cases"].values()), first["cases"]
    assert all(row[3] for row in first["matrix"]) and len(first["matrix"]) == 4
    for o in outs[1:]:
        assert o["cases"] == first["cases"] and o["matrix"] == first["matrix"]
    # no corruption: every result-cache entry reads back
    for entry in (cache_root() / "results").iterdir():
        if entry.is_dir() and ".tmp" not in entry.name:
            json.loads((entry / "result.json").read_text())
    # nothing left behind: no workspace, no process running from one
    assert list(base.iterdir()) == []
    for o in outs:
        assert not Path(o["workspace"]).exists()
        assert leftovers(o["workspace"]) == []
    assert not [p for p in Path(tempfile.gettempdir()).glob("golink-*") if str(os.getpid()) in p.name]
