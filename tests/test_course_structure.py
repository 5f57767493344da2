"""The course's bookkeeping (no Go): the index, the Next links and the exercise cells agree with
the chapter files, and a new chapter written by docs/authoring.md alone passes the same check."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import check_course  # noqa: E402

# A chapter as docs/authoring.md describes it, with its own registered exercise.
NEW_CHAPTER = '''---
jupyter:
  kernelspec:
    display_name: Python 3
    language: python
    name: python3
---

# 9. The stack check, and how //go:nosplit removes it

Every Go function starts by checking that its stack is big enough.

```python
%load_ext golink_magic
```

```python
%goreset
```

```python tags=["register-exercise"]
from golink_magic.course.exercises import Exercise, register, builds, runs, prints, references, value_from
register(Exercise("nosplit-add", "main calls add and prints its sum", [
    builds(), runs(),
    references("main.add", "call", missing="main.main does not call main.add yet"),
    prints("sum = 42", "the program does not print sum = 42 yet"),
    value_from("main.go", "const seed = 40", "const seed = 50", "sum = 52"),
]))
```

```python tags=["exercise:nosplit-add"]
%%gofile main.go
package main

import "fmt"

const seed = 40

func main() { fmt.Println("sum =", seed) }
```

```python
from golink_magic.course.exercises import check
check("nosplit-add")
```

<!-- #region tags=["solution:nosplit-add"] -->
<details><summary>Solution</summary>

```go
package main

import "fmt"

const seed = 40

//go:noinline
func add(a, b int) int { return a + b }

func main() { fmt.Println("sum =", add(seed, 2)) }
```

</details>
<!-- #endregion -->
'''


def test_the_course_agrees_with_its_index():
    assert check_course.problems() == []


def add_chapter(src: Path) -> None:
    """Do what docs/authoring.md says: the file, the index row, the previous Next link."""
    last = check_course.chapters(src)[-1]
    (src / "09-nosplit.md").write_text(NEW_CHAPTER)
    index = src / "00-index.md"
    text = index.read_text()
    row = next(line for line in text.splitlines() if f"({last.stem}.ipynb)" in line and line.startswith("|"))
    index.write_text(text.replace(row, row + "\n| 9 | [The stack check](09-nosplit.ipynb) | the prologue, folded open |"))
    last.write_text(last.read_text().rstrip("\n") + "\n\nNext: [9. The stack check](09-nosplit.ipynb)\n")


@pytest.fixture
def course_copy(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "notebooks" / "src", src)
    return src


def test_a_new_chapter_following_the_guide_passes_the_check(course_copy):
    add_chapter(course_copy)
    assert check_course.problems(course_copy) == []


def test_a_forgotten_index_row_or_next_link_is_reported(course_copy):
    before = check_course.chapters(course_copy)[-1]
    add_chapter(course_copy)
    index = course_copy / "00-index.md"
    with_row = index.read_text()
    index.write_text("\n".join(ln for ln in with_row.splitlines() if "09-nosplit" not in ln))
    assert any("00-index.md lists" in p for p in check_course.problems(course_copy))
    index.write_text(with_row)
    before.write_text(before.read_text().replace("(09-nosplit.ipynb)", "(10-nothere.ipynb)"))
    assert [p for p in check_course.problems(course_copy) if before.name in p and "Next:" in p]


@pytest.mark.go
def test_the_new_chapters_exercise_rejects_the_unedited_cell(course_copy, tmp_path):
    """Built with the course's own builder and run in a real kernel: the chapter registers its
    exercise itself, and the check says Not yet for the cell as given."""
    import build_notebooks

    add_chapter(course_copy)
    nb = build_notebooks.convert(course_copy / "09-nosplit.md")
    error = build_notebooks.execute(nb, "09-nosplit.ipynb")
    assert error is None, error
    verdict = next(o for c in nb.cells if 'check("nosplit-add")' in c.source for o in c.outputs)
    assert verdict["data"]["text/plain"].startswith("Not yet: main.main does not call main.add yet.")
