"""The go build command line golink runs and shows (plan.py), without building anything."""

from pathlib import Path

from golink_magic.model.options import Options
from golink_magic.engine.plan import build_command, link_flags, shown_command
from golink_magic.engine.toolchain import Toolchain

TC = Toolchain(Path("/go/bin/go"), Path("/go"), "go1.27.3", "linux", "amd64", "test")


def test_dwarf_is_dropped_unless_the_user_decides_about_it():
    assert link_flags(None) == link_flags("") == "-w"
    assert link_flags("-checklinkname=0") == "-w -checklinkname=0"
    assert link_flags(" -X main.v=1 ") == "-w -X main.v=1"
    for own in ("-w", "-w=false", "-s -w", "--w", "-X main.v=1 -w=0", "all=-s", "example.com/m=-X a=b"):
        assert link_flags(own) == own.strip()


def test_the_shown_command_is_the_real_one_with_its_link_flags():
    work = Path("/tmp/work")
    cmd = build_command(TC, Options(), work / "bin" / "prog", ".")
    assert cmd == ["/go/bin/go", "build", "-o", "/tmp/work/bin/prog", "-trimpath", "-ldflags=-w", "."]
    assert shown_command(cmd, None, work) == "go build -o $WORK/bin/prog -trimpath -ldflags=-w ."
    cmd = build_command(TC, Options(ldflags="-checklinkname=0", gcflags="-N -l"), work / "bin" / "prog", ".")
    assert shown_command(cmd, "386", work) == \
        "GOARCH=386 go build -o $WORK/bin/prog -trimpath '-gcflags=-N -l' '-ldflags=-w -checklinkname=0' ."
    cmd = build_command(TC, Options(ldflags="-w=false"), work / "bin" / "prog", ".")
    assert shown_command(cmd, None, work) == "go build -o $WORK/bin/prog -trimpath -ldflags=-w=false ."
