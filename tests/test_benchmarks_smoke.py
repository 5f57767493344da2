"""benchmarks/run.py runs to the end in quick mode and reports every figure with its ratio.

Nothing here is about time: the ratios are printed for people to read, never asserted.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import hubkit

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


def test_hub_load_benchmark_reports_each_figure_of_a_class():
    why = hubkit.why_not_here()
    if why:
        pytest.skip(f"SKIPPED LOUDLY: no real JupyterHub with Unix learners here ({why})")
    script = SCRIPT.with_name("hub_load.py")
    proc = subprocess.run([sys.executable, str(script), "--learners", "2", "--modes", "shared"], capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert re.search(r"^shared: 2 learners ran the chapter$", out, re.M), out
    assert re.search(r"^  first %gorun +p50 +\d+\.\d\d s +p95 +\d+\.\d\d s +max +\d+\.\d\d s +p95/raw = [\d.]+$", out, re.M)
    assert re.search(r"^  later %gorun +p95 +\d+\.\d\d s +\(12 runs\)", out, re.M), out
    assert re.search(r"^  failed cells +0$", out, re.M) and re.search(r"^  leftover processes 0$", out, re.M), out
    assert re.search(r"^  disk per learner +p50 +[\d.]+ MB", out, re.M), out
