"""The course's exercises, under the name the notebooks import (``from golink_magic.exercises
import check``): the framework is :mod:`golink_magic.course.framework`, the course's own
exercises :mod:`golink_magic.course.exercises`, and :func:`grade` (a check that fails its cell on
"Not yet", for nbgrader) :mod:`golink_magic.course.grading`; all are re-exported here."""

from .course import exercises as _course  # noqa: F401 - registers the course's exercises
from .course.framework import *  # noqa: F403 - the face re-exports the framework's public names
from .course.framework import __all__ as _framework
from .course.grading import NotYet, grade  # noqa: F401

__all__ = [*_framework, "NotYet", "grade"]
