"""golink's process supervisor, both sides of its protocol in one place: the Go program
(``static/supervisor.go``), how it is built once per toolchain, how a run is wrapped in it, and
how its report is read.

The supervisor is the program's child subreaper: it sets the file-size and address-space
limits, stops the program when it and its children exceed the task limit, and kills every
descendant when the program ends.  It is started as::

    golink-supervisor REPORT TASKS FILE_BYTES MEMORY_BYTES -- PROGRAM ARGS…

and writes REPORT, one ``key value`` line per fact: ``exit N`` or ``signal N`` (how the program
ended), ``leftover N`` (descendants it stopped), ``limit tasks N`` (it stopped the program at
the task limit), ``stopped SIGNAL`` (it was itself told to stop), ``start-error ERRNO`` (the
program did not start: ``ENOEXEC``, ``ETXTBSY``, …).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import ToolchainError
from . import procs, syscache

SOURCE = Path(__file__).with_name("static") / "supervisor.go"
BUILD_TIMEOUT = 900  # seconds: the first build with a Go release compiles part of the standard library


@dataclass
class Limits:
    """What one user program may use (``go build`` runs without them)."""

    tasks: int = 512          # processes and threads below the supervisor
    file_mb: int = 100        # the largest file it may write (RLIMIT_FSIZE)
    memory_mb: int = 4096     # its address space (RLIMIT_AS)


def binary(toolchain, watch=None) -> Path | None:
    """The supervisor built with ``toolchain`` (a :class:`~.toolchain.Toolchain`, which asks
    here from :meth:`~.toolchain.Toolchain.supervisor`) for the host, once per source version; None where
    it cannot work (not Linux) or is switched off (``GOLINK_NO_SUPERVISOR``), in which case runs
    fall back to their process group alone.  ``watch`` follows the build."""
    if not sys.platform.startswith("linux") or os.environ.get("GOLINK_NO_SUPERVISOR"):
        return None
    source = SOURCE.read_bytes()
    name = f"golink-supervisor-{hashlib.sha256(source).hexdigest()[:12]}"
    shared = syscache.system_state(toolchain.version)
    if shared is not None and (shared / "supervisor" / name).exists():
        return shared / "supervisor" / name  # built by the host's warm step, read-only
    with toolchain._locked(watch):
        path = toolchain.state_dir / "supervisor" / name
        if path.exists():
            return path
        return build_program(toolchain, source, path, "golink's process supervisor", watch)


def build_program(toolchain, source: bytes, path: Path, what: str, watch=None) -> Path:
    """Build the one-file Go program ``source`` with ``toolchain`` for the host into ``path``
    (atomically: another kernel never runs a half-written binary).  Raises
    :class:`ToolchainError` naming ``what`` when it does not build."""
    build = path.parent / f".build-{os.getpid()}-{threading.get_ident()}"
    build.mkdir(parents=True, exist_ok=True)
    (build / "go.mod").write_text("module golinkhelper\n\ngo 1.19\n")
    (build / "main.go").write_bytes(source)
    env = toolchain.env()
    env.pop("GOFLAGS", None)
    mark = procs.generation()
    built = build / path.name
    done = procs.spawn([str(toolchain.go), "build", "-trimpath", "-ldflags=-s -w", "-o", str(built), "."], build,
                       env, timeout=BUILD_TIMEOUT, watch=watch)
    if done.returncode == 0 and built.exists():
        os.replace(built, path)
    shutil.rmtree(build, ignore_errors=True)
    if procs.interrupted_since(mark):
        raise KeyboardInterrupt
    if done.returncode != 0 or not path.exists():
        raise ToolchainError(f"{toolchain.version} cannot build {what}: "
                             f"{(done.text('stderr') or done.text()).strip()[:300]}")
    return path


def command(supervisor: Path, report: Path, limits: Limits, cmd: list[str]) -> list[str]:
    """The command line that runs ``cmd`` under ``supervisor``, reporting to ``report``."""
    return [str(supervisor), str(report), str(limits.tasks), str(limits.file_mb << 20), str(limits.memory_mb << 20),
            "--", *cmd]


def run(cmd: list[str], cwd: Path, env: dict, timeout: float | None, limits: Limits,
        supervisor: Path | None, report: Path) -> procs.Completed:
    """Run a user program under the supervisor (see the module's docstring); without one, the
    run falls back to its process group alone.  Raises ``OSError(ENOEXEC)`` for a binary this
    machine cannot run."""
    if supervisor is None:
        return procs.spawn(cmd, cwd, env, timeout=timeout)
    report.unlink(missing_ok=True)
    for attempt in range(50):
        done = procs.spawn(command(supervisor, report, limits, cmd), cwd, env, timeout=timeout)
        facts = read_report(report)
        if "ETXTBSY" not in facts.get("start-error", ""):
            break
        time.sleep(0.01 * (attempt + 1))  # the binary's write handle leaked into a sibling's fork (procs._popen)
    if "start-error" in facts:
        if "ENOEXEC" in facts["start-error"]:
            raise OSError(errno.ENOEXEC, "Exec format error", cmd[0])
        raise OSError(errno.EIO, facts["start-error"], cmd[0])
    if "exit" in facts:
        done.returncode = int(facts["exit"])
    elif "signal" in facts:
        done.returncode = -int(facts["signal"])
    if "limit" in facts:
        done.limit = facts["limit"].split()[0]
        done.returncode = None
    done.leftover = int(facts.get("leftover", "0"))
    return done


def read_report(path: Path) -> dict[str, str]:
    """The facts of a supervisor report (key → the rest of its line); {} when there is none."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    return dict(line.partition(" ")[::2] for line in lines if line.strip())
