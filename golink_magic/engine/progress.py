"""What a slow build is doing, as one line a person can read: the go commands' compile children
(from :func:`golink_magic.procs.compiling`), how many packages their ``$WORK`` folders hold,
and why the first build on a machine takes that long.  No display here: the line goes to
whatever callable the front end passes (``display.progress.BuildStatus``).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Callable

from .toolchain import WAITING

BUILD_QUIET = 1.0  # seconds a build runs before its progress is shown (most take 0.1-0.3 s)


class BuildProgress:
    """What the go commands of one run are compiling, as one line for ``report`` — so that the
    first build on a machine, which compiles the standard library (and, since Go 1.25, the
    objdump tool), is not a silent half-minute.  Quiet for the first :data:`BUILD_QUIET`
    seconds; thread-safe (the objdump tool may build while ``go build`` does)."""

    def __init__(self, report: Callable[[str], None], version: str):
        self.report, self.version = report, version
        self.start = time.perf_counter()
        self.now: dict[str, list[str]] = {}       # step → packages compiling now
        self.done: dict[str, int] = {}            # step → packages compiled so far
        self.work: dict[str, Path] = {}           # step → the go command's $WORK folder
        self.standard = False                     # whether a standard-library package was seen
        self.waiting: set[str] = set()            # tools another thread is building meanwhile
        self._lock = threading.Lock()

    def watch(self, step: str) -> Callable[[float, list[tuple[str, str]]], None]:
        """The ``procs.spawn(watch=...)`` callback for one go command of the run."""
        def on_tick(_seconds: float, compiling: list[tuple[str, str]]) -> None:
            with self._lock:
                self._note(step, compiling)
                elapsed = time.perf_counter() - self.start
                text = self.text(elapsed) if elapsed >= BUILD_QUIET else ""
            if text:
                self.report(text)
        return on_tick

    def _note(self, step: str, compiling: list[tuple[str, str]]) -> None:
        if compiling == [WAITING]:
            self.waiting.add(step)
            return
        self.waiting.discard(step)
        self.now[step] = [package for package, _ in compiling]
        self.standard |= any("." not in p.split("/")[0] and p != "main" for p in self.now[step])
        for _, output in compiling:
            if output.endswith("_pkg_.a"):
                self.work[step] = Path(output).parent.parent
        if step in self.work:
            # The go command compiles each package into $WORK/bNNN/_pkg_.a and keeps it there until it exits.
            try:
                count = sum(1 for b in os.scandir(self.work[step]) if os.path.exists(os.path.join(b.path, "_pkg_.a")))
            except OSError:
                count = 0
            self.done[step] = max(self.done.get(step, 0), count)

    def text(self, elapsed: float) -> str:
        """The line shown: seconds so far, packages compiled, what compiles now, and why it is slow."""
        now = sorted({p for packages in self.now.values() for p in packages})
        done = sum(self.done.values())
        line = f"building: {elapsed:.0f} s"
        if done:
            line += f", {done} package{'s' if done != 1 else ''} compiled"
        if now:
            line += f", now {', '.join(now[:3])}{' …' if len(now) > 3 else ''}"
        if self.waiting:
            tools = " and ".join(f"go tool {t}" if t != "supervisor" else "golink's process supervisor"
                                 for t in sorted(self.waiting))
            line += f", waiting for {tools} (built once per Go release)"
        if self.standard:
            line += (f". The first build with {self.version} on this machine compiles the standard library; "
                     "Go's build cache keeps it for every later run")
        return line + "."
