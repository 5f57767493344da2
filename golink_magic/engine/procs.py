"""The one owner of child processes: every go command, the user's program, objdump, addr2line
and pip start here and nowhere else.

Each child runs in its own process group with a timeout and captured output capped in size,
and is registered while it lives, so that :func:`stop_all` (an interrupt, the kernel shutting
down) stops every one of them: SIGINT, then SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import errno
import os
import select
import signal as signals
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

OUTPUT_CAP = 1 << 20  # bytes of stdout/stderr kept per stream
WATCH_EVERY = 0.25    # seconds between two calls of spawn's ``watch`` (a scan of /proc costs ~2 ms)

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
    leftover: int = 0          # processes the program left running, stopped by the supervisor
    limit: str | None = None   # the limit the supervisor enforced by stopping the program ("tasks")

    def text(self, stream: str = "stdout") -> str:
        """One stream decoded as UTF-8 (undecodable bytes replaced)."""
        return getattr(self, stream).decode("utf-8", errors="replace")


def unsupported() -> str | None:
    """One sentence when this system lacks what stopping a program needs (Windows has no
    process groups or killpg), else None.  A browser starts no processes: its tools are WebAssembly."""
    if sys.platform == "emscripten":
        return None
    if sys.platform.startswith("win") or not hasattr(os, "killpg") or not hasattr(os, "setsid"):
        return ("golink_magic needs Linux or macOS to run Go programs safely (process groups to stop them); "
                "on Windows use WSL2, or open the course on Binder")
    return None


def generation() -> int:
    """How many times :func:`stop_all` has run; a job compares it before and after a step."""
    return _STOPS[0]


def interrupted_since(mark: int) -> bool:
    """Whether :func:`stop_all` ran after :func:`generation` returned ``mark``."""
    return _STOPS[0] != mark


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
    _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signals.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all() -> None:
    """Stop every child started here that is still alive (in any thread)."""
    with _LIVE_LOCK:
        _STOPS[0] += 1
        live = list(_LIVE)
    for proc in live:
        stop_group(proc)


def _popen(cmd: list[str], cwd: Path | None, env: dict | None, stdin) -> subprocess.Popen:
    # With jobs in parallel threads, a child forked by one thread can briefly inherit the write
    # handle of a binary another thread just wrote; exec of that binary then fails with
    # ETXTBSY until the child's own exec closes it.  Waiting a moment is the known remedy.
    for attempt in range(50):
        try:
            return subprocess.Popen(
                cmd, cwd=cwd, env=env, stdin=stdin, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, start_new_session=True,
            )
        except OSError as exc:
            if exc.errno != errno.ETXTBSY or attempt == 49:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


class _Drain(threading.Thread):
    """Reads one pipe to its end, keeping the first ``cap`` bytes (and optionally calling
    ``on_line`` with each complete line)."""

    def __init__(self, stream, cap: int, on_line: Callable[[str], None] | None = None):
        super().__init__(daemon=True)
        self.stream, self.cap, self.on_line = stream, cap, on_line
        self.kept: list[bytes] = []
        self.total = 0

    def run(self) -> None:
        pending = b""
        while True:
            chunk = self.stream.read1(65536) if self.on_line else self.stream.read(65536)
            if not chunk:
                break
            room = self.cap - self.total
            if room > 0:
                self.kept.append(chunk[:room])
            self.total += len(chunk)
            if self.on_line:
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self.on_line(line.decode("utf-8", "replace").rstrip("\r"))
        if self.on_line and pending:
            self.on_line(pending.decode("utf-8", "replace"))
        self.stream.close()

    @property
    def data(self) -> bytes:
        return b"".join(self.kept)

    @property
    def cut(self) -> int:
        return max(0, self.total - self.cap)


def _feed(stream, data: bytes | Callable[[], bytes]) -> None:
    try:
        stream.write(data() if callable(data) else data)
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            stream.close()
        except OSError:
            pass


def compiling(pid: int) -> list[tuple[str, str]]:
    """What the go command ``pid`` is compiling right now: (package, output file) of each
    ``compile`` child it runs, from their ``-p`` and ``-o`` arguments (Linux /proc; elsewhere,
    and when /proc cannot be read, [])."""
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
            # "pid (comm) state ppid ...": comm may hold spaces or parentheses, so split after the last ")".
            if int(stat[stat.rindex(b")") + 2:].split()[1]) != pid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                argv = [a.decode("utf-8", "replace") for a in fh.read().split(b"\0")]
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
        flags = dict(zip(argv, argv[1:]))
        if argv and os.path.basename(argv[0]) in ("compile", "compile.exe") and "-p" in flags:
            found.append((flags["-p"], flags.get("-o", "")))
    return sorted(found)


def _wait(proc: subprocess.Popen, deadline: float | None, tick: Callable[[], None] | None = None) -> bool:
    """Wait for ``proc`` to exit; True when the deadline passed first (the group is then killed).
    ``tick`` is called at each wake-up (at least every 0.1 s) while it runs.

    A Linux pidfd wakes at once on exit, where ``Popen.wait(timeout)`` polls in sleeps of up
    to 50 ms (three children per case made that most of golink's own overhead).
    """
    try:
        exit_fd = None if os.environ.get("GOLINK_NO_PIDFD") else os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        exit_fd = None  # macOS and old kernels: poll the child instead
    try:
        poller = select.poll()  # not select.select: descriptors past 1023 are fine
        if exit_fd is not None:
            poller.register(exit_fd, select.POLLIN)
        while proc.poll() is None:
            if tick is not None:
                tick()
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                stop_group(proc, grace=0.2)
                return True
            # Wake at least every 0.1 s: a SIGINT aimed at the main thread is only acted on when
            # this thread runs Python code again.
            wait_ms = 100 if left is None else min(100, max(1, left * 1000))
            if exit_fd is not None:
                if poller.poll(wait_ms) and proc.poll() is None:
                    time.sleep(0.01)  # exited, but another thread (stop_all) is reaping it
            else:
                try:
                    proc.wait(wait_ms / 2000)
                except subprocess.TimeoutExpired:
                    pass
        return False
    finally:
        if exit_fd is not None:
            os.close(exit_fd)


def spawn(cmd: list[str], cwd: Path | None = None, env: dict | None = None, timeout: float | None = 600,
          cap: int = OUTPUT_CAP, input: bytes | Callable[[], bytes] | None = None,  # noqa: A002 - as subprocess.run
          on_line: Callable[[str], None] | None = None,
          watch: Callable[[float, list[tuple[str, str]]], None] | None = None) -> Completed:
    """Run ``cmd`` to completion in its own process group; never raises for the child's errors.

    ``input`` is written to its stdin (otherwise stdin is closed) — or, when it is a function,
    what it returns: it is called in a thread of its own once the child runs, so the child can
    start up while the caller is still working out what to send; ``on_line`` receives each
    line of stdout as it comes.  ``watch`` (for a go command) is called four times a second,
    from the waiting thread, with the seconds so far and what it is compiling right now
    (:func:`compiling`).  On timeout the group is killed and ``timed_out`` set.  A
    KeyboardInterrupt in the waiting thread stops the group and is re-raised.  Raises
    ``OSError`` when the command cannot be started at all.
    """
    start = time.perf_counter()
    proc = _popen(cmd, cwd, env, subprocess.DEVNULL if input is None else subprocess.PIPE)
    with _LIVE_LOCK:
        _LIVE.add(proc)
    readers = [_Drain(proc.stdout, cap, on_line), _Drain(proc.stderr, cap)]
    for t in readers:
        t.start()
    if input is not None:
        threading.Thread(target=_feed, args=(proc.stdin, input), daemon=True).start()
    tick = None
    if watch is not None:
        due = [start + WATCH_EVERY]

        def tick() -> None:
            now = time.perf_counter()
            if now >= due[0]:
                due[0] = now + WATCH_EVERY
                watch(now - start, compiling(proc.pid))
    try:
        timed_out = _wait(proc, None if timeout is None else start + timeout, tick)
    except BaseException:
        stop_group(proc)
        raise
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)
    # Grandchildren holding the pipes open must not block us: give the readers a moment, then
    # kill whatever in the group still writes.
    for t in readers:
        t.join(2.0)
        if t.is_alive():
            _kill_group(proc)
            t.join(1.0)
    out, err = readers
    return Completed(proc.returncode, out.data, err.data, time.perf_counter() - start, timed_out, out.cut, err.cut)
