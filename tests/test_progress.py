"""The line a slow build shows (progress.BuildProgress) and where it goes (progress_display.BuildStatus).

The real thing — a cold standard-library compile seen through a kernel — is tests/test_first_use.py;
these check the wording and the counting on a $WORK folder laid out as the go command lays it out.
"""

from __future__ import annotations

import time

from golink_magic.display import progress as progress_display
from golink_magic.engine.progress import BuildProgress
from golink_magic.engine.toolchain import WAITING


def _work(tmp_path, compiled: int, compiling: int):
    for n in range(1, compiled + compiling + 1):
        (tmp_path / f"b{n:03d}").mkdir()
        if n <= compiled:
            (tmp_path / f"b{n:03d}" / "_pkg_.a").write_bytes(b"!<arch>\n")
    return [(f"internal/pkg{n}", str(tmp_path / f"b{n:03d}" / "_pkg_.a"))
            for n in range(compiled + 1, compiled + compiling + 1)]


def test_quiet_first_then_counts_what_the_go_command_compiled(tmp_path):
    lines = []
    progress = BuildProgress(lines.append, "go1.27.3")
    watch = progress.watch("go build")
    watch(0.3, _work(tmp_path, 3, 2))
    assert lines == []  # a build under a second says nothing
    progress.start -= 5
    watch(5.3, [("runtime", str(tmp_path / "b004" / "_pkg_.a"))])
    assert lines[-1].startswith("building: 5 s, 3 packages compiled, now runtime.")
    assert "The first build with go1.27.3 on this machine compiles the standard library" in lines[-1]
    (tmp_path / "b004" / "_pkg_.a").write_bytes(b"")
    watch(5.6, [])  # linking: no compile runs, the count stays
    assert lines[-1].startswith("building: 5 s, 4 packages compiled.")


def test_a_module_package_alone_does_not_blame_the_standard_library(tmp_path):
    lines = []
    progress = BuildProgress(lines.append, "go1.22.10")
    progress.start -= 2
    progress.watch("go build")(2.0, [("example.com/big/gen", ""), ("main", "")])
    assert lines == ["building: 2 s, now example.com/big/gen, main."]


def test_waiting_for_a_tool_another_thread_builds_is_said():
    lines = []
    progress = BuildProgress(lines.append, "go1.27.3")
    progress.start -= 3
    progress.watch("objdump")(3.0, [WAITING])
    assert lines == ["building: 3 s, waiting for go tool objdump (built once per Go release)."]
    progress.watch("supervisor")(3.1, [WAITING])
    assert "waiting for go tool objdump and golink's process supervisor (built once" in lines[-1]
    progress.watch("objdump")(3.2, [])
    progress.watch("supervisor")(3.3, [])
    assert "waiting" not in lines[-1]


def test_outside_a_kernel_the_status_prints_at_most_every_few_seconds(capsys, monkeypatch):
    status = progress_display.BuildStatus()
    assert not status.kernel
    for n in range(3):
        status(f"building: {n} s.")
    assert capsys.readouterr().err == "building: 0 s.\n"
    monkeypatch.setattr(time, "monotonic", lambda: status.printed + status.PRINT_EVERY)
    status.for_case("a · go1.27.3", "building: 9 s.")
    assert capsys.readouterr().err == "building: 2 s.\na · go1.27.3: building: 9 s.\n"
    status.close()
