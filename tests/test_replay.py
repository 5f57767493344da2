"""Replaying the go command's plan (golink_magic/engine/replay.py) gives what `go build` gives.

The Go tier builds every case of notebooks/cases once with `go build` and again by replay after
an edit and back, and compares outcome, output, listing and build errors word for word, and
the binaries themselves but for their build IDs; then each trigger that must fall back to `go build` does.
The tests without a Go fixture check the key and the plan parser on their own (fast tier).
"""

from __future__ import annotations

import _thread
import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from golink_magic import load_case
from golink_magic.listing import objdump
from golink_magic.engine import procs
from golink_magic.engine import replay
from golink_magic.engine import background, runner
from golink_magic.engine.build import replay_enabled
from golink_magic.model.options import Options

# GOLINK_NO_REPLAY=1 runs these tests with the replay off: then every build must be go build's.
REPLAY = replay_enabled()
CASES = sorted((Path(__file__).parent.parent / "notebooks" / "cases").glob("*.txtar"))
EDIT = '\nvar _ = "golink replay edit"\n'
BUILD_ID = re.compile(rb"[\w-]{20}/[\w-]{20}/[\w-]{20}/[\w-]{20}|GNU\x00.{20}", re.S)


def _main_file(files: dict[str, str]) -> str:
    """The file declaring ``func main()`` closest to the root."""
    return min((p for p, t in files.items() if p.endswith(".go") and "\nfunc main()" in t), key=lambda p: p.count("/"))


def _seen(result, binary: Path) -> tuple:
    """What must agree between a go build and a replay: outcome, output, build text, listing
    (addresses normalised), and the binary with its build IDs masked."""
    listing = [(f.symbol, [(r.file, r.line, objdump.normalize(r.text)) for r in f.instructions])
               for f in result.functions]
    data = BUILD_ID.sub(b"ID", binary.read_bytes()) if binary.exists() and result.functions else b""
    return result.outcome, result.exit_code, result.stdout, result.stderr, result.build_output, listing, data


def _volatile(case: Path, opts: Options) -> bool:
    # these print a leftover stack word that differs run to run (the lesson of the case)
    return "stale" in case.read_text() or (opts.goarch == "386" and "method" in case.stem)


def _three_builds(case: Path, toolchain, workdir: Path) -> dict:
    """The case by go build, edited (by replay), and the original back (by replay)."""
    files, opts = load_case(case)
    edited = dict(files)
    edited[_main_file(files)] += EDIT
    runs = {}
    for label, variant in (("go", files), ("replay-edit", edited), ("replay", files)):
        r = runner.run_files(variant, opts, toolchain, workdir, name=case.stem, use_cache=False)
        runs[label] = (r, _seen(r, workdir / "bin" / "prog"))
    return runs


@pytest.fixture(scope="module")
def three_builds(toolchain, tmp_path_factory):
    base = tmp_path_factory.mktemp("replay")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {c.stem: pool.submit(_three_builds, c, toolchain, base / c.stem) for c in CASES}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_replay_gives_what_go_build_gives(case, three_builds):
    files, opts = load_case(case)
    runs = three_builds[case.stem]
    got, want = runs["replay"][1], runs["go"][1]
    if _volatile(case, opts):
        got, want = got[:2] + got[4:], want[:2] + want[4:]
    assert got == want
    assert "replay" not in runs["go"][0].timings
    failed = want[0] in ("compile-error", "link-error")
    if failed:
        assert runs["replay-edit"][0].outcome == want[0]
    replayable = not failed and not any(p.endswith(".s") for p in files)
    assert ["replay" in runs[k][0].timings for k in ("replay-edit", "replay")] == [replayable and REPLAY] * 2


@pytest.mark.go
@pytest.mark.parametrize("older", ["go122", "go119"])
def test_replay_on_older_toolchains_gives_the_same_binary(older, request, tmp_path):
    """Each Go prints its plan its own way (1.19 stamps build IDs with the buildid tool, has no
    GOROOT= before the link): the replayed binary is still go build's, but for its build IDs."""
    toolchain = request.getfixturevalue(older)
    for case in ("table-row10", "03-linkname-var"):
        runs = _three_builds(CASES[0].with_name(f"{case}.txtar"), toolchain, tmp_path / case)
        assert runs["replay"][1][-1] == runs["go"][1][-1] != b"", case
        assert [runs[k][0].outcome for k in runs] == ["ok"] * 3
        assert ["replay" in runs[k][0].timings for k in runs] == [False, REPLAY, REPLAY], case


# -- falling back ------------------------------------------------------------------------------

MAIN = """package main

import (
	"fmt"

	"shape/lib"
)

func main() {
	fmt.Println(lib.Word(), "%d")
}
"""
LIB = 'package lib\n\nfunc Word() string { return "word" }\n'
BASE = {"go.mod": "module shape\n\ngo 1.19\n", "lib/lib.go": LIB}


def _files(n: int, **extra: str) -> dict[str, str]:
    return {**BASE, "main.go": MAIN % n, **extra}


@pytest.fixture
def warmed(toolchain, tmp_path):
    """A workdir whose shape has been built once by go build (and its plan recorded)."""
    first = runner.run_files(_files(0), Options(), toolchain, tmp_path, use_cache=False)
    assert first.outcome == "ok" and "replay" not in first.timings
    again = runner.run_files(_files(1), Options(), toolchain, tmp_path, use_cache=False)
    assert again.outcome == "ok" and again.stdout == "word 1\n" and ("replay" in again.timings) == REPLAY
    # the shown command is the one go build would run (DWARF dropped), replayed or not
    assert first.commands[0] == again.commands[0] == "go build -o $WORK/bin/prog -trimpath -ldflags=-w ."
    assert first.commands[1:] == again.commands[1:] and again.commands[1] == "./prog"
    # addr2line still names the standard-library files inlined into main (no DWARF needed)
    assert any(r.file == "fmt/print.go" for r in again.function("main.main").instructions)
    return tmp_path


def _run(toolchain, workdir, files, **opts):
    return runner.run_files(files, Options(**opts), toolchain, workdir, use_cache=False)


def test_a_changed_dependency_rebuilds_it_and_its_importers(toolchain, warmed):
    r = _run(toolchain, warmed, {**_files(1), "lib/lib.go": LIB.replace('"word"', '"changed"')})
    assert (r.outcome, r.stdout, "replay" in r.timings) == ("ok", "changed 1\n", REPLAY)


@pytest.mark.parametrize("change", ["new file", "changed import", "build constraint", "go.mod", "flags"])
def test_a_new_shape_falls_back_then_replays_again(change, toolchain, warmed):
    files, opts = _files(2), {}
    if change == "new file":
        files["extra.go"] = "package main\n\nvar extra = 1\n"
    elif change == "changed import":
        files["main.go"] = files["main.go"].replace('"fmt"', '"fmt"\n\t_ "strings"')
    elif change == "build constraint":
        files["lib/other.go"] = "//go:build linux\n\npackage lib\n"
        _run(toolchain, warmed, files)
        files["lib/other.go"] = "//go:build !windows\n\npackage lib\n"
    elif change == "go.mod":
        files["go.mod"] += "\n// a comment\n"
    elif change == "flags":
        opts = {"gcflags": "-N -l"}
    r = _run(toolchain, warmed, files, **opts)
    assert (r.outcome, r.stdout, "replay" in r.timings) == ("ok", "word 2\n", False)
    files["main.go"] = files["main.go"].replace('"2"', '"3"')
    r = _run(toolchain, warmed, files, **opts)
    assert (r.outcome, r.stdout, "replay" in r.timings) == ("ok", "word 3\n", REPLAY)


def test_a_kernel_run_shows_its_result_before_the_plan_is_recorded(toolchain, tmp_path):
    """Session.run (what %gorun calls) leaves the plan recording and the cache store to finish
    in the background: the next run in that folder waits for them, replays or reuses; closing
    the session waits too, so nothing writes into a removed workspace."""
    from golink_magic import Session

    session = Session(toolchain, base_dir=str(tmp_path))
    session.workspace.write_many(_files(0))
    first = session.run(Options())
    assert first.outcome == "ok" and "replay" not in first.timings
    pending = background.pending()
    assert len(pending) == 1 and pending[0].is_relative_to(session.workspace.base)
    session.write("main.go", MAIN % 1)
    again = session.run(Options())
    assert (again.outcome, again.stdout, "replay" in again.timings) == ("ok", "word 1\n", REPLAY)
    unchanged = session.run(Options())  # its result was stored in the background meanwhile
    assert (unchanged.outcome, unchanged.stdout, unchanged.cached) == ("ok", "word 1\n", True)
    session.write("extra.go", "package main\n\nvar extra = 1\n")  # a new shape: recorded again
    session.run(Options())
    session.close()
    assert not any(d.is_relative_to(session.workspace.base) for d in background.pending())
    assert not session.workspace.base.exists()


@pytest.mark.parametrize("extra", [
    {"lib/empty.s": ""},
    {"lib/lib_test.go": "package lib\n"},
    {"lib/cgo.go": 'package lib\n\nimport "C"\n'},
    {"lib/data.txt": "data\n", "lib/embed.go": 'package lib\n\nimport _ "embed"\n\n//go:embed data.txt\nvar Data string\n'},
])
def test_what_replay_does_not_cover_always_builds_with_go(extra, toolchain, tmp_path):
    for n in range(3):
        r = _run(toolchain, tmp_path, _files(n, **extra))
        assert (r.outcome, r.stdout, "replay" in r.timings) == ("ok", f"word {n}\n", False)


def _raw_build_text(toolchain, files, folder, *flags):
    import subprocess

    from golink_magic.engine.workspace import materialize

    materialize(files, folder)
    done = subprocess.run([str(toolchain.go), "build", "-o", str(folder / "b"), "-trimpath", *flags, "."], cwd=folder,
                          env=toolchain.env(), capture_output=True, text=True)
    return done.stderr


def test_a_compile_error_is_go_builds_own_word_for_word(toolchain, warmed, tmp_path_factory):
    broken = _files(4)
    broken["main.go"] = broken["main.go"].replace("lib.Word()", "lib.Word(nope)")
    r = _run(toolchain, warmed, broken)
    want = _raw_build_text(toolchain, broken, tmp_path_factory.mktemp("raw"), "-ldflags=-w")
    assert r.outcome == "compile-error" and "replay" not in r.timings
    assert r.build_output == want and want.startswith("# shape\n./main.go:10:")
    r = _run(toolchain, warmed, _files(5))  # fixed: replayed again
    assert (r.outcome, r.stdout, "replay" in r.timings) == ("ok", "word 5\n", REPLAY)


def test_a_step_that_prints_falls_back_and_keeps_go_builds_text(toolchain, tmp_path, tmp_path_factory):
    for n in range(2):
        r = _run(toolchain, tmp_path, _files(n), gcflags="-m")
        want = _raw_build_text(toolchain, _files(n), tmp_path_factory.mktemp("raw"), "-gcflags=-m", "-ldflags=-w")
        assert (r.outcome, "replay" in r.timings, r.build_output) == ("ok", False, want)
    assert "inlining call to lib.Word" in want


@pytest.mark.skipif(not REPLAY, reason="GOLINK_NO_REPLAY: no plan is recorded to damage")
def test_a_missing_cached_archive_falls_back(toolchain, warmed):
    plan_file = warmed / "replay" / "plan.json"
    plan = json.loads(plan_file.read_text())
    plan["external"].append(str(warmed / "gone" / "archive-d"))
    plan_file.write_text(json.dumps(plan))
    r = _run(toolchain, warmed, _files(6))
    assert (r.outcome, r.stdout, "replay" in r.timings) == ("ok", "word 6\n", False)


def test_a_link_error_falls_back_to_go_builds_text(toolchain, tmp_path, tmp_path_factory):
    from golink_magic.model import txtar

    from .gocases import DUPLICATE

    files = txtar.parse(DUPLICATE).files
    for n in range(2):  # go build (and the plan recorded), then a replay whose link fails
        files["main.go"] = files["main.go"].replace(f"= {n + 2}", f"= {n + 3}")
        r = _run(toolchain, tmp_path, files)
        want = _raw_build_text(toolchain, files, tmp_path_factory.mktemp("raw"), "-ldflags=-w")
        assert r.outcome == "link-error" and r.build_output == want and "replay" not in r.timings
    assert "duplicated definition of symbol dup/a.Value" in want


def test_no_run_and_no_objdump_still_replay(toolchain, warmed):
    r = _run(toolchain, warmed, _files(9), no_run=True, no_objdump=True)
    assert r.outcome == "ok" and ("replay" in r.timings) == REPLAY and r.commands[1:] == [] and r.functions == []


def _children_in(folder: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in cmdline and proc.name.isdigit() and int(proc.name) != os.getpid():
            found.append(cmdline)
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_an_interrupt_while_run_and_listing_overlap_stops_both(toolchain, tmp_path):
    sleeper = "package main\n\nimport \"time\"\n\nfunc main() { time.Sleep(%d * time.Hour) }\n"
    assert _run(toolchain, tmp_path, {**BASE, "main.go": sleeper % 0}).outcome == "ok"  # go build, plan recorded
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        try:
            _run(toolchain, tmp_path, {**BASE, "main.go": sleeper % 1}, timeout=300)
        except KeyboardInterrupt:
            procs.stop_all()  # what the API, the magics and the CLI do
            raise
    timer.cancel()
    assert time.perf_counter() - start < 8
    deadline = time.monotonic() + 5
    while _children_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _children_in(tmp_path)


# -- the key and the plan parser, without Go (fast tier) ---------------------------------------

def test_go_header_keeps_what_can_change_the_plan():
    text = ('// Copyright\n//go:build linux\n// +build linux\n\n//go:debug panicnil=1\npackage main\n\n'
            'import (\n\t"fmt" // printing\n\t_ "unsafe"\n)\n\n//go:linkname x y\nvar x int\n\nfunc main() { fmt.Println("a") }\n')
    header, why = replay.go_header(text)
    assert why == ""
    assert header == '//go:build linux // +build linux //go:debug panicnil=1 package main import ( "fmt" _ "unsafe" )'
    assert replay.go_header(text.replace('"a"', '"b"'))[0] == header
    assert replay.go_header(text.replace("// Copyright", "// Copyleft"))[0] == header
    assert replay.go_header('package p\n\nimport "C"\n')[1].startswith("cgo")
    assert replay.go_header('package p\n\n//go:embed x\nvar s string\n')[1] == "//go:embed"
    assert replay.go_header('package p\n\nimport (\n\t_ "embed"\n)\n')[1] == 'import "embed"'
    assert replay.go_header("package p\n\nfunc f() { var x = [2]int{1, 2}; _ = x }\nimport \"os\"\n")[0] == "package p"


def _spec(tmp_path, files, command=("go", "build", "-o", "/b/prog", ".")):
    from golink_magic.engine.toolchain import Toolchain

    tc = Toolchain(Path("/go/bin/go"), Path("/go"), "go1.27.3", "linux", "amd64", "test")
    return replay.Build(files, tmp_path, tmp_path, list(command), {"GOARCH": "amd64", "HOME": "/h"}, tc,
                        Path("/b/prog"), tmp_path / "replay")


def test_shape_key_changes_with_the_shape_only(tmp_path):
    files = {"go.mod": "module m\n\ngo 1.19\n", "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("a") }\n'}
    key = replay.shape_key(_spec(tmp_path, files))[0]
    assert key and replay.shape_key(_spec(tmp_path, {**files, "main.go": files["main.go"].replace("\"a\"", "\"b\"")}))[0] == key
    changed = [
        {**files, "main.go": files["main.go"].replace('"fmt"', '"os"')},
        {**files, "go.mod": "module m\n\ngo 1.21\n"},
        {**files, "x.go": "package main\n"},
        {**files, "main.go": "//go:build linux\n\n" + files["main.go"]},
        {**files, "notes.txt": "x"},
        {**files, "main.go": files["main.go"].replace("package main", "package other")},
    ]
    assert all(replay.shape_key(_spec(tmp_path, f))[0] not in (None, key) for f in changed)
    assert replay.shape_key(_spec(tmp_path, files, ("go", "build", "-o", "/b/prog", "-gcflags=-N", ".")))[0] != key
    spec = _spec(tmp_path, files)
    spec.env["GOARCH"] = "386"
    assert replay.shape_key(spec)[0] != key
    spec = _spec(tmp_path, files)
    spec.env["HOME"] = "/elsewhere"  # not a Go setting
    assert replay.shape_key(spec)[0] == key
    spec.toolchain.version = "go1.27.4"
    assert replay.shape_key(spec)[0] != key
    for extra, why in (({"a.s": ""}, "not Go source"), ({"a_test.go": "package main\n"}, "test file"),
                       ({"x.syso": ""}, "not Go source")):
        key2, reason = replay.shape_key(_spec(tmp_path, {**files, **extra}))
        assert key2 is None and why in reason


PLAN_127 = """mkdir -p $WORK/b002/

#
# m/lib
#

echo '# import config' > $WORK/b002/importcfg # internal
cd {dir}
/go/pkg/tool/linux_amd64/compile -o $WORK/b002/_pkg_.a -trimpath "$WORK/b002=>" -p m/lib -lang=go1.19 -complete -buildid AAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAA -goversion go1.27.3 -c=2 -nolocalimports -importcfg $WORK/b002/importcfg -pack ./lib/lib.go
go tool buildid -w $WORK/b002/_pkg_.a # internal
mkdir -p $WORK/b001/

#
# m
#

cat >$WORK/b001/importcfg << 'EOF' # internal
# import config
packagefile fmt=/cache/ef/fmt-d
packagefile m/lib=$WORK/b002/_pkg_.a
EOF
/go/pkg/tool/linux_amd64/compile -o $WORK/b001/_pkg_.a -trimpath "$WORK/b001=>" -p main -lang=go1.19 -complete -buildid BBBBBBBBBBBBBBBBBBBB/BBBBBBBBBBBBBBBBBBBB -goversion go1.27.3 -c=2 -nolocalimports -importcfg $WORK/b001/importcfg -pack ./main.go
go tool buildid -w $WORK/b001/_pkg_.a # internal
cat >$WORK/b001/importcfg.link << 'EOF' # internal
packagefile m=$WORK/b001/_pkg_.a
packagefile fmt=/cache/ef/fmt-d
packagefile m/lib=$WORK/b002/_pkg_.a
modinfo "0w\\xaf\\f\\x92t\\b\\x02A\\xe1\\xc1\\a\\xe6\\xd6\\x18\\xe6path\\tm\\nmod\\tm\\t(devel)\\t\\n"
EOF
mkdir -p $WORK/b001/exe/
cd .
GOROOT='/go' /go/pkg/tool/linux_amd64/link -o $WORK/b001/exe/a.out -importcfg $WORK/b001/importcfg.link -X=runtime.godebugDefault=panicnil=1 -buildmode=exe -buildid=C/B/B/C -w -extld=gcc $WORK/b001/_pkg_.a
go tool buildid -w $WORK/b001/exe/a.out # internal
mkdir -p /b/
mv $WORK/b001/exe/a.out /b/prog
rm -rf $WORK/b001/
"""


def test_parse_plan_reads_compiles_importcfgs_and_the_link(tmp_path):
    files = {"go.mod": "", "main.go": "", "lib/lib.go": ""}
    plan, why = replay.parse_plan(PLAN_127.format(dir=tmp_path.resolve()), _spec(tmp_path.resolve(), files))
    assert why == ""
    lib, main = plan["steps"]
    assert (lib["bdir"], lib["files"], lib["deps"], lib["importcfg"]) == ("b002", ["lib/lib.go"], [], "# import config\n")
    assert (main["bdir"], main["files"], main["deps"]) == ("b001", ["main.go"], ["b002"])
    assert main["argv"][-1] == str(tmp_path.resolve() / "main.go") and '$WORK/b001=>' in main["argv"]
    assert plan["link"]["env"] == {"GOROOT": "/go"} and plan["link"]["deps"] == ["b001", "b002"]
    assert plan["external"] == ["/cache/ef/fmt-d"]
    assert 'modinfo "0w\\xaf' in plan["link"]["importcfg"]


def test_parse_plan_refuses_what_it_does_not_know(tmp_path):
    files = {"go.mod": "", "main.go": "", "lib/lib.go": ""}
    spec = _spec(tmp_path.resolve(), files)
    text = PLAN_127.format(dir=tmp_path.resolve())
    asm = text.replace("go tool buildid -w $WORK/b002/_pkg_.a # internal",
                       "/go/pkg/tool/linux_amd64/asm -p m/lib -o $WORK/b002/x.o ./lib/x.s")
    assert replay.parse_plan(asm, spec)[0] is None
    assert replay.parse_plan(text.replace("./lib/lib.go", "./lib/other.go"), spec)[0] is None
    assert replay.parse_plan(text.replace("(devel)", "(devel)\\nbuild\\tvcs.modified=true"), spec)[0] is None
    assert replay.parse_plan(text.split("cat >$WORK/b001/importcfg.link")[0], spec)[0] is None  # no link


def test_split_command_reads_go_quoting():
    assert replay.split_command("GOROOT='/a b' /t/link -o x \"a b=>\" \"tab\\there\" -X=y") == \
        ["GOROOT=/a b", "/t/link", "-o", "x", "a b=>", "tab\there", "-X=y"]
    assert replay.split_command('/t/compile "\\xff"') is None
    assert replay.split_command("/t/compile  -o") is None
