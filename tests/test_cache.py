"""The result cache (golink_magic/engine/cache.py) without Go: what its key covers, a store and
a load, and pruning to its budget (fast tier)."""

from __future__ import annotations

import os
from pathlib import Path

from golink_magic.engine import cache
from golink_magic.engine.toolchain import Toolchain
from golink_magic.model.options import Options
from golink_magic.model.result import Result

TC = Toolchain(Path("/go/bin/go"), Path("/go"), "go1.27.3", "linux", "amd64", "test")
FILES = {"go.mod": "module m\n\ngo 1.27\n", "main.go": "package main\n\nfunc main() {}\n"}


def test_the_key_covers_files_options_environment_and_outside_folders():
    base = cache.entry_for(FILES, Options(), TC, {"GOAMD64": "v1"})
    assert cache.entry_for(dict(FILES), Options(), TC, {"GOAMD64": "v1"}) == base
    assert cache.entry_for({**FILES, "main.go": FILES["main.go"] + "\n"}, Options(), TC, {"GOAMD64": "v1"}) != base
    assert cache.entry_for(FILES, Options(gcflags="-N"), TC, {"GOAMD64": "v1"}) != base
    assert cache.entry_for(FILES, Options(), TC, {"GOAMD64": "v3"}) != base  # a go env file's setting
    assert cache.entry_for(FILES, Options(), TC, {"GOAMD64": "v1"}, outside="abc") != base
    assert cache.entry_for(FILES, Options(timeout=3), TC, {"GOAMD64": "v1"}) == base  # runs, not builds
    assert cache.entry_for(FILES, Options(), TC, {"GOAMD64": "v1", "HOME": "/elsewhere"}) == base
    # where this user's caches and go env file live: every learner of a host has the same key
    places = {"GOCACHE": "/home/a/gocache", "GOPATH": "/home/a/gopath", "GOENV": "/home/a/.config/go/env",
              "GOCACHEPROG": "/srv/cacheprog /srv/gocache /home/a/overlay", "GOLINK_CACHE_DIR": "/home/a/.cache/g",
              "GOLINK_SYSTEM_CACHE": "/srv/golink"}
    assert cache.entry_for(FILES, Options(), TC, {"GOAMD64": "v1", **places}) == base


def test_a_stored_result_loads_without_what_the_program_printed(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLINK_CACHE_DIR", str(tmp_path))
    entry = cache.entry_for(FILES, Options(), TC)
    binary = tmp_path / "prog"
    binary.write_bytes(b"\x7fELF program")
    result = Result(outcome="ok", go_version="go version go1.27.3 linux/amd64", goos="linux", goarch="amd64",
                    files=FILES, stdout="printed\n", exit_code=0)
    cache.store(entry, result, binary)
    copy = tmp_path / "copy"
    loaded = cache.load(entry, copy)
    assert loaded is not None and loaded.outcome == "ok" and loaded.stdout == "" and loaded.files == FILES
    assert copy.read_bytes() == b"\x7fELF program"
    assert cache.load(entry.with_name("missing"), copy) is None


def test_a_learner_finds_the_hosts_warmed_result_and_leaves_it_untouched(tmp_path, monkeypatch):
    host, mine = tmp_path / "host", tmp_path / "mine"
    (host / "go").mkdir(parents=True)
    monkeypatch.setenv("GOLINK_CACHE_DIR", str(host))  # the administrator's warm step stores it
    stored = cache.entry_for(FILES, Options(), TC)
    binary = tmp_path / "prog"
    binary.write_bytes(b"\x7fELF warmed")
    cache.store(stored, Result(outcome="ok", go_version="go version go1.27.3 linux/amd64", goos="linux",
                               goarch="amd64", files=FILES), binary)
    os.utime(stored, (1000, 1000))
    monkeypatch.setenv("GOLINK_CACHE_DIR", str(mine))  # a learner of that host
    entry = cache.entry_for(FILES, Options(), TC)
    assert cache.load(entry, tmp_path / "copy") is None  # no host cache named: a miss
    monkeypatch.setenv("GOLINK_SYSTEM_CACHE", str(host))
    loaded = cache.load(entry, tmp_path / "copy")
    assert loaded is not None and loaded.outcome == "ok" and (tmp_path / "copy").read_bytes() == b"\x7fELF warmed"
    assert stored.stat().st_mtime == 1000 and not entry.exists()  # read, never written


def test_pruning_keeps_the_newest_within_the_budget(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLINK_RESULT_CACHE_MB", "0.003")  # 3,000 bytes
    folder = tmp_path / "results"
    for n in range(5):
        entry = folder / f"e{n}"
        entry.mkdir(parents=True)
        (entry / "result.json").write_bytes(b"x" * 1000)
        os.utime(entry, (1000 + n, 1000 + n))
    cache._prune(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["e2", "e3", "e4"]
