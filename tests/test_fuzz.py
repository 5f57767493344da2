"""Property-based tests (Hypothesis): the parsers and the workspace never raise anything but
their documented user errors, whatever they are given, and nothing is written outside the module."""

from __future__ import annotations

import os
import shlex
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from golink_magic import CaseError, UserError, WorkspaceError
from golink_magic.listing import objdump
from golink_magic.model import options
from golink_magic.model import txtar
from golink_magic.model.case import case_from_text
from golink_magic.engine.workspace import Workspace

from . import saved

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- txtar ----------------------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,6}(/[a-z][a-z0-9_]{0,6}){0,2}\.(go|s|mod)", fullmatch=True)
bodies = st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
                          max_size=40).filter(lambda line: not line.strip().startswith(("--", "//"))), max_size=6)


@FAST
@given(st.text(max_size=400))
def test_txtar_parses_any_text(text):
    archive = txtar.parse(text)
    assert isinstance(archive.comment, str) and all(isinstance(v, str) for v in archive.files.values())
    for _, key, value in txtar.header_lines(archive.comment):
        assert key and isinstance(value, str)


@FAST
@given(st.dictionaries(names, bodies, max_size=4))
def test_txtar_round_trips_its_files(files):
    archive = txtar.Archive("", {name: "".join(line + "\n" for line in lines) for name, lines in files.items()})
    assert txtar.parse(txtar.format(archive)).files == archive.files


@FAST
@given(st.lists(st.tuples(st.from_regex(r"[a-z][a-z-]{0,12}", fullmatch=True), st.text(max_size=20)), max_size=5))
def test_case_headers_give_options_or_one_case_error(pairs):
    header = "".join(f"{k}: {v.splitlines()[0] if v.splitlines() else ''}\n" for k, v in pairs)
    try:
        case = case_from_text("c", header + "-- main.go --\npackage main\n", where="x.txtar")
    except CaseError as exc:
        assert str(exc).startswith("x.txtar") and "\n" not in str(exc)
    else:
        options.check_options(case.options)


# -- the objdump parser on real listings, mutated -------------------------------------------------

def _listing() -> str:
    lines = []
    for name in ("table-row02", "push-386", "escapes"):
        for fn in saved.load(name).functions:
            lines.append(f"TEXT {fn.symbol}(SB) /w/src/{fn.file}")
            lines += [f"  {r.file.rpartition('/')[2]}:{r.line}\t0x{r.pc:x}\t\t{r.hex}\t\t{r.text}\t" for r in fn.instructions]
    return "\n".join(lines) + "\n"


LISTING = _listing()


@FAST
@given(st.lists(st.tuples(st.integers(0, len(LISTING)), st.integers(0, 40), st.text(max_size=12)), max_size=8))
def test_objdump_parser_survives_mutated_listings(edits):
    text = LISTING
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut:]
    functions = objdump.parse(text)
    objdump.relate_to_module(functions, "/w/src", ["main.go", "hello/hello.go", "ciao/ciao.go"])
    objdump.select(functions)
    for fn in functions:
        for row in fn.instructions:
            objdump.normalize(row.text)
            ops = objdump.operands(row.text)
            assert ops and all(isinstance(o, str) for o in ops)
            [objdump.symbol_of(o) for o in ops]


def test_the_unmutated_listing_parses_back_exactly():
    want = [(f.symbol, [(r.line, r.pc, r.text) for r in f.instructions])
            for n in ("table-row02", "push-386", "escapes") for f in saved.load(n).functions]
    assert [(f.symbol, [(r.line, r.pc, r.text) for r in f.instructions]) for f in objdump.parse(LISTING)] == want


# -- the option parser ----------------------------------------------------------------------------

def _parser():
    def gorun(line):
        pass

    gorun = argument("target", nargs="?", default=".")(gorun)
    for args, kwargs in reversed(options.arguments()):
        gorun = argument(*args, **kwargs)(gorun)
    return magic_arguments()(gorun).parser


PARSER = _parser()
FLAGS = [spec.flag for spec in options.TABLE]
words = st.one_of(st.sampled_from(FLAGS), st.text(max_size=12),
                  st.sampled_from(["ok", "link-error", "386", "amd64,386", "0", "-1", "1e9", "nan", "(", "/x/", "!"]))


@FAST
@given(st.lists(words, max_size=8), st.integers(1, 4))
def test_option_lines_give_options_or_one_usage_error(tokens, columns):
    line = " ".join(shlex.quote(t) for t in tokens)
    try:
        parsed = PARSER.parse_args(shlex.split(line))
        opts = options.from_arguments(parsed, target=parsed.target)
        options.check_options(opts, columns)
        opts.for_columns(columns)
    except (UsageError, CaseError):
        pass


# -- workspace paths ------------------------------------------------------------------------------

paths = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(["..", ".", "a", "b.go", "~", "/", "", "x/../..", "\\", "\x00", "link"]), max_size=5)
    .map("/".join),
)


@settings(max_examples=200, deadline=None)
@given(paths)
def test_every_path_lands_inside_the_module_or_is_refused(rel):
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        outside = base / "outside"
        outside.mkdir()
        (base / "ws").mkdir()
        with Workspace(str(base / "ws")) as ws:
            (ws.root / "link").symlink_to(outside, target_is_directory=True)
            before = set(os.listdir(base))
            try:
                written = ws.write(rel, "package main\n")
            except (WorkspaceError, UserError):
                written = None
            except OSError as exc:  # a name the file system itself refuses (too long, a folder in the way)
                assert exc.errno is not None
                written = None
            if written is not None:
                real = written.resolve()
                assert ws.root.resolve() in real.parents
            assert list(outside.iterdir()) == []
            assert set(os.listdir(base)) == before
