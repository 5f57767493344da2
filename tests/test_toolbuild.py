"""The build a browser makes (a plan made without the go command, every tool through the seam)
against ``go build``, natively: for every course case the outcome, the program's output, the
build messages, the listing's rows, the symbols and the binary itself but for build IDs."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from golink_magic.engine import goplan, procs, runner, stdlib, toolbuild
from golink_magic.engine.execute import run_program
from golink_magic.engine.job import Run
from golink_magic.engine.tools import NativeTools
from golink_magic.model.case import load_case
from golink_magic.model.options import Options

CASES = sorted((Path(__file__).parents[1] / "notebooks" / "cases").glob("*.txtar"))


@pytest.fixture(scope="module")
def stds(toolchain):
    """The standard library for both targets the course lists, as the go command builds it."""
    return {arch: stdlib.collect(toolchain, "linux", arch) for arch in ("amd64", "386")}


def masked(binary: Path, toolchain) -> bytes:
    """The binary with its Go build ID (and the GNU build ID note derived from it) blanked."""
    data = binary.read_bytes()
    said = subprocess.run([str(toolchain.go), "tool", "buildid", str(binary)], env=toolchain.env(),
                          capture_output=True, text=True).stdout.strip()
    for part in [said, *said.split("/")] if said else []:
        data = data.replace(part.encode(), b"X" * len(part))
    note = data.find(b"GNU\x00", 0, 8192)
    return data[:note + 4] + b"\0" * 20 + data[note + 24:] if note > 0 else data


def rows(result) -> list:
    """The listing's rows; a row inlined from outside the module by its file's base name (without
    addr2line, which a browser lacks, that is what objdump says)."""
    return [(f.symbol, [(r.text, r.file.rpartition("/")[2] if r.external else r.file, r.line) for r in f.instructions])
            for f in result.functions]


def native_run(plan, result):
    run_program(Run(plan, procs.generation()), result)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_tool_build_equals_go_build(path, toolchain, stds, tmp_path):
    case = load_case(path)
    want = runner.run_files(case.files, case.options, toolchain, tmp_path / "go", use_cache=False, replay=False)
    std = stds[case.options.goarch or "amd64"]
    got = toolbuild.run_files(case.files, case.options, toolchain, tmp_path / "tools", NativeTools(toolchain),
                              toolbuild.Targets(std), run_native=native_run)
    assert got.outcome == want.outcome, got.build_output
    assert got.build_output == want.build_output
    if any(e.startswith("/") for e in case.options.expect_stdout):  # prints a stale word: differs run to run
        assert re.sub(r"\d{6,}", "N", got.stdout) == re.sub(r"\d{6,}", "N", want.stdout)
    else:
        assert got.stdout == want.stdout
    assert (got.stderr, got.exit_code) == (want.stderr, want.exit_code)
    for mine, theirs in zip(rows(got), rows(want)):
        assert mine[0] == theirs[0]
        for a, b in zip(mine[1], theirs[1]):
            assert a == b, mine[0]
        assert len(mine[1]) == len(theirs[1])
    assert len(got.functions) == len(want.functions)
    assert [(s.name, s.code, s.size, s.address) for s in got.symbols] == \
        [(s.name, s.code, s.size, s.address) for s in want.symbols]
    if want.outcome not in ("compile-error", "link-error"):
        assert masked(tmp_path / "tools" / "bin" / "prog", toolchain) == masked(tmp_path / "go" / "bin" / "prog", toolchain)


def test_refusals_are_sentences(toolchain, stds, tmp_path):
    """What only the go command can build is refused in one sentence, before any tool runs."""
    std = stds["amd64"]
    for files, said in [
        ({"go.mod": "module m\n\ngo 1.22\n", "main.go": 'package main\n\nimport "example.com/x"\n\nfunc main() { x.F() }\n'},
         "no required module provides package example.com/x"),
        ({"go.mod": "module m\n\ngo 1.99\n", "main.go": "package main\n\nfunc main() {}\n"},
         "go.mod requires go >= 1.99"),
        ({"go.mod": "module m\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n", "x.c": "int x;\n"},
         "x.c: files other than Go and Go assembly need the go command"),
    ]:
        got = toolbuild.run_files(files, Options(), toolchain, tmp_path, NativeTools(toolchain), toolbuild.Targets(std))
        assert got.outcome == "compile-error"
        assert said in got.build_output
        assert not (tmp_path / "bin" / "prog").exists()


OBJECT_CASES = ["04-expl", "table-row11", "rule-func-target-not-imported", "lockdown-unannotated"]


@pytest.mark.parametrize("name", OBJECT_CASES)
def test_objects_listed_from_the_plan_equal_go_lists(name, toolchain, stds, tmp_path):
    """``--objects`` without the go command: each module package's archive read with nm and
    objdump, the compiler's -S rows from the planned compile, against ``go list -export``'s."""
    case = load_case(CASES[0].with_name(f"{name}.txtar"))
    opts = replace(case.options, objects=True)
    want = runner.run_files(case.files, opts, toolchain, tmp_path / "go", use_cache=False, replay=False)
    got = toolbuild.run_files(case.files, opts, toolchain, tmp_path / "tools", NativeTools(toolchain),
                              toolbuild.Targets(stds["amd64"]), run_native=native_run)
    assert want.objects, want.notes
    assert got.outcome == want.outcome

    def seen(result):
        return {o.package: (o.defined, o.undefined, o.functions, o.notes) for o in result.objects}

    assert seen(got) == seen(want)


EMBED = {
    "go.mod": "module em\n\ngo 1.27\n",
    "greeting.txt": "hello from a file\n",
    "data/a.txt": "a\n",
    "data/.hidden": "b\n",
    "data/sub/c.txt": "c\n",
    "main.go": 'package main\n\nimport (\n\t"embed"\n\t"fmt"\n)\n\n//go:embed greeting.txt\nvar greeting string\n\n'
               '//go:embed data\nvar files embed.FS\n\n//go:embed all:data "greeting.txt" data/*.txt\nvar every embed.FS\n\n'
               'func main() {\n\tfmt.Print(greeting)\n\tfor _, fs := range []embed.FS{files, every} {\n'
               '\t\tn := 0\n\t\tfor _, d := range []string{".", "data", "data/sub"} {\n\t\t\tes, _ := fs.ReadDir(d)\n'
               '\t\t\tn += len(es)\n\t\t}\n\t\tfmt.Println(n)\n\t}\n}\n',
}


def test_embedded_files_as_the_go_command_embeds_them(toolchain, stds, tmp_path):
    """//go:embed of a file, a folder (hidden files left out) and all: with a glob, planned
    without the go command: the same output and binary as go build's."""
    want = runner.run_files(EMBED, Options(), toolchain, tmp_path / "go", use_cache=False, replay=False)
    got = toolbuild.run_files(EMBED, Options(), toolchain, tmp_path / "tools", NativeTools(toolchain),
                              toolbuild.Targets(stds["amd64"]), run_native=native_run)
    assert want.outcome == "ok" and want.stdout.startswith("hello from a file\n"), want.stdout
    assert (got.outcome, got.stdout) == (want.outcome, want.stdout)
    assert masked(tmp_path / "tools" / "bin" / "prog", toolchain) == masked(tmp_path / "go" / "bin" / "prog", toolchain)
