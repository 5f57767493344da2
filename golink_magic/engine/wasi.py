"""Go's tools as WebAssembly (WASI) modules in a browser: the :class:`~.tools.ToolHost` of a
JupyterLite kernel.

The kernel is Pyodide in a Web Worker; the site carries ``compile.wasm``, ``link.wasm`` and the
rest (built from the pinned toolchain for ``GOOS=wasip1 GOARCH=wasm``), the standard library's
archives per target, and ``golink-wasi.js`` (``lite/wasi-host.js``: the npm WASI shim
``@bjorn3/browser_wasi_shim`` and a synchronous runner).  A tool run hands the runner the files
under the run's folders, and the site paths (``/golink/…``) of the archives its import
configuration names; the runner fetches those once, runs the module to its end and hands back
what it wrote, which is written to Pyodide's file system — so the engine above sees ordinary
files, as with native tools.

The site is described by ``golink/manifest.json`` (:func:`load_site`).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .procs import Completed
from .stdlib import StdLib, from_json

SITE_ROOT = "/golink"   # where the site's files appear to the tools (and to Python's checks)
_PACKAGEFILE = re.compile(r"^packagefile [^=]+=(/golink/\S+)$", re.M)


def in_browser() -> bool:
    """Whether this Python runs in a browser (Pyodide)."""
    import sys

    return sys.platform == "emscripten"


@dataclass
class Site:
    """What a JupyterLite course site carries for building Go: where it is, the toolchain's
    version, the tools and the standard library per target (``linux_amd64`` …)."""

    base: str                 # URL of the site's golink/ folder, ending in "/"
    version: str              # go1.27.3
    tools: dict[str, str]     # tool name -> path below base
    targets: dict[str, str]   # GOOS_GOARCH -> its stdlib.json below base
    running: str              # the target whose programs run in the browser (wasip1_wasm)
    sources: str = ""         # the list of the Go source files it carries (below go/src/)

    def stdlib(self, target: str) -> StdLib:
        """The standard library of ``target`` (its archives at their site paths)."""
        return from_json(_fetch_text(self.base + self.targets[target]),
                         f"{SITE_ROOT}/{Path(self.targets[target]).parent.as_posix()}")


def site_base() -> str:
    """The URL of the site's golink/ folder, from the worker's own address (JupyterLite serves
    the kernel's worker from below the site's root: ``…/extensions/…``)."""
    import js  # noqa: F401 - Pyodide's bridge to the worker's globals

    href = str(js.location.href)
    root = href.split("/extensions/", 1)[0] if "/extensions/" in href else href.rsplit("/", 1)[0]
    return os.environ.get("GOLINK_SITE", root.rstrip("/") + "/golink/")


def load_site(base: str | None = None) -> Site:
    """Read the site's manifest and load the runner into this worker."""
    base = base or site_base()
    manifest = json.loads(_fetch_text(base + "manifest.json"))
    _load_runner(base + manifest["runner"])
    return Site(base, manifest["version"], manifest["tools"], manifest["targets"], manifest["running"],
                manifest.get("sources", ""))


def carry_sources(site: Site, goroot: str) -> int:
    """Make the Go source files the site carries readable below ``goroot``/src: each is a lazy
    file of Pyodide's file system, fetched from the site the first time it is read.  Returns how
    many."""
    if not site.sources:
        return 0
    import pyodide_js

    names = json.loads(_fetch_text(site.base + site.sources))
    for rel in names:
        path = f"{goroot}/src/{rel}"
        if os.path.exists(path):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pyodide_js.FS.createLazyFile(os.path.dirname(path), os.path.basename(path),
                                     f"{site.base}go/src/{rel}", True, False)
    return len(names)


def _fetch_text(url: str, attempts: int = 3) -> str:
    """The text at ``url`` (a synchronous request: allowed in the kernel's worker).  A request
    the browser drops (a busy page's service worker, a loaded machine) is tried again."""
    import js

    said = ""
    for attempt in range(attempts):
        try:
            xhr = js.XMLHttpRequest.new()
            xhr.open("GET", url, False)
            xhr.send()
        except Exception as exc:  # noqa: BLE001 - Pyodide's JsException: the request never completed
            said = str(exc)
        else:
            if xhr.status == 200:
                return str(xhr.responseText)
            said = f"HTTP {xhr.status}"
        time.sleep(0.2 * (attempt + 1))
    raise OSError(f"{url}: {said}")


def _load_runner(url: str) -> None:
    import js
    from pyodide.code import run_js

    if getattr(js.globalThis, "golinkWasi", None) is None:
        run_js(_fetch_text(url))


def _files_under(folders: list[str]) -> tuple[dict[str, bytes], list[str]]:
    """Every file below ``folders`` with its bytes, and every folder (an empty one may be written into)."""
    found, dirs = {}, []
    for folder in folders:
        for dirpath, _, names in os.walk(folder):
            dirs.append(dirpath)
            for name in names:
                path = os.path.join(dirpath, name)
                with open(path, "rb") as fh:
                    found[path] = fh.read()
    return found, dirs


class BrowserTools:
    """Runs Go's tools as WASI modules in this worker (see the module's docstring)."""

    label = "WebAssembly in the browser"

    def __init__(self, site: Site):
        self.site = site

    def _site_files(self, argv: list[str], files: dict[str, bytes]) -> dict[str, str]:
        """The site files a run reads: the archives its import configuration names, and the
        assembler's include files."""
        wanted: set[str] = set()
        for i, arg in enumerate(argv[:-1]):
            if arg == "-importcfg" and argv[i + 1] in files:
                wanted |= set(_PACKAGEFILE.findall(files[argv[i + 1]].decode()))
            if arg == "-I" and argv[i + 1].startswith(SITE_ROOT + "/"):
                wanted |= {f"{argv[i + 1]}/{h}" for h in ("asm_amd64.h", "funcdata.h", "textflag.h")}
        return {path: self.site.base + path[len(SITE_ROOT) + 1:] for path in sorted(wanted)}

    def run(self, tool: str, argv: list[str], cwd: str, env: dict, timeout: float = 0,
            reads: list[str] = ()) -> Completed:
        files, dirs = _files_under(list(reads))
        return self._run({"tool": tool, "url": self.site.base + self.site.tools[tool], "dirs": dirs}, [tool, *argv],
                         cwd, env, files, self._site_files(argv, files))

    def run_program(self, binary: str, argv: list[str], cwd: str, env: dict, timeout: float = 0) -> Completed:
        """Run a wasip1/wasm program (no files: it sees an empty file system; it cannot be
        stopped before it ends, a browser worker cannot be interrupted from inside)."""
        with open(binary, "rb") as fh:
            program = fh.read()
        return self._run({"tool": Path(binary).name, "program": program}, argv, cwd, env, {}, {})

    def prefetch(self, tools: list[str], urls: list[str]) -> None:
        """Start fetching and compiling ``tools`` and fetching ``urls`` in the background (the
        worker does it while the learner reads); a later run waits for what is still coming."""
        import js
        from pyodide.ffi import to_js

        wanted = {tool: self.site.base + self.site.tools[tool] for tool in tools}
        js.golinkWasi.prepare(to_js(wanted, dict_converter=js.Object.fromEntries), to_js(urls))

    def _ready(self, what: dict, site: dict[str, str]) -> None:
        """Wait, without blocking the worker's network, for the tool and files a run needs
        (Pyodide's run_sync, where this call stack allows it; otherwise the run fetches them
        itself, synchronously)."""
        import js
        from pyodide.ffi import to_js

        try:
            from pyodide.ffi import can_run_sync, run_sync
        except ImportError:
            return
        if not can_run_sync():
            return
        tools = {what["tool"]: what["url"]} if "url" in what else {}
        run_sync(js.golinkWasi.prepare(to_js(tools, dict_converter=js.Object.fromEntries), to_js(list(site.values()))))

    def _run(self, what: dict, argv: list[str], cwd: str, env: dict, files: dict[str, bytes],
             site: dict[str, str]) -> Completed:
        import js
        from pyodide.ffi import to_js

        start = time.perf_counter()
        self._ready(what, site)
        spec = {**what, "argv": argv, "env": {k: str(v) for k, v in env.items()}, "cwd": cwd,
                "files": files, "site": site}
        done = js.golinkWasi.run(to_js(spec, dict_converter=js.Object.fromEntries))
        for pair in done.files:
            path = str(pair[0])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(pair[1].to_bytes())
        return Completed(int(done.code), done.stdout.to_bytes(), done.stderr.to_bytes(), time.perf_counter() - start)
