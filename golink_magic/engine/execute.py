"""Running the built program under the process supervisor (limits, no descendant outliving
it) and recording what it did."""

from __future__ import annotations

import errno

from ..model.result import Result
from . import procs, supervisor
from .job import Run
from .outcome import breached_limit, classify_run, decode_capped, limit_sentence


def program_env(go_env: dict) -> dict:
    """The program's environment: the user's, minus the Go tool settings meant for go itself."""
    env = dict(go_env)
    for k in ("GOFLAGS", "GOPROXY", "GOSUMDB", "GOTOOLCHAIN", "GOCACHE", "GOWORK", "GOENV"):
        env.pop(k, None)
    return env


def run_program(run: Run, result: Result) -> None:
    """Run the built program and record its output, exit and outcome in ``result``."""
    plan, opts = run.plan, run.options
    limits = supervisor.Limits(opts.max_tasks, opts.max_file_mb, opts.max_memory_mb)
    try:
        done = supervisor.run([str(plan.binary)], plan.module_dir, program_env(plan.env), opts.timeout, limits,
                                    plan.toolchain.supervisor(run.watch("supervisor")),
                                    plan.binary.with_name("supervisor.report"))
    except OSError as exc:
        if exc.errno != errno.ENOEXEC:
            raise
        # Cross-compiled for an architecture this machine cannot execute: the assembly is still
        # worth showing, the program is not.
        result.outcome, result.exit_code = "exit-nonzero", None
        result.stderr = f"this {result.goos}/{result.goarch} program cannot run on this machine ({exc.strerror})\n"
        result.notes.append("use --no-run to build and disassemble without running")
        return
    run.check_interrupt()
    result.timings["run"] = round(done.seconds, 4)
    result.commands.append(f"./{plan.binary.name}")
    result.stdout = decode_capped(done.stdout, done.stdout_cut, "stdout", procs.OUTPUT_CAP)
    result.stderr = decode_capped(done.stderr, done.stderr_cut, "stderr", procs.OUTPUT_CAP)
    result.exit_code = done.returncode if done.returncode is None or done.returncode >= 0 else None
    result.outcome, result.signal = classify_run(done.returncode, result.stderr, done.timed_out)
    if result.outcome == "timeout":
        result.notes.append(f"stopped after the {opts.timeout:g} s timeout (use --timeout to change it)")
    limit = breached_limit(done.returncode, result.stderr, done.limit) if not done.timed_out else None
    if limit:
        result.outcome = "limit"
        result.notes.append(limit_sentence(limit, limits.tasks, limits.file_mb, limits.memory_mb))
    if done.leftover:
        result.notes.append(f"the program left {done.leftover} process{'es' if done.leftover != 1 else ''} running "
                            "when it ended; golink stopped them")
