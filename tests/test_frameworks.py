"""snippets/frameworks.py: Keras's BatchNorm conventions converted to torch's, run
beside torch.nn.BatchNorm 2.13 on the same batches.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.frameworks import (
    KERAS_DEFAULTS,
    TORCH_DEFAULTS,
    biased_to_unbiased,
    keras_batch_norm,
    keras_to_torch_bn_config,
    torch_to_keras_bn_config,
    unbiased_to_biased,
)
from test_batch_norm import one_torch_thread  # noqa: F401 - an autouse fixture
from test_tf_nn import nhwc, to_channels_first

TOL = dict(rtol=1e-12, atol=1e-12)


def torch_nchw(x):
    return torch.from_numpy(np.ascontiguousarray(to_channels_first(x)))


# --- configuration ----------------------------------------------------------------

def test_defaults_are_the_frameworks_defaults():
    bn = torch.nn.BatchNorm2d(3)
    assert TORCH_DEFAULTS == dict(momentum=bn.momentum, eps=bn.eps)
    # Keras is not installed: its documented defaults
    assert KERAS_DEFAULTS == dict(momentum=0.99, epsilon=0.001)


def test_keras_defaults_in_torch():
    assert keras_to_torch_bn_config() == dict(momentum=0.01, eps=1e-3)
    assert keras_to_torch_bn_config(momentum=0.9, epsilon=1e-5) == dict(
        momentum=0.1, eps=1e-5)
    assert torch_to_keras_bn_config() == dict(momentum=0.9, epsilon=1e-5)


@pytest.mark.parametrize("momentum", [0.0, 0.01, 0.1, 0.5, 0.99, 1.0])
def test_config_round_trip(momentum):
    config = torch_to_keras_bn_config(momentum=momentum, eps=1e-4)
    back = keras_to_torch_bn_config(**config)
    assert back == dict(momentum=momentum, eps=1e-4)


def test_cumulative_average_has_no_keras_equivalent():
    with pytest.raises(ValueError, match="momentum=None"):
        torch_to_keras_bn_config(momentum=None)


def test_variance_conversions_invert_each_other():
    v = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(biased_to_unbiased(v, 8), v * 8 / 7, **TOL)
    np.testing.assert_allclose(unbiased_to_biased(biased_to_unbiased(v, 8), 8), v,
                               **TOL)


# --- the Keras mirror ---------------------------------------------------------------

def test_keras_training_step_against_float64_formulas():
    x = nhwc((6, 4, 5, 3))
    moving_mean, moving_variance = np.zeros(3), np.ones(3)
    y = keras_batch_norm(x, moving_mean, moving_variance, training=True)
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))   # biased
    np.testing.assert_allclose(moving_mean, 0.01 * mean, **TOL)
    np.testing.assert_allclose(moving_variance, 0.99 + 0.01 * var, **TOL)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), **TOL)


@pytest.mark.parametrize("training", [True, False])
def test_keras_output_equals_torch_with_converted_config(training):
    x = nhwc((6, 4, 5, 3), seed=1)
    rng = np.random.default_rng(2)
    gamma, beta = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    moving_mean, moving_variance = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    config = keras_to_torch_bn_config(**KERAS_DEFAULTS)
    expected = F.batch_norm(torch_nchw(x), torch.from_numpy(moving_mean.copy()),
                            torch.from_numpy(moving_variance.copy()),
                            torch.from_numpy(gamma), torch.from_numpy(beta),
                            training=training, **config)
    y = keras_batch_norm(x, moving_mean, moving_variance, gamma, beta, training)
    np.testing.assert_allclose(to_channels_first(y), expected.numpy(), **TOL)


# --- the moving statistics side by side ----------------------------------------------

STEPS = 20


def train_both(m, keras_moving_variance):
    """STEPS batches of m samples through torch (converted config) and Keras."""
    torch_bn = torch.nn.BatchNorm1d(3, dtype=torch.float64,
                                    **keras_to_torch_bn_config(momentum=0.9))
    moving_mean, moving_variance = np.zeros(3), keras_moving_variance.copy()
    for step in range(STEPS):
        x = nhwc((m, 3), seed=step) * (1 + step / 10) + step / 4
        torch_bn(torch.from_numpy(x))
        keras_batch_norm(x, moving_mean, moving_variance, training=True,
                         momentum=0.9)
    return torch_bn, moving_mean, moving_variance


@pytest.mark.parametrize("m", [4, 16])
def test_running_mean_is_tracked_exactly(m):
    torch_bn, moving_mean, _ = train_both(m, np.ones(3))
    np.testing.assert_allclose(torch_bn.running_mean.numpy(), moving_mean, **TOL)


@pytest.mark.parametrize("m", [4, 16])
def test_running_var_differs_by_the_bessel_factor(m):
    """With the initial state converted too, torch = m/(m − 1) · Keras exactly."""
    torch_bn, _, moving_variance = train_both(m, unbiased_to_biased(np.ones(3), m))
    running_var = torch_bn.running_var.numpy()
    np.testing.assert_allclose(running_var, biased_to_unbiased(moving_variance, m),
                               **TOL)
    # and without the correction the two really differ, by 1/(m − 1)
    np.testing.assert_allclose(running_var / moving_variance, m / (m - 1), **TOL)
    assert np.all(np.abs(running_var - moving_variance) > 0.01 * moving_variance)


@pytest.mark.parametrize("eps,matches", [(1e-3, True), (1e-5, False)])
def test_ported_weights_need_keras_epsilon(eps, matches):
    """Copying Keras's four weight arrays into torch, inference matches only with
    eps = 1e-3; torch's default 1e-5 shows where the variance is small."""
    x = nhwc((5, 4, 4, 3), seed=3) * 0.05
    rng = np.random.default_rng(4)
    gamma, beta = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    moving_mean, moving_variance = rng.standard_normal(3) * 0.05, np.full(3, 2.5e-3)
    keras_y = keras_batch_norm(x, moving_mean, moving_variance, gamma, beta)
    bn = torch.nn.BatchNorm2d(3, eps=eps, dtype=torch.float64).eval()
    state = dict(weight=gamma, bias=beta, running_mean=moving_mean,
                 running_var=moving_variance)
    bn.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()},
                       strict=False)
    with torch.no_grad():
        torch_y = bn(torch_nchw(x)).numpy()
    assert np.allclose(to_channels_first(keras_y), torch_y, **TOL) == matches
    if not matches:
        assert np.abs(to_channels_first(keras_y) - torch_y).max() > 0.1
