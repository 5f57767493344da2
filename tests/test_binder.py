"""binder/: the files repo2docker reads, and postBuild really run in a fresh venv.

No Docker engine exists here, so the image itself is not built: the fixture does what repo2docker
does for a ``binder/`` folder with ``runtime.txt`` + ``requirements.txt`` + ``postBuild`` — a new
Python environment (with a current pip, as repo2docker's has), ``pip install -r
binder/requirements.txt``, then ``binder/postBuild`` from a copy of the repository with a fresh
``$HOME`` — and then checks that a learner's first build finds everything already compiled.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from golink_magic.frontends.session import load_case

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
_COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", ".pytest_cache", "*.egg-info", "__pycache__",
                                      "test-artifacts", ".ipynb_checkpoints", "build", "dist")


def requirements() -> dict[str, Requirement]:
    """binder/requirements.txt parsed the way pip reads it (comments and blank lines skipped)."""
    reqs = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            assert canonicalize_name(req.name) not in reqs, f"{req.name} is listed twice"
            reqs[canonicalize_name(req.name)] = req
    return reqs


def pinned(req: Requirement) -> str:
    """The version of an exact ``==`` pin."""
    (spec,) = req.specifier
    assert spec.operator == "==", f"{req} is not pinned with =="
    return spec.version


def extra_toolchains() -> list[str]:
    """The versions postBuild installs besides the embedded Go (its EXTRA_GO line)."""
    m = re.search(r'^EXTRA_GO="([^"]*)"', (BINDER / "postBuild").read_text(), re.M)
    assert m, "postBuild has no EXTRA_GO=\"...\" line"
    return m.group(1).split()


def versions_used_by_notebooks() -> set[str]:
    """Go versions the notebooks pick (``--go``, ``%gotoolchains install``), the embedded 1.27 excluded."""
    found = set()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                for value in re.findall(r"(?:--go[= ]+|gotoolchains install +)['\"]?([\w.,/]+)", cell.source):
                    found |= {v for v in value.split(",") if re.fullmatch(r"(go)?1\.\d+(\.\d+)?", v)}
    return {v.removeprefix("go") for v in found if not v.removeprefix("go").startswith("1.27")}


# --- the files, as repo2docker reads them -------------------------------------------------

def test_runtime_names_a_python_the_package_supports():
    text = (BINDER / "runtime.txt").read_text()
    m = re.fullmatch(r"python-(\d+\.\d+)\n?", text)
    assert m, f"runtime.txt must be one line like python-3.12, got {text!r}"
    assert m.group(1) in SpecifierSet(PYPROJECT["project"]["requires-python"])


def test_requirements_pin_every_runtime_dependency():
    reqs = requirements()
    for dep in map(Requirement, PYPROJECT["project"]["dependencies"]):
        key = canonicalize_name(dep.name)
        assert key in reqs, f"{dep.name} (a dependency in pyproject.toml) is missing from binder/requirements.txt"
        version = pinned(reqs[key])
        assert version in dep.specifier, f"binder pins {dep.name}=={version}, pyproject wants {dep.specifier}"
    for req in reqs.values():
        pinned(req)


def test_jupyter_stack_is_the_one_tested_together():
    reqs = requirements()
    assert {name: pinned(reqs[name]) for name in ("jupyterlab", "ipywidgets", "ipykernel")} == {
        "jupyterlab": "4.6.6", "ipywidgets": "8.1.9", "ipykernel": "7.4.0"}
    assert "jupyterlab-widgets" in reqs, "pin the widget front end too, so it matches ipywidgets"


def test_postbuild_is_an_executable_script():
    script = BINDER / "postBuild"
    assert script.read_text().startswith("#!/usr/bin/env bash\n")
    assert os.access(script, os.X_OK), "repo2docker only runs postBuild when it is executable"
    check = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_postbuild_installs_every_toolchain_the_notebooks_pick():
    installed = extra_toolchains()
    for version in versions_used_by_notebooks():
        assert any(version == v or version.startswith(v + ".") for v in installed), (
            f"a notebook uses --go {version}; add it to EXTRA_GO in binder/postBuild")


# --- postBuild, run for real ----------------------------------------------------------------

def _python_for(runtime: str) -> str:
    """The interpreter runtime.txt names when it exists here, else the one running the tests."""
    exe = shutil.which(f"python{runtime}")
    if exe and subprocess.run([exe, "--version"], capture_output=True).returncode == 0:
        return exe
    print(f"note: python{runtime} is not available here; the fresh venv uses {sys.version.split()[0]}")
    return sys.executable


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    """A fresh venv + $HOME after repo2docker's steps; yields (venv bin dir, env, repo copy)."""
    base = tmp_path_factory.mktemp("binder")
    repo, home, venv = base / "repo", base / "home", base / "venv"
    shutil.copytree(ROOT, repo, ignore=_COPY_IGNORE)
    home.mkdir()
    runtime = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    _run([_python_for(runtime), "-m", "venv", str(venv)])
    bindir = venv / "bin"
    drop = ("GOLINK_CACHE_DIR", "GOLINK_GO", "XDG_CACHE_HOME", "VIRTUAL_ENV", "PYTHONPATH",
            "IPYTHONDIR", "JUPYTER_CONFIG_DIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    # keep pip's download cache (a new $HOME would hide it); everything else lives in the new $HOME
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    env.update(HOME=str(home), PATH=f"{bindir}{os.pathsep}{env['PATH']}")
    started = time.monotonic()
    _run([bindir / "python", "-m", "pip", "install", "-q", "--upgrade", "pip"], env=env)
    _run([bindir / "python", "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"], cwd=repo, env=env)
    installed = time.monotonic()
    post = _run([repo / "binder" / "postBuild"], cwd=repo, env=env)
    done = time.monotonic()
    sizes = subprocess.run(["du", "-sh", str(venv), str(home / ".cache" / "golink_magic")],
                           capture_output=True, text=True).stdout
    print(f"binder: requirements {installed - started:.0f} s, postBuild {done - installed:.0f} s\n{sizes}")
    yield bindir, env, repo, post


def test_postbuild_leaves_a_consistent_environment(binder):
    bindir, env, _, _ = binder
    _run([bindir / "python", "-m", "pip", "check"], env=env)
    exts = _run([bindir / "jupyter", "labextension", "list"], env=env)
    listing = exts.stdout + exts.stderr
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ \S*enabled", listing), listing


def test_postbuild_says_what_it_compiles_while_the_cache_is_cold(binder):
    # Binder's build log is all a maintainer sees of the half-minute the fresh $HOME compiles.
    post = binder[3]
    lines = [line for line in post.stderr.splitlines() if line.startswith("building: ")]
    assert lines, post.stderr[-2000:]
    assert any(re.match(r"building: \d+ s, \d+ packages compiled, .*\. The first build with go1\.2\d\.\d+ on this "
                        r"machine compiles the standard library; Go's build cache keeps it for every later run\.$", line)
               for line in lines), lines


def test_postbuild_turns_off_the_news_popup(binder):
    bindir, env, _, _ = binder
    prefix = _run([bindir / "python", "-c", "import sys; print(sys.prefix)"], env=env).stdout.strip()
    overrides = json.loads((Path(prefix) / "share/jupyter/lab/settings/overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_postbuild_installs_the_extra_toolchains(binder):
    bindir, env, _, _ = binder
    listed = json.loads(_run([bindir / "golink-magic", "toolchains", "--json"], env=env).stdout)
    versions = [t["version"] for t in listed]
    assert "go1.27.3" in versions
    for extra in extra_toolchains():
        assert any(v.startswith(f"go{extra}") for v in versions), versions


def _course_imports(repo: Path, goarch: str) -> list[str]:
    """Every package the course's cases for ``goarch`` import (their own packages included)."""
    found = set()
    for case in (repo / "notebooks" / "cases").glob("*.txtar"):
        files, options = load_case(case)
        if (options.goarch or "amd64") != goarch:
            continue
        for name, text in files.items():
            if name.endswith(".go"):
                for block in re.findall(r"^import\s*\((.*?)^\)", text, re.M | re.S):
                    found |= set(re.findall(r'"([^"]+)"', block))
                found |= set(re.findall(r'^import\s+(?:\w+\s+)?"([^"]+)"', text, re.M))
    return sorted(found)


PROBE_GO_MOD = "module probe\n\ngo 1.19\n"


@pytest.mark.parametrize("version,goarch", [("1.27", "amd64"), ("1.27", "386"), ("extra", "amd64")])
def test_first_build_after_postbuild_compiles_only_the_learners_code(binder, tmp_path, version, goarch):
    """A new program importing every std package the course's cases use: `go build -x` compiles only it."""
    bindir, env, repo, _ = binder
    version = extra_toolchains()[0] if version == "extra" else version
    (tmp_path / "go.mod").write_text(PROBE_GO_MOD)
    probe = (
        "import json, sys\n"
        "from golink_magic.engine.catalog import resolve\n"
        "tc = resolve(sys.argv[1])\n"
        "print(json.dumps({'go': str(tc.go), 'env': tc.env(goarch=sys.argv[2])}))\n"
    )
    found = json.loads(_run([bindir / "python", "-c", probe, version, goarch], env=env).stdout)
    std = set(_run([found["go"], "list", "std"], cwd=tmp_path, env=found["env"]).stdout.split())
    imports = sorted(set(_course_imports(repo, goarch)) & std - {"unsafe"})
    assert "fmt" in imports
    (tmp_path / "main.go").write_text(
        "package main\n\nimport (\n" + "".join(f'\t_ "{p}"\n' for p in imports) + ')\n\nfunc main() {}\n')
    build = _run([found["go"], "build", "-x", "-trimpath", "-o", "prog", "."], cwd=tmp_path, env=found["env"])  # as golink builds
    compiled = re.findall(r"/compile -o \S+ .*?-p (\S+)", build.stderr)
    assert compiled == ["main"], f"std was not warm for go {version} {goarch}: compiled {compiled[:10]}…"
    # shipped in GOROOT up to Go 1.24, built into GOCACHE on first use since 1.25
    goroot, gocache = Path(found["env"]["GOROOT"]), Path(found["env"]["GOCACHE"])
    assert list(goroot.glob("pkg/tool/*/objdump")) + list(gocache.glob("*/*-d/objdump")), \
        "the objdump tool was not built ahead of time"


def test_gorun_works_in_the_fresh_environment(binder, tmp_path):
    """The installed package, a real IPython shell, a program no warm step has seen."""
    bindir, env, _, _ = binder
    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "ip.run_line_magic('load_ext', 'golink_magic')\n"
        "ip.run_cell_magic('gofile', 'main.go', 'package main\\n\\nimport \"fmt\"\\n\\n"
        "func main() { fmt.Println(\"fresh binder says\", 6*7) }\\n')\n"
        "r = ip.run_line_magic('gorun', '--expect ok')\n"
        "print('OUTCOME', r.outcome, r.go_version)\nprint('STDOUT', r.stdout)\n"
    )
    run = _run([bindir / "python", "-c", script], cwd=tmp_path, env=env)
    assert "STDOUT fresh binder says 42" in run.stdout
    assert re.search(r"^OUTCOME ok go version go1\.27\.3 ", run.stdout, re.M), run.stdout
