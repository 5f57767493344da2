"""The linker's view without Go: nm, objdump-of-an-object and -S texts (as go1.27.3 printed them
for a pulled variable) parsed into records, the --expect-sym / --expect-reloc checks and the
failed-link note on them."""

from golink_magic.listing import nm, objects
from golink_magic.model.linkage import (PackageObject, Symbol, link_failures, parse_sym_spec, reloc_problem,
                                        symbol_problem)
from golink_magic.model.result import Result

NM = """  56e220         16 D example1/hello.secret
  499de0        245 T main.main
                  0 U fmt.Fprintln
    3ce6         16 B example1/hello.secret
    35f0         40 r main.main.stkobj<1>
    3622         44 ? go:info.fmt.Println$abstract
                  0 U $GOROOT/src/fmt/print.go
                  0 U 
  4a0000         24 T main.F[go.shape.struct { X int }]
"""

OBJDUMP = """TEXT main.main(SB) /tmp/lk/main.go
  main.go:13\t\t0x314d\t\t\t493b6610\t\tCMPQ SP, 0x10(R14)\t[3:3]R_USEIFACE:type:string\t
  main.go:15\t\t0x31ee\t\t\t488b0500000000\t\tMOVQ 0(IP), AX\t\t[3:7]R_PCREL:example1/hello.secret\t
  main.go:15\t\t0x31f5\t\t\t488b1d00000000\t\tMOVQ 0(IP), BX\t\t[3:7]R_PCREL:example1/hello.secret+8\t
  main.go:15\t\t0x31fc\t\t\te800000000\t\tCALL 0x3201\t\t[1:5]R_CALL:runtime.convTstring<1>\t
  main.go:16\t\t0x3201\t\t\t48c705000000002a000000\t\tMOVQ $0x2a, 0(IP)\t\t[3:7]R_PCREL:main.total+-4\t
"""

DASH_S = """# example1
main.main STEXT size=245 args=0x0 locals=0x70 funcid=0x0
\t0x0000 00000 (/tmp/lk/main.go:13)\tTEXT\tmain.main(SB), ABIInternal, $112-0
\t0x0000 00000 (/tmp/lk/main.go:13)\tCMPQ\tSP, 16(R14)
\t0x00a1 00161 (/tmp/lk/main.go:15)\tMOVQ\texample1/hello.secret(SB), AX
\t0x00a1 00161 (/tmp/lk/main.go:15)\tPCDATA\t$0, $-1
\t0x0000 49 3b 66 10 0f 86 e1 00 00 00 55 48 89 e5 48 83  I;f.......UH..H.
\trel 3+4 t=R_PCREL example1/hello.secret+0
example1/hello.secret SDATA size=16 align=0x0
\t0x0000 00 00 00 00 00 00 00 00 18 00 00 00 00 00 00 00  ................
"""


def test_nm_lines_become_symbols_names_with_spaces_kept():
    syms = nm.parse(NM)
    assert syms[0] == Symbol("example1/hello.secret", "D", 16, 0x56e220)
    assert syms[2] == Symbol("fmt.Fprintln", "U", 0, None)
    assert syms[-1].name == "main.F[go.shape.struct { X int }]"
    shown = nm.program_symbols(syms, "example1", {"example1/hello.secret"})
    assert [(s.name, s.code) for s in shown] == [
        ("main.main.stkobj<1>", "r"), ("example1/hello.secret", "B"), ("main.main", "T"),
        ("main.F[go.shape.struct { X int }]", "T"), ("example1/hello.secret", "D")]  # by address, U left out
    assert nm.is_noise("go:info.fmt.Println$abstract") and nm.is_noise("") and nm.is_noise("$GOROOT/src/fmt/print.go")
    assert not nm.in_module("runtime.main", "example1") and nm.in_module("example1/hello.x", "example1")


def test_an_objects_rows_carry_their_relocations_and_the_compilers_text_by_offset():
    compiler = objects.parse_compiler_listing(DASH_S)
    assert compiler == {"example1": {"main.main": {0: "CMPQ SP, 16(R14)", 161: "MOVQ example1/hello.secret(SB), AX"}}}
    obj = objects.package_object("example1", "$GOCACHE/x", NM, OBJDUMP, compiler["example1"])
    fn = obj.functions[0]
    assert [r.offset for r in fn.rows] == [0, 161, 168, 175, 180]
    load = fn.rows[1]
    assert load.hex == "488b0500000000" and load.asm == "MOVQ example1/hello.secret(SB), AX"
    assert [(r.offset, r.size, r.type, r.target, r.addend) for r in load.relocs] == [(164, 4, "R_PCREL",
                                                                                     "example1/hello.secret", 0)]
    assert fn.rows[2].relocs[0].addend == 8
    assert fn.rows[3].relocs[0].target == "runtime.convTstring"  # the ABI mark <1> is not part of the name
    assert fn.rows[4].relocs[0].addend == -4                      # objdump prints +-4
    assert ("example1/hello.secret", "B") in {(s.name, s.code) for s in obj.defined}
    assert obj.undefined == ["fmt.Fprintln"]


def test_the_symbol_and_relocation_checks_say_what_came():
    syms = [Symbol("main.total", "B", 8, 1), Symbol("main.stolen", "", became="example1/hello.secret")]
    assert parse_sym_spec("!main.x D 8") == (True, "main.x", "D", 8)
    assert symbol_problem("main.total B 8", syms) is None
    assert symbol_problem("main.total D", syms) == "expected main.total to be D, got B 8"
    assert "the directive made it example1/hello.secret" in symbol_problem("main.stolen", syms)
    assert symbol_problem("!main.stolen", syms) is None
    obj = objects.package_object("example1", "", NM, OBJDUMP, None)
    assert reloc_problem("main.main:example1/hello.secret", [obj]) is None
    assert reloc_problem("main.main:main.total-4", [obj]) is None
    assert reloc_problem("main.main:main.total+4", [obj]).startswith("expected main.main's object to relocate to main.total+4")
    assert reloc_problem("!main.main:example1/hello.secret", [obj]).startswith("expected main.main's object not to")
    assert "no compiled objects" in reloc_problem("main.main:x.y", [])


def test_a_failed_links_note_names_the_object_behind_it():
    obj = PackageObject("example3", "", undefined=["example3/hello.double"])
    obj.functions = objects.parse_object_listing(
        "TEXT main.main(SB) m.go\n  m.go:9\t\t0x10\t\t\te800000000\t\tCALL 0x15\t\t[1:5]R_CALL:example3/hello.double\t\n")
    said = link_failures("main.main: relocation target example3/hello.double not defined\n", [obj])
    assert said == ["example3/hello.double, named by the linker: main.main (R_CALL) relocates to it; "
                    "the object of example3 leaves it undefined (U)"]


def test_results_keep_symbols_and_objects_through_json():
    obj = objects.package_object("example1", "$GOCACHE/x", NM, OBJDUMP, None)
    r = Result("ok", "go version go1.27.3 linux/amd64", "linux", "amd64", symbols=nm.parse(NM), objects=[obj])
    again = Result.from_dict(r.to_dict())
    assert again.symbols == r.symbols and again.objects == r.objects
