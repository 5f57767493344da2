"""The exercise framework: goals, requirements, verdicts, and the checks that judge them.

An exercise is a goal ("main prints hello's secret through the pulled variable") and a list of
:class:`Requirement`\\ s that check the *mechanism*, not just the printout: the directive is
there, the listing loads, stores or calls the target symbol, the files to leave alone are
unchanged, and the value really comes from the target at run time (the program is rebuilt with
a different value in the target and must print that one).  A program that only prints the
expected text gets "Not yet".

:func:`check` judges a result — or builds the live module itself — and answers with a
:class:`Verdict`: one sentence naming the first requirement still missing, plus what the
learner needs to see (the build error, the listing rows, what the program printed).

Prediction exercises ask for the outcome before anything runs::

    check("predict-duplicate", prediction="link-error")

Course authors add exercises with :func:`register` and the requirement builders below
(``docs/authoring.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import Callable

from ..frontends.session import Session
from ..model.errors import CaseError, UserError
from ..frontends.magics import kernel_session
from ..model.gosource import Binding, BuildContext, built_files, linknames, read
from ..model.options import OUTCOMES, Options
from ..model.result import Result
from ..display.progress import BuildStatus


__all__ = [
    "EXERCISES", "Attempt", "Exercise", "Requirement", "Verdict", "build_errors", "builds", "check", "directive",
    "goarch", "judge", "keeps", "listing_rows", "no_directive", "pulls_from", "built_linknames", "predicted", "printed", "prints", "references",
    "references_package", "register", "runs", "value_from", "without_ldflag",
]


@dataclass
class Attempt:
    """What a requirement looks at: the learner's result, a way to rebuild the same module with
    some text changed (for value checks), and a prediction when the exercise asks for one."""

    result: Result
    rerun: Callable[[dict[str, str]], Result]
    prediction: str | None = None


@dataclass
class Requirement:
    """One thing the program must do.  ``missing`` completes "Not yet: …"; ``show`` gives the
    lines the learner needs to see when it does not hold."""

    holds: Callable[[Attempt], bool]
    missing: str
    show: Callable[[Attempt], list[str]] | None = None


@dataclass
class Exercise:
    """A named exercise: what success means, how to build for it, and what to require."""

    name: str
    goal: str
    requirements: list[Requirement]
    options: Options = field(default_factory=Options)
    predict: bool = False  # the learner states the outcome before it is shown


@dataclass
class Verdict:
    """The answer of a check: passed or not, in one sentence, and what to look at."""

    exercise: str
    passed: bool
    message: str
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join([self.message, *("    " + d for d in self.details)])

    def _repr_mimebundle_(self, include=None, exclude=None):
        colour = "var(--jp-success-color1, #2e7d32)" if self.passed else "var(--jp-warn-color1, #b26a00)"
        more = f'<pre style="margin:.3em 0 0 1em">{escape(chr(10).join(self.details))}</pre>' if self.details else ""
        html = f'<div class="golink-verdict" style="color:{colour}"><b>{escape(self.message)}</b>{more}</div>'
        return {"text/plain": str(self), "text/html": html}


# -- what to show on "Not yet" -------------------------------------------------------------------
def build_errors(a: Attempt) -> list[str]:
    """The build's error lines (at most five)."""
    lines = [ln for ln in a.result.build_output.splitlines() if ln.strip() and not ln.startswith("#")]
    return lines[:5] or [f"outcome: {a.result.outcome}"]


def printed(a: Attempt) -> list[str]:
    """What the program printed (at most five lines)."""
    out = a.result.stdout.strip().splitlines()[:5]
    return ["the program printed:", *out] if out else ["the program printed nothing"]


def listing_rows(function: str = "main.main") -> Callable[[Attempt], list[str]]:
    """The rows of ``function`` that reference a symbol, as ``file:line  instruction``."""
    def show(a: Attempt) -> list[str]:
        fn = a.result.function(function)
        if fn is None:
            return [f"there is no {function} in the listing"]
        rows = [f"{r.file}:{r.line}  {r.text}" for r in fn.instructions if "(SB)" in r.text]
        return [f"{function} references:", *rows[:8]] if rows else [f"{function} references no symbol"]
    return show


# -- requirement builders ------------------------------------------------------------------------
def builds() -> Requirement:
    """The module builds (compile and link)."""
    return Requirement(lambda a: a.result.outcome not in ("compile-error", "link-error"),
                       "the module does not build yet", build_errors)


def runs() -> Requirement:
    """The program builds, runs and exits 0."""
    return Requirement(lambda a: a.result.outcome == "ok", "the program must build, run and exit cleanly",
                       lambda a: build_errors(a) if a.result.build_output.strip() else
                       [f"outcome: {a.result.outcome}", *a.result.stderr.strip().splitlines()[:4]])


def prints(text: str, missing: str) -> Requirement:
    """stdout contains ``text``."""
    return Requirement(lambda a: text in a.result.stdout, missing, printed)


def build_context(result: Result) -> BuildContext:
    """The target and tags ``result`` was built for, to read its files as its build did."""
    return BuildContext.of(result.goos, result.goarch, result.go_version, result.options.tags)


def built_linknames(result: Result) -> list[Binding]:
    """The two-argument ``//go:linkname`` directives the compiler saw in ``result``'s build: a
    directive in a string, a comment or a file the build excludes (``//go:build ignore``) is
    none (:mod:`golink_magic.model.gosource`)."""
    return linknames(result.files, build_context(result))


def no_directive(missing: str) -> Requirement:
    """No Go file of the build holds a ``//go:linkname``."""
    def holds(a: Attempt) -> bool:
        built = built_files(a.result.files, build_context(a.result)).values()
        return not any("go:linkname" in text and read(text).linknames for text in built)
    return Requirement(holds, missing)


def directive(target: str, missing: str) -> Requirement:
    """Some Go file of the build holds ``//go:linkname LOCAL TARGET`` for this ``target``."""
    return Requirement(lambda a: any(b.target == target for b in built_linknames(a.result)), missing)


def pulls_from(package: str, missing: str) -> Requirement:
    """Some Go file of the build pulls a symbol of ``package`` with ``//go:linkname``."""
    return Requirement(lambda a: any(b.target.rpartition(".")[0] == package for b in built_linknames(a.result)),
                       missing)


_HOW = {"load": r"^MOV\w*\s+\$?{sym}\S*\(SB\),", "store": r"^MOV\w*\s+.*,\s*{sym}\S*\(SB\)$",
        "call": r"^(CALL|BL|JMP)\s+{sym}\(SB\)$", "any": r"{sym}\S*\(SB\)"}


def references(symbol: str, how: str = "any", function: str = "main.main", missing: str = "") -> Requirement:
    """``function``'s listing loads, stores, calls (``how``) or otherwise names ``symbol``."""
    rx = re.compile(_HOW[how].format(sym=re.escape(symbol)))

    def holds(a: Attempt) -> bool:
        fn = a.result.function(function)
        return fn is not None and any(rx.search(r.text.strip()) for r in fn.instructions)
    verb = {"load": "load", "store": "store into", "call": "call", "any": "reference"}[how]
    return Requirement(holds, missing or f"{function} does not {verb} {symbol} yet", listing_rows(function))


def references_package(package: str, function: str = "main.main", missing: str = "") -> Requirement:
    """``function``'s listing names some symbol of ``package`` (a call, or a load after inlining)."""
    rx = re.compile(r"(?:^|[\s,$])" + re.escape(package) + r"\.[^\s,]*\(SB\)")

    def holds(a: Attempt) -> bool:
        fn = a.result.function(function)
        return fn is not None and any(rx.search(r.text) for r in fn.instructions)
    return Requirement(holds, missing or f"{function} does not use package {package} yet", listing_rows(function))


def keeps(path: str, *lines: str) -> Requirement:
    """``path`` still holds each of ``lines`` (the file the exercise says to leave alone)."""
    def holds(a: Attempt) -> bool:
        have = {ln.strip() for ln in a.result.files.get(path, "").splitlines()}
        return all(ln.strip() in have for ln in lines)
    return Requirement(holds, f"{path} must stay as the exercise gave it",
                       lambda a: [f"{path} should still have: {ln}" for ln in lines])


def value_from(path: str, old: str, new: str, expect: str) -> Requirement:
    """Rebuilt with ``old`` replaced by ``new`` in ``path``, the program prints ``expect``: the
    value comes from the target at run time, not from a copy or a literal."""
    def holds(a: Attempt) -> bool:
        text = a.result.files.get(path, "")
        if old not in text:
            return False
        again = a.rerun({**a.result.files, path: text.replace(old, new, 1)})
        return again.outcome == "ok" and expect in again.stdout
    return Requirement(holds, f"with {old} changed to {new} in {path} the program does not print {expect!r}, "
                              "so the value does not come from there at run time", printed)


def goarch(arch: str) -> Requirement:
    """The result was built for ``arch``."""
    return Requirement(lambda a: a.result.goarch == arch, f"this exercise must be checked on a GOARCH={arch} build")


def without_ldflag(word: str, missing: str) -> Requirement:
    """The build did not pass ``word`` to the linker."""
    return Requirement(lambda a: word not in (a.result.options.ldflags or ""), missing)


def predicted(missing: str = "") -> Requirement:
    """The learner's prediction is the outcome that happened."""
    return Requirement(lambda a: a.prediction == a.result.outcome,
                       missing or "your prediction differs from what happened",
                       lambda a: [f"you predicted {a.prediction}; it is {a.result.outcome}",
                                  *(build_errors(a) if a.result.build_output.strip() else printed(a))])


# -- the course's exercises ------------------------------------------------------------------------
EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add (or replace) an exercise, so that ``check(exercise.name)`` knows it."""
    EXERCISES[exercise.name] = exercise
    return exercise




def judge(name: str, result: Result, prediction: str | None = None,
          rerun: Callable[[dict[str, str]], Result] | None = None) -> Verdict:
    """The verdict of exercise ``name`` on ``result``.  ``rerun`` rebuilds changed files for
    value checks (default: a scratch session with the same options and Go version)."""
    exercise = _exercise(name)
    if exercise.predict and prediction not in OUTCOMES:
        return Verdict(name, False, f'Not yet: write your prediction first: check("{name}", prediction="…"), '
                                    f"one of {', '.join(OUTCOMES)}.")
    attempt = Attempt(result, rerun or _scratch_rerun(result), prediction)
    for req in exercise.requirements:
        if not req.holds(attempt):
            return Verdict(name, False, f"Not yet: {req.missing}.", req.show(attempt) if req.show else [])
    return Verdict(name, True, f"Done: {exercise.goal}.")


def check(name: str, result: Result | None = None, session=None, prediction: str | None = None) -> Verdict:
    """Judge ``result``, or build and run the live module of ``session`` (default: the kernel's).

    Never raises for a program that fails to build: that is a "Not yet" verdict.
    """
    exercise = _exercise(name)
    with BuildStatus() as status:  # a build on a cold cache says what it compiles meanwhile
        if result is None:
            session = session or _kernel_session()
            try:
                result = session.run(exercise.options.copy(), progress=status)
            except CaseError:
                return Verdict(name, False, "Not yet: the module is empty, run the exercise cell first.")
        return judge(name, result, prediction, _scratch_rerun(result, session, status))


def _scratch_rerun(result: Result, session: Session | None = None,
                   progress: Callable[[str], None] | None = None) -> Callable[[dict[str, str]], Result]:
    """Rebuild changed files in a separate workspace (the learner's stays as it is)."""
    def rerun(files: dict[str, str]) -> Result:
        with Session(toolchain=session.toolchain if session else None) as scratch:
            scratch.workspace.write_many(files)
            opts = result.options.copy()
            opts.expect, opts.expect_stdout, opts.expect_ref = None, [], []
            return scratch.run(opts, progress=progress)
    return rerun


def _exercise(name: str) -> Exercise:
    try:
        return EXERCISES[name]
    except KeyError:
        raise CaseError(f"no exercise named {name!r}; the exercises are {', '.join(EXERCISES)}") from None


def _kernel_session():
    """The Session behind the magics of the running IPython kernel."""
    from IPython import get_ipython  # noqa: PLC0415 - only in a kernel

    session = kernel_session(get_ipython()) if get_ipython() is not None else None
    if session is None:
        raise UserError("load the magics first: run %load_ext golink_magic in a cell above")
    return session
