import os
from pathlib import Path

import pytest

from golink_magic.engine.workspace import Workspace, WorkspaceError, materialize, module_layout, with_go_mod

from .gocases import HELLO, MAIN_PULL


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path)
    yield w
    w.close()


def test_write_is_verbatim_and_overwrites(ws):
    ws.write("main.go", "package main\r\n//go:linkname x y\n")
    assert (ws.root / "main.go").read_bytes() == b"package main\r\n//go:linkname x y\n"
    ws.write("main.go", "package main\n")
    assert ws.files() == {"main.go": "package main\n"}


@pytest.mark.parametrize("bad", ["/etc/passwd", "../x.go", "a/../../x.go", "", "~/x.go", "sub/.."])
def test_escaping_paths_are_rejected_and_nothing_is_written(ws, bad):
    ws.write("keep.go", "package main\n")
    with pytest.raises(WorkspaceError):
        ws.write(bad, "package evil\n")
    assert ws.files() == {"keep.go": "package main\n"}
    assert not (ws.base / "x.go").exists()


def test_symlink_escape_is_rejected(ws, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, ws.root / "link")
    with pytest.raises(WorkspaceError, match="symlink"):
        ws.write("link/x.go", "package x\n")
    assert list(outside.iterdir()) == []


def test_write_many_checks_all_paths_first(ws):
    with pytest.raises(WorkspaceError):
        ws.write_many({"ok.go": "package main\n", "../bad.go": "x"})
    assert ws.files() == {}


def test_go_mod_inferred_from_imports_and_blog_layout():
    files = {"example1/hello/hello.go": HELLO, "example1/main.go": MAIN_PULL}
    assert module_layout(files) == ("example1", "example1")
    out, root, module, inferred = with_go_mod(files)
    assert inferred and out["example1/go.mod"].startswith("module example1\n\ngo 1.19")


def test_go_mod_inferred_at_top_level():
    files = {"hello/hello.go": HELLO, "main.go": MAIN_PULL.replace("example1/", "full/")}
    assert module_layout(files) == (".", "full")


def test_given_go_mod_wins():
    files = {"go.mod": "module expl\n\ngo 1.22\n", "main.go": "package main\n"}
    out, root, module, inferred = with_go_mod(files)
    assert (root, module, inferred) == (".", "expl", False) and out == files


def test_no_local_imports_gets_default_module():
    assert module_layout({"main.go": 'package main\nimport "fmt"\nfunc main(){fmt.Println()}\n'})[1] == "example"


def test_reset_keeps_saved_cases(tmp_path):
    from golink_magic import Session

    with Session(base_dir=str(tmp_path)) as s:
        s.write("main.go", "package main\n")
        s.save_case("first")
        s.reset()
        assert s.files() == {} and s.cases["first"] == {"main.go": "package main\n"}
        with pytest.raises(WorkspaceError):
            s.save_case("bad name")
        s.reset(cases=True)
        assert s.cases == {}


def test_materialize_mirrors_exactly(tmp_path):
    materialize({"a.go": "1", "d/b.go": "2"}, tmp_path / "m")
    materialize({"a.go": "3"}, tmp_path / "m")
    assert sorted(p.relative_to(tmp_path / "m").as_posix() for p in (tmp_path / "m").rglob("*")) == ["a.go"]
    assert (tmp_path / "m" / "a.go").read_text() == "3"


def test_std_imports_do_not_vote_for_a_module(toolchain):
    files = {"main.go": 'package main\nimport (\n\t"crypto/tls"\n\t"shop/tls"\n)\n', "tls/tls.go": "package tls\n"}
    assert module_layout(files, toolchain.goroot) == (".", "shop")


def test_workspaces_of_dead_processes_are_removed(tmp_path):
    import subprocess
    import sys

    code = "from golink_magic.engine.workspace import Workspace; print(Workspace(%r).base, flush=True)" % str(tmp_path)
    # The child exits without close(): like a kernel killed before its exit hooks ran.
    left = Path(subprocess.run([sys.executable, "-c", code + "; import os; os._exit(0)"],
                               capture_output=True, text=True, check=True).stdout.strip())
    assert left.exists()
    alive = Workspace(tmp_path)
    assert not left.exists() and alive.base.exists()
    alive.close()
