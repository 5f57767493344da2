"""engine/browser.py, the parts that need no browser (the fast tier): checks of a program the
browser could not run as listed become notes, never silent passes or false failures."""

from __future__ import annotations

from golink_magic.engine.browser import _judged_here
from golink_magic.model.options import Options
from golink_magic.model.result import Result


def _result(outcome="ok", stdout="", **opts):
    return Result(outcome=outcome, go_version="go version go1.27.3 linux/amd64", goos="linux", goarch="amd64",
                  stdout=stdout, options=Options(**opts))


def test_a_stdout_check_the_wasm_run_cannot_confirm_is_named_not_failed():
    r = _result(stdout="c.Sum()=42\nc.Get()=888\n", expect_stdout=["c.Sum()=42", "c.Get()=10"],
                expect_ref=["main.main:x"])
    _judged_here(r, "linux_amd64")
    assert r.options.expect_stdout == ["c.Sum()=42"]  # what the wasm run confirms stays a check
    assert any("not checked in the browser: --expect-stdout 'c.Get()=10'" in n and "linux/amd64" in n for n in r.notes)
    assert r.options.expect_ref == ["main.main:x"]  # the listing's checks stay


def test_a_different_ending_is_named_and_build_failures_stay_judged():
    r = _result(outcome="ok", expect="exit-nonzero")
    _judged_here(r, "linux_386")
    assert r.options.expect == "ok" and "--expect exit-nonzero is about the linux/386 program" in r.notes[0]
    failed = _result(outcome="link-error", expect="ok")
    _judged_here(failed, "linux_amd64")
    assert failed.options.expect == "ok" and not failed.notes and not failed.met_expectation
