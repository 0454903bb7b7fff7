"""Where deep Transformers put their normalization: DeepNorm, Peri-LN, nGPT.

* DeepNorm: Wang, Ma, Dong, Huang, Zhang & Wei 2022, arXiv:2203.00555
* Peri-LN: Kim et al. 2025, arXiv:2502.02732
* nGPT: Loshchilov, Hsieh, Sun & Ginsburg 2024, arXiv:2410.01131

``tests/test_deep_transformer_norm.py`` checks each against torch ops composed.
"""

from __future__ import annotations

import numpy as np

from snippets.norms import layer_norm


def _ln(x, eps=1e-5):
    """LayerNorm over the last axis, without γ, β."""
    return layer_norm(x, (x.shape[-1],), eps=eps)


# --8<-- [start:deepnorm]
def deepnorm_constants(num_layers):
    """DeepNorm's α and β for an encoder-only (or decoder-only) stack of N layers:
    α = (2N)^(1/4) up-weights the residual, β = (8N)^(−1/4) scales the initial
    weights of the FFN, the value and the output projections."""
    return (2 * num_layers) ** 0.25, (8 * num_layers) ** -0.25


def deepnorm_residual(x, sublayer, alpha):
    """x_{l+1} = LN(α · x_l + G(x_l)): Post-LN with the residual up-weighted by α."""
    return _ln(alpha * x + sublayer(x))
# --8<-- [end:deepnorm]


# --8<-- [start:peri_ln]
def peri_ln_residual(x, sublayer):
    """x_{l+1} = x_l + LN(G(LN(x_l))): normalization around the sublayer, on its input
    and on its output, and none on the residual stream itself."""
    return x + _ln(sublayer(_ln(x)))
# --8<-- [end:peri_ln]


# --8<-- [start:ngpt]
def unit(x):
    """x / ‖x‖ over the last axis: a point on the unit hypersphere."""
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def ngpt_residual(h, block_output, alpha):
    """nGPT's update h ← Norm(h + α ⊙ (Norm(h_block) − h)).

    h: unit-norm hidden states; alpha: per-dimension step sizes (the "eigen
    learning rates"). The result is back on the hypersphere; α = 0 keeps h, α = 1
    moves to the normalised block output.
    """
    return unit(h + alpha * (unit(block_output) - h))
# --8<-- [end:ngpt]
