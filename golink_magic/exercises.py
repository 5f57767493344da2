"""Self-checks for the course exercises.

An exercise is a goal ("main prints hello's motto") and a few requirements on a :class:`Result`.
:func:`check` judges a result — or builds the live module itself — and answers with a
:class:`Verdict`: one sentence saying whether the program now does what the exercise asks,
naming the first requirement that is still missing, never the code that would meet it.

>>> check("fix-unsafe", result)          # a Result from %gorun (``_``) or Session.run
>>> check("fix-unsafe")                  # in a kernel: build the module the magics write to
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Callable

from .errors import CaseError
from .magics import kernel_session
from .options import Options
from .result import Result


@dataclass
class Requirement:
    """One thing the program must do; ``missing`` completes the sentence "Not yet: …"."""

    holds: Callable[[Result], bool]
    missing: str


@dataclass
class Exercise:
    """A named exercise: what success means, how to build for it, and what to require."""

    name: str
    goal: str
    requirements: list[Requirement]
    options: Options = field(default_factory=Options)


@dataclass
class Verdict:
    """The answer of a check: passed or not, in one sentence."""

    exercise: str
    passed: bool
    message: str

    def __str__(self) -> str:
        return self.message

    def _repr_mimebundle_(self, include=None, exclude=None):
        colour = "var(--jp-success-color1, #2e7d32)" if self.passed else "var(--jp-warn-color1, #b26a00)"
        html = f'<div class="golink-verdict" style="color:{colour}"><b>{escape(self.message)}</b></div>'
        return {"text/plain": self.message, "text/html": html}


# -- helpers for requirements ----------------------------------------------------------------
def _ok(r: Result) -> bool:
    return r.outcome == "ok"


def _prints(text: str) -> Callable[[Result], bool]:
    return lambda r: text in r.stdout


def _no_directive(r: Result) -> bool:
    return not any("go:linkname" in src for src in r.files.values())


def _has_function(suffix: str) -> Callable[[Result], bool]:
    return lambda r: r.function(suffix) is not None


def _main_stores_to(symbol: str) -> Callable[[Result], bool]:
    def holds(r: Result) -> bool:
        fn = r.function("main.main")
        return fn is not None and any(
            f"{symbol}(SB)" in row.text and row.text.startswith("MOV") and row.text.endswith(f"{symbol}(SB)")
            for row in fn.instructions
        )
    return holds


def _goarch(arch: str) -> Callable[[Result], bool]:
    return lambda r: r.goarch == arch


def _no_check_switch(r: Result) -> bool:
    return "checklinkname" not in (r.options.ldflags or "")


def _builds(r: Result) -> bool:
    return r.outcome not in ("compile-error", "link-error")


_BUILDS = Requirement(_builds, "the module does not build yet, read the build output above")
_RUNS = Requirement(_ok, "the program must build, run and exit cleanly")

EXERCISES: dict[str, Exercise] = {ex.name: ex for ex in [
    Exercise(
        "export-secret", "main prints hello's secret through an exported name, without any directive",
        [_BUILDS, _RUNS,
         Requirement(_no_directive, "this exercise is about export rules, so solve it without //go:linkname"),
         Requirement(_prints("the cellar door is blue"), "main does not print hello's secret sentence yet")],
    ),
    Exercise(
        "fix-unsafe", "the pull of hello's secret compiles and main prints it",
        [_BUILDS, _RUNS, Requirement(_prints("secret = the cellar door is blue"), "main does not print hello's secret yet")],
    ),
    Exercise(
        "pull-function", "main's body-less triple runs hello's private code",
        [_BUILDS, _RUNS,
         Requirement(_has_function("hello.triple"), "the binary does not contain hello's triple function yet"),
         Requirement(_prints("triple(14) = 42"), "main does not print triple(14) = 42 yet")],
    ),
    Exercise(
        "write-through", "a store in main changes the value hello itself reports",
        [_BUILDS, _RUNS,
         Requirement(_prints("hello.Level() = 7"), "hello still reports its own level, not the 7 that main stores"),
         Requirement(_main_stores_to("course/hello.level"), "main.main does not store into hello's symbol yet")],
    ),
    Exercise(
        "one-definition", "hello's push links and both getters report hello's 5",
        [_BUILDS, _RUNS, Requirement(_prints("hello.hidden=5 ciao.shadow=5"),
                                     "the two getters do not both report 5 yet")],
    ),
    Exercise(
        "method-receiver", "the 386 build of the pulled method returns 5 every time",
        [Requirement(_goarch("386"), "this exercise must be checked on a GOARCH=386 build"),
         _BUILDS, _RUNS, Requirement(_prints("value()=5"), "on 386 the pulled method still returns a wrong number")],
        Options(goarch="386"),
    ),
    Exercise(
        "private-field", "ciao reads the ticket's seat number through its copied type",
        [_BUILDS, _RUNS, Requirement(_prints("seat = 42"), "ciao does not read the seat number 42 yet")],
    ),
    Exercise(
        "annotated-pull", "the clock pull links on Go 1.27 with the linker check still on",
        [Requirement(_no_check_switch, "solve it without switching the linker check off"),
         _BUILDS, _RUNS, Requirement(_prints("clock is running: true"), "the program does not report a running clock yet")],
    ),
]}


def judge(name: str, result: Result) -> Verdict:
    """The verdict of exercise ``name`` on ``result`` (no side effects)."""
    exercise = _exercise(name)
    for req in exercise.requirements:
        if not req.holds(result):
            return Verdict(name, False, f"Not yet: {req.missing}.")
    return Verdict(name, True, f"Done: {exercise.goal}.")


def check(name: str, result: Result | None = None, session=None) -> Verdict:
    """Judge ``result``, or build and run the live module of ``session`` (default: the kernel's).

    Never raises for a program that fails to build: that is a "Not yet" verdict.
    """
    exercise = _exercise(name)
    if result is None:
        session = session or _kernel_session()
        try:
            result = session.run(exercise.options.copy())
        except CaseError:
            return Verdict(name, False, "Not yet: the module is empty, run the exercise cell first.")
    return judge(name, result)


def _exercise(name: str) -> Exercise:
    try:
        return EXERCISES[name]
    except KeyError:
        raise KeyError(f"no exercise named {name!r}; known: {', '.join(EXERCISES)}") from None


def _kernel_session():
    """The Session behind the magics of the running IPython kernel."""
    from IPython import get_ipython  # noqa: PLC0415 - only in a kernel

    session = kernel_session(get_ipython()) if get_ipython() is not None else None
    if session is None:
        raise RuntimeError("load the magics first: %load_ext golink_magic")
    return session
