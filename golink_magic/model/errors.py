"""The error classes golink_magic raises on purpose.

:class:`UserError` and its subclasses are mistakes a user can fix (a bad path, option or case
name, a missing toolchain); front ends show their message in one line and nothing else.  Any
other exception, an ``OSError`` from a full disk included, is a fault and keeps its traceback.
"""


class UserError(ValueError):
    """Bad input from the user; the message says what to do instead."""


class CaseError(UserError):
    """An unknown case, a bad option value or a malformed case file."""


class WorkspaceError(UserError):
    """A path or file the workspace refuses; nothing was written."""


class ToolchainError(UserError):
    """A Go toolchain is missing or broken; the message says how to fix it."""
