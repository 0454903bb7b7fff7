"""snippets/distribution_shift.py against torch.distributions 2.13 and a torch network.

Expected values come from torch (kl_divergence, log_prob, a real SGD step) or from
closed-form expectations of Gaussians, never from the code under test.
"""

import numpy as np
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from snippets.distribution_shift import (
    channel_shift,
    gaussian_kl,
    gaussian_log_density,
    importance_weights,
)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_gaussian_kl_equals_torch():
    rng = np.random.default_rng(0)
    mp, mq = rng.standard_normal(50), rng.standard_normal(50)
    vp, vq = rng.uniform(0.1, 3, 50), rng.uniform(0.1, 3, 50)
    theirs = kl_divergence(Normal(torch.tensor(mp), torch.tensor(np.sqrt(vp))),
                           Normal(torch.tensor(mq), torch.tensor(np.sqrt(vq)))).numpy()
    np.testing.assert_allclose(gaussian_kl(mp, vp, mq, vq), theirs, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gaussian_kl(mp, vp, mp, vp), 0, atol=1e-15)


def test_log_density_equals_torch():
    x = np.linspace(-4, 4, 33)
    theirs = Normal(torch.tensor(0.5, dtype=torch.float64),
                    torch.tensor(1.5, dtype=torch.float64)).log_prob(torch.tensor(x)).numpy()
    np.testing.assert_allclose(gaussian_log_density(x, 0.5, 1.5**2), theirs, rtol=1e-12)


def test_importance_weights_turn_a_source_average_into_the_target_one():
    source, target = (0.0, 1.5**2), (0.5, 1.0)
    torch.manual_seed(0)
    x = Normal(torch.tensor(source[0], dtype=torch.float64),
               torch.tensor(np.sqrt(source[1]))).sample((400_000,)).numpy()
    w = importance_weights(x, source, target)
    # f(x) = x²: E_t[x²] = μ_t² + σ_t² = 1.25, while E_s[x²] = 2.25
    assert np.mean(x**2) == pytest.approx(2.25, abs=0.03)
    assert np.mean(w * x**2) == pytest.approx(1.25, abs=0.03)
    assert np.mean(w) == pytest.approx(1.0, abs=0.01)


def _step_and_inputs(bn=None):
    """A layer's input (the first block's output) on one batch, before and after one
    SGD step of the whole network; bn: None, "affine" or "plain" (affine=False)."""
    torch.manual_seed(1)
    linear = torch.nn.Linear(10, 8).double()
    norm = torch.nn.BatchNorm1d(8, affine=(bn == "affine")).double() if bn else torch.nn.Identity()
    second = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    x = torch.randn(256, 10, dtype=torch.float64) * 2 + 1
    y = torch.randn(256, 3, dtype=torch.float64)
    if bn == "affine":                                 # start from a non-trivial γ, β
        with torch.no_grad():
            norm.weight.uniform_(0.5, 2.0)
            norm.bias.normal_()
    states = []
    for step in range(2):
        z = linear(x)
        out = norm(z)
        gamma_beta = (norm.weight.detach().numpy().copy(), norm.bias.detach().numpy().copy()) \
            if bn == "affine" else None
        states.append((z.detach().numpy(), out.detach().numpy(), gamma_beta))
        if step == 0:
            ((second(out) - y) ** 2).mean().backward()
            with torch.no_grad():
                for p in [*linear.parameters(), *norm.parameters(), *second.parameters()]:
                    p -= 0.5 * p.grad
    return states


def torch_fit_kl(before, after):
    b, a = torch.tensor(before), torch.tensor(after)
    return kl_divergence(Normal(a.mean(0), a.var(0, unbiased=False).sqrt()),
                         Normal(b.mean(0), b.var(0, unbiased=False).sqrt())).numpy()


def test_a_training_step_shifts_a_layers_input():
    (_, before, _), (_, after, _) = _step_and_inputs()
    shift = channel_shift(before, after)
    np.testing.assert_allclose(shift, torch_fit_kl(before, after), rtol=1e-9, atol=1e-15)
    assert shift.max() > 1e-3


def test_batch_norm_without_affine_keeps_each_channels_mean_and_variance():
    (z0, before, _), (z1, after, _) = _step_and_inputs("plain")
    assert channel_shift(z0, z1).max() > 1e-3            # the input of BN moved
    shift = channel_shift(before, after)
    np.testing.assert_allclose(shift, torch_fit_kl(before, after), rtol=1e-6, atol=1e-15)
    assert shift.max() < 1e-12                           # its output did not


def test_with_affine_batch_norm_the_moments_move_only_through_gamma_and_beta():
    (z0, before, (g0, b0)), (z1, after, (g1, b1)) = _step_and_inputs("affine")
    shift = channel_shift(before, after)
    np.testing.assert_allclose(shift, torch_fit_kl(before, after), rtol=1e-8, atol=1e-15)
    # output moments: mean β, variance γ² · σ²/(σ² + ε), σ² that of the BN input
    v0, v1 = z0.var(0) / (z0.var(0) + 1e-5), z1.var(0) / (z1.var(0) + 1e-5)
    np.testing.assert_allclose(shift, gaussian_kl(b1, g1**2 * v1, b0, g0**2 * v0), rtol=1e-6, atol=1e-15)
