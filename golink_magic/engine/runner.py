"""One case through the pipeline: plan → build → run and disassemble (at the same time), with
the result cache around it, and several cases in parallel.

Every child process is started by :mod:`golink_magic.procs`; what the outcome words mean is
:mod:`golink_magic.outcome`'s; which program and go.mod is :mod:`golink_magic.plan`'s; replaying
the go command's plan instead of running ``go build`` is :mod:`golink_magic.replay`'s.
"""

from __future__ import annotations

import atexit
import errno
import os
import shlex
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import cache
from ..listing import objdump
from . import procs
from . import replay
from ..model.errors import ToolchainError
from ..model.options import Options
from .outcome import breached_limit, build_hint, classify_build, classify_run, decode_capped, limit_sentence
from .plan import Plan, build_command, local_target, make_plan, objdump_regex, shown_command
from .progress import BuildProgress, watcher
from ..model.result import Result
from .toolchain import Toolchain
from .workspace import materialize

BUILD_TIMEOUT = 900     # seconds for `go build` (a cold standard library on a loaded machine is slow)
OBJDUMP_TIMEOUT = 120
ADDR2LINE_TIMEOUT = 60
LISTING_CAP = 256 << 20  # bytes of objdump text kept


@dataclass
class _Job:
    """What the steps of one run share: the plan, where it is built, with which environment."""

    plan: Plan
    toolchain: Toolchain
    workdir: Path
    src: Path
    module_dir: Path
    env: dict
    binary: Path
    mark: int  # procs.generation() when the job started: an interrupt since then ends it
    progress: BuildProgress | None = None

    @property
    def options(self) -> Options:
        return self.plan.options

    def check_interrupt(self) -> None:
        """Raise KeyboardInterrupt when another thread stopped every child meanwhile."""
        if procs.interrupted_since(self.mark):
            raise KeyboardInterrupt


def run_files(files: dict[str, str], options: Options, toolchain: Toolchain, workdir: Path, name: str = "",
              use_cache: bool = True, main_hint: str | None = None,
              progress: Callable[[str], None] | None = None, background: bool = False) -> Result:
    """Build, run and disassemble the module made of ``files`` in ``workdir``.

    ``workdir`` is a stable folder the files are mirrored into (keeping it stable lets Go's
    build cache skip unchanged packages, and lets :mod:`golink_magic.replay` replay the go
    command's plan).  With ``use_cache``, a build of identical files, options and toolchain is
    reused; the program itself always runs again.  ``progress`` receives a line now and then
    while a slow build compiles (:class:`golink_magic.progress.BuildProgress`).  With
    ``background``, the bookkeeping still going on when the result is ready (recording the
    plan, storing the result in the cache) finishes in the background, and the next run in
    ``workdir`` (or :func:`finish_background`) waits for it: a kernel shows the result sooner.
    """
    finish_background(Path(workdir))
    job = _prepare(make_plan(files, options, toolchain, main_hint), toolchain, Path(workdir))
    if progress is not None:
        job.progress = BuildProgress(progress, toolchain.version)
    result = _new_result(job, files, name)
    build_cmd = build_command(toolchain, job.options, job.binary, local_target(job.options.target, job.src, job.module_dir))
    result.commands.append(shown_command(build_cmd, job.options.goarch, job.workdir))
    entry = cache.entry_for(job.plan.files, job.options, toolchain)
    cached = cache.load(entry, job.binary) if use_cache else None
    pending: list[Callable[[], object]] = []
    try:
        if cached is not None:
            if not _reuse(result, cached):
                return result
        else:
            built, provable, recording = replay_or_build(job, build_cmd, result)
            pending += [recording] if recording else []
            if not built:
                if use_cache and provable:
                    cache.store(entry, result, None)
                return result
        listed = _run_and_disassemble(job, result, listing=cached is None and not job.options.no_objdump)
        if cached is not None:
            ran = "./prog" in result.commands
            result.commands = [c for c in cached.commands if c != "./prog"]
            if ran:
                result.commands.insert(1, "./prog")
        elif listed and use_cache:  # a failed or interrupted listing must not stick
            snapshot = result.to_dict()  # taken now: the caller may go on with the result
            pending.append(in_thread(cache.store, entry, snapshot, job.binary) if background else
                           lambda: cache.store(entry, snapshot, job.binary))
    except BaseException:
        pending = []  # an interrupt or a fault: the caller stops every child, the recording's too
        raise
    finally:
        if background and pending:
            with _BACKGROUND_LOCK:
                _BACKGROUND[job.workdir] = pending  # the next run in this folder waits for them
        else:
            for wait in pending:
                wait()  # the plan is on disk before the next edit can want it
    return result


_BACKGROUND: dict[Path, list[Callable[[], object]]] = {}  # workdir → waits for work a run left going
_BACKGROUND_LOCK = threading.Lock()
atexit.register(lambda: finish_background())


def finish_background(under: Path | None = None) -> None:
    """Wait for what runs in ``under`` (a build folder or a folder of them; None: anywhere) left
    finishing in the background (:func:`run_files`), whatever became of it — before a run
    there, before the folder is removed, and when Python exits (so no cache entry is left
    half-written)."""
    with _BACKGROUND_LOCK:
        waits = [w for d in list(_BACKGROUND) if under is None or d == under or d.is_relative_to(under)
                 for w in _BACKGROUND.pop(d)]
    for wait in waits:
        try:
            wait()
        except Exception:  # noqa: BLE001 - an unrecorded plan or result only costs time next run
            pass


def replay_or_build(job: _Job, cmd: list[str], result: Result) -> tuple[bool, bool, Callable[[], object] | None]:
    """Build by replaying the go command's recorded plan when one fits (:mod:`golink_magic.replay`),
    else with ``go build`` (:func:`build`) — then record the plan in the background, and return
    the wait for it as the third value: (built, provable, wait or None)."""
    spec = replay.Build(job.plan.files, job.src, job.module_dir, cmd, job.env, job.toolchain, job.binary,
                        job.workdir / "replay")
    key, _ = replay.shape_key(spec)
    seconds = replay.replay(spec, key, job.mark) if key else None
    if seconds is not None and _is_program(job.binary):
        result.timings["build"] = result.timings["replay"] = round(seconds, 4)
        return True, True, None
    built, provable = build(job, cmd, result)
    if key is None or not provable or replay.recorded(spec, key):
        return built, provable, None
    return built, provable, in_thread(replay.record, spec, key, job.mark)


def in_thread(fn: Callable, *args) -> Callable[[], object]:
    """Start ``fn(*args)`` in a thread; the returned function waits for it (in short waits that
    keep the caller responsive to Ctrl-C) and gives its value, or raises what it raised."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()

    def wait() -> object:
        while thread.is_alive():
            thread.join(0.1)
        if "error" in box:
            raise box["error"]
        return box.get("value")

    return wait


def _run_and_disassemble(job: _Job, result: Result, listing: bool) -> bool:
    """Run the program and, at the same time, disassemble the binary; the listing's command,
    timings and notes follow the run's in ``result``.  True when the listing worked."""
    aside = Result(outcome="ok", go_version="", goos="", goarch="", options=result.options) if listing else None
    wait = in_thread(disassemble, job, aside) if aside is not None else None
    if job.options.no_run:
        result.notes.append("built but not run (--no-run)")
    else:
        run_program(job, result)
    if wait is None:
        return False
    listed = bool(wait())
    result.timings.update(aside.timings)
    result.commands += aside.commands
    result.notes += aside.notes
    result.functions = aside.functions
    return listed


def _prepare(plan: Plan, toolchain: Toolchain, workdir: Path) -> _Job:
    src = workdir / "src"
    materialize(plan.files, src)
    binary = workdir / "bin" / "prog"
    binary.parent.mkdir(parents=True, exist_ok=True)
    return _Job(plan, toolchain, workdir, src, (src / plan.module_root).resolve(),
                toolchain.env(goarch=plan.options.goarch), binary, procs.generation())


def _new_result(job: _Job, files: dict[str, str], name: str) -> Result:
    tc, goarch = job.toolchain, job.options.goarch or job.toolchain.goarch
    return Result(outcome="ok", go_version=f"go version {tc.version} {tc.goos}/{goarch}", goos=tc.goos,
                  goarch=goarch, files=dict(files), module=job.plan.module, module_root=job.plan.module_root,
                  name=name, options=job.options, notes=list(job.plan.notes))


def _reuse(result: Result, cached: Result) -> bool:
    """Fill ``result`` from a cache hit; False when the cached build had failed (nothing to run)."""
    result.cached = True
    result.build_output = cached.build_output
    result.functions = cached.functions
    result.timings["build"] = 0.0
    if not result.options.no_objdump:
        result.timings["objdump"] = 0.0
    if cached.outcome in ("compile-error", "link-error"):
        result.outcome = cached.outcome
        result.notes += [n for n in cached.notes if n not in result.notes]
        return False
    return True


def build(job: _Job, cmd: list[str], result: Result) -> tuple[bool, bool]:
    """Run ``go build``: (built, whether a failure says something about the source and may be
    cached — one killed by a signal or a timeout proves nothing).  A failure is classified into
    ``result``."""
    try:
        done = procs.spawn(cmd, job.module_dir, job.env, timeout=BUILD_TIMEOUT, watch=watcher(job.progress, "go build"))
    except FileNotFoundError as exc:
        raise ToolchainError(
            f"the Go toolchain at {job.toolchain.goroot} is gone ({exc.filename} is missing): "
            "reinstall it or choose another with --go or GOLINK_GO"
        ) from None
    job.check_interrupt()
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
    if not _is_program(job.binary):
        result.outcome = "compile-error"
        result.build_output += (f"{job.options.target}: not a main package, so there is no program to run; "
                                "build a package that declares `package main` and `func main()`\n")
        return False, False
    return True, True


def _is_program(binary: Path) -> bool:
    # `go build -o` of a package that is not main writes an archive, not a program.
    with open(binary, "rb") as fh:
        return not fh.read(8).startswith(b"!<arch>")


def _program_env(go_env: dict) -> dict:
    # The program sees the user's environment, minus the Go tool settings meant for go itself.
    env = dict(go_env)
    for k in ("GOFLAGS", "GOPROXY", "GOSUMDB", "GOTOOLCHAIN", "GOCACHE", "GOWORK"):
        env.pop(k, None)
    return env


def run_program(job: _Job, result: Result) -> None:
    """Run the built program under the supervisor (limits, no descendant outliving it) and
    record what it did in ``result``."""
    opts = job.options
    limits = procs.Limits(opts.max_tasks, opts.max_file_mb, opts.max_memory_mb)
    try:
        run = procs.run_supervised([str(job.binary)], job.module_dir, _program_env(job.env), opts.timeout, limits,
                                   job.toolchain.supervisor(watcher(job.progress, "supervisor")),
                                   job.binary.with_name("supervisor.report"))
    except OSError as exc:
        if exc.errno != errno.ENOEXEC:
            raise
        # Cross-compiled for an architecture this machine cannot execute: the assembly is still
        # worth showing, the program is not.
        result.outcome, result.exit_code = "exit-nonzero", None
        result.stderr = f"this {result.goos}/{result.goarch} program cannot run on this machine ({exc.strerror})\n"
        result.notes.append("use --no-run to build and disassemble without running")
        return
    job.check_interrupt()
    result.timings["run"] = round(run.seconds, 4)
    result.commands.append(f"./{job.binary.name}")
    result.stdout = decode_capped(run.stdout, run.stdout_cut, "stdout", procs.OUTPUT_CAP)
    result.stderr = decode_capped(run.stderr, run.stderr_cut, "stderr", procs.OUTPUT_CAP)
    result.exit_code = run.returncode if run.returncode is None or run.returncode >= 0 else None
    result.outcome, result.signal = classify_run(run.returncode, result.stderr, run.timed_out)
    if result.outcome == "timeout":
        result.notes.append(f"stopped after the {job.options.timeout:g} s timeout (use --timeout to change it)")
    limit = breached_limit(run.returncode, result.stderr, run.limit) if not run.timed_out else None
    if limit:
        result.outcome = "limit"
        result.notes.append(limit_sentence(limit, limits.tasks, limits.file_mb, limits.memory_mb))
    if run.leftover:
        result.notes.append(f"the program left {run.leftover} process{'es' if run.leftover != 1 else ''} running "
                            "when it ended; golink stopped them")


def disassemble(job: _Job, result: Result) -> bool:
    """Run objdump on the binary and parse its listing into ``result``; True when it worked.

    addr2line starts alongside objdump (it reads the binary while objdump runs) and is given
    the listing's addresses once they are known: see :class:`Origins`."""
    opts, plan = job.options, job.plan
    regex = "|".join(f"(?:{r})" for r in opts.objdump) if opts.objdump else objdump_regex(plan.module, plan.files)
    tool = job.toolchain.tool("objdump", watch=watcher(job.progress, "objdump"))
    origins = Origins(job.binary, job.toolchain, job.env)
    try:
        done = procs.spawn([str(tool), "-s", regex, str(job.binary)], job.module_dir,
                           job.env, timeout=OBJDUMP_TIMEOUT, cap=LISTING_CAP)
        result.timings["objdump"] = round(done.seconds, 4)
        result.commands.append(shlex.join(["go", "tool", "objdump", "-s", regex, job.binary.name]))
        if done.returncode != 0 or procs.interrupted_since(job.mark):
            result.notes.append("objdump failed: " + (done.text("stderr").strip() or f"exit status {done.returncode}"))
            return False
        t0 = time.perf_counter()
        functions = objdump.parse(done.text())
        objdump.relate_to_module(functions, str(job.src.resolve()), list(plan.files))
        result.functions = functions if opts.objdump else objdump.select(functions)
        result.timings["parse"] = round(time.perf_counter() - t0, 4)
        origins.resolve(result.functions)
        return True
    finally:
        origins.give([])  # no-op once resolve() gave the addresses; otherwise lets addr2line end


class Origins:
    """The path ``go tool addr2line`` gives for each row inlined from outside the module,
    relative to GOROOT/src or the module cache (``print.go`` → ``fmt/print.go``).

    addr2line opens the binary before it reads any address, so it is started at once and
    handed the addresses (:meth:`resolve`) when the listing is parsed.  Best effort: on any
    failure, or beyond ``limit`` rows, the basenames stay.
    """

    def __init__(self, binary: Path, toolchain: Toolchain, env: dict, limit: int = 20000):
        self.toolchain, self.limit = toolchain, limit
        self._given = threading.Event()
        self._input = b""
        try:
            argv = [str(toolchain.tool("addr2line")), str(binary)]
        except ToolchainError:
            self._wait = None
            return
        self._wait = in_thread(procs.spawn, argv, None, env, ADDR2LINE_TIMEOUT, procs.OUTPUT_CAP, self._addresses)

    def _addresses(self) -> bytes:
        self._given.wait(ADDR2LINE_TIMEOUT)
        return self._input

    def give(self, rows: list) -> None:
        """Hand addr2line the addresses of ``rows`` (once; later calls do nothing)."""
        if not self._given.is_set():
            self._input = "".join(f"0x{r.pc:x}\n" for r in rows).encode()
            self._given.set()

    def resolve(self, functions: list) -> None:
        """Rename the external rows of ``functions`` after addr2line's answer."""
        rows = [r for fn in functions for r in fn.instructions if r.external]
        self.give(rows if len(rows) <= self.limit else [])
        try:
            done = self._wait() if self._wait is not None else None
        except OSError:
            return
        if done is None or not rows or len(rows) > self.limit:
            return
        places = done.text().splitlines()[1::2]  # addr2line prints "function\nfile:line" per address
        if done.returncode != 0 or len(places) != len(rows):
            return
        goroot_src = f"{self.toolchain.goroot}/src/"
        for row, place in zip(rows, places):
            path = place.rpartition(":")[0]
            if path.startswith(goroot_src):
                path = path[len(goroot_src):]
            elif "/pkg/mod/" in path:
                path = path.split("/pkg/mod/", 1)[1]
            if path.rpartition("/")[2] == row.file:
                row.file = path


@dataclass
class Job:
    """One case to run: a name, its files and options, the toolchain and its build folder."""

    name: str
    files: dict[str, str]
    options: Options
    toolchain: Toolchain
    workdir: Path


def run_many(jobs: list, max_workers: int | None = None, progress=None,
             build_progress: Callable[[str, str], None] | None = None, background: bool = False) -> list[Result]:
    """Run several :class:`Job` (or ``(name, files, options, toolchain, workdir)``) in parallel,
    results in the given order.  ``progress(done, total, name)`` is called as each finishes,
    ``build_progress(name, line)`` while a slow build compiles; ``background`` as for
    :func:`run_files`.  An interrupt stops every child and is re-raised."""
    jobs = [j if isinstance(j, Job) else Job(*j) for j in jobs]
    workers = max(1, min(len(jobs), max_workers or os.cpu_count() or 1))
    results: list[Result | None] = [None] * len(jobs)
    count = [0]
    lock = threading.Lock()

    def one(i: int) -> None:
        j = jobs[i]
        label = " · ".join(filter(None, [j.name or "live module", j.toolchain.version, j.options.goarch]))
        report = None if build_progress is None else (lambda line: build_progress(label, line))
        results[i] = run_files(j.files, j.options, j.toolchain, j.workdir, name=j.name, progress=report,
                               background=background)
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
