"""snippets/norms.py's LayerNorm backward (closed form) against torch autograd of
F.layer_norm, and ConvNeXt's channels-first LayerNorm against permute + nn.LayerNorm
(torch 2.13, CPU).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.norms import layer_norm_backward, layer_norm_channels_first
from test_batch_norm import (  # noqa: F401 - one_torch_thread: an autouse fixture
    close,
    data,
    one_torch_thread,
    tt,
)

CASES = [((6, 5), (5,)), ((3, 4, 8), (8,)), ((2, 3, 4, 5), (3, 4, 5)), ((2, 3, 4, 5), (4, 5))]


@pytest.mark.parametrize("shape,normalized_shape", CASES,
                         ids=["NC", "NLD", "NCHW-all", "NCHW-HW"])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_backward_matches_autograd(shape, normalized_shape, affine):
    x = data(shape)
    rng = np.random.default_rng(3)
    grad_out = rng.standard_normal(shape)
    weight = rng.uniform(0.5, 2.0, normalized_shape) if affine else None
    bias = rng.standard_normal(normalized_shape) if affine else None
    tx = tt(x).requires_grad_()
    tw = tt(weight).requires_grad_() if affine else None
    tb = tt(bias).requires_grad_() if affine else None
    F.layer_norm(tx, normalized_shape, tw, tb, eps=1e-5).backward(tt(grad_out))
    grad_input, grad_weight, grad_bias = layer_norm_backward(
        grad_out, x, normalized_shape, weight, eps=1e-5)
    close(grad_input, tx.grad)
    if affine:
        close(grad_weight, tw.grad)
        close(grad_bias, tb.grad)


def test_layer_norm_input_gradient_sums_to_zero_per_sample():
    """Shift invariance per sample: Σ_i ∂L/∂x_i = 0 over each sample's H elements."""
    x, grad_out = data((4, 6)), np.random.default_rng(5).standard_normal((4, 6))
    grad_input, _, _ = layer_norm_backward(grad_out, x, (6,), np.full(6, 1.3))
    close(grad_input.sum(axis=1), np.zeros(4))


@pytest.mark.parametrize("shape", [(2, 6, 4, 5), (3, 6, 7)], ids=["NCHW", "NCL"])
def test_channels_first_layer_norm_is_permuted_nn_layer_norm(shape):
    x = data(shape)
    c = shape[1]
    rng = np.random.default_rng(6)
    weight, bias = rng.uniform(0.5, 2.0, c), rng.standard_normal(c)
    ln = torch.nn.LayerNorm(c, eps=1e-6, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(tt(weight))
        ln.bias.copy_(tt(bias))
    channels_last = tt(x).movedim(1, -1)
    expected = ln(channels_last).movedim(-1, 1)
    close(layer_norm_channels_first(x, weight, bias), expected)


def test_channels_first_layer_norm_is_not_group_norm_with_one_group():
    x = data((2, 6, 4, 5))
    ones, zeros = np.ones(6), np.zeros(6)
    ours = layer_norm_channels_first(x, ones, zeros)
    gn = F.group_norm(tt(x), 1, eps=1e-6).numpy()
    assert not np.allclose(ours, gn, atol=1e-2)
    # per position, the C channels have mean 0 and variance ≈ 1
    close(ours.mean(axis=1), np.zeros((2, 4, 5)))
