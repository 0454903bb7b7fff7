"""snippets/test_time_adaptation.py against torch 2.13: a trained nn.BatchNorm's buffers
re-estimated on target data after reset_running_stats() with momentum=None (the plain
average of snippets.norm_practice), Schneider et al.'s mixture as one pass with
momentum n/(N+n), and a TENT step on γ, β against autograd and torch.optim.SGD (float64).
"""

import numpy as np
import pytest
import torch
from torch import nn

from snippets.norm_practice import precise_bn_statistics
from snippets.test_time_adaptation import (
    log_softmax,
    mix_statistics,
    softmax_entropy,
    tent_step,
)

C, CLASSES = 6, 4


def target_batches(sizes=(16, 5, 30), seed=0, spatial=()):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, C, *spatial)) * 3.0 + 2.0 for n in sizes]


def trained_bn(module=nn.BatchNorm1d):
    bn = module(C, dtype=torch.float64)
    with torch.no_grad():   # "source" statistics that re-estimation must forget
        bn.running_mean.uniform_(-5, 5)
        bn.running_var.uniform_(0.1, 9)
        bn.num_batches_tracked.fill_(1000)
    return bn


@pytest.mark.parametrize("module, spatial", [(nn.BatchNorm1d, ()), (nn.BatchNorm2d, (3, 4))])
def test_reestimated_statistics_equal_torch_with_reset_and_momentum_none(module, spatial):
    batches = target_batches(spatial=spatial)
    bn = trained_bn(module)
    bn.reset_running_stats()
    bn.momentum = None
    bn.train()
    with torch.no_grad():
        for b in batches:
            bn(torch.tensor(b))
    mean, var = precise_bn_statistics(batches)
    np.testing.assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var, bn.running_var.numpy(), rtol=1e-12)
    assert bn.num_batches_tracked.item() == len(batches)
    # the source statistics are gone: only the target batches count
    assert np.abs(mean - 2.0).max() < 1.5


def test_momentum_none_without_reset_keeps_the_source_statistics():
    # num_batches_tracked still counts the training steps (1000 here): the k-th new batch
    # enters with weight 1/(1000 + k), and the source statistics stay almost untouched
    batches = target_batches()
    bn = trained_bn()
    source = bn.running_mean.numpy().copy()
    bn.momentum = None
    bn.train()
    with torch.no_grad():
        for b in batches:
            bn(torch.tensor(b))
    assert np.abs(bn.running_mean.numpy() - source).max() < 0.05
    assert np.abs(precise_bn_statistics(batches)[0] - source).max() > 1.0


def test_with_the_default_momentum_the_old_statistics_linger():
    # without momentum=None, three passes keep 0.9³ ≈ 73% of the source statistics
    batches = target_batches()
    bn = trained_bn()
    source = bn.running_mean.clone()
    bn.reset_running_stats()
    bn.train()
    with torch.no_grad():
        for b in batches:
            bn(torch.tensor(b))
    mean, _ = precise_bn_statistics(batches)
    assert np.abs(bn.running_mean.numpy() - mean).max() > 0.5
    assert not torch.allclose(bn.running_mean, source)


@pytest.mark.parametrize("prior_n", [0, 16, 256])
def test_schneider_mixture_is_one_pass_with_momentum_n_over_n_plus_N(prior_n):
    (target,) = target_batches(sizes=(32,))
    n = len(target)
    bn = trained_bn()
    source_mean, source_var = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    bn.momentum = n / (prior_n + n)
    bn.train()
    with torch.no_grad():
        bn(torch.tensor(target))
    mean, var = mix_statistics(source_mean, source_var, target.mean(axis=0), target.var(axis=0, ddof=1),
                               n, prior_n)
    np.testing.assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var, bn.running_var.numpy(), rtol=1e-12)
    if prior_n == 0:   # AdaBN: the target statistics alone
        np.testing.assert_allclose(mean, target.mean(axis=0), rtol=1e-12)


def torch_tent_model(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.BatchNorm1d(C, dtype=torch.float64), nn.Linear(C, CLASSES, dtype=torch.float64))
    with torch.no_grad():
        model[0].weight.uniform_(0.5, 1.5)
        model[0].bias.normal_()
    model.train()   # TENT normalises with the test batch's statistics
    model.requires_grad_(False)
    model[0].weight.requires_grad_(True)
    model[0].bias.requires_grad_(True)
    return model


@pytest.mark.parametrize("lr", [0.01, 1.0])
def test_tent_step_equals_autograd_and_sgd_on_gamma_beta(lr):
    (x,) = target_batches(sizes=(20,))
    model = torch_tent_model()
    bn, head = model[0], model[1]
    gamma, beta = bn.weight.detach().numpy().copy(), bn.bias.detach().numpy().copy()
    head_w, head_b = head.weight.numpy().copy(), head.bias.numpy().copy()
    opt = torch.optim.SGD([bn.weight, bn.bias], lr=lr)
    logits = model(torch.tensor(x))
    loss = -(logits.softmax(1) * logits.log_softmax(1)).sum(1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    new_gamma, new_beta, entropy = tent_step(x, gamma, beta, head_w, head_b, lr)
    assert entropy == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(new_gamma, bn.weight.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(new_beta, bn.bias.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(head_w, head.weight.numpy())   # only γ, β move


def test_small_tent_steps_lower_the_entropy():
    (x,) = target_batches(sizes=(20,))
    model = torch_tent_model()
    gamma, beta = model[0].weight.detach().numpy().copy(), model[0].bias.detach().numpy().copy()
    w, b = model[1].weight.numpy(), model[1].bias.numpy()
    entropies = []
    for _ in range(5):
        gamma, beta, h = tent_step(x, gamma, beta, w, b, lr=0.05)
        entropies.append(h)
    assert all(a > b for a, b in zip(entropies, entropies[1:]))


def test_softmax_entropy_equals_torch():
    logits = np.random.default_rng(3).standard_normal((7, CLASSES)) * 5
    expected = torch.distributions.Categorical(logits=torch.tensor(logits)).entropy().numpy()
    np.testing.assert_allclose(softmax_entropy(logits), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(softmax_entropy(np.zeros((1, CLASSES))), [np.log(CLASSES)])
    np.testing.assert_allclose(log_softmax(logits), torch.log_softmax(torch.tensor(logits), 1).numpy(),
                               rtol=1e-12, atol=1e-14)
