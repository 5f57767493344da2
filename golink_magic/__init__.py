"""golink_magic: see what Go's //go:linkname does — source, program output and linked machine
code side by side, from Jupyter cells or the command line.

``%load_ext golink_magic`` registers the magics; :class:`Session` is the same thing from Python.
This module is the package's face: it sits above every layer (see docs/architecture.md) and
loads the display layer, which teaches results, tables and diffs to show themselves.
"""

from .display import widgets  # noqa: F401 - registers how Result, CaseTable and Diff display
from .frontends.session import Session
from .model.case import Case, load_case
from .engine import catalog  # noqa: F401 - golink_magic.catalog.install("1.22"), as the README shows
from .engine.catalog import default_toolchain
from .listing.compare import CaseTable, Diff, diff, table
from .model.errors import CaseError, ToolchainError, UserError, WorkspaceError
from .model.options import OUTCOMES, Options
from .model.result import Function, Instruction, Result
from .engine.toolchain import Toolchain
from .model.version import VERSION as __version__

__all__ = [
    "OUTCOMES", "Case", "CaseError", "CaseTable", "Diff", "Function", "Instruction", "Options", "Result", "Session",
    "Toolchain", "ToolchainError", "UserError", "WorkspaceError", "__version__", "default_toolchain", "diff",
    "load_case", "load_ipython_extension", "table", "unload_ipython_extension",
]


def load_ipython_extension(ipython):
    """Register the golink magics (``%load_ext golink_magic``)."""
    from .frontends import magics  # noqa: PLC0415 - a front end beside this one, loaded only in IPython

    magics.load(ipython)


def unload_ipython_extension(ipython):
    """Stop what still runs and remove the workspace when the extension is unloaded."""
    from .frontends import magics  # noqa: PLC0415

    magics.unload(ipython)


def __getattr__(name: str):
    """The front ends that need IPython or argparse load on first use:
    ``from golink_magic import magics`` (as kernels and older code write it) and ``cli``."""
    if name == "magics":
        from .frontends import magics  # noqa: PLC0415 - loaded only when asked for

        return magics
    if name == "cli":
        from .frontends import cli  # noqa: PLC0415

        return cli
    raise AttributeError(f"module 'golink_magic' has no attribute {name!r}")
