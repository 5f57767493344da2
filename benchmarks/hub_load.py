"""A class on one host under load: N learners (default 20) log in to a real JupyterHub at once
and run chapter 1's cells through it, first with the host's shared read-only warm cache
(``golink-magic warm --system DIR notebooks/cases CHAPTER``: the standard library, the tools,
the course's cases and the chapter's own runs), then with today's per-learner cold caches, in
the same run.

    sudo python benchmarks/hub_load.py [--learners 20] [--chapter notebooks/01-….ipynb]
                                       [--modes shared,shared-std,cold]

Needs root (it creates and removes the Unix users), configurable-http-proxy
(scripts/install-hub.sh) and Debian's /usr/bin/python3 of the venv's version, as tests/test_hub.py.
Per mode it prints: the first %gorun of each learner (p50 / p95 / max), every later %gorun (p95),
the time to a running server, failed cells, processes left after the servers stop, and disk per
learner (their whole home).  For scale, the raw ``go build && ./prog`` of a new hello-world on the
warm cache, measured in the same run, and each figure's ratio to it.  Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from golink_magic.engine.catalog import default_toolchain  # noqa: E402
from tests import hubkit  # noqa: E402

GOALS = "goals with the shared cache: first %gorun p95 ≤ 3 s, disk per learner ≤ 15 MB, no failed cell, no leftover process"


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))] if ordered else float("nan")


def raw_hello() -> float:
    """Seconds of ``go build -o prog . && ./prog`` for a new hello-world, on this user's warm cache
    (golink's environment for the embedded toolchain, which the set-up warmed)."""
    tc = default_toolchain()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "go.mod").write_text("module raw\n\ngo 1.21\n")
        Path(folder, "main.go").write_text(f'package main\n\nimport "fmt"\n\nfunc main() {{ fmt.Println("{uuid.uuid4().hex}") }}\n')
        start = time.monotonic()
        subprocess.run([str(tc.go), "build", "-o", "prog", "."], cwd=folder, env=tc.env(), check=True, capture_output=True)
        subprocess.run(["./prog"], cwd=folder, check=True, capture_output=True)
        return time.monotonic() - start


def learner(hub: hubkit.Hub, name: str, chapter: Path) -> dict:
    """One learner: log in, start the server, open the chapter, run every code cell in order."""
    start = time.monotonic()
    session = hub.login(name)
    hub.start_server(session, name, timeout=900)
    ready = time.monotonic() - start
    server = hub.server(name)
    notebook = json.loads(chapter.read_text())
    server.put_notebook(chapter.name, notebook)
    kernel = server.start_kernel(chapter.name)
    ran = server.run(kernel, hubkit.code_cells(notebook), timeout=900)
    runs = [c.seconds for c in ran if c.code.lstrip().startswith("%gorun")]
    return {"ready": ready, "first": runs[0], "later": runs[1:], "failed": [c.code[:70] for c in ran if c.status != "ok"]}


def one_mode(mode: str, count: int, chapter: Path, system: Path | None, base: Path) -> dict:
    """Every learner at once, with the host's warm cache ``system``, or each with a cold one (None)."""
    names = [f"glnk-l{i:02d}-{uuid.uuid4().hex[:3]}" for i in range(count)]
    with hubkit.learners(names) as (homes, users):
        hub = hubkit.Hub(base / mode / "state", users, hubkit.learner_environment(system),
                         start_timeout=900)
        try:
            with ThreadPoolExecutor(count) as pool:
                futures = {n: pool.submit(learner, hub, n, chapter) for n in names}
                done, errors = {}, []
                for n, f in futures.items():
                    try:
                        done[n] = f.result()
                    except Exception as exc:  # noqa: BLE001 - a learner who could not even start counts as failed
                        errors.append(f"{n}: {exc}"[:300])
            for n in names:  # a learner who could not start may still have a server coming up
                try:
                    hub.stop_server(n, timeout=300)
                except Exception as exc:  # noqa: BLE001 - counted below as leftover processes
                    errors.append(f"{n}: stopping the server: {exc}"[:300])
            time.sleep(2)
            left = {n: hubkit.user_pids(n) for n in names}
            disk = {n: int(subprocess.run(["du", "-sb", str(homes / n)], capture_output=True, text=True).stdout.split()[0])
                    for n in names}
        finally:
            hub.close()
    return {"done": done, "errors": errors, "left": sum(len(v) for v in left.values()), "disk": disk}


def report(mode: str, got: dict, raw: float) -> list[str]:
    firsts = [d["first"] for d in got["done"].values()]
    later = [s for d in got["done"].values() for s in d["later"]]
    ready = [d["ready"] for d in got["done"].values()]
    failed = sum(len(d["failed"]) for d in got["done"].values()) + len(got["errors"])
    disk = [v / 1e6 for v in got["disk"].values()]
    lines = [
        f"{mode}: {len(got['done'])} learners ran the chapter" + (f", {len(got['errors'])} could not start" if got["errors"] else ""),
        f"  first %gorun      p50 {pct(firsts, .5):6.2f} s   p95 {pct(firsts, .95):6.2f} s   max {max(firsts, default=float('nan')):6.2f} s"
        f"   p95/raw = {pct(firsts, .95) / raw:.1f}",
        f"  later %gorun      p95 {pct(later, .95):6.2f} s   ({len(later)} runs)   p95/raw = {pct(later, .95) / raw:.1f}",
        f"  server ready      p50 {pct(ready, .5):6.2f} s   max {max(ready, default=float('nan')):6.2f} s",
        f"  failed cells      {failed}",
        f"  leftover processes {got['left']}",
        f"  disk per learner  p50 {pct(disk, .5):6.1f} MB   max {max(disk, default=float('nan')):6.1f} MB",
    ]
    for d in got["done"].values():
        lines += [f"    failed: {c}" for c in d["failed"][:3]]
    lines += [f"    {e}" for e in got["errors"][:3]]
    return lines


def warm_system(folder: Path, chapter: Path | None) -> Path:
    """``golink-magic warm --system folder notebooks/cases [chapter]``, timed and sized."""
    start = time.monotonic()
    extra = [str(chapter)] if chapter else []
    subprocess.run([sys.executable, "-m", "golink_magic", "warm", "--system", str(folder), "--no-setting",
                    str(HERE.parent / "notebooks" / "cases"), *extra], check=True, capture_output=True,
                   env={**os.environ, "GOLINK_SYSTEM_CACHE": ""})
    size = int(subprocess.run(["du", "-sm", str(folder)], capture_output=True, text=True).stdout.split()[0])
    print(f"warm --system{' with ' + chapter.name if chapter else ' (cases only)'}: "
          f"{time.monotonic() - start:.0f} s, {size} MB")
    return folder


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--learners", type=int, default=20)
    p.add_argument("--chapter", type=Path, default=HERE.parent / "notebooks" / "01-exported-and-directives.ipynb")
    p.add_argument("--modes", default="shared,cold",
                   help="comma separated: shared (the host cache, the chapter run by the warm step), shared-std "
                        "(the host cache without the chapter's runs: every build is the learner's own), cold")
    args = p.parse_args()
    why = hubkit.why_not_here()
    if why:
        print(f"hub_load: cannot run here: {why}", file=sys.stderr)
        return 2
    base = Path(tempfile.mkdtemp(prefix="golink-hubload-", dir="/tmp"))
    base.chmod(0o755)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    systems = {"shared": warm_system(base / "system", args.chapter) if "shared" in modes else None,
               "shared-std": warm_system(base / "system-std", None) if "shared-std" in modes else None}
    raw = statistics.median(raw_hello() for _ in range(3))
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, {default_toolchain().version}, load {load:.1f} at the start; "
          f"{args.learners} learners, {args.chapter.name}")
    print(f"raw `go build -o prog . && ./prog` of a new hello-world on the warm cache: {raw:.2f} s (median of 3)")
    print(GOALS)
    results = {}
    for mode in modes:
        results[mode] = one_mode(mode, args.learners, args.chapter, systems.get(mode), base)
        print("\n".join(report(mode, results[mode], raw)), flush=True)
    firsts = {m: pct([d["first"] for d in r["done"].values()], .95) for m, r in results.items()}
    for mode in [m for m in firsts if m != "cold"]:
        if "cold" in firsts:
            print(f"cold/{mode}, first %gorun p95: {firsts['cold'] / firsts[mode]:.1f}×")
    subprocess.run(["rm", "-rf", str(base)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
