"""What the book adds to README.md, answers/*.md, notebooks/*.ipynb and MAINTAINING.md, all in memory (no source
file changes).

* Navigation: a hidden table of contents appended to README, the landing page: the answers under their own
  titles (each restates its question), then the notebooks as "Q1 notebook: the evidence", so that the sidebar
  never shows two near-identical titles, then MAINTAINING.md "for maintainers".
* Each notebook opens with a link to the answer it backs (the answers already link their notebooks).
* Math in README, MAINTAINING and answers is typeset from exactly the TeX that GitHub hands MathJax: GitHub
  applies Markdown's backslash escapes inside `$...$` and `$$` math (`\\_` reaches MathJax as `_`), MyST does
  not, so each formula goes through the same `unescape` as tests/test_math.py (tests/markdown_math.py); in
  GitHub's $`...`$ form, which MyST reads with its backticks, the TeX between the backticks is taken as is.
  Display math is emitted as written, without Sphinx's `split` wrapper.
* Links to folders (README's `answers/`, `notebooks/`), which have no page in the book, point to the folder
  on GitHub when the repository is known (GITHUB_REPOSITORY, set on GitHub Actions), and are plain text
  otherwise. Links to other files in the repository (results/*.json, dlkit/models.py) are MyST downloads.
* Short table cells are kept on one line (book-nowrap, styled in _static/book.css).
* MathJax 3 is copied from tests/mathjax/node_modules into _static/mathjax (no CDN), and index.html is
  written as a copy of README.html.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path, PurePosixPath

from docutils import nodes
from markdown_math import unescape
from sphinx.addnodes import pending_xref
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

# What of mathjax-full/es5 the site serves: the combined TeX + SVG component, and what it loads on demand
# (TeX extensions autoloaded by a macro, the context menu, its accessibility tools).
MATHJAX_PARTS = ["tex-svg.js", "input/tex/extensions", "ui", "a11y", "sre"]
MATHJAX_HINT = ("MathJax is not installed in tests/mathjax/node_modules: run `make book` (it runs "
                "`npm ci --prefix tests/mathjax`; Node.js with npm is needed once)")

README = "README"
MAINTAINING = "MAINTAINING"


def _is_answer_page(docname: str) -> bool:
    """The Markdown GitHub renders (and tests/test_math.py checks): README, MAINTAINING and answers/*.md."""
    return docname in (README, MAINTAINING) or docname.startswith("answers/")


def _pages(app, folder: str, suffix: str) -> list[str]:
    return sorted(f"{folder}/{p.stem}" for p in (Path(app.srcdir) / folder).glob(f"*{suffix}"))


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


# ----------------------------------------------------------------------------- source-read


def notebook_title(docname: str) -> str:
    """The sidebar's title of a notebook: "Q1 notebook: the evidence" (its own title repeats its answer's)."""
    stem = PurePosixPath(docname).name
    question = stem.split("_", 1)[0].upper()
    return f"{question} notebook: the evidence" if question[:1] == "Q" and question[1:].isdigit() else stem


def add_navigation_and_backlinks(app, docname: str, source: list[str]) -> None:
    if docname == README:
        maintaining = [MAINTAINING] if (Path(app.srcdir) / f"{MAINTAINING}.md").is_file() else []
        toc = "".join(
            f"\n\n```{{toctree}}\n:hidden:\n:caption: {caption}\n\n" + "\n".join(pages) + "\n```\n"
            for caption, pages in (("Answers", _pages(app, "answers", ".md")),
                                   ("Notebooks", [f"{notebook_title(p)} <{p}>"
                                                  for p in _pages(app, "notebooks", ".ipynb")]),
                                   ("For maintainers", maintaining)) if pages)
        source[0] += toc
    elif docname.startswith("notebooks/"):
        answer = Path(app.srcdir) / "answers" / f"{PurePosixPath(docname).name}.md"
        if not answer.is_file():
            return
        notebook = json.loads(source[0])
        cell = {"cell_type": "markdown", "id": "book-answer-link", "metadata": {},
                "source": f"```{{note}}\nThe written answer that this notebook backs: "
                          f"[{_title(answer)}](../answers/{answer.name}).\n```"}
        cells = notebook["cells"]
        first_is_title = cells and cells[0]["cell_type"] == "markdown" and \
            "".join(cells[0]["source"]).lstrip().startswith("# ")
        cells.insert(1 if first_is_title else 0, cell)
        source[0] = json.dumps(notebook)


# ----------------------------------------------------------------------------- doctree-read


def github_math(app, doctree: nodes.document) -> None:
    docname = app.env.docname
    for node in doctree.findall(nodes.math_block):
        # As written: no `\begin{split}` around a formula with `\\` (Sphinx's default), GitHub adds none.
        tex = node.astext()
        if _is_answer_page(docname):
            tex = unescape(tex)
        if not node.get("label"):
            node["nowrap"] = True
            tex = app.config.mathjax_display[0] + tex + app.config.mathjax_display[1]
        node.children = [nodes.Text(tex)]
    if not _is_answer_page(docname):
        return  # notebooks: Jupyter hands MathJax the cell's math as written, escapes and all
    for node in doctree.findall(nodes.math):
        tex = node.astext()
        # GitHub's $`...`$ form: MyST keeps the backticks; GitHub takes what is between them literally
        literal = len(tex) >= 2 and tex[0] == tex[-1] == "`"
        node.children = [nodes.Text(tex[1:-1] if literal else unescape(tex))]


def folder_links(app, doctree: nodes.document) -> None:
    docdir = (Path(app.srcdir) / app.env.docname).parent
    for node in list(doctree.findall(pending_xref)):
        target = node.get("reftarget", "")
        if node.get("reftype") != "myst" or not target or "#" in target or "://" in target:
            continue
        folder = (docdir / target).resolve()
        if not folder.is_dir() or not folder.is_relative_to(Path(app.srcdir).resolve()):
            continue
        relative = folder.relative_to(Path(app.srcdir).resolve()).as_posix()
        repo = app.config.html_theme_options.get("repository_url", "")
        if repo:
            ref = app.config.book_git_ref
            new = nodes.reference("", "", *node.children, refuri=f"{repo}/tree/{ref}/{relative}",
                                  classes=["book-folder-link"])
        else:
            new = nodes.inline("", "", *node.children, classes=["book-folder-link"])
        node.replace_self(new)


def short_cells_on_one_line(app, doctree: nodes.document) -> None:
    """A table cell of a few characters ("LeNet-5", "FashionMNIST", "99.07 ± 0.11") never wraps: in a wide table
    the browser would otherwise break it at the hyphen or the space, a word per line. Longer cells still wrap."""
    for body in doctree.findall(nodes.tbody):
        for entry in body.findall(nodes.entry):
            if len(entry.astext().strip()) <= 16:
                entry["classes"].append("book-nowrap")


# ----------------------------------------------------------------------------- build


def check_mathjax(app) -> None:
    es5 = Path(app.config.book_mathjax_es5)
    if not (es5 / "tex-svg.js").is_file():
        raise ExtensionError(MATHJAX_HINT)


def copy_mathjax_and_index(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    es5 = Path(app.config.book_mathjax_es5)
    target = out / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src = es5 / part
        if src.is_dir():
            shutil.copytree(src, target / part, dirs_exist_ok=True)
        elif src.is_file():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / part)
    readme = out / f"{README}.html"
    if readme.is_file():
        shutil.copy2(readme, out / "index.html")


def setup(app):
    app.add_config_value("book_mathjax_es5", "", "env")
    app.add_config_value("book_git_ref", "main", "env")
    app.connect("builder-inited", check_mathjax)
    app.connect("source-read", add_navigation_and_backlinks)
    app.connect("doctree-read", github_math)
    app.connect("doctree-read", folder_links)
    app.connect("doctree-read", short_cells_on_one_line)
    app.connect("build-finished", copy_mathjax_and_index)
    # env_version: bumped when what the extension does to doctrees changes, so a cached build is re-read
    return {"version": "2", "env_version": 2, "parallel_read_safe": True, "parallel_write_safe": True}

