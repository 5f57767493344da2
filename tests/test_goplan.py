"""The plan made without the go command, read as data (no Go build: the fast tier).  That the
steps build what ``go build`` builds is tests/test_toolbuild.py's proof; here: which steps, in
which order, with which import configuration, and what is refused in one sentence."""

from __future__ import annotations

import json

import pytest

from golink_magic.engine import goplan
from golink_magic.engine.stdlib import Package, StdLib

STD = StdLib("go1.27.3", "linux", "amd64", {"GOAMD64": "v1"}, {
    "runtime": Package("runtime.a", ["internal/abi"], ["internal/abi"]),
    "internal/abi": Package("internal/abi.a", [], []),
    "fmt": Package("fmt.a", ["runtime"], ["internal/abi", "runtime", "unsafe"]),
    "embed": Package("embed.a", [], []),
}, {"1.19": "panicnil=1", "1.27": ""}, root="/golink/pkg/linux_amd64")
MOD = "module full\n\ngo 1.19\n"


def plan(files, **kw):
    return goplan.plan_steps(files, ".", "full", "/w/src", ".", STD, "/w/tools", "/w/bin/prog", "/golink/go", **kw)


def test_dependencies_first_and_each_importcfg_names_its_imports():
    steps = plan({"go.mod": MOD, "main.go": 'package main\n\nimport (\n\t"fmt"\n\t"full/hello"\n)\n\nfunc main() { fmt.Println(hello.X) }\n',
                  "hello/hello.go": "package hello\n\nvar X = 1\n"})
    assert [(s.tool, s.package) for s in steps] == [("compile", "full/hello"), ("compile", "full"), ("link", "full")]
    hello, main, link = steps
    assert hello.argv[hello.argv.index("-p") + 1] == "full/hello" and "-complete" in hello.argv
    assert main.argv[main.argv.index("-p") + 1] == "main" and "-lang=go1.19" in main.argv
    cfg = main.writes["/w/tools/b002/importcfg"]
    assert cfg.splitlines() == ["# import config", "packagefile fmt=/golink/pkg/linux_amd64/fmt.a",
                                "packagefile full/hello=/w/tools/b001/_pkg_.a",
                                "packagefile runtime=/golink/pkg/linux_amd64/runtime.a"]
    linkcfg = link.writes["/w/tools/b001/importcfg.link"]
    assert linkcfg.startswith("packagefile full=/w/tools/b002/_pkg_.a\n")
    assert "packagefile internal/abi=/golink/pkg/linux_amd64/internal/abi.a" in linkcfg
    assert "path\\tfull\\nmod\\tfull\\t(devel)\\t\\n" in linkcfg and "DefaultGODEBUG=panicnil=1" in linkcfg
    assert "-X=runtime.godebugDefault=panicnil=1" in link.argv and link.env == {"GOROOT": ""}


def test_an_assembly_file_brings_symabis_the_assembler_and_pack():
    steps = plan({"go.mod": MOD, "main.go": "package main\n\nfunc f() int\n\nfunc main() { f() }\n", "empty.s": ""})
    assert [s.tool for s in steps] == ["asm", "compile", "asm", "pack", "link"]
    gensym, compile_, asm, pack, _ = steps
    assert "-gensymabis" in gensym.argv and "-D" in gensym.argv and "GOAMD64_v1" in gensym.argv
    assert "-complete" not in compile_.argv and "-symabis" in compile_.argv and "-asmhdr" in compile_.argv
    assert asm.argv[-1] == "./empty.s" and pack.argv == ["r", "/w/tools/b001/_pkg_.a", "/w/tools/b001/empty.o"]


def test_build_constraints_pick_the_files():
    steps = plan({"go.mod": MOD, "main.go": "package main\n\nfunc main() {}\n",
                  "x_windows.go": "package main\n", "y.go": "//go:build ignore\n\npackage main\n"})
    assert steps[0].argv[-1:] == ["./main.go"]


@pytest.mark.parametrize("files, said", [
    ({"main.go": 'package main\n\nimport "example.com/x"\n\nfunc main() {}\n'}, "no required module provides package example.com/x"),
    ({"main.go": 'package main\n\nimport "strings"\n\nfunc main() {}\n'}, "package strings is not in std (or not among"),
    ({"main.go": 'package main\n\nimport "C"\n\nfunc main() {}\n'}, "cgo"),
    ({"main.go": "package main\n\nfunc main() {}\n", "x.c": "int x;\n"}, "x.c: files other than Go and Go assembly"),
    ({"main.go": '//go:debug panicnil=1\npackage main\n\nfunc main() {}\n'}, "//go:debug settings need the go command"),
    ({"main.go": 'package main\n\nimport _ "embed"\n\n//go:embed x.txt\nvar s string\n\nfunc main() {}\n'}, "main.go:5: pattern x.txt: no matching files found"),
    ({"main.go": 'package main\n\nimport "full/a"\n\nfunc main() {}\n', "a/a.go": 'package a\n\nimport "full/b"\n',
      "b/b.go": 'package b\n\nimport "full/a"\n'}, "import cycle not allowed"),
    ({"main.go": "package hello\n"}, "not a program"),
])
def test_what_only_the_go_command_builds_is_refused_in_a_sentence(files, said):
    with pytest.raises(goplan.NotPlanned, match=".*") as caught:
        plan({"go.mod": MOD, **files})
    assert said in str(caught.value)


def test_go_mod_lines_the_planner_cannot_honour():
    with pytest.raises(goplan.NotPlanned, match="go.mod requires go >= 1.30"):
        plan({"go.mod": "module full\n\ngo 1.30\n", "main.go": "package main\n\nfunc main() {}\n"})
    with pytest.raises(goplan.NotPlanned, match="require or replace"):
        plan({"go.mod": MOD + "require example.com/x v1.0.0\n", "main.go": "package main\n\nfunc main() {}\n"})


def test_go_quote_reads_back_as_go_would():
    assert goplan.go_quote(goplan.INFO_START) == '"0w\\xaf\\f\\x92t\\b\\x02A\\xe1\\xc1\\a\\xe6\\xd6\\x18\\xe6"'
    assert goplan.go_quote(b"a\tb\"\xff\xe2\x82\xac\x01") == '"a\\tb\\"\\xff€\\x01"'


def test_embedded_files_get_the_go_commands_embedcfg():
    steps = plan({"go.mod": MOD, "main.go": 'package main\n\nimport _ "embed"\n\n//go:embed "a b.txt" d\nvar s string\n\nfunc main() {}\n',
                  "a b.txt": "x", "d/one.txt": "1", "d/.two": "2", "d/e/_three": "3", "d/e/four": "4"})
    compile_ = steps[0]
    assert compile_.argv[compile_.argv.index("-embedcfg") + 1] == "/w/tools/b001/embedcfg"
    assert compile_.argv.index("-embedcfg") < compile_.argv.index("-pack")
    cfg = json.loads(compile_.writes["/w/tools/b001/embedcfg"])
    assert cfg["Patterns"] == {"a b.txt": ["a b.txt"], "d": ["d/e/four", "d/one.txt"]}
    assert cfg["Files"]["d/one.txt"] == "/w/src/d/one.txt"
