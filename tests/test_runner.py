"""The runner against the real toolchain: each outcome word, caps, timeouts, the cache."""

import json
import os
import time

import pytest

from golink_magic import Options
from golink_magic.model import txtar

from .gocases import DUPLICATE, EXAMPLE1_BLOG_STYLE, MULTI, main_only


def _run(session, files, **opts):
    for path, text in files.items():
        session.write(path, text)
    return session.run(Options(**opts))


def test_example1_pulls_unexported_var(session):
    r = _run(session, txtar.parse(EXAMPLE1_BLOG_STYLE).files)
    assert r.outcome == "ok", r.build_output
    assert r.stdout == "hello, exported\nkept inside hello\n"
    assert r.go_version.startswith("go version go1.27.3 linux/amd64")
    main = r.function("main.main")
    assert main.file == "example1/main.go"
    loads = [row for row in main.instructions if "example1/hello.secret(SB)" in row.text]
    assert loads and all(row.file == "example1/main.go" for row in loads)
    assert not any("main.borrowed" in row.text for fn in r.functions for row in fn.instructions)
    assert r.commands[0].startswith("go build -o ") and r.commands[1] == "./prog"
    assert set(r.timings) >= {"build", "run", "objdump"}


def test_multi_package_linknamed_function_var_and_push(session):
    r = _run(session, txtar.parse(MULTI).files)
    assert r.outcome == "ok", r.build_output
    assert r.stdout == "hello=7 ciao=7 word=pushed add=10\n"
    symbols = {fn.symbol for fn in r.functions}
    assert "expl/hello.addCounter" in symbols or any("expl/hello.addCounter" in row.text
                                                     for fn in r.functions for row in fn.instructions)


def test_compile_error_undefined(session):
    r = _run(session, {"main.go": main_only("\tfmt.Println(nope)", 'import "fmt"\n')})
    assert r.outcome == "compile-error"
    assert "undefined: nope" in r.build_output and "main.go:" in r.build_output
    assert r.functions == [] and r.exit_code is None


def test_link_error_duplicated_definition(session):
    r = _run(session, txtar.parse(DUPLICATE).files)
    assert r.outcome == "link-error"
    assert "duplicated definition of symbol dup/a.Value" in r.build_output


def test_panic(session):
    r = _run(session, {"main.go": main_only('\tpanic("linked too far")')})
    assert (r.outcome, r.exit_code) == ("panic", 2)
    assert "panic: linked too far" in r.stderr


def test_nil_pointer_is_a_crash_with_signal(session):
    r = _run(session, {"main.go": main_only("\tvar p *int\n\tprintln(*p)")})
    assert r.outcome == "crash" and r.signal == "SIGSEGV"
    assert "nil pointer dereference" in r.stderr


def test_exit_nonzero(session):
    r = _run(session, {"main.go": main_only("\tos.Exit(3)", 'import "os"\n')})
    assert (r.outcome, r.exit_code) == ("exit-nonzero", 3)


def test_infinite_loop_times_out_and_group_is_killed(session):
    naptime = f"300.{os.getpid()}"  # unique to this run: other test runs may sleep too
    src = main_only(f'\texec.Command("sleep", "{naptime}").Start()\n\tfor {{\n\t}}', 'import "os/exec"\n')
    start = time.monotonic()
    r = _run(session, {"main.go": src}, timeout=1.0, no_objdump=True)
    assert r.outcome == "timeout"
    assert time.monotonic() - start < 15
    assert any("timeout" in n for n in r.notes)
    assert os.system(f"pgrep -f '[s]leep {naptime}' >/dev/null") != 0


def test_output_is_capped_with_a_note(session):
    src = main_only('\tb := make([]byte, 1<<20)\n\tfor i := range b { b[i] = \'x\' }\n\tfor i := 0; i < 100; i++ { os.Stdout.Write(b) }',
                    'import "os"\n')
    r = _run(session, {"main.go": src}, no_objdump=True)
    assert r.outcome == "ok"
    assert len(r.stdout) < 2 << 20
    assert "more bytes of stdout cut" in r.stdout


def test_non_utf8_output_is_replaced(session):
    r = _run(session, {"main.go": main_only('\tos.Stdout.Write([]byte{0x66, 0xff, 0x67})', 'import "os"\n')}, no_objdump=True)
    assert r.stdout == "f\ufffdg"


def test_third_party_import_explains_offline(session):
    src = main_only("\tquote.Hello()", 'import "rsc.io/quote"\n')
    r = _run(session, {"main.go": src})
    assert r.outcome == "compile-error"
    assert any("offline" in n and "rsc.io/quote" in n for n in r.notes)


def test_unchanged_case_is_served_from_cache_but_still_runs(session):
    src = main_only('\tfmt.Println(time.Now().UnixNano())', 'import (\n\t"fmt"\n\t"time"\n)\n')
    first = _run(session, {"main.go": src})
    second = session.run()
    assert not first.cached and second.cached
    assert second.timings["build"] == 0.0 and second.timings["objdump"] == 0.0
    assert first.stdout != second.stdout  # the program ran again
    assert [f.symbol for f in second.functions] == [f.symbol for f in first.functions]


def test_result_json_round_trip(session):
    from golink_magic import Result

    r = _run(session, {"main.go": main_only('\tprintln("x")')})
    data = json.loads(json.dumps(r.to_dict()))
    assert Result.from_dict(data) == r
    for key in ("go_version", "goos", "goarch", "outcome", "exit_code", "signal", "stdout", "stderr",
                "build_output", "functions", "timings", "commands"):
        assert key in data


def test_goarch_386(session):
    r = _run(session, {"main.go": main_only('\tprintln("on 386")')}, goarch="386")
    assert r.outcome == "ok" and r.goarch == "386" and "linux/386" in r.go_version
    assert r.stderr == "on 386\n"
    assert any("SP" in row.text for row in r.function("main.main").instructions)


def test_non_main_target_says_there_is_no_program(session):
    r = _run(session, {"main.go": main_only(""), "lib/lib.go": "package lib\n\nvar X = 1\n"}, target="./lib")
    assert r.outcome == "compile-error"
    assert "not a main package" in r.build_output


def test_no_go_files_at_root_gets_a_hint(session):
    r = _run(session, {"lib/lib.go": "package lib\n\nvar X = 1\n"})
    assert r.outcome == "compile-error"
    assert any("no Go file at the module root" in n for n in r.notes)


def test_targets_are_named_as_the_workspace_lists_them(session):
    from .gocases import EXAMPLE1_BLOG_STYLE as blog

    files = txtar.parse(blog).files
    files["example1/tool/main.go"] = main_only('\tprintln("the tool")')
    assert _run(session, files, target="example1/main.go").stdout.endswith("kept inside hello\n")
    assert session.run(Options(target="example1/tool")).stderr == "the tool\n"
    assert session.run(Options(target="tool")).stderr == "the tool\n"


def test_signal_words_in_a_clean_exit_are_not_a_crash(session):
    r = _run(session, {"main.go": main_only('\tprintln("SIGHUP: just a word")')}, no_objdump=True)
    assert (r.outcome, r.signal) == ("ok", None)


def test_dot_slash_targets_and_missing_targets(session):
    files = {"old/main.go": main_only('\tprintln("in old")')}
    assert _run(session, files, target="./old", no_objdump=True).stderr == "in old\n"
    r = session.run(Options(target="./nowhere", no_objdump=True))
    assert r.outcome == "compile-error" and "nowhere" in r.build_output


WRONG_SIGNATURE = {
    "hello/hello.go": "package hello\n\nfunc double(n int64) int64 { return 2 * n }\n\nfunc Double(n int64) int64 { return double(n) }\n",
    "main.go": 'package main\n\nimport (\n\t"fmt"\n\t_ "unsafe"\n\n\t_ "course/hello"\n)\n\n'
               "//go:linkname half course/hello.double\nfunc half(s string) int64\n\n"
               'func main() { fmt.Println(half("ab") != 0) }\n',
}


def test_go_vet_says_nothing_about_a_linkname_with_the_wrong_signature(session):
    r = _run(session, WRONG_SIGNATURE, vet=True, expect_vet=["clean"])
    assert r.outcome == "ok" and r.vet_status == 0 and r.vet_output == ""  # the real go vet, silent
    assert "go vet ./...: nothing to report" in r.notes and r.commands[-1] == "go vet ./..."
    assert r.met_expectation
    session.reset()
    r = _run(session, {"main.go": main_only('\tfmt.Printf("%d\\n", "x")', 'import "fmt"\n')}, expect_vet=["clean"])
    assert r.outcome == "ok" and r.vet_status == 1 and "fmt.Printf format %d has arg" in r.vet_output
    assert r.expectation_failure().startswith("expected go vet to report nothing, got exit status 1: ")
