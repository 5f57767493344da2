"""One home for the words that tell a user what to do next, in the form of the front end they
use: the same hint reads ``%%gofile main.go`` in a notebook, names a ``.txtar`` section on the
command line and a method in Python.  The front end says which it is once (:func:`speak_as`:
the magics when they load, the CLI when it starts); everything below asks :func:`how`."""

from __future__ import annotations

FRONTS = ("python", "magic", "cli")
_FRONT = ["python"]  # one per process: a kernel speaks magic, the CLI speaks cli

_HOW: dict[str, dict[str, str]] = {
    "write-file": {"magic": "%%gofile {path}", "cli": "a `-- {path} --` section in the .txtar file",
                   "python": 'Session.write("{path}", …)'},
    "write-files": {"magic": "%%gotxtar", "cli": "one .txtar file", "python": "Session.write_txtar(…)"},
    "save-case": {"magic": "%gocase NAME", "cli": "a .txtar file per case", "python": 'Session.save_case("NAME")'},
    "build-target": {"magic": "%gorun {target}", "cli": "--target {target}", "python": 'Options(target="{target}")'},
    "start-over": {"magic": "%goreset", "cli": "a case holding only the files it needs",
                   "python": "Session.reset()"},
    "install-go": {"magic": "%gotoolchains install {versions}", "cli": "golink-magic toolchains install {versions}",
                   "python": "golink_magic.catalog.install(\"{versions}\")"},
}


def speak_as(front: str) -> None:
    """Word hints for ``front`` (``python``, ``magic`` or ``cli``) from now on."""
    if front not in FRONTS:
        raise ValueError(front)
    _FRONT[0] = front


def front() -> str:
    """The front end hints are worded for."""
    return _FRONT[0]


def how(action: str, **values: str) -> str:
    """How to do ``action`` in the current front end, e.g. ``how("write-file", path="main.go")``
    → ``%%gofile main.go`` in a notebook."""
    return _HOW[action][_FRONT[0]].format(**values)
