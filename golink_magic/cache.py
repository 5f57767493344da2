"""The result cache: a build and listing of identical files, options and toolchain is reused
(the program itself always runs again).  Entries live in the user cache dir, shared by kernels;
any error reading one is a miss, and a failed or interrupted listing is never stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

from .options import Options
from .result import Result
from .toolchain import Toolchain, cache_root
from .version import VERSION


RESULT_CACHE_ENTRIES = 256
_CODE_FILES = ("version.py", "runner.py", "plan.py", "objdump.py", "result.py", "workspace.py", "outcome.py", "options.py")


def _code_fingerprint() -> str:
    # Cached listings are only as good as the code that parsed them: a changed parser (even
    # between releases, in a development checkout) must not reuse them.
    here = Path(__file__).parent
    digest = hashlib.sha256(VERSION.encode())
    for name in _CODE_FILES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


_CODE = _code_fingerprint()


def entry_for(files: dict[str, str], options: Options, toolchain: Toolchain) -> Path:
    """The cache folder of this build (it may not exist)."""
    blob = json.dumps([files, options.build_key(), toolchain.version, str(toolchain.go), _CODE], sort_keys=True)
    return cache_root() / "results" / hashlib.sha256(blob.encode()).hexdigest()[:32]


def load(entry: Path, binary: Path) -> Result | None:
    """The cached result of ``entry`` (its binary copied to ``binary``), or None on any miss.

    Another process may be replacing or pruning the entry at the same moment: any error is a miss.
    """
    try:
        cached = Result.from_dict(json.loads((entry / "result.json").read_text()))
        if cached.outcome not in ("compile-error", "link-error"):
            shutil.copy2(entry / "prog", binary)
        os.utime(entry)  # pruning keeps the most recently used entries
        return cached
    except (OSError, ValueError, TypeError, KeyError):
        return None


def store(entry: Path, result: Result, binary: Path | None) -> None:
    """Keep ``result`` (without what the program printed) and its binary under ``entry``."""
    tmp = entry.with_name(entry.name + f".tmp{os.getpid()}.{threading.get_ident()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        data = result.to_dict()
        data.update(stdout="", stderr="", exit_code=None, signal=None)
        (tmp / "result.json").write_text(json.dumps(data))
        if binary is not None:
            shutil.copy2(binary, tmp / "prog")
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
        _prune(entry.parent)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def _prune(directory: Path) -> None:
    entries = sorted((p for p in directory.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in entries[: max(0, len(entries) - RESULT_CACHE_ENTRIES)]:
        shutil.rmtree(old, ignore_errors=True)
