"""snippets/numerics.py: variances in float32 and float16 against float64 truth,
Chan's merge against NumPy on the whole data, torch's BatchNorm against two passes.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.numerics import (
    VARIANCES,
    chan_var,
    merge_stats,
    one_pass_var,
    pairwise_sum,
    shard_stats,
    two_pass_var,
    variance_errors,
    welford_var,
)
from test_batch_norm import data, one_torch_thread, tt  # noqa: F401 - autouse fixture

SEEDS = range(4)


def exact_var(x):
    """The biased variance of the values of x, in float64 (NumPy's two passes)."""
    return np.var(np.asarray(x, dtype=np.float64))


# --- the methods agree where nothing is hard -------------------------------------

@pytest.mark.parametrize("name", VARIANCES)
def test_float64_methods_equal_numpy(name):
    x = np.random.default_rng(0).standard_normal(1000) * 3 + 2
    np.testing.assert_allclose(VARIANCES[name](x), np.var(x), rtol=1e-12)


@pytest.mark.parametrize("name", VARIANCES)
@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=["f32", "f16"])
def test_results_keep_the_dtype(name, dtype):
    x = np.random.default_rng(0).standard_normal(100).astype(dtype)
    assert np.asarray(VARIANCES[name](x)).dtype == dtype


def test_pairwise_sum_rounds_every_addition_to_the_dtype():
    """float16 2048 + 1 rounds to 2048 (ties to even); NumPy's sum would say 2050."""
    x = np.array([2048, 1, 1], np.float16)
    assert np.sum(x, dtype=np.float16) == 2050      # float32 inside
    # the tree: (2048 + 1) + (1 + 0) = 2048 + 1 = 2048
    assert pairwise_sum(x) == 2048
    y = np.random.default_rng(1).standard_normal(1001)
    np.testing.assert_allclose(pairwise_sum(y), math.fsum(y), rtol=1e-13)


# --- where one pass fails -------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_float32_large_mean(seed):
    """Mean 1e3, σ = 1: one pass keeps 1 or 2 digits; every other method keeps ≥ 4."""
    errors = variance_errors(1e3, np.float32, seed=seed)
    assert errors["one-pass"] > 1e-3
    assert errors["two-pass"] < 1e-6
    assert errors["Welford"] < 1e-4
    assert errors["Chan"] < 1e-4


@pytest.mark.parametrize("seed", SEEDS)
def test_float32_mean_1e4_loses_everything_in_one_pass(seed):
    errors = variance_errors(1e4, np.float32, seed=seed)
    assert errors["one-pass"] >= 0.5                # not a digit left
    assert errors["two-pass"] < 1e-5
    assert errors["Welford"] < 1e-2
    assert errors["Chan"] < 1e-3


@pytest.mark.parametrize("seed", SEEDS)
def test_float32_small_mean_all_accurate(seed):
    """The control: at mean 0 the one-pass formula is fine too."""
    errors = variance_errors(0.0, np.float32, seed=seed)
    assert max(errors.values()) < 1e-5


@pytest.mark.parametrize("seed", SEEDS)
def test_float16_sums_overflow_and_shards_help(seed):
    """Mean 1e3 in float16: Σx and Σx² pass 65504. Welford's mean moves on float16's
    grid of 0.5 and its M2 ≈ 1000 takes updates ≈ 1 at a spacing of 0.5; 64-value
    shards (Σ ≈ 64000) just fit and are merged from few, accurate numbers."""
    errors = variance_errors(1e3, np.float16, seed=seed)
    assert errors["one-pass"] == np.inf
    assert errors["two-pass"] == np.inf
    assert errors["Welford"] > 2e-2
    assert errors["Chan"] < 2e-2


@pytest.mark.parametrize("name", ["two-pass", "Welford", "Chan"])
def test_float16_data_with_float32_arithmetic_is_fine(name):
    """What torch does with float16 input: store float16, compute in float32."""
    x = (np.random.default_rng(0).standard_normal(1024) + 1e3).astype(np.float16)
    exact = exact_var(x)
    error = abs(float(VARIANCES[name](x.astype(np.float32))) - exact) / exact
    assert error < 1e-4


# --- Chan's merge ---------------------------------------------------------------------

def merged(shards):
    """Fold merge_stats over the shards' (n, mean, M2), left to right."""
    stats = shard_stats(shards[0])
    for shard in shards[1:]:
        stats = merge_stats(*stats, *shard_stats(shard))
    return stats


@pytest.mark.parametrize("cuts", [[500], [1, 2, 3], [10, 11, 700, 999], [100, 400]],
                         ids=str)
def test_merged_shards_equal_the_whole(cuts):
    x = np.random.default_rng(0).standard_normal(1000) * 2 + 50
    n, mean, m2 = merged(np.split(x, cuts))
    assert n == x.size
    np.testing.assert_allclose(mean, np.mean(x), rtol=1e-14)
    np.testing.assert_allclose(m2 / n, np.var(x), rtol=1e-12)


def test_merge_with_an_empty_shard_changes_nothing():
    x = np.random.default_rng(1).standard_normal(50)
    n, mean, m2 = merge_stats(*shard_stats(x), 0, 0.0, 0.0)
    assert n == 50
    np.testing.assert_allclose([mean, m2 / n], [np.mean(x), np.var(x)], rtol=1e-14)


def test_averaging_shard_variances_is_wrong():
    """Shards with different means: the mean of their variances misses δ²·n_a·n_b/n."""
    a = np.random.default_rng(2).standard_normal(30)
    b = np.random.default_rng(3).standard_normal(70) + 5
    n, _, m2 = merge_stats(*shard_stats(a), *shard_stats(b))
    whole = np.var(np.concatenate([a, b]))
    np.testing.assert_allclose(m2 / n, whole, rtol=1e-12)
    assert abs((np.var(a) + np.var(b)) / 2 - whole) > 1.0


def test_per_channel_merge_equals_torch_batch_norm_on_the_whole_batch():
    """Three "ranks" each hold part of the batch: merged per-channel statistics are
    torch's batch mean and (unbiased) running variance for the concatenated batch."""
    x = data((12, 3, 4, 5), loc=100.0)
    axes = (0, 2, 3)
    stats = None
    for part in np.split(x, [2, 7]):
        n = part.size // part.shape[1]
        mean = part.mean(axis=axes)
        m2 = ((part - mean.reshape(1, -1, 1, 1)) ** 2).sum(axis=axes)
        stats = (n, mean, m2) if stats is None else merge_stats(*stats, n, mean, m2)
    n, mean, m2 = stats
    running_mean, running_var = torch.zeros(3, dtype=torch.float64), torch.ones(
        3, dtype=torch.float64)
    F.batch_norm(tt(x), running_mean, running_var, training=True, momentum=1.0)
    np.testing.assert_allclose(mean, running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(m2 / (n - 1), running_var.numpy(), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(2, 300), seed=st.integers(0, 2**32 - 1),
       loc=st.floats(-1e4, 1e4), scale=st.floats(1e-3, 1e3),
       num_shards=st.integers(1, 12))
def test_chan_var_equals_numpy(size, seed, loc, scale, num_shards):
    x = np.random.default_rng(seed).standard_normal(size) * scale + loc
    num_shards = min(num_shards, size)               # no empty shard
    # relative to σ², errors of order eps · (|μ|/σ) remain from the shard means
    rtol = 1e-13 * (1 + abs(loc) / scale) ** 2 + 1e-12
    np.testing.assert_allclose(chan_var(x, num_shards), np.var(x), rtol=rtol)
    np.testing.assert_allclose(welford_var(x), np.var(x), rtol=rtol * size)


# --- torch agrees with two passes ----------------------------------------------------

@pytest.mark.parametrize("loc", [1e3, 1e4])
def test_torch_batch_norm_variance_is_two_pass_accurate(loc):
    """float32 BatchNorm at a large mean: torch's batch variance is as accurate as
    two passes, and nowhere near the one-pass error."""
    x = data((64, 3, 4, 4), np.float32, loc=loc, scale=1.0)
    m = x.size // 3
    running_mean, running_var = torch.zeros(3), torch.ones(3)
    F.batch_norm(tt(x), running_mean, running_var, training=True, momentum=1.0)
    torch_var = running_var.numpy() * (m - 1) / m          # back to biased
    for c in range(3):
        values = x[:, c]
        exact = exact_var(values)
        torch_error = abs(torch_var[c] - exact) / exact
        two_pass_error = abs(float(two_pass_var(values)) - exact) / exact
        one_pass_error = abs(float(one_pass_var(values)) - exact) / exact
        assert torch_error < 1e-5 and two_pass_error < 1e-5
        assert one_pass_error > 100 * max(torch_error, two_pass_error, 1e-7)
