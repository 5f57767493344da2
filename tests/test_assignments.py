"""A chapter as an nbgrader source assignment (frontends/assignments.py, `golink-magic nbgrader`):
the check cells become locked graded cells, a prediction stays editable with a graded cell after
it, the solutions are left out — on the course's own saved chapters."""

from __future__ import annotations

from pathlib import Path

import nbformat

from golink_magic.frontends import assignments, cli

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _chapter(name: str) -> nbformat.NotebookNode:
    return nbformat.read(next(NOTEBOOKS.glob(f"{name}*.ipynb")), as_version=4)


def test_every_exercise_of_the_course_becomes_one_graded_cell():
    from golink_magic.exercises import EXERCISES

    graded = []
    for path in sorted(NOTEBOOKS.glob("0*.ipynb")):
        graded += assignments.assignment(nbformat.read(path, as_version=4))[1]
    assert sorted(graded) == sorted(EXERCISES)


def test_the_check_cell_becomes_a_locked_test_cell_and_the_solution_is_gone():
    chapter = _chapter("01")
    source, graded = assignments.assignment(chapter, points=2)
    assert graded == ["export-secret"]
    tests = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.source for c in tests] == ['from golink_magic.exercises import grade\ngrade("export-secret")']
    meta = tests[0].metadata["nbgrader"]
    assert (meta["locked"], meta["points"], meta["solution"], meta["grade_id"]) == (True, 2, False, "export-secret")
    text = "\n".join(c.source for c in source.cells)
    assert "Solution (click to open)" in "\n".join(c.source for c in chapter.cells)
    assert "Solution (click to open)" not in text and 'check("export-secret")' not in text
    # the exercise's Go cell is the learner's to edit: kept, and not an nbgrader cell
    start = next(c for c in source.cells if "exercise:export-secret" in c.metadata.get("tags", []))
    assert "nbgrader" not in start.metadata and start.source.startswith("%%gofile hello/hello.go")
    assert all(c.get("outputs", []) == [] for c in source.cells) and "widgets" not in source.metadata
    nbformat.validate(source)


def test_a_prediction_stays_editable_and_is_graded_right_after():
    source, graded = assignments.assignment(_chapter("05"))
    assert graded == ["predict-duplicate", "one-definition"]
    at = next(i for i, c in enumerate(source.cells) if "predict:predict-duplicate" in c.metadata.get("tags", []))
    assert "nbgrader" not in source.cells[at].metadata and 'prediction=""' in source.cells[at].source
    assert source.cells[at + 1].source.endswith('grade("predict-duplicate")')
    assert source.cells[at + 1].metadata["nbgrader"]["locked"] is True


def test_the_command_writes_the_course_source_folder(tmp_path, capsys):
    chapter = next(NOTEBOOKS.glob("03*.ipynb"))
    assert cli.main(["nbgrader", str(tmp_path), str(chapter)]) == 0
    written = tmp_path / "source" / chapter.stem / chapter.name
    assert nbformat.read(written, as_version=4).cells
    said = capsys.readouterr().out
    assert f"wrote {written}: graded pull-function, 1 point each" in said
    config = (tmp_path / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.root = {str(tmp_path)!r}" in config and "ExecutePreprocessor.timeout = 600" in config
    assert f"c.CourseDirectory.course_id = {tmp_path.name!r}" in config
    (tmp_path / "nbgrader_config.py").write_text("# the instructor's own\n")
    assert cli.main(["nbgrader", str(tmp_path), str(chapter)]) == 0
    assert (tmp_path / "nbgrader_config.py").read_text() == "# the instructor's own\n"  # never overwritten
    assert f"nbgrader generate_assignment $a" in said
    assert cli.main(["nbgrader", str(tmp_path), "README.md"]) == 2
    assert "README.md: not a chapter notebook (.ipynb)" in capsys.readouterr().err
