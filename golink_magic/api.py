"""The plain Python API, under the name it has always had: :class:`Session` lives in
:mod:`golink_magic.frontends.session` (the front ends' layer); this module is part of the
package's face, so ``from golink_magic.api import Session`` keeps working."""

from .frontends.session import CaseError, Session, load_case, refuse_several_files

__all__ = ["CaseError", "Session", "load_case", "refuse_several_files"]
