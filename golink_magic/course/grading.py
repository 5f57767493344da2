"""Exercises as graded cells (nbgrader): :func:`grade` is :func:`~.framework.check` for a cell
that must fail when the exercise is not done.

nbgrader gives an autograder test cell its points when the cell runs without an error, so
``grade("export-secret")`` judges the live module exactly as ``check`` does, shows the same
verdict, and raises :class:`NotYet` on "Not yet".  The error shows as the verdict's one line (no
traceback), so a learner pressing *Validate* reads what is missing.  A prediction exercise is
graded on the first prediction this kernel recorded (the learner's own ``check(…,
prediction=…)`` cell above).
"""

from __future__ import annotations

from .framework import Verdict, check, first_prediction

__all__ = ["NotYet", "grade"]


class NotYet(AssertionError):
    """An exercise that is not done yet; the message is the verdict's."""

    def __init__(self, verdict: Verdict):
        super().__init__(str(verdict))
        self.verdict = verdict

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the learner's mistake is not a fault
        return [f"NotYet: {self}"]


def grade(name: str, session=None) -> Verdict:
    """Judge exercise ``name`` on the kernel's live module (or ``session``'s) and return the
    verdict when it is done; raise :class:`NotYet` when it is not."""
    verdict = check(name, session=session, prediction=first_prediction(name))
    if not verdict.passed:
        raise NotYet(verdict)
    return verdict
