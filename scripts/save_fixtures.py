#!/usr/bin/env python3
"""Re-create the saved results of the fast test tier (tests/fixtures/results/) from real runs.

    .venv/bin/python scripts/save_fixtures.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from golink_magic import Session  # noqa: E402
from tests import saved  # noqa: E402


def main() -> int:
    with Session() as session:
        for name in saved.SPECS:
            result = saved.run_spec(name, session)
            print(f"{saved.save(name, result).name}: {result.outcome} ({result.target_label})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
