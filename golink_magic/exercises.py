"""The course's exercises, under the name the notebooks import (``from golink_magic.exercises
import check``): the framework is :mod:`golink_magic.course.framework`, the course's own
exercises :mod:`golink_magic.course.exercises`; both are re-exported here."""

from .course import exercises as _course  # noqa: F401 - registers the course's exercises
from .course.framework import *  # noqa: F403 - the face re-exports the framework's public names
from .course.framework import __all__  # noqa: F401
