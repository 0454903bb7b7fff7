"""Property-based tests of snippets/batch_norm.py: random shapes, momentum and eps.

Hypothesis draws the case; torch 2.13 (float64) or a float64 formula written here
gives the expected value.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.batch_norm import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    batch_norm,
    batch_norm_backward,
)

MODULES = {
    2: (BatchNorm1d, torch.nn.BatchNorm1d),
    3: (BatchNorm1d, torch.nn.BatchNorm1d),
    4: (BatchNorm2d, torch.nn.BatchNorm2d),
    5: (BatchNorm3d, torch.nn.BatchNorm3d),
}
TOL = dict(rtol=1e-9, atol=1e-10)
SETTINGS = settings(max_examples=40, deadline=None)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny tensors: torch's thread pool only adds overhead (measured 3x slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@st.composite
def shapes(draw, min_values=2):
    """(N, C, *) with at least ``min_values`` values per channel."""
    ndim = draw(st.integers(2, 5))
    shape = (draw(st.integers(1, 6)), draw(st.integers(1, 4)))
    shape += tuple(draw(st.integers(1, 4)) for _ in range(ndim - 2))
    m = shape[0] * int(np.prod(shape[2:]))
    if m < min_values:
        shape = (shape[0] + min_values,) + shape[1:]
    return shape


momenta = st.one_of(st.none(), st.floats(0.0, 1.0))
epsilons = st.floats(1e-6, 1.0)
seeds = st.integers(0, 2**32 - 1)
locs = st.floats(-100.0, 100.0)
scales = st.floats(0.01, 100.0)


def sample(shape, seed, loc=0.0, scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) * scale + loc


def tt(a):
    return torch.from_numpy(np.array(a, copy=True))


@SETTINGS
@given(shape=shapes(), momentum=momenta, eps=epsilons, seed=seeds, loc=locs,
       scale=scales, affine=st.booleans(), track=st.booleans(),
       batch_sizes=st.lists(st.integers(2, 5), min_size=1, max_size=3))
def test_module_matches_torch(shape, momentum, eps, seed, loc, scale, affine, track,
                              batch_sizes):
    ours_cls, torch_cls = MODULES[len(shape)]
    kwargs = dict(eps=eps, momentum=momentum, affine=affine,
                  track_running_stats=track)
    ours = ours_cls(shape[1], dtype=np.float64, **kwargs)
    theirs = torch_cls(shape[1], dtype=torch.float64, **kwargs)
    for step, n in enumerate(batch_sizes):
        x = sample((n,) + shape[1:], seed + step, loc, scale)
        np.testing.assert_allclose(ours(x), theirs(tt(x)).detach().numpy(), **TOL)
        if track:
            np.testing.assert_allclose(ours.running_mean, theirs.running_mean, **TOL)
            np.testing.assert_allclose(ours.running_var, theirs.running_var, **TOL)
            assert ours.num_batches_tracked == int(theirs.num_batches_tracked)
    for training in (True, False):
        ours.train(training)
        theirs.train(training)
        x = sample(shape, seed + 100, loc, scale)
        dy = sample(shape, seed + 101)
        tx = tt(x).requires_grad_()
        expected = theirs(tx)
        expected.backward(tt(dy))
        np.testing.assert_allclose(ours(x), expected.detach().numpy(), **TOL)
        np.testing.assert_allclose(ours.backward(dy), tx.grad, **TOL)
        if affine:
            np.testing.assert_allclose(ours.grad_weight, theirs.weight.grad, **TOL)
            np.testing.assert_allclose(ours.grad_bias, theirs.bias.grad, **TOL)
            theirs.weight.grad = theirs.bias.grad = None


@SETTINGS
@given(shape=shapes(), eps=epsilons, seed=seeds, loc=locs, scale=scales)
def test_normalised_output_and_gradient_sums(shape, eps, seed, loc, scale):
    """mean(y) = 0, var(y) = σ²/(σ² + ε) and Σ dx = 0, per channel."""
    x = sample(shape, seed, loc, scale)
    weight = sample(shape[1], seed + 1, 1.0, 0.3)
    dy = sample(shape, seed + 2)
    axes = (0,) + tuple(range(2, len(shape)))
    m = x.size // shape[1]
    sigma2 = x.var(axis=axes)
    invstd = 1 / np.sqrt(sigma2 + eps)
    u = np.finfo(np.float64).eps
    # x − μ is rounded relative to |x|: |x|/σ times larger than x̂ itself
    cond = 1 + np.abs(x).max(axis=axes) * invstd
    y = batch_norm(x, None, None, training=True, eps=eps)
    np.testing.assert_array_less(np.abs(y.mean(axis=axes)), 16 * u * cond)
    np.testing.assert_allclose(y.var(axis=axes), sigma2 * invstd**2,
                               rtol=1e-9, atol=1e-12)
    grad_input, _, _ = batch_norm_backward(dy, x, weight, eps)
    # Σ dx = γ/σ · (Σ dy − m·mean(dy) − Σ x̂ · mean(dy·x̂)): the bracket cancels
    x_hat_max = np.abs(y).max(axis=axes)
    dy_abs = np.abs(dy)
    terms = dy_abs.sum(axis=axes) + m * cond * dy_abs.max(axis=axes) * x_hat_max
    bound = 64 * u * np.abs(weight) * invstd * terms
    np.testing.assert_array_less(np.abs(grad_input.sum(axis=axes)), bound)


@SETTINGS
@given(shape=shapes(), momentum=st.floats(0.0, 1.0), eps=epsilons, seed=seeds,
       loc=locs, scale=scales)
def test_functional_running_update(shape, momentum, eps, seed, loc, scale):
    """running ← (1 − momentum)·running + momentum·batch, with m/(m−1)·σ² for var."""
    x = sample(shape, seed, loc, scale)
    running_mean = sample(shape[1], seed + 1)
    running_var = sample(shape[1], seed + 2, 2.0, 0.5) ** 2
    axes = (0,) + tuple(range(2, len(shape)))
    expected_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=axes)
    expected_var = ((1 - momentum) * running_var
                    + momentum * x.var(axis=axes, ddof=1))
    batch_norm(x, running_mean, running_var, training=True, momentum=momentum,
               eps=eps)
    np.testing.assert_allclose(running_mean, expected_mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(running_var, expected_var, rtol=1e-10, atol=1e-12)
