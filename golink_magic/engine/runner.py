"""One case through the pipeline — plan → build (or replay) → run ∥ disassemble — with the
result cache around it, and several cases in parallel.  Orchestration only: each step is a
module of its own (:mod:`.plan`, :mod:`.build`, :mod:`.execute`, :mod:`.disassemble`,
:mod:`.background`), and every child process starts in :mod:`.procs`.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Callable

from ..model.linkage import link_failures
from ..model.options import Options
from ..model.result import Result
from . import browser, cache, procs
from .background import finish as finish_background
from .background import in_thread, leave
from .build import replay_or_build
from .disassemble import disassemble
from .execute import run_program
from .job import Job, Run
from .linker import list_objects, list_symbols
from .plan import Plan, make_plan
from .progress import BuildProgress
from .toolchain import Toolchain
from .vet import run_vet
from .workspace import materialize

__all__ = ["Job", "finish_background", "run_files", "run_many"]


def run_files(files: dict[str, str], options: Options, toolchain: Toolchain, workdir: Path, name: str = "",
              use_cache: bool = True, main_hint: str | None = None,
              progress: Callable[[str], None] | None = None, background: bool = False,
              replay: bool | None = None) -> Result:
    """Build, run and disassemble the module made of ``files`` in ``workdir``.

    ``workdir`` is a stable folder the files are mirrored into (keeping it stable lets Go's
    build cache skip unchanged packages, and lets :mod:`golink_magic.engine.replay` replay the go
    command's plan; ``replay=False`` or ``GOLINK_NO_REPLAY=1`` turns that off).  With
    ``use_cache``, a build of identical files, options, toolchain and Go environment is reused;
    the program itself always runs again.  ``progress`` receives a line now and then while a
    slow build compiles.  With ``background``, the bookkeeping still going on when the result
    is ready (recording the plan, storing the result in the cache) finishes in the background,
    and the next run in ``workdir`` (or :func:`finish_background`) waits for it.
    """
    workdir = Path(workdir)
    if browser.is_browser(toolchain):  # no go command and no threads: the site's WebAssembly tools
        return browser.run_files(files, options, toolchain, workdir, name, main_hint)
    finish_background(workdir)
    plan = make_plan(files, options, toolchain, main_hint, workdir)
    materialize(plan.files, plan.src)
    plan.binary.parent.mkdir(parents=True, exist_ok=True)
    run = Run(plan, procs.generation(), BuildProgress(progress, toolchain.version) if progress else None)
    result = _new_result(plan, files, name)
    result.commands.append(plan.shown)
    entry = cache.entry_for(plan.files, plan.options, toolchain, plan.env, cache.folder_digest(plan.outside))
    cached = cache.load(entry, plan.binary) if use_cache else None
    pending: list[Callable[[], object]] = []
    try:
        if cached is not None:
            if not _reuse(result, cached):
                _vet(run, result)
                return result
        else:
            built, provable, recording = replay_or_build(run, result, replay)
            pending += [recording] if recording else []
            if not built:
                if result.outcome == "link-error" and plan.options.wants_objects:
                    list_objects(run, result)  # which object references what the linker could not find
                    result.notes += link_failures(result.build_output, result.objects)
                if use_cache and provable:
                    cache.store(entry, result, None)
                _vet(run, result)
                return result
        opts = plan.options
        listed = _run_and_disassemble(run, result, listing=cached is None and (
            not opts.no_objdump or bool(opts.expect_sym) or opts.wants_objects))
        if cached is not None:
            ran = "./prog" in result.commands
            result.commands = [c for c in cached.commands if c != "./prog"]
            if ran:
                result.commands.insert(1, "./prog")
        elif listed and use_cache:  # a failed or interrupted listing must not stick
            snapshot = result.to_dict()  # taken now: the caller may go on with the result
            pending.append(in_thread(cache.store, entry, snapshot, plan.binary) if background else
                           lambda: cache.store(entry, snapshot, plan.binary))
        _vet(run, result)
    except BaseException:
        pending = []  # an interrupt or a fault: the caller stops every child, the recording's too
        raise
    finally:
        if background and pending:
            leave(workdir, pending)  # the next run in this folder waits for them
        else:
            for wait in pending:
                wait()  # the plan is on disk before the next edit can want it
    return result


def _vet(run: Run, result: Result) -> None:
    """``go vet`` when the options ask for it; never cached, and after the build, whose cache it reuses."""
    if run.options.wants_vet:
        run_vet(run, result)


def _run_and_disassemble(run: Run, result: Result, listing: bool) -> bool:
    """Run the program and, at the same time, list the binary's symbols, disassemble it (unless
    ``--no-objdump``) and, with ``--objects``, list the compiled objects; their commands,
    timings and notes follow the run's in ``result``.  True when every listing worked."""
    if not listing:
        _run(run, result)
        return False
    steps = [list_symbols] + ([] if run.options.no_objdump else [disassemble]) \
        + ([list_objects] if run.options.wants_objects else [])
    asides = [Result(outcome="ok", go_version="", goos="", goarch="", options=result.options) for _ in steps]
    waits = [in_thread(step, run, aside) for step, aside in zip(steps, asides)]
    _run(run, result)
    listed = all([bool(wait()) for wait in waits])
    for aside in asides:
        result.timings.update(aside.timings)
        result.commands += aside.commands
        result.notes += aside.notes
    result.functions = next((a.functions for a, step in zip(asides, steps) if step is disassemble), [])
    result.symbols = asides[0].symbols
    result.objects = next((a.objects for a, step in zip(asides, steps) if step is list_objects), [])
    return listed


def _run(run: Run, result: Result) -> None:
    if run.options.no_run:
        result.notes.append("built but not run (--no-run)")
    else:
        run_program(run, result)


def _new_result(plan: Plan, files: dict[str, str], name: str) -> Result:
    tc = plan.toolchain
    goarch = plan.options.goarch or tc.goarch
    return Result(outcome="ok", go_version=f"go version {tc.version} {tc.goos}/{goarch}", goos=tc.goos,
                  goarch=goarch, files=dict(files), module=plan.module, module_root=plan.module_root,
                  name=name, options=plan.options, notes=list(plan.notes))


def _reuse(result: Result, cached: Result) -> bool:
    """Fill ``result`` from a cache hit; False when the cached build had failed (nothing to run)."""
    result.cached = True
    result.build_output = cached.build_output
    result.functions = cached.functions
    result.symbols, result.objects = cached.symbols, cached.objects
    result.timings["build"] = 0.0
    if not result.options.no_objdump:
        result.timings["objdump"] = 0.0
    if cached.outcome in ("compile-error", "link-error"):
        result.outcome = cached.outcome
        result.notes += [n for n in cached.notes if n not in result.notes]
        result.commands += [c for c in cached.commands if c.startswith("go list")]
        return False
    return True


def _one_here(job: Job, i: int, total: int, progress) -> Result:
    result = run_files(job.files, job.options, job.toolchain, job.workdir, name=job.name)
    if progress:
        progress(i + 1, total, job.name)
    return result


def run_many(jobs: list, max_workers: int | None = None, progress=None,
             build_progress: Callable[[str, str], None] | None = None, background: bool = False,
             replay: bool | None = None) -> list[Result]:
    """Run several :class:`Job` (or ``(name, files, options, toolchain, workdir)``) in parallel,
    results in the given order.  ``progress(done, total, name)`` is called as each finishes,
    ``build_progress(name, line)`` while a slow build compiles; ``background`` and ``replay``
    as for :func:`run_files`.  An interrupt stops every child and is re-raised."""
    jobs = [j if isinstance(j, Job) else Job(*j) for j in jobs]
    workers = max(1, min(len(jobs), max_workers or os.cpu_count() or 1))
    if browser.available():  # a browser's Python has one thread
        return [_one_here(j, i, len(jobs), progress) for i, j in enumerate(jobs)]
    results: list[Result | None] = [None] * len(jobs)
    count = [0]
    lock = threading.Lock()

    def one(i: int) -> None:
        j = jobs[i]
        label = " · ".join(filter(None, [j.name or "live module", j.toolchain.version, j.options.goarch]))
        report = None if build_progress is None else (lambda line: build_progress(label, line))
        results[i] = run_files(j.files, j.options, j.toolchain, j.workdir, name=j.name, progress=report,
                               background=background, replay=replay)
        with lock:
            count[0] += 1
            if progress:
                progress(count[0], len(jobs), j.name)

    pool = ThreadPoolExecutor(max_workers=workers)
    futures = []
    try:
        futures = [pool.submit(one, i) for i in range(len(jobs))]
        for f in futures:
            while True:
                try:
                    f.result(timeout=0.1)  # short waits keep this thread responsive to Ctrl-C
                    break
                except FutureTimeout:
                    continue
    except BaseException:
        for f in futures:
            f.cancel()
        procs.stop_all()
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results  # type: ignore[return-value]
