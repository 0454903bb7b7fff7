"""snippets/tf_nn.py: the note's TensorFlow calls give torch's batch_norm result."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.tf_nn import batch_normalization, moments

TOL = {np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
       np.dtype(np.float32): dict(rtol=1e-5, atol=1e-5)}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny tensors: torch's thread pool only adds overhead (measured 3x slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def nhwc(shape, dtype=np.float64, seed=0):
    """Channel-last data with a different mean and spread per channel."""
    rng = np.random.default_rng(seed)
    c = shape[-1]
    return (rng.standard_normal(shape) * (1 + np.arange(c)) + 3 - np.arange(c)
            ).astype(dtype)


def to_channels_first(x):
    return np.moveaxis(x, -1, 1)


@pytest.mark.parametrize("shape", [(8, 3), (5, 7, 3), (4, 5, 6, 3), (3, 4, 5, 2, 3)],
                         ids=["NC", "NLC", "NHWC", "NDHWC"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_moments_then_batch_normalization_equals_torch(shape, dtype):
    """``tf.nn.moments(data, [0])`` per column, then ``tf.nn.batch_normalization``."""
    x = nhwc(shape, dtype)
    rng = np.random.default_rng(1)
    scale = rng.uniform(0.5, 2.0, shape[-1]).astype(dtype)
    offset = rng.standard_normal(shape[-1]).astype(dtype)
    axes = list(range(x.ndim - 1))               # [0] for the note's 2-D data
    mean, variance = moments(x, axes)
    y = batch_normalization(x, mean, variance, offset, scale, 1e-5)
    assert y.dtype == dtype and mean.shape == (shape[-1],)

    tx = torch.from_numpy(np.ascontiguousarray(to_channels_first(x)))
    expected = F.batch_norm(tx, None, None, torch.from_numpy(scale),
                            torch.from_numpy(offset), training=True, eps=1e-5)
    np.testing.assert_allclose(to_channels_first(y), expected.numpy(),
                               **TOL[np.dtype(dtype)])
    # the variance is torch's biased one
    dims = [0] + list(range(2, x.ndim))
    t_var, t_mean = torch.var_mean(tx, dim=dims, correction=0)
    np.testing.assert_allclose(mean, t_mean.numpy(), **TOL[np.dtype(dtype)])
    np.testing.assert_allclose(variance, t_var.numpy(), **TOL[np.dtype(dtype)])


def test_moments_keepdims_and_axes():
    x = nhwc((4, 5, 6, 3))
    mean, variance = moments(x, [0, 1, 2], keepdims=True)
    assert mean.shape == variance.shape == (1, 1, 1, 3)
    np.testing.assert_allclose(mean, x.mean(axis=(0, 1, 2), keepdims=True))
    np.testing.assert_allclose(variance, x.var(axis=(0, 1, 2), keepdims=True))
    # keepdims broadcasts straight back over x
    y = batch_normalization(x, mean, variance, None, None, 1e-3)
    tx = torch.from_numpy(np.ascontiguousarray(to_channels_first(x)))
    expected = F.batch_norm(tx, None, None, training=True, eps=1e-3)
    np.testing.assert_allclose(to_channels_first(y), expected.numpy(),
                               rtol=1e-10, atol=1e-12)


def test_population_statistics_equal_torch_eval():
    """At inference TF passes moving averages where the note passes batch moments."""
    x = nhwc((6, 4, 4, 3))
    rng = np.random.default_rng(2)
    running_mean = rng.standard_normal(3)
    running_var = rng.uniform(0.5, 2.0, 3)
    y = batch_normalization(x, running_mean, running_var, None, None, 1e-3)
    tx = torch.from_numpy(np.ascontiguousarray(to_channels_first(x)))
    expected = F.batch_norm(tx, torch.from_numpy(running_mean),
                            torch.from_numpy(running_var), eps=1e-3)
    np.testing.assert_allclose(to_channels_first(y), expected.numpy(),
                               rtol=1e-10, atol=1e-12)


def test_float16_moments_are_computed_in_float32():
    """Squared deviations of 800 overflow float16 (max 65504); σ² = 4e4 does not."""
    x = (np.random.default_rng(3).standard_normal((256, 3)) * 200).astype(np.float16)
    mean, variance = moments(x, [0])
    assert mean.dtype == variance.dtype == np.float16
    exact = x.astype(np.float64)
    np.testing.assert_allclose(mean, exact.mean(axis=0), rtol=1e-3)
    np.testing.assert_allclose(variance, exact.var(axis=0), rtol=1e-3)
