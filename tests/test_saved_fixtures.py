"""The saved results of the fast tier are what a real run gives today: same outcome, output,
functions and instructions (after normalising addresses).  Re-create them with
``scripts/save_fixtures.py`` when this fails for a good reason (a new Go, a parser change)."""

from __future__ import annotations

import re

import pytest

from golink_magic.listing import objdump

from . import saved


@pytest.mark.parametrize("name", list(saved.SPECS))
def test_saved_result_matches_a_real_run(name, session):
    want, got = saved.load(name), saved.run_spec(name, session)

    def seen(r):  # a panic's trace names the run's temporary folder
        return r.outcome, r.stdout, re.sub(r"\S*/runs/[^/\s]+/src/", "SRC/", r.stderr), r.go_version

    assert seen(got) == seen(want)
    assert [f.symbol for f in got.functions] == [f.symbol for f in want.functions]
    for new, old in zip(got.functions, want.functions):
        assert [(r.file, r.line, objdump.normalize(r.text)) for r in new.instructions] == \
            [(r.file, r.line, objdump.normalize(r.text)) for r in old.instructions], new.symbol
