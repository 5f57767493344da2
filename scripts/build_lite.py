#!/usr/bin/env python3
"""Build the course as a JupyterLite site that needs no server and no install (`make lite`).

    python scripts/build_lite.py [--out build/lite] [--work build/lite-work]

The notebooks open in the browser's own Python (Pyodide, through jupyterlite-pyodide-kernel),
where ``%load_ext golink_magic`` works as in JupyterLab and builds run Go's own tools compiled
to WebAssembly (scripts/lite_go.py lays those out under OUT/golink/).

Everything comes from the package registries, and the site fetches nothing from elsewhere:

* JupyterLite itself: PyPI ``jupyterlite-core[contents]`` and ``jupyterlite-pyodide-kernel``
  (pinned below), in a venv of its own under WORK.
* Pyodide: jupyterlite-pyodide-kernel would load it from a CDN.  The npm package ``pyodide``
  (``npm pack``, the version the kernel expects) carries its core but no package wheels; the
  pure-Python wheels the kernel loads (IPython and its dependencies, micropip, jedi …) come from
  PyPI at the versions its ``pyodide-lock.json`` names, and the lock is cut down to them, with
  their sha256 rewritten.  Placed in LITE_DIR/static/pyodide/, the build points the kernel there.
* golink_magic itself (a wheel of this checkout) and ipywidgets + comm are added to that lock and
  preloaded by the kernel (``loadPyodideOptions.packages``), so a fresh kernel imports them at once.
* The widget manager and this package's Go highlighting are the lab extensions installed in the
  build venv (ipywidgets' ``jupyterlab_widgets`` and ``golink-magic-highlight``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import lite_go  # noqa: E402

JUPYTERLITE = "0.8.6"
PYODIDE = "314.0.6"     # what jupyterlite-pyodide-kernel 0.8.6 loads
PYTHON = "3.14"         # Pyodide 314's Python
KERNEL_PACKAGES = ["micropip", "packaging", "ipython", "jedi"]  # what the kernel loads from the lock
# Pure wheels from PyPI added to the lock: lock key -> (version, depends, imports)
EXTRA = {
    "comm": ("0.2.3", [], ["comm"]),
    "jupyterlab-widgets": ("3.0.17", [], ["jupyterlab_widgets"]),
    "ipywidgets": ("8.1.9", ["comm", "ipython", "traitlets", "widgetsnbextension", "jupyterlab-widgets"], ["ipywidgets"]),
}
# The kernel's own wheels, from the kernel extension's static/pypi/ (widgetsnbextension there is a
# stub that satisfies ipywidgets without the classic notebook's 2 MB of JavaScript).
KERNEL_WHEELS = {
    "piplite": (["micropip"], ["piplite"]),
    "pyodide-kernel": (["comm", "ipython"], ["pyodide_kernel"]),
    "ipykernel": (["pyodide-kernel"], ["ipykernel"]),
    "widgetsnbextension": ([], ["widgetsnbextension"]),
}
PRELOAD = ["micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython", "ipywidgets", "golink-magic"]
PIP = ["--isolated", "--disable-pip-version-check"]


def run(cmd: list, **kw) -> None:
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def build_venv(work: Path) -> Path:
    """A venv with JupyterLite and the lab extensions the site carries."""
    venv = work / "venv"
    if not (venv / "bin" / "jupyter-lite").exists():
        run([sys.executable, "-m", "venv", venv])
        run([venv / "bin" / "python", "-m", "pip", "install", "-q", *PIP, f"jupyterlite-core[contents]=={JUPYTERLITE}",
             f"jupyterlite-pyodide-kernel=={JUPYTERLITE}", f"jupyterlab_widgets=={EXTRA['jupyterlab-widgets'][0]}"])
    # golink_magic's Go highlighting, as the dev venv links it (a wheel would install it the same way)
    ext = venv / "share" / "jupyter" / "labextensions" / "golink-magic-highlight"
    if not ext.exists():
        ext.parent.mkdir(parents=True, exist_ok=True)
        ext.symlink_to(ROOT / "golink_magic" / "labextension")
    return venv


def pyodide_core(work: Path) -> Path:
    """The npm package's files (npm pack, unpacked)."""
    npm = work / "npm"
    package = npm / "package"
    if not (package / "pyodide-lock.json").exists():
        npm.mkdir(parents=True, exist_ok=True)
        run(["npm", "pack", "-q", f"pyodide@{PYODIDE}"], cwd=npm, stdout=subprocess.DEVNULL)
        with tarfile.open(npm / f"pyodide-{PYODIDE}.tgz") as tar:
            tar.extractall(npm, filter="data")
    return package


def _norm(name: str) -> str:
    return name.lower().replace("_", "-")


def lock_closure(lock: dict, roots: list[str]) -> list[str]:
    """The lock's names of ``roots`` and everything they depend on."""
    by_norm = {_norm(k): k for k in lock["packages"]}
    found, stack = [], list(roots)
    while stack:
        key = by_norm[_norm(stack.pop())]
        if key not in found:
            found.append(key)
            stack += lock["packages"][key]["depends"]
    return sorted(found)


def wheels(venv: Path, work: Path, lock: dict, keys: list[str]) -> Path:
    """The pure wheels of ``keys`` (lock versions), the extras, and a wheel of this checkout."""
    out = work / "wheels"
    out.mkdir(parents=True, exist_ok=True)
    specs = [f"{lock['packages'][k]['name']}=={lock['packages'][k]['version']}" for k in keys]
    specs += [f"{name}=={version}" for name, (version, _, _) in EXTRA.items()]
    kernel_pypi = venv / "share" / "jupyter" / "labextensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static" / "pypi"
    for name in KERNEL_WHEELS:
        shutil.copy2(next(kernel_pypi.glob(f"{name.replace('-', '_')}-*.whl")), out)
    run([venv / "bin" / "python", "-m", "pip", "download", "-q", *PIP, "--no-deps", "--only-binary=:all:",
         "--python-version", PYTHON, "--platform", "any", "--implementation", "py", "-d", out, *specs])
    for old in out.glob("golink_magic-*.whl"):
        old.unlink()
    run([sys.executable, "-m", "pip", "wheel", "-q", *PIP, "--no-deps", "-w", out, ROOT],
        stdout=subprocess.DEVNULL)
    return out


def _entry(name: str, version: str, wheel: Path, depends: list[str], imports: list[str]) -> dict:
    return {"name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(), "package_type": "package",
            "imports": imports, "depends": depends, "unvendored_tests": False}


def offline_pyodide(core: Path, wheel_dir: Path, keys: list[str], out: Path) -> list[str]:
    """LITE/static/pyodide: the core files, the wheels, and the lock cut down to them."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("pyodide.mjs", "pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "package.json"):
        shutil.copy2(core / name, out / name)
    lock = json.loads((core / "pyodide-lock.json").read_text())
    kept = {}
    for key in keys:
        pkg = lock["packages"][key]
        wheel = wheel_dir / pkg["file_name"]
        shutil.copy2(wheel, out / wheel.name)
        pkg["sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()  # PyPI's wheel, not Pyodide's rebuild
        kept[key] = pkg
    extra = {name: (next(wheel_dir.glob(f"{name.replace('-', '_')}-{version}-*.whl")), depends, imports)
             for name, (version, depends, imports) in EXTRA.items()}
    extra |= {name: (next(wheel_dir.glob(f"{name.replace('-', '_')}-*.whl")), depends, imports)
              for name, (depends, imports) in KERNEL_WHEELS.items()}
    for name, (wheel, depends, imports) in extra.items():
        shutil.copy2(wheel, out / wheel.name)
        kept[name] = _entry(name, wheel.name.split("-")[1], wheel, depends, imports)
    ours = next(wheel_dir.glob("golink_magic-*.whl"))
    shutil.copy2(ours, out / ours.name)
    kept["golink-magic"] = _entry("golink-magic", ours.name.split("-")[1], ours,
                                  ["ipywidgets", "ipython", "pygments", "platformdirs", "traitlets"], ["golink_magic"])
    missing = {d for p in kept.values() for d in p["depends"]} - {_norm(k) for k in kept} - set(kept)
    missing = {m for m in missing if _norm(m) not in {_norm(k) for k in kept}}
    if missing:
        raise SystemExit(f"the cut Pyodide lock misses {sorted(missing)}")
    lock["packages"] = kept
    (out / "pyodide-lock.json").write_text(json.dumps(lock, indent=1))
    return sorted(kept)


def lite_dir(work: Path, core: Path, wheel_dir: Path, keys: list[str]) -> Path:
    lite = work / "lite"
    if lite.exists():
        shutil.rmtree(lite)
    (lite / "files").mkdir(parents=True)
    offline_pyodide(core, wheel_dir, keys, lite / "static" / "pyodide")
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(nb, lite / "files" / nb.name)
    shutil.copytree(ROOT / "notebooks" / "cases", lite / "files" / "cases")
    settings = {"disablePyPIFallback": True, "loadPyodideOptions": {"packages": PRELOAD}}
    # Every cell in the page (no windowing): Run All's views all render, and find-in-page sees them.
    (lite / "overrides.json").write_text(json.dumps({
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}, indent=1))
    (lite / "jupyter-lite.json").write_text(json.dumps({
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {"appName": "golink_magic course", "litePluginSettings": {
            "@jupyterlite/pyodide-kernel-extension:kernel": settings}}}, indent=1))
    return lite


def build(out: Path, work: Path) -> None:
    start = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    venv = build_venv(work)
    core = pyodide_core(work)
    lock = json.loads((core / "pyodide-lock.json").read_text())
    keys = lock_closure(lock, KERNEL_PACKAGES + ["pygments", "platformdirs", "traitlets"])
    wheel_dir = wheels(venv, work, lock, keys)
    lite = lite_dir(work, core, wheel_dir, keys)
    if out.exists():
        shutil.rmtree(out)
    flags = ["--lite-dir", lite, "--output-dir", out, "--no-sourcemaps"]
    run([venv / "bin" / "jupyter", "lite", "build", *flags], cwd=lite)
    run([venv / "bin" / "jupyter", "lite", "check", *flags], cwd=lite, stdout=subprocess.DEVNULL)
    print("Go for the browser:", flush=True)
    lite_go.lay_out(out, work / "wasm-tools")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"built {out} in {time.perf_counter() - start:.0f} s: {size / 1e6:.0f} MB on disk")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lite")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "lite-work")
    args = parser.parse_args()
    build(args.out.resolve(), args.work.resolve())


if __name__ == "__main__":
    main()
