"""Batch Normalization in NumPy, the mirror of ``torch.nn.functional.batch_norm``.

Ioffe & Szegedy 2015, arXiv:1502.03167. Channel axis 1; every other axis is reduced.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:batch_norm]
def batch_norm(input, running_mean, running_var, weight=None, bias=None,
               training=False, momentum=0.1, eps=1e-5):
    """Normalise ``input`` of shape (N, C, *) per channel C."""
    axes = (0,) + tuple(range(2, input.ndim))        # all axes but the channel axis
    shape = (1, -1) + (1,) * (input.ndim - 2)        # broadcast (C,) over (N, C, *)
    if training:
        # μ_B = (1/m) Σ x_i
        mean = input.mean(axis=axes)
        # σ²_B = (1/m) Σ (x_i − μ_B)²   (two passes: exact even when |μ| ≫ σ)
        var = ((input - mean.reshape(shape)) ** 2).mean(axis=axes)
        m = input.size // input.shape[1]
        if running_mean is not None:
            # running ← (1 − momentum) · running + momentum · batch
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            # running_var uses the unbiased variance m/(m−1) · σ²_B
            running_var *= 1 - momentum
            running_var += momentum * var * m / (m - 1)
    else:
        mean, var = running_mean, running_var
    # x̂ = (x − μ) / sqrt(σ² + ε)
    x_hat = (input - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    # y = γ x̂ + β
    if weight is not None:
        x_hat = x_hat * weight.reshape(shape)
    if bias is not None:
        x_hat = x_hat + bias.reshape(shape)
    return x_hat.astype(input.dtype, copy=False)
# --8<-- [end:batch_norm]
