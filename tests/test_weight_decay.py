"""snippets/weight_decay.py against torch 2.13: torch.optim.SGD's weight-decay step, the
angle it turns a BN layer's weight rows by (gradient from autograd, ε = 0), the
equilibrium norm against the recursion it solves, and the parameter groups.
"""

import numpy as np
import pytest
import torch
from torch import nn

from snippets.weight_decay import (
    angular_update,
    decay_and_no_decay_groups,
    effective_learning_rate,
    equilibrium_angular_update,
    equilibrium_norm,
    next_norm,
    predicted_angular_update,
    sgd_step,
)
from test_scale_invariance import case, torch_linear_bn


def bn_gradient(x, w, gamma, beta, dy):
    """∂(Σ y·dy)/∂W for y = BN(x Wᵀ) with ε = 0, by torch autograd."""
    y, wt = torch_linear_bn(x, w, gamma, beta, None)
    y.backward(torch.tensor(dy))
    return wt.grad.numpy()


@pytest.mark.parametrize("weight_decay", [0.0, 5e-4, 0.1])
def test_sgd_step_equals_torch_optim_sgd(weight_decay):
    _, w, _, _, _ = case()
    grad = np.random.default_rng(1).standard_normal(w.shape)
    param = nn.Parameter(torch.tensor(w))
    param.grad = torch.tensor(grad)
    torch.optim.SGD([param], lr=0.3, weight_decay=weight_decay).step()
    np.testing.assert_allclose(sgd_step(w, grad, 0.3, weight_decay), param.detach().numpy(), rtol=1e-14)


@pytest.mark.parametrize("lr, weight_decay", [(0.1, 0.0), (0.5, 0.01), (2.0, 0.1)])
def test_angle_of_an_sgd_step_on_a_bn_layer_is_the_predicted_one(lr, weight_decay):
    x, w, gamma, beta, dy = case(3)
    grad = bn_gradient(x, w, gamma, beta, dy)
    turned = angular_update(w, sgd_step(w, grad, lr, weight_decay))
    np.testing.assert_allclose(turned, predicted_angular_update(w, grad, lr, weight_decay), rtol=1e-10)
    assert turned.min() > 1e-4


@pytest.mark.parametrize("a", [0.5, 3.0])
def test_the_angle_for_a_times_w_is_that_of_the_effective_learning_rate(a):
    # at a·w the gradient is g/a: for small steps the angle is ≈ (η/‖aw‖²)·‖g̃‖, g̃ = ‖w‖-scaled
    x, w, gamma, beta, dy = case(4)
    lr = 1e-4
    grad_a = bn_gradient(x, a * w, gamma, beta, dy)
    unit_grad = np.linalg.norm(a * w, axis=1) * np.linalg.norm(grad_a, axis=1)   # ‖g̃‖, the same for every a
    unit_grad_1 = np.linalg.norm(w, axis=1) * np.linalg.norm(bn_gradient(x, w, gamma, beta, dy), axis=1)
    np.testing.assert_allclose(unit_grad, unit_grad_1, rtol=1e-9)
    turned = angular_update(a * w, sgd_step(a * w, grad_a, lr, 0.0))
    np.testing.assert_allclose(turned, effective_learning_rate(a * w, lr) * unit_grad, rtol=1e-5)  # arctan x ≈ x
    np.testing.assert_allclose(effective_learning_rate(a * w, lr), effective_learning_rate(w, lr) / a**2)


@pytest.mark.parametrize("start", [0.05, 1.0, 30.0])
def test_the_norm_converges_to_the_equilibrium_from_either_side(start):
    lr, weight_decay, unit_grad = 0.1, 5e-3, 2.0
    norm = start
    for _ in range(20_000):
        norm = next_norm(norm, unit_grad, lr, weight_decay)
    target = equilibrium_norm(unit_grad, lr, weight_decay)
    assert norm == pytest.approx(target, rel=1e-9)
    assert next_norm(target, unit_grad, lr, weight_decay) == pytest.approx(target, rel=1e-12)
    # the angle per step there: arctan(η‖g̃‖ / ((1 − ηλ)‖w*‖²)) = arccos(1 − ηλ) ≈ √(2ηλ)
    w = np.array([[target, 0.0]])
    g = np.array([[0.0, unit_grad / target]])
    angle = predicted_angular_update(w, g, lr, weight_decay)[0]
    assert angle == pytest.approx(equilibrium_angular_update(lr, weight_decay), rel=1e-10)
    assert angle == pytest.approx(np.sqrt(2 * lr * weight_decay), rel=1e-3)


def test_without_weight_decay_there_is_no_equilibrium():
    # λ = 0: ‖w'‖⁴ = ‖w‖⁴ + 2η²G² + η⁴G⁴/‖w‖⁴, so ‖w‖⁴ grows by at least 2η²G² every step
    norms = [1.0]
    for _ in range(1000):
        norms.append(next_norm(norms[-1], 2.0, 0.1, 0.0))
    assert np.all(np.diff(norms) > 0)
    assert norms[-1] ** 4 >= 1 + 1000 * 2 * 0.1**2 * 2.0**2
    with pytest.raises(ZeroDivisionError):
        equilibrium_norm(2.0, 0.1, 0.0)


def test_decay_groups_leave_norm_parameters_and_biases_alone():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 6 * 6, 5), nn.LayerNorm(5))
    groups = decay_and_no_decay_groups(model, 0.1)
    ids = [{id(p) for p in g["params"]} for g in groups]
    assert ids[0] == {id(model[0].weight), id(model[4].weight)}
    assert ids[1] == {id(p) for p in (model[0].bias, model[1].weight, model[1].bias, model[4].bias,
                                      model[5].weight, model[5].bias)}
    # one SGD step with zero gradients: only the decayed parameters shrink, by (1 − ηλ)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    torch.optim.SGD(groups, lr=0.5).step()
    for name, p in model.named_parameters():
        factor = 1 - 0.5 * 0.1 if name in ("0.weight", "4.weight") else 1.0
        torch.testing.assert_close(p.detach(), factor * before[name])
