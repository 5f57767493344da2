"""Multi-file text archives: the txtar format, and the blog-post style of marker comments.

Both of these mark the start of a file::

    -- hello/hello.go --
    // -- hello/hello.go --

Text before the first marker is the archive's comment.  Its ``key: value`` lines are options of
the case (``expect: link-error``, ``ldflags: -checklinkname=0``, …); see :func:`header_options`.
File contents are kept exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MARKER = re.compile(r"^[ \t]*(?://[ \t]*)?-- (?P<name>\S(?:.*\S)?) --[ \t]*$")
_OPTION = re.compile(r"^(?P<key>[a-z][a-z0-9_-]*):[ \t]*(?P<value>.*?)[ \t]*$")


@dataclass
class Archive:
    """A parsed archive: the leading comment and the files in order of appearance."""

    comment: str = ""
    files: dict[str, str] = field(default_factory=dict)


def parse(text: str) -> Archive:
    """Split ``text`` into its comment and files.

    A file named twice keeps its last content.  Lines are kept verbatim, including blank lines
    between files, so a pasted blog snippet builds exactly as it reads.
    """
    archive = Archive()
    name = None
    chunk: list[str] = []
    for line in text.splitlines(keepends=True):
        m = _MARKER.match(line.rstrip("\r\n"))
        if m:
            _store(archive, name, chunk)
            name, chunk = m.group("name"), []
        else:
            chunk.append(line)
    _store(archive, name, chunk)
    return archive


def _store(archive: Archive, name: str | None, chunk: list[str]) -> None:
    text = "".join(chunk)
    if name is None:
        archive.comment = text
    else:
        if text and not text.endswith("\n"):
            text += "\n"
        archive.files[name] = text


def format(archive: Archive) -> str:  # noqa: A001 - mirrors golang.org/x/tools/txtar.Format
    """The txtar text of ``archive`` (``-- name --`` markers)."""
    out = [archive.comment]
    if archive.comment and not archive.comment.endswith("\n"):
        out.append("\n")
    for name, text in archive.files.items():
        out.append(f"-- {name} --\n")
        out.append(text if not text or text.endswith("\n") else text + "\n")
    return "".join(out)


def header_options(comment: str) -> list[tuple[str, str]]:
    """``(key, value)`` of each ``key: value`` line of an archive comment, in order (a key may
    repeat; ``#`` lines and prose are ignored)."""
    return [(key, value) for _, key, value in header_lines(comment)]


def header_lines(comment: str) -> list[tuple[int, str, str]]:
    """``(line number, key, value)`` of each ``key: value`` line of an archive comment."""
    found = []
    for n, line in enumerate(comment.splitlines(), 1):
        m = _OPTION.match(line.strip())
        if m:
            found.append((n, m.group("key"), m.group("value")))
    return found
