"""snippets/batch_norm_graph.py against torch 2.13 autograd (CPU, float64).

The forward graph must give torch's training-mode output; the node-by-node backward
and the colleague's closed form (snippets/batch_norm.py) must both give torch's
gradients; the gradient's sum per channel is 0; its dot product with x̂ is the
ε-term predicted on the page, and is 0 when ε = 0 (computed here by autograd on the
formula written out, since torch refuses eps <= 0 in training).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.batch_norm import batch_norm_backward
from snippets.batch_norm_graph import backward_graph, channel_sums, forward_graph, grad_dot_x_hat

SHAPES = [(16, 3), (4, 3, 7), (3, 3, 4, 5), (2, 3, 2, 3, 4)]
IDS = ["NC", "NCL", "NCHW", "NCDHW"]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def case(shape, seed=0):
    rng = np.random.default_rng(seed)
    c = shape[1]
    bshape = (1, c) + (1,) * (len(shape) - 2)
    x = rng.standard_normal(shape) * (1 + np.arange(c)).reshape(bshape) + 5 * np.arange(c).reshape(bshape)
    gamma = rng.uniform(0.5, 2.0, c)
    beta = rng.standard_normal(c)
    dy = rng.standard_normal(shape)
    return x, gamma, beta, dy


def torch_grads(x, gamma, beta, dy, eps):
    xt = torch.tensor(x, requires_grad=True)
    gt = torch.tensor(gamma, requires_grad=True)
    bt = torch.tensor(beta, requires_grad=True)
    y = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
    y.backward(torch.tensor(dy))
    return y.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_graph_forward_and_backward_equal_torch(shape, eps):
    x, gamma, beta, dy = case(shape)
    y_t, dx_t, dg_t, db_t = torch_grads(x, gamma, beta, dy, eps)
    y, cache = forward_graph(x, gamma, beta, eps)
    np.testing.assert_allclose(y, y_t, rtol=1e-10, atol=1e-12)
    dx, dg, db = backward_graph(dy, cache)
    np.testing.assert_allclose(dx, dx_t, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dg, dg_t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, db_t, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_closed_form_shown_on_the_page_equals_the_graph_walk_and_torch(shape):
    x, gamma, beta, dy = case(shape, seed=1)
    _, dx_t, _, _ = torch_grads(x, gamma, beta, dy, 1e-5)
    dx_closed, _, _ = batch_norm_backward(dy, x, gamma, 1e-5)
    dx_graph, _, _ = backward_graph(dy, forward_graph(x, gamma, beta, 1e-5)[1])
    np.testing.assert_allclose(dx_closed, dx_t, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dx_graph, dx_closed, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_the_input_gradient_sums_to_zero_per_channel(shape):
    x, gamma, beta, dy = case(shape, seed=2)
    _, dx_t, _, _ = torch_grads(x, gamma, beta, dy, 1e-5)
    scale = np.abs(dx_t).sum()
    assert scale > 1.0                                   # not a vanishing gradient
    np.testing.assert_allclose(channel_sums(dx_t), 0, atol=1e-12 * scale)
    dx, _, _ = backward_graph(dy, forward_graph(x, gamma, beta)[1])
    np.testing.assert_allclose(channel_sums(dx), 0, atol=1e-12 * scale)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("eps", [1e-5, 1e-2, 1.0])
def test_gradient_dot_x_hat_is_the_epsilon_term(shape, eps):
    x, gamma, beta, dy = case(shape, seed=3)
    x = x / 10                                           # σ² near ε for the larger ε
    _, dx_t, _, _ = torch_grads(x, gamma, beta, dy, eps)
    xt = torch.tensor(x)
    axes = [0] + list(range(2, x.ndim))
    mean = xt.mean(axes, keepdim=True)
    var = xt.var(axes, unbiased=False, keepdim=True)
    x_hat = ((xt - mean) / torch.sqrt(var + eps)).numpy()
    measured = channel_sums(dx_t, x_hat)
    predicted = grad_dot_x_hat(dy, x, gamma, eps)
    np.testing.assert_allclose(measured, predicted, rtol=1e-8, atol=1e-13)
    assert np.all(np.abs(measured) > 1e-9)               # with ε > 0 it is not 0


def test_torch_refuses_eps_zero_in_training():
    with pytest.raises(ValueError, match="eps must be positive"):
        F.batch_norm(torch.ones(4, 2), None, None, training=True, eps=0.0)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_with_eps_zero_the_gradient_is_orthogonal_to_x_hat(shape):
    x, gamma, beta, dy = case(shape, seed=4)
    xt = torch.tensor(x, requires_grad=True)
    axes = [0] + list(range(2, x.ndim))
    bshape = (1, -1) + (1,) * (x.ndim - 2)
    mean = xt.mean(axes, keepdim=True)
    x_hat = (xt - mean) / torch.sqrt(((xt - mean) ** 2).mean(axes, keepdim=True))
    y = torch.tensor(gamma).reshape(bshape) * x_hat + torch.tensor(beta).reshape(bshape)
    y.backward(torch.tensor(dy))
    dx = xt.grad.numpy()
    scale = np.abs(dx).sum()
    np.testing.assert_allclose(channel_sums(dx, x_hat.detach().numpy()), 0, atol=1e-12 * scale)
    np.testing.assert_allclose(grad_dot_x_hat(dy, x, gamma, 0.0), 0, atol=1e-12 * scale)
    # and the graph walk with ε = 0 agrees with autograd
    dx_graph, _, _ = backward_graph(dy, forward_graph(x, gamma, beta, eps=0.0)[1])
    np.testing.assert_allclose(dx_graph, dx, rtol=1e-9, atol=1e-12)


def test_a_bias_before_batch_norm_gets_no_gradient():
    # the page's corollary of "the gradient sums to 0": Conv -> BN needs no bias
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3, bias=True).double()
    bn = torch.nn.BatchNorm2d(4).double()
    x = torch.randn(5, 3, 8, 8, dtype=torch.float64)
    (bn(conv(x)) * torch.randn(5, 4, 6, 6, dtype=torch.float64)).sum().backward()
    assert conv.weight.grad.abs().max() > 1e-2
    np.testing.assert_allclose(conv.bias.grad.numpy(), 0, atol=1e-12)
