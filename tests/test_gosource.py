"""The one reader of Go source (golink_magic/model/gosource.py): tokens, package, imports,
directives, declarations, build constraints as the go command reads them (fast tier)."""

from __future__ import annotations

import pytest

from golink_magic.model import gosource
from golink_magic.model.gosource import Binding, BuildContext, in_build, linknames, read

LINUX = BuildContext.of("linux", "amd64", "go1.27.3")


def test_linknames_are_read_from_the_files(table_results):
    found = linknames(table_results[1].files)
    assert found == [Binding("ciao.linkedInt64", "full/hello.privInt64", "ciao/ciao.go", 9)]


def test_a_directive_in_a_string_or_a_block_comment_is_none():
    text = ('package main\n\nimport _ "unsafe"\n\nvar s = `\n//go:linkname fake course/hello.secret\n`\n'
            '/*\n//go:linkname fake2 course/hello.secret\n*/\n'
            'var t = "//go:linkname fake3 course/hello.secret"\n\n'
            '//go:linkname real course/hello.secret\nvar real string\n')
    found = read(text).linknames
    assert [(ln.local, ln.target, ln.line) for ln in found] == [("real", "course/hello.secret", 13)]


def test_a_directive_must_start_its_line_and_have_a_space():
    text = "package p\n\nvar x int //go:linkname x a.b\n//go:linkname\ty a.c\n\t//go:linkname z a.d\n"
    assert [ln.local for ln in read(text).linknames] == ["z"]  # indented is fine; trailing or tab-joined are not


def test_one_argument_and_std_forms():
    text = "package p\n\n//go:linkname a\n//go:linknamestd b runtime.b\n"
    found = read(text).linknames
    assert [(ln.local, ln.target, ln.std) for ln in found] == [("a", None, False), ("b", "runtime.b", True)]


def test_package_imports_and_declarations():
    text = ('// doc\npackage hello\n\nimport (\n\t"fmt"\n\th "example/hi" // why\n\t_ "unsafe"\n)\nimport . "os"\n\n'
            'var a, b = 1, 2\nvar (\n\tc int\n\td = 1 +\n\t\t2\n\t_ = 3\n)\n'
            'func F() {}\nfunc G[T any]() {}\nfunc init() {}\nfunc (r *T) M() {}\nfunc (T) N() {}\n'
            'func (r R[T]) O() {}\nconst K = 1\ntype T struct{}\n')
    src = read(text)
    assert src.package == "hello" and src.package_line == 2
    assert [(i.path, i.name) for i in src.imports] == [("fmt", ""), ("example/hi", "h"), ("unsafe", "_"), ("os", ".")]
    assert [name for _, name in src.declarations] == ["a", "b", "c", "d", "F", "(*T).M", "T.N"]
    assert gosource.package_of("/* package no */\npackage yes\n") == "yes"
    assert gosource.imports_of('package p\nvar s = "import \\"x\\""\n') == []


def test_an_unterminated_literal_ends_at_its_line():
    text = 'package p\n\nvar s = "open\n//go:linkname x a.b\nvar x int\n'
    assert [ln.local for ln in read(text).linknames] == ["x"]


@pytest.mark.parametrize("header, built", [
    ("//go:build ignore\n\n", False),
    ("// +build ignore\n\n", False),
    ("//\t+build ignore\n\n", False),          # the go command trims any space after //
    ("//\u00a0+build ignore\n\n", False),      # a no-break space too
    ("//+build ignore\n\n", False),
    ("// +build ignore\n", True),              # a +build line needs a blank line after its block
    ("// +buildignore\n\n", True),
    ("/*\n//go:build ignore\n*/\n\n", True),   # not inside a /* */ comment
    ("//go:build linux && amd64\n\n", True),
    ("//go:build !linux\n\n", False),
    ("//go:build go1.21 && !go1.28\n\n", True),
    ("//go:build unix && (amd64 || 386)\n\n", True),
    ("// +build linux,amd64 windows\n\n", True),
    ("// +build windows\n// +build amd64\n\n", False),
    ("//go:build linux\n// +build ignore\n\n", True),  # //go:build wins over +build
])
def test_build_constraints_as_the_go_command_reads_them(header, built):
    assert in_build("a/x.go", header + "package a\n", LINUX) is built


@pytest.mark.parametrize("name, built", [
    ("x.go", True), ("x_linux.go", True), ("x_windows.go", False), ("x_linux_amd64.go", True),
    ("x_386.go", False), ("linux.go", True), ("x_test.go", False), ("_x.go", False), (".x.go", False),
    ("x.s", False),
])
def test_file_name_constraints(name, built):
    assert in_build(name, "package a\n", LINUX) is built


def test_the_context_has_release_and_user_tags():
    ctx = BuildContext.of("linux", "386", "go1.19.8", "extra,more")
    assert {"go1.1", "go1.19", "linux", "386", "unix", "gc", "extra", "more"} <= ctx.tags
    assert "go1.20" not in ctx.tags and "amd64.v1" not in ctx.tags
    assert "amd64.v3" in BuildContext.of("linux", "amd64", "1.27", goamd64="v3").tags


def test_linknames_skip_files_the_build_excludes():
    files = {"main.go": 'package main\n\nimport _ "unsafe"\n\n//go:linkname a x.a\nvar a int\n',
             "off.go": '//go:build ignore\n\npackage main\n\nimport _ "unsafe"\n\n//go:linkname b x.b\nvar b int\n'}
    assert [b.local for b in linknames(files)] == ["main.a", "main.b"]
    assert [b.local for b in linknames(files, LINUX)] == ["main.a"]


def test_the_replay_header_keeps_constraints_in_every_spelling():
    plain = read("package a\n").header
    assert read("//\t+build ignore\n\npackage a\n").header != plain
    assert read("//\u00a0+build ignore\n\npackage a\n").header != plain
    assert read("// just a comment\n\npackage a\n").header == plain
    assert read('package a\n\nvar s = "//go:embed x"\n').refuses_replay == ""
    assert read("package a\n\n//go:embed x\nvar s string\n").refuses_replay == "//go:embed"
