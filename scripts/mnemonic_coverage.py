"""How many rows of the course's listings get instruction help, per GOARCH.

Make the listings first (the ``-386`` cases pin their own GOARCH, so every file may hold
several architectures; each result is counted under its own ``goarch``)::

    .venv/bin/golink-magic run notebooks/cases --json > /tmp/amd64.json
    .venv/bin/golink-magic run notebooks/cases --json --goarch 386 > /tmp/386.json
    .venv/bin/golink-magic run notebooks/cases --json --goarch arm64 --no-run > /tmp/arm64.json
    .venv/bin/python scripts/mnemonic_coverage.py /tmp/amd64.json /tmp/386.json /tmp/arm64.json \
        --fixture tests/fixtures/mnemonics.json

Prints the coverage per GOARCH and the mnemonics without help, most frequent first;
``--texts`` also prints the help each mnemonic gets, for proofreading.  ``--fixture`` saves
{goarch: {mnemonic: rows}}, which the tests check without needing Go.  A saved fixture can be
passed instead of listings.  Exits 1 when a GOARCH is below ``--min`` (default 0.95).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from golink_magic.listing.instructions import explain, mnemonic_of  # noqa: E402


def count_mnemonics(paths: list[str]) -> dict[str, Counter]:
    """{goarch: Counter(mnemonic → rows)} over result listings (``run --json``) or saved fixtures."""
    counts: dict[str, Counter] = {}
    seen: set[tuple[str, str]] = set()
    for path in paths:
        data = json.loads(Path(path).read_text())
        if isinstance(data, dict):  # a saved fixture
            for goarch, table in data.items():
                counts.setdefault(goarch, Counter()).update(table)
            continue
        for result in data:
            key = (result.get("name", ""), result["goarch"])
            if key in seen:  # a pinned-GOARCH case appears in every run
                continue
            seen.add(key)
            bucket = counts.setdefault(result["goarch"], Counter())
            for fn in result.get("functions") or []:
                bucket.update(mnemonic_of(row["text"]) for row in fn["instructions"])
    return counts


def main(argv: list[str] | None = None) -> int:
    """Print the coverage report; write the fixture if asked."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("listings", nargs="+", help="JSON from `golink-magic run --json`, or a saved fixture")
    ap.add_argument("--fixture", help="write {goarch: {mnemonic: rows}} here")
    ap.add_argument("--texts", action="store_true", help="also print each mnemonic's help")
    ap.add_argument("--min", type=float, default=0.95)
    args = ap.parse_args(argv)
    counts = count_mnemonics(args.listings)
    ok = True
    for goarch in sorted(counts):
        table = counts[goarch]
        rows = sum(table.values())
        missing = Counter({m: n for m, n in table.items() if explain(m, goarch) is None})
        share = 1 - sum(missing.values()) / rows if rows else 1.0
        ok &= share >= args.min
        print(f"{goarch}: {share:.1%} of {rows} rows have help ({len(table)} mnemonics)")
        for m, n in missing.most_common():
            print(f"    no help: {m!r} ×{n}")
        if args.texts:
            for m, n in table.most_common():
                print(f"    {m:<12} ×{n:<4} {explain(m, goarch)}")
    if args.fixture:
        fixture = {g: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for g, c in sorted(counts.items())}
        Path(args.fixture).parent.mkdir(parents=True, exist_ok=True)
        Path(args.fixture).write_text(json.dumps(fixture, indent=1) + "\n")
        print(f"wrote {args.fixture}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
