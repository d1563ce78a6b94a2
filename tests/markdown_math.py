r"""The formulas of README.md and answers/*.md, as GitHub hands them to MathJax.

One extraction, shared by the math test (tests/test_math.py: lint + MathJax parse), the book
(book/book_ext.py typesets exactly this TeX) and the book's test (tests/test_book.py compares
the TeX the browser typeset with it). No dependency beyond the standard library, so that the
book build can import it without the project's heavy packages.

Math forms recognised (outside fenced code blocks and `code spans`):

    $...$            inline, on one line; the content goes through CommonMark
                     backslash escapes before MathJax sees it
    $$               display: each `$$` alone on its own line, content in between,
    ...              also through backslash escapes
    $$
    $`...`$          inline, taken literally (no escapes, no emphasis): safest form
    ```math          display, taken literally
    ...
    ```

Backslash escapes: GitHub turns a backslash before ASCII punctuation into the bare
character before MathJax runs, so in $...$ / $$ math  \\ -> \,  \_ -> _,  \* -> *,
\{ -> {,  \, -> ,,  \| -> |,  \% -> %  ...  (a backslash before a letter, digit or
space stays).

Lint rules for $...$ and $$...$$ math (the $`...`$ and ```math forms are exempt):

  (a) every `_` is written `\_`: a bare `_` can pair with another one and become
      italics.  Fix: `\_`, or the $`...`$ / ```math form.
  (b) every `*` is written `\ast` or `\*`: a bare `*` can become emphasis.
  (c) no single backslash before ASCII punctuation other than `\_`, `\*` and `\\`:
      Markdown eats it (`\{` reaches MathJax as `{`, `\,` as `,`, `\|` as `|`,
      `\%` as `%`).  Fix: double it (`\\{`, `\\,`, `\\|`, `\\%`), use a named macro
      (`\lbrace`, `\rbrace`, `\Vert`, `\thinspace`), or the $`...`$ / ```math form.
  (d) `$$` display math: the opening and the closing `$$` each alone on their own
      line (never `$$x$$`); no blank line inside; no content line that Markdown would
      start a block with (`- x`, `+ x`, `* x`, `# x`, `> x`, `1. x`, `1) x`, or a line
      of only `=` or only `-`); no bare `$` inside; the block must be closed.
  (e) every `$` in prose is balanced on its line: inline $...$ opens and closes on
      the same line, has no space just inside the dollars and no backtick in it.
      A literal dollar sign in prose is written `\$`.
  (f) a TeX line break inside $$ math is written `\\\\` (Markdown halves it to `\\`;
      a plain `\\` reaches MathJax as a control space), or use ```math.
  (g) no `%` may reach MathJax (it starts a TeX comment that swallows the rest of
      the formula): a percent sign is written `\\%`.
  (h) nothing Markdown reads as HTML: a tag `<b>`, `</b>`, a comment `<!--`, an
      autolink `<http://...>` or an entity `&amp;`.  Fix: a space after `<` (or
      `\lt`), or the $`...`$ / ```math form.  (So quote markers stay outside math.)
  (t) in a table row (a line starting with `|`), no bare `|` in $...$: it splits the
      cell.  Use `\vert`, `\lvert`/`\rvert`, `\Vert`.
"""
import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark backslash escape
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")  # any indent: fences in list items too
DISPLAY_DELIM = re.compile(r"^\s*\$\$\s*$")
# Lines that interrupt a paragraph (the `$$` block is paragraph text to Markdown).
BLOCK_START = re.compile(r"^\s*(?:[-+*]\s+\S|#{1,6}(?:\s|$)|>|1[.)]\s+\S|=+\s*$|-+\s*$|(?:-\s*){3,}$)")
HTML = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"  # open tag
    r"|/[A-Za-z][A-Za-z0-9-]*\s*>"  # closing tag
    r"|!--|\?|![A-Za-z]|!\[CDATA\["  # comment, processing instruction, declaration
    r"|[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>)"  # autolink
    r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"  # entity
)

NAMED = {"{": "\\lbrace", "}": "\\rbrace", "|": "\\Vert", ",": "\\thinspace",
         "!": "\\negthinspace"}

RULES = {
    "a": "bare `_` (GitHub may pair it with another `_` as italics): write `\\_`, "
         "or use the $`...`$ / ```math form",
    "b": "bare `*` (GitHub may read it as emphasis): write `\\ast` or `\\*`",
    "c": "Markdown drops the backslash of `\\{punct}`, so MathJax sees a bare `{punct}`: "
         "write `\\\\{punct}`{named}, or use the $`...`$ / ```math form",
    "d": "`$$` display math: put the opening and closing `$$` alone on their own lines",
    "d-blank": "blank line inside a `$$` block ends the paragraph: remove it",
    "d-block": "this line would start a Markdown list/heading/quote inside the `$$` block: "
               "move the leading symbol to the end of the previous line or wrap it in `{}`",
    "d-open": "`$$` block is never closed",
    "d-dollar": "bare `$` inside a `$$` block: write `\\\\$` for a dollar sign",
    "e": "unbalanced `$`: inline math must open and close on one line; "
         "a literal dollar sign in prose is written `\\$`",
    "e-space": "no space just inside `$...$` (write `$x$`, not `$ x $`); "
               "if these are dollar signs in prose, write `\\$`",
    "e-tick": "backtick inside `$...$` (a code span would take over): use the $`...`$ form",
    "f": "`\\\\` followed by a space/end reaches MathJax as `\\` (Markdown halves it): "
         "for a line break write `\\\\\\\\`, or use ```math",
    "g": "`%` reaches MathJax and starts a TeX comment that swallows the rest: "
         "write `\\\\%` for a percent sign",
    "h": "Markdown would read `{html}` as HTML: put a space after `<` (or use \\lt), "
         "avoid `&name;`, or use the $`...`$ / ```math form",
    "t": "bare `|` in math in a table row splits the cell: use \\vert, \\lvert/\\rvert or \\Vert",
}


@dataclass
class Formula:
    where: str        # "file:line"
    raw: str          # as written in the Markdown (between the delimiters)
    tex: str          # what MathJax receives
    display: bool
    escaped: bool     # True for $...$ / $$...$$ (CommonMark escapes apply and the lint runs)


@dataclass
class Problem:
    where: str
    rule: str
    text: str         # the offending formula or line
    hint: str

    def __str__(self):
        return f"{self.where}: ({self.rule}) {self.hint}\n    {self.text}"


def unescape(raw):
    """CommonMark backslash escapes: a backslash before ASCII punctuation disappears."""
    return ESCAPE.sub(r"\1", raw)


def _unescape_marked(raw):
    """Like unescape(), but returns [(char, came_from_escape)]."""
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw) and raw[i + 1] in ASCII_PUNCT:
            out.append((raw[i + 1], True))
            i += 2
        else:
            out.append((raw[i], False))
            i += 1
    return out


def lint_formula(raw, where, display, in_table=False):
    """Rules a, b, c, f, g, h, t (and d-dollar) for one $...$ / $$...$$ formula."""
    problems, seen = [], set()

    def add(rule, hint):
        if (rule, hint) not in seen:
            seen.add((rule, hint))
            problems.append(Problem(where, rule, raw, hint))

    # On the text as written: bare _ * $ (a backslash pair is consumed as a unit).
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw) and raw[i + 1] in ASCII_PUNCT:
            i += 2
            continue
        if ch == "_":
            add("a", RULES["a"])
        elif ch == "*":
            add("b", RULES["b"])
        elif ch == "$" and display:
            add("d-dollar", RULES["d-dollar"])
        elif ch == "|" and in_table:
            add("t", RULES["t"])
        i += 1

    m = HTML.search(raw)
    if m:
        add("h", RULES["h"].format(html=m.group(0)))

    # On the text MathJax receives, tokenised as TeX.
    chars = _unescape_marked(raw)
    i = 0
    while i < len(chars):
        ch, from_escape = chars[i]
        if ch == "\\":
            nxt = chars[i + 1][0] if i + 1 < len(chars) else ""
            if nxt == "" or nxt.isspace():
                if from_escape:
                    add("f", RULES["f"])
                i += 1
            elif nxt.isalpha():
                i += 2
                while i < len(chars) and chars[i][0].isalpha():
                    i += 1
            else:
                i += 2  # control symbol such as \{ \, \\ (its second char is fine)
            continue
        if from_escape and ch not in "_*":
            named = f" or `{NAMED[ch]}`" if ch in NAMED else ""
            add("c", RULES["c"].format(punct=ch, named=named))
        elif ch == "%":
            add("g", RULES["g"])
        i += 1
    return problems


def _run(line, i):
    """Length of the backtick run starting at i."""
    return len(line[i:]) - len(line[i:].lstrip("`"))


def _code_span_end(line, i):
    """If a backtick run starts at i, return the index after its matching closing run."""
    n = _run(line, i)
    j = i + n
    while True:
        k = line.find("`" * n, j)
        if k < 0:
            return None
        m = k + n
        while m < len(line) and line[m] == "`":
            m += 1
        if m - k == n:
            return m
        j = m


def _scan_inline(line, where, formulas, problems):
    in_table = line.lstrip().startswith("|")
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and line[i + 1] in ASCII_PUNCT:
            i += 2
        elif ch == "$" and line.startswith("$`", i):
            n = _run(line, i + 1)
            close = line.find("`" * n + "$", i + 1 + n)
            while close >= 0 and line[close - 1] == "`" and close - 1 >= i + 1 + n:
                close = line.find("`" * n + "$", close + 1)  # longer run: not ours
            if close < 0:
                problems.append(Problem(where, "e", line.strip(), RULES["e"]))
                return
            body = line[i + 1 + n:close]
            if len(body) >= 2 and body[0] == " " and body[-1] == " " and body.strip():
                body = body[1:-1]
            formulas.append(Formula(where, body, body, display=False, escaped=False))
            i = close + n + 1
        elif ch == "`":
            end = _code_span_end(line, i)
            i = end if end is not None else i + _run(line, i)
        elif ch == "$":
            if line.startswith("$$", i):
                problems.append(Problem(where, "d", line.strip(), RULES["d"]))
                return
            j = i + 1
            while j < len(line):
                if line[j] == "\\" and j + 1 < len(line) and line[j + 1] in ASCII_PUNCT:
                    j += 2
                elif line[j] == "$":
                    break
                else:
                    j += 1
            if j >= len(line):
                problems.append(Problem(where, "e", line.strip(), RULES["e"]))
                return
            raw = line[i + 1:j]
            if not raw.strip() or raw != raw.strip():
                problems.append(Problem(where, "e-space", f"${raw}$", RULES["e-space"]))
            if "`" in raw:
                problems.append(Problem(where, "e-tick", f"${raw}$", RULES["e-tick"]))
            formulas.append(Formula(where, raw, unescape(raw), display=False, escaped=True))
            problems.extend(lint_formula(raw, where, display=False, in_table=in_table))
            i = j + 1
        else:
            i += 1


def extract(text, name):
    """All formulas in one Markdown text, plus the structural (d, e) lint problems."""
    formulas, problems = [], []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line, lineno = lines[i], i + 1
        where = f"{name}:{lineno}"
        fence = FENCE.match(line)
        if fence:
            marker, info = fence.group(2), fence.group(3).strip()
            body, j = [], i + 1
            close = re.compile(r"^\s*" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}\s*$")
            while j < len(lines) and not close.match(lines[j]):
                body.append(lines[j])
                j += 1
            if info.split()[:1] == ["math"]:
                tex = "\n".join(body)
                formulas.append(Formula(where, tex, tex, display=True, escaped=False))
            i = j + 1
            continue
        if DISPLAY_DELIM.match(line):
            body, j = [], i + 1
            while j < len(lines) and not DISPLAY_DELIM.match(lines[j]):
                body.append(lines[j])
                j += 1
            if j >= len(lines):
                problems.append(Problem(where, "d-open", line.strip(), RULES["d-open"]))
                i = j
                continue
            for k, content in enumerate(body, start=lineno + 1):
                if not content.strip():
                    problems.append(Problem(f"{name}:{k}", "d-blank", "(blank line)", RULES["d-blank"]))
                elif BLOCK_START.match(content):
                    problems.append(Problem(f"{name}:{k}", "d-block", content.strip(), RULES["d-block"]))
            raw = "\n".join(body)
            formulas.append(Formula(where, raw, unescape(raw), display=True, escaped=True))
            problems.extend(lint_formula(raw, where, display=True))
            i = j + 1
            continue
        _scan_inline(line, where, formulas, problems)
        i += 1
    return formulas, problems


def extract_repo():
    """Formulas and lint problems of every Markdown file a reader sees (dlkit.quote.markdown_files)."""
    from dlkit.quote import markdown_files  # here: the book imports this module without dlkit's packages

    formulas, problems = [], []
    for path in markdown_files():
        f, p = extract(path.read_text(encoding="utf-8"), str(path.relative_to(REPO_ROOT)))
        formulas += f
        problems += p
    return formulas, problems


