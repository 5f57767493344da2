"""The two pieces of data a run is made of: :class:`Job`, one case to run (what a caller asks
for), and :class:`Run`, one run of its plan in progress (what the build, execute and
disassemble steps share)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model.options import Options
from . import procs
from .plan import Plan
from .progress import BuildProgress
from .toolchain import Toolchain


@dataclass
class Job:
    """One case to run: a name, its files and options, the toolchain and its build folder."""

    name: str
    files: dict[str, str]
    options: Options
    toolchain: Toolchain
    workdir: Path


@dataclass
class Run:
    """One run in progress: its plan, when it started (``procs.generation()``: an interrupt
    since then ends it) and who hears about a slow build."""

    plan: Plan
    mark: int
    progress: BuildProgress | None = None

    @property
    def options(self) -> Options:
        return self.plan.options

    @property
    def toolchain(self) -> Toolchain:
        return self.plan.toolchain

    def watch(self, step: str):
        """The ``procs.spawn(watch=...)`` callback for one step, or None without progress."""
        return self.progress.watch(step) if self.progress is not None else None

    def check_interrupt(self) -> None:
        """Raise KeyboardInterrupt when another thread stopped every child meanwhile."""
        if procs.interrupted_since(self.mark):
            raise KeyboardInterrupt
