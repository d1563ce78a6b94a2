"""Batch augmentation (dlkit.augment) and the Welch test (dlkit.stats)."""
import math

import pytest
import torch

from dlkit import augment, stats


def test_shift_moves_each_image_by_at_most_max_shift():
    x = torch.zeros(64, 1, 9, 9)
    x[:, 0, 4, 4] = 1.0                                   # one bright pixel in the centre
    out = augment.random_shift(x, 2, fill=-1.0, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    where = (out[:, 0] == 1.0).nonzero()[:, 1:] - 4       # (dy, dx) of the bright pixel per image
    assert len(where) == 64 and where.abs().max() <= 2
    assert len({tuple(w) for w in where.tolist()}) > 10   # images get different shifts
    assert (out[:, 0, :2] == -1.0).any()                  # vacated rows are filled


def test_shift_keeps_content_and_is_reproducible():
    x = torch.randn(8, 2, 6, 6)
    g = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    a, b = augment.random_shift(x, 1, 0.0, g()), augment.random_shift(x, 1, 0.0, g())
    assert torch.equal(a, b)
    inner = augment.random_shift(x, 0, 0.0, g())
    assert torch.equal(inner, x)                          # a zero shift is the identity


def test_hflip_mirrors_about_half_the_images():
    x = torch.arange(1000 * 4, dtype=torch.float32).reshape(1000, 1, 2, 2)
    out = augment.random_hflip(x, torch.Generator().manual_seed(0))
    flipped = (out == x.flip(-1)).flatten(1).all(1)
    assert ((out == x).flatten(1).all(1) | flipped).all()
    assert 400 < flipped.sum() < 600


# Two-sided p-values read off a printed t table (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
@pytest.mark.parametrize("t, df, p", [(2.0, 5, 0.10194), (3.0, 4, 0.03994), (1.0, 1, 0.5), (1.96, 1e6, 0.05),
                                      (2.776, 4, 0.05), (4.303, 2, 0.05), (3.747, 4, 0.02)])
def test_t_p_values_match_tables(t, df, p):
    assert stats.t_two_sided_p(t, df) == pytest.approx(p, abs=2e-4)


def test_welch_worked_example_with_equal_spreads():
    # a = 99.0, 99.1, 99.2 %, b = 99.3, 99.4, 99.5 %: both sds 0.1 points, so se = 0.1 * sqrt(2/3) points and the
    # Welch df is exactly 2 (n - 1) = 4. gap 0.3, t = 0.3 / 0.08165 = 3.674; the 95% interval is
    # gap ± t(0.975, 4) * se = 0.3 ± 2.776 * 0.08165 = [0.0733, 0.5267] points; p lies between the table's
    # 0.02 (t = 3.747) and 0.025 (t = 3.495).
    a, b = [0.990, 0.991, 0.992], [0.993, 0.994, 0.995]
    out = stats.welch(a, b)
    se = 0.001 * math.sqrt(2 / 3)
    assert out["gap"] == pytest.approx(0.003) and out["t"] == pytest.approx(0.003 / se)
    assert out["df"] == pytest.approx(4)
    assert out["ci"] == pytest.approx([0.003 - 2.776 * se, 0.003 + 2.776 * se], abs=1e-6)
    assert 0.02 < out["p"] < 0.025 and out["verdict"] == "ahead"
    assert stats.welch(b, a)["verdict"] == "behind"


def test_welch_matches_a_hand_computation():
    a, b = [0.89, 0.891, 0.892], [0.91, 0.915, 0.92]
    out = stats.welch(a, b)
    se = math.sqrt(0.001 ** 2 / 3 + 0.005 ** 2 / 3)
    assert out["gap"] == pytest.approx(0.024) and out["t"] == pytest.approx(0.024 / se)
    assert out["df"] == pytest.approx((se ** 2) ** 2 / ((0.001 ** 2 / 3) ** 2 / 2 + (0.005 ** 2 / 3) ** 2 / 2))
    assert 0.005 < out["p"] < 0.05


def test_an_interval_that_holds_zero_is_within_noise():
    out = stats.welch([0.90, 0.91, 0.92], [0.905, 0.915, 0.925])
    assert out["ci"][0] < 0 < out["ci"][1] and out["verdict"] == "within noise" and out["p"] > 0.05


def test_welch_with_one_seed_reports_no_test():
    out = stats.welch([0.9, 0.91, 0.92], [0.95])
    assert out["t"] is None and out["p"] is None and out["ci"] is None and out["verdict"] == "untested"
    assert out["std"][1] is None and out["gap"] == pytest.approx(0.04)


def test_mcnemar_exact_matches_the_binomial_by_hand():
    # 10 images only b gets right, 2 only a gets right: p = 2 * P(X <= 2 | n=12, 1/2) = 2 * 79 / 4096
    a = [False] * 10 + [True] * 2 + [True] * 50
    b = [True] * 10 + [False] * 2 + [True] * 50
    test = stats.mcnemar(a, b)
    assert (test["b_only"], test["a_only"]) == (10, 2)
    assert test["p"] == pytest.approx(2 * 79 / 4096) and test["verdict"] == "ahead"
    assert stats.mcnemar(b, a)["verdict"] == "behind"
    assert stats.mcnemar(a, a) == {"n": 62, "b_only": 0, "a_only": 0, "p": 1.0, "verdict": "within noise"}


def test_mcnemar_over_pairs_agrees_or_says_mixed():
    ahead = ([False] * 10 + [True] * 2, [True] * 10 + [False] * 2)
    tie = ([True, False], [False, True])
    assert stats.mcnemar_over_pairs([ahead, ahead])["verdict"] == "ahead"
    assert stats.mcnemar_over_pairs([ahead, tie])["verdict"] == "mixed"
    with pytest.raises(ValueError, match="same images"):
        stats.mcnemar([True], [True, False])


def test_spread_test_matches_the_f_distribution_by_hand():
    # variances 4 and 1 with 3 values a side: F = 0.25 on (2, 2) df, whose CDF is F / (1 + F) = 0.2
    test = stats.spread_test([0.0, 2.0, 4.0], [0.0, 1.0, 2.0])
    assert test["variance_ratio"] == pytest.approx(0.25)
    assert test["p_f"] == pytest.approx(2 * 0.2)
    assert 0 < test["p_levene"] <= 1 and test["verdict"] == "not shown"
    wide = stats.spread_test([0.0, 10.0, 20.0, 30.0, 40.0, 50.0], [0.0, 0.01, 0.02, 0.03, 0.04, 0.05])
    assert wide["verdict"] == "different"


def test_holm_multiplies_in_order_and_keeps_the_order():
    # 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04, raised to 0.06 so the order of the raw p-values holds
    assert stats.holm({"a": 0.01, "b": 0.04, "c": 0.03}) == pytest.approx({"a": 0.03, "b": 0.06, "c": 0.06})
    assert stats.holm({"a": 0.6, "b": 0.9}) == {"a": 1.0, "b": 1.0}
    assert stats.holm({}) == {}


def test_add_holm_adjusts_the_tests_that_have_a_p_value():
    tests = {"a": {"p": 0.01}, "b": {"p": 0.04}, "c": {"p": None}}
    stats.add_holm(tests)
    assert tests["a"]["p_holm"] == pytest.approx(0.02) and tests["b"]["p_holm"] == pytest.approx(0.04)
    assert "p_holm" not in tests["c"]


def test_add_holm_gives_each_verdict_after_the_adjustment():
    """Two tests at p 0.02 and 0.03 adjust to 0.04 and 0.04: both keep their verdicts. With a third at 0.5 they
    adjust to 0.06 and 0.06: both become "within noise"; a test without a p-value stays "untested"."""
    two = {"a": {"p": 0.02, "verdict": "ahead"}, "b": {"p": 0.03, "verdict": "behind"}}
    stats.add_holm(two)
    assert (two["a"]["verdict_holm"], two["b"]["verdict_holm"]) == ("ahead", "behind")
    three = {"a": {"p": 0.02, "verdict": "ahead"}, "b": {"p": 0.03, "verdict": "behind"},
             "c": {"p": 0.5, "verdict": "within noise"}, "d": {"p": None, "verdict": "untested"}}
    stats.add_holm(three)
    assert [three[k]["verdict_holm"] for k in "abcd"] == ["within noise", "within noise", "within noise", "untested"]


# --- the pairing-free per-image test and McNemar over every pairing of seeds (Q4) ---------------------------

# Six test images, two runs a side. Per image, mean correctness: a = 1, .5, 0, .5, 1, 1 and b = 1, 1, .5, .5, 1, 1,
# so d = b - a = 0, .5, .5, 0, 0, 0: mean 1/6 (the gap in mean accuracy, 5/6 - 2/3), variance 1/15 (n - 1 = 5),
# t = (1/6) / sqrt(1/15 / 6) = sqrt(2.5) on 5 df, whose two-sided p lies between the t table's 0.20 (t = 1.476)
# and 0.10 (t = 2.015); the 95% interval is 1/6 ± 2.571 * sqrt(1/90).
RUNS_A = [[True, True, False, False, True, True], [True, False, False, True, True, True]]
RUNS_B = [[True, True, True, False, True, True], [True, True, False, True, True, True]]


def check_per_image_test(per_image_test) -> None:
    """The checks a per-image test must pass: the hand computation above, and no dependence on the order (the
    pairing) of the runs."""
    out = per_image_test(RUNS_A, RUNS_B)
    assert out["gap"] == pytest.approx(1 / 6) and out["df"] == pytest.approx(5)
    assert out["t"] == pytest.approx(math.sqrt(2.5))
    assert 0.10 < out["p"] < 0.20
    assert out["ci"] == pytest.approx([1 / 6 - 2.5706 * math.sqrt(1 / 90), 1 / 6 + 2.5706 * math.sqrt(1 / 90)],
                                      abs=1e-4)
    assert out["verdict"] == "within noise"
    assert (out["images_challenger_better"], out["images_baseline_better"]) == (2, 0)
    # sign flips: 2**6 patterns, enumerated; |mean| reaches 1/6 only when the two non-zero differences agree
    assert out["p_sign_flip"] == pytest.approx(0.5)
    for a, b in [(RUNS_A[::-1], RUNS_B), (RUNS_A, RUNS_B[::-1])]:          # any pairing of seeds: the same test
        assert per_image_test(a, b) == out
    assert per_image_test(RUNS_B, RUNS_A)["gap"] == pytest.approx(-1 / 6)


def test_per_image_test_matches_the_hand_computation_and_ignores_the_pairing():
    check_per_image_test(stats.per_image_test)


def test_the_per_image_check_catches_broken_copies():
    """A broken test fails the check: one that pairs seed i with seed i (pairwise differences, then a t-test
    over all of them), one that treats the two sides as independent samples, one that ignores all but the
    first run of each side."""
    from scipy import stats as scipy_stats

    def paired_by_index(runs_a, runs_b):
        diffs_b = [float(y) for run in runs_b for y in run]
        diffs_a = [float(x) for run in runs_a for x in run]
        r = scipy_stats.ttest_rel(diffs_b, diffs_a)
        return {**stats.per_image_test(runs_a, runs_b), "t": float(r.statistic), "df": float(r.df)}

    def independent(runs_a, runs_b):
        out = stats.per_image_test(runs_a, runs_b)
        mean_a, mean_b = ([sum(c) / len(runs) for c in zip(*runs)] for runs in (runs_a, runs_b))
        return {**out, "t": float(scipy_stats.ttest_ind(mean_b, mean_a).statistic)}

    def first_runs_only(runs_a, runs_b):
        return stats.per_image_test(runs_a[:1], runs_b[:1])

    for broken in (paired_by_index, independent, first_runs_only):
        with pytest.raises(AssertionError):
            check_per_image_test(broken)


def test_sign_flip_p_is_exact_when_small_and_agrees_with_the_t_test_when_large():
    """[1, 1, 1]: of the 8 sign patterns, 2 reach |mean| = 1 (two-sided p = 0.25; one-sided would be 0.125).
    On 10,000 differences shaped like Q4's (mostly 0, steps of 1/3), the t-test's p and the sign-flip p agree."""
    import numpy as np
    from scipy import stats as scipy_stats
    assert stats.sign_flip_p([1.0, 1.0, 1.0]) == pytest.approx(0.25)
    assert stats.sign_flip_p([1.0, -1.0, 1.0, 1.0]) == pytest.approx(0.625)
    rng = np.random.default_rng(1)
    values = [-1, -2 / 3, -1 / 3, 0, 1 / 3, 2 / 3, 1]
    diffs = rng.choice(values, 10_000, p=[.02, .03, .04, .81, .045, .03, .025])
    t_p = scipy_stats.ttest_1samp(diffs, 0).pvalue
    assert 0.001 < t_p < 0.5   # a case where the two could disagree visibly
    assert stats.sign_flip_p(list(diffs)) == pytest.approx(t_p, abs=0.01)
    assert stats.sign_flip_p(list(diffs)) == stats.sign_flip_p(list(diffs))   # seeded


def test_per_image_test_without_any_difference_is_untested():
    out = stats.per_image_test(RUNS_A, RUNS_A)
    assert out["gap"] == 0 and out["p"] is None and out["verdict"] == "untested"
    with pytest.raises(ValueError, match="same images"):
        stats.per_image_test(RUNS_A, [[True, False]])


def test_mcnemar_all_pairs_tests_every_pairing_and_counts_them():
    # 3 runs a side: b's runs 0 and 1 beat every run of a by 10 images to 2 (p = 2 * 79 / 4096), b's run 2 is a's
    a_run = [False] * 10 + [True] * 2
    b_good = [True] * 10 + [False] * 2
    runs_a, runs_b = [a_run] * 3, [b_good, b_good, a_run]
    out = stats.mcnemar_all_pairs(runs_a, runs_b)
    assert out["n_pairs"] == 9 and [t["runs"] for t in out["pairs"]] == [[i, j] for i in range(3) for j in range(3)]
    assert (out["significant"], out["ahead"], out["behind"]) == (6, 6, 0)
    assert out["discordant"] == {"min": 0, "max": 12, "mean": pytest.approx(8)}
    same_index = [t for t in out["pairs"] if t["runs"][0] == t["runs"][1]]
    old = stats.mcnemar_over_pairs(list(zip(runs_a, runs_b)))["pairs"]
    assert [{k: v for k, v in t.items() if k != "runs"} for t in same_index] == old
