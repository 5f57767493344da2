"""A :class:`Case`: a name, the files of a Go module and the options it is built, run and
checked with.  A ``.txtar`` file, a ``%%gotxtar --case`` cell, a ``%gocase`` snapshot and a CLI
argument all become one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import txtar
from .errors import CaseError
from .options import Options, apply_header, check_options


@dataclass
class Case:
    """One named module snapshot and its options."""

    name: str
    files: dict[str, str]
    options: Options = field(default_factory=Options)

    def __iter__(self):
        """``files, options = load_case(path)`` unpacks a case as the older API's pair did."""
        return iter((self.files, self.options))


def options_from_header(comment: str, base: Options | None = None, where: str = "txtar header") -> Options:
    """``base`` updated with the ``key: value`` lines of a txtar comment, checked."""
    opts = apply_header(txtar.header_lines(comment), base, where)
    check_options(opts, where=where)
    return opts


def case_from_text(name: str, text: str, where: str = "txtar header") -> Case:
    """The case an archive's text describes (its header's options included)."""
    return case_from_archive(name, txtar.parse(text), where)


def case_from_archive(name: str, archive: txtar.Archive, where: str = "txtar header") -> Case:
    """The case of a parsed archive: its files and its header's options, checked."""
    if not archive.files:
        raise CaseError(f"{where}: no files found: start each file with a marker line such as `-- main.go --` "
                        "or `// -- main.go --`")
    return Case(name, archive.files, options_from_header(archive.comment, where=where))


def load_case(path: str | os.PathLike) -> Case:
    """The case of a ``.txtar`` file, named after the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CaseError(f"{path} is not UTF-8 text, so it cannot be a txtar case") from None
    except FileNotFoundError:
        raise CaseError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CaseError(f"{path} is a folder, not a .txtar file") from None
    return case_from_text(path.stem, text, where=str(path))
