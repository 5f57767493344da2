"""golink_magic: see what Go's //go:linkname does — source, program output and linked machine
code side by side, from Jupyter cells or the command line.

``%load_ext golink_magic`` registers the magics; :class:`Session` is the same thing from Python.
"""

__version__ = "0.1.0"

from .api import CaseError, Session, load_case  # noqa: E402
from .compare import CaseTable, Diff, diff, table  # noqa: E402
from .result import OUTCOMES, Function, Instruction, Options, Result  # noqa: E402
from .toolchain import Toolchain, ToolchainError, default_toolchain  # noqa: E402
from .workspace import WorkspaceError  # noqa: E402

__all__ = [
    "OUTCOMES", "CaseError", "CaseTable", "Diff", "Function", "Instruction", "Options", "Result", "Session", "Toolchain",
    "ToolchainError", "WorkspaceError", "default_toolchain", "diff", "load_case", "load_ipython_extension",
    "table", "unload_ipython_extension",
]


def load_ipython_extension(ipython):
    """Register the golink magics (``%load_ext golink_magic``)."""
    from .magics import load  # noqa: PLC0415 - IPython is only needed here

    load(ipython)


def unload_ipython_extension(ipython):
    """Remove the workspace when the extension is unloaded."""
    from .magics import unload  # noqa: PLC0415

    unload(ipython)
