from golink_magic.model import txtar


def test_txtar_markers_and_comment():
    a = txtar.parse("expect: ok\n# a comment\n-- go.mod --\nmodule m\n-- main.go --\npackage main\n")
    assert a.files == {"go.mod": "module m\n", "main.go": "package main\n"}
    assert txtar.header_options(a.comment) == [("expect", "ok")]


def test_blog_style_markers_keep_text_verbatim():
    text = "// -- example1/hello/hello.go --\npackage hello\n\nvar msg = 1 // -- not a marker --\n\n\n// -- example1/main.go --\npackage main\n"
    a = txtar.parse(text)
    assert list(a.files) == ["example1/hello/hello.go", "example1/main.go"]
    assert a.files["example1/hello/hello.go"] == "package hello\n\nvar msg = 1 // -- not a marker --\n\n\n"


def test_indented_markers_and_missing_final_newline():
    a = txtar.parse("  // -- a.go --\n  package a\n-- b.go --\npackage b")
    assert a.files == {"a.go": "  package a\n", "b.go": "package b\n"}


def test_format_round_trips():
    a = txtar.Archive("expect: link-error\n", {"go.mod": "module m\n", "x/y.go": "package y\n"})
    assert txtar.parse(txtar.format(a)) == a


def test_no_markers_means_no_files():
    a = txtar.parse("package main\nfunc main() {}\n")
    assert a.files == {} and "package main" in a.comment
