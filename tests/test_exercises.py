"""The exercise checks: each rejects the unedited exercise cell and accepts the course's solution,
run the way a learner runs them (the notebook's own cells, in a real IPython shell)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from golink_magic import CaseError

from golink_magic import Options
from golink_magic.course.exercises import EXERCISES, Verdict, check, judge

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


def _register_chapter_exercises() -> None:
    """Run the notebooks' own registration cells (tag register-exercise), as a kernel would."""
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if "register-exercise" in cell.metadata.get("tags", []):
                exec(compile(cell.source, f"{path.name}:register-exercise", "exec"), {})


def test_every_exercise_is_in_a_notebook():
    _register_chapter_exercises()
    assert sorted(p.values[0] for p in EXERCISE_CELLS) == sorted(n for n, ex in EXERCISES.items() if not ex.predict)


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
    assert not verdict.passed
    assert verdict.message == "Not yet: keep the //go:linkname directive that pulls course/hello.secret."
    assert verdict._repr_mimebundle_()["text/plain"] == verdict.message


def test_a_build_failure_is_a_verdict_that_shows_the_error(session):
    session.write("main.go", "package main\n\nfunc main() { undefinedThing() }\n")
    verdict = check("pull-function", session=session)
    assert not verdict.passed and "does not build" in verdict.message
    assert any("undefined: undefinedThing" in d for d in verdict.details)
    assert "undefined: undefinedThing" in verdict._repr_mimebundle_()["text/html"]


def test_empty_module_and_unknown_exercise(session):
    assert "module is empty" in check("fix-unsafe", session=session).message
    with pytest.raises(CaseError, match="no exercise named 'nope'"):
        check("nope", session=session)


# Programs that print exactly what each exercise expects without doing what it asks.
CHEATS = {
    "export-secret": ("hello/hello.go", 'package hello\n\nvar secret = "the cellar door is blue"\n\n'
                      'var Greeting = "hello to every package"\n\nfunc Reveal() string { return "the cellar door is blue" }\n'),
    "fix-unsafe": ("main.go", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("secret = the cellar door is blue") }\n'),
    "pull-function": ("main.go", 'package main\n\nimport "fmt"\n\nfunc triple(n int64) int64 { return 3 * n }\n\n'
                      'func main() { fmt.Println("triple(14) =", triple(14)) }\n'),
    "write-through": ("main.go", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello.Level() = 7") }\n'),
    "one-definition": ("ciao/ciao.go", "package ciao\n\nvar shadow int64\n\nfunc ShadowValue() int64 { return 5 }\n"),
    "method-receiver": ("ciao/ciao.go", 'package ciao\n\nimport (\n\t"fmt"\n\t_ "unsafe"\n\n\t_ "full/hello"\n)\n\n'
                        "//go:linkname value full/hello.Box.value\nfunc value() int64\n\n"
                        'func Extra() { fmt.Printf("value()=%d\\n", 5) }\n'),
    "private-field": ("ciao/ciao.go", 'package ciao\n\nimport (\n\t_ "unsafe"\n\n\t_ "full/hello"\n)\n\n'
                      "type ticketCopy struct {\n\tseat int64\n}\n\n//go:linkname issue full/hello.newTicket\n"
                      "func issue() *ticketCopy\n\nfunc Seat() int64 { return 42 }\n"),
    "annotated-pull": ("main.go", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("clock is running:", true) }\n'),
}


def test_every_exercise_has_a_cheat_test():
    assert set(CHEATS) == {name for name, ex in EXERCISES.items() if not ex.predict}


@pytest.mark.parametrize("name, cells, at, solution", EXERCISE_CELLS)
def test_a_program_that_only_prints_the_answer_is_not_yet(shell, name, cells, at, solution):
    path, cheat = CHEATS[name]
    for source in cells[:at]:
        shell.run(source)
    for source in cells[at:]:
        if source.startswith("%%gofile"):
            continue  # the learner's own cells are replaced by the cheat
        if "check(" in source:
            shell.run(f"%%gofile {path}\n{cheat}")
        result = shell.run(source)
    assert isinstance(result, Verdict) and not result.passed, (name, result.message)
    assert result.message.startswith("Not yet: ")


def _predictions():
    """(name, cells up to and including the check) of every prediction exercise in the notebooks."""
    found = []
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            tag = next((t for t in cell.metadata.get("tags", []) if t.startswith("predict:")), None)
            if tag:
                name = tag.split(":", 1)[1]
                start = max(j for j in range(i) if cells[j].source.strip() == "%goreset")
                code = [c.source for c in cells[start:i + 1] if c.cell_type == "code"]
                found.append(pytest.param(name, code, id=name))
    return found


PREDICTIONS = _predictions()


def test_prediction_exercises_are_in_the_notebooks():
    assert sorted(p.values[0] for p in PREDICTIONS) == sorted(n for n, ex in EXERCISES.items() if ex.predict)
    assert len(PREDICTIONS) >= 2


@pytest.mark.parametrize("name, cells", PREDICTIONS)
def test_a_prediction_is_checked_against_what_happens(shell, name, cells):
    for source in cells[:-1]:
        shell.run(source)
    result = shell.run(f'from golink_magic.course.exercises import check\ncheck("{name}")')
    assert not result.passed and "write your prediction first" in result.message
    actual = shell.run(f'check("{name}", prediction="link-error")')
    wrong = shell.run(f'check("{name}", prediction="ok")')
    assert actual.passed != wrong.passed
    assert any("you predicted" in d for d in (wrong if actual.passed else actual).details)
