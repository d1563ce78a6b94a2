"""A student's answer first: each answer's running text stays within its word budget, and wide tables live in folds.

Budgets (issue 20), counting the words outside `<details>` folds, with formulas, HTML comments (quote markers)
and link targets aside: at most 250 words before an answer's first `## ` heading, at most 1,200 words in all
(1,500 for Q4), and no table outside a fold with more than 7 columns. The README has its own budget: 1,500 words.
"""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ANSWERS = sorted((REPO / "answers").glob("*.md"))
BUDGET = {"q4_lenet5_vs_resnet18.md": 1500}
DETAILS = re.compile(r"<details\b.*?</details>", re.S | re.I)
COMMENT = re.compile(r"<!--.*?-->", re.S)
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)[^$\n]+?\$")
CODE_FENCE = re.compile(r"```.*?```", re.S)
LINK_TARGET = re.compile(r"\]\([^)]*\)")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
WORD = re.compile(r"[^\W_]", re.U)      # a token counts as a word if it has a letter or a digit


def running_text(markdown: str) -> str:
    """What a reader reads without opening a fold: folds, comments, math, code and link targets removed."""
    for pattern in (DETAILS, COMMENT, CODE_FENCE, DISPLAY_MATH, INLINE_MATH, LINK_TARGET, HTML_TAG):
        markdown = pattern.sub(" ", markdown)
    return markdown


def count_words(text: str) -> int:
    return sum(1 for token in text.split() if WORD.search(token))


def before_first_section(markdown: str) -> str:
    match = re.search(r"^## ", markdown, re.M)
    return markdown[:match.start()] if match else markdown


def table_widths(text: str) -> list[int]:
    """The column count of every pipe table (read off its header separator row)."""
    return [line.strip().strip("|").count("|") + 1 for line in text.splitlines()
            if re.fullmatch(r"\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*", line)]


@pytest.mark.parametrize("path", ANSWERS, ids=lambda p: p.name)
def test_answer_fits_its_budget(path):
    text = path.read_text()
    opening = count_words(running_text(before_first_section(text)))
    total = count_words(running_text(text))
    budget = BUDGET.get(path.name, 1200)
    assert opening <= 250, f"{path.name}: {opening} words before the first '## ' heading (budget 250)"
    assert total <= budget, f"{path.name}: {total} words outside folds (budget {budget}); fold the proofs"
    wide = [w for w in table_widths(COMMENT.sub("", DETAILS.sub("", text))) if w > 7]
    assert not wide, f"{path.name}: a table outside a fold has {max(wide)} columns (at most 7)"


def test_readme_fits_its_budget():
    words = count_words(running_text((REPO / "README.md").read_text()))
    assert words <= 1500, f"README.md: {words} words (budget 1,500); maintainers' details go in MAINTAINING.md"


def test_the_counter_sees_what_a_reader_sees():
    """A broken copy fails: words outside a fold count, inside do not; a wide table outside a fold is caught."""
    body = "word " * 300
    assert count_words(running_text(f"# Q\n{body}\n## A\n")) == 302
    assert count_words(running_text(f"# Q\n<details><summary>Proof</summary>\n\n{body}\n</details>\n")) == 1
    assert count_words(running_text("a $x + y = z$ b <!--q:f:p:f2-->1.5<!--/q--> [c](http://x.y/z)")) == 4
    wide = "| a | b | c | d | e | f | g | h |\n|---|---|---|---|---|---|---|---|\n"
    assert table_widths(wide) == [8] and table_widths("|a|b|\n|---|---:|\n") == [2]
