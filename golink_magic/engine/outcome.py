"""Classifying what happened, from exit status and text alone: pure functions, testable
without Go.

A failed ``go build`` is a compile error or a link error; a finished program is ``ok``,
``exit-nonzero``, ``panic``, ``crash`` (with its signal) or ``timeout``.
"""

from __future__ import annotations

import re
import signal as signals

from ..model.result import BUILD_MESSAGE
from ..model.wording import how

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


def classify_run(returncode: int | None, stderr: str, timed_out: bool = False) -> tuple[str, str | None]:
    """(outcome, signal name) of a finished program."""
    if timed_out:
        return "timeout", None
    if returncode is not None and returncode < 0:
        try:
            return "crash", signals.Signals(-returncode).name
        except ValueError:
            return "crash", f"signal {-returncode}"
    if returncode == 0:
        return "ok", None
    # The Go runtime reports a fatal signal on stderr and exits 2; only then is the text its own.
    m = _FATAL_SIGNAL.search(stderr) if returncode == 2 else None
    if m:
        name = m.group(1) or (_SIGNAL_NAME.search(stderr[m.start():]) or [None, None])[1]
        return "crash", name or "SIGSEGV"
    if returncode == 2 and re.search(r"^(panic: |fatal error: )", stderr, re.M):
        return "panic", None
    return "exit-nonzero", None


def build_hint(build_output: str) -> str | None:
    """One sentence of advice for build failures whose cause the go output hides."""
    m = _MISSING_MODULE.search(build_output)
    if m:
        pkg = m.group(1) or m.group(2)
        return (
            f"{pkg} is not in the workspace and golink_magic builds offline (GOPROXY=off): add its source "
            f"with {how('write-file', path='PATH')} under its import path plus a `replace` line in go.mod, or vendor it."
        )
    if re.search(r"^no Go files in ", build_output, re.M):
        return ("there is no Go file at the module root to build: add a `package main` file there "
                f"(e.g. {how('write-file', path='main.go')}) or name the package to build, e.g. "
                f"{how('build-target', target='./cmd/tool')}")
    return None


def decode_capped(data: bytes, cut: int, stream: str, cap: int) -> str:
    """A program's captured stream as text, ending with a note when ``cut`` bytes were dropped."""
    text = data.decode("utf-8", errors="replace")
    if cut:
        text += f"\n[… {cut:,} more bytes of {stream} cut; golink_magic keeps the first {cap:,}]\n"
    return text


def breached_limit(returncode: int | None, stderr: str, enforced: str | None = None) -> str | None:
    """Which limit of the program's run stopped it: ``tasks`` (the supervisor stopped it),
    ``file`` (a write past the file-size limit) or ``memory`` (its address space ran out)."""
    if enforced:
        return enforced
    if returncode in (0, None):
        return None
    if returncode == -25 or re.search(r"\bfile too large\b", stderr):  # SIGXFSZ, or EFBIG reported
        return "file"
    if re.search(r"^fatal error: (?:runtime: )?out of memory|^runtime: out of memory|cannot allocate memory", stderr, re.M):
        return "memory"
    return None


def limit_sentence(kind: str, tasks: int, file_mb: int, memory_mb: int) -> str:
    """One sentence naming the limit that was hit and the option that sets it."""
    return {
        "tasks": f"stopped: the program and its children went over {tasks} processes and threads (--max-tasks)",
        "file": f"the program tried to write a file larger than {file_mb} MiB (--max-file-mb)",
        "memory": f"the program ran out of its {memory_mb} MiB address space (--max-memory-mb)",
    }[kind]
