"""Training residual networks without normalization layers.

* SkipInit: De & Smith 2020, arXiv:2002.10444
* Fixup: Zhang, Dauphin & Ma 2019, arXiv:1901.09321
* Scaled Weight Standardization: Brock, De & Smith 2021, arXiv:2101.08692
* Adaptive gradient clipping (AGC): Brock, De, Smith & Simonyan 2021, arXiv:2102.06171

``tests/test_normalizer_free.py`` checks each against torch ops composed.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:skipinit]
def skipinit_block(x, residual_branch, alpha):
    """x + α · f(x): SkipInit's learnable scalar α at the end of the residual
    branch, initialised to 0 (or small), so that each block starts as the identity."""
    return x + alpha * residual_branch(x)
# --8<-- [end:skipinit]


# --8<-- [start:fixup_scale]
def fixup_scale(num_branches, layers_per_branch):
    """Fixup's factor L^(−1/(2m−2)) for the weight layers inside the residual branches
    (after a standard initialisation; the last layer of each branch starts at 0).

    num_branches: L, the number of residual branches; layers_per_branch: m ≥ 2.
    """
    if layers_per_branch < 2:
        raise ValueError("Fixup's rule needs m >= 2 layers per residual branch")
    return num_branches ** (-1.0 / (2 * layers_per_branch - 2))
# --8<-- [end:fixup_scale]


# --8<-- [start:scaled_ws]
def scaled_weight_standardization(weight, gain=None, gamma=1.0, eps=0.0):
    """Ŵ_i = gain_i · γ · (W_i − μ_i) / (σ_i √N) for each output unit i (row of a
    Linear weight, filter of a Conv weight); N = fan-in, σ_i = √(Var(W_i) + ε).

    With ε = 0 each row of Ŵ has mean 0 and norm gain_i · γ. γ depends on the
    activation that follows.
    """
    rows = weight.reshape(weight.shape[0], -1)
    fan_in = rows.shape[1]
    mean = rows.mean(axis=1, keepdims=True)
    std = np.sqrt(rows.var(axis=1, keepdims=True) + eps)
    w_hat = gamma * (rows - mean) / (std * np.sqrt(fan_in))
    if gain is not None:
        w_hat = gain.reshape(-1, 1) * w_hat
    return w_hat.reshape(weight.shape)
# --8<-- [end:scaled_ws]


# --8<-- [start:agc]
def unitwise_norm(a):
    """‖·‖_F of each output unit (over every axis but the first); a vector or a
    scalar parameter (bias, gain) is one unit."""
    if a.ndim <= 1:
        return np.sqrt((a ** 2).sum())
    axes = tuple(range(1, a.ndim))
    return np.sqrt((a ** 2).sum(axis=axes, keepdims=True))


def adaptive_grad_clip(grad, weight, clipping=0.01, eps=1e-3):
    """AGC: where ‖G_i‖ / max(‖W_i‖, ε) > λ, scale G_i to λ · max(‖W_i‖, ε) / ‖G_i‖ · G_i.

    λ = clipping. Each unit's gradient is bounded relative to its own weight;
    units under the threshold keep their gradient. ε keeps zero-initialised
    weights from having every gradient clipped to 0.
    """
    max_norm = clipping * np.maximum(unitwise_norm(weight), eps)
    grad_norm = unitwise_norm(grad)
    clipped = grad * (max_norm / np.maximum(grad_norm, 1e-6))
    return np.where(grad_norm > max_norm, clipped, grad)
# --8<-- [end:agc]
