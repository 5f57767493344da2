"""The Go half of the JupyterLite course (`make lite`): Go's tools as WebAssembly, the standard
library's archives per target and the browser's WASI runner, laid out under OUT/golink/.

    OUT/golink/manifest.json          version, tools, targets, runner
    OUT/golink/tools/NAME.wasm        compile, asm, pack, link, objdump, nm (GOOS=wasip1 GOARCH=wasm)
    OUT/golink/pkg/GOOS_GOARCH/...    one archive per standard package + stdlib.json
    OUT/golink/go/pkg/include/*.h     the assembler's include files
    OUT/golink/golink-wasi.js         lite/wasi-host.js bundled with the npm WASI shim

Everything is built from the pinned toolchain's own GOROOT; the tools are kept in CACHE (keyed
by the Go version) so a second build copies them.  Nothing here is committed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from golink_magic.engine import stdlib  # noqa: E402
from golink_magic.engine.catalog import default_toolchain  # noqa: E402

TOOLS = ("compile", "asm", "pack", "link", "objdump", "nm")
# The packages a learner's program may import in the browser (with all they depend on): what the
# course imports, and the standard packages a short program most often reaches for.
PACKAGES = ("fmt unsafe unicode crypto/tls runtime runtime/metrics runtime/debug reflect os debug/elf testing "
            "strings strconv bytes errors sort sync sync/atomic time math math/bits math/rand io bufio slices "
            "maps encoding/binary encoding/json unicode/utf8 container/list embed").split()
TARGETS = (("linux", "amd64"), ("linux", "386"), ("wasip1", "wasm"))
# Go source the course reads from $GOROOT/src: every standard-library file that holds a
# //go:linkname directive or a "hall of shame" comment, and the linker's files chapter 8 quotes.
LINKER_SOURCES = ("cmd/link/internal/ld/ld.go", "cmd/link/internal/loader/loader.go")
RUNNING = "wasip1_wasm"


def build_tools(tc, cache: Path) -> Path:
    """compile.wasm and the rest for this toolchain, built once into CACHE/VERSION/."""
    out = cache / tc.version
    out.mkdir(parents=True, exist_ok=True)
    env = {**tc.env(), "GOOS": "wasip1", "GOARCH": "wasm"}
    for tool in TOOLS:
        target = out / f"{tool}.wasm"
        if target.exists():
            continue
        print(f"  building {tool}.wasm from {tc.goroot}/src/cmd/{tool}", flush=True)
        part = target.with_suffix(".part")
        subprocess.run([str(tc.go), "build", "-trimpath", "-ldflags=-s", "-o", str(part), f"cmd/{tool}"],
                       env=env, check=True, cwd=tc.goroot / "src")
        os.replace(part, target)
    return out


def lay_out(out: Path, cache: Path) -> dict:
    """Write OUT/golink/ (see the module's docstring); returns the manifest."""
    tc = default_toolchain()
    golink = out / "golink"
    if golink.exists():
        shutil.rmtree(golink)
    (golink / "tools").mkdir(parents=True)
    built = build_tools(tc, cache)
    for tool in TOOLS:
        shutil.copy2(built / f"{tool}.wasm", golink / "tools" / f"{tool}.wasm")
    shutil.copytree(tc.goroot / "pkg" / "include", golink / "go" / "pkg" / "include")
    targets = {}
    for goos, goarch in TARGETS:
        name = f"{goos}_{goarch}"
        print(f"  standard library for {goos}/{goarch}", flush=True)
        std = stdlib.collect(tc, goos, goarch, list(PACKAGES))
        folder = golink / "pkg" / name
        for path, pkg in std.packages.items():
            dest = folder / f"{path}.a"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(pkg.archive, dest)
            pkg.archive = f"{path}.a"
        (folder / "stdlib.json").write_text(std.to_json())
        targets[name] = f"pkg/{name}/stdlib.json"
    sources = carry_sources(tc.goroot / "src", golink / "go" / "src")
    runner = bundle_runner()
    shutil.copy2(runner, golink / "golink-wasi.js")
    manifest = {"version": tc.version, "tools": {t: f"tools/{t}.wasm" for t in TOOLS}, "targets": targets,
                "running": RUNNING, "runner": "golink-wasi.js", "sources": sources}
    (golink / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def carry_sources(src: Path, out: Path) -> str:
    """Copy the Go source the course reads (see LINKER_SOURCES) and list it in go/src.json."""
    chosen = list(LINKER_SOURCES)
    for path in sorted(src.rglob("*.go")):
        rel = path.relative_to(src).as_posix()
        if rel.startswith("cmd/") or "/testdata/" in rel or rel.endswith("_test.go"):
            continue
        text = path.read_text(errors="replace")
        if "//go:linkname" in text or "hall of shame" in text:
            chosen.append(rel)
    for rel in chosen:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, out / rel)
    (out.parent / "src.json").write_text(json.dumps(sorted(chosen)))
    return "go/src.json"


def bundle_runner() -> Path:
    """lite/dist/golink-wasi.js, built with npm (esbuild) from lite/wasi-host.js."""
    lite = ROOT / "lite"
    if not (lite / "node_modules" / "@bjorn3" / "browser_wasi_shim").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=lite, check=True)
    subprocess.run(["npm", "run", "--silent", "build"], cwd=lite, check=True)
    return lite / "dist" / "golink-wasi.js"
