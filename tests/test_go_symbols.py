"""Which linker symbols each source line declares or binds (no Go needed).

Checked on every case of the course, on the seed post's code blocks, and against the symbols
that real listings of the cases show (saved below from `golink-magic run notebooks/cases --json`).
"""

import re
from pathlib import Path

import pytest

from golink_magic.listing.symbols import line_symbols, linkname_bindings, symbol_package, symbol_sources

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "notebooks" / "cases"
SEED = ROOT.parent / "shared" / "seed" / "go-linkname-blog.md"


def split_txtar(text: str) -> dict[str, str]:
    """Files of a txtar archive: each starts at a line `-- path --`."""
    parts = re.split(r"^-- (.+?) --[ \t]*\n", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def case(name: str) -> tuple[dict[str, str], str]:
    files = split_txtar((CASES / f"{name}.txtar").read_text())
    module = re.search(r"^module\s+(\S+)", files["go.mod"], re.M).group(1)
    return files, module


def line_of(files: dict[str, str], path: str, needle: str) -> int:
    """1-based number of the only line of `path` that contains `needle`."""
    hits = [i for i, line in enumerate(files[path].split("\n"), 1) if needle in line]
    assert len(hits) == 1, (path, needle, hits)
    return hits[0]


ALL_CASES = sorted(p.stem for p in CASES.glob("*.txtar"))


def test_cases_are_there():
    assert len(ALL_CASES) >= 30


# --- the brief's examples, on the course's own files ------------------------------------------


def test_pull_lists_the_target_on_the_directive_and_the_var():
    files, module = case("table-row02")
    syms = line_symbols(files, module)
    directive = line_of(files, "ciao/ciao.go", "//go:linkname linkedInt64 full/hello.privInt64")
    var = line_of(files, "ciao/ciao.go", "var linkedInt64 int64")
    assert syms["ciao/ciao.go"][directive] == ["full/hello.privInt64"]
    assert syms["ciao/ciao.go"][var] == ["full/hello.privInt64"]  # full/ciao.linkedInt64 is not in the binary
    assert syms["hello/hello.go"][line_of(files, "hello/hello.go", "var privInt64 int64 = 5")] == ["full/hello.privInt64"]
    assert syms["main.go"][line_of(files, "main.go", "var a, b int64")] == ["main.a", "main.b"]
    assert syms["main.go"][line_of(files, "main.go", "func main()")] == ["main.main"]
    assert syms["ciao/ciao.go"][line_of(files, "ciao/ciao.go", "func GetLinkedInt64()")] == ["full/ciao.GetLinkedInt64"]
    # the case table lights hello's var and ciao's directive and var from the operand
    assert set(symbol_sources(files, module)["full/hello.privInt64"]) == {
        ("hello/hello.go", line_of(files, "hello/hello.go", "var privInt64")), ("ciao/ciao.go", directive), ("ciao/ciao.go", var)}
    assert linkname_bindings(files, module) == {"full/hello.privInt64": [("ciao/ciao.go", directive)]}


def test_push_renames_the_pushing_declaration():
    files, module = case("table-row03")  # hello pushes its var as full/ciao.linkedInt64
    syms = line_symbols(files, module)
    assert syms["hello/hello.go"][line_of(files, "hello/hello.go", "var privInt64")] == ["full/ciao.linkedInt64"]
    assert syms["ciao/ciao.go"][line_of(files, "ciao/ciao.go", "var linkedInt64")] == ["full/ciao.linkedInt64"]


def test_both_sides_linked_cross_over():
    files, module = case("table-row06")
    syms = line_symbols(files, module)
    assert syms["hello/hello.go"][line_of(files, "hello/hello.go", "var privInt64")] == ["full/ciao.linkedInt64"]
    assert syms["ciao/ciao.go"][line_of(files, "ciao/ciao.go", "var linkedInt64")] == ["full/hello.privInt64"]


def test_directive_away_from_its_declaration():
    files, module = case("04-expl")  # the directive for privBytes sits above privInt64
    syms = line_symbols(files, module)["hello/hello.go"]
    assert syms[line_of(files, "hello/hello.go", "//go:linkname privBytes")] == ["expl/ciao.linkedBytes"]
    assert syms[line_of(files, "hello/hello.go", "var privInt64")] == ["expl/hello.privInt64"]
    assert syms[line_of(files, "hello/hello.go", "var privBytes")] == ["expl/ciao.linkedBytes"]
    ciao = line_symbols(files, module)["ciao/ciao.go"]
    assert ciao[line_of(files, "ciao/ciao.go", "linkedInt64 int64")] == ["expl/hello.privInt64"]  # in a var ( ) group
    assert ciao[line_of(files, "ciao/ciao.go", "linkedBytes []byte")] == ["expl/ciao.linkedBytes"]
    assert ciao[line_of(files, "ciao/ciao.go", "func LinkedAdd(")] == ["expl/hello.privAdd"]


def test_methods_value_and_pointer_receivers():
    files, module = case("method-push-no-receiver")
    syms = line_symbols(files, module)
    assert syms["hello/hello.go"][line_of(files, "hello/hello.go", "func (c Counter) Get()")] == ["full/hello.Counter.Get"]
    assert syms["ciao/ciao.go"][line_of(files, "ciao/ciao.go", "func get()")] == ["full/hello.Counter.Get"]
    files["hello/hello.go"] += "\nfunc (c *Counter) Ptr() int { return 1 }\n"
    ptr = line_of(files, "hello/hello.go", "func (c *Counter) Ptr()")
    assert line_symbols(files, module)["hello/hello.go"][ptr] == ["full/hello.(*Counter).Ptr"]


def test_one_argument_form_keeps_the_local_symbol():
    files, module = case("both-sides-annotated")
    syms = line_symbols(files, module)["hello/hello.go"]
    assert syms[line_of(files, "hello/hello.go", "//go:linkname privInt64")] == ["expl/hello.privInt64"]
    assert syms[line_of(files, "hello/hello.go", "var privInt64")] == ["expl/hello.privInt64"]
    assert [p for p, _ in linkname_bindings(files, module)["expl/hello.privInt64"]] == ["hello/hello.go", "ciao/ciao.go"]


def test_main_package_symbols_and_a_push_into_main():
    files, module = case("rule-empty-asm")
    syms = line_symbols(files, module)
    assert syms["main.go"][line_of(files, "main.go", "func answer() int64")] == ["main.answer"]
    assert syms["hello/hello.go"][line_of(files, "hello/hello.go", "func answer()")] == ["main.answer"]
    files, module = case("rule-main-prefix")  # the target spelled with the module path names another symbol
    syms = line_symbols(files, module)
    assert syms["hello/hello.go"][line_of(files, "hello/hello.go", "func answer()")] == ["example3.answer"]
    assert syms["main.go"][line_of(files, "main.go", "func answer() int64")] == ["main.answer"]


def test_std_targets():
    files, module = case("clever-mallocgc")
    syms = line_symbols(files, module)["main.go"]
    assert syms[line_of(files, "main.go", "func mallocgc(")] == ["runtime.mallocgc"]


def test_module_root_prefix_is_stripped_and_paths_kept():
    files, module = case("table-row02")
    nested = {f"example1/{p}": t for p, t in files.items()}
    nested["other/main.go"] = "package main\n\nfunc main() {}\n"  # outside the module: ignored
    syms = line_symbols(nested, module, "example1")
    assert set(syms) == {"example1/main.go", "example1/hello/hello.go", "example1/ciao/ciao.go"}
    assert syms["example1/hello/hello.go"] == line_symbols(files, module)["hello/hello.go"]
    assert line_symbols(nested, module, "example1/") == syms


def test_root_package_that_is_not_main():
    files = {"go.mod": "module lib\n", "lib.go": "package lib\n\nvar X int\n\nfunc (t *T) M() {}\n",
             "sub/sub.go": "package sub\n\nfunc F() {}\n"}
    syms = line_symbols(files, "lib")
    assert syms["lib.go"] == {3: ["lib.X"], 5: ["lib.(*T).M"]}
    assert syms["sub/sub.go"] == {3: ["lib/sub.F"]}


# --- a light scanner, but not fooled --------------------------------------------------------------

TRICKY = '''package hello

import (
	"fmt"
	_ "unsafe"
)

const limit = 3 // no symbol
const (
	a = 1
	b = 2
)

type T struct {
	field int
	other func(int) int
}

var _ = fmt.Sprint("x")
var raw = `
//go:linkname fake other.fake
func notReal() {
`
var s = "func alsoNot() { // {"

/*
//go:linkname commented other.commented
var commentedOut int
*/

var (
	x, y int
	z    = map[string]int{
		"k": 1,
	}
	w = f(
		1,
	)
)

func init() {}

func Map[K comparable, V any](m map[K]V) {}

func (t T) Value() int { return t.field }

func (t *T) Ptr() int {
	var local int
	return local
}

func f(n int) int { return n }

//go:linkname (*T).Ptr other.ptr
//go:linkname T.Value
'''


def test_comments_strings_groups_and_generics():
    files = {"hello/hello.go": TRICKY}
    syms = line_symbols(files, "m")["hello/hello.go"]
    got = {TRICKY.split("\n")[n - 1].strip(): s for n, s in syms.items()}
    assert got == {
        "var raw = `": ["m/hello.raw"],
        'var s = "func alsoNot() { // {"': ["m/hello.s"],
        "x, y int": ["m/hello.x", "m/hello.y"],
        "z    = map[string]int{": ["m/hello.z"],
        "w = f(": ["m/hello.w"],
        "func (t T) Value() int { return t.field }": ["m/hello.T.Value"],
        "func (t *T) Ptr() int {": ["other.ptr"],
        "func f(n int) int { return n }": ["m/hello.f"],
        "//go:linkname (*T).Ptr other.ptr": ["other.ptr"],
        "//go:linkname T.Value": ["m/hello.T.Value"],
    }
    assert set(linkname_bindings(files, "m")) == {"other.ptr", "m/hello.T.Value"}


def test_directive_in_another_file_of_the_package():
    files = {"go.mod": "module m\n", "p/a.go": "package p\n\nvar hidden int64 = 5\n",
             "p/b.go": "package p\n\nimport _ \"unsafe\"\n\n//go:linkname hidden q.name\n",
             "q/a.go": "package q\n\nvar hidden int64\n"}
    syms = line_symbols(files, "m")
    assert syms["p/a.go"] == {3: ["q.name"]} and syms["p/b.go"] == {5: ["q.name"]}
    assert syms["q/a.go"] == {3: ["m/q.hidden"]}  # another package's same name is untouched


def test_test_files_and_non_go_files_are_ignored():
    files = {"go.mod": "module m\n", "a_test.go": "package main\n\nfunc TestX() {}\n", "x.s": "TEXT ·f(SB),0,$0\n",
             "main.go": "package main\n\nfunc main() {}\n"}
    assert line_symbols(files, "m") == {"main.go": {3: ["main.main"]}}


# --- every case of the course ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_CASES)
def test_every_case_declaration_and_directive_is_listed(name):
    files, module = case(name)
    syms = line_symbols(files, module)
    bindings = linkname_bindings(files, module)
    for path, text in files.items():
        if not path.endswith(".go"):
            continue
        for n, line in enumerate(text.split("\n"), 1):
            m = re.match(r"\s*//go:linkname\s+(\S+)(?:\s+(\S+))?\s*$", line)
            if m and m.group(2):
                assert syms[path][n] == [m.group(2)], (path, n)
                assert (path, n) in bindings[m.group(2)]
            elif re.match(r"func |var (?!\()", line):  # a group opener declares nothing itself
                assert syms.get(path, {}).get(n), (path, n, line)


# Module symbols the real amd64 listings of these cases show (function headers and `NAME(SB)`
# operands), saved from `golink-magic run notebooks/cases --json` with go1.27.3.
LISTED = {
    "03-linkname-var": ["example1/hello.Greeting", "example1/hello.secret", "main.main"],
    "04-expl": ["expl/ciao.linkedBytes", "expl/hello.privAdd", "expl/hello.privInt64", "main.main"],
    "07-asm-linkname": ["example3/hello.age", "main.main"],
    "clever-private-field": ["full/hello.newSecretBox", "main.main"],
    "method-pull-no-receiver": ["full/ciao.Extra", "full/ciao.leave", "full/hello.Box.value", "full/hello.privInt64"],
    "method-push-no-receiver": ["full/ciao.Leave2", "full/ciao.linkedInt64", "full/hello.Counter.Get",
                                "full/hello.Counter.Sum", "main.main"],
    "rule-empty-asm": ["main.answer", "main.main"],
    "table-row02": ["full/hello.privInt64", "main.a", "main.b", "main.main"],
    "table-row03": ["full/ciao.linkedInt64", "main.a", "main.b", "main.main"],
    "table-row07": ["full/ciao.linkedInt64", "full/hello.privInt64", "main.a", "main.b", "main.main"],
    "table-row11": ["full/ciao.Extra", "full/ciao.linkedInt64", "full/hello.Public.GetLinkedInt64",
                    "full/hello.privInt64", "main.a", "main.b", "main.main"],
}


@pytest.mark.parametrize("name", sorted(LISTED))
def test_symbols_of_real_listings_have_a_source_line(name):
    files, module = case(name)
    sources = symbol_sources(files, module)
    assert not [s for s in LISTED[name] if s not in sources]
    # symbols that no longer exist after a linkname are not claimed by any line
    if name == "03-linkname-var":
        assert "main.stolen" not in sources
    if name == "table-row02":
        assert "full/ciao.linkedInt64" not in sources


# --- the seed post ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_blocks():
    if not SEED.exists():
        pytest.skip(f"SKIPPED LOUDLY: the seed post is not at {SEED}")
    blocks = []
    for block in re.findall(r"```go\n(.*?)```", SEED.read_text(), re.S):
        parts = re.split(r"^[ \t]*// -- (\S+) --[ \t]*\n", block, flags=re.M)
        if len(parts) > 1:
            blocks.append({parts[i]: parts[i + 1] for i in range(1, len(parts), 2)})
    return blocks


def _seed(blocks, path):
    return next(b for b in blocks if path in b)


def test_seed_example1_under_its_folder(seed_blocks):
    files = next(b for b in seed_blocks if "linkname" in b.get("example1/main.go", ""))
    syms = line_symbols(files, "example1", "example1")
    assert syms["example1/main.go"][line_of(files, "example1/main.go", "//go:linkname")] == ["example1/hello.msg"]
    assert syms["example1/main.go"][line_of(files, "example1/main.go", "var linkedMsg")] == ["example1/hello.msg"]
    assert syms["example1/hello/hello.go"][line_of(files, "example1/hello/hello.go", "var msg")] == ["example1/hello.msg"]


def test_seed_expl_block(seed_blocks):
    files = _seed(seed_blocks, "go.mod")
    syms = line_symbols(files, "expl")
    assert syms["ciao/ciao.go"][line_of(files, "ciao/ciao.go", "//go:linkname linkedInt64")] == ["expl/hello.privInt64"]
    assert syms["ciao/ciao.go"][line_of(files, "ciao/ciao.go", "linkedInt64 int64")] == ["expl/hello.privInt64"]
    assert syms["ciao/ciao.go"][line_of(files, "ciao/ciao.go", "linkedBytes []byte")] == ["expl/ciao.linkedBytes"]
    assert syms["hello/hello.go"][line_of(files, "hello/hello.go", "var privBytes")] == ["expl/ciao.linkedBytes"]
    assert syms["ciao/ciao.go"][line_of(files, "ciao/ciao.go", "func LinkedAddFunc")] == ["expl/hello.privAddFunc"]


def test_seed_fragments_match_the_posts_listings(seed_blocks):
    # The post's listings show `MOVQ full/hello.privInt64(SB)` for the pull written in ciao and
    # `MOVQ full/ciao.linkedInt64(SB)` for the push written in hello.
    fragments = [b for b in seed_blocks if "main.go" in b and "package" not in "".join(b.values())]
    pull = next(b for b in fragments if "//go:linkname linkedInt64" in b["ciao/ciao.go"])
    push = next(b for b in fragments if "//go:linkname privInt64" in b["hello/hello.go"])
    assert "full/hello.privInt64" in symbol_sources(pull, "full")
    assert "full/ciao.linkedInt64" not in symbol_sources(pull, "full")
    assert line_symbols(push, "full")["hello/hello.go"][line_of(push, "hello/hello.go", "var privInt64")] == \
        ["full/ciao.linkedInt64"]
    assert line_symbols(push, "full")["main.go"][line_of(push, "main.go", "func main()")] == ["main.main"]


def test_every_seed_directive_is_listed(seed_blocks):
    for files in seed_blocks:
        syms = line_symbols(files, "m")
        for path, text in files.items():
            for n, line in enumerate(text.split("\n"), 1):
                if re.match(r"\s*//go:linkname \S+ \S+", line):
                    assert syms[path][n] == [line.split()[2]]


# --- symbol_package ---------------------------------------------------------------------------------


@pytest.mark.parametrize("symbol, package", [
    ("runtime.convT64", "runtime"), ("full/hello.(*T).M", "full/hello"), ("fmt.Fprintln", "fmt"),
    ("full/hello.privInt64", "full/hello"), ("main.main", "main"), ("main.main.func1", "main"),
    ("runtime.morestack_noctxt.abi0", "runtime"), ("sync/atomic.(*Int64).Add", "sync/atomic"),
    ("internal/runtime/maps.aeskeysched", "internal/runtime/maps"), ("crypto/tls.defaultCipherSuitesTLS13", "crypto/tls"),
    ("gopkg.in/yaml%2ev3.Unmarshal", "gopkg.in/yaml%2ev3"), ("full/hello.Map[go.shape.int]", "full/hello"),
    ("go/ast.Walk", "go/ast"), ("type:int", ""), ("type:*full/hello.T", ""), ("go:string.*", ""), ("go:buildid", ""),
    ("go.itab.*os.File,io.Writer", ""), ("go.shape.int", ""), ("$f64.3ff0000000000000", ""), ("nodot", ""), ("", ""),
])
def test_symbol_package(symbol, package):
    assert symbol_package(symbol) == package
