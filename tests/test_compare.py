"""Diffs of real results, the case table model and view, and the %gocompare magic."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

import golink_magic
from golink_magic.listing import compare
from golink_magic.listing import objdump
from golink_magic.render import view
from golink_magic.model.result import Instruction

CASES = Path(__file__).parent.parent / "notebooks" / "cases"


def test_operands_and_symbols():
    assert objdump.operands("MOVQ full/hello.privInt64(SB), CX") == ["MOVQ", "full/hello.privInt64(SB)", "CX"]
    assert objdump.operands("MOVL 0(CX)(TLS*2), CX") == ["MOVL", "0(CX)(TLS*2)", "CX"]
    assert objdump.operands("RET") == ["RET"]
    assert objdump.symbol_of("full/hello.privInt64+8(SB)") == "full/hello.privInt64"
    assert objdump.symbol_of("0x10(R14)") is None


def test_rows_align_after_normalising_addresses():
    old = [Instruction("m.go", 3, 0x10, "", "LEAQ 0xc220c(IP), CX"), Instruction("m.go", 4, 0x17, "", "JBE 0x49b50b"),
           Instruction("m.go", 5, 0x1a, "", "MOVQ a.x(SB), CX")]
    new = [Instruction("m.go", 3, 0x20, "", "LEAQ 0xc21ec(IP), CX"), Instruction("m.go", 4, 0x27, "", "JBE 0x49b60b"),
           Instruction("m.go", 5, 0x2a, "", "MOVQ b.y(SB), CX"), Instruction("m.go", 6, 0x31, "", "RET")]
    rows = compare.diff_rows(old, new)
    assert [r.kind for r in rows] == ["same", "same", "changed", "added"]
    assert rows[2].marks == (1,)


def test_diff_of_pull_and_push_is_the_loaded_symbol(table_results):
    _, pull, push = table_results
    d = golink_magic.diff(pull, push)
    assert d.same_output
    assert d.changed_operands() == [("main.main", "full/hello.privInt64(SB)", "full/ciao.linkedInt64(SB)")]
    assert d.changed_files == {"hello/hello.go": {5}}
    text = str(d)
    assert "-  main.go:13\tMOVQ full/hello.privInt64(SB), CX" in text
    assert "+  main.go:13\tMOVQ full/ciao.linkedInt64(SB), CX" in text
    assert "+//go:linkname privInt64 full/ciao.linkedInt64" in text
    page = BeautifulSoup(d._repr_mimebundle_()["text/html"], "html.parser")
    assert [m.get_text() for m in page.select("mark.glm-chg")] == ["full/ciao.linkedInt64(SB)"]


def test_diff_with_itself_is_empty(table_results):
    d = golink_magic.diff(table_results[0], table_results[0])
    assert not d.changed_operands() and not d.changed_files
    assert "no differences" in str(d)


def rows_of(html: str) -> dict:
    page = BeautifulSoup(html, "html.parser")
    return {tr["data-case"]: tr for tr in page.select("tr.glm-trow")}


def test_table_marks_exactly_the_changed_symbol_operands(table_results):
    t = golink_magic.table(table_results, ["hello/hello.go", "ciao/ciao.go"], baseline="table-row02")
    rows = rows_of(view.render_table(t))
    assert list(rows) == ["table-row01", "table-row02", "table-row03"]
    assert "(baseline)" in rows["table-row02"].select_one(".glm-label").get_text()
    assert not rows["table-row02"].select("mark, .glm-add, .glm-removed, .glm-changed")
    # Push vs pull: the same code, loading the other package's symbol.
    assert [m.get_text() for m in rows["table-row03"].select("mark.glm-chg")] == ["full/ciao.linkedInt64(SB)"]
    assert not rows["table-row03"].select(".glm-asm .glm-add")
    # No directive: ciao's own variable is loaded by an extra instruction, and the output changes.
    added = [r.select_one(".glm-ins").get_text() for r in rows["table-row01"].select(".glm-asm .glm-row.glm-add")]
    assert added == ["MOVQ full/ciao.linkedInt64(SB), CX"]
    assert not rows["table-row01"].select("mark")
    assert rows["table-row01"].select(".glm-otd pre.glm-changed")
    # The changed source line of each row is marked in its column.
    marked = [ln["data-src"] for ln in rows["table-row03"].select(".glm-line.glm-add")]
    assert marked == ["hello/hello.go:5"]


def test_table_baseline_by_name_and_failures(table_results):
    t = golink_magic.table(table_results)
    assert t.columns == ["hello/hello.go", "ciao/ciao.go"] and t.baseline == 0
    assert t.failures() == []
    try:
        golink_magic.table(table_results, baseline="nope")
    except ValueError as exc:
        assert "not one of the rows" in str(exc)
    else:
        raise AssertionError("unknown baseline accepted")


def test_gocompare_runs_cases_in_parallel_and_shows_the_table(shell):
    paths = " ".join(str(CASES / f"table-row0{i}.txtar") for i in (1, 2, 3))
    table = shell.run(f"%gocompare {paths} --columns hello/hello.go,ciao/ciao.go --baseline table-row02")
    assert isinstance(table, compare.CaseTable)
    assert [r.stdout for r in table.results] == [
        "hello.privInt64=5 ciao.linkedInt64=0\n", "hello.privInt64=5 ciao.linkedInt64=5\n",
        "hello.privInt64=5 ciao.linkedInt64=5\n"]
    bundle = table._repr_mimebundle_()
    assert "text/html" in bundle and "full/hello.privInt64(SB)  →  full/ciao.linkedInt64(SB)" not in bundle["text/plain"]
    assert "MOVQ full/hello.privInt64(SB), CX  →  MOVQ full/ciao.linkedInt64(SB), CX" in bundle["text/plain"]


def test_gocompare_fails_after_showing_the_table_when_a_case_misses(shell):
    shell.run(f"%gocompare {CASES / 'table-row02.txtar'}")
    shell.run("""
        %%gotxtar --case wrong
        expect: link-error
        -- main.go --
        package main

        func main() {}
        """)
    err = shell.fails("%gocompare table-row02 wrong")
    assert "1 of 2 rows missed their expectation: wrong: expected link-error, got ok" in str(err)
    assert type(err).__name__ == "UsageError"
    assert any("text/html" in b for b in shell.displayed())


def test_gocompare_user_errors_are_short(shell):
    assert "no case named 'nope'" in str(shell.fails("%gocompare nope"))
    shell.run(f"%gocompare {CASES / 'table-row01.txtar'}")
    assert "no such file" in str(shell.fails("%gocompare table-row01 --columns nothere.go"))
    assert "not one of the cases" in str(shell.fails("%gocompare table-row01 --baseline other"))
    assert "keeps its own expectation" in str(shell.fails("%gocompare table-row01 --expect ok"))
    assert "not a valid regular expression" in str(shell.fails("%gocompare table-row01 --function '('"))
