"""The course notebooks: each runs from a fresh kernel with no error (real kernels via nbclient,
two at a time), shows what its text claims, matches its source in notebooks/src/, and marks
every run either with an expected outcome or as exploratory."""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOURCES = sorted((ROOT / "notebooks" / "src").glob("*.md"))

# Text each executed notebook must show: the facts its prose builds on.
CLAIMS = {
    "00-start-here.ipynb": ["only hello may read this", "course/hello.motto(SB)"],
    "01-exported-and-directives.ipynb": ["undefined: hello.secret", "CALL main.sub(SB)", "MOVL $0x3, AX"],
    "02-linkname-basics.ipynb": [
        "borrowed = the cellar door is blue", "course/hello.secret(SB)",
        '//go:linkname only allowed in Go files that import "unsafe"',
        "relocation target course/hello.double not defined", "years = 0", "years = 5"],
    "03-vars-bytes-funcs.ipynb": [
        "counter: hello=5 ciao=5", "label:   hello=from hello ciao=from hello", "ciao.Add(10) = 15",
        "CALL course/hello.addCounter(SB)", "missing function body", "answer() = 42",
        "TEXT main.answer(SB) hello/hello.go", "relocation target main.answer not defined"],
    "04-proving-the-reference.ipynb": [
        "hello.Age()   = 10", "MOVQ $0xa, main.years(SB)", "MOVQ $0xa, course/hello.years(SB)",
        "CMPQ SP, 0x10(R14)", "total = 42",
        "main.years         in the binary: false", "MOVL $0x0, course/hello.years+4(SB)"],
    "05-exceptional-uses.ipynb": [
        "duplicated definition of symbol table/hello.hidden",
        "duplicated definition of symbol table/ciao.shadow",
        "hello.hidden=0 ciao.shadow=10", "ciao.MethodAsFunc()=5",
        'hello.Public{}.ShadowValue()=10', "(type SNOPTRDATA size 8)"],
    "06-methods-and-abi.ipynb": ["valueNoRecv()=777", "c.Get()=888", "c.Get()=10", "c.Sum()=42"],
    "07-clever-uses.ipynb": [
        "vault code = 100", "relocation target runtime.getg not defined", "TLS_CHACHA20_POLY1305_SHA256",
        "duplicated definition of symbol runtime.mallocgc",
        "buf[0] = 42 buf[1] = 0"],
    "08-go123-lockdown.ipynb": [
        "invalid reference to strings.indexFunc", "first non-space at 3",
        "flag provided but not defined: -checklinkname", "monotonic clock is positive: true", "pulled = 5",
        "invalid reference to runtime.addmoduledata", "invalid reference to runtime.bootstrapRand",
        "seven() = 7", "invalid reference to runtime.nanotime1", "//go:linknamestd bootstrapRand"],
}

_RUN_LINE = re.compile(r"^\s*%(gorun|gocase\s+\S)")


def _execute(path: Path, workdir: str) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": workdir}}).execute()
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Every notebook executed from a fresh kernel, two kernels at a time; name → notebook."""
    workdir = str(tmp_path_factory.mktemp("nbrun"))
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = {p.name: pool.submit(_execute, p, workdir) for p in NOTEBOOKS}
        return {name: _outcome(f) for name, f in futures.items()}


def _outcome(future):
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - reported by the test of that notebook
        return exc


def _shown(nb) -> str:
    return "\n".join(str(o.get("data", {}).get(kind, "")) + str(o.get("text", ""))
                     for c in nb.cells for o in c.get("outputs", []) for kind in ("text/plain", "text/html"))


def test_every_notebook_has_a_source_and_claims():
    assert NOTEBOOKS, "no notebooks found"
    assert [p.stem for p in NOTEBOOKS] == [p.stem for p in SOURCES]
    assert set(CLAIMS) <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_clean_and_shows_its_claims(path, executed):
    nb = executed[path.name]
    if isinstance(nb, Exception):
        raise nb
    errors = [f"{o.ename}: {o.evalue}" for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    text = _shown(nb)
    missing = [claim for claim in CLAIMS.get(path.name, []) if claim not in text]
    assert not missing, f"{path.name} no longer shows: {missing}"


@pytest.mark.parametrize("source", SOURCES, ids=[p.name for p in SOURCES])
def test_saved_notebook_matches_its_source(source):
    """The committed .ipynb was built from the current source (scripts/build_notebooks.py)."""
    want = [(c.cell_type, c.source) for c in jupytext.read(source).cells]
    saved = nbformat.read(source.parent.parent / f"{source.stem}.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in saved.cells] == want, "rebuild: .venv/bin/python scripts/build_notebooks.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_saved_with_outputs_and_html_fallback(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and re.search(r"^%(gorun|gocompare)", cell.source, re.M):
            bundles = [o.get("data", {}) for o in cell.get("outputs", [])]
            assert any("text/html" in b and "text/plain" in b for b in bundles), cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_run_expects_an_outcome_or_is_exploratory(path):
    """A claim is a run with --expect; a run without one is allowed only in a cell tagged exploratory."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        exploratory = "exploratory" in cell.metadata.get("tags", [])
        for line in cell.source.splitlines():
            if _RUN_LINE.match(line) and not exploratory:
                assert "--expect" in line, f"{path.name}: `{line}` needs --expect or the exploratory tag"
        if cell.source.startswith("%%gotxtar") and "--case" in cell.source.splitlines()[0]:
            assert re.search(r"^expect:", cell.source, re.M) or exploratory, cell.source


def test_exploratory_cells_exist_only_where_needed():
    """The tag is an exception: keep it rare so that the course stays a list of checked claims."""
    tagged = [c for p in NOTEBOOKS for c in nbformat.read(p, as_version=4).cells
              if "exploratory" in c.metadata.get("tags", [])]
    runs = [c for p in NOTEBOOKS for c in nbformat.read(p, as_version=4).cells
            if c.cell_type == "code" and re.search(r"^%(gorun|gocompare)", c.source, re.M)]
    assert len(tagged) <= len(runs) // 5


def test_runs_that_show_output_check_its_values():
    """Every run expected to print (an `ok` outcome) states what it prints or which symbols its
    listing, its program or its compiled objects name, and at least 95% of all runs (failing builds included:
    the error text the prose quotes, --expect-build) carry such a value check."""
    runs = [line for src in SOURCES for line in src.read_text().splitlines() if re.match(r"^\s*%(gorun|gocase)\b", line)]
    checked = [r for r in runs if re.search(r"--expect-(stdout|build|ref|sym|reloc)\b", r)]
    assert len(checked) >= 0.95 * len(runs), f"{len(checked)} of {len(runs)} runs check a value"
    unchecked_ok = [r for r in runs if re.search(r"--expect ok\b", r) and r not in checked]
    assert not unchecked_ok, unchecked_ok
