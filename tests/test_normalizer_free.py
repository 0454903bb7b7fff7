"""snippets/normalizer_free.py against torch ops composed (torch 2.13, CPU): SkipInit,
Fixup's scale (the authors' code), scaled weight standardization (F.batch_norm on the
weight, as timm's ScaledStdConv2d), adaptive gradient clipping (timm's torch AGC);
and the SkipInit paper's account of why BatchNorm lets deep ResNets train.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.normalizer_free import (
    adaptive_grad_clip,
    fixup_scale,
    scaled_weight_standardization,
    skipinit_block,
)
from test_batch_norm import (  # noqa: F401 - one_torch_thread: an autouse fixture
    close,
    data,
    one_torch_thread,
    tt,
)


# --- SkipInit and the variance of a residual stream ------------------------------

def residual_stream_variances(depth, normalize, width=256, batch=512, seed=0):
    """Var(x_l) for l = 0..depth of x_{l+1} = x_l + W_l ReLU(BN(x_l)) (or without BN),
    W_l with He initialisation; the SkipInit paper's model of a ResNet at init."""
    torch.manual_seed(seed)
    x = torch.randn(batch, width, dtype=torch.float64)
    variances = [x.var().item()]
    for _ in range(depth):
        h = F.batch_norm(x, None, None, training=True) if normalize else x
        w = torch.randn(width, width, dtype=torch.float64) * (2.0 / width) ** 0.5
        x = x + F.relu(h) @ w.T
        variances.append(x.var().item())
    return np.array(variances)


def test_batch_norm_makes_the_residual_stream_variance_grow_linearly():
    """With BN on the branch each block adds about 1 to Var(x_l): Var ≈ l + 1, so the
    branch's share of block l is about 1/(l + 1), the downscaling De & Smith describe."""
    depth = 16
    normalized = residual_stream_variances(depth, normalize=True)
    np.testing.assert_allclose(normalized, np.arange(depth + 1) + 1, rtol=0.15)


def test_without_normalization_the_residual_stream_variance_doubles():
    depth = 16
    plain = residual_stream_variances(depth, normalize=False)
    ratios = plain[1:] / plain[:-1]
    np.testing.assert_allclose(ratios, 2.0, rtol=0.15)


def test_skipinit_block_is_the_identity_at_alpha_zero():
    x = data((4, 6))
    w = np.random.default_rng(0).standard_normal((6, 6))
    branch = lambda h: np.maximum(h, 0) @ w.T          # noqa: E731
    np.testing.assert_array_equal(skipinit_block(x, branch, 0.0), x)
    close(skipinit_block(x, branch, 0.3), tt(x) + 0.3 * F.relu(tt(x)) @ tt(w).T)


# --- Fixup ------------------------------------------------------------------------

@pytest.mark.parametrize("blocks", [[3, 3, 3], [18, 18, 18], [200, 200, 200]])
def test_fixup_scale_for_two_layer_branches_is_the_authors_code(blocks):
    """The authors' CIFAR ResNets (two convolutions per branch) scale conv1's He
    std by num_layers ** (-0.5), num_layers = the number of residual blocks."""
    num_layers = sum(blocks)
    assert fixup_scale(num_layers, 2) == pytest.approx(num_layers ** (-0.5))


def test_fixup_scale_for_three_layer_branches_and_bad_m():
    assert fixup_scale(16, 3) == pytest.approx(0.5)   # 16^(-1/4)
    with pytest.raises(ValueError, match="m >= 2"):
        fixup_scale(16, 1)


# --- scaled weight standardization -------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 7), (4, 3, 3, 3)], ids=["linear", "conv"])
def test_scaled_ws_matches_batch_norm_on_the_weight(shape):
    """timm's ScaledStdConv2d: F.batch_norm of the weight viewed as (1, out, fan-in),
    with weight = gain · γ / √fan-in."""
    weight = np.random.default_rng(1).standard_normal(shape)
    gain = np.random.default_rng(2).uniform(0.5, 2.0, shape[0])
    gamma, eps, fan_in = 1.7, 1e-4, int(np.prod(shape[1:]))
    expected = F.batch_norm(tt(weight).reshape(1, shape[0], -1), None, None,
                            weight=tt(gain) * gamma * fan_in ** -0.5, training=True,
                            momentum=0.0, eps=eps).reshape(shape)
    close(scaled_weight_standardization(weight, gain, gamma, eps), expected)


def test_scaled_ws_rows_have_zero_mean_and_norm_gamma():
    weight = np.random.default_rng(3).standard_normal((6, 10)) * 4 + 2
    w_hat = scaled_weight_standardization(weight, gamma=1.5)
    close(w_hat.mean(axis=1), np.zeros(6))
    close(np.linalg.norm(w_hat, axis=1), np.full(6, 1.5))


# --- adaptive gradient clipping ------------------------------------------------------

def torch_agc(param, grad, clip_factor=0.01, eps=1e-3):
    """timm.utils.agc.adaptive_clip_grad, written with torch ops."""
    def unitwise_norm(x):
        if x.ndim <= 1:
            return x.norm(2.0)
        return x.norm(2.0, dim=tuple(range(1, x.ndim)), keepdim=True)
    max_norm = unitwise_norm(param).clamp(min=eps) * clip_factor
    grad_norm = unitwise_norm(grad)
    clipped = grad * (max_norm / grad_norm.clamp(min=1e-6))
    return torch.where(grad_norm < max_norm, grad, clipped)


@pytest.mark.parametrize("shape", [(6,), (5, 7), (4, 3, 3, 3)], ids=["bias", "linear", "conv"])
def test_agc_matches_timms_torch_implementation(shape):
    rng = np.random.default_rng(5)
    weight = rng.standard_normal(shape)
    # gradients from tiny to large relative to their unit's weight
    grad = rng.standard_normal(shape) * np.geomspace(1e-4, 1.0, shape[0]).reshape(
        (-1,) + (1,) * (len(shape) - 1))
    out = adaptive_grad_clip(grad, weight, clipping=0.01)
    close(out, torch_agc(tt(weight), tt(grad)))


def test_agc_clips_only_the_units_over_the_threshold():
    rng = np.random.default_rng(6)
    weight = rng.standard_normal((8, 5))
    grad = rng.standard_normal((8, 5)) * np.geomspace(1e-4, 1.0, 8)[:, None]
    out = adaptive_grad_clip(grad, weight, clipping=0.01)
    w_norm, g_norm = np.linalg.norm(weight, axis=1), np.linalg.norm(grad, axis=1)
    over = g_norm / w_norm > 0.01
    assert over.any() and (~over).any()
    np.testing.assert_array_equal(out[~over], grad[~over])
    close(np.linalg.norm(out[over], axis=1), 0.01 * w_norm[over])
    # clipping keeps each unit's direction
    cos = (out[over] * grad[over]).sum(axis=1) / (
        np.linalg.norm(out[over], axis=1) * g_norm[over])
    close(cos, np.ones(over.sum()))


def test_agc_uses_eps_for_zero_initialised_weights():
    """A unit whose weights are 0 may still take a step of size λ · ε."""
    weight, grad = np.zeros((2, 3)), np.ones((2, 3))
    out = adaptive_grad_clip(grad, weight, clipping=0.01, eps=1e-3)
    close(np.linalg.norm(out, axis=1), np.full(2, 1e-5))
