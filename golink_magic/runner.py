"""The one place that starts processes: build once, run that binary, disassemble it.

Every child runs in its own process group with stdin closed, a timeout, and captured output
capped in size.  An interrupt (Kernel → Interrupt, Ctrl-C) stops every live child: SIGINT, then
SIGTERM, then SIGKILL, within two seconds.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import select
import shlex
import shutil
import signal as signals
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from . import __version__, objdump
from .result import BUILD_MESSAGE, Options, Result
from .toolchain import Toolchain, ToolchainError, cache_root
from .workspace import linknames, materialize, program_folder, program_folders, with_go_mod

OUTPUT_CAP = 1 << 20  # bytes of stdout/stderr kept per stream
RESULT_CACHE_ENTRIES = 256

_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()
_STOPS = [0]  # bumped by stop_all(): a job that sees it change was interrupted and must not go on


@dataclass
class Completed:
    """What a finished child left: exit status, capped output and how much was cut."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    seconds: float
    timed_out: bool = False
    stdout_cut: int = 0
    stderr_cut: int = 0


def _drain(stream, keep: list, cap: int, counter: list) -> None:
    total = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        room = cap - total
        if room > 0:
            keep.append(chunk[:room])
        total += len(chunk)
    counter.append(max(0, total - cap))
    stream.close()


def stop_group(proc: subprocess.Popen, grace: float = 0.6) -> None:
    """Stop ``proc`` and its whole process group: SIGINT, SIGTERM, then SIGKILL."""
    for sig in (signals.SIGINT, signals.SIGTERM, signals.SIGKILL):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            continue
    # The leader may be gone while children it started linger: clear the group.
    try:
        os.killpg(proc.pid, signals.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all() -> None:
    """Stop every child this module started that is still alive."""
    with _LIVE_LOCK:
        _STOPS[0] += 1
        live = list(_LIVE)
    for proc in live:
        stop_group(proc)


def _exit_fd(proc: subprocess.Popen) -> int | None:
    """A descriptor that becomes readable the moment ``proc`` exits (Linux pidfd), or None.

    Waiting on it wakes at once, where ``Popen.wait(timeout)`` polls in sleeps of up to 50 ms
    (three children per case made that most of golink's own overhead).
    """
    try:
        return os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return None


def _popen(cmd: list[str], cwd: Path, env: dict) -> subprocess.Popen:
    # With jobs in parallel threads, a child forked by one thread can briefly inherit the write
    # handle of a binary another thread just wrote; exec of that binary then fails with
    # ETXTBSY until the child's own exec closes it.  Waiting a moment is the known remedy.
    for attempt in range(50):
        try:
            return subprocess.Popen(
                cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, start_new_session=True,
            )
        except OSError as exc:
            if exc.errno != errno.ETXTBSY or attempt == 49:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def spawn(cmd: list[str], cwd: Path, env: dict, timeout: float | None, cap: int = OUTPUT_CAP) -> Completed:
    """Run ``cmd`` to completion in its own process group; never raises for the child's errors.

    On timeout the group is killed and ``timed_out`` set.  A KeyboardInterrupt in the waiting
    thread stops the group and is re-raised.
    """
    start = time.perf_counter()
    proc = _popen(cmd, cwd, env)
    with _LIVE_LOCK:
        _LIVE.add(proc)
    out: list[bytes] = []
    err: list[bytes] = []
    out_cut: list[int] = []
    err_cut: list[int] = []
    readers = [
        threading.Thread(target=_drain, args=(proc.stdout, out, cap, out_cut), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, err, cap, err_cut), daemon=True),
    ]
    for t in readers:
        t.start()
    timed_out = False
    deadline = None if timeout is None else start + timeout
    exit_fd = _exit_fd(proc)
    if exit_fd is not None:
        poller = select.poll()  # not select.select: descriptors past 1023 are fine
        poller.register(exit_fd, select.POLLIN)
    try:
        while True:
            left = None if deadline is None else max(0.0, deadline - time.perf_counter())
            if exit_fd is not None:
                # Wake at least every 0.1 s: a SIGINT delivered to another thread is only acted on
                # when this (main) thread runs Python code again.
                wait_ms = 100 if left is None else min(100, left * 1000)
                if poller.poll(wait_ms) and proc.poll() is None:
                    time.sleep(0.01)  # exited, but another thread (stop_all) is reaping it
                if proc.poll() is not None:
                    break
            else:
                try:
                    proc.wait(0.05 if left is None else min(0.05, left))
                    break
                except subprocess.TimeoutExpired:
                    pass
            if deadline is not None and time.perf_counter() >= deadline:
                timed_out = True
                stop_group(proc, grace=0.2)
                break
    except BaseException:
        stop_group(proc)
        raise
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)
        if exit_fd is not None:
            os.close(exit_fd)
    # Grandchildren holding the pipes open must not block us: the group was killed above on
    # timeout; otherwise give the readers a moment, then kill whatever still writes.
    for t in readers:
        t.join(2.0)
        if t.is_alive():
            try:
                os.killpg(proc.pid, signals.SIGKILL)
            except ProcessLookupError:
                pass
            t.join(1.0)
    return Completed(
        proc.returncode, b"".join(out), b"".join(err), time.perf_counter() - start, timed_out,
        out_cut[0] if out_cut else 0, err_cut[0] if err_cut else 0,
    )


def _decode(data: bytes, cut: int, stream: str) -> str:
    text = data.decode("utf-8", errors="replace")
    if cut:
        text += f"\n[… {cut:,} more bytes of {stream} cut; golink_magic keeps the first {OUTPUT_CAP:,}]\n"
    return text


_SETUP = re.compile(
    r"^(?:go: |no Go files|package \S+ is not in std|cannot find package|no required module|stat |"
    r"named files must|\"\S+\" is not an importable package)", re.M
)
_MISSING_MODULE = re.compile(r"no required module provides package (\S+?)[;:\s]|cannot find module providing package (\S+?)[;:\s]")
_FATAL_SIGNAL = re.compile(r"^\[signal (SIG[A-Z]+)|^fatal error: unexpected signal|^SIG[A-Z]+: ", re.M)
_SIGNAL_NAME = re.compile(r"\b(SIG[A-Z]+)\b")


def classify_build(output: str) -> str:
    """``compile-error`` when the failure points at a source line or the module set-up,
    otherwise ``link-error`` (the linker rarely names a file)."""
    if BUILD_MESSAGE.search(output) or _SETUP.search(output):
        return "compile-error"
    return "link-error"


def classify_run(done: Completed, stderr: str) -> tuple[str, str | None]:
    """(outcome, signal name) of a finished program."""
    if done.timed_out:
        return "timeout", None
    code = done.returncode
    if code is not None and code < 0:
        try:
            return "crash", signals.Signals(-code).name
        except ValueError:
            return "crash", f"signal {-code}"
    if code == 0:
        return "ok", None
    # The Go runtime reports a fatal signal on stderr and exits 2; only then is the text its own.
    m = _FATAL_SIGNAL.search(stderr) if code == 2 else None
    if m:
        name = m.group(1) or (_SIGNAL_NAME.search(stderr[m.start():]) or [None, None])[1]
        return "crash", name or "SIGSEGV"
    if code == 2 and re.search(r"^(panic: |fatal error: )", stderr, re.M):
        return "panic", None
    return "exit-nonzero", None


def build_hint(build_output: str) -> str | None:
    """One sentence of advice for build failures whose cause the go output hides."""
    m = _MISSING_MODULE.search(build_output)
    if m:
        pkg = m.group(1) or m.group(2)
        return (
            f"{pkg} is not in the workspace and golink_magic builds offline (GOPROXY=off): add its source "
            "with %%gofile under its import path plus a `replace` line in go.mod, or vendor it."
        )
    if re.search(r"^no Go files in ", build_output, re.M):
        return ("there is no Go file at the module root to build: add a `package main` file there "
                "(e.g. %%gofile main.go) or name the package to build, e.g. %gorun ./cmd/tool")
    return None


def _is_program(binary: Path) -> bool:
    # `go build -o` of a package that is not main writes an archive, not a program.
    with open(binary, "rb") as fh:
        return not fh.read(8).startswith(b"!<arch>")


def objdump_regex(module: str, files: dict[str, str], module_root: str) -> str:
    """Symbol regex covering the module's packages and every linkname target in its files."""
    parts = [r"main\.", re.escape(module) + r"(/[^.]*)?\."]
    # Code pushed under another package's name is ours too; pulls of foreign symbols match here
    # but are dropped by the file filter afterwards (their source is not in the module).
    parts += [re.escape(t) + "$" for t in sorted({ln.target for ln in linknames(files)})]
    return "^(" + "|".join(parts) + ")"


def _code_fingerprint() -> str:
    # Cached listings are only as good as the code that parsed them: a changed parser (even
    # between releases, in a development checkout) must not reuse them.
    here = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for name in ("runner.py", "objdump.py", "result.py", "workspace.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


_CODE = _code_fingerprint()


def _cache_key(files: dict[str, str], options: Options, toolchain: Toolchain) -> str:
    blob = json.dumps(
        [files, options.build_key(), toolchain.version, str(toolchain.go), _CODE], sort_keys=True
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _result_cache() -> Path:
    return cache_root() / "results"


def _prune_cache(directory: Path) -> None:
    entries = sorted((p for p in directory.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in entries[: max(0, len(entries) - RESULT_CACHE_ENTRIES)]:
        shutil.rmtree(old, ignore_errors=True)


def build_command(toolchain: Toolchain, options: Options, binary: Path, target: str | None = None) -> list[str]:
    """``go build -o BINARY [flags] TARGET``."""
    cmd = [str(toolchain.go), "build", "-o", str(binary)]
    for flag in ("gcflags", "ldflags", "tags"):
        value = getattr(options, flag)
        if value:
            cmd.append(f"-{flag}={value}")
    cmd.append(target or options.target or ".")
    return cmd


def local_target(target: str, src: Path, module_dir: Path) -> str:
    """``target`` as go build wants it from ``module_dir``.

    Users name files and folders as the workspace lists them (``example1/main.go``, ``cmd``);
    go needs them relative to the module root and folders prefixed with ``./`` (a bare ``cmd``
    would be an import path).
    """
    if not target or target == "." or target.startswith(("../", "/")) or "..." in target:
        return target or "."
    for base in (module_dir, src):
        candidate = (base / target.removeprefix("./")).resolve()
        if candidate.exists() and (candidate == module_dir or module_dir in candidate.parents):
            rel = candidate.relative_to(module_dir).as_posix()
            return "." if rel == "." else "./" + rel
    return target


def _shown(cmd: list[str], options: Options, workdir: Path) -> str:
    # The run's temporary folder is written $WORK (as `go build -x` does), so saved notebooks
    # do not change with every run.
    words = ["go" if i == 0 else w for i, w in enumerate(cmd)]
    prefix = f"GOARCH={options.goarch} " if options.goarch else ""
    return prefix + shlex.join(words).replace(str(workdir), "$WORK")


def run_files(
    files: dict[str, str],
    options: Options,
    toolchain: Toolchain,
    workdir: Path,
    name: str = "",
    use_cache: bool = True,
    main_hint: str | None = None,
) -> Result:
    """Build, run and disassemble the module made of ``files`` in ``workdir``.

    ``workdir`` is a stable folder the files are mirrored into (keeping it stable lets Go's
    build cache skip unchanged packages).  With ``use_cache``, a build of identical files,
    options and toolchain is reused; the program itself always runs again.
    """
    language = ".".join(toolchain.short_version.split(".")[:2])
    files_with_mod, root, module, inferred = with_go_mod(files, toolchain.goroot, main_hint, language)
    program, root_path = PurePosixPath(program_folder(files_with_mod, main_hint)), PurePosixPath(root)
    if options.target in ("", ".") and root_path in program.parents:
        # The module root sits above the program (its imports reach sibling folders).
        options = replace(options, target="./" + program.relative_to(root_path).as_posix())
    goarch = options.goarch or toolchain.goarch
    result = Result(
        outcome="ok", go_version=f"go version {toolchain.version} {toolchain.goos}/{goarch}",
        goos=toolchain.goos, goarch=goarch, files=dict(files), module=module, module_root=root,
        name=name, options=options,
    )
    if inferred:
        result.notes.append(f"go.mod inferred: module {module}, go {language}" + (f", in {root}/" if root != "." else ""))
    programs = program_folders(files_with_mod)
    if len(programs) > 1:
        result.notes.append(f"the workspace holds {len(programs)} programs ({', '.join(programs)}); built "
                            f"{program.as_posix()} — name another with %gorun FOLDER, or start over with %goreset")
    src = workdir / "src"
    materialize(files_with_mod, src)
    module_dir = (src / root).resolve()
    env = toolchain.env(goarch=options.goarch)
    binary = workdir / "bin" / "prog"
    binary.parent.mkdir(parents=True, exist_ok=True)

    stops = _STOPS[0]
    key = _cache_key(files_with_mod, options, toolchain)
    entry = _result_cache() / key
    cached = None
    if use_cache:
        cached = _load_cached(entry, binary)

    cmd = build_command(toolchain, options, binary, local_target(options.target, src, module_dir))
    result.commands.append(_shown(cmd, options, workdir))
    if cached is not None:
        result.cached = True
        result.build_output = cached.build_output
        result.functions = cached.functions
        result.timings["build"] = 0.0
        if not options.no_objdump:
            result.timings["objdump"] = 0.0
        try:
            os.utime(entry)  # pruning keeps the most recently used entries
        except OSError:
            pass  # pruned by another process meanwhile: the copy we loaded is still good
        if cached.outcome in ("compile-error", "link-error"):
            result.outcome = cached.outcome
            result.notes += [n for n in cached.notes if n not in result.notes]
            return result
    else:
        done = _spawn_go(cmd, module_dir, env, toolchain, stops)
        result.timings["build"] = round(done.seconds, 4)
        result.build_output = (done.stdout + done.stderr).decode("utf-8", errors="replace")
        if done.returncode != 0:
            result.outcome = classify_build(result.build_output)
            hint = build_hint(result.build_output)
            if hint:
                result.notes.append(hint)
            if use_cache and done.returncode > 0:  # a build killed by a signal proves nothing
                _store(entry, result, None)
            return result
        if not _is_program(binary):
            result.outcome = "compile-error"
            result.build_output += (f"{options.target}: not a main package, so there is no program to run; "
                                    "build a package that declares `package main` and `func main()`\n")
            return result

    if options.no_run:
        result.notes.append("built but not run (--no-run)")
    else:
        _run_program(result, binary, module_dir, env, options, stops)

    if not options.no_objdump and cached is None:
        regex = "|".join(f"(?:{r})" for r in options.objdump) if options.objdump else objdump_regex(module, files_with_mod, root)
        tool = toolchain.tool("objdump")
        dump_cmd = [str(tool), "-s", regex, str(binary)]
        done = spawn(dump_cmd, module_dir, env, timeout=120, cap=256 << 20)
        result.timings["objdump"] = round(done.seconds, 4)
        result.commands.append(shlex.join(["go", "tool", "objdump", "-s", regex, binary.name]))
        dumped = done.returncode == 0 and _STOPS[0] == stops
        if not dumped:
            result.notes.append("objdump failed: " + (done.stderr.decode("utf-8", "replace").strip()
                                                      or f"exit status {done.returncode}"))
        else:
            t0 = time.perf_counter()
            functions = objdump.parse(done.stdout.decode("utf-8", errors="replace"))
            objdump.relate_to_module(functions, str(src.resolve()), list(files_with_mod))
            result.functions = functions if options.objdump else objdump.select(functions)
            result.timings["parse"] = round(time.perf_counter() - t0, 4)
            resolve_origins(result.functions, binary, toolchain, env)
        if use_cache and dumped:  # a failed or interrupted listing must not stick to this source
            _store(entry, result, binary)
    elif cached is not None:
        ran = "./prog" in result.commands
        result.commands = [c for c in cached.commands if c != "./prog"]
        if ran:
            result.commands.insert(1, "./prog")
    return result


def resolve_origins(functions: list, binary: Path, toolchain: Toolchain, env: dict, limit: int = 20000) -> None:
    """Replace the basename of rows inlined from outside the module by the path ``go tool addr2line``
    gives, relative to GOROOT/src or the module cache (``print.go`` → ``fmt/print.go``).

    Best effort: on any failure, or beyond ``limit`` rows, the basenames stay.
    """
    rows = [r for fn in functions for r in fn.instructions if r.external]
    if not rows or len(rows) > limit:
        return
    try:
        proc = subprocess.run(
            [str(toolchain.tool("addr2line")), str(binary)], input="".join(f"0x{r.pc:x}\n" for r in rows),
            capture_output=True, text=True, env=env, timeout=60,
        )
    except (ToolchainError, OSError, subprocess.SubprocessError):
        return
    places = proc.stdout.splitlines()[1::2]  # addr2line prints "function\nfile:line" per address
    if proc.returncode != 0 or len(places) != len(rows):
        return
    goroot_src = f"{toolchain.goroot}/src/"
    for row, place in zip(rows, places):
        path = place.rpartition(":")[0]
        if path.startswith(goroot_src):
            path = path[len(goroot_src):]
        elif "/pkg/mod/" in path:
            path = path.split("/pkg/mod/", 1)[1]
        if path.rpartition("/")[2] == row.file:
            row.file = path


def _spawn_go(cmd: list[str], cwd: Path, env: dict, toolchain: Toolchain, stops: int) -> Completed:
    """``spawn`` for go itself: a vanished toolchain is a ToolchainError, an interrupt from
    another thread (``stop_all``) ends the job here instead of letting it go on."""
    try:
        done = spawn(cmd, cwd, env, timeout=None)
    except FileNotFoundError as exc:
        raise ToolchainError(
            f"the Go toolchain at {toolchain.goroot} is gone ({exc.filename} is missing): "
            "reinstall it or choose another with --go or GOLINK_GO"
        ) from None
    if _STOPS[0] != stops:
        raise KeyboardInterrupt
    return done


def _run_program(result: Result, binary: Path, module_dir: Path, env: dict, options: Options, stops: int) -> None:
    """Run the built program and record what it did in ``result``."""
    try:
        run = spawn([str(binary)], module_dir, _program_env(env), timeout=options.timeout)
    except OSError as exc:
        if exc.errno != errno.ENOEXEC:
            raise
        # Cross-compiled for an architecture this machine cannot execute: the assembly is still
        # worth showing, the program is not.
        result.outcome, result.exit_code = "exit-nonzero", None
        result.stderr = f"this {result.goos}/{result.goarch} program cannot run on this machine ({exc.strerror})\n"
        result.notes.append("use --no-run to build and disassemble without running")
        return
    if _STOPS[0] != stops:
        raise KeyboardInterrupt
    result.timings["run"] = round(run.seconds, 4)
    result.commands.append(f"./{binary.name}")
    result.stdout = _decode(run.stdout, run.stdout_cut, "stdout")
    result.stderr = _decode(run.stderr, run.stderr_cut, "stderr")
    result.exit_code = run.returncode if run.returncode is None or run.returncode >= 0 else None
    result.outcome, result.signal = classify_run(run, result.stderr)
    if result.outcome == "timeout":
        result.notes.append(f"stopped after the {options.timeout:g} s timeout (use --timeout to change it)")


def _program_env(go_env: dict) -> dict:
    # The program sees the user's environment, minus the Go tool settings meant for go itself.
    env = dict(go_env)
    for k in ("GOFLAGS", "GOPROXY", "GOSUMDB", "GOTOOLCHAIN", "GOCACHE", "GOWORK"):
        env.pop(k, None)
    return env


def _load_cached(entry: Path, binary: Path) -> Result | None:
    """The cached result for ``entry`` (its binary copied to ``binary``), or None on any miss.

    Another process may be replacing or pruning the entry at the same moment: any error is a miss.
    """
    try:
        cached = Result.from_dict(json.loads((entry / "result.json").read_text()))
        if cached.outcome not in ("compile-error", "link-error"):
            shutil.copy2(entry / "prog", binary)
        return cached
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _store(entry: Path, result: Result, binary: Path | None) -> None:
    tmp = entry.with_name(entry.name + f".tmp{os.getpid()}.{threading.get_ident()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        data = result.to_dict()
        data.update(stdout="", stderr="", exit_code=None, signal=None)
        (tmp / "result.json").write_text(json.dumps(data))
        if binary is not None:
            shutil.copy2(binary, tmp / "prog")
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
        _prune_cache(entry.parent)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def run_many(jobs: list[tuple], max_workers: int | None = None, progress=None) -> list[Result]:
    """Run several ``(name, files, options, toolchain, workdir)`` jobs in parallel, results in
    the given order.  ``progress(done, total, name)`` is called as each one finishes."""
    workers = max(1, min(len(jobs), max_workers or os.cpu_count() or 1))
    results: list[Result | None] = [None] * len(jobs)
    done_count = 0
    lock = threading.Lock()

    def one(i: int):
        nonlocal done_count
        name, files, options, toolchain, workdir = jobs[i]
        results[i] = run_files(files, options, toolchain, workdir, name=name)
        with lock:
            done_count += 1
            if progress:
                progress(done_count, len(jobs), name)

    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(one, i) for i in range(len(jobs))]
        for f in futures:
            while True:
                try:
                    f.result(timeout=0.1)
                    break
                except FutureTimeout:
                    continue
    except BaseException:
        for f in futures:
            f.cancel()
        stop_all()
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results  # type: ignore[return-value]
