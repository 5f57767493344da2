"""The Go module a kernel writes into: safe paths, verbatim files, go.mod inference, snapshots.

Files are written byte for byte as given: Go directives live in comments, so nothing is parsed
and recomposed (what a Go file says is :mod:`golink_magic.model.gosource`'s to read).  The only file the workspace writes itself is ``go.mod``, and only when the
files do not bring one.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..model.errors import WorkspaceError
from ..model.gosource import DEFAULT_MODULE, imports_of, package_of, read
from ..model.wording import how

GO_DIRECTIVE = "1.19"  # oldest Go the course supports; newer toolchains build it unchanged
_RESERVED = {"std", "cmd", "all", "tool", "work", "main", "local"}

_MODULE = re.compile(r"^module\s+(\S+)", re.M)


def check_path(root: Path, rel: str) -> Path:
    """The absolute path for ``rel`` inside ``root``, or :class:`WorkspaceError`.

    Refuses absolute paths, ``..`` segments, and paths that leave ``root`` through a symlink.
    """
    text = rel.strip()
    if not text:
        raise WorkspaceError(f"a file path is needed, e.g. `{how('write-file', path='main.go')}`")
    if "\x00" in text or "\\" in text:
        raise WorkspaceError(f"{rel!r} is not a valid file path")
    pure = PurePosixPath(text)
    if pure.is_absolute() or text.startswith("~"):
        raise WorkspaceError(f"{rel!r} is absolute: paths are relative to the module root, e.g. hello/hello.go")
    if ".." in pure.parts:
        raise WorkspaceError(f"{rel!r} leaves the module: `..` is not allowed in file paths")
    parts = [p for p in pure.parts if p != "."]
    if not parts:
        raise WorkspaceError(f"{rel!r} names the module folder, not a file")
    target = root.joinpath(*parts)
    for depth in range(1, len(parts)):
        if root.joinpath(*parts[:depth]).is_file():
            raise WorkspaceError(f"{rel!r}: {'/'.join(parts[:depth])} is a file in the module, not a folder")
    real_root = root.resolve()
    resolved = target.resolve()
    if resolved != real_root and real_root not in resolved.parents:
        raise WorkspaceError(f"{rel!r} leaves the module through a symlink; nothing was written")
    if target.is_dir():
        raise WorkspaceError(f"{rel!r} is a folder in the module, not a file")
    return target


def check_case_name(name: str) -> str:
    """``name`` if it is usable as a case name, else :class:`WorkspaceError`."""
    if not re.fullmatch(r"[\w.+-]+", name):
        raise WorkspaceError(f"case name {name!r}: use letters, digits, `_`, `-`, `.` or `+`")
    return name


def _is_std(import_path: str, goroot: Path | None) -> bool:
    first = import_path.split("/", 1)[0]
    if "." in first:
        return False
    if goroot is None:
        return True
    return (goroot / "src" / import_path).is_dir() or import_path in ("C", "unsafe")


def program_folders(files: dict[str, str]) -> list[str]:
    """Folders holding a ``package main`` file, shallowest first."""
    found = {PurePosixPath(p).parent for p, t in files.items() if p.endswith(".go") and package_of(t) == "main"}
    return [d.as_posix() for d in sorted(found, key=lambda d: (len(d.parts), d.as_posix()))]


def program_folder(files: dict[str, str], main_hint: str | None = None) -> str:
    """The folder of the program to build: the one holding ``main_hint`` (a file or folder
    path) when it is a program folder, else the shallowest one (``.`` when there is none)."""
    folders = program_folders(files)
    if main_hint:
        hint = PurePosixPath(main_hint.removeprefix("./"))
        for candidate in (hint, hint.parent):
            if candidate.as_posix() in folders:
                return candidate.as_posix()
    return folders[0] if folders else "."


def module_layout(files: dict[str, str], goroot: Path | None = None, main_hint: str | None = None) -> tuple[str, str]:
    """Where the module root is (a folder relative to the files' root, ``.`` for the top) and
    its module path, for the program :func:`program_folder` picks.

    A ``go.mod`` at or above the program's folder wins when the program's imports of local
    folders resolve in it.  Otherwise (none, or it belongs to another pasted example) the root
    starts at the program's folder and moves up while such an import would not resolve below
    it; the module path is the one that makes them resolve (the blog's cases use ``example1``,
    ``expl`` and ``full``).
    """
    go_files = {p: t for p, t in files.items() if p.endswith(".go")}
    folders = {PurePosixPath(p).parent for p in go_files}
    names = {d.name for d in folders if d.name}
    program = PurePosixPath(program_folder(files, main_hint))
    # Imports of the program's own package that end in the name of a workspace folder: meant local.
    # So are the packages its //go:linkname directives name (course/hello.secret: course/hello),
    # so that a pull from a folder the program does not import keeps the module path it names.
    local = [imp for p, text in go_files.items() if PurePosixPath(p).parent == program
             for imp in [*imports_of(text), *_linkname_packages(text)]
             if imp.rsplit("/", 1)[-1] in names and "/" in imp
             and not (_is_std(imp, goroot) if goroot is not None else False)]
    mods = {PurePosixPath(p).parent: t for p, t in files.items() if PurePosixPath(p).name == "go.mod"}
    outer = next((d for d in (program, *program.parents) if d in mods), None)
    if outer is not None:
        m = _MODULE.search(mods[outer])
        module = m.group(1) if m else DEFAULT_MODULE
        if not _unresolved(outer, module, folders, local):
            return outer.as_posix(), module
    root = program
    while True:
        module, _ = _module_path(root, folders, local)
        if not _unresolved(root, module, folders, local) or root == PurePosixPath(".") or root.parent == outer:
            break
        root = root.parent
    if module is None:
        # A folder name is a fine module path unless Go reserves it ("tool", "std", "cmd", "all").
        usable = re.fullmatch(r"[a-z][a-z0-9_.-]*", root.name) and root.name not in _RESERVED
        module = root.name if usable else DEFAULT_MODULE
    return root.as_posix(), module


def _linkname_packages(text: str) -> list[str]:
    """The import paths of the symbols a Go file's ``//go:linkname`` directives name."""
    found = []
    for link in read(text).linknames:
        if link.target and "/" in link.target:
            head, _, tail = link.target.rpartition("/")
            found.append(f"{head}/{tail.split('.', 1)[0]}")
    return found


def _below(root: PurePosixPath, folders: set[PurePosixPath]) -> set[str]:
    return {d.relative_to(root).as_posix() for d in folders if d == root or root in d.parents or root == PurePosixPath(".")}


def _unresolved(root: PurePosixPath, module: str | None, folders: set[PurePosixPath], imports: list[str]) -> int:
    """How many of ``imports`` name no folder of a module ``module`` rooted at ``root``."""
    below = _below(root, folders)
    return sum(1 for imp in imports if not any(imp == f"{module}/{d}" for d in below if d != "."))


def _module_path(root: PurePosixPath, folders: set[PurePosixPath], imports: list[str]) -> tuple[str | None, int]:
    """The module path most imports agree on for a module rooted at ``root``, and its votes."""
    votes: Counter[str] = Counter()
    for imp in imports:
        for d in _below(root, folders):
            if d != "." and imp.endswith("/" + d) and len(imp) > len(d) + 1:
                votes[imp[: -len(d) - 1]] += 1
    return votes.most_common(1)[0] if votes else (None, 0)


OWNER_FILE = "owner.pid"


def remove_orphans(base: str | os.PathLike | None = None) -> list[Path]:
    """Remove workspaces left behind by processes that died without cleaning up (a kernel
    killed hard skips its exit hooks).  Returns what was removed."""
    removed = []
    for folder in Path(base or tempfile.gettempdir()).glob("golink-*"):
        try:
            pid = int((folder / OWNER_FILE).read_text())
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except (OSError, ValueError):
            continue  # not ours to judge: no owner file, or a process we may not signal
    return removed


class Workspace:
    """A temporary Go module on disk, owned by one kernel (or one CLI run).

    ``root`` holds the module's files; :meth:`close` removes everything.
    """

    def __init__(self, base: str | os.PathLike | None = None):
        remove_orphans(base)
        self.base = Path(tempfile.mkdtemp(prefix="golink-", dir=base))
        (self.base / OWNER_FILE).write_text(str(os.getpid()))
        self.root = self.base / "module"
        self.root.mkdir()
        self._writes: dict[str, int] = {}  # path → when it was last written (a tick of _clock)
        self._clock = itertools.count()

    def write(self, rel: str, text: str) -> Path:
        """Write ``text`` verbatim to ``rel`` (overwriting); returns the absolute path."""
        target = check_path(self.root, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        self._writes[target.relative_to(self.root).as_posix()] = next(self._clock)
        return target

    def write_many(self, files: dict[str, str]) -> list[Path]:
        """Check every path first, then write them all: one bad path writes nothing."""
        for rel in files:
            check_path(self.root, rel)
        return [self.write(rel, text) for rel, text in files.items()]

    def remove(self, rel: str) -> None:
        """Delete one file of the module."""
        target = check_path(self.root, rel)
        if not target.exists():
            raise WorkspaceError(f"{rel} is not in the workspace")
        target.unlink()

    def files(self) -> dict[str, str]:
        """Every file of the module, path → text as written (CRLF line ends stay CRLF), sorted by path."""
        out = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                with open(path, encoding="utf-8", errors="replace", newline="") as fh:
                    out[path.relative_to(self.root).as_posix()] = fh.read()
        return out

    def latest(self, paths: list[str]) -> str | None:
        """The one of ``paths`` written most recently through this workspace (None if none was)."""
        written = [p for p in paths if p in self._writes]
        return max(written, key=self._writes.__getitem__) if written else None

    def reset(self) -> None:
        """Start a fresh, empty module (named cases are kept)."""
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self._writes.clear()

    def close(self) -> None:
        """Remove the workspace from disk."""
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def materialize(files: dict[str, str], directory: Path) -> None:
    """Make ``directory`` hold exactly ``files`` (extra files removed, unchanged ones untouched)."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in sorted(directory.rglob("*"), reverse=True):
        rel = path.relative_to(directory).as_posix()
        if path.is_file() and rel not in files:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for rel, text in files.items():
        target = check_path(directory, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)


def with_go_mod(files: dict[str, str], goroot: Path | None = None, main_hint: str | None = None,
                go_version: str | None = None) -> tuple[dict[str, str], str, str, bool]:
    """``files`` plus an inferred ``go.mod`` where none is given, declaring ``go_version`` (the
    toolchain's language version, as ``go mod init`` writes it; default ``1.19``).

    Returns (files, module root folder, module path, whether go.mod was inferred).
    """
    root, module = module_layout(files, goroot, main_hint)
    mod_rel = "go.mod" if root == "." else f"{root}/go.mod"
    if mod_rel in files:
        return files, root, module, False
    out = dict(files)
    out[mod_rel] = f"module {module}\n\ngo {go_version or GO_DIRECTIVE}\n"
    return out, root, module, True
