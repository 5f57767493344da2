"""``go vet`` on the module's packages (``--vet``): what Go's own checker says about a program,
beside what the compiler and the linker said.  It reads the same files, build tags and GOARCH as
the build, and never changes the outcome."""

from __future__ import annotations

import shlex

from . import procs
from .job import Run

VET_TIMEOUT = 300  # seconds; vet type-checks every package of the module (and compiles what it lacks)


def run_vet(run: Run, result) -> None:
    """Run ``go vet ./...`` in the module root; fill ``result.vet_output``/``vet_status`` and say
    what it found in a note."""
    plan = run.plan
    tags = [f for f in plan.command if f.startswith("-tags=")]
    cmd = [str(plan.toolchain.go), "vet", *tags, "./..."]
    done = procs.spawn(cmd, plan.module_dir, plan.env, timeout=VET_TIMEOUT, watch=run.watch("go vet"))
    result.timings["vet"] = round(done.seconds, 4)
    result.commands.append(shlex.join(["go", *cmd[1:]]))
    result.vet_output = done.text("stdout") + done.text("stderr")
    result.vet_status = done.returncode
    lines = [ln for ln in result.vet_output.strip().splitlines() if ln.strip()]
    if done.returncode == 0 and not lines:
        result.notes.append("go vet ./...: nothing to report")
    else:
        shown = "; ".join(lines[:4]) + (f"; … {len(lines) - 4} more lines" if len(lines) > 4 else "")
        result.notes.append(f"go vet ./... (exit status {done.returncode}): {shown}")
