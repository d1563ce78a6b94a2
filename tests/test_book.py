"""The book (`make book`: README, answers and notebooks as one static site in _build/html/), checked.

* The build: warning-free under -W (a dead link or anchor, a missing figure is a warning), no source file
  changed (checked on a copy of the sources), and a broken copy of the sources fails it.
* The math, from the HTML alone: every answer's formulas are exactly the TeX GitHub hands MathJax
  (tests/markdown_math.py extracts it), in order.
* A real browser, headless Chromium through Playwright, opens every page from file:// (the downloaded-copy
  case, the strictest offline one) and reports, per page: MathJax errors, and for README and the answers
  a typeset TeX that differs from GitHub's; images that did not load; internal links to a missing page or
  anchor; console errors; requests that leave the site (each is aborted); and every fold (`<details>`, on any
  page): closed until opened, and once its summary is clicked, every formula inside it typeset (MathJax's SVG
  there, visible) and no raw TeX left. Each check is shown to fail on a broken copy of the site.
* The navigation: the sidebar's titles are distinct (answers by their question, notebooks as "Q1 notebook: the
  evidence"), MAINTAINING.md is in the book, and the landing page's Quick start comes before its first table or
  figure.

Without Playwright or a Chromium/Chrome the browser tests are skipped with one line saying how to install
one; under CI (CI set, and not to 0 or false) they are required. Without MathJax (tests/mathjax/node_modules,
installed by `make test` and `make book` with npm), the book cannot be built: skipped, or failed under CI.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pytest
from markdown_math import extract
from test_math import NODE_HINT, in_ci

REPO = Path(__file__).resolve().parents[1]
BOOK_CONF = REPO / "book"
BUILD = REPO / "_build"
SITE = BUILD / "html"
MATHJAX_ES5 = REPO / "tests" / "mathjax" / "node_modules" / "mathjax-full" / "es5"
ANSWER_PAGES = {"README.html": "README.md", "index.html": "README.md", "MAINTAINING.html": "MAINTAINING.md",
                **{f"answers/{p.stem}.html": f"answers/{p.name}" for p in sorted((REPO / "answers").glob("*.md"))}}
NOT_PAGES = ("_static/", "_sources/", "_downloads/", "_images/")
BROWSER_HINT = ("install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or Chrome, "
                "or point BOOK_BROWSER at one")
MATH_IN_HTML = re.compile(r'<(span|div) class="math notranslate nohighlight"[^>]*>(.*?)</\1>', re.S)


def skip_or_fail(what, reason):
    """Skip `what` with one line saying why and how to fix it; under CI, fail instead."""
    if in_ci():
        pytest.fail(f"{what} is required under CI={os.environ['CI']}: {reason}", pytrace=False)
    pytest.skip(f"{what} skipped: {reason}")


def sphinx_build(srcdir, outdir, doctrees, **env):
    """The command `make book` runs (-W: any warning, a dead link or anchor among them, fails the build)."""
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-c", str(BOOK_CONF),
                           "-d", str(doctrees), str(srcdir), str(outdir)],
                          capture_output=True, text=True, timeout=600, env={**os.environ, **env})


def fingerprint(folder):
    """Hash of every file under `folder`."""
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="session")
def site():
    """_build/html, built once per session exactly as `make book` builds it."""
    if not (MATHJAX_ES5 / "tex-svg.js").is_file():
        skip_or_fail("book tests", "MathJax (tests/mathjax/node_modules) is not installed; `make test` installs it "
                     f"with npm (Node.js: {NODE_HINT})")
    start = time.perf_counter()
    proc = sphinx_build(REPO, SITE, BUILD / "doctrees")
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, f"the book does not build cleanly under -W:\n{proc.stdout}\n{proc.stderr}"
    print(f"book built in {seconds:.1f} s")
    return SITE


# ----------------------------------------------------------------------------- the build


def test_the_book_has_every_page(site):
    for page in ["index.html", "README.html", "search.html", *ANSWER_PAGES,
                 *(f"notebooks/{p.stem}.html" for p in (REPO / "notebooks").glob("*.ipynb"))]:
        assert (site / page).is_file(), page
    assert (site / "index.html").read_bytes() == (site / "README.html").read_bytes()
    assert (site / "_static" / "mathjax" / "tex-svg.js").is_file()


def test_answers_and_notebooks_link_each_other(site):
    for answer in (REPO / "answers").glob("*.md"):
        notebook = f"notebooks/{answer.stem}.html"
        assert (site / notebook).is_file(), notebook
        assert f'href="../{notebook}' in (site / "answers" / f"{answer.stem}.html").read_text(), answer.name
        assert f'href="../answers/{answer.stem}.html' in (site / notebook).read_text(), notebook


def test_notebook_markdown_outputs_are_tables(site):
    # the results tables a notebook displays (Markdown outputs) are HTML tables, not text with pipes
    html = (site / "notebooks" / "q4_lenet5_vs_resnet18.html").read_text()
    assert html.count("<table") >= 2 and not re.search(r"<p>\s*\|", html)


def test_the_book_never_asks_a_cdn(site):
    offenders = {}
    for page in site.rglob("*.html"):
        srcs = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', page.read_text())
        if srcs:
            offenders[str(page.relative_to(site))] = srcs
    assert not offenders, offenders


def test_the_site_is_relocatable(site):
    # a downloaded copy works anywhere: no page refers to where it was built
    for page in site.rglob("*.html"):
        links = re.findall(r'(?:src|href)="([^"]*)"', page.read_text(encoding="utf-8"))
        assert not [link for link in links if str(REPO) in link or link.startswith("file:")], page


def test_answer_math_is_githubs_tex(site):
    """Every formula of README and the answers, in the HTML, is exactly the TeX GitHub hands MathJax."""
    for page, md in ANSWER_PAGES.items():
        github = [f.tex.strip() for f in extract((REPO / md).read_text(encoding="utf-8"), md)[0]]
        html = article((site / page).read_text(encoding="utf-8"))
        book = [re.sub(r"^\\[(\[]|\\[)\]]$", "", html_unescape(m.group(2)).strip()).strip()
                for m in MATH_IN_HTML.finditer(html)]
        assert book == github, f"{page}: the book's TeX differs from GitHub's ({len(book)} vs {len(github)} formulas)"


def article(html):
    """The page's own content: headings' formulas are repeated in the side bars, GitHub shows them once."""
    return html[html.index('<article class="bd-article">'):html.index("</article>")]


def copy_sources(tmp_path):
    """What the book is built from, copied (README, answers, notebooks and the files they link to)."""
    src = tmp_path / "src"
    for name in ("README.md", "MAINTAINING.md", "answers", "notebooks", "results", "dlkit/models.py"):
        path = REPO / name
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("smoke", "*.partial"))
        else:
            shutil.copy2(path, src / name)
    return src


def test_the_build_changes_no_source_file(site, tmp_path):
    # on a copy of the sources (the working tree may be edited while the tests run), the book's config included;
    # built as on GitHub Actions, where the repository is known
    src = copy_sources(tmp_path)
    before = fingerprint(src), fingerprint(BOOK_CONF)
    proc = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees",
                        GITHUB_REPOSITORY="owner/repo", GITHUB_SHA="0123abc")
    assert proc.returncode == 0, proc.stderr
    assert (fingerprint(src), fingerprint(BOOK_CONF)) == before, "building the book changed a source file"
    assert not (src / "_build").exists() and not (src / "index.html").exists()
    # README's links to folders, which have no page in the book, go to the folder on GitHub at that commit
    readme = (tmp_path / "html" / "README.html").read_text()
    assert 'href="https://github.com/owner/repo/tree/0123abc/answers"' in readme
    assert 'href="https://github.com/owner/repo/tree/0123abc/notebooks"' in readme


def test_folder_links_are_text_when_the_repository_is_unknown(site):
    if os.environ.get("GITHUB_REPOSITORY"):
        pytest.skip("GITHUB_REPOSITORY is set: folder links go to GitHub")
    readme = article((site / "README.html").read_text())
    assert 'class="book-folder-link"' in readme and 'href="answers/"' not in readme


def first_figure(md="answers/q1_cross_entropy_vs_mse.md"):
    """The first figure an answer embeds, as written (figures/x.png)."""
    return re.search(r"!\[[^\]]*\]\((figures/[^)]+)\)", (REPO / md).read_text(encoding="utf-8")).group(1)


@pytest.mark.parametrize("case", ["dead-anchor", "dead-link", "missing-figure"])
def test_the_build_fails_on_a_broken_source(site, tmp_path, case):
    src = copy_sources(tmp_path)
    q2 = src / "answers" / "q2_convexity.md"
    if case == "dead-anchor":  # a heading that Q1 does not have
        q2.write_text(q2.read_text() + "\nSee [Q1](q1_cross_entropy_vs_mse.md#no-such-heading).\n")
        warning = "no-such-heading"
    elif case == "dead-link":  # a notebook that does not exist
        q2.write_text(q2.read_text() + "\nSee [the notebook](../notebooks/q9.ipynb).\n")
        warning = "q9.ipynb"
    else:  # a figure deleted from answers/figures
        figure = first_figure()
        (src / "answers" / figure).unlink()
        warning = figure
    proc = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees")
    assert proc.returncode != 0 and warning in proc.stderr, proc.stderr


# ----------------------------------------------------------------------------- the install

MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
@pytest.mark.parametrize("target, dev", [("lab", False), ("run", False), ("book", True), ("test", True)])
def test_readers_need_only_requirements_txt(target, dev):
    # -n: the plan only; -W: as if both requirement files had changed, so each install that a target needs is due
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    proc = subprocess.run([MAKE, "-C", str(REPO), "-n", "-W", "requirements.txt", "-W", "requirements-dev.txt",
                           target], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "pip install -q -r requirements.txt" in proc.stdout
    assert ("pip install -q -r requirements-dev.txt" in proc.stdout) == dev, proc.stdout


# ----------------------------------------------------------------------------- the browser

PAGE_REPORT = """async () => {
  for (const img of document.images) img.loading = 'eager';
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  const mathNodes = document.querySelectorAll('.math').length;
  let math = null;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    math = Array.from(MathJax.startup.document.math).map(item => ({
      tex: item.math, display: item.display,
      inArticle: !!(item.typesetRoot && item.typesetRoot.closest('article.bd-article')),
      error: !!(item.typesetRoot && item.typesetRoot.querySelector('[data-mjx-error], mjx-merror')),
    }));
  }
  return {
    mathNodes, math,
    images: [...document.images].map(img => ({src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  };
}"""


# Run after PAGE_REPORT: opens each fold of the article as a reader does (a click on its summary), without asking
# MathJax for anything, so math that MathJax skipped while the fold was closed shows up as not typeset.
FOLD_REPORT = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  // closed <details> content keeps its boxes in Chromium (content-visibility: hidden), so ask checkVisibility
  const shown = n => n.checkVisibility ? n.checkVisibility() : n.getClientRects().length > 0;
  const folds = [];
  for (const d of document.querySelectorAll('article.bd-article details')) {
    const summary = d.querySelector(':scope > summary');
    const body = [...d.children].filter(n => n.tagName !== 'SUMMARY');
    const closed = !d.open && !body.some(shown);
    if (summary) summary.click();
    await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const maths = [...d.querySelectorAll('.math')];
    const clone = d.cloneNode(true);
    clone.querySelectorAll('mjx-container, script, style, pre, code').forEach(n => n.remove());
    folds.push({
      summary: summary ? summary.textContent.trim() : null, closed, opened: d.open, maths: maths.length,
      typeset: maths.filter(m => m.querySelector('mjx-container svg')).length,
      visible: maths.filter(shown).length,
      rawTex: (clone.textContent.match(/\$[^$\s][^$]*\$|\\\(|\\\[/g) || []).slice(0, 3),
    });
  }
  return folds;
}"""
FOLDS_SEEN = {}   # page -> (folds, formulas inside them), filled by check_pages


def fold_problems(folds):
    problems = []
    for fold in folds:
        name = fold["summary"] if fold["summary"] is not None else "(no summary)"
        if fold["summary"] is None:
            problems.append("fold without a <summary>: a reader cannot open it")
        if not fold["closed"]:
            problems.append(f"fold open before a reader opens it: {name}")
        if not fold["opened"]:
            problems.append(f"fold does not open on a click: {name}")
        if fold["typeset"] < fold["maths"] or fold["visible"] < fold["maths"]:
            problems.append(f"math in fold not typeset once opened: {name} ({fold['typeset']} of {fold['maths']} "
                            f"typeset, {fold['visible']} visible)")
        if fold["rawTex"]:
            problems.append(f"raw TeX in fold once opened: {name}: {fold['rawTex']}")
    return problems


def find_browser():
    """BOOK_BROWSER, else a Chromium or Chrome on PATH, else Playwright's own download (if any)."""
    if os.environ.get("BOOK_BROWSER"):
        return os.environ["BOOK_BROWSER"]
    # the Makefile's BROWSERS, in the same order (make's note and .ci/run's install look for the same names)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        if path := shutil.which(name):
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("browser test", "Playwright is not installed; `make test` installs it (requirements-dev.txt)")
    executable = find_browser()
    with sync_playwright() as p:
        if executable is None and not Path(p.chromium.executable_path).is_file():
            skip_or_fail("browser test", f"no Chromium or Chrome found; {BROWSER_HINT}")
        yield p.chromium.launch(executable_path=executable)


def ids_of(path: Path, cache={}):  # noqa: B006 (a cache on purpose)
    if path not in cache:
        text = path.read_text(encoding="utf-8", errors="replace")
        cache[path] = set(re.findall(r'\s(?:id|name)="([^"]+)"', text))
    return cache[path]


def check_pages(browser, root: Path, pages=None):
    """Open each page of the site at `root` from file://; return {page: [problems]} (empty lists: all good)."""
    pages = pages or sorted(str(p.relative_to(root)) for p in root.rglob("*.html")
                            if not str(p.relative_to(root)).startswith(NOT_PAGES))
    context = browser.new_context()
    page = context.new_page()
    events = []
    page.on("console", lambda msg: msg.type == "error" and events.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda err: events.append(f"script error: {err}"))

    def offline(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            events.append(f"request leaves the site: {url}")
            route.abort()

    page.route("**/*", offline)
    report = {}
    for name in pages:
        events.clear()
        page.goto((root / name).as_uri(), wait_until="load")
        got = page.evaluate(PAGE_REPORT)
        problems = list(events)
        if got["math"] is None:
            if got["mathNodes"]:
                problems.append(f"{got['mathNodes']} formulas, but MathJax did not load")
        else:
            problems += [f"MathJax error in: {m['tex']}" for m in got["math"] if m["error"]]
            if name in ANSWER_PAGES:
                md = ANSWER_PAGES[name]
                github = [f.tex.strip() for f in extract((REPO / md).read_text(encoding="utf-8"), md)[0]]
                typeset = [m["tex"].strip() for m in got["math"] if m["inArticle"]]
                if typeset != github:
                    diff = [(b, g) for b, g in zip(typeset, github) if b != g][:3]
                    problems.append(f"typeset {len(typeset)} formulas, GitHub {len(github)}; TeX differs from "
                                    f"GitHub's, e.g. {diff}")
        problems += [f"image not loaded: {img['src']}" for img in got["images"] if not img["ok"]]
        folds = page.evaluate(FOLD_REPORT)
        FOLDS_SEEN[name] = (len(folds), sum(f["maths"] for f in folds))
        problems += fold_problems(folds)
        for href in got["links"]:
            url = urlsplit(href)
            if url.scheme != "file":
                continue
            target = Path(url2pathname(url.path))
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"dead link: {href}")
            elif url.fragment and target.suffix == ".html" and unquote(url.fragment) not in ids_of(target):
                problems.append(f"dead anchor: {href}")
        report[name] = problems
    context.close()
    return report


def test_every_page_in_a_browser(site, browser):
    start = time.perf_counter()
    report = check_pages(browser, site)
    seconds = time.perf_counter() - start
    # index, README, MAINTAINING, 4 answers, 4 notebooks, search (and genindex)
    assert len(report) >= 12 and "MAINTAINING.html" in report, sorted(report)
    bad = {page: problems for page, problems in report.items() if problems}
    assert not bad, "\n".join(f"{page}:\n  " + "\n  ".join(problems) for page, problems in bad.items())
    # the fold check saw real folds with math (README's has some), so it cannot pass by finding none
    folds = sum(f for f, _ in FOLDS_SEEN.values())
    assert sum(m for _, m in FOLDS_SEEN.values()) > 0, FOLDS_SEEN
    print(f"{len(report)} pages checked in a browser in {seconds:.1f} s, {folds} folds opened")


def broken_site(site, tmp_path, page, old, new):
    copy = tmp_path / "html"
    shutil.copytree(site, copy)
    path = copy / page
    text = path.read_text(encoding="utf-8")
    assert re.search(old, text), f"{old!r} is no longer in {page}: update this test"
    path.write_text(re.sub(old, new, text, count=1), encoding="utf-8")
    return copy


Q1 = "answers/q1_cross_entropy_vs_mse.html"
BROKEN_SITES = {
    # what MyST alone hands MathJax: GitHub's `\_` escape kept, so a subscript typesets as a literal underscore
    "escaped-underscore": (Q1, r"(<span class=\"math notranslate nohighlight\">\\\([^<_]*)_", r"\1\\_",
                           "TeX differs from GitHub's"),
    "mathjax-error": (Q1, r"</article>", r"<p><span class='math'>\\(x^\\)</span></p></article>", "MathJax error"),
    "missing-figure": (Q1, r'(<img[^>]* src="../_images/)[^"]+"', r'\1gone.png"', "image not loaded"),
    "dead-anchor": ("answers/q2_convexity.html", r"</article>",
                    "<a href='q1_cross_entropy_vs_mse.html#no-such-heading'>Q1</a></article>", "dead anchor"),
    "dead-link": ("README.html", r"</article>", "<a href='answers/q9.html'>Q9</a></article>", "dead link"),
    "cdn-script": (Q1, r'src="../_static/mathjax/tex-svg.js[^"]*"',
                   'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js"', "request leaves the site"),
    "console-error": ("answers/q3_feedforward.html", r"</body>", "<script>console.error('broken')</script></body>",
                      "console error: broken"),
    # a fold that starts open, one without a summary, and one whose math was left as text (what a fold parsed
    # as raw HTML shows), and one whose formula MathJax never reached
    "open-fold": ("README.html", r"<details>", "<details open>", "fold open before a reader opens it"),
    "fold-without-summary": ("README.html", r"</article>", "<details><p>hidden</p></details></article>",
                             "fold without a <summary>"),
    "raw-tex-in-fold": ("README.html", r"</article>",
                        "<details><summary>s</summary><p>$x^2$</p></details></article>", "raw TeX in fold"),
    "math-not-typeset-in-fold": ("README.html", r"</article>",
                                 "<details><summary>t</summary><p><span class='math'>x</span></p></details></article>",
                                 "math in fold not typeset once opened"),
}


@pytest.mark.parametrize("case", list(BROKEN_SITES))
def test_the_browser_check_fails_on_a_broken_copy(site, browser, tmp_path, case):
    page, old, new, expected = BROKEN_SITES[case]
    report = check_pages(browser, broken_site(site, tmp_path, page, old, new), [page])
    assert any(expected in problem for problem in report[page]), report[page]


def sidebar_titles(site):
    """The link texts of the landing page's sidebar navigation, by caption."""
    nav = re.search(r'<nav class="[^"]*bd-docs-nav[^"]*".*?</nav>', (site / "index.html").read_text(), re.S).group(0)
    titles, caption = {}, None
    for m in re.finditer(r'<p aria-level="2" class="caption"[^>]*>.*?<span class="caption-text">(.*?)</span>'
                         r'|<a class="reference internal" href="[^"]*">(.*?)</a>', nav, re.S):
        if m.group(1) is not None:
            caption = html_unescape(m.group(1)).strip()
        else:
            titles.setdefault(caption, []).append(html_unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip())
    return titles


def test_the_sidebar_titles_are_distinct(site):
    titles = sidebar_titles(site)
    assert {"Answers", "Notebooks", "For maintainers"} <= titles.keys(), titles
    flat = [t for group in titles.values() for t in group]
    assert len(flat) == len(set(flat)), titles
    # no answer and notebook of the same question share more than their question number
    for answer, notebook in zip(titles["Answers"], titles["Notebooks"], strict=True):
        assert notebook.endswith("notebook: the evidence") and notebook.split()[0] in answer, (answer, notebook)


def test_quick_start_comes_before_the_first_table_or_figure(site):
    landing = article((site / "index.html").read_text())
    quick = landing.find('id="quick-start"')
    first = min(i for i in (landing.find("<table"), landing.find("<img")) if i >= 0)
    assert 0 <= quick < first, "the landing page's Quick start is below a table or a figure"


def test_search_finds_the_answers(site, browser):
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto((site / "search.html").as_uri() + "?q=LeNet")
    results = page.locator("#search-results li a")
    results.first.wait_for(timeout=20_000)
    hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any("answers/q4_lenet5_vs_resnet18.html" in h for h in hrefs), hrefs
    assert any("notebooks/q4_lenet5_vs_resnet18.html" in h for h in hrefs), hrefs
    page.close()
