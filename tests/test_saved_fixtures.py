"""The saved results of the fast tier are what a real run gives today: same outcome, output,
functions and instructions (after normalising addresses).  Re-create them with
``scripts/save_fixtures.py`` when this fails for a good reason (a new Go, a parser change)."""

from __future__ import annotations

import pytest

from golink_magic import objdump

from . import saved


@pytest.mark.parametrize("name", list(saved.SPECS))
def test_saved_result_matches_a_real_run(name, session):
    want, got = saved.load(name), saved.run_spec(name, session)
    assert (got.outcome, got.stdout, got.stderr, got.go_version) == (want.outcome, want.stdout, want.stderr, want.go_version)
    assert [f.symbol for f in got.functions] == [f.symbol for f in want.functions]
    for new, old in zip(got.functions, want.functions):
        assert [(r.file, r.line, objdump.normalize(r.text)) for r in new.instructions] == \
            [(r.file, r.line, objdump.normalize(r.text)) for r in old.instructions], new.symbol
