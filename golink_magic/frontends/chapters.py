"""Running course chapters ahead of time (``golink-magic warm … notebooks/``): each notebook is
executed in a fresh kernel, so every build its cells make lands in the result cache — on a host,
the read-only one every learner reads (:mod:`golink_magic.engine.syscache`)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import nbformat


def split_paths(paths: list[str]) -> tuple[list[Path], list[str]]:
    """The notebooks (``.ipynb`` files, or those in a folder) and the other paths (cases)."""
    notebooks, rest = [], []
    for raw in paths:
        path = Path(raw)
        if path.suffix == ".ipynb":
            notebooks.append(path)
        elif path.is_dir() and any(path.glob("*.ipynb")):
            notebooks += sorted(path.glob("*.ipynb"))
            rest += [raw] if any(path.glob("*.txtar")) else []
        else:
            rest.append(raw)
    return notebooks, rest


def run_chapter(path: Path, timeout: int = 1800) -> tuple[float, list[str]]:
    """Execute the notebook at ``path`` in a fresh kernel (in a scratch folder, nothing saved);
    returns the seconds it took and one line per cell that failed."""
    from nbclient import NotebookClient  # noqa: PLC0415 - only the warm step runs notebooks

    notebook = nbformat.read(path, as_version=4)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="golink-warm-") as scratch:
        NotebookClient(notebook, timeout=timeout, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": scratch}}).execute()
    failed = []
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                failed.append(f"{path.name}: {cell.source.splitlines()[0][:60] if cell.source else ''}: "
                              f"{out.get('ename')}: {str(out.get('evalue', ''))[:200]}")
    return time.monotonic() - start, failed
