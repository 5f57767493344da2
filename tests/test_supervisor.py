"""The supervisor's protocol (golink_magic/engine/supervisor.py): its Go side tested with `go
test` (tests/go/supervisor_test.go), its Python side reading the report the Go side writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from golink_magic.engine import supervisor

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the supervisor is Linux only")


def test_the_go_side_passes_its_own_tests(toolchain, tmp_path):
    shutil.copy(supervisor.SOURCE, tmp_path / "supervisor.go")
    shutil.copy(Path(__file__).parent / "go" / "supervisor_test.go", tmp_path / "supervisor_test.go")
    (tmp_path / "go.mod").write_text("module golinksupervisor\n\ngo 1.19\n")
    env = toolchain.env()
    env.pop("GOFLAGS", None)
    done = subprocess.run([str(toolchain.go), "test", "-count=1", "."], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok")


def test_the_python_side_reads_each_fact(toolchain, tmp_path):
    binary = toolchain.supervisor()
    report = tmp_path / "report"
    done = supervisor.run(["/bin/sh", "-c", "setsid sleep 30 & exit 4"], tmp_path, {}, 10, supervisor.Limits(),
                          binary, report)
    assert (done.returncode, done.leftover) == (4, 1)
    assert supervisor.read_report(report) == {"exit": "4", "leftover": "1"}
    assert supervisor.read_report(tmp_path / "none") == {}
    with pytest.raises(OSError):
        supervisor.run([str(tmp_path / "missing")], tmp_path, {}, 10, supervisor.Limits(), binary, report)
