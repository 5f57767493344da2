"""The render layer's static files (``render/static/``: the views' CSS, the page CSS, the
keyboard script), each read once."""

from __future__ import annotations

import functools
from pathlib import Path

STATIC = Path(__file__).with_name("static")


@functools.cache
def asset(name: str) -> str:
    """The text of ``render/static/NAME``, read once per process."""
    return (STATIC / name).read_text(encoding="utf-8")
