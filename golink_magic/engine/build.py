"""Building the program: by replaying the go command's recorded plan when one fits
(:mod:`golink_magic.engine.replay`), else with ``go build`` — whose failures are classified
into the result.  ``GOLINK_NO_REPLAY=1`` (or ``replay=False``) makes every build a plain
``go build``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ..model.errors import ToolchainError
from ..model.result import Result
from . import procs, replay
from .background import in_thread
from .job import Run
from .outcome import build_hint, classify_build

BUILD_TIMEOUT = 900     # seconds for `go build` (a cold standard library on a loaded machine is slow)


def replay_enabled(choice: bool | None = None) -> bool:
    """Whether builds may replay the go command's plan: ``choice`` when given, else on unless
    ``GOLINK_NO_REPLAY`` is set (to anything but ``0`` or empty)."""
    if choice is not None:
        return choice
    return os.environ.get("GOLINK_NO_REPLAY", "") in ("", "0")


def replay_or_build(run: Run, result: Result, use_replay: bool | None = None
                    ) -> tuple[bool, bool, Callable[[], object] | None]:
    """Build by replay when a recorded plan fits, else with ``go build`` — then record the plan
    in the background, and return the wait for it as the third value: (built, provable, wait
    or None).  ``provable``: a failure says something about the source and may be cached."""
    plan = run.plan
    spec = replay.Build(plan.files, plan.src, plan.module_dir, plan.command, plan.env, plan.toolchain,
                        plan.binary, plan.workdir / "replay")
    key = None
    if replay_enabled(use_replay) and not plan.outside:  # a replace outside the workspace: go build sees its edits
        key, _ = replay.shape_key(spec)
    seconds = replay.replay(spec, key, run.mark) if key else None
    if seconds is not None and is_program(plan.binary):
        result.timings["build"] = result.timings["replay"] = round(seconds, 4)
        return True, True, None
    built, provable = go_build(run, result)
    if key is None or not provable or replay.recorded(spec, key):
        return built, provable, None
    return built, provable, in_thread(replay.record, spec, key, run.mark)


def go_build(run: Run, result: Result) -> tuple[bool, bool]:
    """Run ``go build``: (built, whether a failure says something about the source and may be
    cached — one killed by a signal or a timeout proves nothing).  A failure is classified into
    ``result``."""
    plan = run.plan
    try:
        done = procs.spawn(plan.command, plan.module_dir, plan.env, timeout=BUILD_TIMEOUT, watch=run.watch("go build"))
    except FileNotFoundError as exc:
        raise ToolchainError(
            f"the Go toolchain at {plan.toolchain.goroot} is gone ({exc.filename} is missing): "
            "reinstall it or choose another with --go or GOLINK_GO"
        ) from None
    run.check_interrupt()
    result.timings["build"] = round(done.seconds, 4)
    result.build_output = done.text() + done.text("stderr")
    if done.timed_out:
        result.outcome = "timeout"
        result.notes.append(f"go build did not finish within {BUILD_TIMEOUT} s and was stopped")
        return False, False
    if done.returncode != 0:
        result.outcome = classify_build(result.build_output)
        hint = build_hint(result.build_output)
        if hint:
            result.notes.append(hint)
        return False, (done.returncode or 0) > 0
    if not is_program(plan.binary):
        result.outcome = "compile-error"
        result.build_output += (f"{plan.options.target}: not a main package, so there is no program to run; "
                                "build a package that declares `package main` and `func main()`\n")
        return False, False
    return True, True


def is_program(binary: Path) -> bool:
    """Whether ``binary`` is a program (``go build -o`` of a package that is not main writes an
    archive instead)."""
    with open(binary, "rb") as fh:
        return not fh.read(8).startswith(b"!<arch>")
