"""The one options table: the magics, the CLI and txtar headers all read it; value checks
(--expect-stdout, --expect-ref) judged on saved real results."""

from __future__ import annotations

import pytest
import shlex

from IPython.core.magic_arguments import argument, magic_arguments

from golink_magic import CaseError, Options
from golink_magic.model import options
from golink_magic.model.case import case_from_text
from golink_magic.frontends.cli import _parser

from . import saved


def _magic_parse(line: str):
    def f(line):
        pass

    for args, kwargs in reversed(options.arguments()):
        f = argument(*args, **kwargs)(f)
    f = magic_arguments()(f)
    return f.parser.parse_args(shlex.split(line))  # as golink's magics parse: shell quoting


def test_every_option_reaches_the_magics_the_cli_and_the_header():
    cli = _parser()._subparsers._group_actions[0].choices["run"]
    cli_flags = {s for a in cli._actions for s in a.option_strings}
    for spec in options.TABLE:
        assert spec.flag in cli_flags
        assert getattr(_magic_parse(""), spec.name) in (None, [], False)
    help_text = cli.format_help()
    assert "--expect-stdout TEXT" in help_text and "--expect-ref SYMBOL" in help_text


def test_magic_and_cli_parse_to_the_same_options():
    line = "--gcflags=-N --expect ok --expect-stdout 'a b' --expect-stdout /x+/ --expect-ref main.main:fmt.Println --timeout 3"
    from_magic = options.from_arguments(_magic_parse(line))
    from_cli = options.from_arguments(_parser().parse_args(["run", "x.txtar", *shlex.split(line)]))
    assert from_magic == from_cli
    assert from_magic.expect_stdout == ["a b", "/x+/"] and from_magic.timeout == 3.0


def test_header_keys_accumulate_and_bad_values_name_the_file():
    case = case_from_text("c", "objdump: ^main\\.\nobjdump: ^fmt\\.\nexpect-stdout: 5\nno-run: true\n-- main.go --\npackage main\n")
    assert case.options.objdump == ["^main\\.", "^fmt\\."] and case.options.expect_stdout == ["5"]
    assert case.options.no_run is True
    with pytest.raises(CaseError, match="x.txtar timeout: 'soon' is not valid"):
        case_from_text("c", "timeout: soon\n-- main.go --\npackage main\n", where="x.txtar")


def test_per_column_values_split_only_in_a_matrix():
    opts = Options(expect="ok,link-error", expect_stdout=["a, b", ",pulled = 5"])
    single = Options(expect_stdout=["a, b"]).for_columns(1)[0]
    assert single.expect_stdout == ["a, b"]
    left, right = opts.for_columns(2)
    assert (left.expect, right.expect) == ("ok", "link-error")
    assert left.expect_stdout == ["a"] and right.expect_stdout == ["b", "pulled = 5"]
    with pytest.raises(CaseError, match="gives 3 outcomes for 2 columns"):
        Options(expect="ok,ok,ok").for_columns(2)
    with pytest.raises(CaseError, match="a list such as ok,link-error is for several"):
        options.check_options(Options(expect="ok,ok"))


@pytest.mark.parametrize("bad, says", [
    (Options(expect="fine"), "--expect fine: choose one of"),
    (Options(goarch="amd46"), "--goarch amd46: not a Go architecture"),
    (Options(timeout=0), "--timeout must be a positive number"),
    (Options(objdump=["("]), "--objdump '(' is not a valid regular expression"),
    (Options(expect_stdout=["/(/"]), "--expect-stdout '(' is not a valid regular expression"),
    (Options(expect_ref=["!"]), "--expect-ref needs a symbol"),
])
def test_bad_values_are_case_errors(bad, says):
    with pytest.raises(CaseError, match=says.replace("(", r"\(").replace("'", "'")):
        options.check_options(bad)


def _with(result, **opts):
    result.options = Options(**opts)
    return result


def test_stdout_checks_say_what_was_expected_and_what_came():
    pull = saved.load("table-row02")
    assert pull.stdout.strip()
    first = pull.stdout.split()[0]
    assert _with(pull, expect_stdout=[first]).met_expectation
    assert _with(pull, expect_stdout=[r"/^\S+/"]).met_expectation
    miss = _with(pull, expect_stdout=["777"]).expectation_failure()
    assert miss.startswith("table-row02: expected stdout to contain '777', got '") and first in miss
    assert "to match /^nope$/" in _with(pull, expect_stdout=["/^nope$/"]).expectation_failure()


def test_build_checks_read_the_compilers_and_linkers_words():
    broken = saved.load("broken")
    said = next(ln for ln in broken.build_output.splitlines() if ": " in ln and not ln.startswith("#"))
    message = said.split(": ", 1)[1]
    assert _with(broken, expect="compile-error", expect_build=[message]).met_expectation
    assert _with(broken, expect="compile-error", expect_build=[r"/main\.go:\d+:\d+: /"]).met_expectation
    miss = _with(broken, expect="compile-error", expect_build=["relocation target"]).expectation_failure()
    assert miss.startswith("expected the build output to contain 'relocation target', got '") and message in miss
    # the outcome is judged first: a build check never hides a wrong outcome
    assert _with(broken, expect="ok", expect_build=[message]).expectation_failure().startswith("expected ok, got")


def test_vet_checks_need_a_vet_run_and_say_what_it_reported():
    pull = saved.load("table-row02")
    assert _with(pull, expect_vet=["clean"]).expectation_failure() == \
        "table-row02: expected a go vet report, got none (go vet did not run)"
    pull.options = Options(expect_vet=["clean"])
    pull.vet_output, pull.vet_status = "", 0
    assert pull.met_expectation
    pull.vet_output, pull.vet_status = "main.go:5:27: fmt.Printf format %d has arg \"x\" of wrong type string\n", 1
    assert pull.expectation_failure() == ("table-row02: expected go vet to report nothing, got exit status 1: "
                                          "main.go:5:27: fmt.Printf format %d has arg \"x\" of wrong type string")
    pull.options = Options(expect_vet=["format %d has arg"])
    assert pull.met_expectation and Options(expect_vet=["x"]).wants_vet and not Options().wants_vet


def test_ref_checks_read_the_listing():
    pull, push = saved.load("table-row02"), saved.load("table-row03")
    assert _with(pull, expect_ref=["main.main:full/hello.privInt64"]).met_expectation
    assert _with(pull, expect_ref=["full/hello.privInt64"]).met_expectation
    assert _with(push, expect_ref=["!main.main:full/hello.privInt64"]).met_expectation
    miss = _with(push, expect_ref=["main.main:full/hello.privInt64"]).expectation_failure()
    assert "expected main.main to reference full/hello.privInt64(SB), got " in miss and "full/ciao.linkedInt64" in miss
    neg = _with(pull, expect_ref=["!main.main:full/hello.privInt64"]).expectation_failure()
    assert "expected main.main not to reference full/hello.privInt64(SB), got 'MOVQ full/hello.privInt64(SB)" in neg
    assert "expected a function main.nothere" in _with(pull, expect_ref=["main.nothere:x.y"]).expectation_failure()


def test_outcome_is_judged_before_values():
    broken = _with(saved.load("broken"), expect="ok", expect_stdout=["x"])
    assert broken.expectation_failures() == [
        f"expected ok, got compile-error ({broken.build_output.strip().splitlines()[-1].strip()})"]
    unexpected = _with(saved.load("panics"))
    assert unexpected.expectation_failure().startswith("panic (") and "add --expect panic" in unexpected.expectation_failure()


def test_a_misspelled_flag_is_refused(capsys):
    with pytest.raises(SystemExit):
        _parser().parse_args(["run", "x.txtar", "--expect-stdoot", "a"])
    assert "unrecognized arguments: --expect-stdoot" in capsys.readouterr().err


def test_unknown_header_keys_and_bad_values_name_the_file_line_and_key():
    with pytest.raises(CaseError) as err:
        case_from_text("c", "# a case\nexpects: link-error\n-- main.go --\npackage main\n", where="cases/x.txtar")
    assert str(err.value).startswith("cases/x.txtar line 2: unknown header key 'expects'; the keys are ")
    assert "expect-stdout" in str(err.value) and "--" not in str(err.value)
    with pytest.raises(CaseError, match=r"^cases/x.txtar expect: linkerror: choose one of ok, "):
        case_from_text("c", "expect: linkerror\n-- main.go --\npackage main\n", where="cases/x.txtar")


def test_a_case_headers_comma_is_not_a_column_separator(tmp_path):
    """A case's own `expect-stdout: a, b` holds as written in every column of a matrix; only values
    given for the run are split per column."""
    from golink_magic import Session

    with Session(base_dir=str(tmp_path)) as s:
        s.save_case("c", {"main.go": "package main\n"}, Options(expect_stdout=["allocated 64 bytes, first = 42"]))
        jobs = s.jobs([s.case("c")], Options(), goarches=["amd64", "386", "arm64"])
        assert [j.options.expect_stdout for j in jobs] == [["allocated 64 bytes, first = 42"]] * 3
        jobs = s.jobs([s.case("c")], Options(expect="ok,link-error,ok"), goarches=["amd64", "386", "arm64"])
        assert [j.options.expect for j in jobs] == ["ok", "link-error", "ok"]
        assert [j.options.expect_stdout for j in jobs] == [["allocated 64 bytes, first = 42"]] * 3
