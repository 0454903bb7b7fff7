"""snippets/weight_reparam.py against torch 2.13 (float64, CPU):
nn.utils.parametrizations.weight_norm's weight and autograd gradients for g and v, and
Weight Standardization against F.layer_norm over each filter, inside a GroupNorm block.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm as torch_weight_norm

from snippets.weight_reparam import norm_except_dim, weight_norm, weight_norm_grads, weight_standardize


def layer(kind):
    torch.manual_seed(0)
    if kind == "linear":
        return nn.Linear(5, 4, dtype=torch.float64), torch.randn(7, 5, dtype=torch.float64)
    return nn.Conv2d(3, 4, 3, dtype=torch.float64), torch.randn(2, 3, 6, 6, dtype=torch.float64)


DIMS = [("linear", 0), ("linear", 1), ("linear", None), ("conv", 0), ("conv", 1), ("conv", None)]


@pytest.mark.parametrize("kind, dim", DIMS)
def test_weight_norm_and_its_gradients_equal_torch_parametrization(kind, dim):
    module, x = layer(kind)
    w_before = module.weight.detach().clone()
    torch_weight_norm(module, dim=dim)
    g_param = module.parametrizations.weight.original0
    v_param = module.parametrizations.weight.original1
    # registering keeps the weight: g starts as ‖w‖ and v as w
    torch.testing.assert_close(module.weight.detach(), w_before)
    with torch.no_grad():   # move g and v away from the start, so the test sees g ≠ ‖v‖
        g_param.mul_(torch.linspace(0.5, 2.0, g_param.numel(), dtype=torch.float64).reshape(g_param.shape))
        v_param.add_(0.3 * torch.randn_like(v_param))
    g, v = g_param.detach().numpy().copy(), v_param.detach().numpy().copy()
    np.testing.assert_allclose(weight_norm(v, g, dim), module.weight.detach().numpy(), rtol=1e-12)
    # gradients: L = Σ output·dy
    with parametrize.cached():   # one w for the forward and for reading its gradient
        w = module.weight
        w.retain_grad()
        out = module(x)
        (out * torch.randn_like(out)).sum().backward()
    grad_g, grad_v = weight_norm_grads(v, g, w.grad.numpy(), dim)
    np.testing.assert_allclose(grad_g, g_param.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_v, v_param.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, 2, None])
def test_norm_except_dim_equals_torch(dim):
    v = np.random.default_rng(4).standard_normal((4, 3, 5))
    expected = torch.norm_except_dim(torch.tensor(v), 2, -1 if dim is None else dim).numpy()
    assert np.shape(norm_except_dim(v, dim)) == expected.shape
    np.testing.assert_allclose(norm_except_dim(v, dim), expected, rtol=1e-12)


def test_the_gradient_for_v_is_orthogonal_to_v_and_scales_as_one_over_its_norm():
    rng = np.random.default_rng(1)
    v, g, grad_w = rng.standard_normal((4, 6)), rng.uniform(0.5, 2, (4, 1)), rng.standard_normal((4, 6))
    _, grad_v = weight_norm_grads(v, g, grad_w)
    np.testing.assert_allclose((grad_v * v).sum(axis=1), 0, atol=1e-12)
    _, grad_3v = weight_norm_grads(3 * v, g, grad_w)   # w is the same, so ∇_w L is too
    np.testing.assert_allclose(grad_3v, grad_v / 3, rtol=1e-12)


def test_torch_dim_minus_one_means_the_whole_tensor_not_the_last_axis():
    module, _ = layer("linear")
    torch_weight_norm(module, dim=-1)
    assert module.parametrizations.weight.original0.shape == torch.Size([])
    v = module.parametrizations.weight.original1.detach().numpy()
    g = module.parametrizations.weight.original0.detach().numpy()
    np.testing.assert_allclose(weight_norm(v, g, None), module.weight.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3, 3, 3), (8, 5), (6, 2, 5)])
def test_weight_standardization_is_layer_norm_over_each_filter(shape):
    w = np.random.default_rng(2).standard_normal(shape) * 0.2 + 0.05
    expected = F.layer_norm(torch.tensor(w), shape[1:], eps=1e-5).numpy()
    np.testing.assert_allclose(weight_standardize(w), expected, rtol=1e-12, atol=1e-12)
    ws = weight_standardize(w, eps=0.0)
    axes = tuple(range(1, len(shape)))
    np.testing.assert_allclose(ws.mean(axis=axes), 0, atol=1e-12)
    np.testing.assert_allclose(ws.var(axis=axes), 1, rtol=1e-12)
    # each filter may be scaled and shifted: a·W + b standardises to the same Ŵ (ε = 0)
    a, b = np.array([0.5, 2, 7, 1e3]).reshape(-1, *[1] * (len(shape) - 1)), 3.0
    np.testing.assert_allclose(weight_standardize(a * w[:4] + b, eps=0.0), ws[:4], rtol=1e-9, atol=1e-9)


def ws_gn_block(x, conv, gn):
    """Conv2d with standardised weights, then GroupNorm: composed from torch ops."""
    w = F.layer_norm(conv.weight, conv.weight.shape[1:], eps=1e-5)
    return gn(F.conv2d(x, w, conv.bias, padding=1))


def test_ws_with_group_norm_gives_each_image_the_same_output_alone_or_in_a_batch():
    torch.manual_seed(3)
    conv, gn, bn = (nn.Conv2d(3, 8, 3, padding=1, dtype=torch.float64), nn.GroupNorm(4, 8, dtype=torch.float64),
                    nn.BatchNorm2d(8, dtype=torch.float64))
    x = torch.randn(6, 3, 5, 5, dtype=torch.float64)
    with torch.no_grad():
        batch = ws_gn_block(x, conv, gn)
        alone = torch.cat([ws_gn_block(x[i:i + 1], conv, gn) for i in range(6)])
        torch.testing.assert_close(alone, batch)
        # the NumPy standardisation is the one used inside
        np.testing.assert_allclose(weight_standardize(conv.weight.numpy()),
                                   F.layer_norm(conv.weight, conv.weight.shape[1:]).numpy(), rtol=1e-12)
        # training-mode BN in its place: an image's output depends on its batch
        bn.train()
        w = F.layer_norm(conv.weight, conv.weight.shape[1:])
        with_bn = bn(F.conv2d(x, w, conv.bias, padding=1))
        alone_bn = torch.cat([bn(F.conv2d(x[i:i + 1], w, conv.bias, padding=1)) for i in range(6)])
        assert (with_bn - alone_bn).abs().max() > 0.1
