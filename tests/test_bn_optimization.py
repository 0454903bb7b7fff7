"""snippets/bn_optimization.py: Santurkar et al.'s ICS measure against closed-form NumPy
gradients of a two-layer linear network, and the BN gradient identity against torch
2.13 autograd (ε = 0 written out by hand, since torch refuses eps <= 0 in training).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.bn_optimization import bn_grad_norm_squared, gradient_ics


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def half_sse(out, y):
    return 0.5 * ((out - y) ** 2).sum()


def linear_net(w1, w2):
    model = torch.nn.Sequential(torch.nn.Linear(w1.shape[1], w1.shape[0], bias=False),
                                torch.nn.Linear(w2.shape[1], w2.shape[0], bias=False)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(w1))
        model[1].weight.copy_(torch.tensor(w2))
    return model


@pytest.mark.parametrize("lr", [0.0, 0.01, 0.05])
def test_gradient_ics_of_a_linear_network_matches_the_closed_form(lr):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 5)), rng.standard_normal((16, 3))
    w1, w2 = rng.standard_normal((4, 5)) * 0.5, rng.standard_normal((3, 4)) * 0.5
    # L = ½‖X W1ᵀ W2ᵀ − Y‖²: ∂L/∂W2 = Rᵀ Z, ∂L/∂W1 = (R W2)ᵀ X, Z = X W1ᵀ, R = Z W2ᵀ − Y
    z = x @ w1.T
    r = z @ w2.T - y
    g2, g1 = r.T @ z, (r @ w2).T @ x
    z_after = x @ (w1 - lr * g1).T
    g2_after = (z_after @ w2.T - y).T @ z_after
    expected = np.linalg.norm(g2 - g2_after)
    cosine = (g2 * g2_after).sum() / (np.linalg.norm(g2) * np.linalg.norm(g2_after))
    ics, cos = gradient_ics(linear_net(w1, w2), half_sse, torch.tensor(x), torch.tensor(y), lr, layer=1)
    assert ics == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert cos == pytest.approx(cosine, rel=1e-10)
    if lr == 0.0:
        assert ics == 0.0
    # the first layer has nothing before it
    assert gradient_ics(linear_net(w1, w2), half_sse, torch.tensor(x), torch.tensor(y), lr, layer=0)[0] == 0.0


def torch_bn_eps0(x, gamma):
    xt = torch.tensor(x, requires_grad=True)
    x_hat = (xt - xt.mean(0)) / torch.sqrt(xt.var(0, unbiased=False))
    return xt, torch.tensor(gamma) * x_hat


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bn_gradient_norm_identity_with_eps_zero(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((24, 4)) * rng.uniform(0.2, 5, 4) + 3
    gamma, g = rng.uniform(0.5, 2, 4), rng.standard_normal((24, 4))
    xt, y = torch_bn_eps0(x, gamma)
    y.backward(torch.tensor(g))
    measured = (xt.grad.numpy() ** 2).sum(0)
    np.testing.assert_allclose(bn_grad_norm_squared(g, x, gamma), measured, rtol=1e-9)
    # the projection only shortens g: ‖∂L/∂x‖² ≤ γ²/σ² ‖g‖²
    assert np.all(measured <= gamma**2 / x.var(0) * (g**2).sum(0) * (1 + 1e-12))


def test_torch_batch_norm_with_small_eps_is_close_to_the_identity():
    rng = np.random.default_rng(3)
    x, gamma, g = rng.standard_normal((32, 3)) * 2, rng.uniform(0.5, 2, 3), rng.standard_normal((32, 3))
    xt = torch.tensor(x, requires_grad=True)
    F.batch_norm(xt, None, None, torch.tensor(gamma), None, training=True, eps=1e-10).backward(torch.tensor(g))
    np.testing.assert_allclose(bn_grad_norm_squared(g, x, gamma), (xt.grad.numpy() ** 2).sum(0), rtol=1e-7)
