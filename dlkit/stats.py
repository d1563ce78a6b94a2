"""How sure is a gap between two models? Welch's t-test over per-seed scores, with SciPy.

`welch(a, b)` tests mean(b) - mean(a) with `scipy.stats.ttest_ind(b, a, equal_var=False)`
(unequal variances, Welch-Satterthwaite degrees of freedom) and reports the gap's 95%
confidence interval. The verdict follows from the interval alone:

    "ahead"         the whole interval is above 0 (b beats a; p < 0.05)
    "behind"        the whole interval is below 0
    "within noise"  the interval contains 0
    "untested"      a side has fewer than 2 scores (or neither side varies): no spread, no test
"""
from __future__ import annotations

import math
import statistics

from scipy import stats as scipy_stats

CONFIDENCE = 0.95


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    return float(2 * scipy_stats.t.sf(abs(t), df))


def verdict(ci_low: float | None, ci_high: float | None) -> str:
    """'ahead', 'behind' or 'within noise' from a confidence interval of the gap; 'untested' without one."""
    if ci_low is None or ci_high is None:
        return "untested"
    if ci_low > 0:
        return "ahead"
    if ci_high < 0:
        return "behind"
    return "within noise"


def welch(a: list[float], b: list[float], confidence: float = CONFIDENCE) -> dict:
    """Welch's unequal-variance t-test of mean(b) - mean(a).

    Returns the gap, both sample sizes and standard deviations, t, the Welch-Satterthwaite degrees
    of freedom, the two-sided p-value, the `confidence` interval of the gap and the verdict.
    t, df, p and the interval are None when a side has fewer than 2 values or neither side varies.
    """
    gap = statistics.fmean(b) - statistics.fmean(a)
    out = {"gap": gap, "n": [len(a), len(b)],
           "std": [statistics.stdev(s) if len(s) > 1 else None for s in (a, b)],
           "t": None, "df": None, "p": None, "confidence": confidence, "ci": None, "verdict": "untested"}
    if min(len(a), len(b)) < 2 or out["std"] == [0.0, 0.0]:
        return out
    result = scipy_stats.ttest_ind(b, a, equal_var=False)
    interval = result.confidence_interval(confidence)
    ci = [float(interval.low), float(interval.high)]
    t, df = float(result.statistic), float(result.df)
    assert math.isfinite(t) and math.isfinite(df), (a, b)
    return {**out, "t": t, "df": df, "p": t_two_sided_p(t, df), "ci": ci, "verdict": verdict(*ci)}
