"""A course chapter as an nbgrader source assignment (``golink-magic nbgrader COURSE CHAPTER…``).

The chapter stays as it is, with three changes:

* each exercise's ``check("NAME")`` cell becomes a locked *autograder tests* cell,
  ``grade("NAME")``, worth ``points`` — it fails (no points) while the exercise is "Not yet";
* a prediction cell (tag ``predict:NAME``) stays the learner's to edit, and a locked
  ``grade("NAME")`` cell follows it;
* the solution cells (tag ``solution:NAME``) are left out, and saved outputs and widget state
  are cleared (nbgrader releases notebooks without outputs anyway).

Every other cell is an ordinary cell: learners edit the exercise's Go cells, and nbgrader keeps
their edits when it autogrades (it restores only the locked cells).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

CHECK = re.compile(r'^check\("([\w-]+)"\)\s*$')  # the last line of a chapter's check cell
GRADE_CELL = 'from golink_magic.exercises import grade\ngrade("{name}")'


def test_cell_metadata(name: str, points: int) -> dict:
    """nbgrader's metadata (schema 3) of a locked autograder-tests cell."""
    return {"grade": True, "grade_id": name, "locked": True, "points": points, "schema_version": 3,
            "solution": False, "task": False}


def _graded(name: str, points: int):
    cell = nbformat.v4.new_code_cell(GRADE_CELL.format(name=name))
    cell.metadata["nbgrader"] = test_cell_metadata(name, points)
    cell.metadata["tags"] = [f"graded:{name}"]
    return cell


def _tagged(cell, kind: str) -> str | None:
    """The exercise a cell's ``kind:NAME`` tag names, if it has one."""
    for tag in cell.metadata.get("tags", []):
        if tag.startswith(kind + ":"):
            return tag.split(":", 1)[1]
    return None


def assignment(chapter: nbformat.NotebookNode, points: int = 1) -> tuple[nbformat.NotebookNode, list[str]]:
    """The chapter as an nbgrader source notebook, and the names of its graded exercises."""
    cells, graded = [], []
    for cell in chapter.cells:
        if _tagged(cell, "solution"):
            continue
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            last = cell.source.rstrip().splitlines()[-1] if cell.source.strip() else ""
            predicted, checked = _tagged(cell, "predict"), CHECK.match(last)
            if predicted:
                cells += [cell, _graded(predicted, points)]
                graded.append(predicted)
                continue
            if checked:
                cells.append(_graded(checked.group(1), points))
                graded.append(checked.group(1))
                continue
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        k: v for k, v in chapter.metadata.items() if k in ("kernelspec", "language_info")})
    return notebook, graded


def write_source(course: Path, chapter_path: Path, points: int = 1) -> tuple[Path, list[str]]:
    """Write ``course/source/<chapter>/<chapter>.ipynb``; returns its path and graded exercises."""
    name = chapter_path.stem
    notebook, graded = assignment(nbformat.read(chapter_path, as_version=4), points)
    target = course / "source" / name / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return target, graded


CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
# nbgrader stops a cell after 30 s by default; a build on a cold Go cache can take longer
c.ExecutePreprocessor.timeout = 600
"""


def write_config(course: Path) -> Path | None:
    """``course/nbgrader_config.py`` with the course's root, its folder name as course id and a
    cell timeout long enough for Go builds, when the course has no configuration yet."""
    config = course / "nbgrader_config.py"
    if config.exists():
        return None
    course.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG.format(root=str(course.resolve()), course_id=course.resolve().name))
    return config
