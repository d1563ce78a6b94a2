"""Every formula in README.md and answers/*.md must render on GitHub.

Two checks:

* a lint for the places where GitHub's Markdown changes dollar-math before MathJax
  sees it (the rules, and the extraction itself, are in tests/markdown_math.py; every
  failure names file:line, the formula and the fix);
* every formula, as MathJax will receive it, is parsed by MathJax 3 under Node
  (tests/mathjax/check_tex.js, installed by `make test`), with undefined macros and
  unbalanced braces as errors.
"""
import json
import os
import shutil
import subprocess

import pytest
from markdown_math import NAMED, Formula, extract, extract_repo

from dlkit.data import REPO_ROOT

MATHJAX_DIR = REPO_ROOT / "tests" / "mathjax"
CHECK_TEX = MATHJAX_DIR / "check_tex.js"


NODE_HINT = "install it from https://nodejs.org or with: sudo apt install nodejs npm"
# as in the Makefile
NO_NODE = f"math-rendering and book tests skipped: Node.js (node and npm) is missing; {NODE_HINT}"


def in_ci() -> bool:
    """CI set and not to 0 or false, as in the Makefile: there the MathJax check is required."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def require_mathjax():
    """Skip (fail under CI) the tests that run MathJax when Node.js or tests/mathjax/node_modules is missing."""
    if shutil.which("node") is None:
        if in_ci():
            pytest.fail("Node.js (node and npm) is missing, and the math-rendering test needs it under "
                        f"CI={os.environ['CI']}; {NODE_HINT}", pytrace=False)
        pytest.skip(NO_NODE)
    if not (MATHJAX_DIR / "node_modules" / "mathjax-full").is_dir():
        msg = ("MathJax checker unavailable (tests/mathjax/node_modules is not installed): run `make test`, "
               "which installs it with `npm ci --prefix tests/mathjax`")
        if in_ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


def run_mathjax(formulas):
    """Parse every formula with MathJax in one Node process; return its failures."""
    require_mathjax()
    payload = json.dumps([{"tex": f.tex, "display": f.display, "where": f.where} for f in formulas])
    proc = subprocess.run(["node", str(CHECK_TEX)], input=payload, capture_output=True,
                          text=True, timeout=300, cwd=MATHJAX_DIR)
    assert proc.returncode in (0, 1), f"check_tex.js crashed (rc={proc.returncode}):\n{proc.stderr}"
    failures = json.loads(proc.stdout)
    assert (proc.returncode == 1) == bool(failures), proc.stdout + proc.stderr
    return failures


def format_failures(failures):
    return "\n".join(f"{f['where']}: MathJax: {f['error']}\n    {f['tex']}" for f in failures)


# ----------------------------------------------------------------------------- the repo


def test_markdown_math_lint():
    _, problems = extract_repo()
    assert not problems, (f"{len(problems)} Markdown math problem(s) (rules in tests/markdown_math.py):\n"
                          + "\n".join(map(str, problems)))


def test_markdown_math_parses_with_mathjax():
    formulas, _ = extract_repo()
    failures = run_mathjax(formulas)
    assert not failures, (f"{len(failures)} of {len(formulas)} formula(s) do not parse "
                          "(shown as MathJax receives them, after Markdown escapes):\n"
                          + format_failures(failures))


# ----------------------------------------------------------------------------- self-tests

GOOD = r"""# Title

Softmax Jacobian $p\_i(\delta\_{ij} - p\_j)$ on $\\{0, 1\\}$, with `$not_math$` in code,
the $`x_i`$ form, a price of \$5, and $a < b$ and $\\|w\\|\_2^2$ and $50\\%$ and $\ast$.

$$
H = X^\top \mathrm{diag}(p(1-p)) X
$$

$$
\begin{aligned}
a &= b \\\\
c &= \frac{1}{2}
\end{aligned}
$$

```python
x = a_b * c_d  # $unbalanced
```

```math
\frac{\partial L}{\partial z_i} = p_i - y_i \\ \{0, 1\}
```
"""


def test_correct_text_passes_lint_and_mathjax():
    formulas, problems = extract(GOOD, "good.md")
    assert problems == []
    got = [(f.where, f.tex, f.display) for f in formulas]
    assert got == [
        ("good.md:3", r"p_i(\delta_{ij} - p_j)", False),
        ("good.md:3", r"\{0, 1\}", False),
        ("good.md:4", "x_i", False),
        ("good.md:4", "a < b", False),
        ("good.md:4", r"\|w\|_2^2", False),
        ("good.md:4", r"50\%", False),
        ("good.md:4", r"\ast", False),
        ("good.md:6", r"H = X^\top \mathrm{diag}(p(1-p)) X", True),
        ("good.md:10", "\\begin{aligned}\na &= b \\\\\nc &= \\frac{1}{2}\n\\end{aligned}", True),
        ("good.md:21", r"\frac{\partial L}{\partial z_i} = p_i - y_i \\ \{0, 1\}", True),
    ]
    assert run_mathjax(formulas) == []


def test_mathjax_reports_bad_tex():
    bad = [Formula("bad.md:1", r"\frac{a}{b", r"\frac{a}{b", False, True),
           Formula("bad.md:2", r"\notamacro x", r"\notamacro x", True, True),
           Formula("bad.md:3", r"\frac{a}{b}", r"\frac{a}{b}", False, True)]
    failures = run_mathjax(bad)
    assert [f["where"] for f in failures] == ["bad.md:1", "bad.md:2"]
    assert "brace" in failures[0]["error"].lower()
    assert r"\notamacro" in failures[1]["error"]


def test_suggested_macros_exist():
    tex = " ".join(["a", *NAMED.values(), r"\ast \lt \vert \lvert x \rvert \lVert w \rVert b"])
    assert run_mathjax([Formula("hints", tex, tex, False, False)]) == []


def test_mathjax_sees_the_unescaped_text():
    # `\{` in $...$ reaches MathJax as `{`: lint rule (c) flags it; MathJax then sees
    # unbalanced braces here.
    formulas, problems = extract(r"Set $\{0, 1\}$ and $\{0$", "esc.md")
    assert [f.tex for f in formulas] == ["{0, 1}", "{0"]
    assert {p.rule for p in problems} == {"c"}
    assert [f["where"] for f in run_mathjax(formulas)] == ["esc.md:1"]


@pytest.mark.parametrize("text, rule", [
    (r"Jacobian $p_i(\delta_{ij} - p_j)$.", "a"),
    (r"$a \\_ b$", "a"),
    (r"$a * b$", "b"),
    (r"$\{0, 1\}$", "c"),
    (r"$a\,b$", "c"),
    (r"$\|w\|$", "c"),
    (r"$50\%$", "c"),
    ("$$x = 1$$", "d"),
    ("Inline $$x$$ display", "d"),
    ("$$\nx\n\ny\n$$", "d-blank"),
    ("$$\nx\n- y\n$$", "d-block"),
    ("$$\nx\n", "d-open"),
    ("$$\na $ b\n$$", "d-dollar"),
    ("costs $5 today", "e"),
    ("$a +\nb$", "e"),
    ("$ x $", "e-space"),
    ("$a `b` c$", "e-tick"),
    ("$$\na \\\\\nb\n$$", "f"),
    ("$50%$", "g"),
    ("$a<b>c$", "h"),
    ("$x = <!--q:demo:acc:pct2-->98%<!--/q-->$", "h"),
    ("$a &amp; b$", "h"),
    ("| $|x|$ | 1 |", "t"),
])
def test_lint_flags(text, rule):
    _, problems = extract(text, "bad.md")
    assert rule in {p.rule for p in problems}, problems
    assert all(str(p).startswith("bad.md:") for p in problems)


@pytest.mark.parametrize("text", [
    r"$p\_i(\delta\_{ij} - p\_j)$",
    r"$\\{0, 1\\}$",
    "$$\nH = X^\\top \\mathrm{diag}(p(1-p)) X\n$$",
    "$`x_i`$ and $``a`b``$",
    "`$x_i$` is code, and so is ``$a*b$``",
    "```\n$x_i$\n```",
    "~~~text\n$$x$$\n~~~",
    r"$a\ b$ and $a \cdot b$ and $p<q$ and $a \lt b$ and $\\%$",
    r"A price of \$5 and \$6.",
    "| $\\vert x \\vert$ | $\\lVert w \\rVert$ |\n|---|---|",
    "",
])
def test_lint_passes(text):
    assert extract(text, "ok.md")[1] == []


# ----------------------------------------------------------------------------- make test without Node.js

MAKE = shutil.which("make")


def make_without_node(tmp_path, *args, ci=None):
    """Run make in the repository with a PATH (an empty folder) that has no node or npm; make's $(shell)
    and recipes run /bin/sh by its full path, and the recipes run here use only shell builtins."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env["PATH"] = str(tmp_path)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([MAKE, "-C", str(REPO_ROOT), *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_test_without_node_skips_only_the_math_test(tmp_path):
    # -n: print the plan; -W: as if package.json had changed, so an `npm ci` would be due if it were wanted
    proc = make_without_node(tmp_path, "-n", "-W", "tests/mathjax/package.json", "test")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "npm ci" not in proc.stdout and "-m pytest -q tests" in proc.stdout
    assert proc.stdout.count(NO_NODE) == 1, proc.stdout   # the one line `make test` prints at the end


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_test_under_ci_requires_node(tmp_path):
    plan = make_without_node(tmp_path, "-n", "-W", "tests/mathjax/package.json", "test", ci="true")
    assert "npm ci --prefix tests/mathjax" in plan.stdout and NO_NODE not in plan.stdout
    # the real install step stops before npm, with the reason (nothing is written)
    proc = make_without_node(tmp_path, "-W", "tests/mathjax/package.json", "tests/mathjax/node_modules/.installed",
                             ci="true")
    assert proc.returncode != 0
    assert "Node.js (node and npm) is missing" in proc.stderr and "under CI=true" in proc.stderr, proc.stderr
