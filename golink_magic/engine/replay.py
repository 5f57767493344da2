"""Replaying the go command's own plan instead of starting ``go build`` on every edit.

When a module's shape is first seen, ``go build`` builds it as usual and, alongside, the exact
compile and link steps the go command runs for it are recorded: ``go build -n -x`` prints them,
with the import configuration files they read.  It runs in a shadow copy of the module whose Go
files end in one more newline, so that every package of the module is stale there and shows its
step, while the standard library stays the cached archive the real build just used.

On the next edits only the compiles of the packages whose files changed (and of the packages
that import them) run again, then the link: the compile and link binaries are called directly,
with the recorded arguments, through :mod:`golink_magic.procs`.  That skips what ``go build``
spends before any compile (loading packages, hashing inputs, checking its cache).  Archives
are kept per content (``pkg/b002-<digest>.a``), so an archive always matches its sources.

The plan is keyed on everything that can change it (:func:`shape_key`): the file set, every
file's package clause, imports and build-constraint lines (``//go:build``, ``// +build``,
``//go:debug``), the whole of every file that is not Go (go.mod included), the go command line
(flags, target), the Go environment (GOARCH and the rest) and the toolchain.  Anything else
falls back to ``go build``: test files, assembly/C/system-object sources, cgo, ``//go:embed``,
a plan with steps other than compile and link, archives missing from GOCACHE, build stamps
that change with the files (VCS), and any replayed step that fails or prints something — so a
compile error is always the go command's own, word for word.  A failed step also drops the plan
(it is recorded again after that ``go build``), so a plan that went wrong cannot stick.

The replayed binary is the one ``go build`` writes, byte for byte, but for its build IDs (the
go command stamps a hash of the content; a replay keeps the recorded ones, which nothing here
reads).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..model import gosource
from . import procs
from .toolchain import Toolchain
from .workspace import materialize

FORMAT = 1               # bump when the recorded plan's shape changes
STEP_TIMEOUT = 900       # seconds for one compile or link (as for go build)
RECORD_TIMEOUT = 120     # seconds for `go build -n -x`
_FOREIGN = (".s", ".S", ".sx", ".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx", ".m", ".f", ".F",
            ".for", ".f90", ".syso", ".swig", ".swigcxx")
_ARCHIVE = re.compile(r"\$WORK/(b\d+)/_pkg_\.a")
UNBUILT = "a compile outside the workspace (a dependency not in the build cache yet?)"


@dataclass
class Build:
    """One build as ``go build`` would do it, and where replay keeps its plan and archives."""

    files: dict[str, str]  # the workspace's files, relative to ``src``
    src: Path
    module_dir: Path
    command: list[str]     # the go build command line
    env: dict
    toolchain: Toolchain
    binary: Path
    state: Path            # replay's own folder (plan.json, pkg/, work/, shadow/)

    @property
    def plan_file(self) -> Path:
        return self.state / "plan.json"


# -- the key -----------------------------------------------------------------------------------

def go_header(text: str) -> tuple[str, str]:
    """(what of a Go file can change the go command's plan, why replay cannot serve it or ""):
    :attr:`golink_magic.model.gosource.Header.header` — the build-constraint and ``//go:``
    lines above the package clause, the package clause and the imports."""
    source = gosource.read_header(text)
    return source.header, source.refuses_replay


def shape_key(build: Build) -> tuple[str | None, str]:
    """(the key of this build's plan, "") — or (None, why replay cannot serve it)."""
    digest = hashlib.sha256()
    for rel in sorted(build.files):
        text, name = build.files[rel], rel.rpartition("/")[2]
        if name.endswith("_test.go"):
            return None, f"{rel} is a test file"
        if name.endswith(_FOREIGN):
            return None, f"{rel} is not Go source (assembly, C or an object file)"
        part, why = go_header(text) if name.endswith(".go") else (text, "")
        if why:
            return None, f"{rel}: {why}"
        digest.update(json.dumps([rel, part]).encode())
    env = sorted((k, v) for k, v in build.env.items() if k.startswith(("GO", "CGO")))
    digest.update(json.dumps([FORMAT, build.command, env, str(build.module_dir), str(build.binary),
                              build.toolchain.version, str(build.toolchain.go)]).encode())
    return digest.hexdigest()[:32], ""


# -- recording ---------------------------------------------------------------------------------

def recorded(build: Build, key: str) -> bool:
    """Whether a plan (or a refusal) is on disk for ``key``."""
    return _load(build, key) is not None


def record(build: Build, key: str, mark: int) -> str:
    """Record the plan of ``key`` from ``go build -n -x`` in a shadow copy; "" when recorded,
    else why not (a plan that cannot be replayed is remembered as refused, so it is not
    recorded again for the same key)."""
    shutil.rmtree(build.state, ignore_errors=True)
    shadow = build.state / "shadow"
    try:
        materialize({rel: text + "\n" if rel.endswith(".go") else text for rel, text in build.files.items()}, shadow)
        shadow, src = shadow.resolve(), build.src.resolve()
        cmd = [build.command[0], "build", "-n", "-x", *build.command[2:]]
        done = procs.spawn(cmd, shadow / build.module_dir.relative_to(src), build.env, timeout=RECORD_TIMEOUT)
        if procs.interrupted_since(mark) or done.timed_out or (done.returncode or 0) < 0:
            return "go build -n was stopped"
        if done.returncode != 0:  # the shape itself fails to load (imports, files): so it stays
            _save(build, {"format": FORMAT, "key": key, "refused": "go build -n failed"})
            return "go build -n failed"
        text = done.text("stderr").replace(str(shadow), str(src))
        try:
            plan, why = parse_plan(text, build)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            plan, why = None, f"a plan that could not be read ({exc!r})"
        if not why.startswith(UNBUILT):  # a dependency not yet in the build cache: record next time
            _save(build, {"format": FORMAT, "key": key, "refused": why, **(plan or {})})
        return why
    except (OSError, ValueError) as exc:  # a full disk, a vanished toolchain: the next build records again
        return f"not recorded: {exc}"
    finally:
        shutil.rmtree(shadow, ignore_errors=True)


def parse_plan(text: str, build: Build) -> tuple[dict | None, str]:
    """The compile steps (dependencies first) and the link of ``go build -n -x``'s output, or
    (None, why it cannot be replayed)."""
    lines, written, steps, link = text.split("\n"), {}, [], None
    cwd, i = build.module_dir, 0
    while i < len(lines):
        line, i = lines[i], i + 1
        if not line or line.startswith(("#", "mkdir -p ", "rm -r")) or re.match(r"mv \$WORK/b\d+/exe/a\.out ", line):
            continue  # comments, folders, and the final move (the replay moves the binary itself)
        if line.endswith(" # internal"):
            i, why = _internal(line.removesuffix(" # internal"), lines, i, written)
            if why:
                return None, why
            continue
        if line.startswith("cd "):
            cwd = build.module_dir if line == "cd ." else Path(line[3:])
            continue
        words = split_command(line)
        env = dict(w.split("=", 1) for w in _leading_assignments(words or []))
        argv = (words or [])[len(env):]
        tool = Path(argv[0]).name if argv else ""
        if tool == "compile" and not env:
            step, why = _compile_step(argv, cwd, written, build)
            if step is None:
                return None, why
            steps.append(step)
        elif tool == "link" and link is None:
            link, why = _link_step(argv, env, written)
            if link is None:
                return None, why
        else:
            return None, f"the plan runs something other than compile and link: {line[:120]}"
    return _finish(steps, link)


def _internal(body: str, lines: list[str], i: int, written: dict) -> tuple[int, str]:
    """One ``# internal`` line of the plan (a file it writes, a build ID it stamps)."""
    heredoc = re.fullmatch(r"cat >(\S+) << 'EOF'", body)
    if heredoc:
        try:
            end = lines.index("EOF", i)
        except ValueError:
            return i, "an unterminated file in the plan"
        written[heredoc.group(1)] = "".join(f"{line}\n" for line in lines[i:end])
        return end + 1, ""
    echo = re.fullmatch(r"echo '([^']*)' > (\S+)", body)
    if echo:
        written[echo.group(2)] = echo.group(1) + "\n"
        return i, ""
    if re.fullmatch(r"echo -n > (\S+)", body):
        written[body.rpartition(" ")[2]] = ""
        return i, ""
    if "buildid -w " in body:
        return i, ""  # stamps the content hash into the build ID; nothing reads it here
    return i, f"an unknown step in the plan: {body[:120]}"


def _compile_step(argv: list[str], cwd: Path, written: dict, build: Build) -> tuple[dict | None, str]:
    flags = dict(zip(argv, argv[1:]))
    if {"-asmhdr", "-symabis", "-embedcfg"} & set(argv):
        return None, "a package with assembly or embedded files"
    out = re.fullmatch(r"\$WORK/(b\d+)/_pkg_\.a", flags.get("-o", ""))
    importcfg = written.get(flags.get("-importcfg", ""))
    count = next((n for n in range(len(argv)) if not argv[-1 - n].endswith(".go")), len(argv))
    if out is None or importcfg is None or not count:
        return None, "a compile step the replay does not know"
    files, src = [], build.src.resolve()
    for n in range(len(argv) - count, len(argv)):
        path = Path(os.path.normpath(cwd / argv[n]))
        rel = path.relative_to(src).as_posix() if path.is_relative_to(src) else ""
        if rel not in build.files:
            return None, f"{UNBUILT}: {argv[n]}"
        argv[n] = str(path)  # the go command passes absolute paths (-n shows them relative)
        files.append(rel)
    return {"bdir": out.group(1), "cwd": str(cwd), "argv": argv, "importcfg": importcfg, "files": files,
            "deps": sorted(set(_ARCHIVE.findall(importcfg)))}, ""


def _link_step(argv: list[str], env: dict, written: dict) -> tuple[dict | None, str]:
    flags = dict(zip(argv, argv[1:]))
    importcfg = written.get(flags.get("-importcfg", ""))
    if importcfg is None or not re.fullmatch(r"\$WORK/b\d+/exe/a\.out", flags.get("-o", "")) \
            or not _ARCHIVE.fullmatch(argv[-1]):
        return None, "a link step the replay does not know"
    if "vcs." in importcfg:
        return None, "version-control build stamps (they change with the files)"
    return {"argv": argv, "env": env, "importcfg": importcfg,
            "deps": sorted(set(_ARCHIVE.findall(importcfg)) | {_ARCHIVE.fullmatch(argv[-1]).group(1)})}, ""


def _finish(steps: list[dict], link: dict | None) -> tuple[dict | None, str]:
    """Order the steps dependencies first; check that every archive the plan names is built by
    it or lies outside $WORK."""
    if link is None or not steps:
        return None, "no link in the plan (not a program?)"
    by_bdir = {s["bdir"]: s for s in steps}
    if len(by_bdir) != len(steps) or any(d not in by_bdir for s in [*steps, link] for d in s["deps"]):
        return None, "a plan whose archives do not add up"
    ordered: list[dict] = []

    def visit(step: dict, seen: tuple) -> None:
        if step in ordered or step["bdir"] in seen:
            return
        for dep in step["deps"]:
            visit(by_bdir[dep], seen + (step["bdir"],))
        ordered.append(step)

    for step in steps:
        visit(step, ())
    external = sorted({line.partition("=")[2] for s in [*steps, link] for line in s["importcfg"].splitlines()
                       if line.startswith("packagefile ") and "$WORK" not in line})
    return {"steps": ordered, "link": link, "external": external}, ""


_WORD = re.compile(r"\"(?:[^\"\\]|\\.)*\"|[A-Za-z_]\w*='[^']*'|[^\s\"]+")


def split_command(line: str) -> list[str] | None:
    """The words of a command as the go command prints it (``"..."`` in Go's quoting, a
    leading ``NAME='value'``); None when the line is not in that form."""
    words, pos = [], 0
    for match in _WORD.finditer(line):
        if line[pos:match.start()] != (" " if words else ""):
            return None
        word, pos = match.group(), match.end()
        if word.startswith('"'):
            word = _go_unquote(word)
            if word is None:
                return None
        elif re.fullmatch(r"[A-Za-z_]\w*='[^']*'", word) and all("=" in w for w in words):
            name, _, value = word.partition("=")
            word = f"{name}={value[1:-1]}"  # an environment assignment ahead of the command
        words.append(word)
    return words if pos == len(line) and words else None


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[abfnrtv\\\"'])")
_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"', "'": "'"}


def _go_unquote(quoted: str) -> str | None:
    body = quoted[1:-1]
    text = _ESCAPE.sub(lambda m: _SIMPLE.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), body)
    # Escapes of single bytes (\x, octal) stand for invalid UTF-8: not replayed.
    return None if "\\" in _ESCAPE.sub("", body) else text


def _leading_assignments(words: list[str]) -> list[str]:
    out = []
    for word in words:
        if not re.fullmatch(r"[A-Za-z_]\w*=.*", word):
            break
        out.append(word)
    return out


def _load(build: Build, key: str) -> dict | None:
    try:
        plan = json.loads(build.plan_file.read_text())
    except (OSError, ValueError):
        return None
    return plan if isinstance(plan, dict) and plan.get("format") == FORMAT and plan.get("key") == key else None


def _save(build: Build, plan: dict) -> None:
    build.state.mkdir(parents=True, exist_ok=True)
    tmp = build.plan_file.with_name(f"plan.json.{os.getpid()}.{threading.get_ident()}")
    tmp.write_text(json.dumps(plan))
    os.replace(tmp, build.plan_file)


# -- replaying ---------------------------------------------------------------------------------

def replay(build: Build, key: str, mark: int) -> float | None:
    """Build ``build.binary`` from the recorded plan of ``key``: seconds taken, or None when
    ``go build`` must do it (no plan, a missing archive, a step that failed or printed).
    Raises KeyboardInterrupt when :func:`procs.stop_all` ran meanwhile."""
    plan = _load(build, key)
    if plan is None or plan.get("refused"):
        return None
    try:
        return _replay(build, plan, mark)
    except (KeyError, TypeError, ValueError, AttributeError):  # a plan file damaged on disk
        build.plan_file.unlink(missing_ok=True)
        return None


def _replay(build: Build, plan: dict, mark: int) -> float | None:
    if not all(os.path.exists(p) for p in plan["external"]):
        return None
    start = time.perf_counter()
    archives: dict[str, Path] = {}
    digests: dict[str, str] = {}
    for step in plan["steps"]:
        digests[step["bdir"]] = _digest(step, build.files, digests)
        archives[step["bdir"]] = build.state / "pkg" / f"{step['bdir']}-{digests[step['bdir']]}.a"
        if not archives[step["bdir"]].exists() and not _compile(build, step, archives, mark):
            return None
    if not _link(build, plan["link"], archives, mark):
        return None
    keep = set(archives.values())
    for old in (build.state / "pkg").iterdir():
        if old not in keep:
            old.unlink(missing_ok=True)
    return time.perf_counter() - start


def _digest(step: dict, files: dict[str, str], digests: dict[str, str]) -> str:
    """What an archive of ``step`` is built from: its command, its files and its module imports."""
    h = hashlib.sha256(json.dumps([step["argv"], step["importcfg"]]).encode())
    for rel in step["files"]:
        h.update(json.dumps([rel, files.get(rel)]).encode())
    for dep in step["deps"]:
        h.update(digests[dep].encode())
    return h.hexdigest()[:24]


def _substitute(text: str, archives: dict[str, Path], work: Path) -> str:
    text = _ARCHIVE.sub(lambda m: str(archives[m.group(1)]), text)
    return text.replace("$WORK", str(work))


def _run_step(build: Build, argv: list[str], cwd: str | Path, env: dict, mark: int) -> bool:
    """Run one replayed step; True when it worked and said nothing.

    A step that fails (a compile error, mostly) drops the plan: ``go build`` reports the error
    in its own words and the plan is recorded afresh, so a plan that went wrong cannot stick.
    A step that works but prints (``-gcflags=-m``) will always print: its plan is marked
    refused, and ``go build``, which shows that text its own way, builds this shape from now on.
    """
    try:
        done = procs.spawn(argv, cwd, env, timeout=STEP_TIMEOUT)
    except OSError:
        done = None
    if procs.interrupted_since(mark):
        raise KeyboardInterrupt
    if done is None or done.timed_out or done.returncode != 0:
        build.plan_file.unlink(missing_ok=True)
        return False
    if done.stdout or done.stderr:
        _save(build, {**json.loads(build.plan_file.read_text()), "refused": "a replayed step prints"})
        return False
    return True


def _compile(build: Build, step: dict, archives: dict[str, Path], mark: int) -> bool:
    work, target = build.state / "work", archives[step["bdir"]]
    target.parent.mkdir(parents=True, exist_ok=True)
    (work / step["bdir"]).mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    own = {**archives, step["bdir"]: partial}
    argv = [_substitute(a, own, work) for a in step["argv"]]
    Path(argv[argv.index("-importcfg") + 1]).write_text(_substitute(step["importcfg"], archives, work))
    if not _run_step(build, argv, step["cwd"], build.env, mark):
        partial.unlink(missing_ok=True)
        return False
    os.replace(partial, target)
    return True


def _link(build: Build, link: dict, archives: dict[str, Path], mark: int) -> bool:
    work = build.state / "work"
    argv = [_substitute(a, archives, work) for a in link["argv"]]
    config, out = Path(argv[argv.index("-importcfg") + 1]), Path(argv[argv.index("-o") + 1])
    out.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(_substitute(link["importcfg"], archives, work))
    out.unlink(missing_ok=True)
    if not _run_step(build, argv, build.module_dir, {**build.env, **link["env"]}, mark) or not out.exists():
        return False
    os.replace(out, build.binary)
    return True
