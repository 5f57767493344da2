"""Pygments lexer for the course's code cells on the static site.

A notebook gives every code cell the kernel's language (IPython), whose lexer leaves the body of an
unknown cell magic as plain text.  Like the JupyterLab extension (labextension/src/index.ts), this
lexer draws a `%%gofile` / `%%gotxtar` magic line as meta, the txtar file markers (`-- path --`,
`// -- path --`) as headings, Go files with Pygments' Go lexer and other files (assembly, go.mod)
with their `//` comments only.  Every other cell is lexed as IPython, as before.
"""

from __future__ import annotations

import re

from pygments.lexer import Lexer
from pygments.lexers import GoLexer
from pygments.token import Comment, Generic, Text

try:  # IPython >= 9 ships its lexers separately
    from ipython_pygments_lexers import IPython3Lexer
except ImportError:  # pragma: no cover - older IPython
    from IPython.lib.lexers import IPython3Lexer

MAGIC = re.compile(r"%%(gofile|gotxtar)(?=[ \t\r\n]|$)")
# The same marker as golink_magic/txtar.py's _MARKER.
MARKER = re.compile(r"^[ \t]*(?://[ \t]*)?-- (\S(?:.*\S)?) --[ \t]*$")
COMMENT = re.compile(r"//[^\n]*")


class GolinkCellLexer(Lexer):
    name = "IPython3 with golink_magic cells"
    aliases = ["golink-ipython3"]

    def get_tokens_unprocessed(self, text):
        match = MAGIC.match(text)
        if not match:
            yield from IPython3Lexer(**self.options).get_tokens_unprocessed(text)
            return
        first, newline, rest = text.partition("\n")
        yield 0, Comment.Preproc, first
        if newline:
            yield len(first), Text, newline
        offset = len(first) + len(newline)
        if match.group(1) == "gofile":
            path = first.split()[1] if len(first.split()) > 1 else "x.go"
            yield from self._file(rest, offset, path)
            return
        # %%gotxtar: the archive's comment, then one file after each marker
        path, start, pos = None, 0, 0
        for line in rest.splitlines(keepends=True):
            marker = MARKER.match(line.rstrip("\r\n"))
            if marker:
                yield from self._file(rest[start:pos], offset + start, path)
                head = line.rstrip("\r\n")
                yield offset + pos, Generic.Subheading, head
                if len(line) > len(head):
                    yield offset + pos + len(head), Text, line[len(head):]
                path, start = marker.group(1), pos + len(line)
            pos += len(line)
        yield from self._file(rest[start:], offset + start, path)

    def _file(self, body, offset, path):
        if not body:
            return
        if path is not None and path.endswith(".go"):
            for index, token, value in GoLexer(**self.options).get_tokens_unprocessed(body):
                yield offset + index, token, value
            return
        at = 0
        for comment in COMMENT.finditer(body):
            if comment.start() > at:
                yield offset + at, Text, body[at:comment.start()]
            yield offset + comment.start(), Comment.Single, comment.group()
            at = comment.end()
        if at < len(body):
            yield offset + at, Text, body[at:]
