#!/usr/bin/env python3
"""Build the course notebooks from their text sources and execute them.

Sources are Jupytext Markdown files in ``notebooks/src/`` (one per notebook, easy to review);
each becomes ``notebooks/<name>.ipynb``, executed from a fresh kernel with its outputs and
widget state saved, so it reads on GitHub/nbviewer without a kernel.

    .venv/bin/python scripts/build_notebooks.py            # build and execute all
    .venv/bin/python scripts/build_notebooks.py 05 08      # only notebooks whose name starts so
    .venv/bin/python scripts/build_notebooks.py --no-execute

Exit status 1 when a notebook raised an error (the notebook is still written, error included).
"""

from __future__ import annotations

import argparse
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


def convert(source: Path) -> nbformat.NotebookNode:
    """The notebook of a Jupytext source, without Jupytext's pairing metadata."""
    nb = jupytext.read(source)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 600) -> str | None:
    """Run ``nb`` in place from a fresh kernel (cwd ``notebooks/``); the error text, if any."""
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        return f"{exc.ename}: {exc.evalue}"
    # a failing display hook shows an error output without failing the cell
    shown = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    return f"{shown[0].ename}: {shown[0].evalue}" if shown else None


def build(source: Path, run: bool = True) -> tuple[str, str | None, float]:
    """Convert (and execute) one source; returns (notebook name, error or None, seconds)."""
    start = time.monotonic()
    nb = convert(source)
    error = execute(nb) if run else None
    target = NOTEBOOKS / f"{source.stem}.ipynb"
    nbformat.write(nb, target)
    return target.name, error, time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="build only sources whose name starts with one of these")
    parser.add_argument("--no-execute", action="store_true", help="convert only, without outputs")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="notebooks executed in parallel")
    args = parser.parse_args(argv)
    sources = sorted(p for p in SOURCES.glob("*.md")
                     if not args.prefixes or any(p.name.startswith(x) for x in args.prefixes))
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
