"""The result cache: a build and listing of identical files, options and toolchain is reused
(the program itself always runs again).  Entries live in the user cache dir, shared by kernels;
any error reading one is a miss, and a failed or interrupted listing is never stored.  On a host
with a warmed cache (:mod:`.syscache`), its ``results/`` are a second, read-only layer: what the
administrator's warm step ran, every learner finds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

from ..model.options import Options
from ..model.result import Result
from . import syscache
from .toolchain import Toolchain, cache_root
from ..model.version import VERSION


RESULT_CACHE_ENTRIES = 256
RESULT_CACHE_MB = 200  # default byte budget of the result cache; GOLINK_RESULT_CACHE_MB overrides it
# Where caches and the go env file live changes no build output (builds use -trimpath), so these
# stay out of the key, as do golink's own settings (GOLINK_*): a learner's result then matches the
# one the host's warm step stored.
PLACES = frozenset({"GOCACHE", "GOCACHEPROG", "GOPATH", "GOMODCACHE", "GOENV", "GOTMPDIR"})
def _code_fingerprint() -> str:
    # Cached listings are only as good as the code that built and parsed them: a changed module
    # of the layers that make a Result (even between releases, in a development checkout) must
    # not reuse them.
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(VERSION.encode())
    for layer in ("model", "engine", "listing"):
        for path in sorted((package / layer).glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


_CODE = _code_fingerprint()


def entry_for(files: dict[str, str], options: Options, toolchain: Toolchain, env: dict | None = None,
              outside: str = "") -> Path:
    """The cache folder of this build (it may not exist): keyed on the files, the options that
    change the binary, the toolchain, the effective Go environment (``env``: the go env file's
    settings included) and ``outside``, a digest of what the module reads from outside the
    workspace (a ``replace`` to a folder on disk)."""
    go_env = sorted((k, v) for k, v in (env or {}).items()
                    if k.startswith(("GO", "CGO")) and k not in PLACES and not k.startswith("GOLINK_"))
    blob = json.dumps([files, options.build_key(), toolchain.version, str(toolchain.go), go_env, outside, _CODE],
                      sort_keys=True)
    return cache_root() / "results" / hashlib.sha256(blob.encode()).hexdigest()[:32]


def folder_digest(folders: list[Path]) -> str:
    """A digest of every file below ``folders`` (what a go.mod ``replace`` reads from outside
    the workspace), so the result cache sees their edits."""
    if not folders:
        return ""
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(str(folder).encode())
        for root, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                digest.update(os.path.relpath(path, folder).encode())
                try:
                    with open(path, "rb") as fh:
                        digest.update(fh.read())
                except OSError:
                    digest.update(b"unreadable")
    return digest.hexdigest()


def load(entry: Path, binary: Path) -> Result | None:
    """The cached result of ``entry`` (its binary copied to ``binary``), or None on any miss;
    the host's warmed results (read-only) when this user's cache lacks it.

    Another process may be replacing or pruning the entry at the same moment: any error is a miss.
    """
    for place in _places(entry):
        try:
            cached = Result.from_dict(json.loads((place / "result.json").read_text()))
            if cached.outcome not in ("compile-error", "link-error"):
                shutil.copy2(place / "prog", binary)
        except (OSError, ValueError, TypeError, KeyError):
            continue
        if place == entry:  # the host's entries are not ours to touch
            try:
                os.utime(place)  # pruning keeps the most recently used entries
            except OSError:
                pass
        return cached
    return None


def _places(entry: Path):
    """Where ``entry`` may be found: this user's cache, then the host's (only looked up on a miss)."""
    yield entry
    host = syscache.system_dir()
    if host is not None:
        yield host / "results" / entry.name


def store(entry: Path, result: Result | dict, binary: Path | None) -> None:
    """Keep ``result`` (or its ``to_dict()``), without what the program printed, and its binary
    under ``entry``."""
    tmp = entry.with_name(entry.name + f".tmp{os.getpid()}.{threading.get_ident()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        data = dict(result) if isinstance(result, dict) else result.to_dict()
        data.update(stdout="", stderr="", exit_code=None, signal=None)
        (tmp / "result.json").write_text(json.dumps(data))
        if binary is not None:
            shutil.copy2(binary, tmp / "prog")
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
        _prune(entry.parent, entry.name)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def budget_bytes() -> int:
    """The result cache's byte budget (``GOLINK_RESULT_CACHE_MB``, default 200 MB)."""
    try:
        return int(float(os.environ.get("GOLINK_RESULT_CACHE_MB", RESULT_CACHE_MB)) * 1e6)
    except ValueError:
        return int(RESULT_CACHE_MB * 1e6)


_SIZES: dict[str, int] = {}  # entry name → bytes (an entry's content never changes once stored)


def _prune(directory: Path, stored: str | None = None) -> None:
    """Drop the least recently used entries beyond :data:`RESULT_CACHE_ENTRIES` or the byte budget."""
    _SIZES.pop(stored, None)
    entries = []
    try:
        listing = list(os.scandir(directory))  # DirEntry: one stat per entry, no path objects (every store prunes)
    except OSError:
        return
    for item in listing:
        try:
            if item.is_dir():
                if item.name not in _SIZES:
                    _SIZES[item.name] = size_of(item.path)
                entries.append((item.stat().st_mtime, item.path, _SIZES[item.name]))
        except OSError:
            continue  # pruned by another process meanwhile
    entries.sort(key=lambda e: e[0], reverse=True)  # newest first: they stay
    total, budget = 0, budget_bytes()
    for n, (_, path, size) in enumerate(entries):
        total += size
        if n >= RESULT_CACHE_ENTRIES or (total > budget and n > 0):
            shutil.rmtree(path, ignore_errors=True)
            _SIZES.pop(os.path.basename(path), None)


def size_of(path: Path | str) -> int:
    """Bytes in the files below ``path`` (0 when it is gone)."""
    total = 0
    for root, _, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total
