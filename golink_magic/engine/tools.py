"""The seam between a build and the machine it runs on: "run Go tool NAME with these arguments in
this folder".  Native processes do it on a desktop or a hub (:class:`NativeTools`, through
:mod:`.procs`); in a browser the same tools are WebAssembly (WASI) modules
(:class:`golink_magic.engine.wasi.BrowserTools`).  Everything that builds from a plan made
without the go command (:mod:`.toolbuild`) goes through a :class:`ToolHost`, so the native run of
the same steps is the reference the WebAssembly run is compared with.

The tools read and write ordinary paths: a host that is not native makes the files it is given
visible to the module and brings back what the module wrote.
"""

from __future__ import annotations

from typing import Protocol

from . import procs
from .procs import Completed
from .toolchain import Toolchain

TOOL_TIMEOUT = 900


class ToolHost(Protocol):
    """Runs one of Go's tools (compile, asm, pack, link, objdump, nm) to completion."""

    label: str  # how results name where they were built ("native", "WebAssembly in the browser")

    def run(self, tool: str, argv: list[str], cwd: str, env: dict, timeout: float = TOOL_TIMEOUT,
            reads: list[str] = ()) -> Completed:
        """Run ``tool argv…`` in ``cwd``; ``reads`` names folders whose files it reads (a host
        that must carry files to the tool uses it).  Never raises for the tool's own failure."""
        ...


class NativeTools:
    """The toolchain's own binaries (``pkg/tool/GOOS_GOARCH``), as the go command runs them."""

    label = "native"

    def __init__(self, toolchain: Toolchain):
        self.toolchain = toolchain

    def run(self, tool: str, argv: list[str], cwd: str, env: dict, timeout: float = TOOL_TIMEOUT,
            reads: list[str] = ()) -> Completed:
        path = self.toolchain.goroot / "pkg" / "tool" / f"{self.toolchain.goos}_{self.toolchain.goarch}" / tool
        binary = path if path.exists() else self.toolchain.tool(tool)
        try:
            return procs.spawn([str(binary), *argv], cwd, env, timeout=timeout)
        except OSError as exc:
            return Completed(None, b"", f"{tool}: {exc}\n".encode(), 0.0)
