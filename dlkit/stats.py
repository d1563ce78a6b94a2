"""How sure is a gap between two models? Welch's t-test over per-seed scores.

Pure Python (no SciPy): the two-sided p-value uses the regularised incomplete beta
function, evaluated by its continued fraction.
"""
from __future__ import annotations

import math
import statistics


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b), by its continued fraction (modified Lentz)."""
    if x <= 0.0 or x >= 1.0:
        return max(0.0, min(1.0, x))
    if x > (a + 1) / (a + b + 2):          # the fraction converges fast only on this side
        return 1.0 - _betainc(b, a, 1.0 - x)
    tiny = 1e-300

    def guard(v: float) -> float:
        return v if abs(v) > tiny else tiny

    c, d = 1.0, 1.0 / guard(1.0 - (a + b) * x / (a + 1))
    h = d
    for m in range(1, 300):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),              # even step
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):   # odd step
            d = 1.0 / guard(1.0 + num * d)
            c = guard(1.0 + num / c)
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    return math.exp(log_front) * h / a


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    return _betainc(df / 2, 0.5, df / (df + t * t))


def welch(a: list[float], b: list[float]) -> dict:
    """Welch's unequal-variance t-test of mean(b) - mean(a); needs at least 2 values on each side.

    Returns the gap, both standard deviations, t, the Welch-Satterthwaite degrees of freedom and
    the two-sided p-value; t, df and p are None when a side has fewer than 2 values.
    """
    gap = statistics.fmean(b) - statistics.fmean(a)
    out = {"gap": gap, "n": [len(a), len(b)],
           "std": [statistics.stdev(s) if len(s) > 1 else None for s in (a, b)],
           "t": None, "df": None, "p": None}
    if min(len(a), len(b)) < 2:
        return out
    va, vb = (statistics.variance(s) / len(s) for s in (a, b))
    se = math.sqrt(va + vb)
    if se == 0:
        return out
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    t = gap / se
    return {**out, "t": t, "df": df, "p": t_two_sided_p(t, df)}
