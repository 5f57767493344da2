"""Graded exercises on a real nbgrader course: chapter 1 written as a source assignment by
`golink-magic nbgrader`, generated and released by nbgrader, fetched and submitted by learners,
collected and autograded.  The learner who solved the exercise gets its point; learners who
print the answer without the mechanism, or who also rewrite the locked grading cell, get none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.go

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "notebooks" / "01-exported-and-directives.ipynb"
NAME = CHAPTER.stem
START = 'package hello\n\nvar secret = "the cellar door is blue"\n\nvar Greeting = "hello to every package"\n'
HONEST = START + "\n// Reveal is exported.\nfunc Reveal() string { return secret }\n"
LITERAL = START + '\nfunc Reveal() string { return "the cellar door is blue" }\n'
CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "linkname"
c.Exchange.root = {exchange!r}
c.Exchange.cache = {cache!r}
c.ExecutePreprocessor.timeout = 600
c.ExchangeCollect.check_owner = False  # the test submits every learner's copy as one Unix user
"""


def _nbgrader(cwd: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done


def _edit(notebook: Path, exercise_cell: str, grade_cell: str | None = None) -> None:
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        tags = cell["metadata"].get("tags", [])
        if "exercise:export-secret" in tags:
            cell["source"] = "%%gofile hello/hello.go\n" + exercise_cell
        if grade_cell is not None and "graded:export-secret" in tags:
            cell["source"] = grade_cell
    notebook.write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("nbgrader")
    course, exchange = base / "course", base / "exchange"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",  # nbgrader runs alembic
           "JUPYTER_RUNTIME_DIR": str(base / "runtime")}
    made = subprocess.run([sys.executable, "-m", "golink_magic", "nbgrader", str(course), str(CHAPTER)],
                          capture_output=True, text=True, env=env)
    assert made.returncode == 0, made.stderr
    config = CONFIG.format(root=str(course), exchange=str(exchange), cache=str(base / "cache"))
    (course / "nbgrader_config.py").write_text(config)
    _nbgrader(course, "generate_assignment", NAME, env=env)
    _nbgrader(course, "release_assignment", NAME, env=env)
    learners = {
        "honest": (HONEST, None),
        "literal": (LITERAL, None),
        "tamperer": (LITERAL, 'print("Done: main prints hello\'s secret through an exported name.")'),
    }
    for learner, (go, grade_cell) in learners.items():
        home = base / "learners" / learner
        home.mkdir(parents=True)
        (home / "nbgrader_config.py").write_text(config)
        _nbgrader(home, "fetch_assignment", NAME, env=env)
        _edit(home / NAME / f"{NAME}.ipynb", go, grade_cell)
        _nbgrader(home, "submit", NAME, f"--student={learner}", env=env)
    _nbgrader(course, "collect", NAME, env=env)
    _nbgrader(course, "autograde", NAME, env=env)
    from nbgrader.api import Gradebook  # noqa: PLC0415

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        scores = {learner: book.find_submission(NAME, learner).score for learner in learners}
        possible = book.find_assignment(NAME).max_score
    return course, scores, possible


def _graded_cell(course: Path, learner: str) -> dict:
    nb = json.loads((course / "autograded" / learner / NAME / f"{NAME}.ipynb").read_text())
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "export-secret")


def test_the_released_chapter_has_the_exercise_as_a_locked_graded_cell(graded):
    course, _, possible = graded
    released = json.loads((course / "release" / NAME / f"{NAME}.ipynb").read_text())
    cell = next(c for c in released["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "export-secret")
    assert "".join(cell["source"]) == 'from golink_magic.exercises import grade\ngrade("export-secret")'
    assert cell["metadata"]["nbgrader"]["locked"] and cell["metadata"]["editable"] is False
    assert possible == 1
    assert "Solution (click to open)" not in json.dumps(released)


def test_done_gets_the_point(graded):
    course, scores, _ = graded
    assert scores["honest"] == 1
    out = "".join(o.get("text", "") + json.dumps(o.get("data", {})) for o in _graded_cell(course, "honest")["outputs"])
    assert "Done: main prints hello's secret through an exported name" in out


def test_not_yet_gets_nothing_and_says_what_is_missing(graded):
    course, scores, _ = graded
    assert scores["literal"] == 0
    error = next(o for o in _graded_cell(course, "literal")["outputs"] if o["output_type"] == "error")
    assert error["ename"] == "NotYet"
    assert error["evalue"].startswith("Not yet: main.main never reaches into package hello yet.")


def test_a_rewritten_grading_cell_is_put_back_and_gets_nothing(graded):
    course, scores, _ = graded
    assert scores["tamperer"] == 0
    cell = _graded_cell(course, "tamperer")
    assert "".join(cell["source"]).endswith('grade("export-secret")')
    assert any(o["output_type"] == "error" and o["ename"] == "NotYet" for o in cell["outputs"])
