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
from .starts import STARTS


__all__ = [
    "EXERCISES", "Attempt", "Exercise", "Requirement", "Verdict", "build_errors", "builds", "check", "directive",
    "first_prediction",
    "goarch", "judge", "keeps", "listing_rows", "no_directive", "pulls_from", "built_linknames", "predicted", "printed", "prints", "references",
    "references_package", "register", "relocates", "runs", "unchanged", "defines_alone", "calls_pulled", "value_from", "without_ldflag",
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
    options: Options = field(default_factory=lambda: Options(objects=True))
    predict: bool = False  # the learner states the outcome before it is shown
    needs_objects: bool = True  # judged on the compiled objects (--objects)
    start: dict[str, str] | None = None  # the files it starts from (default: STARTS[name]); txtar as "__txtar__"

    @property
    def start_files(self) -> dict[str, str]:
        """The files the exercise starts from: ``start``, else the course's :data:`STARTS`."""
        return self.start if self.start is not None else STARTS.get(self.name, {})


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


def unchanged(exercise: str, *paths: str) -> Requirement:
    """Each of ``paths`` is exactly the file exercise ``exercise`` started from (its ``start``,
    or :data:`STARTS`; only the trailing newlines a cell adds may differ): the files the
    exercise says to leave alone."""
    def differs(a: Attempt) -> list[str]:
        start = _exercise(exercise).start_files
        return [p for p in paths if a.result.files.get(p, "").rstrip("\n") != start.get(p, "").rstrip("\n")]
    return Requirement(lambda a: not differs(a), f"leave {' and '.join(paths)} exactly as the exercise gave "
                       f"{'it' if len(paths) == 1 else 'them'}",
                       lambda a: [f"{p} differs from the exercise's cell: run that cell again" for p in differs(a)])


def object_facts(a: Attempt, target: str) -> list[str]:
    """What the compiled objects say about ``target``: which functions relocate to it, which
    objects define it or leave it undefined."""
    lines = []
    for obj in a.result.objects:
        relocs = sorted({f"{fn} ({r.type})" for fn, r in obj.references(target)})
        if relocs:
            lines.append(f"{obj.package}'s object: {', '.join(relocs)} relocate to {target}")
        lines += [f"{obj.package}'s object defines {s.code} {target}" for s in obj.defined if s.name == target]
    return lines or [f"no compiled object of the module names {target}"]


def relocates(target: str, package: str | None = None, kind: str | None = None, missing: str = "") -> Requirement:
    """The directive took effect, by the linker's facts: a function in ``package``'s compiled
    object (any module package when None) relocates to ``target`` (with relocation ``kind``,
    e.g. ``R_CALL``, when given), and no object and not the program holds the local name the
    directive renamed."""
    def holds(a: Attempt) -> bool:
        objs = [o for o in a.result.objects if package is None or o.package == package]
        if not any(kind is None or r.type == kind for o in objs for _, r in o.references(target)):
            return False
        locals_ = {s.name for s in a.result.symbols if s.became == target}
        return not any(s.name in locals_ for o in a.result.objects for s in o.defined)
    who = f"{package}'s object" if package else "no compiled object of the module"
    verb = "calls" if kind == "R_CALL" else "references"
    default = f"{who} never {verb} {target}" if package else f"{who} {verb} {target}"
    return Requirement(holds, missing or default, lambda a: object_facts(a, target))


def defines_alone(target: str, package: str) -> Requirement:
    """``package``'s object is the only one that gives ``target`` content (a ``D`` entry); every
    other object refers to it (``B`` or ``U``), and the program holds one such symbol."""
    def holds(a: Attempt) -> bool:
        owners = [o.package for o in a.result.objects for s in o.defined if s.name == target and s.code in "Dd"]
        held = [s for s in a.result.symbols if s.name == target and s.held]
        return owners == [package] and len(held) == 1
    return Requirement(holds, f"{package}'s object must be the only one that defines {target} with a value",
                       lambda a: object_facts(a, target))


def calls_pulled(package: str, missing: str) -> Requirement:
    """main's object calls (``R_CALL``) the very ``package`` symbol a directive of the build pulls."""
    def holds(a: Attempt) -> bool:
        pulled = {b.target for b in built_linknames(a.result) if b.target.rpartition(".")[0] == package}
        return any(r.type == "R_CALL" and r.target in pulled for o in a.result.objects for fn in o.functions
                   for row in fn.rows for r in row.relocs)
    return Requirement(holds, missing, lambda a: [line for b in built_linknames(a.result)
                                                  for line in object_facts(a, b.target)])


def goarch(arch: str) -> Requirement:
    """The result was built for ``arch``."""
    return Requirement(lambda a: a.result.goarch == arch, f"this exercise must be checked on a GOARCH={arch} build")


def without_ldflag(word: str, missing: str) -> Requirement:
    """The build did not pass ``word`` to the linker."""
    return Requirement(lambda a: word not in (a.result.options.ldflags or ""), missing)


def predicted(missing: str = "") -> Requirement:
    """The learner's first prediction (in this kernel) is the outcome of the exercise's own module."""
    return Requirement(lambda a: a.prediction == a.result.outcome,
                       missing or "your prediction differs from what happened",
                       lambda a: [f"you predicted {a.prediction}; it is {a.result.outcome}",
                                  *(build_errors(a) if a.result.build_output.strip() else printed(a))])


_PREDICTIONS: dict[str, str] = {}  # exercise → the first prediction made in this process (kernel)


# -- the course's exercises ------------------------------------------------------------------------
EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add (or replace) an exercise, so that ``check(exercise.name)`` knows it."""
    EXERCISES[exercise.name] = exercise
    return exercise




def first_prediction(name: str) -> str | None:
    """The first prediction this process (kernel) recorded for exercise ``name``, if any."""
    return _PREDICTIONS.get(name)


def judge(name: str, result: Result, prediction: str | None = None,
          rerun: Callable[[dict[str, str]], Result] | None = None) -> Verdict:
    """The verdict of exercise ``name`` on ``result``.  ``rerun`` rebuilds changed files for
    value checks (default: a scratch session with the same options and Go version)."""
    exercise = _exercise(name)
    if exercise.predict and prediction not in OUTCOMES:
        return Verdict(name, False, f'Not yet: write your prediction first: check("{name}", prediction="…"), '
                                    f"one of {', '.join(OUTCOMES)}.")
    first = _PREDICTIONS.setdefault(name, prediction) if exercise.predict else prediction
    if first != prediction:
        return Verdict(name, first == result.outcome, f"Your first prediction stands: {first}; it is {result.outcome} "
                       f"({'Done' if first == result.outcome else 'Not yet'}: a prediction counts once).")
    rerun = rerun or _scratch_rerun(result)
    if exercise.needs_objects and not result.objects and result.outcome not in ("compile-error",):
        result = rerun(result.files)  # judged on the compiled objects, which this result did not list
    attempt = Attempt(result, rerun, prediction)
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
        if result is None and exercise.predict and exercise.start_files:
            return _judge_own_case(exercise, prediction, status)
        if result is None:
            session = session or _kernel_session()
            try:
                result = session.run(exercise.options.copy(), progress=status)
            except CaseError:
                return Verdict(name, False, "Not yet: the module is empty, run the exercise cell first.")
        return judge(name, result, prediction, _scratch_rerun(result, session, status))


def _judge_own_case(exercise: Exercise, prediction: str | None, status) -> Verdict:
    """A prediction is judged on the exercise's own module (not whatever the live module holds)."""
    if prediction not in OUTCOMES:
        return judge(exercise.name, Result(outcome="", go_version="", goos="", goarch=""), prediction)
    with Session() as scratch:
        start = exercise.start_files
        if "__txtar__" in start:
            scratch.write_txtar(start["__txtar__"])
        else:
            scratch.workspace.write_many(start)
        result = scratch.run(exercise.options.copy(), progress=status)
    return judge(exercise.name, result, prediction, lambda files: result)


def _scratch_rerun(result: Result, session: Session | None = None,
                   progress: Callable[[str], None] | None = None) -> Callable[[dict[str, str]], Result]:
    """Rebuild changed files in a separate workspace (the learner's stays as it is)."""
    def rerun(files: dict[str, str]) -> Result:
        with Session(toolchain=session.toolchain if session else None) as scratch:
            scratch.workspace.write_many(files)
            opts = result.options.copy()
            opts.expect, opts.expect_stdout, opts.expect_build = None, [], []
            opts.expect_ref, opts.expect_sym, opts.expect_reloc = [], [], []
            opts.objects = True
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
