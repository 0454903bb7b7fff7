"""snippets/residual.py and kb/figures/residual_units.py against torch 2.13.

Each unit of He et al. 2016 (arXiv:1603.05027, Fig. 4) is written here a second time
with torch.nn, straight from the paper's description; the NumPy unit must give the
same output. Stacks of units with the last layer of every branch zeroed (as at the
start of training with zero-init) show the identity path: the pre-activation units
pass the input and its gradient through unchanged, the original unit does not.
"""

import numpy as np
import pytest
import torch
from PIL import Image

from kb.figures import residual_units
from snippets.residual import UNITS, residual_unit

N, C = 16, 4
KEYS = list(UNITS)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class TorchUnit(torch.nn.Module):
    """The five units of Fig. 4, with torch.nn layers (Linear for the convolutions)."""

    def __init__(self, unit):
        super().__init__()
        self.unit = unit
        self.w1 = torch.nn.Linear(C, C, bias=False)
        self.w2 = torch.nn.Linear(C, C, bias=False)
        self.bn1 = torch.nn.BatchNorm1d(C)
        self.bn2 = torch.nn.BatchNorm1d(C)

    def forward(self, x):
        relu, w1, w2, bn1, bn2 = torch.relu, self.w1, self.w2, self.bn1, self.bn2
        if self.unit.startswith("(a)"):      # ReLU after the addition
            return relu(x + bn2(w2(relu(bn1(w1(x))))))
        if self.unit.startswith("(b)"):      # BN and ReLU after the addition
            return relu(bn2(x + w2(relu(bn1(w1(x))))))
        if self.unit.startswith("(c)"):      # the branch ends with ReLU
            return x + relu(bn2(w2(relu(bn1(w1(x))))))
        if self.unit.startswith("(d)"):      # ReLU moved to the front of the branch
            return x + bn2(w2(relu(bn1(w1(relu(x))))))
        return x + w2(relu(bn2(w1(relu(bn1(x))))))   # (e) BN and ReLU before each weight


def params(seed):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((C, C)) * 0.7 for _ in range(2)]
    bns = [(rng.uniform(0.5, 2, C), rng.standard_normal(C)) for _ in range(2)]
    return weights, bns


def torch_unit(unit, weights, bns):
    module = TorchUnit(unit).double()
    with torch.no_grad():
        module.w1.weight.copy_(torch.tensor(weights[0]))
        module.w2.weight.copy_(torch.tensor(weights[1]))
        for bn, (gamma, beta) in zip((module.bn1, module.bn2), bns):
            bn.weight.copy_(torch.tensor(gamma))
            bn.bias.copy_(torch.tensor(beta))
    return module


@pytest.mark.parametrize("unit", KEYS)
def test_each_unit_equals_torch(unit):
    x = np.random.default_rng(0).standard_normal((N, C)) * 2 + 0.5
    weights, bns = params(1)
    ours = residual_unit(x, unit, weights, bns)
    theirs = torch_unit(unit, weights, bns)(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def zeroed_stack(unit, depth=4):
    """``depth`` units whose last branch weight is 0 and BN β is 0 (γ random)."""
    modules = []
    for k in range(depth):
        weights, bns = params(10 + k)
        weights[1] = np.zeros((C, C))
        bns = [(gamma, np.zeros(C)) for gamma, _ in bns]
        modules.append((weights, bns))
    return modules


@pytest.mark.parametrize("unit", KEYS)
def test_zero_initialised_stacks_are_the_identity_only_without_an_activation_after_the_addition(unit):
    x = np.random.default_rng(2).standard_normal((N, C))
    stack = zeroed_stack(unit)
    h = x
    for weights, bns in stack:
        h = residual_unit(h, unit, weights, bns)
    model = torch.nn.Sequential(*(torch_unit(unit, w, b) for w, b in stack))
    xt = torch.tensor(x)
    jac = torch.autograd.functional.jacobian(lambda t: model(t), xt).reshape(N * C, N * C).numpy()
    np.testing.assert_allclose(h, model(xt).detach().numpy(), rtol=1e-10, atol=1e-12)
    after_addition = UNITS[unit][1]
    if after_addition:          # (a), (b): ReLU (and BN) after the addition
        assert np.abs(h - x).max() > 0.1
        assert np.abs(jac - np.eye(N * C)).max() > 0.5
    else:                       # (c), (d), (e): x_L = x_l + Σ F(x_i) with F = 0
        np.testing.assert_array_equal(h, x)
        np.testing.assert_allclose(jac, np.eye(N * C), atol=1e-12)


def test_original_unit_blocks_the_gradient_of_negative_signals():
    # (a) with a zeroed branch is ReLU(x): the gradient reaches x only where x > 0
    x = np.random.default_rng(3).standard_normal((N, C))
    (weights, bns), = zeroed_stack(KEYS[0], depth=1)
    xt = torch.tensor(x, requires_grad=True)
    torch_unit(KEYS[0], weights, bns)(xt).sum().backward()
    np.testing.assert_array_equal(xt.grad.numpy(), (x > 0).astype(float))


# --- the figure ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    path = tmp_path_factory.mktemp("figure") / "units.png"
    return path, residual_units.draw(path)


def test_the_figure_shows_the_tested_units(drawn):
    _, labels = drawn
    assert list(labels) == KEYS
    for unit, (branch, after) in UNITS.items():
        assert labels[unit] == [*branch, "addition", *after]


def test_the_committed_figure_is_what_the_script_draws(drawn):
    path, _ = drawn
    committed = np.asarray(Image.open(residual_units.OUTPUT).convert("RGB")).astype(int)
    fresh = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert committed.shape == fresh.shape
    assert np.abs(committed - fresh).max() <= 8, \
        "run `python -m kb.figures.residual_units` and commit the figure"
    assert residual_units.OUTPUT.stat().st_size < 200_000


@pytest.mark.parametrize("unit", [KEYS[0], KEYS[4]])
def test_zero_gamma_in_the_last_bn_of_the_branch(unit):
    # torchvision's zero_init_residual: the branch starts at 0
    x = np.random.default_rng(4).standard_normal((N, C))
    weights, bns = params(5)
    bns[1] = (np.zeros(C), np.zeros(C))
    module = torch_unit(unit, weights, bns)
    theirs = module(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(residual_unit(x, unit, weights, bns), theirs, atol=1e-12)
    expected = np.maximum(x, 0) if unit == KEYS[0] else x
    np.testing.assert_allclose(theirs, expected, atol=1e-12)
