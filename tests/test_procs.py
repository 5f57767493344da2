"""The one owner of child processes (golink_magic/engine/procs.py), without Go (fast tier)."""

from __future__ import annotations

import os
import time

import pytest

from golink_magic.engine.procs import spawn


def test_spawn_interrupt_stops_the_group(tmp_path):
    import signal
    import threading

    naptime = f"100.{os.getpid()}"
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        spawn(["sh", "-c", f"sleep {naptime} & sleep {naptime}"], tmp_path, dict(os.environ), timeout=None)
    assert time.monotonic() - start < 3
    time.sleep(0.2)
    assert os.system(f"pgrep -f '[s]leep {naptime}' >/dev/null") != 0
