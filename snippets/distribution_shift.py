"""Distribution shift, measured: covariate shift between two data sets, and the shift of a
layer's input while the network trains (internal covariate shift).

* Covariate shift (Shimodaira 2000): the inputs' distribution changes, p_s(x) ≠ p_t(x),
  while p(y | x) stays. Importance weights w(x) = p_t(x) / p_s(x) turn a source
  average into a target one.
* A shift of per-channel statistics is measured here as the KL divergence between
  Gaussians fitted to each channel (mean and variance), before and after a change.

``tests/test_distribution_shift.py`` checks these against torch.distributions and a
torch network trained one SGD step.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:gaussian_kl]
def gaussian_kl(mean_p, var_p, mean_q, var_q):
    """KL(N(μ_p, σ_p²) ‖ N(μ_q, σ_q²)), element-wise.

    = ½ (σ_p²/σ_q² + (μ_p − μ_q)²/σ_q² − 1 + ln(σ_q²/σ_p²))
    """
    ratio = var_p / var_q
    return 0.5 * (ratio + (mean_p - mean_q) ** 2 / var_q - 1 - np.log(ratio))
# --8<-- [end:gaussian_kl]


# --8<-- [start:importance_weights]
def gaussian_log_density(x, mean, var):
    """ln N(x; μ, σ²)."""
    return -0.5 * (np.log(2 * np.pi * var) + (x - mean) ** 2 / var)


def importance_weights(x, source, target):
    """w(x) = p_t(x) / p_s(x) for Gaussian source and target, each (mean, var).

    Under covariate shift E_t[ℓ(x, y)] = E_s[w(x) ℓ(x, y)]: weighting the source
    samples corrects a loss or an expectation for the target.
    """
    return np.exp(gaussian_log_density(x, *target) - gaussian_log_density(x, *source))
# --8<-- [end:importance_weights]


# --8<-- [start:channel_shift]
def channel_shift(before, after):
    """Per-channel KL between Gaussian fits of a layer's input (N, C) before and after.

    The "internal covariate shift" of one training step, as first and second
    moments see it: 0 when each channel keeps its mean and variance.
    """
    return gaussian_kl(after.mean(axis=0), after.var(axis=0),
                       before.mean(axis=0), before.var(axis=0))
# --8<-- [end:channel_shift]
