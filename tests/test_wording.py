"""Hints are worded for the front end that shows them (golink_magic/model/wording.py): a magic
in a notebook, a command-line way in the CLI, a method in Python (fast tier)."""

from __future__ import annotations

import pytest

from golink_magic.engine.outcome import build_hint
from golink_magic.engine.workspace import check_path
from golink_magic.model import wording
from golink_magic.model.errors import WorkspaceError


@pytest.fixture
def front():
    before = wording.front()
    yield wording.speak_as
    wording.speak_as(before)


@pytest.mark.parametrize("who, word, absent", [("magic", "%%gofile main.go", None), ("cli", ".txtar", "%"),
                                               ("python", "Session.write", "%")])
def test_a_hint_names_the_way_of_its_front_end(front, tmp_path, who, word, absent):
    front(who)
    hint = build_hint("no Go files in /tmp/x\n")
    assert word in hint and (absent is None or absent not in hint)
    with pytest.raises(WorkspaceError) as caught:
        check_path(tmp_path, " ")
    assert (absent is None or absent not in str(caught.value))


def test_an_unknown_front_end_is_refused(front):
    with pytest.raises(ValueError):
        front("telegraph")
