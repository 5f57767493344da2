"""Instruction and operand help (no Go needed): what a learner reads in a row's tooltip."""

import json
from pathlib import Path

import pytest

from golink_magic.listing import instructions as asm_help
from golink_magic.listing.instructions import (
    CHIPS, PSEUDO_REGISTERS, chip_help, coverage, explain, explain_instruction, explain_operand, mnemonic_of,
)

FIXTURE = Path(__file__).parent / "fixtures" / "mnemonics.json"
ARCHES = ("amd64", "386", "arm64")


def _all_known() -> list[tuple[str, str]]:
    """Every (goarch, mnemonic) the tables can produce help for."""
    out = set()
    for arch in ("amd64", "386"):
        out |= {(arch, m) for m in asm_help._X86_EXACT}
        out |= {(arch, b + s) for b in asm_help._X86_SIZED for s in "BWLQ"}
        out |= {(arch, m) for m in asm_help._X86_JUMPS} | {(arch, go) for go, _ in asm_help._X86_JUMPS.values()}
        out |= {(arch, "SET" + c) for c in asm_help._X86_SETCC} | {(arch, "CMOV" + c) for c in asm_help._X86_SETCC}
        out |= {(arch, p + " " + m) for p in ("REP;", "LOCK") for m in ("MOVSQ", "STOSQ", "XADDQ", "CMPXCHGQ")}
    out |= {("arm64", m) for m in asm_help._ARM64_EXACT}
    out |= {("arm64", m + w) for m in asm_help._ARM64_MOVES for w in ("", ".W", ".P")}
    out |= {("arm64", m + "W") for m in asm_help._ARM64_W_BASES}
    out |= {("arm64", "B" + c) for c in asm_help._ARM64_BRANCH} | {("arm64", "B." + c) for c in asm_help._ARM64_BRANCH}
    out |= {("arm64", m + w) for m in ("STP", "LDP", "STPW", "LDPW") for w in (".W", ".P")}
    return sorted(out)


def test_every_text_is_one_short_line():
    texts = {(g, m): explain(m, g) for g, m in _all_known()}
    assert len([t for t in texts.values() if t]) > 400
    bad = {k: t for k, t in texts.items() if t is not None and (len(t) > 120 or "\n" in t or not t.endswith("."))}
    assert not bad


# --- amd64 -----------------------------------------------------------------------------------


def test_movq_is_eight_bytes_source_then_destination():
    text = explain("MOVQ", "amd64")
    assert "8 bytes" in text and "source" in text and "destination" in text
    assert text.index("source") < text.index("destination")


@pytest.mark.parametrize("mnemonic, n", [("MOVB", "1 byte"), ("MOVW", "2 bytes"), ("MOVL", "4 bytes"), ("MOVQ", "8 bytes"),
                                         ("ADDQ", "8 bytes"), ("ADDL", "4 bytes"), ("CMPQ", "8-byte"), ("TESTB", "1-byte")])
def test_size_suffixes(mnemonic, n):
    assert n in explain(mnemonic, "amd64")


def test_calls_returns_and_jumps():
    assert "call" in explain("CALL", "amd64").lower()
    assert "return" in explain("RET", "amd64").lower()
    assert "unconditionally" in explain("JMP", "amd64")
    assert "morestack" in explain("JMP", "amd64")


@pytest.mark.parametrize("intel, go, relation", [("JBE", "JLS", "a <= b, unsigned"), ("JA", "JHI", "a > b, unsigned"),
                                                 ("JB", "JCS", "a < b, unsigned"), ("JAE", "JCC", "a >= b, unsigned"),
                                                 ("JE", "JEQ", "a == b"), ("JNE", "JNE", "a != b"),
                                                 ("JL", "JLT", "a < b, signed"), ("JGE", "JGE", "a >= b, signed"),
                                                 ("JLE", "JLE", "a <= b, signed"), ("JG", "JGT", "a > b, signed")])
def test_conditional_jumps_in_both_spellings(intel, go, relation):
    assert relation in explain(intel, "amd64")
    assert explain(go, "amd64") == explain(intel, "amd64")
    if go != intel:
        assert go in explain(intel, "amd64")  # names the Go assembler's spelling too


def test_flag_only_jumps():
    assert "negative" in explain("JS", "amd64") and explain("JMI", "amd64") == explain("JS", "amd64")
    assert "negative" in explain("JNS", "amd64") and explain("JPL", "amd64") == explain("JNS", "amd64")


def test_compare_reads_left_to_right_as_objdump_prints_it():
    # objdump prints `CMPQ SP, 0x10(R14)` then `JBE` to morestack: taken when SP <= the guard.
    text = explain("CMPQ", "amd64")
    assert "first against second" in text and "a <= b" in text


def test_lea_push_pop_and_frame_setup():
    assert "address" in explain("LEAQ", "amd64") and "without reading memory" in explain("LEAQ", "amd64")
    assert "address" in explain("LEAL", "386")
    assert "frame pointer" in explain("PUSHQ", "amd64") and "SP moves down" in explain("PUSHQ", "amd64")
    assert "frame pointer" in explain("POPQ", "amd64")
    assert "PUSHL" not in explain("PUSHL", "386") and "4 bytes" in explain("PUSHL", "386")
    assert "reserves" in explain("SUBQ", "amd64") and "SP" in explain("SUBQ", "amd64")
    assert "frees" in explain("ADDQ", "amd64")
    assert "reserves" in explain("SUBL", "386") and "frees" in explain("ADDL", "386")


def test_sse_moves_nops_and_padding():
    assert "16 bytes" in explain("MOVUPS", "amd64")
    assert "float64" in explain("MOVSD_XMM", "amd64")
    assert "MOVSD_XMM" in explain("MOVSD", "amd64")  # objdump's MOVSD is the string copy
    assert "No operation" in explain("NOPL", "amd64") and "No operation" in explain("NOPW", "amd64")
    assert "$0x3" in explain("INT", "amd64") and "breakpoint" in explain("INT", "amd64")
    assert "no-op" in explain("XCHGL", "amd64")
    assert "zero" in explain("XORL", "amd64")
    assert "zero" in explain("TESTQ", "amd64")


def test_prefixes_are_explained_with_the_instruction():
    assert "repeated CX times" in explain("REP; MOVSQ", "amd64") and "8 bytes" in explain("REP; MOVSQ", "amd64")
    assert "atomically" in explain("LOCK CMPXCHGQ", "amd64")
    assert explain("REP; NOSUCH", "amd64") is None
    assert mnemonic_of("REP; MOVSQ DS:0(SI), ES:0(DI)") == "REP; MOVSQ"
    assert mnemonic_of("LOCK CMPXCHGL SI, 0(BX)") == "LOCK CMPXCHGL"
    assert mnemonic_of("MOVQ full/hello.privInt64(SB), CX") == "MOVQ"
    assert mnemonic_of("RET") == "RET" and mnemonic_of("") == ""


def test_386_has_no_eight_byte_arithmetic_but_movl_differs():
    assert explain("ADDQ", "386") is None
    assert "top half zeroed" in explain("MOVL", "amd64")
    assert "top half" not in explain("MOVL", "386")
    assert "386" in explain("ADCL", "386")


# --- arm64 -----------------------------------------------------------------------------------


def test_arm64_moves_and_pairs():
    assert "8 bytes" in explain("MOVD", "arm64") and "source" in explain("MOVD", "arm64")
    assert explain("MOVD", "arm64") != explain("MOVD", "amd64")  # 4-byte SSE move on x86
    assert "zero-extends" in explain("MOVBU", "arm64") and "1 byte" in explain("MOVBU", "arm64")
    assert "zero-extends" in explain("MOVWU", "arm64") and "4 bytes" in explain("MOVWU", "arm64")
    assert "2 bytes" in explain("MOVHU", "arm64")
    assert "pair" in explain("STP", "arm64") and "pair" in explain("LDP", "arm64")
    assert "Pre-indexed" in explain("MOVD.W", "arm64") and "Post-indexed" in explain("MOVD.P", "arm64")


def test_arm64_control_flow():
    assert "R30" in explain("CALL", "arm64") and "R30" in explain("RET", "arm64")
    assert "CALL" in explain("BL", "arm64") and "JMP" in explain("B", "arm64")
    assert "zero" in explain("CBZ", "arm64") and "not zero" in explain("CBNZ", "arm64")
    assert "bit" in explain("TBZ", "arm64") and "bit" in explain("TBNZ", "arm64")
    assert "y <= x, unsigned" in explain("BLS", "arm64")
    assert explain("B.LS", "arm64") == explain("BLS", "arm64")
    assert "y > x, unsigned" in explain("BHI", "arm64")
    assert "y == x" in explain("BEQ", "arm64") and "y != x" in explain("BNE", "arm64")
    # CMP x, y sets the flags from y - x: `CMP R16, RSP; BLS` branches when RSP <= R16.
    assert "second operand minus the first" in explain("CMP", "arm64")


def test_arm64_misc():
    assert "page" in explain("ADRP", "arm64")
    assert "system register" in explain("MRS", "arm64")
    assert "No operation" in explain("NOOP", "arm64")
    assert "traps" in explain("UDF", "arm64")
    assert "padding" in explain("?", "arm64")
    assert "32-bit" in explain("CMPW", "arm64") and "32-bit" in explain("ADDW", "arm64")
    assert "z = y + x" in explain("ADD", "arm64") and "z = y - x" in explain("SUB", "arm64")


def test_unknown_gives_none():
    assert explain("FROBNICATE", "amd64") is None
    assert explain("VGF2P8AFFINEQB", "amd64") is None
    assert explain("MOVQ", "riscv64") is None
    assert explain("MOVQ", "arm64") is None and explain("MOVD.X", "arm64") is None
    assert explain("", "amd64") is None and explain("CMPXYZ", "386") is None


# --- operands --------------------------------------------------------------------------------


def test_sb_symbols():
    text = explain_operand("full/hello.privInt64(SB)", "amd64")
    assert "full/hello.privInt64" in text and "global" in text and "static-base" in text
    assert "+ 8" in explain_operand("runtime.x+8(SB)", "amd64")
    assert "full/hello.(*T).M" in explain_operand("full/hello.(*T).M(SB)", "arm64")
    addr = explain_operand("$main.answer(SB)", "386")
    assert "address" in addr and "nothing is read" in addr


def test_registers_of_the_register_abi():
    assert "goroutine" in explain_operand("R14", "amd64") and "ABIInternal" in explain_operand("R14", "amd64")
    assert "zero" in explain_operand("X15", "amd64") and "ABIInternal" in explain_operand("X15", "amd64")
    assert "1st integer argument" in explain_operand("AX", "amd64")
    assert "stack" in explain_operand("AX", "386")  # 386 passes arguments on the stack
    assert "goroutine" in explain_operand("R28", "arm64")
    assert "zero register" in explain_operand("ZR", "arm64") and "zero register" in explain_operand("RZR", "arm64")
    assert "link register" in explain_operand("R30", "arm64")
    assert "stack pointer" in explain_operand("RSP", "arm64")
    assert explain_operand("R14", "386") is None


def test_stack_and_memory_operands():
    sp = explain_operand("0x8(SP)", "amd64")
    assert "8 bytes above the hardware stack pointer" in sp
    assert "below" in explain_operand("-0x10(SP)", "amd64")
    assert "stack" in explain_operand("0x4(SP)", "386") and "386" in explain_operand("0x4(SP)", "386")
    assert "8 bytes above" in explain_operand("8(RSP)", "arm64")
    assert "frame pointer" in explain_operand("-8(RSP)", "arm64")
    assert explain_operand("(AX)", "amd64") == "Memory at the address in AX."
    assert "AX + CX*8 + 0x10" in explain_operand("0x10(AX)(CX*8)", "amd64")
    assert "R0" in explain_operand("(R0)", "arm64")
    assert "R1 + R0*2" in explain_operand("(R1)(R0<<1)", "arm64")
    assert "stackguard0" in explain_operand("0x10(R14)", "amd64") and "stackguard0" in explain_operand("16(R28)", "arm64")
    assert "-4" in explain_operand("0xfffffffc(CX)", "386")
    assert "thread-local" in explain_operand("GS:0", "386").lower()
    assert explain_operand("(R0)", "amd64") is None and explain_operand("0x8(SP)", "arm64") is None


def test_ip_pc_fp_and_immediates():
    ip = explain_operand("0xc0d93(IP)", "amd64")
    assert "PC-relative" in ip and "next instruction" in ip
    assert "instructions" in explain_operand("53(PC)", "arm64")
    assert "FP" in explain_operand("x+8(FP)", "amd64") and "Argument" in explain_operand("x+8(FP)", "amd64")
    assert "pseudo-SP" in explain_operand("x-8(SP)", "amd64")
    five = explain_operand("$0x5", "amd64")
    assert "constant" in five and "immediate" in five
    assert "= 72" in explain_operand("$0x48", "amd64")
    assert "pair" in explain_operand("(R29, R30)", "arm64") and "link register" in explain_operand("(R29, R30)", "arm64")
    assert "jump" in explain_operand("0x499e5d", "amd64")
    assert explain_operand("@@@", "amd64") is None and explain_operand("R1", "mips") is None


def test_pseudo_registers_and_chips():
    assert set(PSEUDO_REGISTERS) == {"SB", "FP", "SP", "PC"}
    assert "global" in PSEUDO_REGISTERS["SB"] and "argument" in PSEUDO_REGISTERS["FP"]
    assert "hardware stack pointer" in PSEUDO_REGISTERS["SP"] and "pseudo-SP" in PSEUDO_REGISTERS["SP"]
    assert set(CHIPS) == {"stack check", "morestack tail", "padding INT $0x3", "inlined from"}
    assert "stack guard" in CHIPS["stack check"] and "morestack" in CHIPS["stack check"]
    assert "runtime.morestack_noctxt" in CHIPS["morestack tail"] and "back" in CHIPS["morestack tail"]
    assert "trap" in CHIPS["padding INT $0x3"] and "inlined" in CHIPS["inlined from"]
    assert chip_help("stack check · 2 rows") == CHIPS["stack check"]
    assert chip_help("inlined from fmt/print.go:314 +2 more · 9 rows") == CHIPS["inlined from"]
    assert chip_help("something else") is None


def test_whole_row_idioms():
    assert "Stack check" in explain_instruction("CMPQ SP, 0x10(R14)", "amd64")
    assert "Stack check" in explain_instruction("CMPL SP, 0x8(CX)", "386")
    assert "Stack check" in explain_instruction("CMP R16, RSP", "arm64")
    assert "zero" in explain_instruction("MOVUPS X15, 0x10(CX)", "amd64")
    assert "zero" in explain_instruction("XORL AX, AX", "amd64")
    assert "frame" in explain_instruction("SUBQ $0x48, SP", "amd64")
    assert "frame" in explain_instruction("MOVD.W R30, -112(RSP)", "arm64")
    assert "bigger stack" in explain_instruction("CALL runtime.morestack_noctxt.abi0(SB)", "amd64")
    assert explain_instruction("MOVQ AX, BX", "amd64") == explain("MOVQ", "amd64")
    assert explain_instruction("FROB AX", "amd64") is None
    assert explain_instruction("NOPL", "arm64") is None and explain_instruction("XORL AX, AX", "riscv64") is None
    assert all(len(text) <= 120 for _, _, text in asm_help._IDIOMS)


# --- coverage --------------------------------------------------------------------------------


def test_coverage_pools_rows_per_goarch():
    got = coverage([("amd64", ["MOVQ AX, BX", "FROB X"]), ("arm64", ["MOVD R1, R2"]), ("amd64", ["RET", "CALL f(SB)"]),
                    ("386", [])])
    assert got == {"amd64": 0.75, "arm64": 1.0}


def test_course_listings_have_help_on_95_percent_of_rows():
    """tests/fixtures/mnemonics.json: {goarch: {mnemonic: rows}} counted by scripts/mnemonic_coverage.py
    on the course's cases (amd64 and 386 run, arm64 --no-run)."""
    table = json.loads(FIXTURE.read_text())
    assert set(table) == set(ARCHES)
    for goarch, counts in table.items():
        rows = sum(counts.values())
        helped = sum(n for m, n in counts.items() if explain(m, goarch) is not None)
        assert rows > 500, goarch
        assert helped / rows >= 0.95, (goarch, {m: n for m, n in counts.items() if explain(m, goarch) is None})
