#!/usr/bin/env python3
"""Build the course website from the SAVED notebooks (never executing them).

    python scripts/build_site.py [--out build/site] [--stage build/site-src]

Stages `site/*.md` and a copy of every `notebooks/*.ipynb` into STAGE, then runs Sphinx
(MyST-NB + sphinx-book-theme, configuration in `site/conf.py`) into OUT.  The copies differ from
the notebooks in three ways, none of which changes what a reader sees:

* the saved widget state (`metadata.widgets`) is dropped: the static pages show each view's
  CSS-only `text/html` rendering, so the state would only be dead weight (30-210 KB a chapter);
* an output that is a widget and nothing else (the progress bar of `%gotoolchains install`) is
  dropped: without a kernel it has nothing to show but its Python repr;
* an empty `text/plain` display (what a widget-only view leaves when saved) is dropped.

After the build it checks that no page, stylesheet or script loads anything from another host
(scripts, styles, fonts, images, frames, preloads, CSS url()/@import) and fails if one does; then it
prints the build time and the page weights.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def stage_notebook(src: Path, dst: Path) -> None:
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data is not None:
                if WIDGET_VIEW in data and "text/html" not in data:
                    continue
                if set(data) == {"text/plain"} and not "".join(data["text/plain"]).strip():
                    continue
            kept.append(out)
        cell["outputs"] = kept
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def stage(stage_dir: Path) -> list[str]:
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    for page in sorted(SITE.glob("*.md")):
        shutil.copy2(page, stage_dir / page.name)
    names = []
    for nb in sorted(NOTEBOOKS.glob("*.ipynb")):
        stage_notebook(nb, stage_dir / nb.name)
        names.append(nb.stem)
    if not names:
        raise SystemExit(f"no notebooks in {NOTEBOOKS}")
    return names


class _Refs(HTMLParser):
    """What a page makes the browser load: (tag, attribute, url) of every fetched resource."""

    FETCHED = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"),
               ("audio", "src"), ("video", "src"), ("embed", "src"), ("object", "data"),
               ("input", "src")}
    LINK_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "shortcut",
                 "apple-touch-icon", "manifest", "dns-prefetch", "preconnect"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key, value in attrs:
            if (tag, key) in self.FETCHED and value:
                self.refs.append((tag, key, value))
            if key == "srcset" and value:
                self.refs.extend((tag, key, part.split()[0]) for part in value.split(",") if part.strip())
            if key == "style" and value:
                self.styles.append(value)
        if tag == "link" and a.get("href"):
            rels = set((a.get("rel") or "").lower().split())
            if rels & self.LINK_RELS:
                self.refs.append(("link", " ".join(sorted(rels)), a["href"]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""", re.I)


def _remote(url: str) -> bool:
    return bool(REMOTE.match(url)) and not url.strip().lower().startswith("file:")


def audit(out: Path) -> list[str]:
    """Every reference to another host that a page, stylesheet or script would load."""
    problems = []
    for page in sorted(out.rglob("*.html")):
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for tag, attr, url in parser.refs:
            if _remote(url):
                problems.append(f"{page.relative_to(out)}: <{tag} {attr}> {url}")
        for css in parser.styles:
            for m in CSS_URL.finditer(css):
                url = m.group(1) or m.group(2)
                if _remote(url):
                    problems.append(f"{page.relative_to(out)}: inline CSS loads {url}")
    for css in sorted(out.rglob("*.css")):
        for m in CSS_URL.finditer(css.read_text(encoding="utf-8", errors="replace")):
            url = m.group(1) or m.group(2)
            if _remote(url):
                problems.append(f"{css.relative_to(out)}: loads {url}")
    return problems


def weight(out: Path, page: Path) -> tuple[int, int, int]:
    """A first visit's weight: (HTML bytes, bytes of the HTML plus every local script, stylesheet,
    icon and preload it names, the same gzipped as a web server would send them)."""
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    files, seen = [page], {page.resolve()}
    for _tag, _attr, url in parser.refs:
        if _remote(url) or url.startswith("data:"):
            continue
        target = (page.parent / url.split("?")[0].split("#")[0]).resolve()
        if target not in seen and target.is_file():
            seen.add(target)
            files.append(target)
    raw = sum(f.stat().st_size for f in files)
    packed = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)
    return page.stat().st_size, raw, packed


def build(out: Path, stage_dir: Path, quiet: bool = True, jobs: str = "1") -> dict:
    from sphinx.cmd.build import build_main

    if out.exists() and any(out.iterdir()) and not any((out / n).exists() for n in (".buildinfo", "_static")):
        raise SystemExit(f"{out} exists and is not a Sphinx output folder: refusing to replace it")
    started = time.perf_counter()
    names = stage(stage_dir)
    shutil.rmtree(out, ignore_errors=True)
    args = ["-b", "html", "-c", str(SITE), "-d", str(stage_dir / ".doctrees"), "-E", "-j", jobs,
            "--keep-going", str(stage_dir), str(out)]
    if quiet:
        args.insert(0, "-q")
    status = build_main(args)
    seconds = time.perf_counter() - started
    if status:
        raise SystemExit(f"sphinx-build failed (exit {status})")
    missing = [n for n in names if not (out / f"{n}.html").is_file()]
    if missing or not (out / "index.html").is_file():
        raise SystemExit(f"pages missing from {out}: {missing or ['index']}")
    problems = audit(out)
    if problems:
        raise SystemExit("the site would fetch from other hosts:\n  " + "\n  ".join(problems))
    pages = {p.name: weight(out, p) for p in [out / "index.html", *[out / f"{n}.html" for n in names]]}
    return {"seconds": seconds, "pages": pages, "chapters": names}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    ap.add_argument("--stage", type=Path, default=ROOT / "build" / "site-src",
                    help="where the staged sources and doctrees go")
    ap.add_argument("--jobs", default="1", help="sphinx-build -j (default 1)")
    ap.add_argument("--verbose", action="store_true", help="show sphinx-build's progress")
    args = ap.parse_args(argv)
    info = build(args.out.resolve(), args.stage.resolve(), quiet=not args.verbose, jobs=args.jobs)
    print(f"built {args.out} from {len(info['chapters'])} saved notebooks in {info['seconds']:.1f} s "
          "(nothing executed; no outside requests in any page)")
    print(f"{'page':36} {'HTML':>8} {'+ assets':>10} {'gzipped':>9}")
    for name, (html, total, packed) in info["pages"].items():
        print(f"{name:36} {html / 1024:5.0f} KB {total / 1024:7.0f} KB {packed / 1024:6.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
