"""snippets/dyt.py against the paper's module written with torch ops (torch 2.13,
CPU), and the properties of LayerNorm that DyT does not have.
"""

import numpy as np
import torch
import torch.nn.functional as F

from snippets.dyt import dynamic_tanh
from test_batch_norm import (  # noqa: F401 - one_torch_thread: an autouse fixture
    close,
    data,
    one_torch_thread,
    tt,
)

D = 6


class TorchDyT(torch.nn.Module):
    """The DyT module as the paper writes it in PyTorch."""

    def __init__(self, num_features, alpha_init_value=0.5):
        super().__init__()
        self.alpha = torch.nn.Parameter(torch.ones(1) * alpha_init_value)
        self.weight = torch.nn.Parameter(torch.ones(num_features))
        self.bias = torch.nn.Parameter(torch.zeros(num_features))

    def forward(self, x):
        return torch.tanh(self.alpha * x) * self.weight + self.bias


def weights():
    rng = np.random.default_rng(4)
    return rng.uniform(0.5, 2.0, D), rng.standard_normal(D)


def test_dyt_matches_the_papers_module():
    x = data((3, 5, D))
    weight, bias = weights()
    module = TorchDyT(D).double()
    with torch.no_grad():
        module.alpha.fill_(0.7)
        module.weight.copy_(tt(weight))
        module.bias.copy_(tt(bias))
    close(dynamic_tanh(x, 0.7, weight, bias), module(tt(x)))


def test_dyt_is_element_wise_layer_norm_is_not():
    """Changing one feature of a token changes only that output under DyT; under
    LayerNorm every output of the token moves (the token's μ and σ changed)."""
    x = data((1, 1, D))
    bumped = x.copy()
    bumped[..., 0] += 5.0
    weight, bias = np.ones(D), np.zeros(D)
    dyt_change = dynamic_tanh(bumped, 0.5, weight, bias) - dynamic_tanh(x, 0.5, weight, bias)
    ln_change = (F.layer_norm(tt(bumped), (D,)) - F.layer_norm(tt(x), (D,))).numpy()
    np.testing.assert_array_equal(dyt_change[..., 1:], 0)
    assert np.all(np.abs(ln_change[..., 1:]) > 1e-3)


def test_dyt_is_not_scale_invariant():
    """LN(s·x) = LN(x) up to ε; DyT(s·x) ≠ DyT(x): α must learn the input's scale."""
    x = data((2, 4, D), loc=0.0, scale=0.5)
    weight, bias = np.ones(D), np.zeros(D)
    close(F.layer_norm(tt(10 * x), (D,), eps=0.0).numpy(),
          F.layer_norm(tt(x), (D,), eps=0.0))
    assert not np.allclose(dynamic_tanh(10 * x, 0.5, weight, bias),
                           dynamic_tanh(x, 0.5, weight, bias), atol=0.1)


def test_dyt_is_linear_near_zero_and_bounded_far_from_it():
    weight, bias = weights()
    small = np.full(D, 1e-4)
    close(dynamic_tanh(small, 0.5, weight, bias), bias + weight * 0.5 * small)
    huge = np.full(D, 1e4)
    close(dynamic_tanh(huge, 0.5, weight, bias), bias + weight)
    close(dynamic_tanh(-huge, 0.5, weight, bias), bias - weight)
