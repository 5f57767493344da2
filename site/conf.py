"""Sphinx configuration of the course website (`make site`; scripts/build_site.py).

Stack: Sphinx + MyST-NB + sphinx-book-theme (the Jupyter Book 1 stack).  The saved notebooks are
rendered as they are, never executed, and the pages fetch nothing from the network: no web fonts,
no MathJax, no require.js and no ipywidgets embed manager; each view is the CSS-only `text/html`
rendering the notebook saved next to its widget.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# The repository's public location, used by the "launch on Binder" and repository buttons.  Like
# the README's Binder badge it is a placeholder until the repository is public; the GitHub Pages
# workflow passes the real one (GOLINK_SITE_REPO=${{ github.repository }}).
REPOSITORY = os.environ.get("GOLINK_SITE_REPO") or "OWNER/REPO"

project = "//go:linkname, live"
author = "golink_magic"
copyright = "golink_magic authors"
language = "en"

extensions = ["myst_nb", "sphinx.ext.githubpages"]  # githubpages: writes .nojekyll
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# --- notebooks: render the saved outputs, never execute -----------------------------------------
nb_execution_mode = "off"
# Prefer each view's CSS-only text/html rendering to its widget: drop the widget mime type.
nb_mime_priority_overrides = [
    (builder, "application/vnd.jupyter.widget-view+json", None)
    for builder in ("html", "dirhtml", "singlehtml", "readthedocs", "readthedocsdirhtml")
]
# ... and never load require.js or the ipywidgets embed manager (MyST-NB's defaults come from CDNs).
nb_ipywidgets_js = {}
nb_merge_streams = True
nb_output_stderr = "show"
myst_enable_extensions = []  # no dollarmath/amsmath: nothing on the site needs MathJax
myst_heading_anchors = 3

# --- HTML --------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "//go:linkname, live"
html_favicon = "_static/favicon.svg"
html_static_path = ["_static", str(HERE.parent / "golink_magic" / "render" / "static" / "keyboard.js")]
html_css_files = ["site.css", "icons.css"]
html_js_files = ["keyboard.js"]  # arrow keys inside the views (roving focus); local, no dependency
html_copy_source = False  # no _sources/ copies of the notebooks (the Binder button opens them)
html_show_sourcelink = False
html_last_updated_fmt = None
# No MathJax (Sphinx would load it from a CDN on a page with math): math, should a chapter ever
# have some, is shown as its source text by the "plain" renderer registered in setup() below.
html_math_renderer = "plain"
html_context = {"default_mode": "auto"}  # light or dark as the reader's system says; the toggle switches
html_theme_options = {
    "repository_url": f"https://github.com/{REPOSITORY}",
    "repository_branch": "HEAD",
    "path_to_docs": "notebooks",
    "use_repository_button": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "home_page_in_toc": True,
    "navbar_persistent": [],  # the sidebar has the search field already
}


def _plain_math(self, node):
    from docutils import nodes

    tag = "code" if isinstance(node, nodes.math) else "pre"
    self.body.append(self.starttag(node, tag, "", CLASS="math") + self.encode(node.astext()) + f"</{tag}>")
    raise nodes.SkipNode


def _drop_fontawesome_kit(app, exception):
    """pydata-sphinx-theme loads FontAwesome's whole SVG+JS kit (1.5 MB, 0.5 MB gzipped) on every
    page to draw about a dozen icons.  Empty it: _static/icons.css draws the theme's icons, and any
    other falls back to the theme's own local FontAwesome webfont."""
    if exception is not None or app.builder.format != "html":
        return
    kit = Path(app.outdir) / "_static" / "scripts" / "fontawesome.js"
    if kit.is_file():
        kit.write_text("/* FontAwesome's SVG+JS kit is not used on this site: see site/conf.py. */\n")
        for extra in ("fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
            (kit.parent / extra).unlink(missing_ok=True)


def setup(app):
    from golink_lexer import GolinkCellLexer

    app.connect("build-finished", _drop_fontawesome_kit)

    app.add_html_math_renderer("plain", (_plain_math, None), (_plain_math, None))

    # The notebooks name their lexer "ipython3" (language_info.pygments_lexer).
    app.add_lexer("ipython3", GolinkCellLexer)
    app.add_lexer("ipython", GolinkCellLexer)
