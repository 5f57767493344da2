"""Outcome classification is a pure function of exit status and text (no Go needed)."""

from __future__ import annotations

import pytest

from golink_magic.engine.outcome import build_hint, classify_build, classify_run, decode_capped


@pytest.mark.parametrize("output, outcome", [
    ("# m\n./main.go:3:2: undefined: x\n", "compile-error"),
    ("go: cannot find main module\n", "compile-error"),
    ("no Go files in /w\n", "compile-error"),
    ("# m\nmain.main: relocation target runtime.getg not defined\n", "link-error"),
    ("# m\nlink: duplicated definition of symbol dup/a.Value, from dup/a and dup/b\n", "link-error"),
])
def test_build_failures(output, outcome):
    assert classify_build(output) == outcome


@pytest.mark.parametrize("code, stderr, timed_out, want", [
    (0, "", False, ("ok", None)),
    (3, "", False, ("exit-nonzero", None)),
    (2, "panic: boom\n\ngoroutine 1 [running]:\n", False, ("panic", None)),
    (2, "fatal error: all goroutines are asleep - deadlock!\n", False, ("panic", None)),
    (2, "panic: runtime error: invalid memory address\n[signal SIGSEGV: segmentation violation code=0x1]\n", False,
     ("crash", "SIGSEGV")),
    (2, "unexpected fault address 0x0\nfatal error: unexpected signal during runtime execution\n[signal SIGBUS: x]\n",
     False, ("crash", "SIGBUS")),
    (-9, "", False, ("crash", "SIGKILL")),
    (None, "", True, ("timeout", None)),
    (2, "usage: prog [flags]\n", False, ("exit-nonzero", None)),
])
def test_program_outcomes(code, stderr, timed_out, want):
    assert classify_run(code, stderr, timed_out) == want


def test_hints_and_cut_notes():
    from golink_magic.model import wording

    assert "GOPROXY=off" in build_hint("main.go:3:8: no required module provides package example.com/x; to add")
    wording.speak_as("magic")  # as in a notebook (test_wording.py checks the other front ends)
    try:
        assert "%gorun ./cmd/tool" in build_hint("no Go files in /w/src\n")
    finally:
        wording.speak_as("python")
    assert build_hint("./main.go:1:1: syntax error\n") is None
    assert decode_capped(b"ab", 0, "stdout", 2) == "ab"
    assert decode_capped(b"ab", 5, "stdout", 2).endswith("[… 5 more bytes of stdout cut; golink_magic keeps the first 2]\n")


def test_classify_build_without_file_line_is_link_error():
    assert classify_build("# m\nmain.main: relocation target runtime.getg not defined\n") == "link-error"
    assert classify_build("# m\n./main.go:3:2: undefined: x\n") == "compile-error"
