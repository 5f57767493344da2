"""The exercise checks: each rejects the unedited exercise cell and accepts the course's solution,
run the way a learner runs them (the notebook's own cells, in a real IPython shell)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from golink_magic import Options
from golink_magic.exercises import EXERCISES, Verdict, check, judge

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def _exercises():
    """(name, cells to run, index of the exercise cell among them, solution Go code)."""
    found = []
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            tag = next((t for t in cell.metadata.get("tags", []) if t.startswith("exercise:")), None)
            if not tag:
                continue
            name = tag.split(":", 1)[1]
            start = max(j for j in range(i) if cells[j].source.strip() == "%goreset")
            stop = next(j for j in range(i, len(cells)) if f'check("{name}")' in cells[j].source)
            solution = next(c for c in cells[i:] if f"solution:{name}" in c.metadata.get("tags", []))
            go = re.search(r"```go\n(.*?)```", solution.source, re.S).group(1)
            code = [c.source for c in cells[start:stop + 1] if c.cell_type == "code"]
            found.append(pytest.param(name, code, code.index(cell.source), go, id=name))
    return found


EXERCISE_CELLS = _exercises()


def test_every_exercise_is_in_a_notebook():
    assert sorted(p.values[0] for p in EXERCISE_CELLS) == sorted(EXERCISES)


def _verdict(shell, cells) -> Verdict:
    result = None
    for source in cells:
        result = shell.run(source)
    assert isinstance(result, Verdict)
    return result


@pytest.mark.parametrize("name, cells, at, solution", EXERCISE_CELLS)
def test_check_rejects_the_unedited_cell_and_accepts_the_solution(shell, name, cells, at, solution):
    before = _verdict(shell, cells)
    assert not before.passed, before.message
    magic_line = cells[at].splitlines()[0]
    solved = cells[:at] + [magic_line + "\n" + solution] + cells[at + 1:]
    after = _verdict(shell, solved)
    assert after.passed, after.message
    for verdict in (before, after):
        assert len(re.findall(r"[.!?](\s|$)", verdict.message)) == 1, verdict.message  # one sentence
    assert solution.strip() not in before.message


def test_judge_names_the_first_missing_requirement(session):
    session.write("main.go", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n')
    verdict = judge("fix-unsafe", session.run(Options(no_objdump=True)))
    assert not verdict.passed and verdict.message == "Not yet: main does not print hello's secret yet."
    assert verdict._repr_mimebundle_()["text/plain"] == verdict.message


def test_a_build_failure_is_a_verdict_not_an_exception(session):
    session.write("main.go", "package main\n\nfunc main() { undefinedThing() }\n")
    verdict = check("pull-function", session=session)
    assert not verdict.passed and "does not build" in verdict.message


def test_empty_module_and_unknown_exercise(session):
    assert "module is empty" in check("fix-unsafe", session=session).message
    with pytest.raises(KeyError, match="no exercise named 'nope'"):
        check("nope", session=session)


def test_goarch_of_the_exercise_is_used(session):
    session.write("main.go", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("value()=5") }\n')
    assert check("method-receiver", session=session).passed
    amd64 = session.run(Options(no_objdump=True))
    assert "GOARCH=386" in judge("method-receiver", amd64).message
