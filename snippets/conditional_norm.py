"""Conditional normalization: the affine step after a normalization is computed
from a condition instead of learned once.

* FiLM: Perez, Strub, de Vries, Dumoulin & Courville 2018, arXiv:1709.07871
* AdaIN: Huang & Belongie 2017, arXiv:1703.06868
* adaLN and adaLN-Zero: Peebles & Xie 2023 (DiT), arXiv:2212.09748

``tests/test_conditional_norm.py`` checks each against torch ops composed.
"""

from __future__ import annotations

import numpy as np

from snippets.norms import instance_norm, layer_norm


def _per_channel(a, ndim):
    """(N, C) -> (N, C, 1, ..., 1), to broadcast over an (N, C, *spatial) input."""
    return a.reshape(a.shape + (1,) * (ndim - 2))


# --8<-- [start:film]
def film(features, gamma, beta):
    """Feature-wise linear modulation: FiLM(F | γ, β) = γ ⊙ F + β.

    features: (N, C, *spatial); gamma, beta: (N, C), computed from each sample's
    condition (in the paper, by a network reading the question). One γ and one β
    per sample and channel, shared over the spatial positions.
    """
    return (_per_channel(gamma, features.ndim) * features
            + _per_channel(beta, features.ndim))
# --8<-- [end:film]


# --8<-- [start:adain]
def adain(content, style, eps=1e-5):
    """Adaptive instance normalization: σ(y) · (x − μ(x)) / σ(x) + μ(y).

    content, style: (N, C, *spatial). μ and σ per sample and channel over the
    spatial axes; σ = √(variance + ε). No learned parameter: the affine step is
    FiLM with the style's statistics.
    """
    axes = tuple(range(2, style.ndim))
    mean = style.mean(axis=axes)
    std = np.sqrt(style.var(axis=axes) + eps)
    return film(instance_norm(content, eps=eps), std, mean)
# --8<-- [end:adain]


# --8<-- [start:adaln_zero]
def modulate(x, shift, scale):
    """DiT's adaLN: x · (1 + scale) + shift, one (shift, scale) per sample.

    x: (N, L, d) tokens; shift, scale: (N, d). scale = 0 leaves x as it is.
    """
    return x * (1 + scale[:, None, :]) + shift[:, None, :]


def adaln_zero_block(x, c, weight, bias, attention, mlp, eps=1e-6):
    """One DiT block with adaLN-Zero (Peebles & Xie 2023, §3.2).

    x: (N, L, d); c: (N, d_c), the condition (timestep and class embedding).
    weight (d_c, 6d), bias (6d): the linear layer that regresses, from SiLU(c),
    shift, scale and gate for the attention and for the MLP. attention, mlp:
    callables (N, L, d) -> (N, L, d). adaLN-Zero initialises weight and bias to 0:
    every gate is 0 and the block returns x.
    """
    silu = c / (1 + np.exp(-c))
    params = silu @ weight + bias
    (shift_msa, scale_msa, gate_msa,
     shift_mlp, scale_mlp, gate_mlp) = np.split(params, 6, axis=1)
    d = x.shape[-1]
    # LayerNorm without its own γ, β: adaLN supplies them
    h = modulate(layer_norm(x, (d,), eps=eps), shift_msa, scale_msa)
    x = x + gate_msa[:, None, :] * attention(h)
    h = modulate(layer_norm(x, (d,), eps=eps), shift_mlp, scale_mlp)
    return x + gate_mlp[:, None, :] * mlp(h)
# --8<-- [end:adaln_zero]
