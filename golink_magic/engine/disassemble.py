"""Disassembling the built program: ``go tool objdump`` parsed into the result's functions,
and ``go tool addr2line`` naming the files of rows inlined from outside the module."""

from __future__ import annotations

import shlex
import threading
import time
from pathlib import Path

from ..listing import objdump
from ..model.errors import ToolchainError
from ..model.result import Result
from . import procs
from .background import in_thread
from .job import Run
from .toolchain import Toolchain

OBJDUMP_TIMEOUT = 120
ADDR2LINE_TIMEOUT = 60
LISTING_CAP = 256 << 20  # bytes of objdump text kept


def disassemble(run: Run, result: Result) -> bool:
    """Run objdump on the binary and parse its listing into ``result``; True when it worked.

    addr2line starts alongside objdump (it reads the binary while objdump runs) and is given
    the listing's addresses once they are known: see :class:`Origins`."""
    plan = run.plan
    tool = plan.toolchain.tool("objdump", watch=run.watch("objdump"))
    origins = Origins(plan.binary, plan.toolchain, plan.env)
    try:
        done = procs.spawn([str(tool), "-s", plan.objdump_regex, str(plan.binary)], plan.module_dir,
                           plan.env, timeout=OBJDUMP_TIMEOUT, cap=LISTING_CAP)
        result.timings["objdump"] = round(done.seconds, 4)
        result.commands.append(shlex.join(["go", "tool", "objdump", "-s", plan.objdump_regex, plan.binary.name]))
        if done.returncode != 0 or procs.interrupted_since(run.mark):
            result.notes.append("objdump failed: " + (done.text("stderr").strip() or f"exit status {done.returncode}"))
            return False
        t0 = time.perf_counter()
        functions = objdump.parse(done.text())
        objdump.relate_to_module(functions, str(plan.src.resolve()), list(plan.files), plan.module, plan.module_root)
        result.functions = functions if run.options.objdump else objdump.select(functions)
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
