"""Keep the numbers quoted in Markdown equal to results/*.json.

A quoted number is wrapped in two HTML comments that GitHub does not render:

    <!--q:q3_feedforward:assignment.test_acc.mean:pct2-->97.85%<!--/q-->

i.e. results file, dotted path into the JSON (list items by index), format.
A generated table sits between ``<!--table:NAME-->`` (or ``<!--table:NAME:ARG-->``, e.g.
``<!--table:q4_results:cpu-->``) and ``<!--/table-->``; NAME is a function of dlkit.tables,
called with ARG when there is one.

    python -m dlkit.quote --check FILE...   # exit 1 and list every mismatch
    python -m dlkit.quote --write FILE...   # rewrite the values from the JSON
"""
from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

from .data import REPO_ROOT
from .results import ResultsError, read_committed

QUOTE = re.compile(r"<!--q:(?P<file>[\w.-]+):(?P<path>[\w.\-\[\]]+):(?P<fmt>\w+)-->(?P<value>.*?)<!--/q-->")
TABLE = re.compile(r"(<!--table:(?P<name>\w+)(?::(?P<arg>\w+))?-->\n)(?P<body>.*?)(<!--/table-->)", re.S)


def markdown_files() -> list[Path]:
    """The Markdown a reader sees: README.md, MAINTAINING.md and answers/*.md (what quotes and formulas live in)."""
    files = [REPO_ROOT / "README.md", REPO_ROOT / "MAINTAINING.md", *sorted((REPO_ROOT / "answers").glob("*.md"))]
    return [p for p in files if p.is_file()]


def lookup(data, path: str):
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def format_value(value, fmt: str) -> str:
    """pctN: 0.9785 -> 97.85% (N decimals); fN: fixed point; eN: 1.2e-04; gN: N significant digits (0.0046);
    int: 1,234; xN: 8.3×; absppN: 0.0080 -> 0.80 (points, no sign); s: the value as text;
    cpu: a device name as in the legends (Intel(R) Xeon(R) -> Intel Xeon);
    rangeN: {"min": 1201.5, "max": 1230} (or min_s / max_s, or [lo, hi]) -> 1,201.5–1,230.0;
    upeN, upfN, upppN: a bound ("to within ..."), its magnitude rounded UP, never below the measured value:
    1.11e-16 -> 1.2e-16 (upe1), 0.00341 -> 0.35 (uppp2, points, no sign)."""
    if fmt == "s":
        return str(value)
    if fmt == "cpu":   # a device name, shortened as in the figures' legends
        from .plots import short_device
        return short_device(str(value))
    if fmt.startswith("up"):
        return round_up(value, fmt[2:])
    kind, digits = fmt.rstrip("0123456789"), fmt[len(fmt.rstrip("0123456789")):]
    n = int(digits) if digits else 0
    if kind == "range":   # a benchmark summary (dlkit.bench) or a pair
        if isinstance(value, dict):
            value = (value["min"], value["max"]) if "min" in value else (value["min_s"], value["max_s"])
        lo, hi = value
        return f"{lo:,.{n}f}–{hi:,.{n}f}"
    if kind == "pct":
        return f"{100 * value:.{n}f}%"
    if kind == "pp":
        return f"{100 * value:+.{n}f}"
    if kind == "abspp":   # a distance in points, no sign, rounded to nearest
        return f"{abs(100 * value):.{n}f}"
    if kind == "f":
        return f"{value:.{n}f}"
    if kind == "e":
        return f"{value:.{n}e}"
    if kind == "g":
        return f"{value:.{n}g}"
    if kind == "int":
        return f"{int(round(value)):,}"
    if kind == "x":
        return f"{value:.{n}f}×"
    raise ValueError(f"unknown format {fmt!r}")


def round_up(value: float, fmt: str) -> str:
    """|value| rounded up at the last shown digit: eN (1.2e-16), fN (fixed point) or ppN (percentage points)."""
    kind, digits = fmt.rstrip("0123456789"), fmt[len(fmt.rstrip("0123456789")):]
    n, magnitude = int(digits) if digits else 0, abs(value)
    if kind == "e":
        if magnitude == 0:
            return f"{0:.{n}e}"
        exponent = math.floor(math.log10(magnitude))
        mantissa = math.ceil(magnitude / 10 ** exponent * 10 ** n * (1 - 1e-12)) / 10 ** n
        if mantissa >= 10:
            mantissa, exponent = mantissa / 10, exponent + 1
        return f"{mantissa:.{n}f}e{exponent:+03d}"
    if kind in ("f", "pp"):
        scaled = magnitude * (100 if kind == "pp" else 1) * 10 ** n
        return f"{math.ceil(scaled * (1 - 1e-12)) / 10 ** n:.{n}f}"
    raise ValueError(f"unknown rounded-up format {fmt!r}")


def render_table(name: str, arg: str | None = None) -> str:
    from . import tables
    render = getattr(tables, name)
    return render(arg) if arg is not None else render()


def sync(text: str) -> tuple[str, list[str]]:
    """Return (text with every quoted value and table regenerated, list of differences)."""
    problems: list[str] = []
    cache: dict[str, dict] = {}

    def quote(m: re.Match) -> str:
        data = cache.setdefault(m["file"], read_committed(m["file"]))
        try:
            value = lookup(data, m["path"])
        except (KeyError, IndexError, ValueError, TypeError):   # a non-numeric list index, or a null on the path
            problems.append(f"{m['file']}:{m['path']} is not in results/{m['file']}.json")
            return m.group(0)
        want = format_value(value, m["fmt"])
        if want != m["value"]:
            problems.append(f"{m['file']}:{m['path']} is {want}, text says {m['value']}")
        return m.group(0).replace(f"-->{m['value']}<!--/q-->", f"-->{want}<!--/q-->")

    def table(m: re.Match) -> str:
        want = render_table(m["name"], m["arg"]).rstrip("\n") + "\n"
        if want != m["body"]:
            problems.append(f"table {m['name']}{':' + m['arg'] if m['arg'] else ''} differs from its results")
        return m.group(1) + want + m.group(5)

    return TABLE.sub(table, QUOTE.sub(quote, text)), problems


def count_quotes(text: str) -> int:
    return len(QUOTE.findall(text)) + len(TABLE.findall(text))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="list every mismatch, exit 1 if any (the default)")
    mode.add_argument("--write", action="store_true", help="rewrite values from results/*.json")
    parser.add_argument("files", nargs="*", type=Path, help="Markdown files (default: README.md and answers/*.md)")
    args = parser.parse_args(argv)
    bad = 0
    for path in args.files or markdown_files():
        try:
            new, problems = sync(path.read_text())
        except ResultsError as e:   # a missing or truncated results/*.json: name it, no traceback
            print(f"{path}: cannot read the quoted results: {e}", file=sys.stderr)
            return 2
        for p in problems:
            print(f"{path}: {p}")
        bad += len(problems)
        if args.write and problems:
            path.write_text(new)
    return 1 if bad and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
