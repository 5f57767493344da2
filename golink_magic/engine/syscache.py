"""One warm build cache per host, read-only to learners.

An administrator runs ``golink-magic warm --system DIR`` once (as root, or in the image): it
compiles the standard library, the tools, the supervisor and the course's cases for each
toolchain into ``DIR/go/<version>/`` — the same layout as a user's own golink cache — copies the
installed toolchains to ``DIR/toolchains/``, and leaves everything readable and not writable by
others.  A learner's session finds DIR through ``GOLINK_SYSTEM_CACHE`` or the setting file beside
the installed package (:data:`SETTING`), and reads from it without ever writing there:

* Go 1.24 and later: ``GOCACHEPROG`` runs ``golink-cacheprog`` (``static/cacheprog.go``, built
  into DIR by the warm step), which answers the go command's cache lookups from the learner's own
  overlay first and DIR second, and stores every new output in the overlay only;
* Go 1.19 to 1.23 (no GOCACHEPROG in their go command): the learner's own GOCACHE gets a symbolic
  link to each entry of DIR's cache it lacks.  The go command reads through the links; what it
  writes (new entries, ``trim.txt``) lands in the learner's folder.

Either way nothing a learner can write is read by another learner's build: DIR is not writable
by learners, and each learner's overlay or GOCACHE is their own.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

SOURCE = Path(__file__).with_name("static") / "cacheprog.go"
SETTING = Path(sys.prefix) / "etc" / "golink_magic" / "system-cache"  # one line: the warmed DIR
CACHEPROG_FROM = (1, 24)  # the first Go whose go command runs a GOCACHEPROG without an experiment
_LINKED: set[tuple[str, str]] = set()
_LOCK = threading.Lock()


def system_dir() -> Path | None:
    """The host's warmed cache folder, or None when there is none (or it is not there)."""
    chosen = os.environ.get("GOLINK_SYSTEM_CACHE")
    if chosen is None:
        try:
            chosen = SETTING.read_text().strip()
        except OSError:
            return None
    path = Path(chosen) if chosen else None
    return path if path is not None and path.is_absolute() and (path / "go").is_dir() else None


def system_state(version: str) -> Path | None:
    """``DIR/go/<version>`` of the host's warmed cache, when it holds that toolchain's build cache."""
    base = system_dir()
    state = base / "go" / version if base is not None else None
    return state if state is not None and (state / "gocache").is_dir() else None


def cacheprog(state: Path) -> Path:
    """Where the warm step puts the cache program built with that toolchain."""
    return state / "cacheprog" / "golink-cacheprog"


def layer(version: tuple[int, ...], version_name: str, user_gocache: Path) -> dict[str, str]:
    """The environment that puts the host's warmed cache under a learner's ``user_gocache``
    for toolchain ``version_name`` (``go1.27.3``; ``version`` its numbers): a ``GOCACHEPROG``
    from Go 1.24 on, else nothing, after linking the missing entries into ``user_gocache``."""
    state = system_state(version_name)
    if state is None or state.resolve() == user_gocache.parent.resolve():
        return {}  # no warmed cache, or this *is* it (the warm step itself)
    prog = cacheprog(state)
    overlay = user_gocache.parent / "overlay"
    words = [str(prog), str(state / "gocache"), str(overlay)]
    if version[:2] >= CACHEPROG_FROM and prog.exists() and not any(" " in w for w in words):
        overlay.mkdir(parents=True, exist_ok=True)
        return {"GOCACHEPROG": " ".join(words)}
    link_entries(state / "gocache", user_gocache)
    return {}


def link_entries(system_gocache: Path, user_gocache: Path) -> int:
    """Give ``user_gocache`` a symbolic link to each cache entry of ``system_gocache`` it lacks
    (once per process and pair); returns how many were made."""
    key = (str(system_gocache), str(user_gocache))
    with _LOCK:
        if key in _LINKED:
            return 0
        made = 0
        try:
            subdirs = [d for d in os.scandir(system_gocache) if d.is_dir() and len(d.name) == 2]
        except OSError:
            return 0
        for sub in subdirs:
            mine = user_gocache / sub.name
            mine.mkdir(parents=True, exist_ok=True)
            have = set(os.listdir(mine))
            for item in os.scandir(sub.path):
                if item.name.endswith(("-a", "-d")) and item.name not in have:
                    try:
                        os.symlink(item.path, mine / item.name)
                        made += 1
                    except OSError:
                        pass  # made meanwhile by another process of this learner
        _LINKED.add(key)
        return made
