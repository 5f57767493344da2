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
    assert verdict.message == "Not yet: leave hello/hello.go exactly as the exercise gave it."
    assert verdict._repr_mimebundle_()["text/plain"].startswith(verdict.message)


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


_HELLO_SECRET = 'package hello\n\nvar secret = "the cellar door is blue"\n'
# The cheats a learner who wants "Done" without doing the exercise tried (issue 23): each is a set
# of files written over the exercise's cells; the message must name the missing linker fact.
MORE_CHEATS = [
    ("export-secret", "hello embeds its own source and cuts the sentence out with a regex", {
        "hello/hello.go": 'package hello\n\nimport (\n\t_ "embed"\n\t"regexp"\n)\n\n//go:embed hello.go\nvar src string\n\n'
                          'var secret = "the cellar door is blue"\n\nvar Greeting = "hello to every package"\n\n'
                          'func Reveal() string { return regexp.MustCompile(`secret = "(.*)"`).FindStringSubmatch(src)[1] }\n'},
     "no compiled function of the module reads course/hello.secret"),
    ("fix-unsafe", "directive in a raw string, an exported getter added", {
        "hello/hello.go": _HELLO_SECRET + "\nfunc Secret() string { return secret }\n",
        "main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"course/hello"\n)\n\n'
                   'var _ = `//go:linkname secret course/hello.secret`\n\nfunc main() { fmt.Println("secret =", hello.Secret()) }\n'},
     "leave hello/hello.go"),
    ("fix-unsafe", "directive in a //go:build ignore file", {
        "ignored.go": "//go:build ignore\n\npackage main\n\nimport _ \"unsafe\"\n\n//go:linkname secret course/hello.secret\nvar secret string\n",
        "main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t_ "course/hello"\n)\n\nfunc main() { fmt.Println("secret = the cellar door is blue") }\n'},
     "keep the //go:linkname"),
    ("fix-unsafe", "a //go:embed of hello's source and a regex", {
        "main.go": 'package main\n\nimport (\n\t_ "embed"\n\t"fmt"\n\t"regexp"\n\t_ "unsafe"\n\n\t_ "course/hello"\n)\n\n'
                   '//go:embed hello/hello.go\nvar src string\n\n//go:linkname secret course/hello.secret\nvar secret string\n\n'
                   'func main() { fmt.Println("secret =", regexp.MustCompile(`"(.*)"`).FindStringSubmatch(src)[1]) }\n'},
     "main's object never references course/hello.secret"),
    ("write-through", "a setter added to hello", {
        "hello/hello.go": "package hello\n\nvar level int64 = 1\n\nfunc Level() int64 { return level }\n\nfunc SetLevel(v int64) { level = v }\n",
        "main.go": 'package main\n\nimport (\n\t"fmt"\n\t_ "unsafe"\n\n\t"course/hello"\n)\n\n//go:linkname level course/hello.level\n'
                   'var level int64\n\nfunc main() {\n\thello.SetLevel(7)\n\tfmt.Println("hello.Level() =", hello.Level())\n}\n'},
     "leave hello/hello.go"),
    ("write-through", "a literal printed after a real store", {
        "main.go": 'package main\n\nimport (\n\t"fmt"\n\t_ "unsafe"\n\n\t_ "course/hello"\n)\n\n//go:linkname level course/hello.level\n'
                   'var level int64\n\nfunc main() {\n\tlevel = 7\n\tfmt.Println("hello.Level() = 7")\n}\n'},
     "does not come from there at run time"),
    ("one-definition", "hello's directive commented out with /* */", {
        "hello/hello.go": "package hello\n\nimport _ \"unsafe\"\n\n/* //go:linkname hidden table/ciao.shadow */\nvar hidden int64 = 5\n\n"
                          "func HiddenValue() int64 { return hidden }\n",
        "ciao/ciao.go": "package ciao\n\nvar shadow int64 = 5\n\nfunc ShadowValue() int64 { return shadow }\n"},
     "leave main.go and hello/hello.go"),
    ("pull-function", "a different symbol pulled, its value printed", {
        "main.go": 'package main\n\nimport (\n\t"fmt"\n\t_ "unsafe"\n\n\t_ "course/hello"\n)\n\n//go:linkname triple course/hello.triple\n'
                   'func triple(n int64) int64\n\n//go:linkname answer runtime.ncpu\nvar answer int32\n\n'
                   'func main() { fmt.Println("triple(14) =", 42+0*answer) }\n'},
     "main's object never calls course/hello.triple"),
    ("annotated-pull", "the annotated pull declared but unused, another runtime call made", {
        "main.go": 'package main\n\nimport (\n\t"fmt"\n\t"time"\n\t_ "unsafe"\n)\n\n//go:linkname clock runtime.nanotime\nfunc clock() int64\n\n'
                   'func main() {\n\tm := map[int]int{}\n\tm[1] = 2\n\tfmt.Println("clock is running:", time.Now().UnixNano() > 0 && len(m) > 0)\n}\n'},
     "main's object never calls the runtime function main pulls"),
]


@pytest.mark.parametrize("name, what, files, said", MORE_CHEATS, ids=[f"{n}: {w}" for n, w, _, _ in MORE_CHEATS])
def test_a_cheat_gets_not_yet_with_the_missing_fact(shell, name, what, files, said):
    cells = next(p.values for p in EXERCISE_CELLS if p.values[0] == name)[1]
    for source in cells:
        if "check(" not in source:
            shell.run(source)
    for path, text in files.items():
        shell.run(f"%%gofile {path}\n{text}")
    verdict = shell.run(f'from golink_magic.exercises import check\ncheck("{name}")')
    assert not verdict.passed and verdict.message.startswith("Not yet: "), (what, verdict.message)
    assert said in verdict.message, (what, verdict.message)


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
    from golink_magic.course import framework
    framework._PREDICTIONS.clear()  # a new kernel
    result = shell.run(f'from golink_magic.course.exercises import check\ncheck("{name}")')
    assert not result.passed and "write your prediction first" in result.message
    wrong = shell.run(f'check("{name}", prediction="ok")')
    assert not wrong.passed and any("you predicted ok; it is link-error" in d for d in wrong.details)
    second = shell.run(f'check("{name}", prediction="link-error")')  # a second guess changes nothing
    assert not second.passed and "first prediction stands: ok; it is link-error" in second.message


@pytest.mark.parametrize("name, cells", PREDICTIONS)
def test_a_prediction_is_judged_on_its_own_case_not_the_live_module(shell, name, cells):
    from golink_magic.course import framework
    framework._PREDICTIONS.clear()
    shell.run("%goreset")
    shell.run('%%gofile main.go\npackage main\n\nfunc main() {}\n')
    verdict = shell.run(f'from golink_magic.exercises import check\ncheck("{name}", prediction="ok")')
    assert not verdict.passed, verdict.message
    right = shell.run(f'framework_first = None\ncheck("{name}", prediction="link-error")')
    assert not right.passed
