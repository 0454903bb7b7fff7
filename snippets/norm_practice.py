"""Normalization in practice: low precision, population statistics, and three
layers met in practice.

* bf16 LayerNorm / RMSNorm: compute in float32, round once (the pattern of
  Hugging Face's LlamaRMSNorm; torch's CPU kernels for bf16 input agree)
* precise BN: Wu & Johnson 2021, arXiv:2105.07576 (fvcore's ``update_bn_stats``)
* spectral normalization: Miyato et al. 2018, arXiv:1802.05957, as
  ``torch.nn.utils.parametrizations.spectral_norm`` computes it
* FRN + TLU: Singh & Krishnan 2020, arXiv:1911.09737
* Switchable Normalization: Luo, Ren, Peng, Zhang & Li 2019, arXiv:1806.10779

``tests/test_norm_practice.py`` checks each against torch.
"""

from __future__ import annotations

import numpy as np
import torch


# --8<-- [start:upcast]
def rms_norm_upcast(x, weight, eps=1e-6):
    """RMSNorm of a bf16 (or fp16) tensor computed in float32 and rounded once:
    mean(x²), rsqrt and the product happen in float32; the result is cast back to
    the input's dtype before γ, as Hugging Face's LlamaRMSNorm writes it."""
    h = x.to(torch.float32)
    variance = h.pow(2).mean(-1, keepdim=True)
    h = h * torch.rsqrt(variance + eps)
    return weight * h.to(x.dtype)


def eps_is_resolved(variance, eps, dtype):
    """Does ``variance + eps`` differ from ``variance`` when added in ``dtype``?

    A float with p significant bits spaces its values 2^(e−p+1) apart in
    [2^e, 2^(e+1)); ε is lost (rounds away) when it is under half that spacing:
    for bf16 (p = 8) below about variance · 2^−8, for float32 (p = 24) below
    variance · 2^−24.
    """
    v = torch.tensor(variance, dtype=dtype)
    return bool((v + torch.tensor(eps, dtype=dtype)) != v)
# --8<-- [end:upcast]


# --8<-- [start:precise_bn]
def precise_bn_statistics(batches):
    """Population statistics of one BN layer from K batches of its input, computed
    with the weights fixed: the plain average of the per-batch means and of the
    per-batch unbiased variances (fvcore's update_bn_stats), not an EMA.

    batches: arrays (N, C, *spatial). Returns (mean, var), one per channel.
    """
    means, variances = [], []
    for batch in batches:
        axes = (0,) + tuple(range(2, batch.ndim))
        means.append(batch.mean(axis=axes))
        variances.append(batch.var(axis=axes, ddof=1))   # what BN's buffer tracks
    return np.mean(means, axis=0), np.mean(variances, axis=0)
# --8<-- [end:precise_bn]


# --8<-- [start:spectral_norm]
def spectral_normalize(weight, u, v, n_power_iterations=1, eps=1e-12):
    """W / σ(W), σ estimated as uᵀ W v after ``n_power_iterations`` steps of the
    power method from the stored u, v (what torch does on each training-mode access).

    weight: (out, *in), flattened to (out, fan-in). Returns (W_SN, u, v).
    """
    w = weight.reshape(weight.shape[0], -1)
    for _ in range(n_power_iterations):
        u = w @ v
        u = u / max(np.linalg.norm(u), eps)
        v = w.T @ u
        v = v / max(np.linalg.norm(v), eps)
    sigma = u @ w @ v
    return weight / sigma, u, v
# --8<-- [end:spectral_norm]


# --8<-- [start:frn_tlu]
def frn_tlu(x, gamma, beta, tau, eps=1e-6):
    """Filter Response Normalization followed by the Thresholded Linear Unit.

    x: (N, C, *spatial). ν² = mean of x² over the spatial axes of one sample and
    channel (no mean subtracted); x̂ = x / √(ν² + ε); y = γ x̂ + β; z = max(y, τ).
    γ, β, τ: one per channel.
    """
    axes = tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    nu2 = (x ** 2).mean(axis=axes, keepdims=True)
    x_hat = x / np.sqrt(nu2 + eps)
    y = gamma.reshape(shape) * x_hat + beta.reshape(shape)
    return np.maximum(y, tau.reshape(shape))
# --8<-- [end:frn_tlu]


# --8<-- [start:switchable_norm]
def switchable_norm(x, mean_weights, var_weights, gamma, beta, eps=1e-5):
    """Switchable Normalization in training mode: μ = Σ_k w_k μ_k, σ² = Σ_k w'_k σ²_k
    over k ∈ (IN, LN, BN); the weights are softmaxes of learned logits.

    x: (N, C, *spatial); mean_weights, var_weights: 3 weights each, in the order
    IN, LN, BN. The LN and BN statistics are computed from IN's, as in the paper.
    """
    axes = tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean_in = x.mean(axis=axes, keepdims=True)                    # (N, C, 1, ...)
    var_in = x.var(axis=axes, keepdims=True)
    second_in = var_in + mean_in ** 2                              # E[x²] per (n, c)
    mean_ln = mean_in.mean(axis=1, keepdims=True)                  # (N, 1, 1, ...)
    var_ln = second_in.mean(axis=1, keepdims=True) - mean_ln ** 2
    mean_bn = mean_in.mean(axis=0, keepdims=True)                  # (1, C, 1, ...)
    var_bn = second_in.mean(axis=0, keepdims=True) - mean_bn ** 2
    w, w_var = mean_weights, var_weights
    mean = w[0] * mean_in + w[1] * mean_ln + w[2] * mean_bn
    var = w_var[0] * var_in + w_var[1] * var_ln + w_var[2] * var_bn
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(shape) * x_hat + beta.reshape(shape)


def softmax(logits):
    e = np.exp(logits - np.max(logits))
    return e / e.sum()
# --8<-- [end:switchable_norm]
