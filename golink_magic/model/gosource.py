"""The one reader of Go source: every part of golink that needs to know what a Go file says —
its package, imports, build constraints, ``//go:`` directives, the ``//go:linkname`` bindings
and the package-level names that get linker symbols — asks this module.

It is built on a tokenizer that follows the Go specification where it matters here: line and
general comments, interpreted and raw string literals, rune literals, identifiers (Unicode
letters included) and the automatic semicolons at line ends.  So a ``//go:linkname`` inside a
string or a ``/* */`` comment is not a directive, exactly as the compiler sees it; and build
constraints are read the way the go command reads them (``go/build``'s file header rules and
``go/build/constraint``'s two syntaxes).  Pure functions of text: nothing here touches the disk.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

DEFAULT_MODULE = "example"  # the module path used when nothing in the files suggests one

# -- tokens ------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<newline>\n)
  | (?P<space>[^\S\n]+)
  | (?P<line_comment>//[^\n]*)
  | (?P<block_comment>/\*.*?(?:\*/|\Z))
  | (?P<raw>`[^`]*(?:`|\Z))
  | (?P<string>"(?:[^"\\\n]|\\.)*(?:"|(?=\n)|\Z))
  | (?P<rune>'(?:[^'\\\n]|\\.)*(?:'|(?=\n)|\Z))
  | (?P<name>[^\W\d]\w*)
  | (?P<number>\.?\d(?:[\w.]|[eEpP][+-])*)
  | (?P<op>.)
""", re.S | re.X)
KEYWORDS = frozenset("break case chan const continue default defer else fallthrough for func go goto if import "
                     "interface map package range return select struct switch type var".split())
_ENDS_LINE = frozenset({"break", "continue", "fallthrough", "return"})  # keywords after which a ; is inserted


class Token(NamedTuple):
    """One token: its kind (name, keyword, string, raw, rune, number, op, comment, semicolon),
    its text, its 1-based line, and whether it is the first token of that line."""

    kind: str
    text: str
    line: int
    first: bool = False


def tokens(text: str) -> list[Token]:
    """The tokens of Go source ``text``, comments included, with the semicolons Go inserts at
    line ends (kind ``semicolon``, text ``\\n``).  Unterminated literals end at their line (or
    the file) instead of raising: pasted fragments are read as far as they go."""
    return list(_scan(text))


def _scan(text: str) -> Iterable[Token]:
    """The tokens of ``text``, one at a time (a caller that needs only the head stops early)."""
    line, first, last = 1, True, None  # last: the last token that is not a comment
    for m in _TOKEN.finditer(text):
        kind, tok = m.lastgroup, m.group()
        if kind in ("newline", "space"):
            if kind == "newline":
                if _inserts_semicolon(last):
                    last = Token("semicolon", "\n", line)
                    yield last
                line, first = line + 1, True
            continue
        if kind in ("line_comment", "block_comment"):
            yield Token("comment", tok, line, first)
            if "\n" in tok:  # a general comment across lines acts like a newline
                if _inserts_semicolon(last):
                    last = Token("semicolon", "\n", line)
                    yield last
                line, first = line + tok.count("\n"), False
            else:
                first = False if kind == "block_comment" else first
            continue
        if kind == "name" and tok in KEYWORDS:
            kind = "keyword"
        last = Token(kind, tok, line, first)
        yield last
        line += tok.count("\n")  # a raw string may span lines
        first = False


def _inserts_semicolon(tok: Token | None) -> bool:
    if tok is None:
        return False
    if tok.kind in ("name", "number", "string", "raw", "rune"):
        return True
    return (tok.kind == "keyword" and tok.text in _ENDS_LINE) or (tok.kind == "op" and tok.text in ")]}")


# -- what a file says ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Import:
    """One import spec: the path, its local name (``_``, ``.``, a name, or "") and its line."""

    path: str
    name: str
    line: int


@dataclass(frozen=True)
class Directive:
    """One ``//go:NAME args`` directive that the compiler reads: a line comment that starts its
    line and begins with ``//go:``."""

    name: str           # linkname, build, embed, noinline, …
    args: tuple[str, ...]
    line: int
    text: str           # the whole comment


@dataclass(frozen=True)
class Linkname:
    """One ``//go:linkname LOCAL [TARGET]`` directive (``//go:linknamestd`` included)."""

    local: str
    target: str | None  # None for the one-argument form
    line: int
    std: bool = False


@dataclass(frozen=True)
class GoFile:
    """What one Go file says, as far as golink needs to know."""

    package: str | None
    package_line: int
    imports: tuple[Import, ...]
    directives: tuple[Directive, ...]
    linknames: tuple[Linkname, ...]
    declarations: tuple[tuple[int, str], ...]  # (line, local name) of package-level funcs, methods, vars
    has_main: bool = False                     # declares func main()
    header: str = ""                           # what of the file can change the go command's plan
    refuses_replay: str = ""                   # why the plan of a build with this file cannot be replayed


@dataclass(frozen=True)
class Header:
    """What the head of a Go file says — everything up to its first top-level declaration."""

    package: str | None
    package_line: int
    imports: tuple[Import, ...]
    header: str          # what of the file can change the go command's plan
    refuses_replay: str  # why the plan of a build with this file cannot be replayed, or ""


def _head(text: str) -> list[Token]:
    """The tokens up to the first top-level func, var, const or type after the package clause."""
    out, in_package, depth = [], False, 0
    for tok in _scan(text):
        if tok.kind == "keyword":
            if tok.text == "package":
                in_package = True
            elif in_package and depth == 0 and tok.text in ("func", "var", "const", "type"):
                break
        elif tok.kind == "op":
            depth += (tok.text in "([{") - (tok.text in ")]}")
        out.append(tok)
    return out


@functools.lru_cache(maxsize=4096)
def read_header(text: str) -> Header:
    """Read the head of Go source ``text``: package, imports, the replay's key (cheap: the
    tokenizer stops at the first declaration; cached per text)."""
    toks = _head(text)
    code = [t for t in toks if t.kind != "comment"]
    package, package_line = None, 0
    for i, tok in enumerate(code):
        if tok.text == "package" and tok.kind == "keyword" and i + 1 < len(code) and code[i + 1].kind == "name":
            package, package_line = code[i + 1].text, tok.line
            break
    imports = tuple(_imports(code))
    # A //go:embed directive may sit anywhere; only a file that spells it needs the whole scan.
    embeds = "go:embed" in text and any(d.name == "embed" for d in _directives(_scan(text)))
    header, refusal = _header(toks, embeds, imports)
    return Header(package, package_line, imports, header, refusal)


@functools.lru_cache(maxsize=256)
def read(text: str) -> GoFile:
    """Read all of Go source ``text`` (cached per text: every layer asks about the same files)."""
    toks = list(_scan(text))
    head = read_header(text)
    directives = tuple(_directives(toks))
    code = [t for t in toks if t.kind != "comment"]
    declarations = tuple(_declarations(code))
    has_main = any(name == "main" for _, name in _funcs(code))
    return GoFile(head.package, head.package_line, head.imports, directives, tuple(_linknames(directives)),
                  declarations, has_main, head.header, head.refuses_replay)


def _directives(toks: Iterable[Token]) -> Iterable[Directive]:
    for tok in toks:
        if tok.kind == "comment" and tok.first and tok.text.startswith("//go:"):
            words = tok.text[2:].split()
            yield Directive(words[0][3:], tuple(words[1:]), tok.line, tok.text)


def _linknames(directives: Iterable[Directive]) -> Iterable[Linkname]:
    for d in directives:
        # The compiler wants "go:linkname " with a space: a tab after the name is not its directive.
        if d.name in ("linkname", "linknamestd") and d.text[2:].startswith(f"go:{d.name} ") and 1 <= len(d.args) <= 2:
            yield Linkname(d.args[0], d.args[1] if len(d.args) == 2 else None, d.line, d.name == "linknamestd")


def _imports(code: list[Token]) -> Iterable[Import]:
    """Import specs: top-level ``import`` declarations, one spec or a parenthesised group."""
    for stmt in _statements(code):
        if stmt[0].kind != "keyword" or stmt[0].text != "import" or len(stmt) < 2:
            continue
        if stmt[1].text == "(":
            specs = list(_statements(stmt[2:-1] if stmt[-1].text == ")" else stmt[2:]))
        else:
            specs = [stmt[1:]]
        for spec in specs:
            name = spec[0].text if spec[0].kind == "name" or spec[0].text == "." else ""
            literal = spec[1 if name else 0] if len(spec) > bool(name) else None
            if literal is not None and literal.kind in ("string", "raw"):
                yield Import(_unquote(literal.text), name, literal.line)


def _unquote(literal: str) -> str:
    body = literal[1:-1] if len(literal) > 1 and literal[-1] == literal[0] else literal[1:]
    return body if literal.startswith("`") else re.sub(r"\\(.)", r"\1", body)


def _statements(code: list[Token], start: int = 0, end: int | None = None) -> Iterable[list[Token]]:
    """The top-level statements of ``code[start:end]``, split at semicolons outside brackets."""
    end = len(code) if end is None else end
    depth, current = 0, []
    for tok in code[start:end]:
        if tok.kind == "semicolon" and depth == 0:
            if current:
                yield current
            current = []
            continue
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
        elif tok.kind == "op" and tok.text in ")]}":
            depth = max(depth - 1, 0)
        current.append(tok)
    if current:
        yield current


def _funcs(code: list[Token]) -> Iterable[tuple[int, str]]:
    """(line, name) of top-level plain functions (generic ones included)."""
    for stmt in _statements(code):
        if stmt[0].text == "func" and len(stmt) > 1 and stmt[1].kind == "name":
            yield stmt[0].line, stmt[1].text


def _declarations(code: list[Token]) -> Iterable[tuple[int, str]]:
    """(line, local name) of every package-level var, func and method that has a symbol of its
    own: generic functions and methods, ``init`` and ``_`` have none.  Methods are named
    ``T.M`` or ``(*T).M``, as the linker writes them after the package."""
    for stmt in _statements(code):
        head = stmt[0]
        if head.kind != "keyword":
            continue
        if head.text == "func":
            found = _func_name(stmt)
            if found:
                yield head.line, found
        elif head.text == "var":
            if len(stmt) > 1 and stmt[1].text == "(":
                inner = stmt[2:-1] if stmt[-1].text == ")" else stmt[2:]
                for spec in _statements(inner):
                    yield from _var_names(spec)
            else:
                yield from _var_names(stmt[1:])


def _func_name(stmt: list[Token]) -> str | None:
    if len(stmt) > 2 and stmt[1].kind == "name":  # func NAME [ [T any] ] (…)
        name = stmt[1].text
        return None if stmt[2].text == "[" or name in ("_", "init") else name
    if len(stmt) > 1 and stmt[1].text == "(":  # func (r *T) NAME(…)
        depth, j = 0, 1
        receiver: list[Token] = []
        while j < len(stmt):
            t = stmt[j]
            depth += (t.text in "([{" and t.kind == "op") - (t.text in ")]}" and t.kind == "op")
            if depth == 0:
                break
            if j > 1:
                receiver.append(t)
            j += 1
        if j + 1 >= len(stmt) or stmt[j + 1].kind != "name" or stmt[j + 1].text == "_":
            return None
        if any(t.text == "[" for t in receiver):
            return None  # a generic receiver type: its methods have no symbol of their own
        names = [t.text for t in receiver if t.kind == "name"]
        if not names:
            return None
        recv = f"(*{names[-1]})" if any(t.text == "*" for t in receiver) else names[-1]
        return f"{recv}.{stmt[j + 1].text}"
    return None


def _var_names(spec: list[Token]) -> Iterable[tuple[int, str]]:
    expect_name = True
    for tok in spec:
        if expect_name and tok.kind == "name":
            if tok.text != "_":
                yield tok.line, tok.text
            expect_name = False
        elif not expect_name and tok.text == ",":
            expect_name = True
        else:
            return


def _header(toks: list[Token], embeds: bool, imports: tuple[Import, ...]) -> tuple[str, str]:
    """(what of a file can change the go command's plan, why replay cannot serve it or "").

    That is the ``//go:`` and build-constraint comments above the package clause (a
    ``+build`` line in any spelling the go command accepts: ``//\t+build``, a no-break space),
    the package clause and the import declarations: everything up to the first top-level
    declaration."""
    if embeds:
        return "", "//go:embed"
    paths = {imp.path for imp in imports}
    if "C" in paths:
        return "", 'cgo (import "C")'
    if "embed" in paths:
        return "", 'import "embed"'
    kept: list[str] = []
    in_package, depth = False, 0
    for tok in toks:
        if tok.kind == "comment":
            if not in_package and (tok.text.startswith("//go:") or _plus_build(_trim(tok.text)) is not None):
                kept.append(_trim(tok.text))
            continue
        if tok.kind == "semicolon":
            continue
        if tok.kind == "keyword" and tok.text == "package":
            in_package = True
        elif in_package and depth == 0 and tok.kind == "keyword" and tok.text in ("func", "var", "const", "type"):
            break
        if tok.kind == "op":
            depth += (tok.text in "([{") - (tok.text in ")]}")
        kept.append(tok.text)
    return " ".join(kept), ""


# -- build constraints --------------------------------------------------------------------------

def _trim(line: str) -> str:
    return line.strip()  # str.strip trims Unicode space, as bytes.TrimSpace does


def constraint_lines(text: str) -> tuple[str | None, list[str]]:
    """(the ``//go:build`` line, the ``// +build`` lines) that the go command reads from the
    file's header: the leading run of blank lines and comments (``go/build``'s rules: a
    ``// +build`` line counts only when a blank line follows the run it is in; neither counts
    inside a ``/* */`` comment)."""
    end, ended, in_star, go_build = 0, False, False, None
    lines = text.split("\n")
    offsets, pos = [], 0
    for raw in lines:
        pos += len(raw) + 1
        offsets.append(pos)
    for n, raw in enumerate(lines):
        line = _trim(raw)
        if not line and not ended:
            end = n + 1
            continue
        if not line.startswith("//"):
            ended = True
        if not in_star and _is_go_build(line) and go_build is None:
            go_build = line
        stop = False
        while line:
            if in_star:
                i = line.find("*/")
                if i < 0:
                    break
                in_star, line = False, _trim(line[i + 2:])
                continue
            if line.startswith("//"):
                break
            if line.startswith("/*"):
                in_star, line = True, _trim(line[2:])
                continue
            stop = True
            break
        if stop:
            break
    plus = [_trim(raw) for raw in lines[:end] if _plus_build(_trim(raw)) is not None]
    return go_build, plus


def _is_go_build(line: str) -> bool:
    if not line.startswith("//go:build"):
        return False
    rest = line[len("//go:build"):]
    return not rest or len(rest.strip()) < len(rest)


def _plus_build(line: str) -> str | None:
    """The expression of a ``// +build`` line (``constraint.IsPlusBuild``), or None."""
    if not line.startswith("//"):
        return None
    rest = line[2:].strip()
    if not rest.startswith("+build"):
        return None
    rest = rest[len("+build"):]
    if rest and rest[0] not in " \t":
        return None
    return rest


_EXPR = re.compile(r"\s*(\|\||&&|!|\(|\)|[\w.]+)")


def _eval_go_build(expr: str, tags: frozenset[str]) -> bool:
    """Evaluate a ``//go:build`` expression; a malformed one excludes the file (go build would
    refuse it anyway)."""
    words = []
    pos = 0
    while pos < len(expr.rstrip()):
        m = _EXPR.match(expr, pos)
        if not m:
            return False
        words.append(m.group(1))
        pos = m.end()
    out, rest = _or(words, tags)
    return bool(out) and not rest


def _or(words, tags):
    value, words = _and(words, tags)
    while words and words[0] == "||":
        right, words = _and(words[1:], tags)
        value = value | right
    return value, words


def _and(words, tags):
    value, words = _not(words, tags)
    while words and words[0] == "&&":
        right, words = _not(words[1:], tags)
        value = value & right
    return value, words


def _not(words, tags):
    if not words:
        return False, ["?"]
    if words[0] == "!":
        value, rest = _not(words[1:], tags)
        return not value, rest
    if words[0] == "(":
        value, rest = _or(words[1:], tags)
        return value, rest[1:] if rest and rest[0] == ")" else ["?"]
    if words[0] in ("||", "&&", ")"):
        return False, ["?"]
    return words[0] in tags, words[1:]


def _eval_plus_build(expr: str, tags: frozenset[str]) -> bool:
    """A ``+build`` line: space-separated options (any holds), each comma-separated terms (all
    hold), ``!`` negating a term."""
    def term(t: str) -> bool:
        return (t[1:] not in tags) if t.startswith("!") else t in tags
    return any(all(term(t) for t in option.split(",")) for option in expr.split())


@dataclass(frozen=True)
class BuildContext:
    """What build constraints are evaluated against: the target and every tag that is set."""

    goos: str
    goarch: str
    tags: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, goos: str, goarch: str, go_version: str = "", user_tags: str | None = None,
           goamd64: str = "v1") -> "BuildContext":
        """The tags ``go build`` sets for a target: GOOS, GOARCH, ``unix``, ``gc``, the release
        tags ``go1.1`` … up to ``go_version`` (``go1.27.3`` or ``1.27``), GOAMD64's feature
        tags and the user's ``-tags`` (cgo is off; GOEXPERIMENT tags are not known here)."""
        tags = {goos, goarch, "gc"} | set(filter(None, (user_tags or "").replace(",", " ").split()))
        if goos in _UNIX:
            tags.add("unix")
        m = re.search(r"(?:go)?1\.(\d+)", go_version or "")
        if m:
            tags |= {f"go1.{n}" for n in range(1, int(m.group(1)) + 1)}
        if goarch == "amd64":
            level = int(goamd64.lstrip("v") or 1) if goamd64.lstrip("v").isdigit() else 1
            tags |= {f"amd64.v{n}" for n in range(1, level + 1)}
        return cls(goos, goarch, frozenset(tags))


_UNIX = {"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "linux", "netbsd", "openbsd",
         "solaris"}
_KNOWN_OS = {"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl",
             "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"}
_KNOWN_ARCH = {"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64",
               "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390",
               "s390x", "sparc", "sparc64", "wasm"}


def _name_matches(filename: str, ctx: BuildContext) -> bool:
    """``go/build``'s file-name constraints: ``*_GOOS``, ``*_GOARCH``, ``*_GOOS_GOARCH``."""
    stem = filename.rsplit(".", 1)[0]
    if stem.endswith("_test"):
        stem = stem[:-5]
    parts = stem.split("_")
    if "_" in stem:
        parts = parts[1:] if stem.index("_") > 0 else parts
    else:
        return True
    if len(parts) >= 2 and parts[-2] in _KNOWN_OS and parts[-1] in _KNOWN_ARCH:
        return _os_match(parts[-2], ctx) and parts[-1] == ctx.goarch
    if parts and parts[-1] in _KNOWN_OS:
        return _os_match(parts[-1], ctx)
    if parts and parts[-1] in _KNOWN_ARCH:
        return parts[-1] == ctx.goarch
    return True


def _os_match(name: str, ctx: BuildContext) -> bool:
    return name == ctx.goos or (name == "linux" and ctx.goos == "android") or (name == "darwin" and ctx.goos == "ios") \
        or (name == "solaris" and ctx.goos == "illumos")


def in_build(path: str, text: str, ctx: BuildContext, tests: bool = False) -> bool:
    """Whether the go command compiles the Go file ``path`` (a workspace path) into its package
    for ``ctx``: not a test file (unless ``tests``), not hidden (``_x.go``, ``.x.go``), its
    name's GOOS/GOARCH suffixes and its build constraints satisfied."""
    name = path.rsplit("/", 1)[-1]
    if not name.endswith(".go") or name.startswith(("_", ".")):
        return False
    if name.endswith("_test.go") and not tests:
        return False
    if not _name_matches(name, ctx):
        return False
    go_build, plus = constraint_lines(text)
    if go_build is not None:
        return _eval_go_build(go_build[len("//go:build"):], ctx.tags)
    return all(_eval_plus_build(_plus_build(line) or "", ctx.tags) for line in plus)


def built_files(files: dict[str, str], ctx: BuildContext) -> dict[str, str]:
    """The Go files of ``files`` that a build for ``ctx`` compiles."""
    return {p: t for p, t in files.items() if in_build(p, t, ctx)}


def package_of(text: str) -> str | None:
    """The package clause's name, or None."""
    return read_header(text).package


def imports_of(text: str) -> list[str]:
    """The import paths of a Go file, in order."""
    return [imp.path for imp in read_header(text).imports]


@dataclass(frozen=True)
class Binding:
    """A two-argument ``//go:linkname`` of a module: the local name qualified by its package's
    name (``ciao.linkedInt64``), the symbol the linker uses (``full/hello.privInt64``), and
    where it is written."""

    local: str
    target: str
    path: str
    line: int


def linknames(files: dict[str, str], ctx: BuildContext | None = None) -> list[Binding]:
    """Every two-argument ``//go:linkname`` in the Go files of ``files`` (with ``ctx``, only in
    the files a build for it compiles)."""
    found = []
    for path, text in files.items():
        if not path.endswith(".go") or "go:linkname" not in text or (ctx is not None and not in_build(path, text, ctx)):
            continue  # a directive spells go:linkname: a file without those letters needs no scan
        source = read(text)
        prefix = f"{source.package}." if source.package else ""
        found += [Binding(prefix + ln.local, ln.target, path, ln.line) for ln in source.linknames if ln.target]
    return found
