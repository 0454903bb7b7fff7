"""snippets/deep_transformer_norm.py against torch ops composed (torch 2.13, CPU):
DeepNorm's residual, Peri-LN's residual and nGPT's update (as NVIDIA's reference
model writes it); Peri-LN's output normalization makes each block add a fixed
variance, whatever the scale of the sublayer's weights.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.deep_transformer_norm import (
    deepnorm_constants,
    deepnorm_residual,
    ngpt_residual,
    peri_ln_residual,
)
from test_batch_norm import (  # noqa: F401 - one_torch_thread: an autouse fixture
    close,
    data,
    one_torch_thread,
    tt,
)

D = 16


def mlp(seed, scale=1.0, width=D):
    """A Linear-GELU-Linear sublayer with He-like weights times ``scale``, as a numpy
    callable and as the same torch callable."""
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((4 * width, width)) * scale * (2 / width) ** 0.5
    w2 = rng.standard_normal((width, 4 * width)) * scale * (2 / (4 * width)) ** 0.5

    def torch_fn(x):
        return F.gelu(x @ tt(w1).T) @ tt(w2).T

    def numpy_fn(x):
        return torch_fn(torch.from_numpy(x)).numpy()
    return numpy_fn, torch_fn


def test_deepnorm_residual_is_layer_norm_of_the_up_weighted_sum():
    x = data((4, 5, D))
    ours, theirs = mlp(0)
    alpha, _ = deepnorm_constants(12)
    expected = F.layer_norm(alpha * tt(x) + theirs(tt(x)), (D,))
    close(deepnorm_residual(x, ours, alpha), expected)
    # α = 1 is Post-LN: LN(x + G(x))
    close(deepnorm_residual(x, ours, 1.0), F.layer_norm(tt(x) + theirs(tt(x)), (D,)))


def test_deepnorm_constants_for_an_encoder_of_n_layers():
    alpha, beta = deepnorm_constants(100)
    assert alpha ** 4 == pytest.approx(200) and beta ** -4 == pytest.approx(800)


def test_peri_ln_residual_normalises_the_sublayers_input_and_output():
    x = data((4, 5, D))
    ours, theirs = mlp(1)
    expected = tt(x) + F.layer_norm(theirs(F.layer_norm(tt(x), (D,))), (D,))
    close(peri_ln_residual(x, ours), expected)


def stream_variance(block, depth, weight_scale):
    """Mean per-token variance of the residual stream after ``depth`` blocks."""
    x = np.random.default_rng(9).standard_normal((64, 8, D))
    for layer in range(depth):
        sublayer, _ = mlp(100 + layer, scale=weight_scale)
        x = block(x, sublayer)
    return x.var(axis=-1).mean()


def pre_ln_residual(x, sublayer):
    return x + sublayer(F.layer_norm(torch.from_numpy(x), (D,)).numpy())


@pytest.mark.parametrize("weight_scale", [0.1, 1.0, 10.0])
def test_peri_ln_adds_unit_variance_per_block_whatever_the_weights(weight_scale):
    """The output LN gives each block's increment variance 1: after 8 blocks the
    stream's variance is about 1 + 8, for weights 0.1x, 1x or 10x."""
    assert stream_variance(peri_ln_residual, 8, weight_scale) == pytest.approx(9, rel=0.25)


def test_pre_ln_increments_grow_with_the_weights():
    """Without the output LN the increment's size is the sublayer's: 10x weights
    give a stream variance about 100x larger per block."""
    small = stream_variance(pre_ln_residual, 8, 1.0)
    large = stream_variance(pre_ln_residual, 8, 10.0)
    assert large / small > 50


def justnorm(x):
    """NVIDIA's nGPT reference model: x / x.norm(p=2, dim=-1, keepdim=True)."""
    return x / x.norm(p=2, dim=-1, keepdim=True)


def test_ngpt_update_matches_the_reference_model():
    rng = np.random.default_rng(3)
    h = rng.standard_normal((2, 5, D))
    h /= np.linalg.norm(h, axis=-1, keepdims=True)
    h_block = rng.standard_normal((2, 5, D)) * 7
    alpha = np.abs(rng.standard_normal(D)) * 0.05
    # the reference: A_norm = justnorm(h); B_norm = justnorm(h_att);
    # res = A_norm + lr * (B_norm - A_norm); h = justnorm(res)
    a_norm, b_norm = justnorm(tt(h)), justnorm(tt(h_block))
    expected = justnorm(a_norm + tt(alpha) * (b_norm - a_norm))
    out = ngpt_residual(h, h_block, alpha)
    close(out, expected)
    close(np.linalg.norm(out, axis=-1), np.ones((2, 5)))


def test_ngpt_step_sizes_zero_and_one():
    rng = np.random.default_rng(4)
    h = rng.standard_normal((3, D))
    h /= np.linalg.norm(h, axis=-1, keepdims=True)
    h_block = rng.standard_normal((3, D)) * 0.3
    close(ngpt_residual(h, h_block, np.zeros(D)), h)
    close(ngpt_residual(h, h_block, np.ones(D)),
          h_block / np.linalg.norm(h_block, axis=-1, keepdims=True))
