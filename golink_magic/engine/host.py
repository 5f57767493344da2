"""Preparing the host's read-only warm cache (``golink-magic warm --system DIR``): the steps
around the warm-up itself.  What learners then read, and how, is :mod:`.syscache`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import syscache
from .catalog import discover, install_dir
from .supervisor import build_program
from .toolchain import TOOLS, Toolchain, from_go_binary, version_key


def copy_toolchains(target: Path, toolchains: list[Toolchain]) -> list[Toolchain]:
    """The toolchains as learners will use them: one installed in the administrator's own cache
    (which learners cannot read) is copied to ``target/toolchains/<version>/go`` and used from there."""
    own = install_dir().resolve()
    out = []
    for tc in toolchains:
        if tc.goroot.resolve().is_relative_to(own):
            copy = target / "toolchains" / tc.short_version / "go"
            if not (copy / "bin" / "go").exists():
                shutil.copytree(tc.goroot, copy, symlinks=True)
            tc = from_go_binary(copy / "bin" / "go", source="host")
        out.append(tc)
    return out


def with_those_built(toolchains: list[Toolchain]) -> list[Toolchain]:
    """``toolchains`` and every other toolchain found that has a build cache in golink's cache
    folder (the host's, during the warm step): the chapters it ran may have installed and used more."""
    given = {tc.version for tc in toolchains}
    more = []
    for tc in discover():
        if tc.version not in given and (tc.state_dir / "gocache").is_dir():
            more.append(tc)
            given.add(tc.version)
    return [*toolchains, *more]


def add_helpers(toolchains: list[Toolchain]) -> list[str]:
    """After the warm-up (golink's cache folder being the host's): each toolchain's tools copied
    where learners look for them, and ``golink-cacheprog`` built for Go 1.24 and later.  Returns one
    line per toolchain saying how learners read its cache."""
    lines = []
    for tc in toolchains:
        state = tc.state_dir
        (state / "tools").mkdir(parents=True, exist_ok=True)
        for name in TOOLS:
            tool = tc.tool(name)
            if tool.resolve() != (state / "tools" / name).resolve():
                shutil.copy2(tool, state / "tools" / name)
        if version_key(tc.version)[:2] >= syscache.CACHEPROG_FROM:
            prog = syscache.cacheprog(state)
            prog.parent.mkdir(parents=True, exist_ok=True)
            build_program(tc, syscache.SOURCE.read_bytes(), prog, "golink-cacheprog")
            lines.append(f"{tc.version}: learners read it through GOCACHEPROG ({prog})")
        else:
            lines.append(f"{tc.version}: learners' own GOCACHE links to its entries (no GOCACHEPROG before Go 1.24)")
    return lines


def seal(target: Path) -> None:
    """Everything under ``target`` readable by all and writable by its owner only."""
    for root, dirs, files in os.walk(target):
        for name in dirs + files:
            path = Path(root) / name
            if not path.is_symlink():
                mode = path.stat().st_mode
                path.chmod((mode | 0o444 | (0o111 if path.is_dir() or mode & 0o100 else 0)) & ~0o022)
    target.chmod(0o755)


def write_setting(target: Path) -> str:
    """Name ``target`` in the setting file beside the package; says how learners find it."""
    try:
        syscache.SETTING.parent.mkdir(parents=True, exist_ok=True)
        syscache.SETTING.write_text(f"{target}\n")
        return f"learners find it through {syscache.SETTING}"
    except OSError:
        return f"set GOLINK_SYSTEM_CACHE={target} for every learner ({syscache.SETTING} is not writable)"
