"""Sphinx configuration of the course book (``make book``; sources staged by ``book/build.py``).

This is what Jupyter Book 1 configures under the hood -- Sphinx, ``sphinx-book-theme`` and MyST-NB -- used
directly: Jupyter Book 1.0.x pins ``myst-parser~=3.0`` and with it ``markdown-it-py~=3.0``, a downgrade of the
locked 4.x that jupytext and rich use, and Jupyter Book 2 downloads its theme at build time. Nothing here
touches the network: notebooks are rendered from their committed outputs (never executed), and no page loads
a script from a CDN.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

project = "ibml: machine learning for investment-banking backend engineers"
author = "the ibml authors"
copyright = "the ibml authors"  # no year: the same sources give the same pages whenever they are built
root_doc = "index"

extensions = ["myst_nb", "sphinx_book_theme", "ibml_blocks"]

# Notebooks: the committed outputs are the book; execution stays off so a build never runs a kernel.
nb_execution_mode = "off"
nb_merge_streams = True
nb_render_markdown_format = "myst"
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # no require.js / widget manager from a CDN

# Markdown: GitHub-style anchors for the headings links point at (README.md#configuration, answers.md#week-3).
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence", "deflist"]
myst_links_external_new_tab = False
# "$...$" stays literal text (no dollarmath): MathJax would come from a CDN, and the course prints money amounts.
# Sphinx adds the MathJax script only to pages with math; tests/browser/test_book.py fails if any page loads
# a remote script.

exclude_patterns = ["_build", ".doctrees", "**.ipynb_checkpoints"]
suppress_warnings: list[str] = []

html_theme = "sphinx_book_theme"
html_title = "ibml course book"
html_static_path = [str(Path(__file__).resolve().parent / "_static")]
html_css_files = ["ibml.css"]
html_favicon = str(Path(__file__).resolve().parent / "_static" / "favicon.svg")  # else browsers ask for /favicon.ico
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = True  # the search page shows a snippet of each hit from these _sources copies
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "use_source_button": False,
    "navigation_with_keys": False,
    "search_bar_text": "Search the course...",
}
html_context = {"default_mode": "light"}

# Reproducible output: no build timestamp in the pages.
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
