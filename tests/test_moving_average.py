"""snippets/moving_average.py against torch 2.13's BatchNorm buffers and autograd.

Expected values are torch's buffers and gradients, or NumPy statistics computed here;
the Keras side is tested in tests/test_frameworks.py, the pitfalls in
tests/test_pitfalls.py.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.moving_average import (
    bias_drift,
    cumulative_factor,
    ema_weights,
    eval_over_train_scale,
    frozen_statistics_backward,
    inference_statistics,
    running_update,
    steady_lag,
)

SHAPES = [(8, 3), (4, 3, 5), (2, 3, 4, 5)]
IDS = ["NC", "NCL", "NCHW"]
MODULES = {2: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm1d, 4: torch.nn.BatchNorm2d}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def batches(shape, count, seed=0, drift=0.0):
    rng = np.random.default_rng(seed)
    bshape = (1, shape[1]) + (1,) * (len(shape) - 2)
    return [rng.standard_normal(shape) * (1 + np.arange(shape[1])).reshape(bshape) + 2 + drift * t
            for t in range(1, count + 1)]


def torch_bn(shape, momentum):
    return MODULES[len(shape)](shape[1], momentum=momentum).double()


def axes(x):
    return (0,) + tuple(range(2, x.ndim))


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0])
def test_running_update_follows_torch_buffers(shape, momentum):
    bn = torch_bn(shape, momentum)
    mean, var = np.zeros(shape[1]), np.ones(shape[1])
    for x in batches(shape, 5):
        bn(torch.tensor(x))
        running_update(mean, var, x, momentum)
        np.testing.assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(var, bn.running_var.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_momentum_none_is_the_papers_algorithm_2(shape):
    data = batches(shape, 7, seed=1)
    bn = torch_bn(shape, None)
    mean, var = np.zeros(shape[1]), np.ones(shape[1])
    for t, x in enumerate(data, start=1):
        bn(torch.tensor(x))
        running_update(mean, var, x, cumulative_factor(t))
    assert int(bn.num_batches_tracked) == 7
    expected_mean, expected_var = inference_statistics(data)
    np.testing.assert_allclose(bn.running_mean.numpy(), expected_mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), expected_var, rtol=1e-12)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(var, expected_var, rtol=1e-12)
    # Algorithm 2 by hand: mean of batch means, m/(m − 1) · mean of biased variances
    m = data[0].size // shape[1]
    by_hand = np.mean([np.var(x, axis=axes(x)) for x in data], axis=0) * m / (m - 1)
    np.testing.assert_allclose(expected_var, by_hand, rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_ema_weights_reproduce_the_running_mean(momentum):
    shape, steps = (6, 2), 9
    data = batches(shape, steps, seed=2)
    bn = torch_bn(shape, momentum)
    for x in data:
        bn(torch.tensor(x))
    weights, initial = ema_weights(momentum, steps)
    means = np.stack([x.mean(axis=0) for x in data])
    # running_mean starts at 0, running_var at 1
    np.testing.assert_allclose(bn.running_mean.numpy(), weights @ means + initial * 0.0, rtol=1e-12)
    unbiased = np.stack([x.var(axis=0, ddof=1) for x in data])
    np.testing.assert_allclose(bn.running_var.numpy(), weights @ unbiased + initial * 1.0, rtol=1e-12)
    assert np.isclose(weights.sum() + initial, 1.0)


def test_momentum_zero_freezes_the_buffers_but_counts():
    bn = torch_bn((5, 2), 0.0)
    for x in batches((5, 2), 3):
        bn(torch.tensor(x))
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0.0)
    np.testing.assert_array_equal(bn.running_var.numpy(), 1.0)
    assert int(bn.num_batches_tracked) == 3


@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_running_mean_trails_a_drifting_mean_by_the_steady_lag(momentum):
    steps, drift = 200, 0.5
    pattern = np.random.default_rng(3).standard_normal((8, 1))
    pattern -= pattern.mean()                                # batch t has mean exactly 2 + δ t
    bn = torch_bn((8, 1), momentum)
    for t in range(1, steps + 1):
        bn(torch.tensor(pattern + 2 + drift * t))
    latest = 2 + drift * steps
    assert bn.running_mean.item() == pytest.approx(latest - steady_lag(drift, momentum), abs=1e-4)
    assert steady_lag(drift, momentum) > 1.0                 # a real lag, in batch-mean units


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_frozen_statistics_gradient_is_torch_eval_gradient_and_not_the_training_one(shape):
    x, dy = batches(shape, 2, seed=4)
    rng = np.random.default_rng(5)
    weight, running_var = rng.uniform(0.5, 2, shape[1]), rng.uniform(0.5, 2, shape[1])
    running_mean = rng.standard_normal(shape[1])
    xt = torch.tensor(x, requires_grad=True)
    F.batch_norm(xt, torch.tensor(running_mean), torch.tensor(running_var), torch.tensor(weight),
                 None, training=False).backward(torch.tensor(dy))
    ours = frozen_statistics_backward(dy, running_var, weight)
    np.testing.assert_allclose(ours, xt.grad.numpy(), rtol=1e-12)
    # with batch statistics (training) the gradient sums to 0 per channel; frozen does not
    xt2 = torch.tensor(x, requires_grad=True)
    F.batch_norm(xt2, None, None, torch.tensor(weight), None, training=True).backward(torch.tensor(dy))
    np.testing.assert_allclose(xt2.grad.numpy().sum(axis=axes(x)), 0, atol=1e-10)
    assert np.all(np.abs(ours.sum(axis=axes(x))) > 1e-3)


def torch_bias_drift(u, target, lr, steps, through_mean):
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    ut, tt = torch.tensor(u), torch.tensor(target)
    history = []
    for _ in range(steps):
        x = ut + b
        mean = x.mean() if through_mean else x.mean().detach()
        loss = 0.5 * ((x - mean - tt) ** 2).sum()
        history.append((b.item(), loss.item()))
        loss.backward()
        with torch.no_grad():
            b -= lr * b.grad
        b.grad = None
    return history


@pytest.mark.parametrize("through_mean", [False, True])
def test_bias_drift_is_torch_autograd_with_and_without_detach(through_mean):
    rng = np.random.default_rng(6)
    u, target = rng.standard_normal(16), rng.standard_normal(16) + 1.0
    ours = np.array(bias_drift(u, target, 0.05, 30, through_mean))
    theirs = np.array(torch_bias_drift(u, target, 0.05, 30, through_mean))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    b, loss = ours[:, 0], ours[:, 1]
    np.testing.assert_allclose(loss, loss[0], rtol=1e-10)    # the loss never moves
    if through_mean:
        np.testing.assert_allclose(b, 0.0, atol=1e-12)       # nothing to learn: b stays
    else:
        steps = np.diff(b)                                   # b walks away at a constant pace
        np.testing.assert_allclose(steps, steps[0], rtol=1e-8)
        assert abs(b[-1]) > 10 * abs(steps[0])


@pytest.mark.parametrize("m_shape", [(2, 3), (4, 3), (64, 3)])
def test_eval_differs_from_training_even_on_the_training_batch(m_shape):
    x = batches(m_shape, 1, seed=7)[0]
    bn = torch_bn(m_shape, None)
    bn(torch.tensor(x))                                      # buffers hold this batch exactly
    train = F.batch_norm(torch.tensor(x), None, None, training=True).numpy()
    bn.eval()
    evaluated = bn(torch.tensor(x)).detach().numpy()
    m = m_shape[0]
    ratio = eval_over_train_scale(x.var(axis=0), m)
    np.testing.assert_allclose(evaluated, train * ratio, rtol=1e-10, atol=1e-12)
    if m == 2:
        assert np.all(ratio < 0.75)
