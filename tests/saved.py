"""Results saved from real runs, for the fast test tier (``make check``): views, compare and
widgets are tested on these without building Go.

``scripts/save_fixtures.py`` re-creates them; ``tests/test_saved_fixtures.py`` (Go tier) checks
that a real run still gives what was saved, so they cannot silently go stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from golink_magic import Options, Result, diff, load_case, table
from golink_magic.render import view

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "results"
CASES = ROOT / "notebooks" / "cases"

ESCAPES = """package main

import "fmt"

func main() {
	a, b := 1, 2
	if a < b && b > 0 {
		fmt.Println("<b>tags</b> & ampersands")
	}
}
"""

BROKEN = """package main

func main() {
	var x int = "a < b & c"
}
"""

PANICS = """package main

func main() {
	panic("boom <here>")
}
"""

# name → (case file stem or None, files when no case, options)
SPECS: dict[str, tuple[str | None, dict[str, str] | None, Options]] = {
    "table-row01": ("table-row01", None, Options()),
    "table-row02": ("table-row02", None, Options()),
    "table-row03": ("table-row03", None, Options()),
    "push-386": ("table-row03", None, Options(goarch="386")),
    "escapes": (None, {"main.go": ESCAPES}, Options(expect="ok")),
    "broken": (None, {"main.go": BROKEN}, Options(expect="compile-error")),
    "panics": (None, {"main.go": PANICS}, Options(expect="panic")),
}


def run_spec(name: str, session) -> Result:
    """Run fixture ``name`` for real in ``session`` (a :class:`golink_magic.Session`)."""
    stem, files, opts = SPECS[name]
    if stem is not None:
        case = load_case(CASES / f"{stem}.txtar")
        session.save_case(stem, case.files, case.options)
        return session.run(opts.copy(), case=stem)
    session.reset()
    for path, text in files.items():
        session.write(path, text)
    return session.run(opts.copy())


def load(name: str) -> Result:
    """Saved fixture ``name``."""
    return Result.from_dict(json.loads((FIXTURES / f"{name}.json").read_text()))


def save(name: str, result: Result) -> Path:
    """Write ``result`` as fixture ``name``."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / f"{name}.json"
    path.write_text(json.dumps(result.to_dict(), indent=1) + "\n")
    return path


def views() -> dict[str, str]:
    """Each kind of view (single case, case table, matrix, diff) rendered from saved results."""
    rows = [load(n) for n in ("table-row01", "table-row02", "table-row03")]
    return {
        "single": view.render_html(rows[1]),
        "table": view.render_table(table(rows, ["hello/hello.go", "ciao/ciao.go"])),
        "matrix": view.render_matrix([rows[2], load("push-386")]),
        "diff": view.render_diff_html(diff(rows[0], rows[1])),
    }


def tooltip(html: str, element) -> str | None:
    """The hover text a view's CSS gives ``element`` (a BeautifulSoup tag with a ``glm-ohN``
    class): operand help lives once per view in its style, not on every operand."""
    import re

    for cls in element.get("class", []):
        if re.fullmatch(r"glm-oh\d+", cls):
            m = re.search(r"\." + cls + r":hover::after[^{]*\{content:\"((?:[^\"\\]|\\.)*)\"\}", html)
            if m:
                return re.sub(r"\\(.)", r"\1", m.group(1).replace("\\3c ", "<"))
    return element.get("title")
