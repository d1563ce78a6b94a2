"""How sure is a gap between two models? Welch's t-test over per-seed scores, a per-image paired test that
needs no pairing of seeds (`per_image_test`), and McNemar's paired test over per-image predictions (for one
pair of runs, for seed i against seed i, or for every pairing of seeds: `mcnemar_all_pairs`), with SciPy;
Holm's adjustment for a family of tests.

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
import warnings

import numpy as np
from scipy import stats as scipy_stats

CONFIDENCE = 0.95
SIGN_FLIP_RESAMPLES = 9_999


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
    with warnings.catch_warnings():
        # A side whose values are all equal (a run stuck at one constant answer, say) trips SciPy's precision
        # warning; the test is still defined, by the other side's variance alone.
        warnings.filterwarnings("ignore", message="Precision loss occurred", category=RuntimeWarning)
        result = scipy_stats.ttest_ind(b, a, equal_var=False)
    interval = result.confidence_interval(confidence)
    ci = [float(interval.low), float(interval.high)]
    t, df = float(result.statistic), float(result.df)
    assert math.isfinite(t) and math.isfinite(df), (a, b)
    return {**out, "t": t, "df": df, "p": t_two_sided_p(t, df), "ci": ci, "verdict": verdict(*ci)}


def mcnemar(correct_a: list[bool], correct_b: list[bool], alpha: float = 1 - CONFIDENCE) -> dict:
    """McNemar's exact test of two classifiers scored on the same test images.

    Only the discordant images count: `b_only` that b gets right and a wrong, `a_only` the reverse.
    Under the null hypothesis (equal accuracy) each discordant image is a fair coin, so the two-sided
    p-value is a binomial test of b_only out of b_only + a_only (`scipy.stats.binomtest`). The verdict
    for b against a: "ahead" / "behind" when p < alpha, else "within noise".
    """
    if len(correct_a) != len(correct_b):
        raise ValueError(f"paired test needs the same images: {len(correct_a)} vs {len(correct_b)} predictions")
    b_only = sum(1 for x, y in zip(correct_a, correct_b) if y and not x)
    a_only = sum(1 for x, y in zip(correct_a, correct_b) if x and not y)
    discordant = a_only + b_only
    p = 1.0 if discordant == 0 else float(scipy_stats.binomtest(b_only, discordant, 0.5).pvalue)
    direction = "ahead" if b_only > a_only else "behind"
    return {"n": len(correct_a), "b_only": b_only, "a_only": a_only, "p": p,
            "verdict": direction if p < alpha else "within noise"}


def mcnemar_over_pairs(pairs: list[tuple[list[bool], list[bool]]]) -> dict:
    """McNemar's test for each (a, b) pair of runs given (Q3 passes every pairing of a run of a with a run of b)
    and one overall verdict: the pairs' common verdict when they all agree, else "mixed"."""
    tests = [mcnemar(a, b) for a, b in pairs]
    verdicts = {t["verdict"] for t in tests}
    return {"pairs": tests, "p_max": max(t["p"] for t in tests),
            "verdict": verdicts.pop() if len(verdicts) == 1 else "mixed"}


def spread_test(a: list[float], b: list[float]) -> dict:
    """Is b's seed-to-seed spread different from a's? The F-test of the variance ratio var(b) / var(a)
    (two-sided; it assumes normal scores) and Levene's test (`scipy.stats.levene`, median-centred, which
    does not). With three values a side both have little power: a large ratio can still be "not shown"."""
    var_a, var_b = statistics.variance(a), statistics.variance(b)
    ratio = var_b / var_a
    f = scipy_stats.f(len(b) - 1, len(a) - 1)
    p_f = float(min(1.0, 2 * min(f.cdf(ratio), f.sf(ratio))))
    p_levene = float(scipy_stats.levene(a, b).pvalue)
    return {"std": [math.sqrt(var_a), math.sqrt(var_b)], "variance_ratio": ratio, "p_f": p_f, "p_levene": p_levene,
            "verdict": "different" if max(p_f, p_levene) < 1 - CONFIDENCE else "not shown"}


def holm(p_values: dict[str, float]) -> dict[str, float]:
    """Holm's step-down adjustment of a family of p-values (Holm, 1979): the i-th smallest of m is
    multiplied by m - i + 1 (i from 1), each adjusted value is at least the one before it, and none exceeds 1.
    A test whose adjusted p is below alpha is significant with the family-wise error rate held at alpha."""
    ordered = sorted(p_values.items(), key=lambda item: item[1])
    adjusted, running = {}, 0.0
    for i, (name, p) in enumerate(ordered):
        running = max(running, min(1.0, (len(ordered) - i) * p))
        adjusted[name] = running
    return adjusted


def add_holm(tests: dict[str, dict], alpha: float = 1 - CONFIDENCE) -> None:
    """Adds `p_holm` to each result in `tests` (name -> result) that has a p-value, the family being all of
    them, and `verdict_holm`: the test's own verdict when its adjusted p is below alpha, else "within noise"
    ("untested" for a result without a p-value)."""
    for name, p_holm in holm({n: t["p"] for n, t in tests.items() if t["p"] is not None}).items():
        tests[name]["p_holm"] = p_holm
    for test in tests.values():
        if "verdict" in test:
            test["verdict_holm"] = ("untested" if test.get("p_holm") is None else
                                    test["verdict"] if test["p_holm"] < alpha else "within noise")


def per_image_test(runs_a: list[list[bool]], runs_b: list[list[bool]], confidence: float = CONFIDENCE) -> dict:
    """A paired test over the test images that needs no pairing of runs: is b more accurate than a on these
    images, for these trained runs?

    `runs_a` is the baseline and `runs_b` the challenger (Q4 passes the baseline's runs first): the gap is
    challenger minus baseline, and `images_challenger_better` / `images_baseline_better` count the images whose
    mean correctness is higher for the challenger / for the baseline.

    `runs_a` and `runs_b` hold, per run (seed), which test images it got right, in the same image order. Each
    image gets each side's mean correctness over its runs (0, 1/3, 2/3 or 1 with three seeds), and the
    difference d = mean_b - mean_a is tested with a paired t-test over the images
    (`scipy.stats.ttest_rel`); mean(d) is exactly the gap in mean accuracy. With thousands of images the
    t-test's normal approximation holds although d takes few values, and it gives an interval in the same
    points as Welch's. It treats the test images as a sample and the trained runs as fixed: it measures the
    luck of which images are in the test set, not the luck of the training seeds (that is Welch's question).
    Verdict as in `welch`: read off the interval; "untested" when d never varies.
    """
    n = len(runs_a[0]) if runs_a else 0
    if not runs_a or not runs_b or any(len(r) != n for r in (*runs_a, *runs_b)):
        raise ValueError("per-image test needs runs scored on the same images")
    mean_a = [sum(col) / len(runs_a) for col in zip(*runs_a)]
    mean_b = [sum(col) / len(runs_b) for col in zip(*runs_b)]
    diffs = [b - a for a, b in zip(mean_a, mean_b)]
    out = {"n_images": n, "runs": [len(runs_a), len(runs_b)], "gap": statistics.fmean(diffs),
           "images_challenger_better": sum(1 for d in diffs if d > 0),
           "images_baseline_better": sum(1 for d in diffs if d < 0),
           "t": None, "df": None, "p": None, "confidence": confidence, "ci": None, "verdict": "untested"}
    if n < 2 or min(diffs) == max(diffs):
        return out
    result = scipy_stats.ttest_rel(mean_b, mean_a)
    interval = result.confidence_interval(confidence)
    ci = [float(interval.low), float(interval.high)]
    return {**out, "t": float(result.statistic), "df": float(result.df), "p": float(result.pvalue), "ci": ci,
            "verdict": verdict(*ci), "p_sign_flip": sign_flip_p(diffs)}


def sign_flip_p(diffs: list[float], resamples: int = SIGN_FLIP_RESAMPLES, seed: int = 0) -> float:
    """Two-sided p of mean(diffs) = 0 by flipping the sign of each difference at random
    (`scipy.stats.permutation_test`, one sample, permutation_type="samples"): a check of the paired t-test
    that assumes no normal distribution, only that d is symmetric about 0 under the null. Exact (every sign
    pattern) when 2**len(diffs) <= resamples; otherwise seeded, and SciPy's two-sided p (twice the smaller
    one-sided p) is then at least 2 / (resamples + 1)."""
    d = np.asarray(diffs, dtype=float)
    result = scipy_stats.permutation_test((d,), lambda x, axis: np.mean(x, axis=axis), vectorized=True,
                                          permutation_type="samples", n_resamples=resamples, batch=500,
                                          alternative="two-sided", random_state=np.random.default_rng(seed))
    return float(result.pvalue)


def mcnemar_all_pairs(runs_a: list[list[bool]], runs_b: list[list[bool]], alpha: float = 1 - CONFIDENCE) -> dict:
    """McNemar's test for every pairing of a run of a with a run of b (3 x 3 = 9 pairs with three seeds a side),
    not only seed i with seed i, which is one arbitrary pairing of many. Each pair keeps its run indices
    (`runs`: [i, j]). The summary counts the pairs significant at `alpha` (uncorrected) and in which direction,
    and the range of discordant images (one run right, the other wrong). The nine tests share runs, so they
    are not independent: the count describes how much the verdict depends on the pairing; it is not a test."""
    pairs = [{**mcnemar(a, b, alpha), "runs": [i, j]} for i, a in enumerate(runs_a) for j, b in enumerate(runs_b)]
    discordant = [t["a_only"] + t["b_only"] for t in pairs]
    return {"pairs": pairs, "n_pairs": len(pairs),
            "significant": sum(t["verdict"] != "within noise" for t in pairs),
            "ahead": sum(t["verdict"] == "ahead" for t in pairs),
            "behind": sum(t["verdict"] == "behind" for t in pairs),
            "discordant": {"min": min(discordant), "max": max(discordant), "mean": statistics.fmean(discordant)},
            "p_max": max(t["p"] for t in pairs)}
