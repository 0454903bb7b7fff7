"""How to compute a variance in floating point: one pass, two passes, Welford, Chan.

Every function here computes in the dtype of its input (float16 stays float16, in
every addition), so the errors measured by ``variance_errors`` are those of that
dtype. ``tests/test_numerics.py`` checks them against float64 and against torch.

* Welford 1962, Technometrics 4(3): the streaming update.
* Chan, Golub & LeVeque 1979/1983: merging the statistics of two shards.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:pairwise_sum]
def pairwise_sum(x):
    """Σ x by a balanced tree of additions, each rounded to ``x.dtype``.

    NumPy sums float32 this way too; its float16 sums secretly use float32.
    """
    x = np.ravel(x)
    while x.size > 1:
        if x.size % 2:
            x = np.append(x, np.zeros(1, x.dtype))
        x = x[0::2] + x[1::2]
    return x[0]
# --8<-- [end:pairwise_sum]


# --8<-- [start:one_pass_var]
def one_pass_var(x):
    """Biased variance as E[x²] − E[x]²: one pass, but catastrophic cancellation.

    Both terms are ≈ μ², so when |μ| ≫ σ their rounding errors (≈ eps · μ²) can
    exceed the difference σ² itself.
    """
    n = x.size
    # E[x] and E[x²]
    mean = pairwise_sum(x) / n
    mean_sq = pairwise_sum(x * x) / n
    # σ² = E[x²] − E[x]²
    return mean_sq - mean * mean
# --8<-- [end:one_pass_var]


# --8<-- [start:two_pass_var]
def two_pass_var(x):
    """Biased variance as E[(x − E[x])²]: the mean first, then the deviations."""
    n = x.size
    # μ = (1/n) Σ x_i
    mean = pairwise_sum(x) / n
    # σ² = (1/n) Σ (x_i − μ)²   (the deviations are small: nothing cancels)
    return pairwise_sum((x - mean) ** 2) / n
# --8<-- [end:two_pass_var]


# --8<-- [start:welford_var]
def welford_var(x):
    """Biased variance in one streaming pass (Welford): a running mean and M2."""
    mean = x.dtype.type(0)
    m2 = x.dtype.type(0)                         # M2 = Σ (x_i − mean)²
    for k, value in enumerate(np.ravel(x), start=1):
        delta = value - mean
        # μ_k = μ_{k−1} + (x_k − μ_{k−1}) / k
        mean = mean + delta / k
        # M2_k = M2_{k−1} + (x_k − μ_{k−1}) · (x_k − μ_k)
        m2 = m2 + delta * (value - mean)
    # σ² = M2 / n
    return m2 / x.size
# --8<-- [end:welford_var]


# --8<-- [start:merge_stats]
def merge_stats(n_a, mean_a, m2_a, n_b, mean_b, m2_b):
    """(n, mean, M2) of the union of two shards, from each shard's (n, mean, M2).

    M2 = Σ (x_i − mean)², so the biased variance is M2 / n (Chan et al.). Works
    per channel on arrays; counts are integers, n_a + n_b > 0.
    """
    n = n_a + n_b
    delta = mean_b - mean_a
    # μ = μ_a + δ · n_b / n
    mean = mean_a + delta * (n_b / n)
    # M2 = M2_a + M2_b + δ² · n_a · n_b / n
    m2 = m2_a + m2_b + delta * delta * (n_a * n_b / n)
    return n, mean, m2
# --8<-- [end:merge_stats]


# --8<-- [start:chan_var]
def shard_stats(x):
    """(n, mean, M2) of one shard, by two passes."""
    n = x.size
    mean = pairwise_sum(x) / n
    return n, mean, pairwise_sum((x - mean) ** 2)


def chan_var(x, num_shards=16):
    """Biased variance from shards' two-pass statistics merged in a balanced tree."""
    stats = [shard_stats(shard) for shard in np.array_split(np.ravel(x), num_shards)]
    while len(stats) > 1:
        pairs = zip(stats[0::2], stats[1::2])
        merged = [merge_stats(*a, *b) for a, b in pairs]
        stats = merged + stats[len(merged) * 2:]   # an odd one out waits a level
    n, _, m2 = stats[0]
    return m2 / n
# --8<-- [end:chan_var]


VARIANCES = {"one-pass": one_pass_var, "two-pass": two_pass_var,
             "Welford": welford_var, "Chan": chan_var}


# --8<-- [start:variance_errors]
def variance_errors(loc, dtype, n=1024, scale=1.0, seed=0):
    """|computed − exact| / exact for each method of ``VARIANCES``, in ``dtype``.

    Data: n draws of N(loc, scale²) rounded to ``dtype``; the exact variance is that
    of the rounded values, in float64. Overflow (inf or nan) counts as error inf.
    """
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * scale + loc).astype(dtype)
    exact = two_pass_var(x.astype(np.float64))
    errors = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for name, variance in VARIANCES.items():
            error = abs(float(variance(x)) - exact) / exact
            errors[name] = error if np.isfinite(error) else np.inf
    return errors
# --8<-- [end:variance_errors]
