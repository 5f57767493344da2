"""One-line help for the instructions and operands of a ``go tool objdump`` listing.

``go tool objdump`` prints Go assembler syntax (the Plan 9 heritage), not Intel or GNU syntax:
operands go source first and destination last, sizes are mnemonic suffixes (``B`` 1 byte,
``W`` 2, ``L`` 4, ``Q`` 8 on x86), and addresses are written against pseudo-registers such as
``SB``.  Some spellings are the disassembler's own: on x86 conditional jumps keep Intel's names
(``JBE`` rather than the assembler's ``JLS``), a compare reads left to right (``CMPQ a, b`` then
``JBE`` jumps when a <= b), and the SSE scalar float64 move is printed ``MOVSD_XMM``.  On arm64
``BL``/``B`` are printed ``CALL``/``JMP``, and a word that does not decode is printed ``?``.

Everything here is plain text lookup: :func:`explain` for a mnemonic, :func:`explain_operand`
for one operand, :func:`explain_instruction` for whole rows with a well-known idiom, and
:func:`coverage` to measure how many rows of a listing get help.  Unknown input gives ``None``:
no tooltip is better than a wrong one.
"""

from __future__ import annotations

import re

__all__ = [
    "CHIPS", "PSEUDO_REGISTERS", "chip_help", "coverage", "explain", "explain_instruction",
    "explain_operand", "mnemonic_of",
]

PSEUDO_REGISTERS: dict[str, str] = {
    "SB": "Static base: name(SB) is the address of the global symbol name (a variable or function) that the linker placed.",
    "FP": "Frame pointer pseudo-register of hand-written Go assembly: x+8(FP) names argument x; objdump prints SP offsets instead.",
    "SP": "In objdump output, the hardware stack pointer. In hand-written Go assembly, name-8(SP) means the pseudo-SP at the frame's top.",
    "PC": "Program counter: on arm64, a branch to n(PC) goes n instructions forward (backward if negative) from this one.",
}

CHIPS: dict[str, str] = {
    "stack check": ("Prologue: compares the stack pointer with the goroutine's stack guard (g.stackguard0) and jumps "
                    "to the morestack tail when this frame would not fit."),
    "morestack tail": ("Runs only when the stack must grow: calls runtime.morestack_noctxt (which moves the goroutine "
                       "to a bigger stack), then jumps back to the function's start."),
    "padding INT $0x3": ("Filler after the function up to the next function's aligned start; INT $0x3 is a breakpoint "
                         "trap, so running into it stops the program."),
    "inlined from": ("Rows whose code comes from a function outside this module (often the standard library) that the "
                     "compiler inlined here; the label is its original file:line."),
}

# ---------------------------------------------------------------------------------------------
# x86 (amd64 and 386)

_X86_SIZE = {"B": 1, "W": 2, "L": 4, "Q": 8}
_X86_SIZE_NAME = {1: "1 byte", 2: "2 bytes (a word)", 4: "4 bytes (a long)", 8: "8 bytes (a quad word)"}
_X86_BYTES = {1: "1 byte", 2: "2 bytes", 4: "4 bytes", 8: "8 bytes"}

# Instructions whose last letter is an operand size.  {n}: byte count, {nb}: "8 bytes",
# {s}: the suffix letter, {size}: "8 bytes (a quad word)" and so on.
_X86_SIZED = {
    "MOV": "Move {size} from the first operand to the second (Go order: source, destination).",
    "ADD": "Add the first operand into the second, {nb} wide (Go order: source, destination).",
    "SUB": "Subtract the first operand from the second, {nb} wide (Go order: source, destination).",
    "CMP": "Compare two {n}-byte values, first against second: JBE after CMP{s} a, b jumps if a <= b (unsigned).",
    "TEST": "AND two {n}-byte values only to set the flags; TEST{s} R, R checks whether R is zero (or negative).",
    "LEA": "Load effective address: compute the first operand's address, without reading memory, into the second ({nb}).",
    "PUSH": "Push {nb}: SP moves down by {n} and the operand is stored at the new top of the stack.",
    "POP": "Pop {nb}: load the top of the stack into the operand, then SP moves up by {n}.",
    "XOR": "Exclusive-or the first operand into the second, {nb}; XOR{s} R, R is the usual way to set R to zero.",
    "AND": "Bitwise AND of the first operand into the second, {nb} (Go order: source, destination).",
    "OR": "Bitwise OR of the first operand into the second, {nb} (Go order: source, destination).",
    "NOT": "Flip every bit of the operand ({nb}).",
    "NEG": "Negate the operand in place: x becomes -x in two's complement ({nb}).",
    "INC": "Add 1 to the operand ({nb}).",
    "DEC": "Subtract 1 from the operand ({nb}).",
    "ADC": "Add the first operand plus the carry flag into the second ({nb}); the upper half of a wide addition.",
    "SBB": "Subtract the first operand and the borrow (carry flag) from the second ({nb}); the upper half of a wide subtraction.",
    "IMUL": "Signed multiply ({nb}): the last operand receives the product; the one-operand form multiplies AX into DX:AX.",
    "MUL": "Unsigned multiply of AX by the operand ({nb}); the double-width product goes to DX:AX.",
    "DIV": "Unsigned divide of DX:AX by the operand ({nb}): quotient in AX, remainder in DX.",
    "IDIV": "Signed divide of DX:AX by the operand ({nb}): quotient in AX, remainder in DX.",
    "SHL": "Shift the second operand left by the first (a constant or CL), {nb}; k places multiply by 2^k.",
    "SHR": "Shift the second operand right by the first, {nb}, filling with zeros (unsigned divide by 2^k).",
    "SAR": "Shift the second operand right by the first, {nb}, copying the sign bit (signed divide by 2^k, rounding down).",
    "ROL": "Rotate the second operand left by the first ({nb}): bits leaving the top come back at the bottom.",
    "ROR": "Rotate the second operand right by the first ({nb}): bits leaving the bottom come back at the top.",
    "RCL": "Rotate left through the carry flag ({nb}).",
    "RCR": "Rotate right through the carry flag ({nb}).",
    "SHLD": "Double shift left ({nb}): shift one operand while filling the freed bits from another (wide shifts).",
    "SHRD": "Double shift right ({nb}): shift one operand while filling the freed bits from another (wide shifts).",
    "XCHG": "Swap the two operands ({nb}; atomic when one is memory). XCHGL AX, AX changes nothing: Go's 1-byte no-op.",
    "XADD": "Exchange and add ({nb}): memory gets the sum, the register its old value; with LOCK an atomic add.",
    "CMPXCHG": "Compare-and-swap ({nb}): if AX equals memory, store the register there, else load memory into AX.",
    "BT": "Copy one bit (numbered by the first operand) of the second operand into the carry flag ({nb}).",
    "BTS": "Copy one bit (numbered by the first operand) of the second operand into the carry flag, then set it.",
    "BTR": "Copy one bit (numbered by the first operand) of the second operand into the carry flag, then clear it.",
    "BTC": "Copy one bit (numbered by the first operand) of the second operand into the carry flag, then flip it.",
    "BSF": "Index of the lowest set bit of the first operand, into the second ({nb}).",
    "BSR": "Index of the highest set bit of the first operand, into the second ({nb}).",
    "POPCNT": "Count the set bits of the first operand into the second ({nb}).",
    "MOVNTI": "Store {nb} to memory bypassing the caches (a streaming store).",
    "NOP": "No operation: padding that aligns the next instruction; a 1-byte NOP also marks where a call was inlined.",
}

# Variants with more to say on one architecture (keyed by mnemonic, then goarch).
_X86_SPECIAL = {
    ("MOVL", "amd64"): "Move 4 bytes (a long) from source to destination (Go order); a register destination also has its top half zeroed.",
    ("ADDQ", "amd64"): "Add the first operand into the second, 8 bytes wide; ADDQ $n, SP in an epilogue frees an n-byte stack frame.",
    ("SUBQ", "amd64"): "Subtract the first operand from the second, 8 bytes wide; SUBQ $n, SP in a prologue reserves an n-byte frame.",
    ("ADDL", "386"): "Add the first operand into the second, 4 bytes wide; ADDL $n, SP in an epilogue frees an n-byte stack frame.",
    ("SUBL", "386"): "Subtract the first operand from the second, 4 bytes wide; SUBL $n, SP in a prologue reserves an n-byte frame.",
    ("PUSHQ", "amd64"): "Push 8 bytes: SP moves down by 8 and the operand is stored there; PUSHQ BP saves the caller's frame pointer.",
    ("POPQ", "amd64"): "Pop 8 bytes off the stack into the operand (SP moves up by 8); POPQ BP restores the caller's frame pointer.",
    ("ADCL", "386"): "Add the first operand plus the carry flag into the second (4 bytes); 386 pairs ADDL with ADCL to add int64s.",
    ("SBBL", "386"): "Subtract the first operand and the borrow from the second (4 bytes); 386 pairs SUBL with SBBL for int64s.",
}

_X86_JUMPS = {
    # objdump's (Intel) spelling, the Go assembler's spelling, and when the jump is taken.
    "JE": ("JEQ", "after CMP a, b, taken if a == b (zero flag set)"),
    "JNE": ("JNE", "after CMP a, b, taken if a != b (zero flag clear)"),
    "JB": ("JCS", "after CMP a, b, taken if a < b, unsigned (carry set)"),
    "JAE": ("JCC", "after CMP a, b, taken if a >= b, unsigned (carry clear)"),
    "JBE": ("JLS", "after CMP a, b, taken if a <= b, unsigned"),
    "JA": ("JHI", "after CMP a, b, taken if a > b, unsigned"),
    "JL": ("JLT", "after CMP a, b, taken if a < b, signed"),
    "JGE": ("JGE", "after CMP a, b, taken if a >= b, signed"),
    "JLE": ("JLE", "after CMP a, b, taken if a <= b, signed"),
    "JG": ("JGT", "after CMP a, b, taken if a > b, signed"),
    "JS": ("JMI", "taken if the last result was negative (sign flag set)"),
    "JNS": ("JPL", "taken if the last result was not negative (sign flag clear)"),
    "JO": ("JOS", "taken if the last operation overflowed (signed)"),
    "JNO": ("JOC", "taken if the last operation did not overflow"),
    "JP": ("JPS", "taken if parity is set (after a float compare: unordered, a NaN)"),
    "JNP": ("JPC", "taken if parity is clear (after a float compare: no NaN)"),
}
_GO_JUMP_ALIASES = {"JZ": "JE", "JNZ": "JNE", "JLO": "JB", "JHS": "JAE", "JC": "JB", "JNC": "JAE",
                    "JNAE": "JB", "JNB": "JAE", "JNA": "JBE", "JNBE": "JA", "JNGE": "JL", "JNL": "JGE",
                    "JNG": "JLE", "JNLE": "JG"}
_X86_SETCC = {"E": "equal", "NE": "not equal", "B": "below (unsigned <)", "AE": "above or equal (unsigned >=)",
              "BE": "below or equal (unsigned <=)", "A": "above (unsigned >)", "L": "less (signed <)",
              "GE": "greater or equal (signed >=)", "LE": "less or equal (signed <=)", "G": "greater (signed >)",
              "S": "negative", "NS": "not negative", "O": "overflow", "NO": "no overflow",
              "P": "parity set (a NaN in a float compare)", "NP": "parity clear"}

_X86_EXACT = {
    "CALL": "Call a function: push the return address, then jump to the target; its RET comes back to the next row.",
    "RET": "Return to the caller: pop the return address off the stack and jump to it.",
    "JMP": "Jump unconditionally. JMP f(SB) goes to another function's start: a tail call, or the restart after morestack.",
    "INT": "Software interrupt. INT $0x3 is the breakpoint trap: Go fills the gaps between functions with it.",
    "UD2": "Undefined instruction: always traps. Go places it where execution must never arrive.",
    "UD1": "Undefined instruction: always traps.",
    "UD0": "Undefined instruction: always traps.",
    "HLT": "Halt the processor: in a user program it faults, so it only marks unreachable code.",
    "PAUSE": "Spin-loop hint: tells the CPU this is a busy-wait loop, saving power and pipeline slots.",
    "MFENCE": "Memory fence: all loads and stores before it complete before any after it.",
    "LFENCE": "Load fence: earlier loads complete before later ones start.",
    "SFENCE": "Store fence: earlier stores become visible before later ones.",
    "CPUID": "Ask the processor which features it has (the answer lands in AX, BX, CX, DX).",
    "RDTSC": "Read the processor's cycle counter into DX:AX.",
    "RDTSCP": "Read the processor's cycle counter into DX:AX (and the CPU number into CX), after earlier instructions finish.",
    "SYSCALL": "Enter the operating system kernel: the system call number is in AX.",
    "SYSENTER": "Enter the operating system kernel (fast system call).",
    "CQO": "Sign-extend AX into DX:AX (8 bytes to 16), preparing a signed division.",
    "CDQ": "Sign-extend the 4-byte AX into DX:AX, preparing a signed division.",
    "CWD": "Sign-extend the 2-byte AX into DX:AX, preparing a signed division.",
    "CDQE": "Sign-extend the low 4 bytes of AX to all 8 bytes.",
    "CWDE": "Sign-extend the low 2 bytes of AX to 4 bytes.",
    "CBW": "Sign-extend the low byte of AX to 2 bytes.",
    "MOVZX": "Load a 1- or 2-byte value into a register, filling the upper bits with zeros (zero extension).",
    "MOVSX": "Load a 1- or 2-byte value into a register, filling the upper bits with copies of its sign bit.",
    "MOVSXD": "Load a 4-byte value into an 8-byte register, filling the upper half with copies of its sign bit.",
    "MOVBE": "Move while reversing the byte order (big-endian load or store).",
    "BSWAP": "Reverse the byte order of the register (big-endian <-> little-endian).",
    "TZCNT": "Count the trailing zero bits of the first operand into the second.",
    "LZCNT": "Count the leading zero bits of the first operand into the second.",
    "MOVUPS": "Move 16 bytes (a whole X register) with no alignment requirement; Go uses it to copy or zero 16 bytes at once.",
    "MOVUPD": "Move 16 bytes (a whole X register) with no alignment requirement.",
    "MOVAPS": "Move 16 bytes (a whole X register); a memory operand must be 16-byte aligned.",
    "MOVAPD": "Move 16 bytes (a whole X register); a memory operand must be 16-byte aligned.",
    "MOVDQU": "Move 16 bytes (a whole X register) with no alignment requirement.",
    "MOVDQA": "Move 16 bytes (a whole X register); a memory operand must be 16-byte aligned.",
    "MOVSD_XMM": "Move one float64 (8 bytes) between an X register and memory or another X register (Go assembler: MOVSD).",
    "MOVSS": "Move one float32 (4 bytes) between an X register and memory or another X register.",
    "MOVD": "Move 4 bytes between an X (SSE) register and a general register or memory.",
    "MOVSB": "String copy of 1 byte from 0(SI) to 0(DI), advancing both; with REP, repeated CX times (memmove).",
    "MOVSW": "String copy of 2 bytes from 0(SI) to 0(DI), advancing both; with REP, repeated CX times.",
    "MOVSD": "String copy of 4 bytes from 0(SI) to 0(DI), advancing both (objdump prints the float64 move as MOVSD_XMM).",
    "MOVSQ": "String copy of 8 bytes from 0(SI) to 0(DI), advancing both; with REP, repeated CX times (memmove).",
    "STOSB": "String store of AL's byte at 0(DI), advancing DI; with REP, repeated CX times (fills memory).",
    "STOSW": "String store of 2 bytes from AX at 0(DI), advancing DI; with REP, repeated CX times.",
    "STOSD": "String store of 4 bytes from AX at 0(DI), advancing DI; with REP, repeated CX times.",
    "STOSQ": "String store of 8 bytes from AX at 0(DI), advancing DI; with REP, repeated CX times (zeroes memory).",
    "PXOR": "Exclusive-or of 16-byte X registers; PXOR X0, X0 sets X0 to zero.",
    "XORPS": "Exclusive-or of 16-byte X registers; XORPS X0, X0 sets X0 to zero.",
    "XORPD": "Exclusive-or of 16-byte X registers; XORPD X0, X0 sets X0 to zero.",
    "ADDSD": "Add float64: the first operand into the X register second operand.",
    "SUBSD": "Subtract float64: the first operand from the X register second operand.",
    "MULSD": "Multiply float64: the X register second operand by the first.",
    "DIVSD": "Divide float64: the X register second operand by the first.",
    "SQRTSD": "Square root of a float64, into the X register second operand.",
    "ADDSS": "Add float32: the first operand into the X register second operand.",
    "SUBSS": "Subtract float32: the first operand from the X register second operand.",
    "MULSS": "Multiply float32: the X register second operand by the first.",
    "DIVSS": "Divide float32: the X register second operand by the first.",
    "UCOMISD": "Compare two float64 values and set the flags (parity set when either is NaN).",
    "UCOMISS": "Compare two float32 values and set the flags (parity set when either is NaN).",
    "COMISD": "Compare two float64 values and set the flags.",
    "COMISS": "Compare two float32 values and set the flags.",
    "CVTSI2SDQ": "Convert an 8-byte integer to float64 in an X register.",
    "CVTSI2SDL": "Convert a 4-byte integer to float64 in an X register.",
    "CVTSI2SSQ": "Convert an 8-byte integer to float32 in an X register.",
    "CVTSI2SSL": "Convert a 4-byte integer to float32 in an X register.",
    "CVTTSD2SIQ": "Convert a float64 to an 8-byte integer, truncating toward zero.",
    "CVTTSD2SIL": "Convert a float64 to a 4-byte integer, truncating toward zero.",
    "CVTTSS2SIQ": "Convert a float32 to an 8-byte integer, truncating toward zero.",
    "CVTTSS2SIL": "Convert a float32 to a 4-byte integer, truncating toward zero.",
    "CVTSD2SS": "Convert a float64 to float32.",
    "CVTSS2SD": "Convert a float32 to float64.",
    "LOCK": "Prefix: makes the next read-modify-write instruction on memory atomic.",
    "REP;": "Prefix: repeat the next string instruction CX times (memmove/memclr loops).",
    "REPNE;": "Prefix: repeat the next string instruction while CX is not zero and the compare finds no match.",
    "LEAVE": "Undo the frame: copy BP into SP, then pop the saved BP.",
    "CLD": "Clear the direction flag, so string instructions move forward through memory.",
    "?": "objdump could not decode these bytes as an instruction (data or padding inside the code).",
}


def _x86_sized(mnemonic: str, goarch: str) -> str | None:
    """Help for an x86 mnemonic made of an operation and a size letter (MOVQ, CMPL...)."""
    special = _X86_SPECIAL.get((mnemonic, goarch))
    if special:
        return special
    base, letter = mnemonic[:-1], mnemonic[-1:]
    template = _X86_SIZED.get(base)
    if template is None or letter not in _X86_SIZE:
        return None
    n = _X86_SIZE[letter]
    if goarch == "386" and n == 8 and base != "MOV":
        return None  # no 8-byte general registers on 386
    return template.format(n=n, s=letter, size=_X86_SIZE_NAME[n], nb=_X86_BYTES[n])


def _x86(mnemonic: str, goarch: str) -> str | None:
    """Help for an x86 mnemonic (no prefix)."""
    if mnemonic in _X86_EXACT:
        return _X86_EXACT[mnemonic]
    jump = _GO_JUMP_ALIASES.get(mnemonic, mnemonic)
    go_names = {go: intel for intel, (go, _) in _X86_JUMPS.items()}
    intel = jump if jump in _X86_JUMPS else go_names.get(jump)
    if intel:
        go, cond = _X86_JUMPS[intel]
        alias = f" (Go assembler: {go})" if go != intel else ""
        return f"Conditional jump{alias}: {cond}."
    if mnemonic in ("JCXZ", "JECXZ", "JRCXZ"):
        return "Jump if the CX register is zero."
    for prefix, what in (("SET", "Set the byte operand to 1 if the flags say {c}, else to 0."),
                         ("CMOV", "Conditional move: copy the first operand into the second only if the flags say {c}.")):
        cond = mnemonic[len(prefix):] if mnemonic.startswith(prefix) else None
        if cond in _X86_SETCC:
            return what.format(c=_X86_SETCC[cond])
    return _x86_sized(mnemonic, goarch)


# ---------------------------------------------------------------------------------------------
# arm64

_ARM64_COND = {
    "EQ": "equal (zero flag set)", "NE": "not equal", "CS": "carry set: unsigned >=", "HS": "unsigned >=",
    "CC": "carry clear: unsigned <", "LO": "unsigned <", "MI": "negative", "PL": "not negative",
    "VS": "signed overflow", "VC": "no signed overflow", "HI": "unsigned >", "LS": "unsigned <=",
    "GE": "signed >=", "LT": "signed <", "GT": "signed >", "LE": "signed <=", "AL": "always",
}
# What a conditional branch tests after ``CMP x, y`` (which sets the flags from y - x).
_ARM64_BRANCH = {
    "EQ": "after CMP x, y it is taken if y == x", "NE": "after CMP x, y it is taken if y != x",
    "CS": "after CMP x, y it is taken if y >= x, unsigned (carry set)",
    "HS": "after CMP x, y it is taken if y >= x, unsigned",
    "CC": "after CMP x, y it is taken if y < x, unsigned (carry clear)",
    "LO": "after CMP x, y it is taken if y < x, unsigned",
    "HI": "after CMP x, y it is taken if y > x, unsigned", "LS": "after CMP x, y it is taken if y <= x, unsigned",
    "GE": "after CMP x, y it is taken if y >= x, signed", "LT": "after CMP x, y it is taken if y < x, signed",
    "GT": "after CMP x, y it is taken if y > x, signed", "LE": "after CMP x, y it is taken if y <= x, signed",
    "MI": "taken if the last result was negative", "PL": "taken if the last result was not negative",
    "VS": "taken on signed overflow", "VC": "taken when there was no signed overflow", "AL": "always taken",
}

# Loads and stores: byte count and how a load fills the rest of the 64-bit register.
_ARM64_MOVES = {
    "MOVD": (8, ""), "MOVW": (4, "; a load sign-extends it to 64 bits"),
    "MOVWU": (4, "; a load zero-extends it to 64 bits"), "MOVH": (2, "; a load sign-extends it"),
    "MOVHU": (2, "; a load zero-extends it"), "MOVB": (1, "; a load sign-extends it"),
    "MOVBU": (1, "; a load zero-extends it"), "MOVHW": (2, "; a load sign-extends it to 32 bits"),
    "MOVBW": (1, "; a load sign-extends it to 32 bits"), "FMOVD": (8, " (a float64, F registers)"),
    "FMOVS": (4, " (a float32, F registers)"), "FMOVQ": (16, " (F registers)"), "FMOVH": (2, " (F registers)"),
    "FMOVB": (1, " (F registers)"),
}

_ARM64_EXACT = {
    "CALL": "Call a function (BL): the return address goes into the link register R30, then jump to the target.",
    "BL": "Branch with link: call a function, saving the return address in R30 (objdump prints it as CALL).",
    "JMP": "Jump unconditionally (B). JMP f(SB) goes to another function's start: a tail call or the restart after morestack.",
    "B": "Branch: jump unconditionally (objdump prints it as JMP).",
    "BR": "Jump to the address held in a register.",
    "BLR": "Call the function whose address is in a register (objdump prints CALL (Rn)).",
    "RET": "Return to the caller: jump to the address in the link register R30.",
    "CBZ": "Branch to the target if the register is zero; the flags are not used.",
    "CBNZ": "Branch to the target if the register is not zero; the flags are not used.",
    "TBZ": "Test one bit: TBZ $k, R, target branches if bit k of R is zero.",
    "TBNZ": "Test one bit: TBNZ $k, R, target branches if bit k of R is one.",
    "STP": "Store a pair of registers to two consecutive 8-byte slots; STP (ZR, ZR), off(R) zeroes 16 bytes.",
    "LDP": "Load two consecutive 8-byte slots into a pair of registers (Go order: address, then the pair).",
    "STPW": "Store a pair of 32-bit registers to two consecutive 4-byte slots.",
    "LDPW": "Load two consecutive 4-byte slots into a pair of 32-bit registers.",
    "LDPSW": "Load two consecutive 4-byte slots into a pair of registers, sign-extending each to 64 bits.",
    "FSTPD": "Store a pair of float64 registers to two consecutive 8-byte slots.",
    "FLDPD": "Load two consecutive 8-byte slots into a pair of float64 registers.",
    "FSTPQ": "Store a pair of 16-byte F registers to consecutive memory.",
    "FLDPQ": "Load consecutive memory into a pair of 16-byte F registers.",
    "ADR": "Put a PC-relative address (this instruction's address plus the offset) into a register.",
    "ADRP": "Put the address of a 4 KB page (usually one holding a global) into a register; the next ADD or MOVD adds the rest.",
    "MOVK": "Move a 16-bit constant into one slice of the register, keeping the other bits; builds big constants.",
    "MOVZ": "Move a 16-bit constant into one slice of the register and zero the other bits.",
    "MOVN": "Move the bitwise inverse of a shifted 16-bit constant into the register.",
    "VMOV": "Move between vector registers or between a vector lane and a general register.",
    "ADD": "Add: ADD x, y, z sets z = y + x (Go order: destination last); ADD x, y adds x into y.",
    "ADDS": "Add and set the flags: ADDS x, y, z sets z = y + x.",
    "SUB": "Subtract: SUB x, y, z sets z = y - x (destination last); SUB $8, RSP, R29 sets the new frame pointer.",
    "SUBS": "Subtract and set the flags: SUBS x, y, z sets z = y - x.",
    "ADC": "Add with carry: ADC x, y, z sets z = y + x + carry.",
    "SBC": "Subtract with borrow: SBC x, y, z sets z = y - x - borrow.",
    "CMP": "Compare: set the flags from the second operand minus the first; CMP R16, RSP then BLS branches if RSP <= R16.",
    "CMN": "Compare negative: set the flags from the second operand plus the first.",
    "TST": "Set the flags from the bitwise AND of the operands (is any tested bit set?).",
    "CCMP": "Conditional compare: if the condition holds, compare the operands; otherwise set the flags to a constant.",
    "CCMN": "Conditional compare negative: if the condition holds, add-compare the operands; else set flags to a constant.",
    "NEG": "Negate: NEG x, y sets y = -x.",
    "NEGS": "Negate and set the flags: NEGS x, y sets y = -x.",
    "NGC": "Negate with borrow: NGC x, y sets y = -x - borrow.",
    "MUL": "Multiply: MUL x, y, z sets z = y * x, keeping the low half of the product.",
    "MNEG": "Multiply and negate: MNEG x, y, z sets z = -(y * x).",
    "MADD": "Multiply-add: MADD x, a, y, z sets z = a + y * x (the addend comes second).",
    "MSUB": "Multiply-subtract: MSUB x, a, y, z sets z = a - y * x (how a remainder is computed).",
    "SMULH": "Signed multiply, keeping the high 64 bits of the 128-bit product.",
    "UMULH": "Unsigned multiply, keeping the high 64 bits of the 128-bit product.",
    "SMULL": "Signed multiply of two 32-bit values into a 64-bit product.",
    "UMULL": "Unsigned multiply of two 32-bit values into a 64-bit product.",
    "SDIV": "Signed divide: SDIV x, y, z sets z = y / x (dividing by zero gives 0, so Go checks first).",
    "UDIV": "Unsigned divide: UDIV x, y, z sets z = y / x (dividing by zero gives 0, so Go checks first).",
    "AND": "Bitwise AND: AND x, y, z sets z = y & x.",
    "ANDS": "Bitwise AND setting the flags: ANDS x, y, z sets z = y & x.",
    "ORR": "Bitwise OR: ORR x, y, z sets z = y | x; ORR $n, ZR, R loads the constant n into R.",
    "EOR": "Bitwise exclusive-or: EOR x, y, z sets z = y ^ x.",
    "BIC": "Bit clear: BIC x, y, z sets z = y &^ x.",
    "BICS": "Bit clear setting the flags: BICS x, y, z sets z = y &^ x.",
    "ORN": "OR with the complement: ORN x, y, z sets z = y | ^x.",
    "EON": "Exclusive-or with the complement: EON x, y, z sets z = y ^ ^x.",
    "MVN": "Bitwise NOT: MVN x, y sets y = ^x.",
    "LSL": "Logical shift left: LSL x, y, z sets z = y << x.",
    "LSR": "Logical shift right (zeros come in): LSR x, y, z sets z = y >> x, unsigned.",
    "ASR": "Arithmetic shift right (the sign bit is copied in): ASR x, y, z sets z = y >> x, signed.",
    "ROR": "Rotate right: bits leaving the bottom come back at the top.",
    "UBFX": "Unsigned bitfield extract: take a run of bits from a register, zero-extended.",
    "SBFX": "Signed bitfield extract: take a run of bits from a register, sign-extended.",
    "UBFIZ": "Unsigned bitfield insert in zero: place the low bits of a register at a bit position, zeros elsewhere.",
    "SBFIZ": "Signed bitfield insert in zero: place the low bits at a bit position, sign-extended above.",
    "BFI": "Bitfield insert: copy the low bits of one register into a bit range of another.",
    "BFXIL": "Bitfield extract and insert low: copy a bit range of one register into the low bits of another.",
    "SXTB": "Sign-extend the low byte of a register to the full register.",
    "SXTH": "Sign-extend the low 2 bytes of a register to the full register.",
    "SXTW": "Sign-extend the low 4 bytes of a register to 64 bits.",
    "UXTB": "Zero-extend the low byte of a register.",
    "UXTH": "Zero-extend the low 2 bytes of a register.",
    "EXTR": "Extract a register-sized run of bits from a pair of registers (a funnel shift).",
    "CLZ": "Count the leading zero bits of a register.",
    "RBIT": "Reverse the bit order of a register.",
    "REV": "Reverse the byte order of a register (big-endian <-> little-endian).",
    "REV16": "Reverse the bytes within each 2-byte half of a register.",
    "REV32": "Reverse the bytes within each 4-byte half of a register.",
    "CSEL": "Conditional select: CSEL cond, x, y, z sets z = x if cond holds, else y.",
    "CSET": "Conditional set: the register becomes 1 if the condition holds, else 0.",
    "CSETM": "Conditional set mask: the register becomes all ones if the condition holds, else 0.",
    "CSINC": "Conditional select-increment: pick the first register if the condition holds, else the second plus 1.",
    "CSINV": "Conditional select-invert: pick the first register if the condition holds, else the second's bitwise NOT.",
    "CSNEG": "Conditional select-negate: pick the first register if the condition holds, else the second negated.",
    "CINC": "Conditional increment: add 1 if the condition holds.",
    "CINV": "Conditional invert: flip all bits if the condition holds.",
    "CNEG": "Conditional negate: negate if the condition holds.",
    "MRS": "Read a system register into a general register (for example the thread pointer TPIDR_EL0).",
    "MSR": "Write a general register (or constant) into a system register.",
    "NOOP": "No operation (the NOP instruction); Go emits it to mark where a call was inlined, or as padding.",
    "NOP": "No operation; Go emits it to mark where a call was inlined, or as padding.",
    "HINT": "A hint instruction (HINT $0 is a NOP): no architectural effect.",
    "YIELD": "Spin-loop hint: this thread is busy-waiting.",
    "UDF": "Permanently undefined instruction: executing it traps.",
    "BRK": "Breakpoint: executing it traps into the debugger (or crashes the program).",
    "SVC": "Supervisor call: enter the operating system kernel (a system call).",
    "DMB": "Data memory barrier: memory accesses before it are ordered before those after it.",
    "DSB": "Data synchronization barrier: wait until earlier memory accesses complete.",
    "ISB": "Instruction synchronization barrier: refetch the following instructions.",
    "LDAR": "Load-acquire (an atomic load): later memory accesses cannot move before it.",
    "STLR": "Store-release (an atomic store): earlier memory accesses cannot move after it.",
    "LDAXR": "Load-acquire exclusive: start an atomic read-modify-write (paired with STLXR).",
    "STLXR": "Store-release exclusive: finish an atomic read-modify-write; a status register says whether it succeeded.",
    "LDXR": "Load exclusive: start an atomic read-modify-write (paired with STXR).",
    "STXR": "Store exclusive: finish an atomic read-modify-write; a status register says whether it succeeded.",
    "CLREX": "Clear the exclusive monitor (abandon a pending atomic read-modify-write).",
    "FADDD": "Add float64 registers: FADDD x, y, z sets z = y + x.",
    "FSUBD": "Subtract float64 registers: FSUBD x, y, z sets z = y - x.",
    "FMULD": "Multiply float64 registers: FMULD x, y, z sets z = y * x.",
    "FDIVD": "Divide float64 registers: FDIVD x, y, z sets z = y / x.",
    "FADDS": "Add float32 registers: FADDS x, y, z sets z = y + x.",
    "FSUBS": "Subtract float32 registers: FSUBS x, y, z sets z = y - x.",
    "FMULS": "Multiply float32 registers: FMULS x, y, z sets z = y * x.",
    "FDIVS": "Divide float32 registers: FDIVS x, y, z sets z = y / x.",
    "FCMPD": "Compare two float64 registers and set the flags.",
    "FCMPS": "Compare two float32 registers and set the flags.",
    "FNEGD": "Negate a float64 register.",
    "FABSD": "Absolute value of a float64 register.",
    "FSQRTD": "Square root of a float64 register.",
    "SCVTFD": "Convert a signed 64-bit integer to float64.",
    "UCVTFD": "Convert an unsigned 64-bit integer to float64.",
    "FCVTZSD": "Convert a float64 to a signed 64-bit integer, truncating toward zero.",
    "FCVTZUD": "Convert a float64 to an unsigned 64-bit integer, truncating toward zero.",
    "FCVTSD": "Convert a float32 to float64.",
    "FCVTDS": "Convert a float64 to float32.",
    "?": "objdump could not decode this word; after a function it is the zero padding up to the next one (it traps if run).",
}

# 32-bit (W) forms that objdump spells by appending W to these.
_ARM64_W_BASES = {
    "ADD", "ADDS", "SUB", "SUBS", "ADC", "SBC", "CMP", "CMN", "TST", "CCMP", "CCMN", "NEG", "NEGS", "MUL", "MNEG",
    "MADD", "MSUB", "SDIV", "UDIV", "AND", "ANDS", "ORR", "EOR", "BIC", "BICS", "ORN", "EON", "MVN", "LSL", "LSR",
    "ASR", "ROR", "UBFX", "SBFX", "UBFIZ", "SBFIZ", "BFI", "BFXIL", "SXTB", "SXTH", "UXTB", "UXTH", "EXTR", "CLZ",
    "RBIT", "REV", "REV16", "CSEL", "CSET", "CSETM", "CSINC", "CSINV", "CSNEG", "CINC", "CINV", "CNEG", "CBZ", "CBNZ",
    "MOVK", "MOVZ", "MOVN", "LDAR", "STLR", "LDAXR", "STLXR", "LDXR", "STXR",
}


def _arm64_move(mnemonic: str, writeback: str) -> str | None:
    """Help for an arm64 load/store/move (MOVD, MOVBU, FMOVD...), optionally pre/post-indexed."""
    n, note = _ARM64_MOVES[mnemonic]
    size = f"{n} byte" + ("s" if n > 1 else "")
    if writeback == ".W":
        return (f"Pre-indexed {mnemonic}: move the base register by the offset first, then move {size} "
                f"to/from the new address.")
    if writeback == ".P":
        return (f"Post-indexed {mnemonic}: move {size} to/from the base register's address, then move the "
                f"base register by the offset.")
    return f"Move {size} from the first operand to the second (Go order: source, destination){note}."


def _arm64(mnemonic: str) -> str | None:
    """Help for an arm64 mnemonic as objdump prints it."""
    if mnemonic in _ARM64_EXACT:
        return _ARM64_EXACT[mnemonic]
    writeback = ""
    if mnemonic[-2:] in (".W", ".P"):
        mnemonic, writeback = mnemonic[:-2], mnemonic[-2:]
    if mnemonic in _ARM64_MOVES:
        return _arm64_move(mnemonic, writeback)
    if writeback and mnemonic in ("STP", "LDP", "STPW", "LDPW", "FSTPD", "FLDPD", "FSTPQ", "FLDPQ"):
        what = _ARM64_EXACT[mnemonic].rstrip(".").split(";")[0].split(" (")[0]
        when = "first moving the base by the offset" if writeback == ".W" else "then moving the base by the offset"
        return f"{what}, {when}."
    if writeback:
        return None
    cond = mnemonic[2:] if mnemonic.startswith("B.") else mnemonic[1:] if mnemonic.startswith("B") else None
    if cond in _ARM64_BRANCH:
        return f"Conditional branch on {cond}: {_ARM64_BRANCH[cond]}."
    if mnemonic.endswith("W") and mnemonic[:-1] in _ARM64_W_BASES:
        base = _ARM64_EXACT[mnemonic[:-1]].split(";")[0].rstrip(".")
        return f"{base}; 32-bit (W) form." if len(base) <= 100 else f"{base.split(':')[0]}; 32-bit (W) form."
    return None


# ---------------------------------------------------------------------------------------------
# public: mnemonics


def mnemonic_of(text: str) -> str:
    """The mnemonic of an instruction row, with any ``REP;``-style or ``LOCK`` prefix kept:
    ``MOVQ a(SB), CX`` → ``MOVQ``; ``REP; MOVSQ DS:0(SI), ES:0(DI)`` → ``REP; MOVSQ``;
    ``LOCK CMPXCHGL SI, 0(BX)`` → ``LOCK CMPXCHGL``."""
    words = text.split()
    if not words:
        return ""
    head, i = words[0], 1
    while (head.endswith(";") or head == "LOCK") and i < len(words):
        head, i = f"{head} {words[i]}", i + 1
    return head


def explain(mnemonic: str, goarch: str) -> str | None:
    """A one-line plain-English explanation of a mnemonic as ``go tool objdump`` prints it for
    ``goarch`` (``amd64``, ``386`` or ``arm64``), or None when it is not known.

    Prefixes are explained together with the instruction (``REP; MOVSQ``, ``LOCK XADDQ``); on
    arm64 ``B.LS`` is read as ``BLS`` and ``.W``/``.P`` mark pre- and post-indexed addressing.
    """
    words = mnemonic.replace(";", "; ").split()
    if not words:
        return None
    if goarch in ("amd64", "386"):
        prefixes = []
        while len(words) > 1 and words[0].rstrip(";") in ("REP", "REPNE", "LOCK"):
            prefixes.append(words.pop(0).rstrip(";"))
        text = _x86(words[0], goarch)
        if text is None or not prefixes:
            return text
        if len(words) > 1:
            return None
        how = {"REP": "repeated CX times (REP prefix)", "REPNE": "repeated while CX > 0 and no match (REPNE prefix)",
               "LOCK": "done atomically (LOCK prefix)"}[prefixes[-1]]
        joined = f"{text.split(';')[0].rstrip('.')}, {how}."
        return joined if len(joined) <= 120 else f"{text.split(':')[0].split(';')[0].rstrip('.')}, {how}."
    if goarch == "arm64":
        return _arm64(words[0]) if len(words) == 1 else None
    return None


# ---------------------------------------------------------------------------------------------
# public: operands

_REGISTERS = {
    "amd64": {
        "R14": "Holds the current goroutine g (a pointer to its runtime.g) under Go's register ABI (ABIInternal).",
        "X15": "Kept zero under Go's register ABI (ABIInternal); Go stores it to zero memory, 16 bytes at a time.",
        "SP": "The hardware stack pointer: the lowest address of the current frame (the stack grows down).",
        "BP": "The frame pointer: Go saves the caller's BP in the prologue and points BP at the saved copy.",
        "DX": "General register; under Go's register ABI it carries the closure context when calling a func value.",
        "R12": "General scratch register (no argument role in Go's register ABI).",
        "R13": "General scratch register (no argument role in Go's register ABI).",
        "R15": "General register; Go avoids it when linking dynamically, where it serves the global offset table.",
        "IP": "The instruction pointer: off(IP) is PC-relative (from the next instruction's address).",
    },
    "386": {
        "SP": "The hardware stack pointer: the lowest address of the current frame (the stack grows down).",
        "BP": "General register on 386 (Go does not keep a frame pointer there on 386).",
    },
    "arm64": {
        "RSP": "The hardware stack pointer (the lowest address of the current frame; the stack grows down).",
        "R28": "Holds the current goroutine g (a pointer to its runtime.g) on arm64.",
        "R29": "The frame pointer: Go saves the caller's R29 below the frame and points R29 at it.",
        "R30": "The link register LR: CALL (BL) leaves the return address here; RET jumps to it.",
        "R27": "Reserved for the assembler and linker as a temporary (for example to reach globals via ADRP).",
        "R26": "The closure context register: holds the func value when calling a closure.",
        "R18": "Reserved by the platform; Go never uses it.",
        "R16": "Scratch register (IP0); the stack check loads the stack guard into it.",
        "R17": "Scratch register (IP1); large-frame stack checks compute the new stack pointer in it.",
        "ZR": "The zero register: reads as 0, writes are thrown away.",
        "RZR": "The zero register: reads as 0, writes are thrown away.",
        "XZR": "The zero register: reads as 0, writes are thrown away.",
        "WZR": "The 32-bit zero register: reads as 0, writes are thrown away.",
    },
}
_AMD64_ABI_INT = ["AX", "BX", "CX", "DI", "SI", "R8", "R9", "R10", "R11"]
_ORDINAL = ["1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th", "11th", "12th", "13th", "14th",
            "15th", "16th"]


def _register(name: str, goarch: str) -> str | None:
    """Help for a bare register name."""
    fixed = _REGISTERS.get(goarch, {}).get(name)
    if fixed:
        return fixed
    if goarch == "amd64":
        if name in _AMD64_ABI_INT:
            i = _AMD64_ABI_INT.index(name)
            return f"General register; under Go's register ABI, the {_ORDINAL[i]} integer argument and result register."
        m = re.fullmatch(r"X(\d+)", name)
        if m and int(m.group(1)) < 15:
            return f"SSE register (16 bytes); under Go's register ABI, the {_ORDINAL[int(m.group(1))]} float argument and result."
        if name in ("AL", "BL", "CL", "DL", "AH", "BH", "CH", "DH"):
            return "A byte-sized part of a general register."
    if goarch == "386":
        if name in ("AX", "BX", "CX", "DX", "SI", "DI"):
            return "General register. On 386 Go passes arguments and results on the stack, not in registers."
        if re.fullmatch(r"X[0-7]", name):
            return "SSE register (16 bytes), used for floating point."
    if goarch == "arm64":
        m = re.fullmatch(r"R(\d+)", name)
        if m and int(m.group(1)) < 16:
            return f"General register; under Go's register ABI, the {_ORDINAL[int(m.group(1))]} integer argument and result."
        if m and int(m.group(1)) < 26:
            return "General register with no argument role in Go's register ABI."
        m = re.fullmatch(r"F(\d+)", name)
        if m and int(m.group(1)) < 16:
            return f"Floating-point register; under Go's register ABI, the {_ORDINAL[int(m.group(1))]} float argument and result."
        if m and int(m.group(1)) < 32:
            return "Floating-point register."
    return None


_MEM = re.compile(r"^(?:(?P<seg>[A-Z]S):)?(?P<off>-?(?:0x[0-9a-f]+|\d+))?\((?P<base>[A-Z][A-Z0-9]*)\)"
                  r"(?:\((?P<index>[A-Z][A-Z0-9]*)(?:\*(?P<scale>\d)|<<(?P<shift>\d))?\))?$")
_SYM = re.compile(r"^(?P<addr>\$)?(?P<name>[^\s$]+?)(?P<off>[+-](?:0x[0-9a-f]+|\d+))?\(SB\)$")
_SEGMENT_ONLY = re.compile(r"^(?P<seg>[A-Z]S):(?P<off>-?(?:0x[0-9a-f]+|\d+))$")


_GPRS = {
    "amd64": {"AX", "BX", "CX", "DX", "SI", "DI", "BP", "SP", "IP", *(f"R{i}" for i in range(8, 16))},
    "386": {"AX", "BX", "CX", "DX", "SI", "DI", "BP", "SP", "IP"},
    "arm64": {"RSP", "ZR", *(f"R{i}" for i in range(31))},
}


def _number(text: str) -> int | None:
    """An integer written in Go assembler notation (``0x10``, ``-8``, ``16``), or None."""
    try:
        return int(text, 0)
    except ValueError:
        return None


def _stack_slot(off: int, base: str, goarch: str) -> str:
    """Help for memory at an offset from the hardware stack pointer."""
    if off < 0:
        extra = " Go's arm64 prologue saves the frame pointer at -8(RSP)." if goarch == "arm64" else ""
        return f"Memory {-off} bytes below the stack pointer {base}, just outside the current frame.{extra}"
    where = f"{off} bytes above the hardware stack pointer {base}" if off else f"at the hardware stack pointer {base}"
    if goarch == "386":
        return f"A stack slot {where}: a local, or an argument or result of a call (386 passes them on the stack)."
    return f"A stack slot {where}: a local, a spilled register or an outgoing argument of this frame."


def _memory(m: re.Match, goarch: str) -> str | None:
    """Help for a memory operand such as ``0x10(AX)(CX*8)`` or ``8(RSP)``."""
    off = _number(m.group("off") or "0")
    base, index, seg = m.group("base"), m.group("index"), m.group("seg")
    if off is None or base not in _GPRS[goarch] or (index and index not in _GPRS[goarch]):
        return None
    shown = m.group("off") or "0"
    if goarch == "386" and off >= 1 << 31:  # 32-bit displacements are printed unsigned
        off -= 1 << 32
        shown = f"{shown} (that is, {off}: addresses wrap at 32 bits)"
    if base == "IP":
        return (f"PC-relative memory: the next instruction's address plus {shown} "
                f"(objdump shows this when no symbol name covers the target).")
    if seg in ("DS", "ES"):
        return f"The string instruction's {'source' if seg == 'DS' else 'destination'}: memory at {base}."
    if seg:
        return f"Memory in thread-local storage through segment {seg}, at {base} plus {shown}."
    if index:
        factor = m.group("scale") or (str(1 << int(m.group("shift"))) if m.group("shift") else "1")
        return f"Indexed memory at {base} + {index}*{factor}" + (f" + {shown}" if off else "") + \
            " (an element of an array or table)."
    if base in ("SP", "RSP"):
        return _stack_slot(off, base, goarch)
    if (goarch, base) in (("amd64", "R14"), ("arm64", "R28")):
        if off == 16:
            return f"The current goroutine's g.stackguard0 ({base} holds g): the limit the stack check compares SP with."
        return f"A field of the current goroutine g (a runtime.g struct; {base} holds g) at offset {shown}."
    return f"Memory at the address in {base}" + (f" plus {shown}" if off else "") + "."


def explain_operand(operand: str, goarch: str) -> str | None:
    """Help for one operand in Go assembler notation as objdump prints it for ``goarch``:
    ``name(SB)``, ``$imm``, ``off(SP)``, ``off(IP)``, indexed memory, registers, ``n(PC)``...
    None when the notation is not recognised."""
    op = operand.strip()
    if goarch not in ("amd64", "386", "arm64") or not op:
        return None
    m = _SYM.match(op)
    if m and re.match(r"\$?\$?(f64|f32|i64|i32)\.[0-9a-f]+$", m.group("name")):
        return "A constant kept in read-only data; its bits are the hex digits in the name."
    if m:
        name, off = m.group("name"), m.group("off")
        at = f" {off[0]} {off[1:]} bytes" if off else ""
        if m.group("addr"):
            return f"The address of global symbol {name}{at}, as a value ($): nothing is read from memory."
        return f"Memory at global symbol {name}{at}; SB is the static-base pseudo-register globals are addressed from."
    m = re.fullmatch(r"(?:(\w+)[+-])?(-?\d+|-?0x[0-9a-f]+)\((FP|SP)\)", op)
    if m and (m.group(3) == "FP" or m.group(1)):
        if m.group(3) == "FP":
            return f"Argument or result {m.group(1) or ''} in the caller's frame, named from the FP pseudo-register (Go assembly)."
        return f"Local {m.group(1)} in this frame, named from the pseudo-SP (hand-written Go assembly, not hardware SP)."
    if op.startswith("$"):
        value = _number(op[1:])
        if value is None:
            return "A constant ($ marks an immediate value, not memory)." if re.fullmatch(r"\$\([^)]*\)", op) else None
        shown = f"{op[1:]} = {value}" if op[1:].startswith(("0x", "-0x")) and abs(value) > 9 else op[1:]
        return f"The constant {shown} ($ marks an immediate value, not a memory access)."
    m = re.fullmatch(r"(-?\d+)\(PC\)", op)
    if m:
        return ("PC-relative target: on a branch, this many instructions from this one; on ADRP, a byte "
                "distance to the target page.")
    m = _MEM.match(op)
    if m:
        return _memory(m, goarch)
    m = _SEGMENT_ONLY.match(op)
    if m and goarch in ("amd64", "386"):
        return (f"Thread-local storage through segment {m.group('seg')}, offset {m.group('off')}"
                + ("; on 386 Go finds the current goroutine g from here." if goarch == "386" else "."))
    m = re.fullmatch(r"\((\w+), (\w+)\)", op)
    if m and goarch == "arm64":
        pair = {("R29", "R30"): " (the frame pointer and the link register)", ("ZR", "ZR"): " (zeros)"}
        return f"A register pair stored or loaded together{pair.get(m.groups(), '')}."
    if re.fullmatch(r"-?0x[0-9a-f]+", op):
        return "An absolute address: a jump's target row in this listing, or a fixed memory address."
    m = re.fullmatch(r"(R\d+|ZR)(<<|>>|->|@>)(\d+)", op)
    if m and goarch == "arm64":
        how = {"<<": "shifted left", ">>": "shifted right (unsigned)", "->": "shifted right (signed)",
               "@>": "rotated right"}[m.group(2)]
        return f"Register {m.group(1)} {how} by {m.group(3)} bits before use."
    if goarch == "arm64" and op in _ARM64_COND:
        return f"Condition code {op}: {_ARM64_COND[op]}."
    if op in PSEUDO_REGISTERS and op not in ("SP",):
        return PSEUDO_REGISTERS[op]
    return _register(op, goarch)


# ---------------------------------------------------------------------------------------------
# public: whole rows, chips, coverage

_IDIOMS = [
    (r"CMP[QL] (SP|R12), 0x10\(R14\)", "amd64",
     "Stack check: compare the stack pointer with g.stackguard0 (g is in R14); JBE next goes to morestack if too low."),
    (r"CMPL SP, 0x8\(CX\)", "386",
     "Stack check: compare the stack pointer with g.stackguard0 (g was loaded into CX); JBE next goes to morestack."),
    (r"MOVD 16\(R28\), R16", "arm64", "Stack check: load g.stackguard0 (g is in R28) to compare the stack pointer with."),
    (r"CMP R16, (RSP|R17)", "arm64",
     "Stack check: compare the stack pointer with the stack guard in R16; BLS next goes to morestack if too low."),
    (r"MOVQ SP, BP", "amd64", "Prologue: set the frame pointer BP to SP, where PUSHQ BP just saved the caller's BP."),
    (r"MOVUPS X15, .*", "amd64", "Store 16 zero bytes: X15 is always zero under Go's register ABI."),
    (r"XOR([LQ]) (\w+), \2", "x86", "Set the register to zero (x XOR x is 0)."),
    (r"INT \$0x3", "x86", "Breakpoint trap; between functions it is padding that stops the program if ever run."),
    (r"NOPL", "x86", "A 1-byte no-op (XCHGL AX, AX in Go's assembler); Go puts one where a call was inlined, or as padding."),
    (r"XCHGL AX, AX", "x86", "Go's 1-byte no-op: it marks where a call was inlined, or pads."),
    (r"SUB[QL] \$(0x[0-9a-f]+), SP", "x86", "Prologue: reserve this function's stack frame by moving SP down."),
    (r"ADD[QL] \$(0x[0-9a-f]+), SP", "x86", "Epilogue: release this function's stack frame by moving SP back up."),
    (r"MOVD\.W R30, -\d+\(RSP\)", "arm64", "Prologue: move RSP down to open the frame and save the return address (R30) at its bottom."),
    (r"MOVD\.P \d+\(RSP\), R30", "arm64", "Epilogue: reload the return address into R30 and move RSP back up, closing the frame."),
    (r"CALL runtime\.morestack(_noctxt)?(\.abi0)?\(SB\)", None,
     "Grow the stack: runtime.morestack gives the goroutine a bigger stack, then the function restarts."),
    (r"\?", "arm64", _ARM64_EXACT["?"]),
]


def explain_instruction(text: str, goarch: str) -> str | None:
    """Help for a whole row, naming well-known idioms (stack check, frame set-up, zeroing,
    padding) where the row is one, else the help for its mnemonic (see :func:`explain`)."""
    row = " ".join(text.split())
    for pattern, arch, help_text in _IDIOMS:
        arches = ("amd64", "386", "arm64") if arch is None else ("amd64", "386") if arch == "x86" else (arch,)
        if goarch in arches and re.fullmatch(pattern, row):
            return help_text
    return explain(mnemonic_of(row), goarch)


def chip_help(summary: str) -> str | None:
    """Help for a folded-segment chip from its summary (``stack check · 2 rows``,
    ``inlined from fmt/print.go:314 · 9 rows``), or None."""
    for name, help_text in CHIPS.items():
        if summary.strip().startswith(name):
            return help_text
    return None


def coverage(listings: list[tuple[str, list[str]]]) -> dict[str, float]:
    """Share of instruction rows whose mnemonic has help, per goarch.

    ``listings`` are (goarch, [instruction texts]) pairs, for example one per function; pairs of
    the same goarch are pooled.  A goarch with no rows is left out.
    """
    total: dict[str, int] = {}
    helped: dict[str, int] = {}
    for goarch, texts in listings:
        for text in texts:
            total[goarch] = total.get(goarch, 0) + 1
            if explain(mnemonic_of(text), goarch) is not None:
                helped[goarch] = helped.get(goarch, 0) + 1
    return {arch: helped.get(arch, 0) / n for arch, n in total.items() if n}
