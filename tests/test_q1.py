"""Q1's answer states its bounds honestly, and its notebook's "wrote ..." message names the file really written.

A bound ("agrees to within 1.2e-16", "within ±0.35 points") must not be rounded below the value it
bounds: 1.11e-16 shown as "1e-16" claims more than was measured. Each check has a self-test on a broken
copy below it.
"""
import re
from pathlib import Path

import pytest

from dlkit import quote, results
from dlkit.data import REPO_ROOT

Q1 = REPO_ROOT / "answers" / "q1_cross_entropy_vs_mse.md"
# a quoted number that follows "within" (optionally "±" or "$\pm$") is a bound
BOUND = re.compile(r"within\s*(?:±|\$\\pm\$)?\s*" + quote.QUOTE.pattern)


def shown_number(text: str, fmt: str) -> float:
    """The number a reader sees, in the JSON's units (a percentage or points back to a fraction)."""
    number = float(re.sub(r"[%×,+\s]", "", text).replace("−", "-"))
    return number / 100 if fmt.removeprefix("up").startswith(("pct", "pp")) else number


def bounds_rounded_down(markdown: str, read=quote.read_committed) -> list[str]:
    problems = []
    for m in BOUND.finditer(markdown):
        value = abs(quote.lookup(read(m["file"]), m["path"]))
        if abs(shown_number(m["value"], m["fmt"])) < value:
            problems.append(f"{m['path']}: the text says within {m['value']}, the measured value is {value:.3g}")
    return problems


def test_q1_bounds_are_not_rounded_below_their_values():
    text = Q1.read_text()
    assert BOUND.search(text), "no bound found: has the wording changed?"
    assert bounds_rounded_down(text) == []


def test_a_bound_rounded_down_is_caught():
    data = {"err": 1.1102230246251565e-16, "half": 0.00341}
    read = {"demo": data}.__getitem__
    good = ("agrees to within <!--q:demo:err:upe1-->1.2e-16<!--/q-->, "
            "gap within ±<!--q:demo:half:uppp2-->0.35<!--/q--> points")
    assert quote.format_value(data["err"], "upe1") == "1.2e-16" and quote.format_value(data["half"], "uppp2") == "0.35"
    assert bounds_rounded_down(good, read) == []
    broken = good.replace("upe1-->1.2e-16", "e0-->1e-16").replace("uppp2-->0.35", "pp2-->+0.34")
    assert len(bounds_rounded_down(broken, read)) == 2


@pytest.mark.parametrize("value, fmt, shown", [(3.32e-9, "upe1", "3.4e-09"), (1.73e-16, "upe1", "1.8e-16"),
                                               (9.96e-5, "upe1", "1.0e-04"), (1e-16, "upe0", "1e-16"),
                                               (0.0034, "uppp2", "0.34"), (-0.0031, "uppp2", "0.31")])
def test_round_up_never_goes_below(value, fmt, shown):
    assert quote.format_value(value, fmt) == shown


def test_the_path_written_is_shown_from_the_repository():
    assert results.shown_path(REPO_ROOT / "results" / "smoke" / "q1.json") == str(Path("results/smoke/q1.json"))
    assert results.shown_path(Path("/elsewhere/q1.json")) == "/elsewhere/q1.json"
