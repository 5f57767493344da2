"""The magics through a real InteractiveShell, the way notebook cells run them."""

from IPython.core.error import UsageError

from golink_magic import Result

from .gocases import EXAMPLE1_BLOG_STYLE, HELLO, MAIN_PULL, MULTI, main_only


def test_example1_with_gofile_cells(shell):
    shell.run("%%gofile example1/hello/hello.go\n" + HELLO)
    shell.run("%%gofile example1/main.go\n" + MAIN_PULL)
    result = shell.run("%gorun")
    assert isinstance(result, Result)
    assert result.stdout.splitlines() == ["hello, exported", "kept inside hello"]
    bundle = result._repr_mimebundle_()
    assert "text/html" in bundle and "kept inside hello" in bundle["text/plain"]
    assert "example1/hello.secret(SB)" in bundle["text/plain"]


def test_gotxtar_blog_style_paste(shell):
    shell.run("%%gotxtar --case blog\n" + EXAMPLE1_BLOG_STYLE)
    assert "example1/main.go" in shell.last_output.stdout
    assert shell.run("%gorun --case blog").stdout.endswith("kept inside hello\n")


def test_gofile_does_not_expand_variables(shell):
    shell.run("x = 5")
    shell.run('%%gofile main.go\npackage main\n\nfunc main() { println("$x {x}") }\n')
    r = shell.run("%gorun --no-objdump")
    assert r.stderr == "$x {x}\n"


def test_unexpected_outcome_fails_cell_with_short_message(shell):
    shell.run("%%gofile main.go\n" + main_only("\tfmt.Println(nope)", 'import "fmt"\n'))
    err = shell.fails("%gorun")
    assert isinstance(err, UsageError)
    assert "compile-error" in str(err) and "--expect compile-error" in str(err)
    assert "undefined: nope" in shell.shown  # the result is still shown
    assert "Traceback" not in shell.shown


def test_expect_turns_failure_into_a_check(shell):
    shell.run("%%gofile main.go\n" + main_only('\tpanic("boom")'))
    assert shell.run("%gorun --expect panic").outcome == "panic"
    err = shell.fails("%gorun --expect ok")
    assert isinstance(err, UsageError) and "expected ok, got panic" in str(err)


def test_bad_input_is_a_usage_error_and_loses_nothing(shell):
    shell.run("%%gofile main.go\n" + main_only('\tprintln("still here")'))
    for bad in ("%%gofile ../escape.go\npackage x\n", "%%gofile /abs.go\npackage x\n",
                "%gorun --bogus", "%gorun --expect maybe", "%gorun --case missing", "%gorun --go 0.9",
                "%%gotxtar\nno markers here\n"):
        assert isinstance(shell.fails(bad), UsageError), bad
    assert shell.run("%gorun --no-objdump").stderr == "still here\n"


def test_cases_reset_and_files(shell):
    shell.run("%%gotxtar\n" + MULTI)
    shell.run("%gocase multi --expect ok")
    shell.run("%gofiles")
    assert "ciao/ciao.go" in shell.last_output.stdout and "cases: multi" in shell.last_output.stdout
    shell.run("%goreset")
    shell.run("%gofiles")
    assert "the module is empty" in shell.last_output.stdout
    assert shell.run("%gorun --case multi").stdout.startswith("hello=7 ciao=7")
    err = shell.fails("%gorun")
    assert "empty" in str(err)


def test_objdump_regex_and_flags(shell):
    shell.run("%%gofile main.go\n" + main_only("\tprintln(add(1, 2))") + "\nfunc add(a, b int) int { return a + b }\n")
    r = shell.run(r"%gorun --gcflags='-N -l' --objdump '^main\.add$'")
    assert [f.symbol for f in r.functions] == ["main.add"]
    assert any("-gcflags=-N -l" in c for c in r.commands)


def test_help_is_available(shell):
    shell.run("%gorun?")
    text = shell.ip.find_line_magic("gorun").__doc__
    assert "--expect" in text and "--objdump" in text


def test_multi_file_paste_into_gofile_is_refused(shell):
    err = shell.fails("%%gofile main.go\n" + EXAMPLE1_BLOG_STYLE)
    assert isinstance(err, UsageError) and "%%gotxtar" in str(err)
    assert "example1/hello/hello.go" in str(err)
    shell.run("%gofiles")
    assert "the module is empty" in shell.shown


def test_cross_compiled_program_is_shown_without_running(shell):
    shell.run("%%gofile main.go\n" + main_only('\tprintln("arm")'))
    r = shell.run("%gorun --goarch arm64 --no-run --expect ok")
    assert r.goarch == "arm64" and r.stdout == r.stderr == ""
    rows = [row.text for row in r.function("main.main").instructions]
    assert any(t.startswith(("MOVD", "BL", "STP", "CALL", "RET")) for t in rows)
    err = shell.fails("%gorun --goarch arm64")
    assert "cannot run" in shell.shown and "exit-nonzero" in str(err)


def test_review_fixes_for_bad_input_keep_the_module(shell):
    shell.run("%%gofile main.go\n" + main_only('\tprintln("kept")'))
    for bad in ("%gorun --timeout nan", "%gorun --timeout inf", "%%gotxtar --reset\nno markers\n",
                "%%gotxtar --case a/b\n-- other.go --\npackage main\n", "%%gofile main.go/x.go\npackage x\n"):
        err = shell.fails(bad)
        assert isinstance(err, UsageError) and "/tmp/" not in str(err), (bad, err)
    assert list(shell.ip.find_line_magic("gorun").__self__.session.files()) == ["main.go"]
    assert shell.run("%gorun --no-objdump").stderr == "kept\n"


def test_run_of_a_saved_case_uses_its_saved_options(shell):
    shell.run("%%gofile main.go\n" + main_only('\tpanic("saved")'))
    shell.run("%gocase boom --expect panic")
    shell.run("%%gofile main.go\n" + main_only('\tprintln("live")'))
    assert shell.run("%gorun --case boom").outcome == "panic"


def test_a_case_named_live_does_not_replace_the_live_module(shell):
    shell.run("%%gofile main.go\n" + main_only('\tprintln("old")'))
    shell.run("%gocase live")
    shell.run("%%gofile main.go\n" + main_only('\tprintln("new")'))
    results = shell.run("%gorun --goarch amd64,386 --no-objdump")
    assert [r.stderr for r in results] == ["new\n", "new\n"]


def test_failed_listing_is_not_cached(shell):
    shell.run("%%gofile main.go\n" + main_only('\tprintln("x")'))
    for _ in range(2):  # Python accepts the lookahead, Go's RE2 does not
        r = shell.run("%gorun --objdump '(?=main)'")
        assert not r.cached and any("objdump failed" in n for n in r.notes)


def test_pasting_a_second_blog_example_runs_that_one(shell):
    shell.run("%%gotxtar\n" + EXAMPLE1_BLOG_STYLE)
    assert shell.run("%gorun --expect ok").stdout.endswith("kept inside hello\n")
    second = EXAMPLE1_BLOG_STYLE.replace("example1", "example2").replace("kept inside hello", "second example")
    shell.run("%%gotxtar\n" + second)
    r = shell.run("%gorun --expect ok")
    assert r.stdout.endswith("second example\n")
    assert any("2 programs" in n and "built example2" in n for n in r.notes)
    assert shell.run("%gorun example1 --expect ok").stdout.endswith("kept inside hello\n")


def test_a_blog_example_pasted_after_one_with_its_own_go_mod(shell):
    from .gocases import MULTI

    shell.run("%%gotxtar\n" + MULTI)  # brings go.mod (module expl) and a main.go at the top
    assert shell.run("%gorun --expect ok").stdout.startswith("hello=7")
    shell.run("%%gotxtar\n" + EXAMPLE1_BLOG_STYLE)  # example1/… with imports of example1/hello
    r = shell.run("%gorun --expect ok")
    assert r.stdout.endswith("kept inside hello\n")
    assert any("go.mod inferred: module example1" in n for n in r.notes)
    assert shell.run("%gorun main.go --expect ok").stdout.startswith("hello=7")


def test_inferred_go_mod_uses_the_toolchain_language_version(shell):
    # Per-iteration loop variables (Go 1.22) and range over an int, as raw `go mod init` gives.
    shell.run("%%gofile main.go\n" + main_only(
        "\tvar fs []func()\n\tfor i := range 3 {\n\t\tfs = append(fs, func() { print(i) })\n\t}\n"
        "\tfor _, f := range fs {\n\t\tf()\n\t}"))
    r = shell.run("%gorun --expect ok --no-objdump")
    assert r.stderr == "012" and any("go 1.27" in n for n in r.notes)


def test_program_beside_its_library_folders(shell):
    shell.run("%%gotxtar\n-- lib/lib.go --\npackage lib\n\nfunc Twice(n int) int { return 2 * n }\n"
              "-- cmd/tool/main.go --\npackage main\n\nimport \"shop/lib\"\n\nfunc main() { println(lib.Twice(21)) }\n")
    r = shell.run("%gorun --expect ok --no-objdump")
    assert r.stderr == "42\n" and r.module == "shop" and r.module_root == "."


def test_typos_in_values_are_usage_errors_before_anything_runs(shell):
    shell.run("%%gofile main.go\n" + main_only('\tprintln("x")'))
    for bad in ("%gorun --goarch 368", "%gorun --goarch amd64,368", "%gocompare nope1 nope2"):
        err = shell.fails(bad)
        assert isinstance(err, UsageError), bad
        assert "IntProgress" not in shell.shown and not shell.displayed(), bad
    assert "368" in str(shell.fails("%gorun --goarch 368"))


def test_objdump_matching_nothing_says_so(shell):
    shell.run("%%gofile main.go\n" + main_only('\tprintln("x")'))
    r = shell.run("%gorun --objdump nomatch_xyz --expect ok")
    bundle = r._repr_mimebundle_()
    assert "no function matched --objdump nomatch_xyz" in bundle["text/plain"]
    assert "no function matched --objdump nomatch_xyz" in bundle["text/html"]


def test_huge_output_is_short_in_every_rendering(shell):
    shell.run("%%gofile main.go\n" + main_only(
        '\tline := strings.Repeat("y", 1000)\n\tfor i := 0; i < 20000; i++ {\n\t\tfmt.Println(line)\n\t}',
        'import (\n\t"fmt"\n\t"strings"\n)\n'))
    r = shell.run("%gorun --no-objdump --expect ok")
    bundle = r._repr_mimebundle_()
    assert len(bundle["text/plain"]) < 40_000 and len(bundle["text/html"]) < 250_000
    for text in (bundle["text/plain"], bundle["text/html"]):
        assert "more characters not shown" in text and "more bytes of stdout cut" in text
