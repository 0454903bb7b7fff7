"""snippets/activations.py against torch 2.13: ReLU and its gradient by autograd; the
rectified-Gaussian moments by a quadrature of torch's Normal density, and by BN + ReLU
applied to a large sample in torch.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal

from snippets.activations import relu, relu_backward, relu_of_gaussian


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_relu_and_its_gradient_equal_torch_including_zero():
    x = np.array([-2.0, -0.5, 0.0, 0.0, 0.3, 4.0])
    dy = np.array([1.0, 2.0, 3.0, -1.0, 5.0, -6.0])
    xt = torch.tensor(x, requires_grad=True)
    y = torch.relu(xt)
    y.backward(torch.tensor(dy))
    np.testing.assert_array_equal(relu(x), y.detach().numpy())
    np.testing.assert_array_equal(relu_backward(dy, x), xt.grad.numpy())
    assert xt.grad[2] == 0 and xt.grad[3] == 0          # the derivative at 0 is 0


@pytest.mark.parametrize("beta,gamma", [(0.0, 1.0), (0.0, 2.5), (0.7, 1.3), (-1.5, 0.8)])
def test_rectified_gaussian_moments_by_quadrature(beta, gamma):
    z = torch.linspace(beta - 12 * gamma, beta + 12 * gamma, 400_001, dtype=torch.float64)
    density = Normal(torch.tensor(beta, dtype=torch.float64),
                     torch.tensor(gamma, dtype=torch.float64)).log_prob(z).exp()
    r = torch.relu(z)

    def integrate(f):
        return torch.trapezoid(f * density, z).item()

    active, mean, var = relu_of_gaussian(beta, gamma)
    assert active == pytest.approx(integrate((z > 0).double()), abs=2e-5)   # a jump: trapezoid error
    assert mean == pytest.approx(integrate(r), rel=1e-7, abs=1e-10)
    assert var == pytest.approx(integrate(r**2) - integrate(r) ** 2, rel=1e-7, abs=1e-10)


def test_bn_then_relu_on_a_sample_half_active_and_not_zero_mean():
    torch.manual_seed(0)
    x = torch.randn(200_000, 1, dtype=torch.float64) * 3 + 7      # any Gaussian input
    gamma = 1.7
    out = torch.relu(F.batch_norm(x, None, None, torch.tensor([gamma], dtype=torch.float64),
                                  torch.zeros(1, dtype=torch.float64), training=True))
    active, mean, var = relu_of_gaussian(0.0, gamma)
    assert active == pytest.approx(0.5)
    assert mean == pytest.approx(gamma / np.sqrt(2 * np.pi))
    assert (out > 0).double().mean().item() == pytest.approx(active, abs=0.005)
    assert out.mean().item() == pytest.approx(mean, abs=0.01)
    assert out.var().item() == pytest.approx(var, abs=0.02)
    # ReLU then BN: the next layer's input is zero-mean again
    again = F.batch_norm(out, None, None, training=True)
    assert abs(again.mean().item()) < 1e-12
