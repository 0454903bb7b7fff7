"""snippets/pitfalls.py: each BatchNorm pitfall proven on torch 2.13 and on the NumPy
mirror; Ghost BatchNorm and Batch Renormalization against torch and float64 formulas.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.batch_norm import BatchNorm1d, batch_norm
from snippets.pitfalls import (
    batch_of_one_image,
    batch_renorm,
    batch_renorm_backward,
    dropout_variance_shift,
    freeze_batch_norm,
    ghost_batch_norm,
    prediction_in_batches,
)
from test_batch_norm import (  # noqa: F401 - one_torch_thread: an autouse fixture
    close,
    data,
    one_torch_thread,
    params,
    tt,
)


# --- a batch of one ---------------------------------------------------------------

def test_batch_of_one_vector_raises_in_training_but_not_in_eval():
    x = data((1, 3))
    bn = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(tt(x))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm1d(3, dtype=np.float64)(x)
    # eval normalises with the running statistics (here still 0 and 1)
    bn.eval()
    close(bn(tt(x)).detach().numpy(), x / np.sqrt(1 + 1e-5))


def test_batch_of_one_image_is_instance_norm():
    image = data((1, 3, 5, 4))
    as_batch, as_instance = batch_of_one_image(image)
    close(as_batch, as_instance)
    close(as_batch, torch.nn.BatchNorm2d(3, dtype=torch.float64)(tt(image)))
    close(as_instance, F.instance_norm(tt(image)))


# --- forgetting eval() ----------------------------------------------------------------

def companions():
    return [data((7, 3), seed=s, loc=2.0 * s) for s in range(3)]


def test_training_mode_prediction_depends_on_the_batch():
    sample = data((1, 3), seed=10)[0]
    ours = prediction_in_batches(BatchNorm1d(3, dtype=np.float64), sample,
                                 companions())
    theirs = torch.nn.BatchNorm1d(3, dtype=torch.float64)
    expected = [theirs(tt(np.concatenate([sample[None], c])))[0].detach().numpy()
                for c in companions()]
    close(np.array(ours), np.array(expected))
    assert np.abs(ours[0] - ours[1]).max() > 0.1
    assert np.abs(ours[1] - ours[2]).max() > 0.1


def test_eval_mode_prediction_does_not():
    sample = data((1, 3), seed=10)[0]
    bn = BatchNorm1d(3, dtype=np.float64)
    bn(data((16, 3), seed=20))                   # some running statistics
    outputs = prediction_in_batches(bn.eval(), sample, companions())
    for output in outputs[1:]:
        np.testing.assert_array_equal(output, outputs[0])


# --- freezing BatchNorm ---------------------------------------------------------------

def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3),
                               torch.nn.ReLU(), torch.nn.Linear(3, 2))


def step(net, seed):
    """One forward and backward pass on a batch of 8."""
    x = torch.from_numpy(data((8, 4), np.float32, seed=seed))
    net(x).sum().backward()


def test_requires_grad_false_still_moves_the_running_statistics():
    net = model().train()
    bn = net[1]
    for param in bn.parameters():
        param.requires_grad_(False)
    before = bn.running_mean.clone(), bn.running_var.clone()
    step(net, 0)
    assert bn.weight.grad is None and bn.bias.grad is None
    assert not torch.equal(bn.running_mean, before[0])
    assert not torch.equal(bn.running_var, before[1])


def test_freeze_batch_norm_stops_both():
    net = freeze_batch_norm(model().train())
    bn = net[1]
    before = bn.running_mean.clone(), bn.running_var.clone()
    step(net, 0)
    assert bn.weight.grad is None and bn.bias.grad is None
    assert torch.equal(bn.running_mean, before[0])
    assert torch.equal(bn.running_var, before[1])
    assert net[0].weight.grad is not None        # the rest still trains


def test_model_train_unfreezes_the_statistics():
    net = freeze_batch_norm(model())
    net.train()                                  # e.g. at the start of an epoch
    bn = net[1]
    before = bn.running_mean.clone()
    step(net, 1)
    assert not torch.equal(bn.running_mean, before)
    freeze_batch_norm(net)                       # the fix: freeze again
    before = bn.running_mean.clone()
    step(net, 2)
    assert torch.equal(bn.running_mean, before)


# --- dropout before BatchNorm --------------------------------------------------------

@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_variance_shift_matches_torch_dropout(p):
    """The formula against torch's dropout on 200 000 samples (3 % tolerance)."""
    x = data((200_000, 3), loc=1.0, scale=1.0)
    train_var, eval_var = dropout_variance_shift(x, p)
    torch.manual_seed(0)
    dropped = F.dropout(tt(x), p, training=True).numpy()
    np.testing.assert_allclose(dropped.var(axis=0), train_var, rtol=0.03)
    np.testing.assert_allclose(F.dropout(tt(x), p, training=False).numpy().var(
        axis=0), eval_var, rtol=1e-12)
    assert np.all(train_var > eval_var * (1 + p / 2))


def test_batch_norm_after_dropout_misnormalises_in_eval():
    """Trained on dropout's training variance, BatchNorm's eval output has var < 1."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Dropout(0.5),
                              torch.nn.BatchNorm1d(3, momentum=None)).double()
    x = tt(data((4096, 3), loc=1.0, scale=1.0))
    with torch.no_grad():
        for _ in range(20):
            net(x)
        net.eval()
        out_var = net(x).var(dim=0).numpy()
    train_var, eval_var = dropout_variance_shift(x.numpy(), 0.5)
    # eval divides by √(Var_train) but the data has Var_eval
    np.testing.assert_allclose(out_var, eval_var / train_var, rtol=0.05)
    assert np.all(out_var < 0.8)


# --- Ghost BatchNorm ------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(12, 3), (10, 3, 4, 4)], ids=["NC", "NCHW"])
@pytest.mark.parametrize("virtual_batch_size", [2, 4, 5])
def test_ghost_batch_norm_equals_torch_on_each_chunk(shape, virtual_batch_size):
    x = data(shape)
    weight, bias, running_mean, running_var = params(3)
    bn_cls = torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d
    bn = bn_cls(3, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(tt(weight))
        bn.bias.copy_(tt(bias))
        bn.running_mean.copy_(tt(running_mean))
        bn.running_var.copy_(tt(running_var))
        expected = torch.cat([bn(chunk) for chunk in
                              torch.split(tt(x), virtual_batch_size)])
    y = ghost_batch_norm(x, virtual_batch_size, running_mean, running_var, weight,
                         bias)
    close(y, expected)
    close(running_mean, bn.running_mean)
    close(running_var, bn.running_var)


def test_ghost_batch_norm_with_the_whole_batch_is_batch_norm():
    x = data((12, 3, 4))
    y = ghost_batch_norm(x, 12)
    close(y, F.batch_norm(tt(x), None, None, training=True))
    assert not np.allclose(ghost_batch_norm(x, 3), y, atol=1e-2)


# --- Batch Renormalization ------------------------------------------------------------

SHAPES = [(16, 3), (6, 3, 4, 5)]
shapes = pytest.mark.parametrize("shape", SHAPES, ids=["NC", "NCHW"])


def renorm_buffers(seed=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(3) + 3.0, rng.uniform(0.5, 2.0, 3)


@shapes
def test_batch_renorm_without_correction_is_batch_norm(shape):
    """r_max = 1, d_max = 0: r = 1, d = 0, the training output of BatchNorm."""
    x = data(shape)
    weight, bias, _, _ = params(3)
    running_mean, running_std = renorm_buffers()
    mean0, std0 = running_mean.copy(), running_std.copy()
    y = batch_renorm(x, running_mean, running_std, weight, bias, training=True,
                     r_max=1.0, d_max=0.0, momentum=0.2)
    close(y, F.batch_norm(tt(x), None, None, tt(weight), tt(bias), training=True))
    # μ and σ move toward the batch's μ_B and σ_B = √(σ²_B + ε)
    axes = (0,) + tuple(range(2, len(shape)))
    close(running_mean, 0.8 * mean0 + 0.2 * x.mean(axis=axes))
    close(running_std, 0.8 * std0 + 0.2 * np.sqrt(x.var(axis=axes) + 1e-5))


@shapes
def test_unclipped_batch_renorm_is_inference_normalisation(shape):
    """r, d unclipped: (x − μ_B)/σ_B · σ_B/σ + (μ_B − μ)/σ = (x − μ)/σ."""
    x = data(shape)
    weight, bias, _, _ = params(3)
    running_mean, running_std = renorm_buffers()
    bshape = (1, -1) + (1,) * (len(shape) - 2)
    expected = (weight.reshape(bshape)
                * (x - running_mean.reshape(bshape)) / running_std.reshape(bshape)
                + bias.reshape(bshape))
    y = batch_renorm(x, running_mean.copy(), running_std.copy(), weight, bias,
                     training=True, r_max=np.inf, d_max=np.inf)
    close(y, expected)
    # which is torch's eval BatchNorm with running_var = σ² − ε
    close(y, F.batch_norm(tt(x), tt(running_mean), tt(running_std**2 - 1e-5),
                          tt(weight), tt(bias), training=False))
    # and the same as batch_renorm's own inference mode
    close(batch_renorm(x, running_mean, running_std, weight, bias, training=False),
          expected)


def test_batch_renorm_clips_r_and_d():
    """Batch σ_B ≈ 20·σ and μ_B ≫ μ: r = r_max, d = d_max, per channel."""
    x = data((32, 3), loc=100.0, scale=20.0)
    running_mean, running_std = np.zeros(3), np.ones(3)
    y = batch_renorm(x, running_mean, running_std, r_max=3.0, d_max=5.0)
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    close(y, x_hat * 3.0 + 5.0)
    assert not np.allclose(y, batch_norm(x, None, None, training=True), atol=1)


# --- Batch Renormalization's backward, r and d held constant ---------------------------

def torch_batch_renorm_training(x, mu, sigma, weight, bias, r_max, d_max, stop_gradient):
    """Algorithm 1 of arXiv:1702.03275 in torch; r and d detached when ``stop_gradient``."""
    axes = [0] + list(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = x.mean(dim=axes, keepdim=True)
    std = torch.sqrt(((x - mean) ** 2).mean(dim=axes, keepdim=True) + 1e-5)
    r = torch.clamp(std / sigma.reshape(shape), 1 / r_max, r_max)
    d = torch.clamp((mean - mu.reshape(shape)) / sigma.reshape(shape), -d_max, d_max)
    if stop_gradient:
        r, d = r.detach(), d.detach()
    x_hat = (x - mean) / std * r + d
    return weight.reshape(shape) * x_hat + bias.reshape(shape)


@shapes
@pytest.mark.parametrize("r_max,d_max", [(3.0, 5.0), (1.2, 0.1)], ids=["loose", "clipped"])
def test_batch_renorm_backward_matches_autograd_with_r_d_detached(shape, r_max, d_max):
    x = data(shape)
    weight, bias, _, _ = params(3)
    running_mean, running_std = renorm_buffers()
    grad_out = np.random.default_rng(8).standard_normal(shape)
    tx, tw, tb = (tt(a).requires_grad_() for a in (x, weight, bias))
    y = torch_batch_renorm_training(tx, tt(running_mean), tt(running_std), tw, tb,
                                    r_max, d_max, stop_gradient=True)
    y.backward(tt(grad_out))
    grad_input, grad_weight, grad_bias = batch_renorm_backward(
        grad_out, x, running_mean, running_std, weight, r_max=r_max, d_max=d_max)
    close(grad_input, tx.grad)
    close(grad_weight, tw.grad)
    close(grad_bias, tb.grad)
    # the forward is the snippet's own
    close(batch_renorm(x, running_mean.copy(), running_std.copy(), weight, bias,
                       r_max=r_max, d_max=d_max), y)


def test_batch_renorm_gradient_changes_if_r_and_d_are_differentiated():
    """Unclipped and differentiated, r and d cancel μ_B and σ_B: y = γ (x − μ)/σ + β,
    whose input gradient is just γ g / σ. Held constant, the gradient is BN's."""
    x = data((16, 3))
    weight, bias, _, _ = params(3)
    running_mean, running_std = renorm_buffers()
    grad_out = np.random.default_rng(9).standard_normal((16, 3))
    tx = tt(x).requires_grad_()
    torch_batch_renorm_training(tx, tt(running_mean), tt(running_std), tt(weight),
                                tt(bias), np.inf, np.inf, stop_gradient=False
                                ).backward(tt(grad_out))
    close(weight * grad_out / running_std, tx.grad)
    held, _, _ = batch_renorm_backward(grad_out, x, running_mean, running_std, weight,
                                       r_max=np.inf, d_max=np.inf)
    assert not np.allclose(held, tx.grad.numpy(), atol=1e-3)
    close(held.sum(axis=0), np.zeros(3))   # BN-like: sums to 0 per channel
