"""What running a program under golink's supervisor costs, against running it directly, measured
in the same run (interleaved, median of N).

    python benchmarks/supervisor.py [--reps N]

The supervisor makes every descendant die with the program and applies the limits; the issue's
budget for it is 5 ms per run.  Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from golink_magic import Session  # noqa: E402
from golink_magic.engine import procs  # noqa: E402
from golink_magic.engine import supervisor as supervisor_mod  # noqa: E402
from golink_magic.engine.catalog import default_toolchain  # noqa: E402

PROGRAM = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    args = parser.parse_args()
    tc = default_toolchain()
    supervisor = tc.supervisor()
    with Session() as s:
        s.write("main.go", PROGRAM)
        s.run()
        binary = next((s.workspace.base / "runs").glob("*/bin/prog"))
        env, cwd = tc.env(), Path(tempfile.gettempdir())
        times: dict[str, list[float]] = {"direct": [], "supervised": []}
        for _ in range(args.reps):
            for label in times:
                t0 = time.perf_counter()
                if label == "direct":
                    procs.spawn([str(binary)], cwd, env, timeout=10)
                else:
                    supervisor_mod.run([str(binary)], cwd, env, 10, supervisor_mod.Limits(), supervisor, cwd / "glm-bench.report")
                times[label].append((time.perf_counter() - t0) * 1000)
    direct, supervised = (statistics.median(times[k]) for k in ("direct", "supervised"))
    print(f"golink_magic supervisor benchmark, median of {args.reps}, {tc.version_line}")
    print(f"run a Go program directly          {direct:7.2f} ms")
    print(f"run it under the supervisor        {supervised:7.2f} ms   ratio {supervised / direct:.2f}, "
          f"cost {supervised - direct:.2f} ms per run (budget 5 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
