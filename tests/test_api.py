"""The plain Python API (golink_magic/frontends/session.py) without Go: files, cases and the
errors a user meets, each a short UserError that changes nothing (fast tier)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golink_magic import CaseError, Options, Session, UserError, WorkspaceError
from golink_magic.engine.toolchain import Toolchain
from golink_magic.frontends.session import refuse_several_files

TC = Toolchain(Path("/go/bin/go"), Path("/go"), "go1.27.3", "linux", "amd64", "test")


@pytest.fixture
def api(tmp_path):
    s = Session(toolchain=TC, base_dir=str(tmp_path))
    yield s
    s.close()


def test_files_come_back_as_written(api):
    api.write("main.go", "package main\r\n\r\nfunc main() {}\r\n")
    api.write("data/x.bin", "a\x00b")
    assert api.files() == {"data/x.bin": "a\x00b", "main.go": "package main\r\n\r\nfunc main() {}\r\n"}


def test_a_bad_path_writes_nothing(api):
    api.write("main.go", "package main\n")
    for bad in ("/etc/passwd", "../out.go", "", "main.go/inner.go"):
        with pytest.raises(WorkspaceError):
            api.write(bad, "x")
    with pytest.raises(UserError):
        api.write_txtar("-- ok.go --\npackage main\n-- ../bad.go --\nx\n")
    assert list(api.files()) == ["main.go"]


def test_cases_are_snapshots_and_unknown_ones_are_named(api):
    api.write("main.go", "package main\n")
    api.save_case("one", options=Options(expect="ok"))
    api.write("main.go", "package main // changed\n")
    assert api.case("one").files == {"main.go": "package main\n"} and api.case("one").options.expect == "ok"
    with pytest.raises(CaseError, match="no case named 'two'; cases: one"):
        api.case("two")
    with pytest.raises(WorkspaceError):
        api.save_case("bad name!")


def test_an_empty_module_and_a_multi_file_paste_are_explained(api):
    with pytest.raises(CaseError, match="the workspace is empty"):
        api.run()
    with pytest.raises(CaseError, match="2 files"):
        refuse_several_files("-- a.go --\npackage a\n-- b.go --\npackage b\n")


def test_jobs_fan_out_cases_by_toolchain_and_goarch(api):
    api.write("main.go", "package main\n")
    api.save_case("a")
    api.save_case("b")
    jobs = api.jobs([api.case("a"), api.case("b")], Options(expect="ok,link-error"), [TC], ["amd64", "386"])
    assert [(j.name, j.options.goarch, j.options.expect) for j in jobs] == [
        ("a", "amd64", "ok"), ("a", "386", "link-error"), ("b", "amd64", "ok"), ("b", "386", "link-error")]
    assert len({j.workdir for j in jobs}) == 4
