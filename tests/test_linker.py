"""The linker's view against the raw tools, on every course case and three toolchains (1.27,
1.22, 1.19): the symbols pane lists exactly the module's symbols (and the ones a directive names)
that `go tool nm -size -type` lists for a plain `go build` of the same files, and every module
function's relocations are exactly those of the archive a plain `go list -export` names."""

import re
import subprocess
from pathlib import Path

import pytest

from golink_magic import load_case
from golink_magic.engine.runner import Job, run_many
from golink_magic.engine.workspace import materialize, with_go_mod
from golink_magic.listing.symbols import linkname_bindings
from golink_magic.model.gosource import DEFAULT_MODULE

CASES = sorted((Path(__file__).parent.parent / "notebooks" / "cases").glob("*.txtar"))
_RELOC = re.compile(r"\[\d+:\d+\]\S+?:\S.*?(?=\s+\[\d+:\d+\]|\s*$)")
_HEAD = re.compile(r"^TEXT (.+)\(SB\)", re.M)
_NM = re.compile(r"^ *([0-9a-f]*) +(\d+) (\S) (.*)$", re.M)


def _flags(opts):
    return [f"-{name}={value}" for name, value in (("gcflags", opts.gcflags), ("tags", opts.tags)) if value]


def _raw(tc, case, folder):
    """(nm entries (name, code, size) of the module, {function: [relocation text]}) of raw go commands."""
    files, root, module, _ = with_go_mod(case.files, tc.goroot)
    materialize(files, folder)
    cwd, env = folder / root, tc.env(goarch=case.options.goarch)
    ld = ["-ldflags=" + ("-w " + (case.options.ldflags or "")).strip()]
    subprocess.run([str(tc.go), "build", "-o", str(folder / "prog"), *_flags(case.options), *ld, "."],
                   cwd=cwd, env=env, check=True, capture_output=True)
    listed = subprocess.run([str(tc.go), "tool", "nm", "-size", "-type", str(folder / "prog")], env=env,
                            capture_output=True, text=True, check=True).stdout
    module = module or DEFAULT_MODULE
    named = set(linkname_bindings(files, module, root))

    def ours(name):
        head = re.split(r"[\[(]", name, maxsplit=1)[0]
        pkg = head[:head.find(".", head.rfind("/") + 1)] if "." in head else ""
        return name in named or (not re.match(r"^(type|go)[:.]", head) and (pkg == "main" or pkg == module
                                                                            or pkg.startswith(module + "/")))
    symbols = {(n, c, int(s)) for a, s, c, n in _NM.findall(listed) if c != "U" and ours(n)}
    exports = subprocess.run([str(tc.go), "list", "-export", "-deps", *_flags(case.options), "-f",
                              "{{if .Module}}{{if .Module.Main}}{{.Export}}{{end}}{{end}}", "."],
                             cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.split()
    relocs = {}
    for archive in exports:
        dump = subprocess.run([str(tc.go), "tool", "objdump", archive], env=env, capture_output=True, text=True,
                              check=True).stdout
        heads = list(_HEAD.finditer(dump))
        for i, m in enumerate(heads):
            body = dump[m.end(): heads[i + 1].start() if i + 1 < len(heads) else len(dump)]
            relocs[m.group(1)] = [r.strip() for line in body.splitlines() for r in _RELOC.findall(line.split("\t", 7)[-1])]
    return symbols, relocs


def _shown_relocs(result):
    out = {}
    for obj in result.objects:
        for fn in obj.functions:
            out[fn.symbol] = [f"[{r.offset - row.offset}:{r.offset - row.offset + r.size}]{r.type}:{r.target}"
                              for row in fn.rows for r in row.relocs]
    return out


def _strip(texts):
    """Raw objdump relocation texts without ABI marks and addends (what ``Reloc`` splits out)."""
    return [re.sub(r"(<\d+>)?(\+-?\d+|-\d+)?$", "", t) for t in texts]


@pytest.fixture(scope="module", params=["1.27", "1.22", "1.19"])
def versions(request, toolchain, tmp_path_factory):
    tc = {"1.27": lambda: toolchain, "1.22": lambda: request.getfixturevalue("go122"),
          "1.19": lambda: request.getfixturevalue("go119")}[request.param]()
    cases = [load_case(p) for p in CASES]
    cases = [c for c in cases if (c.options.expect or "ok") not in ("compile-error", "link-error")]
    base = tmp_path_factory.mktemp(f"linker{request.param}")
    jobs = [Job(c.name, c.files, _with_objects(c.options), tc, base / c.name) for c in cases]
    return tc, cases, run_many(jobs), base


def _with_objects(opts):
    opts = opts.copy()
    opts.objects = True
    return opts


def test_symbols_and_relocations_agree_with_the_raw_tools(versions, tmp_path):
    tc, cases, results, _ = versions
    problems = []
    for case, result in zip(cases, results):
        if not result.ok and result.outcome != "exit-nonzero":
            continue
        symbols, relocs = _raw(tc, case, tmp_path / case.name)
        shown = {(s.name, s.code, s.size) for s in result.symbols if s.held}
        if shown != symbols:
            problems.append(f"{case.name} symbols: only shown {sorted(shown - symbols)[:4]}, "
                            f"only raw {sorted(symbols - shown)[:4]}")
        mine = _shown_relocs(result)
        for fn, texts in relocs.items():
            if _strip(texts) != mine.get(fn):
                problems.append(f"{case.name} {fn}: relocations differ: raw {_strip(texts)[:3]} shown {mine.get(fn, [])[:3]}")
        assert result.objects, f"{case.name}: no compiled objects listed ({result.notes})"
    assert not problems, f"{tc.version}:\n" + "\n".join(problems)


def test_a_pulled_variable_is_bss_in_mains_object_and_data_in_the_program(versions):
    """The lesson of chapter 4 on each version: main's object has a B entry under hello's name,
    the program one D symbol of that name and no main.stolen."""
    _, cases, results, _ = versions
    result = results[[c.name for c in cases].index("03-linkname-var")]
    main = next(o for o in result.objects if o.package == "example1")
    assert ("example1/hello.secret", "B") in {(s.name, s.code) for s in main.defined}
    assert "main.stolen" not in {s.name for o in result.objects for s in o.defined}
    assert result.symbol("example1/hello.secret").code == "D"
    assert result.symbol("main.stolen").became == "example1/hello.secret"
    assert result.symbol("main.stolen").held is False
    rows = [row for fn in main.functions if fn.symbol == "main.main" for row in fn.rows
            if any(r.target == "example1/hello.secret" for r in row.relocs)]
    assert rows and "example1/hello.secret" in rows[0].asm and "00000000" in rows[0].hex


def test_the_elf_reader_is_nm_itself_on_every_program(versions):
    """The whole symbol table read in-process equals what `go tool nm -size -type` prints (amd64
    and 386 programs, three versions): the symbols pane needs no nm process beside the run."""
    from golink_magic.engine.linker import nm_marks_bss
    from golink_magic.listing import elf, nm

    tc, cases, results, base = versions
    rule = nm_marks_bss(tc.goroot)
    assert rule is not None  # every toolchain here ships nm's source
    checked = 0
    for case, result in zip(cases, results):
        prog = base / case.name / "bin" / "prog"
        if not result.ok or not prog.exists():
            continue
        raw = subprocess.run([str(tc.go), "tool", "nm", "-size", "-type", str(prog)], env=tc.env(),
                             capture_output=True, text=True, check=True).stdout
        mine = sorted((s.name, s.code, s.size, s.address) for s in elf.read_symbols(prog, None, rule))
        assert mine == sorted((s.name, s.code, s.size, s.address) for s in nm.parse(raw)), case.name
        checked += 1
    assert checked >= 20, checked
