"""benchmarks/run.py runs to the end in quick mode and reports every figure with its ratio.

Nothing here is about time: the ratios are printed for people to read, never asserted.
"""

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_quick_benchmark_reports_every_figure_with_its_ratio():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"^machine: \d+ cores, .+, go version go1\.\d+", out, re.M)
    assert re.search(r"^load: 1-minute load average [\d.]+ at the start", out, re.M)
    assert re.search(r"benchmarks, \d{4}-\d\d-\d\d, median of 1", out)
    figures = {m.group(1): m.group(0) for m in re.finditer(r"^([a-i]) .*$", out, re.M)}
    assert sorted(figures) == list("abcdefghi"), out
    assert re.search(r"i/g = \d+\.\d\d, i - c = ", figures["i"])
    assert re.search(r"c/a = \d+\.\d\d .* b/c = \d+\.\d\d×", figures["c"])
    assert re.search(r"target ≤ 30 ms\), d/a = \d+\.\d\d", figures["d"])
    assert re.search(r"3 table rows: .* ratio \d+\.\d\d", figures["e"])
    assert re.search(r"parse whole-binary objdump \([\d,]+ lines, [\d,]+ rows\) .* f/0\.4 s = \d+\.\d\d", figures["f"])


def test_first_use_benchmark_reports_the_first_run_against_raw_go():
    script = SCRIPT.with_name("first_use.py")
    proc = subprocess.run([sys.executable, str(script), "--reps", "1", "--read", "0.5"], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^first %gorun after %load_ext +\d+\.\d{3} s  \(goal ≤ 0\.4 s; .*first/raw = \d+\.\d\d$",
                     proc.stdout, re.M), proc.stdout
    assert re.search(r"^raw pipeline, new module folder +\d+\.\d{3} s$", proc.stdout, re.M), proc.stdout
