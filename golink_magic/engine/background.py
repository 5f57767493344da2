"""Work a run leaves going after its result is ready (recording the go command's plan, storing
the result in the cache), and the waits for it: the next run in the same build folder,
``Session.reset``/``close`` and Python's exit wait, so nothing half-written is read or left."""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Callable

_PENDING: dict[Path, list[Callable[[], object]]] = {}  # build folder → waits for work a run left going
_LOCK = threading.Lock()


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


def leave(workdir: Path, waits: list[Callable[[], object]]) -> None:
    """Leave ``waits`` to finish in the background; the next run in ``workdir`` waits for them."""
    with _LOCK:
        _PENDING[workdir] = waits


def pending() -> list[Path]:
    """The build folders with work still going on (for tests and diagnostics)."""
    with _LOCK:
        return list(_PENDING)


def finish(under: Path | None = None) -> None:
    """Wait for what runs in ``under`` (a build folder or a folder of them; None: anywhere) left
    finishing in the background, whatever became of it — before a run there, before the
    folder is removed, and when Python exits (so no cache entry is left half-written)."""
    with _LOCK:
        waits = [w for d in list(_PENDING) if under is None or d == under or d.is_relative_to(under)
                 for w in _PENDING.pop(d)]
    for wait in waits:
        try:
            wait()
        except Exception:  # noqa: BLE001 - an unrecorded plan or result only costs time next run
            pass


atexit.register(finish)
