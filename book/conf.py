# Sphinx configuration of the book: README.md, answers/*.md, notebooks/*.ipynb and MAINTAINING.md as one static site.
#
# Built from the repository root (`make book`: sphinx-build -c book . _build/html), so that every relative
# link in the Markdown means in the book what it means on GitHub. Nothing is copied into the source tree;
# what the book adds to the sources (the navigation, the notebook-to-answer links, GitHub's math escapes,
# a local MathJax) is done in memory by book_ext.py, next to this file.
import os
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent
sys.path[:0] = [str(BOOK), str(REPO / "tests")]  # book_ext, and tests/markdown_math.py that it shares

project = "Deep Learning Assignment 1"
author = "the authors of this repository"
html_title = "Deep Learning Assignment 1"

extensions = ["myst_nb", "book_ext"]

# The landing page is README.md; book_ext writes index.html as its copy (GitHub Pages serves index.html).
root_doc = "README"
include_patterns = ["README.md", "answers/*.md", "notebooks/*.ipynb", "MAINTAINING.md"]
# Pruned before the walk, so that sphinx-build never lists .venv, data or node_modules.
exclude_patterns = [".venv", ".git", "_build", "data", "results", "tests", "benchmarks", "dlkit", "book",
                    "**/.ipynb_checkpoints", "**/node_modules"]

# --- MyST (the answers, README and the notebooks' Markdown cells)
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3  # `answer.md#4-convexity-in-the-logits` resolves, with GitHub's slugs
myst_heading_slug_func = "github"

# --- myst-nb: the notebooks as committed, outputs and all; the build never runs a cell.
nb_execution_mode = "off"
# Markdown outputs (the results tables that the notebooks display) are parsed as MyST, which has tables;
# myst-nb's default, plain CommonMark, shows their pipes.
nb_render_markdown_format = "myst"
nb_merge_streams = True

# --- Math: MathJax 3 from the npm lock in tests/mathjax (the version that checks GitHub's math), copied
# into _static/mathjax by book_ext. SVG output: its glyphs are inside the script, so no web font has to load,
# which Chromium refuses for pages opened from file://.
mathjax_path = "mathjax/tex-svg.js"
book_mathjax_es5 = str(REPO / "tests" / "mathjax" / "node_modules" / "mathjax-full" / "es5")

# --- HTML
html_theme = "sphinx_book_theme"
html_copy_source = True  # the theme's download button offers the .md / .ipynb as on GitHub
# On GitHub Actions the repository is known: the theme's repository button and the README's links to
# folders (answers/, notebooks/) point to it. Elsewhere folder links are left as plain text.
GITHUB_REPOSITORY = os.environ.get("GITHUB_REPOSITORY", "")
book_git_ref = os.environ.get("GITHUB_SHA", "main")
REPOSITORY_URL = f"{os.environ.get('GITHUB_SERVER_URL', 'https://github.com')}/{GITHUB_REPOSITORY}" \
    if GITHUB_REPOSITORY else ""
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
    **({"repository_url": REPOSITORY_URL, "use_repository_button": True, "path_to_docs": ""}
       if REPOSITORY_URL else {}),
}
# The theme's light/dark switch starts from the reader's system setting (unset, its script logs an error).
html_context = {"default_mode": "auto"}
# An undefined macro is an error (red, and counted by tests/test_book.py), not silently shown as text.
mathjax3_config = {"tex": {"packages": {"[-]": ["noundefined"]}}}
html_static_path = ["_static"]
html_css_files = ["book.css"]
