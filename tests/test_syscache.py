"""One warm cache per host, read-only to learners (`golink-magic warm --system DIR`), used by real
Unix users that the test creates and removes: a learner's first build compiles only their own
package, writes nothing the host cache or another learner reads, and a hostile program of one
learner can neither change the host cache nor read another learner's files."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from golink_magic.engine import syscache
from tests import hubkit

LEARNERS = ("glnk-a", "glnk-b")

# What one learner's kernel does, as that learner: a golink run, then the go command's own view
# of what a first build of a new program compiles (with golink's environment for that toolchain).
LEARNER_RUN = r"""
import json, re, subprocess, sys, tempfile
from pathlib import Path
from golink_magic import Options, Session
from golink_magic.engine.catalog import resolve
out = {}
for spec in sys.argv[1:]:
    tc = resolve(spec)
    with Session(toolchain=tc) as s:
        s.write("main.go", 'package main\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\nfunc main() { fmt.Println(strings.Repeat("ab", 2)) }\n')
        r = s.run(Options(expect="ok", expect_stdout=["abab"]))
    probe = Path(tempfile.mkdtemp())
    (probe / "go.mod").write_text("module probe\n\ngo 1.19\n")
    (probe / "main.go").write_text('package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() { fmt.Fprintln(os.Stdout, 1) }\n')
    env = tc.env()
    built = subprocess.run([str(tc.go), "build", "-x", "-trimpath", "-o", "p", "."], cwd=probe, env=env,
                           capture_output=True, text=True)
    out[tc.version] = {"outcome": r.outcome, "met": r.met_expectation, "why": r.expectation_failure(),
                       "compiled": re.findall(r"/compile -o \S+ .*?-p (\S+)", built.stderr),
                       "cacheprog": env.get("GOCACHEPROG", ""), "build": built.returncode}
print(json.dumps(out))
"""

HOSTILE = """package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// try reports what happens when this program writes into, or reads from, a place it names.
func try(what, path string, write bool) {
	var err error
	if write {
		err = os.WriteFile(path, []byte("planted"), 0o644)
	} else {
		_, err = os.ReadDir(path)
	}
	fmt.Printf("%s: %v\\n", what, err)
}

func main() {
	entries, _ := filepath.Glob(os.Args[1] + "/go/*/gocache/*/*-d")
	try("replace a host cache entry", entries[0], true)
	try("plant a host cache entry", filepath.Join(filepath.Dir(entries[0]), "00-d"), true)
	try("read the other learner's cache", os.Args[2], false)
}
"""


LEARNER_PYTHON, SITE, ROOT = hubkit.LEARNER_PYTHON, hubkit.SITE, hubkit.ROOT


@pytest.fixture(scope="module")
def host(system_cache):
    why = hubkit.why_no_users()
    if why:
        pytest.skip(f"SKIPPED LOUDLY: cannot create Unix users here ({why}); the host-cache test needs them")
    system, said = system_cache
    names = [f"{name}-{uuid.uuid4().hex[:4]}" for name in LEARNERS]
    with hubkit.learners(names) as (homes, users):
        yield system, homes, list(users), said


def _as(user: str, homes: Path, system: Path, *argv: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {"HOME": str(homes / user), "PATH": "/usr/bin:/bin", "GOLINK_SYSTEM_CACHE": str(system),
           "LANG": "C.UTF-8", "PYTHONPATH": f"{ROOT}:{SITE}"}
    return subprocess.run(["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv],
                          capture_output=True, text=True, timeout=timeout, cwd="/")


def test_warm_system_says_what_each_toolchain_gets(host):
    system, _, _, said = host
    assert f"host cache ready in {system}" in said
    assert "ran 00-start-here.ipynb in " in said and "cells failed" not in said  # its results are the host's
    assert any((system / "results").iterdir())
    assert "go1.27.3: learners read it through GOCACHEPROG" in said
    assert "go1.22.10: learners' own GOCACHE links to its entries (no GOCACHEPROG before Go 1.24)" in said
    assert (system / "toolchains" / "1.22.10" / "go" / "bin" / "go").exists()  # copied out of the admin's cache
    writable = [p for p in [system, *system.rglob("*")] if not p.is_symlink() and p.stat().st_mode & 0o022]
    assert writable == []


def test_a_learners_first_build_compiles_only_their_own_package(host):
    system, homes, users, _ = host
    before = hubkit.tree(system)
    done = _as(users[0], homes, system, str(LEARNER_PYTHON), "-c", LEARNER_RUN, "1.27", "1.22")
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    for version, facts in seen.items():
        assert facts["met"], (version, facts["why"])
        assert facts["build"] == 0 and facts["compiled"] == ["main"], (version, facts["compiled"][:8])
    assert seen["go1.27.3"]["cacheprog"].startswith(str(system)) and seen["go1.22.10"]["cacheprog"] == ""
    assert hubkit.tree(system) == before  # nothing written to the host cache
    own = subprocess.run(["du", "-sm", str(homes / users[0] / ".cache" / "golink_magic")], capture_output=True,
                         text=True).stdout.split()[0]
    assert int(own) <= 15, f"{own} MB in the learner's own cache"


def test_a_hostile_program_cannot_change_the_host_cache_or_read_another_learner(host):
    system, homes, users, _ = host
    first = _as(users[0], homes, system, str(LEARNER_PYTHON), "-c", LEARNER_RUN, "1.27")
    assert first.returncode == 0, first.stderr[-2000:]
    other = homes / users[0] / ".cache" / "golink_magic"
    # run the program itself with the two paths as arguments, through golink's own supervisor
    script = ("import sys, subprocess\nfrom golink_magic import Options, Session\n"
              "with Session() as s:\n"
              f"    s.write('main.go', {HOSTILE!r})\n"
              "    r = s.run(Options(no_run=True, no_objdump=True))\n"
              "    prog = next(s.workspace.base.joinpath('runs').glob('*/bin/prog'))\n"
              f"    print(subprocess.run([str(prog), {str(system)!r}, {str(other)!r}], capture_output=True, text=True).stdout)\n")
    done = _as(users[1], homes, system, str(LEARNER_PYTHON), "-c", script)
    assert done.returncode == 0, done.stderr[-2000:]
    said = done.stdout
    assert "replace a host cache entry: open " in said and "permission denied" in said.split("replace", 1)[1].splitlines()[0]
    assert "plant a host cache entry: open " in said and "permission denied" in said.split("plant", 1)[1].splitlines()[0]
    assert "read the other learner's cache: open " in said and \
        "permission denied" in said.split("read the other", 1)[1].splitlines()[0]


def test_learners_find_the_host_cache_through_the_setting_beside_the_package(tmp_path, monkeypatch):
    warmed, other = tmp_path / "warmed", tmp_path / "other"
    (warmed / "go").mkdir(parents=True)
    (other / "go").mkdir(parents=True)
    setting = tmp_path / "etc" / "golink_magic" / "system-cache"
    setting.parent.mkdir(parents=True)
    setting.write_text(f"{warmed}\n")
    monkeypatch.setattr(syscache, "SETTING", setting)
    monkeypatch.delenv("GOLINK_SYSTEM_CACHE", raising=False)
    assert syscache.system_dir() == warmed  # no per-user environment needed
    monkeypatch.setenv("GOLINK_SYSTEM_CACHE", str(other))
    assert syscache.system_dir() == other  # the environment wins
    monkeypatch.setenv("GOLINK_SYSTEM_CACHE", "")
    assert syscache.system_dir() is None  # set empty: no host cache (the warm step itself)
    monkeypatch.setenv("GOLINK_SYSTEM_CACHE", "relative/dir")
    assert syscache.system_dir() is None
