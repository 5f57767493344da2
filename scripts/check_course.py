#!/usr/bin/env python3
"""Check the course's bookkeeping: the index lists every chapter in order, each chapter links to
the next, and every exercise has its check and solution cells.

    .venv/bin/python scripts/check_course.py [notebooks/src]

Chapters are the sources named ``NN-name.md`` with NN from 01; ``00-*`` are the index and the
start page.  Exit status 1 with one line per problem.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SOURCES = Path(__file__).resolve().parent.parent / "notebooks" / "src"


def chapters(src: Path) -> list[Path]:
    """The chapter sources, in order."""
    return sorted(p for p in src.glob("[0-9][0-9]-*.md") if not p.name.startswith("00-"))


def problems(src: Path = SOURCES) -> list[str]:
    """Every disagreement between the chapters, the index and the Next links."""
    found = []
    chs = chapters(src)
    index = (src / "00-index.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\|\s*(\d+)\s*\|\s*\[[^\]]+\]\(([^)]+)\.ipynb\)", index, re.M)
    want = [(str(int(p.name[:2])), p.stem) for p in chs]
    if listed != want:
        found.append(f"00-index.md lists {[f'{n} {s}' for n, s in listed]}, the chapters are {[f'{n} {s}' for n, s in want]}")
    for here, nxt in zip(chs, chs[1:]):
        text = here.read_text(encoding="utf-8")
        m = re.search(r"^Next: \[(\d+)\.[^\]]*\]\(([^)]+)\.ipynb\)", text, re.M)
        if not m or (int(m.group(1)), m.group(2)) != (int(nxt.name[:2]), nxt.stem):
            found.append(f"{here.name}: its Next: link must point to [{int(nxt.name[:2])}. …]({nxt.stem}.ipynb)")
    for ch in chs:
        text = ch.read_text(encoding="utf-8")
        m = re.match(r"(?:---.*?---\s*)?# (\d+)\. ", text, re.S)
        if not m or int(m.group(1)) != int(ch.name[:2]):
            found.append(f"{ch.name}: its title must start with `# {int(ch.name[:2])}. `")
        for name in re.findall(r'tags=\["exercise:([^"]+)"\]', text):
            if f'check("{name}")' not in text:
                found.append(f"{ch.name}: exercise {name} has no check(\"{name}\") cell")
            if f'"solution:{name}"' not in text:
                found.append(f"{ch.name}: exercise {name} has no solution:{name} cell")
    return found


def main(argv: list[str]) -> int:
    found = problems(Path(argv[0]) if argv else SOURCES)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
