"""snippets/scale_invariance.py against torch 2.13 autograd (CPU, float64).

torch refuses eps <= 0 in training, so the ε = 0 claims use autograd on the formula
written out here; the ε > 0 claims use torch.nn.functional.batch_norm itself.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.scale_invariance import (
    linear_bn,
    linear_bn_weight_grad,
    norm_after_sgd_step,
    radial_component,
    rescaled_eps,
)

N, IN, OUT = 32, 5, 4


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def case(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, IN)), rng.standard_normal((OUT, IN)),
            rng.uniform(0.5, 2, OUT), rng.standard_normal(OUT), rng.standard_normal((N, OUT)))


def torch_linear_bn(x, w, gamma, beta, eps):
    """y and ∂(Σ y·dy)/∂W by torch: eps=None means ε = 0, written out by hand."""
    wt = torch.tensor(w, requires_grad=True)
    z = torch.tensor(x) @ wt.T
    if eps is None:
        z_hat = (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False))
        y = torch.tensor(gamma) * z_hat + torch.tensor(beta)
    else:
        y = F.batch_norm(z, None, None, torch.tensor(gamma), torch.tensor(beta), training=True, eps=eps)
    return y, wt


@pytest.mark.parametrize("eps", [1e-5, 1e-1])
def test_numpy_linear_bn_and_its_weight_gradient_equal_torch(eps):
    x, w, gamma, beta, dy = case()
    y, wt = torch_linear_bn(x, w, gamma, beta, eps)
    y.backward(torch.tensor(dy))
    np.testing.assert_allclose(linear_bn(x, w, gamma, beta, eps), y.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(linear_bn_weight_grad(x, w, dy, gamma, eps), wt.grad.numpy(),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("a", [0.1, 3.0, 100.0])
def test_scaling_the_input_by_a_is_dividing_eps_by_a_squared(a):
    x, w, gamma, beta, _ = case(1)
    z = torch.tensor(x @ w.T)
    eps = 1e-2
    scaled = F.batch_norm(a * z, None, None, training=True, eps=eps)
    rescaled = F.batch_norm(z, None, None, training=True, eps=rescaled_eps(eps, a))
    np.testing.assert_allclose(scaled.numpy(), rescaled.numpy(), rtol=1e-10, atol=1e-12)
    plain = F.batch_norm(z, None, None, training=True, eps=eps)
    assert np.abs(scaled.numpy() - plain.numpy()).max() > 1e-4      # ε does matter here


@pytest.mark.parametrize("a", [0.5, 4.0])
def test_weight_gradient_scales_as_one_over_a(a):
    x, w, gamma, beta, dy = case(2)
    y1, w1 = torch_linear_bn(x, w, gamma, beta, None)
    y1.backward(torch.tensor(dy))
    ya, wa = torch_linear_bn(x, a * w, gamma, beta, None)
    ya.backward(torch.tensor(dy))
    np.testing.assert_allclose(ya.detach().numpy(), y1.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(wa.grad.numpy(), w1.grad.numpy() / a, rtol=1e-9, atol=1e-12)
    # with ε > 0: the same, once ε is rescaled
    eps = 1e-3
    y2, w2 = torch_linear_bn(x, w, gamma, beta, rescaled_eps(eps, a))
    y2.backward(torch.tensor(dy))
    y3, w3 = torch_linear_bn(x, a * w, gamma, beta, eps)
    y3.backward(torch.tensor(dy))
    np.testing.assert_allclose(w3.grad.numpy(), w2.grad.numpy() / a, rtol=1e-9, atol=1e-12)


def test_with_eps_zero_the_gradient_is_orthogonal_to_each_weight_row():
    x, w, gamma, beta, dy = case(3)
    y, wt = torch_linear_bn(x, w, gamma, beta, None)
    y.backward(torch.tensor(dy))
    grad = wt.grad.numpy()
    np.testing.assert_allclose(radial_component(w, grad), 0, atol=1e-12 * np.abs(grad).max())
    np.testing.assert_allclose(radial_component(w, linear_bn_weight_grad(x, w, dy, gamma, 0.0)), 0,
                               atol=1e-12 * np.abs(grad).max())
    # with ε > 0 (torch's own BN) a small radial part appears
    y_eps, w_eps = torch_linear_bn(x, w, gamma, beta, 0.5)
    y_eps.backward(torch.tensor(dy))
    assert np.abs(radial_component(w, w_eps.grad.numpy())).max() > 1e-6


def test_sgd_on_a_scale_invariant_layer_only_grows_the_weight_norm():
    x, w, gamma, beta, _ = case(4)
    target = np.random.default_rng(5).standard_normal((N, OUT))
    wt = torch.tensor(w, requires_grad=True)
    lr = 0.5
    norms = [np.linalg.norm(w, axis=1)]
    for _ in range(20):
        z = torch.tensor(x) @ wt.T
        y = torch.tensor(gamma) * (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False)) + torch.tensor(beta)
        loss = ((y - torch.tensor(target)) ** 2).sum()
        wt.grad = None
        loss.backward()
        w_now, g = wt.detach().numpy().copy(), wt.grad.numpy().copy()
        predicted = norm_after_sgd_step(w_now, g, lr)
        np.testing.assert_allclose(predicted, np.sqrt(np.linalg.norm(w_now, axis=1) ** 2
                                                      + lr**2 * np.linalg.norm(g, axis=1) ** 2), rtol=1e-10)
        with torch.no_grad():
            wt -= lr * wt.grad
        norms.append(np.linalg.norm(wt.detach().numpy(), axis=1))
        np.testing.assert_allclose(norms[-1], predicted, rtol=1e-12)
    assert np.all(np.diff(np.array(norms), axis=0) >= -1e-12)              # never shrinks
    assert np.all(norms[-1] > norms[0] * (1 + 1e-3))
