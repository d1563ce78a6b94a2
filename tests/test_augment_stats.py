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


@pytest.mark.parametrize("t, df, p", [(2.0, 5, 0.10194), (3.0, 4, 0.03994), (1.0, 1, 0.5), (1.96, 1e6, 0.05)])
def test_t_p_values_match_tables(t, df, p):
    assert stats.t_two_sided_p(t, df) == pytest.approx(p, abs=2e-4)


def test_welch_matches_a_hand_computation():
    a, b = [0.89, 0.891, 0.892], [0.91, 0.915, 0.92]
    out = stats.welch(a, b)
    se = math.sqrt(0.001 ** 2 / 3 + 0.005 ** 2 / 3)
    assert out["gap"] == pytest.approx(0.024) and out["t"] == pytest.approx(0.024 / se)
    assert out["df"] == pytest.approx((se ** 2) ** 2 / ((0.001 ** 2 / 3) ** 2 / 2 + (0.005 ** 2 / 3) ** 2 / 2))
    assert 0.005 < out["p"] < 0.05


def test_welch_with_one_seed_reports_no_test():
    out = stats.welch([0.9, 0.91, 0.92], [0.95])
    assert out["t"] is None and out["p"] is None and out["std"][1] is None and out["gap"] == pytest.approx(0.04)
