"""snippets/qk_norm.py against torch 2.13: F.scaled_dot_product_attention fed with
queries and keys normalised by F.layer_norm, F.rms_norm or F.normalize (float64, CPU).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from snippets.attention import scaled_dot_product_attention, self_attention
from snippets.qk_norm import (
    attention_entropy,
    l2_qk_attention,
    max_attention_logit,
    qk_layer_norm,
    qk_rms_norm,
)

N, HEADS, L, S, HEAD_DIM = 2, 3, 5, 6, 8


def qkv(seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    return (scale * rng.standard_normal((N, HEADS, L, HEAD_DIM)) + 1.0,
            scale * rng.standard_normal((N, HEADS, S, HEAD_DIM)) - 0.5,
            rng.standard_normal((N, HEADS, S, HEAD_DIM)))


def t(a):
    return torch.tensor(a)


@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_qk_attention_equals_torch(affine):
    q, k, v = qkv()
    rng = np.random.default_rng(1)
    gamma, beta = (rng.uniform(0.5, 2, HEAD_DIM), rng.standard_normal(HEAD_DIM)) if affine else (None, None)
    ours = scaled_dot_product_attention(qk_layer_norm(q, gamma, beta), qk_layer_norm(k, gamma, beta), v)
    g_t, b_t = (t(gamma), t(beta)) if affine else (None, None)
    scaled = F.scaled_dot_product_attention(F.layer_norm(t(q), (HEAD_DIM,), g_t, b_t, 1e-5),
                                            F.layer_norm(t(k), (HEAD_DIM,), g_t, b_t, 1e-5), t(v))
    np.testing.assert_allclose(ours, scaled.numpy(), rtol=1e-12, atol=1e-12)


def test_rms_norm_qk_attention_equals_torch():
    q, k, v = qkv()
    gamma = np.random.default_rng(2).uniform(0.5, 2, HEAD_DIM)
    ours = scaled_dot_product_attention(qk_rms_norm(q, gamma), qk_rms_norm(k, gamma), v)
    theirs = F.scaled_dot_product_attention(F.rms_norm(t(q), (HEAD_DIM,), t(gamma), 1e-6),
                                            F.rms_norm(t(k), (HEAD_DIM,), t(gamma), 1e-6), t(v))
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("g", [1.0, 10.0])
def test_l2_qk_attention_equals_torch_with_scale_g(g):
    q, k, v = qkv()
    theirs = F.scaled_dot_product_attention(F.normalize(t(q), dim=-1), F.normalize(t(k), dim=-1), t(v), scale=g)
    np.testing.assert_allclose(l2_qk_attention(q, k, v, g), theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_self_attention_with_qk_layer_norm_equals_composed_torch():
    d = HEADS * HEAD_DIM
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(d, HEADS, batch_first=True, dtype=torch.float64)
    params = {"self_attn." + k: v.detach().numpy() for k, v in mha.state_dict().items()}
    x = np.random.default_rng(3).standard_normal((N, L, d))
    # torch, composed: the same projections, F.layer_norm on q and k, F.scaled_dot_product_attention
    q, k, v = F.linear(t(x), mha.in_proj_weight, mha.in_proj_bias).chunk(3, dim=-1)
    q, k, v = (z.reshape(N, L, HEADS, HEAD_DIM).transpose(1, 2) for z in (q, k, v))
    heads = F.scaled_dot_product_attention(F.layer_norm(q, (HEAD_DIM,)), F.layer_norm(k, (HEAD_DIM,)), v)
    expected = mha.out_proj(heads.transpose(1, 2).reshape(N, L, d)).detach().numpy()
    np.testing.assert_allclose(self_attention(x, params, HEADS, qk_norm=qk_layer_norm), expected,
                               rtol=1e-10, atol=1e-10)
    assert not np.allclose(self_attention(x, params, HEADS), expected, atol=1e-3)


@pytest.mark.parametrize("s", [1.0, 10.0, 1000.0])
def test_normalised_logits_are_bounded_whatever_the_scale(s):
    # Cauchy-Schwarz: ‖LN(q)‖ = ‖RMSNorm(q)‖ = √d (γ = 1, ε → 0), so |logit| ≤ d/√d = √d;
    # with ℓ2-normalised q, k and scale g, |logit| ≤ g
    q, k, _ = qkv(scale=s)
    assert max_attention_logit(qk_layer_norm(q, eps=0.0), qk_layer_norm(k, eps=0.0)) <= np.sqrt(HEAD_DIM) + 1e-12
    assert max_attention_logit(qk_rms_norm(q, eps=0.0), qk_rms_norm(k, eps=0.0)) <= np.sqrt(HEAD_DIM) + 1e-12
    # equality when q and k are parallel
    same = np.ones((1, 1, 1, HEAD_DIM)) * np.arange(HEAD_DIM)
    assert max_attention_logit(qk_layer_norm(same, eps=0.0), qk_layer_norm(same, eps=0.0)) == pytest.approx(np.sqrt(HEAD_DIM))


def test_unnormalised_logits_grow_with_the_square_of_the_weight_scale():
    q, k, _ = qkv()
    for s in (2.0, 10.0):
        assert max_attention_logit(s * q, s * k) == pytest.approx(s**2 * max_attention_logit(q, k))


def test_attention_entropy_equals_torch_and_its_extremes():
    q, k, _ = qkv()
    p = torch.softmax(t(q) @ t(k).transpose(-1, -2) / np.sqrt(HEAD_DIM), dim=-1)
    expected = torch.distributions.Categorical(probs=p).entropy().mean().item()
    assert attention_entropy(q, k) == pytest.approx(expected, rel=1e-12)
    assert attention_entropy(0 * q, k) == pytest.approx(np.log(S))     # uniform attention
    assert attention_entropy(1e6 * q, k) < 1e-6                      # one key per query

