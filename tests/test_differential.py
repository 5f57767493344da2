"""The fast paths (replay, result cache) against the slow one: random edit sequences in one
Session, each step compared with a fresh, raw `go build` of the same files (outcome, error text,
output, every module function's listing, the binary with build IDs masked), plus the three
holes once found in the keys: a `+build` line spelled with a tab or a no-break space, the go
env file, and a `replace` pointing outside the workspace.  GOLINK_DIFF_STEPS sets how many
random steps run (default 100); GOLINK_DIFF_SEED picks the sequence."""

from __future__ import annotations

import os
import random
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from golink_magic import Options, Session
from golink_magic.engine.outcome import classify_build
from golink_magic.listing import objdump

pytestmark = pytest.mark.go

BUILD_ID = re.compile(rb"[\w-]{20}/[\w-]{20}/[\w-]{20}/[\w-]{20}|GNU\x00.{20}", re.S)
GO_MOD = "module example\n\ngo 1.21\n"
MAIN = """package main

import (
	"fmt"
	_ "unsafe"

	"example/lib"
)
%(pull)s
func main() {
	fmt.Println(%(format)s, lib.Word(), lib.N, lib.Extras()%(pulled)s)
}
"""
LIB = """package lib

import "strings"

var N = %(n)d

var hidden = %(hidden)d

var extras []string

func Word() string { return "%(word)s" }

func Extras() string { return strings.Join(extras, "+") }
%(broken)s"""
EXTRA = '%spackage lib\n\nfunc init() { extras = append(extras, "%s") }\n'
CONSTRAINTS = ["", "//go:build ignore\n\n", "// +build ignore\n\n", "//\t+build ignore\n\n", "//\u00a0+build ignore\n\n",
               "// +build ignore\npackage_gap\n", "/*\n//go:build ignore\n*/\n\n", "//go:build go1.21\n\n",
               "//go:build !go1.21\n\n", "//go:build linux && amd64\n\n", "// +build linux,!amd64\n\n"]


class Module:
    """The files of a small two-package module and the random edits made to them."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.state = {"n": 1, "hidden": 7, "word": "w", "broken": "", "pull": False, "format": '"v"', "crlf": False}
        self.extras: dict[str, str] = {}

    def files(self) -> dict[str, str]:
        s = self.state
        main = MAIN % {"pull": "\n//go:linkname pulled example/lib.hidden\nvar pulled int\n" if s["pull"] else "",
                       "format": s["format"], "pulled": ", pulled" if s["pull"] else ""}
        lib = LIB % s
        if s["crlf"]:
            lib = lib.replace("\n", "\r\n")
        out = {"go.mod": GO_MOD, "main.go": main, "lib/lib.go": lib}
        out.update(self.extras)
        return out

    def edit(self) -> str:
        """One random edit; returns what it did."""
        rng, s = self.rng, self.state
        op = rng.choice(["n", "word", "extra", "extra", "drop", "break", "fix", "pull", "format", "crlf", "hidden"])
        if op == "n":
            s["n"] = rng.randint(0, 99)
        elif op == "word":
            s["word"] = rng.choice(["w", "x", "hello", "é", "a b"])
        elif op == "extra":
            name = f"lib/extra{rng.randint(0, 3)}.go"
            header = rng.choice(CONSTRAINTS).replace("package_gap\n", "")
            self.extras[name] = EXTRA % (header, name[4:-3])
            return f"{op} {name} {header!r}"
        elif op == "drop" and self.extras:
            name = rng.choice(sorted(self.extras))
            del self.extras[name]
            return f"{op} {name}"
        elif op == "break":
            s["broken"] = rng.choice(["\nfunc Broken() { return 1 }\n", "\nvar Oops = undefinedThing\n", "\nfunc (\n"])
        elif op == "fix":
            s["broken"] = ""
        elif op == "pull":
            s["pull"] = not s["pull"]
        elif op == "format":
            s["format"] = rng.choice(['"v"', '"v2"', '"%d"', "len(lib.Word())"])
        elif op == "crlf":
            s["crlf"] = not s["crlf"]
        elif op == "hidden":
            s["hidden"] = rng.randint(0, 9)
        return op


def _sync(session: Session, files: dict[str, str]) -> None:
    """Make the session's module hold exactly ``files``."""
    for rel in set(session.files()) - set(files):
        session.workspace.remove(rel)
    for rel, text in files.items():
        session.write(rel, text)


def _raw_build(toolchain, files: dict[str, str], folder: Path, regex: str) -> dict:
    """What a fresh `go build` of ``files`` in ``folder`` gives, with the go command alone."""
    shutil.rmtree(folder, ignore_errors=True)
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    env = toolchain.env()
    binary = folder.parent / "refbin"
    binary.unlink(missing_ok=True)
    built = subprocess.run([str(toolchain.go), "build", "-o", str(binary), "-trimpath", "-ldflags=-w", "."], cwd=folder, env=env,
                           capture_output=True, text=True, timeout=300)
    seen = {"build_output": built.stdout + built.stderr, "stdout": None, "listing": None, "binary": None}
    if built.returncode != 0:
        seen["outcome"] = classify_build(seen["build_output"])
        return seen
    ran = subprocess.run([str(binary)], cwd=folder, capture_output=True, text=True, timeout=30)
    seen.update(outcome="ok" if ran.returncode == 0 else "exit-nonzero", stdout=ran.stdout)
    dumped = subprocess.run([str(toolchain.go), "tool", "objdump", "-s", regex, str(binary)], env=env,
                            capture_output=True, text=True, timeout=120)
    seen["listing"] = _listing(objdump.parse(dumped.stdout), folder, files)
    seen["binary"] = BUILD_ID.sub(b"ID", binary.read_bytes().replace(str(folder).encode(), b"MODULE"))
    return seen


def _listing(functions, folder: Path, files: dict[str, str]) -> list:
    module = re.search(r"^module\s+(\S+)", files.get("go.mod", ""), re.M)
    keep = [f for f in functions
            if objdump.workspace_path(f.file, str(folder), files, module.group(1) if module else None) is not None]
    return [(f.symbol, [(r.line, objdump.normalize(r.text)) for r in f.instructions]) for f in keep]


def _golink_seen(result, src: Path) -> dict:
    seen = {"outcome": result.outcome, "build_output": result.build_output,
            "stdout": result.stdout if result.outcome in ("ok", "exit-nonzero") else None,
            "listing": None, "binary": None}
    if result.outcome in ("ok", "exit-nonzero"):
        seen["listing"] = [(f.symbol, [(r.line, objdump.normalize(r.text)) for r in f.instructions])
                           for f in result.functions]
        binary = src.parent / "bin" / "prog"
        seen["binary"] = BUILD_ID.sub(b"ID", binary.read_bytes().replace(str(src.resolve()).encode(), b"MODULE"))
    return seen


def _step(session: Session, toolchain, files: dict[str, str]) -> tuple[dict, dict, object]:
    _sync(session, files)
    result = session.run(Options())
    src = next(session.workspace.base.joinpath("runs").glob("*")) / "src"
    ref = src.with_name("ref")  # the same path length as src: the binaries' file names line up
    dumps = [shlex.split(c) for c in result.commands if " objdump " in c]
    regex = dumps[-1][dumps[-1].index("-s") + 1] if dumps else "^main\\."
    return _golink_seen(result, src), _raw_build(toolchain, files, ref, regex), result


def _compare(got: dict, want: dict, what: str) -> None:
    for key in ("outcome", "build_output", "stdout", "listing", "binary"):
        if want[key] is None and key != "outcome" and key != "build_output":
            continue
        assert got[key] == want[key], f"{what}: {key} differs"


@pytest.fixture
def quiet_env(tmp_path, monkeypatch):
    """An empty go env file location (the user's own must not decide these tests)."""
    config = tmp_path / "config"
    (config / "go").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return config / "go" / "env"


def test_random_edit_sequences_agree_with_a_fresh_go_build(toolchain, tmp_path, quiet_env):
    steps = int(os.environ.get("GOLINK_DIFF_STEPS", "100"))
    seed = int(os.environ.get("GOLINK_DIFF_SEED", "2212"))
    module = Module(random.Random(seed))
    history = []
    replayed = 0
    with Session(toolchain, base_dir=str(tmp_path)) as session:
        for n in range(steps):
            history.append(module.edit())
            got, want, result = _step(session, toolchain, module.files())
            replayed += "replay" in result.timings
            _compare(got, want, f"seed {seed}, step {n}: {history[-4:]}")
    if os.environ.get("GOLINK_NO_REPLAY", "") in ("", "0"):
        assert replayed > steps // 8  # the fast path really ran, or this proves nothing


@pytest.mark.parametrize("header", ["//\t+build ignore\n\n", "//\u00a0+build ignore\n\n"])
def test_a_plus_build_line_in_any_spelling_is_a_constraint(toolchain, tmp_path, quiet_env, header):
    module = Module(random.Random(0))
    with Session(toolchain, base_dir=str(tmp_path)) as session:
        _step(session, toolchain, module.files())  # records the plan of this shape
        module.extras["lib/extra0.go"] = EXTRA % ("", "x")
        got, want, _ = _step(session, toolchain, module.files())
        assert "x" in got["stdout"]
        module.extras["lib/extra0.go"] = EXTRA % (header, "x")  # now excluded by the go command
        got, want, _ = _step(session, toolchain, module.files())
        _compare(got, want, repr(header))
        assert "x" not in got["stdout"].split()


def test_the_go_env_file_decides_the_build(toolchain, tmp_path, quiet_env):
    """`go env -w GOAMD64=v3` changes what go builds: the replay and the result cache follow."""
    module = Module(random.Random(0))
    module.extras["lib/v3.go"] = EXTRA % ("//go:build amd64.v3\n\n", "v3")
    with Session(toolchain, base_dir=str(tmp_path)) as session:
        for _ in range(2):  # the second run replays (or is served from the cache)
            got, want, _ = _step(session, toolchain, module.files())
            assert got["stdout"] == want["stdout"] and "v3" not in got["stdout"]
        quiet_env.write_text("GOAMD64=v3\n")
        got, want, result = _step(session, toolchain, module.files())
        _compare(got, want, "GOAMD64=v3 in the go env file")
        assert got["stdout"].split()[-1] == "v3" and not result.cached
        quiet_env.write_text("")
        got, want, _ = _step(session, toolchain, module.files())
        assert got["stdout"] == want["stdout"] and "v3" not in got["stdout"]


def test_a_replace_outside_the_workspace_is_seen(toolchain, tmp_path, quiet_env):
    outside = tmp_path / "outside"
    (outside / "go.mod").parent.mkdir()
    (outside / "go.mod").write_text("module example.com/far\n\ngo 1.21\n")
    (outside / "far.go").write_text('package far\n\nconst Word = "one"\n')
    files = {"go.mod": f"module example\n\ngo 1.21\n\nrequire example.com/far v0.0.0\n\nreplace example.com/far => {outside}\n",
             "main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/far"\n)\n\nfunc main() { fmt.Println(far.Word) }\n'}
    (tmp_path / "ws").mkdir()
    with Session(toolchain, base_dir=str(tmp_path / "ws")) as session:
        _sync(session, files)
        assert session.run(Options()).stdout == "one\n"
        assert session.run(Options()).stdout == "one\n"
        (outside / "far.go").write_text('package far\n\nconst Word = "two"\n')
        again = session.run(Options())
        assert (again.stdout, again.cached, "replay" in again.timings) == ("two\n", False, False)


def test_crlf_files_reach_the_build_as_written(toolchain, tmp_path, quiet_env):
    files = {"go.mod": GO_MOD, "data.txt": "a\r\nb\r\n",
             "main.go": 'package main\n\nimport (\n\t_ "embed"\n\t"fmt"\n)\n\n//go:embed data.txt\nvar data string\n\n'
                        "func main() { fmt.Printf(\"%q\\n\", data) }\n"}
    with Session(toolchain, base_dir=str(tmp_path)) as session:
        _sync(session, files)
        assert session.files()["data.txt"] == "a\r\nb\r\n"
        got, want, _ = _step(session, toolchain, files)
        assert got["stdout"] == want["stdout"] == '"a\\r\\nb\\r\\n"\n'


def test_no_replay_makes_every_build_a_go_build(toolchain, tmp_path, quiet_env, monkeypatch):
    module = Module(random.Random(0))
    with Session(toolchain, base_dir=str(tmp_path), replay=False) as session:
        for n in range(3):
            module.state["n"] = n
            _sync(session, module.files())
            result = session.run(Options())
            assert result.stdout.split() == ["v", "w", str(n)] and "replay" not in result.timings
        assert not list(session.workspace.base.glob("runs/*/replay/plan.json"))
    monkeypatch.setenv("GOLINK_NO_REPLAY", "1")
    (tmp_path / "env").mkdir()
    with Session(toolchain, base_dir=str(tmp_path / "env")) as session:
        for n in range(3):
            module.state["n"] = n
            _sync(session, module.files())
            assert "replay" not in session.run(Options()).timings
